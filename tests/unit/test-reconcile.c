/* tests/unit/test-reconcile.c: records -> desired switch state.
 *
 * Records are made through the API (as an administrator would), then
 * xrc_build()'s plan is checked: which bridges, which ports with which tags,
 * which external_ids, and which locking rules. */
#include <config.h>

#include <stdarg.h>
#include <string.h>
#include "agent/reconcile.h"
#include "agent/records.h"
#include "ovs-glue/ovsg.h"
#include "tests/unit/unit-tests.h"
#include "openvswitch/shash.h"
#include "svec.h"
#include "util.h"
#include <json-c/json.h>

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

static size_t
count_in(const struct svec *flows, const char *needle)
{
    size_t n = 0;
    const char *s;
    size_t i;
    SVEC_FOR_EACH (i, s, flows) {
        n += strstr(s, needle) != NULL;
    }
    return n;
}

/* Flows of 'br' and of all its ports containing 'needle'. */
static size_t
count_flows(const struct ovsg_bridge *br, const char *needle)
{
    size_t n = count_in(&br->flows, needle);
    for (size_t i = 0; i < br->n_ports; i++) {
        n += count_in(&br->ports[i]->flows, needle);
    }
    return n;
}

/* eth1 plugged into xenbr1; internal network "int" (xapi0); VLAN 10 network
 * on eth1 (xapi1); one VIF on each, the first locked. */
#define VM "11111111-2222-3333-4444-555555555555"

/* Setup steps must succeed; a failure names the call's message. */
#define MUST(CALL)                                                            \
    do {                                                                      \
        if (CALL) {                                                           \
            unit_fail(__FILE__, __LINE__, "setup: %s", unit_error);           \
            return false;                                                     \
        }                                                                     \
    } while (0)

static bool
setup(struct xrec_db *db, char **int_vif, char **vlan_vif)
{
    xrec_db_init(db);
    unit_nics[0] = (struct xpif_link){"eth1", "02:00:00:00:01:01", 1500, true};
    unit_n_nics = 1;
    MUST(unit_callf(db, "pif-scan", "%s", ""));
    char *pif = xstrdup(db->pifs[0]->uuid);
    MUST(unit_callf(db, "pif-plug", "uuid=%s", pif));
    MUST(unit_callf(db, "network-create", "%s", "name-label=int"));
    char *net_int = xstrdup(unit_result_uuid());
    MUST(unit_callf(db, "network-create", "%s", "name-label=v10"));
    char *net_v10 = xstrdup(unit_result_uuid());
    MUST(unit_callf(db, "vlan-create", "pif-uuid=%s network-uuid=%s vlan=10",
                    pif, net_v10));
    MUST(unit_callf(db, "vif-create",
                    "vm-uuid=%s domid=3 device=0 network-uuid=%s "
                    "mac=02:00:00:00:03:00 locking-mode=locked "
                    "ipv4-allowed=198.18.0.3 ipv6-allowed=2001:db8::3",
                    VM, net_int));
    *int_vif = xstrdup(unit_result_uuid());
    MUST(unit_callf(db, "vif-plug", "uuid=%s", *int_vif));
    MUST(unit_callf(db, "vif-create",
                    "vm-uuid=%s domid=3 device=1 network-uuid=%s "
                    "mac=02:00:00:00:03:01",
                    VM, net_v10));
    *vlan_vif = xstrdup(unit_result_uuid());
    MUST(unit_callf(db, "vif-plug", "uuid=%s", *vlan_vif));
    free(pif);
    free(net_int);
    free(net_v10);
    return true;
}

