/* controller/ctl-db.c: the pool records, their store and the executor of
 * xovs-controller's verbs (see ctl-db.h; the verbs are in ctl-rpc.c,
 * documented in docs/ovn.md and docs/api.md). */
#include <config.h>
#include "controller/ctl-db.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/rpc.h"
#include "controller/ctl-acl.h"
#include "controller/ctl-db-private.h"
#include "controller/ctl-nb.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(ctl_db);

/* ---------------------------------------------------------------------- */
/* Checks shared by the verbs and the loader. */

#define CTL_NAME_MAX 255

static bool
ctl_valid_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

/* A host's system-id or a physical network's name: what OVS and OVN accept
 * as a chassis or ovn-bridge-mappings name without quoting. */
bool
ctl_valid_ident(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 64) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i])) {
            return false;
        }
    }
    return true;
}

/* A unicast Ethernet address "xx:xx:xx:xx:xx:xx"; stores it in lower case
 * in 'out' (18 bytes). */
static bool
ctl_valid_mac(const char *s, char out[18])
{
    unsigned int b[6];
    char c;
    if (strlen(s) != 17
        || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
                  &b[4], &b[5], &c)
               != 6) {
        return false;
    }
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    if (b[0] & 1 || !(b[0] | b[1] | b[2] | b[3] | b[4] | b[5])) {
        return false; /* multicast, broadcast or zero */
    }
    for (int i = 0; i < 17; i++) {
        out[i] = tolower((unsigned char)s[i]);
    }
    out[17] = '\0';
    return true;
}

bool
ctl_valid_uuid(const char *s, char out[UUID_LEN + 1])
{
    struct uuid u;
    if (strlen(s) != UUID_LEN || !uuid_from_string(&u, s)) {
        return false;
    }
    snprintf(out, UUID_LEN + 1, UUID_FMT, UUID_ARGS(&u));
    return true;
}

const char *
ctl_get_str(struct json_object *rec, const char *key)
{
    struct json_object *v;
    if (json_object_object_get_ex(rec, key, &v)
        && json_object_is_type(v, json_type_string)) {
        return json_object_get_string(v);
    }
    return "";
}

struct json_object *
ctl_table(struct json_object *db, const char *name)
{
    struct json_object *t = NULL;
    json_object_object_get_ex(db, name, &t);
    return t;
}

/* ---------------------------------------------------------------------- */
/* Store. */

struct json_object *
ctl_db_new(void)
{
    struct json_object *db = json_object_new_object();
    json_object_object_add(db, "networks", json_object_new_object());
    json_object_object_add(db, "vifs", json_object_new_object());
    json_object_object_add(db, "hosts", json_object_new_object());
    json_object_object_add(db, "acls", json_object_new_object());
    return db;
}

/* Returns NULL if 'db' is a well-formed store, else a malloc'd reason. */
static char *
ctl_db_check(struct json_object *db)
{
    if (!json_object_is_type(db, json_type_object)) {
        return xstrdup("not a JSON object");
    }
    struct json_object *nets = ctl_table(db, "networks");
    struct json_object *vifs = ctl_table(db, "vifs");
    if (!json_object_is_type(nets, json_type_object)
        || !json_object_is_type(vifs, json_type_object)) {
        return xstrdup("\"networks\" and \"vifs\" must be objects");
    }
    json_object_object_foreach(nets, uuid, net)
    {
        char u[UUID_LEN + 1];
        struct json_object *vlan;
        if (!ctl_valid_uuid(uuid, u)
            || !json_object_is_type(net, json_type_object)
            || !*ctl_get_str(net, "name-label")
            || !json_object_object_get_ex(net, "vlan", &vlan)
            || !json_object_is_type(vlan, json_type_int)
            || json_object_get_int(vlan) < -1
            || json_object_get_int(vlan) > 4094) {
            return xasprintf("network %.64s is malformed", uuid);
        }
    }
    json_object_object_foreach(vifs, vuuid, vif)
    {
        char u[UUID_LEN + 1], mac[18];
        if (!ctl_valid_uuid(vuuid, u)
            || !json_object_is_type(vif, json_type_object)
            || !ctl_valid_mac(ctl_get_str(vif, "mac"), mac)
            || !ctl_valid_ident(ctl_get_str(vif, "host"))
            || !json_object_object_get_ex(
                nets, ctl_get_str(vif, "network-uuid"), NULL)) {
            return xasprintf("VIF %.64s is malformed or on no network", vuuid);
        }
    }
    char *error = ctl_host_check_db(db);
    return error ? error : ctl_acl_store_check(db);
}

/* Replays 'path''s journal over the snapshot 'db' (taken) into '*dbp';
 * then PATH alone holds the records ('missing': PATH was not there). */
