/* agent/api-bond.c: the bond verbs.
 *
 * Part of the request executor: api.c dispatches bond-create,
 * bond-destroy, bond-set-mode, bond-param-set and bond-list here, and
 * api-private.h has the helpers these handlers use.  Bond modes and
 * properties are bonding/bond.h's; the live status in bond-list comes from
 * the switch through 'xapi_env.bond_status'.
 *
 * As xapi's Bond.create: the bond gets a PIF of its own (device bondN) on a
 * network without a PIF; the VIFs of the members' networks move to the bond's
 * network, management moves to the bond's PIF.  Bond.destroy moves the
 * bond network's VIFs and the bond PIF's VLANs to the primary member.  The
 * members keep their own network records throughout. */

#include <config.h>
#include "agent/api-private.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "agent/records.h"
#include "bonding/bond.h"
#include "util.h"

static bool
arg_mode(struct xapi_ctx *c, const char *name, enum bond_mode *out)
{
    const char *s = xapi_arg(c, name);

    if (s && !bond_mode_from_string(s, out)) {
        return XAPI_REJECT(
            c, name, "\"%.64s\" is not balance-slb, active-backup or lacp", s);
    }
    return true;
}

/* xapi_map_check_fn for bond properties ('aux' points to the bond's
 * mode); removing a property needs no check. */
static char *
xapi_bond_check_property(const char *key, const char *value, const void *aux)
{
    const enum bond_mode *mode = aux;
    return value ? bond_check_property(*mode, key, value) : NULL;
}

/* Computes in 'out' (uninitialized) the properties 'cur' as changed by the
 * properties:KEY=VALUE parameters for a bond in 'mode'; an empty VALUE
 * removes KEY.  Returns false (with 'out' destroyed) after rejecting one. */
static bool
xapi_bond_arg_properties(struct xapi_ctx *c, enum bond_mode mode,
                         const struct smap *cur, struct smap *out)
{
    return xapi_arg_map(c, XAPI_PROPERTIES_PREFIX, xapi_bond_check_property,
                        &mode, cur, out);
}

/* The mode's own defaults in 'props': LACP hashes on TCP/UDP ports unless
 * told otherwise, the other modes do not take a hashing algorithm. */
static void
xapi_bond_mode_properties(enum bond_mode mode, struct smap *props)
{
    if (mode == BOND_MODE_LACP) {
        if (!smap_get(props, "hashing_algorithm")) {
            smap_add(props, "hashing_algorithm", "tcpudp_ports");
        }
    } else {
        smap_remove(props, "hashing_algorithm");
    }
}

/* Whether 'name' is free as the device of a new bond PIF. */
static bool
xapi_bond_device_is_free(const struct xrec_db *db, const char *name)
{
    for (size_t i = 0; i < db->n_pifs; i++) {
        if (!strcmp(db->pifs[i]->device, name)) {
            return false;
        }
    }
    return !xrec_find_network_by_bridge(db, name);
}

/* Parses "pif-uuids" into 'members' (PIFs of 'c->db', at most
 * BOND_MAX_MEMBERS) and checks each may join a bond. */
