/* controller/ctl-db-private.h: what the verb executors of xovs-controller
 * share (ctl-db.c: networks and VIFs; ctl-host.c: hosts and live
 * migration; ctl-acl.c: ACLs).  Not for the rest of the daemon: it sees
 * ctl-db.h only. */
#ifndef CTL_DB_PRIVATE_H
#define CTL_DB_PRIVATE_H 1

#include <stdbool.h>
#include "openvswitch/compiler.h"
#include "uuid.h"

struct ctl_env;
struct json_object;
struct xrpc_verb;

/* One request being executed (ctl_db_call()). */
struct ctl_ctx {
    struct json_object *db;       /* the records (a copy: see ctl-db.h) */
    const struct ctl_env *env;    /* status callbacks, may be NULL */
    const struct xrpc_verb *verb; /* the verb being run */
    struct json_object *params;   /* its parameters: an object of strings */
    struct json_object *result;   /* what it answers (NULL: null) */
    char *error;                  /* first rejection, malloc'd, or NULL */
    int code;                     /* XRPC_REJECTED with 'error' */
    bool changed;                 /* 'db' was modified */
};

/* Rejects the request: the first call sets '*c''s error to "NAME: ...";
 * later calls are ignored. */
void ctl_reject(struct ctl_ctx *c, const char *name, const char *fmt, ...)
    OVS_PRINTF_FORMAT(3, 4);
/* Parameter 'name' of the request, or NULL if absent. */
const char *ctl_arg(const struct ctl_ctx *c, const char *name);
/* Table 'name' ("networks", "vifs", "hosts", "acls") of 'db' (a checked
 * store). */
struct json_object *ctl_table(struct json_object *db, const char *name);
/* The string member 'key' of 'rec', "" if it is absent or not a string. */
const char *ctl_get_str(struct json_object *rec, const char *key);
/* True if 's' is a uuid; its canonical form into 'out'. */
bool ctl_valid_uuid(const char *s, char out[UUID_LEN + 1]);
void ctl_new_uuid(char out[UUID_LEN + 1]);
/* A system-id or physical network name (1..64 of [A-Za-z0-9_.-]). */
bool ctl_valid_ident(const char *s);
/* The record of table 'table' named by parameter 'param' (a uuid, written
 * canonically into 'out'); rejects and returns NULL if there is none. */
struct json_object *ctl_find(struct ctl_ctx *c, const char *table,
                             const char *param, const char *what,
                             char out[UUID_LEN + 1]);
/* List verbs: checks params=, makes the result an empty array; false after
 * rejecting.  ctl_add_row() adds 'row' (taking it) if it matches the
 * request's KEY=VALUE filters, with the fields params= selects. */
bool ctl_check_list_params(struct ctl_ctx *c);
void ctl_add_row(struct ctl_ctx *c, struct json_object *row);

/* ctl-journal.c: the store's journal (PATH.journal next to the snapshot
 * PATH).  Replays it over 'db' (the snapshot as loaded); '*torn' is true if
 * a torn last entry was dropped.  Returns NULL or a malloc'd reason. */
char *ctl_journal_replay(const char *path, struct json_object *db,
                         size_t *n_entries, bool *torn);
/* Appends {"ops": 'ops'} and fsyncs; compacts into a new snapshot of 'db'
 * (the records with the change) when the journal has grown.  Returns NULL
 * or a malloc'd message (the journal then holds what it held before). */
char *ctl_journal_append(const char *path, struct json_object *ops,
                         struct json_object *db);
/* Writes the snapshot 'db' (the records of snapshot and journal) and
 * empties the journal.  Returns NULL or a malloc'd message. */
char *ctl_journal_checkpoint(const char *path, struct json_object *db);
/* The last failed compaction's message (caller frees), or NULL. */
char *ctl_journal_take_warning(const char *path);
/* Tests: closes and forgets the journal of 'path'; the journal size below
 * which it is never compacted (0: the default, 1 MiB). */
void ctl_journal_forget(const char *path);
void ctl_journal_set_compact_min(long long bytes);

/* ctl-host.c. */

/* Checks the store's "hosts" table and the VIFs' "migrating-to" (NULL:
 * well-formed, else a malloc'd reason); adds an empty "hosts" table to a
 * store written before it existed. */
char *ctl_host_check_db(struct json_object *db);
/* Whether VIFs may be placed on host 'host' (a valid system-id): rejects
 * (parameter 'param') a host removed from the pool and records a host the
 * pool did not know yet.  Returns false after rejecting. */
bool ctl_host_admit(struct ctl_ctx *c, const char *param, const char *host);

void ctl_pool_vif_migrate(struct ctl_ctx *);
void ctl_pool_vif_migrate_complete(struct ctl_ctx *);
void ctl_pool_host_add(struct ctl_ctx *);
void ctl_pool_host_list(struct ctl_ctx *);
void ctl_pool_host_remove(struct ctl_ctx *);

#endif /* controller/ctl-db-private.h */
