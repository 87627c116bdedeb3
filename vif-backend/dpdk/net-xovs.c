/* vif-backend/dpdk/net-xovs.c: net_xovs, a DPDK poll-mode driver that runs
 * a Xen VIF's data path inside OVS-DPDK's PMD thread.
 *
 * Loaded into ovs-vswitchd-dpdk with EAL's -d (other_config:dpdk-extra), a
 * VIF becomes
 *
 *   type=dpdk options:dpdk-devargs=net_xovs_<domid>_<devid>,path=<socket>
 *
 * The driver listens on <socket>; xovs-netback, which keeps the whole
 * xenbus control plane, connects once the frontend's rings are set up and
 * hands the data path over (handoff.h): guest memory, ring grants, event
 * channels.  The driver then runs the very ring engine of the tap path
 * (tx.c, rx.c, pkt.c, platform-emu.c, linked in, not copied):
 *
 *   rx_burst   guest TX ring -> vif_tx_run() with a sink that hands out
 *              mbufs of the queue's mempool: one grant copy per frame,
 *              straight into OVS's own mbuf; IPv4 checksum-blank frames
 *              (NETTXF_csum_blank) are completed here
 *   tx_burst   OVS's mbufs -> vif_rx_deliver(): one grant copy per frame
 *              into the guest's posted buffers; what the ring has no room
 *              for stays with OVS
 *
 * Each burst pushes responses once and notifies only when the ring asks.
 * The bursts never block: they take the device's lock with a trylock; the
 * control thread (one per device, EAL control-thread affinity) holds it
 * while it attaches or detaches, so rings are never unmapped under a burst.
 * A guest's protocol violation disables its VIF (vif_fatal) and the bursts
 * stop touching its rings; nothing else in ovs-vswitchd is affected.
 *
 * Limits: one queue pair; frames up to one mbuf (netback offers DPDK VIFs
 * no scatter-gather or GSO); the emulated platform only (on Xen the driver
 * would open gntdev/evtchn itself). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_kvargs.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "vif-backend/dpdk/handoff-io.h"
#include "vif-backend/dpdk/handoff.h"
#include "vif-backend/vif-private.h"

#define XOVS_PMD_NAME net_xovs
#define XOVS_MAX_PKTLEN 9018

RTE_LOG_REGISTER_DEFAULT(xovs_logtype, INFO);
#define XLOG(LEVEL, ...)                                                      \
    rte_log(RTE_LOG_##LEVEL, xovs_logtype, "net_xovs: " __VA_ARGS__)

struct xovs_pmd {
    uint16_t port_id;
    uint16_t domid, devid;
    char name[RTE_ETH_NAME_MAX_LEN];
    char path[sizeof((struct sockaddr_un *)0)->sun_path];

    /* Control (the device's own thread). */
    int listen_fd;
    int conn_fd; /* xovs-netback, or -1 */
    int stop_fd; /* eventfd: the thread exits */
    pthread_t thread;
    bool thread_running;

    /* Data path: 'lock' is held by a burst (trylock) or by attach/detach. */
    rte_spinlock_t lock;
    bool attached;
    bool reported;                 /* the VIF's disabling was logged */
    bool told;                     /* ... and told to the netback */
    struct vif_platform *platform; /* emu, the imported domain */
    struct vif vif;                /* the engine's VIF; queue 0 runs */
    struct rte_mempool *mp;        /* rx queue 0's */

    uint64_t ipackets, ibytes, opackets, obytes, oerrors, imissed;
};

/* ---- Data path ---------------------------------------------------------- */

/* The sink of vif_tx_run(): frames land in mbufs of the rx queue's
 * mempool. */
struct xovs_sink {
    struct xovs_pmd *pmd;
    struct rte_mbuf **out;
    uint16_t n;
};

