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
 * bond status questions to ovs-vswitchd (ovsg_appctl()) give up after
 * OVSG_APPCTL_TIMEOUT_MS.
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
 *            IDL seqno changed / new desired state
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
#include "daemon.h"
#include "dirs.h"
#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "openvswitch/poll-loop.h"
#include "sset.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ovsg);

#define OVSG_NETWORKS_KEY "xs-network-uuids"
#define OVSG_APPCTL_TIMEOUT_MS 1000 /* one bond status query, all calls */
#define OVSG_FIRST_OFPORT 1
#define OVSG_MAX_OFPORT 0xfeff

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

    /* Partial failure (see the top of this file). */
    struct shash errors;        /* record uuid -> message, last diff */
    struct shash prev_errors;   /* 'errors' of the diff before (logging) */
    struct shash failed;        /* unit -> message: OVSDB refused it */
    long long int retry_failed; /* time_msec() to forget 'failed' */
    struct sset **trials;       /* bisection queue, head first (each
                                 * separately allocated: an sset must not
                                 * move) */
    size_t n_trials;
    struct svec txn_units; /* units the txn in flight changes */
};

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

static void
ovsg_clear_trials(struct ovsg *g)
{
    for (size_t i = 0; i < g->n_trials; i++) {
        sset_destroy(g->trials[i]);
        free(g->trials[i]);
    }
    free(g->trials);
    g->trials = NULL;
    g->n_trials = 0;
}

static void
ovsg_pop_trial(struct ovsg *g)
{
    if (g->n_trials) {
        sset_destroy(g->trials[0]);
        free(g->trials[0]);
        memmove(&g->trials[0], &g->trials[1],
                (g->n_trials - 1) * sizeof *g->trials);
        g->n_trials--;
    }
}

/* Puts the units 'units[start..end)' at the head of the trial queue. */
static void
ovsg_push_trial(struct ovsg *g, const struct svec *units, size_t start,
                size_t end)
{
    g->trials = xrealloc(g->trials, (g->n_trials + 1) * sizeof *g->trials);
    memmove(&g->trials[1], &g->trials[0], g->n_trials * sizeof *g->trials);
    g->n_trials++;
    g->trials[0] = xmalloc(sizeof *g->trials[0]);
    sset_init(g->trials[0]);
    for (size_t i = start; i < end; i++) {
        sset_add(g->trials[0], units->names[i]);
    }
}

struct ovsg *
ovsg_create(const char *remote)
{
    struct ovsg *g = xzalloc(sizeof *g);
    g->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, true, true);
    ovsdb_idl_set_leader_only(g->idl, false);
    g->rundir = ovsg_find_rundir(remote);
    ovsg_state_init(&g->desired, "netdev");
    shash_init(&g->flows);
    g->worker = ovsg_flows_worker_create();
    shash_init(&g->errors);
    shash_init(&g->prev_errors);
    shash_init(&g->failed);
    svec_init(&g->txn_units);
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
    SHASH_FOR_EACH_SAFE(node, &g->flows)
    {
        ovsg_flows_destroy(node->data);
        shash_delete(&g->flows, node);
    }
    shash_destroy(&g->flows);
    shash_destroy_free_data(&g->errors);
    shash_destroy_free_data(&g->prev_errors);
    shash_destroy_free_data(&g->failed);
    ovsg_clear_trials(g);
    svec_destroy(&g->txn_units);
    ovsg_state_destroy(&g->desired);
    ovsdb_idl_destroy(g->idl);
    free(g->rundir);
    free(g);
}

void
ovsg_set_desired(struct ovsg *g, struct ovsg_state *desired)
{
    ovsg_state_destroy(&g->desired);
    g->desired = *desired;
    memset(desired, 0, sizeof *desired);
    g->have_desired = true;
    g->desired_changed = true;
    g->synced = false;
    /* The records changed: whatever OVSDB refused is worth a new try. */
    shash_clear_free_data(&g->failed);
    ovsg_clear_trials(g);
}

bool
ovsg_is_synced(const struct ovsg *g)
{
    return g->synced;
}

static bool
ovsg_is_marked(const struct smap *external_ids)
{
    const char *owner = smap_get(external_ids, OVSG_MARK_KEY);
    return owner && !strcmp(owner, OVSG_MARK_VALUE);
}

/* Copies 'want' into 'out' (uninitialized) with the ownership mark added. */
static void
ovsg_marked_ids(const struct smap *want, struct smap *out)
{
    smap_clone(out, want);
    smap_replace(out, OVSG_MARK_KEY, OVSG_MARK_VALUE);
}

/* Whether unmarked bridge 'row' was made by an xovs from before the mark
 * and 'want' is its successor: one of its xs-network-uuids is one of
 * 'want''s. */
