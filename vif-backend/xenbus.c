/* vif-backend/xenbus.c: the xenstore side of xovs-netback — watches, the
 * per-VIF xenbus state machine, feature negotiation — and the backend
 * object that owns the VIFs (Linux netback's xenbus.c).
 *
 * We watch /local/domain/<us>/backend/vif (every domid and devid), each
 * connected frontend's directory and @releaseDomain.  A watch event only
 * marks its VIF dirty (events coalesce, so a guest rewriting its nodes in a
 * loop costs one re-read per poll loop, XSA-349); vif_backend_run() then
 * re-evaluates each dirty VIF from what xenstore says now.
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
 * Lost xenstore connection.  Every failed xenstore call is told apart from
 * a missing node by its errno: ENOENT is absence, anything else decides
 * nothing (the VIF is re-read a second later).  The connection is checked
 * every second and after any failure; once lost (xenstored died), netback
 * keeps every VIF as it is -- rings, channels, taps, OVS ports carry on --
 * and reconnects every second.  After reconnecting it sets its watches
 * again (backend/vif, @releaseDomain, each frontend) and re-reads every
 * VIF.  A VIF whose backend directory the new store does not have (an
 * empty xenstored restarted) is kept running as "backend directory lost"
 * until its domain dies (then it is taken down and forgotten) or the
 * directory is back; only a directory seen removed tears a VIF down.
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
 * reconnect.  A tap of ours vif<D>.<N> whose backend directory is gone
 * (its domain went while no netback ran) is cleaned up at start-up:
 * hotplug "offline", tap removed.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_xenbus);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define DOMID_MAX 0x7fef /* DOMID_FIRST_RESERVED - 1 */

struct vif_backend {
    struct vif_platform *platform;
    const struct vif_port_class *port_class;
    uint16_t domid;
    unsigned int max_queues;
    enum vif_offload offload;      /* as configured (may be AUTO) */
    enum vif_offload last_offload; /* what AUTO last resolved to, or AUTO */
    char *hotplug_script;
    char *agent_rpc;
    char *xenstore_path;

    struct xs_handle *xs; /* NULL while the connection is lost */
    char *base;           /* /local/domain/<domid>/backend/vif */
    struct hmap vifs;     /* struct vif, by hash of domid/devid */
    bool rescan;          /* list 'base' again */

    /* The xenstore connection (see "Lost xenstore connection" above). */
    unsigned long long n_xs_errors;  /* calls failed other than ENOENT */
    unsigned long long n_xs_checked; /* 'n_xs_errors' at the last check */
    long long xs_check_at;           /* next keep-alive (time_msec()) */
    long long xs_retry_at;           /* next reconnect attempt */
    unsigned int n_reconnects;
};

#define XS_KEEPALIVE_MS 1000   /* how often the connection is checked */
#define XS_RETRY_MS 1000       /* reconnect attempts while it is lost */
#define XS_ERROR_RETRY_MS 1000 /* a VIF whose re-read failed: again */

static const char *const state_names[] = {
    "Unknown", "Initialising", "InitWait",      "Initialised",  "Connected",
    "Closing", "Closed",       "Reconfiguring", "Reconfigured",
};

static const char *
state_name(int state)
{
    return (state >= 0 && state < (int)ARRAY_SIZE(state_names)
                ? state_names[state]
                : "invalid");
}

static uint32_t
vif_hash_id(uint16_t domid, uint16_t devid)
{
    return hash_int((uint32_t)domid << 16 | devid, 0);
}

