/* vif-backend/emu/evil-attacks.c: xovs-evil-guest's attacks.
 *
 * Each attack is one case of NETBACK-HARDENING.md, listed in attacks[] with
 * how it misbehaves: once (malformed TX requests queued after the hello
 * frame and pushed by the main loop), in a thread for --duration (the
 * double fetch rewriting both rings, the event channel storm, xenstore
 * write storms on its own connection), or through the RX ring it posts on
 * connect ('rx_fill').  The requests are built with evil-ring.c
 * (evil-private.h). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/emu/emu.h"
#include "vif-backend/emu/evil-private.h"

VLOG_DEFINE_THIS_MODULE(xovs_evil_attacks);

/* ---- Attacks --------------------------------------------------------------
 */

static void
atk_none(struct evil *e OVS_UNUSED)
{
}

static void
atk_req_overflow(struct evil *e)
{
    /* Producer a ring and a half ahead of anything posted (pushed by
     * start_attack()). */
    e->tx.req_prod_pvt += EVIL_N_SLOTS + EVIL_N_SLOTS / 2;
}

static void
atk_rx_overflow(struct evil *e)
{
    e->rx.sring->req_prod = e->rx.req_prod_pvt + 1000;
    wmb();
    ring_notify(e);
}

static void
atk_slots_19(struct evil *e)
{
    ring_tx_slots(e, XEN_NETIF_NR_SLOTS_MIN + 1, 64);
}

static void
atk_slots_20(struct evil *e)
{
    ring_tx_slots(e, 20, 64);
}

static void
atk_chain_past_prod(struct evil *e)
{
    ring_tx_req(e, RING_OWN, 0, 3 * 64, NETTXF_more_data);
    ring_tx_req(e, RING_OWN, 0, 64, NETTXF_more_data);
    ring_tx_req(e, RING_OWN, 0, 64,
                NETTXF_more_data); /* and nothing follows */
}

static void
atk_offset_overflow(struct evil *e)
{
    ring_tx_req(e, RING_OWN, 0, 64 + 200, NETTXF_more_data);
    ring_tx_req(e, RING_OWN, 4000, 200, 0); /* 4000 + 200 > 4096 */
}

static void
atk_offset_overflow_first(struct evil *e)
{
    ring_tx_req(e, RING_OWN, 4090, 100, 0);
}

static void
atk_short_first(struct evil *e)
{
    ring_tx_req(e, RING_OWN, 0, 10, 0);
}

static void
atk_zero_frags(struct evil *e)
{
    /* A valid 64-byte frame whose four further slots are empty. */
    ring_tx_req(e, RING_OWN, 0, 64, NETTXF_more_data);
    for (int i = 0; i < 4; i++) {
        ring_tx_req(e, RING_OWN, 0, 0, i < 3 ? NETTXF_more_data : 0);
    }
}

static void
atk_all_empty(struct evil *e)
{
    ring_tx_req(e, RING_OWN, 0, 0, NETTXF_more_data);
    ring_tx_req(e, RING_OWN, 0, 0, NETTXF_more_data);
    ring_tx_req(e, RING_OWN, 0, 0, 0);
}

static void
atk_slot_too_big(struct evil *e)
{
    ring_tx_req(e, RING_OWN, 0, 100, NETTXF_more_data);
    ring_tx_req(e, RING_OWN, 0, 200, 0); /* 200 > the 100 the packet has */
}

static void
atk_extra_missing(struct evil *e)
{
    ring_tx_req(e, RING_OWN, 0, 64,
                NETTXF_extra_info); /* the last request posted */
}

static void
send_with_extra(struct evil *e, uint8_t type, uint16_t gso_size,
                uint8_t gso_type)
{
    struct netif_extra_info x;

    memset(&x, 0, sizeof x);
    x.type = type;
    x.u.gso.size = gso_size;
    x.u.gso.type = gso_type;
    ring_tx_req(e, RING_OWN, 0, 1000, NETTXF_extra_info | NETTXF_csum_blank);
    ring_tx_extra(e, &x);
}

