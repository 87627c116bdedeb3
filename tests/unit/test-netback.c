/* tests/unit/test-netback.c: the netback core (vif-backend/) against an
 * in-process fake platform and a fake port.
 *
 * The fake platform is a guest: an array of pages, a grant table whose
 * entries name a page, the domain it is granted to and whether it is
 * read-only, and event channels that count notifications.  Its map and
 * copy make the checks Xen makes.  Each test plays the frontend on the
 * rings exactly as netfront would (or as a malicious one would) and checks
 * what the switch (the fake port) and the guest (responses, memory) see. */
#include <config.h>

#include "tests/unit/unit-tests.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/pkt.h"
#include "vif-backend/vif-private.h"

#define FAKE_PAGES 64
#define FAKE_GRANTS 64
#define GUEST_DOMID 5
#define TX_RING_REF 1
#define RX_RING_REF 2
#define CTRL_RING_REF 3
#define DATA_REF 10 /* refs DATA_REF.. map pages DATA_REF.. */

struct fake_grant {
    bool granted;
    uint16_t to_domid;
    bool readonly;
    uint32_t page;
};

struct fake_platform {
    struct vif_platform up;
    uint8_t (*pages)[VIF_PAGE_SIZE];
    struct fake_grant grants[FAKE_GRANTS];
    unsigned int notified[512];
    unsigned int n_copies;
    /* Called at the start of every copy: lets a test play a guest that
     * rewrites its requests while the backend works. */
    void (*copy_hook)(struct fake_platform *);
};

static struct fake_platform *
fake_cast(struct vif_platform *p)
{
    return CONTAINER_OF(p, struct fake_platform, up);
}

static int
fake_open(uint16_t backend_domid OVS_UNUSED, struct vif_platform **pp)
{
    struct fake_platform *fp = xzalloc(sizeof *fp);
    fp->pages = xzalloc(FAKE_PAGES * VIF_PAGE_SIZE);
    for (uint32_t i = 0; i < FAKE_GRANTS; i++) {
        fp->grants[i] = (struct fake_grant){true, 0, false, i};
    }
    fp->grants[0].granted = false; /* ref 0 is reserved */
    *pp = &fp->up;
    return 0;
}

static void
fake_close(struct vif_platform *p)
{
    if (p) {
        struct fake_platform *fp = fake_cast(p);
        free(fp->pages);
        free(fp);
    }
}

static int16_t
fake_check(struct fake_platform *fp, uint16_t domid, uint32_t ref, bool write)
{
    if (domid != GUEST_DOMID) {
        return VIF_GNTST_BAD_DOMAIN;
    }
    if (ref >= FAKE_GRANTS || !fp->grants[ref].granted
        || fp->grants[ref].page >= FAKE_PAGES) {
        return VIF_GNTST_BAD_GNTREF;
    }
    if (fp->grants[ref].to_domid != 0) {
        return VIF_GNTST_PERMISSION_DENIED;
    }
    if (write && fp->grants[ref].readonly) {
        return VIF_GNTST_PERMISSION_DENIED;
    }
    return VIF_GNTST_OKAY;
}

static int
fake_map(struct vif_platform *p, uint16_t domid, const uint32_t *refs,
         size_t n, bool readonly, void **addr, struct vif_mapping **map)
{
    struct fake_platform *fp = fake_cast(p);

    if (n != 1 || fake_check(fp, domid, refs[0], !readonly)) {
        return EPERM;
    }
    *addr = fp->pages[fp->grants[refs[0]].page];
    *map = (struct vif_mapping *)*addr;
    return 0;
}

static void
fake_unmap(struct vif_platform *p OVS_UNUSED, struct vif_mapping *m OVS_UNUSED)
{
}

static int
fake_copy(struct vif_platform *p, struct vif_copy_seg *segs, size_t n)
{
    struct fake_platform *fp = fake_cast(p);

    fp->n_copies++;
    if (fp->copy_hook) {
        fp->copy_hook(fp);
    }
    for (size_t i = 0; i < n; i++) {
        struct vif_copy_seg *s = &segs[i];
        s->status = fake_check(fp, s->domid, s->ref, s->to_guest);
        if (!s->status && s->offset + s->len > VIF_PAGE_SIZE) {
            s->status = VIF_GNTST_BAD_COPY_ARG;
        }
        if (!s->status) {
            uint8_t *page = fp->pages[fp->grants[s->ref].page];
            if (s->to_guest) {
                memcpy(page + s->offset, s->local, s->len);
            } else {
                memcpy(s->local, page + s->offset, s->len);
            }
        }
    }
    return 0;
}

static int
fake_bind(struct vif_platform *p OVS_UNUSED, uint16_t domid,
          uint32_t remote_port, uint32_t *local_port)
{
    if (domid != GUEST_DOMID || remote_port >= 256) {
        return EINVAL;
    }
    *local_port = remote_port + 100;
    return 0;
}

static void
fake_unbind(struct vif_platform *p OVS_UNUSED, uint32_t port OVS_UNUSED)
{
}

static int
fake_notify(struct vif_platform *p, uint32_t port)
{
    struct fake_platform *fp = fake_cast(p);
    if (port < ARRAY_SIZE(fp->notified)) {
        fp->notified[port]++;
    }
    return 0;
}

static int
fake_fd(struct vif_platform *p OVS_UNUSED)
{
    return -1;
}

static int64_t
fake_pending(struct vif_platform *p OVS_UNUSED)
{
    return -1;
}

static int
fake_unmask(struct vif_platform *p OVS_UNUSED, uint32_t port OVS_UNUSED)
{
    return 0;
}

static const struct vif_platform_class fake_platform_class = {
    .name = "fake",
    .open = fake_open,
    .close = fake_close,
    .map = fake_map,
    .unmap = fake_unmap,
    .copy = fake_copy,
    .bind = fake_bind,
    .unbind = fake_unbind,
    .notify = fake_notify,
    .fd = fake_fd,
    .pending = fake_pending,
    .unmask = fake_unmask,
};

/* ---------------------------------------------------------------------- */
/* Fake port: remembers what the backend sent, feeds what tests queue. */

#define FAKE_FRAMES 32

struct fake_frame {
    struct virtio_net_hdr vnet;
    size_t size;
    uint8_t data[VIF_PORT_MAX_FRAME];
};

struct fake_port {
    struct vif_port up;
    struct fake_frame *sent;
    size_t n_sent;
    struct fake_frame *inq;
    size_t n_in, in_pos;
    bool carrier;
};

static struct fake_port *
fport_cast(struct vif_port *p)
{
    return CONTAINER_OF(p, struct fake_port, up);
}