static struct vif *
vif_find(const struct vif_backend *be, uint16_t domid, uint16_t devid)
{
    struct vif *vif;

    HMAP_FOR_EACH_WITH_HASH(vif, node, vif_hash_id(domid, devid), &be->vifs)
    {
        if (vif->domid == domid && vif->devid == devid) {
            return vif;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* xenstore helpers. */

/* Counts and logs a failed xenstore call on 'path' (errno 'error'). */
static void
xb_error(struct vif_backend *be, const char *what, const char *path, int error)
{
    be->n_xs_errors++;
    VLOG_WARN_RL(&rl, "xenstore %s %s failed: %s", what, path,
                 ovs_strerror(error));
}

/* The value of 'dir'/'key' ('dir' itself if 'key' is NULL), malloc'd, or
 * NULL with errno ENOENT if it does not exist, or NULL with another errno
 * if xenstore could not tell (counted in 'n_xs_errors', logged): absence
 * and failure are not the same, and only absence may tear anything down. */
static char *
xb_read(struct vif_backend *be, const char *dir, const char *key)
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
        xb_error(be, "read of", path, error);
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

static void
xb_set_state(struct vif_backend *be, struct vif *vif, int state)
{
    if (vif->be_state != state) {
        VIF_GLOG(VLL_INFO, vif, "backend %s -> %s (frontend %s)",
                 state_name(vif->be_state), state_name(state),
                 state_name(vif->fe_state));
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
    xb_set_state(be, vif, XenbusStateClosing);
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
    char *text = xb_read(be, dir, key);

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
    char *text = xb_read(be, vif->be_path, "rate");

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
    snprintf(max_queues, sizeof max_queues, "%u", be->max_queues);
    const char *const features[][2] = {
        {"feature-sg", "1"},
        {"feature-gso-tcpv4", vif->tx_sw_csum ? "0" : "1"},
        {"feature-gso-tcpv6", vif->tx_sw_csum ? "0" : "1"},
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
        char *v = xb_read(be, vif->fe_path, keys[i]);
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
static bool
xb_watch_fe(struct vif_backend *be, struct vif *vif)
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
        xb_error(be, "watch of", vif->fe_path, errno ? errno : EIO);
        return false;
    }
    vif->fe_watched = true;
    return true;
}

/* Stops watching the frontend directory of 'vif': the frontend's changes
 * no longer cost us anything (Linux unregisters the device). */
static void
xb_unwatch_fe(struct vif_backend *be, struct vif *vif)
{
    if (vif->fe_watched && be->xs) {
        char token[32];
        snprintf(token, sizeof token, "fe:%u:%u", vif->domid, vif->devid);
        xs_unwatch(be->xs, vif->fe_path, token);
    }
    vif->fe_watched = false;
    vif->fe_dirty = false;
}

/* First sight of a backend directory (or of a new frontend after the old
 * one went): everything up to InitWait. */
static void
xb_probe(struct vif_backend *be, struct vif *vif)
{
    unsigned long long fe_id;

    free(vif->fe_path);
    vif->fe_path = xb_read(be, vif->be_path, "frontend");
    if (!vif->fe_path || strlen(vif->fe_path) > 200
        || vif->fe_path[0] != '/') {
        VLOG_WARN_RL(&rl, "%s: no usable %s/frontend yet", vif->name,
                     vif->be_path);
        free(vif->fe_path);
        vif->fe_path = NULL;
        return;
    }
    char *id = xb_read(be, vif->be_path, "frontend-id");
    bool id_ok = id && vif_parse_uint(id, 0, DOMID_MAX, &fe_id)
                 && fe_id == vif->domid;
    free(id);
    if (!id_ok) {
        VLOG_WARN_RL(&rl, "%s: %s/frontend-id missing or not %u", vif->name,
                     vif->be_path, vif->domid);
        return;
    }

    if (!xb_watch_fe(be, vif)) {
        return;
    }

    vif->probed = true;
    vif->gone = false;
    vif->failed = false;
    vif->be_state = XenbusStateInitialising;
    vif->tx_sw_csum = xb_offload(be) == VIF_OFFLOAD_OFF;
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
        int error
            = be->port_class->open(vif->name, be->max_queues > 1, &vif->port);
        if (error) {
            xb_fail(be, vif, error, "cannot create port %s: %s", vif->name,
                    ovs_strerror(error));
            return;
        }
        if (be->port_class->set_carrier) {
            be->port_class->set_carrier(vif->port, false);
        }
        vif->carrier = false;
    }
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
    char *fs = xb_read(be, vif->fe_path, "state");
    char *bs = xb_read(be, vif->be_path, "state");
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
        vif->be_state = XenbusStateInitWait; /* connects in xb_update() */
        return;
    }
    if (fe_up) {
        vif->await_reset = true;
        vif->fe_sig = xb_fe_signature(be, vif);
    }
    xb_set_state(be, vif, XenbusStateInitWait);
}

/* Closes the VIF's port and removes the device. */
static void
xb_port_destroy(struct vif_backend *be, struct vif *vif)
{
    if (be->port_class->destroy) {
        be->port_class->destroy(vif->port);
    } else {
        be->port_class->close(vif->port);
    }
    vif->port = NULL;
}

/* The frontend is gone or the VIF went offline: everything back down, and
 * the frontend is no longer watched.  The VIF is probed again only once
 * the toolstack sets it up again (see xb_update()). */
static void
xb_offline(struct vif_backend *be, struct vif *vif)
{
    vif_disconnect(vif);
    vif->disabled = false;
    xb_unwatch_fe(be, vif);
    if (vif->port) {
        vif_hotplug_request("offline", vif->name, vif->be_path);
        xb_port_destroy(be, vif);
    }
    if (vif->probed) {
        xb_rm(be, vif->be_path, "hotplug-status");
    }
    vif->probed = false;
    vif->gone = true;
    vif->hotplug_connected = false;
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

    char *mac = xb_read(be, vif->be_path, "mac");
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
            char *tx_text = xb_read(be, dir, "event-channel-tx");
            char *rx_text = xb_read(be, dir, "event-channel-rx");
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
        int error = be->port_class->set_n_queues(vif->port, n_queues);
        if (!error) {
            error = be->port_class->set_offloads(vif->port,
                                                 vif_port_offloads(vif));
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
    char *script = xb_read(be, vif->be_path, "script");
    bool expected = script && script[0];
    free(script);
    return expected;
}

/* Re-evaluates 'vif' from xenstore.  Returns false if the VIF should be
 * destroyed (its backend directory is gone).  A xenstore call that fails
 * (other than ENOENT) decides nothing: the VIF stays as it is and is
 * re-read XS_ERROR_RETRY_MS later. */
static bool
xb_update(struct vif_backend *be, struct vif *vif)
{
    unsigned long long errors = be->n_xs_errors;

    vif->dirty = vif->fe_dirty = false;
    vif->retry_at = 0;

    char *dir = xb_read(be, vif->be_path, NULL);
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
        xb_offline(be, vif);
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
        char *bs = xb_read(be, vif->be_path, "state");
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

    char *online = xb_read(be, vif->be_path, "online");
    vif->online = online && !strcmp(online, "1");
    free(online);

    char *hs = xb_read(be, vif->be_path, "hotplug-status");
    vif->hotplug_connected = hs && !strcmp(hs, "connected");
    free(hs);
    if (!vif->hotplug_connected && !xb_hotplug_expected(be, vif)) {
        vif->hotplug_connected = true; /* nobody will write it */
    }

    xb_apply_rate(be, vif);

    if (!vif->fe_path) {
        vif->fe_path = xb_read(be, vif->be_path, "frontend");
    }
    unsigned long long st = XenbusStateUnknown;
    char *fs = vif->fe_path ? xb_read(be, vif->fe_path, "state") : NULL;
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
            xb_set_state(be, vif, XenbusStateInitWait);
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
                xb_set_state(be, vif, XenbusStateClosing);
            }
            break;
        }
        if (vif->be_state == XenbusStateClosed
            || vif->be_state == XenbusStateClosing) {
            xb_set_state(be, vif, XenbusStateInitWait);
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
                xb_set_state(be, vif, XenbusStateInitWait);
            }
        }
        free(vif->fe_sig);
        vif->fe_sig = sig;
        if (!xb_connected(vif) && !xb_connect(be, vif)) {
            break;
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
            xb_set_state(be, vif, XenbusStateConnected);
        }
        break;

    case XenbusStateClosing:
        vif->disabled = false;
        vif->await_reset = false;
        vif_disconnect(vif);
        if (vif->be_state != XenbusStateClosing) {
            xb_set_state(be, vif, XenbusStateClosing);
        }
        break;

    case XenbusStateClosed:
        vif->disabled = false;
        vif->await_reset = false;
        vif_disconnect(vif);
        vif->failed = false;
        if (vif->be_state != XenbusStateClosed) {
            xb_set_state(be, vif, XenbusStateClosed);
        }
        if (!vif->online) {
            xb_offline(be, vif);
        }
        break;

    case XenbusStateUnknown:
    default:
        /* The frontend's directory went (its domain died or it was
         * removed): Linux unregisters the device. */
        if (vif->be_state != XenbusStateClosed) {
            xb_set_state(be, vif, XenbusStateClosed);
        }
        xb_offline(be, vif);
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

/* ---------------------------------------------------------------------- */
/* The backend object. */

static struct vif *
xb_add_vif(struct vif_backend *be, uint16_t domid, uint16_t devid)
{
    struct vif *vif = vif_find(be, domid, devid);

    if (!vif) {
        vif = xmalloc(sizeof *vif);
        vif_init(vif, be->platform, be->port_class, domid, devid);
        vif->be = be;
        vif->be_path = xasprintf("%s/%u/%u", be->base, domid, devid);
        hmap_insert(&be->vifs, &vif->node, vif_hash_id(domid, devid));
    }
    vif->dirty = true;
    return vif;
}

/* Forgets 'vif'.  Its port is closed; with 'keep_port' (the backend exits)
 * the device stays for a restarted backend, else it is removed. */
static void
xb_free_vif(struct vif_backend *be, struct vif *vif, bool keep_port)
{
    xb_unwatch_fe(be, vif);
    vif_disconnect(vif);
    if (vif->port && keep_port) {
        be->port_class->close(vif->port);
    } else if (vif->port) {
        xb_port_destroy(be, vif);
    }
    hmap_remove(&be->vifs, &vif->node);
    free(vif->be_path);
    free(vif->fe_path);
    free(vif->rate_text);
    free(vif->disable_reason);
    free(vif->fe_sig);
    free(vif);
}

static void
xb_rescan(struct vif_backend *be)
{
    unsigned int n_doms = 0;
    char **doms
        = be->xs ? xs_directory(be->xs, XBT_NULL, be->base, &n_doms) : NULL;

    if (!doms && (!be->xs || errno != ENOENT)) {
        if (be->xs) {
            xb_error(be, "directory of", be->base, errno ? errno : EIO);
        }
        be->rescan = true; /* again once xenstore answers */
        return;
    }
    be->rescan = false;
    for (unsigned int i = 0; doms && i < n_doms; i++) {
        unsigned long long domid, devid;
        if (!vif_parse_uint(doms[i], 0, DOMID_MAX, &domid)) {
            continue;
        }
        char *dir = xasprintf("%s/%s", be->base, doms[i]);
        unsigned int n_devs = 0;
        char **devs = xs_directory(be->xs, XBT_NULL, dir, &n_devs);
        if (!devs && errno != ENOENT) {
            xb_error(be, "directory of", dir, errno ? errno : EIO);
            be->rescan = true;
        }
        for (unsigned int j = 0; devs && j < n_devs; j++) {
            if (vif_parse_uint(devs[j], 0, UINT16_MAX, &devid)) {
                xb_add_vif(be, domid, devid);
            }
        }
        free(devs);
        free(dir);
    }
    free(doms);

    struct vif *vif;
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        vif->dirty = true; /* removed ones find out in xb_update() */
    }
}

