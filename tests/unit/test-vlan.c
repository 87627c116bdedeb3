/* tests/unit/test-vlan.c: vlan/'s placement rules, which decide where every
 * network's ports go (fake bridges for VLAN networks). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit-tests.h"
#include "util.h"
#include "vlan/trunks.h"
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

/* Parses 's' and returns its canonical text (malloc'd), or the error. */
static char *
canon(const char *s, bool *ok)
{
    int *tags;
    size_t n;
    bool all;
    char *error = vlan_parse_trunks(s, &tags, &n, &all);

    *ok = !error;
    if (error) {
        return error;
    }
    char *text = vlan_format_trunks(tags, n, all);
    free(tags);
    return text;
}

static void
test_trunks_parse(const void *aux OVS_UNUSED)
{
    static const struct {
        const char *in, *out;
    } good[] = {
        {"all", "all"},       {"10", "10"},
        {"20,10", "10,20"},   {"10-12,11,13,20", "10-13,20"},
        {"0,4094", "0,4094"}, {"0-4094", "0-4094"},
        {"5,5,5", "5"},
    };
    static const char *const bad[] = {
        "",      ",",     "10,", ",10", "4095", "-1",    "10-", "-10",
        "20-10", "1-2-3", "a",   "10 ", " 10",  "00010", "ALL", "all,10",
    };
    bool ok;

    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        char *text = canon(good[i].in, &ok);
        CHECK(ok && !strcmp(text, good[i].out), "\"%s\" -> \"%s\", want %s",
              good[i].in, text, good[i].out);
        free(text);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *text = canon(bad[i], &ok);
        CHECK(!ok
                  && (strstr(text, "is not a VLAN tag")
                      || strstr(text, "empty")),
              "\"%s\" accepted or odd message: %s", bad[i], text);
        free(text);
    }
}

static void
test_trunks_check_plan(const void *aux OVS_UNUSED)
{
    struct vlan_trunk_settings ts = {"10,20-21", VLAN_MODE_TRUNK, VLAN_NONE};
    struct vlan_placement plain = {.bridge = "xenbr1", .tag = VLAN_NONE};
    struct vlan_placement tagged = {.bridge = "xenbr1", .tag = 10};
    struct vlan_port_plan plan;
    const char *field = NULL;
    char *error;

    CHECK(!vlan_check_trunk(&ts, &field), "a plain trunk refused");
    CHECK(vlan_plan_port(&plain, &ts, &plan), "no plan");
    CHECK(plan.mode && !strcmp(plan.mode, "trunk") && plan.tag == VLAN_NONE
              && plan.n_trunks == 3 && plan.trunks[0] == 10
              && plan.trunks[2] == 21,
          "plan: mode %s tag %d, %zu trunks", plan.mode, plan.tag,
          plan.n_trunks);
    free(plan.trunks);
    CHECK(!vlan_plan_port(&tagged, &ts, &plan), "a trunk on a VLAN network");
    free(plan.trunks);

    ts.mode = VLAN_MODE_NATIVE_TAGGED;
    error = vlan_check_trunk(&ts, &field);
    CHECK(error && !strcmp(field, "native-vlan"), "no native VLAN accepted");
    free(error);
    ts.native_vlan = 5;
    CHECK(!vlan_check_trunk(&ts, &field), "native-tagged 5 refused");
    CHECK(vlan_plan_port(&plain, &ts, &plan) && plan.tag == 5
              && !strcmp(plan.mode, "native-tagged"),
          "native plan: tag %d mode %s", plan.tag, plan.mode);
    free(plan.trunks);

    ts.trunks = "";
    error = vlan_check_trunk(&ts, &field);
    CHECK(error && !strcmp(field, "vlan-mode"), "native mode without trunks");
    free(error);
    ts.mode = VLAN_MODE_TRUNK;
    ts.native_vlan = VLAN_NONE;
    CHECK(!vlan_check_trunk(&ts, &field), "no trunk refused");
    CHECK(vlan_plan_port(&tagged, &ts, &plan) && plan.tag == 10 && plan.mode
              && !strcmp(plan.mode, "access") && !plan.n_trunks,
          "an access port's plan: tag %d mode %s", plan.tag, plan.mode);
    free(plan.trunks);
    CHECK(vlan_plan_port(&plain, &ts, &plan) && plan.tag == VLAN_NONE
              && plan.mode && !strcmp(plan.mode, "access") && !plan.n_trunks,
          "a plain network's VIF is an access port (no implicit trunk): "
          "tag %d mode %s",
          plan.tag, plan.mode);
    free(plan.trunks);
}

void
test_vlan_register(void)
{
    unit_add("vlan-place-plain", test_plain, NULL);
    unit_add("vlan-place-fake-bridge", test_vlan, NULL);
    unit_add("vlan-place-unusable", test_vlan_unusable, NULL);
    unit_add("vlan-trunks-parse", test_trunks_parse, NULL);
    unit_add("vlan-trunks-check-plan", test_trunks_check_plan, NULL);
}
