/* vif-backend/emu/xenstored/xs-store.c: the node tree, permissions,
 * quotas and transactions of xovs-xenstored (see xs-store.h).
 *
 * Nodes live in one hash map keyed by their absolute path; a node's
 * children are kept as consecutive NUL-terminated names in creation order,
 * which is exactly the XS_DIRECTORY reply.  Every change gives the changed
 * node a new generation number from a store-wide counter; a parent's
 * generation changes when a child is added or removed.
 *
 * A transaction is an overlay: the first time it touches a path it takes a
 * private copy of that node (or notes its absence) together with the
 * node's generation at that moment.  It reads and writes its copies.  At
 * commit, if any touched path's generation in the tree differs from the
 * one noted, somebody else changed it and the commit fails with EAGAIN;
 * otherwise the modified copies replace the tree's nodes.  That is
 * cxenstored's scheme since Xen 4.9, and it gives a transaction its own
 * writes and serialisable commits. */
#include <config.h>

#include "vif-backend/emu/xenstored/xs-store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/util.h"
#include "util.h"

struct xs_node {
    struct hmap_node hmap_node; /* In xs_emu_store's 'nodes'. */
    char *path;                 /* Absolute, canonical. */
    char *value;                /* 'size' bytes (plus a NUL, not counted). */
    size_t size;
    struct xs_emu_perm *perms; /* perms[0] is the owner; n_perms >= 1. */
    size_t n_perms;
    char *children; /* Names, each NUL-terminated, creation order. */
    size_t children_size;
    uint64_t gen; /* Generation of the last change. */
};

/* Nodes owned by one domain (the tree's count, or a transaction's
 * change to it). */
struct xs_owner {
    struct hmap_node hmap_node; /* By hash_int(domid). */
    uint32_t domid;
    long long int n; /* Count, or delta in a transaction. */
};

struct xs_change {
    struct ovs_list list_node; /* In 'changes' of a transaction. */
    char *path;
    bool removed;
    struct xs_emu_perm *perms;
    size_t n_perms;
};

struct xs_emu_store {
    struct hmap nodes;  /* Contains "struct xs_node"s. */
    struct hmap owners; /* Contains "struct xs_owner"s. */
    uint64_t gen;       /* Last generation handed out. */
    struct xs_emu_quota quota;
    xs_emu_store_changed_func *changed;
    void *aux;
};

/* A path a transaction touched. */
struct xs_txn_entry {
    struct hmap_node hmap_node; /* In 'entries' of the transaction. */
    char *path;
    uint64_t orig_gen;    /* Tree's generation when touched; 0: absent. */
    struct xs_node *node; /* The transaction's view; NULL: absent. */
    bool modified;        /* Commit must write 'node' back. */
};

struct xs_emu_txn {
    struct xs_emu_store *store;
    struct hmap entries;     /* Contains "struct xs_txn_entry"s. */
    struct hmap owners;      /* Deltas to the tree's owner counts. */
    struct ovs_list changes; /* Contains "struct xs_change"s, in order. */
};

/* One operation's context. */
struct op {
    struct xs_emu_store *store;
    struct xs_emu_txn *txn;
    const struct xs_emu_caller *caller;
};

/* Nodes. */

static struct xs_node *
node_create(const char *path, const void *value, size_t size,
            const struct xs_emu_perm *perms, size_t n_perms)
{
    struct xs_node *node = xzalloc(sizeof *node);
    node->path = xstrdup(path);
    node->value = xmalloc(size + 1);
    memcpy(node->value, value, size);
    node->value[size] = '\0';
    node->size = size;
    node->perms = xmemdup(perms, n_perms * sizeof *perms);
    node->n_perms = n_perms;
    return node;
}

static struct xs_node *
node_clone(const struct xs_node *old)
{
    struct xs_node *node = node_create(old->path, old->value, old->size,
                                       old->perms, old->n_perms);
    node->children = xmemdup(old->children, old->children_size);
    node->children_size = old->children_size;
    node->gen = old->gen;
    return node;
}

static void
node_destroy(struct xs_node *node)
{
    if (node) {
        free(node->path);
        free(node->value);
        free(node->perms);
        free(node->children);
        free(node);
    }
}

