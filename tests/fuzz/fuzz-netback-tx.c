/* tests/fuzz/fuzz-netback-tx.c: libFuzzer target for netback's TX request
 * parser (vif-backend/tx.c) through fake grants.
 *
 * Input layout (everything guest-controlled):
 *   byte 0      how far req_prod runs ahead of the requests written (signed:
 *               0x80 = exactly the requests written)
 *   byte 1      grant table twist: bit 0 ref 10 not granted, bit 1 ref 11
 *               granted to another domain, bit 2 ref 12 read-only
 *   byte 2      rsp_prod the ring starts at (attach check, XSA-39)
 *   rest        TX ring slots, 12 bytes each (struct netif_tx_request or
 *               struct netif_extra_info), up to the ring size; whatever
 *               follows fills the data pages.
 * The backend must answer, drop or disable, never crash, hang or leak; a
 * response count must never pass the requests consumed. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "tests/fuzz/fuzz-platform.h"
#include "vif-backend/vif-private.h"

/* A port that takes every frame and checks it is sane. */
static int
fzp_send(struct vif_port *p OVS_UNUSED, size_t q OVS_UNUSED,
         const struct virtio_net_hdr *vnet, const void *frame, size_t size)
{
    if (size < VIF_ETH_HLEN || size > XEN_NETIF_MAX_TX_SIZE
        || (vnet->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM
            && vnet->csum_start + vnet->csum_offset + 2 > size)) {
        abort();
    }
    volatile uint8_t sink = ((const uint8_t *)frame)[size - 1];
    (void)sink;
    return 0;
}

static int
fzp_recv(struct vif_port *p OVS_UNUSED, size_t q OVS_UNUSED,
         struct virtio_net_hdr *v OVS_UNUSED, void *b OVS_UNUSED,
         size_t *s OVS_UNUSED)
{
    return EAGAIN;
}

static const struct vif_port_class fzp_class = {
    .name = "fuzz",
    .set_n_queues = fz_port_set_n_queues,
    .set_carrier = fz_port_set_carrier,
    .send = fzp_send,
    .recv = fzp_recv,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz_platform *p;
    static struct vif vif;
    static struct vif_port port = {&fzp_class};

    if (size < 3) {
        return 0;
    }
    if (!p) {
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
        p = fz_platform_create();
    }
    memset(p->pages, 0, sizeof p->pages);
    p->twist = data[1];

    struct netif_tx_sring *txs = (void *)p->pages[1];
    struct netif_rx_sring *rxs = (void *)p->pages[2];
    SHARED_RING_INIT(txs);
    SHARED_RING_INIT(rxs);
    txs->rsp_prod = data[2];

    const uint8_t *body = data + 3;
    size_t body_len = size - 3;
    size_t slot = sizeof(struct netif_tx_request);
    size_t n_req = MIN(body_len / slot, (size_t)VIF_TX_RING_SIZE);
    for (size_t i = 0; i < n_req; i++) {
        memcpy(&txs->ring[(data[2] + i) % VIF_TX_RING_SIZE], body + i * slot,
               slot);
    }
    size_t rest = body_len - n_req * slot;
    for (size_t i = 0; i < rest && i < (FZ_PAGES - 10) * VIF_PAGE_SIZE; i++) {
        p->pages[10 + i / VIF_PAGE_SIZE][i % VIF_PAGE_SIZE]
            = body[n_req * slot + i];
    }
    txs->req_prod = data[2] + n_req + (int8_t)(data[0] ^ 0x80);

    vif_init(&vif, &p->up, &fzp_class, FZ_GUEST, 0);
    vif.port = &port;
    vif.features.sg = true;
    vif.features.mcast_control = data[1] & 8;
    struct vif_queue_config cfg = {1, 2, 7, 7};
    if (!vif_queue_connect(&vif, 0, &cfg)) {
        struct vif_queue *q = &vif.queues[0];
        for (int round = 0; round < 64 && !vif.disabled; round++) {
            RING_IDX before = q->tx.req_cons;
            vif_tx_action(q);
            if ((int32_t)(q->tx.req_cons - q->tx.rsp_prod_pvt) < 0) {
                abort(); /* more responses than requests consumed */
            }
            if (vif.disabled) {
                break;
            }
            if (q->tx.req_cons == before) {
                if (q->tx.req_cons != txs->req_prod) {
                    abort(); /* stuck without disabling: a hang */
                }
                break;
            }
        }
        vif_run(&vif); /* tears down if disabled */
    }
    vif_disconnect(&vif);
    free(vif.disable_reason);
    return 0;
}
