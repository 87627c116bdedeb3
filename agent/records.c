/* agent/records.c: the record tables: life cycle, lookup and copy.
 *
 * The records module (records.h) is three files, one concern each: this one
 * keeps the tables of 'struct xrec_db' (creating, adding, deleting, finding
 * and cloning records); records-valid.c checks values and the cross-record
 * invariants (xrec_db_check()); records-json.c is the JSON form, both the
 * store's file format and the source of list results.  records-private.h
 * has what the last two share. */

#include <config.h>
#include "agent/records.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Appends 'ELEM' to the pointer array 'ARRAY' of 'N' elements. */
#define XREC_APPEND(ARRAY, N, ELEM)                                           \
    do {                                                                      \
        (ARRAY) = xrealloc((ARRAY), ((N) + 1) * sizeof *(ARRAY));             \
        (ARRAY)[(N)++] = (ELEM);                                              \
    } while (0)

/* Removes 'ELEM' from the pointer array 'ARRAY' of 'N' elements, keeping
 * order (list output and reconcile plans stay stable). */
#define XREC_REMOVE(ARRAY, N, ELEM)                                           \
    do {                                                                      \
        for (size_t i_ = 0; i_ < (N); i_++) {                                 \
            if ((ARRAY)[i_] == (ELEM)) {                                      \
                memmove(&(ARRAY)[i_], &(ARRAY)[i_ + 1],                       \
                        ((N)-i_ - 1) * sizeof *(ARRAY));                      \
                (N)--;                                                        \
                break;                                                        \
            }                                                                 \
        }                                                                     \
    } while (0)

static const char *const locking_mode_names[] = {
    [XREC_LOCK_NETWORK_DEFAULT] = "network_default",
    [XREC_LOCK_LOCKED] = "locked",
    [XREC_LOCK_UNLOCKED] = "unlocked",
    [XREC_LOCK_DISABLED] = "disabled",
};

struct xrec_counters xrec_counters;

/* ---------------------------------------------------------------------- */
/* Records and the database. */

struct xrec_network *
xrec_network_new(void)
{
    struct xrec_network *net = xzalloc(sizeof *net);
    net->mtu = XREC_MTU_DEFAULT;
    net->default_locking_mode = XREC_LOCK_UNLOCKED;
    smap_init(&net->other_config);
    return net;
}

struct xrec_pif *
xrec_pif_new(void)
{
    struct xrec_pif *pif = xzalloc(sizeof *pif);
    pif->mtu = XREC_MTU_DEFAULT;
    pif->vlan = XREC_VLAN_NONE;
    smap_init(&pif->other_config);
    return pif;
}

struct xrec_vlan *
xrec_vlan_new(void)
{
    return xzalloc(sizeof(struct xrec_vlan));
}

struct xrec_vif *
xrec_vif_new(void)
{
    struct xrec_vif *vif = xzalloc(sizeof *vif);
    vif->locking_mode = XREC_LOCK_NETWORK_DEFAULT;
    vif->vlan_mode = VLAN_MODE_TRUNK;
    vif->native_vlan = VLAN_NONE;
    svec_init(&vif->ipv4_allowed);
    svec_init(&vif->ipv6_allowed);
    smap_init(&vif->other_config);
    vif->qos_algorithm_type = xstrdup("");
    smap_init(&vif->qos_algorithm_params);
    return vif;
}

struct xrec_bond *
xrec_bond_new(void)
{
    struct xrec_bond *bond = xzalloc(sizeof *bond);
    bond->mode = BOND_MODE_BALANCE_SLB;
    svec_init(&bond->slaves);
    smap_init(&bond->properties);
    return bond;
}

void
xrec_bond_free(struct xrec_bond *bond)
{
    if (bond) {
        free(bond->uuid);
        free(bond->master);
        free(bond->primary_slave);
        svec_destroy(&bond->slaves);
        smap_destroy(&bond->properties);
        free(bond);
    }
}

