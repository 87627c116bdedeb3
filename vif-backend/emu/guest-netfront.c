/* vif-backend/emu/guest-netfront.c: xovs-guest's netif rings, the way
 * Linux's drivers/net/xen-netfront.c drives them, so the backend sees what
 * it sees from a real Linux guest:
 *
 *   setup_netfront()    ring pages and one page per ring slot, granted;
 *                       event channels allocated (split when the backend
 *                       offers it);
 *   xennet_start_xmit() one slot per 4 KiB of frame, NETTXF_more_data, a GSO
 *                       extra-info slot, csum_blank/data_validated; grants
 *                       are readonly and revoked when the response comes;
 *   xennet_poll()       responses copied out, extras and more_data chains
 *                       checked against rsp_prod and the slot limit;
 *   xennet_alloc_rx_buffers()  the RX ring kept full of writable grants;
 *   event suppression   RING_PUSH_REQUESTS_AND_CHECK_NOTIFY and
 *                       RING_FINAL_CHECK_FOR_RESPONSES, nothing else.
 *
 * A backend that breaks the protocol on a queue (an illogical producer, a
 * response for an id not in use, a grant it still holds) disables that
 * queue, as netfront does.  Frames come from guest-traffic.c and go back
 * to it (traffic_deliver()); guest-rss.c checks received hashes. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>

#include "vif-backend/emu/guest-private.h"

#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"
#include "vif-backend/emu/emu.h"

VLOG_DEFINE_THIS_MODULE(xovs_guest_netfront);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* As netfront: an RX push is worth it with this many buffers posted. */
#define RX_SLOTS_MIN (XEN_NETIF_NR_SLOTS_MIN + 1)

int
netfront_grant(struct guest *g, uint32_t frame, bool readonly, uint32_t *ref)
{
    return vif_emu_grant_access(g->dom, frame, g->be_id, readonly, ref);
}

/* Revokes 'ref', as gnttab_end_foreign_access(): if the backend still uses
 * it (it should not), the page is leaked rather than reused under it. */
static bool
netfront_revoke(struct guest *g, uint32_t *ref, uint32_t frame)
{
    if (*ref == GUEST_NO_REF) {
        return true;
    }
    if (vif_emu_end_access(g->dom, *ref)) {
        VLOG_WARN_RL(&rl,
                     "vif%u.%u: grant %" PRIu32 " still in use by the "
                     "backend; leaking its page",
                     g->domid, g->devid, *ref);
        *ref = GUEST_NO_REF;
        return false;
    }
    *ref = GUEST_NO_REF;
    vif_emu_free_page(g->dom, frame);
    return true;
}

void
netfront_queue_destroy(struct guest *g, struct guest_queue *q)
{
    if (!q->up) {
        return;
    }
    if (q->tx_evtchn) {
        vif_emu_close_port(g->dom, q->tx_evtchn);
    }
    if (q->rx_evtchn && q->rx_evtchn != q->tx_evtchn) {
        vif_emu_close_port(g->dom, q->rx_evtchn);
    }
    for (size_t i = 0; i < GUEST_TX_RING_SIZE; i++) {
        if (q->tx_ref[i] != GUEST_NO_REF) {
            netfront_revoke(g, &q->tx_ref[i], q->tx_frame[i]);
        } else {
            vif_emu_free_page(g->dom, q->tx_frame[i]);
        }
    }
    for (size_t i = 0; i < GUEST_RX_RING_SIZE; i++) {
        if (q->rx_ref[i] != GUEST_NO_REF) {
            netfront_revoke(g, &q->rx_ref[i], q->rx_frame[i]);
        } else {
            vif_emu_free_page(g->dom, q->rx_frame[i]);
        }
    }
    netfront_revoke(g, &q->tx_ring_ref, q->tx_ring_frame);
    netfront_revoke(g, &q->rx_ring_ref, q->rx_ring_frame);
    int tap_fd = q->tap_fd;
    memset(q, 0, sizeof *q);
    q->tap_fd = tap_fd;
}

