/* vif-backend/tx.c: guest -> switch.
 *
 * The TX ring parser follows Linux netback (netback.c:
 * xenvif_tx_build_gops, xenvif_count_requests, xenvif_get_extras), with
 * every request copied out of shared memory once (RING_COPY_REQUEST) and
 * only the copy used.  A packet is
 *
 *   first request [NETTXF_extra_info] -> extra, extra, ... (FLAG_MORE)
 *                 [NETTXF_more_data]  -> slot, slot, ...   (more_data)
 *
 * where first.size is the whole frame's length and each slot holds part of
 * it.  Outcomes, as Linux netback and NETBACK-HARDENING.md ask:
 *
 *   more than 18 slots, a slot larger than the bytes left
 *                                   drop: error responses, counted
 *   first slot shorter than 14 bytes
 *                                   drop: error responses, counted
 *   20 or more slots, a chain past req_prod, offset + size > 4096,
 *   missing extra, extra type 0 or unknown, GSO size 0 or unknown type,
 *   req_prod more than a ring ahead
 *                                   vif_fatal(): the VIF is disabled
 *   grant copy failure (bad ref, other domain, ...)
 *                                   error responses, counted
 *
 * Data is grant-copied (platform->copy) in batches, each frame into one
 * contiguous buffer, so headers split over slots arrive contiguous
 * (XSA-423/432) and empty slots simply add no copy segment (XSA-448).  Each
 * frame then goes to a sink with a virtio_net_hdr describing its checksum
 * and GSO state: vif_tx_action()'s sink is the port (buffers in the queue's
 * tx_buf); the DPDK driver's (vif-backend/dpdk/) hands out OVS's own mbufs,
 * so a frame is copied once, from the guest straight into the switch's
 * buffer. */
#include <config.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "timeval.h"
#include "util.h"
#include "vif-backend/pkt.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_tx);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* One parsed packet of a batch. */
struct tx_pkt {
    struct netif_tx_request first; /* size: the first slot's own length */
    struct netif_tx_request frags[VIF_TX_SLOTS_MAX - 1]; /* further slots */
    size_t n_frags;              /* first member zeroed by tx_parse_packet() */
    size_t n_extra;              /* extra-info slots to answer NULL */
    struct netif_extra_info gso; /* type 0 if none */
    size_t size;                 /* the whole frame's length */
    uint8_t *buf;                /* where it lands (the sink's), or NULL */
    void *handle;                /* the sink's handle for 'buf' */
    size_t seg0, n_segs;         /* its copy segments */
};

#define TX_MAX_SEGS (VIF_TX_BUDGET * VIF_TX_SLOTS_MAX)

static void
tx_response(struct vif_queue *q, uint16_t id, int16_t status)
{
    struct netif_tx_response rsp;

    memset(&rsp, 0, sizeof rsp);
    rsp.id = id;
    rsp.status = status;
    memcpy(RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt), &rsp, sizeof rsp);
    q->tx.rsp_prod_pvt++;
}

/* Answers 'first', its 'n_extra' extras and the further slots 'frags'. */
static void
tx_respond_all(struct vif_queue *q, const struct netif_tx_request *first,
               size_t n_extra, const struct netif_tx_request *frags,
               size_t n_frags, int16_t status)
{
    tx_response(q, first->id, status);
    for (size_t i = 0; i < n_extra; i++) {
        tx_response(q, 0, NETIF_RSP_NULL);
    }
    for (size_t i = 0; i < n_frags; i++) {
        tx_response(q, frags[i].id, status);
    }
}

static void
tx_push(struct vif_queue *q)
{
    int notify;

    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, notify);
    if (notify) {
        vif_platform_notify(q->vif->platform, q->tx_evtchn);
    }
}

static RING_IDX
tx_req_prod(const struct vif_queue *q)
{
    RING_IDX prod = *(volatile RING_IDX *)&q->tx.sring->req_prod;
    xen_rmb();
    return prod;
}

bool
vif_tx_pending(const struct vif_queue *q)
{
    return q->connected && tx_req_prod(q) != q->tx.req_cons;
}

enum tx_parse {
    TX_PACKET, /* 'pkt' holds a packet to copy */
    TX_DONE,   /* answered already (dropped, multicast) */
    TX_STOP,   /* no more work now (empty ring, no credit, disabled) */
};

