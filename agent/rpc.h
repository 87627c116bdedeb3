/* agent/rpc.h: the xovs RPC vocabulary, shared by the CLI and the agent.
 *
 * Wire format (docs/api.md has the full reference): newline-delimited
 * JSON-RPC 2.0 over a unix stream socket, one request object per line and
 * one response line per request, in order:
 *
 *   {"jsonrpc":"2.0","id":1,"method":"network-create",
 *    "params":{"name-label":"net0","MTU":"9000"}}
 *   {"jsonrpc":"2.0","id":1,"result":{"uuid":"..."}}
 *   {"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"MTU: ..."}}
 *
 * A method is a CLI verb and its params are the verb's key=value arguments,
 * every value a string, exactly as typed.  The verb table below is the one
 * source of truth for verb and parameter names: the agent checks requests
 * against it and the CLI uses it for `xovs help` and to reject unknown verbs
 * and parameters before connecting. */
#ifndef XRPC_H
#define XRPC_H 1

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* The agent's default address is xovs_default_agent_rpc() (lib/xovs-dirs.h):
 * unix:/run/xovs/agent.sock unless $XOVS_RUNDIR says otherwise. */
#define XRPC_MAX_REQUEST (64 * 1024)         /* bytes in a request line */
#define XRPC_MAX_RESPONSE (64 * 1024 * 1024) /* bytes in a response line */
#define XRPC_MAX_PARAMS 64                   /* members of "params" */

/* Error codes carried in a response's error.code (and the CLI's exit). */
enum xrpc_code {
    XRPC_OK = 0,       /* success (never sent as an error code) */
    XRPC_REJECTED = 1, /* request understood but refused; nothing changed */
    XRPC_USAGE = 2,    /* unknown method, unknown parameter, bad request */
    XRPC_FAILED = 3,   /* the agent could not carry it out (store write
                        * failed); nothing changed */
};

/* What a successful call returns in "result". */
enum xrpc_result {
    XRPC_RESULT_NONE,  /* null */
    XRPC_RESULT_UUID,  /* {"uuid": "..."}: create verbs */
    XRPC_RESULT_UUIDS, /* ["...", ...] */
    XRPC_RESULT_SCAN,  /* pif-scan: {"uuids": [new PIFs], "changes": [text],
                        * "warnings": [text]} */
    XRPC_RESULT_LIST,  /* [{field: value, ...}, ...]: list verbs */
    XRPC_RESULT_VALUE, /* {"value": "text"}: *-param-get */
};

/* Verb flags. */
#define XRPC_LIST 0x1         /* fields filter; "params" selects fields */
#define XRPC_OTHER_CONFIG 0x2 /* accepts other-config:KEY=VALUE */
#define XRPC_PROPERTIES 0x4   /* accepts properties:KEY=VALUE (bonds) */
#define XRPC_ANY_KEYS 0x8     /* accepts any KEY=VALUE (*-param-add) */
#define XRPC_QOS_PARAMS 0x10  /* accepts qos_algorithm_params:KEY=VALUE */

struct xrpc_param {
    const char *name; /* as typed: "name-label", "MTU" */
    bool required;
    const char *access; /* list fields: xe's " RO", " RW", "MRW", "SRO",
                         * "SRW"; NULL for verb arguments */
    const char *help;   /* one line */
};

struct xrpc_verb {
    const char *name;                /* "network-create" */
    const char *summary;             /* one line for `xovs help` */
    const struct xrpc_param *params; /* terminated by a NULL name; for list
                                      * verbs, the record's fields */
    unsigned int flags;              /* XRPC_* */
    enum xrpc_result result;
};

/* The verb table, in help order: rpc.c's verbs, then rpc-param.c's
 * generic ones. */
const struct xrpc_verb *xrpc_verbs(size_t *n);
/* xe's generic verbs on every record kind (rpc-param.c):
 * KIND-param-get, -param-add, -param-remove and -param-clear.  Weak: a
 * program that links rpc.o without rpc-param.o (xovs-netback, which only
 * reports counters) has none of them. */
const struct xrpc_verb *xrpc_param_verbs(size_t *n) __attribute__((weak));
/* xovs-controller's pool verbs (controller/ctl-rpc.c), for the programs
 * that link it (the CLI and xovs-controller); weak as above. */
