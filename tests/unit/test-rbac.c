/* tests/unit/test-rbac.c: agent/rbac (role map parsing, who gets which
 * role, which role each method needs). */
#include <config.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "agent/rbac.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

static void
test_rbac_map(const void *aux OVS_UNUSED)
{
    struct xrbac_map map;
    xrbac_map_init(&map, 999);
    char *error = xrbac_map_parse(&map, "roles",
                                  "# c\n\nuid:1000 read-only\n"
                                  "gid:50 vm-operator # ops\n"
                                  "gid:60 read-only\n"
                                  "uid:0 read-only\n");
    CHECK(!error, "parse failed: %s", error);

    struct xrbac_peer p = {.uid = 1000, .gid = 50};
    CHECK(xrbac_role_of(&map, &p) == XRBAC_READ_ONLY, "uid line wins");
    p = (struct xrbac_peer){.uid = 1001, .gid = 60};
    CHECK(xrbac_role_of(&map, &p) == XRBAC_READ_ONLY, "primary group");
    p.groups[p.n_groups++] = 50;
    CHECK(xrbac_role_of(&map, &p) == XRBAC_VM_OPERATOR,
          "the highest group role");
    p = (struct xrbac_peer){.uid = 1002, .gid = 1002};
    CHECK(xrbac_role_of(&map, &p) == XRBAC_NONE, "default none");
    p.uid = 999;
    CHECK(xrbac_role_of(&map, &p) == XRBAC_POOL_ADMIN, "the agent's user");
    p.uid = 0;
    CHECK(xrbac_role_of(&map, &p) == XRBAC_READ_ONLY, "root can be mapped");

    /* A bad line: a message with FILE:LINE, the map unchanged. */
    error = xrbac_map_parse(&map, "roles", "default read-only\nuid:x none\n");
    CHECK(error && !strcmp(error, "roles:2: \"x\" is not a uid"), "got %s",
          error ? error : "(null)");
    free(error);
    p = (struct xrbac_peer){.uid = 1002, .gid = 1002};
    CHECK(xrbac_role_of(&map, &p) == XRBAC_NONE, "half-applied map");
    error = xrbac_map_parse(&map, "r", "uid:5 read-only extra\n");
    CHECK(error && strstr(error, "r:1: expected SUBJECT ROLE"), "got %s",
          error ? error : "(null)");
    free(error);
    error = xrbac_map_parse(&map, "r", "uid:4294967295 read-only\n");
    CHECK(error, "uid -1 accepted");
    free(error);
    xrbac_map_destroy(&map);
}

static void
test_rbac_methods(const void *aux OVS_UNUSED)
{
    struct json_object *params = json_object_new_object();
    json_object_object_add(params, "uuid", json_object_new_string("u"));
    json_object_object_add(params, "domid", json_object_new_string("3"));

    CHECK(xrbac_required("vif-list", NULL) == XRBAC_READ_ONLY, "vif-list");
    CHECK(xrbac_required("vif-plug", NULL) == XRBAC_VM_OPERATOR, "vif-plug");
    CHECK(xrbac_required("network-create", NULL) == XRBAC_POOL_ADMIN,
          "network-create");
    /* Default deny: a method nobody listed is pool-admin's. */
    CHECK(xrbac_required("some-new-verb", NULL) == XRBAC_POOL_ADMIN,
          "unlisted method");
    CHECK(xrbac_required("vif-param-set", params) == XRBAC_VM_OPERATOR,
          "vif-param-set domid=");
    json_object_object_add(params, "MTU", json_object_new_string("1400"));
    CHECK(xrbac_required("vif-param-set", params) == XRBAC_POOL_ADMIN,
          "vif-param-set MTU=");

    char *msg = xrbac_check("vif-plug", NULL, XRBAC_READ_ONLY, 1000);
    CHECK(msg
              && !strcmp(msg, "vif-plug needs role vm-operator; you (uid "
                              "1000) have read-only"),
          "got %s", msg ? msg : "(null)");
    free(msg);
    CHECK(!xrbac_check("vif-plug", NULL, XRBAC_POOL_ADMIN, 0), "admin");

    /* A TLS listener's clients: named by the listener, not a uid. */
    msg = xrbac_check_who("network-create", NULL, XRBAC_SSL_DEFAULT,
                          "TLS clients of pssl:6643:198.18.0.1");
    CHECK(msg
              && !strcmp(msg, "network-create needs role pool-admin; TLS "
                              "clients of pssl:6643:198.18.0.1 have "
                              "read-only"),
          "got %s", msg ? msg : "(null)");
    free(msg);
    CHECK(!xrbac_check_who("network-list", NULL, XRBAC_SSL_DEFAULT, "x"),
          "the default TLS role lists");
    json_object_put(params);
}

void
test_rbac_register(void)
{
    unit_add("rbac-map", test_rbac_map, NULL);
    unit_add("rbac-methods", test_rbac_methods, NULL);
}
