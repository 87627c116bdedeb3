/* vif-backend/emu/xovs-guest.c: xovs-guest, a Xen netfront that runs as a
 * process.
 *
 * It plays one PV guest's network driver against a netback over the
 * emulated platform (emu.h): it owns the domain's memory, grants pages and
 * drives the netif rings the way Linux's drivers/net/xen-netfront.c does, so
 * the backend sees what it sees from a real Linux guest.  This file is its
 * main: options, the toolstack's xenstore nodes, talk_to_netback() (ring
 * pages granted, event channels allocated -- split when the backend offers
 * it --, keys written in one transaction, multi-queue as queue-N/
 * subtrees), the xenbus state machine and the poll loop.  The rings are in
 * guest-netfront.c, --rss in guest-rss.c, the traffic in guest-traffic.c
 * (guest-private.h says who calls whom).
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
 * frontend.c, which xovs-evil-guest shares. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "vif-backend/emu/guest-private.h"

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

#define XENNET_TIMEOUT_MS 5000

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t got_usr1; /* print the counters */
static int signal_pipe[2] = {-1, -1};

static void guest_disconnect(struct guest *);

static void
guest_signal_handler(int sig)
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

/* As xenbus_read_unsigned(): 'def' if missing or not a number. */
static unsigned long
guest_read_unsigned(struct xs_handle *xs, const char *dir, const char *key,
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
guest_xs_open(const char *path)
{
    struct xs_handle *xs = vif_fe_xs_open(path);
    if (!xs) {
        VLOG_ERR("%s: cannot connect to xenstored: %s", path,
                 ovs_strerror(errno));
    }
    return xs;
}

static void
guest_switch_state(struct guest *g, enum xenbus_state s)
{
    if (g->state != s) {
        VLOG_INFO("vif%u.%u: frontend %s -> %s", g->domid, g->devid,
                  vif_fe_state_name(g->state), vif_fe_state_name(s));
    }
    g->state = s;
    vif_fe_printf(&this_module, g->xs, XBT_NULL, g->fe_path, "state", "%d", s);
}

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
guest_skeleton_txn(struct xs_handle *xs, xs_transaction_t t, void *g_)
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
guest_write_skeleton(struct guest *g)
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
    error = vif_fe_transact(g->xs0, guest_skeleton_txn, g, NULL);
    if (error) {
        VLOG_ERR("writing the vif's xenstore nodes: %s", ovs_strerror(error));
        return error;
    }
    g->wrote_skeleton = true;
    VLOG_INFO("wrote the xenstore skeleton of vif%u.%u", g->domid, g->devid);
    return 0;
}

static bool
guest_write_queue_keys(struct xs_handle *xs, xs_transaction_t t,
                       const struct guest_queue *q, const char *dir)
{
    return vif_fe_ring_keys(&this_module, xs, t, dir, q->tx_ring_ref,
                            q->rx_ring_ref, q->tx_evtchn, q->rx_evtchn);
}

/* talk_to_netback()'s transaction: the keys of every queue, of the control
 * ring, the features. */
