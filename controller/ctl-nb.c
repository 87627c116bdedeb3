/* controller/ctl-nb.c: pool records -> OVN northbound, through the typed
 * IDL (see ctl-nb.h for the mapping). */
#include <config.h>
#include "controller/ctl-nb.h"

#include <string.h>

#include "controller/ctl-acl.h"
#include "controller/ovn-nb-idl.h"
#include "hmapx.h"
#include "openvswitch/shash.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ctl_nb);

static struct sset empty_sset = SSET_INITIALIZER(&empty_sset);

/* After a failed transaction, the next try waits this long. */
#define CTL_NB_RETRY_MS 1000

/* The desired records are kept in 'plan''s arrays (the full pass and
 * ctl-acl-nb.c read them so) with a uuid -> index map per table; removing
 * one moves the last into its place.  A change of records marks them dirty
 * and the next pass compares only those with the replica: one change costs
 * the same whatever the size of the pool.  Everything is compared (the
 * full pass) at start, after the connection was lost, after a failed
 * transaction and when a marked row changed in a way only a full pass can
 * judge; a row of xovs's that someone else changed (the IDL's change
 * tracking) marks its record dirty. */
struct ctl_nb {
    struct ovsdb_idl *idl;
    struct ovsdb_idl_txn *txn; /* in flight, or NULL */
    struct ctl_plan plan;      /* desired records */
    struct shash net_idx;      /* network uuid -> index + 1 in 'plan' */
    struct shash vif_idx;      /* VIF uuid -> index + 1 */
    struct shash acl_idx;      /* ACL uuid -> index + 1 */
    struct shash vifs_of;      /* network uuid -> its VIFs' uuids (sset) */
    struct shash acls_of;      /* group key -> its ACLs' uuids (sset) */

    bool full;              /* the next pass compares everything */
    struct sset dirty_nets; /* records to compare in the next pass */
    struct sset dirty_vifs;
    struct sset dirty_acls;
    struct sset dirty_groups; /* port groups (keys) to compare whole */
    struct shash gone_vifs;   /* removed VIF -> its network (malloc'd) */
    struct shash gone_acls;   /* removed ACL -> its group key (malloc'd) */
    struct hmapx own_pgs;     /* port groups the last transaction wrote */

    unsigned int synced_seqno; /* replica seqno the last sync looked at */
    long long retry_at;        /* time_msec() of the next try after a
                                * failure; 0: none pending */
    bool synced;               /* the last sync had nothing to write */
    bool was_connected;
    struct shash switches; /* network uuid -> its Logical_Switch */
    struct shash ports;    /* VIF uuid -> its Logical_Switch_Port */
    struct shash lnports;  /* network uuid -> its localnet port */
    struct shash acls;     /* ACL uuid -> its ACL row */
    struct shash groups;   /* group key -> its Port_Group */
    struct ctl_nb_stats stats;
};

static void ctl_nb_unixctl_stats(struct unixctl_conn *, int argc,
                                 const char *argv[], void *nb);

struct ctl_nb *
ctl_nb_create(const char *remote)
{
    struct ctl_nb *nb = xzalloc(sizeof *nb);
    nb->idl = ovsdb_idl_create(remote, &nbrec_idl_class, true, true);
    ovsdb_idl_set_leader_only(nb->idl, true);
    ovsdb_idl_track_add_all(nb->idl);
    nb->full = true;
    shash_init(&nb->net_idx);
    shash_init(&nb->vif_idx);
    shash_init(&nb->acl_idx);
    shash_init(&nb->vifs_of);
    shash_init(&nb->acls_of);
    sset_init(&nb->dirty_nets);
    sset_init(&nb->dirty_vifs);
    sset_init(&nb->dirty_acls);
    sset_init(&nb->dirty_groups);
    shash_init(&nb->gone_vifs);
    shash_init(&nb->gone_acls);
    hmapx_init(&nb->own_pgs);
    shash_init(&nb->switches);
    shash_init(&nb->ports);
    shash_init(&nb->lnports);
    shash_init(&nb->acls);
    shash_init(&nb->groups);
    unixctl_command_register("nb/stats", "", 0, 0, ctl_nb_unixctl_stats, nb);
    return nb;
}

static void
ssets_destroy(struct shash *map)
{
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, map) {
        sset_destroy(node->data);
        free(node->data);
    }
    shash_destroy(map);
}

void
ctl_nb_destroy(struct ctl_nb *nb)
{
    if (nb) {
        if (nb->txn) { /* OVS's txn_destroy() does not take NULL */
            ovsdb_idl_txn_destroy(nb->txn);
        }
        ovsdb_idl_destroy(nb->idl);
        shash_destroy(&nb->switches);
        shash_destroy(&nb->ports);
        shash_destroy(&nb->lnports);
        shash_destroy(&nb->acls);
        shash_destroy(&nb->groups);
        shash_destroy(&nb->net_idx);
        shash_destroy(&nb->vif_idx);
        shash_destroy(&nb->acl_idx);
        ssets_destroy(&nb->vifs_of);
        ssets_destroy(&nb->acls_of);
        sset_destroy(&nb->dirty_nets);
        sset_destroy(&nb->dirty_vifs);
        sset_destroy(&nb->dirty_acls);
        sset_destroy(&nb->dirty_groups);
        shash_destroy_free_data(&nb->gone_vifs);
        shash_destroy_free_data(&nb->gone_acls);
        hmapx_destroy(&nb->own_pgs);
        ctl_plan_destroy(&nb->plan);
        free(nb);
    }
}

static void
ctl_plan_network_free(struct ctl_plan_network *n)
{
    free(n->uuid);
    free(n->name);
    free(n->physical);
}

static void
ctl_plan_vif_free(struct ctl_plan_vif *v)
{
    free(v->uuid);
    free(v->network);
    free(v->mac);
    free(v->host);
    free(v->vm);
    free(v->ips);
    free(v->target);
}

