/* ovs-glue/ovsg-dirty.c: what the next pass must look at (see the top of
 * ovsg.c).
 *
 * A pass of the glue diffs desired bridges and ports against the replica.
 * On a host with thousands of VIFs a full walk costs milliseconds per
 * change, so a pass normally looks only at the "dirty" ports and bridges:
 *
 *   - a new desired state marks the ports and bridges that differ from the
 *     previous one (ovsg_dirty_mark_changes(): a compare of plain data, by
 *     name through the "where" map);
 *   - the IDL's change tracking marks every Bridge, Port and Interface row
 *     that changed in OVSDB, by anyone: the glue's own transactions (so the
 *     next pass checks they took) and drift made by hand (ovs-vsctl) alike.
 *     Only the columns a client configures are tracked (the status columns
 *     ovs-vswitchd keeps writing, statistics, link state, are not), and a
 *     change in any other table xovs writes (QoS, Mirror, Controller,
 *     Manager, SSL, flow export, Open_vSwitch's configuration) asks for a
 *     full pass;
 *   - a finished OpenFlow job, or a bridge's periodic flow check, marks its
 *     bridge.
 *
 * A full pass (every bridge and port) still runs at start, after the IDL
 * reconnects (ovsdb-server restarted: its rows are all new), when OVSDB
 * refuses a transaction, while refused units are retried, and every
 * OVSG_FULL_PASS_MS as a safety net for anything the tracking would miss. */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <string.h>
#include "hash.h"
#include "ovsdb-idl.h"
#include "util.h"
#include "vswitch-idl.h"

/* ---------------------------------------------------------------------- */
/* The "where" map: desired port and interface names -> their port. */

void
ovsg_where_build(const struct ovsg_state *s, struct ovsg_where_map *map)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_bridges; i++) {
        for (size_t j = 0; j < s->bridges[i]->n_ports; j++) {
            n += 1 + s->bridges[i]->ports[j]->n_ifaces;
        }
    }
    hmap_init(&map->map);
    hmap_reserve(&map->map, n);
    map->nodes = xmalloc((n + 1) * sizeof *map->nodes);
    size_t k = 0;
    for (size_t i = 0; i < s->n_bridges; i++) {
        const struct ovsg_bridge *br = s->bridges[i];
        for (size_t j = 0; j < br->n_ports; j++) {
            const struct ovsg_port *p = br->ports[j];
            for (size_t m = 0; m <= p->n_ifaces; m++) {
                const char *name = m ? p->ifaces[m - 1].name : p->name;
                if (m && !strcmp(name, p->name)) {
                    continue; /* the port's own interface: one entry */
                }
                struct ovsg_where *w = &map->nodes[k++];
                w->name = name;
                w->bridge = br;
                w->port = p;
                w->alone = false;
                hmap_insert(&map->map, &w->node, hash_string(name, 0));
            }
        }
    }
}

void
ovsg_where_destroy(struct ovsg_where_map *map)
{
    struct ovsg_where *w;
    HMAP_FOR_EACH_SAFE (w, node, &map->map) {
        if (w->alone) {
            hmap_remove(&map->map, &w->node);
            free(w);
        }
    }
    hmap_destroy(&map->map);
    free(map->nodes);
    map->nodes = NULL;
}

const struct ovsg_where *
ovsg_where_find(const struct ovsg_where_map *map, const char *name)
{
    const struct ovsg_where *w;
    HMAP_FOR_EACH_WITH_HASH (w, node, hash_string(name, 0), &map->map) {
        if (!strcmp(w->name, name)) {
            return w;
        }
    }
    return NULL;
}

/* The port named 'name' itself (not an interface of another port). */
const struct ovsg_where *
ovsg_where_find_port(const struct ovsg_where_map *map, const char *name)
{
    const struct ovsg_where *w = ovsg_where_find(map, name);
    return w && !strcmp(w->port->name, name) ? w : NULL;
}

