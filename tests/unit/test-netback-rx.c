/* tests/unit/test-netback-rx.c: the netback core's RX path (rx.c) against
 * the test bed (netback-bed.h): frames from the switch into the guest's
 * buffers, event suppression, bad grants, bounds, checksum fallback. */
#include <config.h>

#include "tests/unit/unit-tests.h"

#include <errno.h>
#include <string.h>

#include "tests/unit/netback-bed.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/pkt.h"
#include "vif-backend/vif-private.h"

/* ---------------------------------------------------------------------- */
/* RX. */

static void
rx_post(struct bed *b, int n, uint32_t first_ref)
{
    for (int i = 0; i < n; i++) {
        struct netif_rx_request *r
            = RING_GET_REQUEST(&b->rx, b->rx.req_prod_pvt);
        r->id = b->rx.req_prod_pvt & 0xff;
        r->gref = first_ref + i;
        b->rx.req_prod_pvt++;
    }
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&b->rx, notify);
    (void)notify;
}

static void
port_inject(struct bed *b, const uint8_t *data, size_t size,
            const struct virtio_net_hdr *vnet)
{
    struct bed_frame *f = &b->port->inq[b->port->n_in++];
    memset(&f->vnet, 0, sizeof f->vnet);
    if (vnet) {
        f->vnet = *vnet;
    }
    f->size = size;
    memcpy(f->data, data, size);
}

static void
test_rx_basic(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    uint8_t frame[100];
    struct vif_queue *q = &b->vif->queues[0];

    bed_fill_pattern(frame, sizeof frame, 11);
    frame[0] = 0x02;
    rx_post(b, 4, BED_DATA_REF);
    port_inject(b, frame, sizeof frame, NULL);
    vif_rx_port_run(b->vif);
    vif_rx_action(q);

    CHECK(b->rx.sring->rsp_prod == 1, "rsp_prod %u", b->rx.sring->rsp_prod);
    const struct netif_rx_response *r = RING_GET_RESPONSE(&b->rx, 0);
    CHECK(r->status == 100 && r->offset == 0 && r->flags == 0 && r->id == 0,
          "response status %d offset %u flags %u", r->status, r->offset,
          r->flags);
    CHECK(!memcmp(bed_page(b, BED_DATA_REF), frame, 100),
          "data not in guest page");
    CHECK(b->fp->notified[107] == 1, "no notification");
    CHECK(q->stats.rx_packets == 1, "rx_packets");
    bed_destroy(b);
}

static void
test_rx_gso_multislot(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    static uint8_t frame[9000];
    struct virtio_net_hdr vnet = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .gso_size = 1448,
        .csum_start = 34,
        .csum_offset = 16,
        .hdr_len = 54,
    };

    bed_make_tcp4(frame, sizeof frame);
    rx_post(b, 8, BED_DATA_REF);
    port_inject(b, frame, sizeof frame, &vnet);
    vif_rx_port_run(b->vif);
    vif_rx_action(&b->vif->queues[0]);

    /* 3 data slots + 1 GSO extra. */
    CHECK(b->rx.sring->rsp_prod == 4, "rsp_prod %u", b->rx.sring->rsp_prod);
    const struct netif_rx_response *r0 = RING_GET_RESPONSE(&b->rx, 0);
    CHECK(r0->flags
              == (NETRXF_csum_blank | NETRXF_data_validated | NETRXF_extra_info
                  | NETRXF_more_data),
          "first flags %#x", r0->flags);
    CHECK(r0->status == 4096, "first status %d", r0->status);
    const struct netif_extra_info *e
        = (const void *)RING_GET_RESPONSE(&b->rx, 1);
    CHECK(e->type == XEN_NETIF_EXTRA_TYPE_GSO && e->u.gso.size == 1448
              && e->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 && !e->flags,
          "extra type %u size %u", e->type, e->u.gso.size);
    const struct netif_rx_response *r2 = RING_GET_RESPONSE(&b->rx, 2);
    const struct netif_rx_response *r3 = RING_GET_RESPONSE(&b->rx, 3);
    CHECK(r2->flags == NETRXF_more_data && r2->status == 4096, "slot 2");
    CHECK(r3->flags == 0 && r3->status == 9000 - 8192, "slot 3");
    CHECK(!memcmp(bed_page(b, BED_DATA_REF), frame, 4096)
              && !memcmp(bed_page(b, BED_DATA_REF + 2), frame + 4096, 4096)
              && !memcmp(bed_page(b, BED_DATA_REF + 3), frame + 8192,
                         9000 - 8192),
          "data");
    bed_destroy(b);
}

