/* vif-backend/emu/xenstored/xs-server.c: xovs-xenstored's protocol engine:
 * request parsing and dispatch, watches, transactions per connection,
 * domains, output queues (see xs-server.h).
 *
 * Requests are executed one at a time in arrival order per connection, so
 * replies and watch events leave a connection's queue in the order they
 * were produced.  Like cxenstored, a write's watch events are queued
 * before its reply and XS_WATCH's initial event after its reply. */
#include <config.h>

#include "vif-backend/emu/xenstored/xs-server.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(xs_server);

/* Client-caused log lines. */
static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Requests wait while this many output bytes are unread. */
#define OUTPUT_BACKLOG (64 * 1024)

struct xs_domain {
    struct hmap_node hmap_node; /* In 'domains' of the server, by domid. */
    uint32_t domid;
    bool has_target; /* XS_SET_TARGET was given for it. */
    uint32_t target;
    unsigned int n_watches; /* Of all its connections (quota). */
    unsigned int n_txns;    /* Open, of all its connections (quota). */
};

struct xs_watch {
    struct ovs_list list_node; /* In 'watches' of the connection. */
    char *path;                /* Absolute, or "@..." special. */
    char *token;
    bool relative; /* Events carry the path relative to the domain. */
};

struct xs_conn_txn {
    struct hmap_node hmap_node; /* In 'txns' of the connection, by id. */
    uint32_t id;
    struct xs_emu_txn *txn;
};

struct xs_out_msg {
    struct ovs_list list_node; /* In 'out' of the connection. */
    size_t size;               /* Header plus payload. */
    uint8_t data[];
};

struct xs_emu_conn {
    struct ovs_list list_node; /* In 'conns' of the server. */
    struct xs_emu_server *server;
    uint32_t domid;
    struct xs_domain *domain; /* NULL once closed. */
    char *name;

    uint8_t in[XS_EMU_HDR_SIZE + XENSTORE_PAYLOAD_MAX];
    size_t in_used; /* Bytes of 'in' received, not yet processed. */

    struct ovs_list out; /* Contains "struct xs_out_msg"s. */
    size_t out_size;     /* Bytes in 'out', minus 'out_ofs'. */
    size_t out_ofs;      /* Bytes of the first message already sent. */

    struct ovs_list watches; /* Contains "struct xs_watch"s. */
    unsigned int n_watches;
    struct hmap txns; /* Contains "struct xs_conn_txn"s. */
    uint32_t next_txn_id;
};

struct xs_emu_server {
    struct xs_emu_store *store;
    struct xs_emu_server_settings settings;
    const struct xs_emu_domain_hooks *hooks;
    void *aux;
    struct hmap domains; /* Contains "struct xs_domain"s, dom0 too. */
    struct ovs_list conns;
    struct xs_emu_server_stats stats;
};

static void server_changed(void *aux, const char *path, bool removed,
                           const struct xs_emu_perm *, size_t n_perms);
static void conn_close(struct xs_emu_conn *, const char *reason);

/* Domains. */

static struct xs_domain *
domain_find(const struct xs_emu_server *server, uint32_t domid)
{
    struct xs_domain *d;
    HMAP_FOR_EACH_WITH_HASH (d, hmap_node, hash_int(domid, 0),
                             &server->domains) {
        if (d->domid == domid) {
            return d;
        }
    }
    return NULL;
}

static struct xs_domain *
domain_add(struct xs_emu_server *server, uint32_t domid)
{
    struct xs_domain *d = xzalloc(sizeof *d);
    d->domid = domid;
    hmap_insert(&server->domains, &d->hmap_node, hash_int(domid, 0));
    return d;
}

/* The server. */

struct xs_emu_server *
xs_emu_server_create(const struct xs_emu_server_settings *settings,
                     const struct xs_emu_domain_hooks *hooks, void *aux)
{
    struct xs_emu_server *server = xzalloc(sizeof *server);
    server->settings = *settings;
    if (!server->settings.output_limit) {
        server->settings.output_limit = XS_EMU_OUTPUT_LIMIT_DEFAULT;
    }
    server->hooks = hooks;
    server->aux = aux;
    server->store
        = xs_emu_store_create(&settings->quota, server_changed, server);
    hmap_init(&server->domains);
    ovs_list_init(&server->conns);
    domain_add(server, 0);
    return server;
}

void
xs_emu_server_destroy(struct xs_emu_server *server)
{
    if (server) {
        struct xs_emu_conn *conn;
        LIST_FOR_EACH_SAFE (conn, list_node, &server->conns) {
            xs_emu_conn_destroy(conn);
        }
        struct xs_domain *d;
        HMAP_FOR_EACH_POP (d, hmap_node, &server->domains) {
            free(d);
        }
        hmap_destroy(&server->domains);
        xs_emu_store_destroy(server->store);
        free(server);
    }
}