void
ctl_plan_destroy(struct ctl_plan *plan)
{
    for (size_t i = 0; i < plan->n_networks; i++) {
        ctl_plan_network_free(&plan->networks[i]);
    }
    for (size_t i = 0; i < plan->n_vifs; i++) {
        ctl_plan_vif_free(&plan->vifs[i]);
    }
    ctl_acl_plan_free(plan->acls, plan->n_acls);
    free(plan->networks);
    free(plan->vifs);
    memset(plan, 0, sizeof *plan);
}

void
ctl_plan_delta_init(struct ctl_plan_delta *d)
{
    memset(&d->put, 0, sizeof d->put);
    svec_init(&d->gone_networks);
    svec_init(&d->gone_vifs);
    svec_init(&d->gone_acls);
}

void
ctl_plan_delta_destroy(struct ctl_plan_delta *d)
{
    ctl_plan_destroy(&d->put);
    svec_destroy(&d->gone_networks);
    svec_destroy(&d->gone_vifs);
    svec_destroy(&d->gone_acls);
}

/* 'map' (key -> sset): adds or removes 'member' of 'key'. */
static void
sset_map_add(struct shash *map, const char *key, const char *member)
{
    struct sset *s = shash_find_data(map, key);
    if (!s) {
        s = xmalloc(sizeof *s);
        sset_init(s);
        shash_add(map, key, s);
    }
    sset_add(s, member);
}

static void
sset_map_del(struct shash *map, const char *key, const char *member)
{
    struct sset *s = shash_find_data(map, key);
    if (s) {
        sset_find_and_delete(s, member);
        if (sset_is_empty(s)) {
            shash_find_and_delete(map, key);
            sset_destroy(s);
            free(s);
        }
    }
}

static size_t
idx_get(const struct shash *idx, const char *uuid)
{
    return (uintptr_t)shash_find_data(idx, uuid);
}

static void
idx_set(struct shash *idx, const char *uuid, size_t i)
{
    shash_replace(idx, uuid, (void *)(uintptr_t)(i + 1));
}

/* Rebuilds the uuid maps from 'nb->plan'. */
static void
ctl_nb_index_plan(struct ctl_nb *nb)
{
    shash_clear(&nb->net_idx);
    shash_clear(&nb->vif_idx);
    shash_clear(&nb->acl_idx);
    ssets_destroy(&nb->vifs_of);
    ssets_destroy(&nb->acls_of);
    shash_init(&nb->vifs_of);
    shash_init(&nb->acls_of);
    for (size_t i = 0; i < nb->plan.n_networks; i++) {
        idx_set(&nb->net_idx, nb->plan.networks[i].uuid, i);
    }
    for (size_t i = 0; i < nb->plan.n_vifs; i++) {
        const struct ctl_plan_vif *v = &nb->plan.vifs[i];
        idx_set(&nb->vif_idx, v->uuid, i);
        sset_map_add(&nb->vifs_of, v->network, v->uuid);
    }
    for (size_t i = 0; i < nb->plan.n_acls; i++) {
        const struct ctl_plan_acl *a = &nb->plan.acls[i];
        idx_set(&nb->acl_idx, a->uuid, i);
        sset_map_add(&nb->acls_of, a->group_key, a->uuid);
    }
}

void
ctl_nb_set_desired(struct ctl_nb *nb, struct ctl_plan *plan)
{
    ctl_plan_destroy(&nb->plan);
    nb->plan = *plan;
    memset(plan, 0, sizeof *plan);
    ctl_nb_index_plan(nb);
    nb->full = true;
    nb->synced = false;
    nb->retry_at = 0;
}

/* The plan's arrays have room for one more (they are allocated with
 * xcalloc(n + 1) by ctl-db.c; keep it so). */
static void *
plan_grow(void *array, size_t n, size_t size)
{
    return xrealloc(array, (n + 2) * size);
}

static void
ctl_nb_put_network(struct ctl_nb *nb, struct ctl_plan_network *net)
{
    size_t at = idx_get(&nb->net_idx, net->uuid);
    if (at) {
        ctl_plan_network_free(&nb->plan.networks[at - 1]);
        nb->plan.networks[at - 1] = *net;
    } else {
        nb->plan.networks = plan_grow(nb->plan.networks, nb->plan.n_networks,
                                      sizeof *nb->plan.networks);
        nb->plan.networks[nb->plan.n_networks] = *net;
        idx_set(&nb->net_idx, net->uuid, nb->plan.n_networks++);
    }
    sset_add(&nb->dirty_nets, net->uuid);
    memset(net, 0, sizeof *net);
}

static void
ctl_nb_del_network(struct ctl_nb *nb, const char *uuid)
{
    size_t at = idx_get(&nb->net_idx, uuid);
    if (!at) {
        return;
    }
    sset_add(&nb->dirty_nets, uuid);
    shash_find_and_delete(&nb->net_idx, uuid);
    ctl_plan_network_free(&nb->plan.networks[at - 1]);
    size_t last = --nb->plan.n_networks;
    if (at - 1 != last) {
        nb->plan.networks[at - 1] = nb->plan.networks[last];
        idx_set(&nb->net_idx, nb->plan.networks[at - 1].uuid, at - 1);
    }
}

static void
ctl_nb_del_vif(struct ctl_nb *nb, const char *uuid)
{
    size_t at = idx_get(&nb->vif_idx, uuid);
    if (!at) {
        return;
    }
    struct ctl_plan_vif *v = &nb->plan.vifs[at - 1];
    sset_add(&nb->dirty_vifs, uuid);
    if (!shash_find(&nb->gone_vifs, uuid)) {
        shash_add(&nb->gone_vifs, uuid, xstrdup(v->network));
    }
    sset_map_del(&nb->vifs_of, v->network, uuid);
    shash_find_and_delete(&nb->vif_idx, uuid);
    ctl_plan_vif_free(v);
    size_t last = --nb->plan.n_vifs;
    if (at - 1 != last) {
        nb->plan.vifs[at - 1] = nb->plan.vifs[last];
        idx_set(&nb->vif_idx, nb->plan.vifs[at - 1].uuid, at - 1);
    }
}