const struct xrpc_verb *xrpc_ovn_verbs(size_t *n) __attribute__((weak));
/* NULL if there is no such verb. */
const struct xrpc_verb *xrpc_verb_find(const char *name);
/* NULL if 'verb' has no parameter or field called 'name'. */
const struct xrpc_param *xrpc_param_find(const struct xrpc_verb *,
                                         const char *name);
/* Returns NULL if 'key' may be passed to 'verb' (a parameter, a field of a
 * list verb, "params" on a list verb, other-config:KEY or properties:KEY
 * where accepted), else
 * a malloc'd usage message naming it. */
char *xrpc_check_param_name(const struct xrpc_verb *, const char *key);

/* xe's text form of a result value: strings as they are, integers in
 * decimal, booleans "true"/"false", arrays "a; b", objects "k: v; k2: v2".
 * Used to print records and to match list filters.  Caller frees. */
char *xrpc_value_to_text(struct json_object *);

/* A method allow-list: what one of the agent's sockets serves (see
 * rpc-server.h).  'params' names the only parameters the method may carry
 * there (NULL-terminated), or is NULL for any the verb table accepts. */
struct xrpc_allow {
    const char *method;
    const char *const *params;
};

/* The agent's internal socket (xovs-netback and the vif hotplug script,
 * scripts/vif): vif-stats-report, vif-list, vif-plug, vif-unplug and
 * vif-param-set with only uuid= and domid=.  Terminated by a NULL method. */
extern const struct xrpc_allow xrpc_internal_allow[];

/* What only the internal socket takes (the admin socket refuses it):
 * vif-plug's dpdk-devargs, which names a unix socket that ovs-vswitchd-dpdk
 * then listens on, and dpdk-queues, that port's rx queues; only
 * xovs-netback, through the hotplug script, knows the one it made and the
 * queues its frontend connected (docs/dpdk.md). */
extern const struct xrpc_allow xrpc_internal_only[];

/* Returns NULL if no entry of 'only' (terminated by a NULL method) names
 * 'method' with a parameter that 'params' (an object or NULL) carries, else
 * a malloc'd one-line message naming the parameter and the socket that
 * takes it. */
char *xrpc_check_internal_only(const struct xrpc_allow *only,
                               const char *method, struct json_object *params);

/* Returns NULL if 'allow' (terminated by a NULL method) lets 'method' run
 * with 'params' (an object or NULL), else a malloc'd one-line message that
 * names the method or parameter refused and what to use instead. */
char *xrpc_check_allowed(const struct xrpc_allow *allow, const char *method,
                         struct json_object *params);

/* Returns a request line (malloc'd, ending in '\n') for 'method' with
 * 'params' (an object of strings; not consumed). */
char *xrpc_request_line(long long id, const char *method,
                        struct json_object *params);

/* Returns a response line (malloc'd, ending in '\n').  'id' may be NULL
 * (json null).  xrpc_result_line() consumes 'result' (NULL: json null). */
char *xrpc_result_line(struct json_object *id, struct json_object *result);
char *xrpc_error_line(struct json_object *id, enum xrpc_code,
                      const char *message);

/* Parses the request 'line' of 'len' bytes.  On success returns NULL and
 * stores the parsed request in '*request' (caller puts it) and borrowed
 * pointers to its id (NULL if absent), method and params (NULL if absent).
 * On error returns a malloc'd message; '*request' is then the parsed object
 * if the line was JSON at all (else NULL) and '*id' its id if any, for the
 * error response.  The caller puts '*request' in every case. */
char *xrpc_parse_request(const char *line, size_t len,
                         struct json_object **request, struct json_object **id,
                         const char **method, struct json_object **params);

/* Parses the response 'line' of 'len' bytes.  On success returns NULL and
 * stores the parsed response in '*response' (caller puts it); then either
 * '*code' is XRPC_OK and '*result' borrows the result (NULL for json null),
 * or '*code' is the error code and '*message' borrows its message.  On a
 * malformed response returns a malloc'd message. */
char *xrpc_parse_response(const char *line, size_t len,
                          struct json_object **response, int *code,
                          struct json_object **result, const char **message);

#endif /* agent/rpc.h */
