/* agent/api-param.c: xe's generic verbs (rpc-param.c has their table):
 * KIND-param-get, -param-add, -param-remove and -param-clear on networks,
 * PIFs, VLANs, bonds and VIFs.
 *
 * They know nothing of the records themselves.  A field is what KIND-list
 * shows, with the access the verb table gives it (xe's " RO", " RW", "MRW"
 * map, "SRW" set...): param-get reads it from KIND-list's row, and the
 * changing verbs turn into the KIND-param-set call that makes the same
 * change (a map key as PREFIX:KEY=VALUE, an empty value removing it; a set
 * as its whole new value), so every check of param-set applies and nothing
 * is changed twice.  All their own checks come first; the param-set call
 * is the last step. */

#include <config.h>
#include "agent/api-private.h"

#include <json-c/json.h>
#include <string.h>

#include "agent/records.h"
#include "agent/rpc.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

/* A record kind the generic verbs work on. */
struct param_kind {
    const char *kind;  /* verb prefix: "vif" */
    const char *label; /* "VIF" */
    const char *list;  /* its list verb */
    const char *set;   /* its param-set verb, NULL if none */
};

static const struct param_kind kinds[] = {
    {"network", "network", "network-list", "network-param-set"},
    {"pif", "PIF", "pif-list", "pif-param-set"},
    {"vlan", "VLAN", "vlan-list", NULL},
    {"bond", "bond", "bond-list", "bond-param-set"},
    {"vif", "VIF", "vif-list", "vif-param-set"},
};

/* Map fields and the PREFIX:KEY form param-set takes their keys in. */
static const struct {
    const char *field;
    const char *prefix;
} map_prefixes[] = {
    {"other-config", XAPI_OTHER_CONFIG_PREFIX},
    {"properties", XAPI_PROPERTIES_PREFIX},
};

static const struct param_kind *
param_kind(const struct xapi_ctx *c)
{
    const char *verb = c->verb->name;
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        size_t len = strlen(kinds[i].kind);
        if (!strncmp(verb, kinds[i].kind, len)
            && !strncmp(verb + len, "-param-", 7)) {
            return &kinds[i];
        }
    }
    OVS_NOT_REACHED();
}

/* One field of one record, as the generic verbs see it. */
struct param_field {
    const struct param_kind *kind;
    const char *uuid;           /* canonical, owned by 'row' */
    const char *name;           /* param-name */
    const struct xrpc_param *p; /* its entry in the list verb's fields */
    struct json_object *row;    /* the record's row (owned) */
    struct json_object *value;  /* the field in 'row' */
    char map_kind;              /* 'M' map, 'S' set, ' ' other */
    bool writable;
};

/* Reads "uuid" and "param-name" into 'f' and fetches the record's row.
 * Returns false after rejecting. */
static bool
param_field_get(struct xapi_ctx *c, struct param_field *f)
{
    memset(f, 0, sizeof *f);
    f->kind = param_kind(c);

    char *uuid = xapi_arg_uuid(c, "uuid");
    f->name = xapi_arg_required(c, "param-name");
    if (!uuid || !f->name) {
        free(uuid);
        return false;
    }
    f->p = xrpc_param_find(xrpc_verb_find(f->kind->list), f->name);
    if (!f->p) {
        free(uuid);
        return xapi_fail(c, XRPC_USAGE, "param-name",
                         "%.64s is not a field of a %s (see: xovs help %s)",
                         f->name, f->kind->label, f->kind->list);
    }

    struct json_object *params = json_object_new_object();
    struct json_object *rows = NULL;
    json_object_object_add(params, "uuid", json_object_new_string(uuid));
    xapi_run(c, f->kind->list, params, &rows);
    json_object_put(params);
    if (rows && json_object_array_length(rows) == 1) {
        f->row = json_object_get(json_object_array_get_idx(rows, 0));
    }
    json_object_put(rows);
    if (!f->row) {
        XAPI_REJECT(c, "uuid", "no %s with uuid %s", f->kind->label, uuid);
        free(uuid);
        return false;
    }
    free(uuid);
    struct json_object *u;
    json_object_object_get_ex(f->row, "uuid", &u);
    f->uuid = json_object_get_string(u);
    json_object_object_get_ex(f->row, f->name, &f->value);
    f->map_kind = f->p->access[0] == 'M' || f->p->access[0] == 'S'
                      ? f->p->access[0]
                      : ' ';
    f->writable = !strcmp(f->p->access + 1, "RW");
    return true;
}