static void
node_set_value(struct xs_node *node, const void *value, size_t size)
{
    free(node->value);
    node->value = xmalloc(size + 1);
    memcpy(node->value, value, size);
    node->value[size] = '\0';
    node->size = size;
}

static void
node_add_child(struct xs_node *node, const char *name)
{
    /* A transaction's copy of a parent can still list a child that another
     * connection removed after the copy was taken: creating that child again
     * in the transaction must not list it twice. */
    for (size_t ofs = 0; ofs < node->children_size;) {
        const char *child = node->children + ofs;
        if (!strcmp(child, name)) {
            return;
        }
        ofs += strlen(child) + 1;
    }

    size_t len = strlen(name) + 1;
    node->children = xrealloc(node->children, node->children_size + len);
    memcpy(node->children + node->children_size, name, len);
    node->children_size += len;
}

static void
node_remove_child(struct xs_node *node, const char *name)
{
    size_t ofs = 0;
    while (ofs < node->children_size) {
        char *child = node->children + ofs;
        size_t len = strlen(child) + 1;
        if (!strcmp(child, name)) {
            memmove(child, child + len, node->children_size - ofs - len);
            node->children_size -= len;
            return;
        }
        ofs += len;
    }
}

static struct xs_node *
tree_lookup(const struct xs_emu_store *store, const char *path)
{
    struct xs_node *node;
    HMAP_FOR_EACH_WITH_HASH (node, hmap_node, hash_string(path, 0),
                             &store->nodes) {
        if (!strcmp(node->path, path)) {
            return node;
        }
    }
    return NULL;
}

/* The parent of 'path' (not "/"), malloc'd. */
static char *
parent_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash == path ? xstrdup("/") : xmemdup0(path, slash - path);
}

static const char *
node_name(const char *path)
{
    return strrchr(path, '/') + 1;
}

static char *
child_path(const char *parent, const char *name)
{
    return xasprintf("%s/%s", strcmp(parent, "/") ? parent : "", name);
}

/* Owner counts. */

static struct xs_owner *
owner_find(const struct hmap *owners, uint32_t domid)
{
    struct xs_owner *o;
    HMAP_FOR_EACH_WITH_HASH (o, hmap_node, hash_int(domid, 0), owners) {
        if (o->domid == domid) {
            return o;
        }
    }
    return NULL;
}

static void
owner_add(struct hmap *owners, uint32_t domid, long long int delta)
{
    struct xs_owner *o = owner_find(owners, domid);
    if (!o) {
        o = xzalloc(sizeof *o);
        o->domid = domid;
        hmap_insert(owners, &o->hmap_node, hash_int(domid, 0));
    }
    o->n += delta;
    if (!o->n) {
        hmap_remove(owners, &o->hmap_node);
        free(o);
    }
}

static void
owners_clear(struct hmap *owners)
{
    struct xs_owner *o;
    HMAP_FOR_EACH_POP (o, hmap_node, owners) {
        free(o);
    }
    hmap_destroy(owners);
}

static long long int
owner_get(const struct hmap *owners, uint32_t domid)
{
    const struct xs_owner *o = owner_find(owners, domid);
    return o ? o->n : 0;
}

/* Nodes 'domid' owns as 'op' sees it. */
static long long int
op_owned(const struct op *op, uint32_t domid)
{
    long long int n = owner_get(&op->store->owners, domid);
    return op->txn ? n + owner_get(&op->txn->owners, domid) : n;
}

static void
op_owner_add(struct op *op, uint32_t domid, long long int delta)
{
    owner_add(op->txn ? &op->txn->owners : &op->store->owners, domid, delta);
}

/* Changes and watch notification. */

static void
change_destroy(struct xs_change *c)
{
    free(c->path);
    free(c->perms);
    free(c);
}

static void
op_changed(struct op *op, const char *path, bool removed,
           const struct xs_emu_perm *perms, size_t n_perms)
{
    if (op->txn) {
        struct xs_change *c = xzalloc(sizeof *c);
        c->path = xstrdup(path);
        c->removed = removed;
        c->perms = xmemdup(perms, n_perms * sizeof *perms);
        c->n_perms = n_perms;
        ovs_list_push_back(&op->txn->changes, &c->list_node);
    } else if (op->store->changed) {
        op->store->changed(op->store->aux, path, removed, perms, n_perms);
    }
}

