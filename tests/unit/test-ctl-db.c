/* tests/unit/test-ctl-db.c: xovs-controller's request executor
 * (controller/ctl-db.c): every verb's accepted and rejected requests (a
 * rejection names the field and leaves the records exactly as they were),
 * the store refusing a bad file without replacing it, and a request line
 * whose store write fails changing nothing. */

#include <config.h>

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/rpc.h"
#include "controller/ctl-db-private.h"
#include "controller/ctl-db.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

#define VIF1 "5b0e7c1a-2f4d-4c8e-9a31-0d6e2b7f1c01"
#define VIF2 "5b0e7c1a-2f4d-4c8e-9a31-0d6e2b7f1c02"
#define VIF3 "5b0e7c1a-2f4d-4c8e-9a31-0d6e2b7f1c03"
#define VM1 "7c2a9e4b-1d3f-4a6c-8e05-3b9d1f7a2c01"
#define NOWHERE "00000000-0000-4000-8000-00000000dead"

static struct json_object *ctl_result;
static char *ctl_error;
static bool ctl_changed;

static const char *
status_applied(void *aux OVS_UNUSED, const char *uuid OVS_UNUSED)
{
    return "applied";
}

static bool
bound_true(void *aux OVS_UNUSED, const char *uuid OVS_UNUSED)
{
    return true;
}

static const struct ctl_env ctl_env = {
    .network_status = status_applied,
    .vif_status = status_applied,
    .vif_bound = bound_true,
};

/* Runs 'method' on 'db' with "key=value" arguments (NULL-terminated). */
static int SENTINEL(0)
    ctl_call(struct json_object *db, const char *method, ...)
{
    struct json_object *params = json_object_new_object();
    va_list ap;

    va_start(ap, method);
    for (const char *a; (a = va_arg(ap, const char *));) {
        const char *eq = strchr(a, '=');
        char *key = eq ? xmemdup0(a, eq - a) : xstrdup(a);
        json_object_object_add(params, key,
                               json_object_new_string(eq ? eq + 1 : ""));
        free(key);
    }
    va_end(ap);
    json_object_put(ctl_result);
    free(ctl_error);
    int code = ctl_db_call(db, &ctl_env, method, params, &ctl_result,
                           &ctl_error, &ctl_changed);
    json_object_put(params);
    return code;
}

static const char *
result_uuid(void)
{
    struct json_object *u;
    return (json_object_object_get_ex(ctl_result, "uuid", &u)
                ? json_object_get_string(u)
                : "");
}

static char *
db_text(struct json_object *db)
{
    return xstrdup(json_object_to_json_string_ext(db, JSON_C_TO_STRING_PLAIN));
}

/* A database with network "priv" (private), "lan" (physnet1, VLAN 20) and
 * VIF1 on priv with MAC 02:00:00:00:00:01; their uuids in 'priv', 'lan'. */
static struct json_object *
bed(char priv[37], char lan[37])
{
    struct json_object *db = ctl_db_new();
    ctl_call(db, "pool-network-create", "name-label=priv", NULL);
    ovs_strlcpy(priv, result_uuid(), 37);
    ctl_call(db, "pool-network-create", "name-label=lan",
             "physical-network=physnet1", "vlan=20", NULL);
    ovs_strlcpy(lan, result_uuid(), 37);
    char *net = xasprintf("network-uuid=%s", priv);
    ctl_call(db, "pool-vif-create", "uuid=" VIF1, net, "mac=02:00:00:00:00:01",
             "host=host1", NULL);
    free(net);
    return db;
}

/* A rejected or unusable request: 'code', an error starting with
 * 'field', the records unchanged. */
