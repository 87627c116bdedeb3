/* tests/unit/test-xenstored.c: xovs-xenstored's store (paths, permissions,
 * quotas, transactions) and its protocol engine, driven through
 * connections without sockets: bytes in, replies and events out. */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "tests/unit/unit-tests.h"
#include "util.h"
#include "vif-backend/emu/xenstored/xs-server.h"
#include "vif-backend/emu/xenstored/xs-store.h"

static const struct xs_emu_caller dom0 = {.domid = 0, .privileged = true};
static const struct xs_emu_caller dom5 = {.domid = 5};
static const struct xs_emu_caller dom6 = {.domid = 6};

static struct xs_emu_store *
new_store(void)
{
    struct xs_emu_quota q = XS_EMU_QUOTA_DEFAULT_INIT;
    return xs_emu_store_create(&q, NULL, NULL);
}

/* Value of 'path' as 'c' reads it ("" and errno name on error). */
static const char *
rd(struct xs_emu_store *s, struct xs_emu_txn *t, const struct xs_emu_caller *c,
   const char *path)
{
    static char buf[256];
    const char *v;
    size_t n;
    int error = xs_emu_store_read(s, t, c, path, &v, &n);
    if (error) {
        snprintf(buf, sizeof buf, "<%s>", xs_emu_error_name(error));
    } else {
        snprintf(buf, sizeof buf, "%.*s", (int)n, v);
    }
    return buf;
}

static int
wr(struct xs_emu_store *s, struct xs_emu_txn *t, const struct xs_emu_caller *c,
   const char *path, const char *value)
{
    return xs_emu_store_write(s, t, c, path, value, strlen(value));
}

/* "a,b,c" from a directory listing. */
static const char *
ls(struct xs_emu_store *s, const struct xs_emu_caller *c, const char *path)
{
    static char buf[256];
    const char *ch;
    size_t n;
    uint64_t gen;
    buf[0] = '\0';
    int error = xs_emu_store_directory(s, NULL, c, path, &ch, &n, &gen);
    if (error) {
        snprintf(buf, sizeof buf, "<%s>", xs_emu_error_name(error));
        return buf;
    }
    for (size_t ofs = 0; ofs < n; ofs += strlen(ch + ofs) + 1) {
        if (ofs) {
            strcat(buf, ",");
        }
        strcat(buf, ch + ofs);
    }
    return buf;
}

static void
set_perms(struct xs_emu_store *s, const char *path, const char *text)
{
    struct xs_emu_perm perms[8];
    size_t n = 0;
    char *copy = xstrdup(text), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        ovs_assert(xs_emu_perm_parse(tok, &perms[n++]));
    }
    free(copy);
    ovs_assert(!xs_emu_store_set_perms(s, NULL, &dom0, path, perms, n));
}

static void
test_store_basics(const void *aux OVS_UNUSED)
{
    struct xs_emu_store *s = new_store();
    CHECK(!wr(s, NULL, &dom0, "/a/b/c", "v"), "write creates parents");
    CHECK(!strcmp(rd(s, NULL, &dom0, "/a/b/c"), "v"), "read back");
    CHECK(!strcmp(rd(s, NULL, &dom0, "/a/b"), ""), "parent is empty");
    CHECK(!wr(s, NULL, &dom0, "/a/z", "1") && !wr(s, NULL, &dom0, "/a/m", ""),
          "more");
    CHECK(!strcmp(ls(s, &dom0, "/a"), "b,z,m"), "creation order: %s",
          ls(s, &dom0, "/a"));
    CHECK(!strcmp(rd(s, NULL, &dom0, "/nope"), "<ENOENT>"), "missing");
    CHECK(!xs_emu_store_mkdir(s, NULL, &dom0, "/a/b"), "mkdir existing ok");
    CHECK(!strcmp(rd(s, NULL, &dom0, "/a/b"), ""), "mkdir kept it");
    CHECK(!xs_emu_store_rm(s, NULL, &dom0, "/a/b"), "rm subtree");
    CHECK(!strcmp(rd(s, NULL, &dom0, "/a/b/c"), "<ENOENT>"), "child gone");
    CHECK(!strcmp(ls(s, &dom0, "/a"), "z,m"), "listing after rm");
    CHECK(!xs_emu_store_rm(s, NULL, &dom0, "/a/nothing"),
          "rm of a missing node with a parent is fine");
    CHECK(xs_emu_store_rm(s, NULL, &dom0, "/x/y") == ENOENT,
          "rm without a parent: ENOENT");
    CHECK(xs_emu_store_rm(s, NULL, &dom0, "/") == EINVAL, "rm / refused");
    CHECK(xs_emu_store_n_nodes(s) == 4, "/, /a, /a/z, /a/m: %zu",
          xs_emu_store_n_nodes(s));
    CHECK(!xs_emu_store_write(s, NULL, &dom0, "/bin", "a\0b", 3)
              && !memcmp(rd(s, NULL, &dom0, "/bin"), "a", 2),
          "binary value");
    xs_emu_store_destroy(s);
}