struct xs_emu_store *
xs_emu_server_store(struct xs_emu_server *server)
{
    return server->store;
}

bool
xs_emu_server_is_introduced(const struct xs_emu_server *server, uint32_t domid)
{
    return domain_find(server, domid) != NULL;
}

const struct xs_emu_server_stats *
xs_emu_server_stats(const struct xs_emu_server *server)
{
    return &server->stats;
}

void
xs_emu_server_format_stats(const struct xs_emu_server *server, struct ds *s)
{
    const struct xs_emu_server_stats *st = &server->stats;
    const struct xs_emu_quota *q = xs_emu_store_quota(server->store);
    ds_put_format(s,
                  "nodes: %" PRIuSIZE "\n"
                  "connections: %u\n"
                  "domains: %u\n"
                  "requests: %llu\n"
                  "errors: %llu\n"
                  "watch-events: %llu\n"
                  "txn-conflicts: %llu\n"
                  "dropped-output-full: %llu\n"
                  "dropped-bad-message: %llu\n"
                  "quota: nodes %u, value-size %u, watches %u, "
                  "transactions %u, output %" PRIuSIZE " bytes\n",
                  xs_emu_store_n_nodes(server->store), st->n_conns,
                  st->n_domains, st->n_requests, st->n_errors, st->n_events,
                  st->n_conflicts, st->n_overflows, st->n_bad_msgs, q->n_nodes,
                  q->value_size, q->n_watches, q->n_txns,
                  server->settings.output_limit);
}

/* Connections. */

struct xs_emu_conn *
xs_emu_conn_create(struct xs_emu_server *server, uint32_t domid,
                   const char *name)
{
    struct xs_domain *domain = domain_find(server, domid);
    if (!domain) {
        return NULL;
    }
    struct xs_emu_conn *conn = xzalloc(sizeof *conn);
    conn->server = server;
    conn->domid = domid;
    conn->domain = domain;
    conn->name = xstrdup(name);
    ovs_list_init(&conn->out);
    ovs_list_init(&conn->watches);
    hmap_init(&conn->txns);
    conn->next_txn_id = 1;
    ovs_list_push_back(&server->conns, &conn->list_node);
    server->stats.n_conns++;
    return conn;
}

static void
watch_destroy(struct xs_watch *w)
{
    free(w->path);
    free(w->token);
    free(w);
}

static void
conn_txn_destroy(struct xs_emu_conn *conn, struct xs_conn_txn *t)
{
    hmap_remove(&conn->txns, &t->hmap_node);
    if (conn->domain) {
        conn->domain->n_txns--;
    }
    xs_emu_txn_destroy(t->txn);
    free(t);
}

static void
conn_reset_watches(struct xs_emu_conn *conn)
{
    struct xs_watch *w;
    LIST_FOR_EACH_POP (w, list_node, &conn->watches) {
        watch_destroy(w);
    }
    if (conn->domain) {
        conn->domain->n_watches -= conn->n_watches;
    }
    conn->n_watches = 0;
}

static void
conn_reset_txns(struct xs_emu_conn *conn)
{
    struct xs_conn_txn *t;
    HMAP_FOR_EACH_SAFE (t, hmap_node, &conn->txns) {
        conn_txn_destroy(conn, t);
    }
}

static void
conn_discard_output(struct xs_emu_conn *conn)
{
    struct xs_out_msg *m;
    LIST_FOR_EACH_POP (m, list_node, &conn->out) {
        free(m);
    }
    conn->out_size = conn->out_ofs = 0;
}

void
xs_emu_conn_destroy(struct xs_emu_conn *conn)
{
    if (conn) {
        conn_close(conn, NULL);
        conn_reset_watches(conn);
        conn_reset_txns(conn);
        hmap_destroy(&conn->txns);
        ovs_list_remove(&conn->list_node);
        free(conn->name);
        free(conn);
    }
}

/* Marks 'conn' closed (logging 'reason' if nonnull): it releases its quota
 * and output at once.  Its watches and transactions are freed only by
 * xs_emu_conn_destroy(), because this may run while they are in use
 * (an event overflowing the queue while a commit fires watches). */
static void
conn_close(struct xs_emu_conn *conn, const char *reason)
{
    if (!conn->domain) {
        return;
    }
    if (reason) {
        VLOG_WARN_RL(&rl, "%s: %s; closing the connection", conn->name,
                     reason);
    }
    conn->domain->n_watches -= conn->n_watches;
    conn->domain->n_txns -= hmap_count(&conn->txns);
    conn->domain = NULL;
    conn->in_used = 0;
    conn_discard_output(conn);
    conn->server->stats.n_conns--;
}

