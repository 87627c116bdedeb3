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
 * repaired that way.
 *
 * The OpenFlow exchanges themselves (connect, dump, bundle) are libopen-
 * vswitch's blocking vconn calls, which a stopped ovs-vswitchd would hold
 * for ever.  They run in a worker thread: the agent's loop hands it a job
 * (a copy of the bridge name, flows and port map), never waits for it, and
 * takes the result in ovsg_flows_worker_collect() once the worker's latch
 * wakes it:
 *
 *     main loop                      worker thread
 *     ovsg_flows_sync() ── job ──►   open mgmt socket, count or replace
 *       returns EAGAIN (busy)        (blocks only this thread)
 *     ovsg_flows_worker_collect() ◄── result + latch_set()
 *       installed/valid updated */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <errno.h>
#include "byte-order.h"
#include "flow.h"
#include "latch.h"
#include "openvswitch/poll-loop.h"
#include "ovs-thread.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ovsg_flows);

#define OVSG_FLOW_CHECK_MS 1000
#define OVSG_FLOW_RETRY_MS 1000 /* after a failed job */
#define OVSG_VCONN_TIMEOUT_MS 2000
#define OVSG_WORKER_JOIN_MS 2000

/* One exchange with a bridge's switch, done by the worker.  Everything in
 * it is the job's own (copies), so the bridge may go meanwhile. */
struct ovsg_flows_job {
    struct ovs_list list_node; /* in 'jobs' or 'done' */
    char *bridge;
    char *rundir;
    struct svec flows;  /* sorted */
    struct simap ports; /* port name -> ofport */
    bool check_only;    /* flows believed installed: count, replace if off */
    int error;          /* result: 0 or a positive errno */
};

struct ovsg_flows_worker {
    struct ovs_mutex mutex;
    struct latch jobs_latch;          /* set when 'jobs' grows */
    struct ovs_list jobs OVS_GUARDED; /* to do, in order */
    struct ovs_list done OVS_GUARDED; /* results for the main loop */
    bool busy OVS_GUARDED;            /* a job is being done */
    bool exiting OVS_GUARDED;         /* destroy() was called */
    bool started;                     /* the thread exists */
    pthread_t thread;
    struct latch latch; /* set when 'done' grows */
};

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

/* Whether 's' (an entry of a bridge's flows) is a meter ("meter=ID,...",
 * ovs-ofctl add-meter syntax) rather than a rule.  Meters are set (added or
 * modified) before the rules that use them are installed; they are not
 * rules, so the rule count check does not count them; one no longer wanted
 * stays in the switch unused. */
static bool
ovsg_flows_is_meter(const char *s)
{
    return !strncmp(s, "meter=", 6);
}

static size_t
ovsg_flows_n_rules(const struct svec *flows)
{
    size_t n = 0;
    for (size_t i = 0; i < flows->n; i++) {
        n += !ovsg_flows_is_meter(flows->names[i]);
    }
    return n;
}

/* Sends meter 's' as 'command'; returns 0, EEXIST/ENOENT for the meter
 * existing/missing, or another positive errno. */
static int
ovsg_meter_send(struct vconn *vconn, const char *s, int command)
{
    struct ofputil_meter_mod mm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_meter_mod_str(&mm, s, command, &usable);
    if (error) {
        VLOG_ERR("cannot parse meter \"%s\": %s", s, error);
        free(error);
        return EINVAL;
    }
    struct ofpbuf *msg
        = ofputil_encode_meter_mod(vconn_get_version(vconn), &mm);
    free(mm.meter.bands);
    struct ofpbuf *reply = NULL;
    int retval = vconn_transact_noreply(vconn, msg, &reply);
    if (!retval && reply) {
        enum ofperr err = ofperr_decode_msg(reply->data, NULL);
        retval = err == OFPERR_OFPMMFC_METER_EXISTS    ? EEXIST
                 : err == OFPERR_OFPMMFC_UNKNOWN_METER ? ENOENT
                                                       : EPROTO;
        if (retval == EPROTO) {
            VLOG_WARN("switch rejected meter \"%s\": %s", s,
                      ofperr_to_string(err));
        }
    }
    ofpbuf_delete(reply);
    return retval;
}

/* Adds or modifies every meter in 'flows'. */
static int
ovsg_flows_set_meters(struct vconn *vconn, const struct svec *flows)
{
    const char *s;
    size_t i;
    SVEC_FOR_EACH (i, s, flows) {
        if (!ovsg_flows_is_meter(s)) {
            continue;
        }
        int error = ovsg_meter_send(vconn, s, OFPMC13_MODIFY);
        if (error == ENOENT) {
            error = ovsg_meter_send(vconn, s, OFPMC13_ADD);
        }
        if (error) {
            return error;
        }
    }
    return 0;
}