static bool
ovsg_is_legacy_of(const struct ovsrec_bridge *row,
                  const struct ovsg_bridge *want)
{
    const char *have = smap_get(&row->external_ids, OVSG_NETWORKS_KEY);
    const char *wanted = smap_get(&want->external_ids, OVSG_NETWORKS_KEY);
    bool match = false;

    if (!have || !wanted || ovsg_is_marked(&row->external_ids)) {
        return false;
    }
    char *copy = xstrdup(have), *save = NULL;
    for (char *u = strtok_r(copy, ";", &save); u && !match;
         u = strtok_r(NULL, ";", &save)) {
        char *w = xstrdup(wanted), *save2 = NULL;
        for (char *v = strtok_r(w, ";", &save2); v && !match;
             v = strtok_r(NULL, ";", &save2)) {
            match = !strcmp(u, v);
        }
        free(w);
    }
    free(copy);
    return match;
}

/* ---------------------------------------------------------------------- */
/* What exists in OVS, by name (one pass over the replica per diff). */

struct ovsg_loc {
    const struct ovsrec_bridge *bridge;
    const struct ovsrec_port *port;
};

struct ovsg_index {
    struct shash bridges; /* name -> const struct ovsrec_bridge * */
    struct shash ports;   /* name -> struct ovsg_loc * (owned) */
    struct shash ifaces;  /* name -> struct ovsg_loc * (of 'ports') */
};

static void
ovsg_index_build(const struct ovsdb_idl *idl, struct ovsg_index *idx)
{
    const struct ovsrec_bridge *br;

    shash_init(&idx->bridges);
    shash_init(&idx->ports);
    shash_init(&idx->ifaces);
    OVSREC_BRIDGE_FOR_EACH(br, idl)
    {
        shash_add_once(&idx->bridges, br->name, br);
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *p = br->ports[i];
            struct ovsg_loc *loc = xmalloc(sizeof *loc);
            loc->bridge = br;
            loc->port = p;
            if (!shash_add_once(&idx->ports, p->name, loc)) {
                free(loc);
                continue;
            }
            for (size_t j = 0; j < p->n_interfaces; j++) {
                shash_add_once(&idx->ifaces, p->interfaces[j]->name, loc);
            }
        }
    }
}

static void
ovsg_index_destroy(struct ovsg_index *idx)
{
    shash_destroy(&idx->bridges);
    shash_destroy_free_data(&idx->ports);
    shash_destroy(&idx->ifaces);
}

/* Why desired bridge 'want' cannot be applied, as a malloc'd message, or
 * NULL.  Sets '*adopt' if its row is a legacy bridge to adopt. */
static char *
ovsg_bridge_collision(const struct ovsg_index *idx,
                      const struct ovsg_bridge *want, bool *adopt)
{
    const struct ovsrec_bridge *row
        = shash_find_data(&idx->bridges, want->name);
    *adopt = false;
    if (row) {
        if (ovsg_is_marked(&row->external_ids)) {
            return NULL;
        }
        if (ovsg_is_legacy_of(row, want)) {
            *adopt = true;
            return NULL;
        }
        return xasprintf("bridge %s exists in Open vSwitch and xovs did not "
                         "create it (no external_ids:%s); use another "
                         "bridge name or remove that bridge",
                         want->name, OVSG_MARK_KEY);
    }
    const struct ovsg_loc *loc = shash_find_data(&idx->ports, want->name);
    if (!loc) {
        loc = shash_find_data(&idx->ifaces, want->name);
    }
    if (loc && !ovsg_is_marked(&loc->port->external_ids)) {
        return xasprintf("%s is already a port of bridge %s, which xovs "
                         "did not create; use another bridge name or "
                         "remove that port",
                         want->name, loc->bridge->name);
    }
    return NULL;
}

/* Why desired port 'want' cannot go on bridge 'br' (NULL: a bridge about to
 * be created), as a malloc'd message, or NULL.  'adopt': 'br' is a legacy
 * bridge being adopted, whose unmarked ports are xovs's. */
static char *
ovsg_port_collision(const struct ovsg_index *idx,
                    const struct ovsrec_bridge *br, bool adopt,
                    const struct ovsg_port *want)
{
    const struct ovsg_loc *loc = shash_find_data(&idx->ports, want->name);
    if (loc) {
        bool mine = ovsg_is_marked(&loc->port->external_ids);
        if (loc->bridge == br && !mine && !adopt) {
            return xasprintf("port %s on bridge %s exists and xovs did not "
                             "create it (no external_ids:%s); remove it "
                             "(ovs-vsctl del-port %s %s)",
                             want->name, br->name, OVSG_MARK_KEY, br->name,
                             want->name);
        } else if (loc->bridge != br && !mine) {
            return xasprintf("%s is already a port of bridge %s, which "
                             "xovs did not create; remove it from there "
                             "(ovs-vsctl del-port %s %s)",
                             want->name, loc->bridge->name, loc->bridge->name,
                             want->name);
        }
    }
    for (size_t i = 0; i < want->n_ifaces; i++) {
        const char *name = want->ifaces[i].name;
        const struct ovsg_loc *il = shash_find_data(&idx->ifaces, name);
        if (il && il->port != (loc ? loc->port : NULL)
            && !ovsg_is_marked(&il->port->external_ids)) {
            return xasprintf("interface %s is already in port %s of bridge "
                             "%s, which xovs did not create; remove it from "
                             "there (ovs-vsctl del-port %s %s)",
                             name, il->port->name, il->bridge->name,
                             il->bridge->name, il->port->name);
        }
    }
    return NULL;
}

