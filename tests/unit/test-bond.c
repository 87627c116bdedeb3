/* tests/unit/test-bond.c: bonds, from the plan to the API.
 *
 *   bond/plan-*      bonding/'s mode mapping, defaults and properties
 *   bond/status-*    parsing ovs-vswitchd's bond/show and lacp/show text
 *   bond/api-*       bond-create/-destroy/-set-mode/-param-set/-list on the
 *                    records: what moves, what is rejected (whole, with the
 *                    field named, records unchanged)
 *   bond/store-*     Bond records through the JSON store, old stores
 *   bond/reconcile   records -> one bond port with the members */
#include <config.h>

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "agent/api.h"
#include "agent/reconcile.h"
#include "agent/rpc.h"
#include "agent/records.h"
#include "agent/store.h"
#include "bonding/bond.h"
#include "ovs-glue/ovsg.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

/* ---------------------------------------------------------------------- */
/* Plan. */

static void
plan_of(enum bond_mode mode, const char *primary,
        const struct bond_property *props, size_t n, struct bond_plan *plan)
{
    struct bond_settings s = {mode, primary, props, n};
    bond_plan_build(&s, plan);
}

static void
test_plan_modes(const void *aux OVS_UNUSED)
{
    struct bond_plan p;

    plan_of(BOND_MODE_BALANCE_SLB, "eth1", NULL, 0, &p);
    CHECK(!strcmp(p.bond_mode, "balance-slb") && !strcmp(p.lacp, "off"),
          "balance-slb: %s/%s", p.bond_mode, p.lacp);
    CHECK(p.updelay == 31000 && p.downdelay == 200, "delays %d/%d", p.updelay,
          p.downdelay);
    CHECK(!strcmp(bond_plan_get(&p, "bond-rebalance-interval"), "1800000"),
          "rebalance default");
    CHECK(!strcmp(bond_plan_get(&p, "bond-detect-mode"), "carrier"),
          "carrier detection by default");
    CHECK(!strcmp(bond_plan_get(&p, "bond-primary"), "eth1"), "primary");
    CHECK(!bond_plan_get(&p, "lacp-time"), "no lacp-time without LACP");

    plan_of(BOND_MODE_ACTIVE_BACKUP, NULL, NULL, 0, &p);
    CHECK(!strcmp(p.bond_mode, "active-backup") && !strcmp(p.lacp, "off"),
          "active-backup");
    CHECK(!bond_plan_get(&p, "bond-rebalance-interval"),
          "active-backup does not rebalance");
    CHECK(!bond_plan_get(&p, "bond-primary"), "no primary given");

    plan_of(BOND_MODE_LACP, NULL, NULL, 0, &p);
    CHECK(!strcmp(p.bond_mode, "balance-tcp") && !strcmp(p.lacp, "active"),
          "lacp default hashing: %s", p.bond_mode);
    CHECK(!strcmp(bond_plan_get(&p, "lacp-time"), "slow"), "slow default");
    CHECK(!strcmp(bond_plan_get(&p, "lacp-fallback-ab"), "true"),
          "fallback default true");

    struct bond_property src[] = {{"hashing_algorithm", "src_mac"},
                                  {"lacp-time", "fast"},
                                  {"lacp-fallback-ab", "false"},
                                  {"lacp-aggregation-key", "42"}};
    plan_of(BOND_MODE_LACP, NULL, src, ARRAY_SIZE(src), &p);
    CHECK(!strcmp(p.bond_mode, "balance-slb") && !strcmp(p.lacp, "active"),
          "lacp + src_mac is balance-slb with LACP");
    CHECK(!strcmp(bond_plan_get(&p, "lacp-time"), "fast"), "lacp-time");
    CHECK(!strcmp(bond_plan_get(&p, "lacp-fallback-ab"), "false"), "fb");
    CHECK(!strcmp(p.member_aggregation_key, "42"), "aggregation key");

    struct bond_property tun[] = {{"updelay", "1000"},
                                  {"downdelay", "0"},
                                  {"use_carrier", "0"},
                                  {"miimon", "50"},
                                  {"rebalance-interval", "10000"},
                                  {"lacp-time", "sometimes"}};
    plan_of(BOND_MODE_BALANCE_SLB, NULL, tun, ARRAY_SIZE(tun), &p);
    CHECK(p.updelay == 1000 && p.downdelay == 0, "tunables %d/%d", p.updelay,
          p.downdelay);
    CHECK(!strcmp(bond_plan_get(&p, "bond-detect-mode"), "miimon")
              && !strcmp(bond_plan_get(&p, "bond-miimon-interval"), "50"),
          "miimon polling");
    CHECK(!strcmp(bond_plan_get(&p, "bond-rebalance-interval"), "10000"),
          "rebalance");
}