static void
atk_extra_type_0(struct evil *e)
{
    send_with_extra(e, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
}

static void
atk_extra_type_unknown(struct evil *e)
{
    send_with_extra(e, XEN_NETIF_EXTRA_TYPE_MAX, 1448,
                    XEN_NETIF_GSO_TYPE_TCPV4);
}

static void
atk_gso_size_0(struct evil *e)
{
    send_with_extra(e, XEN_NETIF_EXTRA_TYPE_GSO, 0, XEN_NETIF_GSO_TYPE_TCPV4);
}

static void
atk_gso_type_unknown(struct evil *e)
{
    send_with_extra(e, XEN_NETIF_EXTRA_TYPE_GSO, 1448, 7);
}

static void
atk_tx_gref_ungranted(struct evil *e)
{
    ring_tx_req(e, e->unused_ref, 0, 64, 0);
}

static void
atk_tx_gref_other_dom(struct evil *e)
{
    ring_tx_req(e, e->other_ref, 0, 64, 0);
}

static void
atk_tx_gref_range(struct evil *e)
{
    ring_tx_req(e, VIF_EMU_MAX_GRANTS + 1000, 0, 64, 0);
}

static void
atk_tx_multi_frag_bad_gref(struct evil *e)
{
    /* Good first slot, a bad grant in the middle of the chain. */
    ring_tx_req(e, RING_OWN, 0, 3 * 100, NETTXF_more_data);
    ring_tx_req(e, e->unused_ref, 0, 100, NETTXF_more_data);
    ring_tx_req(e, RING_OWN, 0, 100, 0);
}

static bool
thread_go_on(struct evil *e)
{
    return !e->stop && time_msec() < e->attack_end;
}

static void
count(unsigned long long *c, unsigned long long n)
{
    __atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

/* The double fetch (XSA-155): every request slot of both rings rewritten
 * in a tight loop while the main thread keeps posting traffic.  'wild'
 * flips between absurd values (the VIF may well be disabled, as long as
 * nothing else happens); otherwise every value is valid on its own, so a
 * backend that reads once keeps forwarding while one that reads twice
 * would mix a checked value with an unchecked one. */
static void
flip_loop(struct evil *e, bool wild)
{
    static const uint16_t wild_sizes[] = {64, 0, 65535, 4096, 1, 14, 3000};
    static const uint16_t wild_offsets[] = {0, 4095, 0, 2048, 4000};
    static const uint16_t wild_flags[]
        = {0, NETTXF_more_data, NETTXF_extra_info,
           NETTXF_more_data | NETTXF_extra_info};
    static const uint16_t sizes[] = {64, 200, 1000};
    static const uint16_t offsets[] = {0, 8, 64, 16, 32};
    const uint32_t wild_grefs[] = {e->tx_ref[0], UINT32_MAX, e->other_ref,
                                   e->unused_ref, e->tx_ref[5]};
    const uint32_t tx_grefs[]
        = {e->tx_ref[0], e->tx_ref[1], e->tx_ref[2], e->tx_ref[3]};
    const uint32_t rx_grefs[]
        = {e->rx_ref[0], e->rx_ref[1], e->rx_ref[2], e->rx_ref[3]};
    unsigned long long n = 0;

    while (thread_go_on(e)) {
        for (unsigned int i = 0; i < EVIL_N_SLOTS; i++, n++) {
            volatile struct netif_tx_request *r
                = (volatile struct netif_tx_request *)&e->tx.sring->ring[i]
                      .req;
            volatile struct netif_rx_request *q
                = (volatile struct netif_rx_request *)&e->rx.sring->ring[i]
                      .req;
            if (wild) {
                r->size = wild_sizes[n % ARRAY_SIZE(wild_sizes)];
                r->offset = wild_offsets[n % ARRAY_SIZE(wild_offsets)];
                r->gref = wild_grefs[n % ARRAY_SIZE(wild_grefs)];
                r->flags = wild_flags[n % ARRAY_SIZE(wild_flags)];
                q->gref = wild_grefs[(n + 1) % ARRAY_SIZE(wild_grefs)];
            } else {
                r->size = sizes[n % ARRAY_SIZE(sizes)];
                r->offset = offsets[n % ARRAY_SIZE(offsets)];
                r->gref = tx_grefs[n % ARRAY_SIZE(tx_grefs)];
                q->gref = rx_grefs[n % ARRAY_SIZE(rx_grefs)];
            }
            r->id = n;
            q->id = n * 7;
        }
        count(&e->flips, EVIL_N_SLOTS);
    }
}

static void
thr_flip(struct evil *e)
{
    flip_loop(e, false);
}

static void
thr_flip_wild(struct evil *e)
{
    flip_loop(e, true);
}

/* Keeps the TX ring busy with valid 1- and 3-slot frames for the flipper
 * to rewrite (called from the main loop while the attack runs). */
void
attack_flip_traffic(struct evil *e)
{
    bool sent = false;

    while (ring_tx_space(e) >= 4) {
        if (e->tx.req_prod_pvt & 1) {
            ring_tx_slots(e, 3, 100);
        } else {
            ring_tx_req(e, RING_OWN, 0, 200, 0);
        }
        sent = true;
    }
    if (sent) {
        ring_tx_push(e);
    }
}

/* Event channel storm (XSA-332): notifications as fast as one thread can
 * send them; the achieved rate is reported at the end. */
static void
thr_storm(struct evil *e)
{
    while (thread_go_on(e)) {
        for (int i = 0; i < 1000; i++) {
            vif_emu_notify(e->dom, e->evtchn);
        }
        count(&e->notifies, 1000);
    }
}

/* XSA-349: a watched node rewritten in a tight loop.  Each thread has its
 * own xenstore connection (the handle is not shared). */
static void
xs_storm(struct evil *e, const char *key, const char *const *values,
         size_t n_values)
{
    /* XENSTORED_PATH is the guest's socket (main() set it last). */
    struct xs_handle *xs = xs_open(0);
    char *path = xasprintf("%s/%s", e->fe_path, key);
    unsigned long long n = 0;

    if (!xs) {
        VLOG_ERR("xenstore connection for the storm: %s", ovs_strerror(errno));
        free(path);
        return;
    }
    while (thread_go_on(e)) {
        const char *v = values[n++ % n_values];
        if (!xs_write(xs, XBT_NULL, path, v, strlen(v))) {
            break;
        }
        count(&e->xs_writes, 1);
    }
    xs_close(xs);
    free(path);
}

static void
thr_watch_state(struct evil *e)
{
    static const char *const v[] = {"4"};
    xs_storm(e, "state", v, ARRAY_SIZE(v));
}

static void
thr_watch_reconnect(struct evil *e)
{
    static const char *const v[] = {"1", "4"};
    xs_storm(e, "state", v, ARRAY_SIZE(v));
}

/* Unplug/replug loop: Unknown (what a vanished frontend reads as) and
 * Initialising in turn.  A backend that re-probes a VIF on the frontend's
 * word would remove and re-create its tap and run its hotplug script
 * offline and online each time. */
static void
thr_state_cycle(struct evil *e)
{
    static const char *const v[] = {"0", "1"};
    xs_storm(e, "state", v, ARRAY_SIZE(v));
}

static void
thr_watch_key(struct evil *e)
{
    static const char *const v[] = {"0", "1"};
    xs_storm(e, "request-multicast-control", v, ARRAY_SIZE(v));
}

static const struct attack attacks[] = {
    {"none", "behave (a baseline)", atk_none, NULL, RX_GOOD, false},
    {"req-overflow", "TX req_prod a ring and a half past req_cons",
     atk_req_overflow, NULL, RX_GOOD, false},
    {"rx-req-overflow", "RX req_prod a thousand past req_cons",
     atk_rx_overflow, NULL, RX_OVERFLOW, false},
    {"slots-19", "a packet of 19 slots", atk_slots_19, NULL, RX_GOOD, false},
    {"slots-20", "a packet of 20 slots", atk_slots_20, NULL, RX_GOOD, false},
    {"chain-past-prod", "more_data on the last request posted",
     atk_chain_past_prod, NULL, RX_GOOD, false},
    {"offset-overflow", "a further slot with offset + size > 4096",
     atk_offset_overflow, NULL, RX_GOOD, false},
    {"offset-overflow-first", "the first slot with offset + size > 4096",
     atk_offset_overflow_first, NULL, RX_GOOD, false},
    {"short-first", "a 10-byte packet", atk_short_first, NULL, RX_GOOD, false},
    {"zero-frags", "a valid frame followed by four empty slots",
     atk_zero_frags, NULL, RX_GOOD, false},
    {"all-empty", "a packet of three empty slots", atk_all_empty, NULL,
     RX_GOOD, false},
    {"slot-too-big", "a slot of 200 bytes in a 100-byte packet",
     atk_slot_too_big, NULL, RX_GOOD, false},
    {"extra-missing", "NETTXF_extra_info on the last request posted",
     atk_extra_missing, NULL, RX_GOOD, false},
    {"extra-type-0", "an extra-info slot of type 0", atk_extra_type_0, NULL,
     RX_GOOD, false},
    {"extra-type-unknown", "an extra-info slot of type MAX",
     atk_extra_type_unknown, NULL, RX_GOOD, false},
    {"gso-size-0", "a GSO extra with size 0", atk_gso_size_0, NULL, RX_GOOD,
     false},
    {"gso-type-unknown", "a GSO extra of type 7", atk_gso_type_unknown, NULL,
     RX_GOOD, false},
    {"tx-gref-ungranted", "a TX request whose ref is not granted",
     atk_tx_gref_ungranted, NULL, RX_GOOD, false},
    {"tx-gref-other-dom", "a TX request whose ref is granted to dom7",
     atk_tx_gref_other_dom, NULL, RX_GOOD, false},
    {"tx-gref-range", "a TX request whose ref is past the grant table",
     atk_tx_gref_range, NULL, RX_GOOD, false},
    {"tx-frag-gref-ungranted", "an ungranted ref in a fragment chain",
     atk_tx_multi_frag_bad_gref, NULL, RX_GOOD, false},
    {"rx-gref-ungranted", "RX buffers whose refs are not granted", atk_none,
     NULL, RX_UNGRANTED, false},
    {"rx-gref-other-dom", "RX buffers granted to dom7", atk_none, NULL,
     RX_OTHER_DOM, false},
    {"rx-gref-readonly", "RX buffers granted read-only", atk_none, NULL,
     RX_READONLY, false},
    {"double-fetch", "a thread rewriting requests with valid values", atk_none,
     thr_flip, RX_FLIP_LATER, false},
    {"double-fetch-wild", "a thread rewriting requests with absurd values",
     atk_none, thr_flip_wild, RX_FLIP_LATER, false},
    {"evtchn-storm", "event notifications as fast as possible", atk_none,
     thr_storm, RX_GOOD, false},
    {"watch-state", "its frontend state rewritten in a tight loop", atk_none,
     thr_watch_state, RX_GOOD, false},
    {"watch-reconnect", "its frontend state flipped 1/4 in a tight loop",
     atk_none, thr_watch_reconnect, RX_GOOD, false},
    {"watch-key", "request-multicast-control flipped in a tight loop",
     atk_none, thr_watch_key, RX_GOOD, false},
    {"state-cycle",
     "its frontend state flipped 0/1 (unplug/replug) in a "
     "tight loop",
     atk_none, thr_state_cycle, RX_GOOD, false},
    {"rx-stall", "never posts an RX buffer", atk_none, NULL, RX_NONE, false},
    {"xenstore", "bad frontend keys (--xs-set, --xs-rm), no traffic", atk_none,
     NULL, RX_GOOD, true},
};

void *
attack_thread(void *e_)
{
    struct evil *e = e_;

    e->attack->thread(e);
    return NULL;
}

const struct attack *
attack_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(attacks); i++) {
        if (!strcmp(name, attacks[i].name)) {
            return &attacks[i];
        }
    }
    return NULL;
}

void
attack_list(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(attacks); i++) {
        printf("%-24s %s\n", attacks[i].name, attacks[i].what);
    }
}

bool
attack_busy_tx(const struct attack *a)
{
    return a->thread == thr_flip || a->thread == thr_flip_wild;
}