static char *
ctl_store_replay(const char *path, struct json_object *db,
                 struct json_object **dbp, bool missing)
{
    size_t n;
    bool torn;
    char *reason = ctl_journal_replay(path, db, &n, &torn);
    if (!reason && n) {
        reason = ctl_db_check(db);
    }
    if (reason) {
        char *msg = xasprintf("store %s is corrupt or invalid (%s); refusing "
                              "to start: fix or move it away",
                              path, reason);
        free(reason);
        json_object_put(db);
        return msg;
    }
    if (torn) {
        VLOG_WARN("store %s: dropped a torn last entry of %s.journal (a "
                  "change that was never answered); %zu entries replayed",
                  path, path, n);
    }
    if (n || torn || missing) {
        char *error = ctl_journal_checkpoint(path, db);
        if (error) {
            /* The records are safe in the journal: go on. */
            VLOG_WARN("%s", error);
            free(error);
        }
    }
    *dbp = db;
    return NULL;
}

char *
ctl_store_load(const char *path, struct json_object **dbp)
{
    *dbp = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return ctl_store_replay(path, ctl_db_new(), dbp, true);
        }
        return xasprintf("store %s: cannot open: %s; refusing to start", path,
                         ovs_strerror(errno));
    }
    struct ds buf = DS_EMPTY_INITIALIZER;
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 || buf.length + n > CTL_STORE_MAX_SIZE) {
            char *msg = xasprintf(
                "store %s: cannot read: %s; refusing to "
                "start",
                path, n < 0 ? ovs_strerror(errno) : "larger than 64 MiB");
            close(fd);
            ds_destroy(&buf);
            return msg;
        }
        ds_put_buffer(&buf, chunk, n);
    }
    close(fd);

    struct json_tokener *tok = json_tokener_new();
    struct json_object *db
        = json_tokener_parse_ex(tok, ds_cstr(&buf), buf.length);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    char *reason = NULL;
    if (!db || jerr != json_tokener_success) {
        reason = xasprintf("json parse error at byte %zu: %s", end,
                           json_tokener_error_desc(jerr));
    } else {
        while (end < buf.length && strchr(" \t\r\n", buf.string[end])) {
            end++;
        }
        reason = end < buf.length ? xstrdup("trailing data after the records")
                                  : ctl_db_check(db);
    }
    ds_destroy(&buf);
    if (reason) {
        char *msg = xasprintf("store %s is corrupt or invalid (%s); refusing "
                              "to start: fix or move it away",
                              path, reason);
        free(reason);
        json_object_put(db);
        return msg;
    }
    return ctl_store_replay(path, db, dbp, false);
}

char *
ctl_store_save(const char *path, struct json_object *db)
{
    const char *text = json_object_to_json_string_ext(
        db, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *tmp = xasprintf("%s.tmp", path);
    const char *step = "open";
    int error = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = errno;
    } else {
        size_t len = strlen(text);
        const char *p = text;
        step = "write";
        while (len > 0) {
            ssize_t n = write(fd, p, len);
            if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0) {
                error = errno;
                break;
            }
            p += n;
            len -= n;
        }
        if (!error && (write(fd, "\n", 1) != 1 || fsync(fd))) {
            step = "fsync";
            error = errno ? errno : EIO;
        }
        if (close(fd) && !error) {
            step = "close";
            error = errno;
        }
    }
    if (!error && rename(tmp, path)) {
        step = "rename";
        error = errno;
    }
    if (error) {
        unlink(tmp);
        free(tmp);
        return xasprintf("store %s: cannot %s: %s", path, step,
                         ovs_strerror(error));
    }
    free(tmp);
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *(slash == dir ? slash + 1 : slash) = '\0';
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(dir);
    return NULL;
}

static void
ctl_plan_network_of(const char *uuid, struct json_object *net,
                    struct ctl_plan_network *p)
{
    struct json_object *vlan = NULL;
    json_object_object_get_ex(net, "vlan", &vlan);
    p->uuid = xstrdup(uuid);
    p->name = xstrdup(ctl_get_str(net, "name-label"));
    p->physical = xstrdup(ctl_get_str(net, "physical-network"));
    p->vlan = vlan ? json_object_get_int(vlan) : -1;
}

static void
ctl_plan_vif_of(const char *uuid, struct json_object *vif,
                struct ctl_plan_vif *p)
{
    p->uuid = xstrdup(uuid);
    p->network = xstrdup(ctl_get_str(vif, "network-uuid"));
    p->mac = xstrdup(ctl_get_str(vif, "mac"));
    p->host = xstrdup(ctl_get_str(vif, "host"));
    p->vm = xstrdup(ctl_get_str(vif, "vm-uuid"));
    p->ips = xstrdup(ctl_get_str(vif, "ip-allowed"));
    p->target = xstrdup(ctl_get_str(vif, "migrating-to"));
}

