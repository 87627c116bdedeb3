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

/* One parsed packet of a batch: small, so a burst's array is cheap to
 * walk; the further slots of a packet of several live in tx_run()'s
 * 'frags'. */
struct tx_pkt {
    struct netif_tx_request first; /* size: the first slot's own length */
    bool one_slot;    /* no extras, no further slots (the common case):
                       * 'n_extra', 'n_frags' and 'frags' are not set */
    uint16_t n_extra; /* extra-info slots to answer NULL */
    uint16_t n_frags; /* further slots, in 'frags' */
    struct netif_extra_info gso; /* type 0 if none */
    uint32_t size;               /* the whole frame's length */
    uint32_t seg0;               /* its first copy segment */
    uint8_t *buf; /* where it lands (the sink's); NULL: no buffer, or
                   * dropped once answered */
    void *handle; /* the sink's handle for 'buf' */
    const struct netif_tx_request *frags; /* further slots */
};

#define TX_MAX_SEGS (VIF_TX_BUDGET * VIF_TX_SLOTS_MAX)

static inline void
tx_response(struct vif_queue *q, uint16_t id, int16_t status)
{
    /* Built whole (the struct has no padding) and stored once. */
    const struct netif_tx_response rsp = {.id = id, .status = status};

    *RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt) = rsp;
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

/* Reads req_prod and checks it against the ring (XSA-39): the guest may
 * have at most a ring of requests outstanding.  Returns false, the VIF
 * disabled, if it claims more. */
static bool
tx_read_prod(struct vif_queue *q, RING_IDX *prod)
{
    *prod = tx_req_prod(q);
    if (OVS_UNLIKELY(*prod - q->tx.req_cons > VIF_TX_RING_SIZE
                     || *prod - q->tx.rsp_prod_pvt > VIF_TX_RING_SIZE)) {
        vif_fatal(q->vif,
                  "impossible number of TX requests: req_prod %u, "
                  "req_cons %u, rsp_prod %u",
                  *prod, q->tx.req_cons, q->tx.rsp_prod_pvt);
        return false;
    }
    return true;
}

/* Drops the packet of 'n_slots' slots ('first', then 'chain') with
 * 'n_extra' extras: counts it in 'counter', answers every slot with an
 * error. */
static void
tx_drop(struct vif_queue *q, const struct netif_tx_request *first,
        size_t n_extra, const struct netif_tx_request *chain, size_t n_slots,
        uint64_t *counter)
{
    (*counter)++;
    VIF_LOG(VLL_DBG, &rl, q->vif,
            "TX packet of %u bytes in %" PRIuSIZE " slots dropped",
            first->size, n_slots);
    tx_respond_all(q, first, n_extra, chain, n_slots - 1, NETIF_RSP_ERROR);
}

/* Parses a packet whose first request, already taken into 'pkt', has
 * extras or further slots; 'work' requests are posted after it.  Its
 * further slots go to 'frags'. */
