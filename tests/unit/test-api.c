/* tests/unit/test-api.c: the request executor.
 *
 * Most cases run against one fixture: NICs eth1 and eth2 found by pif-scan
 * (networks xenbr1, xenbr2), internal networks a and b, VLAN 10 on eth1
 * carrying network v10, VIF vif5.0 of VM 1 plugged on a, and an unplugged
 * VIF of VM 2 that would also be vif5.0. */

#include <config.h>
#include "tests/unit/unit-tests.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "agent/api.h"
#include "agent/pifscan.h"
#include "agent/records.h"
#include "agent/rpc.h"
#include "util.h"

#define VM1 "vm-uuid=11111111-0000-4000-8000-000000000001"
#define VM2 "vm-uuid=11111111-0000-4000-8000-000000000002"
#define VM3 "vm-uuid=11111111-0000-4000-8000-000000000003"
#define NOSUCH "00000000-0000-4000-8000-000000000000"

struct fixture {
    struct xrec_db db;
    char *pif_eth1, *net_eth1, *pif_eth2, *net_eth2;
    char *net_a, *net_b, *net_v10, *vlan10, *pif_v10;
    char *vif0, *vif_b;
};

static void
set_nics(void)
{
    unit_nics[0] = (struct xpif_link){"eth1", "02:00:00:00:01:01", 1500, true};
    unit_nics[1]
        = (struct xpif_link){"eth2", "02:00:00:00:01:02", 1500, false};
    unit_n_nics = 2;
}

/* Runs a call that must succeed; returns its "uuid" (malloc'd, maybe ""). */
static char *
must(struct xrec_db *db, const char *method, const char *const *args, size_t n)
{
    int code = unit_callv(db, method, args, n);
    if (code) {
        ovs_fatal(0, "fixture: %s failed: %s", method, unit_error);
    }
    return xstrdup(unit_result_uuid());
}

#define MUST(F, METHOD, ...)                                                  \
    must(&(F)->db, METHOD, (const char *const[]){__VA_ARGS__},                \
         ARRAY_SIZE(((const char *const[]){__VA_ARGS__})))

static char *
arg(const char *key, const char *value)
{
    static char buf[4][128];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s=%s", key, value);
    return buf[i];
}

static void
fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    xrec_db_init(&f->db);
    set_nics();
    if (unit_call(&f->db, "pif-scan", NULL)) {
        ovs_fatal(0, "fixture: pif-scan failed: %s", unit_error);
    }
    f->pif_eth1 = xstrdup(xrec_find_pif_by_device(&f->db, "eth1", -1)->uuid);
    f->pif_eth2 = xstrdup(xrec_find_pif_by_device(&f->db, "eth2", -1)->uuid);
    f->net_eth1 = xstrdup(xrec_find_pif(&f->db, f->pif_eth1)->network);
    f->net_eth2 = xstrdup(xrec_find_pif(&f->db, f->pif_eth2)->network);
    f->net_a = MUST(f, "network-create", "name-label=a");
    f->net_b = MUST(f, "network-create", "name-label=b");
    /* A VLAN network's MTU is at most its parent network's. */
    free(MUST(f, "network-param-set", arg("uuid", f->net_eth1), "MTU=9000"));
    f->net_v10 = MUST(f, "network-create", "name-label=v10", "MTU=9000");
    f->vlan10 = MUST(f, "vlan-create", arg("pif-uuid", f->pif_eth1),
                     arg("network-uuid", f->net_v10), "vlan=10");
    f->pif_v10 = xstrdup(xrec_find_vlan(&f->db, f->vlan10)->untagged_pif);
    f->vif0 = MUST(f, "vif-create", VM1, "domid=5", "device=0",
                   arg("network-uuid", f->net_a), "mac=02:00:00:00:00:01",
                   "locking-mode=locked", "ipv4-allowed=198.18.0.1");
    free(MUST(f, "vif-plug", arg("uuid", f->vif0)));
    f->vif_b = MUST(f, "vif-create", VM2, "domid=5", "device=0",
                    arg("network-uuid", f->net_b), "mac=02:00:00:00:00:02");
}

static void
fixture_destroy(struct fixture *f)
{
    char **s[] = {&f->pif_eth1, &f->net_eth1, &f->pif_eth2, &f->net_eth2,
                  &f->net_a,    &f->net_b,    &f->net_v10,  &f->vlan10,
                  &f->pif_v10,  &f->vif0,     &f->vif_b};
    for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
        free(*s[i]);
    }
    xrec_db_destroy(&f->db);
}

/* Replaces "key=@name" by "key=<the fixture's uuid 'name'>". */
static char *
resolve(const struct fixture *f, const char *a)
{
    static const struct {
        const char *name;
        size_t offset;
    } names[] = {
#define N(FIELD) {"@" #FIELD, offsetof(struct fixture, FIELD)}
        N(pif_eth1), N(net_eth1), N(pif_eth2), N(net_eth2), N(net_a), N(net_b),
        N(net_v10),  N(vlan10),   N(pif_v10),  N(vif0),     N(vif_b),
#undef N
    };
    const char *at = strchr(a, '@');

    for (size_t i = 0; at && i < ARRAY_SIZE(names); i++) {
        if (!strcmp(at, names[i].name)) {
            char *uuid = *(char **)((char *)f + names[i].offset);
            return xasprintf("%.*s%s", (int)(at - a), a, uuid);
        }
    }
    if (at) {
        ovs_fatal(0, "unknown fixture name in %s", a);
    }
    return xstrdup(a);
}

/* ---------------------------------------------------------------------- */
/* Rejections: code 1, the message starts with the field, nothing changed. */

struct reject {
    const char *name;
    const char *method;
    const char *field;  /* the message starts "field: " */
    const char *expect; /* and contains this */
    const char *args[12];
};

#define VIF_ARGS                                                              \
    VM3, "domid=7", "device=1", "network-uuid=@net_a", "mac=02:00:00:00:00:07"
#define VLAN_ARGS "pif-uuid=@pif_eth1", "network-uuid=@net_b"

