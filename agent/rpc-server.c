/* agent/rpc-server.c: the agent's JSON-RPC listener (see rpc-server.h).
 *
 * A connection's life:
 *
 *   accept ──(over max_conns)──> error line, drop its input until it
 *     │                          closes or 2 s passed, close
 *     │
 *     v
 *   serving: read (budget) -> lines -> handler -> 'out' -> send
 *     │  'out' unsent >= max_output: stop reading until the peer reads
 *     │  peer shut its side (EOF): answer the lines it sent, then close
 *     │  no byte in or out for idle_timeout_ms: close
 *     v
 *   closed (also on a send/recv error or a request over XRPC_MAX_REQUEST)
 */
#include <config.h>
#include "agent/rpc-server.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/rpc.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "stream-fd.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(xovs_rpc_server);

/* Connections beyond the limit accepted (and refused) per run. */
#define XRPCS_ACCEPT_BATCH 16

/* A refused client is kept this long (at most XRPCS_MAX_REFUSED of them),
 * its input read and dropped, so that the request it sends right after
 * connecting meets an open socket and it reads the error line instead of
 * failing its send with EPIPE. */
#define XRPCS_REFUSED_LINGER_MS 2000
#define XRPCS_MAX_REFUSED 16

struct xrpcs_conn {
    struct stream *stream;
    struct ds in;            /* bytes received */
    size_t in_ofs;           /* bytes of 'in' already handled */
    struct ds out;           /* replies */
    size_t out_ofs;          /* bytes of 'out' already sent */
    long long last_progress; /* time_msec() of the last byte in or out */
    bool eof;                /* the peer shut down its sending side */
    struct xrbac_peer peer;  /* its credentials when it connected */
};