#define CHECK_REJECT(DB, CODE, FIELD, ...)                                    \
    do {                                                                      \
        char *before_ = db_text(DB);                                          \
        int code_ = ctl_call(DB, __VA_ARGS__, NULL);                          \
        char *after_ = db_text(DB);                                           \
        bool same_ = !strcmp(before_, after_);                                \
        free(before_);                                                        \
        free(after_);                                                         \
        CHECK(code_ == (CODE), "%s: code %d, expected %d (%s)", #__VA_ARGS__, \
              code_, CODE, ctl_error ? ctl_error : "no error");               \
        CHECK(ctl_error && !strncmp(ctl_error, FIELD, strlen(FIELD)),         \
              "%s: error '%s' does not start with '%s'", #__VA_ARGS__,        \
              ctl_error ? ctl_error : "", FIELD);                             \
        CHECK(!ctl_result && !ctl_changed, "%s: a result or a change",        \
              #__VA_ARGS__);                                                  \
        CHECK(same_, "%s: the records changed", #__VA_ARGS__);                \
    } while (0)

static size_t
table_len(struct json_object *db, const char *table)
{
    struct json_object *t;
    return (json_object_object_get_ex(db, table, &t)
                ? (size_t)json_object_object_length(t)
                : 0);
}

static void
test_network_create(const void *aux OVS_UNUSED)
{
    struct json_object *db = ctl_db_new();
    CHECK(!ctl_call(db, "pool-network-create", "name-label=priv",
                    "name-description=the private one", NULL),
          "create priv: %s", ctl_error);
    CHECK(ctl_changed && strlen(result_uuid()) == 36, "no uuid / no change");
    CHECK(!ctl_call(db, "pool-network-create", "name-label=lan",
                    "physical-network=physnet1", "vlan=0", NULL),
          "create lan vlan=0: %s", ctl_error);
    CHECK(!ctl_call(db, "pool-network-create", "name-label=lan2",
                    "physical-network=physnet1", "vlan=4094", NULL),
          "create lan2 vlan=4094: %s", ctl_error);
    CHECK(!ctl_call(db, "pool-network-create", "name-label=flat",
                    "physical-network=physnet1", NULL),
          "create flat: %s", ctl_error);
    CHECK(table_len(db, "networks") == 4, "4 networks expected");

    CHECK_REJECT(db, XRPC_USAGE, "name-label", "pool-network-create");
    CHECK_REJECT(db, XRPC_REJECTED, "name-label", "pool-network-create",
                 "name-label=");
    CHECK_REJECT(db, XRPC_REJECTED, "name-label", "pool-network-create",
                 "name-label=a\tb");
    CHECK_REJECT(db, XRPC_REJECTED, "name-label", "pool-network-create",
                 "name-label=priv");
    CHECK_REJECT(db, XRPC_REJECTED, "name-description", "pool-network-create",
                 "name-label=x", "name-description=a\nb");
    CHECK_REJECT(db, XRPC_REJECTED, "physical-network", "pool-network-create",
                 "name-label=x", "physical-network=phys net");
    CHECK_REJECT(db, XRPC_REJECTED, "vlan", "pool-network-create",
                 "name-label=x", "physical-network=physnet1", "vlan=4095");
    CHECK_REJECT(db, XRPC_REJECTED, "vlan", "pool-network-create",
                 "name-label=x", "physical-network=physnet1", "vlan=-1");
    CHECK_REJECT(db, XRPC_REJECTED, "vlan", "pool-network-create",
                 "name-label=x", "physical-network=physnet1", "vlan=12a");
    CHECK_REJECT(db, XRPC_REJECTED, "vlan", "pool-network-create",
                 "name-label=x", "physical-network=physnet1", "vlan=");
    CHECK_REJECT(db, XRPC_REJECTED, "vlan", "pool-network-create",
                 "name-label=x", "vlan=5");
    CHECK_REJECT(db, XRPC_USAGE, "colour", "pool-network-create",
                 "name-label=x", "colour=red");
    json_object_put(db);
}

static void
test_network_destroy(const void *aux OVS_UNUSED)
{
    char priv[37], lan[37];
    struct json_object *db = bed(priv, lan);
    char *u_priv = xasprintf("uuid=%s", priv);
    char *u_lan = xasprintf("uuid=%s", lan);

    CHECK_REJECT(db, XRPC_USAGE, "uuid", "pool-network-destroy");
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-network-destroy",
                 "uuid=not-a-uuid");
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-network-destroy",
                 "uuid=" NOWHERE);
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-network-destroy",
                 "uuid=" VIF1); /* a VIF's, not a network's */
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-network-destroy", u_priv);
    CHECK(strstr(ctl_error, "VIFs") && strstr(ctl_error, VIF1),
          "with VIFs: '%s' does not name the VIF", ctl_error);
    CHECK(!ctl_call(db, "pool-network-destroy", u_lan, NULL),
          "destroy lan: %s", ctl_error);
    CHECK(ctl_changed && table_len(db, "networks") == 1, "lan not destroyed");
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-network-destroy", u_lan);
    CHECK(!ctl_call(db, "pool-vif-destroy", "uuid=" VIF1, NULL),
          "destroy VIF1: %s", ctl_error);
    CHECK(!ctl_call(db, "pool-network-destroy", u_priv, NULL),
          "destroy priv without VIFs: %s", ctl_error);
    CHECK(table_len(db, "networks") == 0, "priv not destroyed");
    free(u_priv);
    free(u_lan);
    json_object_put(db);
}

