/* vif-backend/pkt.c: header parsing and checksums for the netback core (see
 * pkt.h).  Includes nothing of the core: the bottom of its dependency
 * graph. */
#include <config.h>

#include <netinet/in.h>
#include <string.h>

#include "vif-backend/pkt.h"

#define PKT_ETH_TYPE_IP 0x0800
#define PKT_ETH_TYPE_IPV6 0x86dd
#define PKT_ETH_TYPE_VLAN 0x8100
#define PKT_ETH_TYPE_QINQ 0x88a8

/* Walks the Ethernet header and up to two VLAN tags: '*l3' is where the
 * payload starts, '*type' its Ethertype.  False if 'frame' ends first. */
static bool
pkt_l3(const uint8_t *frame, size_t size, size_t *l3, uint16_t *type)
{
    size_t ofs = 12;

    for (int tags = 0;; tags++) {
        if (ofs + 2 > size) {
            return false;
        }
        *type = frame[ofs] << 8 | frame[ofs + 1];
        ofs += 2;
        if ((*type != PKT_ETH_TYPE_VLAN && *type != PKT_ETH_TYPE_QINQ)
            || tags >= 2) {
            break;
        }
        ofs += 2;
    }
    *l3 = ofs;
    return true;
}

bool
vif_pkt_parse(const uint8_t *frame, size_t size, struct vif_pkt_headers *h)
{
    size_t ofs;
    uint16_t type;

    memset(h, 0, sizeof *h);
    if (!pkt_l3(frame, size, &ofs, &type)) {
        return false;
    }
    h->l3 = ofs;

    uint8_t proto;
    if (type == PKT_ETH_TYPE_IP) {
        if (ofs + 20 > size || frame[ofs] >> 4 != 4) {
            return false;
        }
        size_t ihl = (frame[ofs] & 0xf) * 4;
        uint16_t frag = (frame[ofs + 6] << 8 | frame[ofs + 7]) & 0x3fff;
        if (ihl < 20 || ofs + ihl > size || frag) {
            return false;
        }
        proto = frame[ofs + 9];
        ofs += ihl;
    } else if (type == PKT_ETH_TYPE_IPV6) {
        if (ofs + 40 > size || frame[ofs] >> 4 != 6) {
            return false;
        }
        proto = frame[ofs + 6];
        ofs += 40;
        h->ipv6 = true;
        for (int i = 0; i < 8 && (proto == 0 || proto == 43 || proto == 60);
             i++) {
            if (ofs + 8 > size) {
                return false;
            }
            proto = frame[ofs];
            ofs += (frame[ofs + 1] + 1) * 8;
        }
    } else {
        return false;
    }

    h->l4 = ofs;
    h->proto = proto;
    if (proto == IPPROTO_TCP) {
        if (ofs + 20 > size) {
            return false;
        }
        h->l4_len = (frame[ofs + 12] >> 4) * 4;
        return h->l4_len >= 20 && ofs + h->l4_len <= size;
    } else if (proto == IPPROTO_UDP) {
        h->l4_len = 8;
        return ofs + 8 <= size;
    }
    return false;
}

uint32_t
vif_pkt_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    uint64_t s = sum;
    size_t i;

    for (i = 0; i + 1 < n; i += 2) {
        s += (uint32_t)p[i] << 8 | p[i + 1];
    }
    if (i < n) {
        s += (uint32_t)p[i] << 8;
    }
    while (s >> 32) {
        s = (s & 0xffffffff) + (s >> 32);
    }
    return s;
}

uint16_t
vif_pkt_csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* Writes the pseudo-header sum (not complemented) into the L4 checksum, as
 * a partial checksum expects. */
