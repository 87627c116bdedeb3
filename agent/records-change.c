/* agent/records-change.c: a change in progress (records.h): what one API
 * call did to the records, kept so that the call can be undone, saved and
 * checked with work in proportion to what it touched.
 *
 * Before, xapi_handle_line() copied the whole records before every call
 * (to undo it if the store refused it), checked every record after it and
 * diffed the store's whole copy against the records: on a host of 1000 VMs
 * x 7 VIFs, tens of thousands of allocations per vif-plug.  The tables
 * other than the VIFs are bounded by the host's NICs and networks, so a
 * change still copies them when it begins (xrec_db_clone_others()); a VIF
 * is copied only when the change first touches it.
 *
 * The undo of a change, in reverse: the VIFs it added and deleted (their
 * positions, so list order survives an undo), then the first copy of each
 * VIF it changed in place, then the other tables. */

#include <config.h>
#include "agent/records.h"
#include "agent/records-private.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "util.h"

/* A VIF the change touched. */
struct touched {
    struct hmap_node node; /* in 'vifs', by hash_pointer(rec) */
    struct xrec_vif *rec;  /* the record (kept even once deleted) */
    struct xrec_vif *old;  /* its copy when first touched; NULL if the
                            * change created it */
    bool live;             /* in the records now */
};

/* An addition or deletion, to undo in reverse. */
struct structural {
    bool add;             /* else a deletion */
    struct xrec_vif *rec; /* the VIF */
    size_t index;         /* a deletion's position */
};

struct xrec_change {
    struct xrec_db others; /* every other table as it was; no VIFs */
    struct hmap vifs;      /* struct touched by record */
    struct touched **order;
    size_t n_touched, allocated_touched;
    struct structural *ops;
    size_t n_ops, allocated_ops;
};

static struct touched *
find_touched(const struct xrec_change *c, const struct xrec_vif *rec)
{
    struct touched *t;
    HMAP_FOR_EACH_WITH_HASH (t, node, hash_pointer(rec, 0), &c->vifs) {
        if (t->rec == rec) {
            return t;
        }
    }
    return NULL;
}

static struct touched *
add_touched(struct xrec_change *c, struct xrec_vif *rec, struct xrec_vif *old)
{
    struct touched *t = xzalloc(sizeof *t);
    t->rec = rec;
    t->old = old;
    t->live = true;
    hmap_insert(&c->vifs, &t->node, hash_pointer(rec, 0));
    if (c->n_touched >= c->allocated_touched) {
        c->order
            = x2nrealloc(c->order, &c->allocated_touched, sizeof *c->order);
    }
    c->order[c->n_touched++] = t;
    return t;
}

static void
add_op(struct xrec_change *c, bool add, struct xrec_vif *rec, size_t index)
{
    if (c->n_ops >= c->allocated_ops) {
        c->ops = x2nrealloc(c->ops, &c->allocated_ops, sizeof *c->ops);
    }
    c->ops[c->n_ops++] = (struct structural){add, rec, index};
}

struct xrec_change *
xrec_change_begin(struct xrec_db *db)
{
    ovs_assert(!db->change);
    struct xrec_change *c = xzalloc(sizeof *c);
    xrec_db_clone_others(&c->others, db);
    hmap_init(&c->vifs);
    db->change = c;
    return c;
}

void
xrec_touch_vif(struct xrec_db *db, struct xrec_vif *vif)
{
    struct xrec_change *c = db->change;
    if (c && !find_touched(c, vif)) {
        add_touched(c, vif, xrec_vif_clone(vif));
    }
}

void
xrec_change_note_add(struct xrec_change *c, struct xrec_vif *vif)
{
    struct touched *t = find_touched(c, vif);
    if (!t) {
        add_touched(c, vif, NULL);
    } else {
        t->live = true;
    }
    add_op(c, true, vif, 0);
}

void
xrec_change_note_delete(struct xrec_change *c, struct xrec_vif *vif,
                        size_t index)
{
    struct touched *t = find_touched(c, vif);
    if (!t) {
        t = add_touched(c, vif, xrec_vif_clone(vif));
    }
    t->live = false;
    add_op(c, false, vif, index);
}

