/* agent/api-tunnel.c: the tunnel verbs, and the MTU and use checks other
 * verbs make for tunnels.
 *
 * Part of the request executor: api.c dispatches tunnel-create,
 * tunnel-destroy and tunnel-list here.  As xapi's tunnel.create: the tunnel
 * gives a network without a PIF an access PIF of its own (device tunnelN,
 * not a NIC) over a transport PIF; xovs adds the remote endpoints, the key
 * and this host's transport address, which XenServer leaves to its
 * controller.  The encapsulation needs room: a tunnel network's MTU, and
 * that of every VIF on it, is at most the transport network's MTU less
 * the protocol's overhead (GRE with key 42, VXLAN 50); xapi_tunnel_check_mtu()
 * and xapi_tunnel_check_vif_mtu() hold network-param-set and the VIF verbs to
 * it.  tunnel-list's per-remote status is OVS's BFD state of the remote's
 * tunnel interface, through 'xapi_env.iface_bfd'. */

#include <config.h>
#include "agent/api-private.h"

#include <json-c/json.h>
#include <string.h>

#include "agent/records.h"
#include "smap.h"
#include "util.h"

static bool
arg_protocol(struct xapi_ctx *c, enum xrec_tunnel_protocol *out)
{
    const char *s = xapi_arg(c, "protocol");

    if (s && !xrec_tunnel_protocol_from_string(s, out)) {
        return XAPI_REJECT(c, "protocol", "\"%.64s\" is not gre or vxlan", s);
    }
    return true;
}

/* Parses "remotes" (comma-separated IPv4 addresses, 1..max, distinct, not
 * this host's 'self' address) into 'out'. */
static bool
arg_remotes(struct xapi_ctx *c, const char *self, struct svec *out)
{
    const char *s = xapi_arg_required(c, "remotes");
    char *copy, *save = NULL;
    bool ok = true;

    if (!s) {
        return false;
    }
    copy = xstrdup(s);
    for (char *tok = strtok_r(copy, ",", &save); ok && tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *ip;
        if (!xapi_check(c, "remotes", xrec_parse_ip(AF_INET, tok, &ip))) {
            ok = false;
        } else if (svec_contains_unsorted(out, ip)) {
            ok = XAPI_REJECT(c, "remotes", "%s is listed twice", ip);
            free(ip);
        } else if (self && !strncmp(self, ip, strlen(ip))
                   && self[strlen(ip)] == '/') {
            ok = XAPI_REJECT(c, "remotes",
                             "%s is this host's own transport address", ip);
            free(ip);
        } else if (out->n >= XREC_TUNNEL_REMOTES_MAX) {
            ok = XAPI_REJECT(c, "remotes", "more than %d remotes",
                             XREC_TUNNEL_REMOTES_MAX);
            free(ip);
        } else {
            svec_add_nocopy(out, ip);
        }
    }
    free(copy);
    if (ok && !out->n) {
        ok = XAPI_REJECT(c, "remotes",
                         "no address; give the remote endpoints' IPv4 "
                         "addresses, comma-separated");
    }
    return ok;
}

/* The tunnels' transport address over PIF 'pif_uuid', or NULL if none. */
static const char *
transport_address_of(const struct xrec_db *db, const char *pif_uuid)
{
    for (size_t i = 0; i < db->n_tunnels; i++) {
        if (!strcmp(db->tunnels[i]->transport_pif, pif_uuid)) {
            return db->tunnels[i]->transport_address;
        }
    }
    return NULL;
}

static bool
key_used(const struct xrec_db *db, enum xrec_tunnel_protocol p, long long key,
         const struct xrec_tunnel **user)
{
    for (size_t i = 0; i < db->n_tunnels; i++) {
        const struct xrec_tunnel *t = db->tunnels[i];
        if (t->protocol == p && t->key == key) {
            *user = t;
            return true;
        }
    }
    return false;
}