static void
ctl_nb_put_vif(struct ctl_nb *nb, struct ctl_plan_vif *vif)
{
    size_t at = idx_get(&nb->vif_idx, vif->uuid);
    if (at && strcmp(nb->plan.vifs[at - 1].network, vif->network)) {
        ctl_nb_del_vif(nb, vif->uuid); /* moved: gone from the old one */
        at = 0;
    }
    if (at) {
        ctl_plan_vif_free(&nb->plan.vifs[at - 1]);
        nb->plan.vifs[at - 1] = *vif;
    } else {
        nb->plan.vifs
            = plan_grow(nb->plan.vifs, nb->plan.n_vifs, sizeof *nb->plan.vifs);
        nb->plan.vifs[nb->plan.n_vifs] = *vif;
        idx_set(&nb->vif_idx, vif->uuid, nb->plan.n_vifs++);
        sset_map_add(&nb->vifs_of, vif->network, vif->uuid);
    }
    sset_add(&nb->dirty_vifs, vif->uuid);
    memset(vif, 0, sizeof *vif);
}

static void
ctl_nb_del_acl(struct ctl_nb *nb, const char *uuid)
{
    size_t at = idx_get(&nb->acl_idx, uuid);
    if (!at) {
        return;
    }
    struct ctl_plan_acl *a = &nb->plan.acls[at - 1];
    sset_add(&nb->dirty_acls, uuid);
    if (!shash_find(&nb->gone_acls, uuid)) {
        shash_add(&nb->gone_acls, uuid, xstrdup(a->group_key));
    }
    sset_map_del(&nb->acls_of, a->group_key, uuid);
    shash_find_and_delete(&nb->acl_idx, uuid);
    free(a->uuid);
    free(a->group);
    free(a->group_key);
    free(a->match);
    size_t last = --nb->plan.n_acls;
    if (at - 1 != last) {
        nb->plan.acls[at - 1] = nb->plan.acls[last];
        idx_set(&nb->acl_idx, nb->plan.acls[at - 1].uuid, at - 1);
    }
}

static void
ctl_nb_put_acl(struct ctl_nb *nb, struct ctl_plan_acl *acl)
{
    if (idx_get(&nb->acl_idx, acl->uuid)) {
        ctl_nb_del_acl(nb, acl->uuid);
    }
    nb->plan.acls
        = plan_grow(nb->plan.acls, nb->plan.n_acls, sizeof *nb->plan.acls);
    nb->plan.acls[nb->plan.n_acls] = *acl;
    idx_set(&nb->acl_idx, acl->uuid, nb->plan.n_acls++);
    sset_map_add(&nb->acls_of, acl->group_key, acl->uuid);
    sset_add(&nb->dirty_acls, acl->uuid);
    memset(acl, 0, sizeof *acl);
}

void
ctl_nb_update(struct ctl_nb *nb, struct ctl_plan_delta *d)
{
    const char *uuid;
    size_t i;
    SVEC_FOR_EACH (i, uuid, &d->gone_acls) {
        ctl_nb_del_acl(nb, uuid);
    }
    SVEC_FOR_EACH (i, uuid, &d->gone_vifs) {
        ctl_nb_del_vif(nb, uuid);
    }
    SVEC_FOR_EACH (i, uuid, &d->gone_networks) {
        ctl_nb_del_network(nb, uuid);
    }
    for (i = 0; i < d->put.n_networks; i++) {
        ctl_nb_put_network(nb, &d->put.networks[i]);
    }
    for (i = 0; i < d->put.n_vifs; i++) {
        ctl_nb_put_vif(nb, &d->put.vifs[i]);
    }
    for (i = 0; i < d->put.n_acls; i++) {
        ctl_nb_put_acl(nb, &d->put.acls[i]);
    }
    d->put.n_networks = d->put.n_vifs = d->put.n_acls = 0;
    ctl_plan_delta_destroy(d);
    nb->synced = false;
    nb->retry_at = 0;
}

/* Rebuilds the index of xovs's port groups (few: one per ACL target). */
static void
ctl_nb_index_groups(struct ctl_nb *nb)
{
    const struct nbrec_port_group *pg;
    shash_clear(&nb->groups);
    NBREC_PORT_GROUP_FOR_EACH(pg, nb->idl)
    {
        const char *key = smap_get(&pg->external_ids, "xovs-pg");
        if (key) {
            shash_add_once(&nb->groups, key, pg);
        }
    }
}

/* Rebuilds the indexes of the owned rows from the replica. */
static void
ctl_nb_index(struct ctl_nb *nb)
{
    const struct nbrec_logical_switch *ls;

    shash_clear(&nb->switches);
    shash_clear(&nb->ports);
    shash_clear(&nb->lnports);
    NBREC_LOGICAL_SWITCH_FOR_EACH(ls, nb->idl)
    {
        const char *net = smap_get(&ls->external_ids, "xovs-network");
        if (!net) {
            continue;
        }
        shash_add_once(&nb->switches, net, ls);
        for (size_t i = 0; i < ls->n_ports; i++) {
            const struct nbrec_logical_switch_port *p = ls->ports[i];
            const char *vif = smap_get(&p->external_ids, "xovs-vif");
            const char *ln = smap_get(&p->external_ids, "xovs-network");
            if (vif) {
                shash_add_once(&nb->ports, vif, p);
            } else if (ln) {
                shash_add_once(&nb->lnports, ln, p);
            }
        }
    }
    ctl_acl_nb_index(nb->idl, &nb->acls);
    ctl_nb_index_groups(nb);
}

