/* vif-backend/xenbus.c: the per-VIF xenbus state machine of xovs-netback
 * and its feature negotiation (Linux netback's xenbus.c); the backend
 * object that owns the VIFs, watches xenstore and drives this is in
 * backend.c.
 *
 * backend.c watches /local/domain/<us>/backend/vif (every domid and
 * devid), each plugged frontend's directory and @releaseDomain.  A watch
 * event only marks its VIF dirty (events coalesce, so a guest rewriting its
 * nodes in a loop costs at most one re-read per poll loop, XSA-349, and
 * within its budget, see below); vif_xb_update() then re-evaluates the
 * VIF from what xenstore says now.
 *
 * Backend state (ours, in <backend>/state) against the frontend's:
 *
 *   backend dir appears
 *        |  probe: write features, open the port (tap vifD.N), run the
 *        |  hotplug script "online", remove any old hotplug-status
 *        v
 *   +-----------+   frontend Initialised or Connected: read and validate
 *   | InitWait  |---  its keys, map rings, bind channels ------+
 *   +-----------+                                              |
 *        ^   ^   invalid key / map failure: error node,        v
 *        |   |   Closing, wait for the frontend   +------------------------+
 *        |   |                                    | rings up, waiting for  |
 *        |   |                                    | hotplug-status=        |
 *        |   |                                    | connected              |
 *        |   |                                    +------------------------+
 *        |   |                                                 |
 *        |   | frontend Initialising (reconnect)               v
 *        |   +------------------------------------------- +-----------+
 *        |                                                | Connected |
 *        |  frontend Initialising                         +-----------+
 *        |                                                      |
 *   +-----------+   frontend Closed    +-----------+  frontend Closing,
 *   |  Closed   |<---------------------|  Closing  |<-- or online=0
 *   +-----------+                      +-----------+
 *        |  online=0, frontend gone (state missing or Unknown) or its
 *        v  domain released/died: hotplug "offline", port removed, the
 *   +-----------+  frontend no longer watched ("unplugged")
 *   |unplugged  |  probed again only when the toolstack sets the backend
 *   +-----------+  state to Initialising (re-creates the directory), as
 *                  Linux's xenbus; forgotten when the directory goes.
 *
 * Guest isolation.  A frontend's watch events are acted on within a
 * per-VIF budget (VIF_FE_UPDATE_BURST, then VIF_FE_UPDATE_RATE a second;
 * further changes wait, coalesced), so a guest flipping its state costs
 * bounded work; since an unplugged VIF ignores its frontend, a guest
 * cannot cycle its tap and hotplug script at all.  Lines a guest can cause
 * go through its VIF's own rate limit (VIF_GLOG).
 *
 * xenstore errors.  Every failed xenstore call is told apart from a
 * missing node by its errno: ENOENT is absence, anything else decides
 * nothing (the VIF is re-read XS_ERROR_RETRY_MS later); backend.c handles
 * a lost connection.
 *
 * Protocol violations on the rings disable the VIF (interface.c) without a
 * state change, as Linux does; the frontend recovers by reconnecting.
 *
 * On start-up every existing backend/vif entry is probed like a new one:
 * tap reopened (it outlived the old process), our own hotplug script run
 * again (its old hotplug-status removed first; a toolstack's stays).  A
 * frontend found Initialised/Connected while the backend node still says
 * InitWait/Connected is re-attached to its live rings where the old
 * backend left them (BACK_RING_ATTACH), with no state change: that is the
 * only way an unmodified Linux netfront, which ignores InitWait once
 * Connected, gets its VIF back.  With any other backend state the VIF goes
 * to InitWait and we connect only once the frontend's ring keys have
 * changed (a renegotiation, as netfront's resume path does), so we never
 * attach to rings it is tearing down.  Changed ring keys while
 * connected (a renegotiation whose state changes the watch coalesced) also
 * reconnect.
 */
#include <config.h>

#include <errno.h>
#include <linux/if_tun.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "openvswitch/dynamic-string.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_xenbus);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define XS_ERROR_RETRY_MS 1000 /* a VIF whose re-read failed: again */

static const char *const state_names[] = {
    "Unknown", "Initialising", "InitWait",      "Initialised",  "Connected",
    "Closing", "Closed",       "Reconfiguring", "Reconfigured",
};

const char *
vif_xb_state_name(int state)
{
    return (state >= 0 && state < (int)ARRAY_SIZE(state_names)
                ? state_names[state]
                : "invalid");
}

/* ---------------------------------------------------------------------- */
/* xenstore helpers. */

/* Counts and logs a failed xenstore call on 'path' (errno 'error'). */
void
vif_xb_error(struct vif_backend *be, const char *what, const char *path,
             int error)
{
    be->n_xs_errors++;
    VLOG_WARN_RL(&rl, "xenstore %s %s failed: %s", what, path,
                 ovs_strerror(error));
}

/* The value of 'dir'/'key' ('dir' itself if 'key' is NULL), malloc'd, or
 * NULL with errno ENOENT if it does not exist, or NULL with another errno
 * if xenstore could not tell (counted in 'n_xs_errors', logged): absence
 * and failure are not the same, and only absence may tear anything down. */