/* Adds 'port' of 'br' to 'map' (nodes allocated one by one). */
static void
ovsg_where_add_port(struct ovsg_where_map *map, const struct ovsg_bridge *br,
                    const struct ovsg_port *p)
{
    for (size_t m = 0; m <= p->n_ifaces; m++) {
        const char *name = m ? p->ifaces[m - 1].name : p->name;
        if (m && !strcmp(name, p->name)) {
            continue;
        }
        struct ovsg_where *w = xmalloc(sizeof *w);
        w->name = name;
        w->bridge = br;
        w->port = p;
        w->alone = true;
        hmap_insert(&map->map, &w->node, hash_string(name, 0));
    }
}

/* Removes the entries of 'p' from 'map'. */
static void
ovsg_where_remove_port(struct ovsg_where_map *map, const struct ovsg_port *p)
{
    for (size_t m = 0; m <= p->n_ifaces; m++) {
        const char *name = m ? p->ifaces[m - 1].name : p->name;
        struct ovsg_where *w;
        HMAP_FOR_EACH_WITH_HASH (w, node, hash_string(name, 0), &map->map) {
            if (w->port == p) {
                hmap_remove(&map->map, &w->node);
                if (w->alone) {
                    free(w);
                }
                break;
            }
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Patching the desired state in place. */

/* Takes port 'p' out of desired bridge 'br' and frees it. */
static void
ovsg_desired_remove_port(struct ovsg *g, struct ovsg_bridge *br,
                         struct ovsg_port *p)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        if (br->ports[i] == p) {
            memmove(&br->ports[i], &br->ports[i + 1],
                    (br->n_ports - i - 1) * sizeof *br->ports);
            br->n_ports--;
            break;
        }
    }
    ovsg_where_remove_port(&g->where, p);
    sset_add(&g->dirty_ports, p->name);
    ovsg_forget_errors(g, &p->records);
    ovsg_port_destroy(p);
    free(p);
}

static bool
ovsg_svec_has(const struct svec *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++) {
        if (!strcmp(v->names[i], s)) {
            return true;
        }
    }
    return false;
}

void
ovsg_patch_desired(struct ovsg *g, const struct svec *remove_names,
                   const struct svec *remove_records, struct ovsg_state *add)
{
    for (size_t i = 0; i < remove_names->n; i++) {
        const struct ovsg_where *w
            = ovsg_where_find_port(&g->where, remove_names->names[i]);
        if (w && ovsg_svec_has(&w->port->records, remove_records->names[i])) {
            ovsg_desired_remove_port(
                g, CONST_CAST(struct ovsg_bridge *, w->bridge),
                CONST_CAST(struct ovsg_port *, w->port));
        }
    }
    for (size_t i = 0; i < add->n_bridges; i++) {
        struct ovsg_bridge *from = add->bridges[i];
        struct ovsg_bridge *to
            = ovsg_state_find_bridge(&g->desired, from->name);
        for (size_t j = 0; to && j < from->n_ports; j++) {
            struct ovsg_port *p = from->ports[j];
            const struct ovsg_where *w
                = ovsg_where_find_port(&g->where, p->name);
            if (w) { /* the same name elsewhere: the new one wins */
                ovsg_desired_remove_port(
                    g, CONST_CAST(struct ovsg_bridge *, w->bridge),
                    CONST_CAST(struct ovsg_port *, w->port));
            }
            to->ports
                = xrealloc(to->ports, (to->n_ports + 1) * sizeof *to->ports);
            to->ports[to->n_ports++] = p;
            from->ports[j] = NULL;
            ovsg_where_add_port(&g->where, to, p);
            sset_add(&g->dirty_ports, p->name);
            ovsg_forget_errors(g, &p->records);
        }
        if (to) {
            from->n_ports = 0;
        }
    }
    g->have_desired = true;
    g->desired_changed = true;
    g->synced = false;
    if (!shash_is_empty(&g->failed) || g->n_trials) {
        g->full_pass = true;
    }
    shash_clear_free_data(&g->failed);
    ovsg_clear_trials(g);
}

/* ---------------------------------------------------------------------- */
/* Comparing desired states. */

static bool
ovsg_str_eq(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static bool
ovsg_svec_eq(const struct svec *a, const struct svec *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->names[i], b->names[i])) {
            return false;
        }
    }
    return true;
}