static void
test_vif_create(const void *aux OVS_UNUSED)
{
    char priv[37], lan[37];
    struct json_object *db = bed(priv, lan);
    char *n_priv = xasprintf("network-uuid=%s", priv);
    char *n_lan = xasprintf("network-uuid=%s", lan);

    CHECK(!ctl_call(db, "pool-vif-create", "uuid=" VIF2, n_priv,
                    "mac=02:00:00:00:00:02", "host=host2", "vm-uuid=" VM1,
                    "ip-allowed=198.18.5.2,2001:DB8::2", NULL),
          "create VIF2: %s", ctl_error);
    CHECK(ctl_changed && !strcmp(result_uuid(), VIF2), "VIF2: result %s",
          result_uuid());
    /* The same MAC on another network is fine; upper case is stored lower. */
    CHECK(!ctl_call(db, "pool-vif-create", "uuid=" VIF3, n_lan,
                    "mac=02:00:00:00:00:0A", "host=host1", NULL),
          "create VIF3: %s", ctl_error);
    CHECK(strstr(json_object_to_json_string(db), "02:00:00:00:00:0a"),
          "MAC not stored in lower case");
    CHECK(strstr(json_object_to_json_string(db), "2001:db8::2"),
          "ip-allowed not canonical");

    static const char *const required[]
        = {"uuid", "network-uuid", "mac", "host"};
    const char *all[]
        = {"uuid=" NOWHERE, n_priv, "mac=02:00:00:00:00:09", "host=host1"};
    for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
        const char *a[3];
        size_t n = 0;
        for (size_t j = 0; j < ARRAY_SIZE(all); j++) {
            if (j != i) {
                a[n++] = all[j];
            }
        }
        CHECK_REJECT(db, XRPC_USAGE, required[i], "pool-vif-create", a[0],
                     a[1], a[2]);
    }
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-vif-create", "uuid=xyz",
                 n_priv, "mac=02:00:00:00:00:09", "host=host1");
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-vif-create", "uuid=" VIF1,
                 n_lan, "mac=02:00:00:00:00:09", "host=host1");
    CHECK_REJECT(db, XRPC_REJECTED, "network-uuid", "pool-vif-create",
                 "uuid=" NOWHERE, "network-uuid=" NOWHERE,
                 "mac=02:00:00:00:00:09", "host=host1");
    CHECK_REJECT(db, XRPC_REJECTED, "network-uuid", "pool-vif-create",
                 "uuid=" NOWHERE, "network-uuid=priv", "mac=02:00:00:00:00:09",
                 "host=host1");
    static const char *const bad_macs[]
        = {"mac=01:00:5e:00:00:01",  "mac=ff:ff:ff:ff:ff:ff",
           "mac=00:00:00:00:00:00",  "mac=02:00:00:00:00",
           "mac=02-00-00-00-00-09",  "mac=02:00:00:00:00:0g",
           "mac=02:00:00:00:00:090", "mac="};
    for (size_t i = 0; i < ARRAY_SIZE(bad_macs); i++) {
        CHECK_REJECT(db, XRPC_REJECTED, "mac", "pool-vif-create",
                     "uuid=" NOWHERE, n_priv, bad_macs[i], "host=host1");
    }
    CHECK_REJECT(db, XRPC_REJECTED, "mac", "pool-vif-create", "uuid=" NOWHERE,
                 n_priv, "mac=02:00:00:00:00:01", "host=host1");
    CHECK(strstr(ctl_error, VIF1), "duplicate MAC: '%s' does not name VIF1",
          ctl_error);
    CHECK_REJECT(db, XRPC_REJECTED, "host", "pool-vif-create", "uuid=" NOWHERE,
                 n_priv, "mac=02:00:00:00:00:09", "host=");
    CHECK_REJECT(db, XRPC_REJECTED, "host", "pool-vif-create", "uuid=" NOWHERE,
                 n_priv, "mac=02:00:00:00:00:09", "host=host 1");
    CHECK_REJECT(db, XRPC_REJECTED, "vm-uuid", "pool-vif-create",
                 "uuid=" NOWHERE, n_priv, "mac=02:00:00:00:00:09",
                 "host=host1", "vm-uuid=vm1");
    CHECK_REJECT(db, XRPC_REJECTED, "ip-allowed", "pool-vif-create",
                 "uuid=" NOWHERE, n_priv, "mac=02:00:00:00:00:09",
                 "host=host1", "ip-allowed=198.18.5.300");
    CHECK_REJECT(db, XRPC_REJECTED, "ip-allowed", "pool-vif-create",
                 "uuid=" NOWHERE, n_priv, "mac=02:00:00:00:00:09",
                 "host=host1", "ip-allowed=198.18.5.1,198.18.5.0/24");
    CHECK_REJECT(
        db, XRPC_REJECTED, "ip-allowed", "pool-vif-create", "uuid=" NOWHERE,
        n_priv, "mac=02:00:00:00:00:09", "host=host1",
        "ip-allowed=198.18.5.1,198.18.5.2,198.18.5.3,198.18.5.4,198.18.5.5,"
        "198.18.5.6,198.18.5.7,198.18.5.8,198.18.5.9,198.18.5.10,198.18.5.11,"
        "198.18.5.12,198.18.5.13,198.18.5.14,198.18.5.15,198.18.5.16,"
        "198.18.5.17");
    CHECK_REJECT(db, XRPC_USAGE, "domid", "pool-vif-create", "uuid=" NOWHERE,
                 n_priv, "mac=02:00:00:00:00:09", "host=host1", "domid=1");
    CHECK(table_len(db, "vifs") == 3, "%zu VIFs, expected 3",
          table_len(db, "vifs"));
    free(n_priv);
    free(n_lan);
    json_object_put(db);
}

