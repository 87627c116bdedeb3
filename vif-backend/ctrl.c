/* vif-backend/ctrl.c: the control ring (netif.h XEN_NETIF_CTRL_TYPE_*).
 *
 * A frontend that wants receive-side scaling (Windows does) configures a
 * Toeplitz hash through the control ring: algorithm, which headers feed it
 * (flags), a key of up to 40 bytes and a mapping table of up to 128
 * entries from hash to queue.  We then compute the hash of every frame
 * coming from the port, deliver the frame on the queue the mapping names
 * and hand the hash to the guest in an XEN_NETIF_EXTRA_TYPE_HASH extra, as
 * Linux netback's hash.c does.
 *
 * Every index and length the guest supplies is bounded (XSA-270); the
 * mapping is double buffered so a rejected update changes nothing; the
 * key and mapping are grant-copied from the guest (offset 0 of the page,
 * read access suffices).  Gref mapping messages are not supported (neither
 * are they by Linux). */
#include <config.h>

#include "util.h"
#include "vif-backend/pkt.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_ctrl);

#define CTRL_RING_SIZE __CONST_RING_SIZE(xen_netif_ctrl, VIF_PAGE_SIZE)

#define HASH_FLAGS_SUPPORTED                                                  \
    (XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP        \
     | XEN_NETIF_CTRL_HASH_TYPE_IPV6 | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)

void
vif_hash_reset(struct vif_hash *hash)
{
    memset(hash, 0, sizeof *hash);
    hash->alg = XEN_NETIF_CTRL_HASH_ALGORITHM_NONE;
}

uint32_t
vif_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *buf,
             size_t len)
{
    /* A 64-bit window slides over the key one bit per input bit; the top
     * 32 bits of the window are the key bits aligned with that input bit. */
    uint64_t window = 0;
    size_t next = 0;
    uint32_t result = 0;

    for (; next < 8; next++) {
        window = window << 8 | (next < key_len ? key[next] : 0);
    }
    for (size_t i = 0; i < len; i++) {
        for (int bit = 7; bit >= 0; bit--) {
            if (buf[i] >> bit & 1) {
                result ^= window >> 32;
            }
            window <<= 1;
        }
        window |= next < key_len ? key[next] : 0;
        next++;
    }
    return result;
}