void
xrec_network_free(struct xrec_network *net)
{
    if (net) {
        free(net->uuid);
        free(net->name_label);
        free(net->name_description);
        free(net->bridge);
        smap_destroy(&net->other_config);
        free(net);
    }
}

void
xrec_pif_free(struct xrec_pif *pif)
{
    if (pif) {
        free(pif->uuid);
        free(pif->device);
        free(pif->network);
        free(pif->mac);
        smap_destroy(&pif->other_config);
        free(pif);
    }
}

void
xrec_vlan_free(struct xrec_vlan *vlan)
{
    if (vlan) {
        free(vlan->uuid);
        free(vlan->tagged_pif);
        free(vlan->untagged_pif);
        free(vlan);
    }
}

void
xrec_vif_free(struct xrec_vif *vif)
{
    if (vif) {
        free(vif->uuid);
        free(vif->vm_uuid);
        free(vif->network);
        free(vif->mac);
        free(vif->trunks);
        free(vif->dpdk_devargs);
        svec_destroy(&vif->ipv4_allowed);
        svec_destroy(&vif->ipv6_allowed);
        smap_destroy(&vif->other_config);
        free(vif->qos_algorithm_type);
        smap_destroy(&vif->qos_algorithm_params);
        free(vif);
    }
}

void
xrec_db_init(struct xrec_db *db)
{
    memset(db, 0, sizeof *db);
}

void
xrec_db_destroy(struct xrec_db *db)
{
    if (!db) {
        return;
    }
    for (size_t i = 0; i < db->n_networks; i++) {
        xrec_network_free(db->networks[i]);
    }
    for (size_t i = 0; i < db->n_pifs; i++) {
        xrec_pif_free(db->pifs[i]);
    }
    for (size_t i = 0; i < db->n_vlans; i++) {
        xrec_vlan_free(db->vlans[i]);
    }
    for (size_t i = 0; i < db->n_vifs; i++) {
        xrec_vif_free(db->vifs[i]);
    }
    free(db->networks);
    free(db->pifs);
    free(db->vlans);
    for (size_t i = 0; i < db->n_bonds; i++) {
        xrec_bond_free(db->bonds[i]);
    }
    for (size_t i = 0; i < db->n_tunnels; i++) {
        xrec_tunnel_free(db->tunnels[i]);
    }
    for (size_t i = 0; i < db->n_mirrors; i++) {
        xrec_mirror_free(db->mirrors[i]);
    }
    free(db->vifs);
    free(db->bonds);
    xrec_pool_free(db->pool);
    xrec_destroy_sdn(db);
    free(db->tunnels);
    free(db->mirrors);
    xrec_db_init(db);
}

static char *
nullable_strdup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

struct xrec_vif *
xrec_vif_clone(const struct xrec_vif *s)
{
    struct xrec_vif *d = xrec_vif_new();
    free(d->qos_algorithm_type);
    *d = *s;
    d->uuid = nullable_strdup(s->uuid);
    d->vm_uuid = nullable_strdup(s->vm_uuid);
    d->network = nullable_strdup(s->network);
    d->mac = nullable_strdup(s->mac);
    d->trunks = nullable_strdup(s->trunks);
    d->dpdk_devargs = nullable_strdup(s->dpdk_devargs);
    svec_clone(&d->ipv4_allowed, &s->ipv4_allowed);
    svec_clone(&d->ipv6_allowed, &s->ipv6_allowed);
    smap_clone(&d->other_config, &s->other_config);
    d->qos_algorithm_type = xstrdup(s->qos_algorithm_type);
    smap_clone(&d->qos_algorithm_params, &s->qos_algorithm_params);
    xrec_counters.n_copied++;
    return d;
}

void
xrec_db_clone(struct xrec_db *dst, const struct xrec_db *src)
{
    xrec_db_clone_others(dst, src);
    for (size_t i = 0; i < src->n_vifs; i++) {
        XREC_APPEND(dst->vifs, dst->n_vifs, xrec_vif_clone(src->vifs[i]));
    }
}

