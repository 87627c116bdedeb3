/* vlan/vlan.h: where a VLAN network lives on the switch.
 *
 * XenServer puts a VLAN network on an OVS "fake bridge": a tagged internal
 * port named after the VLAN network's bridge, on the real bridge of the
 * physical PIF the VLAN rides on.  Guests on the VLAN network become access
 * ports with that tag on the real bridge.  This module computes that
 * placement from plain values; it knows nothing about OVS or the records'
 * storage, so it can be unit-tested and reused by bonds and the hotplug
 * script's "bridge.TAG" form. */
#ifndef VLAN_H
#define VLAN_H 1

#include <stdbool.h>
#include <stddef.h>

#define VLAN_TAG_MIN 0
#define VLAN_TAG_MAX 4094
#define VLAN_NONE (-1)

/* Where a port belongs: the real bridge and the access tag (VLAN_NONE for
 * an untagged port). */
struct vlan_placement {
    const char *bridge; /* real (not fake) bridge; borrowed */
    int tag;            /* VLAN_NONE or VLAN_TAG_MIN..VLAN_TAG_MAX */
};

/* Placement of a network's ports.  'parent_bridge' is NULL for a network
 * with no VLAN PIF ('tag' ignored): its ports go on 'bridge' itself.
 * Otherwise the network is a fake bridge and its ports go on
 * 'parent_bridge' with 'tag'. */
struct vlan_placement vlan_place(const char *bridge, const char *parent_bridge,
                                 int tag);

bool vlan_tag_is_valid(long long int tag);

/* Parses a trunk list such as "10,20-25,30" into a sorted, duplicate-free
 * array of tags.  Returns NULL on success (caller frees '*tagsp'), else a
 * malloc'd message naming the bad element; '*tagsp' is then NULL. */
char *vlan_parse_trunks(const char *s, int **tagsp, size_t *n_tagsp);

/* Splits a Xen hotplug "bridge" value "BR" or "BR.TAG" (vif-openvswitch's
 * syntax).  Returns false if TAG is present but not a valid VLAN tag.  On
 * success '*bridge' is a malloc'd bridge name and '*tag' is VLAN_NONE or the
 * tag. */
bool vlan_split_bridge(const char *s, char **bridge, int *tag);

#endif /* vlan/vlan.h */