static void
test_paths(const void *aux OVS_UNUSED)
{
    static const struct {
        const char *in;
        const char *out; /* NULL: EINVAL. */
        bool special;
    } cases[] = {
        {"/", "/", false},
        {"/a/b", "/a/b", false},
        {"name", "/local/domain/5/name", false},
        {"device/vif/0", "/local/domain/5/device/vif/0", false},
        {"", NULL, false},
        {"/a/", NULL, false},
        {"/a//b", NULL, false},
        {"/a b", NULL, false},
        {"/a.b", NULL, false},
        {"@releaseDomain", NULL, false},
        {"@releaseDomain", "@releaseDomain", true},
        {"@x/y", NULL, true},
        {"/A-z_0@9", "/A-z_0@9", false},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *out;
        int error = xs_emu_path_canonical(&dom5, cases[i].in, cases[i].special,
                                          &out);
        if (cases[i].out) {
            CHECK(!error && !strcmp(out, cases[i].out), "\"%s\"", cases[i].in);
        } else {
            CHECK(error == EINVAL && !out, "\"%s\" must be EINVAL",
                  cases[i].in);
        }
        free(out);
    }

    /* Lengths: absolute limit for all, relative part for guests. */
    char *p = xmalloc(XENSTORE_ABS_PATH_MAX + 2);
    p[0] = '/';
    memset(p + 1, 'a', XENSTORE_ABS_PATH_MAX);
    p[XENSTORE_ABS_PATH_MAX + 1] = '\0';
    char *out;
    CHECK(xs_emu_path_canonical(&dom0, p, false, &out) == EINVAL,
          "over XENSTORE_ABS_PATH_MAX");
    p[XENSTORE_ABS_PATH_MAX] = '\0';
    CHECK(!xs_emu_path_canonical(&dom0, p, false, &out), "at the limit");
    free(out);
    CHECK(xs_emu_path_canonical(&dom5, p, false, &out) == EINVAL,
          "guest: over XENSTORE_REL_PATH_MAX");
    p[XENSTORE_REL_PATH_MAX] = '\0';
    CHECK(!xs_emu_path_canonical(&dom5, p, false, &out), "guest at limit");
    free(out);
    free(p);
}

static void
test_perms(const void *aux OVS_UNUSED)
{
    struct xs_emu_store *s = new_store();
    CHECK(!wr(s, NULL, &dom0, "/secret", "s"), "dom0 writes");
    CHECK(!strcmp(rd(s, NULL, &dom5, "/secret"), "<EACCES>"),
          "dom0-only node unreadable by a guest");
    CHECK(wr(s, NULL, &dom5, "/secret", "x") == EACCES, "and unwritable");
    CHECK(!strcmp(rd(s, NULL, &dom5, "/secret/child"), "<EACCES>"),
          "a missing node under an unreadable one is EACCES, not ENOENT");
    CHECK(wr(s, NULL, &dom5, "/new", "x") == EACCES,
          "creating needs write on the ancestor");

    CHECK(!wr(s, NULL, &dom0, "/local/domain/5", ""), "toolstack creates");
    set_perms(s, "/local/domain/5", "n5,r0");
    CHECK(!wr(s, NULL, &dom5, "/local/domain/5/data/x", "1"),
          "guest writes in its own tree");
    const struct xs_emu_perm *perms;
    size_t n;
    CHECK(!xs_emu_store_get_perms(s, NULL, &dom5, "/local/domain/5/data/x",
                                  &perms, &n)
              && n == 2 && perms[0].domid == 5
              && perms[0].perms == XS_EMU_PERM_NONE && perms[1].domid == 0
              && perms[1].perms == XS_EMU_PERM_READ,
          "new node inherits the parent's perms, owner the creator");
    CHECK(!strcmp(rd(s, NULL, &dom6, "/local/domain/5/data/x"), "<EACCES>"),
          "another guest cannot read it");
    CHECK(!strcmp(rd(s, NULL, &dom6, "/local/domain/5/nope"), "<EACCES>"),
          "nor learn what is missing there");
    CHECK(!strcmp(rd(s, NULL, &dom5, "/local/domain/5/nope"), "<ENOENT>"),
          "the owner gets ENOENT");

    /* dom0 creating below a guest's node keeps the inherited owner. */
    CHECK(!wr(s, NULL, &dom0, "/local/domain/5/byzero", "z"), "dom0 writes");
    CHECK(!xs_emu_store_get_perms(s, NULL, &dom0, "/local/domain/5/byzero",
                                  &perms, &n)
              && perms[0].domid == 5,
          "dom0's node under dom5 is owned by 5 (inherited)");

    /* Explicit entries; the first entry is everybody else's default. */
    CHECK(!wr(s, NULL, &dom0, "/shared", "v"), "shared");
    set_perms(s, "/shared", "r0,w5,b6");
    CHECK(!strcmp(rd(s, NULL, &dom5, "/shared"), "<EACCES>"), "w5: no read");
    CHECK(!wr(s, NULL, &dom5, "/shared", "5"), "w5 writes");
    CHECK(!strcmp(rd(s, NULL, &dom6, "/shared"), "5"), "b6 reads");
    struct xs_emu_caller dom7 = {.domid = 7};
    CHECK(!strcmp(rd(s, NULL, &dom7, "/shared"), "5"), "default r");
    CHECK(wr(s, NULL, &dom7, "/shared", "7") == EACCES, "default no write");

    /* set_perms: owner only; a guest cannot give its node away. */
    struct xs_emu_perm p6 = {6, XS_EMU_PERM_NONE};
    struct xs_emu_perm p5[2] = {{5, XS_EMU_PERM_NONE}, {6, XS_EMU_PERM_READ}};
    CHECK(xs_emu_store_set_perms(s, NULL, &dom6, "/local/domain/5/data", p5, 2)
              == EACCES,
          "non-owner set_perms");
    CHECK(
        xs_emu_store_set_perms(s, NULL, &dom5, "/local/domain/5/data", &p6, 1)
            == EPERM,
        "owner change by a guest");
    CHECK(
        !xs_emu_store_set_perms(s, NULL, &dom5, "/local/domain/5/data", p5, 2),
        "owner grants read");
    CHECK(!strcmp(ls(s, &dom6, "/local/domain/5/data"), "x"),
          "dom6 lists it now");

    /* Target: a device model for domain 5 acts as its owner. */
    struct xs_emu_caller dm = {.domid = 9, .has_target = true, .target = 5};
    CHECK(!strcmp(rd(s, NULL, &dm, "/local/domain/5/data/x"), "1"),
          "target domain's device model reads");

    struct xs_emu_perm bad;
    CHECK(!xs_emu_perm_parse("x5", &bad) && !xs_emu_perm_parse("r", &bad)
              && !xs_emu_perm_parse("r5a", &bad)
              && !xs_emu_perm_parse("r99999", &bad)
              && xs_emu_perm_parse("b65535", &bad),
          "perm parsing");
    xs_emu_store_destroy(s);
}