/* Views: the tree, or a transaction's overlay of it. */

static struct xs_txn_entry *
txn_find(const struct xs_emu_txn *txn, const char *path)
{
    struct xs_txn_entry *e;
    HMAP_FOR_EACH_WITH_HASH (e, hmap_node, hash_string(path, 0),
                             &txn->entries) {
        if (!strcmp(e->path, path)) {
            return e;
        }
    }
    return NULL;
}

/* Stores into '*nodep' the node at 'path' as 'op' sees it, or NULL if there
 * is none.  In a transaction this records the access, which fails with
 * EQUOTA if an unprivileged caller's transaction touched too many paths
 * (then '*nodep' is NULL). */
static int
view_get(struct op *op, const char *path, struct xs_node **nodep)
{
    *nodep = NULL;
    if (!op->txn) {
        *nodep = tree_lookup(op->store, path);
        return 0;
    }

    struct xs_txn_entry *e = txn_find(op->txn, path);
    if (!e) {
        unsigned int max = op->store->quota.n_txn_nodes;
        if (!op->caller->privileged && max
            && hmap_count(&op->txn->entries) >= max) {
            return EQUOTA;
        }
        struct xs_node *cur = tree_lookup(op->store, path);
        e = xzalloc(sizeof *e);
        e->path = xstrdup(path);
        e->orig_gen = cur ? cur->gen : 0;
        e->node = cur ? node_clone(cur) : NULL;
        hmap_insert(&op->txn->entries, &e->hmap_node, hash_string(path, 0));
    }
    *nodep = e->node;
    return 0;
}

/* Returns the node at 'path', which view_get() just returned, for changing
 * it. */
static struct xs_node *
view_modify(struct op *op, const char *path)
{
    if (!op->txn) {
        struct xs_node *node = tree_lookup(op->store, path);
        ovs_assert(node);
        node->gen = ++op->store->gen;
        return node;
    }
    struct xs_txn_entry *e = txn_find(op->txn, path);
    ovs_assert(e && e->node);
    e->modified = true;
    return e->node;
}

/* Adds 'node' where view_get() just found nothing.  Takes ownership. */
static void
view_insert(struct op *op, struct xs_node *node)
{
    op_owner_add(op, node->perms[0].domid, 1);
    if (!op->txn) {
        node->gen = ++op->store->gen;
        hmap_insert(&op->store->nodes, &node->hmap_node,
                    hash_string(node->path, 0));
        return;
    }
    struct xs_txn_entry *e = txn_find(op->txn, node->path);
    ovs_assert(e && !e->node);
    e->node = node;
    e->modified = true;
}

/* Removes the node at 'path', which view_get() just returned. */
static void
view_remove(struct op *op, const char *path)
{
    struct xs_node *node;
    if (!op->txn) {
        node = tree_lookup(op->store, path);
        ovs_assert(node);
        hmap_remove(&op->store->nodes, &node->hmap_node);
    } else {
        struct xs_txn_entry *e = txn_find(op->txn, path);
        ovs_assert(e && e->node);
        node = e->node;
        e->node = NULL;
        e->modified = true;
    }
    op_owner_add(op, node->perms[0].domid, -1);
    node_destroy(node);
}

/* Permissions. */

uint8_t
xs_emu_perm_for(const struct xs_emu_caller *caller,
                const struct xs_emu_perm *perms, size_t n)
{
    if (caller->privileged || !n || perms[0].domid == caller->domid
        || (caller->has_target && perms[0].domid == caller->target)) {
        return XS_EMU_PERM_BOTH;
    }
    for (size_t i = 1; i < n; i++) {
        if (perms[i].domid == caller->domid
            || (caller->has_target && perms[i].domid == caller->target)) {
            return perms[i].perms & XS_EMU_PERM_BOTH;
        }
    }
    return perms[0].perms & XS_EMU_PERM_BOTH;
}

