/* tests/unit/test-records.c: records JSON, the store, pif-scan filtering and
 * the RPC line helpers. */

#include <config.h>
#include "tests/unit/unit-tests.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/pifscan.h"
#include "agent/records.h"
#include "agent/rpc.h"
#include "agent/store.h"
#include "util.h"

#define NET_UUID "11111111-1111-4111-8111-111111111111"
#define VIF_UUID "22222222-2222-4222-8222-222222222222"
#define VM_UUID "33333333-3333-4333-8333-333333333333"

/* Builds a database with one record of every kind through the API. */
static void
populate(struct xrec_db *db)
{
    unit_nics[0] = (struct xpif_link){"eth1", "02:00:00:00:01:01", 1500, true};
    unit_n_nics = 1;
    unit_call(db, "pif-scan", NULL);
    char *eth1_net = xasprintf("uuid=%s", db->pifs[0]->network);
    unit_call(db, "network-param-set", eth1_net, "MTU=9000", NULL);
    free(eth1_net);
    unit_call(db, "network-create", "name-label=v10", "MTU=9000",
              "other-config:vswitch-disable-in-band=true", NULL);
    char *net = xstrdup(unit_result_uuid());
    char *pif_arg = xasprintf("pif-uuid=%s", db->pifs[0]->uuid);
    char *net_arg = xasprintf("network-uuid=%s", net);
    unit_call(db, "vlan-create", pif_arg, net_arg, "vlan=10", NULL);
    unit_call(db, "vif-create", "vm-uuid=" VM_UUID, "domid=3", "device=0",
              net_arg, "mac=02:00:00:00:00:0A", "locking-mode=locked",
              "ipv4-allowed=198.18.0.1,198.18.0.2",
              "ipv6-allowed=fe80::0:1,2001:db8::1", "other-config:a=b", NULL);
    char *eth1_arg = xasprintf("network-uuid=%s", db->pifs[0]->network);
    unit_call(db, "vif-create", "vm-uuid=" VM_UUID, "domid=3", "device=1",
              eth1_arg, "mac=02:00:00:00:00:0B", "trunks=20-22,10",
              "vlan-mode=native-tagged", "native-vlan=7", NULL);
    free(eth1_arg);
    free(net);
    free(pif_arg);
    free(net_arg);
}

static void
test_roundtrip(const void *aux OVS_UNUSED)
{
    struct xrec_db db, db2, db3;

    xrec_db_init(&db);
    populate(&db);
    CHECK(db.n_networks == 2 && db.n_pifs == 2 && db.n_vlans == 1
              && db.n_vifs == 2 && db.vifs[1]->trunks
              && !strcmp(db.vifs[1]->trunks, "10,20-22")
              && db.vifs[1]->native_vlan == 7,
          "populate made %zu/%zu/%zu/%zu records", db.n_networks, db.n_pifs,
          db.n_vlans, db.n_vifs);

    char *text = unit_db_text(&db);
    struct json_object *json = json_tokener_parse(text);
    xrec_db_init(&db2);
    char *error = xrec_db_from_json(json, &db2);
    json_object_put(json);
    CHECK(!error, "from_json: %s", error);
    char *text2 = unit_db_text(&db2);
    CHECK(!strcmp(text, text2), "round trip differs:\n%s\n%s", text, text2);

    xrec_db_clone(&db3, &db2);
    char *text3 = unit_db_text(&db3);
    CHECK(!strcmp(text, text3), "clone differs");
    CHECK(!strcmp(db3.vifs[0]->mac, "02:00:00:00:00:0a"),
          "MAC not canonical: %s", db3.vifs[0]->mac);
    CHECK(!strcmp(db3.vifs[0]->ipv6_allowed.names[0], "fe80::1"),
          "IPv6 not canonical: %s", db3.vifs[0]->ipv6_allowed.names[0]);
    free(text);
    free(text2);
    free(text3);
    xrec_db_destroy(&db);
    xrec_db_destroy(&db2);
    xrec_db_destroy(&db3);
}