/* Whether xenstore answers (a read of our base directory that succeeds or
 * finds it missing). */
static bool
xb_xs_alive(struct vif_backend *be)
{
    if (!be->xs) {
        return false;
    }
    unsigned int len;
    char *v = xs_read(be->xs, XBT_NULL, be->base, &len);
    bool alive = v || errno == ENOENT;
    free(v);
    return alive;
}

static void
xb_watch_event(struct vif_backend *be, const char *path, const char *token)
{
    unsigned int domid, devid;

    if (!strcmp(token, "rel")) {
        /* A domain died: frontends whose domain is no longer known are
         * gone (Xen's toolstack would also remove the directories).  A
         * "no" from a xenstore that failed is no answer. */
        struct vif *vif;
        HMAP_FOR_EACH (vif, node, &be->vifs) {
            if (vif->fe_introduced
                && !xs_is_domain_introduced(be->xs, vif->domid)
                && xb_xs_alive(be)) {
                VLOG_INFO("%s: domain %u released", vif->name, vif->domid);
                vif->fe_introduced = false;
                xb_offline(be, vif);
                if (be->platform->class->release_domain) {
                    be->platform->class->release_domain(be->platform,
                                                        vif->domid);
                }
                if (vif->be_state != XenbusStateClosed) {
                    xb_set_state(be, vif, XenbusStateClosed);
                }
            }
        }
    } else if (sscanf(token, "fe:%u:%u", &domid, &devid) == 2) {
        struct vif *vif = vif_find(be, domid, devid);
        if (vif && vif->fe_watched) {
            vif->fe_dirty = true; /* acted on within its budget */
        }
    } else if (!strcmp(token, "be")) {
        size_t n = strlen(be->base);
        unsigned long long d, v;
        if (strncmp(path, be->base, n) || (path[n] && path[n] != '/')) {
            return;
        }
        const char *rest = path[n] ? path + n + 1 : "";
        char dom[16], dev[16];
        if (sscanf(rest, "%15[0-9]/%15[0-9]", dom, dev) == 2
            && vif_parse_uint(dom, 0, DOMID_MAX, &d)
            && vif_parse_uint(dev, 0, UINT16_MAX, &v)) {
            struct vif *vif = vif_find(be, d, v);
            if (vif) {
                vif->dirty = true;
            } else {
                xb_add_vif(be, d, v);
            }
        } else {
            be->rescan = true;
        }
    }
}

