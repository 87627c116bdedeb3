/* vif-backend/emu/xenstored/xs-socket.c: listening sockets, one per
 * introduced domain, and the byte pumps between client sockets and
 * xs-server.c connections (see xs-socket.h).
 *
 * Every socket is in one epoll set, and the poll loop waits on that one fd:
 * a round accepts only on listeners that have a connection waiting and
 * reads only from connections that have bytes, so its system calls grow
 * with the sockets that are ready, not with all of them.  (With OVS
 * streams each round tried accept() on every listener and recv() on every
 * connection, and poll() took them all: with 500 guests, 1500 sockets, one
 * round cost 2000 system calls and a round ran per request, so xenstored
 * burned a core and guests took minutes to connect.) */
#include <config.h>

#include "vif-backend/emu/xenstored/xs-socket.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fatal-signal.h"
#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(xs_socket);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Requests run per connection per round (fairness). */
#define BATCH 8

/* New connections accepted per listener per round. */
#define ACCEPT_BATCH 16

/* Events taken from the epoll set per round; more wait for the next one
 * (level-triggered, so none is lost). */
#define MAX_EVENTS 256

/* What an epoll event's data.ptr points to: the first member of both. */
enum xs_pollable_kind {
    XS_POLL_LISTENER,
    XS_POLL_CONN,
};

struct xs_listener {
    enum xs_pollable_kind kind; /* XS_POLL_LISTENER; first member. */
    struct hmap_node hmap_node; /* In 'listeners', by hash_int(domid). */
    uint32_t domid;
    char *path;
    int fd;       /* Listening, non-blocking. */
    bool pending; /* epoll said a connection waits. */
};

struct xs_sconn {
    enum xs_pollable_kind kind; /* XS_POLL_CONN; first member. */
    struct ovs_list list_node;  /* In 'conns' of the daemon. */
    int fd;                     /* Connected, non-blocking. */
    bool readable;              /* epoll said bytes (or EOF) wait. */
    bool want_out;              /* EPOLLOUT in the set (output blocked). */
    struct xs_emu_conn *conn;
};

struct xs_emu_daemon {
    char *path; /* Absolute. */
    struct xs_emu_server *server;
    struct hmap listeners; /* Contains "struct xs_listener"s. */
    struct ovs_list conns; /* Contains "struct xs_sconn"s. */
    unsigned long long n_accepted;
    int epfd; /* Every listener's and connection's fd. */
};

/* Adds (EPOLL_CTL_ADD), changes (MOD) or removes (DEL) 'fd' in 'd''s set.
 * Returns 0 or a positive errno (logged). */
static int
epoll_set(struct xs_emu_daemon *d, int op, int fd, uint32_t events, void *ptr)
{
    struct epoll_event ev = {.events = events, .data.ptr = ptr};
    if (epoll_ctl(d->epfd, op, fd, &ev)) {
        int error = errno;
        VLOG_ERR_RL(&rl, "epoll_ctl(%d) on fd %d failed: %s", op, fd,
                    ovs_strerror(error));
        return error;
    }
    return 0;
}

static int
listener_open(struct xs_emu_daemon *d, uint32_t domid)
{
    char *path = (domid ? xasprintf("%s-dom%" PRIu32, d->path, domid)
                        : xstrdup(d->path));
    /* Binds (replacing a stale socket file, which is removed again on
     * exit or by listener_close()), non-blocking, close-on-exec. */
    int fd = make_unix_socket(SOCK_STREAM, true, path, NULL);
    int error = fd < 0 ? -fd : listen(fd, 64) ? errno : 0;
    if (!error) {
        struct xs_listener *l = xzalloc(sizeof *l);
        l->kind = XS_POLL_LISTENER;
        l->domid = domid;
        l->path = path;
        l->fd = fd;
        error = epoll_set(d, EPOLL_CTL_ADD, fd, EPOLLIN, l);
        if (!error) {
            hmap_insert(&d->listeners, &l->hmap_node, hash_int(domid, 0));
            VLOG_INFO("listening on %s for domain %" PRIu32, path, domid);
            return 0;
        }
        free(l);
    }
    VLOG_ERR("%s: cannot listen: %s", path, ovs_strerror(error));
    if (fd >= 0) {
        close(fd);
        fatal_signal_unlink_file_now(path);
    }
    free(path);
    return error;
}

