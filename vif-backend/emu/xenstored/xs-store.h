/* vif-backend/emu/xenstored/xs-store.h: the node tree of xovs-xenstored.
 *
 * The store is the part of xenstored that knows nothing about sockets or
 * the wire: a tree of nodes (value bytes, permissions, ordered children,
 * a generation number), Xen's permission rules, per-domain node quotas and
 * transactions.  xs-server.c drives it from wire requests; the unit tests
 * and the fuzzer drive it directly.
 *
 * Semantics follow the real daemons (cxenstored's xenstored_core.c and
 * oxenstored, which XenServer runs):
 *
 *   - A node's permissions are a list of (domid, n|r|w|b).  The first entry
 *     names the owner and gives everybody not listed later their access.
 *     The owner, privileged callers (dom0) and a domain whose target owns
 *     the node have full access.
 *   - A new node inherits its parent's permissions; if an unprivileged
 *     domain creates it, that domain becomes the owner.
 *   - Creating a node needs write access to its nearest existing ancestor
 *     (missing intermediate nodes are created too).  A missing node is
 *     ENOENT if its nearest existing ancestor grants the access asked for,
 *     otherwise EACCES (one cannot probe what one may not see).
 *   - Quotas (unprivileged callers only; dom0 is exempt): nodes owned per
 *     domain (EQUOTA), value size (E2BIG), nodes a transaction may touch
 *     (EQUOTA).
 *   - A transaction sees its own writes; a node it read or wrote that was
 *     changed by anybody else before it commits makes the commit fail with
 *     EAGAIN (cxenstored's generation-count scheme).
 *
 * Paths given to the store are canonical absolute paths (see
 * xs_emu_path_canonical()).  Nothing here logs. */
#ifndef XS_EMU_STORE_H
#define XS_EMU_STORE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vif-backend/emu/xenstored/xs-wire.h"

/* Node access bits (xs_perm_type in Xen's xenstore_lib.h). */
enum {
    XS_EMU_PERM_NONE = 0,
    XS_EMU_PERM_READ = 1,
    XS_EMU_PERM_WRITE = 2,
    XS_EMU_PERM_BOTH = 3,
};

/* One entry of a node's permission list. */
struct xs_emu_perm {
    uint32_t domid; /* The domain this entry is about. */
    uint8_t perms;  /* XS_EMU_PERM_* bits. */
};

/* Who asks: every store operation is checked against this. */
struct xs_emu_caller {
    uint32_t domid;  /* 0 for dom0. */
    bool privileged; /* Bypasses permissions and quotas (dom0). */
    uint32_t target; /* XS_SET_TARGET: acts as owner of its nodes; */
    bool has_target; /* ...only if this is true. */
};

/* Limits for unprivileged callers.  0 means unlimited. */
struct xs_emu_quota {
    unsigned int n_nodes;     /* Nodes a domain may own (EQUOTA). */
    unsigned int value_size;  /* Bytes in one node's value (E2BIG). */
    unsigned int n_watches;   /* Watches per domain (EQUOTA); server. */
    unsigned int n_txns;      /* Open transactions per domain (EQUOTA). */
    unsigned int n_txn_nodes; /* Nodes one transaction may touch. */
};

/* Defaults: those the issue asks for (oxenstored's, watches raised). */
#define XS_EMU_QUOTA_DEFAULT_INIT                                             \
    {                                                                         \
        .n_nodes = 1000, .value_size = 2048, .n_watches = 128, .n_txns = 10,  \
        .n_txn_nodes = 1024,                                                  \
    }

/* Called after every change that reached the committed tree, in order:
 * 'path' was written, created or (if 'removed') removed with its subtree.
 * 'perms' are the node's permissions (before removal, for a removal), for
 * deciding who may see the watch event. */
typedef void xs_emu_store_changed_func(void *aux, const char *path,
                                       bool removed,
                                       const struct xs_emu_perm *perms,
                                       size_t n_perms);

struct xs_emu_store;
struct xs_emu_txn;

/* A new store holding only "/" (owner dom0, no access for others).
 * 'quota' is copied.  'changed' (may be NULL) is called with 'aux'. */
struct xs_emu_store *xs_emu_store_create(const struct xs_emu_quota *quota,
                                         xs_emu_store_changed_func *changed,
                                         void *aux);
