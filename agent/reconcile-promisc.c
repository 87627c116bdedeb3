/* agent/reconcile-promisc.c: promiscuous VIFs (issue 15 item 3).
 *
 * A VIF with other_config:promiscuous=true sees the traffic of its network
 * that is addressed to other MACs, as XCP's "promiscuous" VIFs do.  An OVS
 * mirror cannot do it: a mirror's output port is reserved for mirroring
 * and OVS drops everything the port sends (ofproto-dpif-xlate), which
 * would cut the guest off.  So it is done with flows, on the VIF's (real)
 * bridge, cookie OVSG_COOKIE like the locking flows:
 *
 *   table 0  the locking flows' accepted traffic, and (priority 1)
 *            everything else, goes on to table 1 (resubmit(,1)) instead
 *            of straight to NORMAL
 *   table 1  per source port X of the promiscuous VIFs' network, with the
 *            promiscuous VIFs P1..Pn other than X:
 *     130  in_port=X, multicast/broadcast dl_dst      -> NORMAL
 *     120  in_port=X, dl_dst=Pi's MAC                 -> NORMAL, output to
 *                                                        the other Pj
 *     110  in_port=X                                  -> NORMAL, output to
 *                                                        every Pj
 *       0  anything                                   -> NORMAL
 *
 * NORMAL delivers broadcast, multicast and frames for Pi itself, so those
 * are not copied again.  A unicast frame to a MAC the bridge has not
 * learnt is flooded by NORMAL and copied too: a promiscuous guest can see
 * such a frame twice.  Only the network's own traffic is copied: X is a
 * VIF of the network (untagged frames; trunk VIFs are not sources), the
 * bridge's own port or the network's PIF (untagged frames) for a plain
 * network, and for a VLAN network its fake bridge's port (untagged) and
 * the parent PIF's frames tagged with the VLAN, whose tag is stripped
 * before the copy.  A promiscuous VIF must be plugged, not a trunk, and
 * not locking-mode disabled (which sends and receives nothing).  Each copy
 * flow is installed only while the ports it names exist (ovsg's
 * conditional flows). */
#include <config.h>
#include "agent/reconcile-private.h"

#include <string.h>

#include "agent/records.h"
#include "openvswitch/dynamic-string.h"
#include "ovs-glue/ovsg.h"
#include "sset.h"
#include "svec.h"
#include "util.h"
#include "vlan/vlan.h"

/* Whether 'vif' (on 'net') is a promiscuous VIF in effect. */
bool
xrc_is_promiscuous(const struct xrec_vif *vif, const struct xrec_network *net)
{
    return (vif->currently_attached && net
            && smap_get_bool(&vif->other_config, "promiscuous", false)
            && !xrec_vif_is_trunk(vif)
            && xrec_vif_locking(vif, net) != XREC_LOCK_DISABLED);
}

void
xrc_promiscuous_bridges(const struct xrec_db *db, struct sset *bridges)
{
    for (size_t i = 0; i < db->n_vifs; i++) {
        const struct xrec_vif *vif = db->vifs[i];
        const struct xrec_network *net = xrec_find_network(db, vif->network);
        struct vlan_placement place;
        if (xrc_is_promiscuous(vif, net) && xrc_place(db, net, &place)) {
            sset_add(bridges, place.bridge);
        }
    }
}

/* One port whose traffic the promiscuous VIFs of a network see. */
struct xrc_source {
    char *name;        /* interface name */
    const char *match; /* extra match */
    bool strip;        /* pop the VLAN tag before copying */
};

static void
xrc_add_source(struct xrc_source **s, size_t *n, const char *name,
               const char *match, bool strip)
{
    *s = xrealloc(*s, (*n + 1) * sizeof **s);
    (*s)[(*n)++] = (struct xrc_source){xstrdup(name), match, strip};
}

/* Adds the interfaces of attached PIF 'pif' (its device, or a bond's
 * members' devices). */
static void
xrc_add_pif_sources(const struct xrec_db *db, const struct xrec_pif *pif,
                    const char *match, bool strip, struct xrc_source **s,
                    size_t *n)
{
    if (!pif || !pif->currently_attached
        || xrec_find_bond_by_slave(db, pif->uuid)) {
        return;
    }
    const struct xrec_bond *bond = xrec_find_bond_by_master(db, pif->uuid);
    if (!bond) {
        xrc_add_source(s, n, pif->device, match, strip);
        return;
    }
    for (size_t i = 0; i < bond->slaves.n; i++) {
        const struct xrec_pif *m = xrec_find_pif(db, bond->slaves.names[i]);
        if (m) {
            xrc_add_source(s, n, m->device, match, strip);
        }
    }
}

/* Adds the copy flows for source 'x' to 'br': to every promiscuous VIF in
 * 'promisc' (port names; MACs in 'macs') other than 'x' itself. */