static const struct reject rejects[] = {
    {"network-mtu-high",
     "network-create",
     "MTU",
     "99999 is outside 68..9216",
     {"name-label=x", "MTU=99999"}},
    {"network-mtu-low",
     "network-create",
     "MTU",
     "67 is outside",
     {"name-label=x", "MTU=67"}},
    {"network-mtu-not-number",
     "network-create",
     "MTU",
     "not a number",
     {"name-label=x", "MTU=9k"}},
    {"network-bridge-long",
     "network-create",
     "bridge",
     "at most 15",
     {"name-label=x", "bridge=abcdefghijklmnop"}},
    {"network-bridge-chars",
     "network-create",
     "bridge",
     "contains '/'",
     {"name-label=x", "bridge=br/0"}},
    {"network-bridge-empty",
     "network-create",
     "bridge",
     "empty",
     {"name-label=x", "bridge="}},
    {"network-bridge-used",
     "network-create",
     "bridge",
     "already the bridge of network",
     {"name-label=x", "bridge=xenbr1"}},
    {"network-bridge-is-nic",
     "network-create",
     "bridge",
     "is the device of PIF",
     {"name-label=x", "bridge=eth2"}},
    {"network-bridge-reserved",
     "network-create",
     "bridge",
     "reserved",
     {"name-label=x", "bridge=vif1.0"}},
    {"network-name-missing",
     "network-create",
     "name-label",
     "missing",
     {"MTU=1500"}},
    {"network-name-empty",
     "network-create",
     "name-label",
     "empty",
     {"name-label="}},
    {"network-locking-mode",
     "network-create",
     "default-locking-mode",
     "not unlocked or disabled",
     {"name-label=x", "default-locking-mode=locked"}},
    {"network-fail-mode",
     "network-create",
     "other-config:vswitch-controller-fail-mode",
     "standalone or secure",
     {"name-label=x", "other-config:vswitch-controller-fail-mode=open"}},
    {"network-set-unknown-uuid",
     "network-param-set",
     "uuid",
     "no network with uuid " NOSUCH,
     {"uuid=" NOSUCH, "MTU=1500"}},
    {"network-set-bad-uuid",
     "network-param-set",
     "uuid",
     "not a uuid",
     {"uuid=net0", "MTU=1500"}},
    {"network-set-mtu",
     "network-param-set",
     "MTU",
     "9217 is outside",
     {"uuid=@net_a", "name-label=renamed", "MTU=9217"}},
    {"network-set-name-empty",
     "network-param-set",
     "name-label",
     "empty",
     {"uuid=@net_a", "name-label="}},
    {"network-destroy-with-pif",
     "network-destroy",
     "uuid",
     "still used by PIF",
     {"uuid=@net_eth1"}},
    {"network-destroy-with-vif",
     "network-destroy",
     "uuid",
     "still used by VIF",
     {"uuid=@net_a"}},
    {"network-destroy-with-vlan",
     "network-destroy",
     "uuid",
     "a VLAN",
     {"uuid=@net_v10"}},
    {"vlan-tag-high",
     "vlan-create",
     "vlan",
     "4095 is outside 0..4094",
     {VLAN_ARGS, "vlan=4095"}},
    {"vlan-tag-negative",
     "vlan-create",
     "vlan",
     "-1 is outside 0..4094",
     {VLAN_ARGS, "vlan=-1"}},
    {"vlan-tag-not-number",
     "vlan-create",
     "vlan",
     "not a number",
     {VLAN_ARGS, "vlan=ten"}},
    {"vlan-tag-missing", "vlan-create", "vlan", "missing", {VLAN_ARGS}},
    {"vlan-on-vlan-pif",
     "vlan-create",
     "pif-uuid",
     "itself VLAN 10",
     {"pif-uuid=@pif_v10", "network-uuid=@net_b", "vlan=20"}},
    {"vlan-tag-twice",
     "vlan-create",
     "vlan",
     "already carries VLAN 10",
     {VLAN_ARGS, "vlan=10"}},
    {"vlan-network-has-pif",
     "vlan-create",
     "network-uuid",
     "already has PIF",
     {"pif-uuid=@pif_eth1", "network-uuid=@net_eth2", "vlan=20"}},
    {"vlan-unknown-pif",
     "vlan-create",
     "pif-uuid",
     "no PIF with uuid",
     {"pif-uuid=" NOSUCH, "network-uuid=@net_b", "vlan=20"}},
    {"vlan-unknown-network",
     "vlan-create",
     "network-uuid",
     "no network with uuid",
     {"pif-uuid=@pif_eth1", "network-uuid=" NOSUCH, "vlan=20"}},
    {"vlan-destroy-unknown",
     "vlan-destroy",
     "uuid",
     "no VLAN with uuid",
     {"uuid=" NOSUCH}},
    {"vif-uuid-bad",
     "vif-create",
     "uuid",
     "is not a uuid",
     {VIF_ARGS, "mac=02:00:00:00:00:09", "uuid=vif-one"}},
    {"vif-uuid-taken",
     "vif-create",
     "uuid",
     "exists already",
     {VIF_ARGS, "mac=02:00:00:00:00:09", "uuid=@vif_b"}},
    {"vif-mac-short",
     "vif-create",
     "mac",
     "not a MAC address",
     {VIF_ARGS, "mac=02:00:00:00:00"}},
    {"vif-mac-not-hex",
     "vif-create",
     "mac",
     "not a MAC address",
     {VIF_ARGS, "mac=02:00:00:00:00:zz"}},
    {"vif-mac-multicast",
     "vif-create",
     "mac",
     "multicast",
     {VIF_ARGS, "mac=01:00:5e:00:00:01"}},
    {"vif-mac-missing",
     "vif-create",
     "mac",
     "missing",
     {VM3, "domid=7", "device=1", "network-uuid=@net_a"}},
    {"vif-device-used",
     "vif-create",
     "device",
     "already has VIF",
     {VIF_ARGS, VM1, "device=0"}},
    {"vif-device-range",
     "vif-create",
     "device",
     "16 is outside 0..15",
     {VIF_ARGS, "device=16"}},
    {"vif-domid-negative",
     "vif-create",
     "domid",
     "-1 is outside",
     {VIF_ARGS, "domid=-1"}},
    {"vif-domid-high",
     "vif-create",
     "domid",
     "32753 is outside 0..32752",
     {VIF_ARGS, "domid=32753"}},
    {"vif-domid-not-number",
     "vif-create",
     "domid",
     "not a number",
     {VIF_ARGS, "domid=5x"}},
    {"vif-ipv4-bad",
     "vif-create",
     "ipv4-allowed",
     "\"198.18.0.300\" is not an IPv4 address",
     {VIF_ARGS, "ipv4-allowed=198.18.0.1,198.18.0.300"}},
    {"vif-ipv6-bad",
     "vif-create",
     "ipv6-allowed",
     "not an IPv6 address",
     {VIF_ARGS, "ipv6-allowed=fe80::zz"}},
    {"vif-locking-mode",
     "vif-create",
     "locking-mode",
     "not network_default, locked, unlocked or disabled",
     {VIF_ARGS, "locking-mode=open"}},
    {"vif-vm-uuid",
     "vif-create",
     "vm-uuid",
     "not a uuid",
     {VIF_ARGS, "vm-uuid=vm1"}},
    {"vif-mtu",
     "vif-create",
     "MTU",
     "9217 is outside 68..9216",
     {VIF_ARGS, "MTU=9217"}},
    {"vif-unknown-network",
     "vif-create",
     "network-uuid",
     "no network with uuid",
     {VIF_ARGS, "network-uuid=" NOSUCH}},
    {"vif-destroy-plugged",
     "vif-destroy",
     "uuid",
     "unplug it first",
     {"uuid=@vif0"}},
    {"vif-plug-name-clash",
     "vif-plug",
     "uuid",
     "vif5.0 is already the port of plugged VIF",
     {"uuid=@vif_b"}},
    {"vif-set-locking-mode",
     "vif-param-set",
     "locking-mode",
     "not",
     {"uuid=@vif0", "locking-mode=bogus"}},
    {"vif-set-ipv4",
     "vif-param-set",
     "ipv4-allowed",
     "not an IPv4",
     {"uuid=@vif0", "ipv4-allowed=198.18.0.0/24"}},
    {"vif-set-domid-plugged",
     "vif-param-set",
     "domid",
     "unplug it first",
     {"uuid=@vif0", "domid=6"}},
    {"vif-set-partial",
     "vif-param-set",
     "MTU",
     "5 is outside",
     {"uuid=@vif0", "locking-mode=unlocked", "MTU=5"}},
    {"pif-plug-unknown",
     "pif-plug",
     "uuid",
     "no PIF with uuid",
     {"uuid=" NOSUCH}},
    {"pif-set-other-config-key",
     "pif-param-set",
     "other-config:a b",
     "contains ' '",
     {"uuid=@pif_eth1", "other-config:a b=1"}},
};

