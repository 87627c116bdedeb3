/* ovs-glue/ovsg-private.h: internals shared by ovsg.c (OVSDB) and
 * ovsg-flows.c (OpenFlow). */
#ifndef OVSG_PRIVATE_H
#define OVSG_PRIVATE_H 1

#include "openvswitch/shash.h"
#include "simap.h"
#include "svec.h"

struct ovsg_state;
struct ovsg_flows_worker;

/* OpenFlow side of one bridge: what was last installed, so a change (or a
 * lost table after ovs-vswitchd restarts) is noticed. */
struct ovsg_flows {
    char *bridge;
    struct svec installed;    /* sorted flow strings last installed */
    struct simap ports;       /* port name -> ofport used for 'installed' */
    bool valid;               /* 'installed' is known to be in the switch */
    bool busy;                /* a job of this bridge is with the worker */
    long long int next_check; /* time_msec() of the next flow count check */
};

struct ovsg_flows *ovsg_flows_create(const char *bridge);
void ovsg_flows_destroy(struct ovsg_flows *);

/* The OpenFlow exchanges with ovs-vswitchd (connect, dump, bundle) block,
 * and a stopped or hung ovs-vswitchd would block them for ever: they run
 * in one worker thread, so the agent's loop never waits for the switch.
 * Jobs are done one at a time, in order; the thread starts with the first
 * job.  destroy() waits at most OVSG_WORKER_JOIN_MS for a job in progress
 * (then leaves the thread to end with the process).  wait() wakes the
 * caller's poll loop when a job is done. */
struct ovsg_flows_worker *ovsg_flows_worker_create(void);
void ovsg_flows_worker_destroy(struct ovsg_flows_worker *);
void ovsg_flows_worker_wait(struct ovsg_flows_worker *);

/* Takes the results of finished jobs into the matching entries of 'flows'
 * (bridge name -> struct ovsg_flows; a job whose bridge is gone is
 * dropped).  Returns true if any result was taken. */
bool ovsg_flows_worker_collect(struct ovsg_flows_worker *, struct shash *flows,
                               long long int now);

/* True if 'f''s flows are known to be in the switch and include every one
 * of 'flows' (the flows of a port about to be added). */
bool ovsg_flows_has(const struct ovsg_flows *f, const struct svec *flows);

/* Makes the bridge's OVSG_COOKIE flows equal to 'flows', whose port names
 * are resolved through 'ports', by way of the bridge's management socket
 * in 'rundir'.  Returns 0 when the switch is known to hold exactly the
 * flows; otherwise EAGAIN while the worker has (or was just given) a job
 * for the bridge, or the positive errno of the last failed attempt (logged,
 * rate-limited).  The caller calls again after a collect() or a timer. */
int ovsg_flows_sync(struct ovsg_flows *, struct ovsg_flows_worker *,
                    const char *rundir, const struct svec *flows,
                    const struct simap *ports, long long int now);

#endif /* ovs-glue/ovsg-private.h */