/* Reads the extras after the first request into 'extras'. */
static bool
tx_get_extras(struct vif_queue *q, RING_IDX *work,
              struct netif_extra_info extras[XEN_NETIF_EXTRA_TYPE_MAX - 1],
              size_t *n_extra)
{
    struct netif_extra_info extra;

    do {
        if (!*work) {
            vif_fatal(q->vif, "missing extra info");
            return false;
        }
        struct netif_tx_request raw;
        RING_COPY_REQUEST(&q->tx, q->tx.req_cons, &raw);
        BUILD_ASSERT_DECL(sizeof extra <= sizeof raw);
        memcpy(&extra, &raw, sizeof extra);
        q->tx.req_cons++;
        (*work)--;
        (*n_extra)++;
        if (!extra.type || extra.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
            vif_fatal(q->vif, "invalid extra info type %u", extra.type);
            return false;
        }
        extras[extra.type - 1] = extra;
    } while (extra.flags & XEN_NETIF_EXTRA_FLAG_MORE);
    return true;
}

/* The net_xovs driver runs a VIF's queues in several threads: these read
 * 'n_mcast' once and write it once, so a race between two queues can lose
 * an update of the guest's own list but never index past it. */
static bool
tx_mcast_add(struct vif *vif, const uint8_t addr[6])
{
    size_t n = MIN(vif->n_mcast, VIF_MCAST_MAX);

    for (size_t i = 0; i < n; i++) {
        if (!memcmp(vif->mcast[i], addr, 6)) {
            return true;
        }
    }
    if (n >= VIF_MCAST_MAX || !(addr[0] & 1)) {
        return false;
    }
    memcpy(vif->mcast[n], addr, 6);
    vif->n_mcast = n + 1;
    return true;
}

static void
tx_mcast_del(struct vif *vif, const uint8_t addr[6])
{
    size_t n = MIN(vif->n_mcast, VIF_MCAST_MAX);

    for (size_t i = 0; i < n; i++) {
        if (!memcmp(vif->mcast[i], addr, 6)) {
            memmove(vif->mcast[i], vif->mcast[i + 1], (n - i - 1) * 6);
            vif->n_mcast = n - 1;
            return;
        }
    }
}

/* Parses the next packet on the ring into 'pkt'; 'now_usec' is the
 * burst's time (time_usec(), read once per burst) for the credit, or -1
 * when the VIF has no rate limit. */