/* Connects to xenstore and sets the backend's own watches.  Returns 0 or a
 * positive errno (be->xs stays NULL). */
static int
xb_xs_open(struct vif_backend *be)
{
    be->xs = xs_open(0);
    if (!be->xs) {
        return errno ? errno : EIO;
    }
    if (!xs_watch(be->xs, be->base, "be")
        || !xs_watch(be->xs, "@releaseDomain", "rel")) {
        int error = errno ? errno : EIO;
        xs_close(be->xs);
        be->xs = NULL;
        return error;
    }
    be->n_xs_checked = be->n_xs_errors;
    be->xs_check_at = time_msec() + XS_KEEPALIVE_MS;
    return 0;
}

/* "Lost xenstore connection" (see the file comment): checks the connection
 * every XS_KEEPALIVE_MS and after any failed call; once lost, reconnects
 * every XS_RETRY_MS.  The VIFs are left alone throughout: their rings and
 * ports do not depend on xenstore. */
static void
xb_xs_check(struct vif_backend *be)
{
    long long now = time_msec();

    if (be->xs) {
        if (be->n_xs_errors == be->n_xs_checked && now < be->xs_check_at) {
            return;
        }
        be->n_xs_checked = be->n_xs_errors;
        be->xs_check_at = now + XS_KEEPALIVE_MS;
        if (xb_xs_alive(be)) {
            return;
        }
        VLOG_WARN("lost the xenstore connection (%s): the VIFs keep "
                  "running; reconnecting",
                  ovs_strerror(errno ? errno : EIO));
        xs_close(be->xs);
        be->xs = NULL;
        struct vif *vif;
        HMAP_FOR_EACH (vif, node, &be->vifs) {
            vif->fe_watched = false; /* gone with the connection */
        }
        be->xs_retry_at = now;
    }
    if (now < be->xs_retry_at) {
        return;
    }
    int error = xb_xs_open(be);
    if (error) {
        static struct vlog_rate_limit rl_retry = VLOG_RATE_LIMIT_INIT(1, 1);
        VLOG_WARN_RL(&rl_retry,
                     "cannot reconnect to xenstore: %s; trying "
                     "every %d ms",
                     ovs_strerror(error), XS_RETRY_MS);
        be->xs_retry_at = now + XS_RETRY_MS;
        return;
    }

    /* Everything is read again; the watches of the old connection are
     * set again.  A backend directory that is missing now was lost with
     * the store, not removed (xs_recheck, see xb_update()). */
    be->n_reconnects++;
    struct vif *vif;
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        if (vif->probed && vif->fe_path) {
            xb_watch_fe(be, vif);
        }
        vif->fe_introduced = (vif->fe_introduced
                              && xs_is_domain_introduced(be->xs, vif->domid));
        vif->xs_recheck = true;
        vif->dirty = true;
    }
    be->rescan = true;
    VLOG_INFO("reconnected to xenstore (%u time%s): watches set again, "
              "%" PRIuSIZE " VIFs kept running and re-read",
              be->n_reconnects, be->n_reconnects == 1 ? "" : "s",
              hmap_count(&be->vifs));
}