/* Replaces every OVSG_COOKIE rule with 'flows', atomically. */
static int
ovsg_flows_replace(const struct ovsg_flows_job *f, struct vconn *vconn,
                   const struct svec *flows, const struct simap *ports)
{
    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(vconn_get_version(vconn));
    struct ofputil_port_map map = OFPUTIL_PORT_MAP_INITIALIZER(&map);
    const struct simap_node *node;
    SIMAP_FOR_EACH (node, ports) {
        ofputil_port_map_put(&map, u16_to_ofp(node->data), node->name);
    }

    int meter_error = ovsg_flows_set_meters(vconn, flows);
    if (meter_error) {
        ofputil_port_map_destroy(&map);
        return meter_error;
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
    SVEC_FOR_EACH (i, s, flows) {
        if (ovsg_flows_is_meter(s)) {
            continue;
        }
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
    LIST_FOR_EACH_POP (reply, list_node, &errors) {
        VLOG_WARN("%s: switch rejected flow update: %s", f->bridge,
                  ofperr_to_string(ofperr_decode_msg(reply->data, NULL)));
        ofpbuf_delete(reply);
        retval = retval ? retval : EPROTO;
    }
    LIST_FOR_EACH_POP (msg, list_node, &requests) {
        ofpbuf_delete(msg);
    }
    return retval;
}

/* The worker's side: does 'job' with blocking vconn calls, logs the
 * outcome and returns 0 or a positive errno. */
static int
ovsg_flows_job_run(struct ovsg_flows_job *job)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    char *target = xasprintf("unix:%s/%s.mgmt", job->rundir, job->bridge);
    struct vconn *vconn;
    int error = vconn_open_block(target, 1u << OFP15_VERSION, 0,
                                 OVSG_VCONN_TIMEOUT_MS, &vconn);
    free(target);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot connect to the switch (%s); will retry",
                     job->bridge, ovs_strerror(error));
        return error;
    }
    if (job->check_only) {
        long long int n = ovsg_flows_count(vconn);
        if (n == (long long int)ovsg_flows_n_rules(&job->flows)) {
            vconn_close(vconn);
            return 0;
        }
        VLOG_INFO("%s: repairing drift: switch holds %lld xovs flows, "
                  "expected %" PRIuSIZE,
                  job->bridge, n, ovsg_flows_n_rules(&job->flows));
    }
    error = ovsg_flows_replace(job, vconn, &job->flows, &job->ports);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: flow update failed (%s); will retry",
                     job->bridge, ovs_strerror(error));
    } else {
        VLOG_INFO("%s: installed %" PRIuSIZE " xovs flows", job->bridge,
                  ovsg_flows_n_rules(&job->flows));
    }
    vconn_close(vconn);
    return error;
}

static void
ovsg_flows_job_destroy(struct ovsg_flows_job *job)
{
    if (job) {
        free(job->bridge);
        free(job->rundir);
        svec_destroy(&job->flows);
        simap_destroy(&job->ports);
        free(job);
    }
}

static void *
ovsg_flows_worker_main(void *w_)
{
    struct ovsg_flows_worker *w = w_;

    /* The thread waits in poll_block() (not on a condition variable), as
     * OVS's own threads do: its timeval then counts only real work as a
     * poll interval. */
    ovs_mutex_lock(&w->mutex);
    for (;;) {
        while (!w->exiting && ovs_list_is_empty(&w->jobs)) {
            ovs_mutex_unlock(&w->mutex);
            latch_wait(&w->jobs_latch);
            poll_block();
            latch_poll(&w->jobs_latch);
            ovs_mutex_lock(&w->mutex);
        }
        if (w->exiting) {
            break;
        }
        struct ovsg_flows_job *job = CONTAINER_OF(
            ovs_list_pop_front(&w->jobs), struct ovsg_flows_job, list_node);
        w->busy = true;
        ovs_mutex_unlock(&w->mutex);

        job->error = ovsg_flows_job_run(job);

        ovs_mutex_lock(&w->mutex);
        w->busy = false;
        ovs_list_push_back(&w->done, &job->list_node);
        latch_set(&w->latch);
    }
    ovs_mutex_unlock(&w->mutex);
    return NULL;
}

struct ovsg_flows_worker *
ovsg_flows_worker_create(void)
{
    struct ovsg_flows_worker *w = xzalloc(sizeof *w);
    ovs_mutex_init(&w->mutex);
    latch_init(&w->jobs_latch);
    ovs_list_init(&w->jobs);
    ovs_list_init(&w->done);
    latch_init(&w->latch);
    return w;
}