static void
test_plan_properties(const void *aux OVS_UNUSED)
{
    static const struct {
        enum bond_mode mode;
        const char *key, *value;
        const char *error; /* substring, NULL: valid */
    } cases[] = {
        {BOND_MODE_LACP, "hashing_algorithm", "src_mac", NULL},
        {BOND_MODE_LACP, "hashing_algorithm", "tcpudp_ports", NULL},
        {BOND_MODE_LACP, "hashing_algorithm", "dst_ip", "is not src_mac"},
        {BOND_MODE_BALANCE_SLB, "hashing_algorithm", "src_mac",
         "only applies to mode lacp"},
        {BOND_MODE_ACTIVE_BACKUP, "hashing_algorithm", "src_mac",
         "only applies to mode lacp"},
        {BOND_MODE_LACP, "lacp-time", "fast", NULL},
        {BOND_MODE_LACP, "lacp-time", "FAST", "is not fast or slow"},
        {BOND_MODE_LACP, "lacp-fallback-ab", "false", NULL},
        {BOND_MODE_LACP, "lacp-aggregation-key", "0", "1..65535"},
        {BOND_MODE_LACP, "lacp-aggregation-key", "65535", NULL},
        {BOND_MODE_BALANCE_SLB, "updelay", "31000", NULL},
        {BOND_MODE_BALANCE_SLB, "updelay", "3600001", "0..3600000"},
        {BOND_MODE_BALANCE_SLB, "downdelay", "", "is not a number"},
        {BOND_MODE_BALANCE_SLB, "downdelay", "1e3", "is not a number"},
        {BOND_MODE_BALANCE_SLB, "downdelay", " 5", "is not a number"},
        {BOND_MODE_BALANCE_SLB, "miimon", "0", "1..3600000"},
        {BOND_MODE_BALANCE_SLB, "use_carrier", "1", NULL},
        {BOND_MODE_BALANCE_SLB, "use_carrier", "yes", "is not 1 or 0"},
        {BOND_MODE_BALANCE_SLB, "rebalance-interval", "0", NULL},
        {BOND_MODE_BALANCE_SLB, "mode", "lacp", "unknown property"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *e
            = bond_check_property(cases[i].mode, cases[i].key, cases[i].value);
        bool ok = cases[i].error ? e && strstr(e, cases[i].error) : !e;
        char *msg = xasprintf("%s=%s: got \"%s\"", cases[i].key,
                              cases[i].value, e ? e : "(valid)");
        free(e);
        if (!ok) {
            unit_fail(__FILE__, __LINE__, "%s", msg);
        }
        free(msg);
        if (!ok) {
            return;
        }
    }
    enum bond_mode m;
    CHECK(bond_mode_from_string("lacp", &m) && m == BOND_MODE_LACP, "lacp");
    CHECK(!bond_mode_from_string("802.3ad", &m), "802.3ad is not a mode");
    CHECK(
        !strcmp(bond_mode_to_string(BOND_MODE_ACTIVE_BACKUP), "active-backup"),
        "to_string");
}

/* ---------------------------------------------------------------------- */
/* Status parsing: text as ovs-vswitchd 3.1 prints it. */

static const char bond_show[]
    = "---- bond0 ----\n"
      "bond_mode: balance-tcp\n"
      "bond may use recirculation: yes, Recirc-ID : 1\n"
      "bond-hash-basis: 0\n"
      "lb_output action: disabled, bond-id: -1\n"
      "updelay: 0 ms\n"
      "downdelay: 0 ms\n"
      "next rebalance: 5851 ms\n"
      "lacp_status: negotiated\n"
      "lacp_fallback_ab: false\n"
      "active-backup primary: <none>\n"
      "active member mac: 62:01:11:02:0d:3c(eth2)\n"
      "\n"
      "member eth1: enabled\n"
      "  may_enable: true\n"
      "\n"
      "member eth2: enabled\n"
      "  active member\n"
      "  may_enable: true\n"
      "\n"
      "member eth3: disabled\n"
      "  may_enable: false\n";

static const char lacp_show[]
    = "---- bond0 ----\n"
      "  status: active negotiated\n"
      "  sys_id: 72:8b:28:2d:d2:4c\n"
      "  sys_priority: 65534\n"
      "  aggregation key: 1\n"
      "  lacp_time: fast\n"
      "\n"
      "member: eth1: current attached\n"
      "  port_id: 1\n"
      "  may_enable: true\n"
      "\n"
      "  actor sys_id: 72:8b:28:2d:d2:4c\n"
      "  partner sys_id: ca:2c:4a:f3:1e:49\n"
      "  partner state: activity timeout aggregation synchronized\n"
      "\n"
      "member: eth2: current attached\n"
      "  actor sys_id: 72:8b:28:2d:d2:4c\n"
      "  partner sys_id: ca:2c:4a:f3:1e:49\n"
      "\n"
      "member: eth3: expired defaulted\n"
      "  partner sys_id: 00:00:00:00:00:00\n";

static void
test_status_parse(const void *aux OVS_UNUSED)
{
    struct bond_status st;
    char buf[96];

    bond_status_init(&st);
    CHECK(bond_status_parse_bond_show(bond_show, &st), "bond/show seen");
    CHECK(!strcmp(st.bond_mode, "balance-tcp"), "mode %s", st.bond_mode);
    CHECK(!strcmp(st.lacp_status, "negotiated"), "lacp %s", st.lacp_status);
    CHECK(!st.fallback_ab, "fallback false");
    CHECK(!strcmp(st.active_member, "eth2")
              && !strcmp(st.active_mac, "62:01:11:02:0d:3c"),
          "active %s %s", st.active_member, st.active_mac);
    CHECK(st.n_members == 3, "%zu members", st.n_members);
    CHECK(st.members[0].enabled && !st.members[0].active
              && st.members[1].active && !st.members[2].enabled
              && !st.members[2].may_enable,
          "member flags");

    CHECK(bond_status_parse_lacp_show(lacp_show, &st), "lacp/show seen");
    CHECK(st.n_members == 3, "same members");
    CHECK(!strcmp(st.sys_id, "72:8b:28:2d:d2:4c"), "sys_id %s", st.sys_id);
    CHECK(!strcmp(st.partner_sys_id, "ca:2c:4a:f3:1e:49"), "partner %s",
          st.partner_sys_id);
    struct bond_member_status *m3 = bond_status_find_member(&st, "eth3");
    CHECK(m3 && m3->lacp_expired && m3->lacp_defaulted && !m3->lacp_current
              && !m3->partner_sys_id[0],
          "eth3 expired, defaulted, no partner");
    CHECK(!strcmp(bond_member_summary(&st.members[1], buf, sizeof buf),
                  "enabled, active, lacp current attached"),
          "summary \"%s\"", buf);

    /* No LACP: bond/show says off and has no partner. */
    bond_status_init(&st);
    bond_status_parse_bond_show("bond_mode: active-backup\n"
                                "lacp_status: off\n"
                                "active member mac: 00:00:00:00:00:00(none)\n"
                                "member eth1: disabled\n",
                                &st);
    CHECK(!strcmp(st.lacp_status, "off") && !st.active_member[0]
              && !st.active_mac[0],
          "no active member");
}

/* lacp/show of a new LACP bond with no partner, as ovs-vswitchd 3.1 prints
 * it in the first 3 s (members registered "expired", counted as
 * aggregatable) and after (the rx timer ran out: "defaulted"). */
static const char lacp_show_new[]
    = "---- bond0 ----\n"
      "  status: active negotiated\n"
      "  sys_id: 76:6a:61:88:73:4a\n"
      "  sys_priority: 65534\n"
      "  aggregation key: 3\n"
      "  lacp_time: fast\n"
      "\n"
      "member: eth1: expired attached\n"
      "  port_id: 2\n"
      "  port_priority: 65535\n"
      "  may_enable: false\n"
      "\n"
      "  actor sys_id: 76:6a:61:88:73:4a\n"
      "  actor state: activity timeout aggregation synchronized collecting "
      "distributing expired\n"
      "\n"
      "  partner sys_id: 00:00:00:00:00:00\n"
      "  partner state: timeout\n"
      "\n"
      "member: eth2: expired attached\n"
      "  port_id: 3\n"
      "  port_priority: 65535\n"
      "  may_enable: false\n"
      "\n"
      "  partner sys_id: 00:00:00:00:00:00\n"
      "  partner state: timeout\n";

static const char lacp_show_no_partner[]
    = "---- bond0 ----\n"
      "  status: active\n"
      "  sys_id: 76:6a:61:88:73:4a\n"
      "\n"
      "member: eth1: defaulted attached\n"
      "  may_enable: true\n"
      "  actor state: activity timeout aggregation synchronized collecting "
      "distributing defaulted\n"
      "  partner sys_id: 00:00:00:00:00:00\n"
      "  partner state:\n"
      "\n"
      "member: eth2: defaulted attached\n"
      "  may_enable: true\n"
      "  partner sys_id: 00:00:00:00:00:00\n"
      "  partner state:\n";

/* One member hears the partner, the other's carrier just came back. */
static const char lacp_show_one_current[]
    = "---- bond0 ----\n"
      "  status: active negotiated\n"
      "\n"
      "member: eth1: expired attached\n"
      "  partner sys_id: ca:2c:4a:f3:1e:49\n"
      "\n"
      "member: eth2: current attached\n"
      "  partner sys_id: ca:2c:4a:f3:1e:49\n";

static void
test_status_lacp_window(const void *aux OVS_UNUSED)
{
    struct bond_status st;
    char buf[96];

    /* OVS says negotiated, bond/show too, but nobody answered yet. */
    bond_status_init(&st);
    bond_status_parse_bond_show("bond_mode: balance-tcp\n"
                                "lacp_status: negotiated\n"
                                "member eth1: enabled\n"
                                "  downdelay expires in 165 ms\n"
                                "  may_enable: false\n",
                                &st);
    CHECK(bond_status_parse_lacp_show(lacp_show_new, &st), "seen");
    CHECK(!strcmp(st.lacp_status, "negotiating"), "new bond: lacp %s",
          st.lacp_status);
    CHECK(!st.partner_sys_id[0], "no partner: %s", st.partner_sys_id);
    struct bond_member_status *m = bond_status_find_member(&st, "eth1");
    CHECK(m && m->lacp_expired && !m->lacp_current && m->lacp_attached,
          "eth1 expired attached");
    CHECK(m
              && !strcmp(bond_member_summary(m, buf, sizeof buf),
                         "enabled, lacp expired attached"),
          "summary \"%s\"", buf);

    /* After the rx timer: configured (fallback), even if bond/show's copy
     * of the flag still lags. */
    bond_status_init(&st);
    bond_status_parse_bond_show("lacp_status: negotiated\n", &st);
    CHECK(bond_status_parse_lacp_show(lacp_show_no_partner, &st), "seen");
    CHECK(!strcmp(st.lacp_status, "configured"), "no partner: lacp %s",
          st.lacp_status);
    CHECK(st.n_members == 2 && st.members[1].lacp_defaulted, "defaulted");

    /* One member current is an agreement. */
    bond_status_init(&st);
    CHECK(bond_status_parse_lacp_show(lacp_show_one_current, &st), "seen");
    CHECK(!strcmp(st.lacp_status, "negotiated"), "one current: lacp %s",
          st.lacp_status);
    CHECK(!strcmp(st.partner_sys_id, "ca:2c:4a:f3:1e:49"), "partner %s",
          st.partner_sys_id);

    /* No lacp/show (LACP off, or not asked): bond/show's word stands. */
    bond_status_init(&st);
    bond_status_parse_bond_show("lacp_status: configured\n", &st);
    CHECK(!bond_status_parse_lacp_show("", &st), "empty lacp/show");
    CHECK(!strcmp(st.lacp_status, "configured"), "kept: %s", st.lacp_status);
}

static void
test_status_garbage(const void *aux OVS_UNUSED)
{
    static const char *const inputs[] = {
        "",
        "\n\n\n",
        "member ",
        "member :",
        "member : enabled",
        "slave eth0123456789012345678: enabled\n  active slave\n",
        "active member mac: (",
        "active member mac: )(",
        "status:\nmember: x: current\n partner sys_id: "
        "0123456789abcdef0123456789\n",
        "member a: enabled\nmember b: enabled\nmember c: x\nmember d: x\n"
        "member e: x\nmember f: x\nmember g: x\nmember h: x\nmember i: x\n"
        "member j: x\n",
    };
    for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
        struct bond_status st;
        bond_status_init(&st);
        bond_status_parse_bond_show(inputs[i], &st);
        bond_status_parse_lacp_show(inputs[i], &st);
        CHECK(st.n_members <= BOND_STATUS_MAX_MEMBERS, "bounded members");
        for (size_t j = 0; j < st.n_members; j++) {
            CHECK(strlen(st.members[j].name) <= BOND_NAME_MAX, "bounded name");
        }
    }
    struct bond_status st;
    bond_status_init(&st);
    CHECK(!bond_status_parse_bond_show("nothing here", &st), "not a bond");
    CHECK(!bond_status_parse_lacp_show("nothing here", &st), "not lacp");
}

