/* tests/unit/test-store.c: the store's journal (agent/store-journal.c):
 * changes appended and replayed, torn last entries dropped, corruption in
 * the middle refused with the file and offset, compaction. */

#include <config.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/records.h"
#include "agent/store.h"
#include "svec.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

#define VM_PREFIX "6a1f3c8e-0b7d-4e2a-9c5f-"

/* One test's store: a directory, the records in memory as the agent keeps
 * them, and the open store. */
struct bed {
    char *dir;
    char *path;
    char *jpath;
    struct xrec_db db;
    struct xstore *store;
};

static void
bed_init(struct bed *b)
{
    b->dir = unit_tmpdir();
    b->path = xasprintf("%s/records.json", b->dir);
    b->jpath = xasprintf("%s.journal", b->path);
    xrec_db_init(&b->db);
    b->store = xstore_open(b->path, 0, 0);
}

static void
bed_destroy(struct bed *b)
{
    xstore_close(b->store);
    xrec_db_destroy(&b->db);
    free(b->path);
    free(b->jpath);
    unit_rmdir(b->dir);
}

/* 'ops' (a journal entry's array) as sorted lines of text, consumed. */
static char *
ops_text(struct json_object *ops)
{
    struct svec lines = SVEC_EMPTY_INITIALIZER;
    for (size_t i = 0; i < json_object_array_length(ops); i++) {
        svec_add(&lines, json_object_to_json_string_ext(
                             json_object_array_get_idx(ops, i),
                             JSON_C_TO_STRING_PLAIN));
    }
    svec_sort(&lines);
    char *text = svec_join(&lines, "\n", "");
    svec_destroy(&lines);
    json_object_put(ops);
    return text;
}

/* Runs one call as the agent does (api.c): inside a change, then the
 * commit of what the change touched, after checking that it saves exactly
 * what a diff of the whole records before and after finds (every record
 * the call changed was touched).  Returns the commit's error (or NULL). */
static char *
bed_call(struct bed *b, const char *method, const char *const *args, size_t n)
{
    struct xrec_db before;
    xrec_db_clone(&before, &b->db);
    struct xrec_change *change = xrec_change_begin(&b->db);
    int code = unit_callv(&b->db, method, args, n);
    char *error = NULL;
    if (code) {
        error = xasprintf("%s refused: %s", method, unit_error);
    } else {
        char *want = ops_text(xstore_diff(&before, &b->db));
        char *have = ops_text(xstore_change_ops(change, &b->db));
        if (strcmp(want, have)) {
            error = xasprintf("%s: the change's ops\n%s\ndiffer from the "
                              "diff's\n%s",
                              method, have, want);
        }
        free(want);
        free(have);
    }
    if (!error) {
        error = xstore_commit_change(b->store, change, &b->db);
    }
    xrec_change_end(&b->db, change);
    xrec_db_destroy(&before);
    return error;
}

#define CALL(B, METHOD, ...)                                                  \
    ({                                                                        \
        const char *const args_[] = {__VA_ARGS__};                            \
        bed_call(B, METHOD, args_, ARRAY_SIZE(args_));                        \
    })

/* Loads the store afresh and checks it holds exactly 'b->db'. */
static char *
bed_reload_matches(struct bed *b, struct xstore_load_info *info)
{
    struct xrec_db db2;
    xrec_db_init(&db2);
    char *error = xstore_load_ex(b->path, &db2, info);
    if (!error) {
        char *want = unit_db_text(&b->db), *have = unit_db_text(&db2);
        if (strcmp(want, have)) {
            error = xasprintf("reloaded records differ:\n%s\nvs\n%s", want,
                              have);
        }
        free(want);
        free(have);
    }
    xrec_db_destroy(&db2);
    return error;
}

static long long
file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) ? -1 : st.st_size;
}

/* A network, three VIFs, changes and a destroy in the middle: the journal
 * alone (no snapshot yet) gives back the same records, in order. */
static void
populate(struct bed *b, int n_vifs)
{
    char *error = CALL(b, "network-create", "name-label=j");
    CHECK(!error, "%s", error);
    char *net = xasprintf("network-uuid=%s", unit_result_uuid());
    for (int i = 0; i < n_vifs; i++) {
        char *domid = xasprintf("domid=%d", i / 7 + 1);
        char *dev = xasprintf("device=%d", i % 7);
        char *mac = xasprintf("mac=02:00:00:00:%02x:%02x", i >> 8, i & 255);
        char *vm = xasprintf("vm-uuid=%s%012d", VM_PREFIX, i / 7 + 1);
        error = CALL(b, "vif-create", vm, domid, dev, net, mac);
        free(vm);
        free(domid);
        free(dev);
        free(mac);
        CHECK(!error, "%s", error);
    }
    free(net);
}