/* from_json must reject each of these documents with a message containing
 * 'expect'. */
struct bad_doc {
    const char *name;
    const char *json;
    const char *expect;
};

#define NET(EXTRA)                                                            \
    "{\"uuid\":\"" NET_UUID                                                   \
    "\",\"name_label\":\"n\",\"bridge\":\"xapi0\"" EXTRA "}"
#define VIF(EXTRA)                                                            \
    "{\"uuid\":\"" VIF_UUID "\",\"VM\":\"" VM_UUID "\",\"domid\":1,"          \
    "\"device\":0,\"network\":\"" NET_UUID                                    \
    "\",\"MAC\":\"02:00:00:00:00:01\"" EXTRA "}"
#define DOC(NETS, VIFS)                                                       \
    "{\"version\":1,\"networks\":[" NETS "],\"vifs\":[" VIFS "]}"

static const struct bad_doc bad_docs[] = {
    {"vif-mtu", DOC(NET(""), VIF(",\"MTU\":99999")),
     "VIF " VIF_UUID ": field MTU: 99999 is outside 68..9216"},
    {"network-mtu", DOC(NET(",\"MTU\":10"), ""),
     "network " NET_UUID ": field MTU: 10 is outside 68..9216"},
    {"mtu-type", DOC(NET(",\"MTU\":\"1500\""), ""),
     "field MTU: expected int, got string"},
    {"unknown-field", DOC(NET(",\"colour\":1"), ""),
     "field colour: unknown field"},
    {"dangling-network", DOC("", VIF("")),
     "VIF " VIF_UUID ": field network: no network with uuid"},
    {"bad-mac", DOC(NET(""), VIF(",\"MAC\":\"02:00:00:00:00\"")),
     "field MAC: "},
    {"duplicate-key", DOC(NET(""), VIF("") "," VIF("")),
     "uuid is used by two records"},
    {"bad-bridge", DOC(NET(",\"bridge\":\"a b\""), ""), "field bridge: "},
    {"bad-locking", DOC(NET(""), VIF(",\"locking_mode\":\"open\"")),
     "field locking_mode: "},
    {"bad-ip", DOC(NET(""), VIF(",\"ipv4_allowed\":[\"1.2.3\"]")),
     "field ipv4_allowed: "},
    {"bad-trunks", DOC(NET(""), VIF(",\"trunks\":\"10,5000\"")),
     "field trunks: \"5000\" is not a VLAN tag"},
    {"trunk-native-missing",
     DOC(NET(""), VIF(",\"trunks\":\"10\",\"vlan_mode\":\"native-tagged\"")),
     "field trunks: native-vlan: vlan-mode native-tagged needs"},
    {"bad-promiscuous",
     DOC(NET(""), VIF(",\"other_config\":{\"promiscuous\":\"yes\"}")),
     "promiscuous: \"yes\" is not true or false"},
    {"bad-dpdk", DOC(NET(",\"other_config\":{\"xovs-dpdk\":\"1\"}"), ""),
     "xovs-dpdk: \"1\" is not true or false"},
    {"dpdk-devargs-other-vif",
     DOC(NET(""), VIF(",\"dpdk_devargs\":\"net_xovs_2_0,path=/run/"
                      "vif2.0.sock\"")),
     "field dpdk_devargs: \"net_xovs_2_0,path=/run/vif2.0.sock\" does not "
     "start with net_xovs_1_0,path=/"},
    {"dpdk-devargs-other-driver",
     DOC(NET(""), VIF(",\"dpdk_devargs\":\"net_pcap0,rx_pcap=/etc/"
                      "shadow\"")),
     "field dpdk_devargs: \"net_pcap0"},
    {"dpdk-devargs-extra-args",
     DOC(NET(""), VIF(",\"dpdk_devargs\":\"net_xovs_1_0,path=/run/"
                      "vif1.0.sock,x=1\"")),
     "is not an absolute path of at most 200 bytes"},
    {"dpdk-devargs-dotdot",
     DOC(NET(""), VIF(",\"dpdk_devargs\":\"net_xovs_1_0,path=/run/../"
                      "vif1.0.sock\"")),
     "is not an absolute path of at most 200 bytes"},
    {"dpdk-queues-range",
     DOC(NET(""), VIF(",\"dpdk_devargs\":\"net_xovs_1_0,path=/run/"
                      "vif1.0.sock\",\"dpdk_queues\":17")),
     "field dpdk_queues: 17 is outside 1..16"},
    {"dpdk-queues-zero",
     DOC(NET(""), VIF(",\"dpdk_devargs\":\"net_xovs_1_0,path=/run/"
                      "vif1.0.sock\",\"dpdk_queues\":0")),
     "field dpdk_queues: 0 is outside 1..16"},
    {"dpdk-queues-without-devargs", DOC(NET(""), VIF(",\"dpdk_queues\":4")),
     "field dpdk_queues: 4 queues given without dpdk-devargs"},
    {"missing-uuid", "{\"version\":1,\"networks\":[{}]}",
     "network #0: field uuid: missing"},
    {"version", "{\"version\":2}", "version: 2 is not supported"},
    {"not-object", "[1]", "expected a JSON object"},
    {"unknown-table", "{\"version\":1,\"gizmos\":[]}", "unknown member"},
};