/* ---------------------------------------------------------------------- */
/* API. */

#define VM "11111111-0000-4000-8000-00000000000b"

struct bfix {
    struct xrec_db db;
    char *pif[5], *net[5]; /* eth1..eth4 at [1..4] */
    char *bondnet, *vif1, *vif2;
};

#define MUST(CALL)                                                            \
    do {                                                                      \
        if (CALL) {                                                           \
            unit_fail(__FILE__, __LINE__, "setup: %s", unit_error);           \
            return false;                                                     \
        }                                                                     \
    } while (0)

/* eth1..eth4 scanned (eth4 at MTU 9000), eth1 and eth2 plugged; a VIF on
 * eth1's and one on eth2's network; an empty network for the bond. */
static bool
bfix_init(struct bfix *f)
{
    memset(f, 0, sizeof *f);
    xrec_db_init(&f->db);
    unit_nics[0] = (struct xpif_link){"eth1", "02:00:00:00:01:01", 1500, 1};
    unit_nics[1] = (struct xpif_link){"eth2", "02:00:00:00:01:02", 1500, 1};
    unit_nics[2] = (struct xpif_link){"eth3", "02:00:00:00:01:03", 1500, 1};
    unit_nics[3] = (struct xpif_link){"eth4", "02:00:00:00:01:04", 9000, 1};
    unit_n_nics = 4;
    MUST(unit_callf(&f->db, "pif-scan", "%s", ""));
    for (int i = 1; i <= 4; i++) {
        char dev[8];
        snprintf(dev, sizeof dev, "eth%d", i);
        const struct xrec_pif *p = xrec_find_pif_by_device(&f->db, dev, -1);
        f->pif[i] = xstrdup(p->uuid);
        f->net[i] = xstrdup(p->network);
    }
    MUST(unit_callf(&f->db, "pif-plug", "uuid=%s", f->pif[1]));
    MUST(unit_callf(&f->db, "pif-plug", "uuid=%s", f->pif[2]));
    MUST(unit_callf(&f->db, "network-create", "%s", "name-label=bond"));
    f->bondnet = xstrdup(unit_result_uuid());
    MUST(unit_callf(&f->db, "vif-create",
                    "vm-uuid=%s domid=1 device=0 network-uuid=%s "
                    "mac=02:00:00:00:0b:00",
                    VM, f->net[1]));
    f->vif1 = xstrdup(unit_result_uuid());
    MUST(unit_callf(&f->db, "vif-plug", "uuid=%s", f->vif1));
    MUST(unit_callf(&f->db, "vif-create",
                    "vm-uuid=%s domid=1 device=1 network-uuid=%s "
                    "mac=02:00:00:00:0b:01",
                    VM, f->net[2]));
    f->vif2 = xstrdup(unit_result_uuid());
    MUST(unit_callf(&f->db, "vif-plug", "uuid=%s", f->vif2));
    return true;
}

