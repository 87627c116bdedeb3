/* vif-backend/emu/guest.c: xovs-guest, a Xen netfront that runs as a process.
 *
 * It plays one PV guest's network driver against a netback over the
 * emulated platform (emu.h): it owns the domain's memory, grants pages and
 * drives the netif rings the way Linux's drivers/net/xen-netfront.c does, so
 * the backend sees what it sees from a real Linux guest:
 *
 *   talk_to_netback()   ring pages granted, event channels allocated (split
 *                       when the backend offers it), keys written in one
 *                       transaction, multi-queue as queue-N/ subtrees;
 *   xennet_start_xmit() one slot per 4 KiB of frame, NETTXF_more_data, a GSO
 *                       extra-info slot, csum_blank/data_validated; grants
 *                       are readonly and revoked when the response comes;
 *   xennet_poll()       responses copied out, extras and more_data chains
 *                       checked against rsp_prod and the slot limit;
 *   xennet_alloc_rx_buffers()  the RX ring kept full of writable grants;
 *   event suppression   RING_PUSH_REQUESTS_AND_CHECK_NOTIFY and
 *                       RING_FINAL_CHECK_FOR_RESPONSES, nothing else;
 *   --rss               what Linux netfront never does and Windows' PV
 *                       drivers do: a control ring carrying a Toeplitz
 *                       hash configuration (key, flags, a 128-entry
 *                       mapping), then every received frame's hash extra
 *                       and ring checked against it.
 *
 * xenbus, as Linux's netback_changed() (a backend that goes back to
 * Initialising/InitWait after we connected -- restarted -- is ignored, as
 * netfront ignores it; a restarted xovs-netback re-attaches to our rings):
 *
 *                 backend InitWait
 *   Initialising -------------------> [connect]
 *                                         |
 *                  .----------------------+---------------------.
 *                  v   (--initialised)                          v
 *             Initialised --backend Connected--> Connected  (default)
 *                                                    |
 *                                     backend Closing/Closed
 *                                                    v
 *                                                  Closed
 *
 * SIGTERM: Closing, wait (5 s) for the backend's Closing/Closed, Closed, wait
 * (5 s) for its Closed, revoke everything, print the counters, exit 0.
 * SIGUSR1: print the counters and go on.  The counters are a line of totals
 * and a line per ring ("queue=N tx_packets=.. tx_bytes=.. rx_packets=..
 * rx_bytes=..", every ring ever connected): which ring a frame went out
 * on is the guest's choice, which one it came in on the backend's.
 *
 * The xenstore nodes (xl's skeleton, the frontend's keys) are written by
 * frontend.c, which xovs-evil-guest shares.
 *
 * Traffic comes from one of three "guest OSes": a tap eth0 in a network
 * namespace (IFF_VNET_HDR carries checksum and GSO metadata both ways), a
 * UDP generator, or a sink. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xenstore.h>

/* ring.h wants these (Xen's tools get them from xenctrl.h). */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define XEN_NETIF_DEFINE_TOEPLITZ /* netif.h's own, to check netback's */
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#include "command-line.h"
#include "fatal-signal.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/emu/emu.h"
#include "vif-backend/emu/frontend.h"

VLOG_DEFINE_THIS_MODULE(xovs_guest);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define GUEST_PAGE 4096
#define TX_RING_SIZE __CONST_RING_SIZE(netif_tx, GUEST_PAGE)
#define RX_RING_SIZE __CONST_RING_SIZE(netif_rx, GUEST_PAGE)
/* As netfront: an RX push is worth it with this many buffers posted. */
#define RX_SLOTS_MIN (XEN_NETIF_NR_SLOTS_MIN + 1)
#define MAX_QUEUES 16
#define NAPI_BUDGET 64
#define XENNET_TIMEOUT_MS 5000
/* A frame, as read from the tap: up to 64 KiB (GSO) plus headroom. */
#define FRAME_MAX (XEN_NETIF_MAX_TX_SIZE + 1)
#define NO_REF UINT32_MAX

_Static_assert(TX_RING_SIZE == 256 && RX_RING_SIZE == 256, "ring sizes");

/* --rss: receive-side scaling over the control ring, as Windows' PV drivers
 * set it up (Linux netfront never does).  Microsoft's RSS verification
 * key; a mapping that sends hash h to queue n - 1 - (h % 128) % n, which
 * no other steering would produce by chance. */
#define RSS_MAPPING_SIZE 128
#define RSS_FLAGS                                                             \
    (XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP        \
     | XEN_NETIF_CTRL_HASH_TYPE_IPV6 | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)
static const uint8_t rss_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
    0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
    0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
    0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* What RSS saw on receive. */
struct rss_counters {
    unsigned long long hashed;      /* frames with a hash extra */
    unsigned long long bad_hash;    /* its type or value is not ours */
    unsigned long long wrong_queue; /* not on the queue our mapping names */
    unsigned long long unhashed;    /* IP frames without one (once on) */
};

enum mode { MODE_NETNS, MODE_GENERATE, MODE_SINK };

struct counters {
    unsigned long long tx_packets, tx_bytes, tx_drops, tx_errors;
    unsigned long long rx_packets, rx_bytes, rx_drops, rx_errors;
};

struct queue {
    unsigned int idx;
    bool up;     /* rings exist */
    bool broken; /* protocol violation seen: no traffic */

    uint32_t tx_ring_frame, rx_ring_frame;
    uint32_t tx_ring_ref, rx_ring_ref;
    struct netif_tx_front_ring tx;
    struct netif_rx_front_ring rx;
    uint32_t tx_evtchn, rx_evtchn; /* equal unless split */

    /* TX: one page per id, granted per request. */
    uint32_t tx_frame[TX_RING_SIZE];
    uint32_t tx_ref[TX_RING_SIZE];  /* NO_REF when the id is free */
    uint16_t tx_free[TX_RING_SIZE]; /* free ids (a stack) */
    size_t n_tx_free;

    /* RX: buffer i is ring index i (netfront's xennet_rxidx()). */
    uint32_t rx_frame[RX_RING_SIZE];
    uint32_t rx_ref[RX_RING_SIZE]; /* NO_REF when not posted */

    int tap_fd; /* -1 without a tap */
    unsigned long long gen_seq;
};

struct guest {
    /* Settings. */
    uint16_t domid, devid, backend_domid;
    uint8_t mac[6], dst_mac[6];
    uint32_t dst_ip;
    unsigned int n_queues_wanted;
    enum mode mode;
    char *netns;
    size_t gen_size;
    unsigned long long gen_pps;
    char *xs_path;
    char *bridge;
    bool initialised; /* Initialised before Connected */
    bool rss;         /* --rss: Toeplitz hash over the control ring */

    /* Platform and xenstore. */
    struct vif_emu_dom *dom;
    struct xs_handle *xs0; /* as dom0 (toolstack work) */
    struct xs_handle *xs;  /* as the guest */
    char *fe_path, *be_path;
    bool wrote_skeleton;
    uint16_t be_id;

    /* xenbus. */
    enum xenbus_state state;
    enum xenbus_state be_state;
    bool closing; /* SIGTERM seen */
    long long int close_deadline;

    /* Backend features. */
    bool be_sg, be_gso4, be_gso6, be_ipv6_csum;

    /* Control ring (--rss with a backend offering feature-ctrl-ring). */
    bool ctrl_up;
    struct xen_netif_ctrl_front_ring ctrl;
    uint32_t ctrl_frame, ctrl_ref, ctrl_evtchn;
    uint32_t key_frame, key_ref, map_frame, map_ref;
    unsigned int n_ctrl_sent, n_ctrl_done; /* requests posted, answered */
    bool rss_on;                           /* every one succeeded */
    uint32_t rss_map[RSS_MAPPING_SIZE];
    struct rss_counters rss_c;

    struct queue queues[MAX_QUEUES];
    unsigned int n_queues;
    bool be_multi_queue; /* the backend wrote multi-queue-max-queues */
    unsigned int rr;     /* queue served first this round (rotates: a queue
                          * always served first would get its frames through
                          * first, and the others' dropped, under overload) */
    int tap_fds[MAX_QUEUES];
    unsigned int n_taps;

