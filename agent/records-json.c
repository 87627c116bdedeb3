/* agent/records-json.c: the JSON form of the records.
 *
 * The JSON form is both the store's file format and the agent's view of
 * itself: {"version":1,"networks":[...],"pifs":[...],"vlans":[...],
 * "vifs":[...],"bonds":[...]} with xapi's field names ("bonds" may be
 * absent: stores written before bonds existed load unchanged).  The file is
 * untrusted input (a person may edit it, a crash may tear it), so
 * xrec_db_from_json() checks every type, range and reference and rejects the
 * whole file with one message naming the record and field; it never
 * half-loads.  The checks are records-valid.c's, the ones the API uses, so
 * that a value accepted on the command line is exactly a value the store
 * accepts back. */

#include <config.h>
#include "agent/records.h"
#include "agent/records-private.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"
#include "uuid.h"

/* To JSON. */

void
xrec_json_put_string(struct json_object *obj, const char *key,
                     const char *value)
{
    json_object_object_add(obj, key,
                           json_object_new_string(value ? value : ""));
}

void
xrec_json_put_int(struct json_object *obj, const char *key, int value)
{
    json_object_object_add(obj, key, json_object_new_int(value));
}

void
xrec_json_put_bool(struct json_object *obj, const char *key, bool value)
{
    json_object_object_add(obj, key, json_object_new_boolean(value));
}

void
xrec_json_put_smap(struct json_object *obj, const char *key,
                   const struct smap *smap)
{
    struct json_object *map = json_object_new_object();
    const struct smap_node **nodes = smap_sort(smap);

    for (size_t i = 0; i < smap_count(smap); i++) {
        xrec_json_put_string(map, nodes[i]->key, nodes[i]->value);
    }
    free(nodes);
    json_object_object_add(obj, key, map);
}

void
xrec_json_put_svec(struct json_object *obj, const char *key,
                   const struct svec *svec)
{
    struct json_object *array = json_object_new_array();

    for (size_t i = 0; i < svec->n; i++) {
        json_object_array_add(array, json_object_new_string(svec->names[i]));
    }
    json_object_object_add(obj, key, array);
}

static struct json_object *
xrec_network_to_json(const struct xrec_network *net)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", net->uuid);
    xrec_json_put_string(obj, "name_label", net->name_label);
    xrec_json_put_string(obj, "name_description", net->name_description);
    xrec_json_put_string(obj, "bridge", net->bridge);
    xrec_json_put_int(obj, "MTU", net->mtu);
    xrec_json_put_string(
        obj, "default_locking_mode",
        xrec_locking_mode_to_string(net->default_locking_mode));
    xrec_json_put_smap(obj, "other_config", &net->other_config);
    return obj;
}

static struct json_object *
xrec_pif_to_json(const struct xrec_pif *pif)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", pif->uuid);
    xrec_json_put_string(obj, "device", pif->device);
    xrec_json_put_string(obj, "network", pif->network);
    xrec_json_put_string(obj, "MAC", pif->mac);
    xrec_json_put_int(obj, "MTU", pif->mtu);
    xrec_json_put_int(obj, "VLAN", pif->vlan);
    xrec_json_put_bool(obj, "physical", pif->physical);
    xrec_json_put_bool(obj, "currently_attached", pif->currently_attached);
    xrec_json_put_bool(obj, "management", pif->management);
    xrec_json_put_smap(obj, "other_config", &pif->other_config);
    xrec_pif_ip_to_json(obj, &pif->ip);
    xrec_pif_props_to_json(obj, pif->gro);
    return obj;
}

static struct json_object *
xrec_vlan_to_json(const struct xrec_vlan *vlan)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", vlan->uuid);
    xrec_json_put_string(obj, "tagged_PIF", vlan->tagged_pif);
    xrec_json_put_string(obj, "untagged_PIF", vlan->untagged_pif);
    xrec_json_put_int(obj, "tag", vlan->tag);
    return obj;
}

struct json_object *
xrec_vif_to_json(const struct xrec_vif *vif)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", vif->uuid);
    xrec_json_put_string(obj, "VM", vif->vm_uuid);
    xrec_json_put_int(obj, "domid", vif->domid);
    xrec_json_put_int(obj, "device", vif->device);
    xrec_json_put_string(obj, "network", vif->network);
    xrec_json_put_string(obj, "MAC", vif->mac);
    xrec_json_put_int(obj, "MTU", vif->mtu);
    xrec_json_put_string(obj, "locking_mode",
                         xrec_locking_mode_to_string(vif->locking_mode));
    xrec_json_put_svec(obj, "ipv4_allowed", &vif->ipv4_allowed);
    xrec_json_put_svec(obj, "ipv6_allowed", &vif->ipv6_allowed);
    xrec_json_put_bool(obj, "currently_attached", vif->currently_attached);
    xrec_json_put_smap(obj, "other_config", &vif->other_config);
    xrec_json_put_string(obj, "qos_algorithm_type", vif->qos_algorithm_type);
    xrec_json_put_smap(obj, "qos_algorithm_params",
                       &vif->qos_algorithm_params);
    if (xrec_vif_is_trunk(vif)) {
        xrec_json_put_string(obj, "trunks", vif->trunks);
        xrec_json_put_string(obj, "vlan_mode",
                             vlan_mode_to_string(vif->vlan_mode));
        xrec_json_put_int(obj, "native_vlan", vif->native_vlan);
    }
    if (vif->dpdk_devargs) {
        xrec_json_put_string(obj, "dpdk_devargs", vif->dpdk_devargs);
    }
    return obj;
}