static const struct vif_port_class fake_port_class;

static int
fport_open(const char *name OVS_UNUSED, bool mq OVS_UNUSED,
           struct vif_port **pp)
{
    struct fake_port *fp = xzalloc(sizeof *fp);
    fp->up.class = &fake_port_class;
    fp->sent = xcalloc(FAKE_FRAMES, sizeof *fp->sent);
    fp->inq = xcalloc(FAKE_FRAMES, sizeof *fp->inq);
    *pp = &fp->up;
    return 0;
}

static void
fport_close(struct vif_port *p)
{
    if (p) {
        struct fake_port *fp = fport_cast(p);
        free(fp->sent);
        free(fp->inq);
        free(fp);
    }
}

static int
fport_set_n_queues(struct vif_port *p OVS_UNUSED, size_t n OVS_UNUSED)
{
    return 0;
}

static int
fport_set_offloads(struct vif_port *p OVS_UNUSED, unsigned int o OVS_UNUSED)
{
    return 0;
}

static int
fport_set_carrier(struct vif_port *p, bool up)
{
    fport_cast(p)->carrier = up;
    return 0;
}

static int
fport_send(struct vif_port *p, size_t queue OVS_UNUSED,
           const struct virtio_net_hdr *vnet, const void *frame, size_t size)
{
    struct fake_port *fp = fport_cast(p);
    if (fp->n_sent >= FAKE_FRAMES) {
        return EAGAIN;
    }
    struct fake_frame *f = &fp->sent[fp->n_sent++];
    f->vnet = *vnet;
    f->size = size;
    memcpy(f->data, frame, size);
    return 0;
}

static int
fport_recv(struct vif_port *p, size_t queue, struct virtio_net_hdr *vnet,
           void *buf, size_t *size)
{
    struct fake_port *fp = fport_cast(p);
    if (queue || fp->in_pos >= fp->n_in) {
        return EAGAIN;
    }
    struct fake_frame *f = &fp->inq[fp->in_pos++];
    *vnet = f->vnet;
    memcpy(buf, f->data, f->size);
    *size = f->size;
    return 0;
}

static void
fport_recv_wait(struct vif_port *p OVS_UNUSED, size_t q OVS_UNUSED)
{
}

static const struct vif_port_class fake_port_class = {
    .name = "fake",
    .open = fport_open,
    .close = fport_close,
    .set_n_queues = fport_set_n_queues,
    .set_offloads = fport_set_offloads,
    .set_carrier = fport_set_carrier,
    .send = fport_send,
    .recv = fport_recv,
    .recv_wait = fport_recv_wait,
};

/* ---------------------------------------------------------------------- */
/* A test bed: one VIF with one queue, the guest's front rings. */

struct bed {
    struct fake_platform *fp;
    struct fake_port *port;
    struct vif *vif;
    struct netif_tx_front_ring tx;
    struct netif_rx_front_ring rx;
    RING_IDX tx_rsp_seen;
};

static struct bed *
bed_create(void)
{
    struct bed *b = xzalloc(sizeof *b);
    struct vif_platform *p;
    struct vif_port *port;

    fake_open(0, &p);
    b->fp = fake_cast(p);
    p->class = &fake_platform_class;
    fport_open("vif5.0", false, &port);
    b->port = fport_cast(port);

    struct netif_tx_sring *txs = (void *)b->fp->pages[TX_RING_REF];
    struct netif_rx_sring *rxs = (void *)b->fp->pages[RX_RING_REF];
    SHARED_RING_INIT(txs);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&b->tx, txs, VIF_PAGE_SIZE);
    FRONT_RING_INIT(&b->rx, rxs, VIF_PAGE_SIZE);

    b->vif = xmalloc(sizeof *b->vif);
    vif_init(b->vif, p, &fake_port_class, GUEST_DOMID, 0);
    b->vif->port = port;
    b->vif->features = (struct vif_features){
        .sg = true,
        .gso4 = true,
        .gso6 = true,
        .ip_csum = true,
        .ipv6_csum = true,
        .rx_notify = true,
    };
    struct vif_queue_config cfg = {TX_RING_REF, RX_RING_REF, 7, 7};
    ovs_assert(!vif_queue_connect(b->vif, 0, &cfg));
    return b;
}

static void
bed_destroy(struct bed *b)
{
    vif_disconnect(b->vif);
    free(b->vif->disable_reason);
    free(b->vif);
    fport_close(&b->port->up);
    fake_close(&b->fp->up);
    free(b);
}

static uint8_t *
page(struct bed *b, uint32_t ref)
{
    return b->fp->pages[b->fp->grants[ref].page];
}

/* Queues one TX request (not yet pushed). */
static void
tx_req(struct bed *b, uint32_t gref, uint16_t offset, uint16_t flags,
       uint16_t id, uint16_t size)
{
    struct netif_tx_request *r
        = RING_GET_REQUEST(&b->tx, b->tx.req_prod_pvt++);
    r->gref = gref;
    r->offset = offset;
    r->flags = flags;
    r->id = id;
    r->size = size;
}

static void
tx_extra(struct bed *b, const struct netif_extra_info *e)
{
    void *slot = RING_GET_REQUEST(&b->tx, b->tx.req_prod_pvt++);
    memset(slot, 0, sizeof(struct netif_tx_request));
    memcpy(slot, e, sizeof *e);
}

static void
tx_push(struct bed *b)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&b->tx, notify);
    (void)notify;
}

/* Counts responses with each status since the last call. */
struct tx_counts {
    int okay, error, null, dropped;
    int ids[64];
    int n;
};

static struct tx_counts
tx_responses(struct bed *b)
{
    struct tx_counts c;
    memset(&c, 0, sizeof c);
    RING_IDX prod = b->tx.sring->rsp_prod;
    for (; b->tx_rsp_seen != prod; b->tx_rsp_seen++) {
        const struct netif_tx_response *r
            = RING_GET_RESPONSE(&b->tx, b->tx_rsp_seen);
        if (r->status == NETIF_RSP_OKAY) {
            c.okay++;
        } else if (r->status == NETIF_RSP_ERROR) {
            c.error++;
        } else if (r->status == NETIF_RSP_NULL) {
            c.null++;
        } else {
            c.dropped++;
        }
        if (r->status != NETIF_RSP_NULL && c.n < 64) {
            c.ids[c.n++] = r->id;
        }
    }
    b->tx.rsp_cons = prod;
    return c;
}

static void
fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = seed + i * 7;
    }
}

