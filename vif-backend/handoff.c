/* vif-backend/handoff.c: xovs-netback's side of a DPDK VIF.
 *
 * The VIF's rings are connected as always (interface.c: XSA-39 index
 * checks, grants checked by the platform, event channels bound), then
 * handed to the net_xovs driver in ovs-vswitchd over its unix socket
 * (vif-backend/dpdk/handoff.h): guest memory, ring grants and the event
 * channels' fds by SCM_RIGHTS.  The driver maps the rings itself, with the
 * same grant checks (platform-emu.c linked into it), and polls them in
 * OVS's PMD thread; xovs-netback keeps xenbus, the control ring and the
 * VIF's life cycle, and never touches the data rings of a DPDK VIF.
 *
 *   rings connected --attach--> handed over --detach/disconnect--> back
 *        ^   driver not there yet:                |
 *        +-- retry every VIF_HANDOFF_RETRY_MS <---+ driver went away
 *
 * Detach (frontend gone, VIF offline, netback exiting) waits for the
 * driver's answer, so nothing is unmapped or unbound here while the driver
 * still uses it; a driver that does not answer within
 * VIF_HANDOFF_TIMEOUT_MS loses its connection (it then detaches by itself).
 * Every queue of the VIF is handed over (one QUEUE message each); a
 * driver that refuses them disables the VIF.  On Xen only numbers go over
 * (the domain, ring refs, the guest's ports) and the netback unbinds its
 * own end of each channel first, since Xen binds a port once; the driver
 * binds them itself. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/dpdk/handoff-io.h"
#include "vif-backend/dpdk/handoff.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_handoff);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

static uint32_t
handoff_features(const struct vif_features *f)
{
    return ((f->sg ? VIF_HANDOFF_F_SG : 0) | (f->gso4 ? VIF_HANDOFF_F_GSO4 : 0)
            | (f->gso6 ? VIF_HANDOFF_F_GSO6 : 0)
            | (f->ip_csum ? VIF_HANDOFF_F_IP_CSUM : 0)
            | (f->ipv6_csum ? VIF_HANDOFF_F_IPV6_CSUM : 0)
            | (f->rx_notify ? VIF_HANDOFF_F_RX_NOTIFY : 0)
            | (f->mcast_control ? VIF_HANDOFF_F_MCAST : 0));
}

static int
handoff_connect(const char *path, int *fdp)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};

    *fdp = -1;
    if (strlen(path) >= sizeof sun.sun_path) {
        return ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        int error = errno;
        close(fd);
        return error;
    }
    *fdp = fd;
    return 0;
}

/* Unbinds the netback's end of 'q''s event channels (xen). */
static void
handoff_unbind(struct vif *vif, struct vif_queue *q)
{
    if (q->tx_evtchn_bound) {
        vif_platform_unbind(vif->platform, q->tx_evtchn);
        q->tx_evtchn_bound = false;
    }
    if (q->rx_evtchn_bound) {
        vif_platform_unbind(vif->platform, q->rx_evtchn);
        q->rx_evtchn_bound = false;
    }
}

/* Sends 'req' with 'fds' (closed here) and waits for the driver's reply.
 * Returns 0, a positive errno of the connection, or -1 if the driver
 * refused (its reason in 'reason'). */
static int
handoff_send(int sock, struct vif_handoff_msg *req, int *fds, size_t n_fds,
             char *reason, size_t size)
{
    struct vif_handoff_msg reply;

    req->version = VIF_HANDOFF_VERSION;
    int error = vif_handoff_request(sock, req, fds, n_fds, &reply);
    for (size_t i = 0; i < n_fds; i++) {
        close(fds[i]);
    }
    if (!error && reply.error) {
        reply.reason[sizeof reply.reason - 1] = '\0';
        snprintf(reason, size, "%s (%s)",
                 reply.reason[0] ? reply.reason : "no reason given",
                 ovs_strerror(reply.error));
        return -1;
    }
    return error;
}

/* Hands every queue of 'vif' to the driver: ATTACH, then one QUEUE message
 * per queue (handoff.h).  Returns 0, a positive errno, or -1 if the driver
 * refused the VIF (its reason in 'reason'). */