static bool
arg_members(struct xapi_ctx *c, struct xrec_pif **members, size_t *n)
{
    const char *s = xapi_arg_required(c, "pif-uuids");
    char *copy, *save = NULL;
    bool ok = true;

    *n = 0;
    if (!s) {
        return false;
    }
    copy = xstrdup(s);
    for (char *tok = strtok_r(copy, ",", &save); ok && tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *uuid;
        struct xrec_pif *pif;

        if (!xapi_check(c, "pif-uuids", xrec_parse_uuid(tok, &uuid))) {
            ok = false;
            break;
        }
        pif = xrec_find_pif(c->db, uuid);
        if (!pif) {
            ok = XAPI_REJECT(c, "pif-uuids", "no PIF with uuid %s", uuid);
        } else if (*n >= BOND_MAX_MEMBERS) {
            ok = XAPI_REJECT(c, "pif-uuids",
                             "more than %d PIFs; a bond has %d to %d members",
                             BOND_MAX_MEMBERS, BOND_MIN_MEMBERS,
                             BOND_MAX_MEMBERS);
        } else {
            for (size_t i = 0; i < *n; i++) {
                if (members[i] == pif) {
                    ok = XAPI_REJECT(c, "pif-uuids", "PIF %s is listed twice",
                                     uuid);
                }
            }
            members[(*n)++] = pif;
        }
        free(uuid);
    }
    free(copy);
    if (ok && *n < BOND_MIN_MEMBERS) {
        ok = XAPI_REJECT(
            c, "pif-uuids",
            "%zu PIF%s; a bond has %d to %d members (comma-separated "
            "uuids)",
            *n, *n == 1 ? "" : "s", BOND_MIN_MEMBERS, BOND_MAX_MEMBERS);
    }
    for (size_t i = 0; ok && i < *n; i++) {
        const struct xrec_pif *pif = members[i];
        const struct xrec_bond *bond;

        if (pif->vlan != XREC_VLAN_NONE) {
            return XAPI_REJECT(
                c, "pif-uuids",
                "PIF %s is VLAN %d on %s; a bond member must be a "
                "physical PIF",
                pif->uuid, pif->vlan, pif->device);
        }
        if ((bond = xrec_find_bond_by_master(c->db, pif->uuid))) {
            return XAPI_REJECT(
                c, "pif-uuids",
                "PIF %s (%s) is the PIF of bond %s; a bond cannot "
                "be a member of another",
                pif->uuid, pif->device, bond->uuid);
        }
        if ((bond = xrec_find_bond_by_slave(c->db, pif->uuid))) {
            return XAPI_REJECT(c, "pif-uuids",
                               "PIF %s (%s) is already a member of bond %s",
                               pif->uuid, pif->device, bond->uuid);
        }
        if (!pif->physical) {
            return XAPI_REJECT(c, "pif-uuids",
                               "PIF %s (%s) is not a physical PIF", pif->uuid,
                               pif->device);
        }
        for (size_t j = 0; j < c->db->n_vlans; j++) {
            const struct xrec_vlan *v = c->db->vlans[j];
            if (!strcmp(v->tagged_pif, pif->uuid)) {
                return XAPI_REJECT(
                    c, "pif-uuids",
                    "PIF %s (%s) carries VLAN %d (VLAN %s); "
                    "destroy it first and create it on the bond",
                    pif->uuid, pif->device, v->tag, v->uuid);
            }
        }
        if (pif->mtu != members[0]->mtu) {
            return XAPI_REJECT(c, "pif-uuids",
                               "members have different MTUs (%s %d, %s %d); "
                               "a bond's members share one MTU",
                               members[0]->device, members[0]->mtu,
                               pif->device, pif->mtu);
        }
    }
    return ok;
}

int
xapi_bond_create(struct xapi_ctx *c)
{
    struct xrec_network *net
        = XAPI_ARG_RECORD(c, "network-uuid", xrec_find_network, "network");
    struct xrec_pif *members[BOND_MAX_MEMBERS];
    enum bond_mode mode = BOND_MODE_BALANCE_SLB;
    struct smap props, empty = SMAP_INITIALIZER(&empty);
    const char *mac_arg;
    char *mac = NULL;
    size_t n;

    if (!net) {
        return c->code;
    }
    const struct xrec_pif *other = xrec_find_pif_by_network(c->db, net->uuid);
    if (other) {
        XAPI_REJECT(
            c, "network-uuid",
            "network %s already has PIF %s (%s); a bond needs a network "
            "without one (xovs network-create)",
            net->uuid, other->uuid, other->device);
        return c->code;
    }
    if (!arg_members(c, members, &n) || !arg_mode(c, "mode", &mode)) {
        return c->code;
    }
    mac_arg = xapi_arg(c, "mac");
    if (mac_arg && !xapi_check(c, "mac", xrec_parse_mac(mac_arg, &mac))) {
        return c->code;
    }
    for (size_t i = 0; i < n; i++) {
        if (!xapi_check_vifs_move(c, "pif-uuids", members[i]->network, net)) {
            free(mac);
            return c->code;
        }
    }
    if (!xapi_bond_arg_properties(c, mode, &empty, &props)) {
        free(mac);
        return c->code;
    }

    /* Nothing below can fail. */
    char *device = NULL;
    for (int i = 0; !device; i++) {
        device = xasprintf("bond%d", i);
        if (!xapi_bond_device_is_free(c->db, device)) {
            free(device);
            device = NULL;
        }
    }
    struct xrec_pif *master = xrec_pif_new();
    master->uuid = xapi_new_uuid();
    master->device = device;
    master->network = xstrdup(net->uuid);
    master->mac = mac ? mac : xstrdup(members[0]->mac);
    master->mtu = net->mtu;
    master->currently_attached = true;
    xrec_db_add_pif(c->db, master);

    struct xrec_bond *bond = xrec_bond_new();
    bond->uuid = xapi_new_uuid();
    bond->master = xstrdup(master->uuid);
    bond->primary_slave = xstrdup(members[0]->uuid);
    bond->mode = mode;
    xapi_bond_mode_properties(mode, &props);
    hmap_swap(&bond->properties.map, &props.map);
    smap_destroy(&props);
    for (size_t i = 0; i < n; i++) {
        struct xrec_pif *m = members[i];
        svec_add(&bond->slaves, m->uuid);
        m->mtu = net->mtu;
        if (m->management) {
            m->management = false;
            master->management = true;
        }
        /* The member's network's VIFs now reach the world via the bond. */
        for (size_t j = 0; j < c->db->n_vifs; j++) {
            struct xrec_vif *vif = c->db->vifs[j];
            if (!strcmp(vif->network, m->network)) {
                xrec_touch_vif(c->db, vif);
                xapi_set_string(c, &vif->network, net->uuid);
            }
        }
    }
    xrec_db_add_bond(c->db, bond);
    c->changed = true;
    xapi_result_uuid(c, bond->uuid);
    return 0;
}