/* An Ethernet + IPv4 + TCP frame of 'size' bytes at 'p'. */
static void
make_tcp4(uint8_t *p, size_t size)
{
    memset(p, 0, 54);
    memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
    p[14] = 0x45;
    p[16] = (size - 14) >> 8;
    p[17] = size - 14;
    p[22] = 64;
    p[23] = 6;
    memcpy(&p[26], "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
    p[34] = 0x30;
    p[35] = 0x39;
    p[36] = 0x00;
    p[37] = 0x50;
    p[46] = 0x50; /* data offset 5 */
    fill_pattern(&p[54], size - 54, 3);
}

/* ---------------------------------------------------------------------- */
/* TX: normal traffic. */

static void
test_tx_single(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    fill_pattern(page(b, DATA_REF) + 100, 60, 1);
    tx_req(b, DATA_REF, 100, NETTXF_data_validated, 42, 60);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);

    struct tx_counts c = tx_responses(b);
    CHECK(b->port->n_sent == 1, "sent %" PRIuSIZE, b->port->n_sent);
    CHECK(b->port->sent[0].size == 60, "size %" PRIuSIZE,
          b->port->sent[0].size);
    CHECK(!memcmp(b->port->sent[0].data, page(b, DATA_REF) + 100, 60),
          "data differs");
    CHECK(b->port->sent[0].vnet.flags == VIRTIO_NET_HDR_F_DATA_VALID,
          "vnet flags %u", b->port->sent[0].vnet.flags);
    CHECK(c.okay == 1 && c.ids[0] == 42, "responses ok=%d id=%d", c.okay,
          c.ids[0]);
    CHECK(b->vif->queues[0].stats.tx_packets == 1, "tx_packets");
    CHECK(b->fp->notified[107] == 1, "TX response not notified");
    CHECK(!b->vif->disabled, "disabled");
    bed_destroy(b);
}

static void
test_tx_fragments(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    uint8_t expect[3000];

    fill_pattern(expect, sizeof expect, 9);
    memcpy(page(b, DATA_REF) + 3000, expect, 1000);
    memcpy(page(b, DATA_REF + 1), expect + 1000, 1000);
    memcpy(page(b, DATA_REF + 2) + 96, expect + 2000, 1000);
    tx_req(b, DATA_REF, 3000, NETTXF_more_data, 1, 3000);
    tx_req(b, DATA_REF + 1, 0, NETTXF_more_data, 2, 1000);
    tx_req(b, DATA_REF + 2, 96, 0, 3, 1000);
    /* A second frame in the same batch. */
    tx_req(b, DATA_REF + 3, 0, 0, 4, 64);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);

    struct tx_counts c = tx_responses(b);
    CHECK(b->port->n_sent == 2, "sent %" PRIuSIZE, b->port->n_sent);
    CHECK(b->port->sent[0].size == 3000 && b->port->sent[1].size == 64,
          "sizes");
    CHECK(!memcmp(b->port->sent[0].data, expect, 3000), "data differs");
    CHECK(c.okay == 4, "okay responses %d", c.okay);
    CHECK(b->fp->n_copies == 1, "one batched copy, got %u", b->fp->n_copies);
    bed_destroy(b);
}

static void
test_tx_gso(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    struct netif_extra_info gso;

    make_tcp4(page(b, DATA_REF), 4000);
    memset(&gso, 0, sizeof gso);
    gso.type = XEN_NETIF_EXTRA_TYPE_GSO;
    gso.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    gso.u.gso.size = 1448;
    tx_req(b, DATA_REF, 0,
           NETTXF_extra_info | NETTXF_csum_blank | NETTXF_data_validated, 1,
           4000);
    tx_extra(b, &gso);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);

    struct tx_counts c = tx_responses(b);
    CHECK(c.okay == 1 && c.null == 1, "okay %d null %d", c.okay, c.null);
    CHECK(b->port->n_sent == 1, "sent %" PRIuSIZE, b->port->n_sent);
    const struct virtio_net_hdr *v = &b->port->sent[0].vnet;
    CHECK(v->gso_type == VIRTIO_NET_HDR_GSO_TCPV4, "gso_type %u", v->gso_type);
    CHECK(v->gso_size == 1448, "gso_size %u", v->gso_size);
    CHECK(v->flags == VIRTIO_NET_HDR_F_NEEDS_CSUM, "flags %u", v->flags);
    CHECK(v->csum_start == 34 && v->csum_offset == 16, "csum %u+%u",
          v->csum_start, v->csum_offset);
    CHECK(v->hdr_len == 54, "hdr_len %u", v->hdr_len);
    CHECK(b->vif->queues[0].stats.tx_gso == 1, "tx_gso");
    bed_destroy(b);
}

/* ---------------------------------------------------------------------- */
/* TX: the malicious frontend. */

/* Posts a chain of 'n' slots of 100 bytes each. */
static void
tx_chain(struct bed *b, int n)
{
    for (int i = 0; i < n; i++) {
        tx_req(b, DATA_REF + i % 8, 0, i + 1 < n ? NETTXF_more_data : 0, i,
               i == 0 ? 100 * n : 100);
    }
    tx_push(b);
}

static void
test_tx_index_overflow(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    b->tx.sring->req_prod = b->tx.req_prod_pvt + VIF_TX_RING_SIZE + 1;
    vif_tx_action(&b->vif->queues[0]);
    CHECK(b->vif->disabled, "not disabled");
    CHECK(b->port->n_sent == 0, "sent");
    /* Teardown from the control path. */
    vif_run(b->vif);
    CHECK(b->vif->n_queues == 0, "rings still mapped");
    bed_destroy(b);
}

static void
test_tx_19_slots_dropped(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    tx_chain(b, 19);
    tx_req(b, DATA_REF, 0, 0, 99, 64); /* a good frame after it */
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct tx_counts c = tx_responses(b);
    CHECK(!b->vif->disabled, "disabled");
    CHECK(c.error == 19, "error responses %d", c.error);
    CHECK(b->vif->queues[0].stats.tx_drop_slots == 1, "not counted");
    CHECK(b->port->n_sent == 1 && b->port->sent[0].size == 64,
          "next frame lost");
    bed_destroy(b);
}

static void
test_tx_18_slots_pass(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    tx_chain(b, 18);
    vif_tx_action(&b->vif->queues[0]);
    CHECK(!b->vif->disabled, "disabled");
    CHECK(b->port->n_sent == 1 && b->port->sent[0].size == 1800, "not sent");
    bed_destroy(b);
}

static void
test_tx_20_slots_disable(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    tx_chain(b, 20);
    vif_tx_action(&b->vif->queues[0]);
    CHECK(b->vif->disabled, "not disabled");
    CHECK(b->port->n_sent == 0, "sent");
    bed_destroy(b);
}

