/* agent/reconcile-ovn.c: the host side of the pool's OVN (docs/ovn.md).
 *
 * A joined host (host-ovn-join: the pool record's ovn-* other_config keys)
 * gets the Open_vSwitch external_ids ovn-controller reads: ovn-remote,
 * ovn-encap-type, ovn-encap-ip, optionally system-id and
 * ovn-bridge-mappings, and ovn-bridge-datapath-type (the agent's datapath,
 * so ovn-controller makes br-int like xovs's bridges).  A network with
 * other_config:ovn-network=POOL-NETWORK-UUID is one of the pool's OVN
 * networks: it has no bridge of its own; its plugged VIFs become ports of
 * the integration bridge br-int, which ovn-controller creates and programs
 * (xovs only adds and removes its own ports there), with
 * external_ids:iface-id = the VIF's uuid, which is the name of its logical
 * port in OVN (xovs-controller's pool-vif-create).  ovn-controller binds
 * the port and enforces what OVN says (port security, ACLs), so the
 * agent's own locking rules do not apply to such a VIF.  Hosts without
 * these records are exactly as before. */
#include <config.h>
#include "agent/reconcile-private.h"

#include <string.h>
#include "agent/records.h"
#include "ovs-glue/ovsg.h"
#include "smap.h"
#include "util.h"

bool
xrc_is_ovn(const struct xrec_network *net)
{
    return smap_get(&net->other_config, XRC_OVN_NETWORK) != NULL;
}

void
xrc_build_ovn(const struct xrec_db *db, const char *datapath_type,
              struct ovsg_state *out)
{
    const struct smap *pool = &xrec_db_pool(db)->other_config;
    const char *remote = smap_get(pool, XRC_OVN_REMOTE);
    bool any = remote != NULL;

    for (size_t i = 0; !any && i < db->n_networks; i++) {
        any = xrc_is_ovn(db->networks[i]);
    }
    if (!any) {
        return;
    }
    /* Kept while OVN networks exist (also after leaving), so xovs can take
     * its ports off it. */
    struct ovsg_bridge *br = ovsg_state_add_bridge(out, XRC_OVN_BRIDGE);
    br->foreign = true;
    if (!remote) {
        return;
    }
    static const struct {
        const char *pool_key, *ovs_key;
    } keys[] = {
        {XRC_OVN_REMOTE, "ovn-remote"},
        {XRC_OVN_ENCAP_IP, "ovn-encap-ip"},
        {XRC_OVN_ENCAP_TYPE, "ovn-encap-type"},
        {XRC_OVN_SYSTEM_ID, "system-id"},
        {XRC_OVN_BRIDGE_MAPPINGS, "ovn-bridge-mappings"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const char *v = smap_get(pool, keys[i].pool_key);
        if (v && *v) {
            svec_add_nocopy(&out->ovs_external_ids,
                            xasprintf("%s=%s", keys[i].ovs_key, v));
        }
    }
    svec_add_nocopy(&out->ovs_external_ids,
                    xasprintf("ovn-bridge-datapath-type=%s", datapath_type));
}

void
xrc_add_ovn_vif(struct ovsg_state *out, const struct xrec_vif *vif,
                const struct xrec_network *net)
{
    struct ovsg_bridge *br = ovsg_state_find_bridge(out, XRC_OVN_BRIDGE);
    if (!br) {
        return;
    }
    char *name = xasprintf("vif%d.%d", vif->domid, vif->device);
    struct ovsg_port *port = ovsg_bridge_add_port(br, name, "");
    struct ovsg_iface *iface = &port->ifaces[0];
    svec_add(&port->records, vif->uuid);
    iface->mtu_request = vif->mtu ? vif->mtu : net->mtu;
    smap_add(&iface->external_ids, "xs-vif-uuid", vif->uuid);
    smap_add(&iface->external_ids, "xs-vm-uuid", vif->vm_uuid);
    smap_add(&iface->external_ids, "xs-network-uuid", net->uuid);
    smap_add(&iface->external_ids, "attached-mac", vif->mac);
    smap_add(&iface->external_ids, "iface-id", vif->uuid);
    free(name);
}
