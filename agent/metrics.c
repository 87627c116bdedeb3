/* agent/metrics.c: the agent's metrics and their HTTP endpoint (see
 * metrics.h, docs/metrics.md).
 *
 * A connection's life:
 *
 *   accept ──(XMET_MAX_CONNS open)──> closed at once
 *     │
 *     v
 *   reading the request head (at most XMET_MAX_REQUEST bytes)
 *     │ head complete: answer 200/400/404/405 built now, in full
 *     v
 *   sending the answer ──> closed when sent
 *
 *   closed also on EOF or an error, and XMET_TIMEOUT_MS after accept. */
#include <config.h>
#include "agent/metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/portstats.h"
#include "agent/records.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(xovs_metrics);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* ---------------------------------------------------------------------- */
/* The exposition text. */

/* Appends 'value' as a label value (", \ and newline escaped). */
static void
put_label_value(struct ds *out, const char *value)
{
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == '"' || *p == '\\') {
            ds_put_format(out, "\\%c", *p);
        } else if (*p == '\n') {
            ds_put_cstr(out, "\\n");
        } else {
            ds_put_char(out, *p);
        }
    }
}

static void
put_family(struct ds *out, const char *name, const char *type,
           const char *help)
{
    ds_put_format(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
put_port_sample(struct ds *out, const char *name, const struct xps_port *p,
                double value)
{
    ds_put_format(out, "%s{port=\"", name);
    put_label_value(out, p->name);
    ds_put_cstr(out, "\",kind=\"");
    put_label_value(out, p->kind);
    ds_put_cstr(out, "\",uuid=\"");
    put_label_value(out, p->uuid);
    ds_put_format(out, "\"} %.17g\n", value);
}

/* The ports in name order, so scrapes read the same way every time. */
static const struct shash_node **
sorted_ports(const struct xps *ports)
{
    return shash_sort(&ports->ports);
}

static void
render_ports(struct ds *out, const struct xmet_source *src)
{
    static const struct {
        const char *name;
        size_t offset;
        const char *help;
    } counters[] = {
#define C(FIELD, HELP)                                                        \
    {"xovs_port_" #FIELD "_total", offsetof(struct ovsg_iface_stats, FIELD),  \
     HELP}
        C(rx_packets, "Packets the port received (OVS Interface statistics)"),
        C(tx_packets, "Packets the port sent"),
        C(rx_bytes, "Bytes the port received"),
        C(tx_bytes, "Bytes the port sent"),
        C(rx_dropped, "Received packets dropped"),
        C(tx_dropped, "Packets to send dropped"),
        C(rx_errors, "Receive errors"),
        C(tx_errors, "Send errors"),
#undef C
    };
    static const struct {
        const char *name;
        size_t offset;
        const char *help;
    } rates[] = {
#define R(NAME, FIELD, HELP) {NAME, offsetof(struct xps_rates, FIELD), HELP}
        R("xovs_port_rx_packets_per_second", rx_pps,
          "Received packets per second over OVS's last update interval"),
        R("xovs_port_tx_packets_per_second", tx_pps,
          "Sent packets per second"),
        R("xovs_port_rx_bits_per_second", rx_bps, "Received bits per second"),
        R("xovs_port_tx_bits_per_second", tx_bps, "Sent bits per second"),
        R("xovs_port_rx_drops_per_second", rx_drops,
          "Received packets dropped per second"),
        R("xovs_port_tx_drops_per_second", tx_drops,
          "Packets to send dropped per second"),
#undef R
    };
    size_t n = shash_count(&src->ports->ports);
    const struct shash_node **nodes = sorted_ports(src->ports);

    for (size_t c = 0; c < ARRAY_SIZE(counters); c++) {
        put_family(out, counters[c].name, "counter", counters[c].help);
        for (size_t i = 0; i < n; i++) {
            const struct xps_port *p = nodes[i]->data;
            const uint64_t *v = (const uint64_t *)((const char *)&p->cur
                                                   + counters[c].offset);
            put_port_sample(out, counters[c].name, p, *v);
        }
    }
    for (size_t r = 0; r < ARRAY_SIZE(rates); r++) {
        put_family(out, rates[r].name, "gauge", rates[r].help);
        for (size_t i = 0; i < n; i++) {
            const struct xps_port *p = nodes[i]->data;
            struct xps_rates now = xps_rates_at(src->ports, p, src->now_ms);
            const double *v
                = (const double *)((const char *)&now + rates[r].offset);
            put_port_sample(out, rates[r].name, p, *v);
        }
    }
    free(nodes);
}

/* Value of counter 'key' in report 'stats' ("k=v,..."), or -1. */
static long long
report_value(const char *stats, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = stats; p && *p;) {
        if (!strncmp(p, key, klen) && p[klen] == '=') {
            return strtoll(p + klen + 1, NULL, 10);
        }
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    return -1;
}

static void
render_netback(struct ds *out, const struct xmet_source *src)
{
    if (!src->vif_stats) {
        return;
    }
    const struct shash_node **nodes = shash_sort(src->vif_stats);
    size_t n = shash_count(src->vif_stats);
    struct sset keys = SSET_INITIALIZER(&keys);

    /* Every key any VIF reported (the reports were checked: [a-z0-9_]). */
    for (size_t i = 0; i < n; i++) {
        char *copy = xstrdup(nodes[i]->data), *save = NULL;
        for (char *kv = strtok_r(copy, ",", &save); kv;
             kv = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(kv, '=');
            if (eq) {
                *eq = '\0';
                sset_add(&keys, kv);
            }
        }
        free(copy);
    }

    const char **sorted = sset_sort(&keys);
    for (size_t k = 0; k < sset_count(&keys); k++) {
        char *name = xasprintf("xovs_netback_%s_total", sorted[k]);
        put_family(out, name, "counter",
                   "xovs-netback's VIF counter, as it last reported it");
        for (size_t i = 0; i < n; i++) {
            long long v = report_value(nodes[i]->data, sorted[k]);
            if (v >= 0) {
                ds_put_format(out, "%s{vif=\"", name);
                put_label_value(out, nodes[i]->name);
                ds_put_format(out, "\"} %lld\n", v);
            }
        }
        free(name);
    }
    put_family(out, "xovs_netback_drops_total", "counter",
               "Frames xovs-netback dropped for a VIF, all reasons");
    for (size_t i = 0; i < n; i++) {
        long long sum = 0;
        for (size_t k = 0; k < sset_count(&keys); k++) {
            if (strstr(sorted[k], "_drop_")) {
                sum += MAX(0, report_value(nodes[i]->data, sorted[k]));
            }
        }
        ds_put_cstr(out, "xovs_netback_drops_total{vif=\"");
        put_label_value(out, nodes[i]->name);
        ds_put_format(out, "\"} %lld\n", sum);
    }
    put_family(out, "xovs_netback_vifs_reporting", "gauge",
               "VIFs whose counters xovs-netback reports");
    ds_put_format(out, "xovs_netback_vifs_reporting %zu\n", n);
    free(sorted);
    sset_destroy(&keys);
    free(nodes);
}

static void
count_status(const struct xmet_source *src, const char *uuid, size_t *counts)
{
    const char *error = NULL;
    const char *status = src->record_status(src->status_aux, uuid, &error);
    counts[!strcmp(status, "applied")   ? 0
           : !strcmp(status, "pending") ? 1
                                        : 2]++;
}

static void
render_agent(struct ds *out, const struct xmet_source *src)
{
    put_family(out, "xovs_agent_reconcile_lag_seconds", "gauge",
               "How long OVS has not matched the records (0: it does)");
    ds_put_format(out, "xovs_agent_reconcile_lag_seconds %.3f\n",
                  src->reconcile_lag_ms / 1000.0);
    put_family(out, "xovs_agent_reconciles_total", "counter",
               "Desired states the agent handed to OVS");
    ds_put_format(out, "xovs_agent_reconciles_total %llu\n",
                  src->n_reconciles);
    put_family(out, "xovs_agent_reconcile_builds_total", "counter",
               "Desired states built from every record (whole) or from a "
               "change's own records (patch)");
    ds_put_format(out,
                  "xovs_agent_reconcile_builds_total{kind=\"whole\"} %llu\n"
                  "xovs_agent_reconcile_builds_total{kind=\"patch\"} %llu\n",
                  src->n_builds_whole, src->n_builds_patch);
    put_family(out, "xovs_agent_reconcile_passes_total", "counter",
               "Passes that diffed the desired state against OVS: full "
               "(every bridge and port) or incremental (what changed)");
    ds_put_format(out,
                  "xovs_agent_reconcile_passes_total{kind=\"full\"} %llu\n"
                  "xovs_agent_reconcile_passes_total{kind=\"incremental\"} "
                  "%llu\n",
                  src->glue.n_full_passes, src->glue.n_incremental_passes);
    put_family(out, "xovs_agent_reconcile_ports_diffed_total", "counter",
               "Desired ports compared with their OVSDB rows");
    ds_put_format(out, "xovs_agent_reconcile_ports_diffed_total %llu\n",
                  src->glue.n_ports_diffed);
    put_family(out, "xovs_agent_reconcile_ports_walked_total", "counter",
               "Ports a pass left alone but whose port numbers it re-read "
               "(for its bridge's OpenFlow rules)");
    ds_put_format(out, "xovs_agent_reconcile_ports_walked_total %llu\n",
                  src->glue.n_ports_walked);
    put_family(out, "xovs_agent_port_samples_total", "counter",
               "Reads of the ports' counters: full (every interface) or "
               "changed (the interfaces whose counters changed)");
    ds_put_format(out,
                  "xovs_agent_port_samples_total{kind=\"full\"} %llu\n"
                  "xovs_agent_port_samples_total{kind=\"changed\"} %llu\n",
                  src->ports->n_samples, src->ports->n_updates);
    put_family(out, "xovs_agent_port_stats_read_total", "counter",
               "Interfaces whose counters the agent read");
    ds_put_format(out, "xovs_agent_port_stats_read_total %llu\n",
                  src->ports->n_read);
    put_family(out, "xovs_agent_ovsdb_transactions_total", "counter",
               "Transactions the agent sent to OVSDB");
    ds_put_format(out, "xovs_agent_ovsdb_transactions_total %llu\n",
                  src->glue.n_txns);
    put_family(out, "xovs_agent_rpc_requests_total", "counter",
               "RPC requests the agent answered (both sockets)");
    ds_put_format(out, "xovs_agent_rpc_requests_total %llu\n",
                  src->n_requests);
    put_family(out, "xovs_agent_rpc_errors_total", "counter",
               "RPC requests answered with an error");
    ds_put_format(out, "xovs_agent_rpc_errors_total %llu\n", src->n_errors);
    put_family(out, "xovs_agent_change_records_total", "counter",
               "Records the agent's changes copied (to undo them), checked "
               "(invariants) and journaled (compared or written to save "
               "them)");
    ds_put_format(out,
                  "xovs_agent_change_records_total{work=\"copied\"} %llu\n"
                  "xovs_agent_change_records_total{work=\"checked\"} %llu\n"
                  "xovs_agent_change_records_total{work=\"journaled\"} "
                  "%llu\n",
                  xrec_counters.n_copied, xrec_counters.n_checked,
                  xrec_counters.n_journaled);

    if (!src->record_status) {
        return;
    }
    static const char *const statuses[] = {"applied", "pending", "error"};
    const struct xrec_db *db = src->db;
    struct {
        const char *kind;
        size_t counts[3];
    } kinds[] = {{"network", {0}},
                 {"pif", {0}},
                 {"vlan", {0}},
                 {"bond", {0}},
                 {"vif", {0}}};
    for (size_t i = 0; i < db->n_networks; i++) {
        count_status(src, db->networks[i]->uuid, kinds[0].counts);
    }
    for (size_t i = 0; i < db->n_pifs; i++) {
        count_status(src, db->pifs[i]->uuid, kinds[1].counts);
    }
    for (size_t i = 0; i < db->n_vlans; i++) {
        count_status(src, db->vlans[i]->uuid, kinds[2].counts);
    }
    for (size_t i = 0; i < db->n_bonds; i++) {
        count_status(src, db->bonds[i]->uuid, kinds[3].counts);
    }
    for (size_t i = 0; i < db->n_vifs; i++) {
        count_status(src, db->vifs[i]->uuid, kinds[4].counts);
    }
    put_family(out, "xovs_agent_records", "gauge",
               "Records by kind and by whether OVS holds them");
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        for (size_t s = 0; s < ARRAY_SIZE(statuses); s++) {
            ds_put_format(out,
                          "xovs_agent_records{kind=\"%s\",status=\"%s\"} "
                          "%zu\n",
                          kinds[k].kind, statuses[s], kinds[k].counts[s]);
        }
    }
}

void
xmet_render(struct ds *out, const struct xmet_source *src)
{
    render_ports(out, src);
    render_netback(out, src);
    render_agent(out, src);
}

/* ---------------------------------------------------------------------- */
/* The HTTP listener. */

struct xmet_conn {
    struct stream *stream;
    struct ds in;       /* the request head so far */
    struct ds out;      /* the answer, once the head is complete */
    size_t out_ofs;     /* bytes of 'out' sent */
    bool answering;     /* 'out' holds the answer */
    long long deadline; /* time_msec() when it is closed anyway */
};

struct xmet {
    struct pstream *listener;
    xmet_render_fn *render;
    void *aux;
    struct xmet_conn *conns[XMET_MAX_CONNS];
    size_t n_conns;
};

char *
xmet_parse_target(const char *target, char **pstream)
{
    *pstream = NULL;
    if (!strncmp(target, "unix:", 5)) {
        if (!target[5]) {
            return xstrdup("--metrics: unix: needs a PATH");
        }
        *pstream = xasprintf("punix:%s", target + 5);
        return NULL;
    }

    const char *colon = strrchr(target, ':');
    if (!colon) {
        return xasprintf("--metrics: \"%s\" is not ADDR:PORT or unix:PATH",
                         target);
    }
    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || port < 1 || port > 65535) {
        return xasprintf("--metrics: \"%s\": the port must be 1..65535",
                         target);
    }
    size_t alen = colon - target;
    if (alen && target[0] == '[' && target[alen - 1] != ']') {
        return xasprintf("--metrics: \"%s\": an IPv6 address goes in "
                         "[brackets]",
                         target);
    }
    *pstream = (alen ? xasprintf("ptcp:%lu:%.*s", port, (int)alen, target)
                     : xasprintf("ptcp:%lu", port));
    return NULL;
}