/* The lowest N for which device tunnelN is free. */
static char *
free_tunnel_device(const struct xrec_db *db)
{
    for (int n = 0;; n++) {
        char *name = xasprintf("tunnel%d", n);
        bool used = xrec_find_network_by_bridge(db, name) != NULL;
        for (size_t i = 0; !used && i < db->n_pifs; i++) {
            used = !strcmp(db->pifs[i]->device, name);
        }
        if (!used) {
            return name;
        }
        free(name);
    }
}

/* Rejects 'mtu' for network 'net' carried by 'tunnel', naming both sides. */
static bool
check_fits(struct xapi_ctx *c, const char *field, const char *what, int mtu,
           const struct xrec_tunnel *t)
{
    int max = xrec_tunnel_max_mtu(c->db, t);
    if (mtu <= max) {
        return true;
    }
    const struct xrec_pif *tp = xrec_find_pif(c->db, t->transport_pif);
    const struct xrec_network *tn = xrec_find_network(c->db, tp->network);
    return XAPI_REJECT(c, field,
                       "%s MTU %d does not fit in %s tunnel %s: its "
                       "transport network %s (%s) has MTU %d, less %d "
                       "bytes of encapsulation leaves %d",
                       what, mtu, xrec_tunnel_protocol_to_string(t->protocol),
                       *t->uuid ? t->uuid : "(new)", tn->uuid, tn->bridge,
                       tn->mtu, xrec_tunnel_overhead(t->protocol), max);
}

bool
xapi_tunnel_check_mtu(struct xapi_ctx *c, const struct xrec_network *net,
                      int mtu)
{
    const struct xrec_tunnel *t
        = xrec_find_tunnel_by_network(c->db, net->uuid);
    if (t && !check_fits(c, "MTU", "the network's", mtu, t)) {
        return false;
    }
    /* Lowering a transport network: the tunnels over it must still fit. */
    const struct xrec_pif *pif = xrec_find_pif_by_network(c->db, net->uuid);
    for (size_t i = 0; pif && i < c->db->n_tunnels; i++) {
        const struct xrec_tunnel *o = c->db->tunnels[i];
        const struct xrec_pif *ap = xrec_find_pif(c->db, o->access_pif);
        const struct xrec_network *on = xrec_find_network(c->db, ap->network);
        int need = on->mtu + xrec_tunnel_overhead(o->protocol);
        if (!strcmp(o->transport_pif, pif->uuid) && mtu < need) {
            return XAPI_REJECT(c, "MTU",
                               "network %s is the transport of %s tunnel %s "
                               "whose network %s has MTU %d: it needs at "
                               "least %d (%d + %d bytes of encapsulation)",
                               net->uuid,
                               xrec_tunnel_protocol_to_string(o->protocol),
                               o->uuid, on->uuid, on->mtu, need, on->mtu,
                               xrec_tunnel_overhead(o->protocol));
        }
    }
    return true;
}

bool
xapi_tunnel_check_vif_mtu(struct xapi_ctx *c, const struct xrec_network *net,
                          int vif_mtu)
{
    const struct xrec_tunnel *t
        = xrec_find_tunnel_by_network(c->db, net->uuid);
    return !t || !vif_mtu || check_fits(c, "MTU", "the VIF's", vif_mtu, t);
}

bool
xapi_tunnel_check_pif(struct xapi_ctx *c, const char *field,
                      const struct xrec_pif *pif)
{
    const struct xrec_tunnel *t = xrec_find_tunnel_by_access(c->db, pif->uuid);
    if (t) {
        return XAPI_REJECT(c, field,
                           "PIF %s (%s) is the access PIF of tunnel %s, not "
                           "a device",
                           pif->uuid, pif->device, t->uuid);
    }
    return true;
}