static enum tx_parse
tx_parse_packet(struct vif_queue *q, struct tx_pkt *pkt, long long now_usec)
{
    struct vif *vif = q->vif;
    RING_IDX prod = tx_req_prod(q);

    if (vif->disabled) {
        return TX_STOP;
    }
    if (prod - q->tx.req_cons > VIF_TX_RING_SIZE
        || prod - q->tx.rsp_prod_pvt > VIF_TX_RING_SIZE) {
        vif_fatal(vif,
                  "impossible number of TX requests: req_prod %u, "
                  "req_cons %u, rsp_prod %u",
                  prod, q->tx.req_cons, q->tx.rsp_prod_pvt);
        return TX_STOP;
    }
    if (prod == q->tx.req_cons) {
        int more;

        if (vif->polled) {
            return TX_STOP; /* polled again soon: no event wanted */
        }
        RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
        if (!more) {
            return TX_STOP;
        }
        return TX_DONE; /* come back for the new requests */
    }

    RING_IDX work = prod - q->tx.req_cons;
    /* Everything but 'frags' (of which only the first 'n_frags', copied
     * below, are ever read): zeroing the whole array cost more than the
     * rest of the parse. */
    memset(&pkt->n_frags, 0, sizeof *pkt - offsetof(struct tx_pkt, n_frags));
    RING_COPY_REQUEST(&q->tx, q->tx.req_cons, &pkt->first);
    if (now_usec >= 0 && !vif_rate_take(vif, pkt->first.size, now_usec)) {
        q->stats.tx_rate_limited++;
        return TX_STOP;
    }
    q->tx.req_cons++;
    work--;

    struct netif_extra_info extras[XEN_NETIF_EXTRA_TYPE_MAX - 1];
    memset(extras, 0, sizeof extras);
    if (pkt->first.flags & NETTXF_extra_info
        && !tx_get_extras(q, &work, extras, &pkt->n_extra)) {
        return TX_STOP;
    }

    const struct netif_extra_info *add
        = &extras[XEN_NETIF_EXTRA_TYPE_MCAST_ADD - 1];
    const struct netif_extra_info *del
        = &extras[XEN_NETIF_EXTRA_TYPE_MCAST_DEL - 1];
    if (add->type || del->type) {
        int16_t status = NETIF_RSP_OKAY;
        if (add->type && !tx_mcast_add(vif, add->u.mcast.addr)) {
            q->stats.tx_mcast_error++;
            status = NETIF_RSP_ERROR;
        }
        if (del->type) {
            tx_mcast_del(vif, del->u.mcast.addr);
        }
        tx_respond_all(q, &pkt->first, pkt->n_extra, NULL, 0, status);
        return TX_DONE;
    }

    /* The chain of further slots.  'remaining' ends as the first slot's
     * own length. */
    struct netif_tx_request chain[VIF_TX_SLOTS_FATAL];
    size_t n_slots = 1; /* including the first */
    uint16_t remaining = pkt->first.size;
    uint64_t *drop = NULL;
    bool more = pkt->first.flags & NETTXF_more_data;

    while (more) {
        struct netif_tx_request txp;

        if (!work) {
            vif_fatal(vif,
                      "more_data chain of %" PRIuSIZE " slots runs "
                      "past the requests posted",
                      n_slots);
            return TX_STOP;
        }
        if (n_slots + 1 >= VIF_TX_SLOTS_FATAL) {
            vif_fatal(vif, "packet uses %d or more slots", VIF_TX_SLOTS_FATAL);
            return TX_STOP;
        }
        RING_COPY_REQUEST(&q->tx, q->tx.req_cons, &txp);
        q->tx.req_cons++;
        work--;
        if (txp.offset + txp.size > VIF_PAGE_SIZE) {
            vif_fatal(vif, "TX slot crosses a page: offset %u + size %u",
                      txp.offset, txp.size);
            return TX_STOP;
        }
        if (!drop && txp.size > remaining) {
            /* A frame of 64 KiB or more overflowed first.size; buggy
             * frontends do that: drop, do not disable. */
            drop = &q->stats.tx_drop_slot_size;
        }
        remaining -= MIN(remaining, txp.size);
        chain[n_slots - 1] = txp;
        n_slots++;
        more = txp.flags & NETTXF_more_data;
    }
    if (!drop && n_slots > VIF_TX_SLOTS_MAX) {
        drop = &q->stats.tx_drop_slots;
    }
    if (!drop && remaining < VIF_ETH_HLEN) {
        drop = &q->stats.tx_drop_short;
    }
    if (drop) {
        (*drop)++;
        VIF_LOG(VLL_DBG, &rl, vif,
                "TX packet of %u bytes in %" PRIuSIZE " slots dropped",
                pkt->first.size, n_slots);
        tx_respond_all(q, &pkt->first, pkt->n_extra, chain, n_slots - 1,
                       NETIF_RSP_ERROR);
        return TX_DONE;
    }
    if (pkt->first.offset + remaining > VIF_PAGE_SIZE) {
        vif_fatal(vif, "TX first slot crosses a page: offset %u + size %u",
                  pkt->first.offset, remaining);
        return TX_STOP;
    }

    const struct netif_extra_info *gso = &extras[XEN_NETIF_EXTRA_TYPE_GSO - 1];
    if (gso->type) {
        if (!gso->u.gso.size) {
            vif_fatal(vif, "GSO size must not be zero");
            return TX_STOP;
        }
        if (gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4
            && gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6) {
            vif_fatal(vif, "bad GSO type %u", gso->u.gso.type);
            return TX_STOP;
        }
        pkt->gso = *gso;
    }

    pkt->n_frags = n_slots - 1;
    if (pkt->n_frags) {
        memcpy(pkt->frags, chain, pkt->n_frags * sizeof *chain);
    }
    pkt->size = pkt->first.size;
    pkt->first.size = remaining;
    return TX_PACKET;
}

