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
 *
 * Queues: every queue of the VIF is handed over (handoff.h); the port
 * offers up to VIF_HANDOFF_MAX_QUEUES rx and tx queues, and OVS's rx queue
 * r polls VIF queues r, r + n_rxq... (options:n_rxq equal to the VIF's
 * queue count gives one each, which OVS spreads over its PMD threads).  A
 * frame from OVS goes to the VIF queue its RSS hash picks, whatever tx
 * queue sent it.  Each VIF queue has two locks, one per ring (struct
 * xovs_vq): rx_burst takes the TX ring's with a trylock (one rx queue
 * polls it), tx_burst the RX ring's (several PMD threads may send to one
 * VIF queue); the control thread (one per device, EAL control-thread
 * affinity) takes all of them to start or stop the data path, and maps and
 * unmaps only while it is stopped, so rings are never unmapped under a
 * burst.  A guest's protocol violation disables its VIF (vif_fatal) and
 * the bursts stop touching its rings; nothing else in ovs-vswitchd is
 * affected.
 *
 * Platforms: on the emulated one the guest's memory and event channels
 * come as fds; on Xen the hand-off names the domain, ring refs and ports,
 * and the driver opens gntdev and evtchn itself (platform-xen.c, linked in
 * as platform-emu.c is): Xen makes the grant checks.  The guest's
 * notifications are not read here (the PMD polls the rings); the driver
 * notifies the guest when its rings ask.
 *
 * Limits: frames up to one mbuf (netback offers DPDK VIFs no
 * scatter-gather or GSO). */
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

/* One VIF queue's locks.  Each ring has one consumer at a time: the guest
 * TX ring the rx queue that polls it (rx_burst), the guest RX ring whichever
 * tx queue's thread holds 'rx_lock' (tx_burst: OVS's tx queues are per PMD
 * thread, and any of them may send to any VIF queue).  The control thread
 * takes all of them (xovs_lock_all) to start or stop the data path. */
struct xovs_vq {
    rte_spinlock_t tx_lock; /* guest TX ring (rx_burst, trylock) */
    rte_spinlock_t rx_lock; /* guest RX ring (tx_burst) */
};

/* An OVS rx queue: polls VIF queues qid, qid + n_rxq, qid + 2 * n_rxq...
 * (one each when OVS has as many rx queues as the VIF has queues). */
struct xovs_rxq {
    struct xovs_pmd *pmd;
    uint16_t qid;
    struct rte_mempool *mp; /* OVS's, of this queue */
    uint64_t ipackets, ibytes, imissed;
};

/* An OVS tx queue: frames go to the VIF queue their flow hash picks. */
struct xovs_txq {
    struct xovs_pmd *pmd;
    uint16_t qid;
    uint64_t opackets, obytes, oerrors;
};

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

    /* Data path.  'attached' and 'n_vq' change only with every lock of
     * 'vq' held; a burst reads them under its queue's lock ('n_vq' also
     * without, as a hint). */
    struct xovs_vq vq[VIF_HANDOFF_MAX_QUEUES];
    bool attached;
    unsigned int n_vq;             /* VIF queues running */
    uint16_t n_rxq;                /* OVS's rx queues (dev_configure) */
    bool reported;                 /* the VIF's disabling was logged */
    struct vif_platform *platform; /* emu, the imported domain */
    struct vif vif;                /* the engine's VIF */

    /* A hand-off in progress (control thread only): ATTACH taken, QUEUE
     * 'next_qid' of 'stage_n_queues' due. */
    bool engaged; /* 'vif' and 'platform' hold the guest's things */
    unsigned int stage_n_queues, next_qid;
    uint16_t stage_platform;

    struct xovs_rxq rxq[VIF_HANDOFF_MAX_QUEUES];
    struct xovs_txq txq[VIF_HANDOFF_MAX_QUEUES];
};

/* ---- Data path ---------------------------------------------------------- */

