/* agent/api-network.c: the network verbs and the bridge names networks
 * get (xenbrN for a NIC's network, xapiN for an internal one).
 *
 * Part of the request executor: api.c dispatches network-create,
 * network-list, network-param-set and network-destroy here, and
 * api-private.h has the helpers these handlers use.  pif-scan
 * (api-pif.c) names the bridges of the networks it creates with
 * xapi_free_bridge(). */

#include <config.h>
#include "agent/api-private.h"

#include <json-c/json.h>
#include <string.h>

#include "agent/records.h"
#include "util.h"

/* ---------------------------------------------------------------------- */
/* Bridges. */

static bool
bridge_is_free(const struct xrec_db *db, const char *name)
{
    return (!xrec_find_network_by_bridge(db, name)
            && !xrec_find_pif_by_device(db, name, XREC_VLAN_NONE));
}

/* Returns "PREFIX<N>" (malloc'd) for 'preferred' if that is free, else for
 * the lowest free N. */
char *
xapi_free_bridge(const struct xrec_db *db, const char *prefix, int preferred)
{
    char *name;

    if (preferred >= 0) {
        name = xasprintf("%s%d", prefix, preferred);
        if (bridge_is_free(db, name)) {
            return name;
        }
        free(name);
    }
    for (int n = 0;; n++) {
        name = xasprintf("%s%d", prefix, n);
        if (bridge_is_free(db, name)) {
            return name;
        }
        free(name);
    }
}

