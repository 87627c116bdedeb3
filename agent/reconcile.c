/* agent/reconcile.c: records -> desired switch state (see reconcile.h).
 *
 * Locking-mode rules (table 0, cookie OVSG_COOKIE, port P, MAC M):
 *   locked    4200  NA from P whose target is an allowed IPv6    -> NORMAL
 *             4150  any other NA from P                          -> drop
 *             4100  dl_src=M and source an allowed IPv4/IPv6
 *                   (ARP: sha=M, spa allowed), DAD and link-local
 *                   NS/RS from M                                 -> NORMAL
 *             4000  anything else from P                         -> drop
 *   disabled  4000  anything from P                              -> drop
 *   unlocked  (no rules; the bridge's NORMAL flow forwards)
 * These follow XenServer's locking mode: a locked VIF with no allowed
 * address sends nothing. */
#include <config.h>
#include "agent/reconcile.h"

#include <string.h>
#include <sys/stat.h>
#include "agent/reconcile-private.h"
#include "agent/records.h"
#include "openvswitch/shash.h"
#include "sset.h"
#include "bonding/bond.h"
#include "openvswitch/dynamic-string.h"
#include "ovs-glue/ovsg.h"
#include "util.h"
#include "vlan/trunks.h"
#include "vlan/vlan.h"

/* The VLAN PIF that makes 'net' a VLAN network, or NULL. */
static const struct xrec_pif *
xrc_vlan_pif(const struct xrec_db *db, const struct xrec_network *net)
{
    for (size_t i = 0; i < db->n_pifs; i++) {
        const struct xrec_pif *pif = db->pifs[i];
        if (pif->vlan != XREC_VLAN_NONE && !strcmp(pif->network, net->uuid)) {
            return pif;
        }
    }
    return NULL;
}

/* The bridge of the network of the PIF a VLAN PIF rides on, or NULL. */
static const struct xrec_network *
xrc_vlan_parent(const struct xrec_db *db, const struct xrec_pif *vlan_pif)
{
    for (size_t i = 0; i < db->n_vlans; i++) {
        const struct xrec_vlan *v = db->vlans[i];
        if (!strcmp(v->untagged_pif, vlan_pif->uuid)) {
            const struct xrec_pif *tagged = xrec_find_pif(db, v->tagged_pif);
            return tagged ? xrec_find_network(db, tagged->network) : NULL;
        }
    }
    return NULL;
}

/* Where 'net's ports go, by vlan/'s rules (vlan_place()): the records'
 * values handed over as plain ones.  Returns false if 'net' is a VLAN
 * network with no place on the switch. */
bool
xrc_place(const struct xrec_db *db, const struct xrec_network *net,
          struct vlan_placement *place)
{
    const struct xrec_pif *vpif = xrc_vlan_pif(db, net);
    const struct xrec_network *parent
        = vpif ? xrc_vlan_parent(db, vpif) : NULL;
    const struct vlan_network vn = {
        .bridge = net->bridge,
        .has_vlan_pif = vpif != NULL,
        .tag = vpif ? vpif->vlan : VLAN_NONE,
        .vlan_pif_plugged = vpif && vpif->currently_attached,
        .parent_bridge = parent ? parent->bridge : NULL,
    };
    return vlan_place(&vn, place);
}

