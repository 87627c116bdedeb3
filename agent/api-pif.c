/* agent/api-pif.c: the PIF and VLAN verbs.
 *
 * Part of the request executor: api.c dispatches pif-list,
 * pif-plug, pif-unplug, pif-param-set, vlan-create, vlan-destroy and
 * vlan-list here, and api-private.h has the helpers these handlers use.  A
 * VLAN is a PIF of its own (the untagged PIF, sharing its parent's device)
 * plus the VLAN record that ties it to the tagged parent, so the two kinds
 * live together.  pif-scan, pif-introduce and pif-forget (NICs) are in
 * api-pif-nic.c. */

#include <config.h>
#include "agent/api-private.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "agent/api-ethtool.h"
#include "agent/pifscan.h"
#include "agent/records.h"
#include "util.h"

/* ---------------------------------------------------------------------- */
/* PIFs. */

static struct json_object *
xapi_pif_row(const struct xapi_ctx *c, size_t i)
{
    const struct xrec_db *db = c->db;
    const struct xrec_pif *pif = db->pifs[i];
    const struct xrec_network *net = xrec_find_network(db, pif->network);
    struct json_object *row = json_object_new_object();

    xrec_json_put_string(row, "uuid", pif->uuid);
    xrec_json_put_string(row, "device", pif->device);
    xrec_json_put_string(row, "MAC", pif->mac);
    xrec_json_put_int(row, "MTU", pif->mtu);
    xrec_json_put_int(row, "VLAN", pif->vlan);
    xrec_json_put_bool(row, "physical", pif->physical);
    xrec_json_put_bool(row, "currently-attached", pif->currently_attached);
    xrec_json_put_bool(row, "management", pif->management);
    xrec_json_put_string(row, "network-uuid", pif->network);
    xrec_json_put_string(row, "network-name-label",
                         net ? net->name_label : NULL);
    xrec_json_put_smap(row, "other-config", &pif->other_config);
    xapi_pif_put_ethtool(row, pif);
    xapi_pif_put_ip(row, pif);
    const struct xrec_bond *master = xrec_find_bond_by_master(db, pif->uuid);
    const struct xrec_bond *slave = xrec_find_bond_by_slave(db, pif->uuid);
    struct json_object *a = json_object_new_array();
    if (master) {
        json_object_array_add(a, json_object_new_string(master->uuid));
    }
    json_object_object_add(row, "bond-master-of", a);
    xrec_json_put_string(row, "bond-slave-of", slave ? slave->uuid : NULL);
    int disconnected = xapi_pif_disconnected(c, pif);
    if (disconnected >= 0) {
        xrec_json_put_bool(row, "disconnected", disconnected);
    }
    xapi_put_status(c, pif->uuid, row);
    return row;
}

int
xapi_pif_list(struct xapi_ctx *c)
{
    return xapi_list(c, c->db->n_pifs, xapi_pif_row);
}

static int
xapi_pif_set_attached(struct xapi_ctx *c, bool attached)
{
    struct xrec_pif *pif = XAPI_ARG_RECORD(c, "uuid", xrec_find_pif, "PIF");
    const struct xrec_bond *bond;

    if (!pif) {
        return c->code;
    }
    bond = xrec_find_bond_by_slave(c->db, pif->uuid);
    if (bond) {
        XAPI_REJECT(c, "uuid",
                    "PIF %s (%s) is a member of bond %s; %s the bond's PIF %s "
                    "instead",
                    pif->uuid, pif->device, bond->uuid,
                    attached ? "plug" : "unplug", bond->master);
        return c->code;
    }
    xapi_set_bool(c, &pif->currently_attached, attached);
    return 0;
}

int
xapi_pif_plug(struct xapi_ctx *c)
{
    return xapi_pif_set_attached(c, true);
}

int
xapi_pif_unplug(struct xapi_ctx *c)
{
    return xapi_pif_set_attached(c, false);
}

int
xapi_pif_param_set(struct xapi_ctx *c)
{
    struct xrec_pif *pif = XAPI_ARG_RECORD(c, "uuid", xrec_find_pif, "PIF");
    struct smap oc;
    enum xrec_pif_gro gro;

    if (pif && xapi_pif_check_ethtool(c) && xapi_pif_arg_gro(c, pif, &gro)
        && xapi_arg_other_config(c, false, &pif->other_config, &oc)) {
        xapi_set_smap(c, &pif->other_config, &oc);
        xapi_pif_set_gro(c, pif, gro);
    }
    return c->code;
}