static void
test_vif_destroy(const void *aux OVS_UNUSED)
{
    char priv[37], lan[37];
    struct json_object *db = bed(priv, lan);

    CHECK_REJECT(db, XRPC_USAGE, "uuid", "pool-vif-destroy");
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-vif-destroy", "uuid=1234");
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-vif-destroy",
                 "uuid=" NOWHERE);
    char *u_priv = xasprintf("uuid=%s", priv);
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-vif-destroy", u_priv);
    free(u_priv);
    CHECK(!ctl_call(db, "pool-vif-destroy", "uuid=" VIF1, NULL),
          "destroy VIF1: %s", ctl_error);
    CHECK(ctl_changed && !table_len(db, "vifs"), "VIF1 still there");
    CHECK_REJECT(db, XRPC_REJECTED, "uuid", "pool-vif-destroy", "uuid=" VIF1);
    json_object_put(db);
}

static void
test_lists(const void *aux OVS_UNUSED)
{
    char priv[37], lan[37];
    struct json_object *db = bed(priv, lan);

    CHECK(!ctl_call(db, "pool-network-list", NULL), "network-list: %s",
          ctl_error);
    CHECK(!ctl_changed && json_object_array_length(ctl_result) == 2,
          "2 networks expected");
    CHECK(!ctl_call(db, "pool-network-list", "name-label=lan",
                    "params=uuid,vlan,status", NULL),
          "filtered network-list: %s", ctl_error);
    CHECK(json_object_array_length(ctl_result) == 1, "1 network expected");
    struct json_object *row = json_object_array_get_idx(ctl_result, 0), *v;
    CHECK(json_object_object_get_ex(row, "vlan", &v)
              && json_object_get_int(v) == 20
              && json_object_object_get_ex(row, "status", &v)
              && !strcmp(json_object_get_string(v), "applied")
              && !json_object_object_get_ex(row, "name-label", NULL),
          "row %s", json_object_to_json_string(row));
    CHECK(!ctl_call(db, "pool-vif-list", "params=uuid,bound", NULL),
          "vif-list: %s", ctl_error);
    row = json_object_array_get_idx(ctl_result, 0);
    CHECK(json_object_object_get_ex(row, "bound", &v)
              && json_object_get_boolean(v),
          "row %s", json_object_to_json_string(row));
    CHECK(!ctl_call(db, "pool-vif-list", "host=host9", NULL), "vif-list: %s",
          ctl_error);
    CHECK(!json_object_array_length(ctl_result), "host9 has no VIFs");

    CHECK_REJECT(db, XRPC_REJECTED, "params", "pool-network-list",
                 "params=uuid,colour");
    CHECK_REJECT(db, XRPC_REJECTED, "params", "pool-vif-list", "params=domid");
    CHECK_REJECT(db, XRPC_USAGE, "colour", "pool-vif-list", "colour=red");
    json_object_put(db);
}

