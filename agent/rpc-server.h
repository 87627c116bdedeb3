/* agent/rpc-server.h: the agent's JSON-RPC listener and its connections.
 *
 * One server is one unix socket (punix:PATH), or one TLS listener
 * (pssl:PORT[:IP], xrpcs_create_ssl()), and the clients connected to it.  It
 * splits the byte stream into request lines, hands each line to the caller's
 * handler and sends the handler's response lines back, in order (docs/api.md).
 * It owns no records: the agent (xovs-agent.c) runs two servers on one
 * handler, the admin socket (everything) and the internal socket (an
 * allow-list for xovs-netback and the hotplug script).
 *
 * Roles (rbac.h): each connection's peer credentials are read when it is
 * accepted (SO_PEERCRED, SO_PEERGROUPS); with a role map in the settings,
 * a request whose method needs more than the peer's role (capped at the
 * socket's 'max_role') is answered with an error naming both roles and
 * never reaches the handler.  The socket file's owner, group and mode are
 * set when it is created.
 *
 * Every client is someone else's program, so each has bounds (docs/api.md,
 * "Limits"):
 *   - output cap: while a connection holds 'max_output' bytes or more of
 *     replies its peer has not read, its requests are not read (the peer's
 *     writes block in the kernel); memory per connection stays about
 *     'max_output' plus one reply;
 *   - a budget per loop iteration ('max_requests' requests and
 *     'max_read' bytes read per connection), so one busy client cannot
 *     starve the others;
 *   - idle timeout: a connection that neither sent nor received a byte for
 *     'idle_timeout_ms' is closed (an idle client, a half-sent request, or
 *     replies nobody reads);
 *   - connection limit: a client beyond 'max_conns' gets one JSON-RPC error
 *     line ("too many connections ...; try again") and is closed, never
 *     left waiting in the accept queue;
 *   - a request line over XRPC_MAX_REQUEST bytes closes its connection.
 *
 * The caller owns the poll loop: xrpcs_run() and xrpcs_wait() each
 * iteration. */
#ifndef XRPCS_H
#define XRPCS_H 1

#include <stddef.h>
#include <sys/types.h>
#include "agent/rbac.h"

struct xrpc_allow;
struct xrpcs;

#define XRPCS_MAX_CONNS_DEFAULT 64
#define XRPCS_MAX_OUTPUT_DEFAULT (1024 * 1024) /* bytes of unread replies */
#define XRPCS_MAX_REQUESTS_DEFAULT 16          /* per connection per run */
#define XRPCS_MAX_READ_DEFAULT (64 * 1024)     /* bytes per conn per run */
#define XRPCS_IDLE_TIMEOUT_DEFAULT_MS (60 * 1000)

/* Answers the request 'line' of 'len' bytes (no '\n'): returns the response
 * line, malloc'd and ending in '\n'. */
typedef char *xrpcs_handle_fn(void *aux, const char *line, size_t len);

struct xrpcs_settings {
    const char *name;                /* for log lines: "admin", "internal" */
    size_t max_conns;                /* served at once; more are refused */
    size_t max_output;               /* unread reply bytes that stop reading */
    unsigned int max_requests;       /* requests per connection per run */
    size_t max_read;                 /* bytes read per connection per run */
    long long idle_timeout_ms;       /* 0: connections never time out */
    const struct xrpc_allow *allow;  /* NULL: every method; else only these
                                      * (rpc.h), others get XRPC_REJECTED */
    const struct xrpc_allow *refuse; /* NULL, or methods' parameters this
                                      * socket refuses (rpc.h's
                                      * xrpc_internal_only) */
    const struct xrbac_map *roles;   /* NULL: no role check; else each
                                      * peer's role (must outlive the
                                      * server; may change between runs) */
    enum xrbac_role max_role;        /* no peer has more on this socket */
    enum xrbac_role ssl_role;        /* a pssl: server: every client's role
                                      * (XRBAC_SSL_DEFAULT) */
    int mode;                        /* the socket file's mode; -1: OVS's
                                      * 0770 */
    uid_t owner;                     /* (uid_t) -1: the agent's user */
    gid_t group;                     /* (gid_t) -1: the agent's group */
};

/* Fills 's' with the defaults above, every method allowed, no role check,
 * the socket file as OVS makes it. */
void xrpcs_settings_init(struct xrpcs_settings *s, const char *name);

/* Listens on 'path' (a unix socket path, replaced if it exists) with
 * 'settings' (copied; 'allow', 'roles' and 'name' must outlive the server),
 * its file given 'settings''s owner, group and mode; each request line
 * goes to 'handle'('aux', ...).  Returns 0 and the server in '*serverp', or
 * a positive errno ('*serverp' NULL; also when the owner, group or mode
 * cannot be set); does not log. */
int xrpcs_create(const char *path, const struct xrpcs_settings *settings,
                 xrpcs_handle_fn *handle, void *aux, struct xrpcs **serverp);

/* TLS (mutual): as xrpcs_create(), listening on 'name', pssl:PORT[:IP]
 * (OVS's pstream syntax; IP defaults to every address), with the key,
 * certificate and CA that xrpcs_ssl_configure() set.  A client must
 * present a certificate the CA signed; it has no uid, so the role map
 * does not apply: every request is checked against 'settings''s ssl_role
 * (capped at max_role), and the methods of xrpc_internal_only are refused
 * whatever 'settings''s refuse says.  Returns 0 or a positive errno
 * (EINVAL: 'name' is not pssl:PORT[:IP]); does not log. */
int xrpcs_create_ssl(const char *name, const struct xrpcs_settings *settings,
                     xrpcs_handle_fn *handle, void *aux,
                     struct xrpcs **serverp);

/* NULL if 'name' is pssl:PORT[:IP] with PORT 1 to 65535, else a malloc'd
 * one-line message. */
char *xrpcs_check_ssl_name(const char *name);

/* Checks that the PEM files 'key_file', 'cert_file' (matching the key) and
 * 'ca_file' (the CA that signs the clients' certificates) are given and
 * readable, then hands them to OVS's stream-ssl (one set per process).
 * Returns NULL or a malloc'd one-line message naming the option
 * (--private-key, --certificate, --ca-cert) and the file. */
char *xrpcs_ssl_configure(const char *key_file, const char *cert_file,
                          const char *ca_file);

/* The unix socket's path, or the pssl: name it is bound to (with the port
 * it got for pssl:0). */
const char *xrpcs_name(const struct xrpcs *);

/* Closes every connection and the socket.  Accepts NULL. */
void xrpcs_destroy(struct xrpcs *);

/* Accepts, reads, answers, sends and times out what is ready now; logs
 * (rate-limited) each connection it closes or refuses. */
void xrpcs_run(struct xrpcs *);
void xrpcs_wait(struct xrpcs *);

/* Connections open now (for tests and logs). */
size_t xrpcs_n_conns(const struct xrpcs *);

#endif /* agent/rpc-server.h */