static void
ovsg_flows_job_list_destroy(struct ovs_list *list)
{
    struct ovsg_flows_job *job;
    LIST_FOR_EACH_POP (job, list_node, list) {
        ovsg_flows_job_destroy(job);
    }
}

void
ovsg_flows_worker_destroy(struct ovsg_flows_worker *w)
{
    if (!w) {
        return;
    }
    ovs_mutex_lock(&w->mutex);
    w->exiting = true;
    latch_set(&w->jobs_latch);
    ovs_mutex_unlock(&w->mutex);
    if (w->started) {
        /* A job blocked on a stopped switch may never end: give it a
         * moment, then leave the thread (and so the worker) to the
         * process's exit. */
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += OVSG_WORKER_JOIN_MS / 1000;
        if (pthread_timedjoin_np(w->thread, NULL, &deadline)) {
            VLOG_WARN("the OpenFlow worker is still waiting for the switch; "
                      "leaving it");
            return;
        }
    }
    ovsg_flows_job_list_destroy(&w->jobs);
    ovsg_flows_job_list_destroy(&w->done);
    latch_destroy(&w->latch);
    latch_destroy(&w->jobs_latch);
    ovs_mutex_destroy(&w->mutex);
    free(w);
}

void
ovsg_flows_worker_wait(struct ovsg_flows_worker *w)
{
    latch_wait(&w->latch);
}

bool
ovsg_flows_worker_collect(struct ovsg_flows_worker *w, struct shash *flows,
                          long long int now, struct sset *bridges)
{
    struct ovs_list done;

    latch_poll(&w->latch);
    ovs_mutex_lock(&w->mutex);
    ovs_list_move(&done, &w->done);
    ovs_list_init(&w->done);
    ovs_mutex_unlock(&w->mutex);

    bool any = false;
    struct ovsg_flows_job *job;
    LIST_FOR_EACH_POP (job, list_node, &done) {
        struct ovsg_flows *f = shash_find_data(flows, job->bridge);
        if (f && f->busy) {
            f->busy = false;
            if (!job->error) {
                svec_swap(&f->installed, &job->flows);
                simap_swap(&f->ports, &job->ports);
                f->valid = true;
                f->next_check = now + OVSG_FLOW_CHECK_MS;
            } else {
                f->valid = false;
                f->next_check = now + OVSG_FLOW_RETRY_MS;
            }
            any = true;
            sset_add(bridges, job->bridge);
        }
        ovsg_flows_job_destroy(job);
    }
    return any;
}

static void
ovsg_flows_worker_submit(struct ovsg_flows_worker *w,
                         struct ovsg_flows_job *job)
{
    ovs_mutex_lock(&w->mutex);
    ovs_list_push_back(&w->jobs, &job->list_node);
    latch_set(&w->jobs_latch);
    ovs_mutex_unlock(&w->mutex);
    if (!w->started) {
        w->started = true;
        w->thread = ovs_thread_create("ovsg_flows", ovsg_flows_worker_main, w);
    }
}

bool
ovsg_flows_has(const struct ovsg_flows *f, const struct svec *flows)
{
    if (!f->valid) {
        return false;
    }
    for (size_t i = 0; i < flows->n; i++) {
        if (!svec_contains(&f->installed, flows->names[i])) {
            return false;
        }
    }
    return true;
}

int
ovsg_flows_sync(struct ovsg_flows *f, struct ovsg_flows_worker *w,
                const char *rundir, const struct svec *flows_,
                const struct simap *ports, long long int now)
{
    if (f->busy) {
        return EAGAIN;
    }

    struct svec flows;
    svec_clone(&flows, flows_);
    svec_sort(&flows);
    /* No flows name no port: then the port numbers do not matter (and an
     * incremental pass does not gather them, ovsg_sync_bridge()). */
    bool same = f->valid && svec_equal(&flows, &f->installed)
                && (!flows.n || simap_equal(ports, &f->ports));
    if (now < f->next_check && (same || !f->valid)) {
        /* In place and not due for a check, or failed a moment ago. */
        svec_destroy(&flows);
        return same ? 0 : EAGAIN;
    }

    struct ovsg_flows_job *job = xzalloc(sizeof *job);
    job->bridge = xstrdup(f->bridge);
    job->rundir = xstrdup(rundir);
    job->flows = flows; /* moved */
    simap_init(&job->ports);
    const struct simap_node *node;
    if (job->flows.n) {
        SIMAP_FOR_EACH (node, ports) {
            simap_put(&job->ports, node->name, node->data);
        }
    }
    job->check_only = same;
    f->busy = true;
    f->next_check = now + OVSG_FLOW_CHECK_MS;
    ovsg_flows_worker_submit(w, job);
    /* While a mere check runs the flows are still believed in place. */
    return same ? 0 : EAGAIN;
}