static bool
is_owner(const struct xs_emu_caller *caller, const struct xs_node *node)
{
    return (caller->privileged || node->perms[0].domid == caller->domid
            || (caller->has_target && node->perms[0].domid == caller->target));
}

static int
check_access(const struct op *op, const struct xs_node *node, uint8_t want)
{
    uint8_t have = xs_emu_perm_for(op->caller, node->perms, node->n_perms);
    return (have & want) == want ? 0 : EACCES;
}

/* 'path' does not exist: ENOENT if its nearest existing ancestor grants
 * 'want', otherwise EACCES.  Stores that ancestor in '*ancestorp' (NULL on
 * EQUOTA). */
static int
missing_error(struct op *op, const char *path, uint8_t want,
              struct xs_node **ancestorp)
{
    char *p = xstrdup(path);
    struct xs_node *node = NULL;
    int error = 0;

    *ancestorp = NULL;
    while (strcmp(p, "/")) {
        char *parent = parent_path(p);
        free(p);
        p = parent;
        error = view_get(op, p, &node);
        if (error || node) {
            break;
        }
    }
    free(p);
    if (error) {
        return error;
    }
    ovs_assert(node); /* "/" always exists. */
    *ancestorp = node;
    return check_access(op, node, want) ? EACCES : ENOENT;
}

/* Looks up 'path' for an operation needing 'want'.  Returns 0 with the node
 * in '*nodep', or an error (ENOENT, EACCES, EQUOTA) with '*nodep' NULL. */
static int
get_node(struct op *op, const char *path, uint8_t want, struct xs_node **nodep)
{
    int error = view_get(op, path, nodep);
    if (error) {
        return error;
    }
    if (!*nodep) {
        struct xs_node *ancestor;
        return missing_error(op, path, want, &ancestor);
    }
    error = check_access(op, *nodep, want);
    if (error) {
        *nodep = NULL;
    }
    return error;
}

/* The store. */

struct xs_emu_store *
xs_emu_store_create(const struct xs_emu_quota *quota,
                    xs_emu_store_changed_func *changed, void *aux)
{
    struct xs_emu_store *store = xzalloc(sizeof *store);
    hmap_init(&store->nodes);
    hmap_init(&store->owners);
    store->quota = *quota;
    store->changed = changed;
    store->aux = aux;

    static const struct xs_emu_perm root_perms = {0, XS_EMU_PERM_NONE};
    struct xs_node *root = node_create("/", "", 0, &root_perms, 1);
    struct xs_emu_caller dom0 = {.privileged = true};
    struct op op = {store, NULL, &dom0};
    view_insert(&op, root);
    return store;
}

void
xs_emu_store_destroy(struct xs_emu_store *store)
{
    if (store) {
        struct xs_node *node;
        HMAP_FOR_EACH_POP (node, hmap_node, &store->nodes) {
            node_destroy(node);
        }
        hmap_destroy(&store->nodes);
        owners_clear(&store->owners);
        free(store);
    }
}

const struct xs_emu_quota *
xs_emu_store_quota(const struct xs_emu_store *store)
{
    return &store->quota;
}

size_t
xs_emu_store_n_nodes(const struct xs_emu_store *store)
{
    return hmap_count(&store->nodes);
}

unsigned int
xs_emu_store_n_owned(const struct xs_emu_store *store, uint32_t domid)
{
    return owner_get(&store->owners, domid);
}

/* Paths. */

static bool
valid_chars(const char *s)
{
    for (; *s; s++) {
        if (!isalnum((unsigned char)*s) && !strchr("-/_@", *s)) {
            return false;
        }
    }
    return true;
}