static void
test_reject(const void *aux)
{
    const struct reject *r = aux;
    struct fixture f;
    char *args[ARRAY_SIZE(r->args)];
    size_t n = 0;

    fixture_init(&f);
    for (; n < ARRAY_SIZE(r->args) && r->args[n]; n++) {
        args[n] = resolve(&f, r->args[n]);
    }
    char *before = unit_db_text(&f.db);
    int code = unit_callv(&f.db, r->method, (const char *const *)args, n);
    char *after = unit_db_text(&f.db);
    char *prefix = xasprintf("%s: ", r->field);

    for (size_t i = 0; i < n; i++) {
        free(args[i]);
    }
    fixture_destroy(&f);
    CHECK(code == 1, "code %d, want 1 (%s)", code,
          unit_error ? unit_error : "no message");
    CHECK(!strncmp(unit_error, prefix, strlen(prefix)),
          "message \"%s\" does not start with \"%s\"", unit_error, prefix);
    CHECK(strstr(unit_error, r->expect), "message \"%s\" lacks \"%s\"",
          unit_error, r->expect);
    CHECK(!strchr(unit_error, '\n'), "message is not one line");
    CHECK(!unit_changed && !unit_result, "rejected call reported a result");
    CHECK(!strcmp(before, after), "records changed:\n%s\n%s", before, after);
    free(before);
    free(after);
    free(prefix);
}

/* ---------------------------------------------------------------------- */
/* Usage errors: code 2, nothing changed. */

struct usage {
    const char *name;
    const char *method;
    const char *expect;
    const char *args[4];
};

static const struct usage usages[] = {
    {"unknown-method", "network-frobnicate", "unknown method", {NULL}},
    {"unknown-param",
     "network-create",
     "bogus: unknown parameter",
     {"name-label=x", "bogus=1"}},
    {"params-on-create",
     "network-create",
     "params: unknown parameter",
     {"name-label=x", "params=uuid"}},
    {"list-unknown-filter",
     "pif-list",
     "colour: unknown parameter",
     {"colour=red"}},
    {"list-unknown-field",
     "pif-list",
     "params: bogus is not a field",
     {"params=uuid,bogus"}},
    {"vlan-list-other-config",
     "vlan-list",
     "unknown parameter",
     {"other-config:a=b"}},
};

static void
test_usage(const void *aux)
{
    const struct usage *u = aux;
    struct fixture f;
    size_t n = 0;

    fixture_init(&f);
    while (n < ARRAY_SIZE(u->args) && u->args[n]) {
        n++;
    }
    char *before = unit_db_text(&f.db);
    int code = unit_callv(&f.db, u->method, u->args, n);
    char *after = unit_db_text(&f.db);
    fixture_destroy(&f);
    CHECK(code == 2, "code %d, want 2 (%s)", code,
          unit_error ? unit_error : "no message");
    CHECK(strstr(unit_error, u->expect), "message \"%s\" lacks \"%s\"",
          unit_error, u->expect);
    CHECK(!strcmp(before, after), "records changed");
    free(before);
    free(after);
}