static void *
xovs_sink_alloc(void *aux, size_t size, void **handle)
{
    struct xovs_sink *s = aux;
    struct rte_mbuf *m = rte_pktmbuf_alloc(s->pmd->mp);

    *handle = NULL;
    if (!m) {
        s->pmd->imissed++;
        return NULL;
    }
    if (size > rte_pktmbuf_tailroom(m)) {
        rte_pktmbuf_free(m);
        s->pmd->imissed++;
        return NULL;
    }
    m->data_len = size;
    m->pkt_len = size;
    m->port = s->pmd->port_id;
    *handle = m;
    return rte_pktmbuf_mtod(m, void *);
}

static int
xovs_sink_put(void *aux, void *handle,
              const struct virtio_net_hdr *vnet OVS_UNUSED,
              void *frame OVS_UNUSED, size_t size)
{
    struct xovs_sink *s = aux;

    s->out[s->n++] = handle;
    s->pmd->ibytes += size;
    return 0;
}

static void
xovs_sink_drop(void *aux OVS_UNUSED, void *handle)
{
    rte_pktmbuf_free(handle);
}

static void
xovs_report_disabled(struct xovs_pmd *pmd)
{
    if (pmd->vif.disabled && !pmd->reported) {
        pmd->reported = true;
        XLOG(ERR, "%s: VIF disabled: %s\n", pmd->vif.name,
             pmd->vif.disable_reason ? pmd->vif.disable_reason : "?");
    }
}

static uint16_t
xovs_rx_burst(void *rxq, struct rte_mbuf **bufs, uint16_t n)
{
    struct xovs_pmd *pmd = rxq;
    struct xovs_sink s = {.pmd = pmd, .out = bufs};

    if (!rte_spinlock_trylock(&pmd->lock)) {
        return 0;
    }
    if (pmd->attached && !pmd->vif.disabled) {
        const struct vif_tx_sink sink = {
            .alloc = xovs_sink_alloc,
            .put = xovs_sink_put,
            .drop = xovs_sink_drop,
            .aux = &s,
        };
        vif_tx_run(&pmd->vif.queues[0], &sink, n);
        pmd->ipackets += s.n;
        xovs_report_disabled(pmd);
    }
    rte_spinlock_unlock(&pmd->lock);
    return s.n;
}

static uint16_t
xovs_tx_burst(void *txq, struct rte_mbuf **bufs, uint16_t n)
{
    struct xovs_pmd *pmd = txq;
    struct vif_rx_pkt pkts[VIF_RX_BUDGET];
    struct vif_rx_pkt *ptrs[VIF_RX_BUDGET];
    uint16_t done = 0;

    if (!rte_spinlock_trylock(&pmd->lock)) {
        return 0;
    }
    if (!pmd->attached || pmd->vif.disabled) {
        /* Link down: what a NIC without carrier does with frames. */
        rte_pktmbuf_free_bulk(bufs, n);
        pmd->oerrors += n;
        rte_spinlock_unlock(&pmd->lock);
        return n;
    }
    while (done < n) {
        uint16_t k = RTE_MIN(n - done, VIF_RX_BUDGET);
        for (uint16_t i = 0; i < k; i++) {
            struct rte_mbuf *m = bufs[done + i];

            memset(&pkts[i], 0, sizeof pkts[i]);
            if (m->nb_segs == 1) {
                pkts[i].data = rte_pktmbuf_mtod(m, uint8_t *);
                pkts[i].size = m->data_len;
            } /* else: size 0, dropped as too short (counted) */
            ptrs[i] = &pkts[i];
        }
        size_t taken = vif_rx_deliver(&pmd->vif.queues[0], ptrs, k);
        for (size_t i = 0; i < taken; i++) {
            pmd->obytes += bufs[done + i]->pkt_len;
        }
        rte_pktmbuf_free_bulk(&bufs[done], taken);
        done += taken;
        pmd->opackets += taken;
        if (taken < k) {
            break; /* the ring is full: OVS keeps (and counts) the rest */
        }
    }
    xovs_report_disabled(pmd);
    rte_spinlock_unlock(&pmd->lock);
    return done;
}

/* ---- Attach and detach (control thread) --------------------------------- */

