/* controller/ctl-acl-nb.c: pool ACLs -> OVN northbound Port_Group and ACL
 * rows, through the typed IDL (see ctl-acl.h for the mapping).
 *
 * Each pass compares the plan with the replica as the switch pass left it
 * in the same transaction: groups of xovs (external_ids:xovs-pg) that no
 * ACL needs are deleted (their ACLs with them: ACL rows are not root rows),
 * the others get the ports and ACLs they should have.  Port and ACL sets
 * are changed by mutation (add/delete one value), so a change of one VIF
 * or one rule writes that, not the whole set: the pool's group holds every
 * VIF. */
#include <config.h>
#include "controller/ctl-acl.h"

#include <string.h>

#include "controller/ctl-nb.h"
#include "controller/ovn-nb-idl.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "hmapx.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ctl_acl);

/* One port group as the plan wants it. */
struct ctl_pg_want {
    const char *name;   /* Port_Group name (in the plan) */
    const char *key;    /* external_ids:xovs-pg (in the plan) */
    struct hmapx ports; /* const struct nbrec_logical_switch_port * */
    const struct ctl_plan_acl **acls;
    size_t n_acls, cap_acls;
};

void
ctl_acl_nb_index(struct ovsdb_idl *idl, struct shash *acls)
{
    const struct nbrec_port_group *pg;
    shash_clear(acls);
    NBREC_PORT_GROUP_FOR_EACH(pg, idl)
    {
        if (!smap_get(&pg->external_ids, "xovs-pg")) {
            continue;
        }
        for (size_t i = 0; i < pg->n_acls; i++) {
            const char *u = smap_get(&pg->acls[i]->external_ids, "xovs-acl");
            if (u) {
                shash_add_once(acls, u, pg->acls[i]);
            }
        }
    }
}

static bool
streq(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

/* Makes ACL row 'a' (NULL: insert one and add it to 'pg') what 'want'
 * says. */
static bool
ctl_acl_put(struct ovsdb_idl_txn *txn, const struct nbrec_port_group *pg,
            const struct nbrec_acl *a, const struct ctl_plan_acl *want)
{
    bool changed = false;
    if (!a) {
        a = nbrec_acl_insert(txn);
        nbrec_port_group_update_acls_addvalue(pg, a);
        changed = true;
    }
    if (!streq(a->name, want->uuid)) {
        nbrec_acl_set_name(a, want->uuid);
        changed = true;
    }
    if (a->priority != want->priority) {
        nbrec_acl_set_priority(a, want->priority);
        changed = true;
    }
    if (!streq(a->direction, want->direction)) {
        nbrec_acl_set_direction(a, want->direction);
        changed = true;
    }
    if (!streq(a->match, want->match)) {
        nbrec_acl_set_match(a, want->match);
        changed = true;
    }
    if (!streq(a->action, want->action)) {
        nbrec_acl_set_action(a, want->action);
        changed = true;
    }
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "xovs-acl", want->uuid);
    if (!smap_equal(&a->external_ids, &ids)) {
        nbrec_acl_set_external_ids(a, &ids);
        changed = true;
    }
    smap_destroy(&ids);
    return changed;
}

/* Makes group 'pg' (NULL: new) what 'w' says. */
static bool
ctl_acl_put_group(struct ovsdb_idl_txn *txn, const struct nbrec_port_group *pg,
                  const struct ctl_pg_want *w)
{
    bool changed = false;
    if (!pg) {
        struct smap ids = SMAP_INITIALIZER(&ids);
        pg = nbrec_port_group_insert(txn);
        nbrec_port_group_set_name(pg, w->name);
        smap_add(&ids, "xovs-pg", w->key);
        nbrec_port_group_set_external_ids(pg, &ids);
        smap_destroy(&ids);
        changed = true;
    } else if (!streq(pg->name, w->name)) {
        nbrec_port_group_set_name(pg, w->name);
        changed = true;
    }

    /* Ports: one mutation per port that comes or goes. */
    struct hmapx have = HMAPX_INITIALIZER(&have);
    for (size_t i = 0; i < pg->n_ports; i++) {
        const struct nbrec_logical_switch_port *p = pg->ports[i];
        hmapx_add(&have, CONST_CAST(void *, (const void *)p));
        if (!hmapx_contains(&w->ports, p)) {
            nbrec_port_group_update_ports_delvalue(pg, p);
            changed = true;
        }
    }
    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, &w->ports) {
        if (!hmapx_contains(&have, node->data)) {
            nbrec_port_group_update_ports_addvalue(pg, node->data);
            changed = true;
        }
    }
    hmapx_destroy(&have);

    /* ACLs: xovs's by their mark; others on the group are left alone. */
    struct shash acls = SHASH_INITIALIZER(&acls);
    for (size_t i = 0; i < pg->n_acls; i++) {
        const char *u = smap_get(&pg->acls[i]->external_ids, "xovs-acl");
        if (u && !shash_add_once(&acls, u, pg->acls[i])) {
            nbrec_port_group_update_acls_delvalue(pg, pg->acls[i]);
            changed = true; /* a duplicate */
        }
    }
    for (size_t i = 0; i < w->n_acls; i++) {
        const struct nbrec_acl *a
            = shash_find_and_delete(&acls, w->acls[i]->uuid);
        changed |= ctl_acl_put(txn, pg, a, w->acls[i]);
    }
    struct shash_node *sn;
    SHASH_FOR_EACH (sn, &acls) {
        nbrec_port_group_update_acls_delvalue(pg, sn->data);
        changed = true;
    }
    shash_destroy(&acls);
    return changed;
}

