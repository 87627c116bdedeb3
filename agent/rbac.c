/* agent/rbac.c: roles on the agent's API (see rbac.h and docs/roles.md). */
#include <config.h>
#include "agent/rbac.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <json-c/json.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct xrbac_entry {
    unsigned int id; /* uid or gid */
    enum xrbac_role role;
};

static const char *const role_names[] = {
    [XRBAC_NONE] = "none",
    [XRBAC_READ_ONLY] = "read-only",
    [XRBAC_VM_OPERATOR] = "vm-operator",
    [XRBAC_POOL_ADMIN] = "pool-admin",
};

/* vif-param-set as the hotplug script uses it: the record follows its VM
 * to the domid xl gave it; nothing else of the VIF changes. */
static const char *const vif_param_set_domid[] = {"uuid", "domid", NULL};

/* The one table of what each method needs.  A method not listed needs
 * pool-admin.  With 'params', the entry holds only when the request
 * carries no parameter outside that list (else pool-admin). */
static const struct {
    const char *method;
    enum xrbac_role role;
    const char *const *params;
} method_roles[] = {
    {"network-list", XRBAC_READ_ONLY, NULL},
    {"pif-list", XRBAC_READ_ONLY, NULL},
    {"vlan-list", XRBAC_READ_ONLY, NULL},
    {"bond-list", XRBAC_READ_ONLY, NULL},
    {"vif-list", XRBAC_READ_ONLY, NULL},
    {"port-stats-list", XRBAC_READ_ONLY, NULL},
    {"port-stats-history", XRBAC_READ_ONLY, NULL},
    {"network-param-get", XRBAC_READ_ONLY, NULL},
    {"pif-param-get", XRBAC_READ_ONLY, NULL},
    {"vlan-param-get", XRBAC_READ_ONLY, NULL},
    {"bond-param-get", XRBAC_READ_ONLY, NULL},
    {"vif-param-get", XRBAC_READ_ONLY, NULL},
    {"sdn-controller-list", XRBAC_READ_ONLY, NULL},
    {"ssl-list", XRBAC_READ_ONLY, NULL},
    {"tunnel-list", XRBAC_READ_ONLY, NULL},
    {"mirror-list", XRBAC_READ_ONLY, NULL},
    {"pool-list", XRBAC_READ_ONLY, NULL},
    {"pool-network-list", XRBAC_READ_ONLY, NULL},
    {"pool-vif-list", XRBAC_READ_ONLY, NULL},
    {"pool-vif-create", XRBAC_VM_OPERATOR, NULL},
    {"pool-vif-destroy", XRBAC_VM_OPERATOR, NULL},
    {"pool-host-list", XRBAC_READ_ONLY, NULL},
    {"pool-vif-migrate", XRBAC_VM_OPERATOR, NULL},
    {"pool-vif-migrate-complete", XRBAC_VM_OPERATOR, NULL},
    {"vif-plug", XRBAC_VM_OPERATOR, NULL},
    {"vif-unplug", XRBAC_VM_OPERATOR, NULL},
    {"vif-stats-report", XRBAC_VM_OPERATOR, NULL},
    {"vif-param-set", XRBAC_VM_OPERATOR, vif_param_set_domid},
};

const char *
xrbac_role_name(enum xrbac_role role)
{
    return role < ARRAY_SIZE(role_names) ? role_names[role] : "?";
}

bool
xrbac_role_from_name(const char *s, enum xrbac_role *role)
{
    for (size_t i = 0; i < ARRAY_SIZE(role_names); i++) {
        if (!strcmp(s, role_names[i])) {
            *role = i;
            return true;
        }
    }
    return false;
}

void
xrbac_map_init(struct xrbac_map *map, uid_t self)
{
    *map = (struct xrbac_map){
        .default_role = XRBAC_NONE,
        .self = self,
    };
}

void
xrbac_map_destroy(struct xrbac_map *map)
{
    if (map) {
        free(map->uids);
        free(map->gids);
    }
}

