/* vif-backend/interface.c: a VIF's rings and event channels, and the work
 * loop that drives its data path (Linux netback's interface.c).
 *
 * Events: every bound port stays masked after it fired until its queue has
 * been handled (late EOI, XSA-332).  An event that found no work is counted
 * as spurious; after 16 in a row the unmask is deferred, doubling from 1 ms
 * up to 1 s, so a guest hammering its channel costs bounded CPU and other
 * VIFs are not starved.
 *
 * Teardown: the data path only marks a VIF disabled (vif_fatal, XSA-90);
 * vif_run() notices and unmaps its rings from here, outside any ring walk.
 * The xenbus state does not change (as in Linux): the guest reconnects by
 * going through Closing/Initialising, which clears the mark. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_interface);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define SPURIOUS_GRACE 16 /* spurious events in a row before backing off */
#define SPURIOUS_MAX_DELAY_MS 1000

void
vif_stats_add(struct vif_stats *a, const struct vif_stats *b)
{
#define VIF_STAT(NAME, DESC) a->NAME += b->NAME;
    VIF_STATS
#undef VIF_STAT
}

char *
vif_stats_format(const struct vif_stats *s)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
#define VIF_STAT(NAME, DESC)                                                  \
    ds_put_format(&ds, "%s" #NAME "=%" PRIu64, ds.length ? "," : "", s->NAME);
    VIF_STATS
#undef VIF_STAT
    return ds_steal_cstr(&ds);
}

void
vif_get_stats(const struct vif *vif, struct vif_stats *s)
{
    *s = vif->dead_stats;
    for (size_t i = 0; i < vif->n_queues; i++) {
        vif_stats_add(s, &vif->queues[i].stats);
    }
}

void
vif_format_queues(const struct vif *vif, struct ds *out)
{
    for (size_t i = 0; i < vif->n_queues; i++) {
        const struct vif_queue *q = &vif->queues[i];
        const struct vif_stats *s = &q->stats;

        ds_put_format(out,
                      "  queue %u: tx_packets=%" PRIu64 " tx_bytes=%" PRIu64
                      " rx_packets=%" PRIu64 " rx_bytes=%" PRIu64
                      " tx_rate_limited=%" PRIu64
                      " rx_drop_queue_full=%" PRIu64 " rx_queued=%" PRIuSIZE
                      "\n",
                      q->id, s->tx_packets, s->tx_bytes, s->rx_packets,
                      s->rx_bytes, s->tx_rate_limited, s->rx_drop_queue_full,
                      ovs_list_size(&q->rx_queue));
    }
}

void
vif_init(struct vif *vif, struct vif_platform *platform,
         const struct vif_port_class *port_class, uint16_t domid,
         uint16_t devid)
{
    memset(vif, 0, sizeof *vif);
    vif->domid = domid;
    vif->devid = devid;
    snprintf(vif->name, sizeof vif->name, "vif%u.%u", domid, devid);
    vif->platform = platform;
    vif->port_class = port_class;
    vif_hash_reset(&vif->hash);
    vif->log_rl = (struct vlog_rate_limit)VLOG_RATE_LIMIT_INIT(VIF_LOG_RATE,
                                                               VIF_LOG_BURST);
    /* Tokens per ms; a re-evaluation costs 1000. */
    token_bucket_init(&vif->fe_budget, VIF_FE_UPDATE_RATE,
                      VIF_FE_UPDATE_BURST * 1000);
    for (size_t i = 0; i < VIF_MAX_QUEUES; i++) {
        ovs_list_init(&vif->queues[i].rx_queue);
    }
    vif->handoff_fd = -1;
    vif->dp_fd = -1;
    ds_init(&vif->dp_reply);
}

unsigned int
vif_offloads(const struct vif *vif)
{
    const struct vif_features *f = &vif->features;
    unsigned int offloads = 0;

    if (f->ip_csum) {
        offloads |= VIF_PORT_OFF_CSUM;
        if (f->sg && f->gso4) {
            offloads |= VIF_PORT_OFF_TSO4;
        }
        if (f->sg && f->gso6 && f->ipv6_csum) {
            offloads |= VIF_PORT_OFF_TSO6;
        }
    }
    return offloads;
}