static void
param_field_destroy(struct param_field *f)
{
    json_object_put(f->row);
}

/* The PREFIX: param-set takes map field 'f''s keys with. */
static const char *
param_map_prefix(const struct param_field *f)
{
    for (size_t i = 0; i < ARRAY_SIZE(map_prefixes); i++) {
        if (!strcmp(map_prefixes[i].field, f->name)) {
            return map_prefixes[i].prefix;
        }
    }
    return NULL;
}

/* Rejects unless 'f' may be changed, and is a map or set when 'collection'
 * (param-add, param-remove). */
static bool
param_check_writable(struct xapi_ctx *c, const struct param_field *f,
                     bool collection)
{
    if (!f->writable || !f->kind->set
        || (f->map_kind == 'M' && !param_map_prefix(f))) {
        return XAPI_REJECT(c, "param-name", "%s of a %s is read-only", f->name,
                           f->kind->label);
    }
    if (collection && f->map_kind == ' ') {
        return XAPI_REJECT(c, "param-name",
                           "%s is not a map or set parameter; use %s "
                           "uuid=%s %s=VALUE",
                           f->name, f->kind->set, f->uuid, f->name);
    }
    return true;
}

/* Runs KIND-param-set uuid=UUID with 'params' (consumed). */
static int
param_set(struct xapi_ctx *c, const struct param_field *f,
          struct json_object *params)
{
    struct json_object *result = NULL;
    json_object_object_add(params, "uuid", json_object_new_string(f->uuid));
    xapi_run(c, f->kind->set, params, &result);
    json_object_put(result);
    json_object_put(params);
    return c->code;
}

/* The elements of set field 'f' joined by ',' with 'add' added and
 * 'remove' left out (either may be NULL). */
static char *
param_set_value(const struct param_field *f, const char *add,
                const char *remove)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    size_t n = json_object_array_length(f->value);
    bool have = false;

    for (size_t i = 0; i < n; i++) {
        const char *e
            = json_object_get_string(json_object_array_get_idx(f->value, i));
        have = have || (add && !strcmp(e, add));
        if (!remove || strcmp(e, remove)) {
            ds_put_format(&ds, "%s%s", ds.length ? "," : "", e);
        }
    }
    if (add && !have) {
        ds_put_format(&ds, "%s%s", ds.length ? "," : "", add);
    }
    return ds_steal_cstr(&ds);
}

/* The canonical form of element 'e' of set field 'f' (addresses are kept
 * canonical), malloc'd. */
static char *
param_canon_element(const struct param_field *f, const char *e)
{
    int af = !strcmp(f->name, "ipv4-allowed")   ? AF_INET
             : !strcmp(f->name, "ipv6-allowed") ? AF_INET6
                                                : 0;
    char *canon = NULL;
    char *error = af ? xrec_parse_ip(af, e, &canon) : NULL;
    free(error);
    return canon ? canon : xstrdup(e);
}

static int
xapi_param_get(struct xapi_ctx *c)
{
    struct param_field f;
    const char *key = xapi_arg(c, "param-key");

    if (!param_field_get(c, &f)) {
        return c->code;
    }
    struct json_object *value = f.value;
    if (key && f.map_kind != 'M') {
        XAPI_REJECT(c, "param-key", "%s is not a map parameter", f.name);
    } else if (key && !json_object_object_get_ex(f.value, key, &value)) {
        XAPI_REJECT(c, "param-key", "%s of %s %s has no key \"%.64s\"", f.name,
                    f.kind->label, f.uuid, key);
    } else {
        char *text = xrpc_value_to_text(value);
        c->result = json_object_new_object();
        json_object_object_add(c->result, "value",
                               json_object_new_string(text));
        free(text);
    }
    param_field_destroy(&f);
    return c->code;
}

