/* vif-backend/emu/xenstored/xs-socket.c: listening sockets, one per
 * introduced domain, and the byte pumps between client streams and
 * xs-server.c connections (see xs-socket.h). */
#include <config.h>

#include "vif-backend/emu/xenstored/xs-socket.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "stream.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(xs_socket);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Requests run per connection per round (fairness). */
#define BATCH 8

/* New connections accepted per listener per round. */
#define ACCEPT_BATCH 16

struct xs_listener {
    struct hmap_node hmap_node; /* In 'listeners', by hash_int(domid). */
    uint32_t domid;
    char *path;
    struct pstream *pstream;
};

struct xs_sconn {
    struct ovs_list list_node; /* In 'conns' of the daemon. */
    struct stream *stream;
    struct xs_emu_conn *conn;
};

struct xs_emu_daemon {
    char *path; /* Absolute. */
    struct xs_emu_server *server;
    struct hmap listeners; /* Contains "struct xs_listener"s. */
    struct ovs_list conns; /* Contains "struct xs_sconn"s. */
    unsigned long long n_accepted;
};

static int
listener_open(struct xs_emu_daemon *d, uint32_t domid)
{
    char *path = (domid ? xasprintf("%s-dom%" PRIu32, d->path, domid)
                        : xstrdup(d->path));
    char *name = xasprintf("punix:%s", path);
    struct pstream *pstream;
    int error = pstream_open(name, &pstream, 0);
    free(name);
    if (error) {
        VLOG_ERR("%s: cannot listen: %s", path, ovs_strerror(error));
        free(path);
        return error;
    }
    struct xs_listener *l = xzalloc(sizeof *l);
    l->domid = domid;
    l->path = path;
    l->pstream = pstream;
    hmap_insert(&d->listeners, &l->hmap_node, hash_int(domid, 0));
    VLOG_INFO("listening on %s for domain %" PRIu32, path, domid);
    return 0;
}

static void
listener_close(struct xs_emu_daemon *d, struct xs_listener *l)
{
    hmap_remove(&d->listeners, &l->hmap_node);
    pstream_close(l->pstream); /* Removes the socket file. */
    free(l->path);
    free(l);
}

static int
hook_introduce(void *d_, uint32_t domid)
{
    return listener_open(d_, domid);
}

static void
hook_release(void *d_, uint32_t domid)
{
    struct xs_emu_daemon *d = d_;
    struct xs_listener *l;
    HMAP_FOR_EACH_WITH_HASH (l, hmap_node, hash_int(domid, 0), &d->listeners) {
        if (l->domid == domid) {
            listener_close(d, l);
            return;
        }
    }
}

static const struct xs_emu_domain_hooks hooks = {
    .introduce = hook_introduce,
    .release = hook_release,
};

int
xs_emu_daemon_create(const char *path,
                     const struct xs_emu_server_settings *settings,
                     struct xs_emu_daemon **daemonp)
{
    struct xs_emu_daemon *d = xzalloc(sizeof *d);
    char *cwd = get_cwd();
    d->path = abs_file_name(cwd, path);
    free(cwd);
    hmap_init(&d->listeners);
    ovs_list_init(&d->conns);
    d->server = xs_emu_server_create(settings, &hooks, d);

    int error = listener_open(d, 0);
    if (error) {
        xs_emu_daemon_destroy(d);
        d = NULL;
    }
    *daemonp = d;
    return error;
}

static void
sconn_destroy(struct xs_sconn *sc)
{
    ovs_list_remove(&sc->list_node);
    VLOG_DBG("connection of domain %" PRIu32 " closed",
             xs_emu_conn_domid(sc->conn));
    xs_emu_conn_destroy(sc->conn);
    stream_close(sc->stream);
    free(sc);
}

void
xs_emu_daemon_destroy(struct xs_emu_daemon *d)
{
    if (d) {
        struct xs_sconn *sc;
        LIST_FOR_EACH_SAFE (sc, list_node, &d->conns) {
            sconn_destroy(sc);
        }
        struct xs_listener *l;
        HMAP_FOR_EACH_SAFE (l, hmap_node, &d->listeners) {
            listener_close(d, l);
        }
        hmap_destroy(&d->listeners);
        xs_emu_server_destroy(d->server);
        free(d->path);
        free(d);
    }
}

struct xs_emu_server *
xs_emu_daemon_server(struct xs_emu_daemon *d)
{
    return d->server;
}