static void
xrc_add_locking_flows(struct ovsg_port *br, const struct xrec_vif *vif,
                      const char *port, enum xrec_locking_mode mode,
                      const char *fwd)
{
    if (mode == XREC_LOCK_UNLOCKED) {
        return;
    }
    char *in = xasprintf("table=0,in_port=\"%s\"", port);
    if (mode == XREC_LOCK_LOCKED) {
        const char *mac = vif->mac;
        const char *ip;
        size_t i;
        SVEC_FOR_EACH (i, ip, &vif->ipv4_allowed) {
            svec_add_nocopy(&br->flows,
                            xasprintf("%s,priority=4100,dl_src=%s,arp,"
                                      "arp_sha=%s,arp_spa=%s,actions=%s",
                                      in, mac, mac, ip, fwd));
            svec_add_nocopy(&br->flows,
                            xasprintf("%s,priority=4100,dl_src=%s,ip,"
                                      "nw_src=%s,actions=%s",
                                      in, mac, ip, fwd));
        }
        SVEC_FOR_EACH (i, ip, &vif->ipv6_allowed) {
            svec_add_nocopy(&br->flows,
                            xasprintf("%s,priority=4200,dl_src=%s,icmp6,"
                                      "icmp_type=136,nd_target=%s,"
                                      "actions=%s",
                                      in, mac, ip, fwd));
            svec_add_nocopy(&br->flows,
                            xasprintf("%s,priority=4100,dl_src=%s,ipv6,"
                                      "ipv6_src=%s,actions=%s",
                                      in, mac, ip, fwd));
            /* Duplicate address detection comes from "::". */
            svec_add_nocopy(&br->flows,
                            xasprintf("%s,priority=4100,dl_src=%s,icmp6,"
                                      "ipv6_src=::,icmp_type=135,"
                                      "nd_target=%s,actions=%s",
                                      in, mac, ip, fwd));
        }
        if (vif->ipv6_allowed.n) {
            /* Neighbour and router solicitations from the link-local
             * address: needed to resolve anything at all. */
            for (int type = 133; type <= 135; type += 2) {
                svec_add_nocopy(&br->flows,
                                xasprintf("%s,priority=4100,dl_src=%s,icmp6,"
                                          "ipv6_src=fe80::/10,icmp_type=%d,"
                                          "actions=%s",
                                          in, mac, type, fwd));
            }
            svec_add_nocopy(&br->flows, xasprintf("%s,priority=4150,icmp6,"
                                                  "icmp_type=136,actions=drop",
                                                  in));
        }
    }
    svec_add_nocopy(&br->flows,
                    xasprintf("%s,priority=4000,actions=drop", in));
    free(in);
}

void
xrc_add_vif(struct ovsg_bridge *br, const struct xrec_vif *vif,
            const struct xrec_network *net, const struct vlan_placement *place,
            const char *fwd)
{
    char *name = xasprintf("vif%d.%d", vif->domid, vif->device);
    struct ovsg_port *port
        = ovsg_bridge_add_port(br, name, vif->dpdk_devargs ? "dpdk" : "");
    struct ovsg_iface *iface = &port->ifaces[0];

    if (vif->dpdk_devargs) { /* net_xovs in OVS-DPDK (records-dpdk.c) */
        smap_add(&iface->options, "dpdk-devargs", vif->dpdk_devargs);
    }
    if (vif->dpdk_devargs && vif->dpdk_queues) { /* its rx queues */
        smap_add_format(&iface->options, "n_rxq", "%d", vif->dpdk_queues);
    }
    struct vlan_trunk_settings ts = xrec_vif_trunk(vif);
    struct vlan_port_plan plan;

    /* A trunk on a VLAN network is refused by the records' checks; should
     * one get here, the port is a plain access port. */
    vlan_plan_port(place, &ts, &plan);
    port->tag = plan.tag;
    port->vlan_mode = plan.mode ? xstrdup(plan.mode) : NULL;
    port->n_trunks = plan.n_trunks;
    port->trunks = xmalloc((plan.n_trunks + 1) * sizeof *port->trunks);
    for (size_t i = 0; i < plan.n_trunks; i++) {
        port->trunks[i] = plan.trunks[i];
    }
    free(plan.trunks);
    svec_add(&port->records, vif->uuid);
    iface->mtu_request = vif->mtu ? vif->mtu : net->mtu;
    smap_add(&iface->external_ids, "xs-vif-uuid", vif->uuid);
    smap_add(&iface->external_ids, "xs-vm-uuid", vif->vm_uuid);
    smap_add(&iface->external_ids, "xs-network-uuid", net->uuid);
    smap_add(&iface->external_ids, "attached-mac", vif->mac);
    smap_add(&iface->external_ids, "iface-id", vif->uuid);
    xrc_add_locking_flows(port, vif, name, xrec_vif_locking(vif, net), fwd);
    xrc_add_vif_qos(port, vif, fwd);
    free(name);
}