int
xapi_bond_destroy(struct xapi_ctx *c)
{
    struct xrec_bond *bond
        = XAPI_ARG_RECORD(c, "uuid", xrec_find_bond, "bond");

    if (!bond) {
        return c->code;
    }
    struct xrec_pif *master = xrec_find_pif(c->db, bond->master);
    struct xrec_pif *primary = xrec_find_pif(c->db, bond->primary_slave);
    const struct xrec_network *pnet
        = xrec_find_network(c->db, primary->network);
    if (pnet && !xapi_check_vifs_move(c, "uuid", master->network, pnet)) {
        return c->code;
    }

    for (size_t i = 0; i < c->db->n_vifs; i++) {
        struct xrec_vif *vif = c->db->vifs[i];
        if (!strcmp(vif->network, master->network)) {
            xrec_touch_vif(c->db, vif);
            xapi_set_string(c, &vif->network, primary->network);
        }
    }
    for (size_t i = 0; i < c->db->n_vlans; i++) {
        struct xrec_vlan *v = c->db->vlans[i];
        if (!strcmp(v->tagged_pif, master->uuid)) {
            struct xrec_pif *vpif = xrec_find_pif(c->db, v->untagged_pif);
            xapi_set_string(c, &v->tagged_pif, primary->uuid);
            xapi_set_string(c, &vpif->device, primary->device);
        }
    }
    if (master->management) {
        primary->management = true;
    }
    xrec_db_delete_pif(c->db, master);
    xrec_db_delete_bond(c->db, bond);
    c->changed = true;
    return 0;
}

int
xapi_bond_set_mode(struct xapi_ctx *c)
{
    struct xrec_bond *bond
        = XAPI_ARG_RECORD(c, "uuid", xrec_find_bond, "bond");
    enum bond_mode mode;

    if (!bond) {
        return c->code;
    }
    mode = bond->mode;
    if (!xapi_arg_required(c, "mode") || !arg_mode(c, "mode", &mode)) {
        return c->code;
    }
    if (mode != bond->mode) {
        struct smap props;
        smap_clone(&props, &bond->properties);
        xapi_bond_mode_properties(mode, &props);
        bond->mode = mode;
        xapi_set_smap(c, &bond->properties, &props);
        c->changed = true;
    }
    return 0;
}

int
xapi_bond_param_set(struct xapi_ctx *c)
{
    struct xrec_bond *bond
        = XAPI_ARG_RECORD(c, "uuid", xrec_find_bond, "bond");
    struct smap props;
    char *primary = NULL;

    if (!bond) {
        return c->code;
    }
    if (xapi_arg(c, "primary-slave")) {
        primary = xapi_arg_uuid(c, "primary-slave");
        if (!primary) {
            return c->code;
        }
        if (!svec_contains_unsorted(&bond->slaves, primary)) {
            char *list = svec_join(&bond->slaves, ", ", "");
            XAPI_REJECT(c, "primary-slave",
                        "PIF %s is not a member of bond %s (members: %s)",
                        primary, bond->uuid, list);
            free(list);
            free(primary);
            return c->code;
        }
    }
    if (!xapi_bond_arg_properties(c, bond->mode, &bond->properties, &props)) {
        free(primary);
        return c->code;
    }
    xapi_set_string(c, &bond->primary_slave, primary);
    free(primary);
    xapi_set_smap(c, &bond->properties, &props);
    return 0;
}