static bool
streq(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

static bool
set_is(char **have, size_t n_have, const char *const *want, size_t n_want)
{
    if (n_have != n_want) {
        return false;
    }
    for (size_t i = 0; i < n_want; i++) {
        size_t j;
        for (j = 0; j < n_have && strcmp(have[j], want[i]); j++) {
            continue;
        }
        if (j == n_have) {
            return false;
        }
    }
    return true;
}

/* What one logical switch port should be. */
struct ctl_lsp {
    const char *name;
    const char *type;
    const char *address;       /* the one element of addresses */
    const char *port_security; /* NULL: none */
    struct smap options;
    struct smap external_ids;
    int vlan; /* tag_request, -1: none */
};

static void
ctl_lsp_destroy(struct ctl_lsp *want)
{
    smap_destroy(&want->options);
    smap_destroy(&want->external_ids);
    free(CONST_CAST(char *, want->address));
}

/* What VIF 'vif''s port should be (ctl_lsp_destroy() frees it). */
static void
ctl_nb_want_vif(const struct ctl_plan_vif *vif, struct ctl_lsp *want)
{
    /* OVN's form "MAC IP...": with addresses, port security also drops
     * other source addresses (the VIF's locking mode). */
    char *addr = (*vif->ips ? xasprintf("%s %s", vif->mac, vif->ips)
                            : xstrdup(vif->mac));
    *want = (struct ctl_lsp){
        .name = vif->uuid,
        .type = "",
        .address = addr,
        .port_security = addr,
        .vlan = -1,
    };
    smap_init(&want->options);
    smap_init(&want->external_ids);
    if (*vif->target) {
        /* Live migration: OVN binds the port on both hosts; the target's
         * copy carries traffic only once the guest announces itself there
         * with a RARP (ovn-nb(5)). */
        smap_add_format(&want->options, "requested-chassis", "%s,%s",
                        vif->host, vif->target);
        smap_add(&want->options, "activation-strategy", "rarp");
    } else {
        smap_add(&want->options, "requested-chassis", vif->host);
    }
    smap_add(&want->external_ids, "xovs-vif", vif->uuid);
    if (*vif->vm) {
        smap_add(&want->external_ids, "xovs-vm", vif->vm);
    }
}

/* What network 'net''s localnet port should be (ctl_lsp_destroy() frees
 * it). */
static void
ctl_nb_want_localnet(const struct ctl_plan_network *net, struct ctl_lsp *want)
{
    *want = (struct ctl_lsp){
        .name = xasprintf("ln-%s", net->uuid),
        .type = "localnet",
        .address = xstrdup("unknown"),
        .vlan = net->vlan,
    };
    smap_init(&want->options);
    smap_init(&want->external_ids);
    smap_add(&want->options, "network_name", net->physical);
    smap_add(&want->external_ids, "xovs-network", net->uuid);
}

/* Makes 'p' (NULL: a new row) what 'want' says; returns the row. */
static const struct nbrec_logical_switch_port *
ctl_nb_put_port(struct ovsdb_idl_txn *txn,
                const struct nbrec_logical_switch_port *p,
                const struct ctl_lsp *want, bool *changed)
{
    if (!p) {
        p = nbrec_logical_switch_port_insert(txn);
        *changed = true;
    }
    if (!streq(p->name, want->name)) {
        nbrec_logical_switch_port_set_name(p, want->name);
        *changed = true;
    }
    if (!streq(p->type, want->type)) {
        nbrec_logical_switch_port_set_type(p, want->type);
        *changed = true;
    }
    if (!set_is(p->addresses, p->n_addresses, &want->address, 1)) {
        nbrec_logical_switch_port_set_addresses(
            p, CONST_CAST(const char **, &want->address), 1);
        *changed = true;
    }
    size_t n_ps = want->port_security ? 1 : 0;
    if (!set_is(p->port_security, p->n_port_security, &want->port_security,
                n_ps)) {
        nbrec_logical_switch_port_set_port_security(
            p, CONST_CAST(const char **, &want->port_security), n_ps);
        *changed = true;
    }
    if (!smap_equal(&p->options, &want->options)) {
        nbrec_logical_switch_port_set_options(p, &want->options);
        *changed = true;
    }
    if (!smap_equal(&p->external_ids, &want->external_ids)) {
        nbrec_logical_switch_port_set_external_ids(p, &want->external_ids);
        *changed = true;
    }
    int64_t tag = want->vlan;
    size_t n_tag = want->vlan >= 0 ? 1 : 0;
    if (p->n_tag_request != n_tag || (n_tag && p->tag_request[0] != tag)) {
        nbrec_logical_switch_port_set_tag_request(p, &tag, n_tag);
        *changed = true;
    }
    return p;
}

/* Makes switch 'ls' (NULL: new) hold network 'uuid' as 'net' says, with
 * its VIFs; returns true if it wrote anything. */
static bool
ctl_nb_put_switch(struct ctl_nb *nb, struct ovsdb_idl_txn *txn,
                  const struct nbrec_logical_switch *ls,
                  const struct ctl_plan_network *net)
{
    bool changed = false;
    struct smap ids = SMAP_INITIALIZER(&ids);
    const char *uuid = net->uuid;
    smap_add(&ids, "xovs-network", uuid);

    if (!ls) {
        ls = nbrec_logical_switch_insert(txn);
        changed = true;
    }
    if (!streq(ls->name, net->name)) {
        nbrec_logical_switch_set_name(ls, net->name);
        changed = true;
    }
    if (!smap_equal(&ls->external_ids, &ids)) {
        nbrec_logical_switch_set_external_ids(ls, &ids);
        changed = true;
    }

    /* The ports it should have: xovs's by name, others kept as they are. */
    struct shash have = SHASH_INITIALIZER(&have);
    size_t n_ports = 0, cap = ls->n_ports + 1;
    struct nbrec_logical_switch_port **ports = xmalloc(cap * sizeof *ports);
    bool inserted = false;
    for (size_t i = 0; i < ls->n_ports; i++) {
        const struct nbrec_logical_switch_port *p = ls->ports[i];
        if (smap_get(&p->external_ids, "xovs-vif")
            || smap_get(&p->external_ids, "xovs-network")) {
            shash_add_once(&have, p->name, p);
        } else {
            ports[n_ports++]
                = CONST_CAST(struct nbrec_logical_switch_port *, p);
        }
    }
    if (*net->physical) {
        struct ctl_lsp want;
        ctl_nb_want_localnet(net, &want);
        const struct nbrec_logical_switch_port *old
            = shash_find_and_delete(&have, want.name);
        const struct nbrec_logical_switch_port *p
            = ctl_nb_put_port(txn, old, &want, &changed);
        inserted |= !old;
        ports[n_ports++] = CONST_CAST(struct nbrec_logical_switch_port *, p);
        free(CONST_CAST(char *, want.name));
        ctl_lsp_destroy(&want);
    }
    const struct sset *vifs = shash_find_data(&nb->vifs_of, uuid);
    const char *vuuid;
    SSET_FOR_EACH (vuuid,
                   vifs ? CONST_CAST(struct sset *, vifs) : &empty_sset) {
        size_t at = idx_get(&nb->vif_idx, vuuid);
        struct ctl_lsp want;
        ctl_nb_want_vif(&nb->plan.vifs[at - 1], &want);
        if (n_ports == cap) {
            cap *= 2;
            ports = xrealloc(ports, cap * sizeof *ports);
        }
        const struct nbrec_logical_switch_port *old
            = shash_find_and_delete(&have, vuuid);
        const struct nbrec_logical_switch_port *p
            = ctl_nb_put_port(txn, old, &want, &changed);
        nb->stats.ports_compared++;
        inserted |= !old;
        ports[n_ports++] = CONST_CAST(struct nbrec_logical_switch_port *, p);
        ctl_lsp_destroy(&want);
    }
    /* Ports of xovs's that no record wants any more: dropping them from the
     * switch deletes them (non-root rows).  Every other port in 'ports'
     * came from the switch, so the set is the same unless one was added
     * or one is left over. */
    if (inserted || have.map.n) {
        nbrec_logical_switch_set_ports(ls, ports, n_ports);
        changed = true;
    }
    free(ports);
    shash_destroy(&have);
    smap_destroy(&ids);
    return changed;
}

static void
ctl_nb_clear_dirty(struct ctl_nb *nb)
{
    sset_clear(&nb->dirty_nets);
    sset_clear(&nb->dirty_vifs);
    sset_clear(&nb->dirty_acls);
    sset_clear(&nb->dirty_groups);
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &nb->gone_vifs) {
        free(node->data);
    }
    shash_clear(&nb->gone_vifs);
    SHASH_FOR_EACH_SAFE (node, &nb->gone_acls) {
        free(node->data);
    }
    shash_clear(&nb->gone_acls);
}