static void
test_reconcile_layout(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *int_vif, *vlan_vif;
    if (!setup(&db, &int_vif, &vlan_vif)) {
        return;
    }
    struct ovsg_state s;
    xrc_build(&db, "netdev", &s);

    const struct ovsg_bridge *xenbr1 = ovsg_state_find_bridge(&s, "xenbr1");
    const struct ovsg_bridge *xapi0 = ovsg_state_find_bridge(&s, "xapi0");
    CHECK(s.n_bridges == 2, "%" PRIuSIZE " bridges, expected 2", s.n_bridges);
    CHECK(xenbr1 && xapi0, "bridges xenbr1 and xapi0 expected");
    CHECK(!ovsg_state_find_bridge(&s, "xapi1"),
          "a VLAN network must be a fake bridge, not a bridge");

    const struct ovsg_port *eth1 = find_port(xenbr1, "eth1");
    CHECK(eth1 && eth1->tag == -1, "eth1 untagged on xenbr1");
    const struct ovsg_port *fake = find_port(xenbr1, "xapi1");
    CHECK(fake && fake->fake_bridge && fake->tag == 10,
          "fake bridge xapi1 with tag 10 on xenbr1");
    const struct ovsg_port *v31 = find_port(xenbr1, "vif3.1");
    CHECK(v31 && v31->tag == 10, "vif3.1 is an access port on VLAN 10");
    CHECK(strchr(smap_get_def(&xenbr1->external_ids, "xs-network-uuids", ""),
                 ';'),
          "xenbr1 carries both network uuids");

    const struct ovsg_port *v30 = find_port(xapi0, "vif3.0");
    CHECK(v30 && v30->tag == -1, "vif3.0 on xapi0");
    /* Errors of the switch reach the records an object stands for. */
    const struct xrec_vif *vlan_vif_rec = xrec_find_vif(&db, vlan_vif);
    CHECK(v30 && svec_contains_unsorted(&v30->records, int_vif)
              && v30->records.n == 1,
          "vif3.0 stands for its VIF record");
    CHECK(v31 && svec_contains_unsorted(&v31->records, vlan_vif),
          "vif3.1 stands for its VIF record");
    CHECK(fake && vlan_vif_rec
              && svec_contains_unsorted(&fake->records, vlan_vif_rec->network)
              && fake->records.n == 3,
          "the fake bridge stands for the VLAN network, PIF and VLAN");
    CHECK(eth1 && eth1->records.n == 1
              && xrec_find_pif(&db, eth1->records.names[0]),
          "eth1 stands for its PIF");
    CHECK(xapi0->records.n == 1
              && xrec_find_network(&db, xapi0->records.names[0]),
          "xapi0 stands for its network");
    CHECK(v30 && v30->flows.n
              && count_in(&v30->flows, "vif3.0") == v30->flows.n,
          "a VIF's locking rules sit on its port");
    const struct smap *ids = &v30->ifaces[0].external_ids;
    CHECK(!strcmp(smap_get_def(ids, "xs-vif-uuid", ""), int_vif)
              && !strcmp(smap_get_def(ids, "iface-id", ""), int_vif)
              && !strcmp(smap_get_def(ids, "attached-mac", ""),
                         "02:00:00:00:03:00")
              && smap_get(ids, "xs-vm-uuid")
              && smap_get(ids, "xs-network-uuid"),
          "VIF interface external_ids as XenServer sets them");
    CHECK(v30->ifaces[0].mtu_request == 1500, "VIF MTU from the network");

    /* Locked: own MAC+IPv4 (ARP and IP), own IPv6, NA only for own target,
     * and a final drop. */
    CHECK(count_flows(xapi0, "nw_src=198.18.0.3") == 1, "IPv4 allow rule");
    CHECK(count_flows(xapi0, "arp_spa=198.18.0.3") == 1, "ARP allow rule");
    CHECK(count_flows(xapi0, "nd_target=2001:db8::3") == 2,
          "NA and DAD rules for the allowed IPv6");
    CHECK(count_flows(xapi0, "priority=4000,actions=drop") == 1,
          "final drop for the locked VIF");
    CHECK(count_flows(xenbr1, "vif3.1") == 0, "unlocked VIF has no rules");
    ovsg_state_destroy(&s);

    unit_callf(&db, "vif-unplug", "uuid=%s", vlan_vif);
    unit_callf(&db, "vif-param-set", "uuid=%s locking-mode=disabled", int_vif);
    xrc_build(&db, "netdev", &s);
    xenbr1 = ovsg_state_find_bridge(&s, "xenbr1");
    xapi0 = ovsg_state_find_bridge(&s, "xapi0");
    CHECK(!find_port(xenbr1, "vif3.1"), "unplugged VIF has no port");
    CHECK(count_flows(xapi0, "") == 1
              && count_flows(xapi0, "priority=4000,actions=drop") == 1,
          "disabled VIF: one drop rule only");
    ovsg_state_destroy(&s);

    free(int_vif);
    free(vlan_vif);
    xrec_db_destroy(&db);
}