static void
test_not_verbs(const void *aux OVS_UNUSED)
{
    char priv[37], lan[37];
    struct json_object *db = bed(priv, lan);

    CHECK_REJECT(db, XRPC_USAGE, "vif-create", "vif-create", "uuid=" NOWHERE);
    CHECK_REJECT(db, XRPC_USAGE, "pool-frob", "pool-frob");

    char *before = db_text(db);
    struct json_object *arr = json_object_new_array();
    json_object_put(ctl_result);
    free(ctl_error);
    int code = ctl_db_call(db, &ctl_env, "pool-network-create", arr,
                           &ctl_result, &ctl_error, &ctl_changed);
    json_object_put(arr);
    CHECK(code == XRPC_USAGE && strstr(ctl_error, "params"),
          "params as an array: %d %s", code, ctl_error);
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "name-label", json_object_new_int(5));
    free(ctl_error);
    code = ctl_db_call(db, &ctl_env, "pool-network-create", p, &ctl_result,
                       &ctl_error, &ctl_changed);
    json_object_put(p);
    CHECK(code == XRPC_USAGE && !strncmp(ctl_error, "name-label", 10),
          "a number value: %d %s", code, ctl_error);
    char *after = db_text(db);
    bool same = !strcmp(before, after);
    free(before);
    free(after);
    CHECK(same, "the records changed");
    json_object_put(db);
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[4096];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) {
        fclose(f);
    }
    buf[n] = '\0';
    return xstrdup(buf);
}

static void
test_store_load(const void *aux OVS_UNUSED)
{
    char *dir = unit_tmpdir();
    char *path = xasprintf("%s/controller.json", dir);
    struct json_object *db;
    char *err;

    err = ctl_store_load(path, &db);
    CHECK(!err && db && !table_len(db, "networks"), "missing file: %s", err);
    char priv[37], lan[37];
    json_object_put(db);
    db = bed(priv, lan);
    err = ctl_store_save(path, db);
    CHECK(!err, "save: %s", err);
    struct json_object *back;
    err = ctl_store_load(path, &back);
    CHECK(!err && back, "load saved: %s", err);
    char *t1 = db_text(db), *t2 = db_text(back);
    bool same = !strcmp(t1, t2);
    free(t1);
    free(t2);
    json_object_put(back);
    json_object_put(db);
    CHECK(same, "the saved store loads back different");

    static const char *const bad[] = {
        "this is not json\n",
        "{\"networks\": {}, \"vifs\": {}",
        "{\"networks\": {}, \"vifs\": {}} trailing",
        "[]",
        "{\"networks\": [], \"vifs\": {}}",
        "{\"networks\": {\"x\": {\"name-label\": \"a\", \"vlan\": -1}}, "
        "\"vifs\": {}}",
        "{\"networks\": {\"" VIF1 "\": {\"name-label\": \"a\", \"vlan\": "
        "4095}}, \"vifs\": {}}",
        "{\"networks\": {}, \"vifs\": {\"" VIF1
        "\": {\"network-uuid\": \"" VIF2
        "\", \"mac\": \"02:00:00:00:00:01\", \"host\": \"h\"}}}",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        write_file(path, bad[i]);
        err = ctl_store_load(path, &db);
        char *now = read_file(path);
        bool kept = !strcmp(now, bad[i]);
        free(now);
        CHECK(err && !db, "bad store %zu accepted: %s", i, bad[i]);
        CHECK(strstr(err, "refusing") && strstr(err, path),
              "bad store %zu: unclear '%s'", i, err);
        free(err);
        CHECK(kept, "bad store %zu was changed", i);
    }
    free(path);
    unit_rmdir(dir);
}

/* A request line end to end: a rejected one leaves records and file alone;
 * one whose store write fails changes nothing either. */
