/* agent/xovs-agent.c: xovs-agent, the management daemon.
 *
 * One poll loop (libopenvswitch's) drives three things:
 *   - the JSON-RPC servers (rpc-server.c): the admin socket serves every
 *     method, the internal socket only what xovs-netback and the hotplug
 *     script need (rpc.h's xrpc_internal_allow), so neither a client that
 *     hogs the admin socket nor a mutating request reaches them; each
 *     request line runs through xapi_handle_line() (api.c); a change is
 *     written to the durable store before it becomes the live database;
 *   - reconcile: after every change, records -> desired state (reconcile.c);
 *   - ovs-glue: makes OVS match the desired state, and keeps it matching when
 *     OVS changes underneath (drift, ovsdb-server/ovs-vswitchd restarts).
 *
 * Wire format (docs/api.md): newline-delimited JSON-RPC 2.0 objects.
 *
 * Every option has a default that fits a Debian dom0 (see usage()), so
 * `xovs-agent --detach` alone serves /run/xovs/agent.sock (and
 * /run/xovs/agent-internal.sock) for the OVS of Debian's openvswitch-switch;
 * the directories of the store and of the sockets are created when
 * missing.  A unixctl socket (default /run/xovs/xovs-agent.ctl) answers
 * `exit` and vlog's commands. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "agent/api.h"
#include "agent/metrics.h"
#include "agent/ifaddr.h"
#include "agent/pifscan.h"
#include "agent/portstats.h"
#include "agent/reconcile-ethtool.h"
#include "agent/reconcile-pif-ip.h"
#include "agent/reconcile.h"
#include "agent/rpc-server.h"
#include "agent/rpc.h"
#include "agent/records.h"
#include "agent/store.h"
#include "bonding/bond.h"
#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "lib/xovs-dirs.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovs-glue/ovsg.h"
#include "smap.h"
#include "sset.h"
#include "stream.h"
#include "svec.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(xovs_agent);

struct agent {
    struct xrec_db db;
    char *store_path;
    struct xstore *store; /* the open store: journal + snapshot */
    /* The desired switch state of the records a request is changing them
     * to, built once by agent_verify() and reused by agent_reconcile() if
     * the change is committed. */
    struct ovsg_state next_state;
    bool have_next_state;
    /* Or, for a change of plain VIFs only, just its ports
     * (reconcile-incr.c), patched into the glue's state. */
    struct xrc_patch patch;
    bool have_patch;
    char *datapath_type;
    struct ovsg *glue;
    struct xrpcs *rpc;          /* the admin socket: every method */
    struct xrpcs *rpc_internal; /* netback and hotplug; NULL if none */
    struct xrpcs *rpc_ssl;      /* --rpc=pssl:...; NULL if none */
    struct shash vif_stats;     /* reported by xovs-netback; see xapi_env */
    struct xrbac_map roles;     /* who may do what (rbac.h) */

    /* Observability (metrics.h, portstats.h). */
    struct xps ports;                /* live traffic of the records' ports */
    long long next_sample;           /* time_msec() of the next sample */
    long long last_sample;           /* time_msec() of the last one */
    bool sample_due;                 /* an update asked for a sample */
    struct xmet *metrics;            /* --metrics endpoint, or NULL */
    long long unsynced_since;        /* time_msec() since OVS differs, 0 */
    unsigned long long n_reconciles; /* desired states handed to OVS */
    unsigned long long n_requests;   /* RPC requests answered */
    unsigned long long n_errors;     /* ... with an error */
    /* Desired states built from every record, or from a change's own. */
    unsigned long long n_builds_whole, n_builds_patch;
    /* Tunnels' transport addresses ("BRIDGE A.B.C.D/N") this agent put on
     * their bridges, and when to check them again (LLONG_MAX: never). */
    struct svec addrs_added;
    struct svec routes_added;    /* "BRIDGE GATEWAY" default routes added */
    struct smap ethtool_applied; /* device -> ethtool-* settings applied */
    long long int addrs_next;
    /* NIC replacement: PIFs whose NIC pif-scan found replaced under the
     * same name (a new MAC).  OVS keeps a port open on the device it first
     * found, so their ports leave OVS once and come back ('replugging'
     * while the first half is applied). */
    struct sset replug;
    bool replugging;
};

/* The interfaces whose counters changed are observed as their change
 * arrives (ovsg_iface_stats_take(), xps_update()); a sample of every port
 * (xps_sample(): it reads every interface of the replica) runs this often
 * per AGENT_SAMPLE_PORTS ports held (a port that stops moving must go to
 * rate 0, a record change be seen) ... */
#define AGENT_SAMPLE_MS 1000
#define AGENT_SAMPLE_PORTS 500
/* ... and at most this often when an update asks for one (a PIF's or a
 * bond member's counters, many interfaces at once). */
#define AGENT_SAMPLE_MIN_MS 200

#define AGENT_STORE_DEFAULT "/var/lib/xovs/records.json"