/* Whether 'name' is a tap this backend made (port-tap.c): a tap with a
 * virtio-net header and the MAC address of Xen's backend devices,
 * fe:ff:ff:ff:ff:ff.  Anything else by that name is someone else's. */
static bool
xb_is_our_tap(const char *name)
{
    char *path = xasprintf("/sys/class/net/%s/tun_flags", name);
    FILE *f = fopen(path, "r");
    unsigned int flags = 0;
    bool ours = false;

    free(path);
    if (f) {
        ours = (fscanf(f, "%x", &flags) == 1 && flags & IFF_TAP
                && flags & IFF_VNET_HDR);
        fclose(f);
    }
    if (ours) {
        char mac[32] = "";
        path = xasprintf("/sys/class/net/%s/address", name);
        f = fopen(path, "r");
        free(path);
        ours = f && fgets(mac, sizeof mac, f)
               && !strncmp(mac, "fe:ff:ff:ff:ff:ff", 17);
        if (f) {
            fclose(f);
        }
    }
    return ours;
}

/* At start-up: a tap vif<D>.<N> of ours whose backend directory is gone
 * (ENOENT, not a failed read) belonged to a domain that died while no
 * netback ran, so nobody took it offline.  Do it now: the hotplug script's
 * offline (the agent's record is unplugged, or the OVS port removed) and
 * the tap removed. */
