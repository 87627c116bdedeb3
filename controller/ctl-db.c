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
#include "util.h"
#include "uuid.h"

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

char *
ctl_store_load(const char *path, struct json_object **dbp)
{
    *dbp = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            *dbp = ctl_db_new();
            return NULL;
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
    *dbp = db;
    return NULL;
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
        struct ctl_plan_network *p = &plan->networks[i++];
        struct json_object *vlan = NULL;
        json_object_object_get_ex(net, "vlan", &vlan);
        p->uuid = xstrdup(uuid);
        p->name = xstrdup(ctl_get_str(net, "name-label"));
        p->physical = xstrdup(ctl_get_str(net, "physical-network"));
        p->vlan = vlan ? json_object_get_int(vlan) : -1;
    }
    i = 0;
    plan->n_vifs = json_object_object_length(vifs);
    plan->vifs = xcalloc(plan->n_vifs + 1, sizeof *plan->vifs);
    json_object_object_foreach(vifs, vuuid, vif)
    {
        struct ctl_plan_vif *p = &plan->vifs[i++];
        p->uuid = xstrdup(vuuid);
        p->network = xstrdup(ctl_get_str(vif, "network-uuid"));
        p->mac = xstrdup(ctl_get_str(vif, "mac"));
        p->host = xstrdup(ctl_get_str(vif, "host"));
        p->vm = xstrdup(ctl_get_str(vif, "vm-uuid"));
        p->ips = xstrdup(ctl_get_str(vif, "ip-allowed"));
        p->target = xstrdup(ctl_get_str(vif, "migrating-to"));
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

char *
ctl_db_handle_line(struct json_object **db, const struct ctl_env *env,
                   const char *store_path, const char *line, size_t len,
                   bool *changed)
{
    struct json_object *request, *id, *params, *result;
    const char *method;
    char *error, *reply;

    *changed = false;
    error = xrpc_parse_request(line, len, &request, &id, &method, &params);
    if (error) {
        reply = xrpc_error_line(id, XRPC_USAGE, error);
        free(error);
        json_object_put(request);
        return reply;
    }
    struct json_object *copy = NULL;
    json_object_deep_copy(*db, &copy, NULL);
    bool mod;
    int code = ctl_db_call(copy, env, method, params, &result, &error, &mod);
    if (code) {
        reply = xrpc_error_line(id, code, error);
        free(error);
        json_object_put(copy);
    } else if (mod && (error = ctl_store_save(store_path, copy)) != NULL) {
        reply = xrpc_error_line(id, XRPC_FAILED, error);
        free(error);
        json_object_put(result);
        json_object_put(copy);
    } else {
        reply = xrpc_result_line(id, result);
        if (mod) {
            json_object_put(*db);
            *db = copy;
            *changed = true;
        } else {
            json_object_put(copy);
        }
    }
    json_object_put(request);
    return reply;
}
