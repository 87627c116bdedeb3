/* vif-backend/datapath.c: whether a VIF gets a net_xovs (DPDK) port or a
 * tap, when xovs-netback can give DPDK ports at all (--dpdk-dir).
 *
 * The agent's VIF record decides (other_config xovs-dpdk=true|false of the
 * VIF, else of its network: vif-list's "dpdk" field, agent/records-dpdk.c);
 * a VIF the agent has no record of (the xenstore "bridge" key plugs it)
 * gets --dpdk-default.  The record is the one the hotplug script will plug
 * (scripts/vif): the one with this domid and device, else the one record
 * with this device and the backend's "mac" that is not attached (made
 * before its domain existed, as xl's users do: the script then gives it
 * this domid), so there may be two questions, told apart by their request
 * id (DP_BY_DOMID, DP_BY_MAC).  They are asked once per probe of a VIF, so
 * a VIF replugged after its record changed moves to the other path:
 *
 *   UNKNOWN --probe--> ASKING --answer, error, timeout--> KNOWN --offline--+
 *      ^                                                                   |
 *      +-------------------------------------------------------------------+
 *
 * The question is one JSON-RPC line on its own non-blocking connection to
 * the agent; the main loop never waits for it.  No answer within
 * VIF_DP_TIMEOUT_MS, a refused connection or an error answer decide as for
 * a VIF without a record, with a log line: the VIF still comes up.  The
 * answer is read up to VIF_DP_MAX_REPLY bytes. */
#include <config.h>

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/rpc.h"
#include "openvswitch/poll-loop.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_datapath);

#define VIF_DP_TIMEOUT_MS 5000       /* then --dpdk-default decides */
#define VIF_DP_MAX_REPLY (64 * 1024) /* bytes of the agent's answer */
#define VIF_DP_MAX_MAC 32            /* bytes of a usable "mac" key */

/* The question's request id. */
enum { DP_BY_DOMID = 1, DP_BY_MAC = 2 };

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

static void
dp_close(struct vif *vif)
{
    if (vif->dp_fd >= 0) {
        close(vif->dp_fd);
        vif->dp_fd = -1;
    }
    ds_destroy(&vif->dp_reply);
    ds_init(&vif->dp_reply);
}

static void
dp_decide(struct vif *vif, bool dpdk, const char *why)
{
    dp_close(vif);
    vif->dp_state = VIF_DP_KNOWN;
    vif->dp_want = dpdk;
    vif->dirty = true; /* vif_xb_update() probes it now */
    VLOG_INFO("%s: %s data path: %s", vif->name, dpdk ? "DPDK" : "tap", why);
}

static void dp_default(struct vif_backend *be, struct vif *vif,
                       const char *fmt, ...) OVS_PRINTF_FORMAT(3, 4);

static void
dp_default(struct vif_backend *be, struct vif *vif, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *why = xvasprintf(fmt, args);
    va_end(args);
    char *msg = xasprintf("%s; --dpdk-default=%s", why,
                          be->dpdk_default ? "yes" : "no");
    dp_decide(vif, be->dpdk_default, msg);
    free(msg);
    free(why);
}

/* Connects to the agent and sends the question: the record with 'vif''s
 * domid and device, or if 'mac' is nonnull, the unattached ones with its
 * device and 'mac'.  Returns 0 or an errno. */
static int
dp_ask(struct vif_backend *be, struct vif *vif, const char *mac)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    const char *path = be->agent_rpc + 5; /* "unix:" checked by the caller */

    if (strlen(path) >= sizeof sun.sun_path) {
        return ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return errno;
    }
    /* A unix connect completes at once or fails (EAGAIN: backlog full). */
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        int error = errno;
        close(fd);
        return error;
    }
    struct json_object *params = json_object_new_object();
    char num[16];
    if (mac) {
        json_object_object_add(params, "MAC", json_object_new_string(mac));
        json_object_object_add(params, "currently-attached",
                               json_object_new_string("false"));
    } else {
        snprintf(num, sizeof num, "%u", vif->domid);
        json_object_object_add(params, "domid", json_object_new_string(num));
    }
    snprintf(num, sizeof num, "%u", vif->devid);
    json_object_object_add(params, "device", json_object_new_string(num));
    json_object_object_add(params, "params", json_object_new_string("dpdk"));
    char *line
        = xrpc_request_line(mac ? DP_BY_MAC : DP_BY_DOMID, "vif-list", params);
    json_object_put(params);
    /* A fresh socket's buffer takes a line of ~100 bytes whole. */
    ssize_t n = send(fd, line, strlen(line), MSG_NOSIGNAL);
    int error = n < 0 ? errno : (size_t)n != strlen(line) ? EAGAIN : 0;
    free(line);
    if (error) {
        close(fd);
        return error;
    }
    vif->dp_fd = fd;
    return 0;
}