static char *ovsdb_remote; /* malloc'd after parse_options() */
static const char *store_path;
static char *rpc_path;          /* malloc'd after parse_options() */
static char *rpc_internal_path; /* malloc'd; "" after --rpc-internal= */
static size_t rpc_max_conns = XRPCS_MAX_CONNS_DEFAULT;
static long long rpc_idle_timeout_ms = XRPCS_IDLE_TIMEOUT_DEFAULT_MS;
static char *unixctl_path;     /* malloc'd after parse_options() */
static const char *roles_path; /* --roles; NULL: the built-in map */
static int rpc_mode = -1;
static const char *rpc_owner_name; /* --rpc-owner, --rpc-group as given */
static const char *rpc_group_name;
static uid_t rpc_owner = (uid_t)-1;
static gid_t rpc_group = (gid_t)-1;
/* --rpc=pssl:PORT[:IP] (TLS), its key, certificate, CA and role. */
static const char *rpc_ssl_name;
static const char *ssl_key, *ssl_cert, *ssl_ca;
static enum xrbac_role rpc_ssl_role = XRBAC_SSL_DEFAULT;
static const char *metrics_target; /* --metrics; NULL: no endpoint */
/* Each change appends to FILE.journal (the default), or rewrites FILE
 * whole (--store-snapshot). */
static bool store_journal = true;
static char *datapath_type;
static bool exiting;

OVS_NO_RETURN static void
usage(void)
{
    char *rpc = xovs_default_agent_rpc();
    printf("%s: the xovs management agent\n"
           "usage: %s [OPTIONS]\n"
           "  --ovsdb=unix:PATH      OVSDB server of the switch to manage\n"
           "                         (default unix:%s/db.sock)\n"
           "  --store=FILE           durable record store (JSON; default\n"
           "                         %s); each change appends to\n"
           "                         FILE.journal, folded into FILE when\n"
           "                         large and at exit (FILE.bak: the last)\n"
           "  --store-snapshot       each change rewrites FILE whole instead\n"
           "                         (the journal is folded in at start)\n"
           "  --store-journal        the default (accepted for old scripts)\n"
           "  --rpc=unix:PATH        where to serve the JSON-RPC API\n"
           "                         (default %s)\n"
           "  --rpc=pssl:PORT[:IP]   also serve it over mutual TLS, with\n"
           "                         --private-key=FILE, --certificate=FILE\n"
           "                         and --ca-cert=FILE (the clients' CA)\n"
           "  --rpc-ssl-role=ROLE    TLS clients' role (default read-only)\n"
           "  --rpc-internal=unix:PATH  the socket for xovs-netback and\n"
           "                         the vif hotplug script: stats reports\n"
           "                         and VIF hotplug verbs only (default\n"
           "                         unix:%s/agent-internal.sock;\n"
           "                         empty: none)\n"
           "  --rpc-max-conns=N      clients per socket (default %d); more\n"
           "                         are refused with an error\n"
           "  --rpc-idle-timeout=SECS  close a connection silent that long\n"
           "                         (default %d; 0: never)\n"
           "  --roles=FILE           role map: uid:/user:/gid:/group: lines\n"
           "                         to none|read-only|vm-operator|\n"
           "                         pool-admin (default: root and the\n"
           "                         agent's user pool-admin, others none)\n"
           "  --rpc-owner=USER       owner of the admin socket's file\n"
           "  --rpc-group=GROUP      its group (default the agent's)\n"
           "  --rpc-mode=MODE        its mode, octal (default 0770)\n"
           "  --metrics=ADDR:PORT|unix:PATH  serve Prometheus metrics\n"
           "                         (GET /metrics; default: none)\n"
           "  --unixctl=PATH         control socket (exit, vlog/set;\n"
           "                         default %s/%s.ctl)\n"
           "  --datapath-type=TYPE   netdev | system (default: system if\n"
           "                         the openvswitch module is loaded)\n",
           program_name, program_name, ovs_rundir(), AGENT_STORE_DEFAULT, rpc,
           xovs_rundir(), XRPCS_MAX_CONNS_DEFAULT,
           XRPCS_IDLE_TIMEOUT_DEFAULT_MS / 1000, xovs_rundir(), program_name);
    free(rpc);
    daemon_usage();
    vlog_usage();
    exit(EXIT_SUCCESS);
}

static unsigned long
parse_count(const char *name, const char *arg, unsigned long min,
            unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno || *end || !*arg || arg[0] == '-' || v < min || v > max) {
        ovs_fatal(0, "--%s: \"%s\" is not a number in %lu..%lu", name, arg,
                  min, max);
    }
    return v;
}

/* A numeric user or group id for option 'name' ('kind' is "user" or
 * "group": 'arg' is not one by name either). */