static void
test_rx_event_suppression(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    struct vif_queue *q = &b->vif->queues[0];
    uint8_t frame[60];

    memset(frame, 0x02, sizeof frame);
    rx_post(b, 8, BED_DATA_REF);
    /* The guest is polling: it asked for no event until far ahead. */
    b->rx.sring->rsp_event = 100;
    port_inject(b, frame, sizeof frame, NULL);
    vif_rx_port_run(b->vif);
    vif_rx_action(q);
    CHECK(b->rx.sring->rsp_prod == 1, "not delivered");
    CHECK(b->fp->notified[107] == 0, "notified although suppressed");

    /* The guest re-arms at the next response: now it must be woken. */
    b->rx.sring->rsp_event = b->rx.sring->rsp_prod + 1;
    port_inject(b, frame, sizeof frame, NULL);
    vif_rx_port_run(b->vif);
    vif_rx_action(q);
    CHECK(b->fp->notified[107] == 1, "not notified when asked");

    /* No buffers: the backend asks for an event at the next request. */
    b->rx.sring->rsp_event = b->rx.sring->rsp_prod + 1;
    static uint8_t big[20000];
    memset(big, 0x02, sizeof big);
    port_inject(b, big, sizeof big, NULL); /* needs 5, 6 posted */
    port_inject(b, big, sizeof big, NULL); /* needs 5 more */
    vif_rx_port_run(b->vif);
    vif_rx_action(q);
    CHECK(b->rx.sring->rsp_prod == 7, "rsp_prod %u", b->rx.sring->rsp_prod);
    CHECK(b->rx.sring->req_event == b->rx.sring->req_prod + 1,
          "req_event %u, req_prod %u", b->rx.sring->req_event,
          b->rx.sring->req_prod);
    CHECK(!ovs_list_is_empty(&q->rx_queue), "frame not kept");
    bed_destroy(b);
}

static void
test_rx_bad_grant(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    uint8_t frame[60];

    memset(frame, 0x02, sizeof frame);
    b->fp->grants[BED_DATA_REF].readonly = true;
    rx_post(b, 1, BED_DATA_REF);
    port_inject(b, frame, sizeof frame, NULL);
    vif_rx_port_run(b->vif);
    vif_rx_action(&b->vif->queues[0]);
    const struct netif_rx_response *r = RING_GET_RESPONSE(&b->rx, 0);
    CHECK(r->status == VIF_GNTST_PERMISSION_DENIED, "status %d", r->status);
    CHECK(b->vif->queues[0].stats.rx_copy_errors == 1, "not counted");
    CHECK(!b->vif->disabled, "disabled");
    bed_destroy(b);
}

