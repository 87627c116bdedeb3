/* tests/unit/test-netback-tx.c: the netback core's TX path (tx.c) against
 * the test bed (netback-bed.h): normal traffic, then every malformed request
 * a hostile frontend can post (NETBACK-HARDENING.md). */
#include <config.h>

#include "tests/unit/unit-tests.h"

#include <string.h>

#include "tests/unit/netback-bed.h"
#include "util.h"
#include "vif-backend/vif-private.h"

/* ---------------------------------------------------------------------- */
/* TX: normal traffic. */

static void
test_tx_single(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    bed_fill_pattern(bed_page(b, BED_DATA_REF) + 100, 60, 1);
    bed_tx_req(b, BED_DATA_REF, 100, NETTXF_data_validated, 42, 60);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);

    struct bed_tx_counts c = bed_tx_responses(b);
    CHECK(b->port->n_sent == 1, "sent %" PRIuSIZE, b->port->n_sent);
    CHECK(b->port->sent[0].size == 60, "size %" PRIuSIZE,
          b->port->sent[0].size);
    CHECK(!memcmp(b->port->sent[0].data, bed_page(b, BED_DATA_REF) + 100, 60),
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

    bed_fill_pattern(expect, sizeof expect, 9);
    memcpy(bed_page(b, BED_DATA_REF) + 3000, expect, 1000);
    memcpy(bed_page(b, BED_DATA_REF + 1), expect + 1000, 1000);
    memcpy(bed_page(b, BED_DATA_REF + 2) + 96, expect + 2000, 1000);
    bed_tx_req(b, BED_DATA_REF, 3000, NETTXF_more_data, 1, 3000);
    bed_tx_req(b, BED_DATA_REF + 1, 0, NETTXF_more_data, 2, 1000);
    bed_tx_req(b, BED_DATA_REF + 2, 96, 0, 3, 1000);
    /* A second frame in the same batch. */
    bed_tx_req(b, BED_DATA_REF + 3, 0, 0, 4, 64);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);

    struct bed_tx_counts c = bed_tx_responses(b);
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

    bed_make_tcp4(bed_page(b, BED_DATA_REF), 4000);
    memset(&gso, 0, sizeof gso);
    gso.type = XEN_NETIF_EXTRA_TYPE_GSO;
    gso.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    gso.u.gso.size = 1448;
    bed_tx_req(b, BED_DATA_REF, 0,
               NETTXF_extra_info | NETTXF_csum_blank | NETTXF_data_validated,
               1, 4000);
    bed_tx_extra(b, &gso);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);

    struct bed_tx_counts c = bed_tx_responses(b);
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
        bed_tx_req(b, BED_DATA_REF + i % 8, 0,
                   i + 1 < n ? NETTXF_more_data : 0, i,
                   i == 0 ? 100 * n : 100);
    }
    bed_tx_push(b);
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
    bed_tx_req(b, BED_DATA_REF, 0, 0, 99, 64); /* a good frame after it */
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct bed_tx_counts c = bed_tx_responses(b);
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
    bed_tx_req(b, BED_DATA_REF, 0, NETTXF_more_data, 1, 200);
    bed_tx_req(b, BED_DATA_REF + 1, 0, NETTXF_more_data, 2, 100);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    CHECK(b->vif->disabled, "not disabled");
    bed_destroy(b);
}

static void
test_tx_cross_page(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    bed_tx_req(b, BED_DATA_REF, 4000, 0, 1, 200);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    CHECK(b->vif->disabled, "first slot: not disabled");
    bed_destroy(b);

    b = bed_create();
    bed_tx_req(b, BED_DATA_REF, 0, NETTXF_more_data, 1, 300);
    bed_tx_req(b, BED_DATA_REF + 1, 4000, 0, 2, 200);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    CHECK(b->vif->disabled, "fragment: not disabled");
    bed_destroy(b);
}

static void
test_tx_short_first(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    bed_tx_req(b, BED_DATA_REF, 0, NETTXF_more_data, 1, 110);
    bed_tx_req(b, BED_DATA_REF + 1, 0, 0, 2, 100); /* leaves 10 in the first */
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct bed_tx_counts c = bed_tx_responses(b);
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
    bed_fill_pattern(bed_page(b, BED_DATA_REF), 100, 5);
    bed_tx_req(b, BED_DATA_REF, 0, NETTXF_more_data, 1, 100);
    bed_tx_req(b, BED_DATA_REF + 1, 0, NETTXF_more_data, 2, 0);
    bed_tx_req(b, BED_DATA_REF + 2, 0, 0, 3, 0);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct bed_tx_counts c = bed_tx_responses(b);
    CHECK(!b->vif->disabled, "disabled");
    CHECK(c.okay == 3, "okay %d", c.okay);
    CHECK(b->port->n_sent == 1 && b->port->sent[0].size == 100, "frame");
    CHECK(!memcmp(b->port->sent[0].data, bed_page(b, BED_DATA_REF), 100),
          "data");

    /* All-empty: size 0 in every slot is answered with an error. */
    bed_tx_req(b, BED_DATA_REF, 0, NETTXF_more_data, 4, 0);
    bed_tx_req(b, BED_DATA_REF + 1, 0, 0, 5, 0);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    c = bed_tx_responses(b);
    CHECK(!b->vif->disabled, "disabled by empty frame");
    CHECK(c.error == 2, "error %d", c.error);
    bed_destroy(b);
}