struct xrpcs {
    char *path; /* the socket's path, for messages */
    struct xrpcs_settings s;
    xrpcs_handle_fn *handle;
    void *aux;
    int listen_fd;
    struct xrpcs_conn **conns;
    size_t n_conns;
    struct xrpcs_refused {
        struct stream *stream;
        long long deadline; /* time_msec() when it is closed anyway */
    } refused[XRPCS_MAX_REFUSED];
    size_t n_refused;
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

void
xrpcs_settings_init(struct xrpcs_settings *s, const char *name)
{
    *s = (struct xrpcs_settings){
        .name = name,
        .max_conns = XRPCS_MAX_CONNS_DEFAULT,
        .max_output = XRPCS_MAX_OUTPUT_DEFAULT,
        .max_requests = XRPCS_MAX_REQUESTS_DEFAULT,
        .max_read = XRPCS_MAX_READ_DEFAULT,
        .idle_timeout_ms = XRPCS_IDLE_TIMEOUT_DEFAULT_MS,
        .allow = NULL,
        .roles = NULL,
        .max_role = XRBAC_POOL_ADMIN,
        .mode = -1,
        .owner = (uid_t)-1,
        .group = (gid_t)-1,
    };
}

/* Binds and listens on unix socket 'path' (replacing a stale file) and
 * gives the file the owner, group and mode of 's'.  Returns the listening
 * fd, or a negative errno. */
static int
listen_unix(const char *path, const struct xrpcs_settings *s)
{
    int fd = make_unix_socket(SOCK_STREAM, true, path, NULL);
    if (fd < 0) {
        return fd;
    }
    int error = 0;
    if (listen(fd, 64) < 0
        || ((s->owner != (uid_t)-1 || s->group != (gid_t)-1)
            && chown(path, s->owner, s->group) < 0)
        || (s->mode >= 0 && chmod(path, s->mode) < 0)) {
        error = errno;
    }
    if (error) {
        close(fd);
        fatal_signal_unlink_file_now(path);
        return -error;
    }
    return fd;
}

int
xrpcs_create(const char *path, const struct xrpcs_settings *settings,
             xrpcs_handle_fn *handle, void *aux, struct xrpcs **serverp)
{
    int fd = listen_unix(path, settings);

    *serverp = NULL;
    if (fd < 0) {
        return -fd;
    }
    struct xrpcs *server = xzalloc(sizeof *server);
    server->path = xstrdup(path);
    server->s = *settings;
    if (!server->s.max_conns) {
        server->s.max_conns = 1;
    }
    if (!server->s.max_requests) {
        server->s.max_requests = 1;
    }
    if (!server->s.max_read) {
        server->s.max_read = 1;
    }
    server->handle = handle;
    server->aux = aux;
    server->listen_fd = fd;
    server->conns = xcalloc(server->s.max_conns, sizeof *server->conns);
    *serverp = server;
    return 0;
}

static void
conn_close(struct xrpcs *server, size_t i)
{
    struct xrpcs_conn *c = server->conns[i];
    stream_close(c->stream);
    ds_destroy(&c->in);
    ds_destroy(&c->out);
    free(c);
    server->conns[i] = server->conns[--server->n_conns];
}

static void
refused_close(struct xrpcs *server, size_t i)
{
    stream_close(server->refused[i].stream);
    server->refused[i] = server->refused[--server->n_refused];
}

void
xrpcs_destroy(struct xrpcs *server)
{
    if (!server) {
        return;
    }
    while (server->n_conns) {
        conn_close(server, 0);
    }
    while (server->n_refused) {
        refused_close(server, 0);
    }
    close(server->listen_fd);
    fatal_signal_unlink_file_now(server->path);
    free(server->conns);
    free(server->path);
    free(server);
}

size_t
xrpcs_n_conns(const struct xrpcs *server)
{
    return server->n_conns;
}

static size_t
out_pending(const struct xrpcs_conn *c)
{
    return c->out.length - c->out_ofs;
}

/* The next complete request line in 'c->in', or NULL. */
static const char *
next_line_end(const struct xrpcs_conn *c)
{
    size_t rest = c->in.length - c->in_ofs;
    return rest ? memchr(c->in.string + c->in_ofs, '\n', rest) : NULL;
}

/* Reads and drops what refused client 's' sent (up to a bound).  Returns
 * false once it has closed its side or failed. */
static bool
refused_drain(struct stream *s)
{
    for (int i = 0; i < 16; i++) {
        char buf[4096];
        int n = stream_recv(s, buf, sizeof buf);
        if (n == -EAGAIN) {
            return true;
        } else if (n <= 0) {
            return false;
        }
    }
    return true;
}

/* Tells a client beyond the limit so, then lets it go (see
 * XRPCS_REFUSED_LINGER_MS).  Its input is read first: closing a unix
 * socket with unread data makes the peer's read fail before it sees the
 * error line. */
static void
refuse(struct xrpcs *server, struct stream *s)
{
    char *msg = xasprintf("too many connections (%zu) on %s; try again",
                          server->s.max_conns, server->path);
    char *line = xrpc_error_line(NULL, XRPC_FAILED, msg);

    VLOG_WARN_RL(&rl, "%s RPC socket: refusing a client: %s", server->s.name,
                 msg);
    bool open = refused_drain(s);
    int error = stream_send(s, line, strlen(line)); /* fits: it is new */
    free(line);
    free(msg);
    if (open && error >= 0 && server->n_refused < XRPCS_MAX_REFUSED) {
        server->refused[server->n_refused++] = (struct xrpcs_refused){
            .stream = s,
            .deadline = time_msec() + XRPCS_REFUSED_LINGER_MS,
        };
    } else {
        stream_close(s);
    }
}

/* Reads the credentials of the peer of unix socket 'fd' into 'peer'.
 * Returns 0 or a positive errno. */
static int
peer_credentials(int fd, struct xrbac_peer *peer)
{
#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux 4.13 */
#endif
    struct ucred cred;
    socklen_t len = sizeof cred;

    memset(peer, 0, sizeof *peer);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        return errno;
    }
    peer->uid = cred.uid;
    peer->gid = cred.gid;
    /* ERANGE: more groups than fit; the first XRBAC_MAX_GROUPS count. */
    len = sizeof peer->groups;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, peer->groups, &len) < 0
        && errno != ERANGE) {
        return errno;
    }
    peer->n_groups = MIN(len, sizeof peer->groups) / sizeof peer->groups[0];
    return 0;
}