static void
xb_reap_stale_taps(struct vif_backend *be)
{
    DIR *dir = opendir("/sys/class/net");
    struct dirent *de;

    if (!dir) {
        VLOG_WARN("cannot list /sys/class/net: %s; taps of domains that died "
                  "while netback was down are not cleaned up",
                  ovs_strerror(errno));
        return;
    }
    while ((de = readdir(dir))) {
        unsigned int domid, devid;
        char canon[IFNAMSIZ];
        if (sscanf(de->d_name, "vif%u.%u", &domid, &devid) != 2
            || domid > DOMID_MAX || devid > UINT16_MAX
            || snprintf(canon, sizeof canon, "vif%u.%u", domid, devid)
                   >= (int)sizeof canon
            || strcmp(canon, de->d_name) || vif_find(be, domid, devid)
            || !xb_is_our_tap(canon)) {
            continue;
        }
        char *be_path = xasprintf("%s/%u/%u", be->base, domid, devid);
        char *v = xb_read(be, be_path, NULL);
        if (!v && errno == ENOENT) {
            VLOG_INFO("%s: tap left by an earlier netback, and %s is gone "
                      "(its domain went while no netback ran): hotplug "
                      "offline, tap removed",
                      canon, be_path);
            vif_hotplug_request("offline", canon, be_path);
            struct vif_port *port;
            if (!be->port_class->open(canon, be->max_queues > 1, &port)) {
                if (be->port_class->destroy) {
                    be->port_class->destroy(port);
                } else {
                    be->port_class->close(port);
                }
            }
        } else if (v) {
            xb_add_vif(be, domid, devid); /* appeared meanwhile */
        }
        free(v);
        free(be_path);
    }
    closedir(dir);
}

int
vif_backend_create(const struct vif_backend_settings *s,
                   struct vif_backend **bep)
{
    struct vif_backend *be = xzalloc(sizeof *be);
    int error;

    *bep = NULL;
    be->port_class = s->port;
    be->domid = s->backend_domid;
    be->max_queues = MIN(MAX(s->max_queues, 1), VIF_MAX_QUEUES);
    be->offload = s->offload;
    be->hotplug_script = nullable_xstrdup(s->hotplug_script);
    be->agent_rpc = nullable_xstrdup(s->agent_rpc);
    be->xenstore_path = nullable_xstrdup(s->xenstore_path);
    be->base = xasprintf("/local/domain/%u/backend/vif", be->domid);
    hmap_init(&be->vifs);
    vif_hotplug_configure(s->hotplug_script, s->agent_rpc, s->xenstore_path);

    error = s->platform->open(be->domid, &be->platform);
    if (error) {
        VLOG_ERR("cannot open the %s platform: %s", s->platform->name,
                 ovs_strerror(error));
        goto fail;
    }
    error = xb_xs_open(be);
    if (error) {
        VLOG_ERR("cannot connect to xenstore%s%s and watch %s: %s",
                 s->xenstore_path ? " at " : "",
                 s->xenstore_path ? s->xenstore_path : "", be->base,
                 ovs_strerror(error));
        goto fail;
    }
    xb_rescan(be);
    if (!be->rescan) {
        xb_reap_stale_taps(be);
    }
    VLOG_INFO("watching %s (platform %s, port %s, up to %u queues)", be->base,
              s->platform->name, s->port->name, be->max_queues);
    *bep = be;
    return 0;

fail:
    vif_backend_destroy(be);
    return error;
}

