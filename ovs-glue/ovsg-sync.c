/* ovs-glue/ovsg-sync.c: the row diff of one pass (see the top of ovsg.c).
 *
 * ovsg_apply() walks the desired bridges and, for each, calls
 * ovsg_remove_unwanted() and ovsg_sync_bridge(); these compare every column
 * xovs owns of the bridge's row, its ports' and its interfaces' with the
 * desired state and write only what differs into the pass's transaction
 * ('struct ovsg_diff'), noting each change for the log and the unit it
 * belongs to for bisection (ovsg-own.c).  They also hand out the port
 * numbers (ofport_request) that the bridge's flows are built with. */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <string.h>
#include "bitmap.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ovsg_sync);

#define OVSG_FIRST_OFPORT 1
#define OVSG_MAX_OFPORT 0xfeff

void
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
 * 'ports' has not handed out yet in this pass.  One pass over both into a
 * bitmap: the cost is the bridge's size, not its square (a bridge with a
 * thousand VIFs gets a new one in microseconds). */
static int64_t
ovsg_alloc_ofport(const struct ovsrec_bridge *br, const struct simap *ports)
{
    unsigned long *used = bitmap_allocate(OVSG_MAX_OFPORT + 1);
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *p = br->ports[i];
        for (size_t j = 0; j < p->n_interfaces; j++) {
            const struct ovsrec_interface *r = p->interfaces[j];
            if (r->n_ofport && *r->ofport >= 0
                && *r->ofport <= OVSG_MAX_OFPORT) {
                bitmap_set1(used, *r->ofport);
            }
            if (r->n_ofport_request && *r->ofport_request >= 0
                && *r->ofport_request <= OVSG_MAX_OFPORT) {
                bitmap_set1(used, *r->ofport_request);
            }
        }
    }
    const struct simap_node *node;
    SIMAP_FOR_EACH (node, ports) {
        if (node->data <= OVSG_MAX_OFPORT) {
            bitmap_set1(used, node->data);
        }
    }
    size_t n
        = bitmap_scan(used, false, OVSG_FIRST_OFPORT, OVSG_MAX_OFPORT + 1);
    bitmap_free(used);
    return n <= OVSG_MAX_OFPORT ? (int64_t)n : -1;
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
    ovsg_marked_ids(&want->external_ids, &row->external_ids, &ids);
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
    if (!smap_equal(&row->bfd, &want->bfd)) {
        ovsrec_interface_set_bfd(row, &want->bfd);
        ovsg_diff_note(d, "interface %s bfd", want->name);
    }
    if (row->ingress_policing_rate != want->ingress_policing_rate
        || row->ingress_policing_burst != want->ingress_policing_burst) {
        ovsrec_interface_set_ingress_policing_rate(
            row, want->ingress_policing_rate);
        ovsrec_interface_set_ingress_policing_burst(
            row, want->ingress_policing_burst);
        ovsg_diff_note(d, "interface %s ingress_policing_rate=%d", want->name,
                       want->ingress_policing_rate);
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

/* The VLAN trunk columns of port 'row' (see struct ovsg_port).
 * ovs-vswitchd asks not to be woken by changes of these two columns alone
 * (vswitchd/bridge.c omits their alerts): it reconfigures only when
 * something else changes, or next_cfg does, so the pass bumps next_cfg. */
static void
ovsg_sync_vlan(struct ovsg_diff *d, const struct ovsrec_port *row,
               const struct ovsg_port *want)
{
    if (!ovsg_same_opt_string(row->vlan_mode, want->vlan_mode)) {
        ovsrec_port_set_vlan_mode(row, want->vlan_mode);
        d->bump_cfg = true;
        ovsg_diff_note(d, "port %s vlan_mode=%s", want->name,
                       want->vlan_mode ? want->vlan_mode : "[]");
    }
    if (row->n_trunks != want->n_trunks
        || (want->n_trunks
            && memcmp(row->trunks, want->trunks,
                      want->n_trunks * sizeof *want->trunks))) {
        ovsrec_port_set_trunks(row, want->trunks, want->n_trunks);
        d->bump_cfg = true;
        ovsg_diff_note(d, "port %s trunks (%zu VLANs)", want->name,
                       want->n_trunks);
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
    d->n_diffed++;
    if (!row && d->hold_new_ports) {
        sset_add(&d->held, want->name);
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
    ovsg_sync_vlan(d, row, want);
    if (row->protected_ != want->protected_port) {
        ovsrec_port_set_protected_(row, want->protected_port);
        ovsg_diff_note(d, "port %s protected=%s", want->name,
                       want->protected_port ? "true" : "false");
    }
    if (row->fake_bridge != want->fake_bridge) {
        ovsrec_port_set_fake_bridge(row, want->fake_bridge);
        ovsg_diff_note(d, "port %s fake_bridge", want->name);
    }
    struct smap ids;
    ovsg_marked_ids(&want->external_ids, &row->external_ids, &ids);
    if (!smap_equal(&row->external_ids, &ids)) {
        ovsrec_port_set_external_ids(row, &ids);
        ovsg_diff_note(d, "port %s external_ids", want->name);
    }
    smap_destroy(&ids);
    ovsg_sync_bond(d, row, want);
    ovsg_sync_port_qos(d, row, want);
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

/* Records in 'ports' the port numbers the existing interfaces of 'row'
 * have, so the flows of a port this pass leaves alone stay in place. */
static void
ovsg_keep_ofports(struct ovsg_diff *d, const struct ovsrec_port *row,
                  struct simap *ports)
{
    d->n_walked += row != NULL;
    for (size_t i = 0; row && i < row->n_interfaces; i++) {
        int64_t ofport = ovsg_iface_ofport(row->interfaces[i]);
        if (ofport > 0) {
            simap_put(ports, row->interfaces[i]->name, ofport);
        }
    }
}

/* Adds to 'flows' those of 'want''s conditional flows whose interfaces all
 * have port numbers in 'ports'. */
static void
ovsg_add_cond_flows(const struct ovsg_bridge *want, const struct simap *ports,
                    struct svec *flows)
{
    for (size_t i = 0; i < want->cond_flows.n; i++) {
        char *needs = xstrdup(want->cond_needs.names[i]), *save = NULL;
        bool placed = true;
        for (char *name = strtok_r(needs, ",", &save); placed && name;
             name = strtok_r(NULL, ",", &save)) {
            placed = simap_contains(ports, name);
        }
        if (placed) {
            svec_add(flows, want->cond_flows.names[i]);
        }
        free(needs);
    }
}

/* Adds 'wp''s flows to 'flows' if all its interfaces have port numbers in
 * 'ports'. */
static void
ovsg_add_placed_flows(const struct ovsg_port *wp, const struct simap *ports,
                      struct svec *flows)
{
    if (!wp->flows.n) {
        return;
    }
    for (size_t j = 0; j < wp->n_ifaces; j++) {
        if (!simap_contains(ports, wp->ifaces[j].name)) {
            return;
        }
    }
    svec_append(flows, &wp->flows);
}

/* Whether bridge 'want' or any of its ports has OpenFlow rules (which
 * name ports, so need the port numbers of the whole bridge). */
bool
ovsg_bridge_has_flows(const struct ovsg_bridge *want)
{
    if (want->flows.n || want->cond_flows.n) {
        return true;
    }
    for (size_t i = 0; i < want->n_ports; i++) {
        if (want->ports[i]->flows.n) {
            return true;
        }
    }
    return false;
}

/* Whether port rows 'have' are exactly 'want' (by name, any order). */
static bool
ovsg_same_ports(struct ovsrec_port **have, size_t n_have,
                struct ovsrec_port **want, size_t n_want)
{
    if (n_have != n_want) {
        return false;
    }
    for (size_t i = 0; i < n_want; i++) {
        bool found = false;
        for (size_t j = 0; j < n_have && !found; j++) {
            found = have[j] == want[i];
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* Makes 'row' (NULL: a new mirror) on bridge 'br' carry 'want', whose
 * port names are resolved to the rows of 'br' in the replica. */
static void
ovsg_sync_mirror(struct ovsg_diff *d, const struct ovsrec_bridge *br,
                 const struct ovsrec_mirror *row,
                 const struct ovsg_mirror *want)
{
    const struct ovsrec_port *out
        = want->output_port ? ovsg_bridge_find_port(br, want->output_port)
                            : NULL;
    struct ovsrec_port **src = xmalloc((want->src_ports.n + 1) * sizeof *src);
    size_t n_src = 0;

    for (size_t i = 0; i < want->src_ports.n; i++) {
        const struct ovsrec_port *p
            = ovsg_bridge_find_port(br, want->src_ports.names[i]);
        if (p) {
            src[n_src++] = CONST_CAST(struct ovsrec_port *, p);
        }
    }
    if ((want->output_port && !out) || (!want->select_all && !n_src)) {
        /* Not possible yet: a mirror without its ports mirrors nothing
         * (or everything, for OVS an empty selection); wait for them. */
        if (row) {
            ovsrec_bridge_update_mirrors_delvalue(br, row);
            ovsg_diff_note(d,
                           "remove mirror %s from %s (its ports are "
                           "gone)",
                           want->name, br->name);
        }
        free(src);
        return;
    }
    if (!row) {
        row = ovsrec_mirror_insert(d->txn);
        ovsrec_mirror_set_name(row, want->name);
        ovsrec_bridge_update_mirrors_addvalue(br, row);
        ovsg_diff_note(d, "add mirror %s to %s", want->name, br->name);
    }
    if (row->select_all != want->select_all) {
        ovsrec_mirror_set_select_all(row, want->select_all);
        ovsg_diff_note(d, "mirror %s select_all", want->name);
    }
    if (!ovsg_same_ports(row->select_src_port, row->n_select_src_port, src,
                         n_src)) {
        ovsrec_mirror_set_select_src_port(row, src, n_src);
        ovsg_diff_note(d, "mirror %s select_src_port", want->name);
    }
    if (!ovsg_same_ports(row->select_dst_port, row->n_select_dst_port, src,
                         n_src)) {
        ovsrec_mirror_set_select_dst_port(row, src, n_src);
        ovsg_diff_note(d, "mirror %s select_dst_port", want->name);
    }
    if (row->output_port != out) {
        ovsrec_mirror_set_output_port(row, out);
        ovsg_diff_note(d, "mirror %s output_port", want->name);
    }
    int64_t vlan = want->output_vlan;
    bool vlan_ok = vlan >= 0 ? row->n_output_vlan && *row->output_vlan == vlan
                             : !row->n_output_vlan;
    if (!vlan_ok) {
        ovsrec_mirror_set_output_vlan(row, &vlan, vlan >= 0 ? 1 : 0);
        ovsg_diff_note(d, "mirror %s output_vlan=%d", want->name,
                       want->output_vlan);
    }
    struct smap ids;
    ovsg_marked_ids(&want->external_ids, &row->external_ids, &ids);
    if (!smap_equal(&row->external_ids, &ids)) {
        ovsrec_mirror_set_external_ids(row, &ids);
        ovsg_diff_note(d, "mirror %s external_ids", want->name);
    }
    smap_destroy(&ids);
    free(src);
}

/* The marked mirrors of bridge 'row' match 'want''s; unmarked ones (a
 * controller's, anyone's) are not looked at. */
static void
ovsg_sync_mirrors(struct ovsg *g, struct ovsg_diff *d,
                  const struct ovsrec_bridge *row,
                  const struct ovsg_bridge *want)
{
    size_t n_changes = d->n_changes;

    for (size_t i = 0; i < row->n_mirrors; i++) {
        const struct ovsrec_mirror *m = row->mirrors[i];
        bool wanted = false;
        for (size_t j = 0; j < want->n_mirrors && !wanted; j++) {
            wanted = !strcmp(want->mirrors[j]->name, m->name);
        }
        if (!wanted && ovsg_is_marked(&m->external_ids)) {
            ovsrec_bridge_update_mirrors_delvalue(row, m);
            ovsg_diff_note(d, "remove mirror %s from %s", m->name, row->name);
        }
    }
    for (size_t j = 0; j < want->n_mirrors; j++) {
        const struct ovsg_mirror *wm = want->mirrors[j];
        const struct ovsrec_mirror *mrow = NULL;
        for (size_t i = 0; i < row->n_mirrors && !mrow; i++) {
            const struct ovsrec_mirror *m = row->mirrors[i];
            if (!strcmp(m->name, wm->name)
                && ovsg_is_marked(&m->external_ids)) {
                mrow = m;
            }
        }
        char *unit = xasprintf("mirror %s", wm->name);
        if (shash_find(&g->failed, unit)) {
            ovsg_report(g, unit, &wm->records,
                        shash_find_data(&g->failed, unit));
        } else if (ovsg_admit(g, unit)) {
            d->unit = unit;
            ovsg_sync_mirror(d, row, mrow, wm);
            d->unit = NULL;
        }
        free(unit);
    }
    if (d->n_changes != n_changes) {
        d->mirrors_changed = true;
    }
}

/* Brings bridge 'want' (its row 'row', NULL if it does not exist yet) and
 * its ports up to date, skipping ports in error (recorded in 'g->errors')
 * and units not admitted.  'adopt': 'row' is a legacy bridge to adopt.
 * Adds to 'flows' the flows of every port that is (or is about to be) in
 * place. */
void
ovsg_sync_bridge(struct ovsg *g, struct ovsg_diff *d,
                 const struct ovsg_index *idx,
                 const struct ovsrec_open_vswitch *ovs,
                 const struct ovsrec_bridge *row, bool adopt,
                 const struct ovsg_bridge *want, const struct sset *only,
                 bool sync_row, struct simap *ports, struct svec *flows)
{
    char *unit = xasprintf("bridge %s", want->name);
    bool admitted = !want->foreign && ovsg_admit(g, unit);

    sync_row = sync_row || !row;

    if (!row && (!admitted || want->foreign)) {
        /* Its ports wait for the bridge. */
        free(unit);
        return;
    }
    if (admitted && sync_row) {
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
        /* Before external_ids: it reads the notes xovs left there. */
        ovsg_sdn_sync_bridge(d, row, want);
        struct smap ids;
        ovsg_marked_ids(&want->external_ids, &row->external_ids, &ids);
        if (!smap_equal(&row->external_ids, &ids)) {
            ovsrec_bridge_set_external_ids(row, &ids);
            ovsg_diff_note(d, "bridge %s external_ids%s", want->name,
                           adopt ? " (adopting a bridge of an older xovs)"
                                 : "");
        }
        smap_destroy(&ids);
        ovsg_qos_sync_bridge(d, row, want);

        /* The bridge's own internal port carries the network's MTU. */
        struct ovsg_iface local_iface = {
            .name = want->name,
            .type = CONST_CAST(char *, "internal"),
            .mtu_request = want->mtu_request,
            .external_ids = SMAP_INITIALIZER(&local_iface.external_ids),
            .options = SMAP_INITIALIZER(&local_iface.options),
            .other_config = SMAP_INITIALIZER(&local_iface.other_config),
            .bfd = SMAP_INITIALIZER(&local_iface.bfd),
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

    /* The bridge's ports by name: one lookup per wanted port, not a scan
     * (a bridge may carry a thousand VIFs).  The numbers of the ports this
     * pass leaves alone matter only to the bridge's flows: without any,
     * an incremental pass does not read them (its cost is its dirty
     * ports', not the bridge's). */
    bool need_ofports = !only || ovsg_bridge_has_flows(want);
    struct shash rows = SHASH_INITIALIZER(&rows);
    for (size_t i = 0; row && i < row->n_ports; i++) {
        const struct ovsrec_port *p = row->ports[i];
        if (!only || sset_contains(only, p->name)) {
            shash_add_once(&rows, p->name, p);
        }
        if (!strcmp(p->name, row->name)) {
            if (!sync_row && need_ofports) {
                ovsg_keep_ofports(d, p, ports); /* the local port, as it is */
            }
        } else if (only && need_ofports && !sset_contains(only, p->name)) {
            /* Not looked at in this pass: its numbers as they are, if it
             * is one of the desired ports (as a full pass has them). */
            const struct ovsg_where *w
                = ovsg_where_find_port(&g->where, p->name);
            if (w && w->bridge == want) {
                ovsg_keep_ofports(d, p, ports);
            }
        }
    }
    for (size_t i = 0; i < want->n_ports; i++) {
        const struct ovsg_port *wp = want->ports[i];
        if (only && !sset_contains(only, wp->name)) {
            ovsg_add_placed_flows(wp, ports, flows);
            continue;
        }
        const struct ovsrec_port *prow = shash_find_data(&rows, wp->name);
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
            ovsg_keep_ofports(d, prow, ports);
        }
        free(unit);
        ovsg_add_placed_flows(wp, ports, flows);
    }
    shash_destroy(&rows);
    ovsg_add_cond_flows(want, ports, flows);
    if (sync_row && row && !adopt && ovsg_is_marked(&row->external_ids)) {
        ovsg_sync_mirrors(g, d, row, want);
    }
}

/* Removes the ports xovs owns on bridge 'row' that 'want' (NULL: the whole
 * bridge goes) does not have, and the bridge itself if 'want' is NULL and
 * nothing foreign is left on it. */
void
ovsg_remove_unwanted(struct ovsg *g, struct ovsg_diff *d,
                     const struct ovsrec_open_vswitch *ovs,
                     const struct ovsrec_bridge *row,
                     const struct ovsg_bridge *want, const struct sset *only)
{
    struct svec foreign = SVEC_EMPTY_INITIALIZER;
    struct sset wanted = SSET_INITIALIZER(&wanted);

    for (size_t i = 0; want && !only && i < want->n_ports; i++) {
        sset_add(&wanted, want->ports[i]->name);
    }
    for (size_t i = 0; i < row->n_ports; i++) {
        const struct ovsrec_port *p = row->ports[i];
        if (only && !sset_contains(only, p->name)) {
            continue;
        }
        const struct ovsg_where *w
            = only && want ? ovsg_where_find_port(&g->where, p->name) : NULL;
        if (!strcmp(p->name, row->name) || sset_contains(&wanted, p->name)
            || (w && w->bridge == want)) {
            continue;
        }
        if (!ovsg_is_marked(&p->external_ids)) {
            svec_add(&foreign, p->name);
            continue;
        }
        char *unit = xasprintf("port %s", p->name);
        if (ovsg_admit(g, unit)) {
            d->unit = unit;
            ovsg_drop_port_qos(d, p);
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
    sset_destroy(&wanted);
}
