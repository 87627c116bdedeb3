/* ovs-glue/ovsg-flows.c: keeps a bridge's xovs-owned OpenFlow rules (those
 * with OVSG_COOKIE) equal to the desired set.
 *
 * The desired flows are ovs-ofctl strings that name ports; they are parsed
 * with libopenvswitch's flow parser against a port map, so "in_port=vif1.0"
 * becomes the port's number.  A change replaces the whole xovs-owned set in
 * one atomic OpenFlow bundle (delete by cookie + add), so there is never a
 * moment with the old rules gone and the new ones missing.  Once a second
 * the number of xovs-owned rules in the switch is compared with the desired
 * count: a restarted ovs-vswitchd (empty tables) or a rule deleted by hand is
 * repaired that way. */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <errno.h>
#include "byte-order.h"
#include "flow.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ovsg_flows);

#define OVSG_FLOW_CHECK_MS 1000
#define OVSG_VCONN_TIMEOUT_MS 2000

struct ovsg_flows *
ovsg_flows_create(const char *bridge)
{
    struct ovsg_flows *f = xzalloc(sizeof *f);
    f->bridge = xstrdup(bridge);
    svec_init(&f->installed);
    simap_init(&f->ports);
    return f;
}

void
ovsg_flows_destroy(struct ovsg_flows *f)
{
    if (f) {
        free(f->bridge);
        svec_destroy(&f->installed);
        simap_destroy(&f->ports);
        free(f);
    }
}

static int
ovsg_flows_open(const struct ovsg_flows *f, const char *rundir,
                struct vconn **vconnp)
{
    char *target = xasprintf("unix:%s/%s.mgmt", rundir, f->bridge);
    int error = vconn_open_block(target, 1u << OFP15_VERSION, 0,
                                 OVSG_VCONN_TIMEOUT_MS, vconnp);
    free(target);
    return error;
}

/* Counts the switch's rules carrying OVSG_COOKIE; returns -1 on error. */
static long long int
ovsg_flows_count(struct vconn *vconn)
{
    struct ofputil_flow_stats_request fsr;
    memset(&fsr, 0, sizeof fsr);
    fsr.aggregate = false;
    match_init_catchall(&fsr.match);
    fsr.cookie = htonll(OVSG_COOKIE);
    fsr.cookie_mask = OVS_BE64_MAX;
    fsr.out_port = OFPP_ANY;
    fsr.out_group = OFPG_ANY;
    fsr.table_id = 0xff;

    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(vconn_get_version(vconn));
    struct ofputil_flow_stats *fses;
    size_t n_fses;
    if (vconn_dump_flows(vconn, &fsr, protocol, &fses, &n_fses)) {
        return -1;
    }
    for (size_t i = 0; i < n_fses; i++) {
        free(CONST_CAST(struct ofpact *, fses[i].ofpacts));
    }
    free(fses);
    return n_fses;
}

static struct ofpbuf *
ovsg_flows_encode(const char *s, int command,
                  const struct ofputil_port_map *map,
                  enum ofputil_protocol protocol, char **errorp)
{
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    *errorp = parse_ofp_flow_mod_str(&fm, s, map, NULL, command, &usable);
    if (*errorp) {
        return NULL;
    }
    if (command == OFPFC_ADD) {
        fm.new_cookie = htonll(OVSG_COOKIE);
    }
    struct ofpbuf *msg = ofputil_encode_flow_mod(&fm, protocol);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
    return msg;
}

/* Replaces every OVSG_COOKIE rule with 'flows', atomically. */
static int
ovsg_flows_replace(struct ovsg_flows *f, struct vconn *vconn,
                   const struct svec *flows, const struct simap *ports)
{
    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(vconn_get_version(vconn));
    struct ofputil_port_map map = OFPUTIL_PORT_MAP_INITIALIZER(&map);
    const struct simap_node *node;
    SIMAP_FOR_EACH(node, ports)
    {
        ofputil_port_map_put(&map, u16_to_ofp(node->data), node->name);
    }

    struct ovs_list requests = OVS_LIST_INITIALIZER(&requests);
    char *error = NULL;
    char *del = xasprintf("cookie=%#" PRIx64 "/-1", OVSG_COOKIE);
    struct ofpbuf *msg
        = ovsg_flows_encode(del, OFPFC_DELETE, &map, protocol, &error);
    free(del);
    ovs_assert(msg);
    ovs_list_push_back(&requests, &msg->list_node);

    const char *s;
    size_t i;
    SVEC_FOR_EACH(i, s, flows)
    {
        msg = ovsg_flows_encode(s, OFPFC_ADD, &map, protocol, &error);
        if (!msg) {
            /* The agent built this string: a parse failure is a bug in it,
             * but one bad rule must not keep the others out. */
            VLOG_ERR("%s: cannot parse flow \"%s\": %s", f->bridge, s, error);
            free(error);
            continue;
        }
        ovs_list_push_back(&requests, &msg->list_node);
    }
    ofputil_port_map_destroy(&map);

    struct ovs_list errors;
    int retval
        = vconn_bundle_transact(vconn, &requests, OFPBF_ATOMIC, &errors);
    struct ofpbuf *reply;
    LIST_FOR_EACH_POP(reply, list_node, &errors)
    {
        VLOG_WARN("%s: switch rejected flow update: %s", f->bridge,
                  ofperr_to_string(ofperr_decode_msg(reply->data, NULL)));
        ofpbuf_delete(reply);
        retval = retval ? retval : EPROTO;
    }
    LIST_FOR_EACH_POP(msg, list_node, &requests)
    {
        ofpbuf_delete(msg);
    }
    return retval;
}

int
ovsg_flows_sync(struct ovsg_flows *f, const char *rundir,
                const struct svec *flows_, const struct simap *ports,
                long long int now)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct svec flows;
    svec_clone(&flows, flows_);
    svec_sort(&flows);

    bool same = f->valid && svec_equal(&flows, &f->installed)
                && simap_equal(ports, &f->ports);
    if (same && now < f->next_check) {
        svec_destroy(&flows);
        return 0;
    }

    struct vconn *vconn;
    int error = ovsg_flows_open(f, rundir, &vconn);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot connect to the switch (%s); will retry",
                     f->bridge, ovs_strerror(error));
        f->valid = false;
        svec_destroy(&flows);
        return error;
    }

    f->next_check = now + OVSG_FLOW_CHECK_MS;
    if (same) {
        long long int n = ovsg_flows_count(vconn);
        if (n == (long long int)flows.n) {
            goto out;
        }
        VLOG_INFO("%s: repairing drift: switch holds %lld xovs flows, "
                  "expected %" PRIuSIZE,
                  f->bridge, n, flows.n);
    }

    error = ovsg_flows_replace(f, vconn, &flows, ports);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: flow update failed (%s); will retry", f->bridge,
                     ovs_strerror(error));
        f->valid = false;
        goto out;
    }
    VLOG_INFO("%s: installed %" PRIuSIZE " xovs flows", f->bridge, flows.n);
    svec_swap(&flows, &f->installed);
    simap_clear(&f->ports);
    const struct simap_node *node;
    SIMAP_FOR_EACH(node, ports)
    {
        simap_put(&f->ports, node->name, node->data);
    }
    f->valid = true;

out:
    vconn_close(vconn);
    svec_destroy(&flows);
    return error;
}