char *
vif_xb_read(struct vif_backend *be, const char *dir, const char *key)
{
    if (!be->xs) {
        be->n_xs_errors++;
        errno = ENOTCONN;
        return NULL;
    }
    char *path = key ? xasprintf("%s/%s", dir, key) : xstrdup(dir);
    unsigned int len;
    char *value = xs_read(be->xs, XBT_NULL, path, &len);
    int error = value ? 0 : (errno ? errno : EIO);

    if (error && error != ENOENT) {
        vif_xb_error(be, "read of", path, error);
    }
    free(path);
    errno = error;
    return value;
}

static bool
xb_write(struct vif_backend *be, const char *dir, const char *key,
         const char *value)
{
    if (!be->xs) {
        return false;
    }
    char *path = xasprintf("%s/%s", dir, key);
    bool ok = xs_write(be->xs, XBT_NULL, path, value, strlen(value));
    if (!ok) {
        VLOG_WARN_RL(&rl, "cannot write %s: %s", path, ovs_strerror(errno));
    }
    free(path);
    return ok;
}

static void
xb_rm(struct vif_backend *be, const char *dir, const char *key)
{
    if (!be->xs) {
        return;
    }
    char *path = xasprintf("%s/%s", dir, key);
    xs_rm(be->xs, XBT_NULL, path);
    free(path);
}

void
vif_xb_set_state(struct vif_backend *be, struct vif *vif, int state)
{
    if (vif->be_state != state) {
        VIF_GLOG(VLL_INFO, vif, "backend %s -> %s (frontend %s)",
                 vif_xb_state_name(vif->be_state), vif_xb_state_name(state),
                 vif_xb_state_name(vif->fe_state));
    }
    vif->be_state = state;
    if (!be->xs) {
        return;
    }
    char text[16];
    snprintf(text, sizeof text, "%d", state);

    /* As Linux's xenbus_switch_state(): only while the backend directory
     * still exists.  The toolstack removing it (xl destroy) races with us,
     * and a blind write would recreate the directory with just "state" in
     * it, so its removal would never be seen. */
    char *path = xasprintf("%s/state", vif->be_path);
    for (int attempt = 0; attempt < 10; attempt++) {
        xs_transaction_t t = xs_transaction_start(be->xs);
        if (t == XBT_NULL) {
            break;
        }
        unsigned int len;
        char *cur = xs_read(be->xs, t, path, &len);
        bool ok = cur && xs_write(be->xs, t, path, text, strlen(text));
        free(cur);
        if (xs_transaction_end(be->xs, t, !ok) || errno != EAGAIN) {
            break;
        }
    }
    free(path);
}

/* Like Linux's xenbus_dev_fatal(): logs, writes the error node, marks the
 * VIF failed and goes to Closing. */
static void OVS_PRINTF_FORMAT(4, 5)
    xb_fail(struct vif_backend *be, struct vif *vif, int error,
            const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *msg = xvasprintf(format, args);
    va_end(args);

    VIF_GLOG(VLL_ERR, vif, "%s; the VIF is not connected", msg);
    char *dir = xasprintf("/local/domain/%u/error/backend/vif/%u/%u",
                          be->domid, vif->domid, vif->devid);
    char *text = xasprintf("%d %s", error, msg);
    xb_write(be, dir, "error", text);
    free(text);
    free(dir);
    free(msg);

    vif_disconnect(vif);
    vif->failed = true;
    vif_xb_set_state(be, vif, XenbusStateClosing);
}

/* Reads unsigned 'key' of 'dir' into '*value': 'dflt' if absent and not
 * 'required'.  On a missing required key or a bad value, fails the VIF
 * and returns false. */
static bool
xb_get_uint(struct vif_backend *be, struct vif *vif, const char *dir,
            const char *key, bool required, unsigned long long dflt,
            unsigned long long min, unsigned long long max,
            unsigned long long *value)
{
    char *text = vif_xb_read(be, dir, key);

    if (!text && errno != ENOENT) {
        return false; /* xenstore failed: nothing is decided */
    }
    if (!text) {
        if (required) {
            xb_fail(be, vif, ENOENT, "%s/%s is missing", dir, key);
            return false;
        }
        *value = dflt;
        return true;
    }
    bool ok = vif_parse_uint(text, min, max, value);
    if (!ok) {
        xb_fail(be, vif, EINVAL,
                "%s/%s: \"%.32s\" is not a number in "
                "%llu..%llu",
                dir, key, text, min, max);
    }
    free(text);
    return ok;
}

static bool
xb_get_bool(struct vif_backend *be, struct vif *vif, const char *key,
            bool *value)
{
    unsigned long long v;

    if (!xb_get_uint(be, vif, vif->fe_path, key, false, 0, 0, 1, &v)) {
        return false;
    }
    *value = v;
    return true;
}

static bool
parse_mac(const char *s)
{
    unsigned int b[6];
    char tail;

    return (s && strlen(s) == 17
            && sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
                      &b[3], &b[4], &b[5], &tail)
                   == 6);
}