static void
xovs_set_link(struct xovs_pmd *pmd, bool up)
{
    struct rte_eth_dev *eth = &rte_eth_devices[pmd->port_id];
    struct rte_eth_link link = {
        .link_speed = RTE_ETH_SPEED_NUM_10G,
        .link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
        .link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
        .link_autoneg = RTE_ETH_LINK_FIXED,
    };
    rte_eth_linkstatus_set(eth, &link);
}

/* Stops the data path and lets go of the guest: rings unmapped, event
 * channel fds closed, memory unmapped.  Waits for a running burst. */
static void
xovs_detach(struct xovs_pmd *pmd)
{
    rte_spinlock_lock(&pmd->lock);
    if (pmd->attached) {
        vif_disconnect(&pmd->vif);
        vif_platform_release_domain(pmd->platform, pmd->domid);
        pmd->attached = false;
        XLOG(INFO, "%s: detached\n", pmd->name);
    }
    rte_spinlock_unlock(&pmd->lock);
    xovs_set_link(pmd, false);
}

static int
xovs_attach(struct xovs_pmd *pmd, const struct vif_handoff_msg *m, int *fds,
            size_t n_fds)
{
    bool split = m->tx_evtchn != m->rx_evtchn;
    int error;

    if (m->domid != pmd->domid || m->devid != pmd->devid
        || n_fds != (split ? 5u : 3u)) {
        for (size_t i = 0; i < n_fds; i++) {
            close(fds[i]);
        }
        XLOG(WARNING,
             "%s: hand-off for domain %u device %u with %zu fds refused\n",
             pmd->name, m->domid, m->devid, n_fds);
        return EINVAL;
    }
    xovs_detach(pmd);

    rte_spinlock_lock(&pmd->lock);
    /* Grants are checked against the backend's domid, exactly as in the
     * netback (platform-emu.c). */
    vif_platform_close(pmd->platform);
    pmd->platform = NULL;
    error = vif_platform_open(&vif_platform_emu, m->backend_domid,
                              &pmd->platform);
    if (error) {
        for (size_t i = 0; i < n_fds; i++) {
            close(fds[i]);
        }
        goto out;
    }
    error = vif_platform_import_domain(pmd->platform, m->domid, fds[0],
                                       m->n_grants, m->n_pages);
    int e2 = vif_platform_import_port(pmd->platform, m->domid, m->tx_evtchn,
                                      fds[1], fds[2]);
    error = error ? error : e2;
    if (split) {
        e2 = vif_platform_import_port(pmd->platform, m->domid, m->rx_evtchn,
                                      fds[3], fds[4]);
        error = error ? error : e2;
    }
    if (error) {
        vif_platform_release_domain(pmd->platform, m->domid);
        goto out;
    }

    free(pmd->vif.disable_reason);
    vif_init(&pmd->vif, pmd->platform, NULL, m->domid, m->devid);
    struct vif_features *f = &pmd->vif.features;
    f->sg = m->features & VIF_HANDOFF_F_SG;
    f->gso4 = m->features & VIF_HANDOFF_F_GSO4;
    f->gso6 = m->features & VIF_HANDOFF_F_GSO6;
    f->ip_csum = m->features & VIF_HANDOFF_F_IP_CSUM;
    f->ipv6_csum = m->features & VIF_HANDOFF_F_IPV6_CSUM;
    f->rx_notify = m->features & VIF_HANDOFF_F_RX_NOTIFY;
    f->mcast_control = m->features & VIF_HANDOFF_F_MCAST;
    /* OVS-DPDK takes no partial checksums from a port: complete them. */
    pmd->vif.tx_sw_csum = true;

    struct vif_queue_config cfg = {
        .tx_ref = m->tx_ref,
        .rx_ref = m->rx_ref,
        .tx_evtchn = m->tx_evtchn,
        .rx_evtchn = m->rx_evtchn,
    };
    error = vif_queue_connect(&pmd->vif, 0, &cfg);
    if (error) {
        vif_disconnect(&pmd->vif);
        vif_platform_release_domain(pmd->platform, m->domid);
        goto out;
    }
    pmd->attached = true;
    pmd->reported = pmd->told = false;

out:
    rte_spinlock_unlock(&pmd->lock);
    if (!error) {
        xovs_set_link(pmd, true);
        XLOG(INFO, "%s: attached: tx ring %u, rx ring %u\n", pmd->name,
             m->tx_ref, m->rx_ref);
    } else {
        XLOG(WARNING, "%s: hand-off refused: %s\n", pmd->name,
             strerror(error));
    }
    return error;
}

