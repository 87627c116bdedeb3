/* tests/unit/test-netback.c: the rest of the netback core (vif-backend/)
 * against the test bed (netback-bed.h): pkt.c's parsing and offload fields,
 * the platform and port wrappers, the control ring and its hash, the rate
 * limiter, value parsing.  The TX and RX paths have their own files
 * (test-netback-tx.c, test-netback-rx.c). */
#include <config.h>

#include "tests/unit/unit-tests.h"

#include <errno.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "tests/unit/netback-bed.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/pkt.h"
#include "vif-backend/vif-private.h"

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

    bed_make_tcp4(f, 120);
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
    bed_make_tcp4(f, sizeof f);
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
    bed_make_tcp4(f, sizeof f);
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

    bed_make_tcp4(f, 100);
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
    /* The first segment was carried out, then the call failed. */
    if (n) {
        segs[0].status = VIF_GNTST_OKAY;
    }
    return EIO;
}

static void
test_wrappers(const void *aux OVS_UNUSED)
{
    struct vif_platform_class broken = bed_platform_class;
    struct vif_platform *p;

    broken.copy = fake_copy_fails;
    CHECK(!vif_platform_open(&broken, 0, &p), "open");
    p->class = &broken;
    /* Stale statuses from an earlier call must not survive. */
    struct vif_copy_seg segs[3] = {
        {.ref = BED_DATA_REF, .status = VIF_GNTST_OKAY},
        {.ref = BED_DATA_REF, .status = VIF_GNTST_OKAY},
        {.ref = BED_DATA_REF, .status = VIF_GNTST_OKAY},
    };
    CHECK(vif_platform_copy(p, segs, 3) == EIO, "copy error lost");
    CHECK(segs[0].status == VIF_GNTST_OKAY,
          "a segment carried out before the failure lost its status");
    CHECK(segs[1].status == VIF_GNTST_GENERAL_ERROR
              && segs[2].status == VIF_GNTST_GENERAL_ERROR,
          "a segment not carried out is not GENERAL_ERROR");
    /* The fake class has neither release_domain nor dead_domain. */
    vif_platform_release_domain(p, BED_DOMID);
    CHECK(vif_platform_dead_domain(p) == -1, "dead domain from nowhere");
    vif_platform_close(p);
    vif_platform_close(NULL);

    /* A port class without set_carrier and destroy. */
    struct vif_port_class minimal = bed_port_class;
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
    struct xen_netif_ctrl_sring *s = (void *)b->fp->pages[BED_CTRL_RING_REF];
    struct xen_netif_ctrl_front_ring f;

    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&f, s, VIF_PAGE_SIZE);
    CHECK(!vif_ctrl_connect(b->vif, BED_CTRL_RING_REF, 9), "ctrl connect");

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
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, BED_DATA_REF, 41, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "key too long");
    bed_fill_pattern(bed_page(b, BED_DATA_REF), 40, 1);
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, BED_DATA_REF, 40, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_SUCCESS, "key");
    CHECK(!memcmp(b->vif->hash.key, bed_page(b, BED_DATA_REF), 40),
          "key content");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, 60000, 4, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "key from a bad grant");

    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 129, 0, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "mapping size 129");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 8, 0, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_SUCCESS, "mapping size");

    /* XSA-270: offsets and lengths beyond the table, wrapping sums. */
    memset(bed_page(b, BED_DATA_REF + 1), 0, VIF_PAGE_SIZE);
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, BED_DATA_REF + 1, 4,
              6);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "mapping past the end");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, BED_DATA_REF + 1, 2,
              UINT32_MAX);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "wrapping offset");
    /* Entries must name an existing queue (only queue 0 here); a rejected
     * update changes nothing. */
    uint32_t *m = (uint32_t *)bed_page(b, BED_DATA_REF + 1);
    m[0] = 0;
    m[1] = 3;
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, BED_DATA_REF + 1, 2,
              0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
          "queue 3 accepted");
    CHECK(vif_hash_queue(b->vif, 1) == 0, "half-applied mapping");
    ctrl_send(b, &f, XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING, 0, 0, 0);
    CHECK(ctrl_status(&f) == XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED, "gref");

    /* A TCP frame now gets a hash extra. */
    uint8_t frame[100];
    uint32_t hash;
    uint8_t type;
    bed_make_tcp4(frame, sizeof frame);
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
        bed_fill_pattern(bed_page(b, BED_DATA_REF + i), 1000, i);
        bed_tx_req(b, BED_DATA_REF + i, 0, 0, i, 1000);
        bed_fill_pattern(bed_page(b, BED_DATA_REF + 2 + i), 1000, i);
        tx_req_on(&tx1, BED_DATA_REF + 2 + i, i, 1000);
    }
    bed_tx_push(b);
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