static struct json_object *
xapi_bond_row(const struct xapi_ctx *c, size_t i)
{
    const struct xrec_db *db = c->db;
    const struct xrec_bond *bond = db->bonds[i];
    const struct xrec_pif *master = xrec_find_pif(db, bond->master);
    struct json_object *row = json_object_new_object();
    struct json_object *devices = json_object_new_array();
    struct json_object *slave_status = json_object_new_object();
    struct bond_status st;
    bool live = false;

    bond_status_init(&st);
    if (c->env && c->env->bond_status && master->currently_attached) {
        live = !c->env->bond_status(c->env->aux, master->device, &st);
    }
    int links_up = 0;
    for (size_t j = 0; j < bond->slaves.n; j++) {
        const struct xrec_pif *m = xrec_find_pif(db, bond->slaves.names[j]);
        struct bond_member_status *ms
            = live ? bond_status_find_member(&st, m->device) : NULL;
        char buf[128], summary[96];
        json_object_array_add(devices, json_object_new_string(m->device));
        links_up += ms && ms->link_up;
        if (ms) {
            snprintf(buf, sizeof buf, "link %s, %s",
                     ms->link_up ? "up" : "down",
                     bond_member_summary(ms, summary, sizeof summary));
        }
        xrec_json_put_string(slave_status, m->device, ms ? buf : "unknown");
    }

    xrec_json_put_string(row, "uuid", bond->uuid);
    xrec_json_put_string(row, "master", bond->master);
    xrec_json_put_string(row, "device", master->device);
    xrec_json_put_string(row, "network-uuid", master->network);
    xrec_json_put_svec(row, "slaves", &bond->slaves);
    json_object_object_add(row, "slave-devices", devices);
    xrec_json_put_string(row, "primary-slave", bond->primary_slave);
    xrec_json_put_string(row, "mode", bond_mode_to_string(bond->mode));
    xrec_json_put_smap(row, "properties", &bond->properties);
    xrec_json_put_int(row, "links-up", links_up);
    xrec_json_put_string(row, "active-slave", live ? st.active_member : "");
    xrec_json_put_string(row, "lacp-status",
                         !live               ? "unknown"
                         : st.lacp_status[0] ? st.lacp_status
                                             : "off");
    xrec_json_put_string(row, "lacp-partner-system-id",
                         live ? st.partner_sys_id : "");
    json_object_object_add(row, "slave-status", slave_status);
    xapi_put_status(c, bond->uuid, row);
    return row;
}

int
xapi_bond_list(struct xapi_ctx *c)
{
    /* The status columns come from ovs-vswitchd.  If it does not answer
     * (stopped, hung, not running), say so at once instead of listing
     * every member as "unknown"; ENOENT only means a bond not on the
     * switch yet, which the rows show. */
    for (size_t i = 0; c->env && c->env->bond_status && i < c->db->n_bonds;
         i++) {
        const struct xrec_pif *master
            = xrec_find_pif(c->db, c->db->bonds[i]->master);
        if (!master || !master->currently_attached) {
            continue;
        }
        struct bond_status st;
        bond_status_init(&st);
        int error = c->env->bond_status(c->env->aux, master->device, &st);
        if (error == ETIMEDOUT || error == ESRCH) {
            XAPI_REJECT(c, "uuid",
                        "cannot read bond %s's status from ovs-vswitchd: %s",
                        master->device,
                        error == ETIMEDOUT
                            ? "it did not answer within a second "
                              "(stopped or hung?)"
                            : "it is not running");
            return c->code;
        }
        /* Any other answer (even "no such bond" while ovs-vswitchd is
         * still creating it) shows the switch is there: the rows say what
         * is known. */
        break;
    }
    return xapi_list(c, c->db->n_bonds, xapi_bond_row);
}
