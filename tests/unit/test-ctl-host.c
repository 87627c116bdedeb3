/* tests/unit/test-ctl-host.c: live migration in xovs-controller's records
 * (controller/ctl-host.c): the completion the controller makes by itself
 * when OVN says the target activated the port (ctl_host_complete_activated()
 * with a stand-in for the southbound database), saved to the store;
 * pool-vif-migrate-complete after it accepted and changing nothing, on a
 * VIF that never migrated rejected; a completion whose store write fails
 * changes nothing and is reported for a retry. */

#include <config.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl-db.h"
#include "controller/ctl-host.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

#define VIF1 "5b0e7c1a-2f4d-4c8e-9a31-0d6e2b7f1c01"
#define VIF2 "5b0e7c1a-2f4d-4c8e-9a31-0d6e2b7f1c02"

/* Runs 'method' with 'params' (a JSON object's text) as a request line on
 * '*db' stored at 'path'; true if it was answered with a result. */
static bool
request(struct json_object **db, const char *path, const char *method,
        const char *params)
{
    char *line = xasprintf("{\"jsonrpc\": \"2.0\", \"id\": 1, "
                           "\"method\": \"%s\", \"params\": %s}",
                           method, params);
    bool changed;
    char *reply
        = ctl_db_handle_line(db, NULL, path, line, strlen(line), &changed);
    bool ok = strstr(reply, "\"result\"") != NULL;
    free(reply);
    free(line);
    return ok;
}

static const char *
vif_str(struct json_object *db, const char *vif, const char *key)
{
    struct json_object *vifs, *v, *s;
    if (json_object_object_get_ex(db, "vifs", &vifs)
        && json_object_object_get_ex(vifs, vif, &v)
        && json_object_object_get_ex(v, key, &s)) {
        return json_object_get_string(s);
    }
    return "";
}

/* The stand-in for ctl_sb_vif_activated(): VIF1 activated on host2. */
static int n_asked;
static bool
activated_vif1(void *aux OVS_UNUSED, const char *vif, const char *target)
{
    n_asked++;
    return !strcmp(vif, VIF1) && !strcmp(target, "host2");
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return xstrdup("");
    }
    char *buf = xzalloc(1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void
test_auto_complete(const void *aux OVS_UNUSED)
{
    char *dir = unit_tmpdir();
    char *path = xasprintf("%s/controller.json", dir);
    struct json_object *db = ctl_db_new();
    bool changed;

    CHECK(request(&db, path, "pool-network-create",
                  "{\"name-label\": \"priv\"}"),
          "pool-network-create");
    struct json_object *nets, *net = NULL;
    json_object_object_get_ex(db, "networks", &nets);
    json_object_object_foreach(nets, uuid, n)
    {
        (void)n;
        net = json_object_new_string(uuid);
    }
    CHECK(net, "no network");
    for (int i = 0; i < 2; i++) {
        char *p
            = xasprintf("{\"uuid\": \"%s\", \"network-uuid\": \"%s\", "
                        "\"mac\": \"02:00:00:00:00:0%d\", "
                        "\"host\": \"host1\"}",
                        i ? VIF2 : VIF1, json_object_get_string(net), i + 1);
        CHECK(request(&db, path, "pool-vif-create", p), "pool-vif-create");
        free(p);
    }
    json_object_put(net);

    /* Not migrating: nothing is asked, nothing changes. */
    n_asked = 0;
    CHECK(!ctl_host_complete_activated(&db, NULL, path, activated_vif1, NULL,
                                       &changed)
              && !changed && !n_asked,
          "a VIF that is not migrating was completed or asked about");
    CHECK(!request(&db, path, "pool-vif-migrate-complete",
                   "{\"uuid\": \"" VIF1 "\"}"),
          "completing a migration that never started was accepted");

    CHECK(request(&db, path, "pool-vif-migrate",
                  "{\"uuid\": \"" VIF1 "\", \"host\": \"host2\"}"),
          "pool-vif-migrate VIF1");
    CHECK(request(&db, path, "pool-vif-migrate",
                  "{\"uuid\": \"" VIF2 "\", \"host\": \"host2\"}"),
          "pool-vif-migrate VIF2");

    /* The store cannot be written: nothing changes, a retry is asked. */
    char *nodir = xasprintf("%s/gone/controller.json", dir);
    struct json_object *old = db;
    CHECK(ctl_host_complete_activated(&db, NULL, nodir, activated_vif1, NULL,
                                      &changed)
                  == 1
              && !changed && db == old,
          "a completion that could not be saved was not reported");
    CHECK(!strcmp(vif_str(db, VIF1, "migrating-to"), "host2"),
          "a completion that could not be saved changed the records");
    free(nodir);

    /* VIF1 activated on host2: completed and saved; VIF2 not yet. */
    n_asked = 0;
    CHECK(!ctl_host_complete_activated(&db, NULL, path, activated_vif1, NULL,
                                       &changed)
              && changed && n_asked == 2,
          "the activated migration was not completed");
    CHECK(!strcmp(vif_str(db, VIF1, "host"), "host2")
              && !*vif_str(db, VIF1, "migrating-to")
              && !strcmp(vif_str(db, VIF1, "migrated-from"), "host1"),
          "VIF1 after the completion: host %s, migrating-to %s",
          vif_str(db, VIF1, "host"), vif_str(db, VIF1, "migrating-to"));
    CHECK(!strcmp(vif_str(db, VIF2, "migrating-to"), "host2")
              && !strcmp(vif_str(db, VIF2, "host"), "host1"),
          "VIF2, not activated, was completed");
    struct json_object *saved = NULL;
    char *err = ctl_store_load(path, &saved);
    CHECK(!err && !strcmp(vif_str(saved, VIF1, "host"), "host2"),
          "the completion is not in the store: %s", err ? err : "");
    json_object_put(saved);

    /* The toolstack's pool-vif-migrate-complete afterwards: accepted, no
     * change. */
    char *before = slurp(path);
    CHECK(request(&db, path, "pool-vif-migrate-complete",
                  "{\"uuid\": \"" VIF1 "\"}"),
          "pool-vif-migrate-complete after the completion was rejected");
    char *after = slurp(path);
    CHECK(!strcmp(before, after)
              && !strcmp(vif_str(db, VIF1, "host"), "host2"),
          "a late pool-vif-migrate-complete changed the records");
    free(before);
    free(after);

    /* A next migration forgets migrated-from. */
    CHECK(request(&db, path, "pool-vif-migrate",
                  "{\"uuid\": \"" VIF1 "\", \"host\": \"host1\"}")
              && !*vif_str(db, VIF1, "migrated-from"),
          "a new migration kept migrated-from");

    json_object_put(db);
    free(path);
    unit_rmdir(dir);
}

void
test_ctl_host_register(void)
{
    unit_add("ctl-host/auto-complete", test_auto_complete, NULL);
}
