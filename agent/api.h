/* agent/api.h: the request executor behind xovs-agent's RPC socket.
 *
 * Pure: no sockets, no OVS, no logging.  A request is a CLI verb and its
 * key=value arguments (rpc.h has the verb table, docs/api.md the reference);
 * xapi_call() checks it completely against the records and only then
 * changes them, so a rejected request leaves the database exactly as it was.
 * The daemon persists the database (store.h) and reconciles OVS afterwards
 * whenever a call reports a change. */
#ifndef XAPI_H
#define XAPI_H 1

#include <stdbool.h>
#include <stddef.h>

struct bond_status;
struct json_object;
struct shash;
struct smap;
struct xpif_link;
struct xps;
struct xrec_change;
struct xrec_db;

struct xapi_env {
    /* Lists the host's NICs, as xpif_scan() does (pifscan.h); tests pass a
     * fake.  NULL: pif-scan is rejected. */
    int (*scan)(struct xpif_link **links, size_t *n);
    /* Fills 'st' (initialized by the caller) with what the switch reports
     * about bond port 'device': members with link, LACP and active state.
     * Returns 0, or a positive errno value if the switch has no such bond
     * or cannot be asked.  May block briefly (it asks ovs-vswitchd).
     * NULL: bond-list reports no live state. */
    int (*bond_status)(void *aux, const char *device, struct bond_status *st);
    /* Fills 'bfd_status' (initialized by the caller) with OVS's
     * Interface bfd_status of tunnel interface 'iface' (state, forwarding,
     * diagnostic, ...).  Returns 0, or ENOENT if OVS has no such interface
     * (yet).  Reads the agent's replica; never blocks.  NULL: tunnel-list
     * reports every remote "unknown". */
    int (*iface_bfd)(void *aux, const char *iface, struct smap *bfd_status);
    void *aux; /* for bond_status() and iface_bfd() */
    /* VIF port name ("vif3.0") -> its counters as "key=value,..." that
     * xovs-netback reported with vif-stats-report (malloc'd strings, owned
     * by the map; kept in memory only).  NULL: reports are refused. */
    struct shash *vif_stats;
    /* Checks a change against the switch before it is saved: 'change'
     * tells what the call did (records.h) to the records, now 'after'. Returns
     * NULL, or a malloc'd one-line message naming what in the switch is in the
     * way (e.g. a bridge xovs did not create with the name the change wants);
     * xapi_handle_line() then rejects the call (XRPC_REJECTED) and nothing
     * changes.  NULL: no check. */
    char *(*verify)(const void *status_aux, const struct xrec_change *change,
                    const struct xrec_db *after);
    /* Whether what record 'uuid' asks for is in the switch: returns
     * "applied", "pending" or "error", and in '*error' (owned by the
     * callee, valid until the call returns) why not, or NULL.  Shown as the
     * "status" and "error" fields of list results.  NULL: lists have no
     * such fields. */
    const char *(*record_status)(const void *status_aux, const char *uuid,
                                 const char **error);
    const void *status_aux; /* for verify() and record_status() */
    /* The ports' live traffic (portstats.h) for port-stats-list and
     * port-stats-history.  NULL: those verbs are rejected. */
    const struct xps *port_stats;
};

/* Executes 'method' with 'params' (a JSON object whose members are strings;
 * NULL is an empty object) on 'db'.  Returns
 *
 *   0  success: '*result' is the result (caller puts it; NULL is json null);
 *   1  rejected (XRPC_REJECTED): '*error' is a malloc'd one-line message that
 *      names the offending parameter, e.g. "MTU: 99999 is outside 68..9216";
 *   2  usage (XRPC_USAGE): unknown method or parameter name, a non-string
 *      value; '*error' as above.
 *
 * On 1 and 2, 'db' is unchanged and '*result' NULL; on 0, '*error' is NULL.
 * '*changed' is true iff 'db' was modified. */
int xapi_call(struct xrec_db *db, const struct xapi_env *env,
              const char *method, struct json_object *params,
              struct json_object **result, char **error, bool *changed);

/* Persists 'change' (what the call did, records.h), which made the records
 * 'after': returns NULL or a malloc'd message. */
typedef char *xapi_commit_fn(void *aux, const struct xrec_change *change,
                             const struct xrec_db *after);

/* Handles one request line of 'len' bytes (without its '\n') end to end:
 * parses it, runs xapi_call() and returns the response line (malloc'd,
 * '\n'-terminated).  If the call changed 'db' and 'commit' is nonnull,
 * calls commit(aux, change, db); if that fails, 'db' is restored to its state
 * before the request and the response is error XRPC_FAILED with the
 * message.  '*changed' is true iff 'db' was modified and committed. */
char *xapi_handle_line(struct xrec_db *db, const struct xapi_env *env,
                       const char *line, size_t len, xapi_commit_fn *commit,
                       void *aux, bool *changed);

#endif /* agent/api.h */
