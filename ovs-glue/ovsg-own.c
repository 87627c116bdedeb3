/* ovs-glue/ovsg-own.c: what xovs owns in OVSDB, what is in its way, and
 * the partial failure of a transaction (see the top of ovsg.c).
 *
 * Ownership: every bridge, port and interface xovs writes carries the mark
 * (OVSG_MARK_KEY); an unmarked object with a name the desired state wants
 * is a collision, reported against the records that want it and left
 * alone, except that a bridge of an xovs from before the mark is adopted.
 * The collision checks run on an index of the replica by name, built once
 * per diff.
 *
 * Partial failure: units of the diff ("bridge NAME", "port NAME") that
 * collide or that OVSDB refused are left out of the walk and reported;
 * a refused transaction of several units is bisected with a queue of
 * trials, and only the units of the trial at its head are admitted. */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <string.h>
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ovsg_own);

#define OVSG_NETWORKS_KEY "xs-network-uuids"

/* ---------------------------------------------------------------------- */
/* Ownership marks. */

bool
ovsg_is_marked(const struct smap *external_ids)
{
    const char *owner = smap_get(external_ids, OVSG_MARK_KEY);
    return owner && !strcmp(owner, OVSG_MARK_VALUE);
}

/* Whether external_ids key 'key' of a row xovs made is xovs's: its own
 * "xs-" and "xovs-" keys and the two keys OVN and other controllers read
 * from a VIF's interface.  Keys others write to xovs's rows (ovn-controller's
 * "ovn-installed" on a VIF it bound, a controller's notes) are theirs. */
static bool
ovsg_is_own_key(const char *key)
{
    return (!strncmp(key, "xs-", 3) || !strncmp(key, "xovs-", 5)
            || !strcmp(key, "attached-mac") || !strcmp(key, "iface-id"));
}

/* Copies 'want' into 'out' (uninitialized) with the ownership mark added,
 * and the keys of 'have' (the row's external_ids now) that are not xovs's
 * kept as they are: the agent never fights a controller over them. */
void
ovsg_marked_ids(const struct smap *want, const struct smap *have,
                struct smap *out)
{
    const struct smap_node *node;

    smap_clone(out, want);
    smap_replace(out, OVSG_MARK_KEY, OVSG_MARK_VALUE);
    SMAP_FOR_EACH (node, have) {
        if (!ovsg_is_own_key(node->key) && !smap_get(out, node->key)) {
            smap_add(out, node->key, node->value);
        }
    }
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
/* What exists in OVS, by name: IDL indexes, so that a pass about a few
 * ports looks up a few names instead of indexing the whole replica. */

void
ovsg_index_init(struct ovsdb_idl *idl, struct ovsg_index *idx)
{
    idx->idl = idl;
    idx->ports = ovsdb_idl_index_create1(idl, &ovsrec_port_col_name);
    idx->ifaces = ovsdb_idl_index_create1(idl, &ovsrec_interface_col_name);
}

const struct ovsrec_bridge *
ovsg_index_bridge(const struct ovsg_index *idx, const char *name)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH (br, idx->idl) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

const struct ovsrec_port *
ovsg_index_port(const struct ovsg_index *idx, const char *name)
{
    struct ovsrec_port *key = ovsrec_port_index_init_row(idx->ports);
    ovsrec_port_index_set_name(key, name);
    const struct ovsrec_port *p = ovsrec_port_index_find(idx->ports, key);
    ovsrec_port_index_destroy_row(key);
    return p;
}

const struct ovsrec_interface *
ovsg_index_iface(const struct ovsg_index *idx, const char *name)
{
    struct ovsrec_interface *key
        = ovsrec_interface_index_init_row(idx->ifaces);
    ovsrec_interface_index_set_name(key, name);
    const struct ovsrec_interface *i
        = ovsrec_interface_index_find(idx->ifaces, key);
    ovsrec_interface_index_destroy_row(key);
    return i;
}

const struct ovsrec_bridge *
ovsg_index_port_bridge(const struct ovsg_index *idx,
                       const struct ovsrec_port *port)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH (br, idx->idl) {
        for (size_t i = 0; i < br->n_ports; i++) {
            if (br->ports[i] == port) {
                return br;
            }
        }
    }
    return NULL;
}