static void
test_rx_bounded(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    struct vif_queue *q = &b->vif->queues[0];
    static uint8_t frame[1500];

    memset(frame, 0x02, sizeof frame);
    /* The guest posts nothing; traffic keeps coming. */
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < BED_FRAMES; i++) {
            port_inject(b, frame, sizeof frame, NULL);
        }
        vif_rx_port_run(b->vif);
        vif_rx_action(q);
        b->port->n_in = b->port->in_pos = 0;
        CHECK(q->rx_queue_bytes <= VIF_RX_QUEUE_BYTES, "queue %" PRIuSIZE,
              q->rx_queue_bytes);
    }
    /* The port keeps the rest (backpressure) or they were dropped. */
    CHECK(q->rx_queue_bytes + 1500 > VIF_RX_QUEUE_BYTES, "queue not full");

    /* 10 s later everything queued has expired. */
    long long now = time_msec();
    vif_rx_check_timers(q, now + VIF_RX_DRAIN_MS + 1);
    CHECK(ovs_list_is_empty(&q->rx_queue), "not expired");
    CHECK(q->stats.rx_drop_expired > 0, "expiry not counted");

    /* 60 s without progress: stalled, carrier off, drops. */
    port_inject(b, frame, sizeof frame, NULL);
    vif_rx_port_run(b->vif);
    q->last_rx_time = now - VIF_RX_STALL_MS - 1;
    vif_rx_check_timers(q, now);
    CHECK(q->stalled, "not stalled");
    vif_run(b->vif);
    CHECK(!b->port->carrier, "carrier still on");

    /* The guest posts buffers: carrier back. */
    rx_post(b, 4, BED_DATA_REF);
    vif_rx_action(q);
    CHECK(!q->stalled, "still stalled");
    vif_run(b->vif);
    CHECK(b->port->carrier, "carrier still off");
    bed_destroy(b);
}

static void
test_rx_csum_fallback(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    uint8_t frame[200];
    struct virtio_net_hdr vnet = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .csum_start = 34,
        .csum_offset = 16,
    };

    bed_make_tcp4(frame, sizeof frame);
    /* As the kernel hands it over: the pseudo-header sum in the field. */
    uint8_t pseudo[12];
    memcpy(pseudo, &frame[26], 8);
    memcpy(&pseudo[8], (uint8_t[]){0, 6, 0, 200 - 34}, 4);
    uint16_t psum = vif_pkt_csum_fold(vif_pkt_csum_add(0, pseudo, 12));
    frame[50] = psum >> 8;
    frame[51] = psum;
    b->vif->features.ip_csum = false;
    rx_post(b, 1, BED_DATA_REF);
    port_inject(b, frame, sizeof frame, &vnet);
    vif_rx_port_run(b->vif);
    vif_rx_action(&b->vif->queues[0]);
    const struct netif_rx_response *r = RING_GET_RESPONSE(&b->rx, 0);
    CHECK(!(r->flags & NETRXF_csum_blank), "csum_blank to a guest without "
                                           "checksum offload");
    /* The TCP checksum now verifies (sum over pseudo header + segment). */
    uint8_t *p = bed_page(b, BED_DATA_REF);
    uint32_t sum = vif_pkt_csum_add(0, &p[26], 8);
    uint8_t tail[4] = {0, 6, 0, 200 - 34};
    sum = vif_pkt_csum_add(sum, tail, 4);
    sum = vif_pkt_csum_add(sum, &p[34], 200 - 34);
    CHECK(vif_pkt_csum_fold(sum) == 0xffff, "checksum wrong: %#x",
          vif_pkt_csum_fold(sum));
    bed_destroy(b);
}

/* Frames go straight from the port into the guest's ring while nothing is
 * queued and requests are posted; the rest are queued behind them, and
 * frames arriving while some are queued queue too: the guest sees them in
 * the order the port gave them. */