int
xmet_create(const char *pstream, xmet_render_fn *render, void *aux,
            struct xmet **xp)
{
    struct pstream *listener;
    int error = pstream_open(pstream, &listener, 0);

    *xp = NULL;
    if (error) {
        return error;
    }
    struct xmet *x = xzalloc(sizeof *x);
    x->listener = listener;
    x->render = render;
    x->aux = aux;
    *xp = x;
    return 0;
}

static void
conn_close(struct xmet *x, size_t i)
{
    struct xmet_conn *c = x->conns[i];
    stream_close(c->stream);
    ds_destroy(&c->in);
    ds_destroy(&c->out);
    free(c);
    x->conns[i] = x->conns[--x->n_conns];
}

void
xmet_destroy(struct xmet *x)
{
    if (x) {
        while (x->n_conns) {
            conn_close(x, 0);
        }
        pstream_close(x->listener);
        free(x);
    }
}

static void
answer(struct xmet_conn *c, const char *status, const char *extra,
       const char *body, bool head_only)
{
    ds_put_format(&c->out,
                  "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: "
                  "%zu\r\nConnection: close\r\n%s\r\n",
                  status,
                  (strncmp(status, "200", 3)
                       ? "text/plain; charset=utf-8"
                       : "text/plain; version=0.0.4; charset=utf-8"),
                  strlen(body), extra);
    if (!head_only) {
        ds_put_cstr(&c->out, body);
    }
    c->answering = true;
}

