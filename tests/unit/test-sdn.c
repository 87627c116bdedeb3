/* tests/unit/test-sdn.c: QoS, IGMP snooping and flow export in the records,
 * the store and the desired switch state (agent/records-qos.c,
 * agent/api-pool.c, agent/reconcile-qos.c).
 *
 * Records are made through the API, then checked as xrc_build() plans them
 * and as the store writes and reads them back. */
#include <config.h>

#include <json-c/json.h>
#include <string.h>
#include "agent/reconcile.h"
#include "agent/records.h"
#include "ovs-glue/ovsg.h"
#include "svec.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

#define VM "11111111-2222-3333-4444-555555555555"
#define VM2 "11111111-2222-3333-4444-666666666666"

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

static bool
has_flow(const struct svec *flows, const char *needle)
{
    for (size_t i = 0; i < flows->n; i++) {
        if (strstr(flows->names[i], needle)) {
            return true;
        }
    }
    return false;
}

/* Network "n" (xapi0) with a locked VIF vif3.0 and an unlocked vif4.0;
 * returns the uuids in 'net', 'locked', 'unlocked' (caller frees). */
static bool
setup(struct xrec_db *db, char **net, char **locked, char **unlocked)
{
    xrec_db_init(db);
    if (unit_call(db, "network-create", "name-label=n", NULL)) {
        return false;
    }
    *net = xstrdup(unit_result_uuid());
    char *n = xasprintf("network-uuid=%s", *net);
    bool ok
        = !unit_call(db, "vif-create", "vm-uuid=" VM, "domid=3", "device=0", n,
                     "mac=02:00:00:00:03:00", "locking-mode=locked",
                     "ipv4-allowed=198.18.0.3", NULL);
    *locked = xstrdup(unit_result_uuid());
    ok = ok
         && !unit_call(db, "vif-create", "vm-uuid=" VM2, "domid=4", "device=0",
                       n, "mac=02:00:00:00:04:00", "locking-mode=unlocked",
                       NULL);
    *unlocked = xstrdup(unit_result_uuid());
    free(n);
    for (size_t i = 0; ok && i < db->n_vifs; i++) {
        char *u = xasprintf("uuid=%s", db->vifs[i]->uuid);
        ok = !unit_call(db, "vif-plug", u, NULL);
        free(u);
    }
    return ok;
}

/* kbps: a meter on the VIF's forwarding rules plus ingress policing;
 * kbps-rx: the port's egress rate; a cleared type: none of it. */
static void
test_sdn_vif_qos(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *net, *locked, *unlocked;
    CHECK(setup(&db, &net, &locked, &unlocked), "setup: %s", unit_error);

    char *u3 = xasprintf("uuid=%s", locked);
    char *u4 = xasprintf("uuid=%s", unlocked);
    CHECK(!unit_call(&db, "vif-param-set", u3, "qos_algorithm_type=ratelimit",
                     "qos_algorithm_params:kbps=1000",
                     "qos_algorithm_params:kbps-rx=2000", NULL),
          "vif-param-set: %s", unit_error);
    CHECK(!unit_call(&db, "vif-param-set", u4, "qos_algorithm_type=ratelimit",
                     "qos_algorithm_params:kbps=50", NULL),
          "vif-param-set: %s", unit_error);

    struct ovsg_state st;
    xrc_build(&db, "netdev", &st);
    const struct ovsg_bridge *br = ovsg_state_find_bridge(&st, "xapi0");
    const struct ovsg_port *p3 = find_port(br, "vif3.0");
    const struct ovsg_port *p4 = find_port(br, "vif4.0");
    CHECK(p3 && p4, "ports missing");
    CHECK(p3->ifaces[0].ingress_policing_rate == 1000
              && p3->ifaces[0].ingress_policing_burst == 100,
          "vif3.0 policing %d/%d", p3->ifaces[0].ingress_policing_rate,
          p3->ifaces[0].ingress_policing_burst);
    CHECK(p3->qos_max_rate == 2000000, "vif3.0 qos_max_rate %lld",
          p3->qos_max_rate);
    /* Meter 3 * 16 + 0 + 1 = 49 on every NORMAL of the locked VIF. */
    CHECK(has_flow(&p3->flows, "meter=49,kbps,burst,band=type=drop,rate=1000,"
                               "burst_size=100"),
          "vif3.0 has no meter");
    CHECK(has_flow(&p3->flows, "actions=meter:49,NORMAL")
              && !has_flow(&p3->flows, "actions=NORMAL")
              && has_flow(&p3->flows, "actions=drop"),
          "vif3.0's allow rules are not metered (or its drops are gone)");
    /* The unlocked VIF gets a rule of its own, and the minimum burst. */
    CHECK(has_flow(&p4->flows, "meter=65,kbps,burst,band=type=drop,rate=50,"
                               "burst_size=100")
              && has_flow(&p4->flows, "priority=3900,actions=meter:65,NORMAL"),
          "vif4.0 has no metered rule");
    CHECK(!p4->qos_max_rate, "vif4.0 got an egress limit");
    ovsg_state_destroy(&st);

    CHECK(!unit_call(&db, "vif-param-set", u3, "qos_algorithm_type=", NULL),
          "clearing the type: %s", unit_error);
    xrc_build(&db, "netdev", &st);
    p3 = find_port(ovsg_state_find_bridge(&st, "xapi0"), "vif3.0");
    CHECK(p3 && !p3->ifaces[0].ingress_policing_rate && !p3->qos_max_rate
              && !has_flow(&p3->flows, "meter"),
          "a cleared type still limits");
    ovsg_state_destroy(&st);

    free(u3);
    free(u4);
    free(net);
    free(locked);
    free(unlocked);
    xrec_db_destroy(&db);
}

