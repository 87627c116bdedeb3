/* agent/api.c: the request executor (see api.h).
 *
 * Every handler has two phases.  First it reads and checks every parameter
 * and every rule against the records, rejecting with a message that names
 * the parameter ("MTU: 99999 is outside 68..9216").  Only when nothing can
 * fail any more does it change the records.  xapi_call() enforces the
 * split: a handler that reports a change and a rejection together, or
 * leaves the records breaking an invariant (xrec_db_check()), is a bug and
 * aborts the agent rather than persist a broken database. */

#include <config.h>
#include "agent/api.h"
#include "openvswitch/shash.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/pifscan.h"
#include "bonding/bond.h"
#include "agent/records.h"
#include "agent/rpc.h"
#include "util.h"
#include "uuid.h"

#define OTHER_CONFIG_PREFIX "other-config:"
#define PROPERTIES_PREFIX "properties:"

/* One call in progress. */
struct call {
    struct xrec_db *db;
    const struct xapi_env *env;
    const struct xrpc_verb *verb;
    struct json_object *params; /* object of strings, names checked */
    struct json_object *result; /* success: the result */
    char *error;                /* failure: the first message */
    int code;                   /* XRPC_OK, XRPC_REJECTED, XRPC_USAGE */
    bool changed;               /* 'db' modified */
};

/* ---------------------------------------------------------------------- */
/* Failing. */

static bool fail(struct call *, int code, const char *field,
                 const char *format, ...) OVS_PRINTF_FORMAT(4, 5);

/* Records the first failure of 'c' as "FIELD: REASON" and returns false, so
 * that checks read "if (!ok) return fail(...)". */
static bool
fail(struct call *c, int code, const char *field, const char *format, ...)
{
    if (!c->error) {
        va_list args;
        va_start(args, format);
        char *reason = xvasprintf(format, args);
        va_end(args);
        c->error = xasprintf("%s: %s", field, reason);
        c->code = code;
        free(reason);
    }
    return false;
}

#define REJECT(C, FIELD, ...) fail(C, XRPC_REJECTED, FIELD, __VA_ARGS__)

/* Rejects with 'reason' (a validator's result; NULL means fine, and then
 * returns true).  Frees 'reason'. */
