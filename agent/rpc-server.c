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
 *
 * A TLS connection (a pssl: server) first does its handshake: the client
 * must present a certificate signed by the CA (stream-ssl's
 * SSL_VERIFY_FAIL_IF_NO_PEER_CERT); a handshake that fails or does not end
 * within XRPCS_HANDSHAKE_TIMEOUT_MS closes it.  It counts against
 * max_conns from its accept, so the limits hold for peers that never
 * finish a handshake too.
 */
#include <config.h>
#include "agent/rpc-server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
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
#include "stream-ssl.h"
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

/* A TLS client that has not finished its handshake by then is closed
 * (it holds one of max_conns meanwhile). */
#define XRPCS_HANDSHAKE_TIMEOUT_MS 10000

struct xrpcs_conn {
    struct stream *stream;
    struct ds in;            /* bytes received */
    size_t in_ofs;           /* bytes of 'in' already handled */
    struct ds out;           /* replies */
    size_t out_ofs;          /* bytes of 'out' already sent */
    long long last_progress; /* time_msec() of the last byte in or out */
    bool eof;                /* the peer shut down its sending side */
    struct xrbac_peer peer;  /* its credentials when it connected (unix) */
    bool handshaking;        /* TLS: handshake not finished yet */
    long long accepted;      /* time_msec() of its accept */
};

struct xrpcs {
    char *path; /* the socket's path (unix) or pssl: name, for messages */
    struct xrpcs_settings s;
    xrpcs_handle_fn *handle;
    void *aux;
    int listen_fd;           /* unix; -1 for TLS */
    struct pstream *pstream; /* TLS; NULL for unix */
    char *who;               /* TLS: "TLS clients of pssl:..." */
    struct xrpcs_conn **conns;
    size_t n_conns;
    struct xrpcs_refused {
        struct stream *stream;
        long long deadline; /* time_msec() when it is closed anyway */
        char *line;         /* the error line */
        size_t ofs;         /* bytes of 'line' sent (TLS: after the
                             * handshake) */
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
        .ssl_role = XRBAC_SSL_DEFAULT,
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

/* A new server on 'fd' or 'pstream' (exactly one of them). */
static struct xrpcs *
server_create(const char *path, int fd, struct pstream *pstream,
              const struct xrpcs_settings *settings, xrpcs_handle_fn *handle,
              void *aux)
{
    struct xrpcs *server = xzalloc(sizeof *server);
    server->path = xstrdup(path);
    server->s = *settings;
    server->listen_fd = fd;
    server->pstream = pstream;
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
    server->conns = xcalloc(server->s.max_conns, sizeof *server->conns);
    return server;
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
    *serverp = server_create(path, fd, NULL, settings, handle, aux);
    return 0;
}

char *
xrpcs_check_ssl_name(const char *name)
{
    if (strncmp(name, "pssl:", 5)) {
        return xasprintf("\"%s\" is not pssl:PORT[:IP]", name);
    }
    const char *port = name + 5;
    size_t n = strspn(port, "0123456789");
    unsigned long v = n && n <= 5 ? strtoul(port, NULL, 10) : 0;
    if (!v || v > 65535 || (port[n] && port[n] != ':')
        || (port[n] == ':' && !port[n + 1])) {
        return xasprintf("\"%s\": the port must be 1 to 65535, then "
                         "optionally :IP (pssl:PORT[:IP])",
                         name);
    }
    if (port[n] == ':') {
        const char *ip = port + n + 1;
        size_t len = strlen(ip);
        char buf[INET6_ADDRSTRLEN + 1];
        struct in6_addr a6;
        bool ok;
        if (ip[0] == '[') {
            ok = len > 2 && len - 2 < sizeof buf && ip[len - 1] == ']';
            if (ok) {
                memcpy(buf, ip + 1, len - 2);
                buf[len - 2] = '\0';
                ok = inet_pton(AF_INET6, buf, &a6) == 1;
            }
        } else {
            ok = inet_pton(AF_INET, ip, &a6) == 1;
        }
        if (!ok) {
            return xasprintf("\"%s\": \"%s\" is not an IPv4 address or "
                             "[IPv6] address (pssl:PORT[:IP])",
                             name, ip);
        }
    }
    return NULL;
}

/* Reads 'file' (for option 'option') into a new BIO; NULL and '*error' set
 * if it cannot. */
static BIO *
open_pem(const char *option, const char *file, char **error)
{
    if (!file || !*file) {
        *error = xasprintf("%s=FILE is required with a pssl: --rpc", option);
        return NULL;
    }
    FILE *f = fopen(file, "r");
    if (!f) {
        *error = xasprintf("%s=%s: cannot read it (%s)", option, file,
                           ovs_strerror(errno));
        return NULL;
    }
    BIO *bio = BIO_new_fp(f, BIO_CLOSE);
    if (!bio) {
        fclose(f);
        *error = xasprintf("%s=%s: out of memory", option, file);
    }
    return bio;
}

char *
xrpcs_ssl_configure(const char *key_file, const char *cert_file,
                    const char *ca_file)
{
    char *error = NULL;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL, *ca = NULL;
    BIO *bio;

    if ((bio = open_pem("--private-key", key_file, &error))) {
        key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!key) {
            error = xasprintf("--private-key=%s: not a PEM private key (or "
                              "it has a passphrase)",
                              key_file);
        }
    }
    if (!error && (bio = open_pem("--certificate", cert_file, &error))) {
        cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!cert) {
            error = xasprintf("--certificate=%s: not a PEM certificate",
                              cert_file);
        } else if (X509_check_private_key(cert, key) != 1) {
            error = xasprintf("--certificate=%s is not the certificate of "
                              "--private-key=%s",
                              cert_file, key_file);
        }
    }
    if (!error && (bio = open_pem("--ca-cert", ca_file, &error))) {
        ca = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!ca) {
            error = xasprintf("--ca-cert=%s: not a PEM certificate", ca_file);
        }
    }
    ERR_clear_error();
    EVP_PKEY_free(key);
    X509_free(cert);
    X509_free(ca);
    if (!error) {
        stream_ssl_set_key_and_cert(key_file, cert_file);
        stream_ssl_set_ca_cert_file(ca_file, false);
    }
    return error;
}