static void
bfix_destroy(struct bfix *f)
{
    for (int i = 0; i < 5; i++) {
        free(f->pif[i]);
        free(f->net[i]);
    }
    free(f->bondnet);
    free(f->vif1);
    free(f->vif2);
    xrec_db_destroy(&f->db);
}

static void
test_api_create_destroy(const void *aux OVS_UNUSED)
{
    struct bfix f;
    if (!bfix_init(&f)) {
        bfix_destroy(&f);
        return;
    }
    int code = unit_callf(&f.db, "bond-create",
                          "network-uuid=%s pif-uuids=%s,%s mode=lacp "
                          "properties:lacp-time=fast",
                          f.bondnet, f.pif[1], f.pif[2]);
    CHECK(!code, "bond-create: %s", unit_error);
    char *bond_uuid = xstrdup(unit_result_uuid());
    struct xrec_bond *bond = xrec_find_bond(&f.db, bond_uuid);
    CHECK(bond && bond->mode == BOND_MODE_LACP, "bond record");
    CHECK(!strcmp(smap_get_def(&bond->properties, "hashing_algorithm", ""),
                  "tcpudp_ports"),
          "LACP gets tcpudp_ports by default");
    CHECK(!strcmp(bond->primary_slave, f.pif[1]), "first member is primary");
    const struct xrec_pif *master = xrec_find_pif(&f.db, bond->master);
    CHECK(master && !strcmp(master->device, "bond0")
              && !strcmp(master->network, f.bondnet)
              && !strcmp(master->mac, "02:00:00:00:01:01")
              && master->currently_attached,
          "bond PIF bond0 on the bond network with eth1's MAC");
    CHECK(!strcmp(xrec_find_vif(&f.db, f.vif1)->network, f.bondnet)
              && !strcmp(xrec_find_vif(&f.db, f.vif2)->network, f.bondnet),
          "both VIFs moved to the bond's network");
    CHECK(xrec_find_vif(&f.db, f.vif1)->currently_attached,
          "VIF still plugged");

    /* A VLAN on the bond, then destroy: VIFs and the VLAN go to eth1. */
    CHECK(!unit_callf(&f.db, "network-create", "%s", "name-label=v10"), "net");
    char *v10 = xstrdup(unit_result_uuid());
    CHECK(!unit_callf(&f.db, "vlan-create",
                      "pif-uuid=%s network-uuid=%s vlan=10", bond->master,
                      v10),
          "vlan on bond: %s", unit_error);
    char *vlan = xstrdup(unit_result_uuid());
    CHECK(!unit_callf(&f.db, "bond-set-mode", "uuid=%s mode=active-backup",
                      bond_uuid),
          "set-mode: %s", unit_error);
    CHECK(!smap_get(&bond->properties, "hashing_algorithm"),
          "hashing_algorithm dropped with LACP");
    CHECK(!strcmp(smap_get_def(&bond->properties, "lacp-time", ""), "fast"),
          "other properties kept");
    CHECK(!unit_callf(&f.db, "bond-param-set",
                      "uuid=%s properties:updelay=1000 properties:lacp-time= "
                      "primary-slave=%s",
                      bond_uuid, f.pif[2]),
          "param-set: %s", unit_error);
    CHECK(!strcmp(smap_get_def(&bond->properties, "updelay", ""), "1000")
              && !smap_get(&bond->properties, "lacp-time")
              && !strcmp(bond->primary_slave, f.pif[2]),
          "param-set applied");
    CHECK(!unit_callf(&f.db, "bond-destroy", "uuid=%s", bond_uuid),
          "destroy: %s", unit_error);
    CHECK(f.db.n_bonds == 0 && !xrec_find_pif_by_device(&f.db, "bond0", -1),
          "bond and bond PIF gone");
    CHECK(!strcmp(xrec_find_vif(&f.db, f.vif1)->network, f.net[2])
              && !strcmp(xrec_find_vif(&f.db, f.vif2)->network, f.net[2]),
          "VIFs moved to the primary (eth2)'s network");
    const struct xrec_vlan *vl = xrec_find_vlan(&f.db, vlan);
    CHECK(
        vl && !strcmp(vl->tagged_pif, f.pif[2])
            && !strcmp(xrec_find_pif(&f.db, vl->untagged_pif)->device, "eth2"),
        "VLAN moved to eth2");
    free(v10);
    free(vlan);
    free(bond_uuid);
    bfix_destroy(&f);
}