static void
xovs_conn_close(struct xovs_pmd *pmd)
{
    if (pmd->conn_fd >= 0) {
        close(pmd->conn_fd);
        pmd->conn_fd = -1;
    }
    xovs_detach(pmd);
}

/* Handles one message of the netback.  Returns false if the connection
 * is to be dropped. */
static bool
xovs_conn_input(struct xovs_pmd *pmd)
{
    struct vif_handoff_msg m, reply;
    int fds[VIF_HANDOFF_MAX_FDS];
    size_t n_fds;

    int error = vif_handoff_recv(pmd->conn_fd, &m, fds, RTE_DIM(fds), &n_fds);
    if (error == EAGAIN) {
        return true;
    } else if (error) {
        if (error != EPIPE) {
            XLOG(WARNING, "%s: bad message from the netback: %s\n", pmd->name,
                 strerror(error));
        }
        return false;
    }
    memset(&reply, 0, sizeof reply);
    reply.type = m.type | VIF_HANDOFF_REPLY;
    reply.domid = pmd->domid;
    reply.devid = pmd->devid;
    if (m.type == VIF_HANDOFF_ATTACH) {
        reply.error = xovs_attach(pmd, &m, fds, n_fds);
    } else if (m.type == VIF_HANDOFF_DETACH) {
        for (size_t i = 0; i < n_fds; i++) {
            close(fds[i]);
        }
        xovs_detach(pmd);
    } else {
        for (size_t i = 0; i < n_fds; i++) {
            close(fds[i]);
        }
        reply.error = EPROTO;
    }
    return !vif_handoff_send(pmd->conn_fd, &reply, NULL, 0);
}

/* Tells the netback, once, that the data path disabled the VIF (a
 * protocol violation), so that it disables it too and takes it down from
 * its control path.  Returns false if the connection failed. */
static bool
xovs_tell_disabled(struct xovs_pmd *pmd)
{
    struct vif_handoff_msg m;

    memset(&m, 0, sizeof m);
    rte_spinlock_lock(&pmd->lock);
    bool tell = pmd->attached && pmd->vif.disabled && !pmd->told;
    if (tell) {
        pmd->told = true;
        snprintf(m.reason, sizeof m.reason, "%s",
                 pmd->vif.disable_reason ? pmd->vif.disable_reason : "?");
    }
    rte_spinlock_unlock(&pmd->lock);
    if (!tell) {
        return true;
    }
    m.type = VIF_HANDOFF_DISABLED;
    m.domid = pmd->domid;
    m.devid = pmd->devid;
    return !vif_handoff_send(pmd->conn_fd, &m, NULL, 0);
}

static void *
xovs_thread(void *pmd_)
{
    struct xovs_pmd *pmd = pmd_;

    for (;;) {
        struct pollfd pfds[3] = {
            {.fd = pmd->stop_fd, .events = POLLIN},
            {.fd = pmd->listen_fd, .events = POLLIN},
            {.fd = pmd->conn_fd, .events = POLLIN},
        };
        /* While attached, look every 100 ms whether the data path
         * disabled the VIF, to tell the netback. */
        int timeout = pmd->attached ? 100 : -1;
        if (poll(pfds, pmd->conn_fd >= 0 ? 3 : 2, timeout) < 0) {
            if (errno == EINTR) {
                continue;
            }
            XLOG(ERR, "%s: poll: %s\n", pmd->name, strerror(errno));
            break;
        }
        if (pfds[0].revents) {
            break;
        }
        if (pfds[1].revents & POLLIN) {
            int fd = accept4(pmd->listen_fd, NULL, NULL,
                             SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd >= 0) {
                /* A new netback (restarted) replaces the old one. */
                xovs_conn_close(pmd);
                pmd->conn_fd = fd;
            }
        }
        if (pmd->conn_fd >= 0 && pfds[2].revents && !xovs_conn_input(pmd)) {
            xovs_conn_close(pmd);
        }
        if (pmd->conn_fd >= 0 && !xovs_tell_disabled(pmd)) {
            xovs_conn_close(pmd);
        }
    }
    return NULL;
}