/* The bond port of 'bond' (whose PIF is 'master') on 'br', as bonding/
 * plans it: one port named after the bond's device with the members'
 * devices as interfaces, all at the network's MTU. */
static void
xrc_add_bond(const struct xrec_db *db, struct ovsg_bridge *br,
             const struct xrec_bond *bond, const struct xrec_pif *master,
             const struct xrec_network *net)
{
    const char *devices[BOND_MAX_MEMBERS];
    const char *primary = NULL;
    size_t n = 0;

    for (size_t i = 0; i < bond->slaves.n && n < BOND_MAX_MEMBERS; i++) {
        const struct xrec_pif *m = xrec_find_pif(db, bond->slaves.names[i]);
        if (m) {
            devices[n++] = m->device;
            if (!strcmp(m->uuid, bond->primary_slave)) {
                primary = m->device;
            }
        }
    }

    struct bond_property props[XREC_OTHER_CONFIG_MAX];
    size_t n_props = 0;
    const struct smap_node *node;
    SMAP_FOR_EACH (node, &bond->properties) {
        if (n_props < ARRAY_SIZE(props)) {
            props[n_props++] = (struct bond_property){node->key, node->value};
        }
    }
    struct bond_settings settings = {
        .mode = bond->mode,
        .primary = primary,
        .properties = props,
        .n_properties = n_props,
    };
    struct bond_plan plan;
    bond_plan_build(&settings, &plan);

    struct ovsg_port *port
        = ovsg_bridge_add_bond(br, master->device, devices, n);
    svec_add(&port->records, bond->uuid);
    svec_add(&port->records, master->uuid);
    for (size_t i = 0; i < bond->slaves.n; i++) {
        svec_add(&port->records, bond->slaves.names[i]);
    }
    port->bond_mode = xstrdup(plan.bond_mode);
    port->lacp = xstrdup(plan.lacp);
    port->bond_updelay = plan.updelay;
    port->bond_downdelay = plan.downdelay;
    for (size_t i = 0; i < plan.n_other_config; i++) {
        smap_add(&port->other_config, plan.other_config[i].key,
                 plan.other_config[i].value);
    }
    for (size_t i = 0; i < n; i++) {
        port->ifaces[i].mtu_request = net->mtu;
        if (plan.member_aggregation_key[0]) {
            smap_add(&port->ifaces[i].other_config, "lacp-aggregation-key",
                     plan.member_aggregation_key);
        }
    }
}

/* Appends 'uuid' to the bridge's ';'-separated xs-network-uuids. */
static void
xrc_add_network_uuid(struct smap *ids, const char *uuid)
{
    const char *old = smap_get(ids, "xs-network-uuids");
    char *v = old ? xasprintf("%s;%s", old, uuid) : xstrdup(uuid);
    smap_replace(ids, "xs-network-uuids", v);
    free(v);
}

void
xrc_links_up(const struct xrec_db *db, struct svec *devices)
{
    for (size_t i = 0; i < db->n_pifs; i++) {
        const struct xrec_pif *pif = db->pifs[i];
        if (pif->vlan != XREC_VLAN_NONE || !pif->currently_attached
            || xrec_find_tunnel_by_access(db, pif->uuid)) {
            continue;
        }
        const struct xrec_bond *bond = xrec_find_bond_by_master(db, pif->uuid);
        if (!bond) {
            svec_add(devices, pif->device);
            continue;
        }
        for (size_t j = 0; j < bond->slaves.n; j++) {
            const struct xrec_pif *m
                = xrec_find_pif(db, bond->slaves.names[j]);
            if (m) {
                svec_add(devices, m->device);
            }
        }
    }
}

