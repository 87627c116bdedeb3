/* agent/store-journal.c: the store's journal (see store.h): the records
 * changed by each committed call, appended to PATH.journal and fsynced,
 * replayed over the snapshot PATH at start-up, folded into a new snapshot
 * when it has grown (compaction), as OVSDB's own log does.
 *
 * One entry per line:
 *
 *   XJ1 <crc32c of JSON, 8 hex digits> <JSON>\n
 *
 * JSON is {"ops": [OP, ...]} where OP is
 *   {"table": T, "uuid": U, "record": {...}}   record U is now this, or
 *   {"table": T, "uuid": U, "delete": true}    record U is gone, or
 *   {"table": "pool", "record": {...} | null}  the pool record;
 * T and the record's form are those of the snapshot (records.h).  An entry
 * holds whole records, so replaying an entry twice is harmless: a crash
 * after a compaction renamed the new snapshot but before it emptied the
 * journal replays the journal over a snapshot that already holds it, with
 * the same result.
 *
 * A last line that is incomplete or fails its checksum is a torn append:
 * nobody was told it succeeded (the answer waits for the fsync), so it is
 * dropped (and cut off the file at the next append).  Any other bad line is
 * corruption: loading refuses, naming the file and the byte offset. */

#include <config.h>
#include "agent/store.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/records.h"
#include "byte-order.h"
#include "hash.h"
#include "lib/xovs-journal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "util.h"

/* The journal is folded into a new snapshot once it is this large, or as
 * large as the snapshot (so the work per change stays O(1) on average). */
#define COMPACT_MIN (1024 * 1024)

struct xstore {
    char *path;       /* the snapshot */
    char *jpath;      /* PATH.journal */
    int fd;           /* the journal, open for writing; -1 before the
                       * first append */
    off_t len;        /* its good bytes: the next entry goes here */
    off_t compact_at; /* compact when 'len' reaches this */
    char *warning;    /* a failed compaction, for the caller to log */
    unsigned long long n_appends; /* entries written by this process */
    unsigned long long n_compactions;
};

/* ---------------------------------------------------------------------- */
/* The tables, generically: every record struct starts with its uuid. */

struct table {
    const char *name;
    size_t array_ofs; /* of the 'void **' array in struct xrec_db */
    size_t n_ofs;     /* of its size_t count */
};

#define TABLE(NAME, MEMBER, N, TYPE)                                          \
    {                                                                         \
        NAME, offsetof(struct xrec_db, MEMBER), offsetof(struct xrec_db, N)   \
    }
static const struct table tables[] = {
    TABLE("networks", networks, n_networks, struct xrec_network),
    TABLE("pifs", pifs, n_pifs, struct xrec_pif),
    TABLE("vlans", vlans, n_vlans, struct xrec_vlan),
    TABLE("vifs", vifs, n_vifs, struct xrec_vif),
    TABLE("bonds", bonds, n_bonds, struct xrec_bond),
    TABLE("sdn_controllers", sdn_controllers, n_sdn_controllers,
          struct xrec_sdn_controller),
    TABLE("ssl", ssls, n_ssls, struct xrec_ssl),
    TABLE("tunnels", tunnels, n_tunnels, struct xrec_tunnel),
    TABLE("mirrors", mirrors, n_mirrors, struct xrec_mirror),
};
_Static_assert(offsetof(struct xrec_network, uuid) == 0, "uuid first");
_Static_assert(offsetof(struct xrec_pif, uuid) == 0, "uuid first");
_Static_assert(offsetof(struct xrec_vlan, uuid) == 0, "uuid first");
_Static_assert(offsetof(struct xrec_vif, uuid) == 0, "uuid first");
_Static_assert(offsetof(struct xrec_bond, uuid) == 0, "uuid first");
_Static_assert(offsetof(struct xrec_sdn_controller, uuid) == 0, "uuid first");
_Static_assert(offsetof(struct xrec_ssl, uuid) == 0, "uuid first");
_Static_assert(offsetof(struct xrec_tunnel, uuid) == 0, "uuid first");
_Static_assert(offsetof(struct xrec_mirror, uuid) == 0, "uuid first");

static void *const *
table_array(const struct xrec_db *db, const struct table *t)
{
    return *(void *const *const *)((const char *)db + t->array_ofs);
}

static size_t
table_n(const struct xrec_db *db, const struct table *t)
{
    return *(const size_t *)((const char *)db + t->n_ofs);
}

static const char *
record_uuid(const void *rec)
{
    return *(char *const *)rec;
}

/* ---------------------------------------------------------------------- */
/* Diff. */