static void
test_usage_shapes(const void *aux OVS_UNUSED)
{
    static const struct xapi_env env = {.scan = unit_scan};
    struct xrec_db db;
    struct json_object *result, *params;
    char *error;
    bool changed;

    xrec_db_init(&db);
    params = json_tokener_parse("{\"name-label\": 5}");
    int code = xapi_call(&db, &env, "network-create", params, &result, &error,
                         &changed);
    json_object_put(params);
    CHECK(code == 2 && strstr(error, "name-label: value must be a string"),
          "non-string value: %d %s", code, error);
    free(error);

    params = json_tokener_parse("[\"name-label=x\"]");
    code = xapi_call(&db, &env, "network-create", params, &result, &error,
                     &changed);
    json_object_put(params);
    CHECK(code == 2 && strstr(error, "params: must be a JSON object"),
          "array params: %d %s", code, error);
    free(error);

    code = xapi_call(&db, NULL, "pif-scan", NULL, &result, &error, &changed);
    CHECK(code == 1 && strstr(error, "cannot list interfaces"),
          "pif-scan without a scanner: %d %s", code, error);
    free(error);
    CHECK(!db.n_networks, "records changed");
    xrec_db_destroy(&db);
}

/* ---------------------------------------------------------------------- */
/* Successful calls. */

/* The text form of 'row''s field 'key' (valid until the fourth next call). */
static const char *
row_string(struct json_object *row, const char *key)
{
    static char buf[4][256];
    static int i;
    struct json_object *v;

    if (!json_object_object_get_ex(row, key, &v)) {
        return "<absent>";
    }
    i = (i + 1) % 4;
    char *text = xrpc_value_to_text(v);
    snprintf(buf[i], sizeof buf[i], "%s", text);
    free(text);
    return buf[i];
}

static void
test_network_create(const void *aux OVS_UNUSED)
{
    struct xrec_db db;

    xrec_db_init(&db);
    CHECK(!unit_call(&db, "network-create", "name-label=a", NULL), "a: %s",
          unit_error);
    CHECK(unit_changed, "create did not report a change");
    struct xrec_network *a = xrec_find_network(&db, unit_result_uuid());
    CHECK(a && !strcmp(a->bridge, "xapi0") && a->mtu == 1500
              && a->default_locking_mode == XREC_LOCK_UNLOCKED,
          "defaults wrong");
    CHECK(!unit_call(&db, "network-create", "name-label=b", "bridge=xapi1",
                     NULL),
          "b: %s", unit_error);
    CHECK(!unit_call(&db, "network-create", "name-label=c", "MTU=9000",
                     "default-locking-mode=disabled", "name-description=jumbo",
                     NULL),
          "c: %s", unit_error);
    struct xrec_network *c = xrec_find_network(&db, unit_result_uuid());
    CHECK(c && !strcmp(c->bridge, "xapi2") && c->mtu == 9000
              && c->default_locking_mode == XREC_LOCK_DISABLED
              && !strcmp(c->name_description, "jumbo"),
          "c wrong: %s %d", c ? c->bridge : "-", c ? c->mtu : 0);

    CHECK(!unit_call(&db, "network-param-set", arg("uuid", a->uuid),
                     "MTU=1400",
                     "other-config:vswitch-controller-fail-mode="
                     "secure",
                     NULL),
          "param-set: %s", unit_error);
    CHECK(unit_changed && a->mtu == 1400
              && !strcmp(
                  smap_get(&a->other_config, "vswitch-controller-fail-mode"),
                  "secure"),
          "param-set not applied");
    CHECK(!unit_call(&db, "network-param-set", arg("uuid", a->uuid),
                     "MTU=1400", NULL),
          "param-set again: %s", unit_error);
    CHECK(!unit_changed, "no-op param-set reported a change");
    CHECK(!unit_call(&db, "network-param-set", arg("uuid", a->uuid),
                     "other-config:vswitch-controller-fail-mode=", NULL),
          "remove key: %s", unit_error);
    CHECK(smap_is_empty(&a->other_config), "empty value did not remove key");
    CHECK(!unit_call(&db, "network-destroy", arg("uuid", a->uuid), NULL),
          "destroy: %s", unit_error);
    CHECK(db.n_networks == 2 && unit_changed, "destroy did not remove it");
    xrec_db_destroy(&db);
}

/* Member 'key' of pif-scan's result (an array; empty if absent). */
static struct json_object *
scan_list(const char *key)
{
    static struct json_object *empty;
    struct json_object *a;

    if (!empty) {
        empty = json_object_new_array();
    }
    return (unit_result && json_object_object_get_ex(unit_result, key, &a)
                ? a
                : empty);
}

/* Whether some string of pif-scan's result member 'key' contains 'a' and
 * 'b'. */
static bool
scan_says(const char *key, const char *a, const char *b)
{
    struct json_object *list = scan_list(key);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        const char *s
            = json_object_get_string(json_object_array_get_idx(list, i));
        if (strstr(s, a) && strstr(s, b)) {
            return true;
        }
    }
    return false;
}