static void
test_tx_chain_past_prod(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    tx_req(b, DATA_REF, 0, NETTXF_more_data, 1, 200);
    tx_req(b, DATA_REF + 1, 0, NETTXF_more_data, 2, 100);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    CHECK(b->vif->disabled, "not disabled");
    bed_destroy(b);
}

static void
test_tx_cross_page(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    tx_req(b, DATA_REF, 4000, 0, 1, 200);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    CHECK(b->vif->disabled, "first slot: not disabled");
    bed_destroy(b);

    b = bed_create();
    tx_req(b, DATA_REF, 0, NETTXF_more_data, 1, 300);
    tx_req(b, DATA_REF + 1, 4000, 0, 2, 200);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    CHECK(b->vif->disabled, "fragment: not disabled");
    bed_destroy(b);
}

static void
test_tx_short_first(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    tx_req(b, DATA_REF, 0, NETTXF_more_data, 1, 110);
    tx_req(b, DATA_REF + 1, 0, 0, 2, 100); /* leaves 10 in the first */
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct tx_counts c = tx_responses(b);
    CHECK(!b->vif->disabled, "disabled");
    CHECK(c.error == 2, "error responses %d", c.error);
    CHECK(b->vif->queues[0].stats.tx_drop_short == 1, "not counted");
    CHECK(b->port->n_sent == 0, "sent");
    bed_destroy(b);
}

static void
test_tx_zero_length_frags(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    fill_pattern(page(b, DATA_REF), 100, 5);
    tx_req(b, DATA_REF, 0, NETTXF_more_data, 1, 100);
    tx_req(b, DATA_REF + 1, 0, NETTXF_more_data, 2, 0);
    tx_req(b, DATA_REF + 2, 0, 0, 3, 0);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct tx_counts c = tx_responses(b);
    CHECK(!b->vif->disabled, "disabled");
    CHECK(c.okay == 3, "okay %d", c.okay);
    CHECK(b->port->n_sent == 1 && b->port->sent[0].size == 100, "frame");
    CHECK(!memcmp(b->port->sent[0].data, page(b, DATA_REF), 100), "data");

    /* All-empty: size 0 in every slot is answered with an error. */
    tx_req(b, DATA_REF, 0, NETTXF_more_data, 4, 0);
    tx_req(b, DATA_REF + 1, 0, 0, 5, 0);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    c = tx_responses(b);
    CHECK(!b->vif->disabled, "disabled by empty frame");
    CHECK(c.error == 2, "error %d", c.error);
    bed_destroy(b);
}

static void
test_tx_slot_larger_than_rest(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    tx_req(b, DATA_REF, 0, NETTXF_more_data, 1, 100);
    tx_req(b, DATA_REF + 1, 0, 0, 2, 200);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct tx_counts c = tx_responses(b);
    CHECK(!b->vif->disabled, "disabled");
    CHECK(c.error == 2, "error %d", c.error);
    CHECK(b->vif->queues[0].stats.tx_drop_slot_size == 1, "not counted");
    bed_destroy(b);
}

static void
test_tx_bad_extra(const void *aux OVS_UNUSED)
{
    static const uint8_t types[] = {0, XEN_NETIF_EXTRA_TYPE_MAX, 200};
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        struct bed *b = bed_create();
        struct netif_extra_info e;
        memset(&e, 0, sizeof e);
        e.type = types[i];
        tx_req(b, DATA_REF, 0, NETTXF_extra_info, 1, 100);
        tx_extra(b, &e);
        tx_push(b);
        vif_tx_action(&b->vif->queues[0]);
        CHECK(b->vif->disabled, "extra type %u: not disabled", types[i]);
        bed_destroy(b);
    }

    /* Missing extra (the ring ends after the first request). */
    struct bed *b = bed_create();
    tx_req(b, DATA_REF, 0, NETTXF_extra_info, 1, 100);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    CHECK(b->vif->disabled, "missing extra: not disabled");
    bed_destroy(b);
}

static void
test_tx_bad_gso(const void *aux OVS_UNUSED)
{
    struct {
        uint16_t size;
        uint8_t type;
    } cases[] = {{0, XEN_NETIF_GSO_TYPE_TCPV4}, {1448, 0}, {1448, 9}};

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct bed *b = bed_create();
        struct netif_extra_info e;
        memset(&e, 0, sizeof e);
        e.type = XEN_NETIF_EXTRA_TYPE_GSO;
        e.u.gso.size = cases[i].size;
        e.u.gso.type = cases[i].type;
        make_tcp4(page(b, DATA_REF), 2000);
        tx_req(b, DATA_REF, 0, NETTXF_extra_info | NETTXF_csum_blank, 1, 2000);
        tx_extra(b, &e);
        tx_push(b);
        vif_tx_action(&b->vif->queues[0]);
        CHECK(b->vif->disabled, "GSO size %u type %u: not disabled",
              cases[i].size, cases[i].type);
        bed_destroy(b);
    }
}

static void
test_tx_bad_grants(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    b->fp->grants[DATA_REF].granted = false;     /* not granted */
    b->fp->grants[DATA_REF + 1].to_domid = 7;    /* granted elsewhere */
    b->fp->grants[DATA_REF + 2].readonly = true; /* fine for TX */
    tx_req(b, DATA_REF, 0, 0, 1, 64);
    tx_req(b, DATA_REF + 1, 0, 0, 2, 64);
    tx_req(b, DATA_REF + 2, 0, 0, 3, 64);
    tx_req(b, 5000, 0, 0, 4, 64); /* beyond the table */
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct tx_counts c = tx_responses(b);
    CHECK(!b->vif->disabled, "disabled");
    CHECK(c.error == 3 && c.okay == 1, "error %d okay %d", c.error, c.okay);
    CHECK(b->vif->queues[0].stats.tx_drop_copy == 3, "drops %" PRIu64,
          b->vif->queues[0].stats.tx_drop_copy);
    CHECK(b->port->n_sent == 1, "sent %" PRIuSIZE, b->port->n_sent);
    bed_destroy(b);
}

static struct bed *rewrite_bed;

static void
rewrite_requests(struct fake_platform *fp OVS_UNUSED)
{
    /* The guest rewrites every request after the backend read them. */
    for (RING_IDX i = 0; i < 4; i++) {
        struct netif_tx_request *r = RING_GET_REQUEST(&rewrite_bed->tx, i);
        r->size = 4000;
        r->offset = 4000;
        r->flags = NETTXF_more_data;
        r->id = 77;
    }
}