static bool
str_equal(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static bool
svec_equal_(const struct svec *a, const struct svec *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->names[i], b->names[i])) {
            return false;
        }
    }
    return true;
}

/* VIFs are the table that grows to thousands: compared field by field, not
 * through JSON.  A new member of struct xrec_vif changes its size and stops
 * the build here until it is compared too. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct xrec_vif) == 200,
               "struct xrec_vif changed: update vif_equal()");
static bool
vif_equal(const struct xrec_vif *a, const struct xrec_vif *b)
{
    return (str_equal(a->uuid, b->uuid) && str_equal(a->vm_uuid, b->vm_uuid)
            && a->domid == b->domid && a->device == b->device
            && str_equal(a->network, b->network) && str_equal(a->mac, b->mac)
            && a->mtu == b->mtu && a->locking_mode == b->locking_mode
            && svec_equal_(&a->ipv4_allowed, &b->ipv4_allowed)
            && svec_equal_(&a->ipv6_allowed, &b->ipv6_allowed)
            && a->currently_attached == b->currently_attached
            && smap_equal(&a->other_config, &b->other_config)
            && str_equal(a->qos_algorithm_type, b->qos_algorithm_type)
            && smap_equal(&a->qos_algorithm_params, &b->qos_algorithm_params)
            && str_equal(a->trunks, b->trunks) && a->vlan_mode == b->vlan_mode
            && a->native_vlan == b->native_vlan
            && str_equal(a->dpdk_devargs, b->dpdk_devargs));
}

static const char *
json_text(struct json_object *j)
{
    return json_object_to_json_string_ext(
        j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static struct json_object *
new_op(const char *table, const char *uuid)
{
    struct json_object *op = json_object_new_object();
    json_object_object_add(op, "table", json_object_new_string(table));
    if (uuid) {
        json_object_object_add(op, "uuid", json_object_new_string(uuid));
    }
    return op;
}

/* Adds to 'ops' the record 'i' of table 't' of 'after' unless 'before' has
 * record 'j' (SIZE_MAX: none) equal to it. */
static void
diff_record(struct json_object *ops, const struct table *t,
            const struct xrec_db *before, size_t j,
            const struct xrec_db *after, size_t i)
{
    const void *rec = table_array(after, t)[i];
    struct json_object *now = NULL;

    if (j != SIZE_MAX) {
        const void *old = table_array(before, t)[j];
        if (!strcmp(t->name, "vifs")) {
            if (vif_equal(old, rec)) {
                return;
            }
        } else {
            struct json_object *was = xrec_record_to_json(before, t->name, j);
            now = xrec_record_to_json(after, t->name, i);
            bool same = !strcmp(json_text(was), json_text(now));
            json_object_put(was);
            if (same) {
                json_object_put(now);
                return;
            }
        }
    }
    struct json_object *op = new_op(t->name, record_uuid(rec));
    json_object_object_add(op, "record",
                           now ? now : xrec_record_to_json(after, t->name, i));
    json_object_array_add(ops, op);
}

struct uuid_node {
    struct hmap_node node;
    const char *uuid;
    size_t index;
    bool matched;
};

/* Adds to 'ops' what changed in table 't' from 'before' to 'after'.
 * Records keep their order (new ones are appended, removed ones leave a
 * gap), so most pairs are found at the same index; the others by hash. */
static void
diff_table(struct json_object *ops, const struct table *t,
           const struct xrec_db *before, const struct xrec_db *after)
{
    size_t nb = table_n(before, t), na = table_n(after, t);
    void *const *b = table_array(before, t);
    void *const *a = table_array(after, t);
    struct hmap index = HMAP_INITIALIZER(&index);
    struct uuid_node *nodes = NULL;
    bool *matched = xcalloc(nb + 1, sizeof *matched);

    xrec_counters.n_journaled += na;

    for (size_t i = 0; i < na; i++) {
        const char *uuid = record_uuid(a[i]);
        size_t j = SIZE_MAX;

        if (i < nb && !strcmp(uuid, record_uuid(b[i]))) {
            j = i;
        } else {
            if (!nodes) {
                nodes = xcalloc(nb + 1, sizeof *nodes);
                for (size_t k = 0; k < nb; k++) {
                    nodes[k].uuid = record_uuid(b[k]);
                    nodes[k].index = k;
                    hmap_insert(&index, &nodes[k].node,
                                hash_string(nodes[k].uuid, 0));
                }
            }
            struct uuid_node *n;
            HMAP_FOR_EACH_WITH_HASH (n, node, hash_string(uuid, 0), &index) {
                if (!strcmp(n->uuid, uuid)) {
                    j = n->index;
                    break;
                }
            }
        }
        if (j != SIZE_MAX) {
            matched[j] = true;
        }
        diff_record(ops, t, before, j, after, i);
    }
    for (size_t k = 0; k < nb; k++) {
        if (!matched[k]) {
            struct json_object *op = new_op(t->name, record_uuid(b[k]));
            json_object_object_add(op, "delete", json_object_new_boolean(1));
            json_object_array_add(ops, op);
        }
    }
    hmap_destroy(&index);
    free(nodes);
    free(matched);
}