/* Frees what 'c' keeps of its VIFs: the copies, and the records that are
 * no longer in the records (deleted, or added and then undone). */
static void
release_vifs(struct xrec_change *c)
{
    for (size_t i = 0; i < c->n_touched; i++) {
        struct touched *t = c->order[i];
        xrec_vif_free(t->old);
        if (!t->live) {
            xrec_vif_free(t->rec);
        }
        free(t);
    }
    hmap_clear(&c->vifs);
    c->n_touched = 0;
    c->n_ops = 0;
}

void
xrec_change_end(struct xrec_db *db, struct xrec_change *c)
{
    ovs_assert(db->change == c);
    release_vifs(c);
    hmap_destroy(&c->vifs);
    free(c->order);
    free(c->ops);
    xrec_db_destroy(&c->others);
    free(c);
    db->change = NULL;
}

/* Swaps every table but the VIFs between 'a' and 'b'. */
static void
swap_others(struct xrec_db *a, struct xrec_db *b)
{
    struct xrec_db tmp = *a;
    *a = *b;
    *b = tmp;
    b->vifs = a->vifs;
    b->n_vifs = a->n_vifs;
    b->change = a->change;
    a->vifs = tmp.vifs;
    a->n_vifs = tmp.n_vifs;
    a->change = tmp.change;
}

void
xrec_change_rollback(struct xrec_db *db, struct xrec_change *c)
{
    ovs_assert(db->change == c);

    /* Additions and deletions, last first: the array is then exactly as
     * it was, but with the changed records in place of their copies. */
    for (size_t i = c->n_ops; i-- > 0;) {
        const struct structural *op = &c->ops[i];
        if (op->add) {
            ovs_assert(db->n_vifs && db->vifs[db->n_vifs - 1] == op->rec);
            db->n_vifs--;
        } else {
            ovs_assert(op->index <= db->n_vifs);
            db->vifs = xrealloc(db->vifs, (db->n_vifs + 1) * sizeof *db->vifs);
            memmove(&db->vifs[op->index + 1], &db->vifs[op->index],
                    (db->n_vifs - op->index) * sizeof *db->vifs);
            db->vifs[op->index] = op->rec;
            db->n_vifs++;
        }
    }
    /* The copies back in place (an undo is the rare path: the records are
     * searched for each). */
    for (size_t i = 0; i < c->n_touched; i++) {
        struct touched *t = c->order[i];
        if (t->old) {
            for (size_t j = 0; j < db->n_vifs; j++) {
                if (db->vifs[j] == t->rec) {
                    db->vifs[j] = t->old;
                    break;
                }
            }
            t->old = NULL;
        }
        t->live = false; /* 'rec' is no longer in the records */
    }
    release_vifs(c);

    /* The other tables. */
    swap_others(db, &c->others);
    xrec_db_destroy(&c->others);
    xrec_db_clone_others(&c->others, db);
}

void
xrec_change_abort(struct xrec_db *db, struct xrec_change *c)
{
    xrec_change_rollback(db, c);
    xrec_change_end(db, c);
}

const struct xrec_db *
xrec_change_before(const struct xrec_change *c)
{
    return &c->others;
}

size_t
xrec_change_n_vifs(const struct xrec_change *c)
{
    return c->n_touched;
}

void
xrec_change_get_vif(const struct xrec_change *c, size_t i,
                    const struct xrec_vif **old, const struct xrec_vif **new)
{
    const struct touched *t = c->order[i];
    *old = t->old;
    *new = t->live ? t->rec : NULL;
}

/* Whether table 'name' (records-json.c's names) of 'a' and 'b', of 'n'
 * records each, differ. */
static bool
table_differs(const struct xrec_db *a, const struct xrec_db *b,
              const char *name, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct json_object *x = xrec_record_to_json(a, name, i);
        struct json_object *y = xrec_record_to_json(b, name, i);
        bool same = json_object_equal(x, y);
        json_object_put(x);
        json_object_put(y);
        if (!same) {
            return true;
        }
    }
    return false;
}

