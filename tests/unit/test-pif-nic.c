/* tests/unit/test-pif-nic.c: a PIF's NIC settings (issue 15 item 4,
 * api-ethtool.c, records-ethtool.c) and its management IP configuration
 * (item 6, api-pif-ip.c): what the API accepts, refuses and stores. */
#include <config.h>

#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/records-ethtool.h"
#include "agent/records.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

/* A host with NIC xovsnic1 (a name no test machine has, so reading its
 * settings finds nothing) scanned into a PIF; returns its uuid. */
static char *
setup(struct xrec_db *db)
{
    xrec_db_init(db);
    unit_nics[0]
        = (struct xpif_link){"xovsnic1", "02:00:00:00:01:01", 1500, true};
    unit_nics[1]
        = (struct xpif_link){"xovsnic2", "02:00:00:00:01:02", 1500, true};
    unit_n_nics = 2;
    unit_callf(db, "pif-scan", "%s", "");
    unit_callf(db, "pif-list", "device=xovsnic1 params=uuid");
    struct json_object *row = json_object_array_get_idx(unit_result, 0);
    struct json_object *uuid;
    json_object_object_get_ex(row, "uuid", &uuid);
    return xstrdup(json_object_get_string(uuid));
}

/* Whether the last call's error contains 'want'. */
static bool
error_has(const char *want)
{
    return unit_error && strstr(unit_error, want);
}

