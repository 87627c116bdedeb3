/* tests/unit/test-xe.c: xe parity (issue 15): the generic param verbs on
 * the records (api-param.c), and the switch state of trunk and
 * promiscuous VIFs (reconcile.c, reconcile-promisc.c). */
#include <config.h>

#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/reconcile.h"
#include "agent/records.h"
#include "agent/rpc.h"
#include "ovs-glue/ovsg.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

#define VM "11111111-2222-3333-4444-555555555555"

/* The "value" of the last call's result, "" if none. */
static const char *
value(void)
{
    struct json_object *v;
    return (unit_result && json_object_object_get_ex(unit_result, "value", &v)
                ? json_object_get_string(v)
                : "");
}

/* An internal network with one VIF; returns their uuids (malloc'd). */
static void
setup(struct xrec_db *db, char **net, char **vif)
{
    xrec_db_init(db);
    unit_n_nics = 0;
    unit_callf(db, "network-create", "name-label=n MTU=9000");
    *net = xstrdup(unit_result_uuid());
    unit_callf(db, "vif-create",
               "vm-uuid=" VM " domid=1 device=0 network-uuid=%s "
               "mac=02:00:00:00:00:01 ipv4-allowed=198.18.0.1",
               *net);
    *vif = xstrdup(unit_result_uuid());
}

static void
test_param_get(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *net, *vif;

    setup(&db, &net, &vif);
    CHECK(!unit_callf(&db, "network-param-get", "uuid=%s param-name=MTU", net)
              && !strcmp(value(), "9000"),
          "network MTU: %s %s", value(), unit_error);
    CHECK(!unit_callf(&db, "vif-param-get", "uuid=%s param-name=ipv4-allowed",
                      vif)
              && !strcmp(value(), "198.18.0.1"),
          "ipv4-allowed: %s %s", value(), unit_error);
    CHECK(unit_callf(&db, "vif-param-get", "uuid=%s param-name=colour", vif)
                  == XRPC_USAGE
              && strstr(unit_error, "param-name: colour is not a field"),
          "unknown field: %s", unit_error);
    CHECK(unit_callf(&db, "vif-param-get",
                     "uuid=%s param-name=MTU param-key=a", vif)
                  == XRPC_REJECTED
              && strstr(unit_error, "param-key: MTU is not a map"),
          "key on a scalar: %s", unit_error);
    CHECK(unit_callf(&db, "vif-param-get",
                     "uuid=%s param-name=other-config param-key=a", vif)
                  == XRPC_REJECTED
              && strstr(unit_error, "has no key \"a\""),
          "missing key: %s", unit_error);
    CHECK(unit_callf(&db, "network-param-get", "uuid=%s param-name=MTU", vif)
                  == XRPC_REJECTED
              && strstr(unit_error, "uuid: no network with uuid"),
          "a VIF's uuid as a network's: %s", unit_error);
    free(net);
    free(vif);
    xrec_db_destroy(&db);
}

static void
test_param_change(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *net, *vif;

    setup(&db, &net, &vif);
    CHECK(!unit_callf(&db, "vif-param-add",
                      "uuid=%s param-name=other-config a=1 b=2", vif),
          "add: %s", unit_error);
    CHECK(!unit_callf(&db, "vif-param-get",
                      "uuid=%s param-name=other-config param-key=b", vif)
              && !strcmp(value(), "2"),
          "b: %s", value());
    char *before = unit_db_text(&db);
    CHECK(unit_callf(&db, "vif-param-add",
                     "uuid=%s param-name=other-config a=9", vif)
                  == XRPC_REJECTED
              && strstr(unit_error, "a: other-config of VIF")
              && strstr(unit_error, "already has this key"),
          "duplicate key: %s", unit_error);
    CHECK(unit_callf(&db, "vif-param-add", "uuid=%s param-name=MAC a=9", vif)
                  == XRPC_REJECTED
              && strstr(unit_error, "param-name: MAC of a VIF is read-only"),
          "read-only: %s", unit_error);
    CHECK(unit_callf(&db, "vif-param-add", "uuid=%s param-name=MTU a=9", vif)
                  == XRPC_REJECTED
              && strstr(unit_error, "MTU is not a map or set"),
          "scalar: %s", unit_error);
    CHECK(unit_callf(&db, "vif-param-add",
                     "uuid=%s param-name=other-config promiscuous=maybe", vif)
                  == XRPC_REJECTED
              && strstr(unit_error, "other-config:promiscuous"),
          "bad value: %s", unit_error);
    CHECK(
        unit_callf(&db, "vif-param-clear", "uuid=%s param-name=counters", vif)
                == XRPC_REJECTED
            && strstr(unit_error, "counters of a VIF is read-only"),
        "clear a read-only map: %s", unit_error);
    CHECK(unit_callf(&db, "vlan-param-clear", "uuid=%s param-name=tag", vif)
              == XRPC_REJECTED,
          "a VLAN param-clear passed");
    char *after = unit_db_text(&db);
    CHECK(!strcmp(before, after), "a rejected call changed the records");
    free(before);
    free(after);

    CHECK(!unit_callf(&db, "vif-param-remove",
                      "uuid=%s param-name=other-config param-key=a", vif)
              && unit_changed,
          "remove: %s", unit_error);
    CHECK(!unit_callf(&db, "vif-param-add",
                      "uuid=%s param-name=ipv4-allowed param-key=198.18.0.2",
                      vif)
              && !unit_callf(&db, "vif-param-remove",
                             "uuid=%s param-name=ipv4-allowed "
                             "param-key=198.18.0.1",
                             vif),
          "set add/remove: %s", unit_error);
    const struct xrec_vif *v = xrec_find_vif(&db, vif);
    CHECK(v->ipv4_allowed.n == 1
              && !strcmp(v->ipv4_allowed.names[0], "198.18.0.2")
              && !strcmp(smap_get_def(&v->other_config, "b", ""), "2")
              && !smap_get(&v->other_config, "a"),
          "set or map wrong after add/remove");
    CHECK(!unit_callf(&db, "vif-param-clear",
                      "uuid=%s param-name=other-config", vif)
              && !unit_callf(&db, "vif-param-clear",
                             "uuid=%s param-name=ipv4-allowed", vif),
          "clear: %s", unit_error);
    CHECK(!smap_count(&v->other_config) && !v->ipv4_allowed.n,
          "clear left something");
    CHECK(!unit_callf(&db, "network-param-clear",
                      "uuid=%s param-name=name-description", net),
          "clear a text field: %s", unit_error);
    free(net);
    free(vif);
    xrec_db_destroy(&db);
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

static size_t
count(const struct svec *flows, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < flows->n; i++) {
        n += strstr(flows->names[i], needle) != NULL;
    }
    return n;
}