/* The sink of vif_tx_run(): frames land in mbufs of the rx queue's
 * mempool. */
struct xovs_sink {
    struct xovs_rxq *rxq;
    struct rte_mbuf **out;
    uint16_t n;
};

static void *
xovs_sink_alloc(void *aux, size_t size, void **handle)
{
    struct xovs_sink *s = aux;
    struct rte_mbuf *m = rte_pktmbuf_alloc(s->rxq->mp);

    *handle = NULL;
    if (!m) {
        s->rxq->imissed++;
        return NULL;
    }
    if (size > rte_pktmbuf_tailroom(m)) {
        rte_pktmbuf_free(m);
        s->rxq->imissed++;
        return NULL;
    }
    m->data_len = size;
    m->pkt_len = size;
    m->port = s->rxq->pmd->port_id;
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
    s->rxq->ibytes += size;
    return 0;
}

static void
xovs_sink_drop(void *aux OVS_UNUSED, void *handle)
{
    rte_pktmbuf_free(handle);
}

/* rte_spinlock_unlock() is an xchg on x86, a full barrier the fast path
 * pays twice a burst; releasing a lock needs only a release store (as
 * Linux's spin_unlock()). */
static void
xovs_unlock(rte_spinlock_t *sl)
{
    __atomic_store_n(&sl->locked, 0, __ATOMIC_RELEASE);
}

static unsigned int
xovs_n_vq_hint(const struct xovs_pmd *pmd)
{
    return __atomic_load_n(&pmd->n_vq, __ATOMIC_RELAXED);
}

static uint16_t
xovs_rx_burst(void *rxq_, struct rte_mbuf **bufs, uint16_t n)
{
    struct xovs_rxq *rxq = rxq_;
    struct xovs_pmd *pmd = rxq->pmd;
    struct xovs_sink s = {.rxq = rxq, .out = bufs};
    const struct vif_tx_sink sink = {
        .alloc = xovs_sink_alloc,
        .put = xovs_sink_put,
        .drop = xovs_sink_drop,
        .aux = &s,
    };
    unsigned int step = RTE_MAX(pmd->n_rxq, 1);
    unsigned int n_vq = xovs_n_vq_hint(pmd);

    for (unsigned int q = rxq->qid; q < n_vq && s.n < n; q += step) {
        struct xovs_vq *vq = &pmd->vq[q];

        if (!rte_spinlock_trylock(&vq->tx_lock)) {
            continue; /* the control thread is (de)attaching */
        }
        if (pmd->attached && q < pmd->n_vq && !pmd->vif.disabled) {
            vif_tx_run(&pmd->vif.queues[q], &sink, n - s.n);
        }
        xovs_unlock(&vq->tx_lock);
    }
    rxq->ipackets += s.n;
    return s.n;
}

/* Delivers 'n' (at most VIF_RX_BUDGET) of OVS's frames to VIF queue 'q';
 * returns how many the ring took. */
static size_t
xovs_deliver(struct xovs_txq *txq, unsigned int q, struct rte_mbuf **bufs,
             size_t n)
{
    struct xovs_pmd *pmd = txq->pmd;
    struct xovs_vq *vq = &pmd->vq[q];
    struct vif_rx_pkt pkts[VIF_RX_BUDGET];
    struct vif_rx_pkt *ptrs[VIF_RX_BUDGET];
    size_t taken = 0;

    for (size_t i = 0; i < n; i++) {
        struct rte_mbuf *m = bufs[i];

        memset(&pkts[i], 0, sizeof pkts[i]);
        if (m->nb_segs == 1) {
            pkts[i].data = rte_pktmbuf_mtod(m, uint8_t *);
            pkts[i].size = m->data_len;
        } /* else: size 0, dropped as too short (counted) */
        ptrs[i] = &pkts[i];
    }
    rte_spinlock_lock(&vq->rx_lock);
    if (pmd->attached && q < pmd->n_vq && !pmd->vif.disabled) {
        taken = vif_rx_deliver(&pmd->vif.queues[q], ptrs, n);
    }
    xovs_unlock(&vq->rx_lock);
    for (size_t i = 0; i < taken; i++) {
        txq->obytes += bufs[i]->pkt_len;
    }
    txq->opackets += taken;
    return taken;
}