/* As setup_netfront(). */
int
netfront_queue_setup(struct guest *g, struct guest_queue *q, unsigned int idx,
                     bool split)
{
    int error;

    memset(q, 0, sizeof *q);
    q->idx = idx;
    q->tap_fd = g->n_taps ? g->tap_fds[idx % g->n_taps] : -1;
    q->tx_ring_ref = q->rx_ring_ref = GUEST_NO_REF;
    for (size_t i = 0; i < GUEST_TX_RING_SIZE; i++) {
        q->tx_ref[i] = GUEST_NO_REF;
        q->rx_ref[i] = GUEST_NO_REF;
    }

    if ((error = vif_emu_alloc_page(g->dom, &q->tx_ring_frame))
        || (error = vif_emu_alloc_page(g->dom, &q->rx_ring_frame))) {
        return error;
    }
    q->up = true;
    for (size_t i = 0; i < GUEST_TX_RING_SIZE; i++) {
        if ((error = vif_emu_alloc_page(g->dom, &q->tx_frame[i]))
            || (error = vif_emu_alloc_page(g->dom, &q->rx_frame[i]))) {
            return error;
        }
        q->tx_free[q->n_tx_free++] = GUEST_TX_RING_SIZE - 1 - i;
    }

    struct netif_tx_sring *txs = vif_emu_page(g->dom, q->tx_ring_frame);
    struct netif_rx_sring *rxs = vif_emu_page(g->dom, q->rx_ring_frame);
    SHARED_RING_INIT(txs);
    FRONT_RING_INIT(&q->tx, txs, GUEST_PAGE);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&q->rx, rxs, GUEST_PAGE);

    if ((error = netfront_grant(g, q->tx_ring_frame, false, &q->tx_ring_ref))
        || (error
            = netfront_grant(g, q->rx_ring_frame, false, &q->rx_ring_ref))) {
        return error;
    }
    if ((error = vif_emu_alloc_unbound(g->dom, g->be_id, &q->tx_evtchn))) {
        return error;
    }
    if (split) {
        error = vif_emu_alloc_unbound(g->dom, g->be_id, &q->rx_evtchn);
    } else {
        q->rx_evtchn = q->tx_evtchn;
    }
    return error;
}

/* Revokes 'ref' (if granted) and frees 'frame' (if allocated). */
void
netfront_page_release(struct guest *g, uint32_t *ref, uint32_t *frame)
{
    if (*ref != GUEST_NO_REF) {
        netfront_revoke(g, ref,
                        *frame); /* frees the page unless still in use */
    } else if (*frame != GUEST_NO_REF) {
        vif_emu_free_page(g->dom, *frame);
    }
    *frame = GUEST_NO_REF;
}

static void
netfront_broken(struct guest *g, struct guest_queue *q, const char *why)
{
    if (!q->broken) {
        VLOG_ERR("vif%u.%u: queue %u: %s: disabling the queue", g->domid,
                 g->devid, q->idx, why);
        q->broken = true;
    }
}

