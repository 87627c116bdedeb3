/* vif-backend/emu/xovs-evil-guest.c: xovs-evil-guest, a malicious netfront.
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
 * Nothing is careful about the shared rings on purpose: grants are made
 * once and never revoked, ids are ring indices, and the continuous attacks
 * (double fetch, event storm) run in their own threads against memory the
 * backend is reading.  This file is main and the xenstore side; the rings
 * are in evil-ring.c, the attacks in evil-attacks.c (evil-private.h). */
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

#include "command-line.h"
#include "fatal-signal.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/emu/emu.h"
#include "vif-backend/emu/evil-private.h"
#include "vif-backend/emu/frontend.h"

VLOG_DEFINE_THIS_MODULE(xovs_evil_guest);

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
        ring_setup(e);
    }
    write_frontend_keys(e);
    ring_rx_refill(e); /* RX_OVERFLOW too: the attack moves req_prod later */
    ring_notify(e);
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
        ring_tx_valid(e, 60);
        ring_tx_push(e);
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
        ring_tx_push(e);
        ring_notify(e);
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
    ring_poll(e);
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
            } else if (attack_busy_tx(e->attack)) {
                attack_flip_traffic(e);
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
            ring_tx_valid(e, 60);
            ring_tx_push(e);
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
    /* Static, so it stays reachable when --help or a bad option exits
     * inside the loop (LeakSanitizer would fail that exit). */
    static char *short_options;
    short_options = ovs_cmdl_long_options_to_short_options(long_options);
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
            e->attack = attack_find(optarg);
            if (!strcmp(optarg, "list")) {
                attack_list();
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
            if (!strchr(optarg, '=') || e->n_xs_set >= EVIL_MAX_XS_EDITS) {
                ovs_fatal(0, "--xs-set=%s: expected KEY=VALUE (at most %d)",
                          optarg, EVIL_MAX_XS_EDITS);
            }
            e->xs_set[e->n_xs_set++] = optarg;
            break;
        case OPT_XS_RM:
            if (e->n_xs_rm >= EVIL_MAX_XS_EDITS) {
                ovs_fatal(0, "at most %d --xs-rm", EVIL_MAX_XS_EDITS);
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
    short_options = NULL;

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
    uint32_t n_pages = 2 + 2 * EVIL_N_SLOTS + 16;
    int error = vif_emu_dom_create(e.domid, n_pages + EVIL_N_SLOTS + 64,
                                   n_pages, &e.dom);
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