static void
test_journal_replay(const void *aux OVS_UNUSED)
{
    struct bed b;
    bed_init(&b);
    populate(&b, 3);
    char *u1 = xasprintf("uuid=%s", b.db.vifs[1]->uuid);
    char *u2 = xasprintf("uuid=%s", b.db.vifs[2]->uuid);
    char *error = CALL(&b, "vif-plug", u2);
    CHECK(!error, "%s", error);
    error = CALL(&b, "vif-param-set", u2, "other-config:k=v",
                 "locking-mode=locked", "ipv4-allowed=198.18.0.9");
    CHECK(!error, "%s", error);
    error = CALL(&b, "vif-destroy", u1);
    CHECK(!error, "%s", error);
    error = CALL(&b, "pool-param-set", "igmp-snooping-enabled=true");
    CHECK(!error, "%s", error);
    CHECK(file_size(b.path) < 0, "a snapshot was written for small changes");
    CHECK(file_size(b.jpath) > 0, "no journal");

    struct xstore_load_info info;
    error = bed_reload_matches(&b, &info);
    CHECK(!error, "%s", error);
    CHECK(info.n_entries == 8 && !info.torn, "%zu entries, torn %d",
          info.n_entries, info.torn);

    /* A call that changes nothing appends nothing. */
    long long size = file_size(b.jpath);
    error = CALL(&b, "vif-param-set", u2, "other-config:k=v");
    CHECK(!error, "%s", error);
    CHECK(file_size(b.jpath) == size, "an empty change was journaled");
    free(u1);
    free(u2);
    bed_destroy(&b);
}

/* Appends 'text' to 'path'. */
static void
append(const char *path, const char *text)
{
    FILE *f = fopen(path, "ab");
    fputs(text, f);
    fclose(f);
}

static void
test_journal_torn_tail(const void *aux OVS_UNUSED)
{
    const char *tails[] = {
        "XJ1 0000",                               /* cut in the header */
        "XJ1 01234567 {\"ops\":[{\"table\":\"vi", /* cut in the JSON */
        "XJ1 01234567 {\"ops\":[]}\n",            /* whole, bad checksum */
    };
    for (size_t t = 0; t < ARRAY_SIZE(tails); t++) {
        struct bed b;
        bed_init(&b);
        populate(&b, 2);
        long long good = file_size(b.jpath);
        append(b.jpath, tails[t]);

        struct xstore_load_info info;
        char *error = bed_reload_matches(&b, &info);
        CHECK(!error, "tail %zu: %s", t, error);
        CHECK(info.torn && info.journal_len == good,
              "tail %zu: torn %d, good length %lld of %lld", t, info.torn,
              (long long)info.journal_len, good);

        /* The agent goes on from the good end: the next change replaces
         * the torn bytes, and the journal is clean again. */
        xstore_close(b.store);
        b.store = xstore_open(b.path, info.journal_len, 0);
        char *u = xasprintf("uuid=%s", b.db.vifs[0]->uuid);
        error = CALL(&b, "vif-plug", u);
        free(u);
        CHECK(!error, "%s", error);
        error = bed_reload_matches(&b, &info);
        CHECK(!error, "tail %zu after a change: %s", t, error);
        CHECK(!info.torn, "tail %zu: torn bytes left in the journal", t);
        bed_destroy(&b);
    }
}

static void
test_journal_corrupt_middle(const void *aux OVS_UNUSED)
{
    struct bed b;
    bed_init(&b);
    populate(&b, 2);

    /* Flip one byte inside the second entry's JSON. */
    FILE *f = fopen(b.jpath, "r+b");
    char line[8192];
    CHECK(fgets(line, sizeof line, f), "no first line");
    long second = ftell(f);
    fseek(f, second + 40, SEEK_SET);
    int c = fgetc(f);
    fseek(f, second + 40, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);

    struct xrec_db db2;
    xrec_db_init(&db2);
    char *error = xstore_load(b.path, &db2);
    CHECK(error, "a journal corrupt in the middle was accepted");
    char *where = xasprintf("%s is corrupt at byte %ld (checksum mismatch)",
                            b.jpath, second);
    CHECK(strstr(error, where), "message \"%s\" lacks \"%s\"", error, where);
    CHECK(strstr(error, "refusing to start"),
          "message \"%s\" says not what "
          "to do",
          error);
    CHECK(!db2.n_networks && !db2.n_vifs, "records loaded from a corrupt "
                                          "journal");
    free(where);
    free(error);
    xrec_db_destroy(&db2);
    bed_destroy(&b);
}