int
xapi_tunnel_create(struct xapi_ctx *c)
{
    struct xrec_pif *tp = XAPI_ARG_RECORD(c, "pif-uuid", xrec_find_pif, "PIF");
    struct xrec_network *net
        = tp ? XAPI_ARG_RECORD(c, "network-uuid", xrec_find_network, "network")
             : NULL;
    struct xrec_tunnel *t;
    const struct xrec_pif *other;
    const struct xrec_tunnel *user;

    if (!net) {
        return c->code;
    }
    t = xrec_tunnel_new();
    if (!arg_protocol(c, &t->protocol)) {
        goto reject;
    }
    if (tp->vlan != XREC_VLAN_NONE) {
        XAPI_REJECT(c, "pif-uuid",
                    "PIF %s is VLAN %d on %s; a tunnel's transport PIF "
                    "must not be a VLAN PIF",
                    tp->uuid, tp->vlan, tp->device);
        goto reject;
    }
    if (!xapi_tunnel_check_pif(c, "pif-uuid", tp)) {
        goto reject;
    }
    const struct xrec_bond *bond = xrec_find_bond_by_slave(c->db, tp->uuid);
    if (bond) {
        XAPI_REJECT(c, "pif-uuid",
                    "PIF %s (%s) is a member of bond %s; use the bond's PIF "
                    "%s",
                    tp->uuid, tp->device, bond->uuid, bond->master);
        goto reject;
    }
    other = xrec_find_pif_by_network(c->db, net->uuid);
    if (other) {
        XAPI_REJECT(c, "network-uuid",
                    "network %s already has PIF %s (%s); a tunnel needs a "
                    "network without one",
                    net->uuid, other->uuid, other->device);
        goto reject;
    }

    const char *given = xapi_arg(c, "transport-address");
    const char *have = transport_address_of(c->db, tp->uuid);
    if (given) {
        if (!xapi_check(c, "transport-address",
                        xrec_parse_prefix(given, &t->transport_address))) {
            goto reject;
        }
        if (have && strcmp(have, t->transport_address)) {
            XAPI_REJECT(c, "transport-address",
                        "%s, but the tunnels over PIF %s (%s) use %s",
                        t->transport_address, tp->uuid, tp->device, have);
            goto reject;
        }
    } else if (have) {
        t->transport_address = xstrdup(have);
    } else {
        XAPI_REJECT(c, "transport-address",
                    "missing: the first tunnel over PIF %s (%s) needs this "
                    "host's address on it, A.B.C.D/N",
                    tp->uuid, tp->device);
        goto reject;
    }
    if (!arg_remotes(c, t->transport_address, &t->remotes)) {
        goto reject;
    }

    long long max = t->protocol == XREC_TUNNEL_VXLAN
                        ? XREC_TUNNEL_VXLAN_KEY_MAX
                        : XREC_TUNNEL_GRE_KEY_MAX;
    const char *key = xapi_arg(c, "key");
    if (key) {
        if (!str_to_llong(key, 10, &t->key) || t->key < 0 || t->key > max) {
            XAPI_REJECT(c, "key", "\"%.64s\" is not a %s key, 0..%lld", key,
                        xrec_tunnel_protocol_to_string(t->protocol), max);
            goto reject;
        }
        if (key_used(c->db, t->protocol, t->key, &user)) {
            XAPI_REJECT(c, "key", "%s tunnel %s already has key %lld",
                        xrec_tunnel_protocol_to_string(t->protocol),
                        user->uuid, t->key);
            goto reject;
        }
    } else {
        for (t->key = 1; key_used(c->db, t->protocol, t->key, &user);
             t->key++) {
            continue;
        }
    }
    t->transport_pif = xstrdup(tp->uuid);
    t->uuid = xstrdup("");
    if (!check_fits(c, "network-uuid", "the network's", net->mtu, t)) {
        goto reject;
    }
    for (size_t i = 0; i < c->db->n_vifs; i++) {
        const struct xrec_vif *vif = c->db->vifs[i];
        if (!strcmp(vif->network, net->uuid) && vif->mtu
            && !check_fits(c, "network-uuid", "a VIF's", vif->mtu, t)) {
            goto reject;
        }
    }

    struct xrec_pif *ap = xrec_pif_new();
    ap->uuid = xapi_new_uuid();
    ap->device = free_tunnel_device(c->db);
    ap->network = xstrdup(net->uuid);
    ap->mac = xstrdup(tp->mac);
    ap->mtu = net->mtu;
    ap->currently_attached = true;
    xrec_db_add_pif(c->db, ap);

    free(t->uuid);
    t->uuid = xapi_new_uuid();
    t->access_pif = xstrdup(ap->uuid);
    xrec_db_add_tunnel(c->db, t);
    c->changed = true;
    xapi_result_uuid(c, t->uuid);
    return 0;

reject:
    xrec_tunnel_free(t);
    return c->code;
}