void
xrc_build(const struct xrec_db *db, const char *datapath_type,
          struct ovsg_state *out)
{
    ovsg_state_init(out, datapath_type);
    xrc_build_sdn(db, out);

    /* Real bridges first, so VLAN networks can find their parents. */
    for (size_t i = 0; i < db->n_networks; i++) {
        const struct xrec_network *net = db->networks[i];
        if (xrc_vlan_pif(db, net) || xrc_is_ovn(net)) {
            continue;
        }
        struct ovsg_bridge *br = ovsg_state_add_bridge(out, net->bridge);
        br->mtu_request = net->mtu;
        svec_add(&br->records, net->uuid);
        xrc_add_network_uuid(&br->external_ids, net->uuid);
        xrc_add_bridge_qos(db, net, br);
        xrc_bridge_sdn(db, net, br);
        for (size_t j = 0; j < db->n_pifs; j++) {
            const struct xrec_pif *pif = db->pifs[j];
            if (pif->vlan != XREC_VLAN_NONE || !pif->currently_attached
                || strcmp(pif->network, net->uuid)
                || xrec_find_bond_by_slave(db, pif->uuid)
                || xrec_find_tunnel_by_access(db, pif->uuid)) {
                /* A bond member is a port of its bond, not of its own
                 * network's bridge; a tunnel's PIF is not a device
                 * (xrc_build_tunnels()). */
                continue;
            }
            const struct xrec_bond *bond
                = xrec_find_bond_by_master(db, pif->uuid);
            if (bond) {
                xrc_add_bond(db, br, bond, pif, net);
            } else {
                struct ovsg_port *port
                    = ovsg_bridge_add_port(br, pif->device, "");
                port->ifaces[0].mtu_request = net->mtu;
                svec_add(&port->records, pif->uuid);
            }
        }
    }

    /* VLAN networks: fake bridges on their parents. */
    for (size_t i = 0; i < db->n_networks; i++) {
        const struct xrec_network *net = db->networks[i];
        struct vlan_placement place;
        if (!xrc_place(db, net, &place) || !place.fake_bridge) {
            continue;
        }
        struct ovsg_bridge *br = ovsg_state_find_bridge(out, place.bridge);
        if (!br) {
            continue;
        }
        xrc_add_network_uuid(&br->external_ids, net->uuid);
        struct ovsg_port *fake
            = ovsg_bridge_add_port(br, place.fake_bridge, "internal");
        fake->tag = place.tag;
        fake->fake_bridge = true;
        fake->ifaces[0].mtu_request = net->mtu;
        smap_add(&fake->external_ids, "xs-network-uuids", net->uuid);
        /* The VLAN's network, its VLAN PIF and its VLAN record. */
        const struct xrec_pif *vpif = xrc_vlan_pif(db, net);
        const struct xrec_vlan *vlan
            = xrec_find_vlan_by_untagged(db, vpif->uuid);
        svec_add(&fake->records, net->uuid);
        svec_add(&fake->records, vpif->uuid);
        if (vlan) {
            svec_add(&fake->records, vlan->uuid);
        }
    }

    /* Bridges with a promiscuous VIF pass accepted traffic on to table 1
     * (reconcile-promisc.c) instead of straight to NORMAL. */
    struct sset promisc = SSET_INITIALIZER(&promisc);
    xrc_promiscuous_bridges(db, &promisc);
    xrc_build_ovn(db, datapath_type, out);
    for (size_t i = 0; i < db->n_vifs; i++) {
        const struct xrec_vif *vif = db->vifs[i];
        const struct xrec_network *net = xrec_find_network(db, vif->network);
        struct vlan_placement place;
        if (net && xrc_is_ovn(net)) {
            if (vif->currently_attached) {
                xrc_add_ovn_vif(out, vif, net);
            }
            continue;
        }
        if (!vif->currently_attached || !net || !xrc_place(db, net, &place)) {
            continue;
        }
        struct ovsg_bridge *br = ovsg_state_find_bridge(out, place.bridge);
        if (br) {
            xrc_add_vif(br, vif, net, &place,
                        sset_contains(&promisc, br->name) ? XRC_FWD_PROMISC
                                                          : "NORMAL");
        }
    }
    xrc_add_promiscuous(db, out, &promisc);
    sset_destroy(&promisc);
    xrc_build_tunnels(db, out);
    xrc_build_mirrors(db, out);
}