/* ---------------------------------------------------------------------- */
/* The state machine. */

static void
xb_apply_rate(struct vif_backend *be, struct vif *vif)
{
    char *text = vif_xb_read(be, vif->be_path, "rate");

    if (nullable_string_is_equal(text, vif->rate_text)) {
        free(text);
        return;
    }
    uint64_t bytes = 0, usec = 0;
    if (text && !vif_rate_parse(text, &bytes, &usec)) {
        VLOG_WARN("%s: rate \"%.32s\" is not BYTES,USEC; traffic "
                  "unlimited",
                  vif->name, text);
        bytes = usec = 0;
    } else if (text) {
        VLOG_INFO("%s: rate %" PRIu64 " bytes per %" PRIu64 " us", vif->name,
                  bytes, usec);
    }
    free(vif->rate_text);
    vif->rate_text = text;
    vif->rate_bytes = bytes;
    vif->rate_usec = usec;
}

static bool
xb_write_features(struct vif_backend *be, struct vif *vif)
{
    char max_queues[16];
    /* A DPDK VIF: as many queues (net_xovs hands them all to OVS), frames
     * of one mbuf (net_xovs's limit). */
    snprintf(max_queues, sizeof max_queues, "%u", be->max_queues);
    bool gso = !vif->tx_sw_csum && !vif->dpdk;
    const char *const features[][2] = {
        {"feature-sg", vif->dpdk ? "0" : "1"},
        {"feature-gso-tcpv4", gso ? "1" : "0"},
        {"feature-gso-tcpv6", gso ? "1" : "0"},
        {"feature-ipv6-csum-offload", "1"},
        {"feature-rx-copy", "1"},
        {"feature-rx-flip", "0"},
        {"feature-multicast-control", "1"},
        {"feature-dynamic-multicast-control", "1"},
        {"feature-split-event-channels", "1"},
        {"multi-queue-max-queues", max_queues},
        {"feature-ctrl-ring", "1"},
    };

    for (int attempt = 0; be->xs && attempt < 10; attempt++) {
        xs_transaction_t t = xs_transaction_start(be->xs);
        if (t == XBT_NULL) {
            break;
        }
        bool ok = true;
        for (size_t i = 0; ok && i < ARRAY_SIZE(features); i++) {
            char *path = xasprintf("%s/%s", vif->be_path, features[i][0]);
            ok = xs_write(be->xs, t, path, features[i][1],
                          strlen(features[i][1]));
            free(path);
        }
        /* What the hotplug script gives OVS for a DPDK VIF's port. */
        char *path = xasprintf("%s/xovs-dpdk-devargs", vif->be_path);
        if (ok && vif->dpdk) {
            char *devargs = xasprintf("net_xovs_%u_%u,path=%s", vif->domid,
                                      vif->devid, vif->dpdk_path);
            ok = xs_write(be->xs, t, path, devargs, strlen(devargs));
            free(devargs);
        } else if (ok) {
            ok = xs_rm(be->xs, t, path) || errno == ENOENT;
        }
        free(path);
        if (xs_transaction_end(be->xs, t, !ok) && ok) {
            return true;
        }
        if (ok || errno != EAGAIN) {
            if (errno != EAGAIN) {
                break;
            }
        }
    }
    VLOG_ERR("%s: cannot write feature keys: %s", vif->name,
             ovs_strerror(errno));
    return false;
}

/* The frontend's ring keys (top level and queue-0), malloc'd: when they
 * change, the frontend has set up new rings even if we never saw its state
 * leave Connected (watch events coalesce). */
static char *
xb_fe_signature(struct vif_backend *be, const struct vif *vif)
{
    static const char *const keys[] = {
        "tx-ring-ref",         "rx-ring-ref",      "event-channel",
        "event-channel-tx",    "event-channel-rx", "queue-0/tx-ring-ref",
        "queue-0/rx-ring-ref", "ctrl-ring-ref",    "multi-queue-num-queues",
    };
    struct ds sig = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        char *v = vif_xb_read(be, vif->fe_path, keys[i]);
        ds_put_format(&sig, "%s|", v ? v : "-");
        free(v);
    }
    return ds_steal_cstr(&sig);
}

enum vif_offload
vif_offload_detect(const char **why)
{
    unsigned int flags;
    struct stat st;
    FILE *f = fopen("/sys/class/net/ovs-netdev/tun_flags", "r");

    if (f) {
        bool ok = fscanf(f, "%x", &flags) == 1;
        fclose(f);
        if (ok && flags & IFF_VNET_HDR) {
            *why = "OVS userspace datapath with userspace-tso-enable=true";
            return VIF_OFFLOAD_ON;
        }
        *why = "OVS userspace datapath without userspace TSO";
        return VIF_OFFLOAD_OFF;
    }
    if (!stat("/sys/class/net/ovs-system", &st)) {
        *why = "OVS kernel datapath";
        return VIF_OFFLOAD_ON;
    }
    if (!stat("/sys/module/openvswitch", &st)) {
        *why = "openvswitch kernel module loaded";
        return VIF_OFFLOAD_ON;
    }
    *why = "no OVS kernel datapath (assuming the userspace datapath)";
    return VIF_OFFLOAD_OFF;
}