bool
vif_dp_decided(struct vif_backend *be, struct vif *vif)
{
    if (!be->dpdk_dir) {
        vif->dp_want = false;
        return true;
    }
    if (vif->dp_state == VIF_DP_KNOWN) {
        return true;
    }
    if (vif->dp_state == VIF_DP_ASKING) {
        return false;
    }
    if (!be->agent_rpc || strncmp(be->agent_rpc, "unix:", 5)) {
        dp_default(be, vif, "no agent to ask");
        return true;
    }
    int error = dp_ask(be, vif, NULL);
    if (error) {
        dp_default(be, vif, "cannot ask the agent at %s (%s)", be->agent_rpc,
                   ovs_strerror(error));
        return true;
    }
    vif->dp_state = VIF_DP_ASKING;
    vif->dp_deadline = time_msec() + VIF_DP_TIMEOUT_MS;
    return false;
}

/* No record has 'vif''s domid and device: asks for the unattached ones
 * with its device and the MAC the toolstack wrote in its backend
 * directory. */
static void
dp_ask_by_mac(struct vif_backend *be, struct vif *vif)
{
    char *mac = vif->be_path ? vif_xb_read(be, vif->be_path, "mac") : NULL;

    dp_close(vif);
    if (!mac || !mac[0] || strlen(mac) > VIF_DP_MAX_MAC) {
        dp_default(be, vif,
                   "no VIF record for domid %u device %u (and no "
                   "usable mac in its backend directory)",
                   vif->domid, vif->devid);
    } else {
        /* The first question's deadline holds for both: libxl gives the
         * backend 10 s to reach InitWait. */
        int error = dp_ask(be, vif, mac);
        if (error) {
            dp_default(be, vif, "cannot ask the agent at %s (%s)",
                       be->agent_rpc, ovs_strerror(error));
        }
    }
    free(mac);
}

/* The agent's answer 'line' for 'vif'. */
static void
dp_answer(struct vif_backend *be, struct vif *vif, const char *line,
          size_t len)
{
    struct json_object *response = NULL, *result = NULL;
    const char *message = NULL;
    int code = 0;
    char *bad
        = xrpc_parse_response(line, len, &response, &code, &result, &message);
    struct json_object *id = NULL;
    bool by_mac = (response && json_object_object_get_ex(response, "id", &id)
                   && json_object_get_int(id) == DP_BY_MAC);

    if (bad) {
        dp_default(be, vif, "the agent's answer is not valid: %s", bad);
        free(bad);
    } else if (code) {
        dp_default(be, vif, "the agent refused vif-list: %.200s",
                   message ? message : "");
    } else if (!json_object_is_type(result, json_type_array)) {
        dp_default(be, vif, "the agent's vif-list answer is not a list");
    } else if (!by_mac && !json_object_array_length(result)) {
        dp_ask_by_mac(be, vif);
    } else if (by_mac && json_object_array_length(result) != 1) {
        dp_default(be, vif,
                   "no VIF record for domid %u device %u, and %zu unattached "
                   "ones with its device and MAC (the hotplug script plugs "
                   "it by its bridge key)",
                   vif->domid, vif->devid, json_object_array_length(result));
    } else {
        struct json_object *row = json_object_array_get_idx(result, 0);
        struct json_object *dpdk = NULL;
        json_object_object_get_ex(row, "dpdk", &dpdk);
        if (!json_object_is_type(dpdk, json_type_boolean)) {
            dp_default(be, vif,
                       "the agent's VIF record has no \"dpdk\" "
                       "field (an older agent)");
        } else {
            dp_decide(vif, json_object_get_boolean(dpdk),
                      by_mac ? "other-config:xovs-dpdk of the unattached VIF "
                               "record with its MAC, or of its network"
                             : "other-config:xovs-dpdk of its VIF record or "
                               "network");
        }
    }
    json_object_put(response);
}

void
vif_dp_run(struct vif_backend *be, struct vif *vif)
{
    if (vif->dp_state != VIF_DP_ASKING) {
        return;
    }
    for (;;) {
        char buf[4096];
        ssize_t n = recv(vif->dp_fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            break;
        } else if (n <= 0) {
            dp_default(be, vif, "the agent closed the connection (%s)",
                       n < 0 ? ovs_strerror(errno) : "end of file");
            return;
        }
        ds_put_buffer(&vif->dp_reply, buf, n);
        char *nl = memchr(vif->dp_reply.string, '\n', vif->dp_reply.length);
        if (nl) {
            dp_answer(be, vif, vif->dp_reply.string,
                      nl - vif->dp_reply.string);
            return;
        }
        if (vif->dp_reply.length > VIF_DP_MAX_REPLY) {
            dp_default(be, vif, "the agent's answer is longer than %d bytes",
                       VIF_DP_MAX_REPLY);
            return;
        }
    }
    if (time_msec() >= vif->dp_deadline) {
        VLOG_WARN_RL(&rl, "%s: the agent did not answer within %d ms",
                     vif->name, VIF_DP_TIMEOUT_MS);
        dp_default(be, vif, "the agent did not answer");
    }
}

void
vif_dp_wait(const struct vif *vif)
{
    if (vif->dp_state == VIF_DP_ASKING) {
        poll_fd_wait(vif->dp_fd, POLLIN);
        poll_timer_wait_until(vif->dp_deadline);
    }
}

void
vif_dp_reset(struct vif *vif)
{
    dp_close(vif);
    vif->dp_state = VIF_DP_UNKNOWN;
}
