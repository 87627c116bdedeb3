/* agent/api-vif.c: the VIF verbs, and the counters xovs-netback reports
 * for VIF ports.
 *
 * Part of the request executor: api.c dispatches vif-create, vif-plug,
 * vif-unplug, vif-param-set, vif-destroy, vif-list and vif-stats-report
 * here, and api-private.h has the helpers these handlers use.  The
 * counters are kept in memory only ('xapi_env.vif_stats') and shown by
 * vif-list; they never change the records. */

#include <config.h>
#include "agent/api-private.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/records.h"
#include "openvswitch/shash.h"
#include "util.h"

/* A VIF's MTU: 0 (the network's) or XREC_MTU_MIN..XREC_MTU_MAX. */
static bool
arg_vif_mtu(struct xapi_ctx *c, const char *name, int *out)
{
    int mtu = *out;

    if (!xapi_arg_int(c, name, INT_MIN, INT_MAX, &mtu)
        || !xapi_check(c, name, xrec_check_vif_mtu(mtu))) {
        return false;
    }
    *out = mtu;
    return true;
}

/* A comma-separated list of addresses of family 'af' ("" is none), stored
 * canonical and without duplicates in 'out' (empty, initialized). */
static bool
arg_ips(struct xapi_ctx *c, const char *name, int af, struct svec *out,
        bool *given)
{
    const char *s = xapi_arg(c, name);
    char *copy, *save = NULL;
    bool ok = true;

    *given = s != NULL;
    if (!s) {
        return true;
    }
    copy = xstrdup(s);
    for (char *tok = strtok_r(copy, ",", &save); ok && tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *canon;
        if (!xapi_check(c, name, xrec_parse_ip(af, tok, &canon))) {
            ok = false;
        } else if (svec_contains_unsorted(out, canon)) {
            free(canon);
        } else if (out->n >= XREC_ALLOWED_IPS_MAX) {
            free(canon);
            ok = XAPI_REJECT(c, name, "more than %d addresses",
                             XREC_ALLOWED_IPS_MAX);
        } else {
            svec_add_nocopy(out, canon);
        }
    }
    free(copy);
    return ok;
}