static void
test_pif_scan(const void *aux OVS_UNUSED)
{
    struct xrec_db db;

    xrec_db_init(&db);
    set_nics();
    CHECK(!unit_call(&db, "pif-scan", NULL), "scan: %s", unit_error);
    CHECK(unit_changed && json_object_array_length(scan_list("uuids")) == 2,
          "scan did not create two PIFs");
    for (int i = 1; i <= 2; i++) {
        char device[8], bridge[8], label[64];
        snprintf(device, sizeof device, "eth%d", i);
        snprintf(bridge, sizeof bridge, "xenbr%d", i);
        snprintf(label, sizeof label, "Pool-wide network associated with %s",
                 device);
        const struct xrec_pif *pif = xrec_find_pif_by_device(&db, device, -1);
        CHECK(pif && pif->physical && !pif->currently_attached
                  && pif->vlan == -1 && pif->mtu == 1500,
              "PIF %s wrong", device);
        const struct xrec_network *net = xrec_find_network(&db, pif->network);
        CHECK(net && !strcmp(net->bridge, bridge)
                  && !strcmp(net->name_label, label),
              "network of %s: %s %s", device, net ? net->bridge : "-",
              net ? net->name_label : "-");
    }

    CHECK(!unit_call(&db, "pif-scan", NULL), "rescan: %s", unit_error);
    CHECK(!unit_changed && !json_object_array_length(scan_list("uuids")),
          "rescan changed something");

    unit_nics[0].mac = "02:00:00:00:09:09";
    unit_nics[1]
        = (struct xpif_link){"eth7", "02:00:00:00:01:07", 100000, true};
    CHECK(!unit_call(&db, "network-create", "name-label=x", "bridge=xenbr7",
                     NULL),
          "network-create: %s", unit_error);
    CHECK(!unit_call(&db, "pif-scan", NULL), "third scan: %s", unit_error);
    CHECK(unit_changed && json_object_array_length(scan_list("uuids")) == 1,
          "third scan: want one new PIF");
    const struct xrec_pif *eth1 = xrec_find_pif_by_device(&db, "eth1", -1);
    CHECK(!strcmp(eth1->mac, "02:00:00:00:09:09"), "MAC not refreshed");
    const struct xrec_pif *eth7 = xrec_find_pif_by_device(&db, "eth7", -1);
    CHECK(eth7 && eth7->mtu == XREC_MTU_MAX, "eth7 MTU not clamped");
    const struct xrec_network *n7 = xrec_find_network(&db, eth7->network);
    CHECK(!strcmp(n7->bridge, "xenbr0"),
          "eth7 with xenbr7 taken got %s, want xenbr0", n7->bridge);
    xrec_db_destroy(&db);
}

/* pif-list's "disconnected" of PIF 'uuid': "true", "false" or "" (no
 * such field). */
static const char *
pif_disconnected(struct xrec_db *db, const char *uuid)
{
    static char buf[8];
    struct json_object *row, *v;

    buf[0] = '\0';
    if (!unit_call(db, "pif-list", arg("uuid", uuid), NULL)
        && json_object_array_length(unit_result) == 1) {
        row = json_object_array_get_idx(unit_result, 0);
        if (json_object_object_get_ex(row, "disconnected", &v)) {
            snprintf(buf, sizeof buf, "%s", json_object_get_string(v));
        }
    }
    return buf;
}

/* pif-scan follows a NIC by MAC: renamed (with the VLAN PIF on it),
 * swapped, replaced in place, vanished, and a rename onto a name a
 * disconnected PIF keeps. */
static void
test_pif_scan_mac(const void *aux OVS_UNUSED)
{
    struct fixture f;
    const struct xrec_pif *p1, *p2, *v10;

    fixture_init(&f);
    CHECK(!strcmp(pif_disconnected(&f.db, f.pif_eth1), "false"),
          "eth1 disconnected: '%s'", pif_disconnected(&f.db, f.pif_eth1));

    unit_nics[0].device = "eth5";
    CHECK(!unit_call(&f.db, "pif-scan", NULL), "rename scan: %s", unit_error);
    p1 = xrec_find_pif(&f.db, f.pif_eth1);
    v10 = xrec_find_pif(&f.db, f.pif_v10);
    CHECK(unit_changed && !json_object_array_length(scan_list("uuids")),
          "rename: want no new PIF");
    CHECK(!strcmp(p1->device, "eth5") && !strcmp(v10->device, "eth5"),
          "rename: PIF %s, VLAN PIF %s, want eth5", p1->device, v10->device);
    CHECK(scan_says("changes", f.pif_eth1, "is now eth5"),
          "rename not reported");

    unit_nics[0].device = "eth2";
    unit_nics[1].device = "eth5";
    CHECK(!unit_call(&f.db, "pif-scan", NULL), "swap scan: %s", unit_error);
    p1 = xrec_find_pif(&f.db, f.pif_eth1);
    p2 = xrec_find_pif(&f.db, f.pif_eth2);
    CHECK(!strcmp(p1->device, "eth2") && !strcmp(p2->device, "eth5"),
          "swap: %s %s, want eth2 eth5", p1->device, p2->device);

    unit_nics[0].mac = "02:00:00:00:0a:01";
    CHECK(!unit_call(&f.db, "pif-scan", NULL), "replace scan: %s", unit_error);
    p1 = xrec_find_pif(&f.db, f.pif_eth1);
    v10 = xrec_find_pif(&f.db, f.pif_v10);
    CHECK(!strcmp(p1->mac, "02:00:00:00:0a:01") && !strcmp(v10->mac, p1->mac),
          "replace: MAC %s, VLAN PIF %s", p1->mac, v10->mac);
    CHECK(scan_says("changes", f.pif_eth1, "was replaced"),
          "replacement not reported");

    unit_n_nics = 1; /* eth5 (PIF eth2) is gone */
    CHECK(!unit_call(&f.db, "pif-scan", NULL), "vanish scan: %s", unit_error);
    CHECK(xrec_find_pif(&f.db, f.pif_eth2), "vanished NIC's PIF was dropped");
    CHECK(scan_says("warnings", f.pif_eth2, "disconnected"),
          "vanished NIC not reported");
    CHECK(!strcmp(pif_disconnected(&f.db, f.pif_eth2), "true"),
          "vanished PIF: disconnected '%s'",
          pif_disconnected(&f.db, f.pif_eth2));
    CHECK(!strcmp(pif_disconnected(&f.db, f.pif_eth1), "false"),
          "present PIF reported disconnected");

    /* PIF eth1's NIC (now "eth2") takes the name eth5 that disconnected
     * PIF eth2 keeps: refused with a warning, nothing renamed. */
    unit_nics[0].device = "eth5";
    char *before = unit_db_text(&f.db);
    CHECK(!unit_call(&f.db, "pif-scan", NULL), "clash scan: %s", unit_error);
    char *after = unit_db_text(&f.db);
    bool same = !strcmp(before, after);
    free(before);
    free(after);
    CHECK(same, "clash scan changed the records");
    CHECK(scan_says("warnings", f.pif_eth1, "has that name"),
          "clash not reported");
    CHECK(!unit_call(&f.db, "pif-forget", arg("uuid", f.pif_eth2), NULL),
          "forget eth2: %s", unit_error);
    CHECK(xrec_find_network(&f.db, f.net_eth2), "forget dropped the network");
    CHECK(!unit_call(&f.db, "pif-scan", NULL), "scan: %s", unit_error);
    p1 = xrec_find_pif(&f.db, f.pif_eth1);
    CHECK(!strcmp(p1->device, "eth5"), "after forget: %s", p1->device);
    fixture_destroy(&f);
}