static bool
ovsg_iface_eq(const struct ovsg_iface *a, const struct ovsg_iface *b)
{
    return (!strcmp(a->name, b->name) && !strcmp(a->type, b->type)
            && a->mtu_request == b->mtu_request
            && smap_equal(&a->external_ids, &b->external_ids)
            && smap_equal(&a->options, &b->options)
            && smap_equal(&a->other_config, &b->other_config)
            && smap_equal(&a->bfd, &b->bfd)
            && a->ingress_policing_rate == b->ingress_policing_rate
            && a->ingress_policing_burst == b->ingress_policing_burst);
}

/* Whether desired ports 'a' and 'b' ask the same of OVS. */
bool
ovsg_port_eq(const struct ovsg_port *a, const struct ovsg_port *b)
{
    if (strcmp(a->name, b->name) || a->tag != b->tag
        || a->fake_bridge != b->fake_bridge
        || a->protected_port != b->protected_port
        || !ovsg_str_eq(a->vlan_mode, b->vlan_mode)
        || a->n_trunks != b->n_trunks
        || (a->n_trunks
            && memcmp(a->trunks, b->trunks, a->n_trunks * sizeof *a->trunks))
        || !smap_equal(&a->external_ids, &b->external_ids)
        || a->n_ifaces != b->n_ifaces
        || !ovsg_str_eq(a->bond_mode, b->bond_mode)
        || !ovsg_str_eq(a->lacp, b->lacp) || a->bond_updelay != b->bond_updelay
        || a->bond_downdelay != b->bond_downdelay
        || !smap_equal(&a->other_config, &b->other_config)
        || !ovsg_svec_eq(&a->flows, &b->flows)
        || !ovsg_svec_eq(&a->records, &b->records)
        || a->qos_max_rate != b->qos_max_rate) {
        return false;
    }
    for (size_t i = 0; i < a->n_ifaces; i++) {
        if (!ovsg_iface_eq(&a->ifaces[i], &b->ifaces[i])) {
            return false;
        }
    }
    return true;
}

static bool
ovsg_export_eq(const struct ovsg_export *a, const struct ovsg_export *b)
{
    return (ovsg_svec_eq(&a->targets, &b->targets)
            && a->sampling == b->sampling && a->polling == b->polling
            && a->active_timeout == b->active_timeout);
}

static bool
ovsg_mirror_eq(const struct ovsg_mirror *a, const struct ovsg_mirror *b)
{
    return (!strcmp(a->name, b->name) && a->select_all == b->select_all
            && ovsg_svec_eq(&a->src_ports, &b->src_ports)
            && ovsg_str_eq(a->output_port, b->output_port)
            && a->output_vlan == b->output_vlan
            && smap_equal(&a->external_ids, &b->external_ids)
            && ovsg_svec_eq(&a->records, &b->records));
}

/* Whether bridges 'a' and 'b' ask the same of OVS apart from their ports
 * (the bridge row, its flows, mirrors, controllers, flow export). */
bool
ovsg_bridge_eq(const struct ovsg_bridge *a, const struct ovsg_bridge *b)
{
    if (strcmp(a->name, b->name) || a->mtu_request != b->mtu_request
        || !smap_equal(&a->external_ids, &b->external_ids)
        || !ovsg_svec_eq(&a->flows, &b->flows)
        || !ovsg_svec_eq(&a->cond_flows, &b->cond_flows)
        || !ovsg_svec_eq(&a->cond_needs, &b->cond_needs)
        || !ovsg_svec_eq(&a->records, &b->records)
        || a->mcast_snooping != b->mcast_snooping
        || !ovsg_export_eq(&a->sflow, &b->sflow)
        || !ovsg_export_eq(&a->ipfix, &b->ipfix)
        || !ovsg_export_eq(&a->netflow, &b->netflow)
        || !ovsg_svec_eq(&a->controllers, &b->controllers)
        || !ovsg_str_eq(a->fail_mode, b->fail_mode)
        || a->disable_in_band != b->disable_in_band || a->foreign != b->foreign
        || a->n_mirrors != b->n_mirrors) {
        return false;
    }
    for (size_t i = 0; i < a->n_mirrors; i++) {
        if (!ovsg_mirror_eq(a->mirrors[i], b->mirrors[i])) {
            return false;
        }
    }
    return true;
}