/* Accepts one connection from the listening socket into '*sp' with its
 * peer's credentials in 'peer'.  Returns 0 or a positive errno (EAGAIN:
 * none waiting). */
static int
accept_one(struct xrpcs *server, struct stream **sp, struct xrbac_peer *peer)
{
    static unsigned int next_idx;
    int fd
        = accept4(server->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return errno == EWOULDBLOCK ? EAGAIN : errno;
    }
    int error = peer_credentials(fd, peer);
    if (error) {
        close(fd);
        return error;
    }
    return new_fd_stream(xasprintf("unix#%u", next_idx++), fd, 0, AF_UNIX, sp);
}

static void
accept_conns(struct xrpcs *server)
{
    for (int i = 0; i < XRPCS_ACCEPT_BATCH; i++) {
        struct stream *s;
        struct xrbac_peer peer;
        int error = accept_one(server, &s, &peer);
        if (error) {
            if (error != EAGAIN) {
                VLOG_WARN_RL(&rl, "%s RPC socket: accept failed: %s",
                             server->s.name, ovs_strerror(error));
            }
            return;
        }
        if (server->n_conns >= server->s.max_conns) {
            refuse(server, s);
            continue;
        }
        struct xrpcs_conn *c = xzalloc(sizeof *c);
        c->stream = s;
        c->peer = peer;
        ds_init(&c->in);
        ds_init(&c->out);
        c->last_progress = time_msec();
        server->conns[server->n_conns++] = c;
    }
}

/* Answers one line of 'len' bytes at 'line' into 'c->out'. */
static void
handle_line(struct xrpcs *server, struct xrpcs_conn *c, const char *line,
            size_t len)
{
    char *reply = NULL;

    if (server->s.allow || server->s.refuse || server->s.roles) {
        struct json_object *request, *id, *params;
        const char *method;
        char *error
            = xrpc_parse_request(line, len, &request, &id, &method, &params);
        if (!error) {
            /* The socket's allow-list first: its message says which
             * socket serves the method. */
            char *why = (server->s.allow ? xrpc_check_allowed(server->s.allow,
                                                              method, params)
                                         : NULL);
            if (!why && server->s.refuse) {
                why = xrpc_check_internal_only(server->s.refuse, method,
                                               params);
            }
            if (!why && server->s.roles) {
                /* Looked up per request: the map may have been reloaded
                 * since the peer connected. */
                enum xrbac_role role
                    = MIN(xrbac_role_of(server->s.roles, &c->peer),
                          server->s.max_role);
                why = xrbac_check(method, params, role, c->peer.uid);
            }
            if (why) {
                VLOG_INFO_RL(&rl, "%s RPC socket: %s", server->s.name, why);
                reply = xrpc_error_line(id, XRPC_REJECTED, why);
                free(why);
            }
        }
        /* A request that does not parse gets the handler's usage error. */
        free(error);
        json_object_put(request);
    }
    if (!reply) {
        reply = server->handle(server->aux, line, len);
    }
    ds_put_cstr(&c->out, reply);
    free(reply);
}

/* Reads and answers what the budget allows.  Returns false if the
 * connection must be closed. */