static void
test_handle_line(const void *aux OVS_UNUSED)
{
    char *dir = unit_tmpdir();
    char *path = xasprintf("%s/controller.json", dir);
    struct json_object *db = ctl_db_new();
    bool changed;

    static const char ok[] = "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": "
                             "\"pool-network-create\","
                             " \"params\": {\"name-label\": \"priv\"}}";
    char *reply
        = ctl_db_handle_line(&db, &ctl_env, path, ok, strlen(ok), &changed);
    CHECK(changed && strstr(reply, "\"result\""), "create: %s", reply);
    free(reply);
    char *jpath = xasprintf("%s.journal", path);
    char *file = read_file(jpath);
    CHECK(strstr(file, "priv"), "store not written: %s", file);

    static const char bad[] = "{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": "
                              "\"pool-network-create\","
                              " \"params\": {\"name-label\": \"priv\"}}";
    struct json_object *old = db;
    reply
        = ctl_db_handle_line(&db, &ctl_env, path, bad, strlen(bad), &changed);
    CHECK(!changed && db == old && strstr(reply, "\"error\"")
              && strstr(reply, "name-label"),
          "duplicate: %s", reply);
    free(reply);
    char *file2 = read_file(jpath);
    CHECK(!strcmp(file, file2), "a rejected request rewrote the store");
    free(file2);

    static const char junk[]
        = "{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": ";
    reply = ctl_db_handle_line(&db, &ctl_env, path, junk, strlen(junk),
                               &changed);
    CHECK(!changed && db == old && strstr(reply, "\"error\""), "junk: %s",
          reply);
    free(reply);

    /* The store cannot be written: the request fails, nothing changes. */
    char *nodir = xasprintf("%s/gone/controller.json", dir);
    static const char two[] = "{\"jsonrpc\": \"2.0\", \"id\": 4, \"method\": "
                              "\"pool-network-create\","
                              " \"params\": {\"name-label\": \"two\"}}";
    reply
        = ctl_db_handle_line(&db, &ctl_env, nodir, two, strlen(two), &changed);
    CHECK(!changed && db == old && strstr(reply, "\"error\"")
              && strstr(reply, "cannot"),
          "unwritable store: %s", reply);
    CHECK(table_len(db, "networks") == 1, "the failed create stayed");
    free(reply);
    free(nodir);
    free(file);
    free(jpath);
    json_object_put(db);
    ctl_journal_forget(path);
    free(path);
    unit_rmdir(dir);
}

/* Sends request 'method' with "key=value" arguments (NULL-terminated)
 * through ctl_db_handle_line(); returns the reply (caller frees). */
static char *SENTINEL(0) ctl_line(struct json_object **db, const char *path,
                                  const char *method, ...)
{
    struct json_object *req = json_object_new_object();
    struct json_object *params = json_object_new_object();
    va_list ap;
    va_start(ap, method);
    for (const char *a; (a = va_arg(ap, const char *));) {
        const char *eq = strchr(a, '=');
        char *key = xmemdup0(a, eq - a);
        json_object_object_add(params, key, json_object_new_string(eq + 1));
        free(key);
    }
    va_end(ap);
    json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
    json_object_object_add(req, "id", json_object_new_int(1));
    json_object_object_add(req, "method", json_object_new_string(method));
    json_object_object_add(req, "params", params);
    const char *line = json_object_to_json_string(req);
    bool changed;
    char *reply
        = ctl_db_handle_line(db, &ctl_env, path, line, strlen(line), &changed);
    json_object_put(req);
    return reply;
}

/* The uuid in reply 'r' (static buffer). */
static const char *
reply_uuid(const char *r)
{
    static char u[37];
    const char *p = strstr(r, "\"uuid\":");
    u[0] = '\0';
    if (p && (p = strchr(p + 7, '"'))) {
        ovs_strlcpy(u, p + 1, sizeof u);
    }
    return u;
}

/* 'db' is what loading 'path' (snapshot + journal) gives. */
static bool
same_as_disk(const char *what, struct json_object *db, const char *path)
{
    struct json_object *back = NULL;
    char *err = ctl_store_load(path, &back);
    char *t1 = db_text(db), *t2 = back ? db_text(back) : xstrdup("");
    bool same = !err && !strcmp(t1, t2);
    if (!same) {
        fprintf(stderr, "%s: memory %s\ndisk %s (%s)\n", what, t1, t2,
                err ? err : "");
    }
    free(err);
    free(t1);
    free(t2);
    json_object_put(back);
    return same;
}

/* Every verb's change reaches the journal (what it changes in place and
 * what it changes on a copy), a reload gives the same records, and a
 * rejected request leaves the records as they were. */