/* The offload mode for a VIF probed now; logs what AUTO chose when that
 * changes. */
static enum vif_offload
xb_offload(struct vif_backend *be)
{
    if (be->offload != VIF_OFFLOAD_AUTO) {
        return be->offload;
    }
    const char *why;
    enum vif_offload o = vif_offload_detect(&why);
    if (o != be->last_offload) {
        VLOG_INFO("offloads %s for new VIFs: %s",
                  o == VIF_OFFLOAD_ON ? "on (GSO, partial checksums)"
                                      : "off (no GSO, checksums in software)",
                  why);
        be->last_offload = o;
    }
    return o;
}

/* Watches the frontend directory of 'vif' (if not yet).  Returns false
 * (logged) on failure. */
bool
vif_xb_watch_fe(struct vif_backend *be, struct vif *vif)
{
    if (vif->fe_watched) {
        return true;
    }
    if (!be->xs) {
        return false;
    }
    char token[32];
    snprintf(token, sizeof token, "fe:%u:%u", vif->domid, vif->devid);
    if (!xs_watch(be->xs, vif->fe_path, token)) {
        vif_xb_error(be, "watch of", vif->fe_path, errno ? errno : EIO);
        return false;
    }
    vif->fe_watched = true;
    return true;
}

/* Stops watching the frontend directory of 'vif': the frontend's changes
 * no longer cost us anything (Linux unregisters the device). */
void
vif_xb_unwatch_fe(struct vif_backend *be, struct vif *vif)
{
    if (vif->fe_watched && be->xs) {
        char token[32];
        snprintf(token, sizeof token, "fe:%u:%u", vif->domid, vif->devid);
        xs_unwatch(be->xs, vif->fe_path, token);
    }
    vif->fe_watched = false;
    vif->fe_dirty = false;
}

/* Whether 'vif' gets a DPDK port (net_xovs, --dpdk-dir) or a tap, as
 * datapath.c found out.  An open port keeps its kind.  DPDK's port table is
 * small (VIF_DPDK_MAX): beyond it a VIF falls back to tap, and says so. */
static void
xb_choose_datapath(struct vif_backend *be, struct vif *vif)
{
    if (vif->port) {
        return;
    }
    vif->dpdk = false;
    if (!be->dpdk_dir || !vif->dp_want) {
        return;
    }
    if (be->n_dpdk >= be->max_dpdk) {
        VLOG_WARN("%s: %" PRIuSIZE " DPDK VIFs already (--dpdk-max-vifs; "
                  "DPDK's RTE_MAX_ETHPORTS is 32): this VIF gets a tap port",
                  vif->name, be->n_dpdk);
        return;
    }
    vif->dpdk = true;
    free(vif->dpdk_path);
    vif->dpdk_path = xasprintf("%s/%s.sock", be->dpdk_dir, vif->name);
}

/* First sight of a backend directory (or of a new frontend after the old
 * one went): everything up to InitWait. */