static unsigned int
parse_id(const char *name, const char *arg, const char *kind)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno || *end || !*arg || arg[0] == '-' || v >= UINT_MAX) {
        ovs_fatal(0, "--%s: no %s \"%s\" on this host", name, kind, arg);
    }
    return v;
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_OVSDB = UCHAR_MAX + 1,
        OPT_STORE,
        OPT_STORE_JOURNAL,
        OPT_STORE_SNAPSHOT,
        OPT_RPC,
        OPT_RPC_INTERNAL,
        OPT_RPC_MAX_CONNS,
        OPT_RPC_IDLE_TIMEOUT,
        OPT_ROLES,
        OPT_RPC_OWNER,
        OPT_RPC_GROUP,
        OPT_RPC_MODE,
        OPT_SSL_KEY,
        OPT_SSL_CERT,
        OPT_SSL_CA,
        OPT_RPC_SSL_ROLE,
        OPT_METRICS,
        OPT_UNIXCTL,
        OPT_DATAPATH_TYPE,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"ovsdb", required_argument, NULL, OPT_OVSDB},
        {"store", required_argument, NULL, OPT_STORE},
        {"store-journal", no_argument, NULL, OPT_STORE_JOURNAL},
        {"store-snapshot", no_argument, NULL, OPT_STORE_SNAPSHOT},
        {"rpc", required_argument, NULL, OPT_RPC},
        {"rpc-internal", required_argument, NULL, OPT_RPC_INTERNAL},
        {"rpc-max-conns", required_argument, NULL, OPT_RPC_MAX_CONNS},
        {"rpc-idle-timeout", required_argument, NULL, OPT_RPC_IDLE_TIMEOUT},
        {"roles", required_argument, NULL, OPT_ROLES},
        {"rpc-owner", required_argument, NULL, OPT_RPC_OWNER},
        {"rpc-group", required_argument, NULL, OPT_RPC_GROUP},
        {"rpc-mode", required_argument, NULL, OPT_RPC_MODE},
        {"private-key", required_argument, NULL, OPT_SSL_KEY},
        {"certificate", required_argument, NULL, OPT_SSL_CERT},
        {"ca-cert", required_argument, NULL, OPT_SSL_CA},
        {"rpc-ssl-role", required_argument, NULL, OPT_RPC_SSL_ROLE},
        {"metrics", required_argument, NULL, OPT_METRICS},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"datapath-type", required_argument, NULL, OPT_DATAPATH_TYPE},
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
        case OPT_OVSDB:
            free(ovsdb_remote);
            ovsdb_remote = xstrdup(optarg);
            break;
        case OPT_STORE:
            store_path = optarg;
            break;
        case OPT_STORE_JOURNAL:
            store_journal = true;
            break;
        case OPT_STORE_SNAPSHOT:
            store_journal = false;
            break;
        case OPT_RPC:
            if (!strncmp(optarg, "pssl:", 5)) {
                char *bad = xrpcs_check_ssl_name(optarg);
                if (bad) {
                    ovs_fatal(0, "--rpc: %s", bad);
                }
                rpc_ssl_name = optarg;
                break;
            }
            if (strncmp(optarg, "unix:", 5)) {
                ovs_fatal(0,
                          "--rpc: \"%s\" must be unix:PATH or "
                          "pssl:PORT[:IP]",
                          optarg);
            }
            free(rpc_path);
            rpc_path = xstrdup(optarg + 5);
            break;
        case OPT_RPC_INTERNAL:
            if (*optarg && strncmp(optarg, "unix:", 5)) {
                ovs_fatal(0,
                          "--rpc-internal: \"%s\" must be unix:PATH or "
                          "empty",
                          optarg);
            }
            free(rpc_internal_path);
            rpc_internal_path = xstrdup(*optarg ? optarg + 5 : "");
            break;
        case OPT_RPC_MAX_CONNS:
            rpc_max_conns = parse_count("rpc-max-conns", optarg, 1, 400);
            break;
        case OPT_RPC_IDLE_TIMEOUT:
            rpc_idle_timeout_ms
                = parse_count("rpc-idle-timeout", optarg, 0, 86400) * 1000LL;
            break;
        case OPT_ROLES:
            roles_path = optarg;
            break;
        case OPT_RPC_OWNER:
            rpc_owner_name = optarg;
            break;
        case OPT_RPC_GROUP:
            rpc_group_name = optarg;
            break;
        case OPT_RPC_MODE: {
            char *end;
            unsigned long mode = strtoul(optarg, &end, 8);
            if (!*optarg || *end || mode > 07777) {
                ovs_fatal(0,
                          "--rpc-mode: \"%s\" is not an octal mode "
                          "(e.g. 0660)",
                          optarg);
            }
            rpc_mode = mode;
            break;
        }
        case OPT_SSL_KEY:
            ssl_key = optarg;
            break;
        case OPT_SSL_CERT:
            ssl_cert = optarg;
            break;
        case OPT_SSL_CA:
            ssl_ca = optarg;
            break;
        case OPT_RPC_SSL_ROLE:
            if (!xrbac_role_from_name(optarg, &rpc_ssl_role)) {
                ovs_fatal(0,
                          "--rpc-ssl-role: \"%s\" is not a role (none, "
                          "read-only, vm-operator, pool-admin)",
                          optarg);
            }
            break;
        case OPT_METRICS:
            metrics_target = optarg;
            break;
        case OPT_UNIXCTL:
            free(unixctl_path);
            unixctl_path = xstrdup(optarg);
            break;
        case OPT_DATAPATH_TYPE:
            if (strcmp(optarg, "netdev") && strcmp(optarg, "system")) {
                ovs_fatal(0,
                          "--datapath-type: \"%s\" is not netdev or "
                          "system",
                          optarg);
            }
            datapath_type = optarg;
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
    /* Names resolved after the loop, so that --help works without them. */
    if (rpc_owner_name) {
        const struct passwd *pw = getpwnam(rpc_owner_name);
        rpc_owner = (pw ? pw->pw_uid
                        : parse_id("rpc-owner", rpc_owner_name, "user"));
    }
    if (rpc_group_name) {
        const struct group *gr = getgrnam(rpc_group_name);
        rpc_group = (gr ? gr->gr_gid
                        : parse_id("rpc-group", rpc_group_name, "group"));
    }
    if (optind != argc) {
        ovs_fatal(0, "unexpected argument \"%s\" (try --help)", argv[optind]);
    }
    if (rpc_ssl_name) {
        char *error = xrpcs_ssl_configure(ssl_key, ssl_cert, ssl_ca);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
    } else if (ssl_key || ssl_cert || ssl_ca) {
        ovs_fatal(0, "--private-key, --certificate and --ca-cert are for "
                     "--rpc=pssl:PORT[:IP], which is not given");
    }
    if (!ovsdb_remote) {
        ovsdb_remote = xasprintf("unix:%s/db.sock", ovs_rundir());
    }
    if (!store_path) {
        store_path = AGENT_STORE_DEFAULT;
    }
    if (!rpc_path) {
        char *rpc = xovs_default_agent_rpc();
        rpc_path = xstrdup(rpc + 5);
        free(rpc);
    }
    if (!*rpc_path) {
        ovs_fatal(0, "--rpc: the socket path is empty");
    }
    if (!rpc_internal_path) {
        rpc_internal_path = xasprintf("%s/agent-internal.sock", xovs_rundir());
    }
    if (!unixctl_path) {
        unixctl_path = xovs_default_unixctl();
    }
}

