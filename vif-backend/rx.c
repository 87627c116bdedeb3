/* vif-backend/rx.c: switch -> guest.
 *
 * Frames read from the port wait in a per-queue list (struct vif_rx_pkt)
 * until the guest has posted enough RX requests for the head frame, then
 * are grant-copied (platform->copy, batched) into the posted pages, as
 * Linux netback's rx.c does.  While a queue's list is empty and the guest
 * has requests posted, frames skip the list: vif_rx_port_run() copies them
 * from the buffer the port filled straight into the guest's pages, with the
 * same checks (see there).  Slots of a frame:
 *
 *   slot 0         data (up to 4096 bytes), flags: csum_blank,
 *                  data_validated, extra_info, more_data
 *   slots 1..k     extra info (GSO, then hash), FLAG_MORE between them
 *   further slots  data, more_data on all but the last
 *
 * Memory is bounded for a guest that stops posting buffers (XSA-392):
 * the queue holds at most VIF_RX_QUEUE_BYTES (reading from the port stops
 * while it is full), frames expire after 10 s (30 ms without
 * feature-rx-notify), and after 60 s without progress for the head frame
 * the port's carrier goes off and everything queued is dropped until the
 * guest posts buffers again.  Stall detection tests the slots the head
 * frame needs, not just one.
 *
 * Event suppression: when short of requests we set req_event = req_prod+1
 * and re-check (no lost wake-up); responses go out with
 * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY (no notification the guest did not
 * ask for). */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/pkt.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_rx);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define RX_MAX_SLOTS (VIF_RX_BUDGET * (VIF_PORT_MAX_FRAME / VIF_PAGE_SIZE + 3))

/* Queued frames of up to VIF_RX_PKT_POOLED bytes (every frame of a 1500-byte
 * MTU) live in buffers of that one size, which go back to a free stack of
 * at most RX_FREE_MAX per thread instead of to malloc: a busy queue reuses
 * them burst after burst.  Larger frames are malloc'd to size.  The stack
 * is bounded per thread, not per queue, so idle VIFs hold nothing. */
#define RX_FREE_MAX VIF_RX_BUDGET
static __thread struct vif_rx_pkt *rx_free[RX_FREE_MAX];
static __thread size_t n_rx_free;

/* A frame descriptor with room for 'size' bytes at 'data', not hashed; the
 * caller sets 'vnet' and 'size' ('node' and 'enqueued' are set when it is
 * queued).  Not zeroed: this runs once per frame. */
static struct vif_rx_pkt *
rx_pkt_alloc(size_t size)
{
    struct vif_rx_pkt *pkt;
    bool pooled = size <= VIF_RX_PKT_POOLED;

    if (pooled && n_rx_free) {
        pkt = rx_free[--n_rx_free];
    } else {
        pkt = xmalloc(sizeof *pkt + (pooled ? VIF_RX_PKT_POOLED : size));
    }
    pkt->hashed = false;
    pkt->pooled = pooled;
    pkt->data = (uint8_t *)(pkt + 1);
    return pkt;
}

static void
rx_pkt_free(struct vif_rx_pkt *pkt)
{
    if (pkt->pooled && n_rx_free < RX_FREE_MAX) {
        rx_free[n_rx_free++] = pkt;
    } else {
        free(pkt);
    }
}

bool
vif_mcast_allowed(const struct vif *vif, const uint8_t dst[6])
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    if (!vif->features.mcast_control || !(dst[0] & 1)
        || !memcmp(dst, bcast, 6)) {
        return true;
    }
    for (size_t i = 0; i < vif->n_mcast; i++) {
        if (!memcmp(vif->mcast[i], dst, 6)) {
            return true;
        }
    }
    return false;
}

unsigned int
vif_rx_slots_needed(const struct vif_queue *q OVS_UNUSED,
                    const struct vif_rx_pkt *pkt)
{
    unsigned int n = DIV_ROUND_UP(pkt->size, VIF_PAGE_SIZE);

    n = MAX(n, 1);
    if (pkt->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
        n++;
    }
    if (pkt->hashed) {
        n++;
    }
    return n;
}

void
vif_rx_purge(struct vif_queue *q)
{
    struct vif_rx_pkt *pkt;

    LIST_FOR_EACH_POP (pkt, node, &q->rx_queue) {
        rx_pkt_free(pkt);
    }
    q->rx_queue_bytes = 0;
}

