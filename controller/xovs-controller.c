/* controller/xovs-controller.c: xovs-controller, the pool's network daemon
 * on OVN (docs/ovn.md).
 *
 * One poll loop (libopenvswitch's), as xovs-agent's:
 *   - the JSON-RPC server (agent/rpc-server.c, the agent's, with its limits
 *     and roles): each request line runs through ctl_db_handle_line()
 *     (ctl-db.c); a change is written to the durable store before it
 *     becomes the live records;
 *   - ctl-nb.c: makes OVN's northbound database hold the records, and
 *     keeps it so when the cluster changes leader, loses a member, or
 *     someone edits xovs's rows.
 * ovn-northd, the southbound database and each host's ovn-controller do the
 * rest; the hosts' agents join them to OVN and put their VIFs on the
 * integration bridge (docs/ovn.md). */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/rbac.h"
#include "agent/rpc-server.h"
#include "agent/rpc.h"
#include "command-line.h"
#include "controller/ctl-db.h"
#include "controller/ctl-nb.h"
#include "daemon.h"
#include "fatal-signal.h"
#include "lib/xovs-dirs.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(xovs_controller);

#define CTL_STORE_DEFAULT "/var/lib/xovs/controller.json"
#define CTL_NB_DEFAULT "unix:/var/run/ovn/ovnnb_db.sock"

static char *nb_remote;
static char *store_path;
static char *rpc_path;
static char *unixctl_path;
static const char *roles_path;
static bool exiting;

struct controller {
    struct json_object *db; /* the records (ctl-db.h) */
    struct ctl_nb *nb;
    struct xrpcs *rpc;
    struct xrbac_map roles;
};

OVS_NO_RETURN static void
usage(void)
{
    printf("%s: the xovs pool network controller on OVN\n"
           "usage: %s [OPTIONS]\n"
           "  --ovnnb-db=REMOTES     OVN northbound database: one remote or\n"
           "                         a comma-separated list of a cluster's\n"
           "                         members (default $OVN_NB_DB, else %s)\n"
           "  --store=FILE           durable record store (JSON; default\n"
           "                         %s)\n"
           "  --rpc=unix:PATH        where to serve the JSON-RPC API\n"
           "                         (default unix:%s/controller.sock)\n"
           "  --roles=FILE           role map, as xovs-agent's\n"
           "  --unixctl=PATH         control socket (exit, vlog/set;\n"
           "                         default %s/%s.ctl)\n",
           program_name, program_name, CTL_NB_DEFAULT, CTL_STORE_DEFAULT,
           xovs_rundir(), xovs_rundir(), program_name);
    daemon_usage();
    vlog_usage();
    exit(EXIT_SUCCESS);
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_NB = UCHAR_MAX + 1,
        OPT_STORE,
        OPT_RPC,
        OPT_ROLES,
        OPT_UNIXCTL,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"ovnnb-db", required_argument, NULL, OPT_NB},
        {"store", required_argument, NULL, OPT_STORE},
        {"rpc", required_argument, NULL, OPT_RPC},
        {"roles", required_argument, NULL, OPT_ROLES},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"help", no_argument, NULL, 'h'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_NB:
            free(nb_remote);
            nb_remote = xstrdup(optarg);
            break;
        case OPT_STORE:
            free(store_path);
            store_path = xstrdup(optarg);
            break;
        case OPT_RPC:
            if (strncmp(optarg, "unix:", 5) || !optarg[5]) {
                ovs_fatal(0, "--rpc: \"%s\" is not unix:PATH", optarg);
            }
            free(rpc_path);
            rpc_path = xstrdup(optarg + 5);
            break;
        case OPT_ROLES:
            roles_path = optarg;
            break;
        case OPT_UNIXCTL:
            free(unixctl_path);
            unixctl_path = xstrdup(optarg);
            break;
        case 'h':
            usage();
            DAEMON_OPTION_HANDLERS
            VLOG_OPTION_HANDLERS
        case '?':
            exit(EXIT_FAILURE);
        default:
            abort();
        }
    }
    free(short_options);
    if (optind != argc) {
        ovs_fatal(0, "%s takes no arguments (see --help)", program_name);
    }
    if (!nb_remote) {
        const char *env = getenv("OVN_NB_DB");
        nb_remote = xstrdup(env && *env ? env : CTL_NB_DEFAULT);
    }
    if (!store_path) {
        store_path = xstrdup(CTL_STORE_DEFAULT);
    }
    if (!rpc_path) {
        rpc_path = xasprintf("%s/controller.sock", xovs_rundir());
    }
    if (!unixctl_path) {
        unixctl_path = xasprintf("%s/%s.ctl", xovs_rundir(), program_name);
    }
}