static uint16_t
xovs_tx_burst(void *txq_, struct rte_mbuf **bufs, uint16_t n)
{
    struct xovs_txq *txq = txq_;
    unsigned int n_vq = xovs_n_vq_hint(txq->pmd);
    uint16_t done = 0;

    if (!n_vq) {
        /* Link down: what a NIC without carrier does with frames. */
        rte_pktmbuf_free_bulk(bufs, n);
        txq->oerrors += n;
        return n;
    }
    if (n_vq == 1) {
        /* What the ring has no room for stays with OVS (and is counted
         * there). */
        while (done < n) {
            size_t k = RTE_MIN(n - done, VIF_RX_BUDGET);
            size_t taken = xovs_deliver(txq, 0, &bufs[done], k);
            rte_pktmbuf_free_bulk(&bufs[done], taken);
            done += taken;
            if (taken < k) {
                break;
            }
        }
        return done;
    }

    /* Several queues: each frame goes to the queue its flow's hash (OVS's
     * RSS hash of the packet) picks, so a flow stays on one ring; frames
     * a ring has no room for are dropped here and counted. */
    while (done < n) {
        size_t k = RTE_MIN(n - done, VIF_RX_BUDGET);
        struct rte_mbuf *group[VIF_HANDOFF_MAX_QUEUES][VIF_RX_BUDGET];
        size_t n_group[VIF_HANDOFF_MAX_QUEUES] = {0};

        for (size_t i = 0; i < k; i++) {
            struct rte_mbuf *m = bufs[done + i];
            unsigned int q
                = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH ? m->hash.rss % n_vq
                                                        : 0);
            group[q][n_group[q]++] = m;
        }
        for (unsigned int q = 0; q < n_vq; q++) {
            if (!n_group[q]) {
                continue;
            }
            size_t taken = xovs_deliver(txq, q, group[q], n_group[q]);
            rte_pktmbuf_free_bulk(group[q], n_group[q]);
            txq->oerrors += n_group[q] - taken;
        }
        done += k;
    }
    return done;
}

/* ---- Attach and detach (control thread) --------------------------------- */

static void
xovs_lock_all(struct xovs_pmd *pmd)
{
    for (size_t q = 0; q < RTE_DIM(pmd->vq); q++) {
        rte_spinlock_lock(&pmd->vq[q].tx_lock);
        rte_spinlock_lock(&pmd->vq[q].rx_lock);
    }
}

static void
xovs_unlock_all(struct xovs_pmd *pmd)
{
    for (size_t q = 0; q < RTE_DIM(pmd->vq); q++) {
        rte_spinlock_unlock(&pmd->vq[q].rx_lock);
        rte_spinlock_unlock(&pmd->vq[q].tx_lock);
    }
}

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
 * channel fds closed, memory unmapped; also undoes a hand-off in
 * progress.  Waits for running bursts. */
static void
xovs_detach(struct xovs_pmd *pmd)
{
    xovs_lock_all(pmd);
    bool was = pmd->attached;
    pmd->attached = false;
    __atomic_store_n(&pmd->n_vq, 0, __ATOMIC_RELAXED);
    xovs_unlock_all(pmd);
    /* No burst touches 'vif' from here on. */
    if (pmd->engaged) {
        vif_disconnect(&pmd->vif);
        vif_platform_release_domain(pmd->platform, pmd->domid);
        pmd->engaged = false;
    }
    pmd->stage_n_queues = pmd->next_qid = 0;
    if (was) {
        XLOG(INFO, "%s: detached\n", pmd->name);
    }
    xovs_set_link(pmd, false);
}

