/* agent/reconcile-tunnel.c: tunnels and mirrors -> desired switch state
 * (the part of xrc_build() for those records; reconcile.h).
 *
 * A plugged tunnel puts, on its network's bridge, one interface per remote
 * endpoint, named after the access PIF and the remote's index
 * (tunnel0.0, tunnel0.1, ...):
 *
 *     type=gre|vxlan  options:remote_ip=R options:key=K
 *     bfd:enable=true  (liveness: tunnel-list reads bfd_status)
 *     Port protected=true  (split horizon: OVS forwards nothing from one
 *                           tunnel port to another, so the full mesh of
 *                           hosts does not loop)
 *
 * OVS's userspace datapath sends the encapsulated frames by its own route
 * table (ovs/route/show), which it learns from the kernel's: the transport
 * PIF's bridge must hold this host's transport address, which the agent
 * puts on the bridge's internal interface (xrc_tunnel_addresses()).  With
 * the kernel datapath the kernel routes the same way.
 *
 * A mirror becomes an OVS Mirror row on its network's bridge named
 * "xovs-mirror-UUID": the plugged source VIFs' ports in both directions
 * (select_src_port and select_dst_port) or select_all for a whole network,
 * and the output VIF's port or the output VLAN. */
#include <config.h>
#include "agent/reconcile.h"

#include <string.h>
#include "agent/records.h"
#include "ovs-glue/ovsg.h"
#include "util.h"

/* The bridge a non-VLAN network 'uuid' has in 'out', or NULL. */
static struct ovsg_bridge *
xrc_network_bridge(const struct xrec_db *db, const struct ovsg_state *out,
                   const char *uuid)
{
    const struct xrec_network *net = xrec_find_network(db, uuid);
    const struct xrec_pif *pif
        = net ? xrec_find_pif_by_network(db, uuid) : NULL;
    if (!net || (pif && pif->vlan != XREC_VLAN_NONE)) {
        return NULL;
    }
    return ovsg_state_find_bridge(out, net->bridge);
}

void
xrc_build_tunnels(const struct xrec_db *db, struct ovsg_state *out)
{
    for (size_t i = 0; i < db->n_tunnels; i++) {
        const struct xrec_tunnel *t = db->tunnels[i];
        const struct xrec_pif *ap = xrec_find_pif(db, t->access_pif);
        struct ovsg_bridge *br
            = ap ? xrc_network_bridge(db, out, ap->network) : NULL;
        if (!br || !ap->currently_attached) {
            continue;
        }
        char key[24];
        snprintf(key, sizeof key, "%lld", t->key);
        for (size_t j = 0; j < t->remotes.n; j++) {
            char *name = xrec_tunnel_port_name(ap, j);
            struct ovsg_port *port = ovsg_bridge_add_port(
                br, name, xrec_tunnel_protocol_to_string(t->protocol));
            struct ovsg_iface *iface = &port->ifaces[0];
            /* A full mesh: what comes from one remote is for this host's
             * ports, never for another remote (no loops, no storms). */
            port->protected_port = true;
            svec_add(&port->records, t->uuid);
            svec_add(&port->records, ap->uuid);
            smap_add(&iface->options, "remote_ip", t->remotes.names[j]);
            smap_add(&iface->options, "key", key);
            smap_add(&iface->bfd, "enable", "true");
            smap_add(&iface->external_ids, "xs-tunnel-uuid", t->uuid);
            smap_add(&iface->external_ids, "xs-network-uuid", ap->network);
            free(name);
        }
    }
}

void
xrc_tunnel_addresses(const struct xrec_db *db, struct svec *addrs)
{
    for (size_t i = 0; i < db->n_tunnels; i++) {
        const struct xrec_tunnel *t = db->tunnels[i];
        const struct xrec_pif *tp = xrec_find_pif(db, t->transport_pif);
        const struct xrec_network *tn
            = tp ? xrec_find_network(db, tp->network) : NULL;
        if (tn) {
            char *s = xasprintf("%s %s", tn->bridge, t->transport_address);
            if (svec_contains_unsorted(addrs, s)) {
                free(s);
            } else {
                svec_add_nocopy(addrs, s);
            }
        }
    }
}

void
xrc_build_mirrors(const struct xrec_db *db, struct ovsg_state *out)
{
    for (size_t i = 0; i < db->n_mirrors; i++) {
        const struct xrec_mirror *m = db->mirrors[i];
        struct ovsg_bridge *br = xrc_network_bridge(db, out, m->network);
        if (!br) {
            continue;
        }
        char *name = xasprintf("xovs-mirror-%s", m->uuid);
        struct ovsg_mirror *om = ovsg_bridge_add_mirror(br, name);
        free(name);
        svec_add(&om->records, m->uuid);
        smap_add(&om->external_ids, "xovs-mirror-uuid", m->uuid);
        om->select_all = !m->src_vifs.n;
        for (size_t j = 0; j < m->src_vifs.n; j++) {
            const struct xrec_vif *vif
                = xrec_find_vif(db, m->src_vifs.names[j]);
            if (vif && vif->currently_attached
                && !strcmp(vif->network, m->network)) {
                svec_add_nocopy(
                    &om->src_ports,
                    xasprintf("vif%d.%d", vif->domid, vif->device));
            }
        }
        if (m->output_vif) {
            const struct xrec_vif *vif = xrec_find_vif(db, m->output_vif);
            /* An output that is not there (yet) makes the glue wait. */
            om->output_port
                = vif && vif->currently_attached
                          && !strcmp(vif->network, m->network)
                      ? xasprintf("vif%d.%d", vif->domid, vif->device)
                      : xasprintf("%s-absent", m->output_vif);
        } else {
            om->output_vlan = m->output_vlan;
        }
    }
}