static void
test_tx_double_fetch(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    rewrite_bed = b;
    b->fp->copy_hook = rewrite_requests;
    tx_req(b, DATA_REF, 0, NETTXF_more_data, 1, 150);
    tx_req(b, DATA_REF + 1, 0, 0, 2, 50);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct tx_counts c = tx_responses(b);
    CHECK(!b->vif->disabled, "disabled by a rewrite after the read");
    CHECK(b->port->n_sent == 1 && b->port->sent[0].size == 150,
          "frame not built from the copies");
    CHECK(c.okay == 2 && c.ids[0] == 1 && c.ids[1] == 2,
          "responses not from the copies");
    bed_destroy(b);
}

static void
test_tx_mcast(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    struct netif_extra_info e;
    uint8_t group[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};

    b->vif->features.mcast_control = true;
    CHECK(!vif_mcast_allowed(b->vif, group), "allowed before add");
    memset(&e, 0, sizeof e);
    e.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD;
    memcpy(e.u.mcast.addr, group, 6);
    tx_req(b, 0, 0, NETTXF_extra_info, 1, 0);
    tx_extra(b, &e);
    tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct tx_counts c = tx_responses(b);
    CHECK(c.okay == 1 && c.null == 1, "okay %d null %d", c.okay, c.null);
    CHECK(vif_mcast_allowed(b->vif, group), "not allowed after add");

    /* Past the limit: error response, nothing disabled. */
    for (int i = 0; i < VIF_MCAST_MAX + 1; i++) {
        e.u.mcast.addr[5] = 2 + i;
        tx_req(b, 0, 0, NETTXF_extra_info, 1, 0);
        tx_extra(b, &e);
        tx_push(b);
        vif_tx_action(&b->vif->queues[0]);
    }
    c = tx_responses(b);
    CHECK(c.error == 2, "error responses %d", c.error);
    CHECK(!b->vif->disabled, "disabled");
    bed_destroy(b);
}

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
    struct fake_frame *f = &b->port->inq[b->port->n_in++];
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

    fill_pattern(frame, sizeof frame, 11);
    frame[0] = 0x02;
    rx_post(b, 4, DATA_REF);
    port_inject(b, frame, sizeof frame, NULL);
    vif_rx_port_run(b->vif);
    vif_rx_action(q);

    CHECK(b->rx.sring->rsp_prod == 1, "rsp_prod %u", b->rx.sring->rsp_prod);
    const struct netif_rx_response *r = RING_GET_RESPONSE(&b->rx, 0);
    CHECK(r->status == 100 && r->offset == 0 && r->flags == 0 && r->id == 0,
          "response status %d offset %u flags %u", r->status, r->offset,
          r->flags);
    CHECK(!memcmp(page(b, DATA_REF), frame, 100), "data not in guest page");
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

    make_tcp4(frame, sizeof frame);
    rx_post(b, 8, DATA_REF);
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
    CHECK(!memcmp(page(b, DATA_REF), frame, 4096)
              && !memcmp(page(b, DATA_REF + 2), frame + 4096, 4096)
              && !memcmp(page(b, DATA_REF + 3), frame + 8192, 9000 - 8192),
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
    rx_post(b, 8, DATA_REF);
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
    b->fp->grants[DATA_REF].readonly = true;
    rx_post(b, 1, DATA_REF);
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
        for (int i = 0; i < FAKE_FRAMES; i++) {
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
    rx_post(b, 4, DATA_REF);
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

    make_tcp4(frame, sizeof frame);
    /* As the kernel hands it over: the pseudo-header sum in the field. */
    uint8_t pseudo[12];
    memcpy(pseudo, &frame[26], 8);
    memcpy(&pseudo[8], (uint8_t[]){0, 6, 0, 200 - 34}, 4);
    uint16_t psum = vif_pkt_csum_fold(vif_pkt_csum_add(0, pseudo, 12));
    frame[50] = psum >> 8;
    frame[51] = psum;
    b->vif->features.ip_csum = false;
    rx_post(b, 1, DATA_REF);
    port_inject(b, frame, sizeof frame, &vnet);
    vif_rx_port_run(b->vif);
    vif_rx_action(&b->vif->queues[0]);
    const struct netif_rx_response *r = RING_GET_RESPONSE(&b->rx, 0);
    CHECK(!(r->flags & NETRXF_csum_blank), "csum_blank to a guest without "
                                           "checksum offload");
    /* The TCP checksum now verifies (sum over pseudo header + segment). */
    uint8_t *p = page(b, DATA_REF);
    uint32_t sum = vif_pkt_csum_add(0, &p[26], 8);
    uint8_t tail[4] = {0, 6, 0, 200 - 34};
    sum = vif_pkt_csum_add(sum, tail, 4);
    sum = vif_pkt_csum_add(sum, &p[34], 200 - 34);
    CHECK(vif_pkt_csum_fold(sum) == 0xffff, "checksum wrong: %#x",
          vif_pkt_csum_fold(sum));
    bed_destroy(b);
}

/* ---------------------------------------------------------------------- */
/* pkt.c: headers, checksums, offload fields, hash input. */

/* Inserts a VLAN tag (TPID 'tpid') after the MAC addresses of the 'size'
 * byte frame at 'p' (which has room for 4 more). */
static void
push_vlan(uint8_t *p, size_t size, uint16_t tpid)
{
    memmove(&p[16], &p[12], size - 12);
    p[12] = tpid >> 8;
    p[13] = tpid;
    p[14] = 0;
    p[15] = 7;
}

static void
test_pkt_parse(const void *aux OVS_UNUSED)
{
    uint8_t f[120 + 12];
    struct vif_pkt_headers h;

    make_tcp4(f, 120);
    CHECK(vif_pkt_parse(f, 120, &h) && h.l3 == 14 && h.l4 == 34
              && h.l4_len == 20 && h.proto == 6 && !h.ipv6,
          "plain TCPv4: l3 %zu l4 %zu", h.l3, h.l4);
    CHECK(!vif_pkt_parse(f, 53, &h), "truncated TCP header accepted");
    f[20] = 0x20; /* more fragments */
    CHECK(!vif_pkt_parse(f, 120, &h), "IPv4 fragment accepted");
    f[20] = 0;

    /* Two tags (802.1ad outside 802.1Q) pass, a third does not. */
    push_vlan(f, 120, 0x8100);
    push_vlan(f, 124, 0x88a8);
    CHECK(vif_pkt_parse(f, 128, &h) && h.l3 == 22 && h.l4 == 42,
          "QinQ: l3 %zu l4 %zu", h.l3, h.l4);
    push_vlan(f, 128, 0x8100);
    CHECK(!vif_pkt_parse(f, 132, &h), "three VLAN tags accepted");

    /* IPv6, a hop-by-hop header, then UDP. */
    memset(f, 0, sizeof f);
    f[12] = 0x86;
    f[13] = 0xdd;
    f[14] = 0x60;
    f[20] = 0;  /* next header: hop-by-hop */
    f[54] = 17; /* its next header: UDP */
    f[55] = 0;  /* 8 bytes long */
    CHECK(vif_pkt_parse(f, 100, &h) && h.ipv6 && h.l4 == 62 && h.proto == 17
              && h.l4_len == 8,
          "IPv6 + hop-by-hop + UDP: l4 %zu proto %u", h.l4, h.proto);
    CHECK(!vif_pkt_parse(f, 69, &h), "truncated UDP header accepted");
}

static void
test_pkt_offload(const void *aux OVS_UNUSED)
{
    uint8_t f[200];
    struct virtio_net_hdr vnet;

    /* A TCPv4 GSO frame without csum_blank gets the pseudo-header sum, so
     * completing the checksum gives one that verifies. */
    make_tcp4(f, sizeof f);
    CHECK(vif_pkt_offload(f, sizeof f, false, VIRTIO_NET_HDR_GSO_TCPV4, 1448,
                          &vnet),
          "TCPv4 GSO refused");
    CHECK(vnet.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM && vnet.csum_start == 34
              && vnet.csum_offset == 16 && vnet.hdr_len == 54
              && vnet.gso_type == VIRTIO_NET_HDR_GSO_TCPV4
              && vnet.gso_size == 1448,
          "vnet header");
    vif_pkt_csum_complete(f, sizeof f, &vnet);
    CHECK(vnet.flags == VIRTIO_NET_HDR_F_DATA_VALID, "not completed");
    uint32_t sum = vif_pkt_csum_add(0, &f[26], 8);
    sum = vif_pkt_csum_add(sum, (uint8_t[]){0, 6, 0, sizeof f - 34}, 4);
    sum = vif_pkt_csum_add(sum, &f[34], sizeof f - 34);
    CHECK(vif_pkt_csum_fold(sum) == 0xffff, "checksum %#x",
          vif_pkt_csum_fold(sum));

    /* GSO of the other IP version, or over UDP, is refused. */
    make_tcp4(f, sizeof f);
    CHECK(!vif_pkt_offload(f, sizeof f, true, VIRTIO_NET_HDR_GSO_TCPV6, 1448,
                           &vnet),
          "TCPv6 GSO on an IPv4 frame");
    f[23] = 17;
    CHECK(!vif_pkt_offload(f, sizeof f, true, VIRTIO_NET_HDR_GSO_TCPV4, 1448,
                           &vnet),
          "TCP GSO on a UDP frame");
    CHECK(vif_pkt_offload(f, sizeof f, true, VIRTIO_NET_HDR_GSO_NONE, 0, &vnet)
              && vnet.csum_offset == 6 && !vnet.gso_type,
          "UDP partial checksum");
}

static void
test_pkt_hash_input(const void *aux OVS_UNUSED)
{
    uint8_t f[100 + 4];
    struct vif_pkt_hash_input in;

    make_tcp4(f, 100);
    push_vlan(f, 100, 0x8100);
    CHECK(vif_pkt_hash_input(f, sizeof f, &in) && in.tcp && !in.ipv6
              && in.addr_len == 8
              && !memcmp(in.data,
                         "\xc6\x12\x00\x01\xc6\x12\x00\x02\x30"
                         "\x39\x00\x50",
                         12),
          "tagged TCPv4: addresses and ports");
    /* A fragment (or ICMP) is hashed over its addresses only. */
    f[24] = 0x20;
    CHECK(vif_pkt_hash_input(f, sizeof f, &in) && !in.tcp && in.addr_len == 8,
          "IPv4 fragment");
    f[24] = 0;
    f[27] = 1;
    CHECK(vif_pkt_hash_input(f, sizeof f, &in) && !in.tcp, "ICMP");
    f[16] = 0x08;
    f[17] = 0x06; /* ARP */
    CHECK(!vif_pkt_hash_input(f, sizeof f, &in), "ARP hashed");
    CHECK(!vif_pkt_hash_input(f, 37, &in), "truncated IPv4 hashed");
}

/* platform.c and port.c: what the wrappers promise for classes without the
 * optional members, and for a failed copy. */

static int
fake_copy_fails(struct vif_platform *p OVS_UNUSED, struct vif_copy_seg *segs,
                size_t n)
{
    for (size_t i = 0; i < n; i++) {
        segs[i].status = VIF_GNTST_OKAY; /* what the wrapper must not trust */
    }
    return EIO;
}

static void
test_wrappers(const void *aux OVS_UNUSED)
{
    struct vif_platform_class broken = fake_platform_class;
    struct vif_platform *p;

    broken.copy = fake_copy_fails;
    CHECK(!vif_platform_open(&broken, 0, &p), "open");
    p->class = &broken;
    struct vif_copy_seg segs[2] = {{.ref = DATA_REF}, {.ref = DATA_REF}};
    CHECK(vif_platform_copy(p, segs, 2) == EIO, "copy error lost");
    CHECK(segs[0].status == VIF_GNTST_GENERAL_ERROR
              && segs[1].status == VIF_GNTST_GENERAL_ERROR,
          "failed batch with a segment not GENERAL_ERROR");
    /* The fake class has neither release_domain nor dead_domain. */
    vif_platform_release_domain(p, GUEST_DOMID);
    CHECK(vif_platform_dead_domain(p) == -1, "dead domain from nowhere");
    vif_platform_close(p);
    vif_platform_close(NULL);

    /* A port class without set_carrier and destroy. */
    struct vif_port_class minimal = fake_port_class;
    struct vif_port *port;
    minimal.set_carrier = NULL;
    minimal.destroy = NULL;
    CHECK(!vif_port_open(&minimal, "vif5.0", false, &port), "port open");
    port->class = &minimal;
    CHECK(!vif_port_set_carrier(port, false), "set_carrier without member");
    vif_port_destroy(port); /* closes it: ASan sees a leak otherwise */
    vif_port_destroy(NULL);
    vif_port_close(NULL);
}

/* ---------------------------------------------------------------------- */
/* Control ring, hash, rate, parsing. */

static void
test_toeplitz(const void *aux OVS_UNUSED)
{
    /* Microsoft's RSS verification suite, first IPv4 vectors. */
    static const uint8_t key[40] = {
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
        0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
        0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
        0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
    };
    /* 66.9.149.187:2794 -> 161.142.100.80:1766 */
    static const uint8_t in[12]
        = {66, 9, 149, 187, 161, 142, 100, 80, 0x0a, 0xea, 0x06, 0xe6};
    CHECK(vif_toeplitz(key, 40, in, 8) == 0x323e8fc2, "ipv4 %#x",
          vif_toeplitz(key, 40, in, 8));
    CHECK(vif_toeplitz(key, 40, in, 12) == 0x51ccc178, "ipv4/tcp %#x",
          vif_toeplitz(key, 40, in, 12));
}

static void
ctrl_send(struct bed *b, struct xen_netif_ctrl_front_ring *f, uint16_t type,
          uint32_t d0, uint32_t d1, uint32_t d2)
{
    struct xen_netif_ctrl_request *r = RING_GET_REQUEST(f, f->req_prod_pvt);
    r->id = f->req_prod_pvt;
    r->type = type;
    r->data[0] = d0;
    r->data[1] = d1;
    r->data[2] = d2;
    f->req_prod_pvt++;
    RING_PUSH_REQUESTS(f);
    vif_ctrl_action(b->vif);
}

static uint32_t
ctrl_status(struct xen_netif_ctrl_front_ring *f)
{
    const struct xen_netif_ctrl_response *r
        = RING_GET_RESPONSE(f, f->req_prod_pvt - 1);
    return r->status;
}

static void
test_ctrl_hash(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    struct xen_netif_ctrl_sring *s = (void *)b->fp->pages[CTRL_RING_REF];
    struct xen_netif_ctrl_front_ring f;

    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&f, s, VIF_PAGE_SIZE);
    CHECK(!vif_ctrl_connect(b->vif, CTRL_RING_REF, 9), "ctrl connect");

    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
              XEN_NETIF_CTRL_HASH_TYPE_IPV4, 0, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "flags before algorithm");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM, 7, 0, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "bad algorithm");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
              XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_SUCCESS, "algorithm");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
              XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP, 0, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_SUCCESS, "flags");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, DATA_REF, 41, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "key too long");
    fill_pattern(page(b, DATA_REF), 40, 1);
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, DATA_REF, 40, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_SUCCESS, "key");
    CHECK(!memcmp(b->vif->hash.key, page(b, DATA_REF), 40), "key content");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, 60000, 4, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "key from a bad grant");

    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 129, 0, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "mapping size 129");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 8, 0, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_SUCCESS, "mapping size");

    /* XSA-270: offsets and lengths beyond the table, wrapping sums. */
    memset(page(b, DATA_REF + 1), 0, VIF_PAGE_SIZE);
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, DATA_REF + 1, 4, 6);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "mapping past the end");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, DATA_REF + 1, 2,
              UINT32_MAX);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "wrapping offset");
    /* Entries must name an existing queue (only queue 0 here); a rejected
     * update changes nothing. */
    uint32_t *m = (uint32_t *)page(b, DATA_REF + 1);
    m[0] = 0;
    m[1] = 3;
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, DATA_REF + 1, 2, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "queue 3 accepted");
    CHECK(vif_hash_queue(b->vif, 1) == 0, "half-applied mapping");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING, 0, 0, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED, "gref");

    /* A TCP frame now gets a hash extra. */
    uint8_t frame[100];
    uint32_t hash;
    uint8_t type;
    make_tcp4(frame, sizeof frame);
    CHECK(vif_hash_frame(b->vif, frame, sizeof frame, &hash, &type)
              && type == _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP,
          "no TCP hash");

    /* Garbage ring indices disable. */
    s->req_prod += 1000;
    vif_ctrl_action(b->vif);
    CHECK(b->vif->disabled, "not disabled");
    bed_destroy(b);
}

