/* agent/records-tunnel.c: the tunnel and mirror records (records.h).
 *
 * Their life cycle, lookups and cross-record checks; records.c keeps their
 * tables (add, delete, clone) and records-json.c their JSON form, as for
 * the other records.
 *
 * Invariants checked here (xrec_check_tunnels(), from xrec_db_check()):
 *   - a tunnel's access PIF exists, is not physical, not a VLAN PIF and is
 *     no other tunnel's; its transport PIF exists, is not a VLAN PIF and is
 *     not an access PIF; 1..XREC_TUNNEL_REMOTES_MAX distinct remotes;
 *   - tunnels over one transport PIF name the same transport address and
 *     no two of one protocol share a key (OVS could not tell their traffic
 *     apart);
 *   - a mirror's network exists and is not a VLAN network; its source VIFs
 *     and output VIF exist; exactly one of output VIF and output VLAN; the
 *     output is not also a source.  (mirror-create puts them all on the
 *     mirror's network; a bond may move VIFs away later, and reconcile
 *     then leaves the ones elsewhere out.) */

#include <config.h>
#include "agent/records.h"
#include "agent/records-private.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "sset.h"
#include "util.h"

struct xrec_tunnel *
xrec_tunnel_new(void)
{
    struct xrec_tunnel *t = xzalloc(sizeof *t);
    t->protocol = XREC_TUNNEL_GRE;
    svec_init(&t->remotes);
    smap_init(&t->other_config);
    return t;
}

void
xrec_tunnel_free(struct xrec_tunnel *t)
{
    if (t) {
        free(t->uuid);
        free(t->access_pif);
        free(t->transport_pif);
        free(t->transport_address);
        svec_destroy(&t->remotes);
        smap_destroy(&t->other_config);
        free(t);
    }
}

struct xrec_mirror *
xrec_mirror_new(void)
{
    struct xrec_mirror *m = xzalloc(sizeof *m);
    svec_init(&m->src_vifs);
    m->output_vlan = XREC_VLAN_NONE;
    return m;
}

void
xrec_mirror_free(struct xrec_mirror *m)
{
    if (m) {
        free(m->uuid);
        free(m->name_label);
        free(m->network);
        free(m->output_vif);
        svec_destroy(&m->src_vifs);
        free(m);
    }
}

struct xrec_tunnel *
xrec_find_tunnel(const struct xrec_db *db, const char *uuid)
{
    for (size_t i = 0; uuid && i < db->n_tunnels; i++) {
        if (!strcmp(db->tunnels[i]->uuid, uuid)) {
            return db->tunnels[i];
        }
    }
    return NULL;
}

struct xrec_mirror *
xrec_find_mirror(const struct xrec_db *db, const char *uuid)
{
    for (size_t i = 0; uuid && i < db->n_mirrors; i++) {
        if (!strcmp(db->mirrors[i]->uuid, uuid)) {
            return db->mirrors[i];
        }
    }
    return NULL;
}

struct xrec_tunnel *
xrec_find_tunnel_by_access(const struct xrec_db *db, const char *pif_uuid)
{
    for (size_t i = 0; pif_uuid && i < db->n_tunnels; i++) {
        if (!strcmp(db->tunnels[i]->access_pif, pif_uuid)) {
            return db->tunnels[i];
        }
    }
    return NULL;
}

struct xrec_tunnel *
xrec_find_tunnel_by_network(const struct xrec_db *db, const char *network)
{
    const struct xrec_pif *pif = xrec_find_pif_by_network(db, network);
    return pif ? xrec_find_tunnel_by_access(db, pif->uuid) : NULL;
}

const char *
xrec_tunnel_protocol_to_string(enum xrec_tunnel_protocol p)
{
    return p == XREC_TUNNEL_VXLAN ? "vxlan" : "gre";
}

bool
xrec_tunnel_protocol_from_string(const char *s, enum xrec_tunnel_protocol *p)
{
    if (!strcmp(s, "gre")) {
        *p = XREC_TUNNEL_GRE;
    } else if (!strcmp(s, "vxlan")) {
        *p = XREC_TUNNEL_VXLAN;
    } else {
        return false;
    }
    return true;
}

int
xrec_tunnel_overhead(enum xrec_tunnel_protocol p)
{
    return p == XREC_TUNNEL_VXLAN ? XREC_TUNNEL_VXLAN_OVERHEAD
                                  : XREC_TUNNEL_GRE_OVERHEAD;
}

int
xrec_tunnel_max_mtu(const struct xrec_db *db, const struct xrec_tunnel *t)
{
    const struct xrec_pif *tp = xrec_find_pif(db, t->transport_pif);
    const struct xrec_network *tn
        = tp ? xrec_find_network(db, tp->network) : NULL;
    return tn ? tn->mtu - xrec_tunnel_overhead(t->protocol) : 0;
}

char *
xrec_tunnel_port_name(const struct xrec_pif *access, size_t i)
{
    return xasprintf("%s.%zu", access->device, i);
}

static char *
check_tunnel(const struct xrec_db *db, const struct xrec_tunnel *t,
             struct sset *access, struct sset *keys)
{
    const struct xrec_pif *ap = xrec_find_pif(db, t->access_pif);
    const struct xrec_pif *tp = xrec_find_pif(db, t->transport_pif);