static bool
guest_frontend_keys_txn(struct xs_handle *xs, xs_transaction_t t, void *g_)
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
    for (unsigned int i = 0; i < GUEST_MAX_QUEUES; i++) {
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
             && guest_write_queue_keys(xs, t, &g->queues[0], g->fe_path);
    } else {
        ok = vif_fe_printf(&this_module, xs, t, g->fe_path,
                           "multi-queue-num-queues", "%u", g->n_queues);
        for (unsigned int i = 0; ok && i < g->n_queues; i++) {
            char *dir = xasprintf("%s/queue-%u", g->fe_path, i);
            ok = guest_write_queue_keys(xs, t, &g->queues[i], dir);
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
guest_connect(struct guest *g)
{
    char *be = vif_fe_read(g->xs, XBT_NULL, g->fe_path, "backend");
    int error = 0;

    if (!be) {
        VLOG_ERR("%s/backend: missing", g->fe_path);
        return ENOENT;
    }
    free(g->be_path);
    g->be_path = be;
    g->be_id = guest_read_unsigned(g->xs, g->fe_path, "backend-id",
                                   g->backend_domid);

    if (!guest_read_unsigned(g->xs, be, "feature-rx-copy", 0)) {
        VLOG_ERR("vif%u.%u: backend does not support copying receive path",
                 g->domid, g->devid);
        return ENODEV;
    }
    unsigned long max_queues
        = guest_read_unsigned(g->xs, be, "multi-queue-max-queues", 0);
    g->be_multi_queue = max_queues > 0;
    bool split
        = guest_read_unsigned(g->xs, be, "feature-split-event-channels", 0);
    g->be_sg = guest_read_unsigned(g->xs, be, "feature-sg", 0);
    g->be_gso4 = guest_read_unsigned(g->xs, be, "feature-gso-tcpv4", 0);
    g->be_gso6 = guest_read_unsigned(g->xs, be, "feature-gso-tcpv6", 0);
    g->be_ipv6_csum
        = guest_read_unsigned(g->xs, be, "feature-ipv6-csum-offload", 0);
    bool be_ctrl = guest_read_unsigned(g->xs, be, "feature-ctrl-ring", 0);
    g->n_queues = MIN(g->n_queues_wanted, MAX(max_queues, 1));
    g->n_queues_used = MAX(g->n_queues_used, g->n_queues);

    for (unsigned int i = 0; i < g->n_queues; i++) {
        error = netfront_queue_setup(g, &g->queues[i], i, split);
        if (error) {
            VLOG_ERR("vif%u.%u: setting up queue %u: %s", g->domid, g->devid,
                     i, ovs_strerror(error));
            guest_disconnect(g);
            return error;
        }
    }
    if (g->rss && !be_ctrl) {
        VLOG_WARN("vif%u.%u: --rss, but the backend offers no control ring",
                  g->domid, g->devid);
    } else if (g->rss && (error = rss_setup(g))) {
        VLOG_ERR("vif%u.%u: setting up the control ring: %s", g->domid,
                 g->devid, ovs_strerror(error));
        guest_disconnect(g);
        return error;
    }

    error = vif_fe_transact(g->xs, guest_frontend_keys_txn, g, NULL);
    if (error) {
        VLOG_ERR("vif%u.%u: writing the frontend keys: %s", g->domid, g->devid,
                 ovs_strerror(error));
        guest_disconnect(g);
        return error;
    }

    /* xennet_connect(): fill the RX rings, kick the backend. */
    for (unsigned int i = 0; i < g->n_queues; i++) {
        struct guest_queue *q = &g->queues[i];

        netfront_rx_refill(g, q);
        vif_emu_notify(g->dom, q->tx_evtchn);
        if (q->rx_evtchn != q->tx_evtchn) {
            vif_emu_notify(g->dom, q->rx_evtchn);
        }
    }
    if (g->ctrl_up) {
        rss_post(g);
    }
    traffic_set_tap_offloads(g);
    VLOG_INFO("vif%u.%u: %u queue(s), %s event channels%s, backend %s",
              g->domid, g->devid, g->n_queues, split ? "split" : "shared",
              g->ctrl_up ? ", control ring" : "", g->be_path);
    return 0;
}

static void
guest_disconnect(struct guest *g)
{
    for (unsigned int i = 0; i < GUEST_MAX_QUEUES; i++) {
        netfront_queue_destroy(g, &g->queues[i]);
    }
    rss_destroy(g);
    g->n_queues = 0;
}

static void
guest_backend_changed(struct guest *g)
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
        if (be == XenbusStateInitWait && !guest_connect(g)) {
            guest_switch_state(g, g->initialised ? XenbusStateInitialised
                                                 : XenbusStateConnected);
        }
        break;
    case XenbusStateConnected:
        if (g->state == XenbusStateInitialised) {
            guest_switch_state(g, XenbusStateConnected);
        }
        if (be != prev) {
            /* The hotplug script wrote it before hotplug-status, so it is
             * there by now. */
            traffic_apply_backend_mtu(g);
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
            guest_disconnect(g);
            guest_switch_state(g, XenbusStateClosed);
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

static void
guest_report(struct guest *g, bool final)
{
    const struct guest_counters *c = &g->c;

    if (final) {
        printf("tx_packets=%llu tx_bytes=%llu tx_drops=%llu tx_errors=%llu "
               "rx_packets=%llu rx_bytes=%llu rx_drops=%llu rx_errors=%llu\n",
               c->tx_packets, c->tx_bytes, c->tx_drops, c->tx_errors,
               c->rx_packets, c->rx_bytes, c->rx_drops, c->rx_errors);
        for (unsigned int i = 0; i < g->n_queues_used; i++) {
            const struct guest_counters *q = &g->qc[i];
            printf("queue=%u tx_packets=%llu tx_bytes=%llu rx_packets=%llu "
                   "rx_bytes=%llu\n",
                   i, q->tx_packets, q->tx_bytes, q->rx_packets, q->rx_bytes);
        }
        if (g->mode != GUEST_MODE_NETNS) {
            printf("busy_polls=%llu polling=%d events=%" PRIu64 "\n",
                   g->n_busy, g->busy, g->n_events);
        }
        if (g->rss) {
            const struct rss_counters *r = &g->rss_c;
            printf("rss=%s hashed=%llu bad_hash=%llu wrong_queue=%llu "
                   "unhashed=%llu\n",
                   g->rss_on ? "on" : "off", r->hashed, r->bad_hash,
                   r->wrong_queue, r->unhashed);
        }
    } else {
        const struct guest_counters *l = &g->last_c;
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
guest_connected(const struct guest *g)
{
    return g->n_queues
           && (g->state == XenbusStateConnected
               || g->state == XenbusStateInitialised);
}

/* The SIGTERM sequence (xennet_remove()); true when it is over. */
static bool
guest_run_close(struct guest *g)
{
    long long int now = time_msec();

    /* Never connected, and no backend that is past its own start: nothing
     * to hand-shake with. */
    if (g->state == XenbusStateInitialising
        && (g->be_state == XenbusStateUnknown
            || g->be_state == XenbusStateInitialising
            || g->be_state == XenbusStateClosed)) {
        guest_switch_state(g, XenbusStateClosed);
        return true;
    }
    if (g->state == XenbusStateConnected || g->state == XenbusStateInitialised
        || g->state == XenbusStateInitialising) {
        if (g->be_state == XenbusStateClosed
            || g->be_state == XenbusStateUnknown) {
            guest_switch_state(g, XenbusStateClosed);
            return true;
        }
        guest_switch_state(g, XenbusStateClosing);
        g->close_deadline = now + XENNET_TIMEOUT_MS;
    }
    if (g->state == XenbusStateClosing) {
        if (g->be_state == XenbusStateClosing
            || g->be_state == XenbusStateClosed
            || g->be_state == XenbusStateUnknown || now >= g->close_deadline) {
            guest_switch_state(g, XenbusStateClosed);
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

/* Frames flow: poll the rings (guest_busy_poll()). */
static void
guest_busy_start(struct guest *g)
{
    if (!g->busy) {
        g->busy = true;
        g->n_busy++;
        g->busy_last_us = time_usec();
    }
}

static void
guest_handle_events(struct guest *g)
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
    rss_poll(g);
    g->rr = g->n_queues ? (g->rr + 1) % g->n_queues : 0;
    for (unsigned int k = 0; k < g->n_queues; k++) {
        struct guest_queue *q = &g->queues[(g->rr + k) % g->n_queues];
        unsigned long long before = g->c.rx_packets;

        netfront_tx_gc(g, q);
        if (netfront_rx_poll(g, q)) {
            poll_immediate_wake();
        } else if (q->rx_moderated) {
            poll_timer_wait(GUEST_RX_MODERATE_MS);
        }
        if (g->mode != GUEST_MODE_NETNS
            && g->c.rx_packets - before >= GUEST_BUSY_BATCH) {
            guest_busy_start(g); /* frames flow: poll */
        }
    }
    for (size_t i = 0; i < n; i++) {
        vif_emu_unmask(g->dom, fired[i]);
    }
}

/* --generate and --sink while frames flow: the rings are polled as a PMD
 * polls them, with no event asked for or sent.  Between passes a guest
 * alone in its process naps GUEST_BUSY_NAP_US (unless a pass took half a
 * ring: more is waiting), so that a benchmark's two guests, which share
 * one core, take turns in batches: the sink drains its RX ring while the
 * generator waits for TX room, and the other way round.  (sched_yield()
 * instead made the two hand the core back and forth every few frames and,
 * on a loaded machine, spent their share of it on the system call; a nap
 * costs no share while it lasts.)  Two guests of one process (--peer-domid)
 * take turns within the pass itself, as a traffic generator polls its
 * ports: no nap.  A pass through the main loop (xenstore, signals,
 * reports) every GUEST_BUSY_SLICE_US; a guest goes back to events after
 * GUEST_BUSY_IDLE_US without a frame.  A wake-up per event (or a timer,
 * when the backend is polled and sends no events) left the RX ring
 * without buffers for most of the time between wake-ups: the backend
 * then drops. */
static void
guest_busy_poll(struct guest *gs, size_t n_guests)
{
    long long int start = time_usec();
    long long int now = start;

    for (unsigned int pass = 0;; pass++) {
        unsigned long long most_taken = 0;
        bool busy = false;

        /* The clock for the idle and slice checks: each pass when a lone
         * guest naps between passes anyway, else every
         * GUEST_BUSY_CLOCK_PASSES passes (a read costs what a frame or two
         * does here: a pair's quick passes spent a quarter of the core on
         * it). */
        if (pass && (n_guests == 1 || !(pass % GUEST_BUSY_CLOCK_PASSES))) {
            now = time_usec();
        }

        for (size_t k = 0; k < n_guests; k++) {
            struct guest *g = &gs[k];
            unsigned long long rx_before = g->c.rx_packets;
            size_t sent = 0, completed = 0;

            if (!g->busy) {
                continue;
            }
            if (g->closing || !guest_connected(g)) {
                g->busy = false;
                continue;
            }
            for (unsigned int i = 0; i < g->n_queues; i++) {
                struct guest_queue *q = &g->queues[i];
                RING_IDX cons = q->tx.rsp_cons;

                /* Completions a batch at a time (a revoke call each), or
                 * when the generator is short of room. */
                if (q->up
                    && (q->tx.sring->rsp_prod - cons >= GUEST_BUSY_BATCH
                        || !netfront_tx_room(q))) {
                    netfront_tx_gc(g, q);
                    completed += q->tx.rsp_cons - cons;
                }
                netfront_rx_poll(g, q);
            }
            if (g->mode == GUEST_MODE_GENERATE && !g->gen_stopped) {
                /* At --generate's rate, too: its tokens say how many. */
                sent = traffic_generate(g);
            }
            unsigned long long taken = g->c.rx_packets - rx_before;
            most_taken = MAX(most_taken, taken);

            if (taken || sent || completed) {
                g->busy_last_us = now;
            } else if (now - g->busy_last_us > GUEST_BUSY_IDLE_US) {
                /* Idle: ask for events again (the next pass arms them). */
                g->busy = false;
                poll_immediate_wake();
                continue;
            }
            busy = true;
        }
        if (!busy) {
            return;
        }
        if (now - start > GUEST_BUSY_SLICE_US) {
            poll_immediate_wake();
            return;
        }
        if (n_guests == 1 && most_taken < GUEST_RX_RING_SIZE / 2) {
            struct timespec nap = {0, GUEST_BUSY_NAP_US * 1000};
            nanosleep(&nap, NULL);
        }
    }
}

/* One pass of the main loop for 'g' (the caller blocks after every guest
 * had its pass).  True once its SIGTERM sequence is over. */
static bool
guest_run(struct guest *g, bool pair)
{
    vif_emu_run(g->dom);

    char **w;
    while ((w = xs_check_watch(g->xs))) {
        free(w);
        guest_backend_changed(g);
    }

    guest_handle_events(g);
    if (g->closing) {
        if (guest_run_close(g)) {
            return true;
        }
    } else if (guest_connected(g)) {
        for (unsigned int k = 0; k < g->n_queues; k++) {
            struct guest_queue *q = &g->queues[(g->rr + k) % g->n_queues];

            if (g->mode == GUEST_MODE_NETNS && q->tap_fd >= 0) {
                traffic_tap_tx(g, q);
                if (netfront_tx_room(q)) {
                    poll_fd_wait(q->tap_fd, POLLIN);
                }
            }
        }
        if (g->mode == GUEST_MODE_GENERATE && !g->gen_stopped) {
            /* Flat out, or a pair's generator at a rate the 1 ms timer
             * cannot pace (its sink polls in the same pass): poll. */
            if (traffic_generate(g)
                && (!g->gen_pps
                    || (pair && g->gen_pps >= GUEST_GEN_POLL_PPS))) {
                guest_busy_start(g);
            }
            bool room = false;
            for (unsigned int i = 0; i < g->n_queues; i++) {
                /* Collects what completed meanwhile and, if the ring
                 * is still full, asks for an event (netfront_tx_gc()
                 * asks only then). */
                netfront_tx_gc(g, &g->queues[i]);
                room |= netfront_tx_room(&g->queues[i]);
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

    if (g->mode == GUEST_MODE_SINK && guest_connected(g) && !g->announced) {
        traffic_announce(g);
        g->announced = true;
    }
    return false;
}

static void
guest_wait(const struct guest *g)
{
    vif_emu_wait(g->dom);
    poll_fd_wait(vif_emu_evtchn_fd(g->dom), POLLIN);
    poll_fd_wait(xs_fileno(g->xs), POLLIN);
}

/* --peer-domid: the pair's line, as xovs-pktgen reports a pair of ports:
 * what the generator sent and what the sink received (per second, or the
 * totals and their difference when 'final'). */
static void
guest_pair_report(struct guest *gen, struct guest *sink, bool final)
{
    const struct guest_counters *t = &gen->c, *r = &sink->c;

    if (final) {
        printf("tx_packets=%llu tx_bytes=%llu tx_drops=%llu tx_errors=%llu "
               "rx_packets=%llu rx_bytes=%llu rx_drops=%llu rx_errors=%llu "
               "lost=%lld\n",
               t->tx_packets, t->tx_bytes, t->tx_drops, t->tx_errors,
               r->rx_packets, r->rx_bytes, r->rx_drops, r->rx_errors,
               (long long int)(t->tx_packets - r->rx_packets));
    } else {
        const struct guest_counters *t0 = &gen->last_c, *r0 = &sink->last_c;

        printf("tx_pps=%llu rx_pps=%llu tx_mbps=%.1f rx_mbps=%.1f "
               "tx_drops=%llu rx_errors=%llu\n",
               t->tx_packets - t0->tx_packets, r->rx_packets - r0->rx_packets,
               (t->tx_bytes - t0->tx_bytes) * 8 / 1e6,
               (r->rx_bytes - r0->rx_bytes) * 8 / 1e6, t->tx_drops,
               r->rx_errors);
        gen->last_c = *t;
        sink->last_c = *r;
    }
    fflush(stdout);
}

/* The poll loop of the process's guests: one, or a --peer-domid pair
 * (generator gs[0], sink gs[1]) served in turn in one thread.  On SIGTERM
 * a pair's generator stops sending at once and both close
 * GUEST_PAIR_DRAIN_MS later, so that the frames still on their way count
 * as received, not lost. */
#define GUEST_PAIR_DRAIN_MS 200
static void
guest_main_loop(struct guest *gs, size_t n_guests)
{
    bool pair = n_guests == 2;
    bool done[2] = {false, false};
    long long int next_report = time_msec() + 1000;
    long long int drain_deadline = LLONG_MAX;

    for (size_t k = 0; k < n_guests; k++) {
        gs[k].gen_last_ns = time_usec() * 1000;
    }
    for (;;) {
        long long int now = time_msec();

        if (got_usr1) {
            got_usr1 = 0;
            if (pair) {
                guest_pair_report(&gs[0], &gs[1], true);
            } else {
                guest_report(&gs[0], true);
            }
        }
        if (got_signal && drain_deadline == LLONG_MAX) {
            drain_deadline = pair ? now + GUEST_PAIR_DRAIN_MS : now;
        }
        /* A pair's generator sends while its sink is there to count. */
        gs[0].gen_stopped = drain_deadline != LLONG_MAX
                            || (pair && !guest_connected(&gs[1]));
        for (size_t k = 0; k < n_guests; k++) {
            if (gs[k].closing || drain_deadline == LLONG_MAX) {
                continue;
            } else if (now >= drain_deadline) {
                VLOG_INFO("vif%u.%u: terminating", gs[k].domid, gs[k].devid);
                gs[k].closing = true;
            } else {
                poll_timer_wait_until(drain_deadline);
            }
        }

        bool all_done = true;
        for (size_t k = 0; k < n_guests; k++) {
            if (!done[k]) {
                done[k] = guest_run(&gs[k], pair);
            }
            all_done &= done[k];
        }
        if (all_done) {
            break;
        }
        guest_busy_poll(gs, n_guests);

        now = time_msec();
        if (now >= next_report) {
            if (pair) {
                guest_pair_report(&gs[0], &gs[1], false);
            } else if (gs[0].mode != GUEST_MODE_NETNS) {
                guest_report(&gs[0], false);
            }
            for (size_t k = 0; k < n_guests; k++) {
                gs[k].announced = false; /* again every second */
            }
            next_report = now + 1000;
        }
        poll_timer_wait_until(next_report);

        for (size_t k = 0; k < n_guests; k++) {
            if (!done[k]) {
                guest_wait(&gs[k]);
            }
        }
        poll_fd_wait(signal_pipe[0], POLLIN);
        poll_block();

        char buf[16];
        while (read(signal_pipe[0], buf, sizeof buf) > 0) {
            continue;
        }
    }
}

OVS_NO_RETURN static void
guest_usage(void)
{
    printf(
        "%s: an emulated Xen netfront (a guest's NIC as a process)\n"
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
        "  --peer-domid=N --peer-mac=MAC\n"
        "                        with --generate: play domain N's vif too,\n"
        "                        as the sink the frames go to, in the same\n"
        "                        thread (a traffic generator's pair of "
        "ports)\n"
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
guest_parse_uint(const char *opt, const char *s, unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max) {
        ovs_fatal(0, "--%s=%s: expected a number up to %lu", opt, s, max);
    }
    return v;
}

/* --peer-domid: the second guest of the process. */
struct guest_peer {
    bool set;
    uint16_t domid;
    uint8_t mac[6];
    bool have_mac;
};

static void
guest_parse_options(int argc, char *argv[], struct guest *g,
                    struct guest_peer *peer)
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
        OPT_PEER_DOMID,
        OPT_PEER_MAC,
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
        {"peer-domid", required_argument, NULL, OPT_PEER_DOMID},
        {"peer-mac", required_argument, NULL, OPT_PEER_MAC},
        {"help", no_argument, NULL, 'h'},
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    /* Static, so it stays reachable when --help or a bad option exits
     * inside the loop (LeakSanitizer would fail that exit). */
    static char *short_options;
    short_options = ovs_cmdl_long_options_to_short_options(long_options);
    bool have_domid = false, have_mac = false, have_dst_mac = false;
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
            g->domid
                = guest_parse_uint("domid", optarg, DOMID_FIRST_RESERVED - 1);
            have_domid = true;
            break;
        case OPT_DEVID:
            g->devid = guest_parse_uint("devid", optarg, 65535);
            break;
        case OPT_MAC:
        case OPT_DST_MAC:
        case OPT_PEER_MAC: {
            struct eth_addr ea;
            if (!eth_addr_from_string(optarg, &ea)) {
                ovs_fatal(0, "%s: not a MAC address", optarg);
            }
            memcpy(c == OPT_MAC       ? g->mac
                   : c == OPT_DST_MAC ? g->dst_mac
                                      : peer->mac,
                   ea.ea, 6);
            have_mac |= c == OPT_MAC;
            have_dst_mac |= c == OPT_DST_MAC;
            peer->have_mac |= c == OPT_PEER_MAC;
            break;
        }
        case OPT_PEER_DOMID:
            peer->domid = guest_parse_uint("peer-domid", optarg,
                                           DOMID_FIRST_RESERVED - 1);
            peer->set = true;
            break;
        case OPT_QUEUES:
            g->n_queues_wanted
                = guest_parse_uint("queues", optarg, GUEST_MAX_QUEUES);
            if (!g->n_queues_wanted) {
                ovs_fatal(0, "--queues must be 1 to %d", GUEST_MAX_QUEUES);
            }
            break;
        case OPT_NETNS:
            g->mode = GUEST_MODE_NETNS;
            g->netns = optarg;
            n_modes++;
            break;
        case OPT_GENERATE: {
            char *copy = xstrdup(optarg);
            char *comma = strchr(copy, ',');
            if (comma) {
                *comma = '\0';
                g->gen_pps
                    = guest_parse_uint("generate", comma + 1, 100000000);
            }
            g->gen_size
                = guest_parse_uint("generate", copy, XEN_NETIF_MAX_TX_SIZE);
            if (g->gen_size < 60) {
                ovs_fatal(0, "--generate: SIZE must be at least 60 bytes");
            }
            free(copy);
            g->mode = GUEST_MODE_GENERATE;
            n_modes++;
            break;
        }
        case OPT_SINK:
            g->mode = GUEST_MODE_SINK;
            n_modes++;
            break;
        case OPT_XENSTORE:
            g->xs_path = optarg;
            break;
        case OPT_BACKEND_DOMID:
            g->backend_domid = guest_parse_uint("backend-domid", optarg,
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
            guest_usage();
            VLOG_OPTION_HANDLERS
        case '?':
            exit(EXIT_FAILURE);
        default:
            abort();
        }
    }
    free(short_options);
    short_options = NULL;

    if (!have_domid || !g->domid || !have_mac || n_modes != 1) {
        ovs_fatal(0, "--domid=N (not 0), --mac=MAC and exactly one of "
                     "--netns, --generate, --sink are required (--help)");
    }
    if (peer->set || peer->have_mac) {
        if (g->mode != GUEST_MODE_GENERATE || !peer->set || !peer->have_mac
            || !peer->domid || peer->domid == g->domid || g->rss) {
            ovs_fatal(0, "--peer-domid=N (not 0, not --domid) and "
                         "--peer-mac=MAC go together, with --generate and "
                         "without --rss");
        }
        if (!have_dst_mac) {
            memcpy(g->dst_mac, peer->mac, 6);
        }
    }
    if (!g->xs_path) {
        g->xs_path = getenv("XENSTORED_PATH");
        if (!g->xs_path) {
            ovs_fatal(0, "--xenstore=PATH (or XENSTORED_PATH) is required");
        }
    }
}

/* Plays 'g''s domain: its memory, its tap (--netns), xl's nodes, and the
 * frontend Initialising with a watch on the backend.  Exits on failure. */
static void
guest_start(struct guest *g)
{
    g->frame = xmalloc(GUEST_FRAME_MAX);
    g->fe_path = vif_fe_path(g->domid, g->devid);
    g->be_path = vif_fe_be_path(g->backend_domid, g->domid, g->devid);
    g->be_id = g->backend_domid;

    /* Memory: 2 ring pages and 2 x 256 buffers per queue, as many grants. */
    uint32_t per_queue = 2 + GUEST_TX_RING_SIZE + GUEST_RX_RING_SIZE;
    uint32_t n_pages = g->n_queues_wanted * per_queue + 16;
    int error = vif_emu_dom_create(g->domid, n_pages + 64, n_pages, &g->dom);
    if (error) {
        ovs_fatal(0, "cannot play dom%u: %s", g->domid, ovs_strerror(error));
    }
    if (g->mode == GUEST_MODE_NETNS && traffic_create_tap(g)) {
        exit(EXIT_FAILURE);
    }

    g->xs0 = guest_xs_open(g->xs_path);
    if (!g->xs0) {
        exit(EXIT_FAILURE);
    }
    if (guest_write_skeleton(g)) {
        exit(EXIT_FAILURE);
    }
    char *guest_path = xasprintf("%s-dom%u", g->xs_path, g->domid);
    g->xs = guest_xs_open(guest_path);
    if (!g->xs) {
        ovs_fatal(0, "cannot reach xenstored as dom%u at %s", g->domid,
                  guest_path);
    }
    free(guest_path);

    char *be = vif_fe_read(g->xs, XBT_NULL, g->fe_path, "backend");
    if (be) {
        free(g->be_path);
        g->be_path = be;
    }

    /* A fresh start, whatever an earlier run left. */
    g->state = XenbusStateUnknown;
    guest_switch_state(g, XenbusStateInitialising);
    error = vif_fe_watch_backend(g->xs, g->be_path);
    if (error) {
        ovs_fatal(error, "watch %s/state", g->be_path);
    }
}

/* After the SIGTERM sequence: everything revoked, xl's nodes removed. */
static void
guest_finish(struct guest *g)
{
    guest_disconnect(g);
    if (g->wrote_skeleton) {
        /* What xl does when the guest goes away. */
        struct vif_fe_vif vif = guest_vif(g);
        vif_fe_skeleton_remove(&vif, g->xs0);
    }
}

static void
guest_free(struct guest *g)
{
    VLOG_INFO("vif%u.%u: %" PRIu64 " events", g->domid, g->devid, g->n_events);
    xs_close(g->xs);
    xs_close(g->xs0);
    for (unsigned int i = 0; i < g->n_taps; i++) {
        close(g->tap_fds[i]);
    }
    if (g->ctl_sock >= 0) {
        close(g->ctl_sock);
    }
    vif_emu_dom_destroy(g->dom);
    free(g->fe_path);
    free(g->be_path);
    free(g->frame);
}

int
main(int argc, char *argv[])
{
    struct guest gs[2];
    struct guest_peer peer;
    size_t n_guests = 1;

    memset(gs, 0, sizeof gs);
    memset(&peer, 0, sizeof peer);
    gs[0].ctl_sock = gs[1].ctl_sock = -1;
    set_program_name(argv[0]);
    guest_parse_options(argc, argv, &gs[0], &peer);
    if (peer.set) {
        /* The sink: the generator's settings but its own domain and MAC. */
        struct guest *s = &gs[1];

        s->domid = peer.domid;
        s->devid = gs[0].devid;
        s->backend_domid = gs[0].backend_domid;
        memcpy(s->mac, peer.mac, 6);
        s->n_queues_wanted = gs[0].n_queues_wanted;
        s->mode = GUEST_MODE_SINK;
        s->xs_path = gs[0].xs_path;
        s->bridge = gs[0].bridge;
        s->initialised = gs[0].initialised;
        n_guests = 2;
    }

    /* Our handler, not fatal-signal's: SIGTERM is a clean close. */
    fatal_signal_init();
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        ovs_fatal(errno, "pipe");
    }
    struct sigaction sa = {.sa_handler = guest_signal_handler};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    for (size_t k = 0; k < n_guests; k++) {
        guest_start(&gs[k]);
    }
    if (gs[0].mode != GUEST_MODE_NETNS) {
        /* Busy polling's naps are GUEST_BUSY_NAP_US, not the default
         * 50 us of timer slack more. */
        prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    }
    guest_main_loop(gs, n_guests);

    for (size_t k = 0; k < n_guests; k++) {
        guest_finish(&gs[k]);
    }
    if (peer.set) {
        guest_pair_report(&gs[0], &gs[1], true);
        for (size_t k = 0; k < n_guests; k++) {
            const struct guest *g = &gs[k];

            printf("vif%u.%u: tx_packets=%llu tx_drops=%llu rx_packets=%llu "
                   "rx_drops=%llu rx_errors=%llu busy_polls=%llu "
                   "events=%" PRIu64 "\n",
                   g->domid, g->devid, g->c.tx_packets, g->c.tx_drops,
                   g->c.rx_packets, g->c.rx_drops, g->c.rx_errors, g->n_busy,
                   g->n_events);
        }
    } else {
        guest_report(&gs[0], true);
    }
    for (size_t k = 0; k < n_guests; k++) {
        guest_free(&gs[k]);
    }
    return 0;
}
