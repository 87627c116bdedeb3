/* tests/unit/netback-bed.c: the netback unit tests' test bed: a fake
 * platform, a fake port and a VIF on them (netback-bed.h). */
#include <config.h>
#include "tests/unit/netback-bed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---------------------------------------------------------------------- */
/* Fake platform: pages, a grant table with Xen's checks, event channels
 * that count notifications. */

static struct bed_platform *
fake_cast(struct vif_platform *p)
{
    return CONTAINER_OF(p, struct bed_platform, up);
}

static int
fake_open(uint16_t backend_domid OVS_UNUSED, struct vif_platform **pp)
{
    struct bed_platform *fp = xzalloc(sizeof *fp);
    fp->pages = xzalloc(BED_PAGES * VIF_PAGE_SIZE);
    for (uint32_t i = 0; i < BED_GRANTS; i++) {
        fp->grants[i] = (struct bed_grant){true, 0, false, i};
    }
    fp->grants[0].granted = false; /* ref 0 is reserved */
    *pp = &fp->up;
    return 0;
}

static void
fake_close(struct vif_platform *p)
{
    if (p) {
        struct bed_platform *fp = fake_cast(p);
        free(fp->pages);
        free(fp);
    }
}

static int16_t
fake_check(struct bed_platform *fp, uint16_t domid, uint32_t ref, bool write)
{
    if (domid != BED_DOMID) {
        return VIF_GNTST_BAD_DOMAIN;
    }
    if (ref >= BED_GRANTS || !fp->grants[ref].granted
        || fp->grants[ref].page >= BED_PAGES) {
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
    struct bed_platform *fp = fake_cast(p);

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
    struct bed_platform *fp = fake_cast(p);

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
    if (domid != BED_DOMID || remote_port >= 256) {
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
    struct bed_platform *fp = fake_cast(p);
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

const struct vif_platform_class bed_platform_class = {
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

static struct bed_port *
fport_cast(struct vif_port *p)
{
    return CONTAINER_OF(p, struct bed_port, up);
}

static int
fport_open(const char *name OVS_UNUSED, bool mq OVS_UNUSED,
           struct vif_port **pp)
{
    struct bed_port *fp = xzalloc(sizeof *fp);
    fp->up.class = &bed_port_class;
    fp->sent = xcalloc(BED_FRAMES, sizeof *fp->sent);
    fp->inq = xcalloc(BED_FRAMES, sizeof *fp->inq);
    *pp = &fp->up;
    return 0;
}

static void
fport_close(struct vif_port *p)
{
    if (p) {
        struct bed_port *fp = fport_cast(p);
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
    struct bed_port *fp = fport_cast(p);
    if (fp->n_sent >= BED_FRAMES) {
        return EAGAIN;
    }
    struct bed_frame *f = &fp->sent[fp->n_sent++];
    f->vnet = *vnet;
    f->size = size;
    memcpy(f->data, frame, size);
    return 0;
}

static int
fport_recv(struct vif_port *p, size_t queue, struct virtio_net_hdr *vnet,
           void *buf, size_t *size)
{
    struct bed_port *fp = fport_cast(p);
    if (queue || fp->in_pos >= fp->n_in) {
        return EAGAIN;
    }
    struct bed_frame *f = &fp->inq[fp->in_pos++];
    *vnet = f->vnet;
    memcpy(buf, f->data, f->size);
    *size = f->size;
    return 0;
}

static void
fport_recv_wait(struct vif_port *p OVS_UNUSED, size_t q OVS_UNUSED)
{
}

const struct vif_port_class bed_port_class = {
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

struct bed *
bed_create(void)
{
    struct bed *b = xzalloc(sizeof *b);
    struct vif_platform *p;
    struct vif_port *port;

    fake_open(0, &p);
    b->fp = fake_cast(p);
    p->class = &bed_platform_class;
    fport_open("vif5.0", false, &port);
    b->port = fport_cast(port);

    struct netif_tx_sring *txs = (void *)b->fp->pages[BED_TX_RING_REF];
    struct netif_rx_sring *rxs = (void *)b->fp->pages[BED_RX_RING_REF];
    SHARED_RING_INIT(txs);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&b->tx, txs, VIF_PAGE_SIZE);
    FRONT_RING_INIT(&b->rx, rxs, VIF_PAGE_SIZE);

    b->vif = xmalloc(sizeof *b->vif);
    vif_init(b->vif, p, &bed_port_class, BED_DOMID, 0);
    b->vif->port = port;
    b->vif->features = (struct vif_features){
        .sg = true,
        .gso4 = true,
        .gso6 = true,
        .ip_csum = true,
        .ipv6_csum = true,
        .rx_notify = true,
    };
    struct vif_queue_config cfg = {BED_TX_RING_REF, BED_RX_RING_REF, 7, 7};
    ovs_assert(!vif_queue_connect(b->vif, 0, &cfg));
    return b;
}

void
bed_destroy(struct bed *b)
{
    vif_disconnect(b->vif);
    free(b->vif->disable_reason);
    free(b->vif);
    fport_close(&b->port->up);
    fake_close(&b->fp->up);
    free(b);
}

uint8_t *
bed_page(struct bed *b, uint32_t ref)
{
    return b->fp->pages[b->fp->grants[ref].page];
}

/* Queues one TX request (not yet pushed). */
void
bed_tx_req(struct bed *b, uint32_t gref, uint16_t offset, uint16_t flags,
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

void
bed_tx_extra(struct bed *b, const struct netif_extra_info *e)
{
    void *slot = RING_GET_REQUEST(&b->tx, b->tx.req_prod_pvt++);
    memset(slot, 0, sizeof(struct netif_tx_request));
    memcpy(slot, e, sizeof *e);
}

void
bed_tx_push(struct bed *b)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&b->tx, notify);
    (void)notify;
}

struct bed_tx_counts
bed_tx_responses(struct bed *b)
{
    struct bed_tx_counts c;
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

void
bed_fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = seed + i * 7;
    }
}

/* An Ethernet + IPv4 + TCP frame of 'size' bytes at 'p'. */
void
bed_make_tcp4(uint8_t *p, size_t size)
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
    bed_fill_pattern(&p[54], size - 54, 3);
}