enum xmet_request
xmet_classify_request(const char *head, bool *head_only)
{
    char method[16], target[256], version[16];

    *head_only = false;
    if (sscanf(head, "%15s %255s %15s", method, target, version) != 3
        || strncmp(version, "HTTP/1.", 7)) {
        return XMET_REQ_BAD;
    }
    *head_only = !strcmp(method, "HEAD");
    if (strcmp(method, "GET") && !*head_only) {
        return XMET_REQ_METHOD;
    }
    size_t plen = strcspn(target, "?");
    if (plen != strlen("/metrics") || strncmp(target, "/metrics", plen)) {
        return XMET_REQ_NOT_FOUND;
    }
    return XMET_REQ_METRICS;
}

/* The request head in 'c->in' is complete: builds the answer. */
static void
respond(struct xmet *x, struct xmet_conn *c)
{
    bool head_only;

    switch (xmet_classify_request(ds_cstr(&c->in), &head_only)) {
    case XMET_REQ_BAD:
        VLOG_INFO_RL(&rl, "metrics: malformed request from %s",
                     stream_get_name(c->stream));
        answer(c, "400 Bad Request", "", "malformed request\n", false);
        break;
    case XMET_REQ_METHOD:
        answer(c, "405 Method Not Allowed", "Allow: GET, HEAD\r\n",
               "only GET /metrics\n", false);
        break;
    case XMET_REQ_NOT_FOUND:
        answer(c, "404 Not Found", "", "only /metrics is served here\n",
               head_only);
        break;
    case XMET_REQ_METRICS: {
        struct ds body = DS_EMPTY_INITIALIZER;
        x->render(x->aux, &body);
        answer(c, "200 OK", "", ds_cstr(&body), head_only);
        ds_destroy(&body);
        break;
    }
    }
}