static void
test_api_reject(const void *aux OVS_UNUSED)
{
    struct bfix f;
    if (!bfix_init(&f)) {
        bfix_destroy(&f);
        return;
    }
    CHECK(!unit_callf(&f.db, "network-create", "%s", "name-label=b2"), "net");
    char *b2 = xstrdup(unit_result_uuid());
    CHECK(!unit_callf(&f.db, "bond-create", "network-uuid=%s pif-uuids=%s,%s",
                      f.bondnet, f.pif[1], f.pif[2]),
          "first bond: %s", unit_error);
    char *bond = xstrdup(unit_result_uuid());
    char *master = xstrdup(xrec_find_bond(&f.db, bond)->master);

    struct {
        const char *verb;
        char *args;
        const char *error; /* message prefix */
    } cases[] = {
        {"bond-create",
         xasprintf("network-uuid=%s pif-uuids=%s", b2, f.pif[3]),
         "pif-uuids: 1 PIF"},
        {"bond-create",
         xasprintf("network-uuid=%s pif-uuids=%s,%s", b2, f.pif[3], f.pif[1]),
         "pif-uuids: PIF"},
        {"bond-create",
         xasprintf("network-uuid=%s pif-uuids=%s,%s", b2, f.pif[3], master),
         "pif-uuids: PIF"},
        {"bond-create",
         xasprintf("network-uuid=%s pif-uuids=%s,%s", b2, f.pif[3], f.pif[4]),
         "pif-uuids: members have different MTUs"},
        {"bond-create",
         xasprintf("network-uuid=%s pif-uuids=%s,%s mode=lacp "
                   "properties:bogus=1",
                   b2, f.pif[3], f.pif[3]),
         "pif-uuids: PIF"},
        {"bond-create",
         xasprintf("network-uuid=%s pif-uuids=%s,%s "
                   "properties:hashing_algorithm=src_mac",
                   b2, f.pif[3], f.pif[4]),
         "pif-uuids: members have different MTUs"},
        {"bond-create",
         xasprintf("network-uuid=%s pif-uuids=%s,%s mode=x", f.net[3],
                   f.pif[3], f.pif[4]),
         "network-uuid: network"},
        {"bond-set-mode", xasprintf("uuid=%s mode=802.3ad", bond), "mode: "},
        {"bond-param-set",
         xasprintf("uuid=%s properties:hashing_algorithm=src_mac", bond),
         "properties:hashing_algorithm: only applies to mode lacp"},
        {"bond-param-set", xasprintf("uuid=%s properties:nope=1", bond),
         "properties:nope: unknown property"},
        {"bond-param-set",
         xasprintf("uuid=%s primary-slave=%s", bond, f.pif[3]),
         "primary-slave: PIF"},
        {"pif-plug", xasprintf("uuid=%s", f.pif[1]), "uuid: PIF"},
        {"vlan-create",
         xasprintf("pif-uuid=%s network-uuid=%s vlan=5", f.pif[2], b2),
         "pif-uuid: PIF"},
    };
    char *before = unit_db_text(&f.db);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int code = unit_callf(&f.db, cases[i].verb, "%s", cases[i].args);
        char *after = unit_db_text(&f.db);
        bool same = !strcmp(before, after);
        free(after);
        CHECK(code == 1, "case %zu (%s %s): code %d, want 1 (%s)", i,
              cases[i].verb, cases[i].args, code, unit_error);
        CHECK(!strncmp(unit_error, cases[i].error, strlen(cases[i].error)),
              "case %zu: \"%s\" does not start with \"%s\"", i, unit_error,
              cases[i].error);
        CHECK(same && !unit_changed, "case %zu changed the records", i);
    }
    /* Same member set, valid: the members' checks come first, then the
     * property check names the property. */
    CHECK(unit_callf(&f.db, "network-create", "%s", "name-label=b3") == 0,
          "b3");
    char *b3 = xstrdup(unit_result_uuid());
    free(before);
    before = unit_db_text(&f.db);
    CHECK(unit_call(&f.db, "bond-create", "network-uuid=", "pif-uuids=", NULL)
              == 1,
          "empty args rejected");
    char *args = xasprintf("network-uuid=%s pif-uuids=%s,%s "
                           "properties:hashing_algorithm=src_mac",
                           b3, f.pif[3], xrec_find_bond(&f.db, bond)->master);
    CHECK(unit_callf(&f.db, "bond-create", "%s", args) == 1, "bond as member");
    free(args);
    char *after = unit_db_text(&f.db);
    CHECK(!strcmp(before, after), "rejections changed nothing");
    free(after);
    free(before);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        free(cases[i].args);
    }
    free(b2);
    free(b3);
    free(bond);
    free(master);
    bfix_destroy(&f);
}