    struct counters c, last_c;
    struct counters qc[MAX_QUEUES]; /* per queue (ring), all connections */
    unsigned int n_queues_used;     /* most queues ever connected */
    long long int next_report;
    long long int gen_last_ns;
    double gen_tokens;

    uint8_t *frame; /* scratch, FRAME_MAX bytes */
    uint64_t n_events, n_spurious;
};

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t got_usr1; /* print the counters */
static int signal_pipe[2] = {-1, -1};

static void
signal_handler(int sig)
{
    char c = 0;

    if (sig == SIGUSR1) {
        got_usr1 = 1;
    } else {
        got_signal = 1;
    }
    if (write(signal_pipe[1], &c, 1) < 0) {
        /* The flag is enough. */
    }
}

/* ---- xenstore helpers ----------------------------------------------------
 */

/* As xenbus_read_unsigned(): 'def' if missing or not a number. */
static unsigned long
xs_read_unsigned(struct xs_handle *xs, const char *dir, const char *key,
                 unsigned long def)
{
    char *v = vif_fe_read(xs, XBT_NULL, dir, key);
    unsigned long n = def;

    if (v) {
        char *end;
        errno = 0;
        unsigned long x = strtoul(v, &end, 10);
        if (!errno && end != v && !*end) {
            n = x;
        }
        free(v);
    }
    return n;
}

static struct xs_handle *
xs_open_at(const char *path)
{
    struct xs_handle *xs = vif_fe_xs_open(path);
    if (!xs) {
        VLOG_ERR("%s: cannot connect to xenstored: %s", path,
                 ovs_strerror(errno));
    }
    return xs;
}

static void
switch_state(struct guest *g, enum xenbus_state s)
{
    if (g->state != s) {
        VLOG_INFO("vif%u.%u: frontend %s -> %s", g->domid, g->devid,
                  vif_fe_state_name(g->state), vif_fe_state_name(s));
    }
    g->state = s;
    vif_fe_printf(&this_module, g->xs, XBT_NULL, g->fe_path, "state", "%d", s);
}

/* ---- The toolstack's part ------------------------------------------------
 */

/* The vif, for frontend.h (failed writes are warned about here). */
static struct vif_fe_vif
guest_vif(const struct guest *g)
{
    struct vif_fe_vif vif = {
        .domid = g->domid,
        .devid = g->devid,
        .be_domid = g->backend_domid,
        .bridge = g->bridge,
        .fe_path = g->fe_path,
        .be_path = g->be_path,
        .log = &this_module,
    };
    memcpy(vif.mac, g->mac, sizeof vif.mac);
    return vif;
}

/* The domain's nodes as libxl__domain_make() writes them, unless they
 * exist, then the vif's as libxl__device_generic_add() does. */
static bool
write_skeleton_txn(struct xs_handle *xs, xs_transaction_t t, void *g_)
{
    struct guest *g = g_;
    struct vif_fe_vif vif = guest_vif(g);
    char *dom = vif_fe_dom_path(g->domid);
    char *device = xasprintf("%s/device", dom);
    unsigned int len;
    char *had = xs_read(xs, t, dom, &len);
    bool ok = true;

    if (!had) {
        ok = vif_fe_mkdir(xs, t, dom, 0, g->domid)
             && vif_fe_printf(&this_module, xs, t, dom, "domid", "%u",
                              g->domid)
             && vif_fe_printf(&this_module, xs, t, dom, "name",
                              "xovs-guest-%u", g->domid);
    }
    free(had);
    had = xs_read(xs, t, device, &len);
    if (ok && !had) {
        struct xs_permissions rw = {.id = g->domid, .perms = XS_PERM_NONE};
        ok = xs_mkdir(xs, t, device)
             && xs_set_permissions(xs, t, device, &rw, 1);
    }
    free(had);
    free(device);
    free(dom);
    return ok && vif_fe_skeleton_dirs(&vif, xs, t)
           && vif_fe_skeleton_keys(&vif, xs, t);
}

/* Writes what xl writes for a guest with one vif, unless a toolstack
 * already did. */
static int
write_skeleton(struct guest *g)
{
    char *existing = vif_fe_read(g->xs0, XBT_NULL, g->fe_path, "backend");
    int error;

    if (existing) {
        VLOG_INFO("%s: written by a toolstack, using it", g->fe_path);
        free(existing);
        return 0;
    }
    error = vif_fe_introduce(g->xs0, g->domid);
    if (error) {
        VLOG_ERR("introduce dom%u: %s", g->domid, ovs_strerror(error));
        return error;
    }
    error = vif_fe_transact(g->xs0, write_skeleton_txn, g, NULL);
    if (error) {
        VLOG_ERR("writing the vif's xenstore nodes: %s", ovs_strerror(error));
        return error;
    }
    g->wrote_skeleton = true;
    VLOG_INFO("wrote the xenstore skeleton of vif%u.%u", g->domid, g->devid);
    return 0;
}

/* ---- Queues: setup and teardown ------------------------------------------
 */

static int
grant(struct guest *g, uint32_t frame, bool readonly, uint32_t *ref)
{
    return vif_emu_grant_access(g->dom, frame, g->be_id, readonly, ref);
}

/* Revokes 'ref', as gnttab_end_foreign_access(): if the backend still uses
 * it (it should not), the page is leaked rather than reused under it. */
static bool
gnt_revoke(struct guest *g, uint32_t *ref, uint32_t frame)
{
    if (*ref == NO_REF) {
        return true;
    }
    if (vif_emu_end_access(g->dom, *ref)) {
        VLOG_WARN_RL(&rl,
                     "vif%u.%u: grant %" PRIu32 " still in use by the "
                     "backend; leaking its page",
                     g->domid, g->devid, *ref);
        *ref = NO_REF;
        return false;
    }
    *ref = NO_REF;
    vif_emu_free_page(g->dom, frame);
    return true;
}

static void
queue_destroy(struct guest *g, struct queue *q)
{
    if (!q->up) {
        return;
    }
    if (q->tx_evtchn) {
        vif_emu_close_port(g->dom, q->tx_evtchn);
    }
    if (q->rx_evtchn && q->rx_evtchn != q->tx_evtchn) {
        vif_emu_close_port(g->dom, q->rx_evtchn);
    }
    for (size_t i = 0; i < TX_RING_SIZE; i++) {
        if (q->tx_ref[i] != NO_REF) {
            gnt_revoke(g, &q->tx_ref[i], q->tx_frame[i]);
        } else {
            vif_emu_free_page(g->dom, q->tx_frame[i]);
        }
    }
    for (size_t i = 0; i < RX_RING_SIZE; i++) {
        if (q->rx_ref[i] != NO_REF) {
            gnt_revoke(g, &q->rx_ref[i], q->rx_frame[i]);
        } else {
            vif_emu_free_page(g->dom, q->rx_frame[i]);
        }
    }
    gnt_revoke(g, &q->tx_ring_ref, q->tx_ring_frame);
    gnt_revoke(g, &q->rx_ring_ref, q->rx_ring_frame);
    int tap_fd = q->tap_fd;
    memset(q, 0, sizeof *q);
    q->tap_fd = tap_fd;
}

/* As setup_netfront(). */
static int
queue_setup(struct guest *g, struct queue *q, unsigned int idx, bool split)
{
    int error;

    memset(q, 0, sizeof *q);
    q->idx = idx;
    q->tap_fd = g->n_taps ? g->tap_fds[idx % g->n_taps] : -1;
    q->tx_ring_ref = q->rx_ring_ref = NO_REF;
    for (size_t i = 0; i < TX_RING_SIZE; i++) {
        q->tx_ref[i] = NO_REF;
        q->rx_ref[i] = NO_REF;
    }

    if ((error = vif_emu_alloc_page(g->dom, &q->tx_ring_frame))
        || (error = vif_emu_alloc_page(g->dom, &q->rx_ring_frame))) {
        return error;
    }
    q->up = true;
    for (size_t i = 0; i < TX_RING_SIZE; i++) {
        if ((error = vif_emu_alloc_page(g->dom, &q->tx_frame[i]))
            || (error = vif_emu_alloc_page(g->dom, &q->rx_frame[i]))) {
            return error;
        }
        q->tx_free[q->n_tx_free++] = TX_RING_SIZE - 1 - i;
    }

    struct netif_tx_sring *txs = vif_emu_page(g->dom, q->tx_ring_frame);
    struct netif_rx_sring *rxs = vif_emu_page(g->dom, q->rx_ring_frame);
    SHARED_RING_INIT(txs);
    FRONT_RING_INIT(&q->tx, txs, GUEST_PAGE);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&q->rx, rxs, GUEST_PAGE);

    if ((error = grant(g, q->tx_ring_frame, false, &q->tx_ring_ref))
        || (error = grant(g, q->rx_ring_frame, false, &q->rx_ring_ref))) {
        return error;
    }
    if ((error = vif_emu_alloc_unbound(g->dom, g->be_id, &q->tx_evtchn))) {
        return error;
    }
    if (split) {
        error = vif_emu_alloc_unbound(g->dom, g->be_id, &q->rx_evtchn);
    } else {
        q->rx_evtchn = q->tx_evtchn;
    }
    return error;
}

