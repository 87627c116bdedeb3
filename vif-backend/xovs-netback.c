/* vif-backend/xovs-netback.c: xovs-netback, the user-space Xen netif backend.
 *
 *   xovs-netback --platform=emu|xen [--xenstore=PATH] [--agent-rpc=unix:PATH]
 *                [--hotplug-script=FILE] [--max-queues=N] [--domid=N]
 *                [--unixctl=PATH] [--offload=auto|on|off] [--dpdk-dir=DIR]
 *                [--dpdk-max-vifs=N] [--dpdk-default=yes|no]
 *                [--detach --pidfile=FILE] [--log-file=FILE]
 *
 * One poll loop drives the backend (vif.h), the unixctl control socket
 * (`ovs-appctl -t SOCKET vif/show [vifD.N]`, `exit`; SOCKET is --unixctl,
 * by default /run/xovs/xovs-netback.ctl, see lib/xovs-dirs.h) and a report
 * of the VIFs' counters to xovs-agent every 2 s (method
 * "vif-stats-report", encoded by agent/rpc.h; answers and errors are
 * ignored: the agent may not know the method or may be down).  A report
 * carries the VIFs whose counters changed since they were last sent on
 * that connection; every VIF is sent on a new connection and every 30 s
 * (the agent keeps the latest in memory only, and closes a connection idle
 * for 60 s): an idle host's hundreds of VIFs are not one request and one
 * answer each every 2 s.  The agent
 * is --agent-rpc, by default its internal socket
 * unix:/run/xovs/agent-internal.sock, which serves only stats reports and
 * the VIF hotplug verbs; --agent-rpc= (empty) reports nothing.
 *
 * The hotplug script defaults to the first that exists of: xovs-vif next
 * to the binary (make install), ../../scripts/vif relative to the binary
 * (the build tree), /etc/xen/scripts/vif-xovs.  --hotplug-script= (empty)
 * runs none; then something else must write hotplug-status=connected.
 *
 * --dpdk-dir=DIR lets VIFs be DPDK VIFs (docs/dpdk.md): their data path
 * runs in the net_xovs driver inside ovs-vswitchd-dpdk, which listens on
 * DIR/vif<D>.<N>.sock.  Which VIFs: the agent's records decide
 * (other_config xovs-dpdk=true of the VIF, else of its network;
 * datapath.c), and --dpdk-default (no) for VIFs without a record; beyond
 * --dpdk-max-vifs of them (default and most VIF_DPDK_MAX), VIFs get tap
 * ports. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "lib/xovs-dirs.h"
#include "lib/xovs-limits.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "stream.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "agent/rpc.h"
#include "vif-backend/platform.h"
#include "vif-backend/port.h"
#include "vif-backend/vif.h"

VLOG_DEFINE_THIS_MODULE(xovs_netback);

#define REPORT_INTERVAL_MS 2000
#define REPORT_FULL_MS 30000 /* every VIF, changed or not */
#define REPORT_MAX_PENDING (1024 * 1024)

static const char *platform_name;
static const char *xenstore_path;
static const char *agent_rpc;
static char *hotplug_script;
static bool hotplug_script_set;
static char *unixctl_path;
static unsigned int max_queues = 8;
static unsigned int backend_domid;
static enum vif_offload offload = VIF_OFFLOAD_AUTO;
static const char *dpdk_dir;
static unsigned int dpdk_max_vifs = VIF_DPDK_MAX;
static bool dpdk_default;

static struct vif_backend *backend;
static bool exiting;

OVS_NO_RETURN static void
usage(void)
{
    printf("%s: user-space Xen netif backend\n"
           "usage: %s --platform=emu|xen [OPTIONS]\n"
           "  --platform=emu|xen       how to reach guests' memory and "
           "events\n"
           "  --xenstore=PATH          xenstored socket (sets "
           "XENSTORED_PATH)\n"
           "  --agent-rpc=unix:PATH    xovs-agent: hotplug and counters\n"
           "                           (default unix:%s/agent-internal.sock;\n"
           "                           empty: none)\n"
           "  --hotplug-script=FILE    run on online/offline (empty: none)\n"
           "  --max-queues=N           multi-queue-max-queues (1..16, "
           "default 8)\n"
           "  --domid=N                this backend's domain (default 0)\n"
           "  --unixctl=PATH           control socket (vif/show, exit;\n"
           "                           default %s/%s.ctl)\n"
           "  --offload=auto|on|off    GSO and partial checksums to the "
           "switch\n"
           "                           (auto: on with OVS's kernel "
           "datapath or\n"
           "                           userspace-tso-enable, else off)\n"
           "  --no-offload             same as --offload=off\n"
           "  --dpdk-dir=DIR           VIFs may run in ovs-vswitchd-dpdk's "
           "net_xovs\n"
           "                           driver, which listens in DIR (the "
           "agent's\n"
           "                           other-config:xovs-dpdk decides)\n"
           "  --dpdk-max-vifs=N        at most N DPDK VIFs, then taps "
           "(default %d)\n"
           "  --dpdk-default=yes|no    VIFs the agent has no record of are "
           "DPDK\n"
           "                           VIFs (default no)\n",
           program_name, program_name, xovs_rundir(), xovs_rundir(),
           program_name, VIF_DPDK_MAX);
    daemon_usage();
    vlog_usage();
    exit(EXIT_SUCCESS);
}