static struct json_object *
xrec_bond_to_json(const struct xrec_bond *bond)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", bond->uuid);
    xrec_json_put_string(obj, "master", bond->master);
    xrec_json_put_svec(obj, "slaves", &bond->slaves);
    xrec_json_put_string(obj, "primary_slave", bond->primary_slave);
    xrec_json_put_string(obj, "mode", bond_mode_to_string(bond->mode));
    xrec_json_put_smap(obj, "properties", &bond->properties);
    return obj;
}

static struct json_object *
xrec_sdn_controller_to_json(const struct xrec_sdn_controller *c)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", c->uuid);
    xrec_json_put_string(obj, "protocol", c->protocol);
    xrec_json_put_string(obj, "address", c->address);
    xrec_json_put_int(obj, "port", c->port);
    return obj;
}

static struct json_object *
xrec_tunnel_to_json(const struct xrec_tunnel *t)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", t->uuid);
    xrec_json_put_string(obj, "access_PIF", t->access_pif);
    xrec_json_put_string(obj, "transport_PIF", t->transport_pif);
    xrec_json_put_string(obj, "protocol",
                         xrec_tunnel_protocol_to_string(t->protocol));
    xrec_json_put_svec(obj, "remotes", &t->remotes);
    xrec_json_put_string(obj, "transport_address", t->transport_address);
    json_object_object_add(obj, "key", json_object_new_int64(t->key));
    xrec_json_put_smap(obj, "other_config", &t->other_config);
    return obj;
}

static struct json_object *
xrec_ssl_to_json(const struct xrec_ssl *ssl)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", ssl->uuid);
    xrec_json_put_string(obj, "private_key", ssl->private_key);
    xrec_json_put_string(obj, "certificate", ssl->certificate);
    xrec_json_put_string(obj, "ca_cert", ssl->ca_cert);
    xrec_json_put_bool(obj, "bootstrap_ca_cert", ssl->bootstrap_ca_cert);
    return obj;
}

static struct json_object *
xrec_mirror_to_json(const struct xrec_mirror *m)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", m->uuid);
    xrec_json_put_string(obj, "name_label", m->name_label);
    xrec_json_put_string(obj, "network", m->network);
    xrec_json_put_svec(obj, "src_VIFs", &m->src_vifs);
    xrec_json_put_string(obj, "output_VIF", m->output_vif);
    xrec_json_put_int(obj, "output_VLAN", m->output_vlan);
    return obj;
}

static struct json_object *
xrec_pool_to_json(const struct xrec_pool *p)
{
    struct json_object *pool = json_object_new_object();
    xrec_json_put_bool(pool, "igmp_snooping_enabled",
                       p->igmp_snooping_enabled);
    xrec_json_put_smap(pool, "other_config", &p->other_config);
    return pool;
}

struct json_object *
xrec_record_to_json(const struct xrec_db *db, const char *table, size_t i)
{
    if (!strcmp(table, "networks")) {
        return xrec_network_to_json(db->networks[i]);
    } else if (!strcmp(table, "pifs")) {
        return xrec_pif_to_json(db->pifs[i]);
    } else if (!strcmp(table, "vlans")) {
        return xrec_vlan_to_json(db->vlans[i]);
    } else if (!strcmp(table, "vifs")) {
        return xrec_vif_to_json(db->vifs[i]);
    } else if (!strcmp(table, "bonds")) {
        return xrec_bond_to_json(db->bonds[i]);
    } else if (!strcmp(table, "sdn_controllers")) {
        return xrec_sdn_controller_to_json(db->sdn_controllers[i]);
    } else if (!strcmp(table, "ssl")) {
        return xrec_ssl_to_json(db->ssls[i]);
    } else if (!strcmp(table, "tunnels")) {
        return xrec_tunnel_to_json(db->tunnels[i]);
    } else if (!strcmp(table, "mirrors")) {
        return xrec_mirror_to_json(db->mirrors[i]);
    } else if (!strcmp(table, "pool")) {
        return db->pool ? xrec_pool_to_json(db->pool) : NULL;
    }
    ovs_abort(0, "xrec_record_to_json: no table %s", table);
}