/* Sets "uuid -> 'msg'" in 'errors' for every record in 'records' that has
 * no message yet. */
static void
ovsg_add_errors(struct shash *errors, const struct svec *records,
                const char *msg)
{
    for (size_t i = 0; i < records->n; i++) {
        if (!shash_find(errors, records->names[i])) {
            shash_add(errors, records->names[i], xstrdup(msg));
        }
    }
}

/* Reports that 'what' ("bridge xapi0") is not applied because of 'msg' for
 * 'records': logs it if that is news since the previous diff. */
static void
ovsg_report(struct ovsg *g, const char *what, const struct svec *records,
            const char *msg)
{
    const char *prev
        = (records->n ? shash_find_data(&g->prev_errors, records->names[0])
                      : NULL);
    if (!prev || strcmp(prev, msg)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 60);
        VLOG_WARN_RL(&rl, "not applying %s: %s", what, msg);
    }
    ovsg_add_errors(&g->errors, records, msg);
}

void
ovsg_check_collisions(const struct ovsg *g, const struct ovsg_state *state,
                      struct shash *errors)
{
    struct ovsg_index idx;
    ovsg_index_build(g->idl, &idx);
    for (size_t i = 0; i < state->n_bridges; i++) {
        const struct ovsg_bridge *want = state->bridges[i];
        bool adopt;
        char *msg = ovsg_bridge_collision(&idx, want, &adopt);
        if (msg) {
            ovsg_add_errors(errors, &want->records, msg);
            for (size_t j = 0; j < want->n_ports; j++) {
                ovsg_add_errors(errors, &want->ports[j]->records, msg);
            }
            free(msg);
            continue;
        }
        const struct ovsrec_bridge *row
            = shash_find_data(&idx.bridges, want->name);
        for (size_t j = 0; j < want->n_ports; j++) {
            const struct ovsg_port *wp = want->ports[j];
            msg = ovsg_port_collision(&idx, row, adopt, wp);
            if (msg) {
                ovsg_add_errors(errors, &wp->records, msg);
                free(msg);
            }
        }
    }
    ovsg_index_destroy(&idx);
}

const char *
ovsg_get_error(const struct ovsg *g, const char *uuid)
{
    return shash_find_data(&g->errors, uuid);
}