static void
xovs_close_fds(int *fds, size_t n_fds)
{
    for (size_t i = 0; i < n_fds; i++) {
        close(fds[i]);
    }
}

/* ATTACH: imports the guest's memory and waits for its queues.  Returns 0
 * or a positive errno with 'reason' set. */
static int
xovs_attach(struct xovs_pmd *pmd, const struct vif_handoff_msg *m, int *fds,
            size_t n_fds, char *reason, size_t size)
{
    int error = vif_handoff_check(m, n_fds, 0, 0, reason, size);
    if (!error && (m->domid != pmd->domid || m->devid != pmd->devid)) {
        snprintf(reason, size, "hand-off for domain %u device %u", m->domid,
                 m->devid);
        error = EINVAL;
    }
    if (error) {
        xovs_close_fds(fds, n_fds);
        return error;
    }
    xovs_detach(pmd);

    /* Grants are checked against the backend's domid, exactly as in the
     * netback: by platform-emu.c, or by Xen itself (platform-xen.c opens
     * gntdev and evtchn in this process). */
    bool xen = m->platform == VIF_HANDOFF_PLATFORM_XEN;
    vif_platform_close(pmd->platform);
    pmd->platform = NULL;
    error = vif_platform_open(xen ? &vif_platform_xen : &vif_platform_emu,
                              m->backend_domid, &pmd->platform);
    if (error) {
        xovs_close_fds(fds, n_fds);
        snprintf(reason, size, "cannot open the %s platform%s",
                 xen ? "xen" : "emu", xen ? " (/dev/xen/gntdev, evtchn)" : "");
        return error;
    }
    error = (xen ? 0
                 : vif_platform_import_domain(pmd->platform, m->domid, fds[0],
                                              m->n_grants, m->n_pages));
    if (error) {
        vif_platform_release_domain(pmd->platform, m->domid);
        snprintf(reason, size, "guest memory refused (%u grants, %u pages)",
                 m->n_grants, m->n_pages);
        return error;
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
    /* The PMD polls the rings: the guest need not notify (each notification
     * is a system call in the guest, and the driver never reads them). */
    pmd->vif.polled = true;
    pmd->engaged = true;
    pmd->stage_n_queues = m->n_queues;
    pmd->stage_platform = m->platform;
    pmd->next_qid = 0;
    return 0;
}

/* QUEUE: maps one queue's rings and claims its event channels; after the
 * last one every queue runs.  Returns 0 or a positive errno with 'reason'
 * set (the caller then undoes the whole hand-off). */
static int
xovs_queue(struct xovs_pmd *pmd, const struct vif_handoff_msg *m, int *fds,
           size_t n_fds, char *reason, size_t size)
{
    int error = vif_handoff_check(m, n_fds, pmd->next_qid, pmd->stage_n_queues,
                                  reason, size);
    if (!error
        && (m->domid != pmd->domid || m->devid != pmd->devid
            || m->platform != pmd->stage_platform)) {
        snprintf(reason, size, "queue %u for another VIF or platform", m->qid);
        error = EINVAL;
    }
    if (error) {
        xovs_close_fds(fds, n_fds);
        return error;
    }

    /* emu: the channels' eventfds came along, and bind() below claims
     * them; xen: bind() binds the guest's ports itself (the netback has
     * let go of them). */
    bool split = m->tx_evtchn != m->rx_evtchn;
    bool xen = pmd->stage_platform == VIF_HANDOFF_PLATFORM_XEN;
    error = xen ? 0
                : vif_platform_import_port(pmd->platform, m->domid,
                                           m->tx_evtchn, fds[0], fds[1]);
    if (split && !xen) {
        int e2 = vif_platform_import_port(pmd->platform, m->domid,
                                          m->rx_evtchn, fds[2], fds[3]);
        error = error ? error : e2;
    }
    if (error) {
        snprintf(reason, size, "queue %u: event channels refused", m->qid);
        return error;
    }
    struct vif_queue_config cfg = {
        .tx_ref = m->tx_ref,
        .rx_ref = m->rx_ref,
        .tx_evtchn = m->tx_evtchn,
        .rx_evtchn = m->rx_evtchn,
    };
    error = vif_queue_connect(&pmd->vif, m->qid, &cfg);
    if (error) {
        snprintf(reason, size,
                 "queue %u: rings refused (tx ref %u, rx ref %u, event "
                 "channels %u/%u)",
                 m->qid, m->tx_ref, m->rx_ref, m->tx_evtchn, m->rx_evtchn);
        return error;
    }
    XLOG(INFO, "%s: queue %u: tx ring %u, rx ring %u\n", pmd->name, m->qid,
         m->tx_ref, m->rx_ref);
    if (++pmd->next_qid < pmd->stage_n_queues) {
        return 0;
    }

    xovs_lock_all(pmd);
    pmd->reported = false;
    pmd->attached = true;
    __atomic_store_n(&pmd->n_vq, pmd->stage_n_queues, __ATOMIC_RELAXED);
    xovs_unlock_all(pmd);
    pmd->stage_n_queues = 0;
    xovs_set_link(pmd, true);
    XLOG(INFO, "%s: attached: %u queue(s) on %u rx queue(s)\n", pmd->name,
         pmd->n_vq, pmd->n_rxq);
    return 0;
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
    reply.version = VIF_HANDOFF_VERSION;
    reply.domid = pmd->domid;
    reply.devid = pmd->devid;
    if (m.type == VIF_HANDOFF_ATTACH) {
        reply.error = xovs_attach(pmd, &m, fds, n_fds, reply.reason,
                                  sizeof reply.reason);
    } else if (m.type == VIF_HANDOFF_QUEUE) {
        reply.error = xovs_queue(pmd, &m, fds, n_fds, reply.reason,
                                 sizeof reply.reason);
    } else if (m.type == VIF_HANDOFF_DETACH) {
        xovs_close_fds(fds, n_fds);
        xovs_detach(pmd);
    } else {
        xovs_close_fds(fds, n_fds);
        snprintf(reply.reason, sizeof reply.reason,
                 "unexpected message type %u", m.type);
        reply.error = EPROTO;
    }
    if (reply.error) {
        /* Nothing half-done stays: the netback starts over, or gives up
         * on the VIF. */
        xovs_detach(pmd);
        XLOG(WARNING, "%s: hand-off refused: %s (%s)\n", pmd->name,
             reply.reason, strerror(reply.error));
    }
    return !vif_handoff_send(pmd->conn_fd, &reply, NULL, 0);
}

/* Logs and tells the netback, once, that the data path disabled the VIF
 * (a protocol violation), so that it disables it too and takes it down
 * from its control path.  Returns false if the connection failed. */
static bool
xovs_tell_disabled(struct xovs_pmd *pmd)
{
    struct vif_handoff_msg m;

    memset(&m, 0, sizeof m);
    xovs_lock_all(pmd);
    bool tell = pmd->attached && pmd->vif.disabled && !pmd->reported;
    if (tell) {
        pmd->reported = true;
        snprintf(m.reason, sizeof m.reason, "%s",
                 pmd->vif.disable_reason ? pmd->vif.disable_reason : "?");
    }
    xovs_unlock_all(pmd);
    if (!tell) {
        return true;
    }
    XLOG(ERR, "%s: VIF disabled: %s\n", pmd->vif.name, m.reason);
    m.type = VIF_HANDOFF_DISABLED;
    m.version = VIF_HANDOFF_VERSION;
    m.domid = pmd->domid;
    m.devid = pmd->devid;
    return pmd->conn_fd < 0 || !vif_handoff_send(pmd->conn_fd, &m, NULL, 0);
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

/* OVS reconfigures a port with its PMD threads quiesced: no burst runs
 * while 'n_rxq' changes. */
static int
xovs_dev_configure(struct rte_eth_dev *dev)
{
    struct xovs_pmd *pmd = dev->data->dev_private;

    pmd->n_rxq = dev->data->nb_rx_queues;
    return 0;
}

static void
xovs_queue_states(struct rte_eth_dev *dev, uint8_t state)
{
    for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) {
        dev->data->rx_queue_state[i] = state;
    }
    for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
        dev->data->tx_queue_state[i] = state;
    }
}

