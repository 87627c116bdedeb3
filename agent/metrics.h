/* agent/metrics.h: the agent's metrics for Prometheus (docs/metrics.md).
 *
 * Two halves.  xmet_render() writes Prometheus's text exposition format
 * (version 0.0.4) of what the agent knows: per-port counters and rates
 * (portstats.h: VIFs, PIFs, bonds, from OVS's Interface statistics),
 * xovs-netback's per-VIF counters as it reports them (vif-stats-report:
 * queue drops and the rest), and the agent's own health (reconcile lag,
 * records by status, requests and errors).
 *
 * The server is a minimal HTTP/1.x listener on OVS's stream code
 * (pstream: "ptcp:PORT:ADDR" or "punix:PATH"; no other dependency): it
 * answers GET /metrics and nothing else (404 for another path, 405 for
 * another method, 400 for a malformed request), one request per
 * connection, then closes.  Every client is bounded: at most
 * XMET_MAX_CONNS at once (more are closed at once), a request head of at
 * most XMET_MAX_REQUEST bytes, XMET_TIMEOUT_MS to send the request and
 * read the answer, and one answer of what the agent wrote when the request
 * arrived.  The caller owns the poll loop: xmet_run() and xmet_wait(). */
#ifndef XMET_H
#define XMET_H 1

#include <stdbool.h>
#include <stddef.h>

struct ds;
struct shash;
struct xps;
struct xrec_db;

#define XMET_MAX_CONNS 16
#define XMET_MAX_REQUEST 8192
#define XMET_TIMEOUT_MS 10000

/* Everything xmet_render() reports. */
#include "ovs-glue/ovsg.h"

struct xmet_source {
    const struct xrec_db *db;
    const struct xps *ports;
    const struct shash *vif_stats; /* xapi_env's: name -> "k=v,..." */
    /* As xapi_env's record_status (api.h); NULL: no records by status. */
    const char *(*record_status)(const void *aux, const char *uuid,
                                 const char **error);
    const void *status_aux;
    long long now_ms;                /* time_wall_msec() */
    long long reconcile_lag_ms;      /* since OVS last matched the records, or
                                      * 0 while it does */
    unsigned long long n_reconciles; /* desired states handed to OVS */
    struct ovsg_counters glue;       /* the glue's passes (ovsg.h) */
    unsigned long long n_requests;   /* RPC requests answered */
    unsigned long long n_errors;     /* ... with an error */

    /* Desired states built from every record, or from a change's own. */
    unsigned long long n_builds_whole, n_builds_patch;
};

/* Appends the exposition text of 'src' to 'out'. */
void xmet_render(struct ds *out, const struct xmet_source *src);

/* Writes the answer body of one scrape into 'out'. */
typedef void xmet_render_fn(void *aux, struct ds *out);

/* What a request head asks for. */
enum xmet_request {
    XMET_REQ_METRICS,   /* GET (or HEAD) /metrics: 200 */
    XMET_REQ_BAD,       /* not "METHOD TARGET HTTP/1.x": 400 */
    XMET_REQ_METHOD,    /* another method: 405 */
    XMET_REQ_NOT_FOUND, /* another path: 404 */
};

/* Classifies the request head 'head' (untrusted bytes, NUL-terminated);
 * '*head_only' tells HEAD from GET. */
enum xmet_request xmet_classify_request(const char *head, bool *head_only);

struct xmet;

/* Parses 'target' as given to --metrics: "ADDR:PORT" (IPv4, "[IPv6]", or
 * empty ADDR for every address) or "unix:PATH".  Returns NULL and the
 * pstream name ("ptcp:PORT:ADDR", "punix:PATH") in '*pstream' (malloc'd),
 * or a malloc'd message. */
char *xmet_parse_target(const char *target, char **pstream);

/* Listens on 'pstream' (xmet_parse_target()); each scrape calls
 * 'render'('aux', ...).  Returns 0 and the server in '*xp', or a positive
 * errno ('*xp' NULL). */
int xmet_create(const char *pstream, xmet_render_fn *render, void *aux,
                struct xmet **xp);
void xmet_destroy(struct xmet *); /* accepts NULL */
void xmet_run(struct xmet *);
void xmet_wait(struct xmet *);

#endif /* agent/metrics.h */
