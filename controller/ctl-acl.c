/* controller/ctl-acl.c: pool ACL records -- the verbs pool-acl-create,
 * -list, -destroy, the store check and the plan (see ctl-acl.h; the OVN
 * side is ctl-acl-nb.c). */
#include <config.h>
#include "controller/ctl-acl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "agent/rpc.h"
#include "controller/ctl-db-private.h"
#include "controller/ctl-db.h"
#include "controller/ctl-nb.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

enum ctl_acl_level { ACL_VIF, ACL_VM, ACL_NETWORK, ACL_POOL };
static const char *const level_names[] = {"vif", "vm", "network", "pool"};

enum ctl_acl_proto { ACL_ANY, ACL_TCP, ACL_UDP, ACL_ICMP, ACL_ARP };
static const char *const proto_names[] = {"any", "tcp", "udp", "icmp", "arp"};

/* One ACL record, checked. */
struct ctl_acl {
    enum ctl_acl_level level;
    bool deny;
    enum ctl_acl_proto proto;
    int port_min, port_max; /* 0, 0: any port */
    int family;             /* AF_INET, AF_INET6, or 0: any remote */
    char remote[INET6_ADDRSTRLEN + 64]; /* canonical: "ADDR" or "ADDR/LEN" */
    char port[16];                      /* canonical: "", "N" or "N-M" */
    bool to_vif;
    int priority;
};

/* The fields as given (NULL: not given). */
struct ctl_acl_text {
    const char *level, *action, *protocol, *port, *remote, *direction,
        *priority;
};

static int
ctl_acl_lookup(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++) {
        if (!strcmp(s, names[i])) {
            return i;
        }
    }
    return -1;
}

/* A decimal in min..max, nothing else. */
static bool
ctl_acl_number(const char *s, long min, long max, long *out)
{
    char *end;
    if (!*s || strlen(s) > 6 || strspn(s, "0123456789") != strlen(s)) {
        return false;
    }
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* "ADDR" or "ADDR/LEN", v4 or v6, without host bits beyond LEN. */
static const char *
ctl_acl_parse_remote(const char *s, struct ctl_acl *acl)
{
    char addr[INET6_ADDRSTRLEN + 8];
    unsigned char bytes[16];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    long plen = -1;

    if (!len || len >= INET6_ADDRSTRLEN) {
        return "is not an IPv4 or IPv6 address or CIDR";
    }
    memcpy(addr, s, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, bytes) == 1) {
        acl->family = AF_INET;
    } else if (inet_pton(AF_INET6, addr, bytes) == 1) {
        acl->family = AF_INET6;
    } else {
        return "is not an IPv4 or IPv6 address or CIDR";
    }
    int bits = acl->family == AF_INET ? 32 : 128;
    if (slash && !ctl_acl_number(slash + 1, 0, bits, &plen)) {
        return (acl->family == AF_INET ? "has a prefix length not in 0..32"
                                       : "has a prefix length not in 0..128");
    }
    for (int i = plen < 0 ? bits : plen; i < bits; i++) {
        if (bytes[i / 8] & (0x80 >> (i % 8))) {
            return "has address bits set beyond its prefix length (give "
                   "the network's address)";
        }
    }
    inet_ntop(acl->family, bytes, addr, sizeof addr);
    if (plen >= 0 && plen < bits) {
        snprintf(acl->remote, sizeof acl->remote, "%s/%ld", addr, plen);
    } else {
        snprintf(acl->remote, sizeof acl->remote, "%s", addr);
    }
    return NULL;
}

/* Checks every field of 't' (the target is checked against the records
 * by the caller).  Returns NULL and fills 'acl', or a malloc'd
 * "FIELD: message". */
