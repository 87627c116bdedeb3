/* ovs-glue/ovsg.c: makes OVSDB match the desired state (see ovsg.h).
 *
 * Each ovsg_run() that sees a new desired state or a change in the IDL
 * replica walks the desired bridges, ports and interfaces, compares every
 * column xovs owns with the replica and writes only what differs, all in one
 * transaction.  Before the transaction is committed the bridges' OpenFlow
 * rules are brought up to date with the port numbers the new ports are
 * about to get (ofport_request), so a locked VIF never forwards a packet
 * before its filter is in place; a new port on a bridge whose flows cannot
 * be installed yet (a bridge just created has no OpenFlow socket) waits.
 * The OpenFlow exchanges run in ovsg-flows.c's worker thread, so a new
 * port waits until the worker reports its flows installed.
 *
 * Nothing here blocks the caller's loop on the switch: the IDL and its
 * transactions are asynchronous, the flows go through the worker, and the
 * bond status questions to ovs-vswitchd (ovsg_appctl() in ovsg-bond.c)
 * give up after OVSG_APPCTL_TIMEOUT_MS.
 *
 * The module's files: this one (life cycle, the IDL, the apply loop and
 * the transaction in flight), ovsg-sync.c (the row diff of bridges, ports
 * and interfaces), ovsg-own.c (ownership marks, collisions with objects
 * xovs did not create, and the partial-failure bisection below),
 * ovsg-bond.c (bond status), ovsg-flows.c (OpenFlow), ovsg-state.c (the
 * desired state) and ovsg-dirty.c (what a pass looks at); ovsg-private.h
 * has what they share.
 *
 * Ownership (ovsg.h): only marked objects are written or deleted.  The walk
 * first removes what xovs owns and no longer wants, then creates and
 * updates, so a port moving between bridges is removed before it is added
 * even when the two happen in different transactions.  Every bridge and
 * every port is a "unit" of the diff ("bridge NAME", "port NAME"): a unit
 * that collides with an unmarked object is skipped and reported; a
 * transaction OVSDB refuses is bisected by units:
 *
 *   refused txn with units U ──► |U| = 1: U failed (error, retried later)
 *                          └──► else: try U's first half alone, then the
 *                               second (a queue of trials); units outside
 *                               the trial at the head of the queue wait
 *
 * and once the queue is empty the walk covers every unit not failed.
 *
 * Which bridges and ports a pass diffs: the dirty ones (ovsg-dirty.c:
 * those a new desired state changed, those the IDL's change tracking saw
 * change, those whose flows are due for a check), or everything in a full
 * pass (start, reconnect, refused transaction, every OVSG_FULL_PASS_MS).
 *
 *            IDL seqno changed / new desired state / dirty rows
 *                         │
 *          ┌──────────────▼───────────────┐   nothing differs
 *          │ diff desired vs replica      ├───────────────────► synced
 *          └──────────────┬───────────────┘
 *                         │ flows first, then one txn
 *          ┌──────────────▼───────────────┐   success
 *          │ txn in flight (INCOMPLETE)   ├───────────────────► re-diff
 *          └──────────────────────────────┘   error: log, re-diff
 */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <errno.h>
#include <string.h>
#include "dirs.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ovsg);

/* How long ovs-vswitchd may take to purge its flows after a mirror
 * change (see struct ovsg's 'purge_cfg'). */
#define OVSG_PURGE_TIMEOUT_MS 500

/* Where the bridges' OpenFlow management sockets are: OVS_RUNDIR if set
 * (that is what ovs-vswitchd itself uses), else the directory of the OVSDB
 * unix socket, which is the run directory in every standard layout. */
static char *
ovsg_find_rundir(const char *remote)
{
    if (getenv("OVS_RUNDIR")) {
        return xstrdup(ovs_rundir());
    }
    if (!strncmp(remote, "unix:", 5)) {
        return dir_name(remote + 5);
    }
    return xstrdup(ovs_rundir());
}