struct json_object *
xrec_db_to_json(const struct xrec_db *db)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *a;

    xrec_json_put_int(obj, "version", XREC_STORE_VERSION);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_networks; i++) {
        json_object_array_add(a, xrec_network_to_json(db->networks[i]));
    }
    json_object_object_add(obj, "networks", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_pifs; i++) {
        json_object_array_add(a, xrec_pif_to_json(db->pifs[i]));
    }
    json_object_object_add(obj, "pifs", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_vlans; i++) {
        json_object_array_add(a, xrec_vlan_to_json(db->vlans[i]));
    }
    json_object_object_add(obj, "vlans", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_vifs; i++) {
        json_object_array_add(a, xrec_vif_to_json(db->vifs[i]));
    }
    json_object_object_add(obj, "vifs", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_bonds; i++) {
        json_object_array_add(a, xrec_bond_to_json(db->bonds[i]));
    }
    json_object_object_add(obj, "bonds", a);
    if (db->pool) {
        json_object_object_add(obj, "pool", xrec_pool_to_json(db->pool));
    }
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_sdn_controllers; i++) {
        json_object_array_add(
            a, xrec_sdn_controller_to_json(db->sdn_controllers[i]));
    }
    json_object_object_add(obj, "sdn_controllers", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_ssls; i++) {
        json_object_array_add(a, xrec_ssl_to_json(db->ssls[i]));
    }
    json_object_object_add(obj, "ssl", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_tunnels; i++) {
        json_object_array_add(a, xrec_tunnel_to_json(db->tunnels[i]));
    }
    json_object_object_add(obj, "tunnels", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_mirrors; i++) {
        json_object_array_add(a, xrec_mirror_to_json(db->mirrors[i]));
    }
    json_object_object_add(obj, "mirrors", a);
    return obj;
}

/* ---------------------------------------------------------------------- */
/* From JSON.
 *
 * A 'struct jrec' is one record being parsed: its JSON object, its kind and
 * id for messages, and the first error.  Every getter is a no-op once an
 * error is set, so a parser reads as a flat list of fields. */

struct jrec {
    struct json_object *obj;
    const char *kind;       /* "network", "PIF", "VLAN", "VIF", "Bond" */
    char id[UUID_LEN + 16]; /* uuid, or "#N" before it is known */
    char *error;
};

static void jrec_fail(struct jrec *, const char *field, const char *format,
                      ...) OVS_PRINTF_FORMAT(3, 4);

static void
jrec_fail(struct jrec *r, const char *field, const char *format, ...)
{
    if (r->error) {
        return;
    }
    va_list args;
    va_start(args, format);
    char *reason = xvasprintf(format, args);
    va_end(args);
    r->error = xrec_field_error(r->kind, r->id, field, "%s", reason);
    free(reason);
}

/* Takes ownership of 'reason' (may be NULL: no error). */
static bool
jrec_check(struct jrec *r, const char *field, char *reason)
{
    if (reason) {
        jrec_fail(r, field, "%s", reason);
        free(reason);
        return false;
    }
    return !r->error;
}

/* Fails unless every key of the record is in 'fields' (NULL-terminated). */
static void
jrec_only(struct jrec *r, const char *const *fields)
{
    for (struct lh_entry *e = lh_table_head(json_object_get_object(r->obj)); e;
         e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        const char *const *f;
        for (f = fields; *f && strcmp(*f, key); f++) {
            continue;
        }
        if (!*f) {
            jrec_fail(r, key, "unknown field");
        }
    }
}

/* Returns the member 'field' if it has 'type'; NULL if absent (an error if
 * 'required') or of another type (always an error). */
static struct json_object *
jrec_get(struct jrec *r, const char *field, enum json_type type, bool required)
{
    struct json_object *val;

    if (r->error) {
        return NULL;
    }
    if (!json_object_object_get_ex(r->obj, field, &val)) {
        if (required) {
            jrec_fail(r, field, "missing");
        }
        return NULL;
    }
    if (!json_object_is_type(val, type)) {
        jrec_fail(r, field, "expected %s, got %s", json_type_to_name(type),
                  json_type_to_name(json_object_get_type(val)));
        return NULL;
    }
    return val;
}

/* Parses string 'field' into '*out' (malloc'd).  'check' validates it in
 * place; 'canon' instead validates and canonicalizes.  Absent optional
 * fields get 'def' (may be NULL). */
static void
jrec_string(struct jrec *r, const char *field, bool required, const char *def,
            char *(*check)(const char *),
            char *(*canon)(const char *, char **), char **out)
{
    struct json_object *val = jrec_get(r, field, json_type_string, required);
    const char *s = val ? json_object_get_string(val) : def;

    if (!s || r->error) {
        return;
    }
    if (val && strlen(s) != (size_t)json_object_get_string_len(val)) {
        jrec_fail(r, field, "contains a NUL byte");
        return;
    }
    if (canon) {
        char *c = NULL;
        if (jrec_check(r, field, canon(s, &c))) {
            *out = c;
        }
        return;
    }
    if (jrec_check(r, field, check ? check(s) : xrec_check_text(s))) {
        *out = xstrdup(s);
    }
}