int
xs_emu_path_canonical(const struct xs_emu_caller *caller, const char *path,
                      bool allow_special, char **out)
{
    *out = NULL;
    if (!path[0] || strlen(path) > XENSTORE_ABS_PATH_MAX) {
        return EINVAL;
    }
    if (path[0] == '@') {
        if (!allow_special || !valid_chars(path) || strchr(path, '/')) {
            return EINVAL;
        }
        *out = xstrdup(path);
        return 0;
    }

    char *abs = (path[0] == '/' ? xstrdup(path)
                                : xasprintf("/local/domain/%" PRIu32 "/%s",
                                            caller->domid, path));
    size_t len = strlen(abs);
    bool ok = (len <= XENSTORE_ABS_PATH_MAX && valid_chars(abs)
               && !strstr(abs, "//") && (len == 1 || abs[len - 1] != '/'));
    if (ok && !caller->privileged) {
        /* Like cxenstored: the part below /local/domain/N/ is limited. */
        unsigned int domid;
        int ofs = 0;
        if (sscanf(abs, "/local/domain/%5u/%n", &domid, &ofs) != 1) {
            ofs = 0;
        }
        ok = len - ofs <= XENSTORE_REL_PATH_MAX;
    }
    if (!ok) {
        free(abs);
        return EINVAL;
    }
    *out = abs;
    return 0;
}

/* Operations. */

int
xs_emu_store_read(struct xs_emu_store *store, struct xs_emu_txn *txn,
                  const struct xs_emu_caller *caller, const char *path,
                  const char **value, size_t *size)
{
    struct op op = {store, txn, caller};
    struct xs_node *node;
    int error = get_node(&op, path, XS_EMU_PERM_READ, &node);
    *value = node ? node->value : NULL;
    *size = node ? node->size : 0;
    return error;
}

/* Creates 'path' (and missing ancestors) with 'value'. */
static int
create_node(struct op *op, const char *path, const void *value, size_t size)
{
    struct xs_node *ancestor;
    int error = missing_error(op, path, XS_EMU_PERM_WRITE, &ancestor);
    if (error != ENOENT) {
        return error;
    }

    /* The missing paths, deepest first.  Looking for 'ancestor' recorded
     * all of them in a transaction already. */
    size_t n_missing = 0, allocated = 0;
    char **missing = NULL;
    char *p = xstrdup(path);
    while (strcmp(p, ancestor->path)) {
        if (n_missing >= allocated) {
            missing = x2nrealloc(missing, &allocated, sizeof *missing);
        }
        missing[n_missing++] = p;
        p = parent_path(p);
    }
    free(p);

    error = 0;
    const struct xs_emu_quota *q = &op->store->quota;
    if (!op->caller->privileged && q->n_nodes
        && op_owned(op, op->caller->domid) + (long long int)n_missing
               > q->n_nodes) {
        error = EQUOTA;
        goto out;
    }

    /* Each new node inherits its parent's permissions; what an
     * unprivileged domain creates, it owns. */
    const char *parent = ancestor->path;
    for (size_t i = n_missing; i-- > 0;) {
        struct xs_node *pn = view_modify(op, parent);
        node_add_child(pn, node_name(missing[i]));

        bool last = !i;
        struct xs_node *node
            = node_create(missing[i], last ? value : "", last ? size : 0,
                          pn->perms, pn->n_perms);
        if (!op->caller->privileged) {
            node->perms[0].domid = op->caller->domid;
        }
        view_insert(op, node);
        parent = missing[i];
        if (last) {
            op_changed(op, node->path, false, node->perms, node->n_perms);
        }
    }

out:
    for (size_t i = 0; i < n_missing; i++) {
        free(missing[i]);
    }
    free(missing);
    return error;
}

int
xs_emu_store_write(struct xs_emu_store *store, struct xs_emu_txn *txn,
                   const struct xs_emu_caller *caller, const char *path,
                   const void *value, size_t size)
{
    struct op op = {store, txn, caller};
    if (path[0] != '/') {
        return EINVAL;
    }
    if (!caller->privileged && store->quota.value_size
        && size > store->quota.value_size) {
        return E2BIG;
    }

    struct xs_node *node;
    int error = get_node(&op, path, XS_EMU_PERM_WRITE, &node);
    if (error == ENOENT) {
        return create_node(&op, path, value, size);
    } else if (error) {
        return error;
    }
    node = view_modify(&op, path);
    node_set_value(node, value, size);
    op_changed(&op, path, false, node->perms, node->n_perms);
    return 0;
}

int
xs_emu_store_mkdir(struct xs_emu_store *store, struct xs_emu_txn *txn,
                   const struct xs_emu_caller *caller, const char *path)
{
    struct op op = {store, txn, caller};
    if (path[0] != '/') {
        return EINVAL;
    }
    struct xs_node *node;
    int error = get_node(&op, path, XS_EMU_PERM_WRITE, &node);
    return error == ENOENT ? create_node(&op, path, "", 0) : error;
}