static int
xapi_param_add(struct xapi_ctx *c)
{
    struct param_field f;
    const char *key = xapi_arg(c, "param-key");

    if (!param_field_get(c, &f) || !param_check_writable(c, &f, true)) {
        param_field_destroy(&f);
        return c->code;
    }

    struct json_object *set = json_object_new_object();
    size_t n_pairs = 0;
    for (struct lh_entry *e = lh_table_head(json_object_get_object(c->params));
         e; e = lh_entry_next(e)) {
        const char *k = lh_entry_k(e);
        const char *v = json_object_get_string(lh_entry_v(e));
        if (!strcmp(k, "uuid") || !strcmp(k, "param-name")
            || !strcmp(k, "param-key")) {
            continue;
        }
        if (f.map_kind != 'M') {
            XAPI_REJECT(c, k,
                        "%s is a set: give the element as param-key=VALUE",
                        f.name);
            break;
        }
        if (json_object_object_get_ex(f.value, k, NULL)) {
            XAPI_REJECT(c, k,
                        "%s of %s %s already has this key; use %s or "
                        "%s-param-remove first",
                        f.name, f.kind->label, f.uuid, f.kind->set,
                        f.kind->kind);
            break;
        }
        if (!*v) {
            XAPI_REJECT(c, k, "the value is empty");
            break;
        }
        char *name = xasprintf("%s%s", param_map_prefix(&f), k);
        json_object_object_add(set, name, json_object_new_string(v));
        free(name);
        n_pairs++;
    }
    if (!c->error && f.map_kind == 'M' && (key || !n_pairs)) {
        XAPI_REJECT(c, key ? "param-key" : "param-name",
                    "%s is a map: give its new keys as KEY=VALUE", f.name);
    } else if (!c->error && f.map_kind == 'S' && !key) {
        XAPI_REJECT(c, "param-key", "required: the element to add to set %s",
                    f.name);
    } else if (!c->error && f.map_kind == 'S') {
        char *canon = param_canon_element(&f, key);
        char *value = param_set_value(&f, canon, NULL);
        json_object_object_add(set, f.name, json_object_new_string(value));
        free(value);
        free(canon);
    }
    if (c->error) {
        json_object_put(set);
    } else {
        param_set(c, &f, set);
    }
    param_field_destroy(&f);
    return c->code;
}

static int
xapi_param_remove(struct xapi_ctx *c)
{
    struct param_field f;
    const char *key = xapi_arg_required(c, "param-key");

    if (!key || !param_field_get(c, &f)) {
        return c->code;
    }
    if (param_check_writable(c, &f, true)) {
        struct json_object *set = json_object_new_object();
        if (f.map_kind == 'M') {
            char *name = xasprintf("%s%s", param_map_prefix(&f), key);
            json_object_object_add(set, name, json_object_new_string(""));
            free(name);
        } else {
            char *canon = param_canon_element(&f, key);
            char *value = param_set_value(&f, NULL, canon);
            json_object_object_add(set, f.name, json_object_new_string(value));
            free(value);
            free(canon);
        }
        param_set(c, &f, set);
    }
    param_field_destroy(&f);
    return c->code;
}

static int
xapi_param_clear(struct xapi_ctx *c)
{
    struct param_field f;

    if (!param_field_get(c, &f)) {
        return c->code;
    }
    if (param_check_writable(c, &f, false)) {
        struct json_object *set = json_object_new_object();
        if (f.map_kind == 'M') {
            for (struct lh_entry *e
                 = lh_table_head(json_object_get_object(f.value));
                 e; e = lh_entry_next(e)) {
                char *name = xasprintf("%s%s", param_map_prefix(&f),
                                       (const char *)lh_entry_k(e));
                json_object_object_add(set, name, json_object_new_string(""));
                free(name);
            }
        } else if (!xrpc_param_find(xrpc_verb_find(f.kind->set), f.name)) {
            XAPI_REJECT(c, "param-name", "%s of a %s cannot be cleared",
                        f.name, f.kind->label);
        } else {
            json_object_object_add(set, f.name, json_object_new_string(""));
        }
        if (c->error) {
            json_object_put(set);
        } else {
            param_set(c, &f, set);
        }
    }
    param_field_destroy(&f);
    return c->code;
}

int (*xapi_param_handler(const char *name))(struct xapi_ctx *)
{
    static const struct {
        const char *suffix;
        int (*run)(struct xapi_ctx *);
    } ops[] = {
        {"-param-get", xapi_param_get},
        {"-param-add", xapi_param_add},
        {"-param-remove", xapi_param_remove},
        {"-param-clear", xapi_param_clear},
    };

    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        size_t len = strlen(kinds[i].kind);
        if (strncmp(name, kinds[i].kind, len)) {
            continue;
        }
        for (size_t j = 0; j < ARRAY_SIZE(ops); j++) {
            if (!strcmp(name + len, ops[j].suffix)) {
                return ops[j].run;
            }
        }
    }
    return NULL;
}