void
xrec_db_clone_others(struct xrec_db *dst, const struct xrec_db *src)
{
    xrec_db_init(dst);
    xrec_counters.n_copied
        += (src->n_networks + src->n_pifs + src->n_vlans + src->n_bonds
            + src->n_tunnels + src->n_mirrors);
    for (size_t i = 0; i < src->n_networks; i++) {
        const struct xrec_network *s = src->networks[i];
        struct xrec_network *d = xrec_network_new();
        *d = *s;
        d->uuid = nullable_strdup(s->uuid);
        d->name_label = nullable_strdup(s->name_label);
        d->name_description = nullable_strdup(s->name_description);
        d->bridge = nullable_strdup(s->bridge);
        smap_clone(&d->other_config, &s->other_config);
        xrec_db_add_network(dst, d);
    }
    for (size_t i = 0; i < src->n_pifs; i++) {
        const struct xrec_pif *s = src->pifs[i];
        struct xrec_pif *d = xrec_pif_new();
        *d = *s;
        d->uuid = nullable_strdup(s->uuid);
        d->device = nullable_strdup(s->device);
        d->network = nullable_strdup(s->network);
        d->mac = nullable_strdup(s->mac);
        smap_clone(&d->other_config, &s->other_config);
        xrec_db_add_pif(dst, d);
    }
    for (size_t i = 0; i < src->n_vlans; i++) {
        const struct xrec_vlan *s = src->vlans[i];
        struct xrec_vlan *d = xrec_vlan_new();
        *d = *s;
        d->uuid = nullable_strdup(s->uuid);
        d->tagged_pif = nullable_strdup(s->tagged_pif);
        d->untagged_pif = nullable_strdup(s->untagged_pif);
        xrec_db_add_vlan(dst, d);
    }
    for (size_t i = 0; i < src->n_bonds; i++) {
        const struct xrec_bond *s = src->bonds[i];
        struct xrec_bond *d = xrec_bond_new();
        d->uuid = nullable_strdup(s->uuid);
        d->master = nullable_strdup(s->master);
        d->primary_slave = nullable_strdup(s->primary_slave);
        d->mode = s->mode;
        svec_clone(&d->slaves, &s->slaves);
        smap_clone(&d->properties, &s->properties);
        xrec_db_add_bond(dst, d);
    }
    xrec_clone_sdn(dst, src);
    for (size_t i = 0; i < src->n_tunnels; i++) {
        const struct xrec_tunnel *s = src->tunnels[i];
        struct xrec_tunnel *d = xrec_tunnel_new();
        d->uuid = nullable_strdup(s->uuid);
        d->access_pif = nullable_strdup(s->access_pif);
        d->transport_pif = nullable_strdup(s->transport_pif);
        d->transport_address = nullable_strdup(s->transport_address);
        d->protocol = s->protocol;
        d->key = s->key;
        svec_clone(&d->remotes, &s->remotes);
        smap_clone(&d->other_config, &s->other_config);
        xrec_db_add_tunnel(dst, d);
    }
    for (size_t i = 0; i < src->n_mirrors; i++) {
        const struct xrec_mirror *s = src->mirrors[i];
        struct xrec_mirror *d = xrec_mirror_new();
        d->uuid = nullable_strdup(s->uuid);
        d->name_label = nullable_strdup(s->name_label);
        d->network = nullable_strdup(s->network);
        d->output_vif = nullable_strdup(s->output_vif);
        d->output_vlan = s->output_vlan;
        svec_clone(&d->src_vifs, &s->src_vifs);
        xrec_db_add_mirror(dst, d);
    }
    if (src->pool) {
        struct xrec_pool *pool = xrec_db_pool_mutable(dst);
        pool->igmp_snooping_enabled = src->pool->igmp_snooping_enabled;
        smap_clone(&pool->other_config, &src->pool->other_config);
    }
}

