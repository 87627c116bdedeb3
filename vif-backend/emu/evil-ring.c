/* vif-backend/emu/evil-ring.c: xovs-evil-guest's netif rings.
 *
 * Nothing here is careful about the shared rings on purpose: grants are made
 * once and never revoked, ids are ring indices, and responses are counted,
 * never trusted beyond the indices' sanity.  The attacks (evil-attacks.c)
 * queue their requests with the TX building blocks below
 * (evil-private.h). */
#include <config.h>

#include <string.h>

#include "util.h"
#include "vif-backend/emu/emu.h"
#include "vif-backend/emu/evil-private.h"

/* ---- Rings ---------------------------------------------------------------
 */

static uint32_t
alloc_page(struct evil *e)
{
    uint32_t frame;

    if (vif_emu_alloc_page(e->dom, &frame)) {
        ovs_fatal(0, "out of guest memory");
    }
    return frame;
}

static uint32_t
grant(struct evil *e, uint32_t frame, uint16_t domid, bool readonly)
{
    uint32_t ref;

    if (vif_emu_grant_access(e->dom, frame, domid, readonly, &ref)) {
        ovs_fatal(0, "out of grant references");
    }
    return ref;
}

void
ring_notify(struct evil *e)
{
    vif_emu_notify(e->dom, e->evtchn);
}

/* Grants everything once: ring pages, one page per TX and RX slot
 * (read-only for TX; for RX as 'rx_fill' wants), one page for another
 * domain. */
void
ring_setup(struct evil *e)
{
    e->tx_ring_frame = alloc_page(e);
    e->rx_ring_frame = alloc_page(e);
    struct netif_tx_sring *txs = vif_emu_page(e->dom, e->tx_ring_frame);
    struct netif_rx_sring *rxs = vif_emu_page(e->dom, e->rx_ring_frame);
    SHARED_RING_INIT(txs);
    FRONT_RING_INIT(&e->tx, txs, EVIL_PAGE);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&e->rx, rxs, EVIL_PAGE);
    e->tx_ring_ref = grant(e, e->tx_ring_frame, e->be_id, false);
    e->rx_ring_ref = grant(e, e->rx_ring_frame, e->be_id, false);

    for (size_t i = 0; i < EVIL_N_SLOTS; i++) {
        e->tx_frame[i] = alloc_page(e);
        e->tx_ref[i] = grant(e, e->tx_frame[i], e->be_id, true);
        e->rx_frame[i] = alloc_page(e);
        e->rx_ref[i] = grant(e, e->rx_frame[i], e->be_id, false);
        e->ro_ref[i] = grant(e, e->rx_frame[i], e->be_id, true);
    }
    e->other_frame = alloc_page(e);
    e->other_ref = grant(e, e->other_frame, EVIL_OTHER_DOMID, false);
    /* Grant and revoke one more: a ref in range that is not granted. */
    e->unused_ref = grant(e, alloc_page(e), e->be_id, false);
    vif_emu_end_access(e->dom, e->unused_ref);

    if (vif_emu_alloc_unbound(e->dom, e->be_id, &e->evtchn)) {
        ovs_fatal(0, "no event channel");
    }
    e->up = true;
}

static uint32_t
rx_gref(const struct evil *e, unsigned int id)
{
    switch (e->attack->rx_fill) {
    case RX_READONLY:
        return e->ro_ref[id];
    case RX_UNGRANTED:
        return e->unused_ref;
    case RX_OTHER_DOM:
        return e->other_ref;
    case RX_GOOD:
    case RX_NONE:
    case RX_OVERFLOW:
    case RX_FLIP_LATER:
    default:
        return e->rx_ref[id];
    }
}

/* Keeps the RX ring full (unless this attack never posts). */
void
ring_rx_refill(struct evil *e)
{
    bool posted = false;
    int do_notify;

    if (e->attack->rx_fill == RX_NONE) {
        return;
    }
    while (e->rx.req_prod_pvt - e->rx.rsp_cons < EVIL_N_SLOTS) {
        RING_IDX i = e->rx.req_prod_pvt++;
        struct netif_rx_request req;

        memset(&req, 0, sizeof req);
        req.id = i & (EVIL_N_SLOTS - 1);
        req.gref = rx_gref(e, req.id);
        *RING_GET_REQUEST(&e->rx, i) = req;
        posted = true;
    }
    if (posted) {
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&e->rx, do_notify);
        if (do_notify) {
            ring_notify(e);
        }
    }
}