void
netfront_tx_gc(struct guest *g, struct guest_queue *q)
{
    int more;

    if (!q->up || q->broken) {
        return;
    }
    do {
        RING_IDX prod = q->tx.sring->rsp_prod;
        rmb();
        if (prod - q->tx.rsp_cons > GUEST_TX_RING_SIZE) {
            netfront_broken(g, q, "illogical tx rsp_prod");
            return;
        }
        /* The grants of every response, revoked under one lock. */
        uint16_t ids[GUEST_TX_RING_SIZE];
        uint32_t refs[GUEST_TX_RING_SIZE];
        size_t n = 0;
        for (RING_IDX cons = q->tx.rsp_cons; cons != prod; cons++) {
            struct netif_tx_response rsp;

            RING_COPY_RESPONSE(&q->tx, cons, &rsp);
            if (rsp.status == NETIF_RSP_NULL) {
                continue;
            }
            if (rsp.id >= GUEST_TX_RING_SIZE
                || q->tx_ref[rsp.id] == GUEST_NO_REF) {
                netfront_broken(g, q, "response for an id not in use");
                return;
            }
            if (rsp.status != NETIF_RSP_OKAY) {
                g->c.tx_errors++;
            }
            ids[n] = rsp.id;
            refs[n++] = q->tx_ref[rsp.id];
        }
        int error;
        size_t done = vif_emu_end_access_n(g->dom, refs, n, &error);
        for (size_t i = 0; i < done; i++) {
            q->tx_ref[ids[i]] = GUEST_NO_REF;
            q->tx_free[q->n_tx_free++] = ids[i];
        }
        if (done < n) {
            /* Also a response repeating an id of this batch (its grant
             * is revoked already). */
            netfront_broken(g, q, "grant still in use by the backend");
            return;
        }
        q->tx.rsp_cons = prod;
        if (g->mode != GUEST_MODE_NETNS && (netfront_tx_room(q) || g->busy)) {
            /* --generate and --sink poll again while they have room or
             * while they busy-poll: an event per completion would cost the
             * backend a notification and us a wake-up, for nothing.  Asked
             * for only when short of room and sleeping (below). */
            return;
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&q->tx, more);
    } while (more);
}

/* Slots one more packet may need: data, plus a GSO extra. */
bool
netfront_tx_room(const struct guest_queue *q)
{
    return q->up && !q->broken
           && q->tx.req_prod_pvt - q->tx.rsp_cons
                  < GUEST_TX_RING_SIZE - XEN_NETIF_NR_SLOTS_MIN - 1
           && q->n_tx_free >= XEN_NETIF_NR_SLOTS_MIN;
}

/* One frame onto 'q' (not yet pushed).  'vh' may be NULL. */
void
netfront_xmit(struct guest *g, struct guest_queue *q,
              const struct virtio_net_hdr *vh, const uint8_t *frame,
              size_t len)
{
    size_t n_slots = DIV_ROUND_UP(len, GUEST_PAGE);
    struct netif_extra_info gso;
    bool has_gso = false;
    uint16_t flags = 0;

    if (len < ETH_HEADER_LEN || len > XEN_NETIF_MAX_TX_SIZE
        || n_slots > XEN_NETIF_NR_SLOTS_MIN || (n_slots > 1 && !g->be_sg)
        || !netfront_tx_room(q)) {
        g->c.tx_drops++;
        return;
    }
    if (vh) {
        if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
            flags |= NETTXF_csum_blank | NETTXF_data_validated;
        } else if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
            flags |= NETTXF_data_validated;
        }
        uint8_t gso_type = vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
        if (gso_type != VIRTIO_NET_HDR_GSO_NONE) {
            memset(&gso, 0, sizeof gso);
            gso.type = XEN_NETIF_EXTRA_TYPE_GSO;
            gso.u.gso.size = vh->gso_size;
            if (gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && g->be_gso4) {
                gso.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
            } else if (gso_type == VIRTIO_NET_HDR_GSO_TCPV6 && g->be_gso6) {
                gso.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV6;
            } else {
                g->c.tx_drops++;
                return;
            }
            has_gso = true;
            flags |= NETTXF_extra_info;
        }
    }

    size_t done = 0;
    for (size_t s = 0; s < n_slots; s++) {
        uint16_t id = q->tx_free[--q->n_tx_free];
        size_t chunk = MIN(len - done, (size_t)GUEST_PAGE);
        struct netif_tx_request req;

        memcpy(vif_emu_page(g->dom, q->tx_frame[id]), frame + done, chunk);
        /* Granted at the push, with the others of the batch. */
        q->tx_ungranted_idx[q->n_tx_ungranted] = q->tx.req_prod_pvt;
        q->tx_ungranted_id[q->n_tx_ungranted++] = id;
        memset(&req, 0, sizeof req);
        req.gref = GUEST_NO_REF;
        req.offset = 0;
        req.id = id;
        /* The first slot carries the whole packet's size. */
        req.size = s ? chunk : len;
        req.flags = (s ? 0 : flags) | (s + 1 < n_slots ? NETTXF_more_data : 0);
        *RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt++) = req;

        if (!s && has_gso) {
            union {
                struct netif_tx_request req;
                struct netif_extra_info extra;
            } slot;
            memset(&slot, 0, sizeof slot);
            slot.extra = gso;
            *RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt++) = slot.req;
        }
        done += chunk;
    }
    g->c.tx_packets++;
    g->c.tx_bytes += len;
    g->qc[q->idx].tx_packets++;
    g->qc[q->idx].tx_bytes += len;
}

