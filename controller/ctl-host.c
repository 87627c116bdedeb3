/* controller/ctl-host.c: the pool's hosts and the live migration of VIFs
 * between them (xovs-controller's pool-host-* and pool-vif-migrate* verbs,
 * docs/ovn.md).
 *
 * Hosts: the store's "hosts" table, {SYSTEM-ID: {"name-description": "...",
 * "state": "member" | "removed"}}.  Placing a VIF on a host the pool does
 * not know records it as a member (pools that never add hosts work as
 * before); pool-host-add adds one ahead of its VIFs, or adds a removed one
 * back; pool-host-remove refuses a host that has VIFs unless force=true
 * (which takes its VIFs off the pool and cancels migrations to it), and
 * leaves the host "removed": VIFs placed or migrated onto it are refused
 * until it is added again.
 *
 * Live migration of one VIF (XenMotion):
 *
 *     placed on SOURCE --pool-vif-migrate host=TARGET--> migrating
 *        ^   ^                                              |  |
 *        |   +------ pool-vif-migrate host=SOURCE ----------+  |
 *        |             (cancel)                                |
 *        +-- placed on TARGET <-- pool-vif-migrate-complete ---+
 *
 * While migrating, the record's "migrating-to" is TARGET and its logical
 * port is requested on both hosts with activation-strategy=rarp (ctl-nb.c):
 * the target's ovn-controller binds a port with the same iface-id before
 * the guest moves (the Port_Binding's additional_chassis), and its copy
 * starts carrying traffic when the guest announces itself there with a
 * RARP; that ovn-controller then marks the binding
 * options:additional-chassis-activated=TARGET in the southbound database.
 * The controller watches for that (ctl-sb.h, ctl_host_complete_activated()
 * below) and completes the migration itself, as pool-vif-migrate-complete
 * would: the VIF's host becomes TARGET, the source is released.  A
 * toolstack may still say pool-vif-migrate-complete (the end of XenMotion);
 * after a completion, by it or by the controller, the VIF keeps
 * "migrated-from": SOURCE until its next migration, so a second
 * pool-vif-migrate-complete is accepted and changes nothing. */
#include <config.h>

#include <json-c/json.h>
#include <string.h>

#include "agent/rpc.h"
#include "controller/ctl-db-private.h"
#include "controller/ctl-db.h"
#include "controller/ctl-host.h"
#include "controller/ctl-sb.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ctl_host);

#define CTL_HOST_MEMBER "member"
#define CTL_HOST_REMOVED "removed"

char *
ctl_host_check_db(struct json_object *db)
{
    struct json_object *hosts = ctl_table(db, "hosts");
    if (!hosts) {
        json_object_object_add(db, "hosts", json_object_new_object());
        hosts = ctl_table(db, "hosts");
    }
    if (!json_object_is_type(hosts, json_type_object)) {
        return xstrdup("\"hosts\" must be an object");
    }
    json_object_object_foreach(hosts, name, host)
    {
        const char *st = ctl_get_str(host, "state");
        if (!ctl_valid_ident(name)
            || !json_object_is_type(host, json_type_object)
            || (strcmp(st, CTL_HOST_MEMBER) && strcmp(st, CTL_HOST_REMOVED))) {
            return xasprintf("host %.64s is malformed", name);
        }
    }
    json_object_object_foreach(ctl_table(db, "vifs"), vuuid, vif)
    {
        const char *to = ctl_get_str(vif, "migrating-to");
        const char *from = ctl_get_str(vif, "migrated-from");
        if (*to
            && (!ctl_valid_ident(to)
                || !strcmp(to, ctl_get_str(vif, "host")))) {
            return xasprintf("VIF %.64s has a malformed migrating-to", vuuid);
        }
        if (*from && !ctl_valid_ident(from)) {
            return xasprintf("VIF %.64s has a malformed migrated-from", vuuid);
        }
    }
    return NULL;
}

static struct json_object *
ctl_host_new(const char *desc)
{
    struct json_object *h = json_object_new_object();
    json_object_object_add(h, "name-description",
                           json_object_new_string(desc));
    json_object_object_add(h, "state",
                           json_object_new_string(CTL_HOST_MEMBER));
    return h;
}

bool
ctl_host_admit(struct ctl_ctx *c, const char *param, const char *host)
{
    struct json_object *hosts = ctl_table(c->db, "hosts");
    struct json_object *h;
    if (!json_object_object_get_ex(hosts, host, &h)) {
        json_object_object_add(hosts, host, ctl_host_new(""));
        c->changed = true;
        return true;
    }
    if (strcmp(ctl_get_str(h, "state"), CTL_HOST_MEMBER)) {
        ctl_reject(c, param,
                   "host %s was removed from the pool (xovs pool-host-add "
                   "name=%s adds it back)",
                   host, host);
        return false;
    }
    return true;
}

/* Parameter "host" as a system-id; rejects and returns NULL if it is not
 * one. */