struct ovsg *
ovsg_create(const char *remote)
{
    struct ovsg *g = xzalloc(sizeof *g);
    g->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, true, true);
    ovsdb_idl_set_leader_only(g->idl, false);
    ovsg_track_init(g->idl);
    ovsg_index_init(g->idl, &g->index);
    g->rundir = ovsg_find_rundir(remote);
    ovsg_state_init(&g->desired, "netdev");
    shash_init(&g->flows);
    g->worker = ovsg_flows_worker_create();
    shash_init(&g->errors);
    shash_init(&g->prev_errors);
    shash_init(&g->failed);
    svec_init(&g->txn_units);
    g->purge_cfg = -1;
    ovsg_where_build(&g->desired, &g->where);
    sset_init(&g->dirty_ports);
    sset_init(&g->dirty_bridges);
    sset_init(&g->stats_dirty);
    g->full_pass = true;
    return g;
}

void
ovsg_destroy(struct ovsg *g)
{
    if (!g) {
        return;
    }
    if (g->txn) {
        ovsdb_idl_txn_destroy(g->txn);
    }
    ovsg_flows_worker_destroy(g->worker);
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &g->flows) {
        ovsg_flows_destroy(node->data);
        shash_delete(&g->flows, node);
    }
    shash_destroy(&g->flows);
    shash_destroy_free_data(&g->errors);
    shash_destroy_free_data(&g->prev_errors);
    shash_destroy_free_data(&g->failed);
    ovsg_clear_trials(g);
    svec_destroy(&g->txn_units);
    ovsg_where_destroy(&g->where);
    sset_destroy(&g->dirty_ports);
    sset_destroy(&g->dirty_bridges);
    sset_destroy(&g->stats_dirty);
    ovsg_state_destroy(&g->desired);
    ovsdb_idl_destroy(g->idl);
    free(g->rundir);
    free(g);
}

/* Moves the errors of 'records' out of 'g->errors' (into 'prev_errors',
 * for ovsg_report() to tell news from repeats): the pass about to look at
 * their ports decides again. */
void
ovsg_forget_errors(struct ovsg *g, const struct svec *records)
{
    for (size_t i = 0; i < records->n; i++) {
        struct shash_node *node = shash_find(&g->errors, records->names[i]);
        if (node) {
            free(shash_replace(&g->prev_errors, node->name, node->data));
            shash_delete(&g->errors, node);
        }
    }
}

void
ovsg_set_desired(struct ovsg *g, struct ovsg_state *desired)
{
    struct ovsg_where_map where;
    ovsg_where_build(desired, &where);
    if (strcmp(g->desired.datapath_type, desired->datapath_type)
        || !g->have_desired) {
        g->full_pass = true;
    } else {
        /* Only what differs needs a look (ovsg-dirty.c); the records of
         * what differs lose their errors until that look. */
        struct sset ports = SSET_INITIALIZER(&ports);
        struct sset bridges = SSET_INITIALIZER(&bridges);
        ovsg_dirty_changes(&g->desired, &g->where, desired, &where, &ports,
                           &bridges);
        const char *name;
        SSET_FOR_EACH (name, &ports) {
            const struct ovsg_where *w = ovsg_where_find_port(&g->where, name);
            if (w) {
                ovsg_forget_errors(g, &w->port->records);
            }
            sset_add(&g->dirty_ports, name);
        }
        SSET_FOR_EACH (name, &bridges) {
            const struct ovsg_bridge *br
                = ovsg_state_find_bridge(&g->desired, name);
            if (br) {
                ovsg_forget_errors(g, &br->records);
            }
            sset_add(&g->dirty_bridges, name);
        }
        sset_destroy(&ports);
        sset_destroy(&bridges);
    }
    ovsg_where_destroy(&g->where);
    g->where = where;
    hmap_moved(&g->where.map);
    ovsg_state_destroy(&g->desired);
    g->desired = *desired;
    memset(desired, 0, sizeof *desired);
    g->have_desired = true;
    g->desired_changed = true;
    g->synced = false;
    /* The records changed: whatever OVSDB refused is worth a new try. */
    if (!shash_is_empty(&g->failed) || g->n_trials) {
        g->full_pass = true;
    }
    shash_clear_free_data(&g->failed);
    ovsg_clear_trials(g);
}

void
ovsg_get_counters(const struct ovsg *g, struct ovsg_counters *c)
{
    *c = g->counters;
}

const struct ovsg_state *
ovsg_get_desired(const struct ovsg *g)
{
    return &g->desired;
}

