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
 *     someone edits xovs's rows;
 *   - ctl-sb.c: reads the southbound database (chassis, bindings): what
 *     pool-host-list shows of each host, and the end of a live migration,
 *     which the controller then completes (ctl-host.h).
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
#include "controller/ctl-host.h"
#include "controller/ctl-nb.h"
#include "controller/ctl-sb.h"
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
#define CTL_SB_DEFAULT "unix:/var/run/ovn/ovnsb_db.sock"
/* After a failed automatic migration completion, the next try. */
#define CTL_COMPLETE_RETRY_MS 1000

static char *nb_remote;
static char *sb_remote;
static char *store_path;
static char *rpc_path;
static char *unixctl_path;
static const char *roles_path;
static bool exiting;

/* TLS listeners (--rpc=pssl:...), their key, certificate, CA and role. */
#define CTL_MAX_SSL 8
static const char *ssl_names[CTL_MAX_SSL];
static size_t n_ssl;
static const char *ssl_key, *ssl_cert, *ssl_ca;
static enum xrbac_role ssl_role = XRBAC_SSL_DEFAULT;

struct controller {
    struct json_object *db; /* the records (ctl-db.h) */
    struct ctl_nb *nb;
    struct ctl_sb *sb;
    struct xrpcs *rpc;
    struct xrpcs *ssl[CTL_MAX_SSL]; /* --rpc=pssl: listeners */
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
           "  --ovnsb-db=REMOTES     OVN southbound database, likewise\n"
           "                         (default $OVN_SB_DB, else %s)\n"
           "  --store=FILE           durable record store (JSON; default\n"
           "                         %s)\n"
           "  --rpc=unix:PATH        where to serve the JSON-RPC API\n"
           "                         (default unix:%s/controller.sock)\n"
           "  --rpc=pssl:PORT[:IP]   also serve it over mutual TLS (may be\n"
           "                         given up to %d times); needs:\n"
           "  --private-key=FILE     the controller's TLS key (PEM)\n"
           "  --certificate=FILE     its certificate (PEM)\n"
           "  --ca-cert=FILE         the CA that signed the clients'\n"
           "                         certificates (PEM)\n"
           "  --rpc-ssl-role=ROLE    what TLS clients may do: read-only\n"
           "                         (default), vm-operator, pool-admin\n"
           "  --roles=FILE           role map, as xovs-agent's\n"
           "  --unixctl=PATH         control socket (exit, vlog/set;\n"
           "                         default %s/%s.ctl)\n",
           program_name, program_name, CTL_NB_DEFAULT, CTL_SB_DEFAULT,
           CTL_STORE_DEFAULT, xovs_rundir(), CTL_MAX_SSL, xovs_rundir(),
           program_name);
    daemon_usage();
    vlog_usage();
    exit(EXIT_SUCCESS);
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_NB = UCHAR_MAX + 1,
        OPT_SB,
        OPT_STORE,
        OPT_RPC,
        OPT_ROLES,
        OPT_UNIXCTL,
        OPT_SSL_KEY,
        OPT_SSL_CERT,
        OPT_SSL_CA,
        OPT_SSL_ROLE,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"ovnnb-db", required_argument, NULL, OPT_NB},
        {"ovnsb-db", required_argument, NULL, OPT_SB},
        {"store", required_argument, NULL, OPT_STORE},
        {"rpc", required_argument, NULL, OPT_RPC},
        {"roles", required_argument, NULL, OPT_ROLES},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"private-key", required_argument, NULL, OPT_SSL_KEY},
        {"certificate", required_argument, NULL, OPT_SSL_CERT},
        {"ca-cert", required_argument, NULL, OPT_SSL_CA},
        {"rpc-ssl-role", required_argument, NULL, OPT_SSL_ROLE},
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
        case OPT_SB:
            free(sb_remote);
            sb_remote = xstrdup(optarg);
            break;
        case OPT_STORE:
            free(store_path);
            store_path = xstrdup(optarg);
            break;
        case OPT_RPC:
            if (!strncmp(optarg, "pssl:", 5)) {
                char *bad = xrpcs_check_ssl_name(optarg);
                if (bad) {
                    ovs_fatal(0, "--rpc: %s", bad);
                }
                if (n_ssl >= CTL_MAX_SSL) {
                    ovs_fatal(0, "--rpc: at most %d pssl: listeners",
                              CTL_MAX_SSL);
                }
                ssl_names[n_ssl++] = optarg;
                break;
            }
            if (strncmp(optarg, "unix:", 5) || !optarg[5]) {
                ovs_fatal(0,
                          "--rpc: \"%s\" is not unix:PATH or "
                          "pssl:PORT[:IP]",
                          optarg);
            }
            free(rpc_path);
            rpc_path = xstrdup(optarg + 5);
            break;
        case OPT_SSL_KEY:
            ssl_key = optarg;
            break;
        case OPT_SSL_CERT:
            ssl_cert = optarg;
            break;
        case OPT_SSL_CA:
            ssl_ca = optarg;
            break;
        case OPT_SSL_ROLE:
            if (!xrbac_role_from_name(optarg, &ssl_role)) {
                ovs_fatal(0,
                          "--rpc-ssl-role: \"%s\" is not a role (none, "
                          "read-only, vm-operator, pool-admin)",
                          optarg);
            }
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
    if (n_ssl) {
        char *error = xrpcs_ssl_configure(ssl_key, ssl_cert, ssl_ca);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
    } else if (ssl_key || ssl_cert || ssl_ca) {
        ovs_fatal(0, "--private-key, --certificate and --ca-cert are for "
                     "--rpc=pssl:PORT[:IP], which is not given");
    }
    if (!nb_remote) {
        const char *env = getenv("OVN_NB_DB");
        nb_remote = xstrdup(env && *env ? env : CTL_NB_DEFAULT);
    }
    if (!sb_remote) {
        const char *env = getenv("OVN_SB_DB");
        sb_remote = xstrdup(env && *env ? env : CTL_SB_DEFAULT);
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

static void
controller_env(const struct controller *c, struct ctl_env *env)
{
    *env = (struct ctl_env){
        .network_status = ctl_nb_network_status,
        .vif_status = ctl_nb_vif_status,
        .vif_bound = ctl_nb_vif_bound,
        .acl_status = ctl_nb_acl_status,
        .aux = c->nb,
        .host_sb = ctl_sb_host_info,
        .sb_aux = c->sb,
    };
}

static char *
controller_handle(void *aux, const char *line, size_t len)
{
    struct controller *c = aux;
    struct ctl_env env;
    controller_env(c, &env);
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

/* Completes the live migrations whose target took the VIF over in OVN
 * (ctl-host.h).  Returns true to be called again soon (one failed). */
static bool
controller_complete_migrations(struct controller *c)
{
    struct ctl_env env;
    controller_env(c, &env);
    bool changed;
    int n_failed = ctl_host_complete_activated(
        &c->db, &env, store_path, ctl_sb_vif_activated, c->sb, &changed);
    if (changed) {
        controller_plan(c);
    }
    return n_failed > 0;
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
    s.ssl_role = ssl_role;
    for (size_t i = 0; i < n_ssl; i++) {
        retval = xrpcs_create_ssl(ssl_names[i], &s, controller_handle, &c,
                                  &c.ssl[i]);
        if (retval) {
            ovs_fatal(retval, "--rpc=%s: cannot listen", ssl_names[i]);
        }
        VLOG_INFO("serving TLS clients (role %s) on %s",
                  xrbac_role_name(ssl_role), xrpcs_name(c.ssl[i]));
    }
    struct unixctl_server *unixctl;
    retval = unixctl_server_create(unixctl_path, &unixctl);
    if (retval) {
        ovs_fatal(retval, "%s: cannot create the control socket",
                  unixctl_path);
    }
    unixctl_command_register("exit", "", 0, 0, controller_unixctl_exit, NULL);
    c.nb = ctl_nb_create(nb_remote);
    c.sb = ctl_sb_create(sb_remote);
    controller_plan(&c);
    daemonize_complete();
    vlog_enable_async();
    VLOG_INFO("xovs-controller started: northbound %s, southbound %s, "
              "serving %s",
              nb_remote, sb_remote, rpc_path);

    long long int complete_retry = 0; /* time_msec() of a retry, or 0 */
    while (!exiting) {
        const struct json_object *before = c.db;
        xrpcs_run(c.rpc);
        for (size_t i = 0; i < n_ssl; i++) {
            xrpcs_run(c.ssl[i]);
        }
        ctl_nb_run(c.nb);
        if (ctl_sb_run(c.sb) || c.db != before
            || (complete_retry && time_msec() >= complete_retry)) {
            complete_retry = (controller_complete_migrations(&c)
                                  ? time_msec() + CTL_COMPLETE_RETRY_MS
                                  : 0);
        }
        unixctl_server_run(unixctl);
        xrpcs_wait(c.rpc);
        for (size_t i = 0; i < n_ssl; i++) {
            xrpcs_wait(c.ssl[i]);
        }
        ctl_nb_wait(c.nb);
        ctl_sb_wait(c.sb);
        if (complete_retry) {
            poll_timer_wait_until(complete_retry);
        }
        unixctl_server_wait(unixctl);
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
    }

    VLOG_INFO("xovs-controller exiting");
    xrpcs_destroy(c.rpc);
    for (size_t i = 0; i < n_ssl; i++) {
        xrpcs_destroy(c.ssl[i]);
    }
    unixctl_server_destroy(unixctl);
    ctl_nb_destroy(c.nb);
    ctl_sb_destroy(c.sb);
    json_object_put(c.db);
    xrbac_map_destroy(&c.roles);
    free(nb_remote);
    free(sb_remote);
    free(store_path);
    free(rpc_path);
    free(unixctl_path);
    return 0;
}