static bool
conn_read(struct xrpcs *server, struct xrpcs_conn *c)
{
    size_t n_read = 0;
    unsigned int n_requests = 0;

    while (out_pending(c) < server->s.max_output
           && n_requests < server->s.max_requests) {
        const char *nl = next_line_end(c);
        if (nl) {
            const char *line = c->in.string + c->in_ofs;
            size_t len = nl - line;
            c->in_ofs += len + 1;
            handle_line(server, c, line, len);
            n_requests++;
            continue;
        }

        /* No complete line: drop what was handled, then read more. */
        size_t rest = c->in.length - c->in_ofs;
        if (rest > XRPC_MAX_REQUEST) {
            VLOG_WARN_RL(&rl,
                         "%s RPC socket: request over %d bytes; closing "
                         "the connection",
                         server->s.name, XRPC_MAX_REQUEST);
            return false;
        }
        if (c->in_ofs) {
            memmove(c->in.string, c->in.string + c->in_ofs, rest);
            c->in.length = rest;
            c->in_ofs = 0;
        }
        if (c->eof || n_read >= server->s.max_read) {
            break;
        }

        char buf[4096];
        int n = stream_recv(c->stream, buf, sizeof buf);
        if (n == -EAGAIN) {
            break;
        } else if (n == 0) {
            c->eof = true; /* answer what it sent, then close */
            break;
        } else if (n < 0) {
            return false;
        }
        ds_put_buffer(&c->in, buf, n);
        n_read += n;
        c->last_progress = time_msec();
    }
    return true;
}

/* Sends what the socket takes.  Returns false on a send error. */
static bool
conn_send(struct xrpcs_conn *c)
{
    while (out_pending(c)) {
        int n = stream_send(c->stream, c->out.string + c->out_ofs,
                            out_pending(c));
        if (n == -EAGAIN) {
            break;
        } else if (n < 0) {
            return false;
        }
        c->out_ofs += n;
        c->last_progress = time_msec();
    }
    if (!out_pending(c)) {
        ds_clear(&c->out);
        c->out_ofs = 0;
    }
    return true;
}

/* Returns false if the connection is finished (closed, failed, idle). */
static bool
conn_run(struct xrpcs *server, struct xrpcs_conn *c)
{
    stream_run(c->stream);
    if (!conn_read(server, c) || !conn_send(c)) {
        return false;
    }
    if (c->eof && !out_pending(c) && !next_line_end(c)) {
        return false; /* the peer said all it had to and has its answers */
    }
    long long idle = time_msec() - c->last_progress;
    if (server->s.idle_timeout_ms > 0 && idle >= server->s.idle_timeout_ms) {
        if (out_pending(c)) {
            VLOG_INFO_RL(&rl,
                         "%s RPC socket: closing a connection whose "
                         "client read none of %zu bytes of replies for "
                         "%lld ms",
                         server->s.name, out_pending(c), idle);
        } else {
            VLOG_INFO_RL(&rl,
                         "%s RPC socket: closing a connection idle for "
                         "%lld ms",
                         server->s.name, idle);
        }
        return false;
    }
    return true;
}

void
xrpcs_run(struct xrpcs *server)
{
    for (size_t i = 0; i < server->n_refused;) {
        struct xrpcs_refused *r = &server->refused[i];
        if (refused_drain(r->stream) && time_msec() < r->deadline) {
            i++;
        } else {
            refused_close(server, i);
        }
    }
    accept_conns(server);
    for (size_t i = 0; i < server->n_conns;) {
        if (conn_run(server, server->conns[i])) {
            i++;
        } else {
            conn_close(server, i);
        }
    }
}

void
xrpcs_wait(struct xrpcs *server)
{
    /* Always: a client beyond the limit is refused, not left waiting. */
    poll_fd_wait(server->listen_fd, POLLIN);
    for (size_t i = 0; i < server->n_refused; i++) {
        stream_recv_wait(server->refused[i].stream);
        poll_timer_wait_until(server->refused[i].deadline);
    }
    for (size_t i = 0; i < server->n_conns; i++) {
        struct xrpcs_conn *c = server->conns[i];
        bool room = out_pending(c) < server->s.max_output;

        stream_run_wait(c->stream);
        if (out_pending(c)) {
            stream_send_wait(c->stream);
        }
        if (room && next_line_end(c)) {
            poll_immediate_wake(); /* the budget ran out with lines left */
        } else if (room && !c->eof) {
            stream_recv_wait(c->stream);
        }
        if (server->s.idle_timeout_ms > 0) {
            poll_timer_wait_until(c->last_progress
                                  + server->s.idle_timeout_ms);
        }
    }
}