/* The records in 'after' with a collision that 'before' does not have (with
 * the same message): the first as a malloc'd message, or NULL. */
char *
xrc_verify(const void *glue, const struct xrec_db *before,
           const struct xrec_db *after)
{
    struct ovsg_state old_state, new_state;

    xrc_build(before, "netdev", &old_state);
    xrc_build(after, "netdev", &new_state);
    char *result = xrc_verify_states(glue, &old_state, &new_state);
    ovsg_state_destroy(&old_state);
    ovsg_state_destroy(&new_state);
    return result;
}

char *
xrc_verify_states(const struct ovsg *glue, const struct ovsg_state *old_state,
                  const struct ovsg_state *new_state)
{
    struct shash old_errors = SHASH_INITIALIZER(&old_errors);
    struct shash new_errors = SHASH_INITIALIZER(&new_errors);
    char *result = NULL;

    /* Only what differs can have a new collision. */
    ovsg_check_collisions(glue, new_state, old_state, &new_errors);
    if (!shash_is_empty(&new_errors)) {
        ovsg_check_collisions(glue, old_state, new_state, &old_errors);
    }

    struct shash_node *node;
    SHASH_FOR_EACH (node, &new_errors) {
        const char *old = shash_find_data(&old_errors, node->name);
        if (!old || strcmp(old, node->data)) {
            result = xstrdup(node->data);
            break;
        }
    }
    shash_destroy_free_data(&old_errors);
    shash_destroy_free_data(&new_errors);
    return result;
}

const char *
xrc_record_status(const void *glue_, const char *uuid, const char **error)
{
    const struct ovsg *glue = glue_;
    *error = ovsg_get_error(glue, uuid);
    return *error ? "error" : ovsg_is_synced(glue) ? "applied" : "pending";
}

char *
xrc_startup_check(struct ovsg *glue, const struct xrec_db *db,
                  const char *store_path)
{
    if (db->n_networks) {
        return NULL;
    }

    char *bak = xasprintf("%s.bak", store_path);
    struct stat st;
    char *recover
        = (!stat(bak, &st) ? xasprintf("restore the last good records with "
                                       "'cp %s %s'",
                                       bak, store_path)
                           : xstrdup("restore the store from a backup"));
    free(bak);

    char *msg = NULL;
    if (ovsg_wait_for_replica(glue, XRC_STARTUP_WAIT_MS)) {
        msg = xasprintf("store %s has no records and the OVSDB server did "
                        "not answer within %d s, so whether xovs bridges "
                        "exist (which starting would delete) is unknown; "
                        "refusing to start: start ovsdb-server first",
                        store_path, XRC_STARTUP_WAIT_MS / 1000);
    } else {
        struct svec owned = SVEC_EMPTY_INITIALIZER;
        ovsg_owned_bridges(glue, &owned);
        if (owned.n) {
            char *list = svec_join(&owned, " ", "");
            msg = xasprintf("store %s is missing or has no records, but "
                            "Open vSwitch has bridges xovs created (%s); "
                            "refusing to start, as that would delete them: "
                            "%s, or remove those bridges "
                            "(ovs-vsctl del-br BRIDGE) to start empty",
                            store_path, list, recover);
            free(list);
        }
        svec_destroy(&owned);
    }
    free(recover);
    return msg;
}