/* Loads the role map into 'map' (initialized): --roles, or nothing (the
 * built-in rules).  Returns NULL or a malloc'd message. */
static char *
agent_load_roles(struct xrbac_map *map)
{
    xrbac_map_init(map, geteuid());
    return roles_path ? xrbac_map_load(map, roles_path) : NULL;
}

/* roles/reload: reads --roles again; on an error the old map stays. */
static void
agent_unixctl_roles_reload(struct unixctl_conn *conn, int argc OVS_UNUSED,
                           const char *argv[] OVS_UNUSED, void *a_)
{
    struct agent *a = a_;
    struct xrbac_map map;
    char *error = agent_load_roles(&map);
    if (error) {
        VLOG_WARN("roles/reload: %s; keeping the role map in use", error);
        unixctl_command_reply_error(conn, error);
        free(error);
        xrbac_map_destroy(&map);
        return;
    }
    xrbac_map_destroy(&a->roles);
    a->roles = map;
    VLOG_INFO("role map reloaded from %s",
              roles_path ? roles_path : "(built-in)");
    unixctl_command_reply(conn, NULL);
}

/* Folds the journal into the snapshot when the agent leaves: PATH alone is
 * the store again, for an administrator or a tool to read.  Run on the way
 * out of main() and, through a fatal-signal hook, on SIGTERM (how a service
 * manager stops the agent), between two turns of the main loop. */
static void
agent_checkpoint(struct agent *a)
{
    char *error = xstore_checkpoint(a->store, &a->db);
    if (error) {
        VLOG_WARN("%s (the changes are safe in %s.journal)", error,
                  a->store_path);
        free(error);
    }
}

/* The agent whose store the hook below folds; NULL once it is closed. */
static struct agent *checkpoint_agent;

static void
agent_exit_hook(void *aux OVS_UNUSED)
{
    if (checkpoint_agent) {
        agent_checkpoint(checkpoint_agent);
        checkpoint_agent = NULL;
    }
}

static void
agent_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    exiting = true;
    unixctl_command_reply(conn, NULL);
}

/* Creates the directory of each of 'paths' (NULL-terminated) if missing:
 * on a fresh host neither /run/xovs nor /var/lib/xovs exist yet. */
static void
agent_make_dirs(const char *paths[])
{
    for (size_t i = 0; paths[i]; i++) {
        int error = xovs_mkdirs_for(paths[i]);
        if (error) {
            ovs_fatal(error, "cannot create the directory of %s", paths[i]);
        }
    }
}

/* The kernel datapath where the openvswitch module is loaded (a real dom0),
 * the userspace datapath everywhere else. */
static const char *
default_datapath_type(void)
{
    struct stat st;
    return stat("/sys/module/openvswitch", &st) ? "netdev" : "system";
}

/* How often the tunnels' transport addresses are checked: soon while a
 * bridge is still being created, then now and then (an OVS restart
 * recreates the bridge's interface without them). */
#define AGENT_ADDR_RETRY_MS 500
#define AGENT_ADDR_CHECK_MS 5000

/* Puts the tunnels' transport addresses on their bridges and takes away
 * the ones this agent added that no tunnel wants any more. */