static bool
ctl_nb_has_dirty(const struct ctl_nb *nb)
{
    return (nb->full || !sset_is_empty(&nb->dirty_nets)
            || !sset_is_empty(&nb->dirty_vifs)
            || !sset_is_empty(&nb->dirty_acls)
            || !sset_is_empty(&nb->dirty_groups));
}

/* The full pass: every desired record vs the replica, differences into a
 * transaction. */
static struct ovsdb_idl_txn *
ctl_nb_sync_full(struct ctl_nb *nb)
{
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(nb->idl);
    const struct nbrec_logical_switch *ls;
    bool changed = false;

    nb->stats.full_passes++;
    ovsdb_idl_txn_add_comment(txn, "xovs-controller");
    struct shash owned = SHASH_INITIALIZER(&owned);
    NBREC_LOGICAL_SWITCH_FOR_EACH(ls, nb->idl)
    {
        const char *net = smap_get(&ls->external_ids, "xovs-network");
        if (!net) {
            continue; /* not ours */
        }
        if (!idx_get(&nb->net_idx, net) || !shash_add_once(&owned, net, ls)) {
            VLOG_INFO("removing logical switch %s (network %s is gone)",
                      ls->name, net);
            nbrec_logical_switch_delete(ls);
            changed = true;
        }
    }
    for (size_t i = 0; i < nb->plan.n_networks; i++) {
        const struct ctl_plan_network *net = &nb->plan.networks[i];
        changed |= ctl_nb_put_switch(nb, txn,
                                     shash_find_data(&owned, net->uuid), net);
    }
    changed |= ctl_acl_nb_sync(nb->idl, txn, &nb->plan);
    nb->stats.acls_compared += nb->plan.n_acls;
    shash_destroy(&owned);
    if (!changed) {
        ovsdb_idl_txn_destroy(txn);
        return NULL;
    }
    return txn;
}

/* The members a port group 'key' should have ('new_lsps': VIF uuid -> the
 * port this transaction inserts for it). */
static void
ctl_nb_group_members(struct ctl_nb *nb, const char *key,
                     const struct shash *new_lsps, struct hmapx *ports)
{
    for (size_t i = 0; i < nb->plan.n_vifs; i++) {
        const struct ctl_plan_vif *v = &nb->plan.vifs[i];
        char *vkey[4] = {xstrdup("pool"), xasprintf("network:%s", v->network),
                         *v->vm ? xasprintf("vm:%s", v->vm) : NULL,
                         xasprintf("vif:%s", v->uuid)};
        bool member = false;
        for (size_t k = 0; k < 4; k++) {
            member |= vkey[k] && !strcmp(vkey[k], key);
            free(vkey[k]);
        }
        if (member) {
            const struct nbrec_logical_switch_port *p
                = shash_find_data(&nb->ports, v->uuid);
            if (!p) {
                p = shash_find_data(new_lsps, v->uuid);
            }
            if (p) {
                hmapx_add(ports, CONST_CAST(void *, (const void *)p));
            }
        }
    }
}