static unsigned int
parse_uint_option(const char *name, const char *arg, unsigned int min,
                  unsigned int max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno || *end || !*arg || v < min || v > max) {
        ovs_fatal(0, "--%s: \"%s\" is not a number in %u..%u", name, arg, min,
                  max);
    }
    return v;
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_PLATFORM = UCHAR_MAX + 1,
        OPT_XENSTORE,
        OPT_AGENT_RPC,
        OPT_HOTPLUG,
        OPT_MAX_QUEUES,
        OPT_DOMID,
        OPT_UNIXCTL,
        OPT_NO_OFFLOAD,
        OPT_OFFLOAD,
        OPT_DPDK_DIR,
        OPT_DPDK_MAX_VIFS,
        OPT_DPDK_DEFAULT,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"platform", required_argument, NULL, OPT_PLATFORM},
        {"xenstore", required_argument, NULL, OPT_XENSTORE},
        {"agent-rpc", required_argument, NULL, OPT_AGENT_RPC},
        {"hotplug-script", required_argument, NULL, OPT_HOTPLUG},
        {"max-queues", required_argument, NULL, OPT_MAX_QUEUES},
        {"domid", required_argument, NULL, OPT_DOMID},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"no-offload", no_argument, NULL, OPT_NO_OFFLOAD},
        {"offload", required_argument, NULL, OPT_OFFLOAD},
        {"dpdk-dir", required_argument, NULL, OPT_DPDK_DIR},
        {"dpdk-max-vifs", required_argument, NULL, OPT_DPDK_MAX_VIFS},
        {"dpdk-default", required_argument, NULL, OPT_DPDK_DEFAULT},
        {"help", no_argument, NULL, 'h'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    /* Static, so it stays reachable when --help or a bad option exits
     * inside the loop (LeakSanitizer would fail that exit). */
    static char *short_options;
    short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_PLATFORM:
            platform_name = optarg;
            break;
        case OPT_XENSTORE:
            xenstore_path = optarg;
            break;
        case OPT_AGENT_RPC:
            if (*optarg && (strncmp(optarg, "unix:", 5) || !optarg[5])) {
                ovs_fatal(0, "--agent-rpc: \"%s\" must be unix:PATH or empty",
                          optarg);
            }
            agent_rpc = optarg;
            break;
        case OPT_HOTPLUG:
            hotplug_script = optarg;
            hotplug_script_set = true;
            break;
        case OPT_MAX_QUEUES:
            max_queues = parse_uint_option("max-queues", optarg, 1, 16);
            break;
        case OPT_DOMID:
            backend_domid = parse_uint_option("domid", optarg, 0, 0x7fef);
            break;
        case OPT_UNIXCTL:
            free(unixctl_path);
            unixctl_path = xstrdup(optarg);
            break;
        case OPT_NO_OFFLOAD:
            offload = VIF_OFFLOAD_OFF;
            break;
        case OPT_OFFLOAD:
            if (!strcmp(optarg, "auto")) {
                offload = VIF_OFFLOAD_AUTO;
            } else if (!strcmp(optarg, "on")) {
                offload = VIF_OFFLOAD_ON;
            } else if (!strcmp(optarg, "off")) {
                offload = VIF_OFFLOAD_OFF;
            } else {
                ovs_fatal(0, "--offload: \"%s\" is not auto, on or off",
                          optarg);
            }
            break;
        case OPT_DPDK_DIR:
            if (optarg[0] != '/') {
                ovs_fatal(0, "--dpdk-dir: \"%s\" is not an absolute path",
                          optarg);
            }
            dpdk_dir = optarg;
            break;
        case OPT_DPDK_MAX_VIFS:
            dpdk_max_vifs
                = parse_uint_option("dpdk-max-vifs", optarg, 0, VIF_DPDK_MAX);
            break;
        case OPT_DPDK_DEFAULT:
            if (strcmp(optarg, "yes") && strcmp(optarg, "no")) {
                ovs_fatal(0, "--dpdk-default: \"%s\" is not yes or no",
                          optarg);
            }
            dpdk_default = !strcmp(optarg, "yes");
            break;
        case 'h':
            usage();
            OVS_NOT_REACHED();
            DAEMON_OPTION_HANDLERS
            VLOG_OPTION_HANDLERS
        case '?':
            exit(2);
        default:
            abort();
        }
    }
    free(short_options);
    short_options = NULL;
    if (optind != argc) {
        ovs_fatal(0, "unexpected argument \"%s\" (see --help)", argv[optind]);
    }
    if (!platform_name) {
        ovs_fatal(0, "--platform=emu|xen is required (see --help)");
    }
    if (!unixctl_path) {
        unixctl_path = xovs_default_unixctl();
    }
    if (!agent_rpc) {
        static char *default_rpc; /* lives as long as the process */
        default_rpc = xasprintf("unix:%s/agent-internal.sock", xovs_rundir());
        agent_rpc = default_rpc;
    } else if (!*agent_rpc) {
        agent_rpc = NULL;
    }
}