static void
jrec_int(struct jrec *r, const char *field, bool required, int def, int min,
         int max, int *out)
{
    struct json_object *val = jrec_get(r, field, json_type_int, required);

    if (!val) {
        *out = def;
        return;
    }
    int64_t v = json_object_get_int64(val);
    if (jrec_check(r, field, xrec_check_range(v, min, max))) {
        *out = v;
    }
}

static void
jrec_bool(struct jrec *r, const char *field, bool *out)
{
    struct json_object *val = jrec_get(r, field, json_type_boolean, false);

    *out = val ? json_object_get_boolean(val) : false;
}

static void
jrec_locking(struct jrec *r, const char *field, bool network,
             enum xrec_locking_mode def, enum xrec_locking_mode *out)
{
    struct json_object *val = jrec_get(r, field, json_type_string, false);

    *out = def;
    if (val) {
        const char *s = json_object_get_string(val);
        if (!xrec_locking_mode_from_string(s, out)
            || (network
                && (*out == XREC_LOCK_NETWORK_DEFAULT
                    || *out == XREC_LOCK_LOCKED))) {
            jrec_fail(r, field, "\"%.64s\" is not %s", s,
                      network ? "unlocked or disabled"
                              : "network_default, locked, unlocked or "
                                "disabled");
        }
    }
}

static void
jrec_smap(struct jrec *r, const char *field, bool network, struct smap *out)
{
    struct json_object *val = jrec_get(r, field, json_type_object, false);

    if (!val) {
        return;
    }
    if (json_object_object_length(val) > XREC_OTHER_CONFIG_MAX) {
        jrec_fail(r, field, "more than %d keys", XREC_OTHER_CONFIG_MAX);
        return;
    }
    for (struct lh_entry *e = lh_table_head(json_object_get_object(val)); e;
         e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        struct json_object *v = lh_entry_v(e);
        if (!json_object_is_type(v, json_type_string)) {
            jrec_fail(r, field, "%.64s: expected string", key);
            return;
        }
        const char *s = json_object_get_string(v);
        if (!jrec_check(r, field, xrec_check_other_config_key(key))
            || !jrec_check(r, field,
                           xrec_check_other_config_value(network, key, s))) {
            return;
        }
        smap_add(out, key, s);
    }
}

static void
jrec_ips(struct jrec *r, const char *field, int af, struct svec *out)
{
    struct json_object *val = jrec_get(r, field, json_type_array, false);
    size_t n = val ? json_object_array_length(val) : 0;

    if (n > XREC_ALLOWED_IPS_MAX) {
        jrec_fail(r, field, "more than %d addresses", XREC_ALLOWED_IPS_MAX);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(val, i);
        char *canon;
        if (!json_object_is_type(v, json_type_string)) {
            jrec_fail(r, field, "element %zu: expected string", i);
            return;
        }
        if (!jrec_check(
                r, field,
                xrec_parse_ip(af, json_object_get_string(v), &canon))) {
            return;
        }
        if (svec_contains_unsorted(out, canon)) {
            jrec_fail(r, field, "%s is listed twice", canon);
            free(canon);
            return;
        }
        svec_add_nocopy(out, canon);
    }
}

/* Reads "uuid" first so later messages can name the record. */
static void
jrec_uuid(struct jrec *r, char **out)
{
    jrec_string(r, "uuid", true, NULL, NULL, xrec_parse_uuid, out);
    if (*out) {
        snprintf(r->id, sizeof r->id, "%s", *out);
    }
}

static char *
parse_network(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid", "name_label",           "name_description", "bridge",
        "MTU",  "default_locking_mode", "other_config",     NULL,
    };
    struct xrec_network *net = xrec_network_new();

    jrec_uuid(r, &net->uuid);
    jrec_only(r, fields);
    jrec_string(r, "name_label", true, NULL, NULL, NULL, &net->name_label);
    jrec_string(r, "name_description", false, "", NULL, NULL,
                &net->name_description);
    jrec_string(r, "bridge", true, NULL, xrec_check_ifname, NULL,
                &net->bridge);
    jrec_int(r, "MTU", false, XREC_MTU_DEFAULT, XREC_MTU_MIN, XREC_MTU_MAX,
             &net->mtu);
    jrec_locking(r, "default_locking_mode", true, XREC_LOCK_UNLOCKED,
                 &net->default_locking_mode);
    jrec_smap(r, "other_config", true, &net->other_config);
    xrec_db_add_network(db, net);
    return r->error;
}