int
xapi_tunnel_destroy(struct xapi_ctx *c)
{
    struct xrec_tunnel *t
        = XAPI_ARG_RECORD(c, "uuid", xrec_find_tunnel, "tunnel");

    if (t) {
        xrec_db_delete_pif(c->db, xrec_find_pif(c->db, t->access_pif));
        xrec_db_delete_tunnel(c->db, t);
        c->changed = true;
    }
    return c->code;
}

/* "up", or "down (bfd STATE[, DIAGNOSTIC])", or "unknown" for a remote
 * whose tunnel interface OVS has no BFD state for (yet). */
static char *
remote_status(const struct xapi_ctx *c, const char *iface)
{
    struct smap bfd = SMAP_INITIALIZER(&bfd);
    char *s;

    if (!c->env || !c->env->iface_bfd
        || c->env->iface_bfd(c->env->aux, iface, &bfd)
        || !smap_get(&bfd, "state")) {
        s = xstrdup("unknown");
    } else if (!strcmp(smap_get(&bfd, "state"), "up")
               && smap_get_bool(&bfd, "forwarding", false)) {
        s = xstrdup("up");
    } else {
        const char *diag = smap_get(&bfd, "diagnostic");
        s = xasprintf("down (bfd %s%s%s)", smap_get(&bfd, "state"),
                      diag && *diag ? ", " : "", diag ? diag : "");
    }
    smap_destroy(&bfd);
    return s;
}

static struct json_object *
xapi_tunnel_row(const struct xapi_ctx *c, size_t i)
{
    const struct xrec_tunnel *t = c->db->tunnels[i];
    const struct xrec_pif *ap = xrec_find_pif(c->db, t->access_pif);
    const struct xrec_pif *tp = xrec_find_pif(c->db, t->transport_pif);
    struct json_object *row = json_object_new_object();
    struct json_object *status = json_object_new_object();

    xrec_json_put_string(row, "uuid", t->uuid);
    xrec_json_put_string(row, "access-PIF", t->access_pif);
    xrec_json_put_string(row, "transport-PIF", t->transport_pif);
    xrec_json_put_string(row, "network-uuid", ap->network);
    xrec_json_put_string(row, "transport-device", tp->device);
    xrec_json_put_string(row, "protocol",
                         xrec_tunnel_protocol_to_string(t->protocol));
    json_object_object_add(row, "key", json_object_new_int64(t->key));
    xrec_json_put_string(row, "transport-address", t->transport_address);
    xrec_json_put_svec(row, "remotes", &t->remotes);
    xrec_json_put_int(row, "max-MTU", xrec_tunnel_max_mtu(c->db, t));
    xrec_json_put_bool(row, "currently-attached", ap->currently_attached);
    for (size_t j = 0; j < t->remotes.n; j++) {
        char *iface = xrec_tunnel_port_name(ap, j);
        char *s = ap->currently_attached ? remote_status(c, iface)
                                         : xstrdup("down (unplugged)");
        xrec_json_put_string(status, t->remotes.names[j], s);
        free(s);
        free(iface);
    }
    json_object_object_add(row, "remote-status", status);
    xrec_json_put_smap(row, "other-config", &t->other_config);
    xapi_put_status(c, t->uuid, row);
    return row;
}

int
xapi_tunnel_list(struct xapi_ctx *c)
{
    return xapi_list(c, c->db->n_tunnels, xapi_tunnel_row);
}