bool
xrec_change_others_changed(const struct xrec_change *c,
                           const struct xrec_db *after)
{
    const struct xrec_db *b = &c->others;
    if (b->n_networks != after->n_networks || b->n_pifs != after->n_pifs
        || b->n_vlans != after->n_vlans || b->n_bonds != after->n_bonds
        || b->n_sdn_controllers != after->n_sdn_controllers
        || b->n_ssls != after->n_ssls || b->n_tunnels != after->n_tunnels
        || b->n_mirrors != after->n_mirrors || !b->pool != !after->pool) {
        return true;
    }
    static const struct {
        const char *name;
        size_t ofs;
    } tables[] = {
        {"networks", offsetof(struct xrec_db, n_networks)},
        {"pifs", offsetof(struct xrec_db, n_pifs)},
        {"vlans", offsetof(struct xrec_db, n_vlans)},
        {"bonds", offsetof(struct xrec_db, n_bonds)},
        {"sdn_controllers", offsetof(struct xrec_db, n_sdn_controllers)},
        {"ssl", offsetof(struct xrec_db, n_ssls)},
        {"tunnels", offsetof(struct xrec_db, n_tunnels)},
        {"mirrors", offsetof(struct xrec_db, n_mirrors)},
    };
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        size_t n = *(const size_t *)((const char *)b + tables[i].ofs);
        if (table_differs(b, after, tables[i].name, n)) {
            return true;
        }
    }
    return b->pool && table_differs(b, after, "pool", 1);
}

/* Whether a record of any table but the VIFs has uuid 'uuid'. */
static bool
others_have_uuid(const struct xrec_db *db, const char *uuid)
{
    return (xrec_find_network(db, uuid) || xrec_find_pif(db, uuid)
            || xrec_find_vlan(db, uuid) || xrec_find_bond(db, uuid)
            || xrec_find_sdn_controller(db, uuid) || xrec_find_ssl(db, uuid)
            || xrec_find_tunnel(db, uuid) || xrec_find_mirror(db, uuid));
}

/* xrec_db_check() of touched VIF 'vif' of 'db': one pass over the other
 * VIFs comparing integers first (VM devices and plugged names), and their
 * uuids only for a VIF the change created. */
static char *
check_touched(const struct xrec_db *db, const struct xrec_vif *vif,
              bool created)
{
    bool dup_uuid = created && others_have_uuid(db, vif->uuid);
    bool dup_device = false, dup_name = false;

    for (size_t i = 0; i < db->n_vifs; i++) {
        const struct xrec_vif *o = db->vifs[i];
        if (o == vif) {
            continue;
        }
        if (o->device == vif->device) {
            dup_device = dup_device || !strcmp(o->vm_uuid, vif->vm_uuid);
            dup_name = (dup_name
                        || (o->domid == vif->domid && o->currently_attached
                            && vif->currently_attached));
        }
        dup_uuid = (dup_uuid
                    || (created && o->uuid[0] == vif->uuid[0]
                        && !strcmp(o->uuid, vif->uuid)));
    }
    if (dup_uuid) {
        return xrec_field_error("VIF", vif->uuid, "uuid",
                                "uuid is used by two records");
    }
    return xrec_check_vif(db, vif, dup_device, dup_name);
}

char *
xrec_change_check(const struct xrec_change *c, const struct xrec_db *db)
{
    if (db->n_tunnels || db->n_mirrors || c->others.n_tunnels
        || c->others.n_mirrors || xrec_change_others_changed(c, db)) {
        return xrec_db_check(db);
    }
    for (size_t i = 0; i < c->n_touched; i++) {
        const struct touched *t = c->order[i];
        if (t->live) {
            xrec_counters.n_checked++;
            char *error = check_touched(db, t->rec, !t->old);
            if (error) {
                return error;
            }
        }
    }
    return NULL;
}