void
vif_backend_destroy(struct vif_backend *be)
{
    if (!be) {
        return;
    }
    struct vif *vif;
    HMAP_FOR_EACH_SAFE (vif, node, &be->vifs) {
        xb_free_vif(be, vif, true);
    }
    hmap_destroy(&be->vifs);
    if (be->xs) {
        xs_close(be->xs);
    }
    if (be->platform) {
        be->platform->class->close(be->platform);
    }
    free(be->hotplug_script);
    free(be->agent_rpc);
    free(be->xenstore_path);
    free(be->base);
    free(be);
}

/* Whether a frontend's change may be acted on now (its VIF's budget,
 * VIF_FE_UPDATE_RATE a second); if not, logs (once per wait) and counts. */
static bool
xb_fe_budget(struct vif *vif)
{
    if (token_bucket_withdraw(&vif->fe_budget, 1000)) {
        vif->fe_throttled = false;
        vif->n_fe_updates++;
        return true;
    }
    if (!vif->fe_throttled) {
        vif->fe_throttled = true;
        vif->n_fe_throttled++;
        VIF_GLOG(VLL_WARN, vif,
                 "frontend changes its xenstore nodes more than %d times a "
                 "second: acting on them at that rate",
                 VIF_FE_UPDATE_RATE);
    }
    return false;
}

void
vif_backend_run(struct vif_backend *be)
{
    char **w;

    xb_xs_check(be);

    /* Drain watch events; they only set flags (bounded work). */
    for (int i = 0; be->xs && i < 4096 && (w = xs_check_watch(be->xs)); i++) {
        xb_watch_event(be, w[XS_WATCH_PATH], w[XS_WATCH_TOKEN]);
        free(w);
    }
    if (be->rescan && be->xs) {
        xb_rescan(be);
    }

    /* Events: each fired port is masked until its VIF has run. */
    const struct vif_platform_class *class = be->platform->class;
    for (int i = 0; i < 4096; i++) {
        int64_t port = class->pending(be->platform);
        if (port < 0) {
            break;
        }
        bool mine = false;
        struct vif *vif;
        HMAP_FOR_EACH (vif, node, &be->vifs) {
            if (vif_handle_event(vif, port)) {
                mine = true;
                break;
            }
        }
        if (!mine) {
            VLOG_DBG_RL(&rl, "event on unknown port %" PRId64, port);
        }
    }

    /* Guests the platform saw die (emu: the guest process is gone): their
     * VIFs go down now, as after @releaseDomain; the directories stay until
     * the toolstack removes them or a new frontend appears.  A VIF whose
     * directory was lost with the store (orphan) is forgotten at once. */
    int32_t dead;
    while (class->dead_domain
           && (dead = class->dead_domain(be->platform)) >= 0) {
        struct vif *vif;
        HMAP_FOR_EACH_SAFE (vif, node, &be->vifs) {
            if (vif->domid == dead && (vif->probed || vif->port)) {
                VLOG_INFO("%s: domain %d died", vif->name, (int)dead);
                xb_offline(be, vif);
                if (vif->orphan) {
                    xb_free_vif(be, vif, false);
                } else if (vif->be_state != XenbusStateClosed) {
                    xb_set_state(be, vif, XenbusStateClosed);
                }
            }
        }
    }

    long long now = time_msec();
    struct vif *vif;
    HMAP_FOR_EACH_SAFE (vif, node, &be->vifs) {
        if (be->xs) {
            if (vif->retry_at && now >= vif->retry_at) {
                vif->retry_at = 0;
                vif->dirty = true;
            }
            bool go = vif->dirty && !vif->retry_at;
            if (!go && vif->fe_dirty && !vif->retry_at) {
                go = xb_fe_budget(vif);
            }
            if (go && !xb_update(be, vif)) {
                xb_free_vif(be, vif, false);
                continue;
            }
        }
        vif_run(vif);
    }
    vif_hotplug_run();
}

void
vif_backend_wait(struct vif_backend *be)
{
    if (be->xs) {
        poll_fd_wait(xs_fileno(be->xs), POLLIN);
        poll_timer_wait_until(be->xs_check_at);
        if (be->n_xs_errors != be->n_xs_checked || be->rescan) {
            poll_immediate_wake();
        }
    } else {
        poll_timer_wait_until(be->xs_retry_at);
    }
    poll_fd_wait(be->platform->class->fd(be->platform), POLLIN);
    struct vif *vif;
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        if (be->xs && vif->retry_at) {
            poll_timer_wait_until(vif->retry_at);
        } else if (be->xs && vif->dirty) {
            poll_immediate_wake();
        } else if (be->xs && vif->fe_dirty) {
            token_bucket_wait(&vif->fe_budget, 1000);
        }
        vif_wait(vif);
    }
    vif_hotplug_wait();
}