static void
test_reconcile_trunk_promisc(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    struct ovsg_state st;
    char *net, *vif;

    setup(&db, &net, &vif);
    unit_callf(&db, "vif-plug", "uuid=%s", vif);
    unit_callf(&db, "vif-param-set", "uuid=%s locking-mode=locked", vif);
    unit_callf(&db, "vif-create",
               "vm-uuid=" VM " domid=1 device=1 network-uuid=%s "
               "mac=02:00:00:00:00:02 trunks=10,12-13",
               net);
    char *trunk = xstrdup(unit_result_uuid());
    unit_callf(&db, "vif-plug", "uuid=%s", trunk);
    unit_callf(&db, "vif-create",
               "vm-uuid=" VM " domid=1 device=2 network-uuid=%s "
               "mac=02:00:00:00:00:03",
               net);
    char *p = xstrdup(unit_result_uuid());
    unit_callf(&db, "vif-plug", "uuid=%s", p);

    xrc_build(&db, "netdev", &st);
    const struct ovsg_bridge *br = st.bridges[0];
    const struct ovsg_port *tp = find_port(br, "vif1.1");
    CHECK(tp && tp->vlan_mode && !strcmp(tp->vlan_mode, "trunk")
              && tp->n_trunks == 3 && tp->trunks[0] == 10
              && tp->trunks[2] == 13 && tp->tag == -1,
          "trunk port wrong");
    CHECK(!count(&br->cond_flows, "output") && !count(&br->flows, "table=1"),
          "copy flows without a promiscuous VIF");
    CHECK(count(&find_port(br, "vif1.0")->flows, "actions=NORMAL"),
          "locked VIF accepts not NORMAL");
    ovsg_state_destroy(&st);

    CHECK(!unit_callf(&db, "vif-param-add",
                      "uuid=%s param-name=other-config promiscuous=true", p),
          "promiscuous: %s", unit_error);
    xrc_build(&db, "netdev", &st);
    br = st.bridges[0];
    CHECK(count(&br->flows, "table=1,priority=0,actions=NORMAL") == 1
              && count(&br->flows, "table=0,priority=1,actions=resubmit(,1)")
                     == 1,
          "no table-1 stage");
    CHECK(!count(&find_port(br, "vif1.0")->flows, "actions=NORMAL")
              && count(&find_port(br, "vif1.0")->flows, "resubmit(,1)"),
          "locked VIF's accepts do not go on to table 1");
    CHECK(count(&br->cond_flows, "in_port=\"vif1.0\"") == 3
              && count(&br->cond_flows,
                       "in_port=\"vif1.0\",vlan_tci=0x0000/0x1fff,"
                       "priority=110,actions=NORMAL,output:\"vif1.2\""),
          "no copy of vif1.0's traffic to vif1.2");
    CHECK(!count(&br->cond_flows, "in_port=\"vif1.1\""),
          "a trunk VIF is a source");
    CHECK(!count(&br->cond_flows, "in_port=\"vif1.2\""),
          "the promiscuous VIF copies to itself");
    ovsg_state_destroy(&st);

    unit_callf(&db, "vif-param-set", "uuid=%s locking-mode=disabled", p);
    xrc_build(&db, "netdev", &st);
    CHECK(!st.bridges[0]->cond_flows.n, "a disabled VIF is promiscuous");
    ovsg_state_destroy(&st);

    free(trunk);
    free(p);
    free(net);
    free(vif);
    xrec_db_destroy(&db);
}

void
test_xe_register(void)
{
    unit_add("api-param-get", test_param_get, NULL);
    unit_add("api-param-add-remove-clear", test_param_change, NULL);
    unit_add("reconcile-trunk-promiscuous", test_reconcile_trunk_promisc,
             NULL);
}