/* pif-introduce and pif-forget, and what they refuse (whole, naming the
 * parameter). */
static void
test_pif_introduce_forget(const void *aux OVS_UNUSED)
{
    static const struct {
        const char *args[3];
        const char *error; /* prefix */
    } bad[] = {
        {{"device=eth3", "mac=02:00:00:00:01"}, "mac: "},
        {{"device=eth3", "mac=01:00:00:00:00:03"}, "mac: "},
        {{"device=eth3", "mac=02:00:00:00:00:99"}, "mac: NIC eth3 has MAC"},
        {{"device=eth9"}, "device: this host has no NIC eth9"},
        {{"device=eth1"}, "device: PIF "},
        {{"device=a/b"}, "device: "},
        {{"device=eth3", "network-uuid=@net_eth1"}, "network-uuid: network "},
        {{"device=eth3", "network-uuid=" NOSUCH}, "network-uuid: no network"},
    };
    struct fixture f;

    fixture_init(&f);
    unit_nics[2] = (struct xpif_link){"eth3", "02:00:00:00:01:03", 1500, 1};
    unit_n_nics = 3;
    char *before = unit_db_text(&f.db);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *args[3];
        size_t n = 0;
        for (; n < 3 && bad[i].args[n]; n++) {
            args[n] = resolve(&f, bad[i].args[n]);
        }
        int code
            = unit_callv(&f.db, "pif-introduce", (const char *const *)args, n);
        for (size_t k = 0; k < n; k++) {
            free(args[k]);
        }
        CHECK(code == 1 && unit_error
                  && !strncmp(unit_error, bad[i].error, strlen(bad[i].error)),
              "pif-introduce %s: %d %s", bad[i].args[0], code, unit_error);
        char *after = unit_db_text(&f.db);
        bool same = !strcmp(before, after);
        free(after);
        CHECK(same, "rejected pif-introduce changed the records");
    }
    free(before);
    CHECK(!unit_call(&f.db, "pif-introduce", "device=eth3",
                     "mac=02:00:00:00:01:03", arg("network-uuid", f.net_a),
                     NULL),
          "introduce eth3: %s", unit_error);
    const struct xrec_pif *p3 = xrec_find_pif(&f.db, unit_result_uuid());
    CHECK(p3 && p3->physical && !strcmp(p3->device, "eth3")
              && !strcmp(p3->network, f.net_a) && !p3->currently_attached,
          "eth3's PIF wrong");
    char *p3_uuid = xstrdup(p3->uuid);
    CHECK(unit_call(&f.db, "pif-introduce", "device=eth3", NULL) == 1,
          "second introduce of eth3 accepted");

    /* Forget: refused while the PIF carries a VLAN, is a VLAN's PIF or is
     * in a bond. */
    CHECK(unit_call(&f.db, "pif-forget", arg("uuid", f.pif_eth1), NULL) == 1
              && strstr(unit_error, "carries VLAN 10"),
          "forget of a VLAN's parent: %s", unit_error);
    CHECK(unit_call(&f.db, "pif-forget", arg("uuid", f.pif_v10), NULL) == 1
              && strstr(unit_error, "use vlan-destroy"),
          "forget of a VLAN PIF: %s", unit_error);
    CHECK(!unit_call(&f.db, "vlan-destroy", arg("uuid", f.vlan10), NULL),
          "vlan-destroy: %s", unit_error);
    char *bn
        = xstrdup(unit_call(&f.db, "network-create", "name-label=bn", NULL)
                      ? ""
                      : unit_result_uuid());
    char *members = xasprintf("pif-uuids=%s,%s", f.pif_eth2, p3_uuid);
    int code = unit_call(&f.db, "bond-create", arg("network-uuid", bn),
                         members, NULL);
    free(members);
    free(bn);
    CHECK(!code, "bond-create: %s", unit_error);
    CHECK(unit_call(&f.db, "pif-forget", arg("uuid", f.pif_eth2), NULL) == 1
              && strstr(unit_error, "member of bond"),
          "forget of a bond member: %s", unit_error);
    CHECK(unit_call(&f.db, "pif-forget", "uuid=" NOSUCH, NULL) == 1
              && !strncmp(unit_error, "uuid: no PIF", 12),
          "forget of no PIF: %s", unit_error);
    CHECK(!unit_call(&f.db, "pif-forget", arg("uuid", f.pif_eth1), NULL),
          "forget eth1: %s", unit_error);
    CHECK(!xrec_find_pif(&f.db, f.pif_eth1)
              && xrec_find_network(&f.db, f.net_eth1),
          "forget: PIF kept or network dropped");
    /* The network takes the NIC back. */
    CHECK(!unit_call(&f.db, "pif-introduce", "device=eth1",
                     arg("network-uuid", f.net_eth1), NULL),
          "introduce eth1 again: %s", unit_error);
    free(p3_uuid);
    fixture_destroy(&f);
}

/* Runs list 'method' with 'args' and checks it returns 'n' rows. */
static struct json_object *
list_rows(struct xrec_db *db, const char *method, size_t n_args,
          const char *const *args, size_t n)
{
    if (unit_callv(db, method, args, n_args)
        || json_object_array_length(unit_result) != n) {
        return NULL;
    }
    return unit_result;
}