void
ctl_db_plan(struct json_object *db, struct ctl_plan *plan)
{
    struct json_object *nets = ctl_table(db, "networks");
    struct json_object *vifs = ctl_table(db, "vifs");
    size_t i = 0;

    plan->n_networks = json_object_object_length(nets);
    plan->networks = xcalloc(plan->n_networks + 1, sizeof *plan->networks);
    json_object_object_foreach(nets, uuid, net)
    {
        ctl_plan_network_of(uuid, net, &plan->networks[i++]);
    }
    i = 0;
    plan->n_vifs = json_object_object_length(vifs);
    plan->vifs = xcalloc(plan->n_vifs + 1, sizeof *plan->vifs);
    json_object_object_foreach(vifs, vuuid, vif)
    {
        ctl_plan_vif_of(vuuid, vif, &plan->vifs[i++]);
    }
    ctl_acl_plan(db, plan);
}

/* ---------------------------------------------------------------------- */
/* Verbs. */

void OVS_PRINTF_FORMAT(3, 4)
    ctl_reject(struct ctl_ctx *c, const char *name, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *what = xvasprintf(fmt, args);
    va_end(args);
    if (!c->error) {
        c->error = xasprintf("%s: %s", name, what);
        c->code = XRPC_REJECTED;
    }
    free(what);
}

const char *
ctl_arg(const struct ctl_ctx *c, const char *name)
{
    struct json_object *v;
    return (json_object_object_get_ex(c->params, name, &v)
                ? json_object_get_string(v)
                : NULL);
}

void
ctl_new_uuid(char out[UUID_LEN + 1])
{
    struct uuid u;
    uuid_generate(&u);
    snprintf(out, UUID_LEN + 1, UUID_FMT, UUID_ARGS(&u));
}

/* The record 'uuid' of table 'table' ("networks", "vifs"), parsed from
 * parameter "uuid" or 'param'; rejects and returns NULL if there is none. */
struct json_object *
ctl_find(struct ctl_ctx *c, const char *table, const char *param,
         const char *what, char out[UUID_LEN + 1])
{
    const char *s = ctl_arg(c, param);
    struct json_object *rec;
    if (!ctl_valid_uuid(s, out)) {
        ctl_reject(c, param, "\"%.64s\" is not a uuid", s);
        return NULL;
    }
    if (!json_object_object_get_ex(ctl_table(c->db, table), out, &rec)) {
        ctl_reject(c, param, "no %s %s (see: xovs %s-list)", what, out,
                   !strcmp(table, "vifs") ? "pool-vif" : "pool-network");
        return NULL;
    }
    return rec;
}

static void
ctl_pool_network_create(struct ctl_ctx *c)
{
    const char *label = ctl_arg(c, "name-label");
    const char *desc = ctl_arg(c, "name-description");
    const char *phys = ctl_arg(c, "physical-network");
    const char *vlan_s = ctl_arg(c, "vlan");
    int vlan = -1;

    if (!*label || !ctl_valid_text(label, CTL_NAME_MAX)) {
        ctl_reject(c, "name-label",
                   "must be 1..%d characters without control characters",
                   CTL_NAME_MAX);
    } else if (desc && !ctl_valid_text(desc, 1024)) {
        ctl_reject(c, "name-description",
                   "at most 1024 characters without control characters");
    } else if (phys && *phys && !ctl_valid_ident(phys)) {
        ctl_reject(c, "physical-network",
                   "\"%.64s\" is not a name (1..64 letters, digits, _ . -)",
                   phys);
    } else if (vlan_s) {
        char *end;
        errno = 0;
        long v = strtol(vlan_s, &end, 10);
        if (errno || *end || !*vlan_s || v < 0 || v > 4094) {
            ctl_reject(c, "vlan", "\"%.16s\" is not a number in 0..4094",
                       vlan_s);
        } else if (!phys || !*phys) {
            ctl_reject(c, "vlan",
                       "needs physical-network= (a private network has no "
                       "VLAN)");
        } else {
            vlan = v;
        }
    }
    if (c->error) {
        return;
    }
    json_object_object_foreach(ctl_table(c->db, "networks"), other, o)
    {
        if (!strcmp(ctl_get_str(o, "name-label"), label)) {
            ctl_reject(c, "name-label", "network %s is already called %.64s",
                       other, label);
            return;
        }
    }
    char uuid[UUID_LEN + 1];
    ctl_new_uuid(uuid);
    struct json_object *net = json_object_new_object();
    json_object_object_add(net, "name-label", json_object_new_string(label));
    json_object_object_add(net, "name-description",
                           json_object_new_string(desc ? desc : ""));
    json_object_object_add(net, "physical-network",
                           json_object_new_string(phys ? phys : ""));
    json_object_object_add(net, "vlan", json_object_new_int(vlan));
    json_object_object_add(ctl_table(c->db, "networks"), uuid, net);
    c->changed = true;
    c->result = json_object_new_object();
    json_object_object_add(c->result, "uuid", json_object_new_string(uuid));
}

