/* vif-backend/emu/evil-guest.c: xovs-evil-guest, a malicious netfront.
 *
 * It connects to a netback over the emulated platform (emu.h) with a
 * compact version of xovs-guest's handshake (xl's skeleton as dom0, then the
 * frontend keys as the guest; frontend.c, shared with xovs-guest, writes
 * both), proves the VIF works by sending one frame, and then misbehaves in
 * exactly one way, chosen by --attack.  Each attack is one case of
 * NETBACK-HARDENING.md; the integration tests tests/integration/9?-*.sh run
 * it next to a well-behaved guest and check that only this VIF suffers
 * (docs/evil-guest.md).
 *
 *   handshake        backend InitWait -> rings granted, one event channel,
 *                    keys written (plus --xs-set/--xs-rm), RX ring filled
 *                    (or not, or with bad grants), Connected (--fe-state)
 *   backend Connected -> one valid frame; once it is answered (or after
 *                    2 s) the attack; 300 ms later another valid frame
 *                    (shows whether the VIF still works)
 *   afterwards       responses are consumed and counted, RX buffers are
 *                    re-posted; a stats line is printed when they change
 *   SIGTERM          online=0, Closed, (backend Closed or 3 s) xl's nodes
 *                    removed (--destroy: at once), counters, exit 0
 *
 * Nothing here is careful about the shared rings on purpose: grants are made
 * once and never revoked, ids are ring indices, and the continuous attacks
 * (double fetch, event storm) run in their own threads against memory the
 * backend is reading. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

/* ring.h wants these (Xen's tools get them from xenctrl.h). */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#include "command-line.h"
#include "fatal-signal.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/emu/emu.h"
#include "vif-backend/emu/frontend.h"

VLOG_DEFINE_THIS_MODULE(xovs_evil_guest);

#define PAGE 4096
#define N_SLOTS 256
#define OTHER_DOMID 7 /* a domain that is not the backend */
#define MAX_XS_EDITS 16
_Static_assert(__CONST_RING_SIZE(netif_tx, PAGE) == N_SLOTS, "tx ring");
_Static_assert(__CONST_RING_SIZE(netif_rx, PAGE) == N_SLOTS, "rx ring");

/* How the RX ring is filled on connect. */
enum rx_fill {
    RX_GOOD,       /* writable grants to the backend */
    RX_NONE,       /* never posted */
    RX_READONLY,   /* grants the backend may only read */
    RX_UNGRANTED,  /* refs never granted */
    RX_OTHER_DOM,  /* granted to another domain */
    RX_OVERFLOW,   /* req_prod a thousand ahead */
    RX_FLIP_LATER, /* good, then rewritten by the flipper */
};

struct evil;
typedef void attack_func(struct evil *);

struct attack {
    const char *name;
    const char *what;     /* one line for --list */
    attack_func *once;    /* run once, after the hello frame */
    attack_func *thread;  /* runs in its own thread for --duration */
    enum rx_fill rx_fill; /* RX ring on connect */
    bool xs_only;         /* xenstore attack: no traffic at all */
};

struct evil {
    /* Settings. */
    uint16_t domid, devid, be_id;
    uint8_t mac[6];
    const char *xs_path, *bridge;
    const struct attack *attack;
    const char *xs_set[MAX_XS_EDITS], *xs_rm[MAX_XS_EDITS];
    size_t n_xs_set, n_xs_rm;
    unsigned int duration_ms;
    bool destroy; /* on SIGTERM, remove the nodes at once */
    int fe_state; /* the state to go to after the keys */

    /* Platform and xenstore. */
    struct vif_emu_dom *dom;
    struct xs_handle *xs0, *xs;
    char *fe_path, *be_path, *dom_path;
    bool wrote_skeleton;
    enum xenbus_state state, be_state;

    /* Rings. */
    bool up, attacked;
    uint32_t tx_ring_frame, rx_ring_frame, tx_ring_ref, rx_ring_ref;
    struct netif_tx_front_ring tx;
    struct netif_rx_front_ring rx;
    uint32_t evtchn;
    uint32_t tx_frame[N_SLOTS], tx_ref[N_SLOTS];
    uint32_t rx_frame[N_SLOTS], rx_ref[N_SLOTS];
    uint32_t other_frame, other_ref; /* granted to OTHER_DOMID */
    uint32_t ro_ref[N_SLOTS];        /* rx pages granted readonly */
    uint32_t unused_ref;             /* in range, never granted */