static void
add_entry(struct xrbac_entry **entries, size_t *n, unsigned int id,
          enum xrbac_role role)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*entries)[i].id == id) {
            (*entries)[i].role = role; /* the last line wins */
            return;
        }
    }
    *entries = xrealloc(*entries, (*n + 1) * sizeof **entries);
    (*entries)[(*n)++] = (struct xrbac_entry){id, role};
}

/* A decimal id below (unsigned) -1, which means "no id" to the kernel. */
static bool
parse_id(const char *s, unsigned int *id)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!isdigit((unsigned char)*s) || *end || errno || v >= UINT_MAX) {
        return false;
    }
    *id = v;
    return true;
}

/* Parses one line's subject ("uid:N", "user:NAME", "gid:N", "group:NAME")
 * into '*is_uid' and '*id'; NULL or a malloc'd reason. */
static char *
parse_subject(const char *subject, bool *is_uid, unsigned int *id)
{
    const char *colon = strchr(subject, ':');
    const char *val = colon ? colon + 1 : "";
    size_t klen = colon ? (size_t)(colon - subject) : 0;

    if (klen == 3 && !strncmp(subject, "uid", 3)) {
        *is_uid = true;
        return parse_id(val, id) ? NULL
                                 : xasprintf("\"%.64s\" is not a uid", val);
    } else if (klen == 3 && !strncmp(subject, "gid", 3)) {
        *is_uid = false;
        return parse_id(val, id) ? NULL
                                 : xasprintf("\"%.64s\" is not a gid", val);
    } else if (klen == 4 && !strncmp(subject, "user", 4)) {
        const struct passwd *pw = *val ? getpwnam(val) : NULL;
        *is_uid = true;
        if (!pw) {
            return xasprintf("no user \"%.64s\" on this host", val);
        }
        *id = pw->pw_uid;
        return NULL;
    } else if (klen == 5 && !strncmp(subject, "group", 5)) {
        const struct group *gr = *val ? getgrnam(val) : NULL;
        *is_uid = false;
        if (!gr) {
            return xasprintf("no group \"%.64s\" on this host", val);
        }
        *id = gr->gr_gid;
        return NULL;
    }
    return xasprintf("\"%.64s\" is not uid:N, user:NAME, gid:N, group:NAME "
                     "or default",
                     subject);
}

char *
xrbac_map_parse(struct xrbac_map *map, const char *file, const char *text)
{
    struct xrbac_map new = *map;
    char *copy = xstrdup(text), *save_line = NULL;
    char *error = NULL;
    unsigned int line_no = 0;

    new.uids = xmemdup(map->uids, map->n_uids * sizeof *map->uids);
    new.gids = xmemdup(map->gids, map->n_gids * sizeof *map->gids);
    /* Count lines by hand: strtok_r() would skip empty ones. */
    for (char *line = copy; !error && line; line = save_line) {
        char *nl = strchr(line, '\n');
        save_line = nl ? nl + 1 : NULL;
        if (nl) {
            *nl = '\0';
        }
        line_no++;

        char *hash = strchr(line, '#');
        if (hash) {
            *hash = '\0';
        }
        char *save = NULL;
        char *subject = strtok_r(line, " \t\r", &save);
        char *role_s = subject ? strtok_r(NULL, " \t\r", &save) : NULL;
        char *extra = role_s ? strtok_r(NULL, " \t\r", &save) : NULL;
        enum xrbac_role role;

        if (!subject) {
            continue;
        }
        char *reason = NULL;
        if (!role_s || extra) {
            reason = xstrdup("expected SUBJECT ROLE (e.g. uid:1000 "
                             "read-only)");
        } else if (!xrbac_role_from_name(role_s, &role)) {
            reason = xasprintf("\"%.64s\" is not a role (none, read-only, "
                               "vm-operator, pool-admin)",
                               role_s);
        } else if (!strcmp(subject, "default")) {
            new.default_role = role;
        } else {
            bool is_uid = false;
            unsigned int id = 0;
            reason = parse_subject(subject, &is_uid, &id);
            if (!reason) {
                if (is_uid) {
                    add_entry(&new.uids, &new.n_uids, id, role);
                } else {
                    add_entry(&new.gids, &new.n_gids, id, role);
                }
            }
        }
        if (reason) {
            error = xasprintf("%s:%u: %s", file, line_no, reason);
            free(reason);
        }
    }
    free(copy);
    if (error) {
        xrbac_map_destroy(&new);
        return error;
    }
    xrbac_map_destroy(map);
    *map = new;
    return NULL;
}