static void
diff_pool(struct json_object *ops, const struct xrec_db *before,
          const struct xrec_db *after)
{
    struct json_object *was = xrec_record_to_json(before, "pool", 0);
    struct json_object *now = xrec_record_to_json(after, "pool", 0);
    if (!was != !now || (now && strcmp(json_text(was), json_text(now)))) {
        struct json_object *op = new_op("pool", NULL);
        json_object_object_add(op, "record", json_object_get(now));
        json_object_array_add(ops, op);
    }
    json_object_put(was);
    json_object_put(now);
}

/* The ops of 'change' (records.h), which made the records 'after': the
 * tables other than the VIFs diffed (they are small), the VIFs the change
 * touched compared one by one.  Same ops as xstore_diff() of the records
 * before and after, but the VIFs' in the order the change touched them.
 * Caller owns the result. */
struct json_object *
xstore_change_ops(const struct xrec_change *change,
                  const struct xrec_db *after)
{
    struct json_object *ops = json_object_new_array();
    if (xrec_change_others_changed(change, after)) {
        const struct xrec_db *before = xrec_change_before(change);
        for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
            if (strcmp(tables[i].name, "vifs")) {
                diff_table(ops, &tables[i], before, after);
            }
        }
        diff_pool(ops, before, after);
    }
    size_t n = xrec_change_n_vifs(change);
    for (size_t i = 0; i < n; i++) {
        const struct xrec_vif *old, *new;
        xrec_change_get_vif(change, i, &old, &new);
        if (new && (!old || !vif_equal(old, new))) {
            struct json_object *op = new_op("vifs", new->uuid);
            json_object_object_add(op, "record", xrec_vif_to_json(new));
            json_object_array_add(ops, op);
        } else if (!new &&old) {
            struct json_object *op = new_op("vifs", old->uuid);
            json_object_object_add(op, "delete", json_object_new_boolean(1));
            json_object_array_add(ops, op);
        }
    }
    return ops;
}

/* The changes from 'before' to 'after' as an array of ops (possibly
 * empty).  Caller owns it. */
struct json_object *
xstore_diff(const struct xrec_db *before, const struct xrec_db *after)
{
    struct json_object *ops = json_object_new_array();
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        diff_table(ops, &tables[i], before, after);
    }
    diff_pool(ops, before, after);
    return ops;
}

/* ---------------------------------------------------------------------- */
/* Replay. */

/* One table of the snapshot being replayed into: its array with removed
 * records left as NULL holes (squeezed out at the end) and uuid -> index. */
struct replay_table {
    struct json_object *array;
    struct shash index; /* uuid -> (void *) (index + 1) */
};

static const struct table *
find_table(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        if (!strcmp(tables[i].name, name)) {
            return &tables[i];
        }
    }
    return NULL;
}

static void
replay_table_init(struct replay_table *rt, struct json_object *snapshot,
                  const char *name)
{
    struct json_object *array;
    if (!json_object_object_get_ex(snapshot, name, &array)
        || !json_object_is_type(array, json_type_array)) {
        array = json_object_new_array();
        json_object_object_add(snapshot, name, array);
    }
    rt->array = array;
    shash_init(&rt->index);
    size_t n = json_object_array_length(array);
    for (size_t i = 0; i < n; i++) {
        struct json_object *rec = json_object_array_get_idx(array, i);
        struct json_object *uuid;
        if (json_object_object_get_ex(rec, "uuid", &uuid)
            && json_object_is_type(uuid, json_type_string)) {
            shash_replace(&rt->index, json_object_get_string(uuid),
                          (void *)(uintptr_t)(i + 1));
        }
    }
}

/* What replay_entry() works on: the snapshot and its tables' indexes. */
struct replay_aux {
    struct json_object *snapshot;
    struct replay_table *rts;
};

/* Applies the ops of one entry to 'aux''s snapshot.  Returns NULL or a
 * malloc'd reason ('snapshot' then partly changed: the caller refuses it all).
 */