static void
ctl_pool_network_destroy(struct ctl_ctx *c)
{
    char uuid[UUID_LEN + 1];
    if (!ctl_find(c, "networks", "uuid", "pool network", uuid)
        || !ctl_acl_network_unused(c, uuid)) {
        return;
    }
    json_object_object_foreach(ctl_table(c->db, "vifs"), vuuid, vif)
    {
        if (!strcmp(ctl_get_str(vif, "network-uuid"), uuid)) {
            ctl_reject(c, "uuid",
                       "network %s has VIFs (%s first: xovs "
                       "pool-vif-destroy)",
                       uuid, vuuid);
            return;
        }
    }
    json_object_object_del(ctl_table(c->db, "networks"), uuid);
    c->changed = true;
}

/* 'list' (NULL: none) of ','-separated IPv4/IPv6 addresses, at most
 * CTL_MAX_IPS, as OVN writes them: ' '-separated, in their canonical form.
 * Returns a malloc'd string ("" for none), or NULL after rejecting. */
#define CTL_MAX_IPS 16
static char *
ctl_parse_ips(struct ctl_ctx *c, const char *list)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    int n = 0;
    if (!list || !*list) {
        return ds_steal_cstr(&out);
    }
    char *copy = xstrdup(list), *save = NULL;
    for (char *a = strtok_r(copy, ",", &save); a;
         a = strtok_r(NULL, ",", &save)) {
        struct in6_addr a6;
        struct in_addr a4;
        char buf[INET6_ADDRSTRLEN];
        if (inet_pton(AF_INET, a, &a4) == 1) {
            inet_ntop(AF_INET, &a4, buf, sizeof buf);
        } else if (inet_pton(AF_INET6, a, &a6) == 1) {
            inet_ntop(AF_INET6, &a6, buf, sizeof buf);
        } else {
            ctl_reject(c, "ip-allowed", "\"%.64s\" is not an IP address", a);
            break;
        }
        if (++n > CTL_MAX_IPS) {
            ctl_reject(c, "ip-allowed", "at most %d addresses", CTL_MAX_IPS);
            break;
        }
        ds_put_format(&out, "%s%s", out.length ? " " : "", buf);
    }
    free(copy);
    if (c->error) {
        ds_destroy(&out);
        return NULL;
    }
    return ds_steal_cstr(&out);
}

static void
ctl_pool_vif_create(struct ctl_ctx *c)
{
    char uuid[UUID_LEN + 1], net[UUID_LEN + 1], vm[UUID_LEN + 1] = "";
    char mac[18];
    const char *host = ctl_arg(c, "host");
    const char *vm_s = ctl_arg(c, "vm-uuid");

    if (!ctl_valid_uuid(ctl_arg(c, "uuid"), uuid)) {
        ctl_reject(c, "uuid", "\"%.64s\" is not a uuid", ctl_arg(c, "uuid"));
        return;
    }
    if (json_object_object_get_ex(ctl_table(c->db, "vifs"), uuid, NULL)) {
        ctl_reject(c, "uuid", "VIF %s is already placed (xovs pool-vif-list)",
                   uuid);
        return;
    }
    if (!ctl_find(c, "networks", "network-uuid", "pool network", net)) {
        return;
    }
    if (!ctl_valid_mac(ctl_arg(c, "mac"), mac)) {
        ctl_reject(c, "mac",
                   "\"%.64s\" is not a unicast MAC address "
                   "(xx:xx:xx:xx:xx:xx)",
                   ctl_arg(c, "mac"));
        return;
    }
    if (!ctl_valid_ident(host)) {
        ctl_reject(c, "host",
                   "\"%.64s\" is not a host's system-id (1..64 letters, "
                   "digits, _ . -)",
                   host);
        return;
    }
    if (vm_s && *vm_s && !ctl_valid_uuid(vm_s, vm)) {
        ctl_reject(c, "vm-uuid", "\"%.64s\" is not a uuid", vm_s);
        return;
    }
    char *ips = ctl_parse_ips(c, ctl_arg(c, "ip-allowed"));
    if (c->error) {
        return;
    }
    json_object_object_foreach(ctl_table(c->db, "vifs"), other, o)
    {
        if (!strcmp(ctl_get_str(o, "network-uuid"), net)
            && !strcmp(ctl_get_str(o, "mac"), mac)) {
            ctl_reject(c, "mac", "VIF %s on network %s has MAC %s already",
                       other, net, mac);
            free(ips);
            return;
        }
    }
    if (!ctl_host_admit(c, "host", host)) { /* last: it may record 'host' */
        free(ips);
        return;
    }
    struct json_object *vif = json_object_new_object();
    json_object_object_add(vif, "network-uuid", json_object_new_string(net));
    json_object_object_add(vif, "mac", json_object_new_string(mac));
    json_object_object_add(vif, "host", json_object_new_string(host));
    json_object_object_add(vif, "vm-uuid", json_object_new_string(vm));
    json_object_object_add(vif, "ip-allowed", json_object_new_string(ips));
    free(ips);
    json_object_object_add(ctl_table(c->db, "vifs"), uuid, vif);
    c->changed = true;
    c->result = json_object_new_object();
    json_object_object_add(c->result, "uuid", json_object_new_string(uuid));
}