void
netfront_tx_push(struct guest *g, struct guest_queue *q)
{
    int notify;

    if (q->n_tx_ungranted) {
        /* The grants of every request since the last push, under one
         * lock (readonly: the backend only reads a TX buffer). */
        uint32_t frames[GUEST_TX_RING_SIZE], refs[GUEST_TX_RING_SIZE];
        size_t n = q->n_tx_ungranted;
        int error;

        for (size_t i = 0; i < n; i++) {
            frames[i] = q->tx_frame[q->tx_ungranted_id[i]];
        }
        size_t done = vif_emu_grant_access_n(g->dom, frames, n, g->be_id, true,
                                             refs, &error);
        q->n_tx_ungranted = 0;
        for (size_t i = 0; i < done; i++) {
            q->tx_ref[q->tx_ungranted_id[i]] = refs[i];
            RING_GET_REQUEST(&q->tx, q->tx_ungranted_idx[i])->gref = refs[i];
        }
        if (done < n) {
            /* Cannot happen with the table sized for the rings. */
            netfront_broken(g, q, "out of grant references");
            return;
        }
    }
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->tx, notify);
    if (notify) {
        vif_emu_notify(g->dom, q->tx_evtchn);
    }
}

void
netfront_rx_refill(struct guest *g, struct guest_queue *q)
{
    RING_IDX req_prod = q->rx.req_prod_pvt;
    int notify;

    if (!q->up || q->broken) {
        return;
    }
    if (g->busy
        && GUEST_RX_RING_SIZE - (req_prod - q->rx.rsp_cons)
               < GUEST_BUSY_BATCH) {
        /* Polling: the ring is nearly full of buffers; post a batch at a
         * time (a grant call and a push each), not per frame. */
        return;
    }
    /* The buffers to post, then their grants under one lock. */
    uint32_t frames[GUEST_RX_RING_SIZE], refs[GUEST_RX_RING_SIZE];
    size_t n = 0;
    for (RING_IDX p = req_prod; p - q->rx.rsp_cons < GUEST_RX_RING_SIZE; p++) {
        unsigned int id = p & (GUEST_RX_RING_SIZE - 1);

        if (q->rx_ref[id] != GUEST_NO_REF) {
            break; /* still awaiting its response */
        }
        frames[n++] = q->rx_frame[id];
    }
    int error;
    n = vif_emu_grant_access_n(g->dom, frames, n, g->be_id, false, refs,
                               &error);
    for (size_t i = 0; i < n; i++, req_prod++) {
        unsigned int id = req_prod & (GUEST_RX_RING_SIZE - 1);
        struct netif_rx_request req;

        q->rx_ref[id] = refs[i];
        memset(&req, 0, sizeof req);
        req.id = id;
        req.gref = refs[i];
        *RING_GET_REQUEST(&q->rx, req_prod) = req;
    }
    q->rx.req_prod_pvt = req_prod;

    /* Not enough requests?  netfront retries from a timer; the next event
     * or poll does it here. */
    if (req_prod - q->rx.rsp_cons < RX_SLOTS_MIN) {
        return;
    }
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, notify);
    if (notify) {
        vif_emu_notify(g->dom, q->rx_evtchn);
    }
}