/* Maps one ring page and checks its indices (XSA-39).  Returns the shared
 * ring and its response producer, or NULL. */
static void *
map_ring(struct vif *vif, const char *what, uint32_t ref, size_t ring_size,
         struct vif_mapping **map, RING_IDX *rsp_prod)
{
    void *addr;
    int error = vif_platform_map(vif->platform, vif->domid, &ref, 1, false,
                                 &addr, map);
    if (error) {
        VIF_GLOG(VLL_WARN, vif, "cannot map %s ring (ref %" PRIu32 "): %s",
                 what, ref, ovs_strerror(error));
        return NULL;
    }
    /* Both ring kinds start with req_prod, req_event, rsp_prod. */
    volatile RING_IDX *idx = addr;
    RING_IDX req_prod = idx[0];
    *rsp_prod = idx[2];
    if (req_prod - *rsp_prod > ring_size) {
        VIF_GLOG(VLL_WARN, vif,
                 "refusing %s ring: req_prod %u is more than a ring "
                 "ahead of rsp_prod %u",
                 what, req_prod, *rsp_prod);
        vif_platform_unmap(vif->platform, *map);
        *map = NULL;
        return NULL;
    }
    return addr;
}

static void
queue_release(struct vif *vif, struct vif_queue *q)
{
    if (q->tx_evtchn_bound) {
        vif_platform_unbind(vif->platform, q->tx_evtchn);
    }
    if (q->rx_evtchn_bound) {
        vif_platform_unbind(vif->platform, q->rx_evtchn);
    }
    vif_platform_unmap(vif->platform, q->tx_map);
    vif_platform_unmap(vif->platform, q->rx_map);
    vif_rx_purge(q);
    free(q->tx_buf);
    vif_stats_add(&vif->dead_stats, &q->stats);
    memset(q, 0, sizeof *q);
    ovs_list_init(&q->rx_queue);
}

int
vif_queue_connect(struct vif *vif, size_t i,
                  const struct vif_queue_config *cfg)
{
    struct vif_queue *q = &vif->queues[i];
    RING_IDX rsp_prod;
    int error;

    ovs_assert(i == vif->n_queues && i < VIF_MAX_QUEUES);
    memset(q, 0, sizeof *q);
    ovs_list_init(&q->rx_queue);
    q->vif = vif;
    q->id = i;
    q->tx_ref = cfg->tx_ref;
    q->rx_ref = cfg->rx_ref;
    q->tx_remote = cfg->tx_evtchn;
    q->rx_remote = cfg->rx_evtchn;

    struct netif_tx_sring *txs = map_ring(
        vif, "TX", cfg->tx_ref, VIF_TX_RING_SIZE, &q->tx_map, &rsp_prod);
    if (!txs) {
        error = EIO;
        goto fail;
    }
    BACK_RING_ATTACH(&q->tx, txs, rsp_prod, VIF_PAGE_SIZE);

    struct netif_rx_sring *rxs = map_ring(
        vif, "RX", cfg->rx_ref, VIF_RX_RING_SIZE, &q->rx_map, &rsp_prod);
    if (!rxs) {
        error = EIO;
        goto fail;
    }
    BACK_RING_ATTACH(&q->rx, rxs, rsp_prod, VIF_PAGE_SIZE);
    q->rx_seen = rsp_prod;

    error = vif_platform_bind(vif->platform, vif->domid, cfg->tx_evtchn,
                              &q->tx_evtchn);
    if (error) {
        VIF_GLOG(VLL_WARN, vif, "cannot bind event channel %" PRIu32 ": %s",
                 cfg->tx_evtchn, ovs_strerror(error));
        goto fail;
    }
    q->tx_evtchn_bound = true;
    if (cfg->rx_evtchn != cfg->tx_evtchn) {
        error = vif_platform_bind(vif->platform, vif->domid, cfg->rx_evtchn,
                                  &q->rx_evtchn);
        if (error) {
            VIF_GLOG(VLL_WARN, vif,
                     "cannot bind event channel %" PRIu32 ": %s",
                     cfg->rx_evtchn, ovs_strerror(error));
            goto fail;
        }
        q->rx_evtchn_bound = true;
    } else {
        q->rx_evtchn = q->tx_evtchn;
    }

    q->tx_buf = xmalloc(VIF_TX_BATCH_BYTES + VIF_PORT_MAX_FRAME);
    q->last_rx_time = time_msec();
    q->connected = true;
    q->tx_event = q->rx_event = true; /* look at the rings once */
    vif->n_queues = i + 1;
    return 0;

fail:
    queue_release(vif, q);
    return error;
}

