/* tests/fuzz/fuzz-netback-rx.c: libFuzzer target for netback's RX path
 * (vif-backend/rx.c): frames from the port into a guest's RX ring, both
 * straight (vif_rx_port_run() while nothing is queued) and through the
 * per-queue lists (vif_rx_action()), on two queues, through fake grants.
 *
 * Input layout:
 *   byte 0      how far req_prod runs ahead of the requests written
 *               (signed: 0x80 = exactly the requests written) -- guest
 *   byte 1      grant table twist, as fuzz-netback-tx.c's: bit 0 ref 10
 *               not granted, bit 1 ref 11 granted to another domain, bit 2
 *               ref 12 read-only -- guest
 *   byte 2      rsp_prod both RX rings start at (attach check, XSA-39)
 *   byte 3      RX requests posted on queue 0, then the same on queue 1
 *               after the first round -- guest
 *   byte 4      negotiated features: bit 0 sg, 1 gso4, 2 gso6, 3 ip_csum,
 *               4 ipv6_csum, 5 mcast_control, 6 rx_notify -- guest
 *   byte 5      hash types (XEN_NETIF_CTRL_HASH_TYPE_*), 0: no hash -- guest
 *   then        the requests, 8 bytes each (struct netif_rx_request) --
 *               guest
 *   rest        frames from the switch: 2 bytes size (little endian,
 *               capped by what is left), a 10-byte virtio_net_hdr, the
 *               frame; the size's top bit sends it on port queue 1.
 * The backend must deliver, drop or disable, never crash, hang or leak;
 * it never answers more RX requests than it took, and what it queues
 * stays within the bound (XSA-392). */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "timeval.h"
#include "util.h"
#include "tests/fuzz/fuzz-platform.h"
#include "vif-backend/vif-private.h"

#define MAX_FRAMES 64

/* A port that hands out the input's frames, each on its queue. */
struct fz_frame {
    struct virtio_net_hdr vnet;
    const uint8_t *data;
    size_t size;
    size_t queue;
};

static struct fz_frame frames[MAX_FRAMES];
static size_t n_frames, frame_pos[2];

static int
fzp_send(struct vif_port *p OVS_UNUSED, size_t q OVS_UNUSED,
         const struct virtio_net_hdr *vnet OVS_UNUSED,
         const void *frame OVS_UNUSED, size_t size OVS_UNUSED)
{
    return 0;
}

static int
fzp_recv(struct vif_port *p OVS_UNUSED, size_t q, struct virtio_net_hdr *vnet,
         void *buf, size_t *size)
{
    while (q < 2 && frame_pos[q] < n_frames) {
        const struct fz_frame *f = &frames[frame_pos[q]++];
        if (f->queue == q) {
            *vnet = f->vnet;
            memcpy(buf, f->data, f->size);
            *size = f->size;
            return 0;
        }
    }
    return EAGAIN;
}

static const struct vif_port_class fzp_class = {
    .name = "fuzz",
    .set_n_queues = fz_port_set_n_queues,
    .set_carrier = fz_port_set_carrier,
    .send = fzp_send,
    .recv = fzp_recv,
};

/* Writes 'n' requests from 'reqs' (8 bytes each) into 'rxs' after its
 * req_prod and publishes them, 'ahead' more than written. */
static void
post(struct netif_rx_sring *rxs, const uint8_t *reqs, size_t n, int8_t ahead)
{
    RING_IDX prod = rxs->req_prod;
    for (size_t i = 0; i < n; i++) {
        memcpy(&rxs->ring[(prod + i) % VIF_RX_RING_SIZE].req, reqs + i * 8, 8);
    }
    rxs->req_prod = prod + n + ahead;
}