void xs_emu_store_destroy(struct xs_emu_store *);
const struct xs_emu_quota *xs_emu_store_quota(const struct xs_emu_store *);
size_t xs_emu_store_n_nodes(const struct xs_emu_store *);
/* Nodes owned by 'domid'. */
unsigned int xs_emu_store_n_owned(const struct xs_emu_store *, uint32_t domid);

/* Turns 'path' as a client of 'domid' sent it into the canonical absolute
 * path in '*out' (malloc'd; NULL on error).  Relative paths are resolved
 * against /local/domain/<domid>.  Special paths ("@...") are allowed only
 * if 'allow_special'.  Returns 0 or EINVAL (bad characters, "//", a
 * trailing "/", longer than XENSTORE_ABS_PATH_MAX, or, for unprivileged
 * callers, a part below /local/domain/N/ longer than
 * XENSTORE_REL_PATH_MAX). */
int xs_emu_path_canonical(const struct xs_emu_caller *, const char *path,
                          bool allow_special, char **out);

/* The operations.  'txn' is NULL or a transaction of this store.  Each
 * returns 0 or a positive errno (EQUOTA for quotas) and changes nothing
 * on failure.  Pointers handed out stay valid until the next operation
 * on the store or 'txn'. */
int xs_emu_store_read(struct xs_emu_store *, struct xs_emu_txn *,
                      const struct xs_emu_caller *, const char *path,
                      const char **value, size_t *size);
int xs_emu_store_write(struct xs_emu_store *, struct xs_emu_txn *,
                       const struct xs_emu_caller *, const char *path,
                       const void *value, size_t size);
/* Creates 'path' with an empty value; an existing node is left alone
 * (write access still required). */
int xs_emu_store_mkdir(struct xs_emu_store *, struct xs_emu_txn *,
                       const struct xs_emu_caller *, const char *path);
/* Removes 'path' and its subtree.  A missing node whose parent exists is
 * not an error; "/" cannot be removed (EINVAL). */
int xs_emu_store_rm(struct xs_emu_store *, struct xs_emu_txn *,
                    const struct xs_emu_caller *, const char *path);
/* The children's names as consecutive NUL-terminated strings in creation
 * order ('*size' bytes, 0 if none), and the node's generation. */
int xs_emu_store_directory(struct xs_emu_store *, struct xs_emu_txn *,
                           const struct xs_emu_caller *, const char *path,
                           const char **children, size_t *size, uint64_t *gen);
int xs_emu_store_get_perms(struct xs_emu_store *, struct xs_emu_txn *,
                           const struct xs_emu_caller *, const char *path,
                           const struct xs_emu_perm **perms, size_t *n);
/* Needs ownership; unprivileged callers may not change the owner (EPERM).
 * 'n' must be at least 1 (EINVAL). */
int xs_emu_store_set_perms(struct xs_emu_store *, struct xs_emu_txn *,
                           const struct xs_emu_caller *, const char *path,
                           const struct xs_emu_perm *perms, size_t n);

/* Transactions.  create() never fails; destroy() aborts (accepts NULL).
 * commit() applies the transaction's changes (firing 'changed' for each)
 * and returns 0, or changes nothing and returns EAGAIN (a node it used
 * changed meanwhile) or EQUOTA (committing would exceed the caller's
 * node quota).  Either way the caller then destroys it. */
struct xs_emu_txn *xs_emu_txn_create(struct xs_emu_store *);
int xs_emu_txn_commit(struct xs_emu_txn *, const struct xs_emu_caller *);
void xs_emu_txn_destroy(struct xs_emu_txn *);

/* Permission text as on the wire ("r5"): 'c' is n, r, w or b.  Returns
 * false if 'text' is not a letter followed by a decimal domid. */
bool xs_emu_perm_parse(const char *text, struct xs_emu_perm *);
char xs_emu_perm_letter(uint8_t perms);

/* What 'caller' may do with a node with 'perms' (XS_EMU_PERM_* bits). */
uint8_t xs_emu_perm_for(const struct xs_emu_caller *,
                        const struct xs_emu_perm *perms, size_t n);

#endif /* vif-backend/emu/xenstored/xs-store.h */