    /* The continuous attack. */
    pthread_t thread;
    bool thread_running;
    volatile bool stop;
    long long attack_end;
    long long after_at; /* when to send the frame after the attack, or 0 */
    long long hello_at; /* when the frame before the attack went, or 0 */

    /* Counters (the threads' are atomics). */
    unsigned long long tx_ok, tx_err, tx_null, rx_ok, rx_err, tx_sent;
    unsigned long long n_events;
    unsigned long long flips, notifies, xs_writes; /* atomic */
    unsigned long long last_sum;
};

static volatile sig_atomic_t got_signal;
static int signal_pipe[2] = {-1, -1};

static void
signal_handler(int sig OVS_UNUSED)
{
    char c = 0;

    got_signal = 1;
    if (write(signal_pipe[1], &c, 1) < 0) {
        /* The flag is enough. */
    }
}

/* ---- xenstore ------------------------------------------------------------
 */

static bool
xs_rm_key(struct xs_handle *xs, xs_transaction_t t, const char *dir,
          const char *key)
{
    char *path = xasprintf("%s/%s", dir, key);
    bool ok = xs_rm(xs, t, path) || errno == ENOENT;

    free(path);
    return ok;
}

static struct xs_handle *
xs_open_at(const char *path)
{
    struct xs_handle *xs = vif_fe_xs_open(path);
    if (!xs) {
        ovs_fatal(errno, "%s: cannot connect to xenstored", path);
    }
    return xs;
}

static void
set_state(struct evil *e, enum xenbus_state s)
{
    e->state = s;
    vif_fe_printf(NULL, e->xs, XBT_NULL, e->fe_path, "state", "%d", s);
}

/* The vif, for frontend.h (failed writes are not logged: every one is
 * fatal or ignored). */
static struct vif_fe_vif
evil_vif(const struct evil *e)
{
    struct vif_fe_vif vif = {
        .domid = e->domid,
        .devid = e->devid,
        .be_domid = e->be_id,
        .bridge = e->bridge,
        .fe_path = e->fe_path,
        .be_path = e->be_path,
    };
    memcpy(vif.mac, e->mac, sizeof vif.mac);
    return vif;
}

/* What xl writes for a domain with one vif, as dom0 (unlike xovs-guest,
 * whatever is there already: this guest always plays its own toolstack). */
static bool
write_skeleton_txn(struct xs_handle *xs, xs_transaction_t t, void *e_)
{
    struct evil *e = e_;
    struct vif_fe_vif vif = evil_vif(e);
    char *device = xasprintf("%s/device", e->dom_path);
    bool ok
        = vif_fe_mkdir(xs, t, e->dom_path, 0, e->domid)
          && vif_fe_mkdir(xs, t, device, e->domid, 0)
          && vif_fe_skeleton_dirs(&vif, xs, t)
          && vif_fe_printf(NULL, xs, t, e->dom_path, "domid", "%u", e->domid)
          && vif_fe_skeleton_keys(&vif, xs, t);

    free(device);
    return ok;
}

static void
write_skeleton(struct evil *e)
{
    bool started;
    int error = vif_fe_introduce(e->xs0, e->domid);

    if (error) {
        ovs_fatal(error, "introducing dom%u", e->domid);
    }
    error = vif_fe_transact(e->xs0, write_skeleton_txn, e, &started);
    if (error) {
        ovs_fatal(error, "%s",
                  started ? "writing the vif's xenstore nodes"
                          : "xenstore transaction");
    }
    e->wrote_skeleton = true;
}

/* ---- Rings ---------------------------------------------------------------
 */

static uint32_t
alloc_page(struct evil *e)
{
    uint32_t frame;

    if (vif_emu_alloc_page(e->dom, &frame)) {
        ovs_fatal(0, "out of guest memory");
    }
    return frame;
}

static uint32_t
grant(struct evil *e, uint32_t frame, uint16_t domid, bool readonly)
{
    uint32_t ref;

    if (vif_emu_grant_access(e->dom, frame, domid, readonly, &ref)) {
        ovs_fatal(0, "out of grant references");
    }
    return ref;
}

static void
notify(struct evil *e)
{
    vif_emu_notify(e->dom, e->evtchn);
}

/* Grants everything once: ring pages, one page per TX and RX slot
 * (read-only for TX; for RX as 'rx_fill' wants), one page for another
 * domain. */
