/* ovs-glue/ovsg-private.h: internals shared by the files of the OVS glue:
 * ovsg.c (life cycle and the apply loop), ovsg-sync.c (the row diff),
 * ovsg-own.c (ownership, collisions, partial failure), ovsg-bond.c (bond
 * status), ovsg-flows.c (OpenFlow) and ovsg-dirty.c (what a pass looks
 * at: dirty ports and bridges, change tracking). */
#ifndef OVSG_PRIVATE_H
#define OVSG_PRIVATE_H 1

#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "ovs-glue/ovsg.h"
#include "simap.h"
#include "sset.h"
#include "svec.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct ovsg_flows_worker;
struct ovsrec_bridge;
struct ovsrec_open_vswitch;
struct ovsrec_port;

/* What exists in OVS, by name.  Lookups go through IDL indexes (Port and
 * Interface by name, kept by the IDL as the replica changes), so a pass
 * that looks at a few ports costs a few lookups, not a walk of the
 * replica (ovsg-own.c). */
struct ovsg_loc {
    const struct ovsrec_bridge *bridge;
    const struct ovsrec_port *port;
};

struct ovsg_index {
    const struct ovsdb_idl *idl;
    struct ovsdb_idl_index *ports;  /* Port by name */
    struct ovsdb_idl_index *ifaces; /* Interface by name */
};

/* Desired port and interface names -> their port (ovsg-dirty.c): one
 * array of nodes, so building it for thousands of ports is one
 * allocation. */
struct ovsg_where {
    struct hmap_node node;
    const char *name; /* the port's or one of its interfaces' name */
    const struct ovsg_bridge *bridge;
    const struct ovsg_port *port;
    bool alone; /* allocated by itself (ovsg_patch_desired()) */
};

/* Frees what 'port' holds (not 'port' itself; ovsg-state.c). */
void ovsg_port_destroy(struct ovsg_port *);

struct ovsg_where_map {
    struct hmap map;
    struct ovsg_where *nodes;
};

void ovsg_where_build(const struct ovsg_state *, struct ovsg_where_map *);
void ovsg_where_destroy(struct ovsg_where_map *);
const struct ovsg_where *ovsg_where_find(const struct ovsg_where_map *,
                                         const char *name);
const struct ovsg_where *ovsg_where_find_port(const struct ovsg_where_map *,
                                              const char *name);
bool ovsg_port_eq(const struct ovsg_port *, const struct ovsg_port *);
bool ovsg_bridge_eq(const struct ovsg_bridge *, const struct ovsg_bridge *);
void ovsg_dirty_changes(const struct ovsg_state *old,
                        const struct ovsg_where_map *old_map,
                        const struct ovsg_state *new,
                        const struct ovsg_where_map *new_map,
                        struct sset *ports, struct sset *bridges);
void ovsg_track_init(struct ovsdb_idl *);
/* Moves the errors of 'records' aside (ovsg.c): a pass decides again. */
void ovsg_forget_errors(struct ovsg *, const struct svec *records);
void ovsg_take_tracked(struct ovsg *);

/* The glue's state (ovsg.h's opaque 'struct ovsg'). */
struct ovsg {
    struct ovsdb_idl *idl;
    char *rundir; /* where BRIDGE.mgmt sockets live */
    struct ovsg_state desired;
    bool have_desired;
    bool desired_changed;      /* not yet applied since set_desired() */
    unsigned int idl_seqno;    /* replica version last diffed */
    struct ovsdb_idl_txn *txn; /* in flight, or NULL */
    bool synced;
    size_t n_held;      /* new ports held back by the last diff */
    struct shash flows; /* bridge name -> struct ovsg_flows */
    struct ovsg_flows_worker *worker; /* does the OpenFlow exchanges */

    /* Partial failure (see the top of ovsg.c; ovsg-own.c). */
    struct shash errors;        /* record uuid -> message, last diff */
    struct shash prev_errors;   /* 'errors' of the diff before (logging) */
    struct shash failed;        /* unit -> message: OVSDB refused it */
    long long int retry_failed; /* time_msec() to forget 'failed' */
    struct sset **trials;       /* bisection queue, head first (each
                                 * separately allocated: an sset must not
                                 * move) */
    size_t n_trials;
    struct svec txn_units; /* units the txn in flight changes */

    /* Incremental passes (ovsg-dirty.c). */
    struct ovsg_index index;     /* replica lookups by name */
    struct ovsg_where_map where; /* of 'desired' */
    bool full_pass;              /* the next pass walks everything */
    long long int next_full;     /* time_msec() of the periodic one */
    bool was_connected;          /* the IDL was, at the last run */
    struct sset dirty_ports;     /* port/interface names to diff again */
    struct sset dirty_bridges;   /* bridges whose own part to diff again */
    struct sset stats_dirty;     /* interfaces whose statistics changed,
                                  * or that came or went (ovsg-stats.c) */
    struct ovsg_counters counters;

