/* controller/ctl-nb.h: the pool records -> OVN's northbound database.
 *
 * One OVSDB IDL connection (the typed IDL generated from Debian's
 * ovn-nb.ovsschema, build/gen/controller/ovn-nb-idl.h) to the NB cluster:
 * a remote list "tcp:A:6641,tcp:B:6641,..." reaches whichever member leads
 * (the IDL talks only to the leader and moves on when it changes).
 *
 * Mapping (every row marked, so xovs changes only what it made):
 *   pool network  -> Logical_Switch name=name-label,
 *                    external_ids:xovs-network=UUID
 *   bridged one   -> + Logical_Switch_Port "ln-UUID" type=localnet,
 *                    addresses=unknown, options:network_name=PHYSNET,
 *                    tag_request=VLAN, external_ids:xovs-network=UUID
 *   VIF           -> Logical_Switch_Port named by the VIF's uuid,
 *                    addresses=MAC, port_security=MAC,
 *                    options:requested-chassis=HOST,
 *                    (migrating: requested-chassis=HOST,TARGET and
 *                    activation-strategy=rarp)
 *                    external_ids:xovs-vif=UUID, xovs-vm=VM
 *   ACL           -> ACL in a Port_Group of its target (ctl-acl.h),
 *                    external_ids:xovs-acl=UUID; the group xovs-pg=KEY
 *
 * Like the agent's ovs-glue: the desired state is compared with the IDL's
 * replica and only differences are written, in one transaction; a change
 * made by someone else to a marked row, a lost connection, a new leader or
 * a failed transaction are repaired by the next run.  Records changed while
 * the cluster is unreachable are applied when it comes back. */
#ifndef CTL_NB_H
#define CTL_NB_H 1

#include <stdbool.h>
#include <stddef.h>

#include "svec.h"

struct ctl_nb;

/* The records as plain values (ctl-db.c's ctl_db_plan() makes them: this
 * module sees no json-c, whose names collide with OVS's json.h). */
struct ctl_plan_network {
    char *uuid;
    char *name;     /* name-label */
    char *physical; /* physical-network; "" if private */
    int vlan;       /* -1: none */
};

struct ctl_plan_vif {
    char *uuid;
    char *network; /* network uuid */
    char *mac;
    char *host;   /* system-id */
    char *vm;     /* VM uuid, or "" */
    char *ips;    /* allowed source addresses, ' '-separated, or "" */
    char *target; /* live migration's target host (system-id), or "" */
};

struct ctl_plan {
    struct ctl_plan_network *networks;
    size_t n_networks;
    struct ctl_plan_vif *vifs;
    size_t n_vifs;
    struct ctl_plan_acl *acls; /* ctl-acl.h */
    size_t n_acls;
};

void ctl_plan_destroy(struct ctl_plan *);

/* What one change did to the records: those it made or changed ('put'),
 * those it removed (uuids). */
struct ctl_plan_delta {
    struct ctl_plan put;
    struct svec gone_networks;
    struct svec gone_vifs;
    struct svec gone_acls;
};
void ctl_plan_delta_init(struct ctl_plan_delta *);
void ctl_plan_delta_destroy(struct ctl_plan_delta *);

/* Connects to 'remote' (OVSDB remote list).  Never fails: connection
 * problems are retried and logged (rate-limited). */
struct ctl_nb *ctl_nb_create(const char *remote);
void ctl_nb_destroy(struct ctl_nb *); /* accepts NULL */

/* The records to make true: takes over 'plan''s contents (and leaves it
 * empty). */
void ctl_nb_set_desired(struct ctl_nb *, struct ctl_plan *plan);

/* Changes only the records of 'delta' (and destroys it): the next pass
 * compares those alone with the replica. */
void ctl_nb_update(struct ctl_nb *, struct ctl_plan_delta *delta);

void ctl_nb_run(struct ctl_nb *);
void ctl_nb_wait(struct ctl_nb *);

/* True when the NB database holds the desired state as far as this
 * replica knows (connected, nothing left to write). */
bool ctl_nb_is_synced(const struct ctl_nb *);

/* How much each pass compared (also "nb/stats" on the control socket). */
struct ctl_nb_stats {
    unsigned long long full_passes;          /* every record compared */
    unsigned long long incremental_passes;   /* only the changed ones */
    unsigned long long ports_compared;       /* VIF ports compared */
    unsigned long long acls_compared;        /* ACL rows compared */
    unsigned long long group_ports_compared; /* port groups compared whole:
                                              * their members */
};
void ctl_nb_get_stats(const struct ctl_nb *, struct ctl_nb_stats *);

/* "applied" when the replica holds record 'uuid' and nothing is left to
 * write, else "pending". */
const char *ctl_nb_network_status(void *nb, const char *uuid);
const char *ctl_nb_vif_status(void *nb, const char *uuid);
/* True when VIF 'uuid''s logical port is up (a host's ovn-controller
 * bound it). */
bool ctl_nb_vif_bound(void *nb, const char *uuid);
/* "applied" when the replica holds ACL 'uuid' and nothing is left to
 * write, else "pending". */
const char *ctl_nb_acl_status(void *nb, const char *uuid);

#endif /* controller/ctl-nb.h */