static char *
replay_entry(struct json_object *entry, void *aux_)
{
    const struct replay_aux *aux = aux_;
    struct json_object *snapshot = aux->snapshot;
    struct replay_table *rts = aux->rts;
    struct json_object *ops;
    if (!json_object_is_type(entry, json_type_object)
        || !json_object_object_get_ex(entry, "ops", &ops)
        || !json_object_is_type(ops, json_type_array)) {
        return xstrdup("an entry is not {\"ops\": [...]}");
    }
    size_t n = json_object_array_length(ops);
    for (size_t i = 0; i < n; i++) {
        struct json_object *op = json_object_array_get_idx(ops, i);
        struct json_object *table, *uuid, *record, *del;
        if (!json_object_object_get_ex(op, "table", &table)
            || !json_object_is_type(table, json_type_string)) {
            return xstrdup("an op has no \"table\"");
        }
        const char *name = json_object_get_string(table);
        bool has_record = json_object_object_get_ex(op, "record", &record);
        bool is_delete = (json_object_object_get_ex(op, "delete", &del)
                          && json_object_get_boolean(del));
        if (!strcmp(name, "pool")) {
            if (!has_record) {
                return xstrdup("a pool op has no \"record\"");
            }
            if (record) {
                json_object_object_add(snapshot, "pool",
                                       json_object_get(record));
            } else {
                json_object_object_del(snapshot, "pool");
            }
            continue;
        }
        const struct table *t = find_table(name);
        if (!t) {
            return xasprintf("an op names unknown table \"%.64s\"", name);
        }
        if (!json_object_object_get_ex(op, "uuid", &uuid)
            || !json_object_is_type(uuid, json_type_string)
            || (!is_delete
                && (!record
                    || !json_object_is_type(record, json_type_object)))) {
            return xasprintf("a %s op has no uuid or record", name);
        }
        struct replay_table *rt = &rts[t - tables];
        const char *u = json_object_get_string(uuid);
        uintptr_t at = (uintptr_t)shash_find_data(&rt->index, u);
        if (is_delete) {
            if (at) {
                json_object_array_put_idx(rt->array, at - 1, NULL);
                shash_find_and_delete(&rt->index, u);
            }
        } else if (at) {
            json_object_array_put_idx(rt->array, at - 1,
                                      json_object_get(record));
        } else {
            json_object_array_add(rt->array, json_object_get(record));
            shash_add(&rt->index, u,
                      (void *)(uintptr_t)json_object_array_length(rt->array));
        }
    }
    return NULL;
}

/* Squeezes the holes out of 'rt''s array. */
static void
replay_table_finish(struct replay_table *rt, struct json_object *snapshot,
                    const char *name)
{
    struct json_object *packed = json_object_new_array();
    size_t n = json_object_array_length(rt->array);
    for (size_t i = 0; i < n; i++) {
        struct json_object *rec = json_object_array_get_idx(rt->array, i);
        if (rec) {
            json_object_array_add(packed, json_object_get(rec));
        }
    }
    json_object_object_add(snapshot, name, packed);
    shash_destroy(&rt->index);
}

char *
xstore_journal_replay(const char *jpath, struct json_object *snapshot,
                      off_t *good_len, size_t *n_entries, bool *torn)
{
    *good_len = 0;
    *n_entries = 0;
    *torn = false;

    int fd = open(jpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return (errno == ENOENT ? NULL
                                : xasprintf("cannot open %s: %s", jpath,
                                            ovs_strerror(errno)));
    }
    char *buf;
    size_t len;
    int error = xstore_read_all(fd, &buf, &len);
    close(fd);
    if (error) {
        return xasprintf("cannot read %s: %s", jpath,
                         error == EFBIG ? "larger than 64 MiB"
                                        : ovs_strerror(error));
    }

    struct replay_table rts[ARRAY_SIZE(tables)];
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        replay_table_init(&rts[i], snapshot, tables[i].name);
    }
    struct replay_aux aux = {snapshot, rts};
    size_t good;
    char *msg = xjournal_replay(jpath, buf, len, replay_entry, &aux, n_entries,
                                torn, &good);
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        replay_table_finish(&rts[i], snapshot, tables[i].name);
    }
    *good_len = good;
    free(buf);
    return msg;
}

/* ---------------------------------------------------------------------- */
/* The open store. */

struct xstore *
xstore_open(const char *path, off_t journal_len, off_t snapshot_size)
{
    struct xstore *s = xzalloc(sizeof *s);
    s->path = xstrdup(path);
    s->jpath = xasprintf("%s.journal", path);
    s->fd = -1;
    s->len = journal_len;
    s->compact_at = MAX(COMPACT_MIN, snapshot_size);
    return s;
}