/* Appends the paths of 'node''s descendants as 'op' sees them. */
static int
collect_subtree(struct op *op, const struct xs_node *node, char ***paths,
                size_t *n, size_t *allocated)
{
    for (size_t ofs = 0; ofs < node->children_size;) {
        const char *name = node->children + ofs;
        ofs += strlen(name) + 1;

        char *path = child_path(node->path, name);
        struct xs_node *child;
        int error = view_get(op, path, &child);
        if (error || !child) {
            free(path);
            if (error) {
                return error;
            }
            continue;
        }
        if (*n >= *allocated) {
            *paths = x2nrealloc(*paths, allocated, sizeof **paths);
        }
        (*paths)[(*n)++] = path;
        error = collect_subtree(op, child, paths, n, allocated);
        if (error) {
            return error;
        }
    }
    return 0;
}

int
xs_emu_store_rm(struct xs_emu_store *store, struct xs_emu_txn *txn,
                const struct xs_emu_caller *caller, const char *path)
{
    struct op op = {store, txn, caller};
    if (path[0] != '/') {
        return EINVAL;
    }

    struct xs_node *node;
    int error = get_node(&op, path, XS_EMU_PERM_WRITE, &node);
    if (error == ENOENT) {
        /* Removing what is not there is fine if the parent exists. */
        char *parent = parent_path(path);
        struct xs_node *p;
        error = view_get(&op, parent, &p);
        free(parent);
        return error ? error : p ? 0 : ENOENT;
    } else if (error) {
        return error;
    }
    if (!strcmp(path, "/")) {
        return EINVAL;
    }

    /* Look at the whole subtree first: in a transaction that can fail. */
    char **paths = NULL;
    size_t n = 0, allocated = 0;
    error = collect_subtree(&op, node, &paths, &n, &allocated);
    char *parent = parent_path(path);
    struct xs_node *p = NULL;
    if (!error) {
        error = view_get(&op, parent, &p);
    }
    if (!error && !p) {
        /* Only a transaction can see a node without its parent: it copied
         * the node before somebody else removed the parent.  Its commit
         * would fail anyway. */
        ovs_assert(txn);
        error = EAGAIN;
    }
    if (!error) {
        struct xs_emu_perm *perms
            = xmemdup(node->perms, node->n_perms * sizeof *node->perms);
        size_t n_perms = node->n_perms;

        for (size_t i = n; i-- > 0;) {
            view_remove(&op, paths[i]);
        }
        view_remove(&op, path);
        node_remove_child(view_modify(&op, parent), node_name(path));
        op_changed(&op, path, true, perms, n_perms);
        free(perms);
    }
    for (size_t i = 0; i < n; i++) {
        free(paths[i]);
    }
    free(paths);
    free(parent);
    return error;
}

int
xs_emu_store_directory(struct xs_emu_store *store, struct xs_emu_txn *txn,
                       const struct xs_emu_caller *caller, const char *path,
                       const char **children, size_t *size, uint64_t *gen)
{
    struct op op = {store, txn, caller};
    struct xs_node *node;
    int error = get_node(&op, path, XS_EMU_PERM_READ, &node);
    *children = node ? node->children : NULL;
    *size = node ? node->children_size : 0;
    *gen = node ? node->gen : 0;
    return error;
}

int
xs_emu_store_get_perms(struct xs_emu_store *store, struct xs_emu_txn *txn,
                       const struct xs_emu_caller *caller, const char *path,
                       const struct xs_emu_perm **perms, size_t *n)
{
    struct op op = {store, txn, caller};
    struct xs_node *node;
    int error = get_node(&op, path, XS_EMU_PERM_READ, &node);
    *perms = node ? node->perms : NULL;
    *n = node ? node->n_perms : 0;
    return error;
}