static void
test_quota(const void *aux OVS_UNUSED)
{
    struct xs_emu_quota q = XS_EMU_QUOTA_DEFAULT_INIT;
    q.n_nodes = 5;
    q.value_size = 10;
    struct xs_emu_store *s = xs_emu_store_create(&q, NULL, NULL);
    CHECK(!wr(s, NULL, &dom0, "/local/domain/5", ""), "toolstack");
    set_perms(s, "/local/domain/5", "n5");
    CHECK(xs_emu_store_n_owned(s, 5) == 1, "chown counts");
    CHECK(wr(s, NULL, &dom5, "/local/domain/5/v", "12345678901") == E2BIG,
          "value over the size limit");
    CHECK(!wr(s, NULL, &dom5, "/local/domain/5/v", "1234567890"), "at limit");
    CHECK(wr(s, NULL, &dom5, "/local/domain/5/a/b/c/d", "") == EQUOTA,
          "4 new nodes over a quota of 5 with 2 owned");
    CHECK(!strcmp(rd(s, NULL, &dom5, "/local/domain/5/a"), "<ENOENT>"),
          "nothing half-created");
    CHECK(!wr(s, NULL, &dom5, "/local/domain/5/a/b/c", ""), "3 fit");
    CHECK(wr(s, NULL, &dom5, "/local/domain/5/x", "") == EQUOTA, "full");
    CHECK(!wr(s, NULL, &dom5, "/local/domain/5/v", "rewrite"),
          "rewriting an existing node is fine");
    CHECK(!xs_emu_store_rm(s, NULL, &dom5, "/local/domain/5/a"),
          "rm frees quota");
    CHECK(xs_emu_store_n_owned(s, 5) == 2, "owned %u",
          xs_emu_store_n_owned(s, 5));
    CHECK(!wr(s, NULL, &dom5, "/local/domain/5/x", ""), "room again");
    CHECK(!wr(s, NULL, &dom0, "/local/domain/5/big", "0123456789abcdef"),
          "dom0 is exempt from the size limit");
    xs_emu_store_destroy(s);
}