void
xstore_close(struct xstore *s)
{
    if (s) {
        if (s->fd >= 0) {
            close(s->fd);
        }
        free(s->path);
        free(s->jpath);
        free(s->warning);
        free(s);
    }
}

/* Opens the journal for appending, cutting off a torn tail. */
static int
journal_open(struct xstore *s)
{
    if (s->fd >= 0) {
        return 0;
    }
    struct stat st;
    bool existed = !stat(s->jpath, &st);
    int fd = open(s->jpath, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return errno;
    }
    int error = 0;
    if (existed && st.st_size != s->len && ftruncate(fd, s->len)) {
        error = errno;
    } else if (!existed) {
        error = xstore_fsync_parent_dir(s->jpath);
    }
    if (error) {
        close(fd);
        return error;
    }
    s->fd = fd;
    return 0;
}

static int
journal_append(struct xstore *s, const char *json)
{
    int error = journal_open(s);
    if (error) {
        return error;
    }
    struct ds line = DS_EMPTY_INITIALIZER;
    xjournal_format(&line, json, strlen(json));

    const char *p = line.string;
    size_t left = line.length;
    off_t at = s->len;
    while (left > 0 && !error) {
        ssize_t n = pwrite(s->fd, p, left, at);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            error = errno;
        } else {
            p += n;
            left -= n;
            at += n;
        }
    }
    if (!error && fdatasync(s->fd)) {
        error = errno;
    }
    if (error) {
        /* Take the partial entry back, so the next one follows the last
         * good one; if even that fails, the next load sees a torn tail
         * (it is the last line) or the next append overwrites it. */
        if (ftruncate(s->fd, s->len) || fdatasync(s->fd)) {
            /* Nothing more to do: 's->len' still marks the good end. */
        }
    } else {
        s->len = at;
        s->n_appends++;
    }
    ds_destroy(&line);
    return error;
}

/* Folds the journal into a new snapshot of 'db'. */
static void
compact(struct xstore *s, const struct xrec_db *db)
{
    char *error = xstore_save(s->path, db);
    if (!error) {
        if (ftruncate(s->fd, 0) || fdatasync(s->fd)) {
            error = xasprintf("store %s: cannot empty %s after a compaction: "
                              "%s",
                              s->path, s->jpath, ovs_strerror(errno));
        } else {
            struct stat st;
            s->len = 0;
            s->compact_at
                = MAX(COMPACT_MIN, !stat(s->path, &st) ? st.st_size : 0);
            s->n_compactions++;
            return;
        }
    }
    /* The change is safe in the journal; try again after it has grown by a
     * quarter more, not on every change (the disk may be full). */
    free(s->warning);
    s->warning = error;
    s->compact_at = s->len + MAX(COMPACT_MIN, s->compact_at) / 4;
}

/* Appends 'ops' (consumed) as one entry, compacting into 'after' when the
 * journal has grown. */
static char *
commit_ops(struct xstore *s, struct json_object *ops,
           const struct xrec_db *after)
{
    char *msg = NULL;

    if (json_object_array_length(ops)) {
        struct json_object *entry = json_object_new_object();
        json_object_object_add(entry, "ops", ops);
        int error = journal_append(s, json_text(entry));
        json_object_put(entry);
        if (error) {
            return xasprintf("store %s: cannot append to %s: %s", s->path,
                             s->jpath, ovs_strerror(error));
        }
        if (s->len >= s->compact_at) {
            compact(s, after);
        }
    } else {
        json_object_put(ops);
    }
    return msg;
}

char *
xstore_commit(struct xstore *s, const struct xrec_db *before,
              const struct xrec_db *after)
{
    return commit_ops(s, xstore_diff(before, after), after);
}

char *
xstore_commit_change(struct xstore *s, const struct xrec_change *change,
                     const struct xrec_db *after)
{
    xrec_counters.n_journaled += xrec_change_n_vifs(change);
    return commit_ops(s, xstore_change_ops(change, after), after);
}

char *
xstore_checkpoint(struct xstore *s, const struct xrec_db *db)
{
    if (!s->len) {
        return NULL;
    }
    int error = journal_open(s);
    if (error) {
        return xasprintf("store %s: cannot open %s: %s", s->path, s->jpath,
                         ovs_strerror(error));
    }
    compact(s, db);
    return xstore_take_warning(s);
}

char *
xstore_take_warning(struct xstore *s)
{
    char *w = s->warning;
    s->warning = NULL;
    return w;
}

void
xstore_get_stats(const struct xstore *s, struct xstore_stats *st)
{
    st->journal_bytes = s->len;
    st->n_appends = s->n_appends;
    st->n_compactions = s->n_compactions;
}