static bool
check_bridge(struct xapi_ctx *c, const char *name)
{
    static const char *const reserved[] = {
        "vif",
        "tap",
        "ovs-system",
        "ovs-netdev",
    };
    const struct xrec_network *other;
    const struct xrec_pif *pif;

    if (!xapi_check(c, "bridge", xrec_check_ifname(name))) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
        if (!strncmp(name, reserved[i], strlen(reserved[i]))) {
            return XAPI_REJECT(c, "bridge",
                               "names starting with \"%s\" are "
                               "reserved for xovs and Open vSwitch",
                               reserved[i]);
        }
    }
    other = xrec_find_network_by_bridge(c->db, name);
    if (other) {
        return XAPI_REJECT(c, "bridge",
                           "%s is already the bridge of network %s "
                           "(%s)",
                           name, other->uuid, other->name_label);
    }
    pif = xrec_find_pif_by_device(c->db, name, XREC_VLAN_NONE);
    if (pif) {
        return XAPI_REJECT(c, "bridge", "%s is the device of PIF %s", name,
                           pif->uuid);
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Networks. */

/* A name-label: bounded text, not empty. */
static bool
arg_label(struct xapi_ctx *c, const char *name, const char **out)
{
    const char *s = xapi_arg(c, name);
    if (!s) {
        return true;
    }
    if (!*s) {
        return XAPI_REJECT(c, name, "must not be empty");
    }
    if (!xapi_check(c, name, xrec_check_text(s))) {
        return false;
    }
    *out = s;
    return true;
}

static bool
arg_text(struct xapi_ctx *c, const char *name, const char **out)
{
    const char *s = xapi_arg(c, name);
    if (s && !xapi_check(c, name, xrec_check_text(s))) {
        return false;
    }
    *out = s ? s : *out;
    return true;
}

static struct json_object *
xapi_network_row(const struct xapi_ctx *c, size_t i)
{
    const struct xrec_db *db = c->db;
    const struct xrec_network *net = db->networks[i];
    struct json_object *row = json_object_new_object();
    struct svec pifs = SVEC_EMPTY_INITIALIZER;
    struct svec vifs = SVEC_EMPTY_INITIALIZER;

    for (size_t j = 0; j < db->n_pifs; j++) {
        if (!strcmp(db->pifs[j]->network, net->uuid)) {
            svec_add(&pifs, db->pifs[j]->uuid);
        }
    }
    for (size_t j = 0; j < db->n_vifs; j++) {
        if (!strcmp(db->vifs[j]->network, net->uuid)) {
            svec_add(&vifs, db->vifs[j]->uuid);
        }
    }
    xrec_json_put_string(row, "uuid", net->uuid);
    xrec_json_put_string(row, "name-label", net->name_label);
    xrec_json_put_string(row, "name-description", net->name_description);
    xrec_json_put_string(row, "bridge", net->bridge);
    xrec_json_put_int(row, "MTU", net->mtu);
    xrec_json_put_string(
        row, "default-locking-mode",
        xrec_locking_mode_to_string(net->default_locking_mode));
    xrec_json_put_smap(row, "other-config", &net->other_config);
    xrec_json_put_svec(row, "PIF-uuids", &pifs);
    xrec_json_put_svec(row, "VIF-uuids", &vifs);
    xapi_put_status(c, net->uuid, row);
    svec_destroy(&pifs);
    svec_destroy(&vifs);
    return row;
}

int
xapi_network_list(struct xapi_ctx *c)
{
    return xapi_list(c, c->db->n_networks, xapi_network_row);
}

int
xapi_network_create(struct xapi_ctx *c)
{
    const char *label = xapi_arg_required(c, "name-label");
    const char *desc = "";
    const char *bridge = xapi_arg(c, "bridge");
    int mtu = XREC_MTU_DEFAULT;
    enum xrec_locking_mode mode = XREC_LOCK_UNLOCKED;
    struct smap oc, empty = SMAP_INITIALIZER(&empty);

    if (!label || !arg_label(c, "name-label", &label)
        || !arg_text(c, "name-description", &desc)
        || (bridge && !check_bridge(c, bridge))
        || !xapi_arg_int(c, "MTU", XREC_MTU_MIN, XREC_MTU_MAX, &mtu)
        || !xapi_arg_locking(c, "default-locking-mode", true, &mode)
        || !xapi_arg_other_config(c, true, &empty, &oc)) {
        return c->code;
    }

    struct xrec_network *net = xrec_network_new();
    net->uuid = xapi_new_uuid();
    net->name_label = xstrdup(label);
    net->name_description = xstrdup(desc);
    net->bridge
        = bridge ? xstrdup(bridge) : xapi_free_bridge(c->db, "xapi", -1);
    net->mtu = mtu;
    net->default_locking_mode = mode;
    hmap_swap(&net->other_config.map, &oc.map);
    smap_destroy(&oc);
    xrec_db_add_network(c->db, net);
    c->changed = true;
    xapi_result_uuid(c, net->uuid);
    return 0;
}

int
xapi_network_param_set(struct xapi_ctx *c)
{
    struct xrec_network *net
        = XAPI_ARG_RECORD(c, "uuid", xrec_find_network, "network");
    const char *label = NULL, *desc = NULL;
    int mtu;
    enum xrec_locking_mode mode;
    struct smap oc;

    if (!net) {
        return c->code;
    }
    mtu = net->mtu;
    mode = net->default_locking_mode;
    if (!arg_label(c, "name-label", &label)
        || !arg_text(c, "name-description", &desc)
        || !xapi_arg_int(c, "MTU", XREC_MTU_MIN, XREC_MTU_MAX, &mtu)
        || (mtu != net->mtu && !xapi_check_network_mtu(c, "MTU", net, mtu))
        || !xapi_arg_locking(c, "default-locking-mode", true, &mode)
        || !xapi_arg_other_config(c, true, &net->other_config, &oc)) {
        return c->code;
    }
    if (mtu != net->mtu && !xapi_tunnel_check_mtu(c, net, mtu)) {
        smap_destroy(&oc);
        return c->code;
    }

    xapi_set_string(c, &net->name_label, label);
    xapi_set_string(c, &net->name_description, desc);
    xapi_set_int(c, &net->mtu, mtu);
    xapi_set_locking(c, &net->default_locking_mode, mode);
    xapi_set_smap(c, &net->other_config, &oc);
    /* The PIF carrying the network runs at the network's MTU, as xapi sets
     * it when plugging. */
    struct xrec_pif *pif = xrec_find_pif_by_network(c->db, net->uuid);
    if (pif) {
        xapi_set_int(c, &pif->mtu, mtu);
        /* A bond's members run at the bond's MTU. */
        const struct xrec_bond *bond
            = xrec_find_bond_by_master(c->db, pif->uuid);
        for (size_t i = 0; bond && i < bond->slaves.n; i++) {
            struct xrec_pif *m = xrec_find_pif(c->db, bond->slaves.names[i]);
            xapi_set_int(c, &m->mtu, mtu);
        }
    }
    return 0;
}

int
xapi_network_destroy(struct xapi_ctx *c)
{
    struct xrec_network *net
        = XAPI_ARG_RECORD(c, "uuid", xrec_find_network, "network");
    struct svec users = SVEC_EMPTY_INITIALIZER;

    if (!net || !xapi_mirror_check_unused(c, net->uuid)) {
        return c->code;
    }
    for (size_t i = 0; i < c->db->n_pifs; i++) {
        const struct xrec_pif *pif = c->db->pifs[i];
        if (!strcmp(pif->network, net->uuid)) {
            svec_add_nocopy(&users,
                            xasprintf("PIF %s (%s%s)", pif->uuid, pif->device,
                                      pif->vlan >= 0 ? ", a VLAN" : ""));
        }
    }
    for (size_t i = 0; i < c->db->n_vifs; i++) {
        const struct xrec_vif *vif = c->db->vifs[i];
        if (!strcmp(vif->network, net->uuid)) {
            svec_add_nocopy(&users, xasprintf("VIF %s (vif%d.%d)", vif->uuid,
                                              vif->domid, vif->device));
        }
    }
    if (users.n) {
        char *list = svec_join(&users, ", ", "");
        XAPI_REJECT(c, "uuid",
                    "network %s is still used by %s; destroy those "
                    "first (vlan-destroy for a VLAN, vif-destroy for a VIF)",
                    net->uuid, list);
        free(list);
        svec_destroy(&users);
        return c->code;
    }
    svec_destroy(&users);
    xrec_db_delete_network(c->db, net);
    c->changed = true;
    return 0;
}