static bool
ovsg_port_has_iface(const struct ovsrec_port *p,
                    const struct ovsrec_interface *iface)
{
    for (size_t i = 0; p && i < p->n_interfaces; i++) {
        if (p->interfaces[i] == iface) {
            return true;
        }
    }
    return false;
}

/* Where interface 'name' is ('hint': the port it most likely is in);
 * false if nowhere.  Only an interface outside 'hint' costs a walk of the
 * ports (a NIC moving into a bond, a collision). */
static bool
ovsg_index_iface_loc(const struct ovsg_index *idx, const char *name,
                     const struct ovsrec_port *hint, struct ovsg_loc *loc)
{
    const struct ovsrec_interface *iface = ovsg_index_iface(idx, name);
    if (!iface) {
        return false;
    }
    loc->port = NULL;
    if (ovsg_port_has_iface(hint, iface)) {
        loc->port = hint;
    } else {
        const struct ovsrec_port *p;
        OVSREC_PORT_FOR_EACH (p, idx->idl) {
            if (ovsg_port_has_iface(p, iface)) {
                loc->port = p;
                break;
            }
        }
    }
    loc->bridge = loc->port ? ovsg_index_port_bridge(idx, loc->port) : NULL;
    return loc->port && loc->bridge;
}

/* Where port 'name' is; false if nowhere.  The bridge is looked for only
 * when 'need_bridge' or the port is not xovs's. */
static bool
ovsg_index_port_loc(const struct ovsg_index *idx, const char *name,
                    bool need_bridge, struct ovsg_loc *loc)
{
    loc->port = ovsg_index_port(idx, name);
    loc->bridge = NULL;
    if (!loc->port) {
        return false;
    }
    if (need_bridge || !ovsg_is_marked(&loc->port->external_ids)) {
        loc->bridge = ovsg_index_port_bridge(idx, loc->port);
        return loc->bridge != NULL;
    }
    return true;
}

/* Why desired bridge 'want' cannot be applied, as a malloc'd message, or
 * NULL.  Sets '*adopt' if its row is a legacy bridge to adopt. */
char *
ovsg_bridge_collision(const struct ovsg_index *idx,
                      const struct ovsg_bridge *want, bool *adopt)
{
    const struct ovsrec_bridge *row = ovsg_index_bridge(idx, want->name);
    *adopt = false;
    if (want->foreign) {
        return NULL; /* someone else's bridge: only xovs's ports on it */
    }
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
    struct ovsg_loc loc;
    bool found = ovsg_index_port_loc(idx, want->name, false, &loc);
    if (!found) {
        found = ovsg_index_iface_loc(idx, want->name, NULL, &loc);
    }
    if (found && !ovsg_is_marked(&loc.port->external_ids)) {
        return xasprintf("%s is already a port of bridge %s, which xovs "
                         "did not create; use another bridge name or "
                         "remove that port",
                         want->name, loc.bridge->name);
    }
    return NULL;
}

/* Why desired port 'want' cannot go on bridge 'br' (NULL: a bridge about to
 * be created), as a malloc'd message, or NULL.  'adopt': 'br' is a legacy
 * bridge being adopted, whose unmarked ports are xovs's. */
