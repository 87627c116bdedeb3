/* controller/ctl-acl.h: pool ACLs, as XenServer's vSwitch controller (DVSC)
 * had them: rules at four levels -- the pool, a network, a VM, a VIF --
 * that allow or deny a protocol, port and remote address to or from the
 * VIFs they cover (docs/ovn.md, "ACLs").
 *
 * The records live in the store's "acls" table:
 *
 *   "acls": {UUID: {"level": "pool" | "network" | "vm" | "vif",
 *                   "target": "" | network, VM or VIF uuid,
 *                   "action": "allow" | "deny",
 *                   "protocol": "tcp" | "udp" | "icmp" | "arp" | "any",
 *                   "port": "" | "N" | "N-M",
 *                   "remote": "" | an IPv4/IPv6 address or CIDR,
 *                   "direction": "to-vif" | "from-vif",
 *                   "priority": 0..CTL_ACL_PRIORITY_MAX}, ...}
 *
 * In OVN each rule becomes one ACL row in a Port_Group that xovs makes per
 * target ("xovs_pool", "xovs_net_UUID", "xovs_vm_UUID", "xovs_vif_UUID",
 * the uuid's '-' as '_'), matching "inport == @GROUP" (from-vif, direction
 * from-lport) or "outport == @GROUP" (to-vif, to-lport).  A level is a
 * band of OVN priorities above the lower levels' (CTL_ACL_BAND), so a pool
 * rule wins over every network, VM and VIF rule it overlaps (the pool's
 * rules are evaluated first, as DVSC did); within a level the higher
 * 'priority' wins.  Allow is "allow-related" (replies pass), deny "drop".
 *
 * This file is the json-c side (verbs, store check, plan); ctl-acl-nb.c
 * writes the plan into the northbound database through the IDL. */
#ifndef CTL_ACL_H
#define CTL_ACL_H 1

#include <stdbool.h>
#include <stddef.h>

struct ctl_ctx;
struct ctl_plan;
struct json_object;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct shash;

/* 'priority' is 0..CTL_ACL_PRIORITY_MAX inside a level; OVN's priority is
 * CTL_ACL_BAND * (1 + level) + priority, level 0 (vif) .. 3 (pool). */
#define CTL_ACL_PRIORITY_MAX 999
#define CTL_ACL_BAND 1000
/* At most this many ACL records in a pool. */
#define CTL_ACL_MAX 10000

/* One ACL as ctl-acl-nb.c writes it. */
struct ctl_plan_acl {
    char *uuid;
    char *group;           /* Port_Group name */
    char *group_key;       /* its external_ids:xovs-pg: "pool",
                            * "network:UUID", "vm:UUID", "vif:UUID" */
    char *match;           /* OVN match */
    const char *direction; /* "from-lport" or "to-lport" */
    const char *action;    /* "allow-related" or "drop" */
    int priority;          /* OVN's */
};

/* The verbs (ctl-db.c's executor calls them; params checked by name). */
void ctl_acl_create(struct ctl_ctx *);
void ctl_acl_list(struct ctl_ctx *);
void ctl_acl_destroy(struct ctl_ctx *);

/* Rejects the request and returns false if an ACL targets pool network
 * 'uuid' (pool-network-destroy). */
bool ctl_acl_network_unused(struct ctl_ctx *, const char *uuid);

/* Checks the "acls" table of a loaded store 'db' (adds an empty one to a
 * store written before ACLs existed).  Returns NULL or a malloc'd reason. */
char *ctl_acl_store_check(struct json_object *db);

/* Fills 'plan''s acls from 'db' (a checked store). */
void ctl_acl_plan(struct json_object *db, struct ctl_plan *plan);
void ctl_acl_plan_free(struct ctl_plan_acl *, size_t n);
/* Fills 'p' with ACL record 'rec' ('uuid'); false if it is malformed. */
bool ctl_acl_plan_one(const char *uuid, struct json_object *rec,
                      struct ctl_plan_acl *p);

/* ctl-acl-nb.c.  Adds to 'txn' what makes the northbound database hold
 * 'plan''s ACLs and their port groups (only rows marked xovs-pg and
 * xovs-acl are changed or deleted; a group name taken by an unmarked row
 * is logged and its ACLs left pending).  Reads the Logical_Switch_Ports as
 * 'txn' leaves them, so a VIF placed in the same pass joins its groups in
 * the same transaction.  Returns true if it wrote anything. */
bool ctl_acl_nb_sync(struct ovsdb_idl *, struct ovsdb_idl_txn *txn,
                     const struct ctl_plan *plan);
/* For ctl-nb.c's incremental pass: makes ACL row 'a' (NULL: a new one in
 * 'pg') what 'want' says; makes group 'pg' (NULL: new) hold exactly
 * 'ports' (const struct nbrec_logical_switch_port *) and xovs's ACLs
 * 'acls'.  Return true if they wrote anything. */
struct hmapx;
struct nbrec_acl;
struct nbrec_port_group;
bool ctl_acl_nb_put(struct ovsdb_idl_txn *, const struct nbrec_port_group *pg,
                    const struct nbrec_acl *a,
                    const struct ctl_plan_acl *want);
bool ctl_acl_nb_put_group(struct ovsdb_idl_txn *,
                          const struct nbrec_port_group *pg, const char *name,
                          const char *key, const struct hmapx *ports,
                          const struct ctl_plan_acl **acls, size_t n_acls);
/* Rebuilds 'acls' (ACL uuid -> its nbrec_acl) from the replica. */
void ctl_acl_nb_index(struct ovsdb_idl *, struct shash *acls);

#endif /* controller/ctl-acl.h */