static char *
parse_pif(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid",       "device",       "network",          "MAC",
        "MTU",        "VLAN",         "physical",         "currently_attached",
        "management", "other_config", XREC_PIF_IP_FIELDS, "properties",
        NULL,
    };
    struct xrec_pif *pif = xrec_pif_new();

    jrec_uuid(r, &pif->uuid);
    jrec_only(r, fields);
    jrec_string(r, "device", true, NULL, xrec_check_ifname, NULL,
                &pif->device);
    jrec_string(r, "network", true, NULL, NULL, xrec_parse_uuid,
                &pif->network);
    jrec_string(r, "MAC", true, NULL, NULL, xrec_parse_mac, &pif->mac);
    jrec_int(r, "MTU", false, XREC_MTU_DEFAULT, XREC_MTU_MIN, XREC_MTU_MAX,
             &pif->mtu);
    jrec_int(r, "VLAN", false, XREC_VLAN_NONE, XREC_VLAN_NONE, XREC_VLAN_MAX,
             &pif->vlan);
    jrec_bool(r, "physical", &pif->physical);
    jrec_bool(r, "currently_attached", &pif->currently_attached);
    jrec_bool(r, "management", &pif->management);
    jrec_smap(r, "other_config", false, &pif->other_config);
    if (!r->error) {
        const char *field;
        char *e = xrec_pif_ip_from_json(r->obj, &pif->ip, &field);
        jrec_check(r, field, e);
        jrec_check(r, "properties",
                   xrec_pif_props_from_json(r->obj, &pif->gro));
    }
    xrec_db_add_pif(db, pif);
    return r->error;
}

static char *
parse_vlan(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid", "tagged_PIF", "untagged_PIF", "tag", NULL,
    };
    struct xrec_vlan *vlan = xrec_vlan_new();

    jrec_uuid(r, &vlan->uuid);
    jrec_only(r, fields);
    jrec_string(r, "tagged_PIF", true, NULL, NULL, xrec_parse_uuid,
                &vlan->tagged_pif);
    jrec_string(r, "untagged_PIF", true, NULL, NULL, xrec_parse_uuid,
                &vlan->untagged_pif);
    jrec_int(r, "tag", true, 0, 0, XREC_VLAN_MAX, &vlan->tag);
    xrec_db_add_vlan(db, vlan);
    return r->error;
}

/* A VIF's "trunks", "vlan_mode" and "native_vlan" (absent: not a trunk),
 * checked together as the API checks them. */
static void
jrec_trunk(struct jrec *r, struct xrec_vif *vif)
{
    struct json_object *mode
        = jrec_get(r, "vlan_mode", json_type_string, false);
    char *trunks = NULL;

    jrec_string(r, "trunks", false, NULL, NULL, xrec_parse_trunks, &trunks);
    jrec_int(r, "native_vlan", false, VLAN_NONE, VLAN_NONE, VLAN_TAG_MAX,
             &vif->native_vlan);
    if (mode
        && !vlan_mode_from_string(json_object_get_string(mode),
                                  &vif->vlan_mode)) {
        jrec_fail(r, "vlan_mode",
                  "\"%.64s\" is not trunk, native-untagged or native-tagged",
                  json_object_get_string(mode));
    }
    if (trunks && !*trunks) {
        free(trunks);
        trunks = NULL;
    }
    vif->trunks = trunks;
    if (!r->error) {
        struct vlan_trunk_settings ts = xrec_vif_trunk(vif);
        const char *field;
        char *bad = vlan_check_trunk(&ts, &field);
        if (bad) {
            jrec_fail(r, "trunks", "%s: %s", field, bad);
            free(bad);
        }
    }
}

static char *
parse_vif(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid",
        "VM",
        "domid",
        "device",
        "network",
        "MAC",
        "MTU",
        "locking_mode",
        "ipv4_allowed",
        "ipv6_allowed",
        "currently_attached",
        "other_config",
        "qos_algorithm_type",
        "qos_algorithm_params",
        "trunks",
        "vlan_mode",
        "native_vlan",
        "dpdk_devargs",
        NULL,
    };
    struct xrec_vif *vif = xrec_vif_new();

    jrec_uuid(r, &vif->uuid);
    jrec_only(r, fields);
    jrec_string(r, "VM", true, NULL, NULL, xrec_parse_uuid, &vif->vm_uuid);
    jrec_int(r, "domid", true, 0, 0, XREC_DOMID_MAX, &vif->domid);
    jrec_int(r, "device", true, 0, 0, XREC_VIF_DEVICE_MAX, &vif->device);
    jrec_string(r, "network", true, NULL, NULL, xrec_parse_uuid,
                &vif->network);
    jrec_string(r, "MAC", true, NULL, NULL, xrec_parse_mac, &vif->mac);
    jrec_int(r, "MTU", false, 0, INT_MIN, INT_MAX, &vif->mtu);
    jrec_check(r, "MTU", xrec_check_vif_mtu(vif->mtu));
    jrec_locking(r, "locking_mode", false, XREC_LOCK_NETWORK_DEFAULT,
                 &vif->locking_mode);
    jrec_ips(r, "ipv4_allowed", AF_INET, &vif->ipv4_allowed);
    jrec_ips(r, "ipv6_allowed", AF_INET6, &vif->ipv6_allowed);
    jrec_bool(r, "currently_attached", &vif->currently_attached);
    jrec_smap(r, "other_config", false, &vif->other_config);
    char *qos_type = NULL;
    jrec_string(r, "qos_algorithm_type", false, NULL, NULL, NULL, &qos_type);
    if (qos_type) {
        free(vif->qos_algorithm_type);
        vif->qos_algorithm_type = qos_type;
    }
    jrec_smap(r, "qos_algorithm_params", false, &vif->qos_algorithm_params);
    jrec_trunk(r, vif);
    jrec_string(r, "dpdk_devargs", false, NULL, NULL, NULL,
                &vif->dpdk_devargs);
    if (vif->dpdk_devargs && !r->error) {
        jrec_check(r, "dpdk_devargs",
                   xrec_check_dpdk_devargs(vif, vif->dpdk_devargs));
    }
    xrec_db_add_vif(db, vif);
    return r->error;
}