static void
pkt_pseudo_csum(uint8_t *frame, size_t size, const struct vif_pkt_headers *h,
                size_t csum_ofs)
{
    uint32_t sum = 0;
    uint32_t l4_len = size - h->l4;
    uint8_t tail[4] = {l4_len >> 8, l4_len, 0, h->proto};

    if (h->ipv6) {
        sum = vif_pkt_csum_add(sum, &frame[h->l3 + 8], 32);
        uint8_t len32[4] = {l4_len >> 24, l4_len >> 16, l4_len >> 8, l4_len};
        sum = vif_pkt_csum_add(sum, len32, 4);
        uint8_t nh[4] = {0, 0, 0, h->proto};
        sum = vif_pkt_csum_add(sum, nh, 4);
    } else {
        sum = vif_pkt_csum_add(sum, &frame[h->l3 + 12], 8);
        sum = vif_pkt_csum_add(sum, tail, 4);
    }
    uint16_t folded = vif_pkt_csum_fold(sum);
    frame[h->l4 + csum_ofs] = folded >> 8;
    frame[h->l4 + csum_ofs + 1] = folded;
}

bool
vif_pkt_offload(uint8_t *frame, size_t size, bool csum_blank, uint8_t gso_type,
                uint16_t gso_size, struct virtio_net_hdr *vnet)
{
    struct vif_pkt_headers h;

    memset(vnet, 0, sizeof *vnet);
    if (!vif_pkt_parse(frame, size, &h)) {
        return false;
    }
    size_t csum_ofs = h.proto == IPPROTO_TCP ? 16 : 6;
    vnet->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    vnet->csum_start = h.l4;
    vnet->csum_offset = csum_ofs;
    if (gso_type != VIRTIO_NET_HDR_GSO_NONE) {
        bool v6 = gso_type == VIRTIO_NET_HDR_GSO_TCPV6;
        if (h.proto != IPPROTO_TCP || v6 != h.ipv6) {
            return false;
        }
        vnet->gso_type = gso_type;
        vnet->gso_size = gso_size;
        vnet->hdr_len = h.l4 + h.l4_len;
        if (!csum_blank) {
            /* Linux netback's recalculate_partial_csum: a GSO frame
             * without csum_blank still needs a partial checksum. */
            pkt_pseudo_csum(frame, size, &h, csum_ofs);
        }
    }
    return true;
}

void
vif_pkt_csum_complete(uint8_t *frame, size_t size, struct virtio_net_hdr *vnet)
{
    size_t start = vnet->csum_start, field = start + vnet->csum_offset;

    if (!(vnet->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || field + 2 > size) {
        return;
    }
    uint16_t csum
        = ~vif_pkt_csum_fold(vif_pkt_csum_add(0, &frame[start], size - start));
    if (!csum && vnet->csum_offset == 6) {
        csum = 0xffff; /* UDP: 0 means "no checksum" */
    }
    frame[field] = csum >> 8;
    frame[field + 1] = csum;
    vnet->flags = VIRTIO_NET_HDR_F_DATA_VALID;
}

bool
vif_pkt_hash_input(const uint8_t *frame, size_t size,
                   struct vif_pkt_hash_input *in)
{
    size_t l3;
    uint16_t type;

    memset(in, 0, sizeof *in);
    if (!pkt_l3(frame, size, &l3, &type)) {
        return false;
    }
    /* Only the addresses must be there: fragments and other protocols are
     * hashed over them alone. */
    if (type == PKT_ETH_TYPE_IP && l3 + 20 <= size) {
        in->addr_len = 8;
        memcpy(in->data, &frame[l3 + 12], in->addr_len);
    } else if (type == PKT_ETH_TYPE_IPV6 && l3 + 40 <= size) {
        in->ipv6 = true;
        in->addr_len = 32;
        memcpy(in->data, &frame[l3 + 8], in->addr_len);
    } else {
        return false;
    }

    struct vif_pkt_headers h;
    if (vif_pkt_parse(frame, size, &h) && h.proto == IPPROTO_TCP) {
        in->tcp = true;
        memcpy(&in->data[in->addr_len], &frame[h.l4], 4);
    }
    return true;
}