static void
listener_close(struct xs_emu_daemon *d, struct xs_listener *l)
{
    hmap_remove(&d->listeners, &l->hmap_node);
    epoll_set(d, EPOLL_CTL_DEL, l->fd, 0, NULL);
    close(l->fd);
    fatal_signal_unlink_file_now(l->path);
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

    d->epfd = epoll_create1(EPOLL_CLOEXEC);
    int error = d->epfd < 0 ? errno : listener_open(d, 0);
    if (d->epfd < 0) {
        VLOG_ERR("epoll_create1 failed: %s", ovs_strerror(error));
    }
    if (error) {
        xs_emu_daemon_destroy(d);
        d = NULL;
    }
    *daemonp = d;
    return error;
}

static void
sconn_destroy(struct xs_emu_daemon *d, struct xs_sconn *sc)
{
    ovs_list_remove(&sc->list_node);
    VLOG_DBG("connection of domain %" PRIu32 " closed",
             xs_emu_conn_domid(sc->conn));
    xs_emu_conn_destroy(sc->conn);
    epoll_set(d, EPOLL_CTL_DEL, sc->fd, 0, NULL);
    close(sc->fd);
    free(sc);
}

void
xs_emu_daemon_destroy(struct xs_emu_daemon *d)
{
    if (d) {
        struct xs_sconn *sc;
        LIST_FOR_EACH_SAFE (sc, list_node, &d->conns) {
            sconn_destroy(d, sc);
        }
        struct xs_listener *l;
        HMAP_FOR_EACH_SAFE (l, hmap_node, &d->listeners) {
            listener_close(d, l);
        }
        hmap_destroy(&d->listeners);
        xs_emu_server_destroy(d->server);
        if (d->epfd >= 0) {
            close(d->epfd);
        }
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
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                VLOG_WARN_RL(&rl, "%s: accept failed: %s", l->path,
                             ovs_strerror(errno));
            }
            return;
        }
        if (l->domid
            && domain_n_conns(d, l->domid) >= XS_EMU_MAX_DOMAIN_CONNS) {
            VLOG_WARN_RL(&rl,
                         "domain %" PRIu32 " has %d connections already; "
                         "refusing another",
                         l->domid, XS_EMU_MAX_DOMAIN_CONNS);
            close(fd);
            continue;
        }
        char *name
            = xasprintf("dom%" PRIu32 "#%llu", l->domid, ++d->n_accepted);
        struct xs_emu_conn *conn
            = xs_emu_conn_create(d->server, l->domid, name);
        free(name);
        if (!conn) {
            close(fd);
            continue;
        }
        struct xs_sconn *sc = xzalloc(sizeof *sc);
        sc->kind = XS_POLL_CONN;
        sc->fd = fd;
        sc->conn = conn;
        /* Bytes may have come before the socket joined the set: read it
         * once this round. */
        sc->readable = true;
        if (epoll_set(d, EPOLL_CTL_ADD, fd, EPOLLIN, sc)) {
            xs_emu_conn_destroy(conn);
            close(fd);
            free(sc);
            continue;
        }
        ovs_list_push_back(&d->conns, &sc->list_node);
    }
}

/* Sends what 'sc' has queued; asks epoll for EPOLLOUT while the socket is
 * full.  Returns false if the socket failed. */
