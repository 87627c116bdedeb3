/* ovs-glue/ovsg-bond.c: the live status of a bond port (see ovsg.h):
 * its members' link and LACP state from the OVSDB replica, and the text of
 * ovs-vswitchd's bond/show and lacp/show, asked over its unixctl socket with
 * a deadline so that a stopped or hung ovs-vswitchd never blocks the
 * caller for more than OVSG_APPCTL_TIMEOUT_MS. */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <errno.h>
#include <string.h>
#include "daemon.h"
#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ovsg_bond);

#define OVSG_APPCTL_TIMEOUT_MS 1000 /* one bond status query, all calls */

/* ovsg-private.h has the contract. */
int
ovsg_appctl(const struct ovsg *g, const char *command, const char *arg,
            long long int deadline, char **resultp)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    char *pidfile = xasprintf("%s/ovs-vswitchd.pid", g->rundir);
    pid_t pid = read_pidfile(pidfile);
    struct jsonrpc *client = NULL;
    int error;

    *resultp = NULL;
    free(pidfile);
    if (pid <= 0) {
        VLOG_WARN_RL(&rl, "%s: no running ovs-vswitchd in %s", command,
                     g->rundir);
        return ESRCH;
    }
    char *path = xasprintf("%s/ovs-vswitchd.%ld.ctl", g->rundir, (long)pid);
    error = unixctl_client_create(path, &client);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot connect to %s (%s)", command, path,
                     ovs_strerror(error));
        free(path);
        return ESRCH; /* a pidfile but nobody listening: not running */
    }

    /* unixctl_client_transact() would wait for ever on a stopped
     * ovs-vswitchd: send, then poll for the answer with a deadline. */
    struct json *params = arg ? json_array_create_1(json_string_create(arg))
                              : json_array_create_empty();
    struct jsonrpc_msg *request
        = jsonrpc_create_request(command, params, NULL);
    struct json *id = json_clone(request->id);
    struct jsonrpc_msg *reply = NULL;
    error = jsonrpc_send(client, request);
    while (!error) {
        jsonrpc_run(client);
        error = jsonrpc_recv(client, &reply);
        if (error == EAGAIN) {
            if (time_msec() >= deadline) {
                error = ETIMEDOUT;
                break;
            }
            jsonrpc_wait(client);
            jsonrpc_recv_wait(client);
            poll_timer_wait_until(deadline);
            poll_block();
            error = 0;
        } else if (!error
                   && ((reply->type != JSONRPC_REPLY
                        && reply->type != JSONRPC_ERROR)
                       || !json_equal(reply->id, id))) {
            jsonrpc_msg_destroy(reply); /* not the answer: keep waiting */
            reply = NULL;
        } else {
            break;
        }
    }
    if (!error) {
        if (reply->error) {
            VLOG_WARN_RL(
                &rl, "%s %s via %s: %s", command, arg ? arg : "", path,
                reply->error->type == JSON_STRING ? json_string(reply->error)
                                                  : "error");
            error = EPROTO;
        } else if (reply->result && reply->result->type == JSON_STRING) {
            *resultp = xstrdup(json_string(reply->result));
        } else {
            *resultp = xstrdup("");
        }
    } else {
        VLOG_WARN_RL(&rl, "%s %s via %s: %s", command, arg, path,
                     error == ETIMEDOUT ? "no answer in time"
                                        : ovs_retval_to_string(error));
    }
    jsonrpc_msg_destroy(reply);
    json_destroy(id);
    jsonrpc_close(client);
    free(path);
    return error;
}

int
ovsg_get_bond_info(struct ovsg *g, const char *port,
                   struct ovsg_bond_info *info)
{
    const struct ovsrec_port *row = NULL, *p;

    memset(info, 0, sizeof *info);
    OVSREC_PORT_FOR_EACH (p, g->idl) {
        if (!strcmp(p->name, port) && p->n_interfaces > 1) {
            row = p;
            break;
        }
    }
    if (!row) {
        return ENOENT;
    }
    info->active_slave_mac = nullable_xstrdup(row->bond_active_slave);
    info->members = xcalloc(row->n_interfaces, sizeof *info->members);
    info->n_members = row->n_interfaces;
    for (size_t i = 0; i < row->n_interfaces; i++) {
        const struct ovsrec_interface *ir = row->interfaces[i];
        struct ovsg_bond_member *m = &info->members[i];
        m->name = xstrdup(ir->name);
        m->link_up = ir->link_state && !strcmp(ir->link_state, "up");
        m->lacp_current = ir->n_lacp_current ? *ir->lacp_current : -1;
    }
    long long int deadline = time_msec() + OVSG_APPCTL_TIMEOUT_MS;
    int error = ovsg_appctl(g, "bond/show", port, deadline, &info->bond_show);
    if (error != ETIMEDOUT && error != ESRCH && row->lacp
        && strcmp(row->lacp, "off")) {
        error = ovsg_appctl(g, "lacp/show", port, deadline, &info->lacp_show);
    }
    if (error == ETIMEDOUT || error == ESRCH) {
        ovsg_bond_info_destroy(info);
        return error;
    }
    /* ovs-vswitchd answered, if only with an error (a bond it is still
     * creating): the columns stand, the texts it refused stay NULL. */
    return 0;
}

void
ovsg_bond_info_destroy(struct ovsg_bond_info *info)
{
    if (!info) {
        return;
    }
    for (size_t i = 0; i < info->n_members; i++) {
        free(info->members[i].name);
    }
    free(info->members);
    free(info->active_slave_mac);
    free(info->bond_show);
    free(info->lacp_show);
    memset(info, 0, sizeof *info);
}