static int
handoff_attach(struct vif *vif, char *reason, size_t size)
{
    int fds[VIF_HANDOFF_MAX_FDS];
    struct vif_handoff_msg req;
    int sock, error;
    /* On Xen nothing but numbers travel: the driver maps and binds with
     * gntdev and evtchn itself. */
    bool xen = !strcmp(vif->platform->class->name, "xen");
    uint16_t platform
        = xen ? VIF_HANDOFF_PLATFORM_XEN : VIF_HANDOFF_PLATFORM_EMU;

    error = handoff_connect(vif->dpdk_path, &sock);
    if (error) {
        return error;
    }

    memset(&req, 0, sizeof req);
    req.type = VIF_HANDOFF_ATTACH;
    req.domid = vif->domid;
    req.devid = vif->devid;
    req.backend_domid = vif->be ? vif->be->domid : 0;
    req.n_queues = vif->n_queues;
    req.platform = platform;
    req.features = handoff_features(&vif->features);
    error
        = (xen ? 0
               : vif_platform_export_domain(vif->platform, vif->domid, &fds[0],
                                            &req.n_grants, &req.n_pages));
    if (!error) {
        error = handoff_send(sock, &req, fds, xen ? 0 : 1, reason, size);
    }
    for (size_t i = 0; !error && i < vif->n_queues; i++) {
        struct vif_queue *q = &vif->queues[i];
        size_t n_fds = 0;

        memset(&req, 0, sizeof req);
        req.type = VIF_HANDOFF_QUEUE;
        req.domid = vif->domid;
        req.devid = vif->devid;
        req.qid = i;
        req.platform = platform;
        req.tx_ref = q->tx_ref;
        req.rx_ref = q->rx_ref;
        req.tx_evtchn = q->tx_remote;
        req.rx_evtchn = q->rx_remote;
        if (xen) {
            /* Xen binds a guest's port once: let go of ours, so that the
             * driver can bind it (the guest's end stays, unbound). */
            handoff_unbind(vif, q);
            error = handoff_send(sock, &req, fds, 0, reason, size);
            continue;
        }
        error = vif_platform_export_port(vif->platform, q->tx_evtchn, &fds[0],
                                         &fds[1]);
        if (!error) {
            n_fds = 2;
            if (q->rx_evtchn_bound) {
                error = vif_platform_export_port(vif->platform, q->rx_evtchn,
                                                 &fds[2], &fds[3]);
                n_fds = error ? 2 : 4;
            }
        }
        if (!error) {
            error = handoff_send(sock, &req, fds, n_fds, reason, size);
        } else {
            for (size_t k = 0; k < n_fds; k++) {
                close(fds[k]);
            }
        }
    }
    if (error) {
        close(sock);
        return error;
    }
    vif->handoff_fd = sock;
    return 0;
}

void
vif_handoff_run(struct vif *vif)
{
    if (vif->handoff_fd >= 0) {
        /* The driver speaks unasked only to say the guest broke the
         * protocol; anything else readable means it went away
         * (ovs-vswitchd restarted, the port was deleted). */
        struct vif_handoff_msg m;
        int none[VIF_HANDOFF_MAX_FDS];
        size_t n_none;
        int error = vif_handoff_recv(vif->handoff_fd, &m, none, 0, &n_none);
        if (error == EAGAIN) {
            return;
        }
        if (!error && m.type == VIF_HANDOFF_DISABLED) {
            m.reason[sizeof m.reason - 1] = '\0';
            vif_fatal(vif, "%s", m.reason);
            return; /* vif_run() tears it down, detaching first */
        }
        VIF_LOG(VLL_WARN, &rl, vif,
                "net_xovs driver at %s went away; handing over again "
                "when it is back",
                vif->dpdk_path);
        close(vif->handoff_fd);
        vif->handoff_fd = -1;
        vif->handoff_retry_at = time_msec() + VIF_HANDOFF_RETRY_MS;
        return;
    }
    if (!vif->dpdk || !vif->n_queues || vif->disabled
        || time_msec() < vif->handoff_retry_at) {
        return;
    }
    char reason[128];
    int error = handoff_attach(vif, reason, sizeof reason);
    if (error < 0) {
        /* The driver refused this VIF's rings: the guest's doing (a grant
         * it revoked since the netback checked it) or a mismatch of the
         * two sides; either way only this VIF goes. */
        vif_fatal(vif, "net_xovs at %s refused the hand-off: %s",
                  vif->dpdk_path, reason);
        return;
    } else if (error) {
        vif->handoff_retry_at = time_msec() + VIF_HANDOFF_RETRY_MS;
        if (error == ENOENT || error == ECONNREFUSED) {
            VIF_LOG(VLL_DBG, &rl, vif, "waiting for the net_xovs driver at %s",
                    vif->dpdk_path);
        } else {
            VIF_LOG(VLL_WARN, &rl, vif,
                    "cannot hand the data path to net_xovs at %s: %s",
                    vif->dpdk_path, ovs_strerror(error));
        }
        return;
    }
    VIF_LOG(VLL_INFO, &rl, vif, "data path handed to net_xovs at %s",
            vif->dpdk_path);
}

void
vif_handoff_wait(struct vif *vif)
{
    if (vif->handoff_fd >= 0) {
        poll_fd_wait(vif->handoff_fd, POLLIN);
    } else if (vif->dpdk && vif->n_queues && !vif->disabled) {
        poll_timer_wait_until(vif->handoff_retry_at);
    }
}

void
vif_handoff_detach(struct vif *vif)
{
    if (vif->handoff_fd < 0) {
        return;
    }
    struct vif_handoff_msg req, reply;
    memset(&req, 0, sizeof req);
    req.type = VIF_HANDOFF_DETACH;
    req.domid = vif->domid;
    req.devid = vif->devid;
    int error = vif_handoff_request(vif->handoff_fd, &req, NULL, 0, &reply);
    if (error) {
        VIF_LOG(VLL_WARN, &rl, vif, "net_xovs at %s did not detach: %s",
                vif->dpdk_path, ovs_strerror(error));
    }
    close(vif->handoff_fd);
    vif->handoff_fd = -1;
    vif->handoff_retry_at = 0;
}
