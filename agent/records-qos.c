/* agent/records-qos.c: the record fields behind QoS, IGMP snooping and
 * flow export (see records.h), and the pool record that holds their
 * host-wide defaults.
 *
 * QoS is XenServer's: a VIF's qos_algorithm_type "ratelimit" with
 * qos_algorithm_params:kbps limits what the guest sends; xovs adds
 * qos_algorithm_params:kbps-rx for what it receives.  IGMP snooping and
 * flow export are network other_config keys, each falling back to the
 * pool record's value (XenServer's pool-wide igmp_snooping_enabled):
 *
 *   mcast-snooping-enable       true | false
 *   sflow-targets               IP:PORT[,IP:PORT...]  (IPv6 as [IP]:PORT)
 *   sflow-sampling              1..1000000000 (one packet in N)
 *   sflow-polling               1..3600 (counter polling, seconds)
 *   ipfix-targets               IP:PORT[,...]
 *   ipfix-sampling              1..1000000000
 *   ipfix-cache-active-timeout  0..4200 (seconds; 0: OVS's default)
 *   netflow-targets             IP:PORT[,...]
 *   netflow-active-timeout      -1..86400 (seconds; -1: none, 0: default)
 *
 * reconcile-qos.c turns the effective values into OVS columns. */
#include <config.h>
#include "agent/records.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

#define XREC_EXPORT_TARGETS_MAX 8 /* collectors per protocol */

char *
xrec_check_qos(const char *type, const struct smap *params, const char **field)
{
    const struct smap_node *node;
    int kbps = 0;

    *field = "qos_algorithm_type";
    if (strcmp(type, "") && strcmp(type, "ratelimit")) {
        return xasprintf("\"%.64s\" is not an algorithm xovs knows (use "
                         "ratelimit, or empty for none)",
                         type);
    }
    SMAP_FOR_EACH (node, params) {
        if (strcmp(node->key, "kbps") && strcmp(node->key, "kbps-rx")) {
            *field = "qos_algorithm_params";
            return xasprintf("unknown key \"%.64s\" (ratelimit takes kbps "
                             "and kbps-rx)",
                             node->key);
        }
        char *reason
            = xrec_parse_int(node->value, 1, XREC_QOS_KBPS_MAX, &kbps);
        if (reason) {
            *field = !strcmp(node->key, "kbps")
                         ? "qos_algorithm_params:kbps"
                         : "qos_algorithm_params:kbps-rx";
            return reason;
        }
    }
    if (!strcmp(type, "ratelimit") && !smap_get(params, "kbps")
        && !smap_get(params, "kbps-rx")) {
        *field = "qos_algorithm_params";
        return xstrdup("ratelimit needs kbps=RATE (what the guest sends) "
                       "or kbps-rx=RATE (what it receives), in kbit/s");
    }
    return NULL;
}

void
xrec_vif_qos(const struct xrec_vif *vif, int *kbps, int *kbps_rx)
{
    *kbps = *kbps_rx = 0;
    if (!strcmp(vif->qos_algorithm_type, "ratelimit")) {
        const char *a = smap_get(&vif->qos_algorithm_params, "kbps");
        const char *b = smap_get(&vif->qos_algorithm_params, "kbps-rx");
        *kbps = a ? atoi(a) : 0;
        *kbps_rx = b ? atoi(b) : 0;
    }
}

/* A collector list: 1..XREC_EXPORT_TARGETS_MAX comma-separated IPv4:PORT or
 * [IPv6]:PORT, port 1..65535. */
static char *
xrec_check_targets(const char *value)
{
    char *copy = xstrdup(value), *save = NULL, *reason = NULL;
    int n = 0;

    size_t len = strlen(value);
    if (strstr(value, ",,") || value[0] == ','
        || (len && value[len - 1] == ',')) {
        free(copy);
        return xstrdup("has an empty collector (IP:PORT,IP:PORT...)");
    }
    for (char *t = strtok_r(copy, ",", &save); t && !reason;
         t = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(t, ':');
        char addr[16];
        int port;

        if (++n > XREC_EXPORT_TARGETS_MAX) {
            reason = xasprintf("more than %d collectors",
                               XREC_EXPORT_TARGETS_MAX);
            break;
        }
        if (!colon) {
            reason = xasprintf("\"%.64s\" is not IP:PORT", t);
            break;
        }
        *colon = '\0';
        char *port_reason = xrec_parse_int(colon + 1, 1, 65535, &port);
        if (port_reason) {
            reason = xasprintf("port of \"%.64s\": %s", t, port_reason);
            free(port_reason);
            break;
        }
        const char *ip = t;
        int af = AF_INET;
        size_t tlen = strlen(t);
        if (t[0] == '[' && tlen > 2 && t[tlen - 1] == ']') {
            t[tlen - 1] = '\0';
            ip = t + 1;
            af = AF_INET6;
        }
        if (inet_pton(af, ip, addr) != 1) {
            reason = xasprintf("\"%.64s\" is not an IPv4 address or [IPv6] "
                               "address",
                               t);
        }
    }
    if (!n && !reason) {
        reason = xstrdup("names no collector (IP:PORT)");
    }
    free(copy);
    return reason;
}

char *
xrec_check_qos_value(const char *key, const char *value)
{
    static const struct {
        const char *key;
        int min, max;
    } ints[] = {
        {"sflow-sampling", 1, 1000000000},
        {"sflow-polling", 1, 3600},
        {"ipfix-sampling", 1, 1000000000},
        {"ipfix-cache-active-timeout", 0, 4200},
        {"netflow-active-timeout", -1, 86400},
    };
    int n;

    if (!strcmp(key, "mcast-snooping-enable")) {
        bool b;
        return xrec_parse_bool(value, &b);
    }
    if (!strcmp(key, "sflow-targets") || !strcmp(key, "ipfix-targets")
        || !strcmp(key, "netflow-targets")) {
        return xrec_check_targets(value);
    }
    for (size_t i = 0; i < ARRAY_SIZE(ints); i++) {
        if (!strcmp(key, ints[i].key)) {
            return xrec_parse_int(value, ints[i].min, ints[i].max, &n);
        }
    }
    return NULL;
}

static const struct xrec_pool xrec_default_pool = {
    .igmp_snooping_enabled = false,
    .other_config = SMAP_INITIALIZER(&xrec_default_pool.other_config),
};

const struct xrec_pool *
xrec_db_pool(const struct xrec_db *db)
{
    return db->pool ? db->pool : &xrec_default_pool;
}

struct xrec_pool *
xrec_db_pool_mutable(struct xrec_db *db)
{
    if (!db->pool) {
        db->pool = xzalloc(sizeof *db->pool);
        smap_init(&db->pool->other_config);
    }
    return db->pool;
}

void
xrec_pool_free(struct xrec_pool *pool)
{
    if (pool) {
        smap_destroy(&pool->other_config);
        free(pool);
    }
}

const char *
xrec_network_setting(const struct xrec_db *db, const struct xrec_network *net,
                     const char *key)
{
    const char *v = smap_get(&net->other_config, key);
    return v ? v : smap_get(&xrec_db_pool(db)->other_config, key);
}

bool
xrec_network_igmp_snooping(const struct xrec_db *db,
                           const struct xrec_network *net)
{
    const char *v = smap_get(&net->other_config, "mcast-snooping-enable");
    return v ? !strcmp(v, "true") : xrec_db_pool(db)->igmp_snooping_enabled;
}