/* Adds to 'ports' the names of the ports of 'new' (with 'new_map') that
 * 'old' (with 'old_map') does not have the same on the same bridge, and of
 * the ports 'old' has that 'new' lacks; to 'bridges' the bridges whose own
 * part differs or that only one of them has. */
void
ovsg_dirty_changes(const struct ovsg_state *old,
                   const struct ovsg_where_map *old_map,
                   const struct ovsg_state *new,
                   const struct ovsg_where_map *new_map, struct sset *ports,
                   struct sset *bridges)
{
    for (size_t i = 0; i < new->n_bridges; i++) {
        const struct ovsg_bridge *nb = new->bridges[i];
        const struct ovsg_bridge *ob = ovsg_state_find_bridge(old, nb->name);
        if (!ob || !ovsg_bridge_eq(ob, nb)) {
            sset_add(bridges, nb->name);
        }
        for (size_t j = 0; j < nb->n_ports; j++) {
            const struct ovsg_port *np = nb->ports[j];
            const struct ovsg_where *w
                = ovsg_where_find_port(old_map, np->name);
            if (!w || strcmp(w->bridge->name, nb->name)
                || !ovsg_port_eq(w->port, np)) {
                sset_add(ports, np->name);
            }
        }
    }
    for (size_t i = 0; i < old->n_bridges; i++) {
        const struct ovsg_bridge *ob = old->bridges[i];
        if (!ovsg_state_find_bridge(new, ob->name)) {
            sset_add(bridges, ob->name);
        }
        for (size_t j = 0; j < ob->n_ports; j++) {
            if (!ovsg_where_find_port(new_map, ob->ports[j]->name)) {
                sset_add(ports, ob->ports[j]->name);
            }
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Change tracking. */

/* Columns ovs-vswitchd (or the server) writes on its own: not drift. */
static bool
ovsg_is_status_column(const char *name)
{
    static const char *const names[] = {
        "statistics",
        "status",
        "rstp_statistics",
        "rstp_status",
        "bond_active_slave",
        "admin_state",
        "link_state",
        "link_resets",
        "link_speed",
        "duplex",
        "mtu",
        "ifindex",
        "lacp_current",
        "bfd_status",
        "cfm_fault",
        "cfm_fault_status",
        "cfm_flap_count",
        "cfm_health",
        "cfm_remote_mpids",
        "cfm_remote_opstate",
        "error",
        "mac_in_use",
        "datapath_id",
        "datapath_version",
        "is_connected",
        "role",
        "cur_cfg",
        "next_cfg",
        "dpdk_initialized",
        "dpdk_version",
        "db_version",
        "ovs_version",
        "system_type",
        "system_version",
        "iface_types",
        "datapath_types",
        "bridges",
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(name, names[i])) {
            return true;
        }
    }
    return false;
}

static void
ovsg_track_columns(struct ovsdb_idl *idl, const struct ovsdb_idl_column *cols,
                   size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!ovsg_is_status_column(cols[i].name)) {
            ovsdb_idl_track_add_column(idl, &cols[i]);
        }
    }
}

/* The tables whose tracked changes ask for a full pass (their rows are
 * few and reached from bridges, ports or the Open_vSwitch row). */
static const struct ovsdb_idl_table_class *const ovsg_full_tables[] = {
    &ovsrec_table_open_vswitch, &ovsrec_table_qos,
    &ovsrec_table_queue,        &ovsrec_table_mirror,
    &ovsrec_table_controller,   &ovsrec_table_manager,
    &ovsrec_table_ssl,          &ovsrec_table_sflow,
    &ovsrec_table_ipfix,        &ovsrec_table_netflow,
};