uint32_t
xs_emu_conn_domid(const struct xs_emu_conn *conn)
{
    return conn->domid;
}

bool
xs_emu_conn_is_closed(const struct xs_emu_conn *conn)
{
    return !conn->domain;
}

static struct xs_emu_caller
conn_caller(const struct xs_emu_conn *conn)
{
    struct xs_emu_caller c = {
        .domid = conn->domid,
        .privileged = conn->domid == 0,
    };
    if (conn->domain && conn->domain->has_target) {
        c.has_target = true;
        c.target = conn->domain->target;
    }
    return c;
}

/* Output. */

static void
conn_queue(struct xs_emu_conn *conn, uint32_t type, uint32_t req_id,
           uint32_t tx_id, const void *a, size_t a_size, const void *b,
           size_t b_size)
{
    if (!conn->domain) {
        return;
    }
    size_t len = a_size + b_size;
    ovs_assert(len <= XENSTORE_PAYLOAD_MAX);
    if (conn->out_size + XS_EMU_HDR_SIZE + len
        > conn->server->settings.output_limit) {
        conn->server->stats.n_overflows++;
        conn_close(conn, "client does not read its replies and watch events "
                         "(output queue full)");
        return;
    }

    struct xs_out_msg *m = xmalloc(sizeof *m + XS_EMU_HDR_SIZE + len);
    struct xsd_sockmsg hdr = {
        .type = type,
        .req_id = req_id,
        .tx_id = tx_id,
        .len = len,
    };
    memcpy(m->data, &hdr, sizeof hdr);
    if (a_size) {
        memcpy(m->data + XS_EMU_HDR_SIZE, a, a_size);
    }
    if (b_size) {
        memcpy(m->data + XS_EMU_HDR_SIZE + a_size, b, b_size);
    }
    m->size = XS_EMU_HDR_SIZE + len;
    ovs_list_push_back(&conn->out, &m->list_node);
    conn->out_size += m->size;
}

const void *
xs_emu_conn_output(const struct xs_emu_conn *conn, size_t *n)
{
    if (ovs_list_is_empty(&conn->out)) {
        *n = 0;
        return NULL;
    }
    const struct xs_out_msg *m = CONTAINER_OF(ovs_list_front(&conn->out),
                                              struct xs_out_msg, list_node);
    *n = m->size - conn->out_ofs;
    return m->data + conn->out_ofs;
}

void
xs_emu_conn_output_sent(struct xs_emu_conn *conn, size_t n)
{
    while (n && !ovs_list_is_empty(&conn->out)) {
        struct xs_out_msg *m = CONTAINER_OF(ovs_list_front(&conn->out),
                                            struct xs_out_msg, list_node);
        size_t left = m->size - conn->out_ofs;
        size_t chunk = MIN(n, left);
        conn->out_ofs += chunk;
        conn->out_size -= chunk;
        n -= chunk;
        if (conn->out_ofs == m->size) {
            ovs_list_remove(&m->list_node);
            free(m);
            conn->out_ofs = 0;
        }
    }
}

size_t
xs_emu_conn_output_size(const struct xs_emu_conn *conn)
{
    return conn->out_size;
}

/* Watches. */

/* Whether 'path' is 'parent' or below it. */
static bool
is_child(const char *path, const char *parent)
{
    size_t len = strlen(parent);
    if (!strcmp(parent, "/")) {
        return path[0] == '/';
    }
    return !strncmp(path, parent, len) && (!path[len] || path[len] == '/');
}

static void
watch_event(struct xs_emu_conn *conn, const struct xs_watch *w,
            const char *path)
{
    if (w->relative) {
        /* Below /local/domain/N/, as the watch itself is. */
        const char *slash = strchr(path + strlen("/local/domain/"), '/');
        path = slash ? slash + 1 : path;
    }
    conn->server->stats.n_events++;
    conn_queue(conn, XS_WATCH_EVENT, 0, 0, path, strlen(path) + 1, w->token,
               strlen(w->token) + 1);
}

/* Whether 'conn' may learn that 'path', with 'perms', changed: it can read
 * the node or, as cxenstored allows, its parent. */
static bool
watch_permitted(struct xs_emu_conn *conn, const char *path,
                const struct xs_emu_perm *perms, size_t n_perms)
{
    struct xs_emu_caller caller = conn_caller(conn);
    if (xs_emu_perm_for(&caller, perms, n_perms) & XS_EMU_PERM_READ) {
        return true;
    }
    if (!strcmp(path, "/")) {
        return false;
    }
    const char *slash = strrchr(path, '/');
    char *parent = slash == path ? xstrdup("/") : xmemdup0(path, slash - path);
    const struct xs_emu_perm *pp;
    size_t n_pp;
    bool ok = !xs_emu_store_get_perms(conn->server->store, NULL, &caller,
                                      parent, &pp, &n_pp);
    free(parent);
    return ok;
}