/* Appends copy segment for 'len' bytes of 'ref'/'offset' at 'dst'. */
static void
tx_add_seg(struct vif_queue *q, struct vif_copy_seg *segs, size_t *n_segs,
           uint32_t ref, uint16_t offset, uint16_t len, uint8_t *dst)
{
    if (len) {
        struct vif_copy_seg *seg = &segs[(*n_segs)++];
        memset(seg, 0, sizeof *seg);
        seg->to_guest = false;
        seg->domid = q->vif->domid;
        seg->ref = ref;
        seg->offset = offset;
        seg->len = len;
        seg->local = dst;
    }
}

static void
tx_submit(struct vif_queue *q, struct tx_pkt *pkt,
          const struct vif_copy_seg *segs, const struct vif_tx_sink *sink)
{
    struct vif *vif = q->vif;

    if (!pkt->buf) {
        /* The sink had no buffer: the guest's request was fine, the switch
         * could not take the frame. */
        tx_respond_all(q, &pkt->first, pkt->n_extra, pkt->frags, pkt->n_frags,
                       NETIF_RSP_OKAY);
        q->stats.tx_drop_port++;
        return;
    }
    for (size_t i = 0; i < pkt->n_segs; i++) {
        const struct vif_copy_seg *seg = &segs[pkt->seg0 + i];
        if (seg->status != VIF_GNTST_OKAY) {
            q->stats.tx_drop_copy++;
            VIF_LOG(VLL_WARN, &rl, vif,
                    "TX grant copy of ref %" PRIu32 " failed: status %d",
                    seg->ref, seg->status);
            tx_respond_all(q, &pkt->first, pkt->n_extra, pkt->frags,
                           pkt->n_frags, NETIF_RSP_ERROR);
            sink->drop(sink->aux, pkt->handle);
            return;
        }
    }
    tx_respond_all(q, &pkt->first, pkt->n_extra, pkt->frags, pkt->n_frags,
                   NETIF_RSP_OKAY);

    uint8_t *frame = pkt->buf;
    struct virtio_net_hdr vnet;
    if (!vif_tx_vnet_hdr(frame, pkt->size, pkt->first.flags,
                         pkt->gso.type ? &pkt->gso : NULL, &vnet)) {
        q->stats.tx_drop_headers++;
        VIF_LOG(VLL_DBG, &rl, vif,
                "TX frame's headers do not allow the "
                "checksum/GSO requested; dropped");
        sink->drop(sink->aux, pkt->handle);
        return;
    }
    if (vif->tx_sw_csum && vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
        vif_pkt_csum_complete(frame, pkt->size, &vnet);
    }
    int error = sink->put(sink->aux, pkt->handle, &vnet, frame, pkt->size);
    if (error) {
        q->stats.tx_drop_port++;
        if (error != EAGAIN) {
            VIF_LOG(VLL_WARN, &rl, vif, "port send failed: %s",
                    ovs_strerror(error));
        }
        return;
    }
    q->stats.tx_packets++;
    q->stats.tx_bytes += pkt->size;
    if (pkt->gso.type) {
        q->stats.tx_gso++;
    }
}

