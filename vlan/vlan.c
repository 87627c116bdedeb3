/* vlan/vlan.c: the VLAN placement rules (see vlan.h). */
#include "vlan/vlan.h"

#include <string.h>

static bool
vlan_tag_is_valid(long long int tag)
{
    return tag >= VLAN_TAG_MIN && tag <= VLAN_TAG_MAX;
}

bool
vlan_place(const struct vlan_network *net, struct vlan_placement *place)
{
    memset(place, 0, sizeof *place);
    if (!net->has_vlan_pif) {
        place->bridge = net->bridge;
        place->tag = VLAN_NONE;
        return true;
    }
    if (!net->vlan_pif_plugged || !net->parent_bridge
        || !vlan_tag_is_valid(net->tag)) {
        return false;
    }
    place->bridge = net->parent_bridge;
    place->tag = net->tag;
    place->fake_bridge = net->bridge;
    return true;
}
