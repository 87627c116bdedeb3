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

/* Runs 'method' with space-separated "key=value" arguments. */
static int OVS_PRINTF_FORMAT(3, 4)
    callf(struct xrec_db *db, const char *method, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *line = xvasprintf(format, args);
    va_end(args);

    const char *argv[16];
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, " ", &save); tok && n < 16;
         tok = strtok_r(NULL, " ", &save)) {
        argv[n++] = tok;
    }
    int code = unit_callv(db, method, argv, n);
    free(line);
    return code;
}

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
    callf(db, "pif-scan", "%s", "");
    callf(db, "pif-list", "device=xovsnic1 params=uuid");
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
    CHECK(callf(&db, "pif-param-set",
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
    CHECK(callf(&db, "pif-param-add",
                "uuid=%s param-name=other-config ethtool-duplex=double", pif),
          "ethtool-duplex=double accepted");
    CHECK(error_has("ethtool-duplex: \"double\" is not half or full"),
          "error: %s", unit_error);

    CHECK(!callf(&db, "pif-param-set",
                 "uuid=%s other-config:ethtool-gro=off "
                 "other-config:ethtool-speed=1000",
                 pif),
          "good ethtool settings refused: %s", unit_error);
    const struct xrec_pif *p = xrec_find_pif(&db, pif);
    CHECK(!strcmp(smap_get_def(&p->other_config, "ethtool-gro", ""), "off"),
          "ethtool-gro not stored");

    /* The ethtool field is there (empty: no such NIC here). */
    CHECK(!callf(&db, "pif-list", "uuid=%s", pif), "pif-list");
    struct json_object *row = json_object_array_get_idx(unit_result, 0), *m;
    CHECK(json_object_object_get_ex(row, "ethtool", &m)
              && json_object_is_type(m, json_type_object),
          "pif-list has no ethtool map");
    free(pif);
    xrec_db_destroy(&db);
}

void
test_pif_nic_register(void)
{
    unit_add("pif-nic-ethtool-values", test_ethtool_values, NULL);
    unit_add("pif-nic-ethtool-api", test_ethtool_api, NULL);
}