/* On a bridge with a promiscuous VIF, accepted traffic goes on to the
 * promiscuous table (resubmit(,1)) instead of NORMAL: the meter goes on
 * those rules, and an unlocked VIF's own rule resubmits too (NORMAL there
 * would skip the promiscuous VIF's copies). */
static void
test_sdn_vif_qos_promiscuous(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *net, *locked, *unlocked;
    CHECK(setup(&db, &net, &locked, &unlocked), "setup: %s", unit_error);

    char *n = xasprintf("network-uuid=%s", net);
    CHECK(!unit_call(&db, "vif-create",
                     "vm-uuid=11111111-2222-3333-4444-"
                     "777777777777",
                     "domid=5", "device=0", n, "mac=02:00:00:00:05:00", NULL),
          "vif-create: %s", unit_error);
    char *u5 = xasprintf("uuid=%s", unit_result_uuid());
    CHECK(!unit_call(&db, "vif-param-set", u5, "other-config:promiscuous=true",
                     NULL)
              && !unit_call(&db, "vif-plug", u5, NULL),
          "promiscuous VIF: %s", unit_error);
    char *u3 = xasprintf("uuid=%s", locked);
    char *u4 = xasprintf("uuid=%s", unlocked);
    CHECK(!unit_call(&db, "vif-param-set", u3, "qos_algorithm_type=ratelimit",
                     "qos_algorithm_params:kbps=1000", NULL)
              && !unit_call(&db, "vif-param-set", u4,
                            "qos_algorithm_type=ratelimit",
                            "qos_algorithm_params:kbps=50", NULL),
          "vif-param-set: %s", unit_error);

    struct ovsg_state st;
    xrc_build(&db, "netdev", &st);
    const struct ovsg_bridge *br = ovsg_state_find_bridge(&st, "xapi0");
    const struct ovsg_port *p3 = find_port(br, "vif3.0");
    const struct ovsg_port *p4 = find_port(br, "vif4.0");
    CHECK(p3 && p4 && find_port(br, "vif5.0"), "ports missing");
    CHECK(has_flow(&br->flows, "actions=resubmit(,1)"),
          "the bridge has no promiscuous table");
    CHECK(has_flow(&p3->flows, "actions=meter:49,resubmit(,1)")
              && !has_flow(&p3->flows, "actions=resubmit(,1)")
              && !has_flow(&p3->flows, "NORMAL"),
          "vif3.0's allow rules are not metered into table 1");
    CHECK(has_flow(&p4->flows, "priority=3900,actions=meter:65,resubmit(,1)")
              && !has_flow(&p4->flows, "NORMAL"),
          "vif4.0's own rule does not resubmit to table 1");
    ovsg_state_destroy(&st);

    free(n);
    free(u3);
    free(u4);
    free(u5);
    free(net);
    free(locked);
    free(unlocked);
    xrec_db_destroy(&db);
}

/* The pool's switch and a network's override; flow export keys fall back
 * to the pool key by key; the store keeps all of it. */