static void
test_txn(const void *aux OVS_UNUSED)
{
    struct xs_emu_store *s = new_store();
    CHECK(!wr(s, NULL, &dom0, "/t/v", "0"), "setup");

    struct xs_emu_txn *t1 = xs_emu_txn_create(s);
    struct xs_emu_txn *t2 = xs_emu_txn_create(s);
    CHECK(!strcmp(rd(s, t1, &dom0, "/t/v"), "0"), "t1 reads");
    CHECK(!strcmp(rd(s, t2, &dom0, "/t/v"), "0"), "t2 reads");
    CHECK(!wr(s, t1, &dom0, "/t/v", "1"), "t1 writes");
    CHECK(!strcmp(rd(s, t1, &dom0, "/t/v"), "1"), "t1 sees its write");
    CHECK(!strcmp(rd(s, NULL, &dom0, "/t/v"), "0"), "isolation");
    CHECK(!wr(s, t1, &dom0, "/t/new/deep", "n"), "t1 creates");
    CHECK(!strcmp(ls(s, &dom0, "/t"), "v"), "not in the tree yet");
    CHECK(!xs_emu_txn_commit(t1, &dom0), "t1 commits");
    xs_emu_txn_destroy(t1);
    CHECK(!strcmp(rd(s, NULL, &dom0, "/t/new/deep"), "n"), "applied");
    CHECK(xs_emu_txn_commit(t2, &dom0) == EAGAIN, "t2 conflicts");
    xs_emu_txn_destroy(t2);

    /* Reading a node that is created meanwhile conflicts too. */
    t1 = xs_emu_txn_create(s);
    CHECK(!strcmp(rd(s, t1, &dom0, "/t/later"), "<ENOENT>"), "absent");
    CHECK(!wr(s, NULL, &dom0, "/t/later", "x"), "created outside");
    CHECK(!wr(s, t1, &dom0, "/t/other", "y"), "t1 writes elsewhere");
    CHECK(xs_emu_txn_commit(t1, &dom0) == EAGAIN, "phantom conflicts");
    xs_emu_txn_destroy(t1);

    /* Unrelated transactions both commit. */
    CHECK(!wr(s, NULL, &dom0, "/t/p", "") && !wr(s, NULL, &dom0, "/t/q", ""),
          "setup 2");
    t1 = xs_emu_txn_create(s);
    t2 = xs_emu_txn_create(s);
    CHECK(!wr(s, t1, &dom0, "/t/p", "1") && !wr(s, t2, &dom0, "/t/q", "2"),
          "disjoint writes");
    CHECK(!xs_emu_txn_commit(t1, &dom0) && !xs_emu_txn_commit(t2, &dom0),
          "both commit");
    xs_emu_txn_destroy(t1);
    xs_emu_txn_destroy(t2);

    /* rm inside a transaction, then abort. */
    t1 = xs_emu_txn_create(s);
    CHECK(!xs_emu_store_rm(s, t1, &dom0, "/t"), "rm in t1");
    CHECK(!strcmp(rd(s, t1, &dom0, "/t/p"), "<ENOENT>"), "gone in t1");
    CHECK(!strcmp(rd(s, NULL, &dom0, "/t/p"), "1"), "still in the tree");
    xs_emu_txn_destroy(t1);
    CHECK(!strcmp(rd(s, NULL, &dom0, "/t/p"), "1"), "abort kept it");
    size_t before = xs_emu_store_n_nodes(s);
    t1 = xs_emu_txn_create(s);
    CHECK(!xs_emu_store_rm(s, t1, &dom0, "/t")
              && !xs_emu_txn_commit(t1, &dom0),
          "rm committed");
    xs_emu_txn_destroy(t1);
    CHECK(xs_emu_store_n_nodes(s) == before - 7, "subtree gone: %zu -> %zu",
          before, xs_emu_store_n_nodes(s));

    /* Fuzzer regression: a transaction holding a node whose parent was
     * removed outside it cannot remove the node (its view is stale). */
    CHECK(!wr(s, NULL, &dom0, "/r/a/b", "x"), "setup 3");
    t1 = xs_emu_txn_create(s);
    CHECK(!strcmp(rd(s, t1, &dom0, "/r/a/b"), "x"), "t1 copies /r/a/b");
    CHECK(!xs_emu_store_rm(s, NULL, &dom0, "/r/a"), "parent removed");
    CHECK(xs_emu_store_rm(s, t1, &dom0, "/r/a/b") == EAGAIN,
          "stale rm: EAGAIN");
    CHECK(xs_emu_txn_commit(t1, &dom0) == EAGAIN, "and the commit too");
    xs_emu_txn_destroy(t1);

    /* Fuzzer regression: a transaction's copy of /c still lists child x,
     * which is removed outside; writing x again in the transaction must not
     * list it twice (removing /c then met x twice and aborted). */
    CHECK(!wr(s, NULL, &dom0, "/c/x", "v"), "setup 4");
    t1 = xs_emu_txn_create(s);
    CHECK(!strcmp(ls(s, &dom0, "/c"), "x"), "one child");
    CHECK(!strcmp(rd(s, t1, &dom0, "/c"), ""), "t1 copies /c");
    CHECK(!xs_emu_store_rm(s, NULL, &dom0, "/c/x"), "child removed");
    CHECK(!wr(s, t1, &dom0, "/c/x", "w"), "t1 writes it again");
    CHECK(!xs_emu_store_rm(s, t1, &dom0, "/c"), "t1 removes /c");
    CHECK(xs_emu_txn_commit(t1, &dom0) == EAGAIN, "stale commit: EAGAIN");
    xs_emu_txn_destroy(t1);
    xs_emu_store_destroy(s);
}