static void
rings_setup(struct evil *e)
{
    e->tx_ring_frame = alloc_page(e);
    e->rx_ring_frame = alloc_page(e);
    struct netif_tx_sring *txs = vif_emu_page(e->dom, e->tx_ring_frame);
    struct netif_rx_sring *rxs = vif_emu_page(e->dom, e->rx_ring_frame);
    SHARED_RING_INIT(txs);
    FRONT_RING_INIT(&e->tx, txs, PAGE);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&e->rx, rxs, PAGE);
    e->tx_ring_ref = grant(e, e->tx_ring_frame, e->be_id, false);
    e->rx_ring_ref = grant(e, e->rx_ring_frame, e->be_id, false);

    for (size_t i = 0; i < N_SLOTS; i++) {
        e->tx_frame[i] = alloc_page(e);
        e->tx_ref[i] = grant(e, e->tx_frame[i], e->be_id, true);
        e->rx_frame[i] = alloc_page(e);
        e->rx_ref[i] = grant(e, e->rx_frame[i], e->be_id, false);
        e->ro_ref[i] = grant(e, e->rx_frame[i], e->be_id, true);
    }
    e->other_frame = alloc_page(e);
    e->other_ref = grant(e, e->other_frame, OTHER_DOMID, false);
    /* Grant and revoke one more: a ref in range that is not granted. */
    e->unused_ref = grant(e, alloc_page(e), e->be_id, false);
    vif_emu_end_access(e->dom, e->unused_ref);

    if (vif_emu_alloc_unbound(e->dom, e->be_id, &e->evtchn)) {
        ovs_fatal(0, "no event channel");
    }
    e->up = true;
}

static uint32_t
rx_gref(const struct evil *e, unsigned int id)
{
    switch (e->attack->rx_fill) {
    case RX_READONLY:
        return e->ro_ref[id];
    case RX_UNGRANTED:
        return e->unused_ref;
    case RX_OTHER_DOM:
        return e->other_ref;
    case RX_GOOD:
    case RX_NONE:
    case RX_OVERFLOW:
    case RX_FLIP_LATER:
    default:
        return e->rx_ref[id];
    }
}

/* Keeps the RX ring full (unless this attack never posts). */
static void
rx_refill(struct evil *e)
{
    bool posted = false;
    int do_notify;

    if (e->attack->rx_fill == RX_NONE) {
        return;
    }
    while (e->rx.req_prod_pvt - e->rx.rsp_cons < N_SLOTS) {
        RING_IDX i = e->rx.req_prod_pvt++;
        struct netif_rx_request req;

        memset(&req, 0, sizeof req);
        req.id = i & (N_SLOTS - 1);
        req.gref = rx_gref(e, req.id);
        *RING_GET_REQUEST(&e->rx, i) = req;
        posted = true;
    }
    if (posted) {
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&e->rx, do_notify);
        if (do_notify) {
            notify(e);
        }
    }
}

/* Consumes and counts responses; never trusts what the backend wrote
 * beyond the indices' sanity. */
static void
poll_responses(struct evil *e)
{
    int more;

    if (!e->up) {
        return;
    }
    do {
        RING_IDX prod = e->tx.sring->rsp_prod;
        rmb();
        if (prod - e->tx.rsp_cons > N_SLOTS) {
            break;
        }
        for (; e->tx.rsp_cons != prod; e->tx.rsp_cons++) {
            struct netif_tx_response rsp;
            RING_COPY_RESPONSE(&e->tx, e->tx.rsp_cons, &rsp);
            if (rsp.status == NETIF_RSP_NULL) {
                e->tx_null++;
            } else if (rsp.status == NETIF_RSP_OKAY) {
                e->tx_ok++;
            } else {
                e->tx_err++;
            }
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&e->tx, more);
    } while (more);

    do {
        RING_IDX prod = e->rx.sring->rsp_prod;
        rmb();
        if (prod - e->rx.rsp_cons > N_SLOTS) {
            break;
        }
        for (; e->rx.rsp_cons != prod; e->rx.rsp_cons++) {
            struct netif_rx_response rsp;
            RING_COPY_RESPONSE(&e->rx, e->rx.rsp_cons, &rsp);
            if (rsp.status < 0) {
                e->rx_err++;
            } else {
                e->rx_ok++;
            }
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&e->rx, more);
    } while (more);
    if (e->attack->rx_fill != RX_OVERFLOW) {
        rx_refill(e);
    }
}

/* ---- TX building blocks --------------------------------------------------
 */

