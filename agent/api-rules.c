/* agent/api-rules.c: the rules that tie records of different kinds
 * together, checked by the handlers before they change anything.
 *
 * MTU consistency (issue 15 item 2): the MTUs along a guest's path must
 * not shrink towards the wire, so a change that would leave
 *
 *     VIF MTU  <=  its network's MTU  <=  (VLAN network) the MTU of the
 *                                         network its VLAN rides on
 *
 * false is refused with a message naming both sides.  A network's PIF, a
 * bond's PIF and its members follow their network's MTU (network-param-set
 * sets them), so they cannot disagree with it.  A VIF whose own MTU is 0
 * uses its network's and never conflicts.
 *
 * Trunks: a trunk VIF (vlan/trunks.h) needs a network that is not a VLAN
 * network, so vlan-create refuses to turn a network with trunk VIFs into
 * one.
 *
 * Part of the request executor (api-private.h). */

#include <config.h>
#include "agent/api-private.h"

#include <string.h>

#include "agent/records.h"
#include "util.h"

/* The network the VLAN network 'net' rides on (the network of its VLAN's
 * tagged PIF), and in '*vpif' its VLAN PIF; NULL if 'net' is no VLAN
 * network. */
static const struct xrec_network *
vlan_parent_network(const struct xrec_db *db, const struct xrec_network *net,
                    const struct xrec_pif **vpif)
{
    const struct xrec_pif *pif = xrec_find_pif_by_network(db, net->uuid);
    const struct xrec_vlan *vlan
        = pif ? xrec_find_vlan_by_untagged(db, pif->uuid) : NULL;
    const struct xrec_pif *tagged
        = vlan ? xrec_find_pif(db, vlan->tagged_pif) : NULL;

    *vpif = pif;
    return tagged ? xrec_find_network(db, tagged->network) : NULL;
}

bool
xapi_check_vif_mtu(struct xapi_ctx *c, const char *field, int mtu,
                   const struct xrec_network *net)
{
    if (mtu && mtu > net->mtu) {
        return XAPI_REJECT(c, field,
                           "%d is larger than the MTU %d of the VIF's "
                           "network %s (%s); raise the network's MTU first, "
                           "or give the VIF MTU 0 to follow it",
                           mtu, net->mtu, net->uuid, net->name_label);
    }
    return true;
}

bool
xapi_check_network_mtu(struct xapi_ctx *c, const char *field,
                       const struct xrec_network *net, int mtu)
{
    const struct xrec_db *db = c->db;

    for (size_t i = 0; i < db->n_vifs; i++) {
        const struct xrec_vif *vif = db->vifs[i];
        if (!strcmp(vif->network, net->uuid) && vif->mtu > mtu) {
            return XAPI_REJECT(c, field,
                               "%d is smaller than the MTU %d of VIF %s "
                               "(vif%d.%d) on network %s; lower the VIF's "
                               "MTU first (xovs vif-param-set uuid=%s MTU=)",
                               mtu, vif->mtu, vif->uuid, vif->domid,
                               vif->device, net->uuid, vif->uuid);
        }
    }

    const struct xrec_pif *vpif;
    const struct xrec_network *parent = vlan_parent_network(db, net, &vpif);
    if (parent && mtu > parent->mtu) {
        return XAPI_REJECT(c, field,
                           "%d is larger than the MTU %d of network %s (%s), "
                           "which carries this network's VLAN %d on %s; "
                           "raise that network's MTU first",
                           mtu, parent->mtu, parent->uuid, parent->name_label,
                           vpif->vlan, vpif->device);
    }

    /* The VLAN networks riding on this network's PIF. */
    const struct xrec_pif *pif = xrec_find_pif_by_network(db, net->uuid);
    for (size_t i = 0; pif && i < db->n_vlans; i++) {
        const struct xrec_vlan *v = db->vlans[i];
        const struct xrec_pif *up = xrec_find_pif(db, v->untagged_pif);
        const struct xrec_network *vnet
            = up ? xrec_find_network(db, up->network) : NULL;
        if (!strcmp(v->tagged_pif, pif->uuid) && vnet && vnet->mtu > mtu) {
            return XAPI_REJECT(c, field,
                               "%d is smaller than the MTU %d of VLAN "
                               "network %s (%s, VLAN %d on %s), which rides "
                               "on this network; lower that network's MTU "
                               "first",
                               mtu, vnet->mtu, vnet->uuid, vnet->name_label,
                               v->tag, pif->device);
        }
    }
    return true;
}

bool
xapi_check_vlan_network(struct xapi_ctx *c, const char *field,
                        const struct xrec_network *net,
                        const struct xrec_pif *parent)
{
    const struct xrec_db *db = c->db;
    const struct xrec_network *pnet = xrec_find_network(db, parent->network);

    for (size_t i = 0; i < db->n_vifs; i++) {
        const struct xrec_vif *vif = db->vifs[i];
        if (!strcmp(vif->network, net->uuid) && xrec_vif_is_trunk(vif)) {
            return XAPI_REJECT(c, field,
                               "network %s has trunk VIF %s (trunks %s); a "
                               "VLAN network cannot carry trunks: clear its "
                               "trunks first (xovs vif-param-set uuid=%s "
                               "trunks=)",
                               net->uuid, vif->uuid, vif->trunks, vif->uuid);
        }
    }
    if (pnet && net->mtu > pnet->mtu) {
        return XAPI_REJECT(c, field,
                           "network %s (%s) has MTU %d, larger than the MTU "
                           "%d of network %s (%s) that %s is on; lower it "
                           "or raise that one first",
                           net->uuid, net->name_label, net->mtu, pnet->mtu,
                           pnet->uuid, pnet->name_label, parent->device);
    }
    return true;
}

bool
xapi_check_vifs_move(struct xapi_ctx *c, const char *field,
                     const char *from_uuid, const struct xrec_network *to)
{
    const struct xrec_db *db = c->db;

    for (size_t i = 0; i < db->n_vifs; i++) {
        const struct xrec_vif *vif = db->vifs[i];
        if (!strcmp(vif->network, from_uuid) && vif->mtu > to->mtu) {
            return XAPI_REJECT(c, field,
                               "VIF %s (vif%d.%d) has MTU %d and would move "
                               "to network %s (%s) with MTU %d; lower the "
                               "VIF's MTU or raise the network's first",
                               vif->uuid, vif->domid, vif->device, vif->mtu,
                               to->uuid, to->name_label, to->mtu);
        }
    }
    return true;
}
