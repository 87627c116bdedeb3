/* vif-backend/emu/xenstored/xovs-xenstored.c: xovs-xenstored, the emulated
 * xenstored of the emulated Xen platform.
 *
 * It speaks the real xenstore wire protocol on a unix socket, so the real
 * libxenstore (XENSTORED_PATH=PATH) and Debian's xenstore-* tools work
 * against it; see docs/xenstored.md for what it implements and how guest
 * domains connect.
 *
 * With no options it serves /run/xovs/xs.sock (the xovs run directory,
 * lib/xovs-dirs.h), creating the socket's directory when missing; a
 * unixctl socket (default /run/xovs/xovs-xenstored.ctl) answers `exit`
 * and vlog's commands. */
#include <config.h>

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "command-line.h"
#include "daemon.h"
#include "fatal-signal.h"
#include "lib/xovs-dirs.h"
#include "lib/xovs-limits.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "unixctl.h"
#include "util.h"
#include "vif-backend/emu/xenstored/xs-socket.h"

VLOG_DEFINE_THIS_MODULE(xenstored);

static char *socket_path;  /* malloc'd after parse_options() */
static char *unixctl_path; /* malloc'd after parse_options() */
static bool exiting;
static struct xs_emu_server_settings settings = {
    .quota = XS_EMU_QUOTA_DEFAULT_INIT,
    .output_limit = XS_EMU_OUTPUT_LIMIT_DEFAULT,
};

OVS_NO_RETURN static void
usage(void)
{
    printf("%s: emulated xenstored (xenstore wire protocol on a unix "
           "socket)\n"
           "usage: %s [--socket=PATH] [OPTION...]\n"
           "  --socket=PATH             dom0 (privileged) clients connect "
           "here;\n"
           "                            domain N's at PATH-domN once "
           "introduced\n"
           "                            (default %s/xs.sock)\n"
           "  --unixctl=PATH            control socket (exit, vlog/set;\n"
           "                            default %s/%s.ctl)\n"
           "  --quota-nodes=N           nodes a domain may own (1000)\n"
           "  --quota-value-size=BYTES  bytes in one node's value (2048)\n"
           "  --quota-watches=N         watches per domain (128)\n"
           "  --quota-transactions=N    open transactions per domain (10)\n"
           "  --output-limit=BYTES      unread output after which a "
           "connection\n"
           "                            is dropped (%d)\n"
           "Quotas apply to domains other than dom0; 0 means unlimited.\n"
           "Clients: XENSTORED_PATH=PATH xenstore-ls\n",
           program_name, program_name, xovs_rundir(), xovs_rundir(),
           program_name, XS_EMU_OUTPUT_LIMIT_DEFAULT);
    daemon_usage();
    vlog_usage();
    exit(EXIT_SUCCESS);
}

static unsigned int
parse_count(const char *option, const char *s, unsigned int max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !*s || *end || v > max) {
        ovs_fatal(0, "--%s: \"%s\" is not a number from 0 to %u", option, s,
                  max);
    }
    return v;
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_SOCKET = UCHAR_MAX + 1,
        OPT_UNIXCTL,
        OPT_QUOTA_NODES,
        OPT_QUOTA_VALUE_SIZE,
        OPT_QUOTA_WATCHES,
        OPT_QUOTA_TRANSACTIONS,
        OPT_OUTPUT_LIMIT,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"quota-nodes", required_argument, NULL, OPT_QUOTA_NODES},
        {"quota-value-size", required_argument, NULL, OPT_QUOTA_VALUE_SIZE},
        {"quota-watches", required_argument, NULL, OPT_QUOTA_WATCHES},
        {"quota-transactions", required_argument, NULL,
         OPT_QUOTA_TRANSACTIONS},
        {"output-limit", required_argument, NULL, OPT_OUTPUT_LIMIT},
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
        case OPT_SOCKET:
            free(socket_path);
            socket_path = xstrdup(optarg);
            break;
        case OPT_UNIXCTL:
            free(unixctl_path);
            unixctl_path = xstrdup(optarg);
            break;
        case OPT_QUOTA_NODES:
            settings.quota.n_nodes
                = parse_count("quota-nodes", optarg, UINT_MAX);
            break;
        case OPT_QUOTA_VALUE_SIZE:
            settings.quota.value_size = parse_count("quota-value-size", optarg,
                                                    XENSTORE_PAYLOAD_MAX);
            break;
        case OPT_QUOTA_WATCHES:
            settings.quota.n_watches
                = parse_count("quota-watches", optarg, UINT_MAX);
            break;
        case OPT_QUOTA_TRANSACTIONS:
            settings.quota.n_txns
                = parse_count("quota-transactions", optarg, UINT_MAX);
            break;
        case OPT_OUTPUT_LIMIT:
            settings.output_limit
                = parse_count("output-limit", optarg, INT_MAX);
            if (settings.output_limit
                < 2 * (XS_EMU_HDR_SIZE + XENSTORE_PAYLOAD_MAX)) {
                ovs_fatal(0, "--output-limit: must be at least %d bytes",
                          2 * (XS_EMU_HDR_SIZE + XENSTORE_PAYLOAD_MAX));
            }
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

    if (optind < argc) {
        ovs_fatal(0, "unexpected argument \"%s\" (try --help)", argv[optind]);
    }
    if (!socket_path) {
        socket_path = xasprintf("%s/xs.sock", xovs_rundir());
    } else if (!*socket_path) {
        ovs_fatal(0, "--socket: the path is empty");
    }
    if (!unixctl_path) {
        unixctl_path = xovs_default_unixctl();
    }
}

static void
xenstored_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
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

    /* On a fresh machine the run directory does not exist yet. */
    const char *paths[] = {socket_path, unixctl_path};
    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        int error = xovs_mkdirs_for(paths[i]);
        if (error) {
            ovs_fatal(error, "cannot create the directory of %s", paths[i]);
        }
    }

    daemonize_start(false);
    struct xs_emu_daemon *d;
    int error = xs_emu_daemon_create(socket_path, &settings, &d);
    if (error) {
        ovs_fatal(error, "cannot listen on %s", socket_path);
    }
    struct unixctl_server *unixctl;
    error = unixctl_server_create(unixctl_path, &unixctl);
    if (error) {
        ovs_fatal(error, "%s: cannot create the control socket", unixctl_path);
    }
    unixctl_command_register("exit", "", 0, 0, xenstored_unixctl_exit, NULL);
    daemonize_complete();
    vlog_enable_async();
    VLOG_INFO("xovs-xenstored started on %s", socket_path);
    /* Three fds per guest (its two connections, the hotplug scripts'). */
    xovs_raise_fd_limit(XOVS_FD_LIMIT_MAX);

    while (!exiting) {
        xs_emu_daemon_run(d);
        unixctl_server_run(unixctl);
        xs_emu_daemon_wait(d);
        unixctl_server_wait(unixctl);
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
    }
    VLOG_INFO("xovs-xenstored exiting");
    unixctl_server_destroy(unixctl);
    xs_emu_daemon_destroy(d);
    free(socket_path);
    free(unixctl_path);
    return 0;
}