void
ovsg_track_init(struct ovsdb_idl *idl)
{
#define OVSG_TRACK(TABLE, N)                                                  \
    ovsg_track_columns(idl, ovsrec_##TABLE##_columns, N)
    OVSG_TRACK(bridge, OVSREC_BRIDGE_N_COLUMNS);
    OVSG_TRACK(port, OVSREC_PORT_N_COLUMNS);
    OVSG_TRACK(interface, OVSREC_INTERFACE_N_COLUMNS);
    OVSG_TRACK(open_vswitch, OVSREC_OPEN_VSWITCH_N_COLUMNS);
    OVSG_TRACK(qos, OVSREC_QOS_N_COLUMNS);
    OVSG_TRACK(queue, OVSREC_QUEUE_N_COLUMNS);
    OVSG_TRACK(mirror, OVSREC_MIRROR_N_COLUMNS);
    OVSG_TRACK(controller, OVSREC_CONTROLLER_N_COLUMNS);
    OVSG_TRACK(manager, OVSREC_MANAGER_N_COLUMNS);
    OVSG_TRACK(ssl, OVSREC_SSL_N_COLUMNS);
    OVSG_TRACK(sflow, OVSREC_SFLOW_N_COLUMNS);
    OVSG_TRACK(ipfix, OVSREC_IPFIX_N_COLUMNS);
    OVSG_TRACK(netflow, OVSREC_NETFLOW_N_COLUMNS);
#undef OVSG_TRACK
    /* Not drift, but the port statistics read only the interfaces whose
     * counters changed (ovsg_iface_stats_take()). */
    ovsdb_idl_track_add_column(idl, &ovsrec_interface_col_statistics);
}

/* Whether tracked 'row' of 'tc' was inserted, deleted or had a tracked
 * column other than 'except' (NULL: none) changed: the IDL also tracks the
 * rows that merely refer to a changed row (the Open_vSwitch row, for every
 * bridge change). */
static bool
ovsg_row_changed(const struct ovsdb_idl_row *row,
                 const struct ovsdb_idl_table_class *tc,
                 const struct ovsdb_idl_column *except)
{
    if (!ovsdb_idl_row_get_seqno(row, OVSDB_IDL_CHANGE_MODIFY)
        || ovsdb_idl_row_get_seqno(row, OVSDB_IDL_CHANGE_DELETE)) {
        return true;
    }
    for (size_t i = 0; i < tc->n_columns; i++) {
        if (&tc->columns[i] != except
            && ovsdb_idl_track_is_updated(row, &tc->columns[i])) {
            return true;
        }
    }
    return false;
}

void
ovsg_take_tracked(struct ovsg *g)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH_TRACKED(br, g->idl)
    {
        sset_add(&g->dirty_bridges, br->name);
    }
    const struct ovsrec_port *p;
    OVSREC_PORT_FOR_EACH_TRACKED(p, g->idl)
    {
        sset_add(&g->dirty_ports, p->name);
    }
    const struct ovsrec_interface *iface;
    OVSREC_INTERFACE_FOR_EACH_TRACKED(iface, g->idl)
    {
        const struct ovsdb_idl_column *stats
            = &ovsrec_interface_col_statistics;
        if (ovsg_row_changed(&iface->header_, &ovsrec_table_interface,
                             stats)) {
            const struct ovsg_where *w
                = ovsg_where_find(&g->where, iface->name);
            sset_add(&g->dirty_ports, w ? w->port->name : iface->name);
        }
        if (!ovsdb_idl_row_get_seqno(&iface->header_, OVSDB_IDL_CHANGE_MODIFY)
            || ovsdb_idl_row_get_seqno(&iface->header_,
                                       OVSDB_IDL_CHANGE_DELETE)
            || ovsdb_idl_track_is_updated(&iface->header_, stats)) {
            sset_add(&g->stats_dirty, iface->name);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(ovsg_full_tables); i++) {
        const struct ovsdb_idl_table_class *tc = ovsg_full_tables[i];
        const struct ovsdb_idl_row *row;
        for (row = ovsdb_idl_track_get_first(g->idl, tc); row;
             row = ovsdb_idl_track_get_next(row)) {
            if (ovsg_row_changed(row, tc, NULL)) {
                g->full_pass = true;
            }
        }
    }
    ovsdb_idl_track_clear(g->idl);
}