static char *
parse_bond(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid", "master",     "slaves", "primary_slave",
        "mode", "properties", NULL,
    };
    struct xrec_bond *bond = xrec_bond_new();

    jrec_uuid(r, &bond->uuid);
    jrec_only(r, fields);
    jrec_string(r, "master", true, NULL, NULL, xrec_parse_uuid, &bond->master);
    jrec_string(r, "primary_slave", true, NULL, NULL, xrec_parse_uuid,
                &bond->primary_slave);

    struct json_object *val = jrec_get(r, "mode", json_type_string, false);
    if (val
        && !bond_mode_from_string(json_object_get_string(val), &bond->mode)) {
        jrec_fail(r, "mode",
                  "\"%.64s\" is not balance-slb, active-backup or lacp",
                  json_object_get_string(val));
    }

    struct json_object *slaves = jrec_get(r, "slaves", json_type_array, true);
    size_t n = slaves ? json_object_array_length(slaves) : 0;
    if (n > BOND_MAX_MEMBERS) {
        jrec_fail(r, "slaves", "%zu members; a bond has at most %d", n,
                  BOND_MAX_MEMBERS);
        n = 0;
    }
    for (size_t i = 0; i < n && !r->error; i++) {
        struct json_object *v = json_object_array_get_idx(slaves, i);
        char *canon;
        if (!json_object_is_type(v, json_type_string)) {
            jrec_fail(r, "slaves", "element %zu: expected string", i);
        } else if (jrec_check(
                       r, "slaves",
                       xrec_parse_uuid(json_object_get_string(v), &canon))) {
            svec_add_nocopy(&bond->slaves, canon);
        }
    }

    struct json_object *props
        = jrec_get(r, "properties", json_type_object, false);
    if (props && json_object_object_length(props) > XREC_OTHER_CONFIG_MAX) {
        jrec_fail(r, "properties", "more than %d keys", XREC_OTHER_CONFIG_MAX);
        props = NULL;
    }
    for (struct lh_entry *e
         = props ? lh_table_head(json_object_get_object(props)) : NULL;
         e && !r->error; e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        struct json_object *v = lh_entry_v(e);
        if (!json_object_is_type(v, json_type_string)) {
            jrec_fail(r, "properties", "%.64s: expected string", key);
        } else {
            const char *value = json_object_get_string(v);
            char *bad = bond_check_property(bond->mode, key, value);
            if (bad) {
                jrec_fail(r, "properties", "%.64s: %s", key, bad);
                free(bad);
            } else {
                smap_add(&bond->properties, key, value);
            }
        }
    }
    xrec_db_add_bond(db, bond);
    return r->error;
}

/* The optional "pool" object: the host's pool-wide settings. */
static char *
parse_pool(struct json_object *json, struct xrec_db *db)
{
    static const char *const fields[] = {
        "igmp_snooping_enabled",
        "other_config",
        NULL,
    };
    struct json_object *obj;

    if (!json_object_object_get_ex(json, "pool", &obj)) {
        return NULL;
    }
    struct jrec r = {.obj = obj, .kind = "pool"};
    snprintf(r.id, sizeof r.id, "record");
    if (!json_object_is_type(obj, json_type_object)) {
        return xasprintf("pool: expected object, got %s",
                         json_type_to_name(json_object_get_type(obj)));
    }
    struct xrec_pool *pool = xrec_db_pool_mutable(db);
    jrec_only(&r, fields);
    jrec_bool(&r, "igmp_snooping_enabled", &pool->igmp_snooping_enabled);
    jrec_smap(&r, "other_config", true, &pool->other_config);
    return r.error;
}