/* Makes port group 'key' what the plan says, whole: O(its members). */
static bool
ctl_nb_put_group(struct ctl_nb *nb, struct ovsdb_idl_txn *txn, const char *key,
                 const struct shash *new_lsps)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    const struct nbrec_port_group *pg = shash_find_data(&nb->groups, key);
    const struct sset *uuids = shash_find_data(&nb->acls_of, key);
    if (!uuids) {
        if (pg) {
            VLOG_INFO("removing port group %s (no ACL on it)", pg->name);
            nbrec_port_group_delete(pg);
            return true;
        }
        return false;
    }
    const struct ctl_plan_acl **acls
        = xmalloc(sset_count(uuids) * sizeof *acls);
    size_t n = 0;
    const char *u;
    SSET_FOR_EACH (u, uuids) {
        acls[n++] = &nb->plan.acls[idx_get(&nb->acl_idx, u) - 1];
    }
    nb->stats.acls_compared += n;
    if (!pg) {
        const struct nbrec_port_group *other;
        NBREC_PORT_GROUP_FOR_EACH(other, nb->idl)
        {
            if (!strcmp(other->name, acls[0]->group)) {
                VLOG_WARN_RL(&rl,
                             "port group %s exists and is not xovs's: its "
                             "ACLs stay pending (rename or remove that "
                             "group)",
                             other->name);
                free(acls);
                return false;
            }
        }
    }
    struct hmapx ports = HMAPX_INITIALIZER(&ports);
    ctl_nb_group_members(nb, key, new_lsps, &ports);
    nb->stats.group_ports_compared += hmapx_count(&ports);
    bool changed
        = ctl_acl_nb_put_group(txn, pg, acls[0]->group, key, &ports, acls, n);
    if (pg) {
        hmapx_add(&nb->own_pgs, CONST_CAST(void *, (const void *)pg));
    }
    hmapx_destroy(&ports);
    free(acls);
    return changed;
}

/* The incremental pass: only the dirty records vs the replica.  Returns
 * false if it met something only the full pass can do (it then wrote
 * nothing). */
static bool
ctl_nb_sync_incr(struct ctl_nb *nb, struct ovsdb_idl_txn **txnp)
{
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(nb->idl);
    struct shash new_lsps = SHASH_INITIALIZER(&new_lsps);
    struct sset groups = SSET_INITIALIZER(&groups);
    bool changed = false;
    const char *uuid;

    ovsdb_idl_txn_add_comment(txn, "xovs-controller");

    /* Networks: the switch row and its localnet port; a new or recreated
     * switch is the full pass's. */
    SSET_FOR_EACH (uuid, &nb->dirty_nets) {
        size_t at = idx_get(&nb->net_idx, uuid);
        const struct nbrec_logical_switch *ls
            = shash_find_data(&nb->switches, uuid);
        if (!at) {
            if (ls) {
                VLOG_INFO("removing logical switch %s (network %s is gone)",
                          ls->name, uuid);
                nbrec_logical_switch_delete(ls);
                changed = true;
            }
            continue;
        }
        const struct ctl_plan_network *net = &nb->plan.networks[at - 1];
        if (!ls) {
            goto full;
        }
        if (!streq(ls->name, net->name)) {
            nbrec_logical_switch_set_name(ls, net->name);
            changed = true;
        }
        struct smap ids = SMAP_INITIALIZER(&ids);
        smap_add(&ids, "xovs-network", uuid);
        if (!smap_equal(&ls->external_ids, &ids)) {
            nbrec_logical_switch_set_external_ids(ls, &ids);
            changed = true;
        }
        smap_destroy(&ids);
        const struct nbrec_logical_switch_port *ln
            = shash_find_data(&nb->lnports, uuid);
        if (*net->physical) {
            struct ctl_lsp want;
            ctl_nb_want_localnet(net, &want);
            const struct nbrec_logical_switch_port *p
                = ctl_nb_put_port(txn, ln, &want, &changed);
            if (!ln) {
                nbrec_logical_switch_update_ports_addvalue(ls, p);
            }
            free(CONST_CAST(char *, want.name));
            ctl_lsp_destroy(&want);
        } else if (ln) {
            nbrec_logical_switch_update_ports_delvalue(ls, ln);
            changed = true;
        }
    }

    /* VIFs: their own port each. */
    SSET_FOR_EACH (uuid, &nb->dirty_vifs) {
        size_t at = idx_get(&nb->vif_idx, uuid);
        const struct ctl_plan_vif *v = at ? &nb->plan.vifs[at - 1] : NULL;
        const char *gone_net = shash_find_data(&nb->gone_vifs, uuid);
        const struct nbrec_logical_switch_port *lsp
            = shash_find_data(&nb->ports, uuid);
        nb->stats.ports_compared++;
        if (gone_net && lsp && (!v || strcmp(v->network, gone_net))) {
            const struct nbrec_logical_switch *old
                = shash_find_data(&nb->switches, gone_net);
            if (!old) {
                goto full;
            }
            nbrec_logical_switch_update_ports_delvalue(old, lsp);
            changed = true;
            lsp = NULL;
        }
        if (!v) {
            if (lsp) {
                goto full; /* a port of xovs's that no record wants */
            }
            continue;
        }
        const struct nbrec_logical_switch *ls
            = shash_find_data(&nb->switches, v->network);
        if (!ls) {
            goto full;
        }
        struct ctl_lsp want;
        ctl_nb_want_vif(v, &want);
        const struct nbrec_logical_switch_port *p
            = ctl_nb_put_port(txn, lsp, &want, &changed);
        ctl_lsp_destroy(&want);
        if (!lsp) {
            nbrec_logical_switch_update_ports_addvalue(ls, p);
            shash_add(&new_lsps, uuid, p);
        }
    }

    /* ACLs: their own row each; a group that has to be made (or removed)
     * is compared whole. */
    SSET_FOR_EACH (uuid, &nb->dirty_groups) {
        sset_add(&groups, uuid);
    }
    SSET_FOR_EACH (uuid, &nb->dirty_acls) {
        size_t at = idx_get(&nb->acl_idx, uuid);
        const struct ctl_plan_acl *a = at ? &nb->plan.acls[at - 1] : NULL;
        const char *gone_key = shash_find_data(&nb->gone_acls, uuid);
        const struct nbrec_acl *row = shash_find_data(&nb->acls, uuid);
        nb->stats.acls_compared++;
        if (gone_key && (!a || strcmp(a->group_key, gone_key))) {
            const struct nbrec_port_group *pg
                = shash_find_data(&nb->groups, gone_key);
            if (!shash_find(&nb->acls_of, gone_key)) {
                sset_add(&groups, gone_key); /* removed with it */
            } else if (pg && row) {
                nbrec_port_group_update_acls_delvalue(pg, row);
                hmapx_add(&nb->own_pgs, CONST_CAST(void *, (const void *)pg));
                changed = true;
            }
            row = NULL;
        }
        if (!a) {
            continue;
        }
        const struct nbrec_port_group *pg
            = shash_find_data(&nb->groups, a->group_key);
        if (!pg || sset_contains(&groups, a->group_key)) {
            sset_add(&groups, a->group_key);
            continue;
        }
        if (!row) {
            hmapx_add(&nb->own_pgs, CONST_CAST(void *, (const void *)pg));
        }
        changed |= ctl_acl_nb_put(txn, pg, row, a);
    }
    SSET_FOR_EACH (uuid, &groups) {
        changed |= ctl_nb_put_group(nb, txn, uuid, &new_lsps);
    }

    /* New ports join the groups their VIF is in (a port that goes leaves
     * them by itself: the groups' references are weak). */
    struct shash_node *node;
    SHASH_FOR_EACH (node, &new_lsps) {
        const struct ctl_plan_vif *v
            = &nb->plan.vifs[idx_get(&nb->vif_idx, node->name) - 1];
        char *keys[4] = {xstrdup("pool"), xasprintf("network:%s", v->network),
                         *v->vm ? xasprintf("vm:%s", v->vm) : NULL,
                         xasprintf("vif:%s", v->uuid)};
        for (size_t k = 0; k < 4; k++) {
            const struct nbrec_port_group *pg
                = keys[k] ? shash_find_data(&nb->groups, keys[k]) : NULL;
            if (pg && shash_find(&nb->acls_of, keys[k])
                && !sset_contains(&groups, keys[k])) {
                nbrec_port_group_update_ports_addvalue(pg, node->data);
                hmapx_add(&nb->own_pgs, CONST_CAST(void *, (const void *)pg));
                changed = true;
            }
            free(keys[k]);
        }
    }
    shash_destroy(&new_lsps);
    sset_destroy(&groups);
    nb->stats.incremental_passes++;
    if (!changed) {
        ovsdb_idl_txn_destroy(txn);
        txn = NULL;
    }
    *txnp = txn;
    return true;

full:
    shash_destroy(&new_lsps);
    sset_destroy(&groups);
    ovsdb_idl_txn_abort(txn);
    ovsdb_idl_txn_destroy(txn);
    *txnp = NULL;
    return false;
}