bool
ovsg_is_synced(const struct ovsg *g)
{
    return g->synced;
}

int
ovsg_wait_for_replica(struct ovsg *g, long long int timeout_ms)
{
    long long int deadline = time_msec() + timeout_ms;
    for (;;) {
        ovsdb_idl_run(g->idl);
        if (ovsdb_idl_has_ever_connected(g->idl)) {
            return 0;
        }
        if (time_msec() >= deadline) {
            return ETIMEDOUT;
        }
        ovsdb_idl_wait(g->idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

static const struct ovsrec_interface *
ovsg_find_iface_row(const struct ovsdb_idl *idl, const char *name)
{
    const struct ovsrec_interface *iface;
    OVSREC_INTERFACE_FOR_EACH (iface, idl) {
        if (!strcmp(iface->name, name)) {
            return iface;
        }
    }
    return NULL;
}

int
ovsg_get_ofport(const struct ovsg *g, const char *name)
{
    const struct ovsrec_interface *iface = ovsg_find_iface_row(g->idl, name);
    return iface && iface->n_ofport && *iface->ofport > 0 ? *iface->ofport
                                                          : -1;
}

int
ovsg_get_iface_bfd(const struct ovsg *g, const char *name,
                   struct smap *bfd_status)
{
    const struct ovsrec_interface *iface = ovsg_find_iface_row(g->idl, name);
    if (!iface) {
        return ENOENT;
    }
    smap_clone(bfd_status, &iface->bfd_status);
    return 0;
}

static struct ovsg_flows *
ovsg_get_flows(struct ovsg *g, const char *bridge)
{
    struct ovsg_flows *f = shash_find_data(&g->flows, bridge);
    if (!f) {
        f = ovsg_flows_create(bridge);
        shash_add(&g->flows, bridge, f);
    }
    return f;
}

/* Why this pass walks everything (see ovsg-dirty.c), or NULL. */
static const char *
ovsg_pass_is_full(const struct ovsg *g, long long int now)
{
    size_t n_ports = hmap_count(&g->where.map);
    return (g->full_pass                                     ? "asked"
            : g->n_trials                                    ? "bisection"
            : now >= g->next_full                            ? "periodic"
            : sset_count(&g->dirty_ports) > n_ports / 4 + 16 ? "many dirty"
                                                             : NULL);
}

/* The bridges an incremental pass walks: the dirty ones, and those that
 * hold a dirty port in the desired state or in the replica. */
static void
ovsg_touched_bridges(const struct ovsg *g, const struct sset *ports,
                     const struct sset *bridges, struct sset *touched)
{
    sset_clone(touched, bridges);
    const char *name;
    SSET_FOR_EACH (name, ports) {
        const struct ovsg_where *w = ovsg_where_find(&g->where, name);
        if (w) {
            sset_add(touched, w->bridge->name);
        }
        const struct ovsrec_port *p = ovsg_index_port(&g->index, name);
        const struct ovsrec_bridge *br
            = p ? ovsg_index_port_bridge(&g->index, p) : NULL;
        if (br) {
            sset_add(touched, br->name);
        }
    }
}

/* Diffs and, if anything differs, starts one transaction.  A full pass
 * walks every bridge and port and rebuilds 'g->errors'; an incremental one
 * only the dirty ports and the bridges they are on (ovsg-dirty.c).
 * Returns true if OVSDB already matched (apart from units in error) and
 * every bridge's flows are in place. */
static bool
ovsg_apply(struct ovsg *g)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(g->idl);
    if (!ovs) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "the database has no Open_vSwitch row yet "
                          "(run 'ovs-vsctl init'); waiting");
        return false;
    }

    struct ovsg_diff d = {.txn = ovsdb_idl_txn_create(g->idl)};
    ds_init(&d.log);
    svec_init(&d.units);
    sset_init(&d.held);
    long long int now = time_msec();
    const struct ovsg_index *idx = &g->index;

    /* What this pass looks at. */
    const char *why = ovsg_pass_is_full(g, now);
    bool full = why != NULL;
    VLOG_DBG("%s pass%s%s: %" PRIuSIZE " dirty ports, %" PRIuSIZE
             " dirty bridges",
             why ? "full" : "incremental", why ? ", " : "", why ? why : "",
             sset_count(&g->dirty_ports), sset_count(&g->dirty_bridges));
    struct sset only = SSET_INITIALIZER(&only);
    struct sset dirty_bridges = SSET_INITIALIZER(&dirty_bridges);
    struct sset touched = SSET_INITIALIZER(&touched);
    sset_swap(&only, &g->dirty_ports);
    sset_swap(&dirty_bridges, &g->dirty_bridges);
    if (full) {
        g->full_pass = false;
        g->next_full = now + OVSG_FULL_PASS_MS;
        g->counters.n_full_passes++;
        shash_clear_free_data(&g->prev_errors);
        shash_swap(&g->errors, &g->prev_errors);
    } else {
        g->counters.n_incremental_passes++;
        ovsg_touched_bridges(g, &only, &dirty_bridges, &touched);
    }

    /* Which desired bridges can be applied at all, and which rows are
     * legacy bridges to adopt. */
    size_t n = g->desired.n_bridges;
    bool *walk = xcalloc(n + 1, sizeof *walk);
    bool *adopt = xcalloc(n + 1, sizeof *adopt);
    char **br_error = xcalloc(n + 1, sizeof *br_error);
    for (size_t i = 0; i < n; i++) {
        const struct ovsg_bridge *want = g->desired.bridges[i];
        walk[i] = full || sset_contains(&touched, want->name);
        if (!walk[i]) {
            continue;
        }
        bool had_error = (!full && want->records.n
                          && shash_find(&g->errors, want->records.names[0]));
        if (!full) {
            ovsg_forget_errors(g, &want->records);
        }
        char *unit = xasprintf("bridge %s", want->name);
        br_error[i] = ovsg_bridge_collision(idx, want, &adopt[i]);
        if (!br_error[i] && shash_find(&g->failed, unit)) {
            br_error[i] = xstrdup(shash_find_data(&g->failed, unit));
        }
        free(unit);
        if (had_error != !!br_error[i]) {
            /* Its ports' errors go or come with it: look at them all. */
            g->full_pass = true;
        }
        if (br_error[i]) {
            /* Not applied at all: its flows are not waited for. */
            struct ovsg_flows *f = shash_find_data(&g->flows, want->name);
            if (f) {
                f->ok = true;
            }
            char *what = xasprintf("bridge %s", want->name);
            ovsg_report(g, what, &want->records, br_error[i]);
            free(what);
            for (size_t j = 0; j < want->n_ports; j++) {
                ovsg_add_errors(&g->errors, &want->ports[j]->records,
                                br_error[i]);
            }
        }
    }

    /* Removals first (see the top of this file). */
    const struct ovsrec_bridge *row;
    OVSREC_BRIDGE_FOR_EACH (row, g->idl) {
        if (!full && !sset_contains(&touched, row->name)) {
            continue;
        }
        const struct ovsg_bridge *want = NULL;
        bool owned = ovsg_is_marked(&row->external_ids);
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(g->desired.bridges[i]->name, row->name)) {
                want = g->desired.bridges[i];
                owned = owned || (adopt[i] && !br_error[i]);
                break;
            }
        }
        if (owned || (want && want->foreign)) {
            ovsg_remove_unwanted(g, &d, ovs, row, want,
                                 full || !want ? NULL : &only);
        }
    }

    for (size_t i = 0; i < n; i++) {
        const struct ovsg_bridge *want = g->desired.bridges[i];
        if (!walk[i] || br_error[i]) {
            continue;
        }
        const struct ovsrec_bridge *existing
            = ovsg_index_bridge(idx, want->name);
        struct ovsg_flows *flows = ovsg_get_flows(g, want->name);
        struct simap ports = SIMAP_INITIALIZER(&ports);
        struct svec want_flows = SVEC_EMPTY_INITIALIZER;
        if (!full) {
            /* Its dirty ports' records are decided again. */
            const char *name;
            SSET_FOR_EACH (name, &only) {
                const struct ovsg_where *w
                    = ovsg_where_find_port(&g->where, name);
                if (w && w->bridge == want) {
                    ovsg_forget_errors(g, &w->port->records);
                }
            }
        }
        svec_append(&want_flows, &want->flows);
        d.flows = flows;
        ovsg_sync_bridge(g, &d, idx, ovs, existing, adopt[i], want,
                         full ? NULL : &only,
                         full || sset_contains(&dirty_bridges, want->name),
                         &ports, &want_flows);
        d.flows = NULL;
        /* Flows go in before the ports they filter exist (see top). */
        flows->ok = true;
        if (!want->foreign && (existing || simap_count(&ports))
            && ovsg_flows_sync(flows, g->worker, g->rundir, &want_flows,
                               &ports, now)) {
            flows->ok = false;
        }
        svec_destroy(&want_flows);
        simap_destroy(&ports);
    }
    ovsg_sdn_sync(g, &d, ovs);
    ovsg_ovn_sync(&d, ovs, &g->desired.ovs_external_ids);
    for (size_t i = 0; i < n; i++) {
        free(br_error[i]);
    }
    free(br_error);
    free(adopt);
    free(walk);
    sset_destroy(&only);
    sset_destroy(&dirty_bridges);
    sset_destroy(&touched);

    /* Every bridge's flows, walked in this pass or not. */
    bool flows_ok = true;
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &g->flows) {
        const struct ovsg_flows *f = node->data;
        if (!ovsg_state_find_bridge(&g->desired, node->name)) {
            ovsg_flows_destroy(node->data);
            shash_delete(&g->flows, node);
        } else if (!f->ok) {
            flows_ok = false;
        }
    }

    /* Held ports are looked at again once their flows are in. */
    const char *name;
    SSET_FOR_EACH (name, &d.held) {
        sset_add(&g->dirty_ports, name);
    }
    sset_destroy(&d.held);
    g->counters.n_ports_diffed += d.n_diffed;
    g->counters.n_ports_walked += d.n_walked;
    g->n_held = d.n_held;
    svec_swap(&g->txn_units, &d.units);
    svec_destroy(&d.units);
    if (!d.n_changes) {
        ovsdb_idl_txn_destroy(d.txn);
        ds_destroy(&d.log);
        return flows_ok && !d.n_held;
    }
    VLOG_INFO("%s (%" PRIuSIZE " changes): %s%s",
              g->desired_changed ? "applying configuration"
                                 : "repairing drift",
              d.n_changes, ds_cstr(&d.log), d.n_changes > 16 ? "; ..." : "");
    if (d.bump_cfg) {
        ovsdb_idl_txn_increment(d.txn, &ovs->header_,
                                &ovsrec_open_vswitch_col_next_cfg, false);
    }
    ovsdb_idl_txn_add_comment(d.txn, "xovs-agent: reconcile");
    if (d.mirrors_changed) {
        ovsdb_idl_txn_increment(d.txn, &ovs->header_,
                                &ovsrec_open_vswitch_col_next_cfg, false);
    }
    g->txn_mirrors = d.mirrors_changed;
    g->txn = d.txn;
    g->counters.n_txns++;
    ds_destroy(&d.log);
    return false;
}