/* The store's change callback: queues the watch events. */
static void
server_changed(void *aux, const char *path, bool removed,
               const struct xs_emu_perm *perms, size_t n_perms)
{
    struct xs_emu_server *server = aux;
    struct xs_emu_conn *conn;

    LIST_FOR_EACH (conn, list_node, &server->conns) {
        struct xs_watch *w;
        int permitted = -1; /* Not yet known. */
        LIST_FOR_EACH (w, list_node, &conn->watches) {
            const char *event;
            if (!conn->domain) {
                break;
            } else if (is_child(path, w->path)) {
                event = path;
            } else if (removed && is_child(w->path, path)) {
                event = w->path;
            } else {
                continue;
            }
            if (permitted < 0) {
                permitted = watch_permitted(conn, path, perms, n_perms);
            }
            if (permitted) {
                watch_event(conn, w, event);
            }
        }
    }
}

/* Fires special watch 'name' ("@releaseDomain").  Like the special nodes'
 * default permissions in Xen (owner dom0, nobody else), only privileged
 * connections get these events. */
static void
fire_special(struct xs_emu_server *server, const char *name)
{
    struct xs_emu_conn *conn;
    LIST_FOR_EACH (conn, list_node, &server->conns) {
        if (conn->domid != 0) {
            continue;
        }
        struct xs_watch *w;
        LIST_FOR_EACH (w, list_node, &conn->watches) {
            if (!conn->domain) {
                break;
            }
            if (!strcmp(w->path, name)) {
                watch_event(conn, w, name);
            }
        }
    }
}

/* Requests. */

struct request {
    struct xs_emu_conn *conn;
    struct xsd_sockmsg hdr;
    const char *payload; /* 'hdr.len' bytes. */
    struct xs_emu_caller caller;
    struct xs_emu_txn *txn; /* From 'hdr.tx_id', or NULL. */
};

static void
reply(struct request *r, uint32_t type, const void *data, size_t size)
{
    conn_queue(r->conn, type, r->hdr.req_id, r->hdr.tx_id, data, size, NULL,
               0);
}

static void
reply_ok(struct request *r)
{
    reply(r, r->hdr.type, "OK", 3);
}

static void
reply_string(struct request *r, const char *s)
{
    reply(r, r->hdr.type, s, strlen(s) + 1);
}

/* Splits the payload into up to 'max' NUL-terminated strings; returns how
 * many there were.  Bytes after the last NUL are not a string. */
static size_t
get_strings(const struct request *r, const char *vec[], size_t max)
{
    size_t n = 0;
    for (size_t ofs = 0; ofs < r->hdr.len && n < max;) {
        const char *s = r->payload + ofs;
        const char *nul = memchr(s, '\0', r->hdr.len - ofs);
        if (!nul) {
            break;
        }
        vec[n++] = s;
        ofs += nul - s + 1;
    }
    return n;
}

/* The payload as exactly one NUL-terminated string, or NULL. */
static const char *
onearg(const struct request *r)
{
    if (!r->hdr.len || r->payload[r->hdr.len - 1]
        || memchr(r->payload, '\0', r->hdr.len)
               != r->payload + r->hdr.len - 1) {
        return NULL;
    }
    return r->payload;
}

static bool
parse_uint(const char *s, unsigned long max, unsigned long *value)
{
    if (!s || !s[0] || strlen(s) > 20) {
        return false;
    }
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
    }
    *value = strtoul(s, NULL, 10);
    return *value <= max;
}

static bool
parse_domid(const char *s, uint32_t *domid)
{
    unsigned long v;
    if (!parse_uint(s, UINT16_MAX, &v)) {
        return false;
    }
    *domid = v;
    return true;
}

/* Canonicalises client path 'path' (NULL: missing, EINVAL). */
static int
request_path(const struct request *r, const char *path, bool allow_special,
             char **out)
{
    *out = NULL;
    if (!path) {
        return EINVAL;
    }
    return xs_emu_path_canonical(&r->caller, path, allow_special, out);
}

static int
do_read(struct request *r)
{
    char *path;
    int error = request_path(r, onearg(r), false, &path);
    if (!error) {
        const char *value;
        size_t size;
        error = xs_emu_store_read(r->conn->server->store, r->txn, &r->caller,
                                  path, &value, &size);
        if (!error) {
            reply(r, XS_READ, value, size);
        }
    }
    free(path);
    return error;
}