/* The default hotplug script (see the file comment), malloc'd, or NULL. */
static char *
default_hotplug_script(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *candidates[3] = {NULL, NULL, NULL};

    if (n > 0) {
        exe[n] = '\0';
        char *dir = dirname(exe);
        candidates[0] = xasprintf("%s/xovs-vif", dir);
        candidates[1] = xasprintf("%s/../../scripts/vif", dir);
    }
    candidates[2] = xstrdup("/etc/xen/scripts/vif-xovs");

    char *found = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
        if (!found && candidates[i] && !access(candidates[i], X_OK)) {
            char real[PATH_MAX];
            found = xstrdup(realpath(candidates[i], real) ? real
                                                          : candidates[i]);
        }
        free(candidates[i]);
    }
    return found;
}

/* ---------------------------------------------------------------------- */
/* Counters to the agent. */

struct reporter {
    struct stream *stream;
    bool connected; /* stream_connect() said so */
    struct ds out;  /* lines not yet sent */
    long long next; /* time_msec() of the next report */
    unsigned long long id;
    struct shash sent; /* VIF name -> counters queued on this connection */
    struct shash seen; /* the same, being built by this report */
    bool full;         /* this report sends every VIF */
    long long full_at; /* time_msec() of the next full report */
};

static void
reporter_add(const char *name, const char *stats, void *r_)
{
    struct reporter *r = r_;
    char *last = shash_find_and_delete(&r->sent, name);
    bool same = last && !strcmp(last, stats);

    free(last);
    if (same && !r->full) {
        shash_add(&r->seen, name, xstrdup(stats));
    } else if (r->out.length < REPORT_MAX_PENDING) {
        shash_add(&r->seen, name, xstrdup(stats));
        struct json_object *params = json_object_new_object();
        json_object_object_add(params, "name", json_object_new_string(name));
        json_object_object_add(params, "stats", json_object_new_string(stats));
        char *line = xrpc_request_line(++r->id, "vif-stats-report", params);
        ds_put_cstr(&r->out, line);
        free(line);
        json_object_put(params);
    }
}

static void
reporter_close(struct reporter *r)
{
    stream_close(r->stream);
    r->stream = NULL;
    r->connected = false;
    ds_clear(&r->out);
    shash_clear_free_data(&r->sent); /* a new connection gets every VIF */
}

static void
reporter_run(struct reporter *r)
{
    if (!agent_rpc) {
        return;
    }
    long long now = time_msec();
    if (now >= r->next) {
        r->next = now + REPORT_INTERVAL_MS;
        r->full = now >= r->full_at;
        if (r->full) {
            r->full_at = now + REPORT_FULL_MS;
        }
        vif_backend_report(backend, reporter_add, r);
        shash_clear_free_data(&r->sent); /* VIFs that are gone */
        shash_swap(&r->sent, &r->seen);
        if (shash_is_empty(&r->sent)) {
            /* No VIFs: hold no connection (the agent closes idle ones). */
            reporter_close(r);
            return;
        }
        if (!r->stream) {
            int error = stream_open(agent_rpc, &r->stream, DSCP_DEFAULT);
            if (error) {
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 1);
                VLOG_DBG_RL(&rl, "cannot reach the agent at %s: %s", agent_rpc,
                            ovs_strerror(error));
                reporter_close(r);
            }
        }
    }
    if (!r->stream) {
        return;
    }
    stream_run(r->stream);
    int error = stream_connect(r->stream);
    if (error == EAGAIN) {
        return;
    } else if (error) {
        reporter_close(r);
        return;
    }
    r->connected = true;
    while (r->out.length) {
        int n = stream_send(r->stream, r->out.string, r->out.length);
        if (n == -EAGAIN) {
            break;
        } else if (n < 0) {
            reporter_close(r);
            return;
        }
        memmove(r->out.string, r->out.string + n, r->out.length - n);
        r->out.length -= n;
    }
    char buf[4096];
    for (;;) { /* answers are ignored */
        int n = stream_recv(r->stream, buf, sizeof buf);
        if (n == -EAGAIN) {
            break;
        } else if (n <= 0) {
            reporter_close(r);
            break;
        }
    }
}

