/* controller/ctl-nb.c: pool records -> OVN northbound, through the typed
 * IDL (see ctl-nb.h for the mapping). */
#include <config.h>
#include "controller/ctl-nb.h"

#include <string.h>

#include "controller/ctl-acl.h"
#include "controller/ovn-nb-idl.h"
#include "openvswitch/shash.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ctl_nb);

/* After a failed transaction, the next try waits this long. */
#define CTL_NB_RETRY_MS 1000

struct ctl_nb {
    struct ovsdb_idl *idl;
    struct ovsdb_idl_txn *txn; /* in flight, or NULL */
    struct ctl_plan plan;      /* desired records */
    struct shash vifs_of;      /* network uuid -> its VIFs' indexes in
                                * 'plan' (a 'struct ctl_idx') */
    bool dirty;                /* the records changed since the last txn */
    unsigned int synced_seqno; /* replica seqno the last sync looked at */
    long long retry_at;        /* time_msec() of the next try after a
                                * failure; 0: none pending */
    bool synced;               /* the last sync had nothing to write */
    struct shash switches;     /* network uuid -> its Logical_Switch */
    struct shash ports;        /* VIF uuid -> its Logical_Switch_Port */
    struct shash acls;         /* ACL uuid -> its ACL row */
};

struct ctl_nb *
ctl_nb_create(const char *remote)
{
    struct ctl_nb *nb = xzalloc(sizeof *nb);
    nb->idl = ovsdb_idl_create(remote, &nbrec_idl_class, true, true);
    ovsdb_idl_set_leader_only(nb->idl, true);
    nb->dirty = true;
    shash_init(&nb->switches);
    shash_init(&nb->ports);
    shash_init(&nb->acls);
    shash_init(&nb->vifs_of);
    return nb;
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
        shash_destroy(&nb->acls);
        shash_destroy_free_data(&nb->vifs_of);
        ctl_plan_destroy(&nb->plan);
        free(nb);
    }
}

/* Indexes of one network's VIFs in the plan. */
struct ctl_idx {
    size_t *idx;
    size_t n, cap;
};

void
ctl_plan_destroy(struct ctl_plan *plan)
{
    for (size_t i = 0; i < plan->n_networks; i++) {
        struct ctl_plan_network *n = &plan->networks[i];
        free(n->uuid);
        free(n->name);
        free(n->physical);
    }
    for (size_t i = 0; i < plan->n_vifs; i++) {
        struct ctl_plan_vif *v = &plan->vifs[i];
        free(v->uuid);
        free(v->network);
        free(v->mac);
        free(v->host);
        free(v->vm);
        free(v->ips);
        free(v->target);
    }
    ctl_acl_plan_free(plan->acls, plan->n_acls);
    free(plan->networks);
    free(plan->vifs);
    memset(plan, 0, sizeof *plan);
}

static void
ctl_idx_free(void *p_)
{
    struct ctl_idx *p = p_;
    free(p->idx);
    free(p);
}

void
ctl_nb_set_desired(struct ctl_nb *nb, struct ctl_plan *plan)
{
    ctl_plan_destroy(&nb->plan);
    nb->plan = *plan;
    memset(plan, 0, sizeof *plan);
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &nb->vifs_of) {
        ctl_idx_free(node->data);
    }
    shash_clear(&nb->vifs_of);
    for (size_t i = 0; i < nb->plan.n_vifs; i++) {
        const char *net = nb->plan.vifs[i].network;
        struct ctl_idx *x = shash_find_data(&nb->vifs_of, net);
        if (!x) {
            x = xzalloc(sizeof *x);
            shash_add(&nb->vifs_of, net, x);
        }
        if (x->n == x->cap) {
            x->idx = x2nrealloc(x->idx, &x->cap, sizeof *x->idx);
        }
        x->idx[x->n++] = i;
    }
    nb->dirty = true;
    nb->synced = false;
    nb->retry_at = 0;
}