static char *
ctl_acl_parse(const struct ctl_acl_text *t, struct ctl_acl *acl)
{
    long v = 0;
    int i;

    memset(acl, 0, sizeof *acl);
    if ((i = ctl_acl_lookup(t->level, level_names, 4)) < 0) {
        return xasprintf("level: \"%.32s\" is not pool, network, vm or vif",
                         t->level ? t->level : "");
    }
    acl->level = i;
    if (!t->action
        || (strcmp(t->action, "allow") && strcmp(t->action, "deny"))) {
        return xasprintf("action: \"%.32s\" is not allow or deny",
                         t->action ? t->action : "");
    }
    acl->deny = !strcmp(t->action, "deny");
    if ((i = ctl_acl_lookup(t->protocol, proto_names, 5)) < 0) {
        return xasprintf("protocol: \"%.32s\" is not tcp, udp, icmp, arp or "
                         "any",
                         t->protocol ? t->protocol : "");
    }
    acl->proto = i;
    if (t->port && *t->port) {
        const char *dash = strchr(t->port, '-');
        char lo[8];
        long a, b;
        size_t n = dash ? (size_t)(dash - t->port) : strlen(t->port);
        if (acl->proto != ACL_TCP && acl->proto != ACL_UDP) {
            return xasprintf("port: only tcp and udp have ports, not %s",
                             proto_names[acl->proto]);
        }
        if (n >= sizeof lo) {
            return xasprintf("port: \"%.32s\" is not a port 1..65535 or a "
                             "range N-M",
                             t->port);
        }
        memcpy(lo, t->port, n);
        lo[n] = '\0';
        if (!ctl_acl_number(lo, 1, 65535, &a)
            || (dash && !ctl_acl_number(dash + 1, 1, 65535, &b))) {
            return xasprintf("port: \"%.32s\" is not a port 1..65535 or a "
                             "range N-M",
                             t->port);
        }
        if (!dash) {
            b = a;
        } else if (b < a) {
            return xasprintf("port: range %ld-%ld is empty (N-M with N <= M)",
                             a, b);
        }
        acl->port_min = a;
        acl->port_max = b;
        if (a == b) {
            snprintf(acl->port, sizeof acl->port, "%ld", a);
        } else {
            snprintf(acl->port, sizeof acl->port, "%ld-%ld", a, b);
        }
    }
    if (t->remote && *t->remote) {
        const char *why = ctl_acl_parse_remote(t->remote, acl);
        if (why) {
            return xasprintf("remote: \"%.64s\" %s", t->remote, why);
        }
        if (acl->proto == ACL_ARP && acl->family != AF_INET) {
            return xasprintf("remote: ARP has IPv4 addresses only, not %.64s",
                             acl->remote);
        }
    }
    if (!t->direction
        || (strcmp(t->direction, "to-vif")
            && strcmp(t->direction, "from-vif"))) {
        return xasprintf("direction: \"%.32s\" is not to-vif or from-vif",
                         t->direction ? t->direction : "");
    }
    acl->to_vif = !strcmp(t->direction, "to-vif");
    if (t->priority
        && !ctl_acl_number(t->priority, 0, CTL_ACL_PRIORITY_MAX, &v)) {
        return xasprintf("priority: \"%.32s\" is not a number in 0..%d",
                         t->priority, CTL_ACL_PRIORITY_MAX);
    }
    acl->priority = t->priority ? v : 0;
    return NULL;
}

/* The OVN match of 'acl' on port group 'group'. */
static char *
ctl_acl_match(const struct ctl_acl *acl, const char *group)
{
    struct ds m = DS_EMPTY_INITIALIZER;
    /* The remote end: the destination of what the VIF sends, the source
     * of what it receives. */
    const char *end = acl->to_vif ? "src" : "dst";
    const char *ip = acl->family == AF_INET6 ? "ip6" : "ip4";

    ds_put_format(&m, "%s == @%s", acl->to_vif ? "outport" : "inport", group);
    switch (acl->proto) {
    case ACL_TCP:
    case ACL_UDP: {
        const char *p = proto_names[acl->proto];
        ds_put_format(&m, " && %s", p);
        if (acl->port_min && acl->port_min == acl->port_max) {
            ds_put_format(&m, " && %s.dst == %d", p, acl->port_min);
        } else if (acl->port_min) {
            ds_put_format(&m, " && %s.dst >= %d && %s.dst <= %d", p,
                          acl->port_min, p, acl->port_max);
        }
        break;
    }
    case ACL_ICMP:
        ds_put_cstr(&m, !acl->family             ? " && (icmp4 || icmp6)"
                        : acl->family == AF_INET ? " && icmp4"
                                                 : " && icmp6");
        break;
    case ACL_ARP:
        ds_put_cstr(&m, " && arp");
        if (acl->family) {
            ds_put_format(&m, " && arp.%s == %s", acl->to_vif ? "spa" : "tpa",
                          acl->remote);
        }
        break;
    case ACL_ANY:
    default:
        break;
    }
    if (acl->family && acl->proto != ACL_ARP) {
        ds_put_format(&m, " && %s.%s == %s", ip, end, acl->remote);
    }
    return ds_steal_cstr(&m);
}