void
ovsg_owned_bridges(const struct ovsg *g, struct svec *names)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH(br, g->idl)
    {
        if (ovsg_is_marked(&br->external_ids)) {
            svec_add(names, br->name);
        }
    }
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
    OVSREC_INTERFACE_FOR_EACH(iface, idl)
    {
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

/* One diff pass: the open transaction, the changes written so far (for the
 * log), and per bridge the port numbers its flows will use. */
struct ovsg_diff {
    struct ovsdb_idl_txn *txn;
    struct ds log;
    size_t n_changes;
    struct ovsg_flows *flows; /* OpenFlow side of the bridge being synced */
    bool hold_new_ports; /* the new port's flows are not in place yet */
    size_t n_held;       /* new ports held back for that reason */
    const char *unit;    /* the unit being written */
    struct svec units;   /* units with changes, in walk order */
};

static void OVS_PRINTF_FORMAT(2, 3)
    ovsg_diff_note(struct ovsg_diff *d, const char *format, ...)
{
    va_list args;
    if (d->unit
        && (!d->units.n || strcmp(d->units.names[d->units.n - 1], d->unit))) {
        svec_add(&d->units, d->unit);
    }
    if (d->n_changes++ < 16) {
        ds_put_cstr(&d->log, d->n_changes > 1 ? "; " : "");
        va_start(args, format);
        ds_put_format_valist(&d->log, format, args);
        va_end(args);
    }
}

static int64_t
ovsg_iface_ofport(const struct ovsrec_interface *row)
{
    if (row->n_ofport && *row->ofport > 0) {
        return *row->ofport;
    }
    return row->n_ofport_request ? *row->ofport_request : -1;
}

/* The lowest port number no interface on 'br' has or asks for, and that
 * 'ports' has not handed out yet in this pass. */
static int64_t
ovsg_alloc_ofport(const struct ovsrec_bridge *br, const struct simap *ports)
{
    for (int64_t n = OVSG_FIRST_OFPORT; n <= OVSG_MAX_OFPORT; n++) {
        bool used = false;
        for (size_t i = 0; i < br->n_ports && !used; i++) {
            const struct ovsrec_port *p = br->ports[i];
            for (size_t j = 0; j < p->n_interfaces && !used; j++) {
                const struct ovsrec_interface *r = p->interfaces[j];
                used = (r->n_ofport && *r->ofport == n)
                       || (r->n_ofport_request && *r->ofport_request == n);
            }
        }
        const struct simap_node *node;
        SIMAP_FOR_EACH(node, ports)
        {
            used = used || node->data == n;
        }
        if (!used) {
            return n;
        }
    }
    return -1;
}

static void
ovsg_sync_iface(struct ovsg_diff *d, const struct ovsrec_interface *row,
                const struct ovsg_iface *want)
{
    if (strcmp(row->type, want->type)) {
        ovsrec_interface_set_type(row, want->type);
        ovsg_diff_note(d, "interface %s type=%s", want->name, want->type);
    }
    int64_t mtu = want->mtu_request;
    bool mtu_ok = mtu ? row->n_mtu_request && *row->mtu_request == mtu
                      : !row->n_mtu_request;
    if (!mtu_ok) {
        ovsrec_interface_set_mtu_request(row, &mtu, mtu ? 1 : 0);
        ovsg_diff_note(d, "interface %s mtu_request=%d", want->name,
                       want->mtu_request);
    }
    struct smap ids;
    ovsg_marked_ids(&want->external_ids, &ids);
    if (!smap_equal(&row->external_ids, &ids)) {
        ovsrec_interface_set_external_ids(row, &ids);
        ovsg_diff_note(d, "interface %s external_ids", want->name);
    }
    smap_destroy(&ids);
    if (!smap_equal(&row->options, &want->options)) {
        ovsrec_interface_set_options(row, &want->options);
        ovsg_diff_note(d, "interface %s options", want->name);
    }
    if (!smap_equal(&row->other_config, &want->other_config)) {
        ovsrec_interface_set_other_config(row, &want->other_config);
        ovsg_diff_note(d, "interface %s other_config", want->name);
    }
}

/* Whether optional string column value 'have' (NULL: unset) is 'want'
 * (NULL: unset). */
static bool
ovsg_same_opt_string(const char *have, const char *want)
{
    return have && want ? !strcmp(have, want) : !have && !want;
}

/* The bond columns of port 'row' (see struct ovsg_port). */
static void
ovsg_sync_bond(struct ovsg_diff *d, const struct ovsrec_port *row,
               const struct ovsg_port *want)
{
    if (!ovsg_same_opt_string(row->bond_mode, want->bond_mode)) {
        ovsrec_port_set_bond_mode(row, want->bond_mode);
        ovsg_diff_note(d, "port %s bond_mode=%s", want->name,
                       want->bond_mode ? want->bond_mode : "[]");
    }
    if (!ovsg_same_opt_string(row->lacp, want->lacp)) {
        ovsrec_port_set_lacp(row, want->lacp);
        ovsg_diff_note(d, "port %s lacp=%s", want->name,
                       want->lacp ? want->lacp : "[]");
    }
    if (row->bond_updelay != want->bond_updelay) {
        ovsrec_port_set_bond_updelay(row, want->bond_updelay);
        ovsg_diff_note(d, "port %s bond_updelay=%d", want->name,
                       want->bond_updelay);
    }
    if (row->bond_downdelay != want->bond_downdelay) {
        ovsrec_port_set_bond_downdelay(row, want->bond_downdelay);
        ovsg_diff_note(d, "port %s bond_downdelay=%d", want->name,
                       want->bond_downdelay);
    }
    if (!smap_equal(&row->other_config, &want->other_config)) {
        ovsrec_port_set_other_config(row, &want->other_config);
        ovsg_diff_note(d, "port %s other_config", want->name);
    }
}

static const struct ovsrec_interface *
ovsg_port_find_iface(const struct ovsrec_port *port, const char *name)
{
    for (size_t i = 0; port && i < port->n_interfaces; i++) {
        if (!strcmp(port->interfaces[i]->name, name)) {
            return port->interfaces[i];
        }
    }
    return NULL;
}

/* True if the switch is known to hold the flows of port 'wp' (vacuously
 * for a port without flows): only then may the port be added, so that a
 * locked VIF never forwards before its filter (the worker installs flows
 * asynchronously, ovsg-flows.c). */
static bool
ovsg_port_flows_installed(const struct ovsg_diff *d,
                          const struct ovsg_port *wp)
{
    if (!wp->flows.n) {
        return true;
    }
    if (!d->flows || !ovsg_flows_has(d->flows, &wp->flows)) {
        return false;
    }
    for (size_t i = 0; i < wp->n_ifaces; i++) {
        if (!simap_contains(&d->flows->ports, wp->ifaces[i].name)) {
            return false;
        }
    }
    return true;
}

/* Makes 'row' (NULL: a new port) carry 'want' on bridge 'br'.  Records the
 * port number of each interface in 'ports'.  While 'd->hold_new_ports', a
 * new port only gets its numbers reserved: it is added once the bridge's
 * flows, which may filter it, are installed. */
static void
ovsg_sync_port(struct ovsg_diff *d, const struct ovsrec_bridge *br,
               const struct ovsrec_port *row, const struct ovsg_port *want,
               struct simap *ports)
{
    if (!row && d->hold_new_ports) {
        for (size_t i = 0; i < want->n_ifaces; i++) {
            int64_t ofport = ovsg_alloc_ofport(br, ports);
            if (ofport > 0) {
                simap_put(ports, want->ifaces[i].name, ofport);
            }
        }
        d->n_held++;
        return;
    }
    if (!row) {
        row = ovsrec_port_insert(d->txn);
        ovsrec_port_set_name(row, want->name);
        ovsrec_bridge_update_ports_addvalue(br, row);
        ovsg_diff_note(d, "add port %s to %s", want->name, br->name);
    }

    bool same_ifaces = row->n_interfaces == want->n_ifaces;
    struct ovsrec_interface **ifaces
        = xmalloc(want->n_ifaces * sizeof *ifaces);
    for (size_t i = 0; i < want->n_ifaces; i++) {
        const struct ovsg_iface *wi = &want->ifaces[i];
        const struct ovsrec_interface *ir
            = ovsg_port_find_iface(row, wi->name);
        if (!ir) {
            same_ifaces = false;
            ir = ovsrec_interface_insert(d->txn);
            ovsrec_interface_set_name(ir, wi->name);
            int64_t ofport = ovsg_alloc_ofport(br, ports);
            if (ofport > 0) {
                ovsrec_interface_set_ofport_request(ir, &ofport, 1);
            }
        }
        ovsg_sync_iface(d, ir, wi);
        int64_t ofport = ovsg_iface_ofport(ir);
        if (ofport > 0) {
            simap_put(ports, wi->name, ofport);
        }
        ifaces[i] = CONST_CAST(struct ovsrec_interface *, ir);
    }
    if (!same_ifaces) {
        ovsrec_port_set_interfaces(row, ifaces, want->n_ifaces);
    }
    free(ifaces);

    int64_t tag = want->tag;
    bool tag_ok = tag >= 0 ? row->n_tag && *row->tag == tag : !row->n_tag;
    if (!tag_ok) {
        ovsrec_port_set_tag(row, &tag, tag >= 0 ? 1 : 0);
        ovsg_diff_note(d, "port %s tag=%d", want->name, want->tag);
    }
    if (row->fake_bridge != want->fake_bridge) {
        ovsrec_port_set_fake_bridge(row, want->fake_bridge);
        ovsg_diff_note(d, "port %s fake_bridge", want->name);
    }
    struct smap ids;
    ovsg_marked_ids(&want->external_ids, &ids);
    if (!smap_equal(&row->external_ids, &ids)) {
        ovsrec_port_set_external_ids(row, &ids);
        ovsg_diff_note(d, "port %s external_ids", want->name);
    }
    smap_destroy(&ids);
    ovsg_sync_bond(d, row, want);
}

static const struct ovsrec_port *
ovsg_bridge_find_port(const struct ovsrec_bridge *br, const char *name)
{
    for (size_t i = 0; br && i < br->n_ports; i++) {
        if (!strcmp(br->ports[i]->name, name)) {
            return br->ports[i];
        }
    }
    return NULL;
}

static const struct ovsg_port *
ovsg_want_find_port(const struct ovsg_bridge *want, const char *name)
{
    for (size_t i = 0; i < want->n_ports; i++) {
        if (!strcmp(want->ports[i]->name, name)) {
            return want->ports[i];
        }
    }
    return NULL;
}

static bool
ovsg_admit(const struct ovsg *g, const char *unit)
{
    return (!shash_find(&g->failed, unit)
            && (!g->n_trials || sset_contains(g->trials[0], unit)));
}

/* Records in 'ports' the port numbers the existing interfaces of 'row'
 * have, so the flows of a port this pass leaves alone stay in place. */
static void
ovsg_keep_ofports(const struct ovsrec_port *row, struct simap *ports)
{
    for (size_t i = 0; row && i < row->n_interfaces; i++) {
        int64_t ofport = ovsg_iface_ofport(row->interfaces[i]);
        if (ofport > 0) {
            simap_put(ports, row->interfaces[i]->name, ofport);
        }
    }
}

/* Brings bridge 'want' (its row 'row', NULL if it does not exist yet) and
 * its ports up to date, skipping ports in error (recorded in 'g->errors')
 * and units not admitted.  'adopt': 'row' is a legacy bridge to adopt.
 * Adds to 'flows' the flows of every port that is (or is about to be) in
 * place. */
static void
ovsg_sync_bridge(struct ovsg *g, struct ovsg_diff *d,
                 const struct ovsg_index *idx,
                 const struct ovsrec_open_vswitch *ovs,
                 const struct ovsrec_bridge *row, bool adopt,
                 const struct ovsg_bridge *want, struct simap *ports,
                 struct svec *flows)
{
    char *unit = xasprintf("bridge %s", want->name);
    bool admitted = ovsg_admit(g, unit);

    if (!row && !admitted) {
        /* Its ports wait for the bridge. */
        free(unit);
        return;
    }
    if (admitted) {
        d->unit = unit;
        if (!row) {
            row = ovsrec_bridge_insert(d->txn);
            ovsrec_bridge_set_name(row, want->name);
            ovsrec_open_vswitch_update_bridges_addvalue(ovs, row);
            ovsg_diff_note(d, "add bridge %s", want->name);
        }
        if (strcmp(row->datapath_type, g->desired.datapath_type)) {
            ovsrec_bridge_set_datapath_type(row, g->desired.datapath_type);
            ovsg_diff_note(d, "bridge %s datapath_type=%s", want->name,
                           g->desired.datapath_type);
        }
        struct smap ids;
        ovsg_marked_ids(&want->external_ids, &ids);
        if (!smap_equal(&row->external_ids, &ids)) {
            ovsrec_bridge_set_external_ids(row, &ids);
            ovsg_diff_note(d, "bridge %s external_ids%s", want->name,
                           adopt ? " (adopting a bridge of an older xovs)"
                                 : "");
        }
        smap_destroy(&ids);

        /* The bridge's own internal port carries the network's MTU. */
        struct ovsg_iface local_iface = {
            .name = want->name,
            .type = CONST_CAST(char *, "internal"),
            .mtu_request = want->mtu_request,
            .external_ids = SMAP_INITIALIZER(&local_iface.external_ids),
            .options = SMAP_INITIALIZER(&local_iface.options),
            .other_config = SMAP_INITIALIZER(&local_iface.other_config),
        };
        struct ovsg_port local_port = {
            .name = want->name,
            .tag = -1,
            .external_ids = SMAP_INITIALIZER(&local_port.external_ids),
            .ifaces = &local_iface,
            .n_ifaces = 1,
            .other_config = SMAP_INITIALIZER(&local_port.other_config),
        };
        bool hold = d->hold_new_ports;
        d->hold_new_ports = false;
        ovsg_sync_port(d, row, ovsg_bridge_find_port(row, want->name),
                       &local_port, ports);
        d->hold_new_ports = hold;
    }
    d->unit = NULL;
    free(unit);

    for (size_t i = 0; i < want->n_ports; i++) {
        const struct ovsg_port *wp = want->ports[i];
        const struct ovsrec_port *prow = ovsg_bridge_find_port(row, wp->name);
        char *msg = ovsg_port_collision(idx, row, adopt, wp);
        unit = xasprintf("port %s", wp->name);
        if (!msg && shash_find(&g->failed, unit)) {
            msg = xstrdup(shash_find_data(&g->failed, unit));
        }
        if (msg) {
            ovsg_report(g, unit, &wp->records, msg);
            free(msg);
            free(unit);
            continue;
        }
        if (ovsg_admit(g, unit)) {
            d->unit = unit;
            d->hold_new_ports = !prow && !ovsg_port_flows_installed(d, wp);
            ovsg_sync_port(d, row, prow, wp, ports);
            d->hold_new_ports = false;
            d->unit = NULL;
        } else {
            ovsg_keep_ofports(prow, ports);
        }
        free(unit);
        bool placed = true;
        for (size_t j = 0; j < wp->n_ifaces; j++) {
            placed = placed && simap_contains(ports, wp->ifaces[j].name);
        }
        if (placed) {
            svec_append(flows, &wp->flows);
        }
    }
}

/* Removes the ports xovs owns on bridge 'row' that 'want' (NULL: the whole
 * bridge goes) does not have, and the bridge itself if 'want' is NULL and
 * nothing foreign is left on it. */
static void
ovsg_remove_unwanted(struct ovsg *g, struct ovsg_diff *d,
                     const struct ovsrec_open_vswitch *ovs,
                     const struct ovsrec_bridge *row,
                     const struct ovsg_bridge *want)
{
    struct svec foreign = SVEC_EMPTY_INITIALIZER;

    for (size_t i = 0; i < row->n_ports; i++) {
        const struct ovsrec_port *p = row->ports[i];
        if (!strcmp(p->name, row->name)
            || (want && ovsg_want_find_port(want, p->name))) {
            continue;
        }
        if (!ovsg_is_marked(&p->external_ids)) {
            svec_add(&foreign, p->name);
            continue;
        }
        char *unit = xasprintf("port %s", p->name);
        if (ovsg_admit(g, unit)) {
            d->unit = unit;
            ovsrec_bridge_update_ports_delvalue(row, p);
            ovsg_diff_note(d, "remove port %s from %s", p->name, row->name);
            d->unit = NULL;
        }
        free(unit);
    }
    if (!want && foreign.n) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 60);
        char *list = svec_join(&foreign, ", ", "");
        VLOG_WARN_RL(&rl,
                     "not removing bridge %s: it holds ports xovs did "
                     "not create (%s); remove those and xovs removes "
                     "the bridge",
                     row->name, list);
        free(list);
    } else if (!want) {
        char *unit = xasprintf("bridge %s", row->name);
        if (ovsg_admit(g, unit)) {
            d->unit = unit;
            ovsrec_open_vswitch_update_bridges_delvalue(ovs, row);
            ovsg_diff_note(d, "remove bridge %s", row->name);
            d->unit = NULL;
        }
        free(unit);
    }
    svec_destroy(&foreign);
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

