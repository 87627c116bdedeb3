/* agent/rbac.h: roles on the agent's API (XenServer's RBAC, reduced to
 * what networking needs).
 *
 * Three roles, each including the one below it:
 *
 *   read-only     every list verb (network-list, vif-list, port-stats-...)
 *   vm-operator   + plug and unplug VIFs, report VIF counters, move a VIF
 *                 record to its VM's new domid (vif-param-set with only
 *                 uuid= and domid=): what a VM's life needs
 *   pool-admin    everything, including every method not in the table
 *
 * The table in rbac.c ('method_roles') is the one place that says which
 * role a method needs; a method it does not list needs pool-admin
 * (default deny), so a verb added later is an administrator's until
 * someone lists it.
 *
 * Who is who comes from the connecting peer's credentials (SO_PEERCRED and
 * SO_PEERGROUPS on the unix socket, rpc-server.c) and a role map
 * (docs/roles.md):
 *
 *   # comment
 *   uid:1000 read-only          a user, by number
 *   user:alice vm-operator      ... or by name (looked up when loaded)
 *   gid:1001 vm-operator        a group (primary or supplementary)
 *   group:xovs-ops vm-operator  ... or by name
 *   default none                everyone else: none (default) or a role
 *
 * A uid line decides for that user.  Otherwise root (uid 0) and the
 * agent's own user are pool-admin; otherwise the highest role of the
 * peer's groups; otherwise the default.
 *
 * A TLS peer (rpc-server.c's pssl: listeners) has no uid: the map does not
 * apply to it.  Each TLS listener has one role for every client whose
 * certificate its CA signed (--rpc-ssl-role, default XRBAC_SSL_DEFAULT:
 * read-only), checked with xrbac_check_who().  Pure: no sockets, no
 * logging. */
#ifndef XRBAC_H
#define XRBAC_H 1

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct json_object;

enum xrbac_role {
    XRBAC_NONE,        /* nothing at all */
    XRBAC_READ_ONLY,   /* lists */
    XRBAC_VM_OPERATOR, /* + VIF plug/unplug, stats reports */
    XRBAC_POOL_ADMIN,  /* everything */
};

/* "none", "read-only", "vm-operator", "pool-admin". */
const char *xrbac_role_name(enum xrbac_role);
/* Parses a role name; false if 's' is none of them. */
bool xrbac_role_from_name(const char *s, enum xrbac_role *);

/* Who is at the other end of a connection. */
#define XRBAC_MAX_GROUPS 64
struct xrbac_peer {
    uid_t uid;
    gid_t gid;                      /* primary group */
    gid_t groups[XRBAC_MAX_GROUPS]; /* supplementary groups (the first
                                     * XRBAC_MAX_GROUPS) */
    size_t n_groups;
};

/* A role map.  Initialize with xrbac_map_init(): empty, default none. */
struct xrbac_map {
    struct xrbac_entry *uids, *gids; /* (id, role) */
    size_t n_uids, n_gids;
    enum xrbac_role default_role;
    uid_t self; /* the agent's own user: pool-admin unless mapped */
};

void xrbac_map_init(struct xrbac_map *, uid_t self);
void xrbac_map_destroy(struct xrbac_map *);

/* Parses the role map 'text' (the file format above; 'file' names it in
 * messages) into 'map' (initialized; entries are added).  Returns NULL or a
 * malloc'd one-line message "FILE:LINE: what is wrong", 'map' then
 * unchanged. */
char *xrbac_map_parse(struct xrbac_map *, const char *file, const char *text);
/* Reads and parses 'file'; NULL or a malloc'd message as above. */
char *xrbac_map_load(struct xrbac_map *, const char *file);

/* The role 'map' gives 'peer'. */
enum xrbac_role xrbac_role_of(const struct xrbac_map *,
                              const struct xrbac_peer *);

/* The role 'method' needs with 'params' (an object or NULL): the table's
 * entry, or pool-admin for a method the table does not list. */
enum xrbac_role xrbac_required(const char *method, struct json_object *params);

/* NULL if 'role' may call 'method' with 'params', else a malloc'd one-line
 * message naming the role it needs and the one the caller has, e.g.
 * "vif-plug needs role vm-operator; you (uid 1000) have read-only". */
char *xrbac_check(const char *method, struct json_object *params,
                  enum xrbac_role role, uid_t uid);

/* The role of a TLS listener's clients unless configured: least privilege
 * that is still useful (lists only). */
#define XRBAC_SSL_DEFAULT XRBAC_READ_ONLY

/* As xrbac_check(), the caller named by 'who' instead of by uid, e.g.
 * "TLS clients of pssl:6643:198.18.0.1" ("... needs role pool-admin; TLS
 * clients of ... have read-only"). */
char *xrbac_check_who(const char *method, struct json_object *params,
                      enum xrbac_role role, const char *who);

#endif /* agent/rbac.h */