#define LIST(DB, METHOD, N, ...)                                              \
    list_rows(DB, METHOD, ARRAY_SIZE(((const char *const[]){__VA_ARGS__})),   \
              (const char *const[]){__VA_ARGS__}, N)

static void
test_list_filter(const void *aux OVS_UNUSED)
{
    struct fixture f;
    struct json_object *rows, *row;

    fixture_init(&f);
    rows = LIST(&f.db, "pif-list", 1, "device=eth1", "VLAN=-1", "params=uuid");
    CHECK(rows, "pif-list device=eth1: %s", unit_error);
    row = json_object_array_get_idx(rows, 0);
    CHECK(json_object_object_length(row) == 1
              && !strcmp(row_string(row, "uuid"), f.pif_eth1),
          "pif-list device=eth1 params=uuid returned the wrong row");

    rows = LIST(&f.db, "pif-list", 2, "device=eth1");
    CHECK(rows, "pif-list device=eth1 (physical and VLAN 10): %s", unit_error);

    rows = LIST(&f.db, "network-list", 1, "bridge=xenbr2",
                "params=name-label,PIF-uuids");
    CHECK(rows, "network-list bridge=xenbr2");
    row = json_object_array_get_idx(rows, 0);
    CHECK(!strcmp(row_string(row, "name-label"),
                  "Pool-wide network associated with eth2")
              && !strcmp(row_string(row, "PIF-uuids"), f.pif_eth2),
          "network row wrong");

    rows = LIST(&f.db, "vif-list", 1, "currently-attached=true", "params=all");
    CHECK(rows, "vif-list currently-attached=true");
    row = json_object_array_get_idx(rows, 0);
    CHECK(!strcmp(row_string(row, "uuid"), f.vif0)
              && !strcmp(row_string(row, "network-name-label"), "a")
              && !strcmp(row_string(row, "MTU"), "1500")
              && !strcmp(row_string(row, "locking-mode"), "locked"),
          "vif row wrong");

    rows = LIST(&f.db, "vif-list", 0, "MAC=02:00:00:00:00:99");
    CHECK(rows, "vif-list with no match");
    rows = LIST(&f.db, "vlan-list", 1, "tag=10");
    CHECK(rows
              && !strcmp(row_string(json_object_array_get_idx(rows, 0),
                                    "untagged-PIF"),
                         f.pif_v10),
          "vlan-list tag=10");

    free(MUST(&f, "network-param-set", arg("uuid", f.net_b),
              "other-config:owner=alice"));
    rows = LIST(&f.db, "network-list", 1, "other-config:owner=alice",
                "params=uuid");
    CHECK(
        rows
            && !strcmp(row_string(json_object_array_get_idx(rows, 0), "uuid"),
                       f.net_b),
        "other-config filter");
    fixture_destroy(&f);
}

static void
test_vlan_lifecycle(const void *aux OVS_UNUSED)
{
    struct fixture f;

    fixture_init(&f);
    const struct xrec_pif *pif = xrec_find_pif(&f.db, f.pif_v10);
    CHECK(pif && !strcmp(pif->device, "eth1") && pif->vlan == 10
              && !pif->physical && pif->currently_attached && pif->mtu == 9000
              && !strcmp(pif->network, f.net_v10)
              && !strcmp(pif->mac, "02:00:00:00:01:01"),
          "VLAN PIF wrong");
    CHECK(!unit_call(&f.db, "vlan-create", arg("pif-uuid", f.pif_eth1),
                     arg("network-uuid", f.net_b), "vlan=0", NULL),
          "VLAN 0: %s", unit_error);
    CHECK(!unit_call(&f.db, "vlan-destroy", arg("uuid", f.vlan10), NULL),
          "vlan-destroy: %s", unit_error);
    CHECK(!xrec_find_pif(&f.db, f.pif_v10) && f.db.n_vlans == 1,
          "VLAN PIF survived vlan-destroy");
    CHECK(!unit_call(&f.db, "network-destroy", arg("uuid", f.net_v10), NULL),
          "network-destroy after vlan-destroy: %s", unit_error);
    fixture_destroy(&f);
}

static void
test_vif_lifecycle(const void *aux OVS_UNUSED)
{
    struct fixture f;

    fixture_init(&f);
    struct xrec_vif *vif = xrec_find_vif(&f.db, f.vif0);
    CHECK(vif->currently_attached && vif->domid == 5 && !vif->device,
          "fixture VIF wrong");
    CHECK(!unit_call(&f.db, "vif-param-set", arg("uuid", f.vif0),
                     "locking-mode=unlocked", NULL),
          "unlock: %s", unit_error);
    CHECK(unit_changed && vif->locking_mode == XREC_LOCK_UNLOCKED,
          "unlock not applied");
    CHECK(!unit_call(&f.db, "vif-param-set", arg("uuid", f.vif0),
                     "locking-mode=unlocked", NULL),
          "unlock again: %s", unit_error);
    CHECK(!unit_changed, "no-op vif-param-set reported a change");
    CHECK(!unit_call(&f.db, "vif-param-set", arg("uuid", f.vif0),
                     "ipv4-allowed=", "ipv6-allowed=2001:db8::1,2001:db8::1",
                     NULL),
          "allowed: %s", unit_error);
    CHECK(!vif->ipv4_allowed.n && vif->ipv6_allowed.n == 1,
          "allowed lists not replaced");

    CHECK(!unit_call(&f.db, "vif-unplug", arg("uuid", f.vif0), NULL),
          "unplug: %s", unit_error);
    CHECK(!unit_call(&f.db, "vif-plug", arg("uuid", f.vif_b), NULL),
          "plug vif_b once vif5.0 is free: %s", unit_error);
    CHECK(!unit_call(&f.db, "vif-param-set", arg("uuid", f.vif0), "domid=6",
                     NULL),
          "domid while unplugged: %s", unit_error);
    CHECK(!unit_call(&f.db, "vif-destroy", arg("uuid", f.vif0), NULL),
          "destroy: %s", unit_error);
    CHECK(!xrec_find_vif(&f.db, f.vif0), "VIF survived vif-destroy");
    CHECK(!unit_call(&f.db, "network-destroy", arg("uuid", f.net_a), NULL),
          "network-destroy without VIFs: %s", unit_error);

    /* A VIF that comes with its uuid (a VM migrating in) keeps it. */
    CHECK(!unit_call(&f.db, "vif-create", VM3, "domid=9", "device=0",
                     arg("network-uuid", f.net_b), "mac=02:00:00:00:00:0a",
                     "uuid=0A1B2C3D-0000-4000-8000-00000000000A", NULL),
          "vif-create with uuid: %s", unit_error);
    CHECK(!strcmp(unit_result_uuid(), "0a1b2c3d-0000-4000-8000-00000000000a")
              && xrec_find_vif(&f.db, unit_result_uuid()),
          "vif-create uuid= gave %s", unit_result_uuid());
    fixture_destroy(&f);
}