static void
test_txn_quota(const void *aux OVS_UNUSED)
{
    struct xs_emu_quota q = XS_EMU_QUOTA_DEFAULT_INIT;
    q.n_nodes = 3;
    q.n_txn_nodes = 8;
    struct xs_emu_store *s = xs_emu_store_create(&q, NULL, NULL);
    CHECK(!wr(s, NULL, &dom0, "/local/domain/5/d1", ""), "toolstack");
    set_perms(s, "/local/domain/5", "n5");
    set_perms(s, "/local/domain/5/d1", "n5");
    CHECK(xs_emu_store_n_owned(s, 5) == 2, "owns 2");

    struct xs_emu_txn *t = xs_emu_txn_create(s);
    CHECK(!wr(s, t, &dom5, "/local/domain/5/d1/a", ""), "t: third node");
    CHECK(wr(s, t, &dom5, "/local/domain/5/d1/b", "") == EQUOTA,
          "t: fourth is over");
    CHECK(!wr(s, NULL, &dom5, "/local/domain/5/d2", ""),
          "outside, the tree still has room");
    CHECK(xs_emu_txn_commit(t, &dom5) == EQUOTA,
          "the commit would exceed the quota");
    xs_emu_txn_destroy(t);
    CHECK(xs_emu_store_n_owned(s, 5) == 3, "owns 3");

    /* A transaction may touch only so many nodes. */
    t = xs_emu_txn_create(s);
    int error = 0;
    for (int i = 0; i < 20 && !error; i++) {
        char path[64];
        snprintf(path, sizeof path, "/local/domain/5/d1/n%d", i);
        const char *v;
        size_t n;
        error = xs_emu_store_read(s, t, &dom5, path, &v, &n);
        error = error == ENOENT ? 0 : error;
    }
    CHECK(error == EQUOTA, "touched-node limit: %s", xs_emu_error_name(error));
    xs_emu_txn_destroy(t);
    xs_emu_store_destroy(s);
}

/* Protocol engine through connections. */

struct msg {
    struct xsd_sockmsg hdr;
    char payload[XENSTORE_PAYLOAD_MAX + 1];
};

static void
feed(struct xs_emu_conn *c, uint32_t type, uint32_t tx_id, const void *data,
     size_t len)
{
    struct xsd_sockmsg hdr
        = {.type = type, .req_id = 77, .tx_id = tx_id, .len = len};
    size_t space;
    uint8_t *buf = xs_emu_conn_input_buffer(c, &space);
    if (space < sizeof hdr + len) {
        return;
    }
    memcpy(buf, &hdr, sizeof hdr);
    memcpy(buf + sizeof hdr, data, len);
    xs_emu_conn_input_added(c, sizeof hdr + len);
    xs_emu_conn_process(c, 100);
}

/* Sends "a\0b\0..." built from the NULL-terminated string arguments. */
static void
req(struct xs_emu_conn *c, uint32_t type, uint32_t tx_id, ...)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t len = 0;
    va_list args;
    va_start(args, tx_id);
    for (const char *s; (s = va_arg(args, const char *));) {
        size_t n = strlen(s) + 1;
        memcpy(buf + len, s, n);
        len += n;
    }
    va_end(args);
    feed(c, type, tx_id, buf, len);
}

static void
wreq(struct xs_emu_conn *c, const char *path, const char *value)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    int n = snprintf(buf, sizeof buf, "%s", path) + 1;
    memcpy(buf + n, value, strlen(value));
    feed(c, XS_WRITE, 0, buf, n + strlen(value));
}

/* Pops the next output message; false if none. */
static bool
pop(struct xs_emu_conn *c, struct msg *m)
{
    size_t n;
    const uint8_t *p = xs_emu_conn_output(c, &n);
    if (!n) {
        return false;
    }
    ovs_assert(n >= sizeof m->hdr);
    memcpy(&m->hdr, p, sizeof m->hdr);
    ovs_assert(n == sizeof m->hdr + m->hdr.len);
    memcpy(m->payload, p + sizeof m->hdr, m->hdr.len);
    m->payload[m->hdr.len] = '\0';
    xs_emu_conn_output_sent(c, n);
    return true;
}

/* The next message as text: "OK", "ERROR ENOENT", "EVENT path token",
 * "READ value"... */
static const char *
next(struct xs_emu_conn *c)
{
    static char buf[XENSTORE_PAYLOAD_MAX * 2];
    struct msg m;
    if (!pop(c, &m)) {
        return "<none>";
    }
    if (m.hdr.type == XS_ERROR) {
        snprintf(buf, sizeof buf, "ERROR %s", m.payload);
    } else if (m.hdr.type == XS_WATCH_EVENT) {
        snprintf(buf, sizeof buf, "EVENT %s %s", m.payload,
                 m.payload + strlen(m.payload) + 1);
    } else if (m.hdr.len == 3 && !memcmp(m.payload, "OK", 3)) {
        snprintf(buf, sizeof buf, "OK");
    } else {
        size_t len
            = snprintf(buf, sizeof buf, "%s", xs_emu_type_name(m.hdr.type));
        for (size_t ofs = 0; ofs < m.hdr.len;
             ofs += strlen(m.payload + ofs) + 1) {
            len += snprintf(buf + len, sizeof buf - len, " %s",
                            m.payload + ofs);
        }
    }
    return buf;
}

#define EXPECT(C, TEXT)                                                       \
    do {                                                                      \
        const char *got_ = next(C);                                           \
        CHECK(!strcmp(got_, TEXT), "expected \"%s\", got \"%s\"", TEXT,       \
              got_);                                                          \
    } while (0)