/* One pass: the full one or the incremental one. */
static void
ctl_nb_sync(struct ctl_nb *nb)
{
    struct ovsdb_idl_txn *txn = NULL;
    hmapx_clear(&nb->own_pgs);
    if (nb->full || !ctl_nb_sync_incr(nb, &txn)) {
        txn = ctl_nb_sync_full(nb);
    }
    nb->full = false;
    ctl_nb_clear_dirty(nb);
    nb->synced = !txn;
    nb->txn = txn;
}

/* The rows of xovs's that changed in the replica since the last look (ours
 * or someone else's): their records are compared again.  Keeps the indexes
 * up to date, in O(changed rows). */
static void
ctl_nb_track(struct ctl_nb *nb)
{
    const struct nbrec_logical_switch_port *lsp;
    const struct nbrec_logical_switch *ls;
    const struct nbrec_acl *acl;
    const struct nbrec_port_group *pg;
    bool switches = false, groups = false;

    NBREC_LOGICAL_SWITCH_PORT_FOR_EACH_TRACKED(lsp, nb->idl)
    {
        const char *vif = smap_get(&lsp->external_ids, "xovs-vif");
        const char *ln = smap_get(&lsp->external_ids, "xovs-network");
        bool gone = nbrec_logical_switch_port_is_deleted(lsp);
        struct shash *idx = vif ? &nb->ports : &nb->lnports;
        const char *key = vif ? vif : ln;
        if (!key) {
            continue;
        }
        if (gone) {
            if (shash_find_data(idx, key) == lsp) {
                shash_find_and_delete(idx, key);
            }
        } else {
            shash_replace(idx, key, lsp);
        }
        if (vif) {
            if (idx_get(&nb->vif_idx, vif)) {
                sset_add(&nb->dirty_vifs, vif);
            } else if (!gone) {
                nb->full = true;
            }
        } else if (idx_get(&nb->net_idx, ln)) {
            sset_add(&nb->dirty_nets, ln);
        } else if (!gone) {
            nb->full = true;
        }
    }
    NBREC_LOGICAL_SWITCH_FOR_EACH_TRACKED(ls, nb->idl)
    {
        const char *net = smap_get(&ls->external_ids, "xovs-network");
        if (net) {
            switches = true;
            if (idx_get(&nb->net_idx, net)) {
                sset_add(&nb->dirty_nets, net);
                if (nbrec_logical_switch_is_deleted(ls)) {
                    nb->full = true; /* its ports went with it */
                }
            } else if (!nbrec_logical_switch_is_deleted(ls)) {
                nb->full = true;
            }
        }
    }
    NBREC_ACL_FOR_EACH_TRACKED(acl, nb->idl)
    {
        const char *u = smap_get(&acl->external_ids, "xovs-acl");
        if (!u) {
            continue;
        }
        bool gone = nbrec_acl_is_deleted(acl);
        if (gone) {
            if (shash_find_data(&nb->acls, u) == acl) {
                shash_find_and_delete(&nb->acls, u);
            }
        } else {
            shash_replace(&nb->acls, u, acl);
        }
        if (idx_get(&nb->acl_idx, u)) {
            sset_add(&nb->dirty_acls, u);
        } else if (!gone) {
            nb->full = true;
        }
    }
    NBREC_PORT_GROUP_FOR_EACH_TRACKED(pg, nb->idl)
    {
        const char *key = smap_get(&pg->external_ids, "xovs-pg");
        if (!key) {
            continue;
        }
        groups = true;
        bool gone = nbrec_port_group_is_deleted(pg);
        if (!gone && !nbrec_port_group_is_new(pg)
            && !nbrec_port_group_is_updated(pg, NBREC_PORT_GROUP_COL_PORTS)
            && !nbrec_port_group_is_updated(pg, NBREC_PORT_GROUP_COL_ACLS)
            && !nbrec_port_group_is_updated(pg, NBREC_PORT_GROUP_COL_NAME)
            && !nbrec_port_group_is_updated(
                pg, NBREC_PORT_GROUP_COL_EXTERNAL_IDS)) {
            continue; /* a row it refers to changed (a port went up) */
        }
        if (!shash_find(&nb->acls_of, key)) {
            nb->full |= !gone;
        } else if (gone || !hmapx_contains(&nb->own_pgs, pg)) {
            /* Someone else's change: its members and ACLs, whole. */
            VLOG_INFO("port group %s changed (%s, not by this controller's "
                      "last transaction): comparing it whole",
                      pg->name, gone ? "deleted" : "modified");
            sset_add(&nb->dirty_groups, key);
        }
    }
    if (switches) {
        const struct nbrec_logical_switch *s;
        shash_clear(&nb->switches);
        NBREC_LOGICAL_SWITCH_FOR_EACH(s, nb->idl)
        {
            const char *net = smap_get(&s->external_ids, "xovs-network");
            if (net) {
                shash_add_once(&nb->switches, net, s);
            }
        }
    }
    if (groups) {
        ctl_nb_index_groups(nb);
    }
}