static void
test_bad_doc(const void *aux)
{
    const struct bad_doc *d = aux;
    struct json_object *json = json_tokener_parse(d->json);
    struct xrec_db db;

    CHECK(json, "test document does not parse: %s", d->json);
    xrec_db_init(&db);
    char *error = xrec_db_from_json(json, &db);
    json_object_put(json);
    CHECK(error, "accepted");
    CHECK(strstr(error, d->expect), "message \"%s\" lacks \"%s\"", error,
          d->expect);
    CHECK(!db.n_networks && !db.n_vifs, "db not left empty");
    free(error);
}

/* other-config:xovs-dpdk: the VIF's key over its network's, default off;
 * vif-plug keeps only the VIF's own net_xovs devargs, vif-unplug drops
 * them, and the devargs survive the store's round trip. */
static void
test_vif_dpdk(const void *aux OVS_UNUSED)
{
    struct xrec_db db, db2;

    xrec_db_init(&db);
    unit_call(&db, "network-create", "name-label=n", NULL);
    char *net_uuid = xasprintf("uuid=%s", unit_result_uuid());
    char *net_arg = xasprintf("network-uuid=%s", unit_result_uuid());
    unit_call(&db, "vif-create", "vm-uuid=" VM_UUID, "domid=1", "device=0",
              net_arg, "mac=02:00:00:00:00:01", NULL);
    char *vif_uuid = xasprintf("uuid=%s", unit_result_uuid());
    struct xrec_vif *vif = db.vifs[0];
    const struct xrec_network *net = db.networks[0];

    CHECK(!xrec_vif_dpdk(vif, net), "DPDK without any key");
    unit_call(&db, "network-param-set", net_uuid,
              "other-config:xovs-dpdk=true", NULL);
    CHECK(xrec_vif_dpdk(vif, net), "the network's key is not used");
    unit_call(&db, "vif-param-set", vif_uuid, "other-config:xovs-dpdk=false",
              NULL);
    CHECK(!xrec_vif_dpdk(vif, net), "the VIF's key does not win");
    CHECK(unit_call(&db, "vif-param-set", vif_uuid,
                    "other-config:xovs-dpdk=on", NULL),
          "xovs-dpdk=on accepted");

    CHECK(unit_call(&db, "vif-plug", vif_uuid,
                    "dpdk-devargs=net_xovs_2_0,path=/run/vif2.0.sock", NULL),
          "another VIF's devargs accepted");
    CHECK(!vif->currently_attached && !vif->dpdk_devargs,
          "a refused plug changed the VIF");
    CHECK(!unit_call(&db, "vif-plug", vif_uuid,
                     "dpdk-devargs=net_xovs_1_0,path=/run/d/vif1.0.sock",
                     NULL),
          "plug with devargs refused");
    CHECK(vif->dpdk_devargs
              && !strcmp(vif->dpdk_devargs,
                         "net_xovs_1_0,path=/run/d/vif1.0.sock"),
          "devargs not kept");
    CHECK(!vif->dpdk_queues, "queues without dpdk-queues=");

    /* dpdk-queues: 1..16, only with the devargs; a refusal changes
     * nothing. */
    static const char *const bad_queues[]
        = {"dpdk-queues=0", "dpdk-queues=17", "dpdk-queues=four",
           "dpdk-queues=", "dpdk-queues=-1"};
    for (size_t i = 0; i < ARRAY_SIZE(bad_queues); i++) {
        CHECK(unit_call(&db, "vif-plug", vif_uuid,
                        "dpdk-devargs=net_xovs_1_0,path=/run/d/vif1.0.sock",
                        bad_queues[i], NULL),
              "%s accepted", bad_queues[i]);
        CHECK(!vif->dpdk_queues, "a refused %s changed the VIF",
              bad_queues[i]);
    }
    CHECK(unit_call(&db, "vif-plug", vif_uuid, "dpdk-queues=4", NULL),
          "dpdk-queues without dpdk-devargs accepted");
    CHECK(vif->dpdk_devargs && !vif->dpdk_queues,
          "a refused plug without devargs changed the VIF");
    CHECK(!unit_call(&db, "vif-plug", vif_uuid,
                     "dpdk-devargs=net_xovs_1_0,path=/run/d/vif1.0.sock",
                     "dpdk-queues=4", NULL),
          "plug with dpdk-queues=4 refused");
    CHECK(vif->dpdk_queues == 4, "queues not kept: %d", vif->dpdk_queues);

    char *text = unit_db_text(&db);
    struct json_object *json = json_tokener_parse(text);
    xrec_db_init(&db2);
    char *error = xrec_db_from_json(json, &db2);
    json_object_put(json);
    CHECK(!error && db2.vifs[0]->dpdk_devargs
              && !strcmp(db2.vifs[0]->dpdk_devargs, vif->dpdk_devargs),
          "devargs lost in the round trip: %s", error);
    CHECK(!error && db2.vifs[0]->dpdk_queues == 4,
          "queues lost in the round trip");
    free(text);
    xrec_db_destroy(&db2);

    unit_call(&db, "vif-unplug", vif_uuid, NULL);
    CHECK(!vif->dpdk_devargs, "devargs kept after unplug");
    CHECK(!vif->dpdk_queues, "queues kept after unplug");
    xrec_db_destroy(&db);
    free(net_uuid);
    free(net_arg);
    free(vif_uuid);
}