char *
xrbac_map_load(struct xrbac_map *map, const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        return xasprintf("%s: cannot read the role map (%s)", file,
                         ovs_strerror(errno));
    }

    /* A role map is a few lines; a huge file is a mistake. */
    enum { MAX_SIZE = 1024 * 1024 };
    char *text = xmalloc(MAX_SIZE + 1);
    size_t n = fread(text, 1, MAX_SIZE + 1, f);
    bool failed = ferror(f);
    fclose(f);
    char *error = NULL;
    if (failed) {
        error = xasprintf("%s: cannot read the role map", file);
    } else if (n > MAX_SIZE) {
        error = xasprintf("%s: the role map is larger than %d bytes", file,
                          MAX_SIZE);
    } else if (memchr(text, '\0', n)) {
        error = xasprintf("%s: the role map is not text", file);
    } else {
        text[n] = '\0';
        error = xrbac_map_parse(map, file, text);
    }
    free(text);
    return error;
}

static const struct xrbac_entry *
find_entry(const struct xrbac_entry *entries, size_t n, unsigned int id)
{
    for (size_t i = 0; i < n; i++) {
        if (entries[i].id == id) {
            return &entries[i];
        }
    }
    return NULL;
}

enum xrbac_role
xrbac_role_of(const struct xrbac_map *map, const struct xrbac_peer *peer)
{
    const struct xrbac_entry *e
        = find_entry(map->uids, map->n_uids, peer->uid);
    if (e) {
        return e->role;
    }
    if (peer->uid == 0 || peer->uid == map->self) {
        return XRBAC_POOL_ADMIN;
    }

    bool found = false;
    enum xrbac_role best = XRBAC_NONE;
    for (size_t i = 0; i <= peer->n_groups; i++) {
        gid_t gid = i < peer->n_groups ? peer->groups[i] : peer->gid;
        e = find_entry(map->gids, map->n_gids, gid);
        if (e) {
            found = true;
            best = MAX(best, e->role);
        }
    }
    return found ? best : map->default_role;
}

enum xrbac_role
xrbac_required(const char *method, struct json_object *params)
{
    for (size_t i = 0; i < ARRAY_SIZE(method_roles); i++) {
        if (strcmp(method_roles[i].method, method)) {
            continue;
        }
        const char *const *allowed = method_roles[i].params;
        if (allowed && json_object_is_type(params, json_type_object)) {
            json_object_object_foreach(params, key, val)
            {
                (void)val;
                const char *const *p;
                for (p = allowed; *p && strcmp(*p, key); p++) {
                    continue;
                }
                if (!*p) {
                    return XRBAC_POOL_ADMIN;
                }
            }
        }
        return method_roles[i].role;
    }
    return XRBAC_POOL_ADMIN;
}

char *
xrbac_check(const char *method, struct json_object *params,
            enum xrbac_role role, uid_t uid)
{
    enum xrbac_role need = xrbac_required(method, params);
    if (role >= need) {
        return NULL;
    }
    return xasprintf("%.64s needs role %s; you (uid %u) have %s", method,
                     xrbac_role_name(need), (unsigned int)uid,
                     xrbac_role_name(role));
}

char *
xrbac_check_who(const char *method, struct json_object *params,
                enum xrbac_role role, const char *who)
{
    enum xrbac_role need = xrbac_required(method, params);
    if (role >= need) {
        return NULL;
    }
    return xasprintf("%.64s needs role %s; %s have %s", method,
                     xrbac_role_name(need), who, xrbac_role_name(role));
}
