/* agent/rpc-param.c: xe's generic verbs on every record kind, in the verb
 * table (rpc.h):
 *
 *   KIND-param-get    uuid= param-name= [param-key=]   one field, or one key
 *                                                      of a map field
 *   KIND-param-add    uuid= param-name= KEY=VALUE...   keys into a map
 *                     uuid= param-name= param-key=V    an element into a set
 *   KIND-param-remove uuid= param-name= param-key=     a key or element out
 *   KIND-param-clear  uuid= param-name=                empty a map or set
 *                                                      (or a writable field)
 *
 * for KIND network, pif, vlan, bond and vif.  The fields are those of
 * KIND-list; api-param.c carries them out through KIND-list and
 * KIND-param-set, so they check and change exactly what those do. */
#include <config.h>
#include "agent/rpc.h"

#include "util.h"

static const struct xrpc_param param_get[] = {
    {"uuid", true, NULL, "the record's uuid"},
    {"param-name", true, NULL, "a field of the record (see KIND-list)"},
    {"param-key", false, NULL, "one key of a map field"},
    {NULL, false, NULL, NULL},
};

static const struct xrpc_param param_add[] = {
    {"uuid", true, NULL, "the record's uuid"},
    {"param-name", true, NULL, "a writable map or set field"},
    {"param-key", false, NULL, "the element to add to a set field"},
    {NULL, false, NULL, NULL},
};

static const struct xrpc_param param_remove[] = {
    {"uuid", true, NULL, "the record's uuid"},
    {"param-name", true, NULL, "a writable map or set field"},
    {"param-key", true, NULL, "the key (map) or element (set) to remove"},
    {NULL, false, NULL, NULL},
};

static const struct xrpc_param param_clear[] = {
    {"uuid", true, NULL, "the record's uuid"},
    {"param-name", true, NULL, "a writable field: maps and sets are emptied"},
    {NULL, false, NULL, NULL},
};

#define PARAM_VERBS(KIND, WHAT)                                               \
    {KIND "-param-get", "show one field (or one map key) of " WHAT,           \
     param_get, 0, XRPC_RESULT_VALUE},                                        \
        {KIND "-param-add",                                                   \
         "add KEY=VALUE to a map, or param-key= to a set, of " WHAT,          \
         param_add, XRPC_ANY_KEYS, XRPC_RESULT_NONE},                         \
        {KIND "-param-remove",                                                \
         "remove a key of a map, or an element of a set, of " WHAT,           \
         param_remove, 0, XRPC_RESULT_NONE},                                  \
    {                                                                         \
        KIND "-param-clear",                                                  \
            "empty a map or set (or clear a field) of " WHAT, param_clear, 0, \
            XRPC_RESULT_NONE                                                  \
    }

static const struct xrpc_verb param_verbs[] = {
    PARAM_VERBS("network", "a network"), PARAM_VERBS("pif", "a PIF"),
    PARAM_VERBS("vlan", "a VLAN"),       PARAM_VERBS("bond", "a bond"),
    PARAM_VERBS("vif", "a VIF"),
};

const struct xrpc_verb *
xrpc_param_verbs(size_t *n)
{
    *n = ARRAY_SIZE(param_verbs);
    return param_verbs;
}