static void
test_sdn_network_settings(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *net, *locked, *unlocked;
    CHECK(setup(&db, &net, &locked, &unlocked), "setup: %s", unit_error);
    char *u = xasprintf("uuid=%s", net);

    CHECK(!unit_call(&db, "pool-param-set", "igmp-snooping-enabled=true",
                     "other-config:sflow-targets=198.18.5.2:6343",
                     "other-config:sflow-sampling=400", NULL),
          "pool-param-set: %s", unit_error);
    CHECK(!unit_call(&db, "network-param-set", u,
                     "other-config:sflow-sampling=64",
                     "other-config:ipfix-targets=198.18.5.2:4739,"
                     "[2001:db8::5]:4739",
                     "other-config:netflow-targets=198.18.5.2:2055",
                     "other-config:netflow-active-timeout=-1", NULL),
          "network-param-set: %s", unit_error);

    struct ovsg_state st;
    xrc_build(&db, "netdev", &st);
    const struct ovsg_bridge *br = ovsg_state_find_bridge(&st, "xapi0");
    CHECK(br && br->mcast_snooping, "pool's IGMP snooping not applied");
    CHECK(br->sflow.targets.n == 1
              && !strcmp(br->sflow.targets.names[0], "198.18.5.2:6343")
              && br->sflow.sampling == 64 && !br->sflow.polling,
          "sFlow: pool targets with the network's sampling expected");
    CHECK(br->ipfix.targets.n == 2
              && !strcmp(br->ipfix.targets.names[1], "[2001:db8::5]:4739"),
          "IPFIX targets");
    CHECK(br->netflow.targets.n == 1 && br->netflow.active_timeout == -1,
          "NetFlow");
    ovsg_state_destroy(&st);

    /* The store keeps the pool record and the VIF QoS fields. */
    char *l = xasprintf("uuid=%s", locked);
    CHECK(!unit_call(&db, "vif-param-set", l, "qos_algorithm_type=ratelimit",
                     "qos_algorithm_params:kbps-rx=300", NULL),
          "vif-param-set: %s", unit_error);
    free(l);
    struct json_object *json = xrec_db_to_json(&db);
    struct xrec_db copy;
    xrec_db_init(&copy);
    char *error = xrec_db_from_json(json, &copy);
    json_object_put(json);
    CHECK(!error, "store round trip: %s", error);
    char *a = unit_db_text(&db), *b = unit_db_text(&copy);
    bool same = !strcmp(a, b) && copy.pool && copy.pool->igmp_snooping_enabled;
    free(a);
    free(b);
    xrec_db_destroy(&copy);
    CHECK(same, "the store lost QoS or pool settings");

    /* The network turns snooping off against the pool. */
    CHECK(!unit_call(&db, "network-param-set", u,
                     "other-config:mcast-snooping-enable=false", NULL),
          "network-param-set: %s", unit_error);
    xrc_build(&db, "netdev", &st);
    br = ovsg_state_find_bridge(&st, "xapi0");
    CHECK(br && !br->mcast_snooping, "the network did not override the pool");
    ovsg_state_destroy(&st);

    free(u);
    free(net);
    free(locked);
    free(unlocked);
    xrec_db_destroy(&db);
}

/* The controllers xrc_build() plans for bridge 'name', space-separated. */
static char *
bridge_controllers(const struct xrec_db *db, const char *name)
{
    struct ovsg_state st;
    xrc_build(db, "netdev", &st);
    const struct ovsg_bridge *br = ovsg_state_find_bridge(&st, name);
    char *s = br ? svec_join(&br->controllers, " ", "") : xstrdup("NONE");
    ovsg_state_destroy(&st);
    return s;
}

/* A pool-wide OpenFlow controller reaches every bridge; a network's own
 * overrides it; removing the network's key falls back to the pool's; a bad
 * pool target is rejected and changes nothing. */
static void
test_sdn_pool_controller(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    xrec_db_init(&db);
    CHECK(!unit_call(&db, "network-create", "name-label=a", NULL), "%s",
          unit_error);
    char *u = xasprintf("uuid=%s", unit_result_uuid());
    CHECK(!unit_call(&db, "network-create", "name-label=b", NULL), "%s",
          unit_error);
    CHECK(!unit_call(&db, "pool-param-set",
                     "other-config:vswitch-controller=tcp:198.18.0.9:6653",
                     NULL),
          "pool-param-set: %s", unit_error);
    char *a = bridge_controllers(&db, "xapi0");
    char *b = bridge_controllers(&db, "xapi1");
    CHECK(!strcmp(a, "tcp:198.18.0.9:6653") && !strcmp(b, a),
          "pool controller: xapi0 '%s', xapi1 '%s'", a, b);
    free(a);
    free(b);

    CHECK(!unit_call(&db, "network-param-set", u,
                     "other-config:vswitch-controller=ptcp:6654", NULL),
          "network-param-set: %s", unit_error);
    a = bridge_controllers(&db, "xapi0");
    b = bridge_controllers(&db, "xapi1");
    CHECK(!strcmp(a, "ptcp:6654") && !strcmp(b, "tcp:198.18.0.9:6653"),
          "override: xapi0 '%s', xapi1 '%s'", a, b);
    free(a);
    free(b);

    CHECK(!unit_call(&db, "network-param-set", u,
                     "other-config:vswitch-controller=", NULL),
          "network-param-set: %s", unit_error);
    a = bridge_controllers(&db, "xapi0");
    CHECK(!strcmp(a, "tcp:198.18.0.9:6653"), "fallback: xapi0 '%s'", a);
    free(a);

    char *before = unit_db_text(&db);
    CHECK(unit_call(&db, "pool-param-set",
                    "other-config:vswitch-controller=udp:198.18.0.9", NULL)
              && strstr(unit_error, "other-config:vswitch-controller"),
          "a bad pool target was not rejected naming the field: %s",
          unit_error);
    char *after = unit_db_text(&db);
    CHECK(!strcmp(before, after), "a rejected pool-param-set changed records");
    free(before);
    free(after);

    free(u);
    xrec_db_destroy(&db);
}

void
test_sdn_register(void)
{
    unit_add("sdn-vif-qos", test_sdn_vif_qos, NULL);
    unit_add("sdn-vif-qos-promiscuous", test_sdn_vif_qos_promiscuous, NULL);
    unit_add("sdn-network-settings", test_sdn_network_settings, NULL);
    unit_add("sdn-pool-controller", test_sdn_pool_controller, NULL);
}