static bool
write_queue_keys(struct xs_handle *xs, xs_transaction_t t,
                 const struct queue *q, const char *dir)
{
    return vif_fe_ring_keys(&this_module, xs, t, dir, q->tx_ring_ref,
                            q->rx_ring_ref, q->tx_evtchn, q->rx_evtchn);
}

/* ---- Control ring (--rss) -----------------------------------------------
 */

/* Revokes 'ref' (if granted) and frees 'frame' (if allocated). */
static void
page_release(struct guest *g, uint32_t *ref, uint32_t *frame)
{
    if (*ref != NO_REF) {
        gnt_revoke(g, ref, *frame); /* frees the page unless still in use */
    } else if (*frame != NO_REF) {
        vif_emu_free_page(g->dom, *frame);
    }
    *frame = NO_REF;
}

static void
ctrl_destroy(struct guest *g)
{
    if (!g->ctrl_up) {
        return;
    }
    if (g->ctrl_evtchn) {
        vif_emu_close_port(g->dom, g->ctrl_evtchn);
    }
    page_release(g, &g->ctrl_ref, &g->ctrl_frame);
    page_release(g, &g->key_ref, &g->key_frame);
    page_release(g, &g->map_ref, &g->map_frame);
    g->ctrl_up = false;
    g->ctrl_evtchn = 0;
    g->rss_on = false;
}

/* The control ring, the key page and the mapping page, granted; an event
 * channel.  On failure ctrl_destroy() cleans up. */
static int
ctrl_setup(struct guest *g)
{
    int error;

    g->ctrl_up = true;
    g->ctrl_frame = g->key_frame = g->map_frame = NO_REF;
    g->ctrl_ref = g->key_ref = g->map_ref = NO_REF;
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
    if ((error = grant(g, g->ctrl_frame, false, &g->ctrl_ref))
        || (error = grant(g, g->key_frame, true, &g->key_ref))
        || (error = grant(g, g->map_frame, true, &g->map_ref))) {
        return error;
    }
    return vif_emu_alloc_unbound(g->dom, g->be_id, &g->ctrl_evtchn);
}

/* Posts the whole configuration at once, in the order Windows' xenvif
 * sends it; ctrl_poll() checks every answer. */
static void
ctrl_post(struct guest *g)
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
static void
ctrl_poll(struct guest *g)
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
static void
rss_check(struct guest *g, const struct queue *q, const uint8_t *f, size_t len,
          const struct netif_extra_info *hash)
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

static void disconnect(struct guest *);
static void alloc_rx_buffers(struct guest *, struct queue *);
static void set_tap_offloads(struct guest *);

/* talk_to_netback()'s transaction: the keys of every queue, of the control
 * ring, the features. */
static bool
write_frontend_keys(struct xs_handle *xs, xs_transaction_t t, void *g_)
{
    struct guest *g = g_;

    /* Keys of an earlier connection must not outlive it. */
    static const char *const stale[] = {
        "multi-queue-num-queues", "event-channel",      "event-channel-tx",
        "event-channel-rx",       "tx-ring-ref",        "rx-ring-ref",
        "ctrl-ring-ref",          "event-channel-ctrl",
    };
    for (size_t i = 0; i < ARRAY_SIZE(stale); i++) {
        char *path = xasprintf("%s/%s", g->fe_path, stale[i]);
        xs_rm(xs, t, path);
        free(path);
    }
    for (unsigned int i = 0; i < MAX_QUEUES; i++) {
        char *path = xasprintf("%s/queue-%u", g->fe_path, i);
        xs_rm(xs, t, path);
        free(path);
    }

    bool ok = true;
    if (g->n_queues == 1) {
        /* Flat keys; multi-queue-num-queues=1 when the backend does
         * multi-queue, as Linux netfront writes it (seen under real Xen). */
        ok = (!g->be_multi_queue
              || vif_fe_printf(&this_module, xs, t, g->fe_path,
                               "multi-queue-num-queues", "1"))
             && write_queue_keys(xs, t, &g->queues[0], g->fe_path);
    } else {
        ok = vif_fe_printf(&this_module, xs, t, g->fe_path,
                           "multi-queue-num-queues", "%u", g->n_queues);
        for (unsigned int i = 0; ok && i < g->n_queues; i++) {
            char *dir = xasprintf("%s/queue-%u", g->fe_path, i);
            ok = write_queue_keys(xs, t, &g->queues[i], dir);
            free(dir);
        }
    }
    if (g->ctrl_up) {
        ok = ok
             && vif_fe_printf(&this_module, xs, t, g->fe_path, "ctrl-ring-ref",
                              "%" PRIu32, g->ctrl_ref)
             && vif_fe_printf(&this_module, xs, t, g->fe_path,
                              "event-channel-ctrl", "%" PRIu32,
                              g->ctrl_evtchn);
    }
    return ok && vif_fe_features(&this_module, xs, t, g->fe_path, true);
}

/* As talk_to_netback() + xennet_connect().  Returns 0 or a positive errno
 * (logged); on failure nothing is left half set up. */
static int
connect_backend(struct guest *g)
{
    char *be = vif_fe_read(g->xs, XBT_NULL, g->fe_path, "backend");
    int error = 0;

    if (!be) {
        VLOG_ERR("%s/backend: missing", g->fe_path);
        return ENOENT;
    }
    free(g->be_path);
    g->be_path = be;
    g->be_id
        = xs_read_unsigned(g->xs, g->fe_path, "backend-id", g->backend_domid);

    if (!xs_read_unsigned(g->xs, be, "feature-rx-copy", 0)) {
        VLOG_ERR("vif%u.%u: backend does not support copying receive path",
                 g->domid, g->devid);
        return ENODEV;
    }
    unsigned long max_queues
        = xs_read_unsigned(g->xs, be, "multi-queue-max-queues", 0);
    g->be_multi_queue = max_queues > 0;
    bool split
        = xs_read_unsigned(g->xs, be, "feature-split-event-channels", 0);
    g->be_sg = xs_read_unsigned(g->xs, be, "feature-sg", 0);
    g->be_gso4 = xs_read_unsigned(g->xs, be, "feature-gso-tcpv4", 0);
    g->be_gso6 = xs_read_unsigned(g->xs, be, "feature-gso-tcpv6", 0);
    g->be_ipv6_csum
        = xs_read_unsigned(g->xs, be, "feature-ipv6-csum-offload", 0);
    bool be_ctrl = xs_read_unsigned(g->xs, be, "feature-ctrl-ring", 0);
    g->n_queues = MIN(g->n_queues_wanted, MAX(max_queues, 1));
    g->n_queues_used = MAX(g->n_queues_used, g->n_queues);

    for (unsigned int i = 0; i < g->n_queues; i++) {
        error = queue_setup(g, &g->queues[i], i, split);
        if (error) {
            VLOG_ERR("vif%u.%u: setting up queue %u: %s", g->domid, g->devid,
                     i, ovs_strerror(error));
            disconnect(g);
            return error;
        }
    }
    if (g->rss && !be_ctrl) {
        VLOG_WARN("vif%u.%u: --rss, but the backend offers no control ring",
                  g->domid, g->devid);
    } else if (g->rss && (error = ctrl_setup(g))) {
        VLOG_ERR("vif%u.%u: setting up the control ring: %s", g->domid,
                 g->devid, ovs_strerror(error));
        disconnect(g);
        return error;
    }

    error = vif_fe_transact(g->xs, write_frontend_keys, g, NULL);
    if (error) {
        VLOG_ERR("vif%u.%u: writing the frontend keys: %s", g->domid, g->devid,
                 ovs_strerror(error));
        disconnect(g);
        return error;
    }

    /* xennet_connect(): fill the RX rings, kick the backend. */
    for (unsigned int i = 0; i < g->n_queues; i++) {
        struct queue *q = &g->queues[i];

        alloc_rx_buffers(g, q);
        vif_emu_notify(g->dom, q->tx_evtchn);
        if (q->rx_evtchn != q->tx_evtchn) {
            vif_emu_notify(g->dom, q->rx_evtchn);
        }
    }
    if (g->ctrl_up) {
        ctrl_post(g);
    }
    set_tap_offloads(g);
    VLOG_INFO("vif%u.%u: %u queue(s), %s event channels%s, backend %s",
              g->domid, g->devid, g->n_queues, split ? "split" : "shared",
              g->ctrl_up ? ", control ring" : "", g->be_path);
    return 0;
}