size_t
vif_backend_n_vifs(const struct vif_backend *be)
{
    return hmap_count(&be->vifs);
}

static int
vif_cmp(const void *a_, const void *b_)
{
    const struct vif *const *a = a_, *const *b = b_;
    uint32_t ka = (uint32_t)(*a)->domid << 16 | (*a)->devid;
    uint32_t kb = (uint32_t)(*b)->domid << 16 | (*b)->devid;
    return ka < kb ? -1 : ka > kb;
}

/* The VIFs sorted by domid, devid (malloc'd array). */
static const struct vif **
sorted_vifs(const struct vif_backend *be, size_t *n)
{
    const struct vif **vifs
        = xmalloc((hmap_count(&be->vifs) + 1) * sizeof *vifs);
    const struct vif *vif;
    *n = 0;
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        vifs[(*n)++] = vif;
    }
    qsort(vifs, *n, sizeof *vifs, vif_cmp);
    return vifs;
}

bool
vif_backend_show(const struct vif_backend *be, const char *name,
                 struct ds *out)
{
    size_t n;
    const struct vif **vifs = sorted_vifs(be, &n);
    bool found = false;

    for (size_t i = 0; i < n; i++) {
        const struct vif *vif = vifs[i];
        if (name && strcmp(name, vif->name)) {
            continue;
        }
        found = true;
        ds_put_format(out, "%s: backend %s, frontend %s%s%s%s%s\n", vif->name,
                      state_name(vif->be_state), state_name(vif->fe_state),
                      vif->failed ? ", failed" : "",
                      vif->port ? "" : ", no port",
                      vif->gone ? ", unplugged" : "",
                      vif->orphan ? ", backend directory lost" : "");
        if (vif->disabled) {
            ds_put_format(out, "  disabled: %s\n", vif->disable_reason);
        }
        ds_put_format(out,
                      "  xenbus: fe_updates=%" PRIu64 " fe_throttled=%" PRIu64
                      "%s\n",
                      vif->n_fe_updates, vif->n_fe_throttled,
                      vif->fe_throttled ? " (waiting)" : "");
        const struct vif_features *f = &vif->features;
        ds_put_format(out,
                      "  queues: %" PRIuSIZE ", hotplug: %s, carrier: "
                      "%s, rate: %s, offload: %s\n",
                      vif->n_queues,
                      vif->hotplug_connected ? "connected" : "waiting",
                      vif->carrier ? "up" : "down",
                      vif->rate_bytes ? vif->rate_text : "unlimited",
                      vif->tx_sw_csum ? "off" : "on");
        ds_put_format(out,
                      "  features: sg=%d gso4=%d gso6=%d csum=%d "
                      "ipv6-csum=%d rx-notify=%d mcast-control=%d (%" PRIuSIZE
                      " groups) ctrl=%d hash=%s\n",
                      f->sg, f->gso4, f->gso6, f->ip_csum, f->ipv6_csum,
                      f->rx_notify, f->mcast_control, vif->n_mcast,
                      vif->ctrl_connected,
                      vif->hash.alg ? "toeplitz" : "none");
        struct vif_stats s;
        vif_get_stats(vif, &s);
#define VIF_STAT(NAME, DESC)                                                  \
    ds_put_format(out, "  %-20s %" PRIu64 "\n", #NAME, s.NAME);
        VIF_STATS
#undef VIF_STAT
        vif_format_queues(vif, out);
    }
    free(vifs);
    return found || !name;
}

void
vif_backend_report(const struct vif_backend *be, vif_report_func *cb,
                   void *aux)
{
    size_t n;
    const struct vif **vifs = sorted_vifs(be, &n);

    for (size_t i = 0; i < n; i++) {
        if (vifs[i]->port) {
            struct vif_stats s;
            vif_get_stats(vifs[i], &s);
            char *text = vif_stats_format(&s);
            cb(vifs[i]->name, text, aux);
            free(text);
        }
    }
    free(vifs);
}