static void
agent_sync_addrs(struct agent *a)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 30);
    struct svec want = SVEC_EMPTY_INITIALIZER;
    bool pending = false;

    xrc_tunnel_addresses(&a->db, &want);
    xrc_pif_ip_addresses(&a->db, &want);
    for (size_t i = 0; i < want.n; i++) {
        char *br = xstrdup(want.names[i]);
        char *prefix = strchr(br, ' ');
        bool added;
        *prefix++ = '\0';
        int error = xifa_add(br, prefix, &added);
        if (error) {
            pending = true;
            if (error != ENODEV) {
                VLOG_WARN_RL(&rl, "%s: cannot add transport address %s (%s)",
                             br, prefix, ovs_strerror(error));
            }
        } else if (added) {
            VLOG_INFO("%s: address %s added (tunnel or PIF IP)", br, prefix);
            if (!svec_contains_unsorted(&a->addrs_added, want.names[i])) {
                svec_add(&a->addrs_added, want.names[i]);
            }
        }
        free(br);
    }
    struct svec keep = SVEC_EMPTY_INITIALIZER;
    for (size_t i = 0; i < a->addrs_added.n; i++) {
        const char *s = a->addrs_added.names[i];
        if (svec_contains_unsorted(&want, s)) {
            svec_add(&keep, s);
            continue;
        }
        char *br = xstrdup(s);
        char *prefix = strchr(br, ' ');
        *prefix++ = '\0';
        int error = xifa_del(br, prefix);
        if (!error) {
            VLOG_INFO("%s: address %s removed (no tunnel or PIF uses it)", br,
                      prefix);
        } else if (error != ENODEV && error != EADDRNOTAVAIL) {
            VLOG_WARN_RL(&rl, "%s: cannot remove transport address %s (%s)",
                         br, prefix, ovs_strerror(error));
        }
        free(br);
    }
    svec_swap(&keep, &a->addrs_added);
    svec_destroy(&keep);
    pending |= xrc_pif_ip_sync_routes(&a->db, &a->routes_added);
    a->addrs_next = (pending  ? time_msec() + AGENT_ADDR_RETRY_MS
                     : want.n ? time_msec() + AGENT_ADDR_CHECK_MS
                              : LLONG_MAX);
    svec_destroy(&want);
}

static void
agent_drop_next_state(struct agent *a)
{
    if (a->have_next_state) {
        ovsg_state_destroy(&a->next_state);
        a->have_next_state = false;
    }
    if (a->have_patch) {
        xrc_patch_destroy(&a->patch);
        a->have_patch = false;
    }
}

/* xapi_env's verify(): xrc_verify() against the state the glue already
 * holds for the records before 'change' (as last reconciled), building the
 * one for 'after' once, for agent_reconcile() to reuse. */
static char *
agent_verify(const void *aux, const struct xrec_change *change,
             const struct xrec_db *after)
{
    struct agent *a = CONST_CAST(struct agent *, aux);
    agent_drop_next_state(a);
    if (sset_is_empty(&a->replug)
        && xrc_build_patch(change, after, ovsg_get_desired(a->glue),
                           &a->patch)) {
        /* A change of plain VIFs: only their ports (reconcile-incr.c). */
        a->have_patch = true;
        a->n_builds_patch++;
        return xrc_verify_patch(a->glue, &a->patch);
    }
    xrc_build(after, a->datapath_type, &a->next_state);
    a->n_builds_whole++;
    a->have_next_state = true;
    return xrc_verify_states(a->glue, ovsg_get_desired(a->glue),
                             &a->next_state);
}

/* xapi_env's record_status() ('aux' is the agent). */
static const char *
agent_record_status(const void *aux, const char *uuid, const char **error)
{
    const struct agent *a = aux;
    return xrc_record_status(a->glue, uuid, error);
}

static void agent_sync_host(struct agent *);

static void
agent_reconcile(struct agent *a)
{
    struct ovsg_state desired;
    if (!sset_is_empty(&a->replug)) {
        /* First without the replaced NICs' ports; agent_run() reconciles
         * again once OVS has dropped them. */
        struct xrec_db without;
        agent_drop_next_state(a);
        xrec_db_clone(&without, &a->db);
        const char *uuid;
        SSET_FOR_EACH (uuid, &a->replug) {
            struct xrec_pif *pif = xrec_find_pif(&without, uuid);
            if (pif) {
                pif->currently_attached = false;
            }
            /* A bond member is an interface of its bond's port: the bond
             * goes on without it for the moment. */
            struct xrec_bond *bond = xrec_find_bond_by_slave(&without, uuid);
            if (bond) {
                struct svec left = SVEC_EMPTY_INITIALIZER;
                const char *m;
                size_t i;
                SVEC_FOR_EACH (i, m, &bond->slaves) {
                    if (strcmp(m, uuid)) {
                        svec_add(&left, m);
                    }
                }
                svec_swap(&left, &bond->slaves);
                svec_destroy(&left);
            }
        }
        sset_clear(&a->replug);
        a->replugging = true;
        xrc_build(&without, a->datapath_type, &desired);
        a->n_builds_whole++;
        xrec_db_destroy(&without);
    } else if (a->have_patch) {
        ovsg_patch_desired(a->glue, &a->patch.remove_names,
                           &a->patch.remove_records, &a->patch.add);
        xrc_patch_destroy(&a->patch);
        a->have_patch = false;
        a->n_reconciles++;
        agent_sync_host(a);
        return;
    } else if (a->have_next_state) {
        desired = a->next_state;
        a->have_next_state = false;
    } else {
        xrc_build(&a->db, a->datapath_type, &desired);
        a->n_builds_whole++;
    }
    ovsg_set_desired(a->glue, &desired);
    a->n_reconciles++;
    agent_sync_host(a);
}

/* What the records ask of the host itself (links, ethtool settings,
 * addresses), after every reconcile. */
