/* agent/reconcile-qos.c: the part of records -> desired switch state (see
 * reconcile.h) that carries QoS, IGMP snooping and flow export.
 *
 *   VIF qos_algorithm_type=ratelimit
 *     qos_algorithm_params:kbps=R     -> Interface ingress_policing_rate=R
 *                                        and _burst=R/10 (at least
 *                                        XRC_BURST_MIN_KB), and OpenFlow
 *                                        meter vif_meter_id() (R kbit/s,
 *                                        drop band, same burst) on every
 *                                        rule that forwards the VIF's
 *                                        packets (its locking rules'
 *                                        NORMAL -- resubmit(,1) on a
 *                                        bridge with a promiscuous VIF --
 *                                        or a rule of its own at
 *                                        priority 3900 if it has none):
 *                                        what the switch takes from the
 *                                        guest
 *     qos_algorithm_params:kbps-rx=R  -> Port qos: linux-htb, max-rate
 *                                        R*1000 bit/s: what the switch
 *                                        sends to the guest
 *   network (or pool) settings        -> Bridge mcast_snooping_enable,
 *                                        sFlow / IPFIX / NetFlow rows
 *
 * Why both for kbps: ingress policing is a tc qdisc on the VIF's device,
 * which the kernel datapath obeys but the userspace datapath does not
 * (OVS reads the packets before tc acts); meters limit on both.
 *
 * A VLAN network rides on its parent's bridge, so the bridge's snooping
 * and export follow the parent network's settings. */
#include <config.h>
#include "agent/reconcile.h"

#include <stdlib.h>
#include <string.h>
#include "agent/records.h"
#include "ovs-glue/ovsg.h"
#include "util.h"

#define XRC_BURST_MIN_KB 100

/* The OpenFlow meter of VIF vif<D>.<N>: unique per bridge, and the same
 * for as long as the VIF is plugged. */
static unsigned int
vif_meter_id(const struct xrec_vif *vif)
{
    return vif->domid * (XREC_VIF_DEVICE_MAX + 1) + vif->device + 1;
}

void
xrc_add_vif_qos(struct ovsg_port *port, const struct xrec_vif *vif,
                const char *fwd)
{
    int kbps, kbps_rx;

    xrec_vif_qos(vif, &kbps, &kbps_rx);
    if (kbps) {
        int burst = MAX(kbps / 10, XRC_BURST_MIN_KB);
        unsigned int id = vif_meter_id(vif);
        struct svec flows = SVEC_EMPTY_INITIALIZER;
        const char *f;
        size_t i;

        port->ifaces[0].ingress_policing_rate = kbps;
        port->ifaces[0].ingress_policing_burst = burst;
        svec_add_nocopy(&flows, xasprintf("meter=%u,kbps,burst,band=type="
                                          "drop,rate=%d,burst_size=%d",
                                          id, kbps, burst));
        char *actions = xasprintf("actions=%s", fwd);
        SVEC_FOR_EACH (i, f, &port->flows) {
            const char *pass = strstr(f, actions);
            if (pass && !pass[strlen(actions)]) {
                svec_add_nocopy(&flows,
                                xasprintf("%.*sactions=meter:%u,%s",
                                          (int)(pass - f), f, id, fwd));
            } else {
                svec_add(&flows, f);
            }
        }
        free(actions);
        if (!port->flows.n) {
            svec_add_nocopy(&flows,
                            xasprintf("table=0,in_port=\"%s\",priority=3900,"
                                      "actions=meter:%u,%s",
                                      port->name, id, fwd));
        }
        svec_swap(&port->flows, &flows);
        svec_destroy(&flows);
    }
    port->qos_max_rate = (long long int)kbps_rx * 1000;
}

/* Fills 'e' from the network's PREFIX-targets, PREFIX-sampling,
 * PREFIX-polling and PREFIX-'timeout_key' settings (records-qos.c checked
 * them). */
static void
xrc_export(const struct xrec_db *db, const struct xrec_network *net,
           const char *prefix, const char *timeout_key, struct ovsg_export *e)
{
    char *key = xasprintf("%s-targets", prefix);
    const char *targets = xrec_network_setting(db, net, key);
    free(key);
    if (!targets) {
        return;
    }
    char *copy = xstrdup(targets), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        svec_add(&e->targets, t);
    }
    free(copy);

    const char *v;
    key = xasprintf("%s-sampling", prefix);
    v = xrec_network_setting(db, net, key);
    e->sampling = v ? atoi(v) : 0;
    free(key);
    key = xasprintf("%s-polling", prefix);
    v = xrec_network_setting(db, net, key);
    e->polling = v ? atoi(v) : 0;
    free(key);
    key = xasprintf("%s-%s", prefix, timeout_key);
    v = xrec_network_setting(db, net, key);
    e->active_timeout = v ? atoi(v) : 0;
    free(key);
}

void
xrc_add_bridge_qos(const struct xrec_db *db, const struct xrec_network *net,
                   struct ovsg_bridge *br)
{
    br->mcast_snooping = xrec_network_igmp_snooping(db, net);
    xrc_export(db, net, "sflow", "unused", &br->sflow);
    xrc_export(db, net, "ipfix", "cache-active-timeout", &br->ipfix);
    xrc_export(db, net, "netflow", "active-timeout", &br->netflow);
}