static int
do_write(struct request *r)
{
    const char *vec[1];
    if (get_strings(r, vec, 1) != 1) {
        return EINVAL;
    }
    size_t ofs = strlen(vec[0]) + 1;
    char *path;
    int error = request_path(r, vec[0], false, &path);
    if (!error) {
        error = xs_emu_store_write(r->conn->server->store, r->txn, &r->caller,
                                   path, r->payload + ofs, r->hdr.len - ofs);
        if (!error) {
            reply_ok(r);
        }
    }
    free(path);
    return error;
}

static int
do_mkdir(struct request *r)
{
    char *path;
    int error = request_path(r, onearg(r), false, &path);
    if (!error) {
        error = xs_emu_store_mkdir(r->conn->server->store, r->txn, &r->caller,
                                   path);
        if (!error) {
            reply_ok(r);
        }
    }
    free(path);
    return error;
}

static int
do_rm(struct request *r)
{
    char *path;
    int error = request_path(r, onearg(r), false, &path);
    if (!error) {
        error = xs_emu_store_rm(r->conn->server->store, r->txn, &r->caller,
                                path);
        if (!error) {
            reply_ok(r);
        }
    }
    free(path);
    return error;
}

static int
do_directory(struct request *r)
{
    char *path;
    int error = request_path(r, onearg(r), false, &path);
    if (!error) {
        const char *children;
        size_t size;
        uint64_t gen;
        error
            = xs_emu_store_directory(r->conn->server->store, r->txn,
                                     &r->caller, path, &children, &size, &gen);
        if (!error && size > XENSTORE_PAYLOAD_MAX) {
            error = E2BIG; /* libxenstore then uses XS_DIRECTORY_PART. */
        }
        if (!error) {
            reply(r, XS_DIRECTORY, children, size);
        }
    }
    free(path);
    return error;
}

/* "path\0offset\0" -> "generation\0" and the children from byte 'offset'
 * on that fit, with an extra "\0" once the list is complete. */
static int
do_directory_part(struct request *r)
{
    const char *vec[2];
    unsigned long ofs;
    if (get_strings(r, vec, 2) != 2 || !parse_uint(vec[1], UINT32_MAX, &ofs)) {
        return EINVAL;
    }
    char *path;
    int error = request_path(r, vec[0], false, &path);
    if (!error) {
        const char *children;
        size_t size;
        uint64_t gen;
        error
            = xs_emu_store_directory(r->conn->server->store, r->txn,
                                     &r->caller, path, &children, &size, &gen);
        if (!error) {
            char data[XENSTORE_PAYLOAD_MAX];
            int n = snprintf(data, sizeof data, "%" PRIu64, gen) + 1;
            size_t max = XENSTORE_PAYLOAD_MAX - n - 1;
            size_t len = 0;
            while (ofs < size && ofs + len < size) {
                size_t child_len = strlen(children + ofs + len) + 1;
                if (len + child_len > max) {
                    break;
                }
                len += child_len;
            }
            if (len) {
                memcpy(data + n, children + ofs, len);
            }
            if (ofs >= size || ofs + len == size) {
                data[n + len++] = '\0';
            }
            reply(r, XS_DIRECTORY_PART, data, n + len);
        }
    }
    free(path);
    return error;
}

static int
do_get_perms(struct request *r)
{
    char *path;
    int error = request_path(r, onearg(r), false, &path);
    if (!error) {
        const struct xs_emu_perm *perms;
        size_t n;
        error = xs_emu_store_get_perms(r->conn->server->store, r->txn,
                                       &r->caller, path, &perms, &n);
        if (!error) {
            struct ds s = DS_EMPTY_INITIALIZER;
            for (size_t i = 0; i < n; i++) {
                ds_put_format(&s, "%c%" PRIu32,
                              xs_emu_perm_letter(perms[i].perms),
                              perms[i].domid);
                ds_put_char(&s, '\0');
            }
            if (s.length > XENSTORE_PAYLOAD_MAX) {
                error = E2BIG;
            } else {
                reply(r, XS_GET_PERMS, s.string, s.length);
            }
            ds_destroy(&s);
        }
    }
    free(path);
    return error;
}

static int
do_set_perms(struct request *r)
{
    const char *vec[XENSTORE_PAYLOAD_MAX / 2 + 1];
    size_t n = get_strings(r, vec, ARRAY_SIZE(vec));
    if (n < 2) {
        return EINVAL;
    }
    struct xs_emu_perm *perms = xmalloc((n - 1) * sizeof *perms);
    for (size_t i = 1; i < n; i++) {
        if (!xs_emu_perm_parse(vec[i], &perms[i - 1])) {
            free(perms);
            return EINVAL;
        }
    }
    char *path;
    int error = request_path(r, vec[0], false, &path);
    if (!error) {
        error = xs_emu_store_set_perms(r->conn->server->store, r->txn,
                                       &r->caller, path, perms, n - 1);
        if (!error) {
            reply_ok(r);
        }
    }
    free(path);
    free(perms);
    return error;
}

