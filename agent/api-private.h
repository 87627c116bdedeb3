/* agent/api-private.h: internals shared by the files of the request
 * executor (api.h).
 *
 * api.c owns each call from start to end: it checks the shape of the
 * parameters, finds the verb's handler and enforces reject-before-change.
 * The handlers live with their records, in api-network.c, api-pif.c (PIFs
 * and VLANs), api-bond.c, api-vif.c and api-sdn.c (SDN controllers, TLS). They
 * read their parameters, change records and build list results with the
 * helpers below, which are defined in api.c (xapi_free_bridge() in
 * api-network.c); each definition carries its contract. */
#ifndef XAPI_PRIVATE_H
#define XAPI_PRIVATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include "agent/api.h"
#include "agent/records.h"
#include "agent/rpc.h"
#include "openvswitch/compiler.h"

struct json_object;
struct smap;
struct svec;

#define XAPI_OTHER_CONFIG_PREFIX "other-config:"
#define XAPI_PROPERTIES_PREFIX "properties:"
#define XAPI_QOS_PARAMS_PREFIX "qos_algorithm_params:"

/* One call in progress. */
struct xapi_ctx {
    struct xrec_db *db;
    const struct xapi_env *env;
    const struct xrpc_verb *verb;
    struct json_object *params; /* object of strings, names checked */
    struct json_object *result; /* success: the result */
    char *error;                /* failure: the first message */
    int code;                   /* XRPC_OK, XRPC_REJECTED, XRPC_USAGE */
    bool changed;               /* 'db' modified */
};

/* Failing. */
bool xapi_fail(struct xapi_ctx *, int code, const char *field,
               const char *format, ...) OVS_PRINTF_FORMAT(4, 5);
#define XAPI_REJECT(C, FIELD, ...)                                            \
    xapi_fail(C, XRPC_REJECTED, FIELD, __VA_ARGS__)
bool xapi_check(struct xapi_ctx *, const char *field, char *reason);

/* Parameters.  Each xapi_arg_*() (and each handler file's own arg_*())
 * returns true if the parameter is absent (leaving '*out' alone) or valid
 * (storing it), false after rejecting it. */
const char *xapi_arg(const struct xapi_ctx *, const char *name);
const char *xapi_arg_required(struct xapi_ctx *, const char *name);
bool xapi_arg_int(struct xapi_ctx *, const char *name, int min, int max,
                  int *out);
bool xapi_arg_required_int(struct xapi_ctx *, const char *name, int min,
                           int max, int *out);
bool xapi_arg_locking(struct xapi_ctx *, const char *name, bool network,
                      enum xrec_locking_mode *out);
bool xapi_arg_other_config(struct xapi_ctx *, bool network,
                           const struct smap *cur, struct smap *out);

/* Checks one PREFIX:KEY=VALUE parameter ('value' NULL for an empty VALUE,
 * which removes KEY): NULL if fine, else a malloc'd reason. */
typedef char *xapi_map_check_fn(const char *key, const char *value,
                                const void *aux);
/* Computes in 'out' (uninitialized) the map 'cur' as changed by the
 * 'prefix'KEY=VALUE parameters, each checked by 'check' ('aux' passed on);
 * an empty VALUE removes KEY.  Returns false (with 'out' destroyed) after
 * rejecting one, naming the parameter. */
bool xapi_arg_map(struct xapi_ctx *, const char *prefix,
                  xapi_map_check_fn *check, const void *aux,
                  const struct smap *cur, struct smap *out);
char *xapi_arg_uuid(struct xapi_ctx *, const char *name);

/* Looks up the record named by uuid parameter 'NAME' with 'FIND', rejecting
 * "NAME: no KIND with uuid X" if there is none. */
#define XAPI_ARG_RECORD(C, NAME, FIND, KIND)                                  \
    ({                                                                        \
        char *uuid_ = xapi_arg_uuid(C, NAME);                                 \
        __typeof__(FIND((C)->db, uuid_)) rec_                                 \
            = uuid_ ? FIND((C)->db, uuid_) : NULL;                            \
        if (uuid_ && !rec_) {                                                 \
            XAPI_REJECT(C, NAME, "no %s with uuid %s", KIND, uuid_);          \
        }                                                                     \
        free(uuid_);                                                          \
        rec_;                                                                 \
    })