static char *
parse_sdn_controller(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid", "protocol", "address", "port", NULL,
    };
    struct xrec_sdn_controller *c = xrec_sdn_controller_new();

    jrec_uuid(r, &c->uuid);
    jrec_only(r, fields);
    struct json_object *val = jrec_get(r, "protocol", json_type_string, true);
    if (val
        && jrec_check(r, "protocol",
                      xrec_check_sdn_protocol(json_object_get_string(val)))) {
        c->protocol = xstrdup(json_object_get_string(val));
    }
    val = jrec_get(r, "address", json_type_string, false);
    const char *address = val ? json_object_get_string(val) : "";
    if (!r->error && !*address && c->protocol
        && !xrec_sdn_protocol_is_passive(c->protocol)) {
        jrec_fail(r, "address", "protocol %s needs an address", c->protocol);
    } else if (!r->error && *address) {
        char *canon = NULL;
        int af = strchr(address, ':') ? AF_INET6 : AF_INET;
        if (jrec_check(r, "address", xrec_parse_ip(af, address, &canon))) {
            c->address = canon;
        }
    } else if (!r->error) {
        c->address = xstrdup("");
    }
    jrec_int(r, "port", false, XREC_SDN_PORT_DEFAULT, 1, 65535, &c->port);
    xrec_db_add_sdn_controller(db, c);
    return r->error;
}

/* Parses array 'field' of strings into 'out' (at most 'max'), each checked
 * and canonicalized by 'canon' (NULL: uuid); no duplicates. */
static void
jrec_strings(struct jrec *r, const char *field, size_t max,
             char *(*canon)(const char *, char **), struct svec *out)
{
    struct json_object *val = jrec_get(r, field, json_type_array, false);
    size_t n = val ? json_object_array_length(val) : 0;

    if (n > max) {
        jrec_fail(r, field, "more than %zu elements", max);
        return;
    }
    for (size_t i = 0; i < n && !r->error; i++) {
        struct json_object *v = json_object_array_get_idx(val, i);
        char *c;
        if (!json_object_is_type(v, json_type_string)) {
            jrec_fail(r, field, "element %zu: expected string", i);
        } else if (jrec_check(r, field,
                              (canon ? canon : xrec_parse_uuid)(
                                  json_object_get_string(v), &c))) {
            if (svec_contains_unsorted(out, c)) {
                jrec_fail(r, field, "%s is listed twice", c);
                free(c);
            } else {
                svec_add_nocopy(out, c);
            }
        }
    }
}

static char *
parse_ipv4(const char *s, char **canon)
{
    return xrec_parse_ip(AF_INET, s, canon);
}

static char *
parse_tunnel(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid",     "access_PIF",   "transport_PIF",
        "protocol", "remotes",      "transport_address",
        "key",      "other_config", NULL,
    };
    struct xrec_tunnel *t = xrec_tunnel_new();

    jrec_uuid(r, &t->uuid);
    jrec_only(r, fields);
    jrec_string(r, "access_PIF", true, NULL, NULL, xrec_parse_uuid,
                &t->access_pif);
    jrec_string(r, "transport_PIF", true, NULL, NULL, xrec_parse_uuid,
                &t->transport_pif);
    struct json_object *val = jrec_get(r, "protocol", json_type_string, true);
    if (val
        && !xrec_tunnel_protocol_from_string(json_object_get_string(val),
                                             &t->protocol)) {
        jrec_fail(r, "protocol", "\"%.64s\" is not gre or vxlan",
                  json_object_get_string(val));
    }
    jrec_strings(r, "remotes", XREC_TUNNEL_REMOTES_MAX, parse_ipv4,
                 &t->remotes);
    jrec_string(r, "transport_address", true, NULL, NULL, xrec_parse_prefix,
                &t->transport_address);
    val = jrec_get(r, "key", json_type_int, true);
    if (val) {
        t->key = json_object_get_int64(val);
        jrec_check(r, "key",
                   xrec_check_range(t->key, 0,
                                    t->protocol == XREC_TUNNEL_VXLAN
                                        ? XREC_TUNNEL_VXLAN_KEY_MAX
                                        : XREC_TUNNEL_GRE_KEY_MAX));
    }
    jrec_smap(r, "other_config", false, &t->other_config);
    xrec_db_add_tunnel(db, t);
    return r->error;
}

static char *
parse_ssl(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid",    "private_key",       "certificate",
        "ca_cert", "bootstrap_ca_cert", NULL,
    };
    struct xrec_ssl *ssl = xrec_ssl_new();

    jrec_uuid(r, &ssl->uuid);
    jrec_only(r, fields);
    jrec_string(r, "private_key", true, NULL, xrec_check_path, NULL,
                &ssl->private_key);
    jrec_string(r, "certificate", true, NULL, xrec_check_path, NULL,
                &ssl->certificate);
    jrec_string(r, "ca_cert", true, NULL, xrec_check_path, NULL,
                &ssl->ca_cert);
    jrec_bool(r, "bootstrap_ca_cert", &ssl->bootstrap_ca_cert);
    xrec_db_add_ssl(db, ssl);
    return r->error;
}