static void
ctl_pool_vif_destroy(struct ctl_ctx *c)
{
    char uuid[UUID_LEN + 1];
    if (ctl_find(c, "vifs", "uuid", "VIF", uuid)) {
        json_object_object_del(ctl_table(c->db, "vifs"), uuid);
        c->changed = true;
    }
}

/* List verbs: rows as the agent's lists make them (docs/api.md): every
 * field a string, KEY=VALUE parameters filter on a field's text, params=
 * selects fields. */
static bool
ctl_row_matches(struct ctl_ctx *c, struct json_object *row)
{
    json_object_object_foreach(c->params, key, val)
    {
        struct json_object *f;
        if (!strcmp(key, "params")) {
            continue;
        }
        if (!json_object_object_get_ex(row, key, &f)) {
            return false;
        }
        char *text = xrpc_value_to_text(f);
        bool eq = !strcmp(text, json_object_get_string(val));
        free(text);
        if (!eq) {
            return false;
        }
    }
    return true;
}

void
ctl_add_row(struct ctl_ctx *c, struct json_object *row)
{
    const char *sel = ctl_arg(c, "params");
    if (!ctl_row_matches(c, row)) {
        json_object_put(row);
        return;
    }
    if (sel && strcmp(sel, "all")) {
        struct json_object *out = json_object_new_object();
        char *copy = xstrdup(sel), *save = NULL;
        for (char *f = strtok_r(copy, ",", &save); f;
             f = strtok_r(NULL, ",", &save)) {
            struct json_object *v;
            if (json_object_object_get_ex(row, f, &v)) {
                json_object_object_add(out, f, json_object_get(v));
            }
        }
        free(copy);
        json_object_put(row);
        row = out;
    }
    json_object_array_add(c->result, row);
}

bool
ctl_check_list_params(struct ctl_ctx *c)
{
    const char *sel = ctl_arg(c, "params");
    if (sel && strcmp(sel, "all")) {
        char *copy = xstrdup(sel), *save = NULL;
        for (char *f = strtok_r(copy, ",", &save); f;
             f = strtok_r(NULL, ",", &save)) {
            if (!xrpc_param_find(c->verb, f)) {
                ctl_reject(c, "params", "%.64s is not a field of %s", f,
                           c->verb->name);
                break;
            }
        }
        free(copy);
    }
    c->result = c->error ? NULL : json_object_new_array();
    return !c->error;
}

static void
ctl_pool_network_list(struct ctl_ctx *c)
{
    if (!ctl_check_list_params(c)) {
        return;
    }
    json_object_object_foreach(ctl_table(c->db, "networks"), uuid, net)
    {
        struct json_object *row = json_object_new_object();
        struct json_object *vifs = json_object_new_array();
        json_object_object_add(row, "uuid", json_object_new_string(uuid));
        json_object_object_add(
            row, "name-label",
            json_object_new_string(ctl_get_str(net, "name-label")));
        json_object_object_add(
            row, "name-description",
            json_object_new_string(ctl_get_str(net, "name-description")));
        json_object_object_add(
            row, "physical-network",
            json_object_new_string(ctl_get_str(net, "physical-network")));
        struct json_object *vlan = NULL;
        json_object_object_get_ex(net, "vlan", &vlan);
        json_object_object_add(row, "vlan",
                               json_object_new_int(json_object_get_int(vlan)));
        json_object_object_foreach(ctl_table(c->db, "vifs"), vuuid, vif)
        {
            if (!strcmp(ctl_get_str(vif, "network-uuid"), uuid)) {
                json_object_array_add(vifs, json_object_new_string(vuuid));
            }
        }
        json_object_object_add(row, "VIF-uuids", vifs);
        if (c->env && c->env->network_status) {
            json_object_object_add(
                row, "status",
                json_object_new_string(
                    c->env->network_status(c->env->aux, uuid)));
        }
        ctl_add_row(c, row);
    }
}

static void
ctl_pool_vif_list(struct ctl_ctx *c)
{
    if (!ctl_check_list_params(c)) {
        return;
    }
    json_object_object_foreach(ctl_table(c->db, "vifs"), uuid, vif)
    {
        struct json_object *row = json_object_new_object();
        static const char *const keys[]
            = {"network-uuid", "mac",        "host",
               "vm-uuid",      "ip-allowed", "migrating-to"};
        json_object_object_add(row, "uuid", json_object_new_string(uuid));
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            json_object_object_add(
                row, keys[i],
                json_object_new_string(ctl_get_str(vif, keys[i])));
        }
        if (c->env && c->env->vif_status) {
            json_object_object_add(
                row, "status",
                json_object_new_string(c->env->vif_status(c->env->aux, uuid)));
        }
        if (c->env && c->env->vif_bound) {
            json_object_object_add(
                row, "bound",
                json_object_new_boolean(c->env->vif_bound(c->env->aux, uuid)));
        }
        ctl_add_row(c, row);
    }
}