static void
test_tx_slot_larger_than_rest(const void *aux OVS_UNUSED)
{
    struct bed *b = bed_create();
    bed_tx_req(b, BED_DATA_REF, 0, NETTXF_more_data, 1, 100);
    bed_tx_req(b, BED_DATA_REF + 1, 0, 0, 2, 200);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct bed_tx_counts c = bed_tx_responses(b);
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
        bed_tx_req(b, BED_DATA_REF, 0, NETTXF_extra_info, 1, 100);
        bed_tx_extra(b, &e);
        bed_tx_push(b);
        vif_tx_action(&b->vif->queues[0]);
        CHECK(b->vif->disabled, "extra type %u: not disabled", types[i]);
        bed_destroy(b);
    }

    /* Missing extra (the ring ends after the first request). */
    struct bed *b = bed_create();
    bed_tx_req(b, BED_DATA_REF, 0, NETTXF_extra_info, 1, 100);
    bed_tx_push(b);
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
        bed_make_tcp4(bed_page(b, BED_DATA_REF), 2000);
        bed_tx_req(b, BED_DATA_REF, 0, NETTXF_extra_info | NETTXF_csum_blank,
                   1, 2000);
        bed_tx_extra(b, &e);
        bed_tx_push(b);
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
    b->fp->grants[BED_DATA_REF].granted = false;     /* not granted */
    b->fp->grants[BED_DATA_REF + 1].to_domid = 7;    /* granted elsewhere */
    b->fp->grants[BED_DATA_REF + 2].readonly = true; /* fine for TX */
    bed_tx_req(b, BED_DATA_REF, 0, 0, 1, 64);
    bed_tx_req(b, BED_DATA_REF + 1, 0, 0, 2, 64);
    bed_tx_req(b, BED_DATA_REF + 2, 0, 0, 3, 64);
    bed_tx_req(b, 5000, 0, 0, 4, 64); /* beyond the table */
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct bed_tx_counts c = bed_tx_responses(b);
    CHECK(!b->vif->disabled, "disabled");
    CHECK(c.error == 3 && c.okay == 1, "error %d okay %d", c.error, c.okay);
    CHECK(b->vif->queues[0].stats.tx_drop_copy == 3, "drops %" PRIu64,
          b->vif->queues[0].stats.tx_drop_copy);
    CHECK(b->port->n_sent == 1, "sent %" PRIuSIZE, b->port->n_sent);
    bed_destroy(b);
}

static struct bed *rewrite_bed;

static void
rewrite_requests(struct bed_platform *fp OVS_UNUSED)
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
    bed_tx_req(b, BED_DATA_REF, 0, NETTXF_more_data, 1, 150);
    bed_tx_req(b, BED_DATA_REF + 1, 0, 0, 2, 50);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct bed_tx_counts c = bed_tx_responses(b);
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
    bed_tx_req(b, 0, 0, NETTXF_extra_info, 1, 0);
    bed_tx_extra(b, &e);
    bed_tx_push(b);
    vif_tx_action(&b->vif->queues[0]);
    struct bed_tx_counts c = bed_tx_responses(b);
    CHECK(c.okay == 1 && c.null == 1, "okay %d null %d", c.okay, c.null);
    CHECK(vif_mcast_allowed(b->vif, group), "not allowed after add");

    /* Past the limit: error response, nothing disabled. */
    for (int i = 0; i < VIF_MCAST_MAX + 1; i++) {
        e.u.mcast.addr[5] = 2 + i;
        bed_tx_req(b, 0, 0, NETTXF_extra_info, 1, 0);
        bed_tx_extra(b, &e);
        bed_tx_push(b);
        vif_tx_action(&b->vif->queues[0]);
    }
    c = bed_tx_responses(b);
    CHECK(c.error == 2, "error responses %d", c.error);
    CHECK(!b->vif->disabled, "disabled");
    bed_destroy(b);
}

void
test_netback_tx_register(void)
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
}
