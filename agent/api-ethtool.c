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

static char *
check_property(const char *key, const char *value, const void *aux OVS_UNUSED)
{
    return value ? xrec_check_pif_property(key, value)
                 : xrec_check_pif_property(key, "on");
}

bool
xapi_pif_arg_gro(struct xapi_ctx *c, const struct xrec_pif *pif,
                 enum xrec_pif_gro *gro)
{
    struct smap cur = SMAP_INITIALIZER(&cur);
    struct smap out;

    if (pif->gro != XREC_GRO_UNSET) {
        smap_add(&cur, "gro", pif->gro == XREC_GRO_ON ? "on" : "off");
    }
    bool ok = xapi_arg_map(c, XAPI_PROPERTIES_PREFIX, check_property, NULL,
                           &cur, &out);
    smap_destroy(&cur);
    if (ok) {
        const char *v = smap_get(&out, "gro");
        *gro = !v                 ? XREC_GRO_UNSET
               : !strcmp(v, "on") ? XREC_GRO_ON
                                  : XREC_GRO_OFF;
        smap_destroy(&out);
    }
    return ok;
}

void
xapi_pif_set_gro(struct xapi_ctx *c, struct xrec_pif *pif,
                 enum xrec_pif_gro gro)
{
    if (pif->gro != gro) {
        pif->gro = gro;
        c->changed = true;
    }
}

void
xapi_pif_put_ethtool(struct json_object *row, const struct xrec_pif *pif)
{
    struct smap state = SMAP_INITIALIZER(&state);
    struct smap props = SMAP_INITIALIZER(&props);

    if (pif->gro != XREC_GRO_UNSET) {
        smap_add(&props, "gro", pif->gro == XREC_GRO_ON ? "on" : "off");
    }
    xrec_json_put_smap(row, "properties", &props);
    smap_destroy(&props);

    if (pif->physical && pif->vlan == XREC_VLAN_NONE) {
        xrc_ethtool_read(pif->device, &state);
    }
    xrec_json_put_smap(row, "ethtool", &state);
    smap_destroy(&state);
}