static const struct {
    const char *verb;
    void (*run)(struct ctl_ctx *);
} ctl_handlers[] = {
    {"pool-network-create", ctl_pool_network_create},
    {"pool-network-list", ctl_pool_network_list},
    {"pool-network-destroy", ctl_pool_network_destroy},
    {"pool-vif-create", ctl_pool_vif_create},
    {"pool-vif-list", ctl_pool_vif_list},
    {"pool-vif-destroy", ctl_pool_vif_destroy},
    {"pool-vif-migrate", ctl_pool_vif_migrate},
    {"pool-vif-migrate-complete", ctl_pool_vif_migrate_complete},
    {"pool-host-add", ctl_pool_host_add},
    {"pool-host-list", ctl_pool_host_list},
    {"pool-host-remove", ctl_pool_host_remove},
    {"pool-acl-create", ctl_acl_create},
    {"pool-acl-list", ctl_acl_list},
    {"pool-acl-destroy", ctl_acl_destroy},
};

int
ctl_db_call(struct json_object *db, const struct ctl_env *env,
            const char *method, struct json_object *params,
            struct json_object **result, char **error, bool *changed)
{
    struct ctl_ctx c = {.db = db, .env = env};
    struct json_object *empty = NULL;

    *result = NULL;
    *error = NULL;
    *changed = false;
    size_t i;
    for (i = 0; i < ARRAY_SIZE(ctl_handlers); i++) {
        if (!strcmp(ctl_handlers[i].verb, method)) {
            break;
        }
    }
    c.verb = xrpc_verb_find(method);
    if (i == ARRAY_SIZE(ctl_handlers) || !c.verb) {
        *error = xasprintf(
            "%.64s: not a verb of xovs-controller (it serves "
            "the pool-network-*, pool-vif-*, pool-host-* and pool-acl-* "
            "verbs; host "
            "verbs go to the host's xovs-agent)",
            method);
        return XRPC_USAGE;
    }
    if (!params) {
        params = empty = json_object_new_object();
    } else if (!json_object_is_type(params, json_type_object)) {
        *error = xstrdup("params: must be an object of strings");
        return XRPC_USAGE;
    }
    c.params = params;
    json_object_object_foreach(params, key, val)
    {
        char *bad = xrpc_check_param_name(c.verb, key);
        if (!bad && !json_object_is_type(val, json_type_string)) {
            bad = xasprintf("%.64s: value must be a string", key);
        }
        if (bad) {
            *error = bad;
            json_object_put(empty);
            return XRPC_USAGE;
        }
    }
    for (const struct xrpc_param *p = c.verb->params; p->name; p++) {
        if (p->required && !ctl_arg(&c, p->name)) {
            *error = xasprintf("%s: required parameter is missing (see: "
                               "xovs help %s)",
                               p->name, method);
            json_object_put(empty);
            return XRPC_USAGE;
        }
    }
    ctl_handlers[i].run(&c);
    json_object_put(empty);
    if (c.error) {
        json_object_put(c.result);
        *error = c.error;
        return c.code;
    }
    *result = c.result;
    *changed = c.changed;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Changes: which records a request touched, journal, delta for ctl-nb.c. */

/* The ops of the last change ctl_db_handle_line() committed (see
 * ctl-journal.c for their form), for ctl_db_take_delta(). */
static struct json_object *ctl_last_ops;

/* The records a verb may change, named by its parameters ("uuid": the
 * parameter holds the record's uuid; "result": the uuid it answers, a
 * record it made).  A verb not listed here (pool-host-remove, which may
 * remove every VIF of a host) runs on a copy of the whole store, which is
 * then compared with it. */
struct ctl_touch {
    const char *table;
    const char *param; /* NULL: the result's "uuid" */
    bool is_uuid;      /* canonicalise the parameter as a uuid */
};
static const struct {
    const char *verb;
    struct ctl_touch touches[3];
} ctl_touches[] = {
    {"pool-network-create", {{"networks", NULL, true}}},
    {"pool-network-destroy", {{"networks", "uuid", true}}},
    {"pool-vif-create", {{"vifs", "uuid", true}, {"hosts", "host", false}}},
    {"pool-vif-destroy", {{"vifs", "uuid", true}}},
    {"pool-vif-migrate", {{"vifs", "uuid", true}, {"hosts", "host", false}}},
    {"pool-vif-migrate-complete", {{"vifs", "uuid", true}}},
    {"pool-host-add", {{"hosts", "name", false}}},
    {"pool-acl-create", {{"acls", NULL, true}}},
    {"pool-acl-destroy", {{"acls", "uuid", true}}},
    {"pool-network-list", {{NULL, NULL, false}}},
    {"pool-vif-list", {{NULL, NULL, false}}},
    {"pool-host-list", {{NULL, NULL, false}}},
    {"pool-acl-list", {{NULL, NULL, false}}},
};

/* One record a request may touch: its table, uuid and its value before
 * (NULL: absent). */
struct ctl_undo {
    const char *table;
    char *uuid;
    struct json_object *old;
};

static void
ctl_undo_add(struct ctl_undo *u, size_t *n, struct json_object *db,
             const char *table, const char *uuid)
{
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp(u[i].table, table) && !strcmp(u[i].uuid, uuid)) {
            return;
        }
    }
    struct json_object *rec = NULL;
    u[*n].table = table;
    u[*n].uuid = xstrdup(uuid);
    u[*n].old = NULL;
    if (json_object_object_get_ex(ctl_table(db, table), uuid, &rec)) {
        json_object_deep_copy(rec, &u[*n].old, NULL);
    }
    (*n)++;
}