/* Marks the bridges whose flows are due for their periodic check (or a
 * retry); returns true if there are any. */
static bool
ovsg_flow_check_due(struct ovsg *g)
{
    long long int now = time_msec();
    struct shash_node *node;
    bool any = false;
    SHASH_FOR_EACH (node, &g->flows) {
        const struct ovsg_flows *f = node->data;
        if (!f->busy && now >= f->next_check) {
            sset_add(&g->dirty_bridges, node->name);
            any = true;
        }
    }
    return any;
}

/* Commits (or keeps committing) the transaction in flight.  Returns true
 * while it is still in flight. */
static bool
ovsg_txn_poll(struct ovsg *g)
{
    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(g->txn);
    if (status == TXN_INCOMPLETE) {
        return true;
    }
    if (status == TXN_ERROR) {
        g->full_pass = true; /* refused: bisection walks everything */
    } else if (status != TXN_SUCCESS && status != TXN_UNCHANGED) {
        /* Try again: the units it changed are still dirty. */
        for (size_t i = 0; i < g->txn_units.n; i++) {
            const char *unit = g->txn_units.names[i];
            if (!strncmp(unit, "port ", 5)) {
                sset_add(&g->dirty_ports, unit + 5);
            } else if (!strncmp(unit, "bridge ", 7)) {
                sset_add(&g->dirty_bridges, unit + 7);
            } else {
                g->full_pass = true;
            }
        }
    }
    if (status == TXN_ERROR && g->txn_units.n) {
        ovsg_txn_refused(g, ovsdb_idl_txn_get_error(g->txn));
    } else if (status != TXN_SUCCESS && status != TXN_UNCHANGED) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "OVSDB transaction failed (%s): %s; retrying",
                     ovsdb_idl_txn_status_to_string(status),
                     ovsdb_idl_txn_get_error(g->txn));
    } else {
        if (g->txn_mirrors && status == TXN_SUCCESS) {
            g->purge_cfg = ovsdb_idl_txn_get_increment_new_value(g->txn);
        }
        ovsg_pop_trial(g);
        if (!g->n_held && !g->n_trials) {
            g->desired_changed = false;
        }
    }
    ovsdb_idl_txn_destroy(g->txn);
    g->txn = NULL;
    g->txn_mirrors = false;
    g->synced = false; /* Diff again against the updated replica. */
    return false;
}