static void
disconnect(struct guest *g)
{
    for (unsigned int i = 0; i < MAX_QUEUES; i++) {
        queue_destroy(g, &g->queues[i]);
    }
    ctrl_destroy(g);
    g->n_queues = 0;
}

/* ---- TX (xennet_start_xmit, xennet_tx_buf_gc) ----------------------------
 */

static void
queue_broken(struct guest *g, struct queue *q, const char *why)
{
    if (!q->broken) {
        VLOG_ERR("vif%u.%u: queue %u: %s: disabling the queue", g->domid,
                 g->devid, q->idx, why);
        q->broken = true;
    }
}

static void
tx_buf_gc(struct guest *g, struct queue *q)
{
    int more;

    if (!q->up || q->broken) {
        return;
    }
    do {
        RING_IDX prod = q->tx.sring->rsp_prod;
        rmb();
        if (prod - q->tx.rsp_cons > TX_RING_SIZE) {
            queue_broken(g, q, "illogical tx rsp_prod");
            return;
        }
        for (RING_IDX cons = q->tx.rsp_cons; cons != prod; cons++) {
            struct netif_tx_response rsp;

            RING_COPY_RESPONSE(&q->tx, cons, &rsp);
            if (rsp.status == NETIF_RSP_NULL) {
                continue;
            }
            if (rsp.id >= TX_RING_SIZE || q->tx_ref[rsp.id] == NO_REF) {
                queue_broken(g, q, "response for an id not in use");
                return;
            }
            if (rsp.status != NETIF_RSP_OKAY) {
                g->c.tx_errors++;
            }
            if (vif_emu_end_access(g->dom, q->tx_ref[rsp.id])) {
                queue_broken(g, q, "grant still in use by the backend");
                return;
            }
            q->tx_ref[rsp.id] = NO_REF;
            q->tx_free[q->n_tx_free++] = rsp.id;
        }
        q->tx.rsp_cons = prod;
        RING_FINAL_CHECK_FOR_RESPONSES(&q->tx, more);
    } while (more);
}

/* Slots one more packet may need: data, plus a GSO extra. */
static bool
tx_slot_available(const struct queue *q)
{
    return q->up && !q->broken
           && q->tx.req_prod_pvt - q->tx.rsp_cons
                  < TX_RING_SIZE - XEN_NETIF_NR_SLOTS_MIN - 1
           && q->n_tx_free >= XEN_NETIF_NR_SLOTS_MIN;
}

/* One frame onto 'q' (not yet pushed).  'vh' may be NULL. */
static void
xmit(struct guest *g, struct queue *q, const struct virtio_net_hdr *vh,
     const uint8_t *frame, size_t len)
{
    size_t n_slots = DIV_ROUND_UP(len, GUEST_PAGE);
    struct netif_extra_info gso;
    bool has_gso = false;
    uint16_t flags = 0;

    if (len < ETH_HEADER_LEN || len > XEN_NETIF_MAX_TX_SIZE
        || n_slots > XEN_NETIF_NR_SLOTS_MIN || (n_slots > 1 && !g->be_sg)
        || !tx_slot_available(q)) {
        g->c.tx_drops++;
        return;
    }
    if (vh) {
        if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
            flags |= NETTXF_csum_blank | NETTXF_data_validated;
        } else if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
            flags |= NETTXF_data_validated;
        }
        uint8_t gso_type = vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
        if (gso_type != VIRTIO_NET_HDR_GSO_NONE) {
            memset(&gso, 0, sizeof gso);
            gso.type = XEN_NETIF_EXTRA_TYPE_GSO;
            gso.u.gso.size = vh->gso_size;
            if (gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && g->be_gso4) {
                gso.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
            } else if (gso_type == VIRTIO_NET_HDR_GSO_TCPV6 && g->be_gso6) {
                gso.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV6;
            } else {
                g->c.tx_drops++;
                return;
            }
            has_gso = true;
            flags |= NETTXF_extra_info;
        }
    }

    size_t done = 0;
    for (size_t s = 0; s < n_slots; s++) {
        uint16_t id = q->tx_free[--q->n_tx_free];
        size_t chunk = MIN(len - done, (size_t)GUEST_PAGE);
        struct netif_tx_request req;

        memcpy(vif_emu_page(g->dom, q->tx_frame[id]), frame + done, chunk);
        if (grant(g, q->tx_frame[id], true, &q->tx_ref[id])) {
            /* Cannot happen with the table sized for the rings. */
            queue_broken(g, q, "out of grant references");
            return;
        }
        memset(&req, 0, sizeof req);
        req.gref = q->tx_ref[id];
        req.offset = 0;
        req.id = id;
        /* The first slot carries the whole packet's size. */
        req.size = s ? chunk : len;
        req.flags = (s ? 0 : flags) | (s + 1 < n_slots ? NETTXF_more_data : 0);
        *RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt++) = req;

        if (!s && has_gso) {
            union {
                struct netif_tx_request req;
                struct netif_extra_info extra;
            } slot;
            memset(&slot, 0, sizeof slot);
            slot.extra = gso;
            *RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt++) = slot.req;
        }
        done += chunk;
    }
    g->c.tx_packets++;
    g->c.tx_bytes += len;
    g->qc[q->idx].tx_packets++;
    g->qc[q->idx].tx_bytes += len;
}

static void
tx_push(struct guest *g, struct queue *q)
{
    int notify;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->tx, notify);
    if (notify) {
        vif_emu_notify(g->dom, q->tx_evtchn);
    }
}

/* Software checksum for a partial-checksum frame the backend cannot
 * offload (IPv6 without feature-ipv6-csum-offload). */