static void
xb_probe(struct vif_backend *be, struct vif *vif)
{
    unsigned long long fe_id;

    if (!vif->port && !vif_dp_decided(be, vif)) {
        return; /* the agent's answer makes the VIF dirty again */
    }

    free(vif->fe_path);
    vif->fe_path = vif_xb_read(be, vif->be_path, "frontend");
    if (!vif->fe_path || strlen(vif->fe_path) > 200
        || vif->fe_path[0] != '/') {
        VLOG_WARN_RL(&rl, "%s: no usable %s/frontend yet", vif->name,
                     vif->be_path);
        free(vif->fe_path);
        vif->fe_path = NULL;
        return;
    }
    char *id = vif_xb_read(be, vif->be_path, "frontend-id");
    bool id_ok = id && vif_parse_uint(id, 0, VIF_DOMID_MAX, &fe_id)
                 && fe_id == vif->domid;
    free(id);
    if (!id_ok) {
        VLOG_WARN_RL(&rl, "%s: %s/frontend-id missing or not %u", vif->name,
                     vif->be_path, vif->domid);
        return;
    }

    if (!vif_xb_watch_fe(be, vif)) {
        return;
    }

    vif->probed = true;
    vif->gone = false;
    vif->failed = false;
    vif->be_state = XenbusStateInitialising;
    vif->tx_sw_csum = xb_offload(be) == VIF_OFFLOAD_OFF;
    xb_choose_datapath(be, vif);
    if (!xb_write_features(be, vif)) {
        vif->failed = true;
        return;
    }
    /* hotplug-status belongs to whoever runs the script: ours runs again
     * below and writes it anew; a toolstack's (xl) does not run again, and
     * its word still holds for the port it plugged (taps outlive us). */
    if (be->hotplug_script && be->hotplug_script[0]) {
        xb_rm(be, vif->be_path, "hotplug-status");
    }
    vif->hotplug_connected = false;
    if (!vif->port) {
        vif->port_class = vif->dpdk ? &vif_port_dpdk : be->port_class;
        int error = vif_port_open(vif->port_class, vif->name,
                                  be->max_queues > 1, &vif->port);
        if (error) {
            xb_fail(be, vif, error, "cannot create port %s: %s", vif->name,
                    ovs_strerror(error));
            return;
        }
        vif_port_set_carrier(vif->port, false);
        vif->carrier = false;
        if (vif->dpdk) {
            be->n_dpdk++;
        }
    }
    /* A DPDK VIF's port starts with one rx queue; xb_dpdk_plug() plugs it
     * again for a frontend that connects more queues. */
    vif->dpdk_queues = 1;
    xb_rm(be, vif->be_path, "xovs-dpdk-queues");
    vif_hotplug_request("online", vif->name, vif->be_path);

    /* A frontend already Initialised/Connected set its rings up with an
     * earlier incarnation of this backend: we were restarted.  If that
     * backend had reached InitWait or Connected, the rings were published
     * for it and are still granted to us: take them over as they are
     * (BACK_RING_ATTACH resumes at the shared indices), without going
     * through InitWait -- Linux netfront ignores an InitWait once it is
     * Connected and would never reconnect.  Any other backend state makes
     * the rings suspect: InitWait, and wait for the frontend to set up new
     * ones (netfront_resume() does, after a migration). */
    char *fs = vif_xb_read(be, vif->fe_path, "state");
    char *bs = vif_xb_read(be, vif->be_path, "state");
    bool fe_up = fs && (!strcmp(fs, "3") || !strcmp(fs, "4"));
    bool be_up = bs && (!strcmp(bs, "2") || !strcmp(bs, "4"));
    free(fs);
    free(bs);
    free(vif->fe_sig);
    vif->fe_sig = NULL;
    vif->await_reset = false;
    if (fe_up && be_up) {
        VLOG_INFO("%s: frontend already connected to an earlier backend: "
                  "taking its rings over",
                  vif->name);
        vif->be_state = XenbusStateInitWait; /* connects in vif_xb_update() */
        return;
    }
    if (fe_up) {
        vif->await_reset = true;
        vif->fe_sig = xb_fe_signature(be, vif);
    }
    vif_xb_set_state(be, vif, XenbusStateInitWait);
}

/* Closes the VIF's port and removes the device. */
void
vif_xb_port_destroy(struct vif *vif)
{
    if (vif->port && vif->dpdk && vif->be) {
        vif->be->n_dpdk--;
    }
    vif_port_destroy(vif->port);
    vif->port = NULL;
}

/* Lets the platform forget 'vif''s domain once no other VIF of that domain
 * is in use (emu: our connection to the guest closed, its memory unmapped
 * and its memfd closed; Xen: nothing).  Whatever took the VIF down, the
 * domain is let go here: before, a domain whose connection had broken (a
 * hung guest whose request got no answer) stayed held for good once its
 * VIF was freed (backend directory removed), as neither @releaseDomain
 * (which looks only at VIFs still there) nor the closed socket (ours was
 * already closed) then released it.  A VIF probed again connects anew. */
static void
xb_release_domain_if_unused(struct vif_backend *be, const struct vif *vif)
{
    const struct vif *other;

    HMAP_FOR_EACH (other, node, &be->vifs) {
        if (other != vif && other->domid == vif->domid
            && (other->probed || other->port || other->n_queues
                || other->ctrl_connected)) {
            return;
        }
    }
    vif_platform_release_domain(vif->platform, vif->domid);
}

/* The frontend is gone or the VIF went offline: everything back down, and
 * the frontend is no longer watched.  The VIF is probed again only once
 * the toolstack sets it up again (see vif_xb_update()). */
void
vif_xb_offline(struct vif_backend *be, struct vif *vif)
{
    vif_disconnect(vif);
    vif->disabled = false;
    vif_xb_unwatch_fe(be, vif);
    if (vif->port) {
        vif_hotplug_request("offline", vif->name, vif->be_path);
        vif_xb_port_destroy(vif);
    }
    if (vif->probed) {
        xb_rm(be, vif->be_path, "hotplug-status");
    }
    vif->probed = false;
    vif->gone = true;
    vif->hotplug_connected = false;
    vif_dp_reset(vif); /* a replug asks again */
    xb_release_domain_if_unused(be, vif);
}

/* A DPDK VIF's port: OVS polls it with one rx queue per VIF queue
 * (net_xovs, xovs_rxq), so the hotplug script gives it options:n_rxq from
 * xovs-dpdk-queues.  The count is known only once the frontend has
 * connected, and the script ran at probe (the port must exist for the
 * hand-off), with one rx queue: a frontend that connects another number of
 * queues gets its port plugged again with that many (the driver lets go of
 * the rings with the old port, and the hand-off is retried on the new
 * one).  One-queue VIFs, the common case, are plugged once. */