static int
do_watch(struct request *r)
{
    struct xs_emu_conn *conn = r->conn;
    const char *vec[2];
    if (get_strings(r, vec, 2) != 2) {
        return EINVAL;
    }
    char *path;
    int error = request_path(r, vec[0], true, &path);
    if (error) {
        return error;
    }
    struct xs_watch *w;
    LIST_FOR_EACH (w, list_node, &conn->watches) {
        if (!strcmp(w->path, path) && !strcmp(w->token, vec[1])) {
            free(path);
            return EEXIST;
        }
    }
    unsigned int max = xs_emu_store_quota(conn->server->store)->n_watches;
    if (!r->caller.privileged && max && conn->domain->n_watches >= max) {
        free(path);
        return EQUOTA;
    }

    w = xzalloc(sizeof *w);
    w->path = path;
    w->token = xstrdup(vec[1]);
    w->relative = vec[0][0] != '/' && vec[0][0] != '@';
    ovs_list_push_back(&conn->watches, &w->list_node);
    conn->n_watches++;
    conn->domain->n_watches++;

    reply_ok(r);
    /* Fired once at once, as real xenstored does. */
    watch_event(conn, w, path);
    return 0;
}

static int
do_unwatch(struct request *r)
{
    struct xs_emu_conn *conn = r->conn;
    const char *vec[2];
    if (get_strings(r, vec, 2) != 2) {
        return EINVAL;
    }
    char *path;
    int error = request_path(r, vec[0], true, &path);
    if (error) {
        return error;
    }
    struct xs_watch *w;
    error = ENOENT;
    LIST_FOR_EACH (w, list_node, &conn->watches) {
        if (!strcmp(w->path, path) && !strcmp(w->token, vec[1])) {
            ovs_list_remove(&w->list_node);
            watch_destroy(w);
            conn->n_watches--;
            conn->domain->n_watches--;
            reply_ok(r);
            error = 0;
            break;
        }
    }
    free(path);
    return error;
}

static struct xs_conn_txn *
conn_txn_find(const struct xs_emu_conn *conn, uint32_t id)
{
    struct xs_conn_txn *t;
    HMAP_FOR_EACH_WITH_HASH (t, hmap_node, hash_int(id, 0), &conn->txns) {
        if (t->id == id) {
            return t;
        }
    }
    return NULL;
}

static int
do_transaction_start(struct request *r)
{
    struct xs_emu_conn *conn = r->conn;
    if (r->hdr.tx_id) {
        return EBUSY; /* No nesting. */
    }
    unsigned int max = xs_emu_store_quota(conn->server->store)->n_txns;
    if (!r->caller.privileged && max && conn->domain->n_txns >= max) {
        return EQUOTA;
    }
    while (!conn->next_txn_id || conn_txn_find(conn, conn->next_txn_id)) {
        conn->next_txn_id++;
    }
    struct xs_conn_txn *t = xzalloc(sizeof *t);
    t->id = conn->next_txn_id++;
    t->txn = xs_emu_txn_create(conn->server->store);
    hmap_insert(&conn->txns, &t->hmap_node, hash_int(t->id, 0));
    conn->domain->n_txns++;

    char id[16];
    snprintf(id, sizeof id, "%" PRIu32, t->id);
    reply_string(r, id);
    return 0;
}

static int
do_transaction_end(struct request *r)
{
    struct xs_emu_conn *conn = r->conn;
    const char *arg = onearg(r);
    if (!arg || (strcmp(arg, "T") && strcmp(arg, "F"))) {
        return EINVAL;
    }
    struct xs_conn_txn *t = conn_txn_find(conn, r->hdr.tx_id);
    if (!t) {
        return ENOENT;
    }
    /* Detach it first: committing fires watches, which may close 'conn'. */
    struct xs_emu_txn *txn = t->txn;
    t->txn = NULL;
    conn_txn_destroy(conn, t);
    r->txn = NULL;

    int error = 0;
    if (!strcmp(arg, "T")) {
        error = xs_emu_txn_commit(txn, &r->caller);
        if (error == EAGAIN) {
            conn->server->stats.n_conflicts++;
        }
    }
    xs_emu_txn_destroy(txn);
    if (!error) {
        reply_ok(r);
    }
    return error;
}

static int
do_get_domain_path(struct request *r)
{
    uint32_t domid;
    if (!parse_domid(onearg(r), &domid)) {
        return EINVAL;
    }
    char path[32];
    snprintf(path, sizeof path, "/local/domain/%" PRIu32, domid);
    reply_string(r, path);
    return 0;
}