/* ---------------------------------------------------------------------- */
/* Store. */

static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = xzalloc(1 << 20);
    if (f) {
        size_t n = fread(buf, 1, (1 << 20) - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
    return buf;
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static void
test_store_roundtrip(const void *aux OVS_UNUSED)
{
    char *dir = unit_tmpdir();
    char *path = xasprintf("%s/records.json", dir);
    struct xrec_db db, db2;

    xrec_db_init(&db);
    xrec_db_init(&db2);
    char *error = xstore_load(path, &db2);
    CHECK(!error && !db2.n_networks, "missing file: %s", error);

    populate(&db);
    error = xstore_save(path, &db);
    CHECK(!error, "save: %s", error);
    CHECK(access(path, F_OK) == 0, "no file after save");
    char *tmp = xasprintf("%s.tmp", path);
    CHECK(access(tmp, F_OK) != 0, "temporary file left behind");
    error = xstore_load(path, &db2);
    CHECK(!error, "load: %s", error);
    char *a = unit_db_text(&db), *b = unit_db_text(&db2);
    CHECK(!strcmp(a, b), "loaded records differ");

    free(a);
    free(b);
    free(tmp);
    free(path);
    xrec_db_destroy(&db);
    xrec_db_destroy(&db2);
    unit_rmdir(dir);
}

/* Writes 'content' (or, if NULL, a saved database cut to half its length)
 * to a store file and checks that loading refuses it with 'expect', leaves
 * the database empty and the file untouched. */
static void
check_store_refused(const char *content, const char *expect)
{
    char *dir = unit_tmpdir();
    char *path = xasprintf("%s/records.json", dir);
    struct xrec_db db;

    xrec_db_init(&db);
    if (content) {
        write_file(path, content);
    } else {
        populate(&db);
        char *error = xstore_save(path, &db);
        CHECK(!error, "save: %s", error);
        xrec_db_destroy(&db);
        struct stat st;
        CHECK(!stat(path, &st), "stat");
        CHECK(!truncate(path, st.st_size / 2), "truncate");
    }

    char *before = read_file(path);
    char *error = xstore_load(path, &db);
    char *after = read_file(path);
    CHECK(error, "refusable store accepted");
    CHECK(strstr(error, expect), "message \"%s\" lacks \"%s\"", error, expect);
    CHECK(strstr(error, "refusing to start: fix or move it away"),
          "message \"%s\" does not say what to do", error);
    CHECK(strstr(error, path), "message \"%s\" does not name the file", error);
    CHECK(!db.n_networks && !db.n_pifs, "db not left empty");
    CHECK(!strcmp(before, after), "store file was modified");
    free(error);
    free(before);
    free(after);
    free(path);
    unit_rmdir(dir);
}

static void
test_store_torn(const void *aux OVS_UNUSED)
{
    check_store_refused(NULL, "is corrupt (json parse error at byte");
}

static void
test_store_corrupt(const void *aux OVS_UNUSED)
{
    check_store_refused("{\"version\":1,\"networks\":[}", "is corrupt");
}

static void
test_store_garbage_tail(const void *aux OVS_UNUSED)
{
    check_store_refused("{\"version\":1} xx", "trailing data");
}

static void
test_store_empty(const void *aux OVS_UNUSED)
{
    check_store_refused("", "file is empty");
}

static void
test_store_invalid(const void *aux OVS_UNUSED)
{
    check_store_refused(DOC(NET(",\"MTU\":99999"), ""),
                        "is invalid (network " NET_UUID
                        ": field MTU: 99999 is outside 68..9216)");
}

static void
test_store_save_error(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    xrec_db_init(&db);
    char *error = xstore_save("/nonexistent-dir/x/records.json", &db);
    CHECK(error && strstr(error, "/nonexistent-dir/x/records.json"),
          "save into a missing directory: %s", error ? error : "accepted");
    free(error);
}

/* ---------------------------------------------------------------------- */
/* pif-scan's link filter. */

static void
test_pifscan_filter(const void *aux OVS_UNUSED)
{
    CHECK(xpif_is_nic("eth1", NULL, ARPHRD_ETHER, 0), "real NIC refused");
    CHECK(xpif_is_nic("eth1", "veth", ARPHRD_ETHER, 0), "veth refused");
    CHECK(!xpif_is_nic("lo", NULL, ARPHRD_LOOPBACK, IFF_LOOPBACK), "lo");
    CHECK(!xpif_is_nic("br0", "bridge", ARPHRD_ETHER, 0), "bridge");
    CHECK(!xpif_is_nic("t0", "tun", ARPHRD_ETHER, 0), "tap");
    CHECK(!xpif_is_nic("ovs-system", "openvswitch", ARPHRD_ETHER, 0), "ovs");
    CHECK(!xpif_is_nic("ovs-netdev", NULL, ARPHRD_ETHER, 0), "ovs-netdev");
    CHECK(!xpif_is_nic("xenbr0", NULL, ARPHRD_ETHER, 0), "xenbr0");
    CHECK(!xpif_is_nic("xapi3", NULL, ARPHRD_ETHER, 0), "xapi3");
    CHECK(!xpif_is_nic("vif1.0", "veth", ARPHRD_ETHER, 0), "vif1.0");
    CHECK(!xpif_is_nic("tap1.0", NULL, ARPHRD_ETHER, 0), "tap1.0");
    CHECK(!xpif_is_nic("eth1.10", "vlan", ARPHRD_ETHER, 0), "vlan device");
    CHECK(!xpif_is_nic("ip6tnl0", NULL, ARPHRD_TUNNEL6, 0), "tunnel");
}

/* ---------------------------------------------------------------------- */
/* RPC lines. */

static void
test_rpc_lines(const void *aux OVS_UNUSED)
{
    struct json_object *params = json_object_new_object();
    json_object_object_add(params, "name-label",
                           json_object_new_string("a/b"));
    char *line = xrpc_request_line(7, "network-create", params);
    CHECK(!strcmp(line, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
                        "\"network-create\",\"params\":{\"name-label\":"
                        "\"a/b\"}}\n"),
          "request line: %s", line);

    struct json_object *req, *id, *p;
    const char *method;
    char *error
        = xrpc_parse_request(line, strlen(line), &req, &id, &method, &p);
    CHECK(!error, "parse request: %s", error);
    CHECK(!strcmp(method, "network-create") && json_object_get_int(id) == 7,
          "parsed request wrong");

    char *resp = xrpc_error_line(id, XRPC_REJECTED, "MTU: bad");
    struct json_object *r, *result;
    const char *message;
    int code;
    error = xrpc_parse_response(resp, strlen(resp) - 1, &r, &code, &result,
                                &message);
    CHECK(!error && code == 1 && !strcmp(message, "MTU: bad"),
          "error response: %s", resp);
    json_object_put(r);
    free(resp);

    resp = xrpc_result_line(id, NULL);
    error = xrpc_parse_response(resp, strlen(resp), &r, &code, &result,
                                &message);
    CHECK(!error && code == 0 && !result, "null result: %s", resp);
    json_object_put(r);
    free(resp);
    json_object_put(req);

    const char *bad = "{\"id\":3,\"method\":1}";
    error = xrpc_parse_request(bad, strlen(bad), &req, &id, &method, &p);
    CHECK(error && json_object_get_int(id) == 3, "bad request accepted");
    free(error);
    json_object_put(req);
    bad = "{\"jsonrpc\":\"2.0\"";
    error = xrpc_parse_request(bad, strlen(bad), &req, &id, &method, &p);
    CHECK(error && !req, "torn request accepted");
    free(error);

    struct json_object *v = json_tokener_parse("{\"a\":\"b\",\"c\":\"d\"}");
    char *text = xrpc_value_to_text(v);
    CHECK(!strcmp(text, "a: b; c: d"), "map text: %s", text);
    free(text);
    json_object_put(v);
    v = json_tokener_parse("[\"x\",\"y\"]");
    text = xrpc_value_to_text(v);
    CHECK(!strcmp(text, "x; y"), "set text: %s", text);
    free(text);
    json_object_put(v);

    free(line);
    json_object_put(params);
}

void
test_records_register(void)
{
    unit_add("records-roundtrip", test_roundtrip, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(bad_docs); i++) {
        char *name = xasprintf("records-reject-%s", bad_docs[i].name);
        unit_add(name, test_bad_doc, &bad_docs[i]);
        free(name);
    }
    unit_add("records-vif-dpdk", test_vif_dpdk, NULL);
    unit_add("store-roundtrip", test_store_roundtrip, NULL);
    unit_add("store-torn-refused", test_store_torn, NULL);
    unit_add("store-corrupt-refused", test_store_corrupt, NULL);
    unit_add("store-trailing-garbage-refused", test_store_garbage_tail, NULL);
    unit_add("store-empty-refused", test_store_empty, NULL);
    unit_add("store-invalid-refused", test_store_invalid, NULL);
    unit_add("store-save-error", test_store_save_error, NULL);
    unit_add("pifscan-filter", test_pifscan_filter, NULL);
    unit_add("rpc-lines", test_rpc_lines, NULL);
}