/* Revokes the buffer of ring index 'cons' after its response.  False if the
 * backend still holds it (a violation). */
static bool
netfront_rx_release(struct guest *g, struct guest_queue *q, RING_IDX cons)
{
    unsigned int id = cons & (GUEST_RX_RING_SIZE - 1);

    if ((RING_IDX)(cons - q->rx.rsp_cons)
        < (RING_IDX)(q->rx_released - q->rx.rsp_cons)) {
        return true; /* by netfront_rx_release_all() */
    }
    if (q->rx_ref[id] == GUEST_NO_REF) {
        return false;
    }
    if (vif_emu_end_access(g->dom, q->rx_ref[id])) {
        return false;
    }
    q->rx_ref[id] = GUEST_NO_REF;
    return true;
}

/* Revokes the buffers of every response up to 'rp' at once (one lock, not
 * one a slot).  False if the backend still holds one, or one was never
 * posted (a violation). */
static bool
netfront_rx_release_all(struct guest *g, struct guest_queue *q, RING_IDX rp)
{
    uint32_t refs[GUEST_RX_RING_SIZE];
    size_t n = 0;

    if ((RING_IDX)(q->rx_released - q->rx.rsp_cons)
        > (RING_IDX)(rp - q->rx.rsp_cons)) {
        q->rx_released = q->rx.rsp_cons;
    }
    for (RING_IDX i = q->rx_released; i != rp; i++) {
        uint32_t ref = q->rx_ref[i & (GUEST_RX_RING_SIZE - 1)];
        if (ref == GUEST_NO_REF) {
            return false;
        }
        refs[n++] = ref;
    }
    int error;
    size_t done = vif_emu_end_access_n(g->dom, refs, n, &error);
    for (size_t i = 0; i < done; i++, q->rx_released++) {
        q->rx_ref[q->rx_released & (GUEST_RX_RING_SIZE - 1)] = GUEST_NO_REF;
    }
    return done == n;
}

/* The L4 offset of an IPv4/IPv6 TCP/UDP frame and its protocol, or 0. */
static size_t
netfront_l4_offset(const uint8_t *f, size_t len, uint8_t *proto)
{
    if (len < ETH_HEADER_LEN + 20) {
        return 0;
    }
    uint16_t type = (f[12] << 8) | f[13];
    if (type == 0x0800) {
        size_t ihl = (f[14] & 0xf) * 4;
        *proto = f[14 + 9];
        return ihl >= 20 && 14 + ihl < len ? 14 + ihl : 0;
    } else if (type == 0x86dd && len >= 14 + 40) {
        *proto = f[14 + 6];
        return 14 + 40;
    }
    return 0;
}

static void
netfront_deliver(struct guest *g, struct guest_queue *q, uint8_t *frame,
                 size_t len, uint16_t flags,
                 const struct netif_extra_info *gso)
{
    struct virtio_net_hdr vh;

    memset(&vh, 0, sizeof vh);
    if (flags & NETRXF_csum_blank) {
        /* As netfront's checksum_setup(): find what to checksum. */
        uint8_t proto = 0;
        size_t l4 = netfront_l4_offset(frame, len, &proto);
        if (!l4 || (proto != IPPROTO_TCP && proto != IPPROTO_UDP)) {
            g->c.rx_errors++;
            return;
        }
        vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        vh.csum_start = l4;
        vh.csum_offset = proto == IPPROTO_TCP ? 16 : 6;
        if (gso && proto == IPPROTO_TCP && l4 + 20 <= len) {
            vh.gso_type = gso->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6
                              ? VIRTIO_NET_HDR_GSO_TCPV6
                              : VIRTIO_NET_HDR_GSO_TCPV4;
            vh.gso_size = gso->u.gso.size;
            vh.hdr_len = l4 + (frame[l4 + 12] >> 4) * 4;
        }
    } else if (flags & NETRXF_data_validated) {
        vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    }

    g->c.rx_packets++;
    g->c.rx_bytes += len;
    g->qc[q->idx].rx_packets++;
    g->qc[q->idx].rx_bytes += len;
    traffic_deliver(g, q, &vh, frame, len);
}

