/* ovs-glue/ovsg-private.h: internals shared by ovsg.c (OVSDB) and
 * ovsg-flows.c (OpenFlow). */
#ifndef OVSG_PRIVATE_H
#define OVSG_PRIVATE_H 1

#include "openvswitch/shash.h"
#include "simap.h"
#include "svec.h"

struct ovsg_state;

/* OpenFlow side of one bridge: what was last installed, so a change (or a
 * lost table after ovs-vswitchd restarts) is noticed. */
struct ovsg_flows {
    char *bridge;
    struct svec installed;    /* sorted flow strings last installed */
    struct simap ports;       /* port name -> ofport used for 'installed' */
    bool valid;               /* 'installed' is known to be in the switch */
    long long int next_check; /* time_msec() of the next flow count check */
};

struct ovsg_flows *ovsg_flows_create(const char *bridge);
void ovsg_flows_destroy(struct ovsg_flows *);

/* Makes the bridge's OVSG_COOKIE flows equal to 'flows', whose port names
 * are resolved through 'ports'.  Connects to the bridge's management socket
 * in 'rundir'.  Returns 0 when the switch holds exactly the flows, otherwise
 * a positive errno (logged, rate-limited); the caller retries later. */
int ovsg_flows_sync(struct ovsg_flows *, const char *rundir,
                    const struct svec *flows, const struct simap *ports,
                    long long int now);

#endif /* ovs-glue/ovsg-private.h */