bool
ctl_acl_nb_put(struct ovsdb_idl_txn *txn, const struct nbrec_port_group *pg,
               const struct nbrec_acl *a, const struct ctl_plan_acl *want)
{
    return ctl_acl_put(txn, pg, a, want);
}

bool
ctl_acl_nb_put_group(struct ovsdb_idl_txn *txn,
                     const struct nbrec_port_group *pg, const char *name,
                     const char *key, const struct hmapx *ports,
                     const struct ctl_plan_acl **acls, size_t n_acls)
{
    struct ctl_pg_want w = {
        .name = name,
        .key = key,
        .acls = CONST_CAST(const struct ctl_plan_acl **, acls),
        .n_acls = n_acls,
    };
    hmapx_init(&w.ports);
    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, ports) {
        hmapx_add(&w.ports, node->data);
    }
    bool changed = ctl_acl_put_group(txn, pg, &w);
    hmapx_destroy(&w.ports);
    return changed;
}

static void
ctl_acl_member(struct shash *groups, const char *kind, const char *uuid,
               const struct nbrec_logical_switch_port *lsp)
{
    char key[64];
    snprintf(key, sizeof key, "%s%s%s", kind, *uuid ? ":" : "", uuid);
    struct ctl_pg_want *w = shash_find_data(groups, key);
    if (w) {
        hmapx_add(&w->ports, CONST_CAST(void *, (const void *)lsp));
    }
}

bool
ctl_acl_nb_sync(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                const struct ctl_plan *plan)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    const struct nbrec_logical_switch *ls;
    const struct nbrec_port_group *pg;
    bool changed = false;

    /* VIF uuid -> its logical port, as this transaction leaves them. */
    struct shash lsps = SHASH_INITIALIZER(&lsps);
    NBREC_LOGICAL_SWITCH_FOR_EACH(ls, idl)
    {
        if (!smap_get(&ls->external_ids, "xovs-network")) {
            continue;
        }
        for (size_t i = 0; i < ls->n_ports; i++) {
            const char *v = smap_get(&ls->ports[i]->external_ids, "xovs-vif");
            if (v) {
                shash_add_once(&lsps, v, ls->ports[i]);
            }
        }
    }

    /* The groups the ACLs need, and their members. */
    struct shash groups = SHASH_INITIALIZER(&groups);
    for (size_t i = 0; i < plan->n_acls; i++) {
        const struct ctl_plan_acl *a = &plan->acls[i];
        struct ctl_pg_want *w = shash_find_data(&groups, a->group_key);
        if (!w) {
            w = xzalloc(sizeof *w);
            w->name = a->group;
            w->key = a->group_key;
            hmapx_init(&w->ports);
            shash_add(&groups, a->group_key, w);
        }
        if (w->n_acls == w->cap_acls) {
            w->acls = x2nrealloc(w->acls, &w->cap_acls, sizeof *w->acls);
        }
        w->acls[w->n_acls++] = a;
    }
    for (size_t i = 0; groups.map.n && i < plan->n_vifs; i++) {
        const struct ctl_plan_vif *v = &plan->vifs[i];
        const struct nbrec_logical_switch_port *lsp
            = shash_find_data(&lsps, v->uuid);
        if (lsp) {
            ctl_acl_member(&groups, "pool", "", lsp);
            ctl_acl_member(&groups, "network", v->network, lsp);
            if (*v->vm) {
                ctl_acl_member(&groups, "vm", v->vm, lsp);
            }
            ctl_acl_member(&groups, "vif", v->uuid, lsp);
        }
    }

    /* The groups there are: xovs's by their mark, others' by name. */
    struct shash have = SHASH_INITIALIZER(&have);
    struct shash others = SHASH_INITIALIZER(&others);
    NBREC_PORT_GROUP_FOR_EACH_SAFE(pg, idl)
    {
        const char *key = smap_get(&pg->external_ids, "xovs-pg");
        if (!key) {
            shash_add_once(&others, pg->name, pg);
        } else if (!shash_find(&groups, key)
                   || !shash_add_once(&have, key, pg)) {
            VLOG_INFO("removing port group %s (no ACL on it)", pg->name);
            nbrec_port_group_delete(pg);
            changed = true;
        }
    }
    struct shash_node *node;
    SHASH_FOR_EACH (node, &groups) {
        struct ctl_pg_want *w = node->data;
        const struct nbrec_port_group *old = shash_find_data(&have, w->key);
        if (!old && shash_find(&others, w->name)) {
            VLOG_WARN_RL(&rl,
                         "port group %s exists and is not xovs's: its ACLs "
                         "stay pending (rename or remove that group)",
                         w->name);
            continue;
        }
        changed |= ctl_acl_put_group(txn, old, w);
    }
    SHASH_FOR_EACH (node, &groups) {
        struct ctl_pg_want *w = node->data;
        hmapx_destroy(&w->ports);
        free(w->acls);
    }
    shash_destroy_free_data(&groups);
    shash_destroy(&have);
    shash_destroy(&others);
    shash_destroy(&lsps);
    return changed;
}