/* Diffs and, if anything differs, starts one transaction.  Rebuilds
 * 'g->errors'.  Returns true if OVSDB already matched (apart from units in
 * error) and every bridge's flows are in place. */
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
    bool flows_ok = true;
    long long int now = time_msec();
    struct ovsg_index idx;
    ovsg_index_build(g->idl, &idx);
    shash_clear_free_data(&g->prev_errors);
    shash_swap(&g->errors, &g->prev_errors);

    /* Which desired bridges can be applied at all, and which rows are
     * legacy bridges to adopt. */
    bool *adopt = xcalloc(g->desired.n_bridges + 1, sizeof *adopt);
    char **br_error = xcalloc(g->desired.n_bridges + 1, sizeof *br_error);
    for (size_t i = 0; i < g->desired.n_bridges; i++) {
        const struct ovsg_bridge *want = g->desired.bridges[i];
        char *unit = xasprintf("bridge %s", want->name);
        br_error[i] = ovsg_bridge_collision(&idx, want, &adopt[i]);
        if (!br_error[i] && shash_find(&g->failed, unit)) {
            br_error[i] = xstrdup(shash_find_data(&g->failed, unit));
        }
        free(unit);
        if (br_error[i]) {
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
    OVSREC_BRIDGE_FOR_EACH(row, g->idl)
    {
        const struct ovsg_bridge *want = NULL;
        bool owned = ovsg_is_marked(&row->external_ids);
        for (size_t i = 0; i < g->desired.n_bridges; i++) {
            if (!strcmp(g->desired.bridges[i]->name, row->name)) {
                want = g->desired.bridges[i];
                owned = owned || (adopt[i] && !br_error[i]);
                break;
            }
        }
        if (owned) {
            ovsg_remove_unwanted(g, &d, ovs, row, want);
        }
    }

    for (size_t i = 0; i < g->desired.n_bridges; i++) {
        const struct ovsg_bridge *want = g->desired.bridges[i];
        if (br_error[i]) {
            continue;
        }
        const struct ovsrec_bridge *existing
            = shash_find_data(&idx.bridges, want->name);
        struct ovsg_flows *flows = ovsg_get_flows(g, want->name);
        struct simap ports = SIMAP_INITIALIZER(&ports);
        struct svec want_flows = SVEC_EMPTY_INITIALIZER;
        svec_append(&want_flows, &want->flows);
        d.flows = flows;
        ovsg_sync_bridge(g, &d, &idx, ovs, existing, adopt[i], want, &ports,
                         &want_flows);
        d.flows = NULL;
        /* Flows go in before the ports they filter exist (see top). */
        if ((existing || simap_count(&ports))
            && ovsg_flows_sync(flows, g->worker, g->rundir, &want_flows,
                               &ports, now)) {
            flows_ok = false;
        }
        svec_destroy(&want_flows);
        simap_destroy(&ports);
    }
    for (size_t i = 0; i < g->desired.n_bridges; i++) {
        free(br_error[i]);
    }
    free(br_error);
    free(adopt);
    ovsg_index_destroy(&idx);

    struct shash_node *node;
    SHASH_FOR_EACH_SAFE(node, &g->flows)
    {
        if (!ovsg_state_find_bridge(&g->desired, node->name)) {
            ovsg_flows_destroy(node->data);
            shash_delete(&g->flows, node);
        }
    }

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
    ovsdb_idl_txn_add_comment(d.txn, "xovs-agent: reconcile");
    g->txn = d.txn;
    ds_destroy(&d.log);
    return false;
}

static bool
ovsg_flow_check_due(const struct ovsg *g)
{
    long long int now = time_msec();
    struct shash_node *node;
    SHASH_FOR_EACH(node, &g->flows)
    {
        const struct ovsg_flows *f = node->data;
        if (!f->busy && now >= f->next_check) {
            return true;
        }
    }
    return false;
}

/* OVSDB refused the transaction that changed 'g->txn_units' with 'error':
 * one unit is marked failed; more are split for bisection. */
static void
ovsg_txn_refused(struct ovsg *g, const char *error)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 60);
    const struct svec *u = &g->txn_units;

    ovsg_pop_trial(g);
    if (u->n == 1) {
        char *msg = xasprintf("Open vSwitch refused it: %s", error);
        VLOG_WARN_RL(&rl,
                     "%s: %s; leaving it out (retried in %d s or on "
                     "the next change)",
                     u->names[0], msg, OVSG_RETRY_MS / 1000);
        free(shash_replace(&g->failed, u->names[0], msg));
        if (!g->retry_failed) {
            g->retry_failed = time_msec() + OVSG_RETRY_MS;
        }
        return;
    }
    VLOG_WARN_RL(&rl,
                 "OVSDB refused a transaction of %" PRIuSIZE
                 " bridges/ports (%s); trying them in halves to apply "
                 "all but the refused ones",
                 u->n, error);
    size_t half = u->n / 2;
    ovsg_push_trial(g, u, half, u->n);
    ovsg_push_trial(g, u, 0, half);
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
    if (status == TXN_ERROR && g->txn_units.n) {
        ovsg_txn_refused(g, ovsdb_idl_txn_get_error(g->txn));
    } else if (status != TXN_SUCCESS && status != TXN_UNCHANGED) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "OVSDB transaction failed (%s): %s; retrying",
                     ovsdb_idl_txn_status_to_string(status),
                     ovsdb_idl_txn_get_error(g->txn));
    } else {
        ovsg_pop_trial(g);
        if (!g->n_held && !g->n_trials) {
            g->desired_changed = false;
        }
    }
    ovsdb_idl_txn_destroy(g->txn);
    g->txn = NULL;
    g->synced = false; /* Diff again against the updated replica. */
    return false;
}