static void
agent_sync_host(struct agent *a)
{
    /* Plugged NICs up, as xapi's PIF.plug does (the kernel datapath leaves
     * a port's link as it finds it). */
    struct svec links = SVEC_EMPTY_INITIALIZER;
    xrc_links_up(&a->db, &links);
    for (size_t i = 0; i < links.n; i++) {
        bool raised;
        int error = xpif_link_up(links.names[i], &raised);
        if (raised) {
            VLOG_INFO("%s: link set up (plugged PIF)", links.names[i]);
        } else if (error == ENODEV) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 30);
            VLOG_WARN_RL(&rl,
                         "%s: a plugged PIF's NIC is missing (xovs pif-scan "
                         "tells where it went; pif-list shows it "
                         "disconnected)",
                         links.names[i]);
        } else if (error) {
            VLOG_WARN("%s: cannot set the link up (%s)", links.names[i],
                      ovs_strerror(error));
        }
    }
    svec_destroy(&links);
    xrc_ethtool_sync(&a->db, &a->ethtool_applied);
    agent_sync_addrs(a);
}

/* xapi_env's iface_bfd(): from the glue's replica. */
static int
agent_iface_bfd(void *aux, const char *iface, struct smap *bfd_status)
{
    struct agent *a = aux;
    return ovsg_get_iface_bfd(a->glue, iface, bfd_status);
}

/* xapi_commit_fn: the records reach the disk before they become live. */
static char *
agent_commit(void *aux, const struct xrec_change *change,
             const struct xrec_db *after)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 60);
    struct agent *a = aux;
    if (!store_journal) {
        char *error = xstore_save(a->store_path, after);
        if (error) {
            VLOG_ERR("%s", error);
        }
        return error;
    }
    char *error = xstore_commit_change(a->store, change, after);
    if (error) {
        VLOG_ERR("%s", error);
    }
    char *warning = xstore_take_warning(a->store);
    if (warning) {
        VLOG_WARN_RL(&rl,
                     "%s (the change is safe in the journal; "
                     "compaction is retried later)",
                     warning);
        free(warning);
    }
    return error;
}

/* xapi_env's bond_status(): the switch's view of bond port 'device', from
 * ovs-glue (status columns, bond/show, lacp/show) parsed by bonding/. */
static int
agent_bond_status(void *aux, const char *device, struct bond_status *st)
{
    struct agent *a = aux;
    struct ovsg_bond_info info;
    bool have_lacp = false;
    int error = ovsg_get_bond_info(a->glue, device, &info);

    if (error) {
        return error;
    }
    if (info.bond_show) {
        bond_status_parse_bond_show(info.bond_show, st);
    }
    if (info.lacp_show) {
        have_lacp = bond_status_parse_lacp_show(info.lacp_show, st);
    }
    for (size_t i = 0; i < info.n_members; i++) {
        const struct ovsg_bond_member *om = &info.members[i];
        struct bond_member_status *m = bond_status_find_member(st, om->name);
        if (!m && st->n_members < BOND_STATUS_MAX_MEMBERS) {
            m = &st->members[st->n_members++];
            snprintf(m->name, sizeof m->name, "%s", om->name);
        }
        if (m) {
            m->link_up = om->link_up;
            /* The Interface column is OVS's "not defaulted" (true while
             * expired too): only a stand-in when lacp/show gave nothing. */
            if (!have_lacp && om->lacp_current >= 0) {
                m->lacp_current = om->lacp_current;
            }
        }
    }
    if (!st->active_mac[0] && info.active_slave_mac) {
        snprintf(st->active_mac, sizeof st->active_mac, "%s",
                 info.active_slave_mac);
    }
    ovsg_bond_info_destroy(&info);
    return 0;
}

/* xrpcs_handle_fn for both sockets: one request, then reconcile if it
 * changed the records. */
static char *
agent_handle(void *aux, const char *line, size_t len)
{
    struct agent *a = aux;
    const struct xapi_env env = {
        .scan = xpif_scan,
        .bond_status = agent_bond_status,
        .iface_bfd = agent_iface_bfd,
        .aux = a,
        .vif_stats = &a->vif_stats,
        /* Ownership and partial failure (reconcile.h). */
        .verify = agent_verify,
        .record_status = agent_record_status,
        .status_aux = a,
        .port_stats = &a->ports,
    };
    bool changed = false;
    struct smap macs = SMAP_INITIALIZER(&macs);
    for (size_t i = 0; i < a->db.n_pifs; i++) {
        const struct xrec_pif *pif = a->db.pifs[i];
        if (pif->physical) {
            smap_add(&macs, pif->uuid, pif->mac);
        }
    }
    char *reply
        = xapi_handle_line(&a->db, &env, line, len, agent_commit, a, &changed);
    for (size_t i = 0; changed && i < a->db.n_pifs; i++) {
        const struct xrec_pif *pif = a->db.pifs[i];
        const char *old = smap_get(&macs, pif->uuid);
        if (pif->physical && old && strcmp(old, pif->mac)) {
            VLOG_INFO("PIF %s: NIC %s replaced (MAC %s, was %s): "
                      "re-opening its port",
                      pif->uuid, pif->device, pif->mac, old);
            sset_add(&a->replug, pif->uuid);
        }
    }
    smap_destroy(&macs);
    if (changed) {
        agent_reconcile(a);
    } else {
        /* Rejected or not saved: 'a->db' is as before. */
        agent_drop_next_state(a);
    }
    /* The agent built 'reply': an error's member name cannot occur
     * unescaped inside a result's strings. */
    a->n_requests++;
    a->n_errors += strstr(reply, ",\"error\":{\"code\":") != NULL;
    return reply;
}