void
xrec_db_add_network(struct xrec_db *db, struct xrec_network *net)
{
    XREC_APPEND(db->networks, db->n_networks, net);
}

void
xrec_db_add_pif(struct xrec_db *db, struct xrec_pif *pif)
{
    XREC_APPEND(db->pifs, db->n_pifs, pif);
}

void
xrec_db_add_vlan(struct xrec_db *db, struct xrec_vlan *vlan)
{
    XREC_APPEND(db->vlans, db->n_vlans, vlan);
}

void
xrec_db_add_vif(struct xrec_db *db, struct xrec_vif *vif)
{
    XREC_APPEND(db->vifs, db->n_vifs, vif);
    if (db->change) {
        xrec_change_note_add(db->change, vif);
    }
}

void
xrec_db_add_bond(struct xrec_db *db, struct xrec_bond *bond)
{
    XREC_APPEND(db->bonds, db->n_bonds, bond);
}

void
xrec_db_add_tunnel(struct xrec_db *db, struct xrec_tunnel *t)
{
    XREC_APPEND(db->tunnels, db->n_tunnels, t);
}

void
xrec_db_delete_tunnel(struct xrec_db *db, struct xrec_tunnel *t)
{
    XREC_REMOVE(db->tunnels, db->n_tunnels, t);
    xrec_tunnel_free(t);
}

void
xrec_db_add_mirror(struct xrec_db *db, struct xrec_mirror *m)
{
    XREC_APPEND(db->mirrors, db->n_mirrors, m);
}

void
xrec_db_delete_mirror(struct xrec_db *db, struct xrec_mirror *m)
{
    XREC_REMOVE(db->mirrors, db->n_mirrors, m);
    xrec_mirror_free(m);
}

void
xrec_db_delete_bond(struct xrec_db *db, struct xrec_bond *bond)
{
    XREC_REMOVE(db->bonds, db->n_bonds, bond);
    xrec_bond_free(bond);
}

void
xrec_db_delete_network(struct xrec_db *db, struct xrec_network *net)
{
    XREC_REMOVE(db->networks, db->n_networks, net);
    xrec_network_free(net);
}

void
xrec_db_delete_pif(struct xrec_db *db, struct xrec_pif *pif)
{
    XREC_REMOVE(db->pifs, db->n_pifs, pif);
    xrec_pif_free(pif);
}

void
xrec_db_delete_vlan(struct xrec_db *db, struct xrec_vlan *vlan)
{
    XREC_REMOVE(db->vlans, db->n_vlans, vlan);
    xrec_vlan_free(vlan);
}

void
xrec_db_delete_vif(struct xrec_db *db, struct xrec_vif *vif)
{
    if (db->change) {
        /* The change keeps it, to put it back if it is undone. */
        for (size_t i = 0; i < db->n_vifs; i++) {
            if (db->vifs[i] == vif) {
                xrec_change_note_delete(db->change, vif, i);
                memmove(&db->vifs[i], &db->vifs[i + 1],
                        (db->n_vifs - i - 1) * sizeof *db->vifs);
                db->n_vifs--;
                return;
            }
        }
        OVS_NOT_REACHED();
    }
    XREC_REMOVE(db->vifs, db->n_vifs, vif);
    xrec_vif_free(vif);
}

/* Finds the record in 'ARRAY' whose string member 'MEMBER' equals 'VALUE'
 * and whose extra condition 'COND' (in terms of 'r_') holds. */
#define XREC_FIND(ARRAY, N, MEMBER, VALUE, COND)                              \
    for (size_t i_ = 0; (VALUE) && i_ < (N); i_++) {                          \
        __typeof__((ARRAY)[0]) r_ = (ARRAY)[i_];                              \
        if (r_->MEMBER && !strcmp(r_->MEMBER, (VALUE)) && (COND)) {           \
            return r_;                                                        \
        }                                                                     \
    }                                                                         \
    return NULL