static char *
parse_mirror(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid",       "name_label",  "network", "src_VIFs",
        "output_VIF", "output_VLAN", NULL,
    };
    struct xrec_mirror *m = xrec_mirror_new();

    jrec_uuid(r, &m->uuid);
    jrec_only(r, fields);
    jrec_string(r, "name_label", false, "", NULL, NULL, &m->name_label);
    jrec_string(r, "network", true, NULL, NULL, xrec_parse_uuid, &m->network);
    jrec_strings(r, "src_VIFs", XREC_RECORDS_MAX, NULL, &m->src_vifs);
    struct json_object *val
        = jrec_get(r, "output_VIF", json_type_string, false);
    if (val && json_object_get_string_len(val)) {
        jrec_string(r, "output_VIF", false, NULL, NULL, xrec_parse_uuid,
                    &m->output_vif);
    }
    jrec_int(r, "output_VLAN", false, XREC_VLAN_NONE, XREC_VLAN_NONE,
             XREC_VLAN_MAX, &m->output_vlan);
    xrec_db_add_mirror(db, m);
    return r->error;
}

/* Parses the array 'name' of 'json' with 'parse', one record per element. */
static char *
parse_table(struct json_object *json, const char *name, const char *kind,
            char *(*parse)(struct jrec *, struct xrec_db *),
            struct xrec_db *db)
{
    struct json_object *array;

    if (!json_object_object_get_ex(json, name, &array)) {
        return NULL;
    }
    if (!json_object_is_type(array, json_type_array)) {
        return xasprintf("%s: expected array, got %s", name,
                         json_type_to_name(json_object_get_type(array)));
    }
    size_t n = json_object_array_length(array);
    if (n > XREC_RECORDS_MAX) {
        return xasprintf("%s: %zu records is more than %d", name, n,
                         XREC_RECORDS_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        struct jrec r = {
            .obj = json_object_array_get_idx(array, i),
            .kind = kind,
        };
        snprintf(r.id, sizeof r.id, "#%zu", i);
        if (!json_object_is_type(r.obj, json_type_object)) {
            return xasprintf("%s %s: expected object, got %s", kind, r.id,
                             json_type_to_name(json_object_get_type(r.obj)));
        }
        char *error = parse(&r, db);
        if (error) {
            return error;
        }
    }
    return NULL;
}

char *
xrec_db_from_json(struct json_object *json, struct xrec_db *db)
{
    struct json_object *version;
    char *error = NULL;

    if (!json_object_is_type(json, json_type_object)) {
        return xasprintf("expected a JSON object, got %s",
                         json_type_to_name(json_object_get_type(json)));
    }
    for (struct lh_entry *e = lh_table_head(json_object_get_object(json)); e;
         e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        if (strcmp(key, "version") && strcmp(key, "networks")
            && strcmp(key, "pifs") && strcmp(key, "vlans")
            && strcmp(key, "vifs") && strcmp(key, "bonds")
            && strcmp(key, "sdn_controllers") && strcmp(key, "ssl")
            && strcmp(key, "tunnels") && strcmp(key, "mirrors")
            && strcmp(key, "pool")) {
            return xasprintf("unknown member \"%.64s\"", key);
        }
    }
    if (!json_object_object_get_ex(json, "version", &version)
        || !json_object_is_type(version, json_type_int)) {
        return xstrdup("version: missing or not an integer");
    }
    if (json_object_get_int64(version) != XREC_STORE_VERSION) {
        return xasprintf("version: %" PRId64 " is not supported (this "
                         "build reads version %d)",
                         json_object_get_int64(version), XREC_STORE_VERSION);
    }

    error = parse_table(json, "networks", "network", parse_network, db);
    if (!error) {
        error = parse_table(json, "pifs", "PIF", parse_pif, db);
    }
    if (!error) {
        error = parse_table(json, "vlans", "VLAN", parse_vlan, db);
    }
    if (!error) {
        error = parse_table(json, "vifs", "VIF", parse_vif, db);
    }
    if (!error) {
        error = parse_table(json, "bonds", "Bond", parse_bond, db);
    }
    if (!error) {
        error = parse_table(json, "sdn_controllers", "SDN_controller",
                            parse_sdn_controller, db);
    }
    if (!error) {
        error = parse_table(json, "ssl", "SSL", parse_ssl, db);
    }
    if (!error) {
        error = parse_table(json, "tunnels", "tunnel", parse_tunnel, db);
    }
    if (!error) {
        error = parse_table(json, "mirrors", "mirror", parse_mirror, db);
    }
    if (!error) {
        error = parse_pool(json, db);
    }
    if (!error) {
        error = xrec_db_check(db);
    }
    if (error) {
        xrec_db_destroy(db);
    }
    return error;
}