/* Serves 'path' (a socket path) for 'a'; 'allow' as in xrpcs_settings. */
static struct xrpcs *
agent_listen(struct agent *a, const char *path, const char *name,
             const struct xrpc_allow *allow)
{
    struct xrpcs_settings s;
    struct xrpcs *server;

    xrpcs_settings_init(&s, name);
    s.max_conns = rpc_max_conns;
    s.idle_timeout_ms = rpc_idle_timeout_ms;
    s.allow = allow;
    s.roles = &a->roles;
    if (allow) {
        /* The internal socket: netback and the hotplug script need no more
         * than vm-operator, whoever runs them. */
        s.max_role = XRBAC_VM_OPERATOR;
    } else {
        s.refuse = xrpc_internal_only;
        s.mode = rpc_mode;
        s.owner = rpc_owner;
        s.group = rpc_group;
    }
    int error = xrpcs_create(path, &s, agent_handle, a, &server);
    if (error) {
        ovs_fatal(error, "cannot listen on %s", path);
    }
    return server;
}

/* xmet_render_fn: one scrape. */
static void
agent_render_metrics(void *a_, struct ds *out)
{
    struct agent *a = a_;
    long long now = time_msec();
    struct ovsg_counters glue;
    ovsg_get_counters(a->glue, &glue);
    const struct xmet_source src = {
        .db = &a->db,
        .ports = &a->ports,
        .vif_stats = &a->vif_stats,
        .record_status = xrc_record_status,
        .status_aux = a->glue,
        .now_ms = time_wall_msec(),
        .reconcile_lag_ms = a->unsynced_since ? now - a->unsynced_since : 0,
        .n_reconciles = a->n_reconciles,
        .n_requests = a->n_requests,
        .glue = glue,
        .n_errors = a->n_errors,
        .n_builds_whole = a->n_builds_whole,
        .n_builds_patch = a->n_builds_patch,
    };
    xmet_render(out, &src);
}

/* Observes the interfaces whose counters changed, samples every port now
 * and then (see AGENT_SAMPLE_MS), and notes whether OVS matches the
 * records. */
static void
agent_observe(struct agent *a)
{
    long long now = time_msec();

    if (ovsg_is_synced(a->glue)) {
        a->unsynced_since = 0;
    } else if (!a->unsynced_since) {
        a->unsynced_since = now;
    }

    struct shash changed = SHASH_INITIALIZER(&changed);
    struct sset gone = SSET_INITIALIZER(&gone);
    ovsg_iface_stats_take(a->glue, &changed, &gone);
    if ((!shash_is_empty(&changed) || !sset_is_empty(&gone))
        && now < a->next_sample
        && !xps_update(&a->ports, &a->db, &changed, &gone, time_wall_msec())) {
        a->sample_due = true;
    }
    shash_destroy_free_data(&changed);
    sset_destroy(&gone);
    if (now < a->next_sample
        && (!a->sample_due || now < a->last_sample + AGENT_SAMPLE_MIN_MS)) {
        return;
    }
    a->sample_due = false;
    a->last_sample = now;

    struct shash ifaces = SHASH_INITIALIZER(&ifaces);
    ovsg_iface_stats_all(a->glue, &ifaces);
    a->ports.interval_ms = ovsg_stats_interval_ms(a->glue);
    xps_sample(&a->ports, &a->db, &ifaces, time_wall_msec());
    a->next_sample = now
                     + AGENT_SAMPLE_MS
                           * MAX(1, shash_count(&ifaces) / AGENT_SAMPLE_PORTS);
    shash_destroy_free_data(&ifaces);
}

static void
agent_run(struct agent *a)
{
    xrpcs_run(a->rpc);
    if (a->rpc_ssl) {
        xrpcs_run(a->rpc_ssl);
    }
    if (a->rpc_internal) {
        xrpcs_run(a->rpc_internal);
    }
    ovsg_run(a->glue);
    if (a->replugging && ovsg_is_synced(a->glue)) {
        a->replugging = false;
        agent_reconcile(a);
    }
    agent_observe(a);
    if (a->metrics) {
        xmet_run(a->metrics);
    }
    if (time_msec() >= a->addrs_next) {
        agent_sync_addrs(a);
    }
}