/* One packet starting at 'q->rx.rsp_cons' (xennet_get_responses()).  'rp' is
 * the producer snapshot.  Returns false if the ring is broken. */
static bool
netfront_rx_one(struct guest *g, struct guest_queue *q, RING_IDX rp)
{
    RING_IDX cons = q->rx.rsp_cons;
    struct netif_rx_response rx;
    struct netif_extra_info gso, hash;
    bool has_gso = false, has_hash = false, bad = false;
    size_t len = 0;

    RING_COPY_RESPONSE(&q->rx, cons, &rx);
    if (!netfront_rx_release(g, q, cons)) {
        netfront_broken(g, q, "rx grant missing or still in use");
        return false;
    }
    uint16_t first_flags = rx.flags;
    cons++;

    /* xennet_get_extras(). */
    if (rx.flags & NETRXF_extra_info) {
        for (;;) {
            struct netif_extra_info extra;
            union {
                struct netif_rx_response rsp;
                struct netif_extra_info extra;
            } slot;

            if (cons == rp) {
                VLOG_WARN_RL(&rl, "vif%u.%u: missing extra info", g->domid,
                             g->devid);
                bad = true;
                break;
            }
            RING_COPY_RESPONSE(&q->rx, cons, &slot.rsp);
            extra = slot.extra;
            if (!netfront_rx_release(g, q, cons)) {
                netfront_broken(g, q, "rx grant missing or still in use");
                return false;
            }
            cons++;
            if (!extra.type || extra.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
                VLOG_WARN_RL(&rl, "vif%u.%u: invalid extra type %u", g->domid,
                             g->devid, extra.type);
                bad = true;
            } else if (extra.type == XEN_NETIF_EXTRA_TYPE_GSO) {
                gso = extra;
                has_gso = true;
            } else if (extra.type == XEN_NETIF_EXTRA_TYPE_HASH) {
                hash = extra;
                has_hash = true;
            }
            if (!(extra.flags & XEN_NETIF_EXTRA_FLAG_MORE)) {
                break;
            }
        }
    }

    /* One slot (every frame up to a page): delivered from the buffer, as
     * netfront hands the page itself up; the buffer is ours again (its
     * grant revoked) and not reposted before traffic_deliver() returns. */
    if (!(rx.flags & NETRXF_more_data) && rx.status >= ETH_HEADER_LEN
        && rx.offset + rx.status <= GUEST_PAGE) {
        unsigned int id = q->rx.rsp_cons & (GUEST_RX_RING_SIZE - 1);
        uint8_t *data
            = (uint8_t *)vif_emu_page(g->dom, q->rx_frame[id]) + rx.offset;

        q->rx.rsp_cons = cons;
        if (bad) {
            g->c.rx_errors++;
            return true;
        }
        if (g->rss) {
            rss_check(g, q, data, rx.status, has_hash ? &hash : NULL);
        }
        netfront_deliver(g, q, data, rx.status, first_flags,
                         has_gso ? &gso : NULL);
        return true;
    }

    /* The data slots. */
    RING_IDX first = q->rx.rsp_cons;
    for (unsigned int slots = 1;; slots++) {
        RING_IDX at = slots == 1 ? first : cons - 1;
        unsigned int id = at & (GUEST_RX_RING_SIZE - 1);

        if (rx.status < 0 || rx.offset + rx.status > GUEST_PAGE) {
            VLOG_WARN_RL(&rl, "vif%u.%u: rx offset %u, size %d", g->domid,
                         g->devid, rx.offset, rx.status);
            bad = true;
        } else if (len + rx.status <= GUEST_FRAME_MAX) {
            memcpy(g->frame + len,
                   (uint8_t *)vif_emu_page(g->dom, q->rx_frame[id])
                       + rx.offset,
                   rx.status);
            len += rx.status;
        } else {
            bad = true;
        }
        if (!(rx.flags & NETRXF_more_data)) {
            break;
        }
        if (cons == rp) {
            VLOG_WARN_RL(&rl, "vif%u.%u: need more slots", g->domid, g->devid);
            bad = true;
            break;
        }
        if (slots >= XEN_NETIF_NR_SLOTS_MIN + 1) {
            VLOG_WARN_RL(&rl, "vif%u.%u: too many slots", g->domid, g->devid);
            bad = true;
        }
        RING_COPY_RESPONSE(&q->rx, cons, &rx);
        if (!netfront_rx_release(g, q, cons)) {
            netfront_broken(g, q, "rx grant missing or still in use");
            return false;
        }
        cons++;
    }
    q->rx.rsp_cons = cons;

    if (bad || len < ETH_HEADER_LEN) {
        g->c.rx_errors++;
        return true;
    }
    if (g->rss) {
        rss_check(g, q, g->frame, len, has_hash ? &hash : NULL);
    }
    netfront_deliver(g, q, g->frame, len, first_flags, has_gso ? &gso : NULL);
    return true;
}

