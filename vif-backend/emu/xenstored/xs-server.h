/* vif-backend/emu/xenstored/xs-server.h: xovs-xenstored's protocol engine.
 *
 * The server owns the store (xs-store.h), the introduced domains and the
 * client connections with their watches, transactions and output queues.
 * It parses requests from each connection's byte stream, executes them and
 * queues replies and watch events; it does no I/O itself.  The socket
 * layer (xs-socket.h) moves bytes between file descriptors and
 * connections; the unit tests and the fuzzer feed bytes directly.
 *
 * A connection speaks for one domain: dom0 connections are privileged,
 * others are checked against node permissions and charged quotas.  When
 * dom0 introduces domain N (XS_INTRODUCE) the server calls the
 * 'introduce' hook so that N's clients get a way in; XS_RELEASE closes all
 * of N's connections and calls 'release'.
 *
 * Connection life cycle:
 *
 *     create ──► open ──(oversized message | output over the limit |
 *                  │      domain released)──► closed ──► destroy
 *                  └────────────────────────────────────────┘
 *
 * A closed connection ignores input, has no output and holds no quota;
 * its owner notices with xs_emu_conn_is_closed() and destroys it. */
#ifndef XS_EMU_SERVER_H
#define XS_EMU_SERVER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vif-backend/emu/xenstored/xs-store.h"

struct ds;

/* Bytes of replies and events queued for one connection beyond which the
 * connection is dropped (a client that never reads its watch events). */
#define XS_EMU_OUTPUT_LIMIT_DEFAULT (1024 * 1024)

struct xs_emu_server_settings {
    struct xs_emu_quota quota; /* For unprivileged domains. */
    size_t output_limit;       /* See XS_EMU_OUTPUT_LIMIT_DEFAULT. */
};

/* How the server asks its owner to make domains reachable. */
struct xs_emu_domain_hooks {
    /* Domain 'domid' was just introduced.  Returns 0, or a positive errno
     * that fails the introduction (and is sent to the introducer). */
    int (*introduce)(void *aux, uint32_t domid);
    /* Domain 'domid' was released; its connections are already closed. */
    void (*release)(void *aux, uint32_t domid);
};

/* Counters, for XS_CONTROL "stats" and tests. */
struct xs_emu_server_stats {
    unsigned long long n_requests;  /* Requests executed. */
    unsigned long long n_errors;    /* ...answered with XS_ERROR. */
    unsigned long long n_events;    /* Watch events queued. */
    unsigned long long n_overflows; /* Connections dropped: output full. */
    unsigned long long n_bad_msgs;  /* Connections dropped: bad message. */
    unsigned long long n_conflicts; /* Transaction commits with EAGAIN. */
    unsigned int n_conns;           /* Connections open now. */
    unsigned int n_domains;         /* Introduced domains, not dom0. */
};

/* 'hooks' may be NULL (domains then need nothing to be reachable). */
struct xs_emu_server *
xs_emu_server_create(const struct xs_emu_server_settings *,
                     const struct xs_emu_domain_hooks *hooks, void *aux);
/* Destroys the server and every connection still open on it. */
void xs_emu_server_destroy(struct xs_emu_server *);
struct xs_emu_store *xs_emu_server_store(struct xs_emu_server *);
bool xs_emu_server_is_introduced(const struct xs_emu_server *, uint32_t domid);
const struct xs_emu_server_stats *
xs_emu_server_stats(const struct xs_emu_server *);
void xs_emu_server_format_stats(const struct xs_emu_server *, struct ds *);

/* A new connection for 'domid' (0: dom0), named 'name' in logs.  Returns
 * NULL if 'domid' is not 0 and not introduced. */
struct xs_emu_conn *xs_emu_conn_create(struct xs_emu_server *, uint32_t domid,
                                       const char *name);
/* Accepts NULL. */
void xs_emu_conn_destroy(struct xs_emu_conn *);
uint32_t xs_emu_conn_domid(const struct xs_emu_conn *);
bool xs_emu_conn_is_closed(const struct xs_emu_conn *);

/* Input: where the next received bytes go and how many fit ('*space' is 0
 * when the connection must not be read now: buffer full or closed), then
 * how many were put there. */
void *xs_emu_conn_input_buffer(struct xs_emu_conn *, size_t *space);
void xs_emu_conn_input_added(struct xs_emu_conn *, size_t n);
/* Whether a complete request is buffered and may run now (it may not
 * while the client has a large backlog of unread output). */
bool xs_emu_conn_has_request(struct xs_emu_conn *);
/* Runs up to 'max' buffered requests; returns how many ran.  May close the
 * connection (logged, rate-limited). */
size_t xs_emu_conn_process(struct xs_emu_conn *, size_t max);

/* Output: the next bytes to send ('*n' is 0 if none), then how many of
 * them were sent. */
const void *xs_emu_conn_output(const struct xs_emu_conn *, size_t *n);
void xs_emu_conn_output_sent(struct xs_emu_conn *, size_t n);
size_t xs_emu_conn_output_size(const struct xs_emu_conn *);

#endif /* vif-backend/emu/xenstored/xs-server.h */