static void
agent_wait(struct agent *a)
{
    xrpcs_wait(a->rpc);
    if (a->rpc_ssl) {
        xrpcs_wait(a->rpc_ssl);
    }
    if (a->rpc_internal) {
        xrpcs_wait(a->rpc_internal);
    }
    ovsg_wait(a->glue);
    poll_timer_wait_until(a->sample_due ? a->last_sample + AGENT_SAMPLE_MIN_MS
                                        : a->next_sample);
    if (a->metrics) {
        xmet_wait(a->metrics);
    }
    if (a->addrs_next != LLONG_MAX) {
        poll_timer_wait_until(a->addrs_next);
    }
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    parse_options(argc, argv);

    struct agent a;
    memset(&a, 0, sizeof a);
    char *cwd = get_cwd();
    a.store_path = abs_file_name(cwd, store_path);
    char *rpc = abs_file_name(cwd, rpc_path);
    char *rpc_internal
        = *rpc_internal_path ? abs_file_name(cwd, rpc_internal_path) : NULL;
    free(cwd);
    if (rpc_internal && !strcmp(rpc, rpc_internal)) {
        ovs_fatal(0, "--rpc and --rpc-internal are both %s", rpc);
    }
    a.datapath_type
        = xstrdup(datapath_type ? datapath_type : default_datapath_type());

    agent_make_dirs(
        (const char *[]){a.store_path, rpc, unixctl_path, rpc_internal, NULL});
    xrec_db_init(&a.db);
    shash_init(&a.vif_stats);
    svec_init(&a.addrs_added);
    sset_init(&a.replug);
    svec_init(&a.routes_added);
    smap_init(&a.ethtool_applied);
    a.addrs_next = LLONG_MAX;
    struct xstore_load_info info;
    char *error = xstore_load_ex(a.store_path, &a.db, &info);
    if (error) {
        ovs_fatal(0, "%s", error);
    }
    if (info.torn) {
        VLOG_WARN("%s.journal: dropped a torn last entry (a change that was "
                  "never answered)",
                  a.store_path);
    }
    a.store = xstore_open(a.store_path, info.journal_len, info.snapshot_size);
    checkpoint_agent = &a;
    fatal_signal_add_hook(agent_exit_hook, NULL, NULL, true);
    if (!store_journal) {
        /* Left by a run with the journal: into the snapshot first, or
         * replaying it later would undo the changes saved whole. */
        error = xstore_checkpoint(a.store, &a.db);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
    }
    error = agent_load_roles(&a.roles);
    if (error) {
        ovs_fatal(0, "%s", error);
    }
    xps_init(&a.ports);
    char *metrics_pstream = NULL;
    if (metrics_target) {
        error = xmet_parse_target(metrics_target, &metrics_pstream);
        if (error) {
            ovs_fatal(0, "%s", error);
        }
    }

    daemonize_start(false);
    a.rpc = agent_listen(&a, rpc, "admin", NULL);
    if (rpc_internal) {
        a.rpc_internal
            = agent_listen(&a, rpc_internal, "internal", xrpc_internal_allow);
    }
    if (rpc_ssl_name) {
        struct xrpcs_settings s;
        xrpcs_settings_init(&s, "tls");
        s.max_conns = rpc_max_conns;
        s.idle_timeout_ms = rpc_idle_timeout_ms;
        s.refuse = xrpc_internal_only;
        s.ssl_role = rpc_ssl_role;
        int serror
            = xrpcs_create_ssl(rpc_ssl_name, &s, agent_handle, &a, &a.rpc_ssl);
        if (serror) {
            ovs_fatal(serror, "--rpc=%s: cannot listen", rpc_ssl_name);
        }
        VLOG_INFO("serving TLS clients (role %s) on %s",
                  xrbac_role_name(rpc_ssl_role), xrpcs_name(a.rpc_ssl));
    }
    if (metrics_pstream) {
        int merror = xmet_create(metrics_pstream, agent_render_metrics, &a,
                                 &a.metrics);
        if (merror) {
            ovs_fatal(merror, "--metrics: cannot listen on %s",
                      metrics_target);
        }
        free(metrics_pstream);
    }
    struct unixctl_server *unixctl;
    int retval = unixctl_server_create(unixctl_path, &unixctl);
    if (retval) {
        ovs_fatal(retval, "%s: cannot create the control socket",
                  unixctl_path);
    }
    unixctl_command_register("exit", "", 0, 0, agent_unixctl_exit, NULL);
    unixctl_command_register("roles/reload", "", 0, 0,
                             agent_unixctl_roles_reload, &a);
    a.glue = ovsg_create(ovsdb_remote);
    /* Start-up safety: an empty store must not delete xovs's bridges. */
    error = xrc_startup_check(a.glue, &a.db, a.store_path);
    if (error) {
        ovs_fatal(0, "%s", error);
    }
    daemonize_complete();
    vlog_enable_async();
    VLOG_INFO("xovs-agent started: %" PRIuSIZE " networks, %" PRIuSIZE
              " PIFs, %" PRIuSIZE " VIFs; datapath %s; serving %s%s%s",
              a.db.n_networks, a.db.n_pifs, a.db.n_vifs, a.datapath_type, rpc,
              rpc_internal ? " and (internal) " : "",
              rpc_internal ? rpc_internal : "");
    agent_reconcile(&a);
    free(rpc);
    free(rpc_internal);

    while (!exiting) {
        agent_run(&a);
        unixctl_server_run(unixctl);
        agent_wait(&a);
        unixctl_server_wait(unixctl);
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
    }

    VLOG_INFO("xovs-agent exiting");
    xrpcs_destroy(a.rpc);
    xrpcs_destroy(a.rpc_internal);
    xrpcs_destroy(a.rpc_ssl);
    unixctl_server_destroy(unixctl);
    ovsg_destroy(a.glue);
    agent_drop_next_state(&a);
    agent_checkpoint(&a);
    checkpoint_agent = NULL;
    xstore_close(a.store);
    xrec_db_destroy(&a.db);
    shash_destroy_free_data(&a.vif_stats);
    xrbac_map_destroy(&a.roles);
    xmet_destroy(a.metrics);
    xps_destroy(&a.ports);
    svec_destroy(&a.addrs_added);
    sset_destroy(&a.replug);
    svec_destroy(&a.routes_added);
    smap_destroy(&a.ethtool_applied);
    free(a.store_path);
    free(a.datapath_type);
    free(ovsdb_remote);
    free(rpc_path);
    free(rpc_internal_path);
    free(unixctl_path);
    return 0;
}