/* Consumes and counts responses; never trusts what the backend wrote
 * beyond the indices' sanity. */
void
ring_poll(struct evil *e)
{
    int more;

    if (!e->up) {
        return;
    }
    do {
        RING_IDX prod = e->tx.sring->rsp_prod;
        rmb();
        if (prod - e->tx.rsp_cons > EVIL_N_SLOTS) {
            break;
        }
        for (; e->tx.rsp_cons != prod; e->tx.rsp_cons++) {
            struct netif_tx_response rsp;
            RING_COPY_RESPONSE(&e->tx, e->tx.rsp_cons, &rsp);
            if (rsp.status == NETIF_RSP_NULL) {
                e->tx_null++;
            } else if (rsp.status == NETIF_RSP_OKAY) {
                e->tx_ok++;
            } else {
                e->tx_err++;
            }
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&e->tx, more);
    } while (more);

    do {
        RING_IDX prod = e->rx.sring->rsp_prod;
        rmb();
        if (prod - e->rx.rsp_cons > EVIL_N_SLOTS) {
            break;
        }
        for (; e->rx.rsp_cons != prod; e->rx.rsp_cons++) {
            struct netif_rx_response rsp;
            RING_COPY_RESPONSE(&e->rx, e->rx.rsp_cons, &rsp);
            if (rsp.status < 0) {
                e->rx_err++;
            } else {
                e->rx_ok++;
            }
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&e->rx, more);
    } while (more);
    if (e->attack->rx_fill != RX_OVERFLOW) {
        ring_rx_refill(e);
    }
}

/* ---- TX building blocks --------------------------------------------------
 */

unsigned int
ring_tx_space(const struct evil *e)
{
    return EVIL_N_SLOTS - (e->tx.req_prod_pvt - e->tx.rsp_cons);
}

/* A valid Ethernet frame of 'len' bytes at 'p': to our own MAC (OVS learns
 * us and drops it: it goes nowhere), local experimental ethertype. */
static void
fill_frame(const struct evil *e, uint8_t *p, size_t len)
{
    memset(p, 0x5a, len);
    memcpy(p, e->mac, 6);
    memcpy(p + 6, e->mac, 6);
    p[12] = 0x88;
    p[13] = 0xb5;
}

/* Queues one request (not pushed).  The slot's page gets a frame header so
 * that whatever the backend forwards is well formed. */
void
ring_tx_req(struct evil *e, uint32_t gref, uint16_t offset, uint16_t size,
            uint16_t flags)
{
    RING_IDX i = e->tx.req_prod_pvt++;
    unsigned int id = i & (EVIL_N_SLOTS - 1);
    struct netif_tx_request req;

    fill_frame(e, vif_emu_page(e->dom, e->tx_frame[id]), EVIL_PAGE);
    memset(&req, 0, sizeof req);
    req.gref = gref == UINT32_MAX ? e->tx_ref[id] : gref;
    req.offset = offset;
    req.size = size;
    req.id = id;
    req.flags = flags;
    *RING_GET_REQUEST(&e->tx, i) = req;
}

/* Queues one extra-info slot. */
void
ring_tx_extra(struct evil *e, const struct netif_extra_info *extra)
{
    union {
        struct netif_tx_request req;
        struct netif_extra_info extra;
    } slot;

    memset(&slot, 0, sizeof slot);
    slot.extra = *extra;
    *RING_GET_REQUEST(&e->tx, e->tx.req_prod_pvt++) = slot.req;
}

void
ring_tx_push(struct evil *e)
{
    int do_notify;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&e->tx, do_notify);
    if (do_notify) {
        ring_notify(e);
    }
}

/* One valid single-slot frame of 'len' bytes. */
void
ring_tx_valid(struct evil *e, uint16_t len)
{
    if (ring_tx_space(e) >= 1) {
        ring_tx_req(e, RING_OWN, 0, len, 0);
        e->tx_sent++;
    }
}

/* A packet of 'n' slots of 'each' bytes, valid except for its length. */
void
ring_tx_slots(struct evil *e, unsigned int n, uint16_t each)
{
    for (unsigned int s = 0; s < n; s++) {
        ring_tx_req(e, RING_OWN, 0, s ? each : n * each,
                    s + 1 < n ? NETTXF_more_data : 0);
    }
}