/* Adds to 'ops' an op for each record of 'u' that differs in 'db'. */
static void
ctl_undo_ops(const struct ctl_undo *u, size_t n, struct json_object *db,
             struct json_object *ops)
{
    for (size_t i = 0; i < n; i++) {
        struct json_object *rec = NULL;
        json_object_object_get_ex(ctl_table(db, u[i].table), u[i].uuid, &rec);
        if (u[i].old && rec ? json_object_equal(u[i].old, rec)
                            : !u[i].old && !rec) {
            continue;
        }
        struct json_object *op = json_object_new_object();
        json_object_object_add(op, "table",
                               json_object_new_string(u[i].table));
        json_object_object_add(op, "uuid", json_object_new_string(u[i].uuid));
        if (rec) {
            json_object_object_add(op, "record", json_object_get(rec));
        } else {
            json_object_object_add(op, "delete", json_object_new_boolean(1));
        }
        json_object_array_add(ops, op);
    }
}

/* Puts the records of 'u' back into 'db' as they were. */
static void
ctl_undo_apply(struct ctl_undo *u, size_t n, struct json_object *db)
{
    for (size_t i = 0; i < n; i++) {
        struct json_object *table = ctl_table(db, u[i].table);
        if (u[i].old) {
            json_object_object_add(table, u[i].uuid, u[i].old);
            u[i].old = NULL;
        } else {
            json_object_object_del(table, u[i].uuid);
        }
    }
}

static void
ctl_undo_free(struct ctl_undo *u, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(u[i].uuid);
        json_object_put(u[i].old);
    }
    free(u);
}

/* Adds to 'ops' an op for each record that differs between 'before' and
 * 'after' (whole stores). */
static void
ctl_diff_ops(struct json_object *before, struct json_object *after,
             struct json_object *ops)
{
    json_object_object_foreach(after, tname, table)
    {
        struct json_object *old_table = ctl_table(before, tname);
        if (!json_object_is_type(table, json_type_object)) {
            continue;
        }
        size_t n = 0, cap = json_object_object_length(table)
                            + json_object_object_length(old_table);
        struct ctl_undo *u = xcalloc(cap + 1, sizeof *u);
        json_object_object_foreach(table, uuid, rec)
        {
            (void)rec;
            u[n].table = tname;
            u[n].uuid = xstrdup(uuid);
            json_object_object_get_ex(old_table, uuid, &u[n].old);
            json_object_get(u[n].old);
            n++;
        }
        json_object_object_foreach(old_table, ouuid, orec)
        {
            if (!json_object_object_get_ex(table, ouuid, NULL)) {
                u[n].table = tname;
                u[n].uuid = xstrdup(ouuid);
                u[n].old = json_object_get(orec);
                n++;
            }
        }
        ctl_undo_ops(u, n, after, ops);
        ctl_undo_free(u, n);
    }
}

/* Runs the request on '*db' itself, with the records its verb may touch
 * copied first.  Returns as ctl_db_call() does; on success '*ops' holds
 * what changed.  'touches' is the verb's entry of ctl_touches. */
static int
ctl_db_call_in_place(struct json_object *db, const struct ctl_env *env,
                     const char *store_path, const char *method,
                     struct json_object *params,
                     const struct ctl_touch *touches,
                     struct json_object **result, char **error,
                     struct json_object **opsp)
{
    struct ctl_undo *u = xcalloc(4, sizeof *u);
    size_t n = 0;
    bool mod;

    *opsp = NULL;
    for (size_t i = 0; i < 3 && touches[i].table; i++) {
        struct json_object *v;
        if (!touches[i].param
            || !json_object_object_get_ex(params, touches[i].param, &v)
            || !json_object_is_type(v, json_type_string)) {
            continue;
        }
        char canon[UUID_LEN + 1];
        const char *key = json_object_get_string(v);
        if (touches[i].is_uuid) {
            if (!ctl_valid_uuid(key, canon)) {
                continue; /* the verb rejects it */
            }
            key = canon;
        }
        ctl_undo_add(u, &n, db, touches[i].table, key);
    }
    int code = ctl_db_call(db, env, method, params, result, error, &mod);
    if (!code && mod) {
        /* A record it made: named by its answer. */
        struct json_object *made;
        for (size_t i = 0; i < 3 && touches[i].table; i++) {
            if (!touches[i].param
                && json_object_object_get_ex(*result, "uuid", &made)) {
                u[n].table = touches[i].table;
                u[n].uuid = xstrdup(json_object_get_string(made));
                u[n].old = NULL;
                n++;
            }
        }
        struct json_object *ops = json_object_new_array();
        ctl_undo_ops(u, n, db, ops);
        char *err = (json_object_array_length(ops)
                         ? ctl_journal_append(store_path, ops, db)
                         : NULL);
        if (err) {
            json_object_put(ops);
            json_object_put(*result);
            *result = NULL;
            *error = err;
            code = XRPC_FAILED;
        } else {
            *opsp = ops;
        }
    }
    if (code) {
        ctl_undo_apply(u, n, db);
    }
    ctl_undo_free(u, n);
    return code;
}