int
vif_ctrl_connect(struct vif *vif, uint32_t ref, uint32_t evtchn)
{
    RING_IDX rsp_prod;

    struct xen_netif_ctrl_sring *s = map_ring(
        vif, "control", ref, __CONST_RING_SIZE(xen_netif_ctrl, VIF_PAGE_SIZE),
        &vif->ctrl_map, &rsp_prod);
    if (!s) {
        return EIO;
    }
    BACK_RING_ATTACH(&vif->ctrl, s, rsp_prod, VIF_PAGE_SIZE);
    int error = vif_platform_bind(vif->platform, vif->domid, evtchn,
                                  &vif->ctrl_evtchn);
    if (error) {
        VIF_GLOG(VLL_WARN, vif,
                 "cannot bind control event channel %" PRIu32 ": %s", evtchn,
                 ovs_strerror(error));
        vif_platform_unmap(vif->platform, vif->ctrl_map);
        vif->ctrl_map = NULL;
        return error;
    }
    vif->ctrl_connected = true;
    vif->ctrl_event = true;
    return 0;
}

void
vif_disconnect(struct vif *vif)
{
    vif_handoff_detach(vif); /* the driver lets go of the rings first */
    for (size_t i = 0; i < vif->n_queues; i++) {
        queue_release(vif, &vif->queues[i]);
    }
    vif->n_queues = 0;
    if (vif->ctrl_connected) {
        vif_platform_unbind(vif->platform, vif->ctrl_evtchn);
        vif_platform_unmap(vif->platform, vif->ctrl_map);
        vif->ctrl_map = NULL;
        vif->ctrl_connected = false;
        vif->ctrl_event = vif->ctrl_masked = false;
    }
    vif_hash_reset(&vif->hash);
    vif->n_mcast = 0;
    if (vif->port) {
        vif_port_set_carrier(vif->port, false);
        vif_port_set_n_queues(vif->port, 1);
    }
}

bool
vif_handle_event(struct vif *vif, uint32_t port)
{
    bool mine = false;

    for (size_t i = 0; i < vif->n_queues; i++) {
        struct vif_queue *q = &vif->queues[i];
        if (q->tx_evtchn == port) {
            q->tx_event = q->tx_masked = true;
            mine = true;
        }
        if (q->rx_evtchn == port && q->rx_evtchn_bound) {
            q->rx_event = q->rx_masked = true;
            mine = true;
        } else if (q->rx_evtchn == port) {
            q->rx_event = true;
        }
    }
    if (vif->ctrl_connected && vif->ctrl_evtchn == port) {
        vif->ctrl_event = vif->ctrl_masked = true;
        mine = true;
    }
    return mine;
}

static void
queue_unmask(struct vif *vif, struct vif_queue *q)
{
    if (q->tx_masked) {
        vif_platform_unmask(vif->platform, q->tx_evtchn);
        q->tx_masked = false;
    }
    if (q->rx_masked) {
        vif_platform_unmask(vif->platform, q->rx_evtchn);
        q->rx_masked = false;
    }
    q->unmask_at = 0;
}

static void
update_carrier(struct vif *vif)
{
    bool up = vif->n_queues > 0 && !vif->disabled;

    for (size_t i = 0; i < vif->n_queues; i++) {
        up = up && !vif->queues[i].stalled;
    }
    if (vif->port && up != vif->carrier) {
        vif_port_set_carrier(vif->port, up);
    }
    vif->carrier = up;
}