static void
test_rate(const void *aux OVS_UNUSED)
{
    uint64_t bytes, usec;

    CHECK(vif_rate_parse("10000,20000", &bytes, &usec) && bytes == 10000
              && usec == 20000,
          "good rate");
    CHECK(!vif_rate_parse("10000", &bytes, &usec), "no comma");
    CHECK(!vif_rate_parse("a,b", &bytes, &usec), "letters");
    CHECK(!vif_rate_parse("0,100", &bytes, &usec), "zero bytes");
    CHECK(!vif_rate_parse("100,0", &bytes, &usec), "zero usec");
    CHECK(!vif_rate_parse("-1,100", &bytes, &usec), "negative");
    CHECK(!vif_rate_parse("100,100,", &bytes, &usec), "trailing");
    CHECK(!vif_rate_parse("99999999999999999999999,1", &bytes, &usec),
          "overflow");

    struct vif_credit c;
    memset(&c, 0, sizeof c);
    CHECK(vif_credit_take(&c, 65535, 0), "unlimited");
    vif_credit_set(&c, 1000, 1000000, 0);
    CHECK(vif_credit_take(&c, 600, 10), "first");
    CHECK(!vif_credit_take(&c, 600, 20), "over credit");
    CHECK(c.wake_usec == 1000000, "wake %lld", c.wake_usec);
    CHECK(vif_credit_take(&c, 600, 1000001), "next window");
    /* A 64 KiB frame passes even at a low rate (burst >= 128 KiB). */
    CHECK(!vif_credit_take(&c, 65535, 1000002), "big frame early");
    long long t = 1000002;
    int windows = 0;
    while (!vif_credit_take(&c, 65535, t) && windows < 100) {
        t = c.wake_usec;
        windows++;
    }
    CHECK(windows <= 66, "a 64 KiB frame never passes (%d windows)", windows);
}