void
ovsg_run(struct ovsg *g)
{
    ovsdb_idl_run(g->idl);
    ovsg_take_tracked(g);
    bool connected = ovsdb_idl_is_connected(g->idl);
    if (connected && !g->was_connected) {
        /* A new session: the server may have restarted, with everything
         * in it new or gone. */
        g->full_pass = true;
    }
    g->was_connected = connected;
    if (ovsg_flows_worker_collect(g->worker, &g->flows, time_msec(),
                                  &g->dirty_bridges)) {
        g->synced = false; /* flows in (or not): held ports may go now */
    }
    if (g->purge_cfg >= 0) {
        const struct ovsrec_open_vswitch *ovs
            = ovsrec_open_vswitch_first(g->idl);
        if (ovs && ovs->cur_cfg >= g->purge_cfg) {
            /* The mirror change is in ovs-vswitchd: its cached flows must
             * follow (see 'purge_cfg'). */
            char *reply;
            ovsg_appctl(g, "revalidator/purge", NULL,
                        time_msec() + OVSG_PURGE_TIMEOUT_MS, &reply);
            free(reply);
            g->purge_cfg = -1;
        }
    }
    if (g->txn && ovsg_txn_poll(g)) {
        return;
    }

    if (!g->have_desired || !ovsdb_idl_is_connected(g->idl)
        || !ovsdb_idl_has_ever_connected(g->idl)) {
        g->synced = false;
        return;
    }

    if (g->retry_failed && time_msec() >= g->retry_failed) {
        shash_clear_free_data(&g->failed);
        g->retry_failed = 0;
        g->synced = false;
        g->full_pass = true;
    }
    unsigned int seqno = ovsdb_idl_get_seqno(g->idl);
    bool flow_checks = ovsg_flow_check_due(g);
    if (seqno == g->idl_seqno && g->synced && !flow_checks && !g->full_pass
        && time_msec() < g->next_full && sset_is_empty(&g->dirty_ports)
        && sset_is_empty(&g->dirty_bridges)) {
        return;
    }
    g->idl_seqno = seqno;
    for (;;) {
        g->synced = ovsg_apply(g);
        if (g->txn || !g->n_trials) {
            break;
        }
        /* Nothing left to change in this trial: on to the next. */
        ovsg_pop_trial(g);
    }
    if (g->synced) {
        g->desired_changed = false;
    }
    if (g->txn) {
        /* Send it now: the IDL must not run with an unsent transaction. */
        ovsg_txn_poll(g);
    }
}

void
ovsg_wait(struct ovsg *g)
{
    ovsdb_idl_wait(g->idl);
    ovsg_flows_worker_wait(g->worker);
    if (g->txn) {
        ovsdb_idl_txn_wait(g->txn);
    }
    if (g->have_desired) {
        /* Periodic flow check; also retries an unsynced state. */
        poll_timer_wait(g->synced ? 1000 : 200);
    }
    if (g->retry_failed) {
        poll_timer_wait_until(g->retry_failed);
    }
    if (g->have_desired && g->next_full) {
        poll_timer_wait_until(g->next_full);
    }
}
