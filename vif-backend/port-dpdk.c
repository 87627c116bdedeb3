/* vif-backend/port-dpdk.c: the port of a VIF whose data path runs in the
 * net_xovs DPDK driver inside ovs-vswitchd (vif-backend/dpdk/).
 *
 * There is no device on this side: the hotplug script adds the OVS port
 * (type=dpdk, options:dpdk-devargs from the backend's xovs-dpdk-devargs
 * key), and the rings reach the switch through the driver once
 * xovs-netback has handed them over (handoff.c).  So every member here is
 * trivial: frames never pass through xovs-netback. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "util.h"
#include "vif-backend/dpdk/handoff.h"
#include "vif-backend/port.h"

static int
dpdk_open(const char *name OVS_UNUSED, bool multi_queue OVS_UNUSED,
          struct vif_port **portp)
{
    struct vif_port *port = xzalloc(sizeof *port);

    port->class = &vif_port_dpdk;
    *portp = port;
    return 0;
}

static void
dpdk_close(struct vif_port *port)
{
    free(port);
}

/* Every queue goes to the driver (one QUEUE message each, handoff.h). */
static int
dpdk_set_n_queues(struct vif_port *port OVS_UNUSED, size_t n)
{
    return n >= 1 && n <= VIF_HANDOFF_MAX_QUEUES ? 0 : EOPNOTSUPP;
}

static int
dpdk_set_offloads(struct vif_port *port OVS_UNUSED,
                  unsigned int offloads OVS_UNUSED)
{
    return 0;
}

static int
dpdk_send(struct vif_port *port OVS_UNUSED, size_t queue OVS_UNUSED,
          const struct virtio_net_hdr *vnet OVS_UNUSED,
          const void *frame OVS_UNUSED, size_t size OVS_UNUSED)
{
    return EAGAIN;
}

static int
dpdk_recv(struct vif_port *port OVS_UNUSED, size_t queue OVS_UNUSED,
          struct virtio_net_hdr *vnet OVS_UNUSED, void *buf OVS_UNUSED,
          size_t *size)
{
    *size = 0;
    return EAGAIN;
}

static void
dpdk_recv_wait(struct vif_port *port OVS_UNUSED, size_t queue OVS_UNUSED)
{
}

const struct vif_port_class vif_port_dpdk = {
    .name = "dpdk",
    .open = dpdk_open,
    .close = dpdk_close,
    .set_n_queues = dpdk_set_n_queues,
    .set_offloads = dpdk_set_offloads,
    .send = dpdk_send,
    .recv = dpdk_recv,
    .recv_wait = dpdk_recv_wait,
};