static int
xovs_dev_start(struct rte_eth_dev *dev)
{
    dev->data->dev_started = 1;
    xovs_queue_states(dev, RTE_ETH_QUEUE_STATE_STARTED);
    return 0;
}

static int
xovs_dev_stop(struct rte_eth_dev *dev)
{
    dev->data->dev_started = 0;
    xovs_queue_states(dev, RTE_ETH_QUEUE_STATE_STOPPED);
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
    /* A VIF has up to VIF_HANDOFF_MAX_QUEUES queues; OVS's n_rxq says how
     * many rx queues poll them (xovs_rxq). */
    info->max_rx_queues = VIF_HANDOFF_MAX_QUEUES;
    info->max_tx_queues = VIF_HANDOFF_MAX_QUEUES;
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

    if (qid >= VIF_HANDOFF_MAX_QUEUES) {
        return -EINVAL;
    }
    pmd->rxq[qid].mp = mp;
    dev->data->rx_queues[qid] = &pmd->rxq[qid];
    return 0;
}

static int
xovs_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
                    uint16_t nb_desc OVS_UNUSED,
                    unsigned int socket OVS_UNUSED,
                    const struct rte_eth_txconf *conf OVS_UNUSED)
{
    struct xovs_pmd *pmd = dev->data->dev_private;

    if (qid >= VIF_HANDOFF_MAX_QUEUES) {
        return -EINVAL;
    }
    dev->data->tx_queues[qid] = &pmd->txq[qid];
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

    /* Per queue too: DPDK's rx_qN_packets... xstats, which OVS shows in
     * the interface's statistics. */
    for (size_t i = 0; i < VIF_HANDOFF_MAX_QUEUES; i++) {
        const struct xovs_rxq *r = &pmd->rxq[i];
        const struct xovs_txq *t = &pmd->txq[i];

        st->ipackets += r->ipackets;
        st->ibytes += r->ibytes;
        st->imissed += r->imissed;
        st->opackets += t->opackets;
        st->obytes += t->obytes;
        st->oerrors += t->oerrors;
        if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
            st->q_ipackets[i] = r->ipackets;
            st->q_ibytes[i] = r->ibytes;
            st->q_opackets[i] = t->opackets;
            st->q_obytes[i] = t->obytes;
        }
    }
    return 0;
}

static int
xovs_stats_reset(struct rte_eth_dev *dev)
{
    struct xovs_pmd *pmd = dev->data->dev_private;

    for (size_t i = 0; i < VIF_HANDOFF_MAX_QUEUES; i++) {
        struct xovs_rxq *r = &pmd->rxq[i];
        struct xovs_txq *t = &pmd->txq[i];

        r->ipackets = r->ibytes = r->imissed = 0;
        t->opackets = t->obytes = t->oerrors = 0;
    }
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
    for (uint16_t i = 0; i < VIF_HANDOFF_MAX_QUEUES; i++) {
        rte_spinlock_init(&pmd->vq[i].tx_lock);
        rte_spinlock_init(&pmd->vq[i].rx_lock);
        pmd->rxq[i].pmd = pmd;
        pmd->rxq[i].qid = i;
        pmd->txq[i].pmd = pmd;
        pmd->txq[i].qid = i;
    }

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