/* Returns false when the connection is done. */
static bool
conn_run(struct xmet *x, struct xmet_conn *c)
{
    stream_run(c->stream);
    if (time_msec() >= c->deadline) {
        return false;
    }
    while (!c->answering) {
        char buf[2048];
        size_t room = XMET_MAX_REQUEST - c->in.length;
        int n = stream_recv(c->stream, buf, MIN(sizeof buf, room));
        if (n == -EAGAIN) {
            return true;
        } else if (n <= 0) {
            return false; /* EOF or error before a whole request */
        }
        ds_put_buffer(&c->in, buf, n);
        const char *s = ds_cstr(&c->in);
        if (strstr(s, "\r\n\r\n") || strstr(s, "\n\n")) {
            respond(x, c);
        } else if (c->in.length >= XMET_MAX_REQUEST) {
            VLOG_INFO_RL(&rl, "metrics: request head over %d bytes from %s",
                         XMET_MAX_REQUEST, stream_get_name(c->stream));
            answer(c, "431 Request Header Fields Too Large", "",
                   "request too large\n", false);
        }
    }
    while (c->out_ofs < c->out.length) {
        int n = stream_send(c->stream, c->out.string + c->out_ofs,
                            c->out.length - c->out_ofs);
        if (n == -EAGAIN) {
            return true;
        } else if (n < 0) {
            return false;
        }
        c->out_ofs += n;
    }
    return false; /* answered in full */
}