static bool
sconn_send(struct xs_emu_daemon *d, struct xs_sconn *sc)
{
    bool blocked = false;
    for (;;) {
        size_t n;
        const void *data = xs_emu_conn_output(sc->conn, &n);
        if (!n) {
            break;
        }
        ssize_t retval = send(sc->fd, data, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (retval < 0) {
            if (errno == EINTR) {
                continue;
            } else if (errno == EAGAIN) {
                blocked = true;
                break;
            }
            return false;
        }
        xs_emu_conn_output_sent(sc->conn, retval);
    }
    if (blocked != sc->want_out) {
        sc->want_out = blocked;
        if (epoll_set(d, EPOLL_CTL_MOD, sc->fd,
                      EPOLLIN | (blocked ? EPOLLOUT : 0), sc)) {
            return false;
        }
    }
    return true;
}

/* One round for 'sc': read if epoll said so, run up to BATCH requests,
 * write.  Returns false if the connection is finished. */
static bool
sconn_run(struct xs_emu_daemon *d, struct xs_sconn *sc)
{
    if (xs_emu_conn_is_closed(sc->conn)) {
        return false;
    }
    size_t space;
    void *buf = xs_emu_conn_input_buffer(sc->conn, &space);
    if (space && sc->readable) {
        sc->readable = false;
        ssize_t retval = recv(sc->fd, buf, space, MSG_DONTWAIT);
        if (retval > 0) {
            xs_emu_conn_input_added(sc->conn, retval);
        } else if (!retval || (errno != EAGAIN && errno != EINTR)) {
            return false; /* EOF or error. */
        }
    }
    xs_emu_conn_process(sc->conn, BATCH);
    return sconn_send(d, sc) && !xs_emu_conn_is_closed(sc->conn);
}

void
xs_emu_daemon_run(struct xs_emu_daemon *d)
{
    /* What is ready; nothing is destroyed while the events are read. */
    struct epoll_event events[MAX_EVENTS];
    int n = epoll_wait(d->epfd, events, MAX_EVENTS, 0);
    if (n < 0 && errno != EINTR) {
        VLOG_ERR_RL(&rl, "epoll_wait failed: %s", ovs_strerror(errno));
    }
    for (int i = 0; i < n; i++) {
        enum xs_pollable_kind *kind = events[i].data.ptr;
        if (*kind == XS_POLL_LISTENER) {
            struct xs_listener *l = events[i].data.ptr;
            l->pending = true;
        } else {
            struct xs_sconn *sc = events[i].data.ptr;
            /* EPOLLHUP/EPOLLERR: recv() reports it.  EPOLLOUT: the
             * send below. */
            sc->readable = true;
        }
    }
    struct xs_listener *l;
    HMAP_FOR_EACH_SAFE (l, hmap_node, &d->listeners) {
        if (l->pending) {
            l->pending = false;
            accept_conns(d, l);
        }
    }

    /* Round robin: who went first last time goes last now. */
    if (!ovs_list_is_empty(&d->conns)) {
        ovs_list_push_back(&d->conns, ovs_list_pop_front(&d->conns));
    }
    struct xs_sconn *sc;
    LIST_FOR_EACH_SAFE (sc, list_node, &d->conns) {
        if (!sconn_run(d, sc)) {
            sconn_destroy(d, sc);
        }
    }
    /* Requests above may have queued events for connections already
     * served this round, or closed them (a released domain). */
    LIST_FOR_EACH_SAFE (sc, list_node, &d->conns) {
        if (xs_emu_conn_is_closed(sc->conn) || !sconn_send(d, sc)) {
            sconn_destroy(d, sc);
        }
    }
}

void
xs_emu_daemon_wait(struct xs_emu_daemon *d)
{
    poll_fd_wait(d->epfd, POLLIN);
    struct xs_sconn *sc;
    LIST_FOR_EACH (sc, list_node, &d->conns) {
        size_t space;
        xs_emu_conn_input_buffer(sc->conn, &space);
        if (xs_emu_conn_is_closed(sc->conn)
            || xs_emu_conn_has_request(sc->conn) || (sc->readable && space)) {
            poll_immediate_wake();
        }
    }
}