/* The port group of a rule at 'level' on 'target'. */
static void
ctl_acl_group(enum ctl_acl_level level, const char *target, char **name,
              char **key)
{
    static const char *const prefix[] = {"vif", "vm", "net", "pool"};
    if (level == ACL_POOL) {
        *name = xstrdup("xovs_pool");
        *key = xstrdup("pool");
        return;
    }
    *name = xasprintf("xovs_%s_%s", prefix[level], target);
    for (char *p = *name; *p; p++) {
        if (*p == '-') {
            *p = '_';
        }
    }
    *key = xasprintf("%s:%s", level_names[level], target);
}

static void
ctl_acl_text_of(struct json_object *rec, struct ctl_acl_text *t, char prio[16])
{
    struct json_object *p = NULL;
    t->level = ctl_get_str(rec, "level");
    t->action = ctl_get_str(rec, "action");
    t->protocol = ctl_get_str(rec, "protocol");
    t->port = ctl_get_str(rec, "port");
    t->remote = ctl_get_str(rec, "remote");
    t->direction = ctl_get_str(rec, "direction");
    json_object_object_get_ex(rec, "priority", &p);
    snprintf(prio, 16, "%d",
             json_object_is_type(p, json_type_int) ? json_object_get_int(p)
                                                   : -1);
    t->priority = prio;
}

/* ---------------------------------------------------------------------- */
/* Verbs. */

/* Checks 'target' for 'level' against the records; its canonical uuid
 * into 'out'.  Rejects and returns false. */
static bool
ctl_acl_check_target(struct ctl_ctx *c, enum ctl_acl_level level,
                     const char *target, char out[UUID_LEN + 1])
{
    struct json_object *nets = ctl_table(c->db, "networks");
    struct json_object *vifs = ctl_table(c->db, "vifs");

    out[0] = '\0';
    if (level == ACL_POOL) {
        if (target && *target) {
            ctl_reject(c, "target",
                       "a pool rule has no target (it covers "
                       "every VIF of the pool)");
            return false;
        }
        return true;
    }
    if (!target || !*target) {
        ctl_reject(c, "target", "a %s rule needs target=UUID (the %s)",
                   level_names[level],
                   level == ACL_NETWORK ? "pool network"
                   : level == ACL_VM    ? "VM"
                                        : "pool VIF");
        return false;
    }
    if (!ctl_valid_uuid(target, out)) {
        ctl_reject(c, "target", "\"%.64s\" is not a uuid", target);
        return false;
    }
    bool is_net = json_object_object_get_ex(nets, out, NULL);
    bool is_vif = json_object_object_get_ex(vifs, out, NULL);
    bool is_vm = false;
    json_object_object_foreach(vifs, vuuid, vif)
    {
        if (!strcmp(ctl_get_str(vif, "vm-uuid"), out)) {
            is_vm = true;
            break;
        }
        (void)vuuid;
    }
    const char *kind = (is_net   ? "a pool network"
                        : is_vif ? "a pool VIF"
                        : is_vm  ? "a VM"
                                 : NULL);
    bool ok = (level == ACL_NETWORK ? is_net
               : level == ACL_VM    ? is_vm
                                    : is_vif);
    if (!ok) {
        if (kind) {
            ctl_reject(c, "target", "%s is %s, not a %s", out, kind,
                       level == ACL_NETWORK ? "pool network (level=network)"
                       : level == ACL_VM    ? "VM with a placed VIF (level=vm)"
                                            : "pool VIF (level=vif)");
        } else {
            ctl_reject(c, "target", "no %s %s (see: xovs %s)",
                       level == ACL_NETWORK ? "pool network"
                       : level == ACL_VM    ? "VM with a placed VIF"
                                            : "pool VIF",
                       out,
                       level == ACL_NETWORK ? "pool-network-list"
                                            : "pool-vif-list");
        }
        return false;
    }
    return true;
}