bool
vif_tx_run(struct vif_queue *q, const struct vif_tx_sink *sink,
           size_t max_pkts)
{
    /* Per thread: the DPDK driver runs queues of several VIFs in OVS's PMD
     * threads at once. */
    static __thread struct tx_pkt pkts[VIF_TX_BUDGET];
    static __thread struct vif_copy_seg segs[TX_MAX_SEGS];
    struct vif *vif = q->vif;
    size_t n_pkts = 0, n_segs = 0, used = 0;
    bool found = false;
    int budget = VIF_TX_BUDGET * 2;

    if (!q->connected) {
        return false;
    }
    max_pkts = MIN(max_pkts, VIF_TX_BUDGET);
    /* The clock and the credit only for a rate limit (without one the
     * credit always allows): a polled ring that is mostly empty would spend
     * most of its time reading the clock. */
    long long now_usec
        = (vif->rate_bytes || vif->credit.bytes ? time_usec() : -1);
    while (n_pkts < max_pkts && used <= VIF_TX_BATCH_BYTES && budget-- > 0) {
        struct tx_pkt *pkt = &pkts[n_pkts];
        RING_IDX cons = q->tx.req_cons;
        enum tx_parse r = tx_parse_packet(q, pkt, now_usec);

        if (q->tx.req_cons != cons) {
            found = true;
        }
        if (r == TX_STOP) {
            break;
        } else if (r == TX_DONE) {
            continue;
        }

        pkt->buf = sink->alloc(sink->aux, pkt->size, &pkt->handle);
        pkt->seg0 = n_segs;
        if (pkt->buf) {
            uint8_t *dst = pkt->buf;
            tx_add_seg(q, segs, &n_segs, pkt->first.gref, pkt->first.offset,
                       pkt->first.size, dst);
            dst += pkt->first.size;
            for (size_t i = 0; i < pkt->n_frags; i++) {
                const struct netif_tx_request *f = &pkt->frags[i];
                tx_add_seg(q, segs, &n_segs, f->gref, f->offset, f->size, dst);
                dst += f->size;
            }
        }
        pkt->n_segs = n_segs - pkt->seg0;
        used += pkt->size;
        n_pkts++;
    }

    if (n_segs) {
        vif_platform_copy(vif->platform, segs, n_segs); /* statuses say */
    }
    for (size_t i = 0; i < n_pkts; i++) {
        tx_submit(q, &pkts[i], segs, sink);
    }
    if (q->tx.rsp_prod_pvt != q->tx.sring->rsp_prod) {
        tx_push(q);
    }

    /* The loop may have ended on its budget just as it took the last
     * request, without the final check: ask for an event on the next
     * request now (Linux: xenvif_napi_schedule_or_enable_events()), or the
     * frontend, seeing a stale req_event, never notifies again and TX
     * stalls until something else wakes us. */
    if (!vif->disabled && !vif->polled && !vif_tx_pending(q)) {
        int more;
        RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
        (void)more; /* vif_wait() sees it through vif_tx_pending() */
    }
    return found;
}

/* vif_tx_action()'s sink: frames are built one after another in the
 * queue's tx_buf (VIF_TX_BATCH_BYTES + one frame) and sent to the port. */
struct tx_port_sink {
    struct vif_queue *q;
    size_t used; /* bytes of tx_buf handed out */
};

static void *
tx_port_alloc(void *aux, size_t size, void **handle)
{
    struct tx_port_sink *ps = aux;
    uint8_t *buf = &ps->q->tx_buf[ps->used];

    ps->used += size;
    *handle = NULL;
    return buf;
}

static int
tx_port_put(void *aux, void *handle OVS_UNUSED,
            const struct virtio_net_hdr *vnet, void *frame, size_t size)
{
    struct tx_port_sink *ps = aux;
    struct vif *vif = ps->q->vif;

    if (!vif->port) {
        return EAGAIN;
    }
    return vif_port_send(vif->port, ps->q->id, vnet, frame, size);
}

static void
tx_port_drop(void *aux OVS_UNUSED, void *handle OVS_UNUSED)
{
}

bool
vif_tx_action(struct vif_queue *q)
{
    struct tx_port_sink ps = {.q = q};
    const struct vif_tx_sink sink = {
        .alloc = tx_port_alloc,
        .put = tx_port_put,
        .drop = tx_port_drop,
        .aux = &ps,
    };

    return vif_tx_run(q, &sink, VIF_TX_BUDGET);
}

bool
vif_tx_vnet_hdr(uint8_t *frame, size_t size, uint16_t flags,
                const struct netif_extra_info *gso,
                struct virtio_net_hdr *vnet)
{
    memset(vnet, 0, sizeof *vnet);
    if (!gso && !(flags & NETTXF_csum_blank)) {
        if (flags & NETTXF_data_validated) {
            vnet->flags = VIRTIO_NET_HDR_F_DATA_VALID;
        }
        return true;
    }

    uint8_t gso_type = VIRTIO_NET_HDR_GSO_NONE;
    if (gso) {
        gso_type = (gso->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6
                        ? VIRTIO_NET_HDR_GSO_TCPV6
                        : VIRTIO_NET_HDR_GSO_TCPV4);
    }
    return vif_pkt_offload(frame, size, flags & NETTXF_csum_blank, gso_type,
                           gso ? gso->u.gso.size : 0, vnet);
}