static void
xb_dpdk_plug(struct vif_backend *be, struct vif *vif, unsigned int n_queues)
{
    char text[16];

    if (!vif->dpdk || vif->dpdk_queues == n_queues) {
        return;
    }
    snprintf(text, sizeof text, "%u", n_queues);
    if (!xb_write(be, vif->be_path, "xovs-dpdk-queues", text)) {
        return; /* logged; tried again on the VIF's next update */
    }
    VLOG_INFO("%s: %u queues: plugging its port again for %u rx queues",
              vif->name, n_queues, n_queues);
    xb_rm(be, vif->be_path, "hotplug-status");
    vif->hotplug_connected = false;
    vif->dpdk_queues = n_queues;
    vif_hotplug_request("online", vif->name, vif->be_path);
}

/* Reads the frontend's keys and connects the rings.  Returns true if the
 * VIF is connected; on failure the VIF is failed (error node, Closing). */
static bool
xb_connect(struct vif_backend *be, struct vif *vif)
{
    const char *fe = vif->fe_path;
    unsigned long long v, n_queues;
    struct vif_features f;
    bool no_csum = false;

    memset(&f, 0, sizeof f);
    if (!xb_get_uint(be, vif, fe, "request-rx-copy", true, 0, 0, 1, &v)) {
        return false;
    }
    if (v != 1) {
        xb_fail(be, vif, EOPNOTSUPP,
                "%s/request-rx-copy is 0: only copying "
                "receivers are supported",
                fe);
        return false;
    }
    if (!xb_get_bool(be, vif, "feature-rx-notify", &f.rx_notify)
        || !xb_get_bool(be, vif, "feature-sg", &f.sg)
        || !xb_get_bool(be, vif, "feature-gso-tcpv4", &f.gso4)
        || !xb_get_bool(be, vif, "feature-gso-tcpv6", &f.gso6)
        || !xb_get_bool(be, vif, "feature-no-csum-offload", &no_csum)
        || !xb_get_bool(be, vif, "feature-ipv6-csum-offload", &f.ipv6_csum)
        || !xb_get_bool(be, vif, "request-multicast-control",
                        &f.mcast_control)) {
        return false;
    }
    f.ip_csum = !no_csum;
    if (!xb_get_uint(be, vif, fe, "multi-queue-num-queues", false, 1, 1,
                     be->max_queues, &n_queues)) {
        return false;
    }

    char *mac = vif_xb_read(be, vif->be_path, "mac");
    if (mac && !parse_mac(mac)) {
        xb_fail(be, vif, EINVAL, "%s/mac: \"%.32s\" is not a MAC address",
                vif->be_path, mac);
        free(mac);
        return false;
    }
    free(mac);

    struct vif_queue_config cfgs[VIF_MAX_QUEUES];
    for (size_t i = 0; i < n_queues; i++) {
        struct vif_queue_config *c = &cfgs[i];
        char *dir = (n_queues == 1 ? xstrdup(fe)
                                   : xasprintf("%s/queue-%" PRIuSIZE, fe, i));
        unsigned long long tx_ref, rx_ref, tx_ev, rx_ev;
        bool ok = (xb_get_uint(be, vif, dir, "tx-ring-ref", true, 0, 0,
                               UINT32_MAX, &tx_ref)
                   && xb_get_uint(be, vif, dir, "rx-ring-ref", true, 0, 0,
                                  UINT32_MAX, &rx_ref));
        if (ok) {
            char *tx_text = vif_xb_read(be, dir, "event-channel-tx");
            char *rx_text = vif_xb_read(be, dir, "event-channel-rx");
            bool split = tx_text && rx_text;
            free(tx_text);
            free(rx_text);
            if (split) {
                ok = (xb_get_uint(be, vif, dir, "event-channel-tx", true, 0, 1,
                                  UINT32_MAX, &tx_ev)
                      && xb_get_uint(be, vif, dir, "event-channel-rx", true, 0,
                                     1, UINT32_MAX, &rx_ev));
            } else {
                ok = xb_get_uint(be, vif, dir, "event-channel", true, 0, 1,
                                 UINT32_MAX, &tx_ev);
                rx_ev = tx_ev;
            }
        }
        free(dir);
        if (!ok) {
            return false;
        }
        c->tx_ref = tx_ref;
        c->rx_ref = rx_ref;
        c->tx_evtchn = tx_ev;
        c->rx_evtchn = rx_ev;
    }

    unsigned long long ctrl_ref = 0, ctrl_ev = 0;
    if (!xb_get_uint(be, vif, fe, "ctrl-ring-ref", false, 0, 0, UINT32_MAX,
                     &ctrl_ref)) {
        return false;
    }
    if (ctrl_ref
        && !xb_get_uint(be, vif, fe, "event-channel-ctrl", true, 0, 1,
                        UINT32_MAX, &ctrl_ev)) {
        return false;
    }

    /* Everything read and valid: connect. */
    vif_disconnect(vif);
    vif->features = f;
    vif->disabled = false;
    free(vif->disable_reason);
    vif->disable_reason = NULL;
    if (vif->port) {
        int error = vif_port_set_n_queues(vif->port, n_queues);
        if (!error) {
            error = vif_port_set_offloads(vif->port, vif_offloads(vif));
        }
        if (error) {
            xb_fail(be, vif, error,
                    "cannot set up port %s for %llu queues: "
                    "%s",
                    vif->name, n_queues, ovs_strerror(error));
            return false;
        }
    }
    for (size_t i = 0; i < n_queues; i++) {
        int error = vif_queue_connect(vif, i, &cfgs[i]);
        if (error) {
            xb_fail(be, vif, error,
                    "cannot connect queue %" PRIuSIZE " (tx-ring-ref %" PRIu32
                    ", rx-ring-ref %" PRIu32 ")",
                    i, cfgs[i].tx_ref, cfgs[i].rx_ref);
            return false;
        }
    }
    if (ctrl_ref) {
        int error = vif_ctrl_connect(vif, ctrl_ref, ctrl_ev);
        if (error) {
            xb_fail(be, vif, error,
                    "cannot connect the control ring (ref "
                    "%llu)",
                    ctrl_ref);
            return false;
        }
    }
    vif->fe_introduced = be->xs && xs_is_domain_introduced(be->xs, vif->domid);
    VIF_GLOG(VLL_INFO, vif,
             "connected: %llu queue(s), %s event channels, sg=%d "
             "gso4=%d gso6=%d csum=%d ipv6-csum=%d rx-notify=%d mcast=%d "
             "ctrl=%s",
             n_queues,
             cfgs[0].tx_evtchn != cfgs[0].rx_evtchn ? "split" : "shared", f.sg,
             f.gso4, f.gso6, f.ip_csum, f.ipv6_csum, f.rx_notify,
             f.mcast_control, ctrl_ref ? "yes" : "no");
    return true;
}

