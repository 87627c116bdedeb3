/* vif-backend/pkt.h: what the netback core reads in a frame's headers.
 *
 * The bottom of the core (see the dependency graph in vif-private.h): it
 * knows Ethernet, IPv4, IPv6, TCP and UDP and the virtio_net_hdr that
 * describes a frame's checksum and GSO state, and nothing of VIFs, rings or
 * Xen.  tx.c uses it to describe a guest's frame to the port, rx.c to finish
 * a checksum the guest cannot, ctrl.c to find what a receive-side hash
 * covers.  Every function bounds every read by 'size' (frames come from
 * guests and from the switch) and none logs. */
#ifndef VIF_PKT_H
#define VIF_PKT_H 1

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a frame's headers are. */
struct vif_pkt_headers {
    size_t l3;     /* offset of the IP header */
    size_t l4;     /* offset of the TCP/UDP header */
    size_t l4_len; /* TCP header length (incl. options), 8 for UDP */
    uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
    bool ipv6;
};

/* Parses Ethernet (up to two VLAN tags), IPv4 (unfragmented) or IPv6 (hop
 * by hop, routing, destination options headers) and TCP or UDP.  Returns
 * false if 'frame' is anything else or truncated. */
bool vif_pkt_parse(const uint8_t *frame, size_t size,
                   struct vif_pkt_headers *);

/* One's complement sum of 'n' bytes added to 'sum', and its fold. */
uint32_t vif_pkt_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t vif_pkt_csum_fold(uint32_t sum);

/* Fills 'vnet' for a frame whose L4 checksum is left to the receiver
 * ('csum_blank': the guest wrote only the pseudo-header sum) or that is a
 * TCP GSO frame ('gso_type' VIRTIO_NET_HDR_GSO_TCPV4 or _TCPV6, segments of
 * 'gso_size' bytes; VIRTIO_NET_HDR_GSO_NONE if not).  A GSO frame without
 * 'csum_blank' gets the pseudo-header sum written into its TCP checksum, as
 * a partial checksum needs.  Returns false if the headers cannot carry what
 * is asked (not TCP/UDP, GSO over UDP or over the other IP version). */
bool vif_pkt_offload(uint8_t *frame, size_t size, bool csum_blank,
                     uint8_t gso_type, uint16_t gso_size,
                     struct virtio_net_hdr *vnet);

/* Completes the L4 checksum of 'frame' if 'vnet' says NEEDS_CSUM, and then
 * marks it DATA_VALID. */
void vif_pkt_csum_complete(uint8_t *frame, size_t size,
                           struct virtio_net_hdr *vnet);

/* What a receive-side hash of a frame covers (Xen's netif.h, as Microsoft's
 * RSS): source and destination address, then source and destination TCP
 * port. */
struct vif_pkt_hash_input {
    uint8_t data[36]; /* addresses, then ports if 'tcp' */
    size_t addr_len;  /* bytes of addresses: 8 (IPv4) or 32 (IPv6) */
    bool ipv6;
    bool tcp; /* an unfragmented TCP frame: 'data' holds its ports too */
};

/* Fills 'in' for 'frame'.  Returns false unless it is IPv4 or IPv6 (any
 * upper protocol, fragments too) behind at most two VLAN tags. */
bool vif_pkt_hash_input(const uint8_t *frame, size_t size,
                        struct vif_pkt_hash_input *in);

#endif /* vif-backend/pkt.h */