/* Changing records.  Called only once nothing can be rejected any more. */
char *xapi_new_uuid(void);
void xapi_set_string(struct xapi_ctx *, char **field, const char *value);
void xapi_set_int(struct xapi_ctx *, int *field, int value);
void xapi_set_bool(struct xapi_ctx *, bool *field, bool value);
void xapi_set_locking(struct xapi_ctx *, enum xrec_locking_mode *field,
                      enum xrec_locking_mode value);
void xapi_set_smap(struct xapi_ctx *, struct smap *field, struct smap *value);
void xapi_result_uuid(struct xapi_ctx *, const char *uuid);

/* Bridges (api-network.c). */
char *xapi_free_bridge(const struct xrec_db *, const char *prefix,
                       int preferred);

/* Rules between records (api-rules.c).  Each returns true if the change
 * keeps them, else rejects naming 'field' and both sides and returns
 * false. */
/* A VIF's own MTU 'mtu' (0: its network's) on network 'net'. */
bool xapi_check_vif_mtu(struct xapi_ctx *, const char *field, int mtu,
                        const struct xrec_network *net);
/* Network 'net' at MTU 'mtu': its VIFs, the network its VLAN rides on (a
 * VLAN network's), the VLAN networks on its PIF. */
bool xapi_check_network_mtu(struct xapi_ctx *, const char *field,
                            const struct xrec_network *net, int mtu);
/* Network 'net' becoming a VLAN network on PIF 'parent': no trunk VIFs, an
 * MTU no larger than the parent network's. */
bool xapi_check_vlan_network(struct xapi_ctx *, const char *field,
                             const struct xrec_network *net,
                             const struct xrec_pif *parent);
/* The VIFs of network 'from_uuid' moving to network 'to'. */
bool xapi_check_vifs_move(struct xapi_ctx *, const char *field,
                          const char *from_uuid,
                          const struct xrec_network *to);

/* Lists.  A list verb's handler passes xapi_list() its table's size and a
 * function that builds the row of record 'i'. */
typedef struct json_object *xapi_row_fn(const struct xapi_ctx *, size_t i);
void xapi_put_status(const struct xapi_ctx *, const char *uuid,
                     struct json_object *row);
int xapi_list(struct xapi_ctx *, size_t n, xapi_row_fn *make_row);

/* Runs verb 'method' (from the verb table) with 'params' (an object of
 * strings; not consumed) inside call 'c', on the same records: its
 * parameters are checked as a request's would be, and a failure becomes
 * 'c''s.  Returns 0 with '*result' the verb's result (caller puts it), or
 * the error code with '*result' NULL.  Sets 'c->changed' if it changed the
 * records.  For the generic verbs (api-param.c). */
int xapi_run(struct xapi_ctx *c, const char *method,
             struct json_object *params, struct json_object **result);

/* The handler of generic verb 'name' (KIND-param-get/-add/-remove/-clear,
 * api-param.c), or NULL. */
int (*xapi_param_handler(const char *name))(struct xapi_ctx *);

/* The handlers of the verbs, by file (rpc.c's verb table has their
 * parameters).  Each checks everything, then changes the records (setting
 * 'c->changed') and sets 'c->result'; it returns 0, or 'c->code' after
 * rejecting. */
int xapi_network_create(struct xapi_ctx *);
int xapi_network_list(struct xapi_ctx *);
int xapi_network_param_set(struct xapi_ctx *);
int xapi_network_destroy(struct xapi_ctx *);

int xapi_pif_scan(struct xapi_ctx *);
/* api-pif-nic.c: NICs.  xapi_pif_disconnected() is 1 if no NIC has PIF
 * 'pif''s device and MAC, 0 if one has, -1 if unknown. */