int
xs_emu_store_set_perms(struct xs_emu_store *store, struct xs_emu_txn *txn,
                       const struct xs_emu_caller *caller, const char *path,
                       const struct xs_emu_perm *perms, size_t n)
{
    struct op op = {store, txn, caller};
    if (!n) {
        return EINVAL;
    }
    struct xs_node *node;
    int error = get_node(&op, path, XS_EMU_PERM_WRITE, &node);
    if (error) {
        return error;
    }
    if (!is_owner(caller, node)) {
        return EACCES;
    }
    if (!caller->privileged && perms[0].domid != node->perms[0].domid) {
        return EPERM;
    }

    node = view_modify(&op, path);
    op_owner_add(&op, node->perms[0].domid, -1);
    op_owner_add(&op, perms[0].domid, 1);
    free(node->perms);
    node->perms = xmemdup(perms, n * sizeof *perms);
    node->n_perms = n;
    op_changed(&op, path, false, node->perms, node->n_perms);
    return 0;
}

/* Transactions. */

struct xs_emu_txn *
xs_emu_txn_create(struct xs_emu_store *store)
{
    struct xs_emu_txn *txn = xzalloc(sizeof *txn);
    txn->store = store;
    hmap_init(&txn->entries);
    hmap_init(&txn->owners);
    ovs_list_init(&txn->changes);
    return txn;
}

int
xs_emu_txn_commit(struct xs_emu_txn *txn, const struct xs_emu_caller *caller)
{
    struct xs_emu_store *store = txn->store;
    struct xs_txn_entry *e;

    HMAP_FOR_EACH (e, hmap_node, &txn->entries) {
        struct xs_node *cur = tree_lookup(store, e->path);
        if ((cur ? cur->gen : 0) != e->orig_gen) {
            return EAGAIN;
        }
    }
    long long int delta = owner_get(&txn->owners, caller->domid);
    if (!caller->privileged && store->quota.n_nodes && delta > 0
        && owner_get(&store->owners, caller->domid) + delta
               > store->quota.n_nodes) {
        return EQUOTA;
    }

    HMAP_FOR_EACH (e, hmap_node, &txn->entries) {
        if (!e->modified) {
            continue;
        }
        struct xs_node *old = tree_lookup(store, e->path);
        if (old) {
            hmap_remove(&store->nodes, &old->hmap_node);
            node_destroy(old);
        }
        if (e->node) {
            e->node->gen = ++store->gen;
            hmap_insert(&store->nodes, &e->node->hmap_node,
                        hash_string(e->path, 0));
            e->node = NULL;
        }
    }
    struct xs_owner *o;
    HMAP_FOR_EACH (o, hmap_node, &txn->owners) {
        owner_add(&store->owners, o->domid, o->n);
    }

    struct xs_change *c;
    LIST_FOR_EACH_POP (c, list_node, &txn->changes) {
        if (store->changed) {
            store->changed(store->aux, c->path, c->removed, c->perms,
                           c->n_perms);
        }
        change_destroy(c);
    }
    return 0;
}

void
xs_emu_txn_destroy(struct xs_emu_txn *txn)
{
    if (txn) {
        struct xs_txn_entry *e;
        HMAP_FOR_EACH_POP (e, hmap_node, &txn->entries) {
            node_destroy(e->node);
            free(e->path);
            free(e);
        }
        hmap_destroy(&txn->entries);
        owners_clear(&txn->owners);
        struct xs_change *c;
        LIST_FOR_EACH_POP (c, list_node, &txn->changes) {
            change_destroy(c);
        }
        free(txn);
    }
}

/* Permission text. */

bool
xs_emu_perm_parse(const char *text, struct xs_emu_perm *perm)
{
    static const char letters[] = "nrwb"; /* Index = XS_EMU_PERM_* bits. */
    const char *p = text[0] ? strchr(letters, text[0]) : NULL;
    if (!p || !isdigit((unsigned char)text[1]) || strlen(text) > 6) {
        return false;
    }
    char *end;
    unsigned long domid = strtoul(text + 1, &end, 10);
    if (*end || domid > UINT16_MAX) {
        return false;
    }
    perm->domid = domid;
    perm->perms = p - letters;
    return true;
}

char
xs_emu_perm_letter(uint8_t perms)
{
    return "nrwb"[perms & XS_EMU_PERM_BOTH];
}