void
ovsg_run(struct ovsg *g)
{
    ovsdb_idl_run(g->idl);
    if (ovsg_flows_worker_collect(g->worker, &g->flows, time_msec())) {
        g->synced = false; /* flows in (or not): held ports may go now */
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
    }
    unsigned int seqno = ovsdb_idl_get_seqno(g->idl);
    if (seqno == g->idl_seqno && g->synced && !ovsg_flow_check_due(g)) {
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
}

/* ---------------------------------------------------------------------- */
/* Bond status. */

/* Asks the ovs-vswitchd of 'g->rundir' "COMMAND ARG" and waits for the
 * answer until 'deadline' (time_msec()) at the latest.  Returns 0 with the
 * answer in '*resultp' (malloc'd), or a positive errno (ESRCH: no
 * ovs-vswitchd; ETIMEDOUT: it did not answer in time) with '*resultp'
 * NULL; logs failures, rate-limited. */
static int
ovsg_appctl(const struct ovsg *g, const char *command, const char *arg,
            long long int deadline, char **resultp)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    char *pidfile = xasprintf("%s/ovs-vswitchd.pid", g->rundir);
    pid_t pid = read_pidfile(pidfile);
    struct jsonrpc *client = NULL;
    int error;

    *resultp = NULL;
    free(pidfile);
    if (pid <= 0) {
        VLOG_WARN_RL(&rl, "%s: no running ovs-vswitchd in %s", command,
                     g->rundir);
        return ESRCH;
    }
    char *path = xasprintf("%s/ovs-vswitchd.%ld.ctl", g->rundir, (long)pid);
    error = unixctl_client_create(path, &client);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot connect to %s (%s)", command, path,
                     ovs_strerror(error));
        free(path);
        return error;
    }

    /* unixctl_client_transact() would wait for ever on a stopped
     * ovs-vswitchd: send, then poll for the answer with a deadline. */
    struct json *params = json_array_create_1(json_string_create(arg));
    struct jsonrpc_msg *request
        = jsonrpc_create_request(command, params, NULL);
    struct json *id = json_clone(request->id);
    struct jsonrpc_msg *reply = NULL;
    error = jsonrpc_send(client, request);
    while (!error) {
        jsonrpc_run(client);
        error = jsonrpc_recv(client, &reply);
        if (error == EAGAIN) {
            if (time_msec() >= deadline) {
                error = ETIMEDOUT;
                break;
            }
            jsonrpc_wait(client);
            jsonrpc_recv_wait(client);
            poll_timer_wait_until(deadline);
            poll_block();
            error = 0;
        } else if (!error
                   && ((reply->type != JSONRPC_REPLY
                        && reply->type != JSONRPC_ERROR)
                       || !json_equal(reply->id, id))) {
            jsonrpc_msg_destroy(reply); /* not the answer: keep waiting */
            reply = NULL;
        } else {
            break;
        }
    }
    if (!error) {
        if (reply->error) {
            VLOG_WARN_RL(&rl, "%s %s via %s: %s", command, arg, path,
                         reply->error->type == JSON_STRING
                             ? json_string(reply->error)
                             : "error");
            error = EPROTO;
        } else if (reply->result && reply->result->type == JSON_STRING) {
            *resultp = xstrdup(json_string(reply->result));
        } else {
            *resultp = xstrdup("");
        }
    } else {
        VLOG_WARN_RL(&rl, "%s %s via %s: %s", command, arg, path,
                     error == ETIMEDOUT ? "no answer in time"
                                        : ovs_retval_to_string(error));
    }
    jsonrpc_msg_destroy(reply);
    json_destroy(id);
    jsonrpc_close(client);
    free(path);
    return error;
}