void
vif_run(struct vif *vif)
{
    if (vif->disabled) {
        if (vif->n_queues || vif->ctrl_connected) {
            vif_disconnect(vif);
            vif->carrier = false;
        }
        return;
    }

    long long now = time_msec();
    vif_rate_sync(vif, time_usec()); /* vif_wait() looks at its wake time */
    if (vif->ctrl_event) {
        vif->ctrl_event = false;
        vif_ctrl_action(vif);
        if (vif->ctrl_masked && !vif->disabled) {
            vif_platform_unmask(vif->platform, vif->ctrl_evtchn);
            vif->ctrl_masked = false;
        }
    }

    /* The queue served first changes every run: whoever goes first gets
     * its frames to the switch before the others, and when the switch is
     * overloaded the others' frames are the ones dropped.  A fixed order
     * let queue 0's flows starve the rest (TCP, 64 flows over 4 queues:
     * 100 times the throughput). */
    if (vif->dpdk) {
        /* The rings run in the net_xovs driver (handoff.c). */
        vif_handoff_run(vif);
        update_carrier(vif);
        return;
    }
    vif->rr = vif->n_queues ? (vif->rr + 1) % vif->n_queues : 0;
    vif_rx_port_run(vif);
    for (size_t k = 0; k < vif->n_queues && !vif->disabled; k++) {
        struct vif_queue *q = &vif->queues[(vif->rr + k) % vif->n_queues];
        bool fired = q->tx_masked || q->rx_masked;
        bool work = false;

        if (q->tx_event || vif_tx_pending(q)) {
            work |= vif_tx_action(q);
        }
        work |= vif_rx_action(q);
        q->tx_event = q->rx_event = false;
        vif_rx_check_timers(q, now);
        if (vif->disabled) {
            break;
        }

        if (fired && !q->unmask_at) {
            if (work) {
                q->n_spurious = 0;
            } else {
                q->n_spurious++;
                q->stats.spurious_events++;
            }
            if (q->n_spurious > SPURIOUS_GRACE) {
                unsigned int shift = MIN(q->n_spurious - SPURIOUS_GRACE, 10);
                q->unmask_at = now + MIN(1LL << shift, SPURIOUS_MAX_DELAY_MS);
                VIF_LOG(VLL_DBG, &rl, vif,
                        "queue %u: %u spurious events in "
                        "a row; backing off",
                        q->id, q->n_spurious);
            } else {
                queue_unmask(vif, q);
            }
        } else if (q->unmask_at && now >= q->unmask_at) {
            queue_unmask(vif, q);
        }
    }
    if (vif->disabled) {
        return; /* torn down next time round, from the top */
    }
    update_carrier(vif);
}

void
vif_wait(struct vif *vif)
{
    if (vif->disabled) {
        if (vif->n_queues || vif->ctrl_connected) {
            poll_immediate_wake();
        }
        return;
    }
    if (vif->ctrl_event) {
        poll_immediate_wake();
    }
    if (vif->dpdk) {
        vif_handoff_wait(vif);
        return;
    }
    for (size_t i = 0; i < vif->n_queues; i++) {
        struct vif_queue *q = &vif->queues[i];

        if (vif->port && q->rx_queue_bytes < VIF_RX_QUEUE_BYTES) {
            vif_port_recv_wait(vif->port, i);
        }
        if (q->tx_event || q->rx_event) {
            poll_immediate_wake();
        }
        if (vif_tx_pending(q)) {
            if (vif->credit.wake_usec) {
                poll_timer_wait_until(vif->credit.wake_usec / 1000 + 1);
            } else {
                poll_immediate_wake();
            }
        }
        if (q->unmask_at) {
            poll_timer_wait_until(q->unmask_at);
        }
        if (!ovs_list_is_empty(&q->rx_queue)) {
            const struct vif_rx_pkt *head = CONTAINER_OF(
                ovs_list_front(&q->rx_queue), struct vif_rx_pkt, node);
            RING_IDX prod = *(volatile RING_IDX *)&q->rx.sring->req_prod;
            if (prod - q->rx.req_cons >= vif_rx_slots_needed(q, head)) {
                poll_immediate_wake();
            } else if (!vif->features.rx_notify) {
                poll_timer_wait(1);
            } else {
                poll_timer_wait_until(head->enqueued + VIF_RX_DRAIN_MS);
                poll_timer_wait_until(q->last_rx_time + VIF_RX_STALL_MS);
            }
        }
    }
}