/* ---------------------------------------------------------------------- */
/* VLANs. */

static struct json_object *
xapi_vlan_row(const struct xapi_ctx *c, size_t i)
{
    const struct xrec_db *db = c->db;
    const struct xrec_vlan *vlan = db->vlans[i];
    struct json_object *row = json_object_new_object();

    xrec_json_put_string(row, "uuid", vlan->uuid);
    xrec_json_put_string(row, "tagged-PIF", vlan->tagged_pif);
    xrec_json_put_string(row, "untagged-PIF", vlan->untagged_pif);
    xrec_json_put_int(row, "tag", vlan->tag);
    xapi_put_status(c, vlan->uuid, row);
    return row;
}

int
xapi_vlan_list(struct xapi_ctx *c)
{
    return xapi_list(c, c->db->n_vlans, xapi_vlan_row);
}

int
xapi_vlan_create(struct xapi_ctx *c)
{
    struct xrec_pif *parent
        = XAPI_ARG_RECORD(c, "pif-uuid", xrec_find_pif, "PIF");
    struct xrec_network *net
        = XAPI_ARG_RECORD(c, "network-uuid", xrec_find_network, "network");
    const struct xrec_pif *other;
    int tag;

    if (!parent || !net
        || !xapi_arg_required_int(c, "vlan", 0, XREC_VLAN_MAX, &tag)) {
        return c->code;
    }
    if (!xapi_tunnel_check_pif(c, "pif-uuid", parent)) {
        return c->code;
    }
    if (parent->vlan != XREC_VLAN_NONE) {
        XAPI_REJECT(c, "pif-uuid",
                    "PIF %s is itself VLAN %d on %s; create the "
                    "VLAN on the physical PIF",
                    parent->uuid, parent->vlan, parent->device);
        return c->code;
    }
    const struct xrec_bond *bond
        = xrec_find_bond_by_slave(c->db, parent->uuid);
    if (bond) {
        XAPI_REJECT(
            c, "pif-uuid",
            "PIF %s (%s) is a member of bond %s; create the VLAN on the "
            "bond's PIF %s",
            parent->uuid, parent->device, bond->uuid, bond->master);
        return c->code;
    }
    other = xrec_find_pif_by_device(c->db, parent->device, tag);
    if (other) {
        const struct xrec_vlan *v
            = xrec_find_vlan_by_untagged(c->db, other->uuid);
        XAPI_REJECT(c, "vlan", "%s already carries VLAN %d (VLAN %s)",
                    parent->device, tag, v ? v->uuid : other->uuid);
        return c->code;
    }
    other = xrec_find_pif_by_network(c->db, net->uuid);
    if (other) {
        XAPI_REJECT(c, "network-uuid",
                    "network %s already has PIF %s (%s); a "
                    "VLAN needs a network without one",
                    net->uuid, other->uuid, other->device);
        return c->code;
    }
    if (!xapi_check_vlan_network(c, "network-uuid", net, parent)) {
        return c->code;
    }

    struct xrec_pif *pif = xrec_pif_new();
    pif->uuid = xapi_new_uuid();
    pif->device = xstrdup(parent->device);
    pif->network = xstrdup(net->uuid);
    pif->mac = xstrdup(parent->mac);
    pif->mtu = net->mtu;
    pif->vlan = tag;
    pif->currently_attached = true;
    xrec_db_add_pif(c->db, pif);

    struct xrec_vlan *vlan = xrec_vlan_new();
    vlan->uuid = xapi_new_uuid();
    vlan->tagged_pif = xstrdup(parent->uuid);
    vlan->untagged_pif = xstrdup(pif->uuid);
    vlan->tag = tag;
    xrec_db_add_vlan(c->db, vlan);
    c->changed = true;
    xapi_result_uuid(c, vlan->uuid);
    return 0;
}

int
xapi_vlan_destroy(struct xapi_ctx *c)
{
    struct xrec_vlan *vlan
        = XAPI_ARG_RECORD(c, "uuid", xrec_find_vlan, "VLAN");

    if (vlan) {
        xrec_db_delete_pif(c->db, xrec_find_pif(c->db, vlan->untagged_pif));
        xrec_db_delete_vlan(c->db, vlan);
        c->changed = true;
    }
    return c->code;
}