    /* Open vSwitch 3.1 does not revalidate its datapath flows when a Mirror
     * changes (flows cached before keep mirroring, or not, until they
     * expire).  A transaction that changes a mirror bumps next_cfg; once
     * ovs-vswitchd has applied it (cur_cfg), the glue asks it to purge its
     * flows ("revalidator/purge"). */
    bool txn_mirrors;        /* the txn in flight changes a mirror */
    long long int purge_cfg; /* cur_cfg to wait for, then purge; -1 none */
};

/* OpenFlow side of one bridge: what was last installed, so a change (or a
 * lost table after ovs-vswitchd restarts) is noticed. */
struct ovsg_flows {
    char *bridge;
    struct svec installed;    /* sorted flow strings last installed */
    struct simap ports;       /* port name -> ofport used for 'installed' */
    bool valid;               /* 'installed' is known to be in the switch */
    bool busy;                /* a job of this bridge is with the worker */
    bool ok;                  /* the last sync found them in place */
    long long int next_check; /* time_msec() of the next flow count check */
};

struct ovsg_flows *ovsg_flows_create(const char *bridge);
void ovsg_flows_destroy(struct ovsg_flows *);

/* The OpenFlow exchanges with ovs-vswitchd (connect, dump, bundle) block,
 * and a stopped or hung ovs-vswitchd would block them for ever: they run
 * in one worker thread, so the agent's loop never waits for the switch.
 * Jobs are done one at a time, in order; the thread starts with the first
 * job.  destroy() waits at most OVSG_WORKER_JOIN_MS for a job in progress
 * (then leaves the thread to end with the process).  wait() wakes the
 * caller's poll loop when a job is done. */
struct ovsg_flows_worker *ovsg_flows_worker_create(void);
void ovsg_flows_worker_destroy(struct ovsg_flows_worker *);
void ovsg_flows_worker_wait(struct ovsg_flows_worker *);

/* Takes the results of finished jobs into the matching entries of 'flows'
 * (bridge name -> struct ovsg_flows; a job whose bridge is gone is
 * dropped), adding their bridges' names to 'bridges'.  Returns true if any
 * result was taken. */
bool ovsg_flows_worker_collect(struct ovsg_flows_worker *, struct shash *flows,
                               long long int now, struct sset *bridges);

/* True if 'f''s flows are known to be in the switch and include every one
 * of 'flows' (the flows of a port about to be added). */
bool ovsg_flows_has(const struct ovsg_flows *f, const struct svec *flows);

/* Makes the bridge's OVSG_COOKIE flows equal to 'flows', whose port names
 * are resolved through 'ports', by way of the bridge's management socket
 * in 'rundir'.  Returns 0 when the switch is known to hold exactly the
 * flows; otherwise EAGAIN while the worker has (or was just given) a job
 * for the bridge, or the positive errno of the last failed attempt (logged,
 * rate-limited).  The caller calls again after a collect() or a timer. */
int ovsg_flows_sync(struct ovsg_flows *, struct ovsg_flows_worker *,
                    const char *rundir, const struct svec *flows,
                    const struct simap *ports, long long int now);

/* Asks the ovs-vswitchd of 'g->rundir' "COMMAND [ARG]" ('arg' NULL: none)
 * and waits for the answer until 'deadline' (time_msec()) at the latest.
 * Returns 0 with the answer in '*resultp' (malloc'd), or a positive errno
 * (ESRCH: no ovs-vswitchd; ETIMEDOUT: it did not answer in time) with
 * '*resultp' NULL; logs failures, rate-limited (ovsg-bond.c). */
int ovsg_appctl(const struct ovsg *g, const char *command, const char *arg,
                long long int deadline, char **resultp);

/* Ownership (ovsg-own.c). */
bool ovsg_is_marked(const struct smap *external_ids);
void ovsg_marked_ids(const struct smap *want, const struct smap *have,
                     struct smap *out);

/* Creates the IDL indexes of 'idl' the lookups use (once, before the IDL
 * first runs). */
void ovsg_index_init(struct ovsdb_idl *, struct ovsg_index *);
const struct ovsrec_bridge *ovsg_index_bridge(const struct ovsg_index *,
                                              const char *name);
const struct ovsrec_port *ovsg_index_port(const struct ovsg_index *,
                                          const char *name);
/* The bridge that holds 'port' (a walk of the bridges' port arrays:
 * pointer compares), or NULL. */
const struct ovsrec_bridge *ovsg_index_port_bridge(const struct ovsg_index *,
                                                   const struct ovsrec_port *);