static unsigned int
domain_n_conns(const struct xs_emu_daemon *d, uint32_t domid)
{
    unsigned int n = 0;
    const struct xs_sconn *sc;
    LIST_FOR_EACH (sc, list_node, &d->conns) {
        n += xs_emu_conn_domid(sc->conn) == domid;
    }
    return n;
}

static void
accept_conns(struct xs_emu_daemon *d, struct xs_listener *l)
{
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct stream *stream;
        int error = pstream_accept(l->pstream, &stream);
        if (error) {
            if (error != EAGAIN) {
                VLOG_WARN_RL(&rl, "%s: accept failed: %s", l->path,
                             ovs_strerror(error));
            }
            return;
        }
        if (l->domid
            && domain_n_conns(d, l->domid) >= XS_EMU_MAX_DOMAIN_CONNS) {
            VLOG_WARN_RL(&rl,
                         "domain %" PRIu32 " has %d connections already; "
                         "refusing another",
                         l->domid, XS_EMU_MAX_DOMAIN_CONNS);
            stream_close(stream);
            continue;
        }
        char *name
            = xasprintf("dom%" PRIu32 "#%llu", l->domid, ++d->n_accepted);
        struct xs_emu_conn *conn
            = xs_emu_conn_create(d->server, l->domid, name);
        free(name);
        if (!conn) {
            stream_close(stream);
            continue;
        }
        struct xs_sconn *sc = xzalloc(sizeof *sc);
        sc->stream = stream;
        sc->conn = conn;
        ovs_list_push_back(&d->conns, &sc->list_node);
    }
}

/* Sends what 'sc' has queued.  Returns false if the stream failed. */
static bool
sconn_send(struct xs_sconn *sc)
{
    for (;;) {
        size_t n;
        const void *data = xs_emu_conn_output(sc->conn, &n);
        if (!n) {
            return true;
        }
        int retval = stream_send(sc->stream, data, n);
        if (retval == -EAGAIN) {
            return true;
        } else if (retval < 0) {
            return false;
        }
        xs_emu_conn_output_sent(sc->conn, retval);
    }
}

/* One round for 'sc': read, run up to BATCH requests, write.  Returns
 * false if the connection is finished. */
static bool
sconn_run(struct xs_sconn *sc)
{
    if (xs_emu_conn_is_closed(sc->conn)) {
        return false;
    }
    size_t space;
    void *buf = xs_emu_conn_input_buffer(sc->conn, &space);
    if (space) {
        int retval = stream_recv(sc->stream, buf, space);
        if (retval > 0) {
            xs_emu_conn_input_added(sc->conn, retval);
        } else if (retval != -EAGAIN) {
            return false; /* EOF or error. */
        }
    }
    xs_emu_conn_process(sc->conn, BATCH);
    return sconn_send(sc) && !xs_emu_conn_is_closed(sc->conn);
}

void
xs_emu_daemon_run(struct xs_emu_daemon *d)
{
    struct xs_listener *l;
    HMAP_FOR_EACH_SAFE (l, hmap_node, &d->listeners) {
        accept_conns(d, l);
    }

    /* Round robin: who went first last time goes last now. */
    if (!ovs_list_is_empty(&d->conns)) {
        ovs_list_push_back(&d->conns, ovs_list_pop_front(&d->conns));
    }
    struct xs_sconn *sc;
    LIST_FOR_EACH_SAFE (sc, list_node, &d->conns) {
        if (!sconn_run(sc)) {
            sconn_destroy(sc);
        }
    }
    /* Requests above may have queued events for connections already
     * served this round, or closed them (a released domain). */
    LIST_FOR_EACH_SAFE (sc, list_node, &d->conns) {
        if (xs_emu_conn_is_closed(sc->conn) || !sconn_send(sc)) {
            sconn_destroy(sc);
        }
    }
}

void
xs_emu_daemon_wait(struct xs_emu_daemon *d)
{
    struct xs_listener *l;
    HMAP_FOR_EACH (l, hmap_node, &d->listeners) {
        pstream_wait(l->pstream);
    }
    struct xs_sconn *sc;
    LIST_FOR_EACH (sc, list_node, &d->conns) {
        size_t space;
        xs_emu_conn_input_buffer(sc->conn, &space);
        if (xs_emu_conn_is_closed(sc->conn)
            || xs_emu_conn_has_request(sc->conn)) {
            poll_immediate_wake();
        } else if (space) {
            stream_recv_wait(sc->stream);
        }
        if (xs_emu_conn_output_size(sc->conn)) {
            stream_send_wait(sc->stream);
        }
    }
}