static bool
xb_connected(const struct vif *vif)
{
    return vif->n_queues > 0 || vif->disabled;
}

/* Whether someone will write 'vif''s hotplug-status: our own script, or the
 * toolstack's (xl writes the backend's "script" key and runs it).  Without
 * either, waiting for it would keep the VIF short of Connected forever; Linux
 * netback likewise goes Connected when it cannot wait for the script. */
static bool
xb_hotplug_expected(struct vif_backend *be, const struct vif *vif)
{
    if (be->hotplug_script && be->hotplug_script[0]) {
        return true;
    }
    char *script = vif_xb_read(be, vif->be_path, "script");
    bool expected = script && script[0];
    free(script);
    return expected;
}

/* Re-evaluates 'vif' from xenstore.  Returns false if the VIF should be
 * destroyed (its backend directory is gone).  A xenstore call that fails
 * (other than ENOENT) decides nothing: the VIF stays as it is and is
 * re-read XS_ERROR_RETRY_MS later. */
bool
vif_xb_update(struct vif_backend *be, struct vif *vif)
{
    unsigned long long errors = be->n_xs_errors;

    vif->dirty = vif->fe_dirty = false;
    vif->retry_at = 0;

    char *dir = vif_xb_read(be, vif->be_path, NULL);
    if (!dir && errno != ENOENT) {
        goto error;
    } else if (!dir && (vif->xs_recheck || vif->orphan)) {
        /* xenstore was reconnected and no longer has the directory: the
         * store lost it (an empty xenstored restarted), the toolstack did
         * not remove it.  The guest's rings are live: keep serving them
         * until its domain dies. */
        if (!vif->orphan) {
            VLOG_WARN("%s: backend directory %s is not in xenstore since it "
                      "was reconnected: the VIF keeps running until its "
                      "domain dies or the directory is back",
                      vif->name, vif->be_path);
        }
        vif->orphan = true;
        vif->xs_recheck = false;
        return true;
    } else if (!dir) {
        VLOG_INFO("%s: backend directory removed", vif->name);
        vif_xb_offline(be, vif);
        return false;
    }
    free(dir);
    if (vif->orphan) {
        VLOG_INFO("%s: backend directory is back in xenstore", vif->name);
    }
    vif->orphan = vif->xs_recheck = false;

    if (vif->gone) {
        /* Unplugged (frontend Closed with online=0 or Unknown, or its
         * domain died): as Linux, whose xenbus probes a backend device
         * only while its state node says Initialising, we wait for the
         * toolstack to set the backend up again (xl writes state=1 when it
         * creates the directory).  The frontend is not watched meanwhile,
         * so a guest cycling its state cannot cycle our tap and hotplug
         * script. */
        char *bs = vif_xb_read(be, vif->be_path, "state");
        bool reset = bs && !strcmp(bs, "1");
        free(bs);
        if (be->n_xs_errors != errors) {
            goto error;
        } else if (!reset) {
            return true;
        }
        VLOG_INFO("%s: backend state Initialising again (set up by the "
                  "toolstack): probing",
                  vif->name);
        vif->gone = false;
    }

    char *online = vif_xb_read(be, vif->be_path, "online");
    vif->online = online && !strcmp(online, "1");
    free(online);

    char *hs = vif_xb_read(be, vif->be_path, "hotplug-status");
    vif->hotplug_connected = hs && !strcmp(hs, "connected");
    free(hs);
    if (!vif->hotplug_connected && !xb_hotplug_expected(be, vif)) {
        vif->hotplug_connected = true; /* nobody will write it */
    }

    xb_apply_rate(be, vif);

    if (!vif->fe_path) {
        vif->fe_path = vif_xb_read(be, vif->be_path, "frontend");
    }
    unsigned long long st = XenbusStateUnknown;
    char *fs = vif->fe_path ? vif_xb_read(be, vif->fe_path, "state") : NULL;
    bool fs_ok = !fs || vif_parse_uint(fs, 0, 1000, &st);
    free(fs);
    if (be->n_xs_errors != errors) {
        goto error;
    }
    int old_fe = vif->fe_state;
    vif->fe_state = st;

    if (!vif->probed) {
        if (!vif->online) {
            return true;
        }
        xb_probe(be, vif);
        if (!vif->probed) {
            if (be->n_xs_errors != errors) {
                goto error;
            }
            return true;
        }
    }
    if (old_fe != vif->fe_state && vif->failed
        && vif->fe_state != XenbusStateInitialised
        && vif->fe_state != XenbusStateConnected) {
        vif->failed = false; /* the frontend moved: try again */
    }

    if (!fs_ok || st > XenbusStateReconfigured
        || st == XenbusStateReconfiguring || st == XenbusStateReconfigured) {
        if (!vif->failed) {
            xb_fail(be, vif, EINVAL, "frontend state %llu is not supported",
                    st);
        }
        return true;
    }

    switch (st) {
    case XenbusStateInitialising:
    case XenbusStateInitWait:
        vif->disabled = false;
        vif->await_reset = false;
        if (vif->be_state != XenbusStateInitWait) {
            vif_disconnect(vif);
            vif->failed = false;
            vif_xb_set_state(be, vif, XenbusStateInitWait);
        }
        break;

    case XenbusStateInitialised:
    case XenbusStateConnected:
        if (vif->failed) {
            break;
        }
        if (!vif->online) {
            vif_disconnect(vif);
            if (vif->be_state != XenbusStateClosing) {
                vif_xb_set_state(be, vif, XenbusStateClosing);
            }
            break;
        }
        if (vif->be_state == XenbusStateClosed
            || vif->be_state == XenbusStateClosing) {
            vif_xb_set_state(be, vif, XenbusStateInitWait);
        }
        char *sig = xb_fe_signature(be, vif);
        if (be->n_xs_errors != errors) {
            free(sig);
            break;
        }
        bool renegotiated = vif->fe_sig && strcmp(sig, vif->fe_sig);
        if (vif->await_reset && !renegotiated) {
            free(sig);
            break;
        }
        vif->await_reset = false;
        if (renegotiated && xb_connected(vif)) {
            VIF_GLOG(VLL_INFO, vif, "frontend set up new rings: reconnecting");
            vif_disconnect(vif);
            vif->disabled = false;
            if (vif->be_state == XenbusStateConnected) {
                vif_xb_set_state(be, vif, XenbusStateInitWait);
            }
        }
        free(vif->fe_sig);
        vif->fe_sig = sig;
        if (!xb_connected(vif) && !xb_connect(be, vif)) {
            break;
        }
        if (xb_connected(vif) && vif->n_queues) {
            xb_dpdk_plug(be, vif, vif->n_queues);
        }
        if (xb_connected(vif)) {
            bool mc = vif->features.mcast_control;
            xb_get_bool(be, vif, "request-multicast-control", &mc);
            if (mc != vif->features.mcast_control) {
                VLOG_INFO("%s: multicast control %s", vif->name,
                          mc ? "on" : "off");
                vif->features.mcast_control = mc;
                vif->n_mcast = 0;
            }
        }
        if (vif->hotplug_connected && vif->be_state != XenbusStateConnected
            && !vif->failed) {
            vif_xb_set_state(be, vif, XenbusStateConnected);
        }
        break;

    case XenbusStateClosing:
        vif->disabled = false;
        vif->await_reset = false;
        vif_disconnect(vif);
        if (vif->be_state != XenbusStateClosing) {
            vif_xb_set_state(be, vif, XenbusStateClosing);
        }
        break;

    case XenbusStateClosed:
        vif->disabled = false;
        vif->await_reset = false;
        vif_disconnect(vif);
        vif->failed = false;
        if (vif->be_state != XenbusStateClosed) {
            vif_xb_set_state(be, vif, XenbusStateClosed);
        }
        if (!vif->online) {
            vif_xb_offline(be, vif);
        }
        break;

    case XenbusStateUnknown:
    default:
        /* The frontend's directory went (its domain died or it was
         * removed): Linux unregisters the device. */
        if (vif->be_state != XenbusStateClosed) {
            vif_xb_set_state(be, vif, XenbusStateClosed);
        }
        vif_xb_offline(be, vif);
        break;
    }
    if (be->n_xs_errors != errors) {
        goto error;
    }
    return true;

error:
    VIF_GLOG(VLL_WARN, vif,
             "xenstore failed while re-reading the VIF: nothing changed; "
             "trying again in %d ms",
             XS_ERROR_RETRY_MS);
    vif->retry_at = time_msec() + XS_ERROR_RETRY_MS;
    return true;
}
