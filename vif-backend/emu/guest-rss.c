/* vif-backend/emu/guest-rss.c: xovs-guest's --rss, what Linux netfront
 * never does and Windows' PV drivers do: a control ring carrying a Toeplitz
 * hash configuration (key, flags, a 128-entry mapping), then every received
 * frame's hash extra and ring checked against it, with netif.h's own
 * Toeplitz function rather than netback's. */
#include <config.h>

#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>

#include "vif-backend/emu/guest-private.h"

#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"
#include "vif-backend/emu/emu.h"

VLOG_DEFINE_THIS_MODULE(xovs_guest_rss);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* As Windows' PV drivers set it up: Microsoft's RSS verification key; a
 * mapping that sends hash h to queue n - 1 - (h % 128) % n, which no other
 * steering would produce by chance. */
#define RSS_FLAGS                                                             \
    (XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP        \
     | XEN_NETIF_CTRL_HASH_TYPE_IPV6 | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)
static const uint8_t rss_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
    0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
    0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
    0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

void
rss_destroy(struct guest *g)
{
    if (!g->ctrl_up) {
        return;
    }
    if (g->ctrl_evtchn) {
        vif_emu_close_port(g->dom, g->ctrl_evtchn);
    }
    netfront_page_release(g, &g->ctrl_ref, &g->ctrl_frame);
    netfront_page_release(g, &g->key_ref, &g->key_frame);
    netfront_page_release(g, &g->map_ref, &g->map_frame);
    g->ctrl_up = false;
    g->ctrl_evtchn = 0;
    g->rss_on = false;
}

/* The control ring, the key page and the mapping page, granted; an event
 * channel.  On failure rss_destroy() cleans up. */
int
rss_setup(struct guest *g)
{
    int error;

    g->ctrl_up = true;
    g->ctrl_frame = g->key_frame = g->map_frame = GUEST_NO_REF;
    g->ctrl_ref = g->key_ref = g->map_ref = GUEST_NO_REF;
    g->ctrl_evtchn = 0;
    g->n_ctrl_sent = g->n_ctrl_done = 0;
    g->rss_on = false;
    if ((error = vif_emu_alloc_page(g->dom, &g->ctrl_frame))
        || (error = vif_emu_alloc_page(g->dom, &g->key_frame))
        || (error = vif_emu_alloc_page(g->dom, &g->map_frame))) {
        return error;
    }
    struct xen_netif_ctrl_sring *sring = vif_emu_page(g->dom, g->ctrl_frame);
    SHARED_RING_INIT(sring);
    FRONT_RING_INIT(&g->ctrl, sring, GUEST_PAGE);
    memcpy(vif_emu_page(g->dom, g->key_frame), rss_key, sizeof rss_key);
    uint32_t *map = vif_emu_page(g->dom, g->map_frame);
    for (unsigned int i = 0; i < RSS_MAPPING_SIZE; i++) {
        g->rss_map[i] = g->n_queues - 1 - i % g->n_queues;
        map[i] = g->rss_map[i];
    }
    if ((error = netfront_grant(g, g->ctrl_frame, false, &g->ctrl_ref))
        || (error = netfront_grant(g, g->key_frame, true, &g->key_ref))
        || (error = netfront_grant(g, g->map_frame, true, &g->map_ref))) {
        return error;
    }
    return vif_emu_alloc_unbound(g->dom, g->be_id, &g->ctrl_evtchn);
}

/* Posts the whole configuration at once, in the order Windows' xenvif
 * sends it; rss_poll() checks every answer. */
void
rss_post(struct guest *g)
{
    const struct xen_netif_ctrl_request reqs[] = {
        {.type = XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
         .data = {XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ}},
        {.type = XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS},
        {.type = XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, .data = {RSS_FLAGS}},
        {.type = XEN_NETIF_CTRL_TYPE_SET_HASH_KEY,
         .data = {g->key_ref, sizeof rss_key}},
        {.type = XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE},
        {.type = XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE,
         .data = {RSS_MAPPING_SIZE}},
        {.type = XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING,
         .data = {g->map_ref, RSS_MAPPING_SIZE, 0}},
    };
    int notify;

    for (size_t i = 0; i < ARRAY_SIZE(reqs); i++) {
        struct xen_netif_ctrl_request req = reqs[i];
        req.id = i;
        *RING_GET_REQUEST(&g->ctrl, g->ctrl.req_prod_pvt++) = req;
    }
    g->n_ctrl_sent = ARRAY_SIZE(reqs);
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&g->ctrl, notify);
    if (notify) {
        vif_emu_notify(g->dom, g->ctrl_evtchn);
    }
}