struct xrec_network *
xrec_find_network(const struct xrec_db *db, const char *uuid)
{
    XREC_FIND(db->networks, db->n_networks, uuid, uuid, true);
}

struct xrec_pif *
xrec_find_pif(const struct xrec_db *db, const char *uuid)
{
    XREC_FIND(db->pifs, db->n_pifs, uuid, uuid, true);
}

struct xrec_vlan *
xrec_find_vlan(const struct xrec_db *db, const char *uuid)
{
    XREC_FIND(db->vlans, db->n_vlans, uuid, uuid, true);
}

struct xrec_vif *
xrec_find_vif(const struct xrec_db *db, const char *uuid)
{
    XREC_FIND(db->vifs, db->n_vifs, uuid, uuid, true);
}

struct xrec_bond *
xrec_find_bond(const struct xrec_db *db, const char *uuid)
{
    XREC_FIND(db->bonds, db->n_bonds, uuid, uuid, true);
}

struct xrec_bond *
xrec_find_bond_by_master(const struct xrec_db *db, const char *pif_uuid)
{
    XREC_FIND(db->bonds, db->n_bonds, master, pif_uuid, true);
}

struct xrec_bond *
xrec_find_bond_by_slave(const struct xrec_db *db, const char *pif_uuid)
{
    for (size_t i = 0; pif_uuid && i < db->n_bonds; i++) {
        if (svec_contains_unsorted(&db->bonds[i]->slaves, pif_uuid)) {
            return db->bonds[i];
        }
    }
    return NULL;
}

struct xrec_network *
xrec_find_network_by_bridge(const struct xrec_db *db, const char *bridge)
{
    XREC_FIND(db->networks, db->n_networks, bridge, bridge, true);
}

struct xrec_pif *
xrec_find_pif_by_device(const struct xrec_db *db, const char *device, int vlan)
{
    XREC_FIND(db->pifs, db->n_pifs, device, device, r_->vlan == vlan);
}

struct xrec_pif *
xrec_find_pif_by_network(const struct xrec_db *db, const char *network_uuid)
{
    XREC_FIND(db->pifs, db->n_pifs, network, network_uuid, true);
}

struct xrec_vlan *
xrec_find_vlan_by_untagged(const struct xrec_db *db, const char *pif_uuid)
{
    XREC_FIND(db->vlans, db->n_vlans, untagged_pif, pif_uuid, true);
}

enum xrec_locking_mode
xrec_vif_locking(const struct xrec_vif *vif, const struct xrec_network *net)
{
    if (vif->locking_mode != XREC_LOCK_NETWORK_DEFAULT) {
        return vif->locking_mode;
    }
    return net ? net->default_locking_mode : XREC_LOCK_UNLOCKED;
}

bool
xrec_vif_is_trunk(const struct xrec_vif *vif)
{
    return vif->trunks && *vif->trunks;
}

struct vlan_trunk_settings
xrec_vif_trunk(const struct xrec_vif *vif)
{
    return (struct vlan_trunk_settings){
        .trunks = vif->trunks,
        .mode = vif->vlan_mode,
        .native_vlan = vif->native_vlan,
    };
}

int
xrec_vif_mtu(const struct xrec_vif *vif, const struct xrec_network *net)
{
    if (vif->mtu) {
        return vif->mtu;
    }
    return net ? net->mtu : XREC_MTU_DEFAULT;
}

const char *
xrec_locking_mode_to_string(enum xrec_locking_mode mode)
{
    return ((unsigned)mode < ARRAY_SIZE(locking_mode_names)
                ? locking_mode_names[mode]
                : "<invalid>");
}

bool
xrec_locking_mode_from_string(const char *s, enum xrec_locking_mode *mode)
{
    for (size_t i = 0; i < ARRAY_SIZE(locking_mode_names); i++) {
        if (!strcmp(s, locking_mode_names[i])) {
            *mode = i;
            return true;
        }
    }
    return false;
}