static enum tx_parse
tx_parse_slow(struct vif_queue *q, struct tx_pkt *pkt,
              struct netif_tx_request frags[VIF_TX_SLOTS_MAX - 1],
              RING_IDX work)
{
    struct vif *vif = q->vif;
    struct netif_extra_info extras[XEN_NETIF_EXTRA_TYPE_MAX - 1];
    size_t n_extra = 0;

    memset(extras, 0, sizeof extras);
    if (pkt->first.flags & NETTXF_extra_info
        && !tx_get_extras(q, &work, extras, &n_extra)) {
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
        tx_respond_all(q, &pkt->first, n_extra, NULL, 0, status);
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
        tx_drop(q, &pkt->first, n_extra, chain, n_slots, drop);
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

    pkt->n_extra = n_extra;
    pkt->n_frags = n_slots - 1;
    if (pkt->n_frags) {
        memcpy(frags, chain, pkt->n_frags * sizeof *chain);
    }
    pkt->frags = frags;
    pkt->size = pkt->first.size;
    pkt->first.size = remaining;
    return TX_PACKET;
}

/* Appends a copy segment for 'len' bytes of 'ref'/'offset' to 'dst'. */
static inline void
tx_add_seg(struct vif_copy_seg *seg, uint16_t domid, uint32_t ref,
           uint16_t offset, uint16_t len, uint8_t *dst)
{
    seg->to_guest = false;
    seg->domid = domid;
    seg->ref = ref;
    seg->offset = offset;
    seg->len = len;
    seg->local = dst;
}

/* Answers a packet that is not the common case (several slots, no buffer,
 * a failed copy: 'segs'[pkt->seg0] up to 'seg_end' are its segments);
 * leaves 'buf' NULL if the frame is not to be handed on. */
static void
tx_answer_slow(struct vif_queue *q, struct tx_pkt *pkt,
               const struct vif_copy_seg *segs, size_t seg_end,
               const struct vif_tx_sink *sink)
{
    int16_t status = NETIF_RSP_OKAY;

    if (!pkt->buf) {
        /* The sink had no buffer: the guest's request was fine, the switch
         * could not take the frame. */
        q->stats.tx_drop_port++;
    } else {
        for (size_t i = pkt->seg0; i < seg_end; i++) {
            const struct vif_copy_seg *seg = &segs[i];
            if (seg->status != VIF_GNTST_OKAY) {
                q->stats.tx_drop_copy++;
                VIF_LOG(VLL_WARN, &rl, q->vif,
                        "TX grant copy of ref %" PRIu32 " failed: status %d",
                        seg->ref, seg->status);
                if (sink) {
                    sink->drop(sink->aux, pkt->handle);
                }
                pkt->buf = NULL;
                status = NETIF_RSP_ERROR;
                break;
            }
        }
    }
    if (pkt->one_slot) {
        tx_response(q, pkt->first.id, status);
    } else {
        tx_respond_all(q, &pkt->first, pkt->n_extra, pkt->frags, pkt->n_frags,
                       status);
    }
}

/* tx_deliver()'s header for a frame with a partial checksum or GSO.
 * Returns false (the frame dropped, counted) if its headers cannot carry
 * them. */
static bool
tx_vnet_slow(struct vif_queue *q, struct tx_pkt *pkt,
             const struct vif_tx_sink *sink, struct virtio_net_hdr *vnet)
{
    struct vif *vif = q->vif;

    if (!vif_tx_vnet_hdr(pkt->buf, pkt->size, pkt->first.flags,
                         pkt->gso.type ? &pkt->gso : NULL, vnet)) {
        q->stats.tx_drop_headers++;
        VIF_LOG(VLL_DBG, &rl, vif,
                "TX frame's headers do not allow the "
                "checksum/GSO requested; dropped");
        if (sink) {
            sink->drop(sink->aux, pkt->handle);
        }
        return false;
    }
    if (vif->tx_sw_csum && vnet->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
        vif_pkt_csum_complete(pkt->buf, pkt->size, vnet);
    }
    return true;
}

/* Counts a frame the sink or port refused with 'error'. */
static void
tx_put_failed(struct vif_queue *q, int error)
{
    q->stats.tx_drop_port++;
    if (error != EAGAIN) {
        VIF_LOG(VLL_WARN, &rl, q->vif, "port send failed: %s",
                ovs_strerror(error));
    }
}

/* Hands 'pkt' (answered, copied) to 'sink', or if it is NULL to 'port'
 * (EAGAIN if NULL: offline).  Returns true if it was taken. */
static inline __attribute__((always_inline)) bool
tx_deliver(struct vif_queue *q, struct tx_pkt *pkt,
           const struct vif_tx_sink *sink, struct vif_port *port)
{
    uint16_t flags = pkt->first.flags;
    struct virtio_net_hdr vnet;

    if (OVS_LIKELY(!pkt->gso.type && !(flags & NETTXF_csum_blank))) {
        /* vif_tx_vnet_hdr()'s first case, which needs no header and no
         * checksum. */
        vnet = (struct virtio_net_hdr){
            .flags
            = (flags & NETTXF_data_validated ? VIRTIO_NET_HDR_F_DATA_VALID
                                             : 0),
        };
    } else if (!tx_vnet_slow(q, pkt, sink, &vnet)) {
        return false;
    }

    int error;
    if (sink) {
        error = sink->put(sink->aux, pkt->handle, &vnet, pkt->buf, pkt->size);
    } else if (port) {
        error = vif_port_send(port, q->id, &vnet, pkt->buf, pkt->size);
    } else {
        error = EAGAIN;
    }
    if (OVS_UNLIKELY(error)) {
        tx_put_failed(q, error);
        return false;
    }
    if (OVS_UNLIKELY(pkt->gso.type)) {
        q->stats.tx_gso++;
    }
    return true;
}

/* vif_tx_run() into 'sink', or if it is NULL (vif_tx_action()) into the
 * VIF's port, the frames one after another in the queue's tx_buf
 * (VIF_TX_BATCH_BYTES + one frame).  Expanded once for each, so that the
 * port's case makes no indirect call per frame.
 *
 * Per burst, not per packet: one read of req_prod (and its check) while
 * the requests it announced last, one batch of grant copies, one pass of
 * responses, one push and notification check.  The common packet (one
 * slot, no extras) is parsed here; others in tx_parse_slow(). */
static inline __attribute__((always_inline)) bool
tx_run(struct vif_queue *q, const struct vif_tx_sink *sink, size_t max_pkts)
{
    /* Per thread: the DPDK driver runs queues of several VIFs in OVS's PMD
     * threads at once. */
    static __thread struct tx_pkt pkts[VIF_TX_BUDGET];
    static __thread struct netif_tx_request frags[VIF_TX_BUDGET]
                                                 [VIF_TX_SLOTS_MAX - 1];
    static __thread struct vif_copy_seg segs[TX_MAX_SEGS];
    struct vif *vif = q->vif;
    size_t n_pkts = 0, n_segs = 0, used = 0;
    int budget = VIF_TX_BUDGET * 2;
    bool checked = false; /* the final check found the ring empty */

    if (!q->connected) {
        return false;
    }
    struct vif_port *port = vif->port;
    uint8_t *tx_buf = q->tx_buf;
    netif_tx_sring_t *sring = q->tx.sring;
    const RING_IDX mask = RING_SIZE(&q->tx) - 1;
    const uint16_t domid = vif->domid;
    RING_IDX start = q->tx.req_cons;
    RING_IDX prod = start; /* req_prod as last read: read it first */
    max_pkts = MIN(max_pkts, VIF_TX_BUDGET);
    /* The clock and the credit only for a rate limit (without one the
     * credit always allows): a polled ring that is mostly empty would spend
     * most of its time reading the clock. */
    long long now_usec
        = (vif->rate_bytes || vif->credit.bytes ? time_usec() : -1);
    while (n_pkts < max_pkts && used <= VIF_TX_BATCH_BYTES && budget-- > 0) {
        RING_IDX cons = q->tx.req_cons;

        if (cons == prod) {
            /* Past the requests we saw: read req_prod again.  Once per
             * burst while requests last (Linux reads it once per packet);
             * a VIF disabled meanwhile (by another queue's thread) stops
             * here too. */
            if (vif->disabled || !tx_read_prod(q, &prod)) {
                break;
            }
            if (prod == cons) {
                int more;

                if (vif->polled) {
                    break; /* polled again soon: no event wanted */
                }
                RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
                if (!more) {
                    checked = true;
                    break;
                }
                continue; /* come back for the new requests */
            }
        }

        /* RING_COPY_REQUEST(&q->tx, cons, &pkt->first) with the ring's
         * address and size read once: one copy out of shared memory, and
         * only the copy is used (XSA-155). */
        struct tx_pkt *pkt = &pkts[n_pkts];
        pkt->first
            = *(volatile struct netif_tx_request *)&sring->ring[cons & mask]
                   .req;
        /* Not the other way round (the volatile copy into a local, then
         * stored): gcc then spills it and reloads it across its two stores,
         * a failed store forward that cost 5 ns a packet. */
        const struct netif_tx_request req = pkt->first;
        if (OVS_UNLIKELY(now_usec >= 0)
            && !vif_rate_take(vif, req.size, now_usec)) {
            q->stats.tx_rate_limited++;
            break;
        }
        q->tx.req_cons = cons + 1;
        pkt->gso.type = 0;
        pkt->one_slot = !(req.flags & (NETTXF_extra_info | NETTXF_more_data));
        if (OVS_LIKELY(pkt->one_slot)) {
            /* tx_parse_slow()'s checks for a chain of one, in the same
             * order, on the same copy. */
            uint16_t size = req.size;

            if (OVS_UNLIKELY(size < VIF_ETH_HLEN)) {
                tx_drop(q, &pkt->first, 0, NULL, 1, &q->stats.tx_drop_short);
                continue;
            }
            if (OVS_UNLIKELY(req.offset + size > VIF_PAGE_SIZE)) {
                vif_fatal(vif,
                          "TX first slot crosses a page: offset %u + size %u",
                          req.offset, size);
                break;
            }
            pkt->size = size;

            /* The rest of the loop below for it, from the copy in
             * registers rather than from 'pkt'. */
            uint8_t *buf
                = (!sink ? &tx_buf[used]
                         : sink->alloc(sink->aux, size, &pkt->handle));
            pkt->buf = buf;
            pkt->seg0 = n_segs;
            if (OVS_LIKELY(buf != NULL)) {
                tx_add_seg(&segs[n_segs++], domid, req.gref, req.offset, size,
                           buf);
            }
            used += size;
            n_pkts++;
            continue;
        }

        enum tx_parse r
            = tx_parse_slow(q, pkt, frags[n_pkts], prod - q->tx.req_cons);
        if (r == TX_STOP) {
            break;
        } else if (r == TX_DONE) {
            continue;
        }

        if (!sink) {
            pkt->buf = &tx_buf[used];
        } else {
            pkt->buf = sink->alloc(sink->aux, pkt->size, &pkt->handle);
        }
        pkt->seg0 = n_segs;
        if (OVS_LIKELY(pkt->buf != NULL)) {
            /* The first slot holds at least an Ethernet header; empty
             * further slots add no segment (XSA-448). */
            tx_add_seg(&segs[n_segs++], domid, pkt->first.gref,
                       pkt->first.offset, pkt->first.size, pkt->buf);
            if (OVS_UNLIKELY(!pkt->one_slot)) {
                uint8_t *dst = pkt->buf + pkt->first.size;
                for (size_t i = 0; i < pkt->n_frags; i++) {
                    const struct netif_tx_request *f = &pkt->frags[i];
                    if (f->size) {
                        tx_add_seg(&segs[n_segs++], domid, f->gref, f->offset,
                                   f->size, dst);
                        dst += f->size;
                    }
                }
            }
        }
        used += pkt->size;
        n_pkts++;
    }

    if (n_segs) {
        vif_platform_copy(vif->platform, segs, n_segs); /* statuses say */
    }
    /* One pass over the statuses: a failed copy is rare. */
    int copy_errors = 0;
    BUILD_ASSERT_DECL(VIF_GNTST_OKAY == 0);
    for (size_t i = 0; i < n_segs; i++) {
        copy_errors |= segs[i].status;
    }

    /* Each packet's responses (the common one's built whole, the struct
     * has no padding, and stored once), then its frame to the sink. */
    RING_IDX rsp_prod = q->tx.rsp_prod_pvt;
    uint64_t n_sent = 0, n_bytes = 0;
    for (size_t i = 0; i < n_pkts; i++) {
        struct tx_pkt *pkt = &pkts[i];

        if (OVS_LIKELY(pkt->one_slot && pkt->buf && !copy_errors)) {
            const struct netif_tx_response rsp = {
                .id = pkt->first.id,
                .status = NETIF_RSP_OKAY,
            };
            sring->ring[rsp_prod++ & mask].rsp = rsp;
        } else {
            q->tx.rsp_prod_pvt = rsp_prod;
            tx_answer_slow(q, pkt, segs,
                           i + 1 < n_pkts ? pkts[i + 1].seg0 : n_segs, sink);
            rsp_prod = q->tx.rsp_prod_pvt;
            if (!pkt->buf) {
                continue;
            }
        }
        if (tx_deliver(q, pkt, sink, port)) {
            n_sent++;
            n_bytes += pkt->size;
        }
    }
    q->tx.rsp_prod_pvt = rsp_prod;
    q->stats.tx_packets += n_sent;
    q->stats.tx_bytes += n_bytes;
    if (q->tx.rsp_prod_pvt != sring->rsp_prod) {
        tx_push(q);
    }

    /* The loop may have ended on its budget just as it took the last
     * request, without the final check: ask for an event on the next
     * request now (Linux: xenvif_napi_schedule_or_enable_events()), or the
     * frontend, seeing a stale req_event, never notifies again and TX
     * stalls until something else wakes us.  Not again if the loop ended
     * on that check: req_event is already past every request taken. */
    if (!checked && !vif->disabled && !vif->polled && !vif_tx_pending(q)) {
        int more;
        RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
        (void)more; /* vif_wait() sees it through vif_tx_pending() */
    }
    return q->tx.req_cons != start;
}

bool
vif_tx_run(struct vif_queue *q, const struct vif_tx_sink *sink,
           size_t max_pkts)
{
    ovs_assert(sink);
    return tx_run(q, sink, max_pkts);
}

bool
vif_tx_action(struct vif_queue *q)
{
    return tx_run(q, NULL, VIF_TX_BUDGET);
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