static void
finish_csum(uint8_t *frame, size_t len, const struct virtio_net_hdr *vh)
{
    size_t start = vh->csum_start, off = start + vh->csum_offset;

    if (start >= len || off + 2 > len) {
        return;
    }
    uint32_t sum = 0;
    for (size_t i = start; i < len; i += 2) {
        sum += (frame[i] << 8) | (i + 1 < len ? frame[i + 1] : 0);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    uint16_t csum = ~sum;
    if (!csum && vh->csum_offset == 6) {
        csum = 0xffff; /* UDP: 0 means "no checksum" */
    }
    frame[off] = csum >> 8;
    frame[off + 1] = csum & 0xff;
}

static void
tap_tx(struct guest *g, struct queue *q)
{
    int budget = NAPI_BUDGET;
    bool sent = false;

    while (budget-- > 0 && tx_slot_available(q)) {
        struct virtio_net_hdr vh;
        struct iovec iov[2] = {
            {.iov_base = &vh, .iov_len = sizeof vh},
            {.iov_base = g->frame, .iov_len = FRAME_MAX},
        };
        ssize_t n = readv(q->tap_fd, iov, 2);
        if (n < 0) {
            break;
        }
        if ((size_t)n < sizeof vh) {
            continue;
        }
        size_t len = n - sizeof vh;
        if ((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && len > 14
            && g->frame[12] == 0x86 && g->frame[13] == 0xdd
            && !g->be_ipv6_csum) {
            finish_csum(g->frame, len, &vh);
            vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
        }
        xmit(g, q, &vh, g->frame, len);
        sent = true;
    }
    if (sent) {
        tx_push(g, q);
    }
}

/* ---- The generator -------------------------------------------------------
 */

static uint16_t
ip_csum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;

    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

static void
build_udp(struct guest *g, struct queue *q, uint8_t *f, size_t size)
{
    size_t ip_len = size - ETH_HEADER_LEN;

    memset(f, 0, size);
    memcpy(f, g->dst_mac, 6);
    memcpy(f + 6, g->mac, 6);
    f[12] = 0x08;
    f[13] = 0x00;

    uint8_t *ip = f + ETH_HEADER_LEN;
    uint32_t src = (198u << 24) | (18u << 16) | ((g->domid & 0x1ff) << 7)
                   | ((g->devid + 1) & 0x7f);
    ip[0] = 0x45;
    ip[2] = ip_len >> 8;
    ip[3] = ip_len & 0xff;
    ip[4] = q->gen_seq >> 8;
    ip[5] = q->gen_seq & 0xff;
    ip[8] = 64;
    ip[9] = 17;
    put_16aligned_be32((ovs_16aligned_be32 *)(ip + 12), htonl(src));
    put_16aligned_be32((ovs_16aligned_be32 *)(ip + 16), htonl(g->dst_ip));
    uint16_t c = ip_csum(ip, 20);
    ip[10] = c >> 8;
    ip[11] = c & 0xff;

    uint8_t *udp = ip + 20;
    size_t udp_len = ip_len - 20;
    udp[0] = 0x04; /* sport 1024 + queue */
    udp[1] = q->idx;
    udp[2] = 0x00; /* dport 9, discard */
    udp[3] = 0x09;
    udp[4] = udp_len >> 8;
    udp[5] = udp_len & 0xff;
    if (udp_len >= 16) {
        uint64_t seq = q->gen_seq;
        memcpy(udp + 8, &seq, sizeof seq);
    }
    q->gen_seq++;
}

static void
generate(struct guest *g)
{
    long long int now = time_usec() * 1000;
    double allowed = 1e18;

    if (g->gen_pps) {
        double burst = MAX(32.0, g->gen_pps / 100.0);
        g->gen_tokens += (now - g->gen_last_ns) * 1e-9 * g->gen_pps;
        g->gen_tokens = MIN(g->gen_tokens, burst);
        allowed = g->gen_tokens;
    }
    g->gen_last_ns = now;

    for (unsigned int k = 0; k < g->n_queues; k++) {
        struct queue *q = &g->queues[(g->rr + k) % g->n_queues];
        bool sent = false;

        for (int b = 0;
             b < NAPI_BUDGET && allowed >= 1.0 && tx_slot_available(q); b++) {
            build_udp(g, q, g->frame, g->gen_size);
            xmit(g, q, NULL, g->frame, g->gen_size);
            allowed -= 1.0;
            if (g->gen_pps) {
                g->gen_tokens -= 1.0;
            }
            sent = true;
        }
        if (sent) {
            tx_push(g, q);
        }
    }
}

/* ---- RX (xennet_alloc_rx_buffers, xennet_poll) ------------------------- */

static void
alloc_rx_buffers(struct guest *g, struct queue *q)
{
    RING_IDX req_prod = q->rx.req_prod_pvt;
    int notify;

    if (!q->up || q->broken) {
        return;
    }
    for (; req_prod - q->rx.rsp_cons < RX_RING_SIZE; req_prod++) {
        unsigned int id = req_prod & (RX_RING_SIZE - 1);
        struct netif_rx_request req;

        if (q->rx_ref[id] != NO_REF) {
            break; /* still awaiting its response */
        }
        if (grant(g, q->rx_frame[id], false, &q->rx_ref[id])) {
            break;
        }
        memset(&req, 0, sizeof req);
        req.id = id;
        req.gref = q->rx_ref[id];
        *RING_GET_REQUEST(&q->rx, req_prod) = req;
    }
    q->rx.req_prod_pvt = req_prod;

    /* Not enough requests?  netfront retries from a timer; the next event
     * or poll does it here. */
    if (req_prod - q->rx.rsp_cons < RX_SLOTS_MIN) {
        return;
    }
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, notify);
    if (notify) {
        vif_emu_notify(g->dom, q->rx_evtchn);
    }
}

/* Revokes the buffer of ring index 'cons' after its response.  False if the
 * backend still holds it (a violation). */
static bool
rx_release(struct guest *g, struct queue *q, RING_IDX cons)
{
    unsigned int id = cons & (RX_RING_SIZE - 1);

    if (q->rx_ref[id] == NO_REF) {
        return false;
    }
    if (vif_emu_end_access(g->dom, q->rx_ref[id])) {
        return false;
    }
    q->rx_ref[id] = NO_REF;
    return true;
}

/* The L4 offset of an IPv4/IPv6 TCP/UDP frame and its protocol, or 0. */
static size_t
l4_offset(const uint8_t *f, size_t len, uint8_t *proto)
{
    if (len < ETH_HEADER_LEN + 20) {
        return 0;
    }
    uint16_t type = (f[12] << 8) | f[13];
    if (type == 0x0800) {
        size_t ihl = (f[14] & 0xf) * 4;
        *proto = f[14 + 9];
        return ihl >= 20 && 14 + ihl < len ? 14 + ihl : 0;
    } else if (type == 0x86dd && len >= 14 + 40) {
        *proto = f[14 + 6];
        return 14 + 40;
    }
    return 0;
}

static void
deliver(struct guest *g, struct queue *q, uint8_t *frame, size_t len,
        uint16_t flags, const struct netif_extra_info *gso)
{
    struct virtio_net_hdr vh;

    memset(&vh, 0, sizeof vh);
    if (flags & NETRXF_csum_blank) {
        /* As netfront's checksum_setup(): find what to checksum. */
        uint8_t proto = 0;
        size_t l4 = l4_offset(frame, len, &proto);
        if (!l4 || (proto != IPPROTO_TCP && proto != IPPROTO_UDP)) {
            g->c.rx_errors++;
            return;
        }
        vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        vh.csum_start = l4;
        vh.csum_offset = proto == IPPROTO_TCP ? 16 : 6;
        if (gso && proto == IPPROTO_TCP && l4 + 20 <= len) {
            vh.gso_type = gso->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6
                              ? VIRTIO_NET_HDR_GSO_TCPV6
                              : VIRTIO_NET_HDR_GSO_TCPV4;
            vh.gso_size = gso->u.gso.size;
            vh.hdr_len = l4 + (frame[l4 + 12] >> 4) * 4;
        }
    } else if (flags & NETRXF_data_validated) {
        vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    }

    g->c.rx_packets++;
    g->c.rx_bytes += len;
    g->qc[q->idx].rx_packets++;
    g->qc[q->idx].rx_bytes += len;
    if (q->tap_fd >= 0) {
        struct iovec iov[2] = {
            {.iov_base = &vh, .iov_len = sizeof vh},
            {.iov_base = frame, .iov_len = len},
        };
        if (writev(q->tap_fd, iov, 2) < 0) {
            g->c.rx_drops++;
        }
    }
}

/* One packet starting at 'q->rx.rsp_cons' (xennet_get_responses()).  'rp' is
 * the producer snapshot.  Returns false if the ring is broken. */
static bool
rx_one(struct guest *g, struct queue *q, RING_IDX rp)
{
    RING_IDX cons = q->rx.rsp_cons;
    struct netif_rx_response rx;
    struct netif_extra_info gso, hash;
    bool has_gso = false, has_hash = false, bad = false;
    size_t len = 0;

    RING_COPY_RESPONSE(&q->rx, cons, &rx);
    if (!rx_release(g, q, cons)) {
        queue_broken(g, q, "rx grant missing or still in use");
        return false;
    }
    uint16_t first_flags = rx.flags;
    cons++;

    /* xennet_get_extras(). */
    if (rx.flags & NETRXF_extra_info) {
        for (;;) {
            struct netif_extra_info extra;
            union {
                struct netif_rx_response rsp;
                struct netif_extra_info extra;
            } slot;

            if (cons == rp) {
                VLOG_WARN_RL(&rl, "vif%u.%u: missing extra info", g->domid,
                             g->devid);
                bad = true;
                break;
            }
            RING_COPY_RESPONSE(&q->rx, cons, &slot.rsp);
            extra = slot.extra;
            if (!rx_release(g, q, cons)) {
                queue_broken(g, q, "rx grant missing or still in use");
                return false;
            }
            cons++;
            if (!extra.type || extra.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
                VLOG_WARN_RL(&rl, "vif%u.%u: invalid extra type %u", g->domid,
                             g->devid, extra.type);
                bad = true;
            } else if (extra.type == XEN_NETIF_EXTRA_TYPE_GSO) {
                gso = extra;
                has_gso = true;
            } else if (extra.type == XEN_NETIF_EXTRA_TYPE_HASH) {
                hash = extra;
                has_hash = true;
            }
            if (!(extra.flags & XEN_NETIF_EXTRA_FLAG_MORE)) {
                break;
            }
        }
    }

    /* The data slots. */
    RING_IDX first = q->rx.rsp_cons;
    for (unsigned int slots = 1;; slots++) {
        RING_IDX at = slots == 1 ? first : cons - 1;
        unsigned int id = at & (RX_RING_SIZE - 1);

        if (rx.status < 0 || rx.offset + rx.status > GUEST_PAGE) {
            VLOG_WARN_RL(&rl, "vif%u.%u: rx offset %u, size %d", g->domid,
                         g->devid, rx.offset, rx.status);
            bad = true;
        } else if (len + rx.status <= FRAME_MAX) {
            memcpy(g->frame + len,
                   (uint8_t *)vif_emu_page(g->dom, q->rx_frame[id])
                       + rx.offset,
                   rx.status);
            len += rx.status;
        } else {
            bad = true;
        }
        if (!(rx.flags & NETRXF_more_data)) {
            break;
        }
        if (cons == rp) {
            VLOG_WARN_RL(&rl, "vif%u.%u: need more slots", g->domid, g->devid);
            bad = true;
            break;
        }
        if (slots >= XEN_NETIF_NR_SLOTS_MIN + 1) {
            VLOG_WARN_RL(&rl, "vif%u.%u: too many slots", g->domid, g->devid);
            bad = true;
        }
        RING_COPY_RESPONSE(&q->rx, cons, &rx);
        if (!rx_release(g, q, cons)) {
            queue_broken(g, q, "rx grant missing or still in use");
            return false;
        }
        cons++;
    }
    q->rx.rsp_cons = cons;

    if (bad || len < ETH_HEADER_LEN) {
        g->c.rx_errors++;
        return true;
    }
    if (g->rss) {
        rss_check(g, q, g->frame, len, has_hash ? &hash : NULL);
    }
    deliver(g, q, g->frame, len, first_flags, has_gso ? &gso : NULL);
    return true;
}

/* xennet_poll(): true if work is left (budget exhausted). */
static bool
rx_poll(struct guest *g, struct queue *q)
{
    int budget = NAPI_BUDGET;
    int more = 0;

    if (!q->up || q->broken) {
        return false;
    }
    do {
        RING_IDX rp = q->rx.sring->rsp_prod;
        rmb();
        if (rp - q->rx.rsp_cons > RX_RING_SIZE) {
            queue_broken(g, q, "illogical rx rsp_prod");
            return false;
        }
        while (q->rx.rsp_cons != rp && budget > 0) {
            if (!rx_one(g, q, rp)) {
                return false;
            }
            budget--;
        }
        if (!budget) {
            alloc_rx_buffers(g, q);
            return true;
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&q->rx, more);
    } while (more);
    alloc_rx_buffers(g, q);
    return false;
}

/* ---- The tap in a namespace ----------------------------------------------
 */

static int
create_tap(struct guest *g)
{
    char *ns_path = xasprintf("/run/netns/%s", g->netns);
    int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int ns = open(ns_path, O_RDONLY | O_CLOEXEC);
    int error = 0;

    if (self < 0 || ns < 0) {
        error = errno;
        VLOG_ERR("%s: %s (create it with 'ip netns add %s')", ns_path,
                 ovs_strerror(error), g->netns);
        goto out;
    }
    if (setns(ns, CLONE_NEWNET) < 0) {
        error = errno;
        VLOG_ERR("entering namespace %s: %s", g->netns, ovs_strerror(error));
        goto out;
    }

    unsigned int n = g->n_queues_wanted;
    for (g->n_taps = 0; g->n_taps < n; g->n_taps++) {
        struct ifreq ifr;
        int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

        if (fd < 0) {
            error = errno;
            break;
        }
        memset(&ifr, 0, sizeof ifr);
        ovs_strlcpy(ifr.ifr_name, "eth0", sizeof ifr.ifr_name);
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
                        | (n > 1 ? IFF_MULTI_QUEUE : 0);
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
            error = errno;
            close(fd);
            break;
        }
        g->tap_fds[g->n_taps] = fd;
    }

    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (!error && s >= 0) {
        struct ifreq ifr;

        memset(&ifr, 0, sizeof ifr);
        ovs_strlcpy(ifr.ifr_name, "eth0", sizeof ifr.ifr_name);
        ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
        memcpy(ifr.ifr_hwaddr.sa_data, g->mac, 6);
        if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0) {
            error = errno;
        }
        memset(&ifr, 0, sizeof ifr);
        ovs_strlcpy(ifr.ifr_name, "eth0", sizeof ifr.ifr_name);
        if (!error && !ioctl(s, SIOCGIFFLAGS, &ifr)) {
            ifr.ifr_flags |= IFF_UP;
            if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
                error = errno;
            }
        }
    }
    if (s >= 0) {
        close(s);
    }
    if (error) {
        VLOG_ERR("creating eth0 in namespace %s: %s", g->netns,
                 ovs_strerror(error));
    }
    if (setns(self, CLONE_NEWNET) < 0) {
        ovs_fatal(errno, "returning to the original network namespace");
    }

