/* agent/api-batch.c: the "batch" verb: many changes in one call, all or
 * nothing, saved with one journal append and one fsync (store.h) and
 * applied to the switch with one reconcile.
 *
 * "calls" is a JSON array (as a string, like every parameter) of
 * {"method": VERB, "params": {...}} objects, run in order on the same
 * records, each exactly as it would run alone (its parameters checked the
 * same way).  The first call that fails undoes the calls before it and
 * fails the batch, naming its index and verb; the result is one string per
 * call: the uuid a create verb returned, else "".  Only changing verbs
 * whose result is nothing or a uuid may be batched (no lists, no
 * param-get, no pif-scan, no batch in a batch). */

#include <config.h>
#include "agent/api-private.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "agent/records.h"
#include "agent/rpc.h"
#include "util.h"

/* Whether verb 'v' may be batched. */
static bool
batchable(const struct xrpc_verb *v)
{
    return (
        v && strcmp(v->name, "batch") && !(v->flags & XRPC_LIST)
        && (v->result == XRPC_RESULT_NONE || v->result == XRPC_RESULT_UUID));
}

/* Parses "calls" into '*calls' (an array of checked call objects).
 * Rejects and returns false if it is not one. */
static bool
parse_calls(struct xapi_ctx *c, struct json_object **calls)
{
    const char *text = xapi_arg_required(c, "calls");
    if (!text) {
        return false;
    }
    struct json_tokener *tok = json_tokener_new();
    size_t len = strlen(text);
    struct json_object *a = json_tokener_parse_ex(tok, text, len);
    bool whole = a && json_tokener_get_parse_end(tok) == len;
    json_tokener_free(tok);
    if (!whole || !json_object_is_type(a, json_type_array)) {
        json_object_put(a);
        return xapi_fail(c, XRPC_USAGE, "calls",
                         "must be a JSON array of {\"method\": VERB, "
                         "\"params\": {...}}");
    }
    size_t n = json_object_array_length(a);
    if (!n || n > XAPI_BATCH_MAX) {
        json_object_put(a);
        return xapi_fail(c, XRPC_USAGE, "calls", "%zu calls (1..%d allowed)",
                         n, XAPI_BATCH_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *call = json_object_array_get_idx(a, i);
        struct json_object *method = NULL, *params = NULL;
        if (!json_object_is_type(call, json_type_object)
            || !json_object_object_get_ex(call, "method", &method)
            || !json_object_is_type(method, json_type_string)
            || (json_object_object_get_ex(call, "params", &params)
                && !json_object_is_type(params, json_type_object))
            || json_object_object_length(call) > 1 + (params != NULL)) {
            json_object_put(a);
            return xapi_fail(c, XRPC_USAGE, "calls",
                             "calls[%zu] is not {\"method\": VERB, "
                             "\"params\": {...}}",
                             i);
        }
        const char *name = json_object_get_string(method);
        if (!batchable(xrpc_verb_find(name))) {
            /* 'name' lives in 'a': the message first. */
            xapi_fail(c, XRPC_USAGE, "calls",
                      "calls[%zu]: \"%.64s\" cannot be batched (only "
                      "verbs that change records and return nothing "
                      "or a uuid)",
                      i, name);
            json_object_put(a);
            return false;
        }
        /* A batch is never served on the internal socket. */
        char *why = xrpc_check_internal_only(xrpc_internal_only, name, params);
        if (why) {
            xapi_fail(c, XRPC_REJECTED, "calls", "calls[%zu]: %s", i, why);
            free(why);
            json_object_put(a);
            return false;
        }
    }
    *calls = a;
    return true;
}

int
xapi_batch(struct xapi_ctx *c)
{
    struct json_object *calls = NULL;
    if (!parse_calls(c, &calls)) {
        return c->code;
    }

    /* The records as they were, to undo the calls already run if a later
     * one fails (reject-before-change holds for the batch as a whole): the
     * change the batch runs in (xapi_handle_line()), else a copy. */
    struct xrec_change *change = c->db->change;
    struct xrec_db before;
    if (!change) {
        xrec_db_clone(&before, c->db);
    }

    struct json_object *results = json_object_new_array();
    size_t n = json_object_array_length(calls);
    for (size_t i = 0; i < n; i++) {
        struct json_object *call = json_object_array_get_idx(calls, i);
        struct json_object *method, *params = NULL, *result;
        json_object_object_get_ex(call, "method", &method);
        json_object_object_get_ex(call, "params", &params);
        struct json_object *owned
            = params ? json_object_get(params) : json_object_new_object();
        const char *name = json_object_get_string(method);

        int code = xapi_run(c, name, owned, &result);
        json_object_put(owned);
        if (code) {
            char *why = c->error;
            c->error = xasprintf("calls[%zu] (%s): %s; nothing in the batch "
                                 "was changed",
                                 i, name, why);
            free(why);
            if (change) {
                xrec_change_rollback(c->db, change);
            } else {
                xrec_db_destroy(c->db);
                *c->db = before;
            }
            c->changed = false;
            json_object_put(results);
            json_object_put(calls);
            return c->code;
        }
        struct json_object *uuid = NULL;
        json_object_object_get_ex(result, "uuid", &uuid);
        json_object_array_add(
            results,
            json_object_new_string(uuid ? json_object_get_string(uuid) : ""));
        json_object_put(result);
    }
    if (!change) {
        xrec_db_destroy(&before);
    }
    json_object_put(calls);
    c->result = results;
    return 0;
}