static struct xs_emu_server *
new_server(size_t output_limit)
{
    struct xs_emu_server_settings st = {
        .quota = XS_EMU_QUOTA_DEFAULT_INIT,
        .output_limit = output_limit,
    };
    st.quota.n_watches = 3;
    st.quota.n_txns = 2;
    vlog_set_levels(vlog_module_from_name("xs_server"), VLF_ANY_DESTINATION,
                    VLL_OFF);
    return xs_emu_server_create(&st, NULL, NULL);
}

static void
test_wire_basics(const void *aux OVS_UNUSED)
{
    struct xs_emu_server *srv = new_server(0);
    struct xs_emu_conn *c = xs_emu_conn_create(srv, 0, "dom0");
    wreq(c, "/a/b", "hello");
    EXPECT(c, "OK");
    req(c, XS_READ, 0, "/a/b", NULL);
    EXPECT(c, "READ hello");
    req(c, XS_DIRECTORY, 0, "/a", NULL);
    EXPECT(c, "DIRECTORY b");
    req(c, XS_GET_PERMS, 0, "/a/b", NULL);
    EXPECT(c, "GET_PERMS n0");
    req(c, XS_SET_PERMS, 0, "/a/b", "n5", "r7", NULL);
    EXPECT(c, "OK");
    req(c, XS_GET_PERMS, 0, "/a/b", NULL);
    EXPECT(c, "GET_PERMS n5 r7");
    req(c, XS_SET_PERMS, 0, "/a/b", "q5", NULL);
    EXPECT(c, "ERROR EINVAL");
    req(c, XS_READ, 0, "/zz", NULL);
    EXPECT(c, "ERROR ENOENT");
    req(c, XS_READ, 0, "a//b", NULL);
    EXPECT(c, "ERROR EINVAL");
    feed(c, XS_READ, 0, "/a", 2); /* Not NUL-terminated. */
    EXPECT(c, "ERROR EINVAL");
    req(c, XS_MKDIR, 0, "/m/n", NULL);
    EXPECT(c, "OK");
    req(c, XS_RM, 0, "/m", NULL);
    EXPECT(c, "OK");
    req(c, XS_GET_DOMAIN_PATH, 0, "12", NULL);
    EXPECT(c, "GET_DOMAIN_PATH /local/domain/12");
    req(c, XS_GET_DOMAIN_PATH, 0, "x", NULL);
    EXPECT(c, "ERROR EINVAL");
    req(c, 99, 0, NULL);
    EXPECT(c, "ERROR EINVAL");
    req(c, XS_WATCH_EVENT, 0, "x", "y", NULL);
    EXPECT(c, "ERROR EINVAL");
    req(c, XS_READ, 12345, "/a/b", NULL);
    EXPECT(c, "ERROR ENOENT"); /* No such transaction. */
    req(c, XS_DIRECTORY_PART, 0, "/a", "0", NULL);
    const char *part = next(c); /* Generation, child, final "". */
    CHECK(!strncmp(part, "DIRECTORY_PART ", 15)
              && !strcmp(part + strlen(part) - 3, " b "),
          "directory part: %s", part);
    req(c, XS_DIRECTORY_PART, 0, "/a", "2", NULL);
    part = next(c);
    CHECK(!strcmp(part + strlen(part) - 1, " "), "past the end: %s", part);
    req(c, XS_CONTROL, 0, "stats", NULL);
    struct msg m;
    CHECK(pop(c, &m) && strstr(m.payload, "requests: "), "control stats");
    EXPECT(c, "<none>");
    CHECK(!xs_emu_conn_is_closed(c), "still open");
    xs_emu_server_destroy(srv); /* Destroys 'c' too. */
}