/* A fake switch for bond-list. */
static int
fake_bond_status(void *aux, const char *device, struct bond_status *st)
{
    const char *name = aux;
    if (strcmp(device, name)) {
        return ENOENT;
    }
    bond_status_parse_bond_show(bond_show, st);
    bond_status_parse_lacp_show(lacp_show, st);
    st->members[0].link_up = true;
    st->members[1].link_up = true;
    return 0;
}

static void
test_api_list(const void *aux OVS_UNUSED)
{
    struct bfix f;
    if (!bfix_init(&f)) {
        bfix_destroy(&f);
        return;
    }
    CHECK(!unit_callf(&f.db, "bond-create",
                      "network-uuid=%s pif-uuids=%s,%s mode=lacp", f.bondnet,
                      f.pif[1], f.pif[2]),
          "create: %s", unit_error);
    struct xapi_env env = {.scan = unit_scan,
                           .bond_status = fake_bond_status,
                           .aux = CONST_CAST(char *, "bond0")};
    struct json_object *result = NULL, *params = json_object_new_object();
    char *error = NULL;
    bool changed;
    int code = xapi_call(&f.db, &env, "bond-list", params, &result, &error,
                         &changed);
    json_object_put(params);
    CHECK(!code && !changed, "bond-list: %s", error ? error : "");
    struct json_object *row = json_object_array_get_idx(result, 0), *v;
#define FIELD_IS(NAME, TEXT)                                                  \
    do {                                                                      \
        json_object_object_get_ex(row, NAME, &v);                             \
        char *t_ = xrpc_value_to_text(v);                                     \
        bool ok_ = !strcmp(t_, TEXT);                                         \
        if (!ok_) {                                                           \
            unit_fail(__FILE__, __LINE__, "%s is \"%s\", want \"%s\"", NAME,  \
                      t_, TEXT);                                              \
        }                                                                     \
        free(t_);                                                             \
        if (!ok_) {                                                           \
            json_object_put(result);                                          \
            bfix_destroy(&f);                                                 \
            return;                                                           \
        }                                                                     \
    } while (0)
    FIELD_IS("mode", "lacp");
    FIELD_IS("device", "bond0");
    FIELD_IS("slave-devices", "eth1; eth2");
    FIELD_IS("links-up", "2");
    FIELD_IS("active-slave", "eth2");
    FIELD_IS("lacp-status", "negotiated");
    FIELD_IS("lacp-partner-system-id", "ca:2c:4a:f3:1e:49");
    FIELD_IS("slave-status",
             "eth1: link up, enabled, lacp current attached; eth2: link up, "
             "enabled, active, lacp current attached");
    json_object_put(result);

    /* pif-list shows the relations. */
    CHECK(!unit_callf(&f.db, "pif-list", "uuid=%s", f.pif[1]), "pif-list");
    row = json_object_array_get_idx(unit_result, 0);
    FIELD_IS("bond-slave-of", f.db.bonds[0]->uuid);

    /* Without a switch, bond-list says so. */
    CHECK(!unit_callf(&f.db, "bond-list", "params=lacp-status,links-up"),
          "list");
    row = json_object_array_get_idx(unit_result, 0);
    FIELD_IS("lacp-status", "unknown");
    FIELD_IS("links-up", "0");
    bfix_destroy(&f);
#undef FIELD_IS
}