char *
ctl_db_handle_line(struct json_object **db, const struct ctl_env *env,
                   const char *store_path, const char *line, size_t len,
                   bool *changed)
{
    struct json_object *request, *id, *params, *result, *ops = NULL;
    const char *method;
    char *error, *reply;
    int code;

    *changed = false;
    error = xrpc_parse_request(line, len, &request, &id, &method, &params);
    if (error) {
        reply = xrpc_error_line(id, XRPC_USAGE, error);
        free(error);
        json_object_put(request);
        return reply;
    }
    size_t i;
    for (i = 0; i < ARRAY_SIZE(ctl_touches); i++) {
        if (!strcmp(ctl_touches[i].verb, method)) {
            break;
        }
    }
    if (i < ARRAY_SIZE(ctl_touches)
        && (!params || json_object_is_type(params, json_type_object))) {
        code = ctl_db_call_in_place(*db, env, store_path, method, params,
                                    ctl_touches[i].touches, &result, &error,
                                    &ops);
    } else {
        struct json_object *copy = NULL;
        bool mod;
        json_object_deep_copy(*db, &copy, NULL);
        code = ctl_db_call(copy, env, method, params, &result, &error, &mod);
        if (!code && mod) {
            ops = json_object_new_array();
            ctl_diff_ops(*db, copy, ops);
            error = (json_object_array_length(ops)
                         ? ctl_journal_append(store_path, ops, copy)
                         : NULL);
            if (error) {
                code = XRPC_FAILED;
                json_object_put(result);
                json_object_put(ops);
                ops = NULL;
            }
        }
        if (!code) {
            json_object_put(*db);
            *db = copy;
        } else {
            json_object_put(copy);
        }
    }
    if (code) {
        reply = xrpc_error_line(id, code, error);
        free(error);
    } else {
        reply = xrpc_result_line(id, result);
        size_t n_ops = ops ? json_object_array_length(ops) : 0;
        if (n_ops) {
            /* Added to those not taken yet. */
            if (!ctl_last_ops) {
                ctl_last_ops = json_object_new_array();
            }
            for (size_t k = 0; k < n_ops; k++) {
                json_object_array_add(
                    ctl_last_ops,
                    json_object_get(json_object_array_get_idx(ops, k)));
            }
            *changed = true;
        }
    }
    json_object_put(ops);
    char *warning = ctl_journal_take_warning(store_path);
    if (warning) {
        VLOG_WARN("%s (the change is safe in the journal; retrying later)",
                  warning);
        free(warning);
    }
    json_object_put(request);
    return reply;
}

void
ctl_db_take_delta(struct json_object *db, struct ctl_plan_delta *d)
{
    memset(&d->put, 0, sizeof d->put);
    svec_init(&d->gone_networks);
    svec_init(&d->gone_vifs);
    svec_init(&d->gone_acls);
    size_t n = ctl_last_ops ? json_object_array_length(ctl_last_ops) : 0;
    d->put.networks = xcalloc(n + 1, sizeof *d->put.networks);
    d->put.vifs = xcalloc(n + 1, sizeof *d->put.vifs);
    d->put.acls = xcalloc(n + 1, sizeof *d->put.acls);
    for (size_t i = 0; i < n; i++) {
        struct json_object *op = json_object_array_get_idx(ctl_last_ops, i);
        const char *table = ctl_get_str(op, "table");
        const char *uuid = ctl_get_str(op, "uuid");
        struct json_object *rec = NULL;
        json_object_object_get_ex(ctl_table(db, table), uuid, &rec);
        if (!strcmp(table, "networks")) {
            if (rec) {
                ctl_plan_network_of(uuid, rec,
                                    &d->put.networks[d->put.n_networks++]);
            } else {
                svec_add(&d->gone_networks, uuid);
            }
        } else if (!strcmp(table, "vifs")) {
            if (rec) {
                ctl_plan_vif_of(uuid, rec, &d->put.vifs[d->put.n_vifs++]);
            } else {
                svec_add(&d->gone_vifs, uuid);
            }
        } else if (!strcmp(table, "acls")) {
            if (!rec
                || !ctl_acl_plan_one(uuid, rec, &d->put.acls[d->put.n_acls])) {
                svec_add(&d->gone_acls, uuid);
            } else {
                d->put.n_acls++;
            }
        }
    }
    json_object_put(ctl_last_ops);
    ctl_last_ops = NULL;
}