static void
test_wire_watches(const void *aux OVS_UNUSED)
{
    struct xs_emu_server *srv = new_server(0);
    struct xs_emu_conn *c = xs_emu_conn_create(srv, 0, "dom0");
    struct xs_emu_conn *w = xs_emu_conn_create(srv, 0, "watcher");
    req(w, XS_WATCH, 0, "/a", "tok", NULL);
    EXPECT(w, "OK");
    EXPECT(w, "EVENT /a tok"); /* Initial event, after the reply. */
    req(w, XS_WATCH, 0, "/a", "tok", NULL);
    EXPECT(w, "ERROR EEXIST");
    req(w, XS_WATCH, 0, "/a/b/c", "deep", NULL);
    EXPECT(w, "OK");
    EXPECT(w, "EVENT /a/b/c deep");

    wreq(c, "/a", "1");
    EXPECT(c, "OK");
    EXPECT(w, "EVENT /a tok");
    wreq(c, "/a/b/c/d", "1");
    EXPECT(w, "EVENT /a/b/c/d tok"); /* Subtree. */
    EXPECT(w, "EVENT /a/b/c/d deep");
    wreq(c, "/ab", "1");
    EXPECT(w, "<none>"); /* Not below /a. */
    req(c, XS_RM, 0, "/a/b", NULL);
    EXPECT(w, "EVENT /a/b tok");
    EXPECT(w, "EVENT /a/b/c deep"); /* A removed ancestor fires it. */
    req(w, XS_UNWATCH, 0, "/a", "tok", NULL);
    EXPECT(w, "OK");
    req(w, XS_UNWATCH, 0, "/a", "tok", NULL);
    EXPECT(w, "ERROR ENOENT");
    wreq(c, "/a", "2");
    EXPECT(w, "<none>");

    while (pop(c, &(struct msg){.hdr.len = 0})) {
        continue;
    }

    /* Events in a transaction come at commit. */
    req(w, XS_WATCH, 0, "/t", "t", NULL);
    EXPECT(w, "OK");
    EXPECT(w, "EVENT /t t");
    req(c, XS_TRANSACTION_START, 0, "", NULL);
    EXPECT(c, "TRANSACTION_START 1");
    char buf[64];
    int n = snprintf(buf, sizeof buf, "/t/x") + 1;
    memcpy(buf + n, "v", 1);
    feed(c, XS_WRITE, 1, buf, n + 1);
    EXPECT(c, "OK");
    EXPECT(w, "<none>");
    req(c, XS_TRANSACTION_END, 1, "T", NULL);
    EXPECT(c, "OK");
    EXPECT(w, "EVENT /t/x t");

    /* Special watches. */
    req(w, XS_WATCH, 0, "@introduceDomain", "i", NULL);
    EXPECT(w, "OK");
    EXPECT(w, "EVENT @introduceDomain i");
    req(w, XS_WATCH, 0, "@releaseDomain", "r", NULL);
    EXPECT(w, "OK");
    EXPECT(w, "EVENT @releaseDomain r");
    req(c, XS_INTRODUCE, 0, "5", "0", "0", NULL);
    EXPECT(c, "OK");
    EXPECT(w, "EVENT @introduceDomain i");
    CHECK(xs_emu_server_is_introduced(srv, 5), "introduced");
    req(c, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL);
    EXPECT(c, "IS_DOMAIN_INTRODUCED T");
    struct xs_emu_conn *g = xs_emu_conn_create(srv, 5, "dom5");
    CHECK(g != NULL, "guest connection");
    req(c, XS_RELEASE, 0, "5", NULL);
    EXPECT(c, "OK");
    EXPECT(w, "EVENT @releaseDomain r");
    CHECK(xs_emu_conn_is_closed(g), "release closes the guest's conns");
    xs_emu_conn_destroy(g);
    req(c, XS_RELEASE, 0, "5", NULL);
    EXPECT(c, "ERROR ENOENT");
    CHECK(!xs_emu_conn_create(srv, 5, "x"), "no conn for a released domain");

    /* reset-watches. */
    req(w, XS_RESET_WATCHES, 0, NULL);
    EXPECT(w, "OK");
    wreq(c, "/t/x", "again");
    EXPECT(w, "<none>");
    xs_emu_server_destroy(srv);
}

static void
test_wire_guest(const void *aux OVS_UNUSED)
{
    struct xs_emu_server *srv = new_server(0);
    struct xs_emu_conn *c = xs_emu_conn_create(srv, 0, "dom0");
    CHECK(!xs_emu_conn_create(srv, 5, "early"), "not introduced yet");
    req(c, XS_INTRODUCE, 0, "5", "0", "0", NULL);
    EXPECT(c, "OK");
    req(c, XS_INTRODUCE, 0, "0", "0", "0", NULL);
    EXPECT(c, "ERROR EINVAL");
    wreq(c, "/local/domain/5", "");
    EXPECT(c, "OK");
    req(c, XS_SET_PERMS, 0, "/local/domain/5", "n5", NULL);
    EXPECT(c, "OK");
    wreq(c, "/secret", "s");
    EXPECT(c, "OK");

    struct xs_emu_conn *g = xs_emu_conn_create(srv, 5, "dom5");
    req(g, XS_READ, 0, "/secret", NULL);
    EXPECT(g, "ERROR EACCES");
    wreq(g, "name", "guest5"); /* Relative. */
    EXPECT(g, "OK");
    req(c, XS_READ, 0, "/local/domain/5/name", NULL);
    EXPECT(c, "READ guest5");
    req(g, XS_INTRODUCE, 0, "6", "0", "0", NULL);
    EXPECT(g, "ERROR EACCES");
    req(g, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL);
    EXPECT(g, "ERROR EACCES");

    /* A relative watch gets relative events. */
    req(g, XS_WATCH, 0, "device", "d", NULL);
    EXPECT(g, "OK");
    EXPECT(g, "EVENT device d");
    wreq(c, "/local/domain/5/device/vif/0/state", "1");
    EXPECT(g, "EVENT device/vif/0/state d");

    /* The guest does not see events about nodes it cannot read. */
    req(g, XS_WATCH, 0, "/secret", "s", NULL);
    EXPECT(g, "OK");
    EXPECT(g, "EVENT /secret s");
    wreq(c, "/secret", "t");
    EXPECT(g, "<none>");

    /* Watch and transaction quotas (3 and 2 in new_server()). */
    req(g, XS_WATCH, 0, "x", "1", NULL);
    EXPECT(g, "OK");
    EXPECT(g, "EVENT x 1");
    req(g, XS_WATCH, 0, "y", "1", NULL);
    EXPECT(g, "ERROR EQUOTA");
    req(g, XS_TRANSACTION_START, 0, "", NULL);
    EXPECT(g, "TRANSACTION_START 1");
    req(g, XS_TRANSACTION_START, 0, "", NULL);
    EXPECT(g, "TRANSACTION_START 2");
    req(g, XS_TRANSACTION_START, 0, "", NULL);
    EXPECT(g, "ERROR EQUOTA");
    req(g, XS_TRANSACTION_START, 1, "", NULL);
    EXPECT(g, "ERROR EBUSY");
    req(g, XS_TRANSACTION_END, 1, "X", NULL);
    EXPECT(g, "ERROR EINVAL");
    req(g, XS_TRANSACTION_END, 1, "F", NULL);
    EXPECT(g, "OK");
    req(g, XS_TRANSACTION_START, 0, "", NULL);
    EXPECT(g, "TRANSACTION_START 3");

    /* Value size and node quota through the wire. */
    char big[2100];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    wreq(g, "big", big);
    EXPECT(g, "ERROR E2BIG");

    /* A second guest connection shares the domain's quotas. */
    struct xs_emu_conn *g2 = xs_emu_conn_create(srv, 5, "dom5b");
    req(g2, XS_WATCH, 0, "z", "1", NULL);
    EXPECT(g2, "ERROR EQUOTA");
    xs_emu_conn_destroy(g);
    req(g2, XS_WATCH, 0, "z", "1", NULL);
    EXPECT(g2, "OK");
    xs_emu_server_destroy(srv);
}