/* What must hold after every step, whatever the input. */
static void
check(const struct vif_queue *q)
{
    if (!q->connected) {
        return;
    }
    /* Only the backend's own indexes: the shared ones are the guest's
     * memory, which it may overwrite (a request may even grant a ring page
     * as a buffer). */
    if (q->rx.rsp_prod_pvt != q->rx.req_cons) {
        abort(); /* a request taken and not answered, or the reverse */
    }
    if (q->rx_queue_bytes > VIF_RX_QUEUE_BYTES + VIF_PORT_MAX_FRAME) {
        abort(); /* past the bound (XSA-392) */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz_platform *p;
    static struct vif vif;
    static struct vif_port port = {&fzp_class};

    if (size < 6) {
        return 0;
    }
    if (!p) {
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
        p = fz_platform_create();
    }
    memset(p->pages, 0, sizeof p->pages);
    p->twist = data[1];

    /* Queue 0: TX ring page 1, RX 2; queue 1: 3 and 4. */
    struct netif_rx_sring *rxs[2] = {(void *)p->pages[2], (void *)p->pages[4]};
    SHARED_RING_INIT((struct netif_tx_sring *)(void *)p->pages[1]);
    SHARED_RING_INIT((struct netif_tx_sring *)(void *)p->pages[3]);
    for (int i = 0; i < 2; i++) {
        SHARED_RING_INIT(rxs[i]);
        rxs[i]->req_prod = rxs[i]->rsp_prod = data[2];
    }

    int8_t ahead = data[0] ^ 0x80;
    size_t n_req = MIN(data[3], (size - 6) / 8);
    n_req = MIN(n_req, (size_t)VIF_RX_RING_SIZE);
    const uint8_t *reqs = data + 6;
    const uint8_t *rest = reqs + n_req * 8;
    size_t rest_len = size - 6 - n_req * 8;

    n_frames = 0;
    frame_pos[0] = frame_pos[1] = 0;
    while (rest_len >= 12 && n_frames < MAX_FRAMES) {
        struct fz_frame *f = &frames[n_frames++];
        uint16_t raw = rest[0] | rest[1] << 8;
        f->queue = raw >> 15;
        memcpy(&f->vnet, rest + 2, sizeof f->vnet);
        rest += 12;
        rest_len -= 12;
        f->size = MIN(raw & 0x7fff, rest_len);
        f->data = rest;
        rest += f->size;
        rest_len -= f->size;
    }

    vif_init(&vif, &p->up, &fzp_class, FZ_GUEST, 0);
    vif.port = &port;
    vif.features = (struct vif_features){
        .sg = data[4] & 1,
        .gso4 = data[4] & 2,
        .gso6 = data[4] & 4,
        .ip_csum = data[4] & 8,
        .ipv6_csum = data[4] & 16,
        .mcast_control = data[4] & 32,
        .rx_notify = data[4] & 64,
    };
    if (data[5]) {
        vif.hash.alg = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
        vif.hash.flags = data[5];
        memset(vif.hash.key, 0x5a, sizeof vif.hash.key);
    }

    post(rxs[0], reqs, n_req, ahead);
    struct vif_queue_config cfg0 = {1, 2, 7, 7};
    struct vif_queue_config cfg1 = {3, 4, 8, 8};
    if (!vif_queue_connect(&vif, 0, &cfg0)) {
        vif_queue_connect(&vif, 1, &cfg1); /* may fail: one queue then */
        for (int round = 0; round < 4 && !vif.disabled; round++) {
            vif_rx_port_run(&vif);
            for (size_t i = 0; i < vif.n_queues; i++) {
                check(&vif.queues[i]);
                vif_rx_action(&vif.queues[i]);
                check(&vif.queues[i]);
            }
            if (round == 0 && vif.n_queues == 2) {
                /* Queue 1's guest posts now: frames may be waiting. */
                post(rxs[1], reqs, n_req, 0);
            }
            for (size_t i = 0; i < vif.n_queues; i++) {
                vif_rx_check_timers(&vif.queues[i],
                                    time_msec() + VIF_RX_STALL_MS * round);
                check(&vif.queues[i]);
            }
        }
        vif_run(&vif); /* tears down if disabled */
    }
    vif_disconnect(&vif);
    free(vif.disable_reason);
    return 0;
}
