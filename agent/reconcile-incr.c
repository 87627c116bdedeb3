/* agent/reconcile-incr.c: a change's own part of the desired state.
 *
 * xrc_build() derives the whole desired state from every record: on a host
 * with thousands of VIFs that is milliseconds and megabytes of allocations
 * per change.  Most changes on such a host are VIF changes (create, plug,
 * unplug, param-set, destroy), and a plain VIF's port depends only on its
 * own record, its network and where that network is placed.  For those,
 * xrc_build_patch() builds just the ports the change removes and adds, the
 * glue patches its desired state in place (ovsg_patch_desired()) and looks
 * only at those ports.  Anything else -- a change to any other record, a
 * promiscuous VIF or a bridge with one (its copy flows name every port),
 * an OVN network, mirrors or tunnels on the host (they name ports too) --
 * takes the full path, xrc_build(), as before.  A change of a network's
 * name or description alone asks nothing of OVS: an empty patch. */
#include <config.h>
#include "agent/reconcile.h"

#include <json-c/json.h>
#include <string.h>
#include "agent/reconcile-private.h"
#include "agent/records.h"
#include "agent/store.h"
#include "openvswitch/shash.h"
#include "ovs-glue/ovsg.h"
#include "util.h"
#include "vlan/vlan.h"

void
xrc_patch_init(struct xrc_patch *p)
{
    svec_init(&p->remove_names);
    svec_init(&p->remove_records);
    ovsg_state_init(&p->add, "netdev");
}

void
xrc_patch_destroy(struct xrc_patch *p)
{
    svec_destroy(&p->remove_names);
    svec_destroy(&p->remove_records);
    ovsg_state_destroy(&p->add);
}

/* Whether 'br' (a desired bridge) copies traffic to promiscuous VIFs
 * (reconcile-promisc.c): its flows then depend on every port. */
static bool
xrc_bridge_is_promiscuous(const struct ovsg_bridge *br)
{
    if (br->cond_flows.n) {
        return true;
    }
    for (size_t i = 0; i < br->flows.n; i++) {
        if (!strncmp(br->flows.names[i], "table=1,", 8)) {
            return true;
        }
    }
    return false;
}

/* Whether 'vif' of 'db' is one whose port can be built alone. */
static bool
xrc_vif_is_plain(const struct xrec_db *db, const struct xrec_vif *vif)
{
    const struct xrec_network *net = xrec_find_network(db, vif->network);
    return !net || (!xrc_is_ovn(net) && !xrc_is_promiscuous(vif, net));
}

/* The touched VIF of 'change' whose uuid is 'uuid': as it was ('*old') and
 * is ('*new'). */
static void
find_touched(const struct xrec_change *change, const char *uuid,
             const struct xrec_vif **old, const struct xrec_vif **new)
{
    size_t n = xrec_change_n_vifs(change);
    for (size_t i = 0; i < n; i++) {
        xrec_change_get_vif(change, i, old, new);
        const struct xrec_vif *v = *new ? *new : *old;
        if (v && !strcmp(v->uuid, uuid)) {
            return;
        }
    }
    *old = *new = NULL;
}

/* Whether 'a' and 'b' (the same network before and after a change) differ
 * at most in what the desired state does not use: name and description. */
static bool
xrc_network_same_for_ovs(const struct xrec_network *a,
                         const struct xrec_network *b)
{
    return (!strcmp(a->uuid, b->uuid) && !strcmp(a->bridge, b->bridge)
            && a->mtu == b->mtu
            && a->default_locking_mode == b->default_locking_mode
            && smap_equal(&a->other_config, &b->other_config));
}

/* Whether 'op' (of xstore_change_ops()) changes a network's name or
 * description only. */
static bool
xrc_op_is_network_label(struct json_object *op, const struct xrec_db *before,
                        const struct xrec_db *after)
{
    struct json_object *table, *uuid;
    if (!json_object_object_get_ex(op, "table", &table)
        || strcmp(json_object_get_string(table), "networks")
        || !json_object_object_get_ex(op, "uuid", &uuid)) {
        return false;
    }
    const char *id = json_object_get_string(uuid);
    const struct xrec_network *old = xrec_find_network(before, id);
    const struct xrec_network *new = xrec_find_network(after, id);
    return old && new &&xrc_network_same_for_ovs(old, new);
}

bool
xrc_build_patch(const struct xrec_change *change, const struct xrec_db *after,
                const struct ovsg_state *desired, struct xrc_patch *patch)
{
    const struct xrec_db *before = xrec_change_before(change);
    if (after->n_mirrors || after->n_tunnels || before->n_mirrors
        || before->n_tunnels) {
        return false;
    }
    struct json_object *ops = xstore_change_ops(change, after);
    size_t n = json_object_array_length(ops);
    bool ok = n > 0;
    struct svec uuids = SVEC_EMPTY_INITIALIZER;
    for (size_t i = 0; ok && i < n; i++) {
        struct json_object *op = json_object_array_get_idx(ops, i);
        struct json_object *table, *uuid;
        if (xrc_op_is_network_label(op, before, after)) {
            continue;
        }
        ok = (json_object_object_get_ex(op, "table", &table)
              && !strcmp(json_object_get_string(table), "vifs")
              && json_object_object_get_ex(op, "uuid", &uuid));
        if (ok) {
            svec_add(&uuids, json_object_get_string(uuid));
        }
    }
    json_object_put(ops);

    xrc_patch_init(patch);
    for (size_t i = 0; ok && i < uuids.n; i++) {
        const struct xrec_vif *old, *new;
        find_touched(change, uuids.names[i], &old, &new);
        if ((old && !xrc_vif_is_plain(before, old))
            || (new && !xrc_vif_is_plain(after, new))) {
            ok = false;
            break;
        }
        if (old && old->currently_attached) {
            svec_add_nocopy(&patch->remove_names,
                            xasprintf("vif%d.%d", old->domid, old->device));
            svec_add(&patch->remove_records, old->uuid);
        }
        if (!new || !new->currently_attached) {
            continue;
        }
        const struct xrec_network *net
            = xrec_find_network(after, new->network);
        struct vlan_placement place;
        if (!net || !xrc_place(after, net, &place)) {
            continue; /* no place on the switch: no port, as in xrc_build() */
        }
        const struct ovsg_bridge *target
            = ovsg_state_find_bridge(desired, place.bridge);
        if (!target) {
            continue;
        }
        if (xrc_bridge_is_promiscuous(target)) {
            ok = false;
            break;
        }
        struct ovsg_bridge *br
            = ovsg_state_find_bridge(&patch->add, place.bridge);
        if (!br) {
            br = ovsg_state_add_bridge(&patch->add, place.bridge);
            smap_clone(&br->external_ids, &target->external_ids);
            br->foreign = target->foreign;
        }
        xrc_add_vif(br, new, net, &place, "NORMAL");
    }
    svec_destroy(&uuids);
    if (!ok) {
        xrc_patch_destroy(patch);
    }
    return ok;
}

char *
xrc_verify_patch(const struct ovsg *glue, const struct xrc_patch *patch)
{
    struct shash errors = SHASH_INITIALIZER(&errors);
    char *result = NULL;

    ovsg_check_collisions(glue, &patch->add, NULL, &errors);
    struct shash_node *node;
    SHASH_FOR_EACH (node, &errors) {
        const char *old = ovsg_get_error(glue, node->name);
        if (!old || strcmp(old, node->data)) {
            result = xstrdup(node->data);
            break;
        }
    }
    shash_destroy_free_data(&errors);
    return result;
}