static void
test_rx_direct_order(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    struct vif_queue *q = &b->vif->queues[0];
    uint8_t frame[6][80];

    for (int i = 0; i < 6; i++) {
        bed_fill_pattern(frame[i], sizeof frame[i], 20 + i);
        frame[i][0] = 0x02;
    }
    rx_post(b, 2, BED_DATA_REF);
    for (int i = 0; i < 4; i++) {
        port_inject(b, frame[i], sizeof frame[i], NULL);
    }
    vif_rx_port_run(b->vif);
    CHECK(b->rx.sring->rsp_prod == 2, "rsp_prod %u", b->rx.sring->rsp_prod);
    CHECK(ovs_list_size(&q->rx_queue) == 2, "%" PRIuSIZE " queued",
          ovs_list_size(&q->rx_queue));
    CHECK(q->rx_queue_bytes == 2 * 80, "queue bytes %" PRIuSIZE,
          q->rx_queue_bytes);
    /* The event that brought the requests is not spurious: the direct
     * delivery leaves that judgement to vif_rx_action(). */
    CHECK(vif_rx_action(q), "requests not noticed");

    /* The guest posts more: frames 5 and 6 arrive while 3 and 4 wait. */
    rx_post(b, 4, BED_DATA_REF + 2);
    port_inject(b, frame[4], sizeof frame[4], NULL);
    port_inject(b, frame[5], sizeof frame[5], NULL);
    vif_rx_port_run(b->vif);
    CHECK(b->rx.sring->rsp_prod == 2, "jumped the queue: rsp_prod %u",
          b->rx.sring->rsp_prod);
    vif_rx_action(q);
    CHECK(b->rx.sring->rsp_prod == 6, "rsp_prod %u", b->rx.sring->rsp_prod);
    for (int i = 0; i < 6; i++) {
        const struct netif_rx_response *r = RING_GET_RESPONSE(&b->rx, i);
        CHECK(r->status == 80 && r->id == i, "response %d: status %d id %u", i,
              r->status, r->id);
        CHECK(!memcmp(bed_page(b, BED_DATA_REF + i), frame[i], 80),
              "frame %d not in its page", i);
    }
    CHECK(q->stats.rx_packets == 6, "rx_packets %" PRIu64,
          q->stats.rx_packets);
    CHECK(ovs_list_is_empty(&q->rx_queue) && !q->rx_queue_bytes,
          "queue not empty");
    bed_destroy(b);
}

/* The direct path drops what the queued path drops: a stalled queue's
 * frames (until vif_rx_action() sees the guest post again), and it checks
 * req_prod as vif_rx_action() does (XSA-39). */
static void
test_rx_direct_checks(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    struct vif_queue *q = &b->vif->queues[0];
    uint8_t frame[60];

    memset(frame, 0x02, sizeof frame);
    q->stalled = true;
    rx_post(b, 2, BED_DATA_REF);
    port_inject(b, frame, sizeof frame, NULL);
    vif_rx_port_run(b->vif);
    CHECK(b->rx.sring->rsp_prod == 0, "delivered while stalled");
    CHECK(q->stats.rx_drop_stalled == 1, "rx_drop_stalled %" PRIu64,
          q->stats.rx_drop_stalled);
    vif_rx_action(q);
    CHECK(!q->stalled, "still stalled");
    port_inject(b, frame, sizeof frame, NULL);
    vif_rx_port_run(b->vif);
    CHECK(b->rx.sring->rsp_prod == 1, "rsp_prod %u", b->rx.sring->rsp_prod);

    /* A guest claiming more requests than the ring holds is disabled
     * before any of them is used. */
    b->rx.sring->req_prod = b->rx.req_prod_pvt + VIF_RX_RING_SIZE;
    port_inject(b, frame, sizeof frame, NULL);
    vif_rx_port_run(b->vif);
    CHECK(b->vif->disabled, "not disabled");
    CHECK(q->rx.req_cons == 1, "req_cons %u", q->rx.req_cons);
    CHECK(b->rx.sring->rsp_prod == 1, "rsp_prod %u", b->rx.sring->rsp_prod);
    bed_destroy(b);
}

void
test_netback_rx_register(void)
{
    unit_add("netback-rx-basic", test_rx_basic, NULL);
    unit_add("netback-rx-gso-multislot", test_rx_gso_multislot, NULL);
    unit_add("netback-rx-event-suppression", test_rx_event_suppression, NULL);
    unit_add("netback-rx-bad-grant", test_rx_bad_grant, NULL);
    unit_add("netback-rx-bounded", test_rx_bounded, NULL);
    unit_add("netback-rx-csum-fallback", test_rx_csum_fallback, NULL);
    unit_add("netback-rx-direct-order", test_rx_direct_order, NULL);
    unit_add("netback-rx-direct-checks", test_rx_direct_checks, NULL);
}