static void
rx_drop(struct vif_queue *q OVS_UNUSED, struct vif_rx_pkt *pkt,
        uint64_t *counter)
{
    (*counter)++;
    rx_pkt_free(pkt);
}

/* Whether 'pkt' may go to the guest of 'q' at all; if not, the counter of
 * the reason.  Completes a checksum the guest cannot (writes into the
 * frame). */
static inline __attribute__((always_inline)) uint64_t *
rx_admit(struct vif_queue *q, struct vif_rx_pkt *pkt)
{
    struct vif *vif = q->vif;
    const struct vif_features *f = &vif->features;
    uint8_t gso = pkt->vnet.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

    if (OVS_UNLIKELY(!q->connected || vif->disabled || q->stalled)) {
        return &q->stats.rx_drop_stalled;
    }
    if (OVS_UNLIKELY(pkt->size < VIF_ETH_HLEN)) {
        return &q->stats.rx_drop_too_big;
    }
    if (OVS_UNLIKELY(pkt->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE
                     || pkt->size > VIF_PAGE_SIZE)
        && ((gso == VIRTIO_NET_HDR_GSO_TCPV4 && !f->gso4)
            || (gso == VIRTIO_NET_HDR_GSO_TCPV6 && !f->gso6)
            || (gso != VIRTIO_NET_HDR_GSO_NONE
                && gso != VIRTIO_NET_HDR_GSO_TCPV4
                && gso != VIRTIO_NET_HDR_GSO_TCPV6)
            || (pkt->size > VIF_PAGE_SIZE && !f->sg)
            || pkt->size > XEN_NETIF_MAX_TX_SIZE)) {
        VIF_LOG(VLL_DBG, &rl, vif,
                "RX frame of %" PRIuSIZE " bytes, GSO "
                "type %u: the guest cannot take it",
                pkt->size, gso);
        return &q->stats.rx_drop_too_big;
    }
    if (OVS_UNLIKELY(pkt->data[0] & 1) && !vif_mcast_allowed(vif, pkt->data)) {
        return &q->stats.rx_drop_mcast;
    }
    if (OVS_UNLIKELY(pkt->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
        && gso == 0) {
        struct vif_pkt_headers h;
        bool v6 = (vif_pkt_parse(pkt->data, pkt->size, &h) && h.ipv6);
        if (v6 ? !f->ipv6_csum : !f->ip_csum) {
            vif_pkt_csum_complete(pkt->data, pkt->size, &pkt->vnet);
        }
    }
    return NULL;
}

/* rx_enqueue() of a frame rx_admit() let through. */
static inline void
rx_queue_admitted(struct vif_queue *q, struct vif_rx_pkt *pkt, long long now)
{
    if (!ovs_list_is_empty(&q->rx_queue)
        && q->rx_queue_bytes + pkt->size > VIF_RX_QUEUE_BYTES) {
        rx_drop(q, pkt, &q->stats.rx_drop_queue_full);
        return;
    }

    if (ovs_list_is_empty(&q->rx_queue)) {
        q->last_rx_time = now;
    }
    pkt->enqueued = now;
    ovs_list_push_back(&q->rx_queue, &pkt->node);
    q->rx_queue_bytes += pkt->size;
}

static inline void
rx_enqueue(struct vif_queue *q, struct vif_rx_pkt *pkt, long long now)
{
    uint64_t *drop = rx_admit(q, pkt);
    if (drop) {
        rx_drop(q, pkt, drop);
        return;
    }
    rx_queue_admitted(q, pkt, now);
}

void
vif_rx_enqueue(struct vif_queue *q, struct vif_rx_pkt *pkt, long long now)
{
    rx_enqueue(q, pkt, now);
}

static RING_IDX
rx_req_prod(const struct vif_queue *q)
{
    RING_IDX prod = *(volatile RING_IDX *)&q->rx.sring->req_prod;
    xen_rmb();
    return prod;
}

/* Reads req_prod and checks it against the ring (XSA-39): the guest may
 * have at most a ring of requests outstanding.  Returns false, the VIF
 * disabled, if it claims more. */
static bool
rx_read_prod(struct vif_queue *q, RING_IDX *prod)
{
    *prod = rx_req_prod(q);
    if (OVS_UNLIKELY(*prod - q->rx.req_cons > VIF_RX_RING_SIZE
                     || *prod - q->rx.rsp_prod_pvt > VIF_RX_RING_SIZE)) {
        vif_fatal(q->vif,
                  "impossible number of RX requests: req_prod %u, "
                  "req_cons %u",
                  *prod, q->rx.req_cons);
        return false;
    }
    return true;
}

/* Whether 'needed' requests are posted; if so '*avail' is how many (each
 * read of req_prod checked, and the value checked is the one used); if
 * not, asks for an event when the guest posts more (then re-checks, so no
 * wake-up is lost).  False too if req_prod is impossible (the VIF is then
 * disabled). */
static bool
rx_slots_available(struct vif_queue *q, unsigned int needed, RING_IDX *avail)
{
    RING_IDX prod;

    *avail = 0;
    do {
        if (!rx_read_prod(q, &prod)) {
            return false;
        }
        if (prod - q->rx.req_cons >= needed) {
            *avail = prod - q->rx.req_cons;
            return true;
        }
        if (q->vif->polled) {
            return false; /* polled again soon: no event wanted */
        }
        q->rx.sring->req_event = prod + 1;
        xen_mb();
    } while (rx_req_prod(q) != prod);
    return false;
}

/* One batch of frames for the RX ring.  Each response goes into its slot
 * as the slot's request is taken (built whole in a local struct; neither
 * netif_rx_response nor netif_extra_info has padding), where the guest
 * does not look before rx_finish() pushes it after the copy; a failed copy
 * then rewrites its slot's status.  Per thread: the DPDK driver delivers
 * to queues of several VIFs in OVS's threads at once. */
struct rx_batch {
    struct vif_copy_seg segs[RX_MAX_SLOTS];
    struct {
        RING_IDX idx; /* the slot the segment fills */
        uint32_t pkt; /* its frame's index in the batch */
    } seg_of[RX_MAX_SLOTS];
    size_t n_segs, n_pkts;
    RING_IDX start;   /* req_cons when the batch began */
    RING_IDX avail;   /* requests posted and not taken, as last read */
    uint64_t n_bytes; /* of the frames taken, for the counters */
    uint64_t n_gso;
};
BUILD_ASSERT_DECL(sizeof(struct netif_extra_info)
                  == sizeof(struct netif_rx_response));
static __thread struct rx_batch rx_batch;

/* What the fast path (rx_add_fast()) changes in a batch: a local copy the
 * compiler keeps in registers, written back around anything else. */
struct rx_cursor {
    size_t n_segs, n_pkts;
    RING_IDX avail;
    uint64_t n_bytes;
};

static inline struct rx_cursor
rx_cursor_get(const struct rx_batch *b)
{
    return (struct rx_cursor){
        .n_segs = b->n_segs,
        .n_pkts = b->n_pkts,
        .avail = b->avail,
        .n_bytes = b->n_bytes,
    };
}

static inline void
rx_cursor_put(struct rx_batch *b, const struct rx_cursor *c)
{
    b->n_segs = c->n_segs;
    b->n_pkts = c->n_pkts;
    b->avail = c->avail;
    b->n_bytes = c->n_bytes;
}

/* Checks the ring's indices (XSA-39) and notices a guest that posts buffers
 * again after a stall.  Returns false if the queue cannot take frames now;
 * '*found': the guest posted requests we had not seen. */
static bool
rx_begin(struct vif_queue *q, struct rx_batch *b, bool *found)
{
    struct vif *vif = q->vif;

    *found = false;
    if (!q->connected || vif->disabled) {
        return false;
    }
    RING_IDX prod;
    if (!rx_read_prod(q, &prod)) {
        *found = true;
        return false;
    }
    *found = prod != q->rx_seen;
    q->rx_seen = prod;

    if (q->stalled && prod != q->rx.req_cons) {
        q->stalled = false;
        q->last_rx_time = time_msec();
        VIF_LOG(VLL_INFO, &rl, vif,
                "queue %u: guest posts RX buffers "
                "again",
                q->id);
    }
    b->n_segs = b->n_pkts = 0;
    b->n_bytes = b->n_gso = 0;
    b->start = q->rx.req_cons;
    b->avail = prod - q->rx.req_cons;
    return true;
}

/* The requests posted beyond those taken, if at least 'needed': req_prod
 * is read again only when the requests seen last do not suffice (once per
 * burst, not per frame).  0 if they still do not: then an event is asked
 * for (rx_slots_available()). */
static RING_IDX
rx_refill(struct vif_queue *q, unsigned int needed)
{
    RING_IDX avail;

    return rx_slots_available(q, needed, &avail) ? avail : 0;
}

/* Takes the next request for a copy of 'len' bytes from 'data' into its
 * page, answered with 'flags' (and the request's id, 'len' as status). */
static inline void
rx_take_data(struct vif_queue *q, struct rx_batch *b, struct rx_cursor *c,
             const uint8_t *data, size_t len, uint16_t flags)
{
    netif_rx_sring_t *sring = q->rx.sring;
    RING_IDX idx = q->rx.req_cons++;
    struct netif_rx_request req;

    /* RING_COPY_REQUEST(): only the copy is used (XSA-155). */
    req = *(volatile struct netif_rx_request *)&sring
               ->ring[idx & (RING_SIZE(&q->rx) - 1)]
               .req;

    b->segs[c->n_segs] = (struct vif_copy_seg){
        .to_guest = true,
        .domid = q->vif->domid,
        .ref = req.gref,
        .len = len,
        .local = CONST_CAST(uint8_t *, data),
    };
    b->seg_of[c->n_segs].idx = idx;
    b->seg_of[c->n_segs].pkt = c->n_pkts;
    c->n_segs++;

    const struct netif_rx_response rsp = {
        .id = req.id,
        .offset = 0,
        .flags = flags,
        .status = len,
    };
    sring->ring[idx & (RING_SIZE(&q->rx) - 1)].rsp = rsp;
    c->avail--;
}

/* Whether 'pkt' takes rx_add_fast(): one slot (no more than a page), no
 * GSO, no hash. */
static inline bool
rx_is_fast(const struct vif_rx_pkt *pkt)
{
    return (pkt->size <= VIF_PAGE_SIZE
            && pkt->vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE && !pkt->hashed);
}

/* The flags of a frame's first response. */
static inline uint16_t
rx_first_flags(const struct vif_rx_pkt *pkt)
{
    if (pkt->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        return NETRXF_csum_blank | NETRXF_data_validated;
    } else if (pkt->vnet.flags & VIRTIO_NET_HDR_F_DATA_VALID) {
        return NETRXF_data_validated;
    }
    return 0;
}

/* rx_add() of a frame for which rx_is_fast(), with the batch's counts in
 * 'c'.  Returns false (and takes nothing) if no request is posted. */
static inline __attribute__((always_inline)) bool
rx_add_fast(struct vif_queue *q, struct rx_batch *b, struct rx_cursor *c,
            const struct vif_rx_pkt *pkt)
{
    if (OVS_UNLIKELY(!c->avail)) {
        c->avail = rx_refill(q, 1);
        if (!c->avail) {
            return false;
        }
    }
    rx_take_data(q, b, c, pkt->data, pkt->size, rx_first_flags(pkt));
    c->n_bytes += pkt->size;
    c->n_pkts++;
    return true;
}

/* rx_add() for a frame of several slots or with extras (GSO, hash). */
static bool
rx_add_slow(struct vif_queue *q, struct rx_batch *b,
            const struct vif_rx_pkt *pkt)
{
    unsigned int needed = vif_rx_slots_needed(q, pkt);
    struct rx_cursor c = rx_cursor_get(b);

    if (c.avail < needed) {
        c.avail = rx_refill(q, needed);
        if (!c.avail) {
            return false;
        }
    }

    struct netif_extra_info extras[2];
    size_t n_extras = 0;
    memset(extras, 0, sizeof extras);
    uint8_t gso = pkt->vnet.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
    if (gso != VIRTIO_NET_HDR_GSO_NONE) {
        struct netif_extra_info *e = &extras[n_extras++];
        e->type = XEN_NETIF_EXTRA_TYPE_GSO;
        e->u.gso.type
            = (gso == VIRTIO_NET_HDR_GSO_TCPV6 ? XEN_NETIF_GSO_TYPE_TCPV6
                                               : XEN_NETIF_GSO_TYPE_TCPV4);
        e->u.gso.size = pkt->vnet.gso_size;
    }
    if (pkt->hashed) {
        struct netif_extra_info *e = &extras[n_extras++];
        e->type = XEN_NETIF_EXTRA_TYPE_HASH;
        e->u.hash.type = pkt->hash_type;
        e->u.hash.algorithm = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
        memcpy(e->u.hash.value, &pkt->hash, 4);
    }
    for (size_t i = 0; i + 1 < n_extras; i++) {
        extras[i].flags |= XEN_NETIF_EXTRA_FLAG_MORE;
    }

    size_t ofs = 0, extra_i = 0;
    for (unsigned int slot = 0; ofs < pkt->size || extra_i < n_extras;
         slot++) {
        if (slot != 0 && extra_i < n_extras) {
            /* The request is taken and answered with the extra. */
            RING_IDX idx = q->rx.req_cons++;
            memcpy(RING_GET_RESPONSE(&q->rx, idx), &extras[extra_i++],
                   sizeof *extras);
            c.avail--;
            continue;
        }

        size_t len = MIN(pkt->size - ofs, VIF_PAGE_SIZE);
        uint16_t flags = ofs + len < pkt->size ? NETRXF_more_data : 0;
        if (slot == 0) {
            flags |= rx_first_flags(pkt);
            if (n_extras) {
                flags |= NETRXF_extra_info;
            }
        }
        rx_take_data(q, b, &c, &pkt->data[ofs], len, flags);
        ofs += len;
    }
    c.n_bytes += pkt->size;
    c.n_pkts++;
    rx_cursor_put(b, &c);
    if (gso != VIRTIO_NET_HDR_GSO_NONE) {
        b->n_gso++;
    }
    return true;
}

/* Takes RX requests for 'pkt' and plans its copies into 'b', whose counts
 * are in 'c'.  Returns false (and takes nothing) if the guest has not
 * posted enough. */
static inline __attribute__((always_inline)) bool
rx_add(struct vif_queue *q, struct rx_batch *b, struct rx_cursor *c,
       const struct vif_rx_pkt *pkt)
{
    if (OVS_LIKELY(rx_is_fast(pkt))) {
        return rx_add_fast(q, b, c, pkt);
    }
    rx_cursor_put(b, c);
    bool ok = rx_add_slow(q, b, pkt);
    *c = rx_cursor_get(b);
    return ok;
}

/* Carries out the copies of 'b', fixes the responses of failed ones,
 * pushes the responses and notifies the guest if the ring asks. */
static void
rx_finish(struct vif_queue *q, struct rx_batch *b)
{
    struct vif *vif = q->vif;

    if (q->rx.req_cons == b->start) {
        return; /* nothing taken */
    }
    if (b->n_pkts && !vif->polled) {
        /* Once per batch; for the stall timer, which a polled VIF's
         * driver does not run. */
        q->last_rx_time = time_msec();
    }
    q->stats.rx_packets += b->n_pkts;
    q->stats.rx_bytes += b->n_bytes;
    q->stats.rx_gso += b->n_gso;
    if (b->n_segs) {
        vif_platform_copy(vif->platform, b->segs, b->n_segs);
    }

    /* One pass over the statuses: a failed copy is rare. */
    int copy_errors = 0;
    BUILD_ASSERT_DECL(VIF_GNTST_OKAY == 0);
    for (size_t i = 0; i < b->n_segs; i++) {
        copy_errors |= b->segs[i].status;
    }
    if (OVS_UNLIKELY(copy_errors)) {
        size_t last_bad = SIZE_MAX;
        for (size_t i = 0; i < b->n_segs; i++) {
            const struct vif_copy_seg *seg = &b->segs[i];
            if (seg->status != VIF_GNTST_OKAY) {
                RING_GET_RESPONSE(&q->rx, b->seg_of[i].idx)->status
                    = seg->status;
                if (last_bad != b->seg_of[i].pkt) {
                    last_bad = b->seg_of[i].pkt;
                    q->stats.rx_copy_errors++;
                    VIF_LOG(VLL_WARN, &rl, vif,
                            "RX grant copy to ref %" PRIu32
                            " failed: status %d",
                            seg->ref, seg->status);
                }
            }
        }
    }

    int notify;
    q->rx.rsp_prod_pvt = q->rx.req_cons;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
    if (notify) {
        vif_platform_notify(vif->platform, q->rx_evtchn);
    }
}

/* Opens 'b' for frames that vif_rx_port_run() hands straight to the guest
 * of 'q', if it can take them that way now: nothing queued (frames keep
 * their order), not stalled (rx_admit() drops frames then), requests
 * posted.  req_prod is checked as rx_begin() checks it (XSA-39); 'rx_seen'
 * and a stalled queue's recovery stay vif_rx_action()'s, so an event is
 * judged and a queue recovers exactly as if the frames had been queued. */
static bool
rx_begin_direct(struct vif_queue *q, struct rx_batch *b)
{
    RING_IDX prod;

    if (!q->connected || q->vif->disabled || q->stalled
        || !ovs_list_is_empty(&q->rx_queue) || !rx_read_prod(q, &prod)
        || prod == q->rx.req_cons) {
        return false;
    }
    b->n_segs = b->n_pkts = 0;
    b->n_bytes = b->n_gso = 0;
    b->start = q->rx.req_cons;
    b->avail = prod - q->rx.req_cons;
    return true;
}

/* Frames that vif_rx_port_run() hands straight to the guest lie here, one
 * after another, until the batch's copies are done: a run's budget of
 * frames of a 1500-byte MTU, and room for one frame of any size after
 * them.  Frames past that are queued as any other. */
#define RX_DIRECT_BYTES                                                       \
    (VIF_RX_BUDGET * VIF_RX_PKT_POOLED + VIF_PORT_MAX_FRAME)

/* Reads frames from the port, per queue.  While a queue has nothing queued
 * and the guest has posted requests, its frames go straight into the
 * guest's RX ring (one batch of copies per queue and run, from the buffer
 * the port filled): a frame is then neither copied into a queued buffer
 * nor queued, and no guest can make us hold more than a run's frames that
 * way.  Every other frame is queued (vif_rx_enqueue()), bounded as the file
 * comment says; both ways make the same checks (rx_admit()) in the same
 * order. */
void
vif_rx_port_run(struct vif *vif)
{
    static uint8_t direct_buf[RX_DIRECT_BYTES];
    static uint8_t buf[VIF_PORT_MAX_FRAME];

    if (!vif->port || vif->disabled) {
        return;
    }
    long long now = time_msec(); /* one clock read per run, not per frame */
    for (size_t k = 0; k < vif->n_queues; k++) {
        size_t i = (vif->rr + k) % vif->n_queues; /* see vif_run() */
        struct vif_queue *q = &vif->queues[i];
        struct rx_batch *b = &rx_batch;
        bool open = rx_begin_direct(q, b);
        bool direct = open; /* frames of 'q' still go straight */
        struct rx_cursor c = rx_cursor_get(b);
        size_t used = 0;

        for (int n = 0; n < VIF_RX_BUDGET; n++) {
            if (q->rx_queue_bytes >= VIF_RX_QUEUE_BYTES) {
                break; /* backpressure: the port holds further frames */
            }
            if (used > RX_DIRECT_BYTES - VIF_PORT_MAX_FRAME) {
                direct = false;
            }
            uint8_t *dst = direct ? &direct_buf[used] : buf;
            struct virtio_net_hdr vnet;
            size_t size;
            int error = vif_port_recv(vif->port, i, &vnet, dst, &size);
            if (error) {
                if (error != EAGAIN) {
                    VIF_LOG(VLL_WARN, &rl, vif, "port receive failed: %s",
                            ovs_strerror(error));
                }
                break;
            }

            struct vif_rx_pkt *pkt, direct_pkt;
            if (dst != buf) {
                pkt = &direct_pkt; /* not needed once in the batch */
                pkt->data = dst;
                pkt->hashed = false;
                pkt->pooled = false;
            } else {
                pkt = rx_pkt_alloc(size);
                memcpy(pkt->data, buf, size);
            }
            pkt->vnet = vnet;
            pkt->size = size;

            size_t target = i;
            /* No call per frame while the guest configured no hash. */
            if (vif->hash.flags) {
                uint32_t hash;
                uint8_t hash_type;
                if (vif_hash_frame(vif, pkt->data, size, &hash, &hash_type)) {
                    pkt->hashed = true;
                    pkt->hash = hash;
                    pkt->hash_type = hash_type;
                    target = vif_hash_queue(vif, hash);
                }
            }
            struct vif_queue *tq = &vif->queues[target];
            uint64_t *drop = rx_admit(tq, pkt);
            if (drop) {
                (*drop)++;
                if (dst == buf) {
                    rx_pkt_free(pkt);
                }
                continue;
            }
            if (dst != buf) {
                if (tq == q && rx_add(q, b, &c, pkt)) {
                    used += size;
                    continue;
                }
                /* Another queue's frame, or the ring is out of requests:
                 * queued as any other frame. */
                struct vif_rx_pkt *copy = rx_pkt_alloc(size);
                memcpy(copy->data, pkt->data, size);
                copy->vnet = pkt->vnet;
                copy->size = size;
                if (pkt->hashed) {
                    copy->hashed = true;
                    copy->hash = pkt->hash;
                    copy->hash_type = pkt->hash_type;
                }
                pkt = copy;
            }
            if (tq == q) {
                direct = false; /* behind a queued frame: queued too */
            }
            rx_queue_admitted(tq, pkt, now);
        }
        if (open) {
            rx_cursor_put(b, &c);
            rx_finish(q, b);
        }
    }
}

bool
vif_rx_action(struct vif_queue *q)
{
    static __thread struct vif_rx_pkt *pkts[VIF_RX_BUDGET];
    struct rx_batch *b = &rx_batch;
    size_t n_pkts = 0;
    bool found;

    if (!rx_begin(q, b, &found)) {
        return found;
    }
    struct rx_cursor c = rx_cursor_get(b);
    size_t taken_bytes = 0;
    while (n_pkts < VIF_RX_BUDGET && !ovs_list_is_empty(&q->rx_queue)) {
        struct vif_rx_pkt *pkt = CONTAINER_OF(ovs_list_front(&q->rx_queue),
                                              struct vif_rx_pkt, node);
        if (!rx_add(q, b, &c, pkt)) {
            break;
        }
        ovs_list_remove(&pkt->node);
        taken_bytes += pkt->size;
        pkts[n_pkts++] = pkt;
    }
    rx_cursor_put(b, &c);
    q->rx_queue_bytes -= taken_bytes;
    rx_finish(q, b);
    for (size_t i = 0; i < n_pkts; i++) {
        rx_pkt_free(pkts[i]);
    }
    return found;
}

size_t
vif_rx_deliver(struct vif_queue *q, struct vif_rx_pkt *const *pkts, size_t n)
{
    struct rx_batch *b = &rx_batch;
    bool found;
    size_t i;

    if (!rx_begin(q, b, &found)) {
        for (i = 0; i < n; i++) {
            q->stats.rx_drop_stalled++;
        }
        return n;
    }
    n = MIN(n, VIF_RX_BUDGET);
    struct rx_cursor c = rx_cursor_get(b);
    for (i = 0; i < n; i++) {
        uint64_t *drop = rx_admit(q, pkts[i]);
        if (drop) {
            (*drop)++;
        } else if (!rx_add(q, b, &c, pkts[i])) {
            break;
        }
    }
    rx_cursor_put(b, &c);
    rx_finish(q, b);
    return i;
}

void
vif_rx_check_timers(struct vif_queue *q, long long now)
{
    struct vif *vif = q->vif;
    long long drain = (vif->features.rx_notify ? VIF_RX_DRAIN_MS
                                               : VIF_RX_DRAIN_NO_NOTIFY_MS);

    if (!q->connected || vif->disabled) {
        return;
    }
    while (!ovs_list_is_empty(&q->rx_queue)) {
        struct vif_rx_pkt *pkt = CONTAINER_OF(ovs_list_front(&q->rx_queue),
                                              struct vif_rx_pkt, node);
        if (now - pkt->enqueued < drain) {
            break;
        }
        ovs_list_remove(&pkt->node);
        q->rx_queue_bytes -= pkt->size;
        rx_drop(q, pkt, &q->stats.rx_drop_expired);
    }
    if (!vif->features.rx_notify || q->stalled
        || ovs_list_is_empty(&q->rx_queue)) {
        return;
    }
    const struct vif_rx_pkt *head
        = CONTAINER_OF(ovs_list_front(&q->rx_queue), struct vif_rx_pkt, node);
    RING_IDX avail;
    if (now - q->last_rx_time >= VIF_RX_STALL_MS
        && !rx_slots_available(q, vif_rx_slots_needed(q, head), &avail)
        && !vif->disabled) {
        q->stalled = true;
        q->stats.rx_stalls++;
        size_t n = ovs_list_size(&q->rx_queue);
        q->stats.rx_drop_stalled += n;
        vif_rx_purge(q);
        VIF_LOG(VLL_WARN, &rl, vif,
                "queue %u: guest posted no RX buffers "
                "for %d s; carrier off, %" PRIuSIZE " frames dropped",
                q->id, VIF_RX_STALL_MS / 1000, n);
    }
}