/* Rebuilds the indexes of the owned rows from the replica. */
static void
ctl_nb_index(struct ctl_nb *nb)
{
    const struct nbrec_logical_switch *ls;

    shash_clear(&nb->switches);
    shash_clear(&nb->ports);
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
            if (vif) {
                shash_add_once(&nb->ports, vif, p);
            }
        }
    }
    ctl_acl_nb_index(nb->idl, &nb->acls);
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
    const char *phys = net->physical;
    if (*phys) {
        char *name = xasprintf("ln-%s", uuid);
        struct ctl_lsp want = {
            .name = name,
            .type = "localnet",
            .address = "unknown",
            .vlan = net->vlan,
        };
        smap_init(&want.options);
        smap_init(&want.external_ids);
        smap_add(&want.options, "network_name", phys);
        smap_add(&want.external_ids, "xovs-network", uuid);
        const struct nbrec_logical_switch_port *old
            = shash_find_and_delete(&have, name);
        const struct nbrec_logical_switch_port *p
            = ctl_nb_put_port(txn, old, &want, &changed);
        inserted |= !old;
        ports[n_ports++] = CONST_CAST(struct nbrec_logical_switch_port *, p);
        smap_destroy(&want.options);
        smap_destroy(&want.external_ids);
        free(name);
    }
    const struct ctl_idx *x = shash_find_data(&nb->vifs_of, uuid);
    for (size_t i = 0; x && i < x->n; i++) {
        const struct ctl_plan_vif *vif = &nb->plan.vifs[x->idx[i]];
        const char *vuuid = vif->uuid;
        /* OVN's form "MAC IP...": with addresses, port security also
         * drops other source addresses (the VIF's locking mode). */
        char *addr = (*vif->ips ? xasprintf("%s %s", vif->mac, vif->ips)
                                : xstrdup(vif->mac));
        struct ctl_lsp want = {
            .name = vuuid,
            .type = "",
            .address = addr,
            .port_security = addr,
            .vlan = -1,
        };
        smap_init(&want.options);
        smap_init(&want.external_ids);
        if (*vif->target) {
            /* Live migration: OVN binds the port on both hosts; the
             * target's copy carries traffic only once the guest announces
             * itself there with a RARP (ovn-nb(5)). */
            smap_add_format(&want.options, "requested-chassis", "%s,%s",
                            vif->host, vif->target);
            smap_add(&want.options, "activation-strategy", "rarp");
        } else {
            smap_add(&want.options, "requested-chassis", vif->host);
        }
        smap_add(&want.external_ids, "xovs-vif", vuuid);
        if (*vif->vm) {
            smap_add(&want.external_ids, "xovs-vm", vif->vm);
        }
        if (n_ports == cap) {
            cap *= 2;
            ports = xrealloc(ports, cap * sizeof *ports);
        }
        const struct nbrec_logical_switch_port *old
            = shash_find_and_delete(&have, vuuid);
        const struct nbrec_logical_switch_port *p
            = ctl_nb_put_port(txn, old, &want, &changed);
        inserted |= !old;
        ports[n_ports++] = CONST_CAST(struct nbrec_logical_switch_port *, p);
        smap_destroy(&want.options);
        smap_destroy(&want.external_ids);
        free(addr);
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

/* One pass: desired records vs replica, differences into a transaction. */
static void
ctl_nb_sync(struct ctl_nb *nb)
{
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(nb->idl);
    const struct nbrec_logical_switch *ls;
    bool changed = false;

    ovsdb_idl_txn_add_comment(txn, "xovs-controller");
    struct shash owned = SHASH_INITIALIZER(&owned);
    struct shash wanted = SHASH_INITIALIZER(&wanted);
    for (size_t i = 0; i < nb->plan.n_networks; i++) {
        shash_add_once(&wanted, nb->plan.networks[i].uuid,
                       &nb->plan.networks[i]);
    }
    NBREC_LOGICAL_SWITCH_FOR_EACH(ls, nb->idl)
    {
        const char *net = smap_get(&ls->external_ids, "xovs-network");
        if (!net) {
            continue; /* not ours */
        }
        if (!shash_find(&wanted, net) || !shash_add_once(&owned, net, ls)) {
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
    shash_destroy(&owned);
    shash_destroy(&wanted);
    if (!changed) {
        ovsdb_idl_txn_destroy(txn);
        nb->synced = true;
        return;
    }
    nb->synced = false;
    nb->txn = txn;
}

void
ctl_nb_run(struct ctl_nb *nb)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    ovsdb_idl_run(nb->idl);
    unsigned int seqno = ovsdb_idl_get_seqno(nb->idl);
    if (!ovsdb_idl_is_alive(nb->idl)) {
        VLOG_WARN_RL(
            &rl, "northbound database unreachable: %s (retrying)",
            ovsdb_idl_get_last_error(nb->idl) == 0
                ? "connecting"
                : ovs_retval_to_string(ovsdb_idl_get_last_error(nb->idl)));
    }
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
            nb->dirty = true;
        }
        ovsdb_idl_txn_destroy(nb->txn);
        nb->txn = NULL;
        /* Look again at what the replica says now. */
        nb->synced_seqno = seqno - 1;
    }
    if (seqno != nb->synced_seqno) {
        ctl_nb_index(nb);
    }
    if (!ovsdb_idl_has_ever_connected(nb->idl)
        || (nb->retry_at && time_msec() < nb->retry_at)) {
        return;
    }
    if (nb->dirty || seqno != nb->synced_seqno) {
        nb->dirty = false;
        nb->retry_at = 0;
        nb->synced_seqno = seqno;
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
    } else if (nb->dirty && ovsdb_idl_has_ever_connected(nb->idl)) {
        poll_immediate_wake();
    }
}

bool
ctl_nb_is_synced(const struct ctl_nb *nb)
{
    return (nb->synced && !nb->txn && !nb->dirty
            && ovsdb_idl_is_connected(nb->idl)
            && ovsdb_idl_get_seqno(nb->idl) == nb->synced_seqno);
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