static int
do_introduce(struct request *r)
{
    struct xs_emu_server *server = r->conn->server;
    const char *vec[3];
    uint32_t domid;
    unsigned long mfn, port;
    if (get_strings(r, vec, 3) != 3 || !parse_domid(vec[0], &domid)
        || !parse_uint(vec[1], UINT64_MAX, &mfn)
        || !parse_uint(vec[2], UINT32_MAX, &port) || !domid
        || domid > XS_EMU_DOMID_MAX) {
        return EINVAL;
    }
    if (!domain_find(server, domid)) {
        if (server->hooks && server->hooks->introduce) {
            int error = server->hooks->introduce(server->aux, domid);
            if (error) {
                return error;
            }
        }
        domain_add(server, domid);
        server->stats.n_domains++;
        VLOG_INFO("domain %" PRIu32 " introduced", domid);
        fire_special(server, "@introduceDomain");
    }
    reply_ok(r);
    return 0;
}

static int
do_release(struct request *r)
{
    struct xs_emu_server *server = r->conn->server;
    uint32_t domid;
    if (!parse_domid(onearg(r), &domid) || !domid) {
        return EINVAL;
    }
    struct xs_domain *d = domain_find(server, domid);
    if (!d) {
        return ENOENT;
    }

    struct xs_emu_conn *conn;
    LIST_FOR_EACH (conn, list_node, &server->conns) {
        if (conn->domid == domid) {
            conn_close(conn, NULL);
        }
    }
    hmap_remove(&server->domains, &d->hmap_node);
    free(d);
    server->stats.n_domains--;
    if (server->hooks && server->hooks->release) {
        server->hooks->release(server->aux, domid);
    }
    VLOG_INFO("domain %" PRIu32 " released", domid);
    fire_special(server, "@releaseDomain");
    reply_ok(r);
    return 0;
}

static int
do_is_domain_introduced(struct request *r)
{
    uint32_t domid;
    if (!parse_domid(onearg(r), &domid)) {
        return EINVAL;
    }
    reply_string(r, domain_find(r->conn->server, domid) ? "T" : "F");
    return 0;
}

static int
do_resume(struct request *r)
{
    uint32_t domid;
    if (!parse_domid(onearg(r), &domid)) {
        return EINVAL;
    }
    if (!domain_find(r->conn->server, domid)) {
        return ENOENT;
    }
    reply_ok(r);
    return 0;
}

static int
do_set_target(struct request *r)
{
    const char *vec[2];
    uint32_t domid, target;
    if (get_strings(r, vec, 2) != 2 || !parse_domid(vec[0], &domid)
        || !parse_domid(vec[1], &target)) {
        return EINVAL;
    }
    struct xs_domain *d = domain_find(r->conn->server, domid);
    if (!d || !domain_find(r->conn->server, target)) {
        return ENOENT;
    }
    d->has_target = true;
    d->target = target;
    reply_ok(r);
    return 0;
}

static int
do_reset_watches(struct request *r)
{
    conn_reset_watches(r->conn);
    conn_reset_txns(r->conn);
    r->txn = NULL;
    reply_ok(r);
    return 0;
}

/* XS_CONTROL "cmd\0args...": what xenstore-control sends. */
static int
do_control(struct request *r)
{
    const char *vec[2];
    size_t n = get_strings(r, vec, 2);
    if (!n) {
        return EINVAL;
    }
    if (!strcmp(vec[0], "stats") || !strcmp(vec[0], "quota")) {
        struct ds s = DS_EMPTY_INITIALIZER;
        xs_emu_server_format_stats(r->conn->server, &s);
        reply_string(r, ds_cstr(&s));
        ds_destroy(&s);
    } else if (!strcmp(vec[0], "print")) {
        VLOG_INFO("%s: %s", r->conn->name, n > 1 ? vec[1] : "");
        reply_ok(r);
    } else if (!strcmp(vec[0], "help")) {
        reply_string(r, "Supported commands:\nhelp\nprint <string>\n"
                        "quota\nstats\n");
    } else {
        return EINVAL;
    }
    return 0;
}

typedef int request_func(struct request *);

static const struct {
    request_func *func;
    bool privileged; /* dom0 only (EACCES for others). */
    bool uses_txn;   /* Runs inside 'tx_id' if nonzero. */
} handlers[XS_TYPE_COUNT] = {
    [XS_CONTROL] = {do_control, true, false},
    [XS_DIRECTORY] = {do_directory, false, true},
    [XS_READ] = {do_read, false, true},
    [XS_GET_PERMS] = {do_get_perms, false, true},
    [XS_WATCH] = {do_watch, false, false},
    [XS_UNWATCH] = {do_unwatch, false, false},
    [XS_TRANSACTION_START] = {do_transaction_start, false, false},
    [XS_TRANSACTION_END] = {do_transaction_end, false, false},
    [XS_INTRODUCE] = {do_introduce, true, false},
    [XS_RELEASE] = {do_release, true, false},
    [XS_GET_DOMAIN_PATH] = {do_get_domain_path, false, false},
    [XS_WRITE] = {do_write, false, true},
    [XS_MKDIR] = {do_mkdir, false, true},
    [XS_RM] = {do_rm, false, true},
    [XS_SET_PERMS] = {do_set_perms, false, true},
    [XS_IS_DOMAIN_INTRODUCED] = {do_is_domain_introduced, true, false},
    [XS_RESUME] = {do_resume, true, false},
    [XS_SET_TARGET] = {do_set_target, true, false},
    [XS_RESET_WATCHES] = {do_reset_watches, false, false},
    [XS_DIRECTORY_PART] = {do_directory_part, false, true},
};