static bool
check(struct call *c, const char *field, char *reason)
{
    if (reason) {
        REJECT(c, field, "%s", reason);
        free(reason);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Parameters.  Each arg_*() returns true if the parameter is absent (leaving
 * '*out' alone) or valid (storing it), false after rejecting it. */

static const char *
arg(const struct call *c, const char *name)
{
    struct json_object *val;
    return (json_object_object_get_ex(c->params, name, &val)
                ? json_object_get_string(val)
                : NULL);
}

static const char *
arg_required(struct call *c, const char *name)
{
    const char *s = arg(c, name);
    if (!s) {
        REJECT(c, name, "required parameter is missing (see: xovs help %s)",
               c->verb->name);
    }
    return s;
}

static bool
arg_int(struct call *c, const char *name, int min, int max, int *out)
{
    const char *s = arg(c, name);
    return !s || check(c, name, xrec_parse_int(s, min, max, out));
}

static bool
arg_required_int(struct call *c, const char *name, int min, int max, int *out)
{
    return arg_required(c, name) && arg_int(c, name, min, max, out);
}

/* A name-label: bounded text, not empty. */
static bool
arg_label(struct call *c, const char *name, const char **out)
{
    const char *s = arg(c, name);
    if (!s) {
        return true;
    }
    if (!*s) {
        return REJECT(c, name, "must not be empty");
    }
    if (!check(c, name, xrec_check_text(s))) {
        return false;
    }
    *out = s;
    return true;
}

static bool
arg_text(struct call *c, const char *name, const char **out)
{
    const char *s = arg(c, name);
    if (s && !check(c, name, xrec_check_text(s))) {
        return false;
    }
    *out = s ? s : *out;
    return true;
}

static bool
arg_locking(struct call *c, const char *name, bool network,
            enum xrec_locking_mode *out)
{
    const char *s = arg(c, name);
    enum xrec_locking_mode mode;

    if (!s) {
        return true;
    }
    if (!xrec_locking_mode_from_string(s, &mode)
        || (network && mode != XREC_LOCK_UNLOCKED
            && mode != XREC_LOCK_DISABLED)) {
        return REJECT(c, name, "\"%.64s\" is not %s", s,
                      network ? "unlocked or disabled"
                              : "network_default, locked, unlocked or "
                                "disabled");
    }
    *out = mode;
    return true;
}

/* A VIF's MTU: 0 (the network's) or XREC_MTU_MIN..XREC_MTU_MAX. */
static bool
arg_vif_mtu(struct call *c, const char *name, int *out)
{
    int mtu = *out;

    if (!arg_int(c, name, INT_MIN, INT_MAX, &mtu)
        || !check(c, name, xrec_check_vif_mtu(mtu))) {
        return false;
    }
    *out = mtu;
    return true;
}

/* A comma-separated list of addresses of family 'af' ("" is none), stored
 * canonical and without duplicates in 'out' (empty, initialized). */
static bool
arg_ips(struct call *c, const char *name, int af, struct svec *out,
        bool *given)
{
    const char *s = arg(c, name);
    char *copy, *save = NULL;
    bool ok = true;

    *given = s != NULL;
    if (!s) {
        return true;
    }
    copy = xstrdup(s);
    for (char *tok = strtok_r(copy, ",", &save); ok && tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *canon;
        if (!check(c, name, xrec_parse_ip(af, tok, &canon))) {
            ok = false;
        } else if (svec_contains_unsorted(out, canon)) {
            free(canon);
        } else if (out->n >= XREC_ALLOWED_IPS_MAX) {
            free(canon);
            ok = REJECT(c, name, "more than %d addresses",
                        XREC_ALLOWED_IPS_MAX);
        } else {
            svec_add_nocopy(out, canon);
        }
    }
    free(copy);
    return ok;
}

/* Computes in 'out' (uninitialized) the other_config map 'cur' as changed by
 * the other-config:KEY=VALUE parameters; an empty VALUE removes KEY.
 * Returns false (with 'out' destroyed) after rejecting one. */
static bool
arg_other_config(struct call *c, bool network, const struct smap *cur,
                 struct smap *out)
{
    size_t plen = strlen(OTHER_CONFIG_PREFIX);

    smap_clone(out, cur);
    for (struct lh_entry *e = lh_table_head(json_object_get_object(c->params));
         e; e = lh_entry_next(e)) {
        const char *name = lh_entry_k(e);
        struct json_object *val = lh_entry_v(e);
        const char *key = name + plen;
        const char *value = json_object_get_string(val);

        if (strncmp(name, OTHER_CONFIG_PREFIX, plen)) {
            continue;
        }
        if (!check(c, name, xrec_check_other_config_key(key))
            || (*value
                && !check(
                    c, name,
                    xrec_check_other_config_value(network, key, value)))) {
            smap_destroy(out);
            return false;
        }
        if (*value) {
            smap_replace(out, key, value);
        } else {
            smap_remove(out, key);
        }
    }
    if (smap_count(out) > XREC_OTHER_CONFIG_MAX) {
        smap_destroy(out);
        return REJECT(c, "other-config", "more than %d keys",
                      XREC_OTHER_CONFIG_MAX);
    }
    return true;
}

/* The canonical form of uuid parameter 'name' (required), or NULL after
 * rejecting it.  Caller frees. */
static char *
arg_uuid(struct call *c, const char *name)
{
    const char *s = arg_required(c, name);
    char *uuid = NULL;

    if (s) {
        check(c, name, xrec_parse_uuid(s, &uuid));
    }
    return uuid;
}

/* Looks up the record named by uuid parameter 'NAME' with 'FIND', rejecting
 * "NAME: no KIND with uuid X" if there is none. */
#define ARG_RECORD(C, NAME, FIND, KIND)                                       \
    ({                                                                        \
        char *uuid_ = arg_uuid(C, NAME);                                      \
        __typeof__(FIND((C)->db, uuid_)) rec_                                 \
            = uuid_ ? FIND((C)->db, uuid_) : NULL;                            \
        if (uuid_ && !rec_) {                                                 \
            REJECT(C, NAME, "no %s with uuid %s", KIND, uuid_);               \
        }                                                                     \
        free(uuid_);                                                          \
        rec_;                                                                 \
    })

/* ---------------------------------------------------------------------- */
/* Changing records.  Called only once nothing can be rejected any more. */

static char *
new_uuid(void)
{
    struct uuid uuid;
    uuid_generate(&uuid);
    return xasprintf(UUID_FMT, UUID_ARGS(&uuid));
}

static void
set_string(struct call *c, char **field, const char *value)
{
    if (value && (!*field || strcmp(*field, value))) {
        free(*field);
        *field = xstrdup(value);
        c->changed = true;
    }
}

static void
set_int(struct call *c, int *field, int value)
{
    if (*field != value) {
        *field = value;
        c->changed = true;
    }
}

static void
set_bool(struct call *c, bool *field, bool value)
{
    if (*field != value) {
        *field = value;
        c->changed = true;
    }
}

static void
set_locking(struct call *c, enum xrec_locking_mode *field,
            enum xrec_locking_mode value)
{
    if (*field != value) {
        *field = value;
        c->changed = true;
    }
}

/* Moves 'value' into '*field' (both initialized; 'value' is destroyed). */
static void
set_smap(struct call *c, struct smap *field, struct smap *value)
{
    if (!smap_equal(field, value)) {
        hmap_swap(&field->map, &value->map);
        c->changed = true;
    }
    smap_destroy(value);
}

static void
set_svec(struct call *c, struct svec *field, struct svec *value)
{
    if (!svec_equal(field, value)) {
        svec_swap(field, value);
        c->changed = true;
    }
}

static void
result_uuid(struct call *c, const char *uuid)
{
    c->result = json_object_new_object();
    json_object_object_add(c->result, "uuid", json_object_new_string(uuid));
}

/* ---------------------------------------------------------------------- */
/* Bridges. */

static bool
bridge_is_free(const struct xrec_db *db, const char *name)
{
    return (!xrec_find_network_by_bridge(db, name)
            && !xrec_find_pif_by_device(db, name, XREC_VLAN_NONE));
}

/* Returns "PREFIX<N>" (malloc'd) for 'preferred' if that is free, else for
 * the lowest free N. */
static char *
free_bridge(const struct xrec_db *db, const char *prefix, int preferred)
{
    char *name;

    if (preferred >= 0) {
        name = xasprintf("%s%d", prefix, preferred);
        if (bridge_is_free(db, name)) {
            return name;
        }
        free(name);
    }
    for (int n = 0;; n++) {
        name = xasprintf("%s%d", prefix, n);
        if (bridge_is_free(db, name)) {
            return name;
        }
        free(name);
    }
}

static bool
check_bridge(struct call *c, const char *name)
{
    static const char *const reserved[] = {
        "vif",
        "tap",
        "ovs-system",
        "ovs-netdev",
    };
    const struct xrec_network *other;
    const struct xrec_pif *pif;

    if (!check(c, "bridge", xrec_check_ifname(name))) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
        if (!strncmp(name, reserved[i], strlen(reserved[i]))) {
            return REJECT(c, "bridge",
                          "names starting with \"%s\" are "
                          "reserved for xovs and Open vSwitch",
                          reserved[i]);
        }
    }
    other = xrec_find_network_by_bridge(c->db, name);
    if (other) {
        return REJECT(c, "bridge",
                      "%s is already the bridge of network %s "
                      "(%s)",
                      name, other->uuid, other->name_label);
    }
    pif = xrec_find_pif_by_device(c->db, name, XREC_VLAN_NONE);
    if (pif) {
        return REJECT(c, "bridge", "%s is the device of PIF %s", name,
                      pif->uuid);
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Lists. */

typedef struct json_object *row_fn(const struct call *, size_t i);

/* Adds "status" (applied, pending or error) and "error" (why it is not
 * applied, "" if it is) for record 'uuid', as the switch reports them
 * through 'c->env'; nothing without a record_status() to ask. */
static void
put_status(const struct call *c, const char *uuid, struct json_object *row)
{
    if (c->env && c->env->record_status) {
        const char *error = NULL;
        const char *status
            = c->env->record_status(c->env->status_aux, uuid, &error);
        xrec_json_put_string(row, "status", status);
        xrec_json_put_string(row, "error", error);
    }
}

static struct json_object *
network_row(const struct call *c, size_t i)
{
    const struct xrec_db *db = c->db;
    const struct xrec_network *net = db->networks[i];
    struct json_object *row = json_object_new_object();
    struct svec pifs = SVEC_EMPTY_INITIALIZER;
    struct svec vifs = SVEC_EMPTY_INITIALIZER;

    for (size_t j = 0; j < db->n_pifs; j++) {
        if (!strcmp(db->pifs[j]->network, net->uuid)) {
            svec_add(&pifs, db->pifs[j]->uuid);
        }
    }
    for (size_t j = 0; j < db->n_vifs; j++) {
        if (!strcmp(db->vifs[j]->network, net->uuid)) {
            svec_add(&vifs, db->vifs[j]->uuid);
        }
    }
    xrec_json_put_string(row, "uuid", net->uuid);
    xrec_json_put_string(row, "name-label", net->name_label);
    xrec_json_put_string(row, "name-description", net->name_description);
    xrec_json_put_string(row, "bridge", net->bridge);
    xrec_json_put_int(row, "MTU", net->mtu);
    xrec_json_put_string(
        row, "default-locking-mode",
        xrec_locking_mode_to_string(net->default_locking_mode));
    xrec_json_put_smap(row, "other-config", &net->other_config);
    xrec_json_put_svec(row, "PIF-uuids", &pifs);
    xrec_json_put_svec(row, "VIF-uuids", &vifs);
    put_status(c, net->uuid, row);
    svec_destroy(&pifs);
    svec_destroy(&vifs);
    return row;
}

static struct json_object *
pif_row(const struct call *c, size_t i)
{
    const struct xrec_db *db = c->db;
    const struct xrec_pif *pif = db->pifs[i];
    const struct xrec_network *net = xrec_find_network(db, pif->network);
    struct json_object *row = json_object_new_object();

    xrec_json_put_string(row, "uuid", pif->uuid);
    xrec_json_put_string(row, "device", pif->device);
    xrec_json_put_string(row, "MAC", pif->mac);
    xrec_json_put_int(row, "MTU", pif->mtu);
    xrec_json_put_int(row, "VLAN", pif->vlan);
    xrec_json_put_bool(row, "physical", pif->physical);
    xrec_json_put_bool(row, "currently-attached", pif->currently_attached);
    xrec_json_put_bool(row, "management", pif->management);
    xrec_json_put_string(row, "network-uuid", pif->network);
    xrec_json_put_string(row, "network-name-label",
                         net ? net->name_label : NULL);
    xrec_json_put_smap(row, "other-config", &pif->other_config);
    const struct xrec_bond *master = xrec_find_bond_by_master(db, pif->uuid);
    const struct xrec_bond *slave = xrec_find_bond_by_slave(db, pif->uuid);
    struct json_object *a = json_object_new_array();
    if (master) {
        json_object_array_add(a, json_object_new_string(master->uuid));
    }
    json_object_object_add(row, "bond-master-of", a);
    xrec_json_put_string(row, "bond-slave-of", slave ? slave->uuid : NULL);
    put_status(c, pif->uuid, row);
    return row;
}

static struct json_object *
vlan_row(const struct call *c, size_t i)
{
    const struct xrec_db *db = c->db;
    const struct xrec_vlan *vlan = db->vlans[i];
    struct json_object *row = json_object_new_object();

    xrec_json_put_string(row, "uuid", vlan->uuid);
    xrec_json_put_string(row, "tagged-PIF", vlan->tagged_pif);
    xrec_json_put_string(row, "untagged-PIF", vlan->untagged_pif);
    xrec_json_put_int(row, "tag", vlan->tag);
    put_status(c, vlan->uuid, row);
    return row;
}

/* Adds "counters": what xovs-netback last reported for 'vif's port, as an
 * object of integers (empty while nothing was reported or it is
 * unplugged). */
static void
vif_put_counters(const struct call *c, const struct xrec_vif *vif,
                 struct json_object *row)
{
    struct json_object *obj = json_object_new_object();
    char *name = xasprintf("vif%d.%d", vif->domid, vif->device);
    const char *stats = c->env && c->env->vif_stats && vif->currently_attached
                            ? shash_find_data(c->env->vif_stats, name)
                            : NULL;
    if (stats) {
        char *copy = xstrdup(stats), *save = NULL;
        for (char *kv = strtok_r(copy, ",", &save); kv;
             kv = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(kv, '=');
            *eq = '\0';
            json_object_object_add(
                obj, kv, json_object_new_int64(strtoll(eq + 1, NULL, 10)));
        }
        free(copy);
    }
    free(name);
    json_object_object_add(row, "counters", obj);
}

static struct json_object *
vif_row(const struct call *c, size_t i)
{
    const struct xrec_db *db = c->db;
    const struct xrec_vif *vif = db->vifs[i];
    const struct xrec_network *net = xrec_find_network(db, vif->network);
    struct json_object *row = json_object_new_object();

    xrec_json_put_string(row, "uuid", vif->uuid);
    xrec_json_put_string(row, "vm-uuid", vif->vm_uuid);
    xrec_json_put_int(row, "domid", vif->domid);
    xrec_json_put_int(row, "device", vif->device);
    xrec_json_put_string(row, "network-uuid", vif->network);
    xrec_json_put_string(row, "network-name-label",
                         net ? net->name_label : NULL);
    xrec_json_put_string(row, "MAC", vif->mac);
    xrec_json_put_int(row, "MTU", xrec_vif_mtu(vif, net));
    xrec_json_put_string(row, "locking-mode",
                         xrec_locking_mode_to_string(vif->locking_mode));
    xrec_json_put_svec(row, "ipv4-allowed", &vif->ipv4_allowed);
    xrec_json_put_svec(row, "ipv6-allowed", &vif->ipv6_allowed);
    xrec_json_put_bool(row, "currently-attached", vif->currently_attached);
    xrec_json_put_smap(row, "other-config", &vif->other_config);
    vif_put_counters(c, vif, row);
    put_status(c, vif->uuid, row);
    return row;
}

/* Parses "params" into 'fields' (the names to show, in order; empty for all
 * fields).  Unknown names are usage errors. */
static bool
list_fields(struct call *c, struct svec *fields)
{
    const char *s = arg(c, "params");
    char *copy, *save = NULL;
    bool ok = true;

    if (!s || !strcmp(s, "all")) {
        return true;
    }
    copy = xstrdup(s);
    for (char *tok = strtok_r(copy, ",", &save); ok && tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (!xrpc_param_find(c->verb, tok)) {
            ok = fail(c, XRPC_USAGE, "params",
                      "%.64s is not a field of %s "
                      "(see: xovs help %s)",
                      tok, c->verb->name, c->verb->name);
        } else if (!svec_contains_unsorted(fields, tok)) {
            svec_add(fields, tok);
        }
    }
    free(copy);
    if (ok && !fields->n) {
        ok = fail(c, XRPC_USAGE, "params", "names no field");
    }
    return ok;
}

/* Returns true if 'row' matches every field=value filter of 'c'. */
static bool
list_match(const struct call *c, struct json_object *row)
{
    size_t plen = strlen(OTHER_CONFIG_PREFIX);

    for (struct lh_entry *e = lh_table_head(json_object_get_object(c->params));
         e; e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        struct json_object *want = lh_entry_v(e);
        struct json_object *val = NULL;
        bool match;

        size_t pplen = strlen(PROPERTIES_PREFIX);

        if (!strcmp(key, "params")) {
            continue;
        } else if (!strncmp(key, OTHER_CONFIG_PREFIX, plen)
                   || !strncmp(key, PROPERTIES_PREFIX, pplen)) {
            bool oc_key = !strncmp(key, OTHER_CONFIG_PREFIX, plen);
            struct json_object *oc = NULL;
            json_object_object_get_ex(
                row, oc_key ? "other-config" : "properties", &oc);
            json_object_object_get_ex(oc, key + (oc_key ? plen : pplen), &val);
            match = val
                    && !strcmp(json_object_get_string(val),
                               json_object_get_string(want));
        } else {
            json_object_object_get_ex(row, key, &val);
            char *text = xrpc_value_to_text(val);
            match = !strcmp(text, json_object_get_string(want));
            free(text);
        }
        if (!match) {
            return false;
        }
    }
    return true;
}

/* Keeps only 'fields' of 'row' (all if 'fields' is empty).  Consumes 'row'
 * and returns the projection. */
static struct json_object *
list_project(struct json_object *row, const struct svec *fields)
{
    if (!fields->n) {
        return row;
    }

    struct json_object *out = json_object_new_object();
    for (size_t i = 0; i < fields->n; i++) {
        struct json_object *val;
        json_object_object_get_ex(row, fields->names[i], &val);
        json_object_object_add(out, fields->names[i], json_object_get(val));
    }
    json_object_put(row);
    return out;
}

static int
list(struct call *c, size_t n, row_fn *make_row)
{
    struct svec fields = SVEC_EMPTY_INITIALIZER;

    if (list_fields(c, &fields)) {
        c->result = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
            struct json_object *row = make_row(c, i);
            if (list_match(c, row)) {
                json_object_array_add(c->result, list_project(row, &fields));
            } else {
                json_object_put(row);
            }
        }
    }
    svec_destroy(&fields);
    return c->code;
}

static int
network_list(struct call *c)
{
    return list(c, c->db->n_networks, network_row);
}

static int
pif_list(struct call *c)
{
    return list(c, c->db->n_pifs, pif_row);
}

static int
vlan_list(struct call *c)
{
    return list(c, c->db->n_vlans, vlan_row);
}

static int
vif_list(struct call *c)
{
    return list(c, c->db->n_vifs, vif_row);
}

/* ---------------------------------------------------------------------- */
/* Networks. */

static int
network_create(struct call *c)
{
    const char *label = arg_required(c, "name-label");
    const char *desc = "";
    const char *bridge = arg(c, "bridge");
    int mtu = XREC_MTU_DEFAULT;
    enum xrec_locking_mode mode = XREC_LOCK_UNLOCKED;
    struct smap oc, empty = SMAP_INITIALIZER(&empty);

    if (!label || !arg_label(c, "name-label", &label)
        || !arg_text(c, "name-description", &desc)
        || (bridge && !check_bridge(c, bridge))
        || !arg_int(c, "MTU", XREC_MTU_MIN, XREC_MTU_MAX, &mtu)
        || !arg_locking(c, "default-locking-mode", true, &mode)
        || !arg_other_config(c, true, &empty, &oc)) {
        return c->code;
    }

    struct xrec_network *net = xrec_network_new();
    net->uuid = new_uuid();
    net->name_label = xstrdup(label);
    net->name_description = xstrdup(desc);
    net->bridge = bridge ? xstrdup(bridge) : free_bridge(c->db, "xapi", -1);
    net->mtu = mtu;
    net->default_locking_mode = mode;
    hmap_swap(&net->other_config.map, &oc.map);
    smap_destroy(&oc);
    xrec_db_add_network(c->db, net);
    c->changed = true;
    result_uuid(c, net->uuid);
    return 0;
}

static int
network_param_set(struct call *c)
{
    struct xrec_network *net
        = ARG_RECORD(c, "uuid", xrec_find_network, "network");
    const char *label = NULL, *desc = NULL;
    int mtu;
    enum xrec_locking_mode mode;
    struct smap oc;

    if (!net) {
        return c->code;
    }
    mtu = net->mtu;
    mode = net->default_locking_mode;
    if (!arg_label(c, "name-label", &label)
        || !arg_text(c, "name-description", &desc)
        || !arg_int(c, "MTU", XREC_MTU_MIN, XREC_MTU_MAX, &mtu)
        || !arg_locking(c, "default-locking-mode", true, &mode)
        || !arg_other_config(c, true, &net->other_config, &oc)) {
        return c->code;
    }

    set_string(c, &net->name_label, label);
    set_string(c, &net->name_description, desc);
    set_int(c, &net->mtu, mtu);
    set_locking(c, &net->default_locking_mode, mode);
    set_smap(c, &net->other_config, &oc);
    /* The PIF carrying the network runs at the network's MTU, as xapi sets
     * it when plugging. */
    struct xrec_pif *pif = xrec_find_pif_by_network(c->db, net->uuid);
    if (pif) {
        set_int(c, &pif->mtu, mtu);
        /* A bond's members run at the bond's MTU. */
        const struct xrec_bond *bond
            = xrec_find_bond_by_master(c->db, pif->uuid);
        for (size_t i = 0; bond && i < bond->slaves.n; i++) {
            struct xrec_pif *m = xrec_find_pif(c->db, bond->slaves.names[i]);
            set_int(c, &m->mtu, mtu);
        }
    }
    return 0;
}

static int
network_destroy(struct call *c)
{
    struct xrec_network *net
        = ARG_RECORD(c, "uuid", xrec_find_network, "network");
    struct svec users = SVEC_EMPTY_INITIALIZER;

    if (!net) {
        return c->code;
    }
    for (size_t i = 0; i < c->db->n_pifs; i++) {
        const struct xrec_pif *pif = c->db->pifs[i];
        if (!strcmp(pif->network, net->uuid)) {
            svec_add_nocopy(&users,
                            xasprintf("PIF %s (%s%s)", pif->uuid, pif->device,
                                      pif->vlan >= 0 ? ", a VLAN" : ""));
        }
    }
    for (size_t i = 0; i < c->db->n_vifs; i++) {
        const struct xrec_vif *vif = c->db->vifs[i];
        if (!strcmp(vif->network, net->uuid)) {
            svec_add_nocopy(&users, xasprintf("VIF %s (vif%d.%d)", vif->uuid,
                                              vif->domid, vif->device));
        }
    }
    if (users.n) {
        char *list = svec_join(&users, ", ", "");
        REJECT(c, "uuid",
               "network %s is still used by %s; destroy those "
               "first (vlan-destroy for a VLAN, vif-destroy for a VIF)",
               net->uuid, list);
        free(list);
        svec_destroy(&users);
        return c->code;
    }
    svec_destroy(&users);
    xrec_db_delete_network(c->db, net);
    c->changed = true;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* PIFs. */

/* The trailing digits of 'device' as a number, or -1. */
static int
device_number(const char *device)
{
    size_t len = strlen(device), i = len;

    while (i > 0 && device[i - 1] >= '0' && device[i - 1] <= '9') {
        i--;
    }
    if (i == len || len - i > 4) {
        return -1;
    }
    return atoi(device + i);
}

static int
clamp_mtu(int mtu)
{
    return MIN(MAX(mtu, XREC_MTU_MIN), XREC_MTU_MAX);
}

static void
pif_scan_add(struct call *c, const struct xpif_link *link, const char *mac)
{
    struct xrec_network *net = xrec_network_new();
    net->uuid = new_uuid();
    net->name_label
        = xasprintf("Pool-wide network associated with %s", link->device);
    net->name_description = xstrdup("");
    net->bridge = free_bridge(c->db, "xenbr", device_number(link->device));
    xrec_db_add_network(c->db, net);

    struct xrec_pif *pif = xrec_pif_new();
    pif->uuid = new_uuid();
    pif->device = xstrdup(link->device);
    pif->network = xstrdup(net->uuid);
    pif->mac = xstrdup(mac);
    pif->mtu = clamp_mtu(link->mtu);
    pif->physical = true;
    xrec_db_add_pif(c->db, pif);

    json_object_array_add(c->result, json_object_new_string(pif->uuid));
    c->changed = true;
}

static int
pif_scan(struct call *c)
{
    struct xpif_link *links;
    size_t n;
    int error;

    if (!c->env || !c->env->scan) {
        REJECT(c, "pif-scan", "this agent cannot list interfaces");
        return c->code;
    }
    error = c->env->scan(&links, &n);
    if (error) {
        REJECT(c, "pif-scan", "cannot list interfaces: %s",
               ovs_strerror(error));
        return c->code;
    }

    /* Nothing below can fail: links the records could not hold are
     * skipped, as xapi skips what it cannot introspect. */
    c->result = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        const struct xpif_link *link = &links[i];
        char *mac, *bad = xrec_check_ifname(link->device);

        if (bad || (bad = xrec_parse_mac(link->mac, &mac))) {
            free(bad);
            continue;
        }
        struct xrec_pif *pif
            = xrec_find_pif_by_device(c->db, link->device, XREC_VLAN_NONE);
        if (!pif) {
            pif_scan_add(c, link, mac);
        } else if (pif->physical) {
            set_string(c, &pif->mac, mac);
            set_int(c, &pif->mtu, clamp_mtu(link->mtu));
        }
        free(mac);
    }
    xpif_links_free(links, n);
    return 0;
}

static int
pif_set_attached(struct call *c, bool attached)
{
    struct xrec_pif *pif = ARG_RECORD(c, "uuid", xrec_find_pif, "PIF");
    const struct xrec_bond *bond;

    if (!pif) {
        return c->code;
    }
    bond = xrec_find_bond_by_slave(c->db, pif->uuid);
    if (bond) {
        REJECT(c, "uuid",
               "PIF %s (%s) is a member of bond %s; %s the bond's PIF %s "
               "instead",
               pif->uuid, pif->device, bond->uuid,
               attached ? "plug" : "unplug", bond->master);
        return c->code;
    }
    set_bool(c, &pif->currently_attached, attached);
    return 0;
}

static int
pif_plug(struct call *c)
{
    return pif_set_attached(c, true);
}

static int
pif_unplug(struct call *c)
{
    return pif_set_attached(c, false);
}

static int
pif_param_set(struct call *c)
{
    struct xrec_pif *pif = ARG_RECORD(c, "uuid", xrec_find_pif, "PIF");
    struct smap oc;

    if (pif && arg_other_config(c, false, &pif->other_config, &oc)) {
        set_smap(c, &pif->other_config, &oc);
    }
    return c->code;
}

/* ---------------------------------------------------------------------- */
/* VLANs. */

static int
vlan_create(struct call *c)
{
    struct xrec_pif *parent = ARG_RECORD(c, "pif-uuid", xrec_find_pif, "PIF");
    struct xrec_network *net
        = ARG_RECORD(c, "network-uuid", xrec_find_network, "network");
    const struct xrec_pif *other;
    int tag;

    if (!parent || !net
        || !arg_required_int(c, "vlan", 0, XREC_VLAN_MAX, &tag)) {
        return c->code;
    }
    if (parent->vlan != XREC_VLAN_NONE) {
        REJECT(c, "pif-uuid",
               "PIF %s is itself VLAN %d on %s; create the "
               "VLAN on the physical PIF",
               parent->uuid, parent->vlan, parent->device);
        return c->code;
    }
    const struct xrec_bond *bond
        = xrec_find_bond_by_slave(c->db, parent->uuid);
    if (bond) {
        REJECT(c, "pif-uuid",
               "PIF %s (%s) is a member of bond %s; create the VLAN on the "
               "bond's PIF %s",
               parent->uuid, parent->device, bond->uuid, bond->master);
        return c->code;
    }
    other = xrec_find_pif_by_device(c->db, parent->device, tag);
    if (other) {
        const struct xrec_vlan *v
            = xrec_find_vlan_by_untagged(c->db, other->uuid);
        REJECT(c, "vlan", "%s already carries VLAN %d (VLAN %s)",
               parent->device, tag, v ? v->uuid : other->uuid);
        return c->code;
    }
    other = xrec_find_pif_by_network(c->db, net->uuid);
    if (other) {
        REJECT(c, "network-uuid",
               "network %s already has PIF %s (%s); a "
               "VLAN needs a network without one",
               net->uuid, other->uuid, other->device);
        return c->code;
    }

    struct xrec_pif *pif = xrec_pif_new();
    pif->uuid = new_uuid();
    pif->device = xstrdup(parent->device);
    pif->network = xstrdup(net->uuid);
    pif->mac = xstrdup(parent->mac);
    pif->mtu = net->mtu;
    pif->vlan = tag;
    pif->currently_attached = true;
    xrec_db_add_pif(c->db, pif);

    struct xrec_vlan *vlan = xrec_vlan_new();
    vlan->uuid = new_uuid();
    vlan->tagged_pif = xstrdup(parent->uuid);
    vlan->untagged_pif = xstrdup(pif->uuid);
    vlan->tag = tag;
    xrec_db_add_vlan(c->db, vlan);
    c->changed = true;
    result_uuid(c, vlan->uuid);
    return 0;
}

static int
vlan_destroy(struct call *c)
{
    struct xrec_vlan *vlan = ARG_RECORD(c, "uuid", xrec_find_vlan, "VLAN");

    if (vlan) {
        xrec_db_delete_pif(c->db, xrec_find_pif(c->db, vlan->untagged_pif));
        xrec_db_delete_vlan(c->db, vlan);
        c->changed = true;
    }
    return c->code;
}

/* ---------------------------------------------------------------------- */
/* Bonds.
 *
 * As xapi's Bond.create: the bond gets a PIF of its own (device bondN) on a
 * network without a PIF; the VIFs of the members' networks move to the bond's
 * network, management moves to the bond's PIF.  Bond.destroy moves the
 * bond network's VIFs and the bond PIF's VLANs to the primary member.  The
 * members keep their own network records throughout. */

static bool
arg_mode(struct call *c, const char *name, enum bond_mode *out)
{
    const char *s = arg(c, name);

    if (s && !bond_mode_from_string(s, out)) {
        return REJECT(
            c, name, "\"%.64s\" is not balance-slb, active-backup or lacp", s);
    }
    return true;
}

/* Computes in 'out' (uninitialized) the properties 'cur' as changed by the
 * properties:KEY=VALUE parameters for a bond in 'mode'; an empty VALUE
 * removes KEY.  Returns false (with 'out' destroyed) after rejecting one. */
static bool
arg_properties(struct call *c, enum bond_mode mode, const struct smap *cur,
               struct smap *out)
{
    size_t plen = strlen(PROPERTIES_PREFIX);

    smap_clone(out, cur);
    for (struct lh_entry *e = lh_table_head(json_object_get_object(c->params));
         e; e = lh_entry_next(e)) {
        const char *name = lh_entry_k(e);
        struct json_object *val = lh_entry_v(e);
        const char *key = name + plen;
        const char *value = json_object_get_string(val);

        if (strncmp(name, PROPERTIES_PREFIX, plen)) {
            continue;
        }
        if (!*value) {
            smap_remove(out, key);
            continue;
        }
        if (!check(c, name, bond_check_property(mode, key, value))) {
            smap_destroy(out);
            return false;
        }
        smap_replace(out, key, value);
    }
    return true;
}

/* The mode's own defaults in 'props': LACP hashes on TCP/UDP ports unless
 * told otherwise, the other modes do not take a hashing algorithm. */
static void
bond_mode_properties(enum bond_mode mode, struct smap *props)
{
    if (mode == BOND_MODE_LACP) {
        if (!smap_get(props, "hashing_algorithm")) {
            smap_add(props, "hashing_algorithm", "tcpudp_ports");
        }
    } else {
        smap_remove(props, "hashing_algorithm");
    }
}

/* Whether 'name' is free as the device of a new bond PIF. */
static bool
bond_device_is_free(const struct xrec_db *db, const char *name)
{
    for (size_t i = 0; i < db->n_pifs; i++) {
        if (!strcmp(db->pifs[i]->device, name)) {
            return false;
        }
    }
    return !xrec_find_network_by_bridge(db, name);
}

/* Parses "pif-uuids" into 'members' (PIFs of 'c->db', at most
 * BOND_MAX_MEMBERS) and checks each may join a bond. */
static bool
arg_members(struct call *c, struct xrec_pif **members, size_t *n)
{
    const char *s = arg_required(c, "pif-uuids");
    char *copy, *save = NULL;
    bool ok = true;

    *n = 0;
    if (!s) {
        return false;
    }
    copy = xstrdup(s);
    for (char *tok = strtok_r(copy, ",", &save); ok && tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *uuid;
        struct xrec_pif *pif;

        if (!check(c, "pif-uuids", xrec_parse_uuid(tok, &uuid))) {
            ok = false;
            break;
        }
        pif = xrec_find_pif(c->db, uuid);
        if (!pif) {
            ok = REJECT(c, "pif-uuids", "no PIF with uuid %s", uuid);
        } else if (*n >= BOND_MAX_MEMBERS) {
            ok = REJECT(c, "pif-uuids",
                        "more than %d PIFs; a bond has %d to %d members",
                        BOND_MAX_MEMBERS, BOND_MIN_MEMBERS, BOND_MAX_MEMBERS);
        } else {
            for (size_t i = 0; i < *n; i++) {
                if (members[i] == pif) {
                    ok = REJECT(c, "pif-uuids", "PIF %s is listed twice",
                                uuid);
                }
            }
            members[(*n)++] = pif;
        }
        free(uuid);
    }
    free(copy);
    if (ok && *n < BOND_MIN_MEMBERS) {
        ok = REJECT(c, "pif-uuids",
                    "%zu PIF%s; a bond has %d to %d members (comma-separated "
                    "uuids)",
                    *n, *n == 1 ? "" : "s", BOND_MIN_MEMBERS,
                    BOND_MAX_MEMBERS);
    }
    for (size_t i = 0; ok && i < *n; i++) {
        const struct xrec_pif *pif = members[i];
        const struct xrec_bond *bond;

        if (pif->vlan != XREC_VLAN_NONE) {
            return REJECT(c, "pif-uuids",
                          "PIF %s is VLAN %d on %s; a bond member must be a "
                          "physical PIF",
                          pif->uuid, pif->vlan, pif->device);
        }
        if ((bond = xrec_find_bond_by_master(c->db, pif->uuid))) {
            return REJECT(c, "pif-uuids",
                          "PIF %s (%s) is the PIF of bond %s; a bond cannot "
                          "be a member of another",
                          pif->uuid, pif->device, bond->uuid);
        }
        if ((bond = xrec_find_bond_by_slave(c->db, pif->uuid))) {
            return REJECT(c, "pif-uuids",
                          "PIF %s (%s) is already a member of bond %s",
                          pif->uuid, pif->device, bond->uuid);
        }
        if (!pif->physical) {
            return REJECT(c, "pif-uuids", "PIF %s (%s) is not a physical PIF",
                          pif->uuid, pif->device);
        }
        for (size_t j = 0; j < c->db->n_vlans; j++) {
            const struct xrec_vlan *v = c->db->vlans[j];
            if (!strcmp(v->tagged_pif, pif->uuid)) {
                return REJECT(c, "pif-uuids",
                              "PIF %s (%s) carries VLAN %d (VLAN %s); "
                              "destroy it first and create it on the bond",
                              pif->uuid, pif->device, v->tag, v->uuid);
            }
        }
        if (pif->mtu != members[0]->mtu) {
            return REJECT(c, "pif-uuids",
                          "members have different MTUs (%s %d, %s %d); "
                          "a bond's members share one MTU",
                          members[0]->device, members[0]->mtu, pif->device,
                          pif->mtu);
        }
    }
    return ok;
}

static int
bond_create(struct call *c)
{
    struct xrec_network *net
        = ARG_RECORD(c, "network-uuid", xrec_find_network, "network");
    struct xrec_pif *members[BOND_MAX_MEMBERS];
    enum bond_mode mode = BOND_MODE_BALANCE_SLB;
    struct smap props, empty = SMAP_INITIALIZER(&empty);
    const char *mac_arg;
    char *mac = NULL;
    size_t n;

    if (!net) {
        return c->code;
    }
    const struct xrec_pif *other = xrec_find_pif_by_network(c->db, net->uuid);
    if (other) {
        REJECT(c, "network-uuid",
               "network %s already has PIF %s (%s); a bond needs a network "
               "without one (xovs network-create)",
               net->uuid, other->uuid, other->device);
        return c->code;
    }
    if (!arg_members(c, members, &n) || !arg_mode(c, "mode", &mode)) {
        return c->code;
    }
    mac_arg = arg(c, "mac");
    if (mac_arg && !check(c, "mac", xrec_parse_mac(mac_arg, &mac))) {
        return c->code;
    }
    if (!arg_properties(c, mode, &empty, &props)) {
        free(mac);
        return c->code;
    }

    /* Nothing below can fail. */
    char *device = NULL;
    for (int i = 0; !device; i++) {
        device = xasprintf("bond%d", i);
        if (!bond_device_is_free(c->db, device)) {
            free(device);
            device = NULL;
        }
    }
    struct xrec_pif *master = xrec_pif_new();
    master->uuid = new_uuid();
    master->device = device;
    master->network = xstrdup(net->uuid);
    master->mac = mac ? mac : xstrdup(members[0]->mac);
    master->mtu = net->mtu;
    master->currently_attached = true;
    xrec_db_add_pif(c->db, master);

    struct xrec_bond *bond = xrec_bond_new();
    bond->uuid = new_uuid();
    bond->master = xstrdup(master->uuid);
    bond->primary_slave = xstrdup(members[0]->uuid);
    bond->mode = mode;
    bond_mode_properties(mode, &props);
    hmap_swap(&bond->properties.map, &props.map);
    smap_destroy(&props);
    for (size_t i = 0; i < n; i++) {
        struct xrec_pif *m = members[i];
        svec_add(&bond->slaves, m->uuid);
        m->mtu = net->mtu;
        if (m->management) {
            m->management = false;
            master->management = true;
        }
        /* The member's network's VIFs now reach the world via the bond. */
        for (size_t j = 0; j < c->db->n_vifs; j++) {
            struct xrec_vif *vif = c->db->vifs[j];
            if (!strcmp(vif->network, m->network)) {
                set_string(c, &vif->network, net->uuid);
            }
        }
    }
    xrec_db_add_bond(c->db, bond);
    c->changed = true;
    result_uuid(c, bond->uuid);
    return 0;
}

static int
bond_destroy(struct call *c)
{
    struct xrec_bond *bond = ARG_RECORD(c, "uuid", xrec_find_bond, "bond");

    if (!bond) {
        return c->code;
    }
    struct xrec_pif *master = xrec_find_pif(c->db, bond->master);
    struct xrec_pif *primary = xrec_find_pif(c->db, bond->primary_slave);

    for (size_t i = 0; i < c->db->n_vifs; i++) {
        struct xrec_vif *vif = c->db->vifs[i];
        if (!strcmp(vif->network, master->network)) {
            set_string(c, &vif->network, primary->network);
        }
    }
    for (size_t i = 0; i < c->db->n_vlans; i++) {
        struct xrec_vlan *v = c->db->vlans[i];
        if (!strcmp(v->tagged_pif, master->uuid)) {
            struct xrec_pif *vpif = xrec_find_pif(c->db, v->untagged_pif);
            set_string(c, &v->tagged_pif, primary->uuid);
            set_string(c, &vpif->device, primary->device);
        }
    }
    if (master->management) {
        primary->management = true;
    }
    xrec_db_delete_pif(c->db, master);
    xrec_db_delete_bond(c->db, bond);
    c->changed = true;
    return 0;
}

static int
bond_set_mode(struct call *c)
{
    struct xrec_bond *bond = ARG_RECORD(c, "uuid", xrec_find_bond, "bond");
    enum bond_mode mode;

    if (!bond) {
        return c->code;
    }
    mode = bond->mode;
    if (!arg_required(c, "mode") || !arg_mode(c, "mode", &mode)) {
        return c->code;
    }
    if (mode != bond->mode) {
        struct smap props;
        smap_clone(&props, &bond->properties);
        bond_mode_properties(mode, &props);
        bond->mode = mode;
        set_smap(c, &bond->properties, &props);
        c->changed = true;
    }
    return 0;
}

static int
bond_param_set(struct call *c)
{
    struct xrec_bond *bond = ARG_RECORD(c, "uuid", xrec_find_bond, "bond");
    struct smap props;
    char *primary = NULL;

    if (!bond) {
        return c->code;
    }
    if (arg(c, "primary-slave")) {
        primary = arg_uuid(c, "primary-slave");
        if (!primary) {
            return c->code;
        }
        if (!svec_contains_unsorted(&bond->slaves, primary)) {
            char *list = svec_join(&bond->slaves, ", ", "");
            REJECT(c, "primary-slave",
                   "PIF %s is not a member of bond %s (members: %s)", primary,
                   bond->uuid, list);
            free(list);
            free(primary);
            return c->code;
        }
    }
    if (!arg_properties(c, bond->mode, &bond->properties, &props)) {
        free(primary);
        return c->code;
    }
    set_string(c, &bond->primary_slave, primary);
    free(primary);
    set_smap(c, &bond->properties, &props);
    return 0;
}

static struct json_object *
bond_row(const struct call *c, size_t i)
{
    const struct xrec_db *db = c->db;
    const struct xrec_bond *bond = db->bonds[i];
    const struct xrec_pif *master = xrec_find_pif(db, bond->master);
    struct json_object *row = json_object_new_object();
    struct json_object *devices = json_object_new_array();
    struct json_object *slave_status = json_object_new_object();
    struct bond_status st;
    bool live = false;

    bond_status_init(&st);
    if (c->env && c->env->bond_status && master->currently_attached) {
        live = !c->env->bond_status(c->env->aux, master->device, &st);
    }
    int links_up = 0;
    for (size_t j = 0; j < bond->slaves.n; j++) {
        const struct xrec_pif *m = xrec_find_pif(db, bond->slaves.names[j]);
        struct bond_member_status *ms
            = live ? bond_status_find_member(&st, m->device) : NULL;
        char buf[128], summary[96];
        json_object_array_add(devices, json_object_new_string(m->device));
        links_up += ms && ms->link_up;
        if (ms) {
            snprintf(buf, sizeof buf, "link %s, %s",
                     ms->link_up ? "up" : "down",
                     bond_member_summary(ms, summary, sizeof summary));
        }
        xrec_json_put_string(slave_status, m->device, ms ? buf : "unknown");
    }

    xrec_json_put_string(row, "uuid", bond->uuid);
    xrec_json_put_string(row, "master", bond->master);
    xrec_json_put_string(row, "device", master->device);
    xrec_json_put_string(row, "network-uuid", master->network);
    xrec_json_put_svec(row, "slaves", &bond->slaves);
    json_object_object_add(row, "slave-devices", devices);
    xrec_json_put_string(row, "primary-slave", bond->primary_slave);
    xrec_json_put_string(row, "mode", bond_mode_to_string(bond->mode));
    xrec_json_put_smap(row, "properties", &bond->properties);
    xrec_json_put_int(row, "links-up", links_up);
    xrec_json_put_string(row, "active-slave", live ? st.active_member : "");
    xrec_json_put_string(row, "lacp-status",
                         !live               ? "unknown"
                         : st.lacp_status[0] ? st.lacp_status
                                             : "off");
    xrec_json_put_string(row, "lacp-partner-system-id",
                         live ? st.partner_sys_id : "");
    json_object_object_add(row, "slave-status", slave_status);
    put_status(c, bond->uuid, row);
    return row;
}

static int
bond_list(struct call *c)
{
    /* The status columns come from ovs-vswitchd.  If it does not answer
     * (stopped, hung, not running), say so at once instead of listing
     * every member as "unknown"; ENOENT only means a bond not on the
     * switch yet, which the rows show. */
    for (size_t i = 0; c->env && c->env->bond_status && i < c->db->n_bonds;
         i++) {
        const struct xrec_pif *master
            = xrec_find_pif(c->db, c->db->bonds[i]->master);
        if (!master || !master->currently_attached) {
            continue;
        }
        struct bond_status st;
        bond_status_init(&st);
        int error = c->env->bond_status(c->env->aux, master->device, &st);
        if (error && error != ENOENT) {
            REJECT(c, "uuid",
                   "cannot read bond %s's status from ovs-vswitchd: %s",
                   master->device,
                   error == ETIMEDOUT ? "it did not answer within a second "
                                        "(stopped or hung?)"
                   : error == ESRCH   ? "it is not running"
                                      : ovs_strerror(error));
            return c->code;
        }
        break; /* one answer shows the switch is there */
    }
    return list(c, c->db->n_bonds, bond_row);
}

/* ---------------------------------------------------------------------- */
/* VIFs. */

/* Reads the parameters vif-create and vif-param-set share into 'vif'. */
static bool
vif_args(struct call *c, struct xrec_vif *vif, struct smap *oc)
{
    struct svec v4 = SVEC_EMPTY_INITIALIZER, v6 = SVEC_EMPTY_INITIALIZER;
    bool v4_given, v6_given;
    bool ok = (arg_vif_mtu(c, "MTU", &vif->mtu)
               && arg_locking(c, "locking-mode", false, &vif->locking_mode)
               && arg_ips(c, "ipv4-allowed", AF_INET, &v4, &v4_given)
               && arg_ips(c, "ipv6-allowed", AF_INET6, &v6, &v6_given)
               && arg_other_config(c, false, &vif->other_config, oc));
    if (ok && v4_given) {
        svec_swap(&vif->ipv4_allowed, &v4);
    }
    if (ok && v6_given) {
        svec_swap(&vif->ipv6_allowed, &v6);
    }
    svec_destroy(&v4);
    svec_destroy(&v6);
    return ok;
}

static int
vif_create(struct call *c)
{
    struct xrec_vif *vif = xrec_vif_new();
    struct xrec_network *net;
    const char *mac;
    struct smap oc;

    vif->vm_uuid = arg_uuid(c, "vm-uuid");
    net = vif->vm_uuid
              ? ARG_RECORD(c, "network-uuid", xrec_find_network, "network")
              : NULL;
    if (!net || !arg_required_int(c, "domid", 0, XREC_DOMID_MAX, &vif->domid)
        || !arg_required_int(c, "device", 0, XREC_VIF_DEVICE_MAX, &vif->device)
        || !(mac = arg_required(c, "mac"))
        || !check(c, "mac", xrec_parse_mac(mac, &vif->mac))
        || !vif_args(c, vif, &oc)) {
        xrec_vif_free(vif);
        return c->code;
    }
    for (size_t i = 0; i < c->db->n_vifs; i++) {
        const struct xrec_vif *other = c->db->vifs[i];
        if (!strcmp(other->vm_uuid, vif->vm_uuid)
            && other->device == vif->device) {
            REJECT(c, "device", "VM %s already has VIF %s with device %d",
                   vif->vm_uuid, other->uuid, vif->device);
            smap_destroy(&oc);
            xrec_vif_free(vif);
            return c->code;
        }
    }

    vif->uuid = new_uuid();
    vif->network = xstrdup(net->uuid);
    hmap_swap(&vif->other_config.map, &oc.map);
    smap_destroy(&oc);
    xrec_db_add_vif(c->db, vif);
    c->changed = true;
    result_uuid(c, vif->uuid);
    return 0;
}

static int
vif_param_set(struct call *c)
{
    struct xrec_vif *vif = ARG_RECORD(c, "uuid", xrec_find_vif, "VIF");
    struct xrec_vif *new;
    struct smap oc;

    if (!vif) {
        return c->code;
    }
    /* Parse into a scratch copy, so a rejection leaves 'vif' untouched. */
    new = xrec_vif_new();
    new->domid = vif->domid;
    new->mtu = vif->mtu;
    new->locking_mode = vif->locking_mode;
    svec_clone(&new->ipv4_allowed, &vif->ipv4_allowed);
    svec_clone(&new->ipv6_allowed, &vif->ipv6_allowed);
    smap_clone(&new->other_config, &vif->other_config);
    if (arg_int(c, "domid", 0, XREC_DOMID_MAX, &new->domid)
        && (new->domid == vif->domid || !vif->currently_attached
            || REJECT(c, "domid",
                      "VIF %s is plugged as vif%d.%d; unplug it "
                      "first",
                      vif->uuid, vif->domid, vif->device))
        && vif_args(c, new, &oc)) {
        set_int(c, &vif->domid, new->domid);
        set_int(c, &vif->mtu, new->mtu);
        set_locking(c, &vif->locking_mode, new->locking_mode);
        set_svec(c, &vif->ipv4_allowed, &new->ipv4_allowed);
        set_svec(c, &vif->ipv6_allowed, &new->ipv6_allowed);
        set_smap(c, &vif->other_config, &oc);
    }
    xrec_vif_free(new);
    return c->code;
}

static int
vif_plug(struct call *c)
{
    struct xrec_vif *vif = ARG_RECORD(c, "uuid", xrec_find_vif, "VIF");

    if (!vif) {
        return c->code;
    }
    for (size_t i = 0; i < c->db->n_vifs; i++) {
        const struct xrec_vif *other = c->db->vifs[i];
        if (other != vif && other->currently_attached
            && other->domid == vif->domid && other->device == vif->device) {
            REJECT(c, "uuid",
                   "vif%d.%d is already the port of plugged VIF "
                   "%s; unplug it first",
                   vif->domid, vif->device, other->uuid);
            return c->code;
        }
    }
    set_bool(c, &vif->currently_attached, true);
    return 0;
}

static int
vif_unplug(struct call *c)
{
    struct xrec_vif *vif = ARG_RECORD(c, "uuid", xrec_find_vif, "VIF");

    if (vif) {
        set_bool(c, &vif->currently_attached, false);
    }
    return c->code;
}

#define VIF_STATS_MAX_KEYS 64
#define VIF_STATS_MAX_VIFS 4096

/* Whether 's' is "key=value,..." with at most VIF_STATS_MAX_KEYS keys of
 * [a-z0-9_] (1..32 bytes) and values of 1..19 digits. */
static bool
vif_stats_valid(const char *s)
{
    size_t n_keys = 0;
    while (*s) {
        size_t klen = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (!klen || klen > 32 || s[klen] != '=') {
            return false;
        }
        s += klen + 1;
        size_t vlen = strspn(s, "0123456789");
        if (!vlen || vlen > 19 || (s[vlen] && s[vlen] != ',')) {
            return false;
        }
        bool more = s[vlen] == ',';
        s += vlen + more;
        if (++n_keys > VIF_STATS_MAX_KEYS || (more && !*s)) {
            return false;
        }
    }
    return n_keys > 0;
}

/* Keeps what xovs-netback reports about a VIF's port; the records do not
 * change. */
static int
vif_stats_report(struct call *c)
{
    const char *name = arg_required(c, "name");
    const char *stats = arg_required(c, "stats");
    int domid, device, len = 0;
    struct shash *map = c->env ? c->env->vif_stats : NULL;

    if (!name || !stats) {
        return c->code;
    }
    if (strncmp(name, "vif", 3) || !isdigit((unsigned char)name[3])
        || sscanf(name, "vif%d.%d%n", &domid, &device, &len) != 2
        || (size_t)len != strlen(name) || domid < 0 || device < 0) {
        REJECT(c, "name", "\"%.32s\" is not vif<domid>.<device>", name);
        return c->code;
    }
    if (!vif_stats_valid(stats)) {
        REJECT(c, "stats",
               "must be key=value,... with at most %d integer counters",
               VIF_STATS_MAX_KEYS);
        return c->code;
    }
    if (!map) {
        REJECT(c, "name", "this agent keeps no VIF counters");
        return c->code;
    }
    if (!shash_find(map, name) && shash_count(map) >= VIF_STATS_MAX_VIFS) {
        REJECT(c, "name", "counters of %d VIFs kept already",
               VIF_STATS_MAX_VIFS);
        return c->code;
    }
    free(shash_replace(map, name, xstrdup(stats)));
    return c->code;
}

static int
vif_destroy(struct call *c)
{
    struct xrec_vif *vif = ARG_RECORD(c, "uuid", xrec_find_vif, "VIF");

    if (!vif) {
        return c->code;
    }
    if (vif->currently_attached) {
        REJECT(c, "uuid",
               "VIF %s is plugged; unplug it first (xovs "
               "vif-unplug uuid=%s)",
               vif->uuid, vif->uuid);
        return c->code;
    }
    xrec_db_delete_vif(c->db, vif);
    c->changed = true;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Dispatch. */

static const struct {
    const char *verb;
    int (*run)(struct call *);
} handlers[] = {
    {"network-create", network_create},
    {"network-list", network_list},
    {"network-param-set", network_param_set},
    {"network-destroy", network_destroy},
    {"pif-scan", pif_scan},
    {"pif-list", pif_list},
    {"pif-plug", pif_plug},
    {"pif-unplug", pif_unplug},
    {"pif-param-set", pif_param_set},
    {"vlan-create", vlan_create},
    {"vlan-destroy", vlan_destroy},
    {"vlan-list", vlan_list},
    {"bond-create", bond_create},
    {"bond-destroy", bond_destroy},
    {"bond-set-mode", bond_set_mode},
    {"bond-param-set", bond_param_set},
    {"bond-list", bond_list},
    {"vif-create", vif_create},
    {"vif-plug", vif_plug},
    {"vif-unplug", vif_unplug},
    {"vif-param-set", vif_param_set},
    {"vif-destroy", vif_destroy},
    {"vif-list", vif_list},
    {"vif-stats-report", vif_stats_report},
};

/* Checks the shape of 'params': an object of at most XRPC_MAX_PARAMS
 * strings, each named by 'verb'. */
static bool
check_params(struct call *c)
{
    if (!json_object_is_type(c->params, json_type_object)) {
        return fail(c, XRPC_USAGE, "params", "must be a JSON object");
    }
    if (json_object_object_length(c->params) > XRPC_MAX_PARAMS) {
        return fail(c, XRPC_USAGE, "params", "more than %d parameters",
                    XRPC_MAX_PARAMS);
    }
    for (struct lh_entry *e = lh_table_head(json_object_get_object(c->params));
         e; e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        struct json_object *val = lh_entry_v(e);
        char *bad = xrpc_check_param_name(c->verb, key);
        if (bad) {
            c->error = bad;
            c->code = XRPC_USAGE;
            return false;
        }
        if (!json_object_is_type(val, json_type_string)
            || strlen(json_object_get_string(val))
                   != (size_t)json_object_get_string_len(val)) {
            return fail(c, XRPC_USAGE, key, "value must be a string");
        }
    }
    return true;
}

int
xapi_call(struct xrec_db *db, const struct xapi_env *env, const char *method,
          struct json_object *params, struct json_object **result,
          char **error, bool *changed)
{
    struct call c = {
        .db = db,
        .env = env,
        .verb = xrpc_verb_find(method),
        .params = params ? json_object_get(params) : json_object_new_object(),
    };
    int (*run)(struct call *) = NULL;

    for (size_t i = 0; c.verb && i < ARRAY_SIZE(handlers); i++) {
        if (!strcmp(handlers[i].verb, c.verb->name)) {
            run = handlers[i].run;
        }
    }
    if (!run) {
        fail(&c, XRPC_USAGE, "method",
             "unknown method \"%.64s\" (see: xovs "
             "help)",
             method);
    } else if (check_params(&c)) {
        int code = run(&c);
        if (code != c.code || (code && (c.changed || !c.error))) {
            ovs_abort(0, "%s: handler broke the reject-before-change rule",
                      method);
        }
    }
    if (c.changed) {
        char *broken = xrec_db_check(db);
        if (broken) {
            ovs_abort(0, "%s left the records inconsistent: %s", method,
                      broken);
        }
    }
    json_object_put(c.params);
    if (c.code) {
        json_object_put(c.result);
        c.result = NULL;
    }
    *result = c.result;
    *error = c.error;
    *changed = c.changed;
    return c.code;
}

char *
xapi_handle_line(struct xrec_db *db, const struct xapi_env *env,
                 const char *line, size_t len, xapi_commit_fn *commit,
                 void *aux, bool *changed)
{
    struct json_object *request, *id, *params, *result;
    const char *method;
    char *error, *response;
    struct xrec_db backup;

    *changed = false;
    error = xrpc_parse_request(line, len, &request, &id, &method, &params);
    if (error) {
        response = xrpc_error_line(id, XRPC_USAGE, error);
        free(error);
        json_object_put(request);
        return response;
    }

    const struct xrpc_verb *verb = xrpc_verb_find(method);
    bool backed_up = commit && verb && !(verb->flags & XRPC_LIST);
    if (backed_up) {
        xrec_db_clone(&backup, db);
    }

    bool call_changed;
    int code
        = xapi_call(db, env, method, params, &result, &error, &call_changed);
    if (!code && call_changed && backed_up && env && env->verify) {
        char *collision = env->verify(env->status_aux, &backup, db);
        if (collision) {
            xrec_db_destroy(db);
            *db = backup;
            backed_up = false;
            json_object_put(result);
            result = NULL;
            code = XRPC_REJECTED;
            error = xasprintf("%s; nothing was changed", collision);
            free(collision);
            call_changed = false;
        }
    }
    if (!code && call_changed && commit) {
        char *failure = commit(aux, db);
        if (failure) {
            xrec_db_destroy(db);
            *db = backup;
            backed_up = false;
            json_object_put(result);
            code = XRPC_FAILED;
            error = xasprintf("cannot save the records (%s); nothing was "
                              "changed",
                              failure);
            free(failure);
            call_changed = false;
        }
    }
    if (backed_up) {
        xrec_db_destroy(&backup);
    }
    *changed = call_changed;
    response = (code ? xrpc_error_line(id, code, error)
                     : xrpc_result_line(id, result));
    free(error);
    json_object_put(request);
    return response;
}
