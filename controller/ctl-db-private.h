/* controller/ctl-db-private.h: what ctl-db.c shares with the files that add
 * verbs to xovs-controller's executor (ctl-acl.c): the request context and
 * the checks and list helpers every verb uses.  Only for controller/. */
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
    struct json_object *db;
    const struct ctl_env *env;
    const struct xrpc_verb *verb;
    struct json_object *params;
    struct json_object *result;
    char *error;
    int code;
    bool changed;
};

/* Rejects the request (the first call wins) with "NAME: message". */
void ctl_reject(struct ctl_ctx *, const char *name, const char *fmt, ...)
    OVS_PRINTF_FORMAT(3, 4);
/* Parameter 'name' of the request, or NULL. */
const char *ctl_arg(const struct ctl_ctx *, const char *name);
/* Table 'name' of 'db' ("networks", "vifs", "acls"), or NULL. */
struct json_object *ctl_table(struct json_object *db, const char *name);
/* String member 'key' of 'rec', or "". */
const char *ctl_get_str(struct json_object *rec, const char *key);
/* True if 's' is a uuid; its canonical form into 'out'. */
bool ctl_valid_uuid(const char *s, char out[UUID_LEN + 1]);
void ctl_new_uuid(char out[UUID_LEN + 1]);

/* List verbs: checks params= (and makes the result array); returns false
 * after rejecting.  ctl_add_row() filters and selects as docs/api.md says
 * and adds 'row' to the result (or puts it). */
bool ctl_check_list_params(struct ctl_ctx *);
void ctl_add_row(struct ctl_ctx *, struct json_object *row);

#endif /* controller/ctl-db-private.h */
