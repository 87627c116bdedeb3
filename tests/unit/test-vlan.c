/* tests/unit/test-vlan.c: vlan/'s placement rules, which decide where every
 * network's ports go (fake bridges for VLAN networks). */
#include <config.h>

#include <string.h>

#include "tests/unit/unit-tests.h"
#include "util.h"
#include "vlan/vlan.h"

static void
test_plain(const void *aux OVS_UNUSED)
{
    const struct vlan_network net = {.bridge = "xapi3"};
    struct vlan_placement p;

    CHECK(vlan_place(&net, &p), "a plain network has no place");
    CHECK(p.bridge && !strcmp(p.bridge, "xapi3"), "bridge %s", p.bridge);
    CHECK(p.tag == VLAN_NONE, "a plain network's ports are tagged %d", p.tag);
    CHECK(!p.fake_bridge, "a plain network got a fake bridge");
}

static void
test_vlan(const void *aux OVS_UNUSED)
{
    const struct vlan_network net = {
        .bridge = "xapi5",
        .has_vlan_pif = true,
        .tag = 10,
        .vlan_pif_plugged = true,
        .parent_bridge = "xenbr1",
    };
    struct vlan_placement p;

    CHECK(vlan_place(&net, &p), "a usable VLAN network has no place");
    CHECK(p.bridge && !strcmp(p.bridge, "xenbr1"),
          "ports go on %s, not the parent xenbr1", p.bridge);
    CHECK(p.tag == 10, "tag %d, not 10", p.tag);
    CHECK(p.fake_bridge && !strcmp(p.fake_bridge, "xapi5"),
          "fake bridge %s, not xapi5", p.fake_bridge);
}

static void
test_vlan_unusable(const void *aux OVS_UNUSED)
{
    const struct vlan_network ok = {
        .bridge = "xapi5",
        .has_vlan_pif = true,
        .tag = 4094,
        .vlan_pif_plugged = true,
        .parent_bridge = "xenbr1",
    };
    struct vlan_network net;
    struct vlan_placement p;

    CHECK(vlan_place(&ok, &p) && p.tag == 4094, "tag 4094 is not usable");

    net = ok;
    net.vlan_pif_plugged = false;
    CHECK(!vlan_place(&net, &p), "an unplugged VLAN PIF still placed");
    CHECK(!p.bridge && !p.fake_bridge, "a failed placement is not zeroed");

    net = ok;
    net.parent_bridge = NULL;
    CHECK(!vlan_place(&net, &p), "a VLAN without a parent bridge placed");

    net = ok;
    net.tag = 4095;
    CHECK(!vlan_place(&net, &p), "tag 4095 placed");
    net.tag = -1;
    CHECK(!vlan_place(&net, &p), "tag -1 placed");
}

void
test_vlan_register(void)
{
    unit_add("vlan-place-plain", test_plain, NULL);
    unit_add("vlan-place-fake-bridge", test_vlan, NULL);
    unit_add("vlan-place-unusable", test_vlan_unusable, NULL);
}