/* Windows follow a grid: a sender that always wakes up late still gets
 * BYTES per USEC in the long run (it used to restart the window at the
 * late wake-up, losing the lateness every window). */
static void
test_rate_grid(const void *aux OVS_UNUSED)
{
    struct vif_credit c;
    uint64_t sent = 0;
    long long t = 0;

    memset(&c, 0, sizeof c);
    vif_credit_set(&c, 1000, 1000, 0);
    while (t < 1000000) {
        if (vif_credit_take(&c, 100, t)) {
            sent += 100;
        } else {
            CHECK(c.wake_usec > t && c.wake_usec <= t + 1000,
                  "wake %lld at %lld", c.wake_usec, t);
            t = c.wake_usec + 700; /* late by 70% of a window */
        }
    }
    /* 1000 windows of 1000 bytes, plus at most one burst. */
    CHECK(sent >= 990000 && sent <= 1000000 + 128 * 1024,
          "%" PRIu64 " bytes in 1000 windows of 1000", sent);
}

/* A second queue on bed 'b': rings in pages 4 and 5, event channel 8. */
static struct netif_tx_front_ring
bed_add_queue(struct bed *b)
{
    struct netif_tx_front_ring tx;
    struct netif_tx_sring *txs = (void *)b->fp->pages[4];
    struct netif_rx_sring *rxs = (void *)b->fp->pages[5];

    SHARED_RING_INIT(txs);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&tx, txs, VIF_PAGE_SIZE);
    struct vif_queue_config cfg = {4, 5, 8, 8};
    ovs_assert(!vif_queue_connect(b->vif, 1, &cfg));
    return tx;
}