int xapi_pif_introduce(struct xapi_ctx *);
int xapi_pif_forget(struct xapi_ctx *);
int xapi_pif_disconnected(const struct xapi_ctx *, const struct xrec_pif *);
int xapi_pif_list(struct xapi_ctx *);
int xapi_pif_plug(struct xapi_ctx *);
int xapi_pif_unplug(struct xapi_ctx *);
int xapi_pif_param_set(struct xapi_ctx *);
/* api-pif-ip.c: a PIF's IP configuration, the management PIF. */
int xapi_pif_reconfigure_ip(struct xapi_ctx *);
int xapi_pif_reconfigure_ipv6(struct xapi_ctx *);
int xapi_host_management_reconfigure(struct xapi_ctx *);
int xapi_host_management_disable(struct xapi_ctx *);
int xapi_vlan_create(struct xapi_ctx *);
int xapi_vlan_destroy(struct xapi_ctx *);
int xapi_vlan_list(struct xapi_ctx *);

int xapi_bond_create(struct xapi_ctx *);
int xapi_bond_destroy(struct xapi_ctx *);
int xapi_bond_set_mode(struct xapi_ctx *);
int xapi_bond_param_set(struct xapi_ctx *);
int xapi_bond_list(struct xapi_ctx *);

int xapi_vif_create(struct xapi_ctx *);
int xapi_vif_plug(struct xapi_ctx *);
int xapi_vif_unplug(struct xapi_ctx *);
int xapi_vif_param_set(struct xapi_ctx *);
int xapi_vif_destroy(struct xapi_ctx *);
int xapi_vif_list(struct xapi_ctx *);
int xapi_vif_stats_report(struct xapi_ctx *);

/* api-stats.c: live traffic (portstats.h). */
int xapi_port_stats_list(struct xapi_ctx *);
int xapi_port_stats_history(struct xapi_ctx *);
int xapi_sdn_controller_introduce(struct xapi_ctx *);
int xapi_sdn_controller_forget(struct xapi_ctx *);
int xapi_sdn_controller_list(struct xapi_ctx *);
int xapi_ssl_set(struct xapi_ctx *);
int xapi_ssl_clear(struct xapi_ctx *);
int xapi_ssl_list(struct xapi_ctx *);
int xapi_tunnel_create(struct xapi_ctx *);
int xapi_tunnel_destroy(struct xapi_ctx *);
int xapi_tunnel_list(struct xapi_ctx *);
/* Checks for other verbs (api-tunnel.c), rejecting naming the field:
 * whether network 'net' may have MTU 'mtu' (as a tunnel network, and as
 * the transport of tunnels); whether a VIF on 'net' may have MTU 'vif_mtu'
 * (0: the network's); whether 'pif' is a device (not a tunnel's access
 * PIF) for 'field'. */
bool xapi_tunnel_check_mtu(struct xapi_ctx *, const struct xrec_network *net,
                           int mtu);
bool xapi_tunnel_check_vif_mtu(struct xapi_ctx *,
                               const struct xrec_network *net, int vif_mtu);
bool xapi_tunnel_check_pif(struct xapi_ctx *, const char *field,
                           const struct xrec_pif *pif);

int xapi_mirror_create(struct xapi_ctx *);
int xapi_mirror_destroy(struct xapi_ctx *);
int xapi_mirror_list(struct xapi_ctx *);
/* Rejects (field "uuid") if a mirror names network or VIF 'uuid'. */
bool xapi_mirror_check_unused(struct xapi_ctx *, const char *uuid);

/* api-batch.c: many changes in one call, all or nothing. */
#define XAPI_BATCH_MAX 1000 /* calls in one batch */
int xapi_batch(struct xapi_ctx *);

/* api-pool.c: the pool record (QoS, IGMP snooping, flow export defaults). */
int xapi_pool_param_set(struct xapi_ctx *);
int xapi_pool_list(struct xapi_ctx *);
int xapi_host_ovn_join(struct xapi_ctx *); /* api-ovn.c */
int xapi_host_ovn_leave(struct xapi_ctx *);

#endif /* agent/api-private.h */