static const char *
ctl_host_arg(struct ctl_ctx *c, const char *param)
{
    const char *host = ctl_arg(c, param);
    if (!ctl_valid_ident(host)) {
        ctl_reject(c, param,
                   "\"%.64s\" is not a host's system-id (1..64 letters, "
                   "digits, _ . -)",
                   host);
        return NULL;
    }
    return host;
}

void
ctl_pool_vif_migrate(struct ctl_ctx *c)
{
    char uuid[UUID_LEN + 1];
    struct json_object *vif = ctl_find(c, "vifs", "uuid", "VIF", uuid);
    const char *target = vif ? ctl_host_arg(c, "host") : NULL;
    if (!target) {
        return;
    }
    const char *source = ctl_get_str(vif, "host");
    const char *moving = ctl_get_str(vif, "migrating-to");
    if (!strcmp(target, source)) {
        if (!*moving) {
            ctl_reject(c, "host", "VIF %s is on host %s already", uuid,
                       source);
            return;
        }
        /* Back to the source: the migration is cancelled. */
        json_object_object_del(vif, "migrating-to");
        c->changed = true;
        return;
    }
    if (*moving) {
        if (strcmp(moving, target)) {
            ctl_reject(c, "host",
                       "VIF %s is migrating to %s already (xovs "
                       "pool-vif-migrate-complete uuid=%s finishes it, "
                       "pool-vif-migrate uuid=%s host=%s cancels it)",
                       uuid, moving, uuid, uuid, source);
        }
        return; /* the same migration again: nothing to do */
    }
    if (!ctl_host_admit(c, "host", target)) {
        return;
    }
    json_object_object_add(vif, "migrating-to",
                           json_object_new_string(target));
    json_object_object_del(vif, "migrated-from");
    c->changed = true;
}

void
ctl_pool_vif_migrate_complete(struct ctl_ctx *c)
{
    char uuid[UUID_LEN + 1];
    struct json_object *vif = ctl_find(c, "vifs", "uuid", "VIF", uuid);
    if (!vif) {
        return;
    }
    const char *target = ctl_get_str(vif, "migrating-to");
    if (!*target && *ctl_get_str(vif, "migrated-from")) {
        return; /* completed already (by the controller, or twice) */
    }
    if (!*target) {
        ctl_reject(c, "uuid",
                   "VIF %s is not migrating (xovs pool-vif-migrate uuid=%s "
                   "host=TARGET starts it)",
                   uuid, uuid);
        return;
    }
    json_object_object_add(vif, "migrated-from",
                           json_object_new_string(ctl_get_str(vif, "host")));
    json_object_object_add(vif, "host", json_object_new_string(target));
    json_object_object_del(vif, "migrating-to");
    c->changed = true;
}

/* Completes one migration as the verb would: through the request executor
 * (the same checks, the store saved before the records change). */
static bool
ctl_host_complete_one(struct json_object **db, const struct ctl_env *env,
                      const char *store_path, const char *vif,
                      const char *target)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct json_object *req = json_object_new_object();
    struct json_object *params = json_object_new_object();
    json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
    json_object_object_add(req, "id", json_object_new_int(0));
    json_object_object_add(
        req, "method", json_object_new_string("pool-vif-migrate-complete"));
    json_object_object_add(params, "uuid", json_object_new_string(vif));
    json_object_object_add(req, "params", params);
    const char *line
        = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
    bool changed;
    char *reply = ctl_db_handle_line(db, env, store_path, line, strlen(line),
                                     &changed);
    struct json_object *r = json_tokener_parse(reply);
    struct json_object *err = NULL;
    if (r && json_object_object_get_ex(r, "error", &err) && err
        && !json_object_is_type(err, json_type_null)) {
        struct json_object *msg = NULL;
        json_object_object_get_ex(err, "message", &msg);
        VLOG_WARN_RL(&rl,
                     "VIF %s: OVN says host %s took it over, but completing "
                     "the migration failed (retrying): %s",
                     vif, target,
                     msg ? json_object_get_string(msg)
                         : json_object_to_json_string(err));
    } else if (changed) {
        VLOG_INFO("VIF %s: live migration to host %s completed (the guest "
                  "announced itself there)",
                  vif, target);
    }
    json_object_put(r);
    json_object_put(req);
    free(reply);
    return changed;
}

int
ctl_host_complete_activated(struct json_object **db, const struct ctl_env *env,
                            const char *store_path,
                            ctl_host_activated_func *activated, void *aux,
                            bool *changed)
{
    struct json_object *done = json_object_new_object();
    int n_failed = 0;

    *changed = false;
    json_object_object_foreach(ctl_table(*db, "vifs"), vuuid, vif)
    {
        const char *target = ctl_get_str(vif, "migrating-to");
        if (*target && activated(aux, vuuid, target)) {
            json_object_object_add(done, vuuid,
                                   json_object_new_string(target));
        }
    }
    /* (Not in the loop above: each completion replaces '*db'.) */
    json_object_object_foreach(done, vuuid2, target)
    {
        if (ctl_host_complete_one(db, env, store_path, vuuid2,
                                  json_object_get_string(target))) {
            *changed = true;
        } else {
            n_failed++;
        }
    }
    json_object_put(done);
    return n_failed;
}