/* ---- ethdev operations -------------------------------------------------- */

static int
xovs_dev_configure(struct rte_eth_dev *dev OVS_UNUSED)
{
    return 0;
}

static int
xovs_dev_start(struct rte_eth_dev *dev)
{
    dev->data->dev_started = 1;
    dev->data->rx_queue_state[0] = RTE_ETH_QUEUE_STATE_STARTED;
    dev->data->tx_queue_state[0] = RTE_ETH_QUEUE_STATE_STARTED;
    return 0;
}

static int
xovs_dev_stop(struct rte_eth_dev *dev)
{
    dev->data->dev_started = 0;
    dev->data->rx_queue_state[0] = RTE_ETH_QUEUE_STATE_STOPPED;
    dev->data->tx_queue_state[0] = RTE_ETH_QUEUE_STATE_STOPPED;
    return 0;
}

static void
xovs_free(struct xovs_pmd *pmd)
{
    if (pmd->thread_running) {
        uint64_t one = 1;
        if (write(pmd->stop_fd, &one, sizeof one) < 0) {
            XLOG(ERR, "%s: cannot stop the control thread\n", pmd->name);
        }
        pthread_join(pmd->thread, NULL);
        pmd->thread_running = false;
    }
    xovs_conn_close(pmd);
    vif_platform_close(pmd->platform);
    pmd->platform = NULL;
    free(pmd->vif.disable_reason);
    pmd->vif.disable_reason = NULL;
    if (pmd->listen_fd >= 0) {
        close(pmd->listen_fd);
        unlink(pmd->path);
        pmd->listen_fd = -1;
    }
    if (pmd->stop_fd >= 0) {
        close(pmd->stop_fd);
        pmd->stop_fd = -1;
    }
}

static int
xovs_dev_close(struct rte_eth_dev *dev)
{
    /* OVS has quiesced its PMD threads before it closes a port, and the
     * burst lock covers a netback that detaches meanwhile: unmapping here
     * is safe. */
    if (rte_eal_process_type() == RTE_PROC_PRIMARY) {
        xovs_free(dev->data->dev_private);
    }
    dev->data->mac_addrs = NULL; /* in dev_private: not freed by ethdev */
    return 0;
}

static int
xovs_dev_infos_get(struct rte_eth_dev *dev OVS_UNUSED,
                   struct rte_eth_dev_info *info)
{
    info->max_mac_addrs = 1;
    info->max_rx_pktlen = XOVS_MAX_PKTLEN;
    info->max_rx_queues = 1;
    info->max_tx_queues = 1;
    info->min_rx_bufsize = 0;
    info->min_mtu = RTE_ETHER_MIN_MTU;
    info->max_mtu = XOVS_MAX_PKTLEN - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN;
    return 0;
}

static int
xovs_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
                    uint16_t nb_desc OVS_UNUSED,
                    unsigned int socket OVS_UNUSED,
                    const struct rte_eth_rxconf *conf OVS_UNUSED,
                    struct rte_mempool *mp)
{
    struct xovs_pmd *pmd = dev->data->dev_private;

    if (qid) {
        return -EINVAL;
    }
    rte_spinlock_lock(&pmd->lock);
    pmd->mp = mp;
    rte_spinlock_unlock(&pmd->lock);
    dev->data->rx_queues[0] = pmd;
    return 0;
}