static void
test_journal(const void *aux OVS_UNUSED)
{
    char *dir = unit_tmpdir();
    char *path = xasprintf("%s/controller.json", dir);
    struct json_object *db;
    char *err = ctl_store_load(path, &db), *r;
    CHECK(!err, "load: %s", err);

    r = ctl_line(&db, path, "pool-network-create", "name-label=priv", NULL);
    char priv[37];
    ovs_strlcpy(priv, reply_uuid(r), sizeof priv);
    free(r);
    CHECK(same_as_disk("network-create", db, path), "network-create");
    char *net = xasprintf("network-uuid=%s", priv);
    r = ctl_line(&db, path, "pool-vif-create", "uuid=" VIF1, net,
                 "mac=02:00:00:00:00:01", "host=host1", NULL);
    CHECK(!strstr(r, "\"error\""), "vif-create: %s", r);
    free(r);
    r = ctl_line(&db, path, "pool-vif-create", "uuid=" VIF2, net,
                 "mac=02:00:00:00:00:02", "host=host2", NULL);
    free(r);
    CHECK(table_len(db, "vifs") == 2 && table_len(db, "hosts") == 2,
          "two VIFs, two hosts: %s", json_object_to_json_string(db));
    CHECK(same_as_disk("vif-create", db, path), "vif-create");
    /* Rejected: a duplicate MAC; nothing changes, on disk either. */
    char *before = db_text(db);
    r = ctl_line(&db, path, "pool-vif-create", "uuid=" VIF3, net,
                 "mac=02:00:00:00:00:01", "host=host3", NULL);
    CHECK(strstr(r, "\"error\""), "duplicate MAC accepted: %s", r);
    free(r);
    char *after = db_text(db);
    CHECK(!strcmp(before, after), "a rejected create changed the records");
    free(before);
    free(after);
    CHECK(same_as_disk("rejected", db, path), "rejected");
    r = ctl_line(&db, path, "pool-vif-migrate", "uuid=" VIF1, "host=host3",
                 NULL);
    free(r);
    CHECK(same_as_disk("vif-migrate", db, path), "vif-migrate");
    r = ctl_line(&db, path, "pool-vif-migrate-complete", "uuid=" VIF1, NULL);
    free(r);
    CHECK(same_as_disk("migrate-complete", db, path), "migrate-complete");
    r = ctl_line(&db, path, "pool-acl-create", "level=pool", "action=deny",
                 "protocol=tcp", "port=22", "direction=to-vif", NULL);
    char acl[37];
    ovs_strlcpy(acl, reply_uuid(r), sizeof acl);
    free(r);
    CHECK(table_len(db, "acls") == 1, "acl-create");
    CHECK(same_as_disk("acl-create", db, path), "acl-create");
    char *acl_arg = xasprintf("uuid=%s", acl);
    r = ctl_line(&db, path, "pool-acl-destroy", acl_arg, NULL);
    free(r);
    free(acl_arg);
    CHECK(same_as_disk("acl-destroy", db, path), "acl-destroy");
    /* On a copy: removing a host takes its VIFs off the pool. */
    r = ctl_line(&db, path, "pool-host-remove", "name=host2", "force=true",
                 NULL);
    CHECK(!strstr(r, "\"error\""), "host-remove: %s", r);
    free(r);
    CHECK(table_len(db, "vifs") == 1, "host-remove left its VIF");
    CHECK(same_as_disk("host-remove", db, path), "host-remove");
    r = ctl_line(&db, path, "pool-vif-destroy", "uuid=" VIF1, NULL);
    free(r);
    CHECK(table_len(db, "vifs") == 0, "vif-destroy");
    CHECK(same_as_disk("vif-destroy", db, path), "vif-destroy");

    struct ctl_store_stats st;
    ctl_store_get_stats(path, &st);
    CHECK(st.n_appends == 9, "%llu appends", st.n_appends);
    /* Loading folded the journal into the snapshot. */
    CHECK(st.journal_bytes == 0, "journal %lld bytes after a load",
          st.journal_bytes);
    free(net);
    json_object_put(db);
    ctl_journal_forget(path);
    free(path);
    unit_rmdir(dir);
}

/* A torn last entry (a crash in the middle of an append) is dropped; a bad
 * entry with good ones after it is corruption: loading refuses.  The next
 * append cuts a torn tail off. */