static void
process_request(struct xs_emu_conn *conn, const struct xsd_sockmsg *hdr,
                const char *payload)
{
    struct request r = {
        .conn = conn,
        .hdr = *hdr,
        .payload = payload,
        .caller = conn_caller(conn),
    };
    struct xs_emu_server *server = conn->server;
    int error;

    server->stats.n_requests++;
    if (hdr->type >= XS_TYPE_COUNT || !handlers[hdr->type].func) {
        VLOG_DBG_RL(&rl, "%s: unknown message type %" PRIu32, conn->name,
                    hdr->type);
        error = EINVAL;
    } else if (handlers[hdr->type].privileged && !r.caller.privileged) {
        error = EACCES;
    } else if (hdr->tx_id && hdr->type != XS_TRANSACTION_START
               && !conn_txn_find(conn, hdr->tx_id)) {
        error = ENOENT;
    } else {
        if (hdr->tx_id && handlers[hdr->type].uses_txn) {
            r.txn = conn_txn_find(conn, hdr->tx_id)->txn;
        }
        error = handlers[hdr->type].func(&r);
    }

    if (error) {
        server->stats.n_errors++;
        VLOG_DBG_RL(&rl, "%s: %s: %s", conn->name, xs_emu_type_name(hdr->type),
                    xs_emu_error_name(error));
        reply(&r, XS_ERROR, xs_emu_error_name(error),
              strlen(xs_emu_error_name(error)) + 1);
    }
}

/* Input. */

void *
xs_emu_conn_input_buffer(struct xs_emu_conn *conn, size_t *space)
{
    *space = conn->domain ? sizeof conn->in - conn->in_used : 0;
    return conn->in + conn->in_used;
}

void
xs_emu_conn_input_added(struct xs_emu_conn *conn, size_t n)
{
    ovs_assert(n <= sizeof conn->in - conn->in_used);
    if (conn->domain) {
        conn->in_used += n;
    }
}

/* Whether a complete request is buffered; closes 'conn' if the buffered
 * header announces more than XENSTORE_PAYLOAD_MAX bytes (as cxenstored
 * does: the stream cannot be resynchronised). */
static bool
conn_complete_request(struct xs_emu_conn *conn, struct xsd_sockmsg *hdr)
{
    if (!conn->domain || conn->in_used < XS_EMU_HDR_SIZE) {
        return false;
    }
    memcpy(hdr, conn->in, sizeof *hdr);
    if (hdr->len > XENSTORE_PAYLOAD_MAX) {
        char *reason = xasprintf("message of %" PRIu32 " bytes (type %" PRIu32
                                 ") is over the %d-byte limit",
                                 hdr->len, hdr->type, XENSTORE_PAYLOAD_MAX);
        conn->server->stats.n_bad_msgs++;
        conn_close(conn, reason);
        free(reason);
        return false;
    }
    return conn->in_used >= XS_EMU_HDR_SIZE + hdr->len;
}

bool
xs_emu_conn_has_request(struct xs_emu_conn *conn)
{
    struct xsd_sockmsg hdr;
    return (conn_complete_request(conn, &hdr)
            && conn->out_size < MIN(OUTPUT_BACKLOG,
                                    conn->server->settings.output_limit / 2));
}

size_t
xs_emu_conn_process(struct xs_emu_conn *conn, size_t max)
{
    size_t n;
    for (n = 0; n < max && xs_emu_conn_has_request(conn); n++) {
        struct xsd_sockmsg hdr;
        memcpy(&hdr, conn->in, sizeof hdr);

        /* Copy it out: the request may close 'conn', clearing 'in'. */
        char payload[XENSTORE_PAYLOAD_MAX + 1];
        memcpy(payload, conn->in + XS_EMU_HDR_SIZE, hdr.len);
        payload[hdr.len] = '\0';
        size_t used = XS_EMU_HDR_SIZE + hdr.len;
        memmove(conn->in, conn->in + used, conn->in_used - used);
        conn->in_used -= used;

        process_request(conn, &hdr, payload);
    }
    return n;
}