/* Takes the control ring's responses; RSS is on once all succeeded. */
void
rss_poll(struct guest *g)
{
    int more;

    if (!g->ctrl_up || g->n_ctrl_done >= g->n_ctrl_sent) {
        return;
    }
    do {
        RING_IDX prod = g->ctrl.sring->rsp_prod;
        rmb();
        if (prod - g->ctrl.rsp_cons > g->n_ctrl_sent - g->n_ctrl_done) {
            VLOG_ERR("vif%u.%u: illogical control rsp_prod", g->domid,
                     g->devid);
            g->n_ctrl_done = g->n_ctrl_sent;
            return;
        }
        for (; g->ctrl.rsp_cons != prod; g->ctrl.rsp_cons++) {
            struct xen_netif_ctrl_response rsp;

            RING_COPY_RESPONSE(&g->ctrl, g->ctrl.rsp_cons, &rsp);
            bool ok = (rsp.id == g->n_ctrl_done
                       && rsp.status == XEN_NETIF_CTRL_STATUS_SUCCESS);
            if (ok && rsp.type == XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS) {
                ok = (rsp.data & RSS_FLAGS) == RSS_FLAGS;
            } else if (ok
                       && rsp.type
                              == XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE) {
                ok = rsp.data >= RSS_MAPPING_SIZE;
            }
            if (!ok) {
                VLOG_ERR("vif%u.%u: control request %u (type %u): status "
                         "%" PRIu32 ", data %" PRIu32 ": no RSS",
                         g->domid, g->devid, rsp.id, rsp.type, rsp.status,
                         rsp.data);
                g->n_ctrl_done = g->n_ctrl_sent;
                return;
            }
            if (++g->n_ctrl_done == g->n_ctrl_sent) {
                g->rss_on = true;
                VLOG_INFO("vif%u.%u: RSS on: Toeplitz over IPv4/IPv6 and "
                          "TCP, %d-entry mapping over %u queues",
                          g->domid, g->devid, RSS_MAPPING_SIZE, g->n_queues);
            }
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&g->ctrl, more);
    } while (more);
}

/* Checks a received frame against our own hash configuration: its hash
 * extra ('hash', NULL if none) must carry the Toeplitz hash of its headers
 * with the right type, and it must have come on the queue the mapping
 * names. */
void
rss_check(struct guest *g, const struct guest_queue *q, const uint8_t *f,
          size_t len, const struct netif_extra_info *hash)
{
    size_t l3 = ETH_HEADER_LEN;
    uint16_t type = len >= 14 ? f[12] << 8 | f[13] : 0;
    uint8_t buf[36];
    size_t n = 0;
    uint8_t htype = 0;

    if (type == 0x8100 && len >= 18) {
        type = f[16] << 8 | f[17];
        l3 += 4;
    }
    if (type == 0x0800 && len >= l3 + 20) {
        size_t ihl = (f[l3] & 0xf) * 4;
        bool frag = ((f[l3 + 6] << 8 | f[l3 + 7]) & 0x3fff) != 0;
        memcpy(buf, &f[l3 + 12], 8);
        n = 8;
        htype = _XEN_NETIF_CTRL_HASH_TYPE_IPV4;
        if (f[l3 + 9] == IPPROTO_TCP && !frag && len >= l3 + ihl + 20) {
            memcpy(&buf[8], &f[l3 + ihl], 4);
            n = 12;
            htype = _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
        }
    } else if (type == 0x86dd && len >= l3 + 40) {
        memcpy(buf, &f[l3 + 8], 32);
        n = 32;
        htype = _XEN_NETIF_CTRL_HASH_TYPE_IPV6;
        if (f[l3 + 6] == IPPROTO_TCP && len >= l3 + 60) {
            memcpy(&buf[32], &f[l3 + 40], 4);
            n = 36;
            htype = _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
        }
    }

    if (!hash) {
        if (n && g->rss_on) {
            g->rss_c.unhashed++;
        }
        return;
    }
    g->rss_c.hashed++;
    uint32_t value;
    memcpy(&value, hash->u.hash.value, sizeof value);
    uint32_t want
        = n ? xen_netif_toeplitz_hash(rss_key, sizeof rss_key, buf, n) : 0;
    if (!n || hash->u.hash.type != htype
        || hash->u.hash.algorithm != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ
        || value != want) {
        g->rss_c.bad_hash++;
        VLOG_WARN_RL(&rl,
                     "vif%u.%u: hash extra type %u value %#" PRIx32
                     ", expected type %u value %#" PRIx32,
                     g->domid, g->devid, hash->u.hash.type, value, htype,
                     want);
        return;
    }
    if (q->idx != g->rss_map[value % RSS_MAPPING_SIZE]) {
        g->rss_c.wrong_queue++;
        VLOG_WARN_RL(&rl,
                     "vif%u.%u: hash %#" PRIx32 " arrived on queue %u, "
                     "the mapping says %" PRIu32,
                     g->domid, g->devid, value, q->idx,
                     g->rss_map[value % RSS_MAPPING_SIZE]);
    }
}