static void
test_journal_torn(const void *aux OVS_UNUSED)
{
    char *dir = unit_tmpdir();
    char *path = xasprintf("%s/controller.json", dir);
    char *jpath = xasprintf("%s.journal", path);
    struct json_object *db;
    char *err = ctl_store_load(path, &db), *r;
    CHECK(!err, "load: %s", err);
    r = ctl_line(&db, path, "pool-network-create", "name-label=one", NULL);
    free(r);
    r = ctl_line(&db, path, "pool-network-create", "name-label=two", NULL);
    free(r);
    char *good = read_file(jpath);
    char *torn = xasprintf("%sXJ1 0123abcd {\"ops\": [{\"tab", good);
    write_file(jpath, torn);
    ctl_journal_forget(path);
    struct json_object *back = NULL;
    err = ctl_store_load(path, &back);
    CHECK(!err && back && table_len(back, "networks") == 2, "torn tail: %s",
          err);
    /* The next change cuts it off and follows the last good entry. */
    r = ctl_line(&back, path, "pool-network-create", "name-label=three", NULL);
    CHECK(!strstr(r, "\"error\""), "create after torn tail: %s", r);
    free(r);
    char *now = read_file(jpath);
    CHECK(!strstr(now, "0123abcd") && strstr(now, "three"),
          "the torn entry was not cut off: %s", now);
    free(now);
    CHECK(same_as_disk("after torn", back, path), "after torn tail");
    json_object_put(back);
    ctl_journal_forget(path);

    /* A bad line in the middle (two entries since the load above folded
     * the journal into the snapshot). */
    back = NULL;
    err = ctl_store_load(path, &back);
    CHECK(!err, "load: %s", err);
    r = ctl_line(&back, path, "pool-network-create", "name-label=four", NULL);
    free(r);
    r = ctl_line(&back, path, "pool-network-create", "name-label=five", NULL);
    free(r);
    json_object_put(back);
    ctl_journal_forget(path);
    char *lines = read_file(jpath);
    char *nl = strchr(lines, '\n');
    CHECK(nl && nl[1], "more than one entry");
    nl[-3] ^= 1; /* inside the first entry's JSON */
    write_file(jpath, lines);
    back = NULL;
    err = ctl_store_load(path, &back);
    CHECK(err && !back && strstr(err, "refusing") && strstr(err, "journal"),
          "a corrupt entry was accepted: %s", err);
    free(err);
    now = read_file(jpath);
    CHECK(!strcmp(now, lines), "the corrupt journal was changed");
    free(now);
    free(lines);
    free(good);
    free(torn);
    json_object_put(db);
    ctl_journal_forget(path);
    free(jpath);
    free(path);
    unit_rmdir(dir);
}

/* The journal is folded into the snapshot once it has grown: the snapshot
 * then holds the records and the journal is empty. */
static void
test_journal_compact(const void *aux OVS_UNUSED)
{
    char *dir = unit_tmpdir();
    char *path = xasprintf("%s/controller.json", dir);
    struct json_object *db;
    ctl_journal_set_compact_min(2000);
    char *err = ctl_store_load(path, &db);
    CHECK(!err, "load: %s", err);
    for (int i = 0; i < 40; i++) {
        char *label = xasprintf("name-label=net%d", i);
        char *r = ctl_line(&db, path, "pool-network-create", label, NULL);
        CHECK(!strstr(r, "\"error\""), "create %d: %s", i, r);
        free(r);
        free(label);
    }
    struct ctl_store_stats st;
    ctl_store_get_stats(path, &st);
    CHECK(st.n_compactions >= 1 && st.n_appends == 40,
          "%llu compactions, journal %lld bytes", st.n_compactions,
          st.journal_bytes);
    CHECK(same_as_disk("compacted", db, path), "compacted");
    ctl_journal_set_compact_min(0);
    json_object_put(db);
    ctl_journal_forget(path);
    free(path);
    unit_rmdir(dir);
}

void
test_ctl_db_register(void)
{
    unit_add("ctl-db/network-create", test_network_create, NULL);
    unit_add("ctl-db/network-destroy", test_network_destroy, NULL);
    unit_add("ctl-db/vif-create", test_vif_create, NULL);
    unit_add("ctl-db/vif-destroy", test_vif_destroy, NULL);
    unit_add("ctl-db/lists", test_lists, NULL);
    unit_add("ctl-db/not-verbs", test_not_verbs, NULL);
    unit_add("ctl-db/store-load", test_store_load, NULL);
    unit_add("ctl-db/handle-line", test_handle_line, NULL);
    unit_add("ctl-db/journal", test_journal, NULL);
    unit_add("ctl-db/journal-torn", test_journal_torn, NULL);
    unit_add("ctl-db/journal-compact", test_journal_compact, NULL);
}
