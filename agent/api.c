/* agent/api.c: the request executor (see api.h): dispatch, the call
 * context, the shared parameter and record helpers, and list results.
 *
 * Every handler has two phases.  First it reads and checks every parameter
 * and every rule against the records, rejecting with a message that names
 * the parameter ("MTU: 99999 is outside 68..9216").  Only when nothing can
 * fail any more does it change the records.  xapi_call() enforces the
 * split: a handler that reports a change and a rejection together, or
 * leaves the records breaking an invariant (xrec_db_check(), or within a
 * change xrec_change_check(): only what the call touched), is a bug and
 * aborts the agent rather than persist a broken database.
 *
 * xapi_handle_line() runs each changing call inside a change (records.h),
 * which remembers what the call touched: the undo if the switch or the
 * store refuses it, the records checked and the records saved, so that a
 * change of one VIF costs the same on a host of 7000 VIFs as of 7.
 *
 * The handlers live with their records: api-network.c (networks and their
 * bridges), api-pif.c (PIFs and VLANs), api-bond.c and api-vif.c; what they
 * share with this file is in api-private.h. */

#include <config.h>
#include "agent/api.h"
#include "agent/api-private.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/records.h"
#include "agent/rpc.h"
#include "util.h"
#include "uuid.h"

/* ---------------------------------------------------------------------- */
/* Failing. */

/* Records the first failure of 'c' as "FIELD: REASON" and returns false, so
 * that checks read "if (!ok) return xapi_fail(...)". */
bool
xapi_fail(struct xapi_ctx *c, int code, const char *field, const char *format,
          ...)
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

/* Rejects with 'reason' (a validator's result; NULL means fine, and then
 * returns true).  Frees 'reason'. */