void
xmet_run(struct xmet *x)
{
    for (int i = 0; i < XMET_MAX_CONNS; i++) {
        struct stream *s;
        int error = pstream_accept(x->listener, &s);
        if (error) {
            if (error != EAGAIN) {
                VLOG_WARN_RL(&rl, "metrics: accept failed: %s",
                             ovs_strerror(error));
            }
            break;
        }
        if (x->n_conns >= XMET_MAX_CONNS) {
            VLOG_WARN_RL(&rl,
                         "metrics: %d scrapes in progress; closing "
                         "another",
                         XMET_MAX_CONNS);
            stream_close(s);
            continue;
        }
        struct xmet_conn *c = xzalloc(sizeof *c);
        c->stream = s;
        ds_init(&c->in);
        ds_init(&c->out);
        c->deadline = time_msec() + XMET_TIMEOUT_MS;
        x->conns[x->n_conns++] = c;
    }
    for (size_t i = 0; i < x->n_conns;) {
        if (conn_run(x, x->conns[i])) {
            i++;
        } else {
            conn_close(x, i);
        }
    }
}

void
xmet_wait(struct xmet *x)
{
    pstream_wait(x->listener);
    for (size_t i = 0; i < x->n_conns; i++) {
        struct xmet_conn *c = x->conns[i];
        stream_run_wait(c->stream);
        if (c->answering) {
            stream_send_wait(c->stream);
        } else {
            stream_recv_wait(c->stream);
        }
        poll_timer_wait_until(c->deadline);
    }
}