static void
tx_req_on(struct netif_tx_front_ring *tx, uint32_t gref, uint16_t id,
          uint16_t size)
{
    struct netif_tx_request *r = RING_GET_REQUEST(tx, tx->req_prod_pvt++);
    memset(r, 0, sizeof *r);
    r->gref = gref;
    r->id = id;
    r->size = size;
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(tx, notify);
    (void)notify;
}

/* "rate" limits the VIF, not each queue: two queues share one bucket, and
 * a new rate applies to the running queues. */
static void
test_rate_shared(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    struct netif_tx_front_ring tx1 = bed_add_queue(b);
    struct vif *vif = b->vif;

    vif->rate_bytes = 3000;
    vif->rate_usec = 1000000000; /* no new window during the test */
    for (uint16_t i = 0; i < 2; i++) {
        fill_pattern(page(b, DATA_REF + i), 1000, i);
        tx_req(b, DATA_REF + i, 0, 0, i, 1000);
        fill_pattern(page(b, DATA_REF + 2 + i), 1000, i);
        tx_req_on(&tx1, DATA_REF + 2 + i, i, 1000);
    }
    tx_push(b);
    vif_tx_action(&vif->queues[0]);
    vif_tx_action(&vif->queues[1]);
    CHECK(b->port->n_sent == 3,
          "%" PRIuSIZE " frames of 1000 bytes passed "
          "3000 bytes of credit",
          b->port->n_sent);
    CHECK(vif->queues[1].stats.tx_rate_limited == 1,
          "queue 1 waited %" PRIu64 " times",
          vif->queues[1].stats.tx_rate_limited);
    CHECK(vif_tx_pending(&vif->queues[1]), "queue 1 has nothing left");

    vif->rate_bytes = vif->rate_usec = 0; /* the rate node went */
    vif_tx_action(&vif->queues[1]);
    CHECK(b->port->n_sent == 4, "%" PRIuSIZE " sent after the limit went",
          b->port->n_sent);

    struct ds out = DS_EMPTY_INITIALIZER;
    vif_format_queues(vif, &out);
    CHECK(strstr(ds_cstr(&out), "  queue 0: tx_packets=2 tx_bytes=2000 ")
              && strstr(ds_cstr(&out),
                        "  queue 1: tx_packets=2 tx_bytes=2000 "
                        "rx_packets=0 rx_bytes=0 tx_rate_limited=1 "),
          "per-queue counters: %s", ds_cstr(&out));
    ds_destroy(&out);
    bed_destroy(b);
}

static void
test_parse_uint(const void *aux OVS_UNUSED)
{
    unsigned long long v;
    CHECK(vif_parse_uint("8", 1, 8, &v) && v == 8, "8");
    CHECK(!vif_parse_uint("0", 1, 8, &v), "0 below min");
    CHECK(!vif_parse_uint("9", 1, 8, &v), "9 above max");
    CHECK(!vif_parse_uint("", 0, 8, &v), "empty");
    CHECK(!vif_parse_uint("1x", 0, 8, &v), "suffix");
    CHECK(!vif_parse_uint(" 1", 0, 8, &v), "space");
    CHECK(!vif_parse_uint("18446744073709551616", 0, ULLONG_MAX, &v),
          "overflow");
}

void
test_netback_register(void)
{
    unit_add("netback-tx-single", test_tx_single, NULL);
    unit_add("netback-tx-fragments", test_tx_fragments, NULL);
    unit_add("netback-tx-gso", test_tx_gso, NULL);
    unit_add("netback-tx-index-overflow", test_tx_index_overflow, NULL);
    unit_add("netback-tx-18-slots-pass", test_tx_18_slots_pass, NULL);
    unit_add("netback-tx-19-slots-dropped", test_tx_19_slots_dropped, NULL);
    unit_add("netback-tx-20-slots-disable", test_tx_20_slots_disable, NULL);
    unit_add("netback-tx-chain-past-prod", test_tx_chain_past_prod, NULL);
    unit_add("netback-tx-cross-page", test_tx_cross_page, NULL);
    unit_add("netback-tx-short-first", test_tx_short_first, NULL);
    unit_add("netback-tx-zero-length", test_tx_zero_length_frags, NULL);
    unit_add("netback-tx-slot-larger", test_tx_slot_larger_than_rest, NULL);
    unit_add("netback-tx-bad-extra", test_tx_bad_extra, NULL);
    unit_add("netback-tx-bad-gso", test_tx_bad_gso, NULL);
    unit_add("netback-tx-bad-grants", test_tx_bad_grants, NULL);
    unit_add("netback-tx-double-fetch", test_tx_double_fetch, NULL);
    unit_add("netback-tx-mcast", test_tx_mcast, NULL);
    unit_add("netback-rx-basic", test_rx_basic, NULL);
    unit_add("netback-rx-gso-multislot", test_rx_gso_multislot, NULL);
    unit_add("netback-rx-event-suppression", test_rx_event_suppression, NULL);
    unit_add("netback-rx-bad-grant", test_rx_bad_grant, NULL);
    unit_add("netback-rx-bounded", test_rx_bounded, NULL);
    unit_add("netback-rx-csum-fallback", test_rx_csum_fallback, NULL);
    unit_add("netback-pkt-parse", test_pkt_parse, NULL);
    unit_add("netback-pkt-offload", test_pkt_offload, NULL);
    unit_add("netback-pkt-hash-input", test_pkt_hash_input, NULL);
    unit_add("netback-wrappers", test_wrappers, NULL);
    unit_add("netback-toeplitz", test_toeplitz, NULL);
    unit_add("netback-ctrl-hash", test_ctrl_hash, NULL);
    unit_add("netback-rate", test_rate, NULL);
    unit_add("netback-rate-grid", test_rate_grid, NULL);
    unit_add("netback-rate-shared", test_rate_shared, NULL);
    unit_add("netback-parse-uint", test_parse_uint, NULL);
}