out:
    if (self >= 0) {
        close(self);
    }
    if (ns >= 0) {
        close(ns);
    }
    free(ns_path);
    return error;
}

/* What the tap may hand us, given the backend's features (netfront's
 * xennet_fix_features()). */
static void
set_tap_offloads(struct guest *g)
{
    unsigned int off = TUN_F_CSUM;

    if (g->be_sg && g->be_gso4) {
        off |= TUN_F_TSO4;
    }
    if (g->be_sg && g->be_gso6) {
        off |= TUN_F_TSO6;
    }
    for (unsigned int i = 0; i < g->n_taps; i++) {
        if (ioctl(g->tap_fds[i], TUNSETOFFLOAD, off) < 0) {
            VLOG_WARN("eth0: TUNSETOFFLOAD: %s", ovs_strerror(errno));
        }
    }
}

/* ---- xenbus: netback_changed() -------------------------------------------
 */

static void
backend_changed(struct guest *g)
{
    enum xenbus_state be = vif_fe_read_state(g->xs, g->be_path);
    enum xenbus_state prev = g->be_state;
    if (be != g->be_state) {
        VLOG_INFO("vif%u.%u: backend %s", g->domid, g->devid,
                  vif_fe_state_name(be));
    }
    g->be_state = be;
    if (g->closing) {
        return;
    }

    switch (be) {
    case XenbusStateInitialising:
    case XenbusStateInitWait:
        if (g->state != XenbusStateInitialising) {
            /* As netback_changed(): a backend back in Initialising/InitWait
             * while we are past Initialising (it restarted, or is
             * renegotiating) is ignored -- Linux netfront only sets up new
             * rings on its own resume path.  A restarted xovs-netback
             * re-attaches to the rings we have. */
            if (be != prev) {
                VLOG_INFO("vif%u.%u: backend back in %s while we are %s: "
                          "ignored, as Linux netfront does",
                          g->domid, g->devid, vif_fe_state_name(be),
                          vif_fe_state_name(g->state));
            }
            break;
        }
        if (be == XenbusStateInitWait && !connect_backend(g)) {
            switch_state(g, g->initialised ? XenbusStateInitialised
                                           : XenbusStateConnected);
        }
        break;
    case XenbusStateConnected:
        if (g->state == XenbusStateInitialised) {
            switch_state(g, XenbusStateConnected);
        }
        break;
    case XenbusStateClosed:
        if (g->state == XenbusStateClosed) {
            break;
        }
        /* Missed the backend's Closing. */
        /* fall through */
    case XenbusStateClosing:
        if (g->state != XenbusStateClosed) {
            disconnect(g);
            switch_state(g, XenbusStateClosed);
        }
        break;
    case XenbusStateUnknown:
    case XenbusStateInitialised:
    case XenbusStateReconfiguring:
    case XenbusStateReconfigured:
    default:
        break;
    }
}

