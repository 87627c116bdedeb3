/* agent/api-ethtool.c: PIF other_config:ethtool-* in the API: checking the
 * values a pif-param-set gives, and pif-list's "ethtool" field, the NIC's
 * actual settings read from the kernel (reconcile-ethtool.c applies the
 * wanted ones). */

#include <config.h>
#include "agent/api-ethtool.h"

#include <json-c/json.h>
#include <string.h>

#include "agent/api-private.h"
#include "agent/reconcile-ethtool.h"
#include "agent/records-ethtool.h"
#include "smap.h"

bool
xapi_pif_check_ethtool(struct xapi_ctx *c)
{
    const size_t plen = strlen(XAPI_OTHER_CONFIG_PREFIX);

    for (struct lh_entry *e = lh_table_head(json_object_get_object(c->params));
         e; e = lh_entry_next(e)) {
        const char *name = lh_entry_k(e);
        const char *value = json_object_get_string(lh_entry_v(e));
        if (!strncmp(name, XAPI_OTHER_CONFIG_PREFIX, plen) && *value
            && !xapi_check(c, name, xrec_check_ethtool(name + plen, value))) {
            return false;
        }
    }
    return true;
}

void
xapi_pif_put_ethtool(struct json_object *row, const struct xrec_pif *pif)
{
    struct smap state = SMAP_INITIALIZER(&state);

    if (pif->physical && pif->vlan == XREC_VLAN_NONE) {
        xrc_ethtool_read(pif->device, &state);
    }
    xrec_json_put_smap(row, "ethtool", &state);
    smap_destroy(&state);
}