static unsigned int
tx_space(const struct evil *e)
{
    return N_SLOTS - (e->tx.req_prod_pvt - e->tx.rsp_cons);
}

/* A valid Ethernet frame of 'len' bytes at 'p': to our own MAC (OVS learns
 * us and drops it: it goes nowhere), local experimental ethertype. */
static void
fill_frame(const struct evil *e, uint8_t *p, size_t len)
{
    memset(p, 0x5a, len);
    memcpy(p, e->mac, 6);
    memcpy(p + 6, e->mac, 6);
    p[12] = 0x88;
    p[13] = 0xb5;
}

/* Queues one request (not pushed).  The slot's page gets a frame header so
 * that whatever the backend forwards is well formed. */
static void
tx_req(struct evil *e, uint32_t gref, uint16_t offset, uint16_t size,
       uint16_t flags)
{
    RING_IDX i = e->tx.req_prod_pvt++;
    unsigned int id = i & (N_SLOTS - 1);
    struct netif_tx_request req;

    fill_frame(e, vif_emu_page(e->dom, e->tx_frame[id]), PAGE);
    memset(&req, 0, sizeof req);
    req.gref = gref == UINT32_MAX ? e->tx_ref[id] : gref;
    req.offset = offset;
    req.size = size;
    req.id = id;
    req.flags = flags;
    *RING_GET_REQUEST(&e->tx, i) = req;
}

/* Queues one extra-info slot. */
static void
tx_extra(struct evil *e, const struct netif_extra_info *extra)
{
    union {
        struct netif_tx_request req;
        struct netif_extra_info extra;
    } slot;

    memset(&slot, 0, sizeof slot);
    slot.extra = *extra;
    *RING_GET_REQUEST(&e->tx, e->tx.req_prod_pvt++) = slot.req;
}

static void
tx_push(struct evil *e)
{
    int do_notify;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&e->tx, do_notify);
    if (do_notify) {
        notify(e);
    }
}

#define OWN UINT32_MAX /* tx_req(): the slot's own, valid grant */

/* One valid single-slot frame of 'len' bytes. */
static void
tx_valid(struct evil *e, uint16_t len)
{
    if (tx_space(e) >= 1) {
        tx_req(e, OWN, 0, len, 0);
        e->tx_sent++;
    }
}

/* A packet of 'n' slots of 'each' bytes, valid except for its length. */
static void
tx_slots(struct evil *e, unsigned int n, uint16_t each)
{
    for (unsigned int s = 0; s < n; s++) {
        tx_req(e, OWN, 0, s ? each : n * each,
               s + 1 < n ? NETTXF_more_data : 0);
    }
}

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
    e->tx.req_prod_pvt += N_SLOTS + N_SLOTS / 2;
}

static void
atk_rx_overflow(struct evil *e)
{
    e->rx.sring->req_prod = e->rx.req_prod_pvt + 1000;
    wmb();
    notify(e);
}

static void
atk_slots_19(struct evil *e)
{
    tx_slots(e, XEN_NETIF_NR_SLOTS_MIN + 1, 64);
}

static void
atk_slots_20(struct evil *e)
{
    tx_slots(e, 20, 64);
}

static void
atk_chain_past_prod(struct evil *e)
{
    tx_req(e, OWN, 0, 3 * 64, NETTXF_more_data);
    tx_req(e, OWN, 0, 64, NETTXF_more_data);
    tx_req(e, OWN, 0, 64, NETTXF_more_data); /* and nothing follows */
}

static void
atk_offset_overflow(struct evil *e)
{
    tx_req(e, OWN, 0, 64 + 200, NETTXF_more_data);
    tx_req(e, OWN, 4000, 200, 0); /* 4000 + 200 > 4096 */
}

static void
atk_offset_overflow_first(struct evil *e)
{
    tx_req(e, OWN, 4090, 100, 0);
}

static void
atk_short_first(struct evil *e)
{
    tx_req(e, OWN, 0, 10, 0);
}

static void
atk_zero_frags(struct evil *e)
{
    /* A valid 64-byte frame whose four further slots are empty. */
    tx_req(e, OWN, 0, 64, NETTXF_more_data);
    for (int i = 0; i < 4; i++) {
        tx_req(e, OWN, 0, 0, i < 3 ? NETTXF_more_data : 0);
    }
}

static void
atk_all_empty(struct evil *e)
{
    tx_req(e, OWN, 0, 0, NETTXF_more_data);
    tx_req(e, OWN, 0, 0, NETTXF_more_data);
    tx_req(e, OWN, 0, 0, 0);
}