void
ctl_pool_host_add(struct ctl_ctx *c)
{
    const char *name = ctl_host_arg(c, "name");
    const char *desc = ctl_arg(c, "name-description");
    if (!name) {
        return;
    }
    if (desc && (strlen(desc) > 1024 || strpbrk(desc, "\n\r\t"))) {
        ctl_reject(c, "name-description",
                   "at most 1024 characters on one line");
        return;
    }
    struct json_object *hosts = ctl_table(c->db, "hosts");
    struct json_object *h;
    if (json_object_object_get_ex(hosts, name, &h)
        && !strcmp(ctl_get_str(h, "state"), CTL_HOST_MEMBER)) {
        ctl_reject(c, "name", "host %s is in the pool already", name);
        return;
    }
    json_object_object_add(hosts, name, ctl_host_new(desc ? desc : ""));
    c->changed = true;
}

/* The VIFs on host 'name' or migrating to it, as a JSON array. */
static struct json_object *
ctl_host_vifs(struct ctl_ctx *c, const char *name)
{
    struct json_object *out = json_object_new_array();
    json_object_object_foreach(ctl_table(c->db, "vifs"), vuuid, vif)
    {
        if (!strcmp(ctl_get_str(vif, "host"), name)
            || !strcmp(ctl_get_str(vif, "migrating-to"), name)) {
            json_object_array_add(out, json_object_new_string(vuuid));
        }
    }
    return out;
}

void
ctl_pool_host_list(struct ctl_ctx *c)
{
    if (!ctl_check_list_params(c)) {
        return;
    }
    json_object_object_foreach(ctl_table(c->db, "hosts"), name, host)
    {
        struct json_object *row = json_object_new_object();
        json_object_object_add(row, "name", json_object_new_string(name));
        json_object_object_add(
            row, "name-description",
            json_object_new_string(ctl_get_str(host, "name-description")));
        json_object_object_add(
            row, "state", json_object_new_string(ctl_get_str(host, "state")));
        json_object_object_add(row, "VIF-uuids", ctl_host_vifs(c, name));
        if (c->env && c->env->host_sb) {
            struct ctl_sb_host sb;
            c->env->host_sb(c->env->sb_aux, name, &sb);
            json_object_object_add(row, "chassis",
                                   json_object_new_string(sb.chassis));
            json_object_object_add(row, "hostname",
                                   json_object_new_string(sb.hostname));
            json_object_object_add(row, "encap-type",
                                   json_object_new_string(sb.encap_type));
            json_object_object_add(row, "encap-ip",
                                   json_object_new_string(sb.encap_ip));
            json_object_object_add(row, "ports-bound",
                                   json_object_new_int(sb.ports_bound));
            json_object_object_add(row, "alive",
                                   json_object_new_string(sb.alive));
        }
        ctl_add_row(c, row);
    }
}

void
ctl_pool_host_remove(struct ctl_ctx *c)
{
    const char *name = ctl_host_arg(c, "name");
    const char *force = ctl_arg(c, "force");
    if (!name) {
        return;
    }
    if (force && strcmp(force, "true") && strcmp(force, "false")) {
        ctl_reject(c, "force", "\"%.16s\" is not true or false", force);
        return;
    }
    struct json_object *h;
    if (!json_object_object_get_ex(ctl_table(c->db, "hosts"), name, &h)
        || strcmp(ctl_get_str(h, "state"), CTL_HOST_MEMBER)) {
        ctl_reject(c, "name",
                   "no host %s in the pool (see: xovs "
                   "pool-host-list)",
                   name);
        return;
    }
    struct json_object *vifs = ctl_host_vifs(c, name);
    size_t n = json_object_array_length(vifs);
    if (n && !(force && !strcmp(force, "true"))) {
        ctl_reject(c, "name",
                   "host %s has %zu VIF(s) (%s ...): migrate them "
                   "(pool-vif-migrate) or remove them (pool-vif-destroy) "
                   "first, or force=true takes them off the pool",
                   name, n,
                   json_object_get_string(json_object_array_get_idx(vifs, 0)));
        json_object_put(vifs);
        return;
    }
    struct json_object *table = ctl_table(c->db, "vifs");
    for (size_t i = 0; i < n; i++) {
        const char *vuuid
            = json_object_get_string(json_object_array_get_idx(vifs, i));
        struct json_object *vif;
        if (!json_object_object_get_ex(table, vuuid, &vif)) {
            continue;
        }
        if (!strcmp(ctl_get_str(vif, "host"), name)) {
            json_object_object_del(table, vuuid); /* its placement is gone */
        } else {
            json_object_object_del(vif, "migrating-to"); /* cancelled */
        }
    }
    json_object_put(vifs);
    json_object_object_add(h, "state",
                           json_object_new_string(CTL_HOST_REMOVED));
    c->changed = true;
}