static void
test_journal_compaction(const void *aux OVS_UNUSED)
{
    struct bed b;
    bed_init(&b);
    populate(&b, 70);

    /* Enough changes to pass 1 MiB of journal. */
    char *desc = xmalloc(1001);
    memset(desc, 'x', 1000);
    desc[1000] = '\0';
    char *u = xasprintf("uuid=%s", b.db.vifs[5]->uuid);
    struct xstore_stats st;
    for (int i = 0; i < 1500; i++) {
        char *kv = xasprintf("other-config:d=%d%s", i, desc);
        char *error = CALL(&b, "vif-param-set", u, kv);
        free(kv);
        CHECK(!error, "%s", error);
        xstore_get_stats(b.store, &st);
        if (st.n_compactions) {
            break;
        }
    }
    CHECK(st.n_compactions == 1, "no compaction after %llu appends",
          st.n_appends);
    CHECK(file_size(b.path) > 0, "no snapshot after the compaction");
    CHECK(file_size(b.jpath) == 0, "journal %lld bytes after compaction",
          file_size(b.jpath));
    char *error = CALL(&b, "vif-destroy", u);
    CHECK(!error, "%s", error);
    error = bed_reload_matches(&b, NULL);
    CHECK(!error, "after compaction: %s", error);

    /* A crash between the new snapshot and emptying the journal replays
     * entries the snapshot already holds: same records. */
    char *journal = xasprintf("%s.old", b.jpath);
    char *net = xasprintf("uuid=%s", b.db.networks[0]->uuid);
    error = CALL(&b, "network-param-set", "name-description=later", net);
    free(net);
    CHECK(!error, "%s", error);
    CHECK(!link(b.jpath, journal), "link");
    error = xstore_save(b.path, &b.db);
    CHECK(!error, "%s", error);
    error = bed_reload_matches(&b, NULL);
    CHECK(!error, "snapshot + its own journal: %s", error);
    unlink(journal);
    free(journal);
    free(u);
    free(desc);
    bed_destroy(&b);
}

static void
test_journal_append_error(const void *aux OVS_UNUSED)
{
    struct bed b;
    bed_init(&b);
    populate(&b, 1);
    xstore_close(b.store);
    /* A journal that cannot be opened: the error names the store and the
     * journal, and nothing is written. */
    unlink(b.jpath);
    CHECK(!mkdir(b.jpath, 0700), "mkdir");
    b.store = xstore_open(b.path, 0, 0);
    char *error = CALL(&b, "network-create", "name-label=k");
    CHECK(error && strstr(error, b.path) && strstr(error, ".journal"),
          "append error: %s", error ? error : "accepted");
    free(error);
    rmdir(b.jpath);
    bed_destroy(&b);
}

/* A change undone (the store refused it, or a batch failed halfway) puts
 * the records back exactly, in order, whatever the calls did: VIFs
 * created, changed, destroyed (and their positions), other tables. */
static void
test_change_rollback(const void *aux OVS_UNUSED)
{
    struct bed b;
    bed_init(&b);
    populate(&b, 5);
    char *u1 = xasprintf("uuid=%s", b.db.vifs[1]->uuid);
    char *u3 = xasprintf("uuid=%s", b.db.vifs[3]->uuid);
    char *net = xasprintf("network-uuid=%s", b.db.networks[0]->uuid);
    char *nu = xasprintf("uuid=%s", b.db.networks[0]->uuid);
    char *before = unit_db_text(&b.db);
    const char *const calls[][6] = {
        {"vif-plug", u1},
        {"vif-param-set", u3, "other-config:x=y", "MTU=1400"},
        {"vif-destroy", u3},
        {"vif-create", "vm-uuid=" VM_PREFIX "000000000099", "domid=99",
         "device=0", net, "mac=02:00:00:00:99:00"},
        {"network-param-set", nu, "name-description=changed"},
        {"pool-param-set", "igmp-snooping-enabled=true"},
    };

    /* Each call alone, then all of them in one change. */
    for (size_t k = 0; k <= ARRAY_SIZE(calls); k++) {
        struct xrec_change *change = xrec_change_begin(&b.db);
        for (size_t i = (k < ARRAY_SIZE(calls) ? k : 0);
             i < (k < ARRAY_SIZE(calls) ? k + 1 : ARRAY_SIZE(calls)); i++) {
            size_t n = 1;
            while (n < ARRAY_SIZE(calls[i]) && calls[i][n]) {
                n++;
            }
            int code = unit_callv(&b.db, calls[i][0], &calls[i][1], n - 1);
            CHECK(!code, "%s: %s", calls[i][0], unit_error);
        }
        char *during = unit_db_text(&b.db);
        CHECK(strcmp(during, before), "call %zu changed nothing", k);
        free(during);
        xrec_change_abort(&b.db, change);
        CHECK(!b.db.change, "the change is still set");
        char *after = unit_db_text(&b.db);
        CHECK(!strcmp(after, before), "undo of call %zu:\n%s\nwas\n%s", k,
              after, before);
        free(after);
    }
    /* Touched, then undone, then changed for good: saved. */
    char *error = CALL(&b, "vif-plug", u1);
    CHECK(!error, "%s", error);
    error = bed_reload_matches(&b, NULL);
    CHECK(!error, "%s", error);
    free(before);
    free(u1);
    free(u3);
    free(net);
    free(nu);
    bed_destroy(&b);
}

void
test_store_register(void)
{
    unit_add("store-change-rollback", test_change_rollback, NULL);
    unit_add("store-journal-replay", test_journal_replay, NULL);
    unit_add("store-journal-torn-tail", test_journal_torn_tail, NULL);
    unit_add("store-journal-corrupt-middle", test_journal_corrupt_middle,
             NULL);
    unit_add("store-journal-compaction", test_journal_compaction, NULL);
    unit_add("store-journal-append-error", test_journal_append_error, NULL);
}