/* ---------------------------------------------------------------------- */
/* Store and reconcile. */

static void
test_store(const void *aux OVS_UNUSED)
{
    struct bfix f;
    if (!bfix_init(&f)) {
        bfix_destroy(&f);
        return;
    }
    CHECK(!unit_callf(&f.db, "bond-create",
                      "network-uuid=%s pif-uuids=%s,%s,%s mode=lacp "
                      "properties:lacp-aggregation-key=7",
                      f.bondnet, f.pif[1], f.pif[2], f.pif[3]),
          "create: %s", unit_error);
    char *dir = unit_tmpdir();
    char *path = xasprintf("%s/store.json", dir);
    char *error = xstore_save(path, &f.db);
    CHECK(!error, "save: %s", error);
    struct xrec_db back;
    xrec_db_init(&back);
    error = xstore_load(path, &back);
    CHECK(!error, "load: %s", error);
    char *a = unit_db_text(&f.db), *b = unit_db_text(&back);
    bool same = !strcmp(a, b);
    free(a);
    free(b);
    xrec_db_destroy(&back);
    CHECK(same, "the store round trip changed the bond");

    /* A store from before bonds: no "bonds" member at all. */
    struct json_object *old = xrec_db_to_json(&f.db);
    json_object_object_del(old, "bonds");
    xrec_db_init(&back);
    error = xrec_db_from_json(old, &back);
    json_object_put(old);
    CHECK(!error && back.n_bonds == 0, "old store: %s", error);
    xrec_db_destroy(&back);

    /* Broken bonds are rejected with the field named. */
    static const struct {
        const char *key;
        const char *json; /* replaces that member of bonds[0] */
        const char *error;
    } bad[] = {
        {"mode", "\"802.3ad\"", "field mode"},
        {"slaves", "[]", "field slaves"},
        {"properties", "{\"lacp-time\": \"medium\"}", "field properties"},
        {"primary_slave", "\"00000000-0000-4000-8000-000000000000\"",
         "field primary_slave"},
        {"master", "\"00000000-0000-4000-8000-000000000000\"", "field master"},
        {"colour", "\"red\"", "field colour"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct json_object *j = xrec_db_to_json(&f.db), *bonds;
        json_object_object_get_ex(j, "bonds", &bonds);
        json_object_object_add(json_object_array_get_idx(bonds, 0), bad[i].key,
                               json_tokener_parse(bad[i].json));
        xrec_db_init(&back);
        error = xrec_db_from_json(j, &back);
        json_object_put(j);
        bool ok = error && strstr(error, bad[i].error) && !back.n_pifs;
        char *msg = xasprintf("%s: %s", bad[i].key, error ? error : "(none)");
        free(error);
        xrec_db_destroy(&back);
        if (!ok) {
            unit_fail(__FILE__, __LINE__, "%s", msg);
        }
        free(msg);
        if (!ok) {
            break;
        }
    }
    unlink(path);
    free(path);
    unit_rmdir(dir);
    bfix_destroy(&f);
}

static const struct ovsg_port *
find_port(const struct ovsg_bridge *br, const char *name)
{
    for (size_t i = 0; br && i < br->n_ports; i++) {
        if (!strcmp(br->ports[i]->name, name)) {
            return br->ports[i];
        }
    }
    return NULL;
}

static void
test_reconcile(const void *aux OVS_UNUSED)
{
    struct bfix f;
    if (!bfix_init(&f)) {
        bfix_destroy(&f);
        return;
    }
    CHECK(!unit_callf(&f.db, "bond-create",
                      "network-uuid=%s pif-uuids=%s,%s mode=lacp "
                      "properties:lacp-time=fast properties:updelay=500 "
                      "properties:lacp-aggregation-key=9",
                      f.bondnet, f.pif[1], f.pif[2]),
          "create: %s", unit_error);
    const char *bridge = xrec_find_network(&f.db, f.bondnet)->bridge;
    struct ovsg_state s;
    xrc_build(&f.db, "netdev", &s);
    const struct ovsg_bridge *br = ovsg_state_find_bridge(&s, bridge);
    const struct ovsg_port *p = find_port(br, "bond0");
    bool ok
        = p && p->n_ifaces == 2 && !strcmp(p->ifaces[0].name, "eth1")
          && !strcmp(p->ifaces[1].name, "eth2")
          && !strcmp(p->bond_mode, "balance-tcp") && !strcmp(p->lacp, "active")
          && p->bond_updelay == 500 && p->bond_downdelay == 200
          && !strcmp(smap_get_def(&p->other_config, "lacp-time", ""), "fast")
          && !strcmp(smap_get_def(&p->other_config, "bond-primary", ""),
                     "eth1")
          && !strcmp(smap_get_def(&p->ifaces[0].other_config,
                                  "lacp-aggregation-key", ""),
                     "9")
          && p->ifaces[0].mtu_request == 1500;
    bool vifs = find_port(br, "vif1.0") && find_port(br, "vif1.1");
    bool alone = !find_port(ovsg_state_find_bridge(&s, "xenbr1"), "eth1")
                 && !find_port(ovsg_state_find_bridge(&s, "xenbr2"), "eth2");
    ovsg_state_destroy(&s);
    CHECK(ok, "bond0 on %s with eth1, eth2 and the planned columns", bridge);
    CHECK(vifs, "the VIFs are on the bond's bridge");
    CHECK(alone, "members are not ports of their own bridges");

    /* Unplugged bond PIF: no bond port. */
    const struct xrec_bond *bond = f.db.bonds[0];
    CHECK(!unit_callf(&f.db, "pif-unplug", "uuid=%s", bond->master), "unplug");
    xrc_build(&f.db, "netdev", &s);
    p = find_port(ovsg_state_find_bridge(&s, bridge), "bond0");
    ovsg_state_destroy(&s);
    CHECK(!p, "unplugged bond has no port");
    bfix_destroy(&f);
}

void
test_bond_register(void)
{
    unit_add("bond/plan-modes", test_plan_modes, NULL);
    unit_add("bond/plan-properties", test_plan_properties, NULL);
    unit_add("bond/status-parse", test_status_parse, NULL);
    unit_add("bond/status-lacp-window", test_status_lacp_window, NULL);
    unit_add("bond/status-garbage", test_status_garbage, NULL);
    unit_add("bond/api-create-destroy", test_api_create_destroy, NULL);
    unit_add("bond/api-reject", test_api_reject, NULL);
    unit_add("bond/api-list", test_api_list, NULL);
    unit_add("bond/store", test_store, NULL);
    unit_add("bond/reconcile", test_reconcile, NULL);
}