static int
xovs_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
                    uint16_t nb_desc OVS_UNUSED,
                    unsigned int socket OVS_UNUSED,
                    const struct rte_eth_txconf *conf OVS_UNUSED)
{
    if (qid) {
        return -EINVAL;
    }
    dev->data->tx_queues[0] = dev->data->dev_private;
    return 0;
}

static void
xovs_queue_release(struct rte_eth_dev *dev OVS_UNUSED, uint16_t qid OVS_UNUSED)
{
}

static int
xovs_link_update(struct rte_eth_dev *dev OVS_UNUSED, int wait OVS_UNUSED)
{
    return 0;
}

static int
xovs_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
    const struct xovs_pmd *pmd = dev->data->dev_private;

    st->ipackets = pmd->ipackets;
    st->ibytes = pmd->ibytes;
    st->opackets = pmd->opackets;
    st->obytes = pmd->obytes;
    st->oerrors = pmd->oerrors;
    st->imissed = pmd->imissed;
    return 0;
}

static int
xovs_stats_reset(struct rte_eth_dev *dev)
{
    struct xovs_pmd *pmd = dev->data->dev_private;

    pmd->ipackets = pmd->ibytes = pmd->opackets = pmd->obytes = 0;
    pmd->oerrors = pmd->imissed = 0;
    return 0;
}

static int
xovs_noop(struct rte_eth_dev *dev OVS_UNUSED)
{
    return 0;
}

static int
xovs_mtu_set(struct rte_eth_dev *dev OVS_UNUSED, uint16_t mtu OVS_UNUSED)
{
    return 0;
}

static const struct eth_dev_ops xovs_ops = {
    .dev_configure = xovs_dev_configure,
    .dev_start = xovs_dev_start,
    .dev_stop = xovs_dev_stop,
    .dev_close = xovs_dev_close,
    .dev_infos_get = xovs_dev_infos_get,
    .rx_queue_setup = xovs_rx_queue_setup,
    .tx_queue_setup = xovs_tx_queue_setup,
    .rx_queue_release = xovs_queue_release,
    .tx_queue_release = xovs_queue_release,
    .link_update = xovs_link_update,
    .stats_get = xovs_stats_get,
    .stats_reset = xovs_stats_reset,
    .promiscuous_enable = xovs_noop,
    .promiscuous_disable = xovs_noop,
    .allmulticast_enable = xovs_noop,
    .allmulticast_disable = xovs_noop,
    .mtu_set = xovs_mtu_set,
};

/* ---- Probe and remove --------------------------------------------------- */

static int
xovs_kv_path(const char *key OVS_UNUSED, const char *value, void *pmd_)
{
    struct xovs_pmd *pmd = pmd_;

    if (!value[0] || strlen(value) >= sizeof pmd->path) {
        return -1;
    }
    strcpy(pmd->path, value);
    return 0;
}

static int
xovs_listen(struct xovs_pmd *pmd)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct stat st;

    strcpy(sun.sun_path, pmd->path);
    /* A socket left by an earlier ovs-vswitchd is ours to replace; any
     * other file is not. */
    if (!lstat(pmd->path, &st)) {
        if (!S_ISSOCK(st.st_mode)) {
            return EEXIST;
        }
        unlink(pmd->path);
    }
    pmd->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (pmd->listen_fd < 0) {
        return errno;
    }
    if (bind(pmd->listen_fd, (struct sockaddr *)&sun, sizeof sun) < 0
        || chmod(pmd->path, 0600) < 0 || listen(pmd->listen_fd, 4) < 0) {
        int error = errno;
        close(pmd->listen_fd);
        pmd->listen_fd = -1;
        return error;
    }
    return 0;
}