bool
xapi_check(struct xapi_ctx *c, const char *field, char *reason)
{
    if (reason) {
        XAPI_REJECT(c, field, "%s", reason);
        free(reason);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Parameters.  Each xapi_arg_*() returns true if the parameter is absent
 * (leaving '*out' alone) or valid (storing it), false after rejecting it. */

const char *
xapi_arg(const struct xapi_ctx *c, const char *name)
{
    struct json_object *val;
    return (json_object_object_get_ex(c->params, name, &val)
                ? json_object_get_string(val)
                : NULL);
}

const char *
xapi_arg_required(struct xapi_ctx *c, const char *name)
{
    const char *s = xapi_arg(c, name);
    if (!s) {
        XAPI_REJECT(c, name,
                    "required parameter is missing (see: xovs help %s)",
                    c->verb->name);
    }
    return s;
}

bool
xapi_arg_int(struct xapi_ctx *c, const char *name, int min, int max, int *out)
{
    const char *s = xapi_arg(c, name);
    return !s || xapi_check(c, name, xrec_parse_int(s, min, max, out));
}

bool
xapi_arg_required_int(struct xapi_ctx *c, const char *name, int min, int max,
                      int *out)
{
    return xapi_arg_required(c, name) && xapi_arg_int(c, name, min, max, out);
}

bool
xapi_arg_locking(struct xapi_ctx *c, const char *name, bool network,
                 enum xrec_locking_mode *out)
{
    const char *s = xapi_arg(c, name);
    enum xrec_locking_mode mode;

    if (!s) {
        return true;
    }
    if (!xrec_locking_mode_from_string(s, &mode)
        || (network && mode != XREC_LOCK_UNLOCKED
            && mode != XREC_LOCK_DISABLED)) {
        return XAPI_REJECT(c, name, "\"%.64s\" is not %s", s,
                           network ? "unlocked or disabled"
                                   : "network_default, locked, unlocked or "
                                     "disabled");
    }
    *out = mode;
    return true;
}

bool
xapi_arg_map(struct xapi_ctx *c, const char *prefix, xapi_map_check_fn *check,
             const void *aux, const struct smap *cur, struct smap *out)
{
    size_t plen = strlen(prefix);

    smap_clone(out, cur);
    for (struct lh_entry *e = lh_table_head(json_object_get_object(c->params));
         e; e = lh_entry_next(e)) {
        const char *name = lh_entry_k(e);
        const char *value = json_object_get_string(lh_entry_v(e));
        const char *key = name + plen;

        if (strncmp(name, prefix, plen)) {
            continue;
        }
        if (!xapi_check(c, name, check(key, *value ? value : NULL, aux))) {
            smap_destroy(out);
            return false;
        }
        if (*value) {
            smap_replace(out, key, value);
        } else {
            smap_remove(out, key);
        }
    }
    return true;
}

/* xapi_map_check_fn for other-config ('aux' points to bool "network"). */
static char *
xapi_check_other_config(const char *key, const char *value, const void *aux)
{
    const bool *network = aux;
    char *reason = xrec_check_other_config_key(key);
    if (!reason && value) {
        reason = xrec_check_other_config_value(*network, key, value);
    }
    return reason;
}

/* Computes in 'out' (uninitialized) the other_config map 'cur' as changed by
 * the other-config:KEY=VALUE parameters; an empty VALUE removes KEY.
 * Returns false (with 'out' destroyed) after rejecting one. */
bool
xapi_arg_other_config(struct xapi_ctx *c, bool network, const struct smap *cur,
                      struct smap *out)
{
    if (!xapi_arg_map(c, XAPI_OTHER_CONFIG_PREFIX, xapi_check_other_config,
                      &network, cur, out)) {
        return false;
    }
    if (smap_count(out) > XREC_OTHER_CONFIG_MAX) {
        smap_destroy(out);
        return XAPI_REJECT(c, "other-config", "more than %d keys",
                           XREC_OTHER_CONFIG_MAX);
    }
    return true;
}

/* The canonical form of uuid parameter 'name' (required), or NULL after
 * rejecting it.  Caller frees. */
char *
xapi_arg_uuid(struct xapi_ctx *c, const char *name)
{
    const char *s = xapi_arg_required(c, name);
    char *uuid = NULL;

    if (s) {
        xapi_check(c, name, xrec_parse_uuid(s, &uuid));
    }
    return uuid;
}

/* ---------------------------------------------------------------------- */
/* Changing records.  Called only once nothing can be rejected any more. */

char *
xapi_new_uuid(void)
{
    struct uuid uuid;
    uuid_generate(&uuid);
    return xasprintf(UUID_FMT, UUID_ARGS(&uuid));
}

void
xapi_set_string(struct xapi_ctx *c, char **field, const char *value)
{
    if (value && (!*field || strcmp(*field, value))) {
        free(*field);
        *field = xstrdup(value);
        c->changed = true;
    }
}

void
xapi_set_int(struct xapi_ctx *c, int *field, int value)
{
    if (*field != value) {
        *field = value;
        c->changed = true;
    }
}

void
xapi_set_bool(struct xapi_ctx *c, bool *field, bool value)
{
    if (*field != value) {
        *field = value;
        c->changed = true;
    }
}

void
xapi_set_locking(struct xapi_ctx *c, enum xrec_locking_mode *field,
                 enum xrec_locking_mode value)
{
    if (*field != value) {
        *field = value;
        c->changed = true;
    }
}

/* Moves 'value' into '*field' (both initialized; 'value' is destroyed). */
void
xapi_set_smap(struct xapi_ctx *c, struct smap *field, struct smap *value)
{
    if (!smap_equal(field, value)) {
        hmap_swap(&field->map, &value->map);
        c->changed = true;
    }
    smap_destroy(value);
}

void
xapi_result_uuid(struct xapi_ctx *c, const char *uuid)
{
    c->result = json_object_new_object();
    json_object_object_add(c->result, "uuid", json_object_new_string(uuid));
}

/* ---------------------------------------------------------------------- */
/* Lists. */

/* Adds "status" (applied, pending or error) and "error" (why it is not
 * applied, "" if it is) for record 'uuid', as the switch reports them
 * through 'c->env'; nothing without a record_status() to ask. */
void
xapi_put_status(const struct xapi_ctx *c, const char *uuid,
                struct json_object *row)
{
    if (c->env && c->env->record_status) {
        const char *error = NULL;
        const char *status
            = c->env->record_status(c->env->status_aux, uuid, &error);
        xrec_json_put_string(row, "status", status);
        xrec_json_put_string(row, "error", error);
    }
}

/* Parses "params" into 'fields' (the names to show, in order; empty for all
 * fields).  Unknown names are usage errors. */
static bool
list_fields(struct xapi_ctx *c, struct svec *fields)
{
    const char *s = xapi_arg(c, "params");
    char *copy, *save = NULL;
    bool ok = true;

    if (!s || !strcmp(s, "all")) {
        return true;
    }
    copy = xstrdup(s);
    for (char *tok = strtok_r(copy, ",", &save); ok && tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (!xrpc_param_find(c->verb, tok)) {
            ok = xapi_fail(c, XRPC_USAGE, "params",
                           "%.64s is not a field of %s "
                           "(see: xovs help %s)",
                           tok, c->verb->name, c->verb->name);
        } else if (!svec_contains_unsorted(fields, tok)) {
            svec_add(fields, tok);
        }
    }
    free(copy);
    if (ok && !fields->n) {
        ok = xapi_fail(c, XRPC_USAGE, "params", "names no field");
    }
    return ok;
}

/* Returns true if 'row' matches every field=value filter of 'c'. */
static bool
list_match(const struct xapi_ctx *c, struct json_object *row)
{
    size_t plen = strlen(XAPI_OTHER_CONFIG_PREFIX);

    for (struct lh_entry *e = lh_table_head(json_object_get_object(c->params));
         e; e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        struct json_object *want = lh_entry_v(e);
        struct json_object *val = NULL;
        bool match;

        size_t pplen = strlen(XAPI_PROPERTIES_PREFIX);

        if (!strcmp(key, "params")) {
            continue;
        } else if (!strncmp(key, XAPI_OTHER_CONFIG_PREFIX, plen)
                   || !strncmp(key, XAPI_PROPERTIES_PREFIX, pplen)) {
            bool oc_key = !strncmp(key, XAPI_OTHER_CONFIG_PREFIX, plen);
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

int
xapi_list(struct xapi_ctx *c, size_t n, xapi_row_fn *make_row)
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

/* ---------------------------------------------------------------------- */
/* Dispatch. */

static const struct {
    const char *verb;
    int (*run)(struct xapi_ctx *);
} handlers[] = {
    {"network-create", xapi_network_create},
    {"network-list", xapi_network_list},
    {"network-param-set", xapi_network_param_set},
    {"network-destroy", xapi_network_destroy},
    {"pif-scan", xapi_pif_scan},
    {"pif-introduce", xapi_pif_introduce},
    {"pif-forget", xapi_pif_forget},
    {"pif-list", xapi_pif_list},
    {"pif-plug", xapi_pif_plug},
    {"pif-unplug", xapi_pif_unplug},
    {"pif-param-set", xapi_pif_param_set},
    {"pif-reconfigure-ip", xapi_pif_reconfigure_ip},
    {"pif-reconfigure-ipv6", xapi_pif_reconfigure_ipv6},
    {"host-management-reconfigure", xapi_host_management_reconfigure},
    {"host-management-disable", xapi_host_management_disable},
    {"vlan-create", xapi_vlan_create},
    {"vlan-destroy", xapi_vlan_destroy},
    {"vlan-list", xapi_vlan_list},
    {"bond-create", xapi_bond_create},
    {"bond-destroy", xapi_bond_destroy},
    {"bond-set-mode", xapi_bond_set_mode},
    {"bond-param-set", xapi_bond_param_set},
    {"bond-list", xapi_bond_list},
    {"vif-create", xapi_vif_create},
    {"vif-plug", xapi_vif_plug},
    {"vif-unplug", xapi_vif_unplug},
    {"vif-param-set", xapi_vif_param_set},
    {"vif-destroy", xapi_vif_destroy},
    {"vif-list", xapi_vif_list},
    {"vif-stats-report", xapi_vif_stats_report},
    {"pool-param-set", xapi_pool_param_set},
    {"pool-list", xapi_pool_list},
    {"host-ovn-join", xapi_host_ovn_join},
    {"host-ovn-leave", xapi_host_ovn_leave},
    {"port-stats-list", xapi_port_stats_list},
    {"port-stats-history", xapi_port_stats_history},
    {"sdn-controller-introduce", xapi_sdn_controller_introduce},
    {"sdn-controller-forget", xapi_sdn_controller_forget},
    {"sdn-controller-list", xapi_sdn_controller_list},
    {"ssl-set", xapi_ssl_set},
    {"ssl-clear", xapi_ssl_clear},
    {"ssl-list", xapi_ssl_list},
    {"tunnel-create", xapi_tunnel_create},
    {"tunnel-destroy", xapi_tunnel_destroy},
    {"tunnel-list", xapi_tunnel_list},
    {"mirror-create", xapi_mirror_create},
    {"mirror-destroy", xapi_mirror_destroy},
    {"mirror-list", xapi_mirror_list},
    {"batch", xapi_batch},
};

/* The handler of verb 'name', or NULL. */
static int (*xapi_find_handler(const char *name))(struct xapi_ctx *)
{
    for (size_t i = 0; i < ARRAY_SIZE(handlers); i++) {
        if (!strcmp(handlers[i].verb, name)) {
            return handlers[i].run;
        }
    }
    return xapi_param_handler(name);
}

/* Checks the shape of 'params': an object of at most XRPC_MAX_PARAMS
 * strings, each named by 'verb'. */
static bool
check_params(struct xapi_ctx *c)
{
    if (!json_object_is_type(c->params, json_type_object)) {
        return xapi_fail(c, XRPC_USAGE, "params", "must be a JSON object");
    }
    if (json_object_object_length(c->params) > XRPC_MAX_PARAMS) {
        return xapi_fail(c, XRPC_USAGE, "params", "more than %d parameters",
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
            return xapi_fail(c, XRPC_USAGE, key, "value must be a string");
        }
    }
    return true;
}

int
xapi_run(struct xapi_ctx *c, const char *method, struct json_object *params,
         struct json_object **result)
{
    struct xapi_ctx sub = {
        .db = c->db,
        .env = c->env,
        .verb = xrpc_verb_find(method),
        .params = params,
    };
    int (*run)(struct xapi_ctx *) = xapi_find_handler(method);

    ovs_assert(sub.verb && run);
    if (check_params(&sub)) {
        run(&sub);
    }
    c->changed = c->changed || sub.changed;
    if (sub.code) {
        if (!c->error) {
            c->error = sub.error;
            c->code = sub.code;
        } else {
            free(sub.error);
        }
        json_object_put(sub.result);
        *result = NULL;
    } else {
        *result = sub.result;
    }
    return sub.code;
}

int
xapi_call(struct xrec_db *db, const struct xapi_env *env, const char *method,
          struct json_object *params, struct json_object **result,
          char **error, bool *changed)
{
    struct xapi_ctx c = {
        .db = db,
        .env = env,
        .verb = xrpc_verb_find(method),
        .params = params ? json_object_get(params) : json_object_new_object(),
    };
    int (*run)(struct xapi_ctx *) = NULL;

    run = c.verb ? xapi_find_handler(c.verb->name) : NULL;
    if (!run) {
        xapi_fail(&c, XRPC_USAGE, "method",
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
        char *broken = (db->change ? xrec_change_check(db->change, db)
                                   : xrec_db_check(db));
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

    *changed = false;
    error = xrpc_parse_request(line, len, &request, &id, &method, &params);
    if (error) {
        response = xrpc_error_line(id, XRPC_USAGE, error);
        free(error);
        json_object_put(request);
        return response;
    }

    const struct xrpc_verb *verb = xrpc_verb_find(method);
    struct xrec_change *change
        = (commit && verb && !(verb->flags & XRPC_LIST) ? xrec_change_begin(db)
                                                        : NULL);

    bool call_changed;
    int code
        = xapi_call(db, env, method, params, &result, &error, &call_changed);
    if (!code && call_changed && change && env && env->verify) {
        char *collision = env->verify(env->status_aux, change, db);
        if (collision) {
            xrec_change_rollback(db, change);
            json_object_put(result);
            result = NULL;
            code = XRPC_REJECTED;
            error = xasprintf("%s; nothing was changed", collision);
            free(collision);
            call_changed = false;
        }
    }
    if (!code && call_changed && commit) {
        ovs_assert(change);
        char *failure = commit(aux, change, db);
        if (failure) {
            xrec_change_rollback(db, change);
            json_object_put(result);
            code = XRPC_FAILED;
            error = xasprintf("cannot save the records (%s); nothing was "
                              "changed",
                              failure);
            free(failure);
            call_changed = false;
        }
    }
    if (change) {
        xrec_change_end(db, change);
    }
    if (!code && call_changed
        && (!result || json_object_is_type(result, json_type_object))) {
        /* "OK" means recorded and saved, not yet in OVS: say so.  The
         * records' status in the list verbs tells when it got there. */
        if (!result) {
            result = json_object_new_object();
        }
        json_object_object_add(result, "status",
                               json_object_new_string("pending"));
    }
    *changed = call_changed;
    response = (code ? xrpc_error_line(id, code, error)
                     : xrpc_result_line(id, result));
    free(error);
    json_object_put(request);
    return response;
}