/* Asks for an event once 'batch' more responses are in (1: on the next
 * one, RING_FINAL_CHECK_FOR_RESPONSES); true if that many are in already. */
static bool
netfront_rx_arm(struct guest_queue *q, unsigned int batch)
{
    q->rx.sring->rsp_event = q->rx.rsp_cons + batch;
    mb();
    return RING_HAS_UNCONSUMED_RESPONSES(&q->rx) >= batch;
}

/* xennet_poll(): true if work is left (budget exhausted).
 *
 * --sink and --generate take the whole ring per call and, while frames
 * flow, ask for an event only once half the ring is filled (the caller
 * polls again within GUEST_RX_MODERATE_MS for fewer: 'q->rx_moderated'),
 * as a NIC's interrupt moderation: a wake-up per burst of the backend
 * would cost more than the frames it brings. */
bool
netfront_rx_poll(struct guest *g, struct guest_queue *q)
{
    bool bench = g->mode != GUEST_MODE_NETNS;
    int budget = bench ? GUEST_RX_RING_SIZE : GUEST_NAPI_BUDGET;
    int taken = 0;
    int more = 0;

    q->rx_moderated = false;
    if (!q->up || q->broken) {
        return false;
    }
    do {
        RING_IDX rp = q->rx.sring->rsp_prod;
        rmb();
        if (rp - q->rx.rsp_cons > GUEST_RX_RING_SIZE) {
            netfront_broken(g, q, "illogical rx rsp_prod");
            return false;
        }
        if (!netfront_rx_release_all(g, q, rp)) {
            netfront_broken(g, q, "rx grant missing or still in use");
            return false;
        }
        while (q->rx.rsp_cons != rp && budget > 0) {
            if (!netfront_rx_one(g, q, rp)) {
                return false;
            }
            budget--;
            taken++;
        }
        if (!budget) {
            netfront_rx_refill(g, q);
            return true;
        }
        if (g->busy) {
            /* Polled again soon (guest_busy_poll()): no event asked for,
             * as NAPI leaves the interrupt off while it polls
             * (rsp_event stays behind rsp_prod, so the backend sends
             * none). */
            break;
        }
        if (bench && taken) {
            q->rx_moderated = true;
            more = netfront_rx_arm(q, GUEST_RX_RING_SIZE / 2);
        } else {
            more = netfront_rx_arm(q, 1);
        }
    } while (more);
    netfront_rx_refill(g, q);
    return false;
}