/* ---- Main loop -----------------------------------------------------------
 */

static void
report(struct guest *g, bool final)
{
    const struct counters *c = &g->c;

    if (final) {
        printf("tx_packets=%llu tx_bytes=%llu tx_drops=%llu tx_errors=%llu "
               "rx_packets=%llu rx_bytes=%llu rx_drops=%llu rx_errors=%llu\n",
               c->tx_packets, c->tx_bytes, c->tx_drops, c->tx_errors,
               c->rx_packets, c->rx_bytes, c->rx_drops, c->rx_errors);
        for (unsigned int i = 0; i < g->n_queues_used; i++) {
            const struct counters *q = &g->qc[i];
            printf("queue=%u tx_packets=%llu tx_bytes=%llu rx_packets=%llu "
                   "rx_bytes=%llu\n",
                   i, q->tx_packets, q->tx_bytes, q->rx_packets, q->rx_bytes);
        }
        if (g->rss) {
            const struct rss_counters *r = &g->rss_c;
            printf("rss=%s hashed=%llu bad_hash=%llu wrong_queue=%llu "
                   "unhashed=%llu\n",
                   g->rss_on ? "on" : "off", r->hashed, r->bad_hash,
                   r->wrong_queue, r->unhashed);
        }
    } else {
        const struct counters *l = &g->last_c;
        printf("tx_pps=%llu rx_pps=%llu tx_mbps=%.1f rx_mbps=%.1f "
               "tx_drops=%llu rx_errors=%llu\n",
               c->tx_packets - l->tx_packets, c->rx_packets - l->rx_packets,
               (c->tx_bytes - l->tx_bytes) * 8 / 1e6,
               (c->rx_bytes - l->rx_bytes) * 8 / 1e6, c->tx_drops,
               c->rx_errors);
        g->last_c = *c;
    }
    fflush(stdout);
}

static bool
connected(const struct guest *g)
{
    return g->n_queues
           && (g->state == XenbusStateConnected
               || g->state == XenbusStateInitialised);
}

/* The SIGTERM sequence (xennet_remove()); true when it is over. */
static bool
run_close(struct guest *g)
{
    long long int now = time_msec();

    /* Never connected, and no backend that is past its own start: nothing
     * to hand-shake with. */
    if (g->state == XenbusStateInitialising
        && (g->be_state == XenbusStateUnknown
            || g->be_state == XenbusStateInitialising
            || g->be_state == XenbusStateClosed)) {
        switch_state(g, XenbusStateClosed);
        return true;
    }
    if (g->state == XenbusStateConnected || g->state == XenbusStateInitialised
        || g->state == XenbusStateInitialising) {
        if (g->be_state == XenbusStateClosed
            || g->be_state == XenbusStateUnknown) {
            switch_state(g, XenbusStateClosed);
            return true;
        }
        switch_state(g, XenbusStateClosing);
        g->close_deadline = now + XENNET_TIMEOUT_MS;
    }
    if (g->state == XenbusStateClosing) {
        if (g->be_state == XenbusStateClosing
            || g->be_state == XenbusStateClosed
            || g->be_state == XenbusStateUnknown || now >= g->close_deadline) {
            switch_state(g, XenbusStateClosed);
            g->close_deadline = now + XENNET_TIMEOUT_MS;
        }
    }
    if (g->state == XenbusStateClosed) {
        if (g->be_state == XenbusStateClosed
            || g->be_state == XenbusStateUnknown || now >= g->close_deadline) {
            return true;
        }
    }
    poll_timer_wait_until(g->close_deadline);
    return false;
}

static void
handle_events(struct guest *g)
{
    uint32_t fired[64];
    size_t n = 0;
    int64_t port;

    while ((port = vif_emu_pending(g->dom)) >= 0) {
        g->n_events++;
        if (n < ARRAY_SIZE(fired)) {
            fired[n++] = port;
        } else {
            vif_emu_unmask(g->dom, port);
        }
    }
    /* Work is done for every queue below; the ports are unmasked after it
     * (late EOI, as netfront since XSA-391). */
    ctrl_poll(g);
    g->rr = g->n_queues ? (g->rr + 1) % g->n_queues : 0;
    for (unsigned int k = 0; k < g->n_queues; k++) {
        struct queue *q = &g->queues[(g->rr + k) % g->n_queues];

        tx_buf_gc(g, q);
        if (rx_poll(g, q)) {
            poll_immediate_wake();
        }
    }
    for (size_t i = 0; i < n; i++) {
        vif_emu_unmask(g->dom, fired[i]);
    }
}

static void
main_loop(struct guest *g)
{
    g->next_report = time_msec() + 1000;
    g->gen_last_ns = time_usec() * 1000;

    for (;;) {
        if (got_usr1) {
            got_usr1 = 0;
            report(g, true);
        }
        if (got_signal && !g->closing) {
            VLOG_INFO("vif%u.%u: terminating", g->domid, g->devid);
            g->closing = true;
        }

        vif_emu_run(g->dom);

        char **w;
        while ((w = xs_check_watch(g->xs))) {
            free(w);
            backend_changed(g);
        }

        handle_events(g);
        if (g->closing) {
            if (run_close(g)) {
                break;
            }
        } else if (connected(g)) {
            for (unsigned int k = 0; k < g->n_queues; k++) {
                struct queue *q = &g->queues[(g->rr + k) % g->n_queues];

                if (g->mode == MODE_NETNS && q->tap_fd >= 0) {
                    tap_tx(g, q);
                    if (tx_slot_available(q)) {
                        poll_fd_wait(q->tap_fd, POLLIN);
                    }
                }
            }
            if (g->mode == MODE_GENERATE) {
                generate(g);
                bool room = false;
                for (unsigned int i = 0; i < g->n_queues; i++) {
                    room |= tx_slot_available(&g->queues[i]);
                }
                if (room) {
                    if (!g->gen_pps) {
                        poll_immediate_wake();
                    } else {
                        poll_timer_wait(1);
                    }
                }
            }
        }

        long long int now = time_msec();
        if (now >= g->next_report) {
            if (g->mode != MODE_NETNS) {
                report(g, false);
            }
            g->next_report = now + 1000;
        }
        poll_timer_wait_until(g->next_report);

        vif_emu_wait(g->dom);
        poll_fd_wait(vif_emu_evtchn_fd(g->dom), POLLIN);
        poll_fd_wait(xs_fileno(g->xs), POLLIN);
        poll_fd_wait(signal_pipe[0], POLLIN);
        poll_block();

        char buf[16];
        while (read(signal_pipe[0], buf, sizeof buf) > 0) {
            continue;
        }
    }
}

/* ---- Options -------------------------------------------------------------
 */