static void
atk_slot_too_big(struct evil *e)
{
    tx_req(e, OWN, 0, 100, NETTXF_more_data);
    tx_req(e, OWN, 0, 200, 0); /* 200 > the 100 the packet has */
}

static void
atk_extra_missing(struct evil *e)
{
    tx_req(e, OWN, 0, 64, NETTXF_extra_info); /* the last request posted */
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
    tx_req(e, OWN, 0, 1000, NETTXF_extra_info | NETTXF_csum_blank);
    tx_extra(e, &x);
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
    tx_req(e, e->unused_ref, 0, 64, 0);
}

static void
atk_tx_gref_other_dom(struct evil *e)
{
    tx_req(e, e->other_ref, 0, 64, 0);
}

static void
atk_tx_gref_range(struct evil *e)
{
    tx_req(e, VIF_EMU_MAX_GRANTS + 1000, 0, 64, 0);
}

static void
atk_tx_multi_frag_bad_gref(struct evil *e)
{
    /* Good first slot, a bad grant in the middle of the chain. */
    tx_req(e, OWN, 0, 3 * 100, NETTXF_more_data);
    tx_req(e, e->unused_ref, 0, 100, NETTXF_more_data);
    tx_req(e, OWN, 0, 100, 0);
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
        for (unsigned int i = 0; i < N_SLOTS; i++, n++) {
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
        count(&e->flips, N_SLOTS);
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
static void
flip_traffic(struct evil *e)
{
    bool sent = false;

    while (tx_space(e) >= 4) {
        if (e->tx.req_prod_pvt & 1) {
            tx_slots(e, 3, 100);
        } else {
            tx_req(e, OWN, 0, 200, 0);
        }
        sent = true;
    }
    if (sent) {
        tx_push(e);
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

static void *
attack_thread(void *e_)
{
    struct evil *e = e_;

    e->attack->thread(e);
    return NULL;
}

/* ---- Handshake -----------------------------------------------------------
 */

static bool
write_frontend_keys_txn(struct xs_handle *xs, xs_transaction_t t, void *e_)
{
    struct evil *e = e_;
    const char *fe = e->fe_path;
    bool ok = vif_fe_ring_keys(NULL, xs, t, fe, e->tx_ring_ref, e->rx_ring_ref,
                               e->evtchn, e->evtchn)
              && vif_fe_features(NULL, xs, t, fe, false);

    for (size_t i = 0; ok && i < e->n_xs_rm; i++) {
        ok = xs_rm_key(xs, t, fe, e->xs_rm[i]);
    }
    for (size_t i = 0; ok && i < e->n_xs_set; i++) {
        char *key = xstrdup(e->xs_set[i]);
        char *eq = strchr(key, '=');
        *eq = '\0';
        ok = vif_fe_printf(NULL, xs, t, fe, key, "%s", eq + 1);
        free(key);
    }
    return ok;
}

static void
write_frontend_keys(struct evil *e)
{
    bool started;
    int error = vif_fe_transact(e->xs, write_frontend_keys_txn, e, &started);

    if (error) {
        ovs_fatal(error, "%s",
                  started ? "writing the frontend keys"
                          : "xenstore transaction");
    }
}

static void
connect_backend(struct evil *e)
{
    if (!e->up) {
        rings_setup(e);
    }
    write_frontend_keys(e);
    rx_refill(e); /* RX_OVERFLOW too: the attack moves req_prod later */
    notify(e);
    set_state(e, e->fe_state);
    printf("frontend keys written, state %d (tx-ring-ref=%" PRIu32
           " rx-ring-ref=%" PRIu32 " event-channel=%" PRIu32 ")\n",
           e->fe_state, e->tx_ring_ref, e->rx_ring_ref, e->evtchn);
    fflush(stdout);
}

/* Backend Connected: one valid frame first (the VIF works), the attack once
 * it was answered (or after 2 s). */
static void
send_hello(struct evil *e)
{
    e->hello_at = time_msec();
    if (!e->attack->xs_only) {
        tx_valid(e, 60);
        tx_push(e);
    }
}

static void
start_attack(struct evil *e)
{
    const struct attack *a = e->attack;

    e->attacked = true;
    if (!a->xs_only && !e->tx_ok) {
        printf("the valid frame before the attack was not answered\n");
    }
    a->once(e);
    if (!a->xs_only) {
        tx_push(e);
        notify(e);
    }
    if (!a->xs_only && !a->thread) {
        /* Later, so that it cannot complete what the attack left open. */
        e->after_at = time_msec() + 300;
    }
    if (a->thread) {
        e->attack_end = time_msec() + e->duration_ms;
        e->thread = ovs_thread_create("attack", attack_thread, e);
        e->thread_running = true;
    }
    printf("attack %s: started\n", a->name);
    fflush(stdout);
}

static void
backend_changed(struct evil *e)
{
    enum xenbus_state be = vif_fe_read_state(e->xs, e->be_path);

    if (be == e->be_state) {
        return;
    }
    e->be_state = be;
    printf("backend %s\n", vif_fe_state_name(be));
    fflush(stdout);
    if (be == XenbusStateInitWait && e->state == XenbusStateInitialising) {
        connect_backend(e);
    } else if (be == XenbusStateConnected && !e->hello_at) {
        send_hello(e);
    }
    /* Anything else: an evil guest does not cooperate. */
}

/* ---- Main loop -----------------------------------------------------------
 */

static void
print_stats(struct evil *e, const char *prefix)
{
    unsigned long long flips = __atomic_load_n(&e->flips, __ATOMIC_RELAXED);
    unsigned long long notifies
        = __atomic_load_n(&e->notifies, __ATOMIC_RELAXED);
    unsigned long long writes
        = __atomic_load_n(&e->xs_writes, __ATOMIC_RELAXED);

    printf("%s: tx_ok=%llu tx_error=%llu tx_null=%llu rx_ok=%llu "
           "rx_error=%llu events=%llu flips=%llu notifies=%llu "
           "xs_writes=%llu\n",
           prefix, e->tx_ok, e->tx_err, e->tx_null, e->rx_ok, e->rx_err,
           e->n_events, flips, notifies, writes);
    fflush(stdout);
}

static void
handle_events(struct evil *e)
{
    uint32_t fired[16];
    size_t n = 0;
    int64_t port;

    while ((port = vif_emu_pending(e->dom)) >= 0) {
        e->n_events++;
        if (n < ARRAY_SIZE(fired)) {
            fired[n++] = port;
        } else {
            vif_emu_unmask(e->dom, port);
        }
    }
    poll_responses(e);
    for (size_t i = 0; i < n; i++) {
        vif_emu_unmask(e->dom, fired[i]);
    }
}

static void
main_loop(struct evil *e)
{
    long long next_report = time_msec() + 1000;

    while (!got_signal) {
        vif_emu_run(e->dom);

        char **w;
        while ((w = xs_check_watch(e->xs))) {
            free(w);
            backend_changed(e);
        }
        handle_events(e);

        if (e->thread_running) {
            if (time_msec() >= e->attack_end) {
                xpthread_join(e->thread, NULL);
                e->thread_running = false;
                printf("attack %s: finished\n", e->attack->name);
                print_stats(e, "stats");
            } else if (e->attack->thread == thr_flip
                       || e->attack->thread == thr_flip_wild) {
                flip_traffic(e);
                poll_timer_wait(1);
            } else {
                poll_timer_wait_until(e->attack_end);
            }
        }

        long long now = time_msec();
        if (e->hello_at && !e->attacked) {
            if (e->tx_ok || e->attack->xs_only || now >= e->hello_at + 2000) {
                start_attack(e);
            } else {
                poll_timer_wait_until(e->hello_at + 2000);
            }
        }
        if (e->after_at && now >= e->after_at) {
            e->after_at = 0;
            tx_valid(e, 60);
            tx_push(e);
            printf("attack %s: frame after sent\n", e->attack->name);
            fflush(stdout);
        } else if (e->after_at) {
            poll_timer_wait_until(e->after_at);
        }
        if (now >= next_report) {
            unsigned long long sum
                = e->tx_ok + e->tx_err + e->tx_null + e->rx_ok + e->rx_err;
            if (sum != e->last_sum) {
                print_stats(e, "stats");
                e->last_sum = sum;
            }
            next_report = now + 1000;
        }
        poll_timer_wait_until(next_report);

        vif_emu_wait(e->dom);
        poll_fd_wait(vif_emu_evtchn_fd(e->dom), POLLIN);
        poll_fd_wait(xs_fileno(e->xs), POLLIN);
        poll_fd_wait(signal_pipe[0], POLLIN);
        poll_block();
    }
}

/* What xl does when the domain goes: online=0 and the frontend Closed, then,
 * once the backend is Closed (or after 3 s), the nodes removed.  With
 * --destroy, as "xl destroy" does, they are removed at once. */
static void
shutdown_vif(struct evil *e)
{
    long long deadline = time_msec() + 3000;

    if (!e->wrote_skeleton) {
        return;
    }
    if (!e->destroy) {
        vif_fe_printf(NULL, e->xs0, XBT_NULL, e->be_path, "online", "0");
        if (e->state != XenbusStateInitialising) {
            set_state(e, XenbusStateClosed);
        }
        while (time_msec() < deadline) {
            char **w;
            while ((w = xs_check_watch(e->xs))) {
                free(w);
            }
            char *v = vif_fe_read(e->xs, XBT_NULL, e->be_path, "state");
            bool closed = !v || atoi(v) == XenbusStateClosed;
            free(v);
            if (closed) {
                break;
            }
            vif_emu_run(e->dom);
            vif_emu_wait(e->dom);
            poll_fd_wait(xs_fileno(e->xs), POLLIN);
            poll_timer_wait_until(deadline);
            poll_block();
        }
    }
    struct vif_fe_vif vif = evil_vif(e);
    vif_fe_skeleton_remove(&vif, e->xs0);
}

/* ---- Options -------------------------------------------------------------
 */

OVS_NO_RETURN static void
usage(void)
{
    printf("%s: a malicious Xen netfront, for testing netback\n"
           "usage: %s --domid=N --devid=N --mac=MAC --attack=NAME\n"
           "         [--xenstore=PATH] [--bridge=BR] [--backend-domid=N]\n"
           "         [--duration=SECONDS] [--xs-set=KEY=VALUE]... "
           "[--xs-rm=KEY]...\n"
           "  --attack=list         list the attacks\n"
           "  --duration=SECONDS    how long a continuous attack runs "
           "(default 5)\n"
           "  --fe-state=N          frontend state after the keys "
           "(default 4)\n"
           "  --destroy             on SIGTERM remove the nodes at once "
           "(xl destroy)\n"
           "  --xs-set, --xs-rm     frontend keys to override or remove "
           "(written\n"
           "                        with the real ones, in one "
           "transaction)\n",
           program_name, program_name);
    vlog_usage();
    exit(EXIT_SUCCESS);
}

static unsigned long
parse_uint(const char *opt, const char *s, unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max) {
        ovs_fatal(0, "--%s=%s: expected a number up to %lu", opt, s, max);
    }
    return v;
}

static void
parse_options(int argc, char *argv[], struct evil *e)
{
    enum {
        OPT_DOMID = UCHAR_MAX + 1,
        OPT_DEVID,
        OPT_MAC,
        OPT_XENSTORE,
        OPT_BRIDGE,
        OPT_BACKEND_DOMID,
        OPT_ATTACK,
        OPT_DURATION,
        OPT_XS_SET,
        OPT_XS_RM,
        OPT_DESTROY,
        OPT_FE_STATE,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"domid", required_argument, NULL, OPT_DOMID},
        {"devid", required_argument, NULL, OPT_DEVID},
        {"mac", required_argument, NULL, OPT_MAC},
        {"xenstore", required_argument, NULL, OPT_XENSTORE},
        {"bridge", required_argument, NULL, OPT_BRIDGE},
        {"backend-domid", required_argument, NULL, OPT_BACKEND_DOMID},
        {"attack", required_argument, NULL, OPT_ATTACK},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"xs-set", required_argument, NULL, OPT_XS_SET},
        {"xs-rm", required_argument, NULL, OPT_XS_RM},
        {"destroy", no_argument, NULL, OPT_DESTROY},
        {"fe-state", required_argument, NULL, OPT_FE_STATE},
        {"help", no_argument, NULL, 'h'},
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);
    bool have_mac = false;

    e->duration_ms = 5000;
    e->fe_state = XenbusStateConnected;
    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_DOMID:
            e->domid = parse_uint("domid", optarg, DOMID_FIRST_RESERVED - 1);
            break;
        case OPT_DEVID:
            e->devid = parse_uint("devid", optarg, 65535);
            break;
        case OPT_MAC: {
            struct eth_addr ea;
            if (!eth_addr_from_string(optarg, &ea)) {
                ovs_fatal(0, "%s: not a MAC address", optarg);
            }
            memcpy(e->mac, ea.ea, 6);
            have_mac = true;
            break;
        }
        case OPT_XENSTORE:
            e->xs_path = optarg;
            break;
        case OPT_BRIDGE:
            e->bridge = optarg;
            break;
        case OPT_BACKEND_DOMID:
            e->be_id = parse_uint("backend-domid", optarg,
                                  DOMID_FIRST_RESERVED - 1);
            break;
        case OPT_ATTACK:
            for (size_t i = 0; i < ARRAY_SIZE(attacks); i++) {
                if (!strcmp(optarg, attacks[i].name)) {
                    e->attack = &attacks[i];
                }
            }
            if (!strcmp(optarg, "list")) {
                for (size_t i = 0; i < ARRAY_SIZE(attacks); i++) {
                    printf("%-24s %s\n", attacks[i].name, attacks[i].what);
                }
                exit(EXIT_SUCCESS);
            }
            if (!e->attack) {
                ovs_fatal(0, "--attack=%s: unknown (--attack=list)", optarg);
            }
            break;
        case OPT_DURATION:
            e->duration_ms = parse_uint("duration", optarg, 3600) * 1000;
            break;
        case OPT_XS_SET:
            if (!strchr(optarg, '=') || e->n_xs_set >= MAX_XS_EDITS) {
                ovs_fatal(0, "--xs-set=%s: expected KEY=VALUE (at most %d)",
                          optarg, MAX_XS_EDITS);
            }
            e->xs_set[e->n_xs_set++] = optarg;
            break;
        case OPT_XS_RM:
            if (e->n_xs_rm >= MAX_XS_EDITS) {
                ovs_fatal(0, "at most %d --xs-rm", MAX_XS_EDITS);
            }
            e->xs_rm[e->n_xs_rm++] = optarg;
            break;
        case OPT_FE_STATE:
            e->fe_state = parse_uint("fe-state", optarg, INT_MAX);
            break;
        case OPT_DESTROY:
            e->destroy = true;
            break;
        case 'h':
            usage();
            VLOG_OPTION_HANDLERS
        case '?':
            exit(EXIT_FAILURE);
        default:
            abort();
        }
    }
    free(short_options);

    if (!e->domid || !have_mac || !e->attack) {
        ovs_fatal(0, "--domid=N (not 0), --mac=MAC and --attack=NAME are "
                     "required (--help)");
    }
    if (!e->xs_path) {
        e->xs_path = getenv("XENSTORED_PATH");
        if (!e->xs_path) {
            ovs_fatal(0, "--xenstore=PATH (or XENSTORED_PATH) is required");
        }
    }
}