/* ---------------------------------------------------------------------- */
/* Whole request lines. */

static char *
failing_commit(void *aux OVS_UNUSED,
               const struct xrec_change *change OVS_UNUSED,
               const struct xrec_db *db OVS_UNUSED)
{
    return xstrdup("disk full");
}

static char *
counting_commit(void *aux, const struct xrec_change *change OVS_UNUSED,
                const struct xrec_db *db OVS_UNUSED)
{
    (*(int *)aux)++;
    return NULL;
}

static void
test_handle_line(const void *aux OVS_UNUSED)
{
    static const struct xapi_env env = {.scan = unit_scan};
    struct xrec_db db;
    bool changed;
    int commits = 0;
    char *resp;

    xrec_db_init(&db);
    const char *req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
                      "\"network-create\",\"params\":{\"name-label\":"
                      "\"net0\",\"MTU\":\"9000\"}}";
    resp = xapi_handle_line(&db, &env, req, strlen(req), counting_commit,
                            &commits, &changed);
    CHECK(changed && commits == 1 && db.n_networks == 1
              && strstr(resp, "\"result\":{\"uuid\":\"")
              && strstr(resp, "\"status\":\"pending\"")
              && resp[strlen(resp) - 1] == '\n',
          "create: %s", resp);
    free(resp);

    /* A change says it is recorded, not yet applied; a no-op says nothing. */
    char *set = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
                          "\"network-param-set\",\"params\":{\"uuid\":"
                          "\"%s\",\"MTU\":\"1400\"}}",
                          db.networks[0]->uuid);
    resp = xapi_handle_line(&db, &env, set, strlen(set), counting_commit,
                            &commits, &changed);
    CHECK(changed && strstr(resp, "\"result\":{\"status\":\"pending\"}"),
          "param-set: %s", resp);
    free(resp);
    resp = xapi_handle_line(&db, &env, set, strlen(set), counting_commit,
                            &commits, &changed);
    CHECK(!changed && !strstr(resp, "pending"), "no-op param-set: %s", resp);
    free(resp);
    free(set);

    req = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"network-list\"}";
    resp = xapi_handle_line(&db, &env, req, strlen(req), counting_commit,
                            &commits, &changed);
    CHECK(!changed && commits == 2 && strstr(resp, "\"bridge\":\"xapi0\""),
          "list: %s", resp);
    free(resp);

    char *before = unit_db_text(&db);
    req = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"network-create\","
          "\"params\":{\"name-label\":\"net1\"}}";
    resp = xapi_handle_line(&db, &env, req, strlen(req), failing_commit, NULL,
                            &changed);
    char *after = unit_db_text(&db);
    CHECK(!changed && strstr(resp, "\"code\":3") && strstr(resp, "disk full")
              && !strcmp(before, after),
          "failed commit: %s", resp);
    free(resp);
    free(before);
    free(after);

    req = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"network-create\","
          "\"params\":{\"name-label\":\"x\",\"MTU\":\"99999\"}}";
    resp = xapi_handle_line(&db, &env, req, strlen(req), NULL, NULL, &changed);
    CHECK(strstr(resp, "\"id\":4") && strstr(resp, "\"code\":1")
              && strstr(resp, "MTU: 99999 is outside 68..9216"),
          "rejected: %s", resp);
    free(resp);

    req = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"nope\"}";
    resp = xapi_handle_line(&db, &env, req, strlen(req), NULL, NULL, &changed);
    CHECK(strstr(resp, "\"code\":2") && strstr(resp, "unknown method"),
          "unknown method: %s", resp);
    free(resp);

    req = "{\"jsonrpc\":\"2.0\",\"id\":6,";
    resp = xapi_handle_line(&db, &env, req, strlen(req), NULL, NULL, &changed);
    CHECK(strstr(resp, "\"code\":2") && strstr(resp, "\"id\":null"),
          "garbage: %s", resp);
    free(resp);
    xrec_db_destroy(&db);
}

void
test_api_register(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(rejects); i++) {
        char *name = xasprintf("api-reject-%s", rejects[i].name);
        unit_add(name, test_reject, &rejects[i]);
        free(name);
    }
    for (size_t i = 0; i < ARRAY_SIZE(usages); i++) {
        char *name = xasprintf("api-usage-%s", usages[i].name);
        unit_add(name, test_usage, &usages[i]);
        free(name);
    }
    unit_add("api-usage-shapes", test_usage_shapes, NULL);
    unit_add("api-network-create", test_network_create, NULL);
    unit_add("api-pif-scan", test_pif_scan, NULL);
    unit_add("api-pif-scan-mac", test_pif_scan_mac, NULL);
    unit_add("api-pif-introduce-forget", test_pif_introduce_forget, NULL);
    unit_add("api-list-filter", test_list_filter, NULL);
    unit_add("api-vlan-lifecycle", test_vlan_lifecycle, NULL);
    unit_add("api-vif-lifecycle", test_vif_lifecycle, NULL);
    unit_add("api-handle-line", test_handle_line, NULL);
}