int
ovsg_get_bond_info(struct ovsg *g, const char *port,
                   struct ovsg_bond_info *info)
{
    const struct ovsrec_port *row = NULL, *p;

    memset(info, 0, sizeof *info);
    OVSREC_PORT_FOR_EACH(p, g->idl)
    {
        if (!strcmp(p->name, port) && p->n_interfaces > 1) {
            row = p;
            break;
        }
    }
    if (!row) {
        return ENOENT;
    }
    info->active_slave_mac = nullable_xstrdup(row->bond_active_slave);
    info->members = xcalloc(row->n_interfaces, sizeof *info->members);
    info->n_members = row->n_interfaces;
    for (size_t i = 0; i < row->n_interfaces; i++) {
        const struct ovsrec_interface *ir = row->interfaces[i];
        struct ovsg_bond_member *m = &info->members[i];
        m->name = xstrdup(ir->name);
        m->link_up = ir->link_state && !strcmp(ir->link_state, "up");
        m->lacp_current = ir->n_lacp_current ? *ir->lacp_current : -1;
    }
    long long int deadline = time_msec() + OVSG_APPCTL_TIMEOUT_MS;
    int error = ovsg_appctl(g, "bond/show", port, deadline, &info->bond_show);
    if (!error && row->lacp && strcmp(row->lacp, "off")) {
        error = ovsg_appctl(g, "lacp/show", port, deadline, &info->lacp_show);
    }
    if (error) {
        ovsg_bond_info_destroy(info);
    }
    return error;
}

void
ovsg_bond_info_destroy(struct ovsg_bond_info *info)
{
    if (!info) {
        return;
    }
    for (size_t i = 0; i < info->n_members; i++) {
        free(info->members[i].name);
    }
    free(info->members);
    free(info->active_slave_mac);
    free(info->bond_show);
    free(info->lacp_show);
    memset(info, 0, sizeof *info);
}