char *
ovsg_port_collision(const struct ovsg_index *idx,
                    const struct ovsrec_bridge *br, bool adopt,
                    const struct ovsg_port *want)
{
    struct ovsg_loc loc;
    bool found = ovsg_index_port_loc(idx, want->name, false, &loc);
    if (found && !ovsg_is_marked(&loc.port->external_ids)) {
        if (loc.bridge == br && !adopt) {
            return xasprintf("port %s on bridge %s exists and xovs did not "
                             "create it (no external_ids:%s); remove it "
                             "(ovs-vsctl del-port %s %s)",
                             want->name, br->name, OVSG_MARK_KEY, br->name,
                             want->name);
        } else if (loc.bridge != br) {
            return xasprintf("%s is already a port of bridge %s, which "
                             "xovs did not create; remove it from there "
                             "(ovs-vsctl del-port %s %s)",
                             want->name, loc.bridge->name, loc.bridge->name,
                             want->name);
        }
    }
    for (size_t i = 0; i < want->n_ifaces; i++) {
        const char *name = want->ifaces[i].name;
        struct ovsg_loc il;
        if (ovsg_index_iface_loc(idx, name, found ? loc.port : NULL, &il)
            && il.port != (found ? loc.port : NULL)
            && !ovsg_is_marked(&il.port->external_ids)) {
            return xasprintf("interface %s is already in port %s of bridge "
                             "%s, which xovs did not create; remove it from "
                             "there (ovs-vsctl del-port %s %s)",
                             name, il.port->name, il.bridge->name,
                             il.bridge->name, il.port->name);
        }
    }
    return NULL;
}

/* Sets "uuid -> 'msg'" in 'errors' for every record in 'records' that has
 * no message yet. */
void
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
void
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

/* Checks port 'wp' of 'want' (whose collision with a bridge is 'bridge_msg'
 * or NULL) into 'errors'. */
static void
ovsg_check_port(const struct ovsg_index *idx, const struct ovsrec_bridge *row,
                bool adopt, const struct ovsg_port *wp, const char *bridge_msg,
                struct shash *errors)
{
    if (bridge_msg) {
        ovsg_add_errors(errors, &wp->records, bridge_msg);
        return;
    }
    char *msg = ovsg_port_collision(idx, row, adopt, wp);
    if (msg) {
        ovsg_add_errors(errors, &wp->records, msg);
        free(msg);
    }
}

void
ovsg_check_collisions(const struct ovsg *g, const struct ovsg_state *state,
                      const struct ovsg_state *base, struct shash *errors)
{
    const struct ovsg_index *idx = &g->index;
    struct ovsg_where_map tmp;
    const struct ovsg_where_map *base_map = NULL;
    if (base == &g->desired) {
        base_map = &g->where;
    } else if (base) {
        ovsg_where_build(base, &tmp);
        base_map = &tmp;
    }
    for (size_t i = 0; i < state->n_bridges; i++) {
        const struct ovsg_bridge *want = state->bridges[i];
        const struct ovsg_bridge *bb
            = base ? ovsg_state_find_bridge(base, want->name) : NULL;
        bool all = !base || !bb || !ovsg_bridge_eq(bb, want);
        bool adopt;
        char *msg = ovsg_bridge_collision(idx, want, &adopt);
        if (msg && all) {
            ovsg_add_errors(errors, &want->records, msg);
        }
        const struct ovsrec_bridge *row = ovsg_index_bridge(idx, want->name);
        for (size_t j = 0; j < want->n_ports; j++) {
            const struct ovsg_port *wp = want->ports[j];
            const struct ovsg_where *w
                = all ? NULL : ovsg_where_find_port(base_map, wp->name);
            if (all || !w || w->bridge != bb || !ovsg_port_eq(w->port, wp)) {
                ovsg_check_port(idx, row, adopt, wp, msg, errors);
            }
        }
        free(msg);
    }
    if (base_map == &tmp) {
        ovsg_where_destroy(&tmp);
    }
    ovsg_sdn_collisions(g->idl, state, errors);
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
    OVSREC_BRIDGE_FOR_EACH (br, g->idl) {
        if (ovsg_is_marked(&br->external_ids)) {
            svec_add(names, br->name);
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Partial failure. */

void
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

void
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

/* Whether 'unit' may be written in this pass: OVSDB has not refused it, and
 * while a bisection runs, it is in the trial at the head of the queue. */
bool
ovsg_admit(const struct ovsg *g, const char *unit)
{
    return (!shash_find(&g->failed, unit)
            && (!g->n_trials || sset_contains(g->trials[0], unit)));
}

/* OVSDB refused the transaction that changed 'g->txn_units' with 'error':
 * one unit is marked failed; more are split for bisection. */
void
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
