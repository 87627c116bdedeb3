/* vlan/trunks.h: VLAN trunks to a VM (a VIF that carries tagged traffic).
 *
 * A VIF on a network that is not a VLAN network may be a trunk: its port
 * carries 802.1Q-tagged frames of the VLANs in its trunk list (all of them,
 * or tags and ranges such as "10,20-25"), and optionally one "native" VLAN
 * whose frames cross the port untagged (native-untagged) or tagged
 * (native-tagged), as OVS's Port vlan_mode defines them.  This module parses
 * and prints trunk lists and turns a VIF's trunk settings into the port's
 * tag/trunks/vlan_mode plan.  Plain values in and out; no OVS, no records
 * (tests/unit/test-vlan.c). */
#ifndef VLAN_TRUNKS_H
#define VLAN_TRUNKS_H 1

#include <stdbool.h>
#include <stddef.h>

#include "vlan/vlan.h"

/* How a trunk port treats untagged frames (OVS Port vlan_mode). */
enum vlan_mode {
    VLAN_MODE_TRUNK,           /* tagged frames only */
    VLAN_MODE_NATIVE_UNTAGGED, /* native VLAN's frames leave untagged */
    VLAN_MODE_NATIVE_TAGGED,   /* native VLAN's frames leave tagged */
};

/* A VIF's trunk settings as its record holds them. */
struct vlan_trunk_settings {
    const char *trunks; /* "" or NULL: not a trunk; "all"; or a list */
    enum vlan_mode mode;
    int native_vlan; /* VLAN_NONE, or the native VLAN (native-* modes) */
};

/* The VLAN columns of a port. */
struct vlan_port_plan {
    int tag;          /* access or native VLAN; VLAN_NONE: unset */
    const char *mode; /* "access", "trunk", "native-untagged",
                       * "native-tagged"; NULL: leave unset (OVS's
                       * default); static string */
    int *trunks;      /* sorted tags (malloc'd); empty with mode
                       * "trunk" and friends means all VLANs */
    size_t n_trunks;
};

/* Parses trunk list 's': "all" (every VLAN: '*n_tags' 0, '*all' true) or
 * comma-separated tags and ranges "10,20-25" (each 0..VLAN_TAG_MAX, ranges
 * low-high).  On success returns NULL and stores a sorted, duplicate-free
 * malloc'd array in '*tagsp' (caller frees; also when empty).  On error
 * returns a malloc'd message naming the bad element (not the field) and
 * leaves '*tagsp' NULL. */
char *vlan_parse_trunks(const char *s, int **tagsp, size_t *n_tags, bool *all);

/* The canonical text of a trunk list: "all", or ranges joined by ','
 * ("10,20-25").  Caller frees. */
char *vlan_format_trunks(const int *tags, size_t n_tags, bool all);

/* Name of 'mode' ("trunk", "native-untagged", "native-tagged"), and back
 * (false if 's' is none of them). */
const char *vlan_mode_to_string(enum vlan_mode);
bool vlan_mode_from_string(const char *s, enum vlan_mode *);

/* Checks 'ts' as a whole: a valid trunk list (or none), a native VLAN
 * exactly when the mode is native-*, no native VLAN or mode other than
 * "trunk" without a trunk list.  Returns NULL, or a malloc'd reason with
 * '*field' the setting it is about ("trunks", "vlan-mode" or
 * "native-vlan", static). */
char *vlan_check_trunk(const struct vlan_trunk_settings *ts,
                       const char **field);

/* Fills 'plan' for a VIF port placed by 'place' with settings 'ts' (valid
 * by vlan_check_trunk()).  A VIF that is not a trunk is an access port
 * (mode "access") with the placement's tag, VLAN 0 if none, so that tagged
 * frames from the guest are dropped; a trunk VIF is only possible on a plain
 * network (place->tag VLAN_NONE). Returns false, with 'plan' a plain port, if
 * 'ts' asks for a trunk on a VLAN network.  Caller frees plan->trunks. */
bool vlan_plan_port(const struct vlan_placement *place,
                    const struct vlan_trunk_settings *ts,
                    struct vlan_port_plan *plan);

#endif /* vlan/trunks.h */
