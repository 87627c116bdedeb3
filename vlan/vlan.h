/* vlan/vlan.h: where a network's ports live on the switch.
 *
 * XenServer puts a VLAN network on an OVS "fake bridge": a tagged internal
 * port named after the VLAN network's bridge, on the real bridge of the
 * physical PIF the VLAN rides on.  Guests on the VLAN network become access
 * ports with that tag on the real bridge.  A VLAN network whose VLAN PIF is
 * unplugged, or whose tagged PIF's network is gone, has no place at all.
 *
 * This module owns those rules.  It takes plain values (the agent's
 * reconcile.c reads them from the records) and knows nothing about OVS or
 * the records' storage, so it is unit-tested on its own
 * (tests/unit/test-vlan.c). */
#ifndef VLAN_H
#define VLAN_H 1

#include <stdbool.h>
#include <stddef.h>

#define VLAN_TAG_MIN 0
#define VLAN_TAG_MAX 4094
#define VLAN_NONE (-1)

/* A network as the VLAN rules see it. */
struct vlan_network {
    const char *bridge;        /* the network's own bridge name */
    bool has_vlan_pif;         /* a VLAN PIF (a VLAN's untagged side) is
                                * on it: it is a VLAN network */
    int tag;                   /* that PIF's VLAN tag */
    bool vlan_pif_plugged;     /* that PIF is currently attached */
    const char *parent_bridge; /* bridge of the network of the VLAN's
                                * tagged PIF, or NULL if there is none */
};

/* Where a network's ports go. */
struct vlan_placement {
    const char *bridge;      /* real (not fake) bridge; borrowed */
    int tag;                 /* access tag: VLAN_NONE or a valid tag */
    const char *fake_bridge; /* a VLAN network's fake bridge (its tagged
                              * internal port on 'bridge'); NULL for a
                              * plain network; borrowed */
};

/* Computes where 'net''s ports go into '*place'.  A plain network's ports
 * go untagged on its own bridge.  A VLAN network's go on its parent's
 * bridge with its tag, behind a fake bridge named after its own bridge.
 * Returns false, with '*place' zeroed (bridge NULL), for a VLAN network
 * that has no place on the switch: its VLAN PIF unplugged, no parent
 * bridge, or a tag out of range. */
bool vlan_place(const struct vlan_network *net, struct vlan_placement *place);

#endif /* vlan/vlan.h */