static void
test_reconcile_network_default(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *int_vif, *vlan_vif;
    if (!setup(&db, &int_vif, &vlan_vif)) {
        return;
    }
    const struct xrec_vif *vif = xrec_find_vif(&db, vlan_vif);
    unit_callf(&db, "network-param-set",
               "uuid=%s default-locking-mode=disabled", vif->network);
    struct ovsg_state s;
    xrc_build(&db, "system", &s);
    const struct ovsg_bridge *xenbr1 = ovsg_state_find_bridge(&s, "xenbr1");
    CHECK(!strcmp(s.datapath_type, "system"), "datapath type passed on");
    CHECK(count_flows(xenbr1, "in_port=\"vif3.1\",priority=4000,actions=drop")
              == 1,
          "network_default follows the network's disabled default");
    ovsg_state_destroy(&s);
    free(int_vif);
    free(vlan_vif);
    xrec_db_destroy(&db);
}

/* xovs-netback's counters reach vif-list; bad reports are refused and keep
 * nothing. */
static void
test_vif_stats_report(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *int_vif, *vlan_vif;
    if (!setup(&db, &int_vif, &vlan_vif)) {
        return;
    }
    struct shash stats = SHASH_INITIALIZER(&stats);
    unit_vif_stats = &stats;

    static const char *const bad[][2] = {
        {"name=eth0", "stats=tx_packets=1"},
        {"name=vif+3.0", "stats=tx_packets=1"},
        {"name=vif3.0x", "stats=tx_packets=1"},
        {"name=vif3.0", "stats=tx_packets=-1"},
        {"name=vif3.0", "stats=TX=1"},
        {"name=vif3.0", "stats=tx_packets=1,"},
        {"name=vif3.0", "stats="},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        CHECK(unit_callv(&db, "vif-stats-report", bad[i], 2) == 1,
              "%s %s accepted", bad[i][0], bad[i][1]);
        CHECK(!shash_count(&stats), "a refused report was kept");
    }
    CHECK(!unit_callf(&db, "vif-stats-report", "%s",
                      "name=vif3.0 stats=tx_packets=12,rx_drops_no_buffer=3"),
          "good report refused: %s", unit_error);
    CHECK(!unit_changed, "a report must not change the records");
    CHECK(!unit_callf(&db, "vif-list", "uuid=%s", int_vif), "vif-list failed");
    struct json_object *row = json_object_array_get_idx(unit_result, 0);
    struct json_object *counters, *v;
    CHECK(json_object_object_get_ex(row, "counters", &counters)
              && json_object_object_get_ex(counters, "rx_drops_no_buffer", &v)
              && json_object_get_int64(v) == 3,
          "vif-list does not show the reported counters");

    unit_vif_stats = NULL;
    shash_destroy_free_data(&stats);
    free(int_vif);
    free(vlan_vif);
    xrec_db_destroy(&db);
}

/* The links a reconcile sets up: the plugged eth1 once (its VLAN PIF
 * shares the device but is not a NIC of its own); none once unplugged. */
static void
test_reconcile_links_up(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *int_vif, *vlan_vif;
    if (!setup(&db, &int_vif, &vlan_vif)) {
        return;
    }
    struct svec links = SVEC_EMPTY_INITIALIZER;
    xrc_links_up(&db, &links);
    CHECK(links.n == 1 && !strcmp(links.names[0], "eth1"),
          "plugged: %zu links, first %s", links.n,
          links.n ? links.names[0] : "-");
    svec_clear(&links);

    const char *pif = NULL;
    for (size_t i = 0; i < db.n_pifs; i++) {
        if (db.pifs[i]->vlan == XREC_VLAN_NONE) {
            pif = db.pifs[i]->uuid;
        }
    }
    CHECK(pif && !unit_callf(&db, "pif-unplug", "uuid=%s", pif),
          "pif-unplug: %s", unit_error);
    xrc_links_up(&db, &links);
    CHECK(!links.n, "unplugged: %zu links, first %s", links.n,
          links.n ? links.names[0] : "-");
    svec_destroy(&links);
    free(int_vif);
    free(vlan_vif);
    xrec_db_destroy(&db);
}

void
test_reconcile_register(void)
{
    unit_add("reconcile-links-up", test_reconcile_links_up, NULL);
    unit_add("reconcile-layout", test_reconcile_layout, NULL);
    unit_add("reconcile-network-default", test_reconcile_network_default,
             NULL);
    unit_add("api-vif-stats-report", test_vif_stats_report, NULL);
}