static void
test_wire_abuse(const void *aux OVS_UNUSED)
{
    struct xs_emu_server *srv = new_server(16 * 1024);
    struct xs_emu_conn *c = xs_emu_conn_create(srv, 0, "dom0");
    struct xs_emu_conn *lazy = xs_emu_conn_create(srv, 0, "lazy");
    struct xs_emu_conn *bad = xs_emu_conn_create(srv, 0, "bad");

    /* An oversized header closes only that connection. */
    struct xsd_sockmsg hdr
        = {.type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 1};
    size_t space;
    void *buf = xs_emu_conn_input_buffer(bad, &space);
    memcpy(buf, &hdr, sizeof hdr);
    xs_emu_conn_input_added(bad, sizeof hdr);
    xs_emu_conn_process(bad, 10);
    CHECK(xs_emu_conn_is_closed(bad), "oversized message closes");
    xs_emu_conn_input_buffer(bad, &space);
    CHECK(!space, "closed connection reads nothing");
    CHECK(xs_emu_server_stats(srv)->n_bad_msgs == 1, "counted");

    /* A watcher that never reads is dropped once over the limit. */
    req(lazy, XS_WATCH, 0, "/flood", "t", NULL);
    char value[1000];
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    char path[256] = "/flood/";
    memset(path + 7, 'p', 200);
    for (int i = 0; i < 200 && !xs_emu_conn_is_closed(lazy); i++) {
        wreq(c, path, value);
        while (xs_emu_conn_output_size(c)) {
            size_t n;
            xs_emu_conn_output(c, &n);
            xs_emu_conn_output_sent(c, n);
        }
    }
    CHECK(xs_emu_conn_is_closed(lazy), "non-reader dropped");
    CHECK(xs_emu_conn_output_size(lazy) == 0, "its queue freed");
    CHECK(!xs_emu_conn_is_closed(c), "writer unaffected");
    CHECK(xs_emu_server_stats(srv)->n_overflows == 1, "counted");

    /* Requests wait while a client has a big unread backlog. */
    struct xs_emu_conn *slow = xs_emu_conn_create(srv, 0, "slow");
    int sent = 0;
    for (int i = 0; i < 200; i++) {
        snprintf(path, sizeof path, "/flood/%d", i % 3);
        wreq(c, path, value);
        while (xs_emu_conn_output_size(c)) {
            size_t n;
            xs_emu_conn_output(c, &n);
            xs_emu_conn_output_sent(c, n);
        }
        sent++;
        feed(slow, XS_READ, 0, "/flood/0", 9);
    }
    CHECK(!xs_emu_conn_is_closed(slow), "a slow reader of replies stays");
    CHECK(xs_emu_conn_output_size(slow) <= 16 * 1024, "bounded backlog");
    CHECK(sent == 200, "writer kept going");
    xs_emu_server_destroy(srv);
}

void
test_xenstored_register(void)
{
    unit_add("xenstored-store-basics", test_store_basics, NULL);
    unit_add("xenstored-paths", test_paths, NULL);
    unit_add("xenstored-perms", test_perms, NULL);
    unit_add("xenstored-quota", test_quota, NULL);
    unit_add("xenstored-txn", test_txn, NULL);
    unit_add("xenstored-txn-quota", test_txn_quota, NULL);
    unit_add("xenstored-wire-basics", test_wire_basics, NULL);
    unit_add("xenstored-wire-watches", test_wire_watches, NULL);
    unit_add("xenstored-wire-guest", test_wire_guest, NULL);
    unit_add("xenstored-wire-abuse", test_wire_abuse, NULL);
}