static bool
nullable_streq(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

static void
set_svec(struct xapi_ctx *c, struct svec *field, struct svec *value)
{
    if (!svec_equal(field, value)) {
        svec_swap(field, value);
        c->changed = true;
    }
}

/* Adds "counters": what xovs-netback last reported for 'vif's port, as an
 * object of integers (empty while nothing was reported or it is
 * unplugged). */
static void
xapi_vif_put_counters(const struct xapi_ctx *c, const struct xrec_vif *vif,
                      struct json_object *row)
{
    struct json_object *obj = json_object_new_object();
    char *name = xasprintf("vif%d.%d", vif->domid, vif->device);
    const char *stats = c->env && c->env->vif_stats && vif->currently_attached
                            ? shash_find_data(c->env->vif_stats, name)
                            : NULL;
    if (stats) {
        char *copy = xstrdup(stats), *save = NULL;
        for (char *kv = strtok_r(copy, ",", &save); kv;
             kv = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(kv, '=');
            *eq = '\0';
            json_object_object_add(
                obj, kv, json_object_new_int64(strtoll(eq + 1, NULL, 10)));
        }
        free(copy);
    }
    free(name);
    json_object_object_add(row, "counters", obj);
}

static struct json_object *
xapi_vif_row(const struct xapi_ctx *c, size_t i)
{
    const struct xrec_db *db = c->db;
    const struct xrec_vif *vif = db->vifs[i];
    const struct xrec_network *net = xrec_find_network(db, vif->network);
    struct json_object *row = json_object_new_object();

    xrec_json_put_string(row, "uuid", vif->uuid);
    xrec_json_put_string(row, "vm-uuid", vif->vm_uuid);
    xrec_json_put_int(row, "domid", vif->domid);
    xrec_json_put_int(row, "device", vif->device);
    xrec_json_put_string(row, "network-uuid", vif->network);
    xrec_json_put_string(row, "network-name-label",
                         net ? net->name_label : NULL);
    xrec_json_put_string(row, "MAC", vif->mac);
    xrec_json_put_int(row, "MTU", xrec_vif_mtu(vif, net));
    xrec_json_put_string(row, "locking-mode",
                         xrec_locking_mode_to_string(vif->locking_mode));
    xrec_json_put_svec(row, "ipv4-allowed", &vif->ipv4_allowed);
    xrec_json_put_svec(row, "ipv6-allowed", &vif->ipv6_allowed);
    xrec_json_put_bool(row, "currently-attached", vif->currently_attached);
    xrec_json_put_smap(row, "other-config", &vif->other_config);
    xrec_json_put_string(row, "qos_algorithm_type", vif->qos_algorithm_type);
    xrec_json_put_smap(row, "qos_algorithm_params",
                       &vif->qos_algorithm_params);
    xrec_json_put_string(row, "trunks", vif->trunks);
    xrec_json_put_string(
        row, "vlan-mode",
        xrec_vif_is_trunk(vif) ? vlan_mode_to_string(vif->vlan_mode) : NULL);
    xrec_json_put_int(row, "native-vlan", vif->native_vlan);
    xrec_json_put_bool(row, "dpdk", xrec_vif_dpdk(vif, net));
    xrec_json_put_string(row, "dpdk-devargs", vif->dpdk_devargs);
    xapi_vif_put_counters(c, vif, row);
    xapi_put_status(c, vif->uuid, row);
    return row;
}

int
xapi_vif_list(struct xapi_ctx *c)
{
    return xapi_list(c, c->db->n_vifs, xapi_vif_row);
}

/* xapi_map_check_fn for qos_algorithm_params: keys and values are checked
 * together by xrec_check_qos() once the map is complete. */
static char *
check_qos_param(const char *key, const char *value OVS_UNUSED,
                const void *aux OVS_UNUSED)
{
    return xrec_check_other_config_key(key);
}

/* XenServer's QoS fields: qos_algorithm_type= and
 * qos_algorithm_params:KEY=VALUE, checked as a whole. */
static bool
arg_qos(struct xapi_ctx *c, struct xrec_vif *vif)
{
    const char *type = xapi_arg(c, "qos_algorithm_type");
    const char *field;
    struct smap params;

    if (type && !xapi_check(c, "qos_algorithm_type", xrec_check_text(type))) {
        return false;
    }
    if (!xapi_arg_map(c, XAPI_QOS_PARAMS_PREFIX, check_qos_param, NULL,
                      &vif->qos_algorithm_params, &params)) {
        return false;
    }
    char *reason = xrec_check_qos(type ? type : vif->qos_algorithm_type,
                                  &params, &field);
    if (reason) {
        smap_destroy(&params);
        return xapi_check(c, field, reason);
    }
    if (type) {
        free(vif->qos_algorithm_type);
        vif->qos_algorithm_type = xstrdup(type);
    }
    hmap_swap(&vif->qos_algorithm_params.map, &params.map);
    smap_destroy(&params);
    return true;
}

/* The trunk parameters (trunks=, vlan-mode=, native-vlan=) into 'vif', whose
 * network is 'net': checked together, and against the network (a VLAN
 * network has no trunks).  Clearing trunks= also resets the other two
 * unless they are given. */
static bool
arg_trunk(struct xapi_ctx *c, struct xrec_vif *vif,
          const struct xrec_network *net)
{
    const char *trunks = xapi_arg(c, "trunks");
    const char *mode = xapi_arg(c, "vlan-mode");
    const char *native = xapi_arg(c, "native-vlan");
    char *canon = NULL;

    if (trunks) {
        if (!xapi_check(c, "trunks", xrec_parse_trunks(trunks, &canon))) {
            return false;
        }
        free(vif->trunks);
        vif->trunks = *canon ? canon : NULL;
        if (!*canon) {
            free(canon);
            vif->vlan_mode = mode ? vif->vlan_mode : VLAN_MODE_TRUNK;
            vif->native_vlan = native ? vif->native_vlan : VLAN_NONE;
        }
    }
    if (mode && !vlan_mode_from_string(mode, &vif->vlan_mode)) {
        return XAPI_REJECT(c, "vlan-mode",
                           "\"%.64s\" is not trunk, native-untagged or "
                           "native-tagged",
                           mode);
    }
    if (native && !*native) {
        vif->native_vlan = VLAN_NONE;
    } else if (!xapi_arg_int(c, "native-vlan", VLAN_NONE, VLAN_TAG_MAX,
                             &vif->native_vlan)) {
        return false;
    }

    struct vlan_trunk_settings ts = xrec_vif_trunk(vif);
    const char *field;
    char *bad = vlan_check_trunk(&ts, &field);
    if (bad) {
        return xapi_check(c, field, bad);
    }
    const struct xrec_pif *vpif = xrec_find_pif_by_network(c->db, net->uuid);
    if (xrec_vif_is_trunk(vif) && vpif && vpif->vlan != XREC_VLAN_NONE) {
        return XAPI_REJECT(c, "trunks",
                           "network %s (%s) is VLAN %d on %s; a trunk VIF "
                           "needs a network that is not a VLAN network "
                           "(e.g. the PIF's own network)",
                           net->uuid, net->name_label, vpif->vlan,
                           vpif->device);
    }
    return true;
}

/* Reads the parameters vif-create and vif-param-set share into 'vif', whose
 * network is 'net'. */
static bool
xapi_vif_args(struct xapi_ctx *c, struct xrec_vif *vif,
              const struct xrec_network *net, struct smap *oc)
{
    struct svec v4 = SVEC_EMPTY_INITIALIZER, v6 = SVEC_EMPTY_INITIALIZER;
    bool v4_given, v6_given;
    bool ok
        = (arg_vif_mtu(c, "MTU", &vif->mtu)
           && xapi_check_vif_mtu(c, "MTU", vif->mtu, net)
           && arg_trunk(c, vif, net)
           && xapi_arg_locking(c, "locking-mode", false, &vif->locking_mode)
           && arg_ips(c, "ipv4-allowed", AF_INET, &v4, &v4_given)
           && arg_ips(c, "ipv6-allowed", AF_INET6, &v6, &v6_given)
           && arg_qos(c, vif)
           && xapi_arg_other_config(c, false, &vif->other_config, oc));
    if (ok && v4_given) {
        svec_swap(&vif->ipv4_allowed, &v4);
    }
    if (ok && v6_given) {
        svec_swap(&vif->ipv6_allowed, &v6);
    }
    svec_destroy(&v4);
    svec_destroy(&v6);
    return ok;
}

int
xapi_vif_create(struct xapi_ctx *c)
{
    struct xrec_vif *vif = xrec_vif_new();
    struct xrec_network *net;
    const char *mac;
    struct smap oc;

    vif->vm_uuid = xapi_arg_uuid(c, "vm-uuid");
    net = vif->vm_uuid ? XAPI_ARG_RECORD(c, "network-uuid", xrec_find_network,
                                         "network")
                       : NULL;
    if (!net
        || !xapi_arg_required_int(c, "domid", 0, XREC_DOMID_MAX, &vif->domid)
        || !xapi_arg_required_int(c, "device", 0, XREC_VIF_DEVICE_MAX,
                                  &vif->device)
        || !(mac = xapi_arg_required(c, "mac"))
        || !xapi_check(c, "mac", xrec_parse_mac(mac, &vif->mac))
        || !xapi_vif_args(c, vif, net, &oc)) {
        xrec_vif_free(vif);
        return c->code;
    }
    if (!xapi_tunnel_check_vif_mtu(c, net, vif->mtu)) {
        smap_destroy(&oc);
        xrec_vif_free(vif);
        return c->code;
    }
    for (size_t i = 0; i < c->db->n_vifs; i++) {
        const struct xrec_vif *other = c->db->vifs[i];
        if (!strcmp(other->vm_uuid, vif->vm_uuid)
            && other->device == vif->device) {
            XAPI_REJECT(c, "device", "VM %s already has VIF %s with device %d",
                        vif->vm_uuid, other->uuid, vif->device);
            smap_destroy(&oc);
            xrec_vif_free(vif);
            return c->code;
        }
    }

    /* A VIF record is pool-wide in XenServer: a VM that migrates from
     * another host brings its VIFs' uuids (OVN binds the logical port of
     * that name, docs/ovn.md). */
    const char *given = xapi_arg(c, "uuid");
    char *uuid = NULL;
    if (given && !xapi_check(c, "uuid", xrec_parse_uuid(given, &uuid))) {
        smap_destroy(&oc);
        xrec_vif_free(vif);
        return c->code;
    }
    if (uuid && xrec_find_vif(c->db, uuid)) {
        XAPI_REJECT(c, "uuid", "VIF %s exists already on this host", uuid);
        free(uuid);
        smap_destroy(&oc);
        xrec_vif_free(vif);
        return c->code;
    }

    vif->uuid = uuid ? uuid : xapi_new_uuid();
    vif->network = xstrdup(net->uuid);
    hmap_swap(&vif->other_config.map, &oc.map);
    smap_destroy(&oc);
    xrec_db_add_vif(c->db, vif);
    c->changed = true;
    xapi_result_uuid(c, vif->uuid);
    return 0;
}

int
xapi_vif_param_set(struct xapi_ctx *c)
{
    struct xrec_vif *vif = XAPI_ARG_RECORD(c, "uuid", xrec_find_vif, "VIF");
    struct xrec_vif *new;
    struct smap oc;

    if (!vif) {
        return c->code;
    }
    const struct xrec_network *net = xrec_find_network(c->db, vif->network);
    /* Parse into a scratch copy, so a rejection leaves 'vif' untouched. */
    new = xrec_vif_new();
    new->domid = vif->domid;
    new->mtu = vif->mtu;
    new->locking_mode = vif->locking_mode;
    svec_clone(&new->ipv4_allowed, &vif->ipv4_allowed);
    svec_clone(&new->ipv6_allowed, &vif->ipv6_allowed);
    smap_clone(&new->other_config, &vif->other_config);
    free(new->qos_algorithm_type);
    new->qos_algorithm_type = xstrdup(vif->qos_algorithm_type);
    smap_clone(&new->qos_algorithm_params, &vif->qos_algorithm_params);
    new->trunks = vif->trunks ? xstrdup(vif->trunks) : NULL;
    new->vlan_mode = vif->vlan_mode;
    new->native_vlan = vif->native_vlan;
    if (xapi_arg_int(c, "domid", 0, XREC_DOMID_MAX, &new->domid)
        && (new->domid == vif->domid || !vif->currently_attached
            || XAPI_REJECT(c, "domid",
                           "VIF %s is plugged as vif%d.%d; unplug it "
                           "first",
                           vif->uuid, vif->domid, vif->device))
        && xapi_vif_args(c, new, net, &oc)) {
        if (new->mtu != vif->mtu
            && !xapi_tunnel_check_vif_mtu(
                c, xrec_find_network(c->db, vif->network), new->mtu)) {
            smap_destroy(&oc);
            xrec_vif_free(new);
            return c->code;
        }
        xrec_touch_vif(c->db, vif);
        xapi_set_int(c, &vif->domid, new->domid);
        xapi_set_int(c, &vif->mtu, new->mtu);
        xapi_set_locking(c, &vif->locking_mode, new->locking_mode);
        set_svec(c, &vif->ipv4_allowed, &new->ipv4_allowed);
        set_svec(c, &vif->ipv6_allowed, &new->ipv6_allowed);
        xapi_set_smap(c, &vif->other_config, &oc);
        xapi_set_string(c, &vif->qos_algorithm_type, new->qos_algorithm_type);
        struct smap qos;
        smap_clone(&qos, &new->qos_algorithm_params);
        xapi_set_smap(c, &vif->qos_algorithm_params, &qos);
        if (!nullable_streq(vif->trunks, new->trunks)) {
            free(vif->trunks);
            vif->trunks = new->trunks;
            new->trunks = NULL;
            c->changed = true;
        }
        if (vif->vlan_mode != new->vlan_mode) {
            vif->vlan_mode = new->vlan_mode;
            c->changed = true;
        }
        xapi_set_int(c, &vif->native_vlan, new->native_vlan);
    }
    xrec_vif_free(new);
    return c->code;
}

int
xapi_vif_plug(struct xapi_ctx *c)
{
    struct xrec_vif *vif = XAPI_ARG_RECORD(c, "uuid", xrec_find_vif, "VIF");

    if (!vif) {
        return c->code;
    }
    for (size_t i = 0; i < c->db->n_vifs; i++) {
        const struct xrec_vif *other = c->db->vifs[i];
        if (other != vif && other->currently_attached
            && other->domid == vif->domid && other->device == vif->device) {
            XAPI_REJECT(c, "uuid",
                        "vif%d.%d is already the port of plugged VIF "
                        "%s; unplug it first",
                        vif->domid, vif->device, other->uuid);
            return c->code;
        }
    }
    /* The port xovs-netback made: a net_xovs one (records-dpdk.c) or,
     * without dpdk-devargs, a tap. */
    const char *devargs = xapi_arg(c, "dpdk-devargs");
    if (devargs && !*devargs) {
        devargs = NULL;
    }
    if (devargs
        && !xapi_check(c, "dpdk-devargs",
                       xrec_check_dpdk_devargs(vif, devargs))) {
        return c->code;
    }
    xrec_touch_vif(c->db, vif);
    if (!nullable_streq(devargs, vif->dpdk_devargs)) {
        free(vif->dpdk_devargs);
        vif->dpdk_devargs = nullable_xstrdup(devargs);
        c->changed = true;
    }
    xapi_set_bool(c, &vif->currently_attached, true);
    return 0;
}

int
xapi_vif_unplug(struct xapi_ctx *c)
{
    struct xrec_vif *vif = XAPI_ARG_RECORD(c, "uuid", xrec_find_vif, "VIF");

    if (vif) {
        xrec_touch_vif(c->db, vif);
        xapi_set_bool(c, &vif->currently_attached, false);
        if (vif->dpdk_devargs) {
            free(vif->dpdk_devargs);
            vif->dpdk_devargs = NULL;
            c->changed = true;
        }
    }
    return c->code;
}

#define XAPI_VIF_STATS_MAX_KEYS 64
#define XAPI_VIF_STATS_MAX_VIFS 4096

/* Whether 's' is "key=value,..." with at most XAPI_VIF_STATS_MAX_KEYS keys of
 * [a-z0-9_] (1..32 bytes) and values of 1..19 digits. */
static bool
xapi_vif_stats_valid(const char *s)
{
    size_t n_keys = 0;
    while (*s) {
        size_t klen = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (!klen || klen > 32 || s[klen] != '=') {
            return false;
        }
        s += klen + 1;
        size_t vlen = strspn(s, "0123456789");
        if (!vlen || vlen > 19 || (s[vlen] && s[vlen] != ',')) {
            return false;
        }
        bool more = s[vlen] == ',';
        s += vlen + more;
        if (++n_keys > XAPI_VIF_STATS_MAX_KEYS || (more && !*s)) {
            return false;
        }
    }
    return n_keys > 0;
}

/* Keeps what xovs-netback reports about a VIF's port; the records do not
 * change. */
int
xapi_vif_stats_report(struct xapi_ctx *c)
{
    const char *name = xapi_arg_required(c, "name");
    const char *stats = xapi_arg_required(c, "stats");
    int domid, device, len = 0;
    struct shash *map = c->env ? c->env->vif_stats : NULL;

    if (!name || !stats) {
        return c->code;
    }
    if (strncmp(name, "vif", 3) || !isdigit((unsigned char)name[3])
        || sscanf(name, "vif%d.%d%n", &domid, &device, &len) != 2
        || (size_t)len != strlen(name) || domid < 0 || device < 0) {
        XAPI_REJECT(c, "name", "\"%.32s\" is not vif<domid>.<device>", name);
        return c->code;
    }
    if (!xapi_vif_stats_valid(stats)) {
        XAPI_REJECT(c, "stats",
                    "must be key=value,... with at most %d integer counters",
                    XAPI_VIF_STATS_MAX_KEYS);
        return c->code;
    }
    if (!map) {
        XAPI_REJECT(c, "name", "this agent keeps no VIF counters");
        return c->code;
    }
    if (!shash_find(map, name)
        && shash_count(map) >= XAPI_VIF_STATS_MAX_VIFS) {
        XAPI_REJECT(c, "name", "counters of %d VIFs kept already",
                    XAPI_VIF_STATS_MAX_VIFS);
        return c->code;
    }
    free(shash_replace(map, name, xstrdup(stats)));
    return c->code;
}

int
xapi_vif_destroy(struct xapi_ctx *c)
{
    struct xrec_vif *vif = XAPI_ARG_RECORD(c, "uuid", xrec_find_vif, "VIF");

    if (!vif || !xapi_mirror_check_unused(c, vif->uuid)) {
        return c->code;
    }
    if (vif->currently_attached) {
        XAPI_REJECT(c, "uuid",
                    "VIF %s is plugged; unplug it first (xovs "
                    "vif-unplug uuid=%s)",
                    vif->uuid, vif->uuid);
        return c->code;
    }
    xrec_db_delete_vif(c->db, vif);
    c->changed = true;
    return 0;
}