char *ovsg_bridge_collision(const struct ovsg_index *,
                            const struct ovsg_bridge *want, bool *adopt);
char *ovsg_port_collision(const struct ovsg_index *,
                          const struct ovsrec_bridge *br, bool adopt,
                          const struct ovsg_port *want);

/* Partial failure (ovsg-own.c). */
void ovsg_add_errors(struct shash *errors, const struct svec *records,
                     const char *msg);
void ovsg_report(struct ovsg *, const char *what, const struct svec *records,
                 const char *msg);
bool ovsg_admit(const struct ovsg *, const char *unit);
void ovsg_clear_trials(struct ovsg *);
void ovsg_pop_trial(struct ovsg *);
void ovsg_txn_refused(struct ovsg *, const char *error);

/* The row diff (ovsg-sync.c). */
/* One diff pass: the open transaction, the changes written so far (for the
 * log), and per bridge the port numbers its flows will use. */
struct ovsg_diff {
    struct ovsdb_idl_txn *txn;
    struct ds log;
    size_t n_changes;
    struct ovsg_flows *flows; /* OpenFlow side of the bridge being synced */
    bool hold_new_ports;      /* the new port's flows are not in place yet */
    size_t n_held;            /* new ports held back for that reason */
    const char *unit;         /* the unit being written */
    bool mirrors_changed;     /* a Mirror row is written */
    struct svec units;        /* units with changes, in walk order */
    bool bump_cfg;    /* a change ovs-vswitchd is not alerted to (Port trunks,
                       * vlan_mode): increment next_cfg as ovs-vsctl does */
    size_t n_diffed;  /* desired ports compared with their rows */
    size_t n_walked;  /* ports whose numbers were re-read, not compared */
    struct sset held; /* names of the new ports held back */
};

/* Notes a change written into 'd''s transaction (for the log and, with
 * 'd->unit', for bisection). */
void ovsg_diff_note(struct ovsg_diff *d, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);

/* OVN (ovsg-ovn.c): makes the Open_vSwitch row 'ovs''s external_ids hold
 * 'want' ("KEY=VALUE" strings), removing the keys xovs wrote before that
 * 'want' lacks. */
void ovsg_ovn_sync(struct ovsg_diff *d, const struct ovsrec_open_vswitch *ovs,
                   const struct svec *want);

/* QoS, IGMP snooping and flow export (ovsg-qos.c): bring 'row' (a row in
 * 'd''s transaction, perhaps just inserted) to what 'want' asks, writing
 * only xovs-owned rows; drop_port_qos() deletes the xovs-owned QoS row of
 * a port about to be removed. */
void ovsg_qos_sync_bridge(struct ovsg_diff *, const struct ovsrec_bridge *row,
                          const struct ovsg_bridge *want);
void ovsg_sync_port_qos(struct ovsg_diff *, const struct ovsrec_port *row,
                        const struct ovsg_port *want);
void ovsg_drop_port_qos(struct ovsg_diff *, const struct ovsrec_port *row);

/* 'only': the names of the ports to diff (NULL: all; the others keep
 * their port numbers and flows as they are); 'sync_row': diff the bridge's
 * own row, local port and mirrors too. */
const struct ovsrec_interface *ovsg_index_iface(const struct ovsg_index *,
                                                const char *name);

/* Whether bridge 'want' or one of its ports has OpenFlow rules. */
bool ovsg_bridge_has_flows(const struct ovsg_bridge *want);
void ovsg_sync_bridge(struct ovsg *, struct ovsg_diff *,
                      const struct ovsg_index *,
                      const struct ovsrec_open_vswitch *,
                      const struct ovsrec_bridge *row, bool adopt,
                      const struct ovsg_bridge *want, const struct sset *only,
                      bool sync_row, struct simap *ports, struct svec *flows);
void ovsg_remove_unwanted(struct ovsg *, struct ovsg_diff *,
                          const struct ovsrec_open_vswitch *,
                          const struct ovsrec_bridge *row,
                          const struct ovsg_bridge *want,
                          const struct sset *only);

/* SDN (ovsg-sdn.c): a bridge's controllers, fail_mode and in-band
 * setting (called before its external_ids are written); the managers and
 * SSL row of 'ovs'; and their collisions with rows xovs did not create,
 * as "record uuid -> message" in 'errors'. */
void ovsg_sdn_sync_bridge(struct ovsg_diff *, const struct ovsrec_bridge *,
                          const struct ovsg_bridge *want);
void ovsg_sdn_sync(struct ovsg *, struct ovsg_diff *,
                   const struct ovsrec_open_vswitch *);
void ovsg_sdn_collisions(const struct ovsdb_idl *, const struct ovsg_state *,
                         struct shash *errors);

#endif /* ovs-glue/ovsg-private.h */
