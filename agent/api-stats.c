/* agent/api-stats.c: the live traffic verbs, port-stats-list and
 * port-stats-history (xovs top and xovs graph read them).
 *
 * Part of the request executor: api.c dispatches them here.  They read
 * 'xapi_env.port_stats' (portstats.h: OVS's Interface statistics of the
 * records' ports, with rates and a short history) and never change the
 * records. */

#include <config.h>
#include "agent/api-private.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "agent/portstats.h"
#include "timeval.h"
#include "util.h"

#define HISTORY_SECONDS_DEFAULT 300
#define HISTORY_SECONDS_MAX 3600

static void
put_u64(struct json_object *row, const char *key, uint64_t v)
{
    json_object_object_add(row, key, json_object_new_int64(MIN(v, INT64_MAX)));
}

static void
put_rate(struct json_object *row, const char *key, double v)
{
    json_object_object_add(row, key, json_object_new_int64(llround(v)));
}

static void
put_rates(struct json_object *row, const struct xps_rates *r)
{
    put_rate(row, "rx-pps", r->rx_pps);
    put_rate(row, "tx-pps", r->tx_pps);
    put_rate(row, "rx-bps", r->rx_bps);
    put_rate(row, "tx-bps", r->tx_bps);
    put_rate(row, "drops-ps", r->rx_drops + r->tx_drops);
}

/* During one list call. */
static const struct shash_node **stats_nodes;
static const struct xps *stats_xps;

static struct json_object *
stats_row(const struct xapi_ctx *c OVS_UNUSED, size_t i)
{
    const struct xps_port *p = stats_nodes[i]->data;
    struct json_object *row = json_object_new_object();
    struct xps_rates r = xps_rates_at(stats_xps, p, time_wall_msec());

    xrec_json_put_string(row, "name", p->name);
    xrec_json_put_string(row, "kind", p->kind);
    xrec_json_put_string(row, "uuid", p->uuid);
    put_u64(row, "rx-packets", p->cur.rx_packets);
    put_u64(row, "tx-packets", p->cur.tx_packets);
    put_u64(row, "rx-bytes", p->cur.rx_bytes);
    put_u64(row, "tx-bytes", p->cur.tx_bytes);
    put_u64(row, "rx-dropped", p->cur.rx_dropped);
    put_u64(row, "tx-dropped", p->cur.tx_dropped);
    put_u64(row, "rx-errors", p->cur.rx_errors);
    put_u64(row, "tx-errors", p->cur.tx_errors);
    put_rates(row, &r);
    return row;
}

int
xapi_port_stats_list(struct xapi_ctx *c)
{
    if (!c->env || !c->env->port_stats) {
        return XAPI_REJECT(c, "method",
                           "live statistics are not available "
                           "here"),
               c->code;
    }
    const struct shash *ports = &c->env->port_stats->ports;
    stats_nodes = shash_sort(ports);
    stats_xps = c->env->port_stats;
    int code = xapi_list(c, shash_count(ports), stats_row);
    free(stats_nodes);
    stats_nodes = NULL;
    stats_xps = NULL;
    return code;
}

int
xapi_port_stats_history(struct xapi_ctx *c)
{
    const char *name = xapi_arg_required(c, "name");
    int seconds = HISTORY_SECONDS_DEFAULT;

    if (!name
        || !xapi_arg_int(c, "seconds", 1, HISTORY_SECONDS_MAX, &seconds)) {
        return c->code;
    }
    if (!c->env || !c->env->port_stats) {
        return XAPI_REJECT(c, "method",
                           "live statistics are not available "
                           "here"),
               c->code;
    }

    /* A port name (vif3.0, eth1, bond0) or its record's uuid. */
    const struct xps_port *port = NULL;
    struct shash_node *node;
    SHASH_FOR_EACH (node, &c->env->port_stats->ports) {
        const struct xps_port *p = node->data;
        if (!strcmp(p->name, name) || !strcasecmp(p->uuid, name)) {
            port = p;
            break;
        }
    }
    if (!port) {
        return XAPI_REJECT(c, "name",
                           "no port or record %.64s with statistics (a "
                           "plugged VIF, a PIF or a bond in OVS; see "
                           "xovs port-stats-list)",
                           name),
               c->code;
    }

    long long now = time_wall_msec();
    struct xps_point *points = xcalloc(XPS_HISTORY, sizeof *points);
    size_t n = xps_history(port, now - seconds * 1000LL, points);
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct json_object *pt = json_object_new_object();
        json_object_object_add(pt, "time-ms",
                               json_object_new_int64(points[i].t_ms));
        put_rates(pt, &points[i].r);
        json_object_array_add(arr, pt);
    }
    free(points);

    c->result = json_object_new_object();
    xrec_json_put_string(c->result, "name", port->name);
    xrec_json_put_string(c->result, "kind", port->kind);
    xrec_json_put_string(c->result, "uuid", port->uuid);
    json_object_object_add(c->result, "now-ms", json_object_new_int64(now));
    json_object_object_add(c->result, "points", arr);
    return 0;
}