static void
reporter_wait(struct reporter *r)
{
    if (!agent_rpc) {
        return;
    }
    poll_timer_wait_until(r->next);
    if (r->stream) {
        /* A connected stream is always "ready to connect" (POLLOUT): wait
         * for that only while connecting, or the loop never sleeps. */
        stream_run_wait(r->stream);
        if (!r->connected) {
            stream_connect_wait(r->stream);
        } else {
            stream_recv_wait(r->stream);
            if (r->out.length) {
                stream_send_wait(r->stream);
            }
        }
    }
}

/* ---------------------------------------------------------------------- */
/* unixctl. */

static void
cmd_show(struct unixctl_conn *conn, int argc, const char *argv[],
         void *aux OVS_UNUSED)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    const char *name = argc > 1 ? argv[1] : NULL;

    if (!vif_backend_show(backend, name, &out)) {
        ds_put_format(&out, "no VIF named %s (names are vif<domid>.<devid>)",
                      name);
        unixctl_command_reply_error(conn, ds_cstr(&out));
    } else {
        if (!out.length) {
            ds_put_cstr(&out, "no VIFs\n");
        }
        unixctl_command_reply(conn, ds_cstr(&out));
    }
    ds_destroy(&out);
}

static void
cmd_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    exiting = true;
    unixctl_command_reply(conn, NULL);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    parse_options(argc, argv);

    const struct vif_platform_class *platform
        = vif_platform_lookup(platform_name);
    if (!platform) {
        ovs_fatal(0, "--platform: \"%s\" is not emu or xen", platform_name);
    }
    if (xenstore_path) {
        setenv("XENSTORED_PATH", xenstore_path, 1);
    }
    if (!hotplug_script_set) {
        hotplug_script = default_hotplug_script();
        if (!hotplug_script) {
            VLOG_WARN("no hotplug script found; VIFs wait for "
                      "hotplug-status=connected from elsewhere");
        }
    } else {
        hotplug_script = xstrdup(hotplug_script);
    }

    /* The control socket's directory (by default the xovs run directory)
     * may not exist yet on a fresh machine. */
    int error = xovs_mkdirs_for(unixctl_path);
    if (error) {
        ovs_fatal(error, "cannot create the directory of %s", unixctl_path);
    }
    daemonize_start(false);
    struct unixctl_server *unixctl;
    error = unixctl_server_create(unixctl_path, &unixctl);
    if (error) {
        ovs_fatal(error, "%s: cannot create the control socket", unixctl_path);
    }
    unixctl_command_register("vif/show", "[vifD.N]", 0, 1, cmd_show, NULL);
    unixctl_command_register("exit", "", 0, 0, cmd_exit, NULL);

    struct vif_backend_settings s = {
        .platform = platform,
        .port = &vif_port_tap,
        .backend_domid = backend_domid,
        .max_queues = max_queues,
        .hotplug_script = hotplug_script,
        .agent_rpc = agent_rpc,
        .xenstore_path = xenstore_path,
        .offload = offload,
        .dpdk_dir = dpdk_dir,
        .dpdk_max_vifs = dpdk_max_vifs,
        .dpdk_default = dpdk_default,
    };
    error = vif_backend_create(&s, &backend);
    if (error) {
        ovs_fatal(error, "cannot start the backend");
    }
    daemonize_complete();
    vlog_enable_async();
    /* About seven fds per VIF: systemd's soft limit of 1024 would stop
     * near 140 VIFs (bench/xovs-bench-guests). */
    xovs_raise_fd_limit(XOVS_FD_LIMIT_MAX);
    VLOG_INFO("xovs-netback started: platform %s, hotplug %s", platform->name,
              hotplug_script && *hotplug_script ? hotplug_script : "(none)");

    struct reporter reporter = {.out = DS_EMPTY_INITIALIZER};
    shash_init(&reporter.sent);
    shash_init(&reporter.seen);
    while (!exiting) {
        vif_backend_run(backend);
        unixctl_server_run(unixctl);
        reporter_run(&reporter);

        vif_backend_wait(backend);
        unixctl_server_wait(unixctl);
        reporter_wait(&reporter);
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
    }

    reporter_close(&reporter);
    ds_destroy(&reporter.out);
    shash_destroy_free_data(&reporter.sent);
    shash_destroy_free_data(&reporter.seen);
    vif_backend_destroy(backend);
    unixctl_server_destroy(unixctl);
    free(unixctl_path);
    free(hotplug_script);
    return 0;
}