static int
xovs_probe(struct rte_vdev_device *vdev)
{
    const char *name = rte_vdev_device_name(vdev);
    const char *args = rte_vdev_device_args(vdev);
    unsigned int domid, devid;
    int n = -1;

    if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
        XLOG(ERR, "%s: only the primary process can drive a VIF\n", name);
        return -ENOTSUP;
    }
    if (sscanf(name, "net_xovs_%u_%u%n", &domid, &devid, &n) != 2 || name[n]
        || domid > VIF_DOMID_MAX || devid > UINT16_MAX) {
        XLOG(ERR, "%s: the device name must be net_xovs_<domid>_<devid>\n",
             name);
        return -EINVAL;
    }

    struct rte_eth_dev *eth
        = rte_eth_vdev_allocate(vdev, sizeof(struct xovs_pmd));
    if (!eth) {
        return -ENOMEM;
    }
    struct xovs_pmd *pmd = eth->data->dev_private;
    pmd->port_id = eth->data->port_id;
    pmd->domid = domid;
    pmd->devid = devid;
    snprintf(pmd->name, sizeof pmd->name, "%s", name);
    pmd->listen_fd = pmd->conn_fd = pmd->stop_fd = -1;
    rte_spinlock_init(&pmd->lock);

    struct rte_kvargs *kv = args ? rte_kvargs_parse(args, NULL) : NULL;
    if (!kv || rte_kvargs_count(kv, "path") != 1
        || rte_kvargs_process(kv, "path", xovs_kv_path, pmd) < 0) {
        XLOG(ERR, "%s: devargs must be path=<unix socket> (got \"%s\")\n",
             name, args ? args : "");
        rte_kvargs_free(kv);
        rte_eth_dev_release_port(eth);
        return -EINVAL;
    }
    rte_kvargs_free(kv);

    int error = xovs_listen(pmd);
    if (error) {
        XLOG(ERR, "%s: cannot listen on %s: %s\n", name, pmd->path,
             strerror(error));
        rte_eth_dev_release_port(eth);
        return -error;
    }
    /* A locally administered address from the VIF's identity (the guest's
     * own MAC is the frontend's business). */
    static struct rte_ether_addr macs[RTE_MAX_ETHPORTS];
    struct rte_ether_addr *mac = &macs[pmd->port_id];
    mac->addr_bytes[0] = 0xfe;
    mac->addr_bytes[1] = 0xff;
    mac->addr_bytes[2] = domid >> 8;
    mac->addr_bytes[3] = domid;
    mac->addr_bytes[4] = devid >> 8;
    mac->addr_bytes[5] = devid;
    eth->data->mac_addrs = mac;
    eth->dev_ops = &xovs_ops;
    eth->rx_pkt_burst = xovs_rx_burst;
    eth->tx_pkt_burst = xovs_tx_burst;
    eth->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
    xovs_set_link(pmd, false);

    /* The control thread starts last: a netback already waiting on the
     * socket is attached at once, and the link it sets up must not be set
     * down again here (seen under load as a port whose link stayed down). */
    pmd->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (pmd->stop_fd < 0
        || rte_ctrl_thread_create(&pmd->thread, "xovs-ctl", NULL, xovs_thread,
                                  pmd)) {
        XLOG(ERR, "%s: cannot start the control thread\n", name);
        xovs_free(pmd);
        eth->data->mac_addrs = NULL;
        rte_eth_dev_release_port(eth);
        return -ENOMEM;
    }
    pmd->thread_running = true;
    rte_eth_dev_probing_finish(eth);
    XLOG(INFO, "%s: listening on %s for xovs-netback\n", name, pmd->path);
    return 0;
}

static int
xovs_remove(struct rte_vdev_device *vdev)
{
    struct rte_eth_dev *eth
        = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

    if (!eth) {
        return 0; /* closed already: rte_eth_dev_close() released it */
    }
    xovs_dev_close(eth);
    return rte_eth_dev_release_port(eth);
}

static struct rte_vdev_driver xovs_driver = {
    .probe = xovs_probe,
    .remove = xovs_remove,
};

RTE_PMD_REGISTER_VDEV(XOVS_PMD_NAME, xovs_driver);
RTE_PMD_REGISTER_PARAM_STRING(XOVS_PMD_NAME, "path=<unix socket>");