void
ctl_acl_create(struct ctl_ctx *c)
{
    const struct ctl_acl_text t = {
        .level = ctl_arg(c, "level"),
        .action = ctl_arg(c, "action"),
        .protocol = ctl_arg(c, "protocol"),
        .port = ctl_arg(c, "port"),
        .remote = ctl_arg(c, "remote"),
        .direction = ctl_arg(c, "direction"),
        .priority = ctl_arg(c, "priority"),
    };
    struct ctl_acl acl;
    char target[UUID_LEN + 1];
    char *error = ctl_acl_parse(&t, &acl);
    if (error) {
        char *colon = strchr(error, ':');
        *colon = '\0';
        ctl_reject(c, error, "%s", colon + 2);
        free(error);
        return;
    }
    if (!ctl_acl_check_target(c, acl.level, ctl_arg(c, "target"), target)) {
        return;
    }
    struct json_object *acls = ctl_table(c->db, "acls");
    if (json_object_object_length(acls) >= CTL_ACL_MAX) {
        ctl_reject(c, "uuid",
                   "the pool has %d ACLs, the most it may have "
                   "(pool-acl-destroy some)",
                   CTL_ACL_MAX);
        return;
    }
    char uuid[UUID_LEN + 1];
    ctl_new_uuid(uuid);
    struct json_object *rec = json_object_new_object();
    json_object_object_add(rec, "level",
                           json_object_new_string(level_names[acl.level]));
    json_object_object_add(rec, "target", json_object_new_string(target));
    json_object_object_add(
        rec, "action", json_object_new_string(acl.deny ? "deny" : "allow"));
    json_object_object_add(rec, "protocol",
                           json_object_new_string(proto_names[acl.proto]));
    json_object_object_add(rec, "port", json_object_new_string(acl.port));
    json_object_object_add(rec, "remote", json_object_new_string(acl.remote));
    json_object_object_add(
        rec, "direction",
        json_object_new_string(acl.to_vif ? "to-vif" : "from-vif"));
    json_object_object_add(rec, "priority", json_object_new_int(acl.priority));
    json_object_object_add(acls, uuid, rec);
    c->changed = true;
    c->result = json_object_new_object();
    json_object_object_add(c->result, "uuid", json_object_new_string(uuid));
}

void
ctl_acl_destroy(struct ctl_ctx *c)
{
    const char *s = ctl_arg(c, "uuid");
    char uuid[UUID_LEN + 1];
    if (!ctl_valid_uuid(s, uuid)) {
        ctl_reject(c, "uuid", "\"%.64s\" is not a uuid", s);
    } else if (!json_object_object_get_ex(ctl_table(c->db, "acls"), uuid,
                                          NULL)) {
        ctl_reject(c, "uuid", "no ACL %s (see: xovs pool-acl-list)", uuid);
    } else {
        json_object_object_del(ctl_table(c->db, "acls"), uuid);
        c->changed = true;
    }
}

void
ctl_acl_list(struct ctl_ctx *c)
{
    static const char *const keys[]
        = {"level", "target", "action",   "protocol",
           "port",  "remote", "direction"};
    if (!ctl_check_list_params(c)) {
        return;
    }
    json_object_object_foreach(ctl_table(c->db, "acls"), uuid, rec)
    {
        struct json_object *row = json_object_new_object();
        struct json_object *prio = NULL;
        json_object_object_add(row, "uuid", json_object_new_string(uuid));
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            json_object_object_add(
                row, keys[i],
                json_object_new_string(ctl_get_str(rec, keys[i])));
        }
        json_object_object_get_ex(rec, "priority", &prio);
        json_object_object_add(row, "priority",
                               json_object_new_int(json_object_get_int(prio)));
        int level = ctl_acl_lookup(ctl_get_str(rec, "level"), level_names, 4);
        json_object_object_add(
            row, "ovn-priority",
            json_object_new_int(CTL_ACL_BAND * (1 + level)
                                + json_object_get_int(prio)));
        if (c->env && c->env->acl_status) {
            json_object_object_add(
                row, "status",
                json_object_new_string(c->env->acl_status(c->env->aux, uuid)));
        }
        ctl_add_row(c, row);
    }
}