static void
xrc_add_source_copies(struct ovsg_bridge *br, const struct xrc_source *x,
                      const struct svec *promisc, const struct svec *macs)
{
    const char *strip = x->strip ? ",strip_vlan" : "";
    struct ds outputs = DS_EMPTY_INITIALIZER;
    struct ds needs = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&needs, x->name);
    for (size_t j = 0; j < promisc->n; j++) {
        if (strcmp(promisc->names[j], x->name)) {
            ds_put_format(&outputs, ",output:\"%s\"", promisc->names[j]);
            ds_put_format(&needs, ",%s", promisc->names[j]);
        }
    }
    if (!outputs.length) {
        ds_destroy(&needs);
        return;
    }

    char *in = xasprintf("table=1,in_port=\"%s\",%s", x->name, x->match);
    char *flow = xasprintf("%s,priority=130,dl_dst=01:00:00:00:00:00/"
                           "01:00:00:00:00:00,actions=NORMAL",
                           in);
    ovsg_bridge_add_cond_flow(br, flow, x->name);
    free(flow);
    for (size_t j = 0; j < promisc->n; j++) {
        if (!strcmp(promisc->names[j], x->name)) {
            continue;
        }
        struct ds others = DS_EMPTY_INITIALIZER;
        for (size_t k = 0; k < promisc->n; k++) {
            if (k != j && strcmp(promisc->names[k], x->name)) {
                ds_put_format(&others, ",output:\"%s\"", promisc->names[k]);
            }
        }
        flow = xasprintf("%s,priority=120,dl_dst=%s,actions=NORMAL%s%s", in,
                         macs->names[j], others.length ? strip : "",
                         ds_cstr(&others));
        ovsg_bridge_add_cond_flow(br, flow, ds_cstr(&needs));
        free(flow);
        ds_destroy(&others);
    }
    flow = xasprintf("%s,priority=110,actions=NORMAL%s%s", in, strip,
                     ds_cstr(&outputs));
    ovsg_bridge_add_cond_flow(br, flow, ds_cstr(&needs));
    free(flow);
    free(in);
    ds_destroy(&outputs);
    ds_destroy(&needs);
}

/* The copy flows of network 'net' (placed by 'place' on 'br') for its
 * promiscuous VIFs 'promisc' (port names) with MACs 'macs'. */
static void
xrc_add_network_copies(const struct xrec_db *db, struct ovsg_bridge *br,
                       const struct xrec_network *net,
                       const struct vlan_placement *place,
                       const struct svec *promisc, const struct svec *macs)
{
    static const char untagged[] = "vlan_tci=0x0000/0x1fff";
    char *tagged = xasprintf("dl_vlan=%d", place->tag);
    struct xrc_source *src = NULL;
    size_t n_src = 0;

    for (size_t i = 0; i < db->n_vifs; i++) {
        const struct xrec_vif *vif = db->vifs[i];
        if (vif->currently_attached && !xrec_vif_is_trunk(vif)
            && !strcmp(vif->network, net->uuid)) {
            char *name = xasprintf("vif%d.%d", vif->domid, vif->device);
            xrc_add_source(&src, &n_src, name, untagged, false);
            free(name);
        }
    }
    const struct xrec_pif *pif = xrec_find_pif_by_network(db, net->uuid);
    if (!place->fake_bridge) {
        xrc_add_source(&src, &n_src, place->bridge, untagged, false);
        xrc_add_pif_sources(db, pif, untagged, false, &src, &n_src);
    } else {
        const struct xrec_vlan *vlan
            = pif ? xrec_find_vlan_by_untagged(db, pif->uuid) : NULL;
        xrc_add_source(&src, &n_src, place->fake_bridge, untagged, false);
        if (vlan) {
            xrc_add_pif_sources(db, xrec_find_pif(db, vlan->tagged_pif),
                                tagged, true, &src, &n_src);
        }
    }
    for (size_t i = 0; i < n_src; i++) {
        xrc_add_source_copies(br, &src[i], promisc, macs);
        free(src[i].name);
    }
    free(src);
    free(tagged);
}

void
xrc_add_promiscuous(const struct xrec_db *db, struct ovsg_state *out,
                    const struct sset *bridges)
{
    const char *name;
    SSET_FOR_EACH (name, bridges) {
        struct ovsg_bridge *br = ovsg_state_find_bridge(out, name);
        if (br) {
            svec_add(&br->flows,
                     "table=0,priority=1,actions=" XRC_FWD_PROMISC);
            svec_add(&br->flows, "table=1,priority=0,actions=NORMAL");
        }
    }
    for (size_t i = 0; i < db->n_networks; i++) {
        const struct xrec_network *net = db->networks[i];
        struct svec promisc = SVEC_EMPTY_INITIALIZER;
        struct svec macs = SVEC_EMPTY_INITIALIZER;
        struct vlan_placement place;

        if (!xrc_place(db, net, &place)) {
            continue;
        }
        for (size_t j = 0; j < db->n_vifs; j++) {
            const struct xrec_vif *vif = db->vifs[j];
            if (!strcmp(vif->network, net->uuid)
                && xrc_is_promiscuous(vif, net)) {
                svec_add_nocopy(
                    &promisc, xasprintf("vif%d.%d", vif->domid, vif->device));
                svec_add(&macs, vif->mac);
            }
        }
        struct ovsg_bridge *br = ovsg_state_find_bridge(out, place.bridge);
        if (br && promisc.n) {
            xrc_add_network_copies(db, br, net, &place, &promisc, &macs);
        }
        svec_destroy(&promisc);
        svec_destroy(&macs);
    }
}