bool
vif_hash_frame(const struct vif *vif, const uint8_t *frame, size_t size,
               uint32_t *hashp, uint8_t *typep)
{
    const struct vif_hash *hash = &vif->hash;
    struct vif_pkt_hash_input in;
    size_t n;

    if (hash->alg != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ || !hash->flags
        || !vif_pkt_hash_input(frame, size, &in)) {
        return false;
    }
    bool v6 = in.ipv6;
    uint32_t want_l4 = (v6 ? XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP
                           : XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
    uint32_t want_l3
        = (v6 ? XEN_NETIF_CTRL_HASH_TYPE_IPV6 : XEN_NETIF_CTRL_HASH_TYPE_IPV4);

    if (in.tcp && hash->flags & want_l4) {
        n = in.addr_len + 4;
        *typep = (v6 ? _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP
                     : _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
    } else if (hash->flags & want_l3) {
        n = in.addr_len;
        *typep = (v6 ? _XEN_NETIF_CTRL_HASH_TYPE_IPV6
                     : _XEN_NETIF_CTRL_HASH_TYPE_IPV4);
    } else {
        return false;
    }
    *hashp = vif_toeplitz(hash->key, sizeof hash->key, in.data, n);
    return true;
}

size_t
vif_hash_queue(const struct vif *vif, uint32_t hash)
{
    const struct vif_hash *h = &vif->hash;
    size_t n = MAX(vif->n_queues, 1);
    size_t q = (h->size ? h->mapping[h->sel][hash % h->size] : hash % n);

    return q < n ? q : 0;
}

/* Copies 'len' bytes from offset 0 of the guest's page 'ref' to 'dst'.
 * Returns true on success. */
static bool
ctrl_copy_from_guest(struct vif *vif, uint32_t ref, void *dst, size_t len)
{
    struct vif_copy_seg seg;

    if (!len) {
        return true;
    }
    memset(&seg, 0, sizeof seg);
    seg.to_guest = false;
    seg.domid = vif->domid;
    seg.ref = ref;
    seg.offset = 0;
    seg.len = len;
    seg.local = dst;
    vif_platform_copy(vif->platform, &seg, 1);
    return seg.status == VIF_GNTST_OKAY;
}

static uint32_t
ctrl_set_mapping(struct vif *vif, uint32_t ref, uint32_t len, uint32_t off)
{
    struct vif_hash *h = &vif->hash;
    uint32_t *shadow = h->mapping[!h->sel];

    if (off > h->size || len > h->size - off
        || len > VIF_PAGE_SIZE / sizeof *shadow) {
        return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    }
    memcpy(shadow, h->mapping[h->sel], sizeof h->mapping[0]);
    if (!ctrl_copy_from_guest(vif, ref, &shadow[off], len * sizeof *shadow)) {
        return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
    }
    for (uint32_t i = off; i < off + len; i++) {
        if (shadow[i] >= MAX(vif->n_queues, 1)) {
            return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        }
    }
    h->sel = !h->sel;
    return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

static void
ctrl_handle(struct vif *vif, const struct xen_netif_ctrl_request *req,
            struct xen_netif_ctrl_response *rsp)
{
    struct vif_hash *h = &vif->hash;
    uint32_t status = XEN_NETIF_CTRL_STATUS_SUCCESS;

    switch (req->type) {
    case XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM:
        if (req->data[0] != XEN_NETIF_CTRL_HASH_ALGORITHM_NONE
            && req->data[0] != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ) {
            status = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        } else {
            h->alg = req->data[0];
        }
        break;

    case XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS:
        rsp->data = HASH_FLAGS_SUPPORTED;
        break;

    case XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS:
        if (req->data[0] & ~HASH_FLAGS_SUPPORTED
            || h->alg == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE) {
            status = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        } else {
            h->flags = req->data[0];
        }
        break;

    case XEN_NETIF_CTRL_TYPE_SET_HASH_KEY: {
        uint8_t key[VIF_HASH_KEY_SIZE];
        uint32_t len = req->data[1];

        memset(key, 0, sizeof key);
        if (len > VIF_HASH_KEY_SIZE
            || !ctrl_copy_from_guest(vif, req->data[0], key, len)) {
            status = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        } else {
            memcpy(h->key, key, sizeof key);
        }
        break;
    }

    case XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE:
        rsp->data = VIF_HASH_MAPPING_SIZE;
        break;

    case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE:
        if (req->data[0] > VIF_HASH_MAPPING_SIZE) {
            status = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
        } else {
            h->size = req->data[0];
            memset(h->mapping, 0, sizeof h->mapping);
        }
        break;

    case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING:
        status
            = ctrl_set_mapping(vif, req->data[0], req->data[1], req->data[2]);
        break;

    case XEN_NETIF_CTRL_TYPE_INVALID:
    case XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE:
    case XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING:
    case XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING:
    default:
        status = XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
        break;
    }
    rsp->status = status;
}

bool
vif_ctrl_action(struct vif *vif)
{
    bool found = false;
    int rounds = 0;

    if (!vif->ctrl_connected || vif->disabled) {
        return false;
    }
    for (;;) {
        RING_IDX prod = *(volatile RING_IDX *)&vif->ctrl.sring->req_prod;
        xen_rmb();
        if (prod - vif->ctrl.req_cons > CTRL_RING_SIZE
            || prod - vif->ctrl.rsp_prod_pvt > CTRL_RING_SIZE) {
            vif_fatal(vif,
                      "impossible number of control requests: "
                      "req_prod %u, req_cons %u",
                      prod, vif->ctrl.req_cons);
            return true;
        }
        while (vif->ctrl.req_cons != prod) {
            struct xen_netif_ctrl_request req;
            struct xen_netif_ctrl_response rsp;

            RING_COPY_REQUEST(&vif->ctrl, vif->ctrl.req_cons, &req);
            vif->ctrl.req_cons++;
            memset(&rsp, 0, sizeof rsp);
            rsp.id = req.id;
            rsp.type = req.type;
            ctrl_handle(vif, &req, &rsp);
            memcpy(RING_GET_RESPONSE(&vif->ctrl, vif->ctrl.rsp_prod_pvt), &rsp,
                   sizeof rsp);
            vif->ctrl.rsp_prod_pvt++;
            vif->queues[0].stats.ctrl_requests++;
            found = true;
        }

        int notify, more;
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&vif->ctrl, notify);
        if (notify) {
            vif_platform_notify(vif->platform, vif->ctrl_evtchn);
        }
        RING_FINAL_CHECK_FOR_REQUESTS(&vif->ctrl, more);
        if (!more) {
            break;
        }
        if (++rounds >= 4) {
            vif->ctrl_event = true; /* the rest next time round */
            break;
        }
    }
    return found;
}