    if (!ap) {
        return xrec_field_error("tunnel", t->uuid, "access_PIF",
                                "no PIF with uuid %s", t->access_pif);
    }
    if (ap->physical || ap->vlan != XREC_VLAN_NONE
        || !sset_add(access, ap->uuid)) {
        return xrec_field_error("tunnel", t->uuid, "access_PIF",
                                "PIF %s is a NIC, a VLAN PIF or another "
                                "tunnel's",
                                ap->uuid);
    }
    if (!tp) {
        return xrec_field_error("tunnel", t->uuid, "transport_PIF",
                                "no PIF with uuid %s", t->transport_pif);
    }
    if (tp->vlan != XREC_VLAN_NONE
        || xrec_find_tunnel_by_access(db, tp->uuid)) {
        return xrec_field_error("tunnel", t->uuid, "transport_PIF",
                                "PIF %s is a VLAN PIF or a tunnel's PIF",
                                tp->uuid);
    }
    if (!t->remotes.n || t->remotes.n > XREC_TUNNEL_REMOTES_MAX) {
        return xrec_field_error("tunnel", t->uuid, "remotes",
                                "%zu remotes; a tunnel has 1 to %d",
                                t->remotes.n, XREC_TUNNEL_REMOTES_MAX);
    }
    for (size_t i = 0; i < db->n_tunnels; i++) {
        const struct xrec_tunnel *o = db->tunnels[i];
        if (o != t && !strcmp(o->transport_pif, t->transport_pif)
            && strcmp(o->transport_address, t->transport_address)) {
            return xrec_field_error("tunnel", t->uuid, "transport_address",
                                    "%s, but tunnel %s over the same "
                                    "transport PIF has %s",
                                    t->transport_address, o->uuid,
                                    o->transport_address);
        }
    }
    char *key = xasprintf("%s.%lld",
                          xrec_tunnel_protocol_to_string(t->protocol), t->key);
    bool dup = !sset_add(keys, key);
    free(key);
    if (dup) {
        return xrec_field_error(
            "tunnel", t->uuid, "key", "another %s tunnel has key %lld",
            xrec_tunnel_protocol_to_string(t->protocol), t->key);
    }
    return NULL;
}

static char *
check_mirror(const struct xrec_db *db, const struct xrec_mirror *m)
{
    const struct xrec_network *net = xrec_find_network(db, m->network);

    if (!net) {
        return xrec_field_error("mirror", m->uuid, "network",
                                "no network with uuid %s", m->network);
    }
    const struct xrec_pif *pif = xrec_find_pif_by_network(db, net->uuid);
    if (pif && pif->vlan != XREC_VLAN_NONE) {
        return xrec_field_error("mirror", m->uuid, "network",
                                "network %s is a VLAN network", net->uuid);
    }
    for (size_t i = 0; i < m->src_vifs.n; i++) {
        const struct xrec_vif *vif = xrec_find_vif(db, m->src_vifs.names[i]);
        if (!vif) {
            return xrec_field_error("mirror", m->uuid, "src_VIFs",
                                    "no VIF with uuid %s",
                                    m->src_vifs.names[i]);
        }
        if (m->output_vif && !strcmp(m->output_vif, vif->uuid)) {
            return xrec_field_error("mirror", m->uuid, "output_VIF",
                                    "VIF %s is also a source", vif->uuid);
        }
    }
    if (!m->output_vif == (m->output_vlan == XREC_VLAN_NONE)) {
        return xrec_field_error("mirror", m->uuid, "output_VIF",
                                "a mirror has either an output VIF or an "
                                "output VLAN");
    }
    if (m->output_vif) {
        const struct xrec_vif *out = xrec_find_vif(db, m->output_vif);
        if (!out) {
            return xrec_field_error("mirror", m->uuid, "output_VIF",
                                    "no VIF with uuid %s", m->output_vif);
        }
        if (!m->src_vifs.n) {
            return xrec_field_error("mirror", m->uuid, "output_VIF",
                                    "VIF %s is on the mirrored network "
                                    "itself",
                                    m->output_vif);
        }
    }
    return NULL;
}

char *
xrec_check_tunnels(const struct xrec_db *db, struct sset *uuids)
{
    struct sset access = SSET_INITIALIZER(&access);
    struct sset keys = SSET_INITIALIZER(&keys);
    char *error = NULL;

    for (size_t i = 0; !error && i < db->n_tunnels; i++) {
        const struct xrec_tunnel *t = db->tunnels[i];
        if (!sset_add(uuids, t->uuid)) {
            error = xrec_field_error("tunnel", t->uuid, "uuid",
                                     "uuid is used by two records");
        } else {
            error = check_tunnel(db, t, &access, &keys);
        }
    }
    for (size_t i = 0; !error && i < db->n_mirrors; i++) {
        const struct xrec_mirror *m = db->mirrors[i];
        if (!sset_add(uuids, m->uuid)) {
            error = xrec_field_error("mirror", m->uuid, "uuid",
                                     "uuid is used by two records");
        } else {
            error = check_mirror(db, m);
        }
    }
    sset_destroy(&access);
    sset_destroy(&keys);
    return error;
}

char *
xrec_parse_prefix(const char *s, char **canon)
{
    char addr[INET_ADDRSTRLEN + 4];
    const char *slash = strchr(s, '/');
    struct in_addr in;
    int plen;

    if (!slash || (size_t)(slash - s) >= INET_ADDRSTRLEN
        || !str_to_int(slash + 1, 10, &plen) || plen < 1 || plen > 32) {
        return xasprintf("\"%.64s\" is not an IPv4 address with a prefix "
                         "length 1..32 (A.B.C.D/N)",
                         s);
    }
    memcpy(addr, s, slash - s);
    addr[slash - s] = '\0';
    if (inet_pton(AF_INET, addr, &in) != 1) {
        return xasprintf("\"%.64s\" is not an IPv4 address with a prefix "
                         "length 1..32 (A.B.C.D/N)",
                         s);
    }
    inet_ntop(AF_INET, &in, addr, sizeof addr);
    *canon = xasprintf("%s/%d", addr, plen);
    return NULL;
}