OVS_NO_RETURN static void
usage(void)
{
    printf("%s: an emulated Xen netfront (a guest's NIC as a process)\n"
           "usage: %s --domid=N --devid=N --mac=MAC [--queues=N]\n"
           "         (--netns=NAME | --generate=SIZE[,PPS] | --sink)\n"
           "         [--xenstore=PATH] [--backend-domid=N] [--rss]\n"
           "  --netns=NAME          eth0 (a tap) in namespace NAME is the "
           "guest OS\n"
           "  --generate=SIZE[,PPS] send UDP frames of SIZE bytes, at PPS or "
           "flat out\n"
           "  --dst-mac=MAC         generator destination (default "
           "broadcast)\n"
           "  --dst-ip=IP           generator destination (default "
           "198.19.0.1)\n"
           "  --sink                count what arrives\n"
           "  --xenstore=PATH       xenstored socket (dom0's; the guest uses "
           "PATH-domN)\n"
           "  --bridge=NAME         'bridge' key for a skeleton we write\n"
           "  --initialised         go Initialised before Connected\n"
           "  --rss                 Toeplitz hash over the control ring (as "
           "Windows);\n"
           "                        checks every frame's hash and queue\n"
           "Memory and event channels are served on "
           "$XOVS_EMU_DIR/domN.sock.\n"
           "SIGTERM closes the vif cleanly and prints the counters;\n"
           "SIGUSR1 prints them (and goes on).\n",
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
parse_options(int argc, char *argv[], struct guest *g)
{
    enum {
        OPT_DOMID = UCHAR_MAX + 1,
        OPT_DEVID,
        OPT_MAC,
        OPT_QUEUES,
        OPT_NETNS,
        OPT_GENERATE,
        OPT_SINK,
        OPT_XENSTORE,
        OPT_BACKEND_DOMID,
        OPT_DST_MAC,
        OPT_DST_IP,
        OPT_BRIDGE,
        OPT_INITIALISED,
        OPT_RSS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"domid", required_argument, NULL, OPT_DOMID},
        {"devid", required_argument, NULL, OPT_DEVID},
        {"mac", required_argument, NULL, OPT_MAC},
        {"queues", required_argument, NULL, OPT_QUEUES},
        {"netns", required_argument, NULL, OPT_NETNS},
        {"generate", required_argument, NULL, OPT_GENERATE},
        {"sink", no_argument, NULL, OPT_SINK},
        {"xenstore", required_argument, NULL, OPT_XENSTORE},
        {"backend-domid", required_argument, NULL, OPT_BACKEND_DOMID},
        {"dst-mac", required_argument, NULL, OPT_DST_MAC},
        {"dst-ip", required_argument, NULL, OPT_DST_IP},
        {"bridge", required_argument, NULL, OPT_BRIDGE},
        {"initialised", no_argument, NULL, OPT_INITIALISED},
        {"rss", no_argument, NULL, OPT_RSS},
        {"help", no_argument, NULL, 'h'},
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);
    bool have_domid = false, have_mac = false;
    int n_modes = 0;

    memset(g->dst_mac, 0xff, 6);
    g->dst_ip = (198u << 24) | (19u << 16) | 1;
    g->n_queues_wanted = 1;
    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_DOMID:
            g->domid = parse_uint("domid", optarg, DOMID_FIRST_RESERVED - 1);
            have_domid = true;
            break;
        case OPT_DEVID:
            g->devid = parse_uint("devid", optarg, 65535);
            break;
        case OPT_MAC:
        case OPT_DST_MAC: {
            struct eth_addr ea;
            if (!eth_addr_from_string(optarg, &ea)) {
                ovs_fatal(0, "%s: not a MAC address", optarg);
            }
            memcpy(c == OPT_MAC ? g->mac : g->dst_mac, ea.ea, 6);
            have_mac |= c == OPT_MAC;
            break;
        }
        case OPT_QUEUES:
            g->n_queues_wanted = parse_uint("queues", optarg, MAX_QUEUES);
            if (!g->n_queues_wanted) {
                ovs_fatal(0, "--queues must be 1 to %d", MAX_QUEUES);
            }
            break;
        case OPT_NETNS:
            g->mode = MODE_NETNS;
            g->netns = optarg;
            n_modes++;
            break;
        case OPT_GENERATE: {
            char *copy = xstrdup(optarg);
            char *comma = strchr(copy, ',');
            if (comma) {
                *comma = '\0';
                g->gen_pps = parse_uint("generate", comma + 1, 100000000);
            }
            g->gen_size = parse_uint("generate", copy, XEN_NETIF_MAX_TX_SIZE);
            if (g->gen_size < 60) {
                ovs_fatal(0, "--generate: SIZE must be at least 60 bytes");
            }
            free(copy);
            g->mode = MODE_GENERATE;
            n_modes++;
            break;
        }
        case OPT_SINK:
            g->mode = MODE_SINK;
            n_modes++;
            break;
        case OPT_XENSTORE:
            g->xs_path = optarg;
            break;
        case OPT_BACKEND_DOMID:
            g->backend_domid = parse_uint("backend-domid", optarg,
                                          DOMID_FIRST_RESERVED - 1);
            break;
        case OPT_DST_IP: {
            struct in_addr a;
            if (inet_pton(AF_INET, optarg, &a) != 1) {
                ovs_fatal(0, "--dst-ip=%s: not an IPv4 address", optarg);
            }
            g->dst_ip = ntohl(a.s_addr);
            break;
        }
        case OPT_BRIDGE:
            g->bridge = optarg;
            break;
        case OPT_INITIALISED:
            g->initialised = true;
            break;
        case OPT_RSS:
            g->rss = true;
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

    if (!have_domid || !g->domid || !have_mac || n_modes != 1) {
        ovs_fatal(0, "--domid=N (not 0), --mac=MAC and exactly one of "
                     "--netns, --generate, --sink are required (--help)");
    }
    if (!g->xs_path) {
        g->xs_path = getenv("XENSTORED_PATH");
        if (!g->xs_path) {
            ovs_fatal(0, "--xenstore=PATH (or XENSTORED_PATH) is required");
        }
    }
}

int
main(int argc, char *argv[])
{
    struct guest g;

    memset(&g, 0, sizeof g);
    set_program_name(argv[0]);
    parse_options(argc, argv, &g);

    /* Our handler, not fatal-signal's: SIGTERM is a clean close. */
    fatal_signal_init();
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        ovs_fatal(errno, "pipe");
    }
    struct sigaction sa = {.sa_handler = signal_handler};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    g.frame = xmalloc(FRAME_MAX);
    g.fe_path = vif_fe_path(g.domid, g.devid);
    g.be_path = vif_fe_be_path(g.backend_domid, g.domid, g.devid);
    g.be_id = g.backend_domid;

    /* Memory: 2 ring pages and 2 x 256 buffers per queue, as many grants. */
    uint32_t per_queue = 2 + TX_RING_SIZE + RX_RING_SIZE;
    uint32_t n_pages = g.n_queues_wanted * per_queue + 16;
    int error = vif_emu_dom_create(g.domid, n_pages + 64, n_pages, &g.dom);
    if (error) {
        ovs_fatal(0, "cannot play dom%u: %s", g.domid, ovs_strerror(error));
    }
    if (g.mode == MODE_NETNS && create_tap(&g)) {
        exit(EXIT_FAILURE);
    }

    g.xs0 = xs_open_at(g.xs_path);
    if (!g.xs0) {
        exit(EXIT_FAILURE);
    }
    if (write_skeleton(&g)) {
        exit(EXIT_FAILURE);
    }
    char *guest_path = xasprintf("%s-dom%u", g.xs_path, g.domid);
    g.xs = xs_open_at(guest_path);
    if (!g.xs) {
        ovs_fatal(0, "cannot reach xenstored as dom%u at %s", g.domid,
                  guest_path);
    }
    free(guest_path);

    char *be = vif_fe_read(g.xs, XBT_NULL, g.fe_path, "backend");
    if (be) {
        free(g.be_path);
        g.be_path = be;
    }

    /* A fresh start, whatever an earlier run left. */
    g.state = XenbusStateUnknown;
    switch_state(&g, XenbusStateInitialising);
    error = vif_fe_watch_backend(g.xs, g.be_path);
    if (error) {
        ovs_fatal(error, "watch %s/state", g.be_path);
    }

    main_loop(&g);

    disconnect(&g);
    if (g.wrote_skeleton) {
        /* What xl does when the guest goes away. */
        struct vif_fe_vif vif = guest_vif(&g);
        vif_fe_skeleton_remove(&vif, g.xs0);
    }
    report(&g, true);
    VLOG_INFO("vif%u.%u: %" PRIu64 " events", g.domid, g.devid, g.n_events);

    xs_close(g.xs);
    xs_close(g.xs0);
    for (unsigned int i = 0; i < g.n_taps; i++) {
        close(g.tap_fds[i]);
    }
    vif_emu_dom_destroy(g.dom);
    free(g.fe_path);
    free(g.be_path);
    free(g.frame);
    return 0;
}