int
main(int argc, char *argv[])
{
    struct evil e;

    memset(&e, 0, sizeof e);
    set_program_name(argv[0]);
    parse_options(argc, argv, &e);

    fatal_signal_init();
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        ovs_fatal(errno, "pipe");
    }
    struct sigaction sa = {.sa_handler = signal_handler};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    e.dom_path = vif_fe_dom_path(e.domid);
    e.fe_path = vif_fe_path(e.domid, e.devid);
    e.be_path = vif_fe_be_path(e.be_id, e.domid, e.devid);

    /* Rings, 3 x 256 buffers, one for dom7, one revoked; grants: two per
     * RX page (writable and read-only). */
    uint32_t n_pages = 2 + 2 * N_SLOTS + 16;
    int error
        = vif_emu_dom_create(e.domid, n_pages + N_SLOTS + 64, n_pages, &e.dom);
    if (error) {
        ovs_fatal(0, "cannot play dom%u: %s", e.domid, ovs_strerror(error));
    }

    e.xs0 = xs_open_at(e.xs_path);
    write_skeleton(&e);
    char *guest_path = xasprintf("%s-dom%u", e.xs_path, e.domid);
    e.xs = xs_open_at(guest_path);
    free(guest_path);

    e.state = XenbusStateInitialising;
    error = vif_fe_watch_backend(e.xs, e.be_path);
    if (error) {
        ovs_fatal(error, "watch %s/state", e.be_path);
    }
    printf("vif%u.%u: attack %s\n", e.domid, e.devid, e.attack->name);
    fflush(stdout);

    main_loop(&e);

    e.stop = true;
    if (e.thread_running) {
        xpthread_join(e.thread, NULL);
    }
    shutdown_vif(&e);
    print_stats(&e, "final");
    xs_close(e.xs);
    xs_close(e.xs0);
    vif_emu_dom_destroy(e.dom);
    free(e.dom_path);
    free(e.fe_path);
    free(e.be_path);
    return 0;
}