bool
ctl_acl_network_unused(struct ctl_ctx *c, const char *uuid)
{
    json_object_object_foreach(ctl_table(c->db, "acls"), auuid, rec)
    {
        if (!strcmp(ctl_get_str(rec, "level"), "network")
            && !strcmp(ctl_get_str(rec, "target"), uuid)) {
            ctl_reject(c, "uuid",
                       "ACL %s is on network %s (xovs pool-acl-destroy "
                       "first)",
                       auuid, uuid);
            return false;
        }
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Store and plan. */

char *
ctl_acl_store_check(struct json_object *db)
{
    struct json_object *acls = ctl_table(db, "acls");
    if (!acls) {
        json_object_object_add(db, "acls", json_object_new_object());
        return NULL;
    }
    if (!json_object_is_type(acls, json_type_object)) {
        return xstrdup("\"acls\" must be an object");
    }
    if (json_object_object_length(acls) > CTL_ACL_MAX) {
        return xasprintf("more than %d ACLs", CTL_ACL_MAX);
    }
    json_object_object_foreach(acls, uuid, rec)
    {
        char u[UUID_LEN + 1], prio[16];
        struct ctl_acl_text t;
        struct ctl_acl acl;
        if (!ctl_valid_uuid(uuid, u)
            || !json_object_is_type(rec, json_type_object)) {
            return xasprintf("ACL %.64s is malformed", uuid);
        }
        ctl_acl_text_of(rec, &t, prio);
        char *why = ctl_acl_parse(&t, &acl);
        if (why) {
            char *msg = xasprintf("ACL %s: %s", uuid, why);
            free(why);
            return msg;
        }
        const char *target = ctl_get_str(rec, "target");
        if (acl.level == ACL_POOL ? *target != '\0'
                                  : !ctl_valid_uuid(target, u)) {
            return xasprintf("ACL %s: bad target \"%.64s\"", uuid, target);
        }
        if (acl.level == ACL_NETWORK
            && !json_object_object_get_ex(ctl_table(db, "networks"), target,
                                          NULL)) {
            return xasprintf("ACL %s is on network %s, which is not there",
                             uuid, target);
        }
    }
    return NULL;
}

bool
ctl_acl_plan_one(const char *uuid, struct json_object *rec,
                 struct ctl_plan_acl *p)
{
    char prio[16];
    struct ctl_acl_text t;
    struct ctl_acl acl;
    ctl_acl_text_of(rec, &t, prio);
    char *why = ctl_acl_parse(&t, &acl);
    if (why) {
        free(why); /* cannot be: the store was checked */
        return false;
    }
    p->uuid = xstrdup(uuid);
    ctl_acl_group(acl.level, ctl_get_str(rec, "target"), &p->group,
                  &p->group_key);
    p->match = ctl_acl_match(&acl, p->group);
    p->direction = acl.to_vif ? "to-lport" : "from-lport";
    p->action = acl.deny ? "drop" : "allow-related";
    p->priority = CTL_ACL_BAND * (1 + acl.level) + acl.priority;
    return true;
}

void
ctl_acl_plan(struct json_object *db, struct ctl_plan *plan)
{
    struct json_object *acls = ctl_table(db, "acls");
    size_t n = json_object_object_length(acls);
    plan->acls = xcalloc(n + 1, sizeof *plan->acls);
    plan->n_acls = 0;
    json_object_object_foreach(acls, uuid, rec)
    {
        if (ctl_acl_plan_one(uuid, rec, &plan->acls[plan->n_acls])) {
            plan->n_acls++;
        }
    }
}

void
ctl_acl_plan_free(struct ctl_plan_acl *acls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(acls[i].uuid);
        free(acls[i].group);
        free(acls[i].group_key);
        free(acls[i].match);
    }
    free(acls);
}
