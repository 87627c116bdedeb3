/* agent/api-pool.c: the pool verbs: the host's pool-wide settings
 * (records-qos.c), XenServer's pool record reduced to what networking
 * uses.
 *
 * Part of the request executor: api.c dispatches pool-param-set and
 * pool-list here.  A host has one pool record, so neither takes a uuid
 * (xe's pool-param-set uuid=POOL ...). */

#include <config.h>
#include "agent/api-private.h"

#include <json-c/json.h>
#include <string.h>

#include "agent/records.h"
#include "util.h"

static struct json_object *
xapi_pool_row(const struct xapi_ctx *c, size_t i OVS_UNUSED)
{
    const struct xrec_pool *pool = xrec_db_pool(c->db);
    struct json_object *row = json_object_new_object();

    xrec_json_put_bool(row, "igmp-snooping-enabled",
                       pool->igmp_snooping_enabled);
    xrec_json_put_smap(row, "other-config", &pool->other_config);
    return row;
}

int
xapi_pool_list(struct xapi_ctx *c)
{
    return xapi_list(c, 1, xapi_pool_row);
}

int
xapi_pool_param_set(struct xapi_ctx *c)
{
    const struct xrec_pool *cur = xrec_db_pool(c->db);
    const char *s = xapi_arg(c, "igmp-snooping-enabled");
    bool igmp = cur->igmp_snooping_enabled;
    struct smap oc;

    if (s
        && !xapi_check(c, "igmp-snooping-enabled",
                       xrec_parse_bool(s, &igmp))) {
        return c->code;
    }
    if (!xapi_arg_other_config(c, true, &cur->other_config, &oc)) {
        return c->code;
    }
    if (smap_get(&oc, "mcast-snooping-enable")
        && !smap_get(&cur->other_config, "mcast-snooping-enable")) {
        smap_destroy(&oc);
        XAPI_REJECT(c, "other-config:mcast-snooping-enable",
                    "is a network's key; the pool's switch is "
                    "igmp-snooping-enabled=true|false");
        return c->code;
    }
    if (igmp == cur->igmp_snooping_enabled
        && smap_equal(&oc, &cur->other_config)) {
        smap_destroy(&oc);
        return 0;
    }
    struct xrec_pool *pool = xrec_db_pool_mutable(c->db);
    xapi_set_bool(c, &pool->igmp_snooping_enabled, igmp);
    xapi_set_smap(c, &pool->other_config, &oc);
    return 0;
}