/* Hands the records to ctl-nb.c. */
static void
controller_plan(struct controller *c)
{
    struct ctl_plan plan;
    ctl_db_plan(c->db, &plan);
    ctl_nb_set_desired(c->nb, &plan);
}

static char *
controller_handle(void *aux, const char *line, size_t len)
{
    struct controller *c = aux;
    const struct ctl_env env = {
        .network_status = ctl_nb_network_status,
        .vif_status = ctl_nb_vif_status,
        .vif_bound = ctl_nb_vif_bound,
        .acl_status = ctl_nb_acl_status,
        .aux = c->nb,
    };
    bool changed;
    char *reply
        = ctl_db_handle_line(&c->db, &env, store_path, line, len, &changed);
    if (changed) { /* only the records it changed (ctl-nb.h) */
        struct ctl_plan_delta delta;
        ctl_db_take_delta(c->db, &delta);
        ctl_nb_update(c->nb, &delta);
    }
    return reply;
}

static void
controller_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
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

    struct controller c;
    memset(&c, 0, sizeof c);
    char *cwd = get_cwd();
    char *abs_store = abs_file_name(cwd, store_path);
    char *abs_rpc = abs_file_name(cwd, rpc_path);
    free(cwd);
    free(store_path);
    store_path = abs_store;
    free(rpc_path);
    rpc_path = abs_rpc;
    const char *paths[] = {store_path, rpc_path, unixctl_path};
    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        int error = xovs_mkdirs_for(paths[i]);
        if (error) {
            ovs_fatal(error, "cannot create the directory of %s", paths[i]);
        }
    }
    char *error = ctl_store_load(store_path, &c.db);
    if (error) {
        ovs_fatal(0, "%s", error);
    }
    xrbac_map_init(&c.roles, geteuid());
    if (roles_path) {
        error = xrbac_map_load(&c.roles, roles_path);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
    }

    daemonize_start(false);
    struct xrpcs_settings s;
    xrpcs_settings_init(&s, "admin");
    s.roles = &c.roles;
    int retval = xrpcs_create(rpc_path, &s, controller_handle, &c, &c.rpc);
    if (retval) {
        ovs_fatal(retval, "cannot listen on %s", rpc_path);
    }
    struct unixctl_server *unixctl;
    retval = unixctl_server_create(unixctl_path, &unixctl);
    if (retval) {
        ovs_fatal(retval, "%s: cannot create the control socket",
                  unixctl_path);
    }
    unixctl_command_register("exit", "", 0, 0, controller_unixctl_exit, NULL);
    c.nb = ctl_nb_create(nb_remote);
    controller_plan(&c);
    daemonize_complete();
    vlog_enable_async();
    VLOG_INFO("xovs-controller started: northbound %s, serving %s", nb_remote,
              rpc_path);

    while (!exiting) {
        xrpcs_run(c.rpc);
        ctl_nb_run(c.nb);
        unixctl_server_run(unixctl);
        xrpcs_wait(c.rpc);
        ctl_nb_wait(c.nb);
        unixctl_server_wait(unixctl);
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
    }

    VLOG_INFO("xovs-controller exiting");
    xrpcs_destroy(c.rpc);
    unixctl_server_destroy(unixctl);
    ctl_nb_destroy(c.nb);
    json_object_put(c.db);
    xrbac_map_destroy(&c.roles);
    free(nb_remote);
    free(store_path);
    free(rpc_path);
    free(unixctl_path);
    return 0;
}