static void
test_ethtool_values(const void *aux OVS_UNUSED)
{
    static const char *const good[][2] = {
        {"ethtool-gro", "on"},      {"ethtool-gro", "false"},
        {"ethtool-tso", "off"},     {"ethtool-autoneg", "true"},
        {"ethtool-speed", "10000"}, {"ethtool-duplex", "half"},
        {"colour", "anything"},
    };
    static const char *const bad[][3] = {
        {"ethtool-gro", "yes", "is not on, off, true or false"},
        {"ethtool-speed", "0", "is not a speed in Mb/s"},
        {"ethtool-speed", "-10", "is not a speed in Mb/s"},
        {"ethtool-speed", "1000x", "is not a speed in Mb/s"},
        {"ethtool-speed", "800001", "is not a speed in Mb/s"},
        {"ethtool-duplex", "full ", "is not half or full"},
        {"ethtool-foo", "on", "is not an ethtool setting"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        char *e = xrec_check_ethtool(good[i][0], good[i][1]);
        CHECK(!e, "%s=%s refused: %s", good[i][0], good[i][1], e);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *e = xrec_check_ethtool(bad[i][0], bad[i][1]);
        bool ok = e && strstr(e, bad[i][2]);
        free(e);
        CHECK(ok, "%s=%s not refused as '%s'", bad[i][0], bad[i][1],
              bad[i][2]);
    }
    CHECK(xrec_ethtool_is_on("true") && !xrec_ethtool_is_on("off"), "is_on");
}

static void
test_ethtool_api(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *pif = setup(&db);

    /* A bad value is refused whole, naming the key; nothing is kept. */
    char *before = unit_db_text(&db);
    CHECK(unit_callf(&db, "pif-param-set",
                     "uuid=%s other-config:ethtool-tso=off "
                     "other-config:ethtool-gro=maybe",
                     pif),
          "ethtool-gro=maybe accepted");
    CHECK(error_has("other-config:ethtool-gro: \"maybe\" is not on, off"),
          "error: %s", unit_error);
    char *after = unit_db_text(&db);
    CHECK(!strcmp(before, after), "a refused call changed the records");
    free(before);
    free(after);

    /* Through the generic verb too. */
    CHECK(unit_callf(&db, "pif-param-add",
                     "uuid=%s param-name=other-config ethtool-duplex=double",
                     pif),
          "ethtool-duplex=double accepted");
    CHECK(error_has("ethtool-duplex: \"double\" is not half or full"),
          "error: %s", unit_error);

    CHECK(!unit_callf(&db, "pif-param-set",
                      "uuid=%s other-config:ethtool-gro=off "
                      "other-config:ethtool-speed=1000",
                      pif),
          "good ethtool settings refused: %s", unit_error);
    const struct xrec_pif *p = xrec_find_pif(&db, pif);
    CHECK(!strcmp(smap_get_def(&p->other_config, "ethtool-gro", ""), "off"),
          "ethtool-gro not stored");

    /* properties:gro, xapi's PIF.properties. */
    CHECK(unit_callf(&db, "pif-param-set", "uuid=%s properties:gro=yes", pif),
          "properties:gro=yes accepted");
    CHECK(error_has("properties:gro: \"yes\" is not on or off"), "error: %s",
          unit_error);
    CHECK(!unit_callf(&db, "pif-param-set", "uuid=%s properties:gro=off", pif),
          "properties:gro=off refused: %s", unit_error);
    CHECK(xrec_find_pif(&db, pif)->gro == XREC_GRO_OFF, "gro not stored");
    struct json_object *json = xrec_db_to_json(&db);
    struct xrec_db copy;
    xrec_db_init(&copy);
    char *error = xrec_db_from_json(json, &copy);
    CHECK(!error && xrec_find_pif(&copy, pif)->gro == XREC_GRO_OFF,
          "gro lost in the store: %s", error ? error : "");
    xrec_db_destroy(&copy);
    json_object_put(json);
    CHECK(!unit_callf(&db, "pif-param-set", "uuid=%s properties:gro=", pif),
          "properties:gro= refused: %s", unit_error);
    CHECK(xrec_find_pif(&db, pif)->gro == XREC_GRO_UNSET, "gro not unset");

    /* The ethtool field is there (empty: no such NIC here). */
    CHECK(!unit_callf(&db, "pif-list", "uuid=%s", pif), "pif-list");
    struct json_object *row = json_object_array_get_idx(unit_result, 0), *m;
    CHECK(json_object_object_get_ex(row, "ethtool", &m)
              && json_object_is_type(m, json_type_object),
          "pif-list has no ethtool map");
    free(pif);
    xrec_db_destroy(&db);
}

static void
test_pif_ip(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    char *pif = setup(&db);

    unit_callf(&db, "pif-list", "device=xovsnic2 params=uuid");
    struct json_object *row = json_object_array_get_idx(unit_result, 0), *v;
    json_object_object_get_ex(row, "uuid", &v);
    char *pif2 = xstrdup(json_object_get_string(v));

    /* Bad input: refused naming the field, nothing changes. */
    static const char *const bad[][2] = {
        {"mode=static IP=198.18.1.256 netmask=255.255.255.0", "IP: "},
        {"mode=static IP=198.18.1.1 netmask=255.255.0.255", "netmask: "},
        {"mode=static IP=198.18.1.1 netmask=0.0.0.0", "netmask: "},
        {"mode=static IP=198.18.1.1", "netmask: required"},
        {"mode=static netmask=255.255.255.0", "IP: required"},
        {"mode=static IP=198.18.1.255 netmask=255.255.255.0",
         "IP: 198.18.1.255 is the broadcast address"},
        {"mode=static IP=198.18.1.1 netmask=255.255.255.0 "
         "gateway=198.18.2.1",
         "gateway: 198.18.2.1 is not another address"},
        {"mode=static IP=198.18.1.1 netmask=255.255.255.0 DNS=a,b", "DNS: "},
        {"mode=static IP=198.18.1.1 netmask=255.255.255.0 "
         "DNS=198.18.0.1,198.18.0.2,198.18.0.3,198.18.0.4",
         "DNS: more than 3 servers"},
        {"mode=Foo", "mode: \"Foo\" is not none, dhcp or static"},
        {"mode=autoconf", "mode: "},
        {"mode=dhcp", "mode: dhcp is not supported"},
        {"mode=none gateway=198.18.1.1", "gateway: only with mode=static"},
    };
    char *before = unit_db_text(&db);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        CHECK(unit_callf(&db, "pif-reconfigure-ip", "uuid=%s %s", pif,
                         bad[i][0]),
              "accepted: %s", bad[i][0]);
        CHECK(error_has(bad[i][1]), "%s: error '%s', want '%s'", bad[i][0],
              unit_error, bad[i][1]);
    }
    CHECK(unit_callf(&db, "pif-reconfigure-ipv6",
                     "uuid=%s mode=static IPv6=fe80::1/64", pif),
          "link-local IPv6 accepted");
    CHECK(error_has("IPv6: fe80::1 is not a unicast global"), "error: %s",
          unit_error);
    CHECK(unit_callf(&db, "host-management-reconfigure", "pif-uuid=%s", pif),
          "management on a PIF without IP accepted");
    char *after = unit_db_text(&db);
    CHECK(!strcmp(before, after), "a refused call changed the records");
    free(before);
    free(after);

    /* Good input, stored canonical, kept across the store. */
    CHECK(
        !unit_callf(&db, "pif-reconfigure-ip",
                    "uuid=%s mode=STATIC IP=198.18.1.1 netmask=255.255.255.0 "
                    "gateway=198.18.1.254 DNS=198.18.0.53,2001:DB8::53",
                    pif),
        "static IP refused: %s", unit_error);
    CHECK(!unit_callf(&db, "pif-reconfigure-ipv6",
                      "uuid=%s mode=static IPv6=2001:DB8:1:0::1/64 "
                      "gateway=2001:db8:1::fe",
                      pif),
          "static IPv6 refused: %s", unit_error);
    CHECK(unit_callf(&db, "pif-reconfigure-ip",
                     "uuid=%s mode=static IP=198.18.1.1 netmask=255.255.0.0",
                     pif2),
          "a second PIF with the same IP accepted");
    CHECK(error_has("IP: 198.18.1.1 is already PIF"), "error: %s", unit_error);
    const struct xrec_pif *p = xrec_find_pif(&db, pif);
    CHECK(p->ip.mode == XREC_IP_STATIC
              && !strcmp(p->ip.netmask, "255.255.255.0"),
          "IPv4 not stored");
    CHECK(!strcmp(p->ip.dns, "198.18.0.53,2001:db8::53"), "DNS: %s",
          p->ip.dns);
    CHECK(!strcmp(p->ip.ipv6, "2001:db8:1::1/64"), "IPv6: %s", p->ip.ipv6);

    struct json_object *json = xrec_db_to_json(&db);
    struct xrec_db copy;
    xrec_db_init(&copy);
    char *error = xrec_db_from_json(json, &copy);
    CHECK(!error, "store round trip: %s", error);
    const struct xrec_pif *q = xrec_find_pif(&copy, pif);
    CHECK(q && !memcmp(&q->ip, &p->ip, sizeof q->ip),
          "IP configuration lost in the store");
    xrec_db_destroy(&copy);

    /* A bad value in a store is refused naming the field. */
    struct json_object *pifs, *jp;
    json_object_object_get_ex(json, "pifs", &pifs);
    CHECK(pifs, "no PIFs in the store");
    for (size_t i = 0; i < json_object_array_length(pifs); i++) {
        jp = json_object_array_get_idx(pifs, i);
        json_object_object_add(jp, "netmask",
                               json_object_new_string("255.0.255.0"));
    }
    xrec_db_init(&copy);
    error = xrec_db_from_json(json, &copy);
    CHECK(error && strstr(error, "netmask"), "bad stored netmask: %s",
          error ? error : "accepted");
    free(error);
    xrec_db_destroy(&copy);
    json_object_put(json);

    /* One management PIF. */
    CHECK(!unit_callf(&db, "pif-reconfigure-ipv6", "uuid=%s mode=autoconf",
                      pif2),
          "autoconf refused: %s", unit_error);
    CHECK(!unit_callf(&db, "host-management-reconfigure", "pif-uuid=%s", pif),
          "management: %s", unit_error);
    CHECK(!unit_callf(&db, "host-management-reconfigure", "pif-uuid=%s", pif2),
          "management move: %s", unit_error);
    CHECK(!xrec_find_pif(&db, pif)->management
              && xrec_find_pif(&db, pif2)->management,
          "management did not move");
    CHECK(!strcmp(xrec_find_pif(&db, pif)->ip.ip, "198.18.1.1"),
          "the old management PIF lost its IP");
    CHECK(!unit_callf(&db, "host-management-disable", "%s", ""), "disable");
    CHECK(!xrec_find_pif(&db, pif2)->management, "management not disabled");
    free(pif);
    free(pif2);
    xrec_db_destroy(&db);
}

void
test_pif_nic_register(void)
{
    unit_add("pif-nic-ip", test_pif_ip, NULL);
    unit_add("pif-nic-ethtool-values", test_ethtool_values, NULL);
    unit_add("pif-nic-ethtool-api", test_ethtool_api, NULL);
}