int
xrpcs_create_ssl(const char *name, const struct xrpcs_settings *settings,
                 xrpcs_handle_fn *handle, void *aux, struct xrpcs **serverp)
{
    struct pstream *pstream;

    *serverp = NULL;
    char *bad = xrpcs_check_ssl_name(name);
    if (bad) {
        free(bad);
        return EINVAL;
    }
    int error = pstream_open(name, &pstream, DSCP_DEFAULT);
    if (error) {
        return error;
    }
    struct xrpcs *server = server_create(pstream_get_name(pstream), -1,
                                         pstream, settings, handle, aux);
    /* Over TLS, never what only the local internal socket may do, and
     * always the listener's role. */
    if (!server->s.refuse) {
        server->s.refuse = xrpc_internal_only;
    }
    server->who = xasprintf("TLS clients of %s", server->path);
    *serverp = server;
    return 0;
}

const char *
xrpcs_name(const struct xrpcs *server)
{
    return server->path;
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
    free(server->refused[i].line);
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
    if (server->pstream) {
        pstream_close(server->pstream);
    } else {
        close(server->listen_fd);
        fatal_signal_unlink_file_now(server->path);
    }
    free(server->conns);
    free(server->who);
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

/* Sends what is left of refused client 'r''s error line (a TLS client's
 * once its handshake is done).  Returns false on an error. */
static bool
refused_send(struct xrpcs_refused *r)
{
    size_t len = strlen(r->line);
    while (r->ofs < len) {
        int n = stream_send(r->stream, r->line + r->ofs, len - r->ofs);
        if (n == -EAGAIN) {
            return true;
        } else if (n < 0) {
            return false;
        }
        r->ofs += n;
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
    struct xrpcs_refused r = {
        .stream = s,
        .deadline = time_msec() + XRPCS_REFUSED_LINGER_MS,
        .line = xrpc_error_line(NULL, XRPC_FAILED, msg),
    };

    VLOG_WARN_RL(&rl, "%s RPC socket: refusing a client: %s", server->s.name,
                 msg);
    free(msg);
    bool open = refused_drain(s);
    if (open && refused_send(&r) && server->n_refused < XRPCS_MAX_REFUSED) {
        server->refused[server->n_refused++] = r;
    } else {
        stream_close(s);
        free(r.line);
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

    if (server->pstream) {
        /* No uid: the listener's role applies (handle_line()). */
        memset(peer, 0, sizeof *peer);
        peer->uid = (uid_t)-1;
        peer->gid = (gid_t)-1;
        return pstream_accept(server->pstream, sp);
    }
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
        c->handshaking = server->pstream != NULL;
        ds_init(&c->in);
        ds_init(&c->out);
        c->accepted = c->last_progress = time_msec();
        server->conns[server->n_conns++] = c;
    }
}

/* Answers one line of 'len' bytes at 'line' into 'c->out'. */
static void
handle_line(struct xrpcs *server, struct xrpcs_conn *c, const char *line,
            size_t len)
{
    char *reply = NULL;

    if (server->s.allow || server->s.refuse || server->s.roles
        || server->pstream) {
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
            if (!why && server->pstream) {
                why = xrbac_check_who(
                    method, params,
                    MIN(server->s.ssl_role, server->s.max_role), server->who);
            } else if (!why && server->s.roles) {
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
    if (c->handshaking) {
        int error = stream_connect(c->stream);
        if (error == EAGAIN) {
            if (time_msec() - c->accepted < XRPCS_HANDSHAKE_TIMEOUT_MS) {
                return true;
            }
            VLOG_INFO_RL(&rl,
                         "%s RPC socket: %s: no TLS handshake within %d ms; "
                         "closing",
                         server->s.name, stream_get_name(c->stream),
                         XRPCS_HANDSHAKE_TIMEOUT_MS);
            return false;
        } else if (error) {
            VLOG_WARN_RL(&rl,
                         "%s RPC socket: %s: TLS handshake failed (%s); "
                         "closing",
                         server->s.name, stream_get_name(c->stream),
                         ovs_strerror(error));
            return false;
        }
        c->handshaking = false;
        c->last_progress = time_msec();
        const char *id = stream_get_peer_id(c->stream);
        VLOG_INFO_RL(&rl, "%s RPC socket: %s: TLS client \"%s\" connected",
                     server->s.name, stream_get_name(c->stream),
                     id ? id : "?");
    }
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
        stream_run(r->stream);
        if (refused_drain(r->stream) && refused_send(r)
            && time_msec() < r->deadline) {
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
    if (server->pstream) {
        pstream_wait(server->pstream);
    } else {
        poll_fd_wait(server->listen_fd, POLLIN);
    }
    for (size_t i = 0; i < server->n_refused; i++) {
        struct xrpcs_refused *r = &server->refused[i];
        stream_run_wait(r->stream);
        stream_recv_wait(r->stream);
        if (r->ofs < strlen(r->line)) {
            stream_send_wait(r->stream);
        }
        poll_timer_wait_until(r->deadline);
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
        if (c->handshaking) {
            poll_timer_wait_until(c->accepted + XRPCS_HANDSHAKE_TIMEOUT_MS);
        } else if (server->s.idle_timeout_ms > 0) {
            poll_timer_wait_until(c->last_progress
                                  + server->s.idle_timeout_ms);
        }
    }
}