void
ctl_nb_run(struct ctl_nb *nb)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    ovsdb_idl_run(nb->idl);
    unsigned int seqno = ovsdb_idl_get_seqno(nb->idl);
    bool connected = ovsdb_idl_is_connected(nb->idl);
    if (!ovsdb_idl_is_alive(nb->idl)) {
        VLOG_WARN_RL(
            &rl, "northbound database unreachable: %s (retrying)",
            ovsdb_idl_get_last_error(nb->idl) == 0
                ? "connecting"
                : ovs_retval_to_string(ovsdb_idl_get_last_error(nb->idl)));
    }
    if (!connected && nb->was_connected) {
        nb->full = true; /* what changed meanwhile is not tracked */
    }
    nb->was_connected = connected;
    if (nb->txn) {
        enum ovsdb_idl_txn_status st = ovsdb_idl_txn_commit(nb->txn);
        if (st == TXN_INCOMPLETE) {
            return;
        }
        if (st != TXN_SUCCESS && st != TXN_UNCHANGED) {
            VLOG_WARN_RL(&rl, "northbound transaction %s: %s; retrying",
                         ovsdb_idl_txn_status_to_string(st),
                         ovsdb_idl_txn_get_error(nb->txn));
            nb->retry_at = time_msec() + CTL_NB_RETRY_MS;
            nb->full = true;
        }
        ovsdb_idl_txn_destroy(nb->txn);
        nb->txn = NULL;
        /* Look again at what the replica says now. */
        nb->synced_seqno = seqno - 1;
    }
    if (seqno != nb->synced_seqno) {
        if (!nb->full) {
            ctl_nb_track(nb);
        }
        ovsdb_idl_track_clear(nb->idl);
        nb->synced_seqno = seqno;
        if (nb->full) {
            ctl_nb_index(nb);
        }
    }
    if (!ovsdb_idl_has_ever_connected(nb->idl)
        || (nb->retry_at && time_msec() < nb->retry_at)) {
        return;
    }
    if (ctl_nb_has_dirty(nb)) {
        nb->retry_at = 0;
        ctl_nb_sync(nb);
        if (nb->txn) {
            ovsdb_idl_txn_commit(nb->txn);
        }
    }
}

void
ctl_nb_wait(struct ctl_nb *nb)
{
    ovsdb_idl_wait(nb->idl);
    if (nb->txn) {
        ovsdb_idl_txn_wait(nb->txn);
    }
    if (nb->retry_at) {
        poll_timer_wait_until(nb->retry_at);
    } else if (ctl_nb_has_dirty(nb) && ovsdb_idl_has_ever_connected(nb->idl)) {
        poll_immediate_wake();
    }
}

bool
ctl_nb_is_synced(const struct ctl_nb *nb)
{
    return (nb->synced && !nb->txn && !ctl_nb_has_dirty(nb)
            && ovsdb_idl_is_connected(nb->idl)
            && ovsdb_idl_get_seqno(nb->idl) == nb->synced_seqno);
}

void
ctl_nb_get_stats(const struct ctl_nb *nb, struct ctl_nb_stats *st)
{
    *st = nb->stats;
}

static void
ctl_nb_unixctl_stats(struct unixctl_conn *conn, int argc OVS_UNUSED,
                     const char *argv[] OVS_UNUSED, void *nb_)
{
    const struct ctl_nb *nb = nb_;
    char *s = xasprintf("full-passes: %llu\n"
                        "incremental-passes: %llu\n"
                        "ports-compared: %llu\n"
                        "acls-compared: %llu\n"
                        "group-ports-compared: %llu\n"
                        "networks: %zu\n"
                        "vifs: %zu\n"
                        "acls: %zu\n",
                        nb->stats.full_passes, nb->stats.incremental_passes,
                        nb->stats.ports_compared, nb->stats.acls_compared,
                        nb->stats.group_ports_compared, nb->plan.n_networks,
                        nb->plan.n_vifs, nb->plan.n_acls);
    unixctl_command_reply(conn, s);
    free(s);
}

const char *
ctl_nb_network_status(void *nb_, const char *uuid)
{
    struct ctl_nb *nb = nb_;
    return (ctl_nb_is_synced(nb) && shash_find(&nb->switches, uuid)
                ? "applied"
                : "pending");
}

const char *
ctl_nb_vif_status(void *nb_, const char *uuid)
{
    struct ctl_nb *nb = nb_;
    return (ctl_nb_is_synced(nb) && shash_find(&nb->ports, uuid) ? "applied"
                                                                 : "pending");
}

bool
ctl_nb_vif_bound(void *nb_, const char *uuid)
{
    struct ctl_nb *nb = nb_;
    const struct nbrec_logical_switch_port *p
        = shash_find_data(&nb->ports, uuid);
    return p && p->n_up && p->up[0];
}

const char *
ctl_nb_acl_status(void *nb_, const char *uuid)
{
    struct ctl_nb *nb = nb_;
    return (ctl_nb_is_synced(nb) && shash_find(&nb->acls, uuid) ? "applied"
                                                                : "pending");
}
