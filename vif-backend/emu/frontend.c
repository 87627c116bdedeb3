/* vif-backend/emu/frontend.c: the xenstore side of an emulated netfront,
 * shared by xovs-guest and xovs-evil-guest (see frontend.h).
 *
 * The order of the writes is part of the contract: a transaction's changes
 * reach the watchers, and a directory lists its children, in the order
 * they were made, so both programs write exactly what and in which order
 * xl and Linux's netfront do. */
#include <config.h>

#include "vif-backend/emu/frontend.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

/* errno after a failed libxenstore call, never 0. */
static int
xs_error(void)
{
    return errno ? errno : EIO;
}

char *
vif_fe_dom_path(uint16_t domid)
{
    return xasprintf("/local/domain/%u", domid);
}

char *
vif_fe_path(uint16_t domid, uint16_t devid)
{
    return xasprintf("/local/domain/%u/device/vif/%u", domid, devid);
}

char *
vif_fe_be_path(uint16_t be_domid, uint16_t domid, uint16_t devid)
{
    return xasprintf("/local/domain/%u/backend/vif/%u/%u", be_domid, domid,
                     devid);
}

struct xs_handle *
vif_fe_xs_open(const char *path)
{
    setenv("XENSTORED_PATH", path, 1);
    return xs_open(0);
}

char *
vif_fe_read(struct xs_handle *xs, xs_transaction_t t, const char *dir,
            const char *key)
{
    char *path = xasprintf("%s/%s", dir, key);
    unsigned int len;
    char *v = xs_read(xs, t, path, &len);

    free(path);
    return v;
}

bool
vif_fe_printf(const struct vlog_module *log, struct xs_handle *xs,
              xs_transaction_t t, const char *dir, const char *key,
              const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *value = xvasprintf(format, args);
    va_end(args);

    char *path = xasprintf("%s/%s", dir, key);
    bool ok = xs_write(xs, t, path, value, strlen(value));
    if (!ok && log) {
        vlog(log, VLL_WARN, "write %s: %s", path, ovs_strerror(errno));
    }
    free(path);
    free(value);
    return ok;
}

bool
vif_fe_mkdir(struct xs_handle *xs, xs_transaction_t t, const char *path,
             unsigned int owner, unsigned int reader)
{
    struct xs_permissions perms[2] = {
        {.id = owner, .perms = XS_PERM_NONE},
        {.id = reader, .perms = XS_PERM_READ},
    };
    return xs_mkdir(xs, t, path) && xs_set_permissions(xs, t, path, perms, 2);
}

enum xenbus_state
vif_fe_read_state(struct xs_handle *xs, const char *dir)
{
    char *v = vif_fe_read(xs, XBT_NULL, dir, "state");
    enum xenbus_state s = v ? atoi(v) : XenbusStateUnknown;

    free(v);
    return s;
}

const char *
vif_fe_state_name(enum xenbus_state s)
{
    static const char *const names[] = {
        "Unknown",     "Initialising",  "InitWait",
        "Initialised", "Connected",     "Closing",
        "Closed",      "Reconfiguring", "Reconfigured",
    };
    return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "invalid";
}

int
vif_fe_watch_backend(struct xs_handle *xs, const char *be_path)
{
    char *be_state = xasprintf("%s/state", be_path);
    int error = xs_watch(xs, be_state, "backend-state") ? 0 : xs_error();

    free(be_state);
    return error;
}

int
vif_fe_transact(struct xs_handle *xs, vif_fe_txn_func *func, void *aux,
                bool *started)
{
    if (started) {
        *started = true;
    }
    for (;;) {
        xs_transaction_t t = xs_transaction_start(xs);
        if (t == XBT_NULL) {
            if (started) {
                *started = false;
            }
            return xs_error();
        }
        if (!func(xs, t, aux)) {
            int error = xs_error();
            xs_transaction_end(xs, t, true);
            return error;
        }
        if (xs_transaction_end(xs, t, false)) {
            return 0;
        }
        if (errno != EAGAIN) {
            return xs_error();
        }
    }
}

int
vif_fe_introduce(struct xs_handle *xs, uint16_t domid)
{
    if (!xs_is_domain_introduced(xs, domid)
        && !xs_introduce_domain(xs, domid, 0, 0)) {
        return xs_error();
    }
    return 0;
}

bool
vif_fe_skeleton_dirs(const struct vif_fe_vif *vif, struct xs_handle *xs,
                     xs_transaction_t t)
{
    return vif_fe_mkdir(xs, t, vif->fe_path, vif->domid, vif->be_domid)
           && vif_fe_mkdir(xs, t, vif->be_path, vif->be_domid, vif->domid);
}

bool
vif_fe_skeleton_keys(const struct vif_fe_vif *vif, struct xs_handle *xs,
                     xs_transaction_t t)
{
    const struct vlog_module *log = vif->log;
    const char *fe = vif->fe_path, *be = vif->be_path;

    return vif_fe_printf(log, xs, t, fe, "backend", "%s", be)
           && vif_fe_printf(log, xs, t, fe, "backend-id", "%u", vif->be_domid)
           && vif_fe_printf(log, xs, t, fe, "state", "%d",
                            XenbusStateInitialising)
           && vif_fe_printf(log, xs, t, fe, "handle", "%u", vif->devid)
           && vif_fe_printf(log, xs, t, fe, "mac", ETH_ADDR_FMT,
                            ETH_ADDR_BYTES_ARGS(vif->mac))
           && vif_fe_printf(log, xs, t, be, "frontend", "%s", fe)
           && vif_fe_printf(log, xs, t, be, "frontend-id", "%u", vif->domid)
           && vif_fe_printf(log, xs, t, be, "online", "1")
           && vif_fe_printf(log, xs, t, be, "state", "%d",
                            XenbusStateInitialising)
           && vif_fe_printf(log, xs, t, be, "handle", "%u", vif->devid)
           && vif_fe_printf(log, xs, t, be, "mac", ETH_ADDR_FMT,
                            ETH_ADDR_BYTES_ARGS(vif->mac))
           && vif_fe_printf(log, xs, t, be, "type", "vif")
           && (!vif->bridge
               || vif_fe_printf(log, xs, t, be, "bridge", "%s", vif->bridge));
}

void
vif_fe_skeleton_remove(const struct vif_fe_vif *vif, struct xs_handle *xs)
{
    char *dom = vif_fe_dom_path(vif->domid);

    vif_fe_printf(vif->log, xs, XBT_NULL, vif->be_path, "online", "0");
    xs_rm(xs, XBT_NULL, vif->be_path);
    xs_rm(xs, XBT_NULL, vif->fe_path);
    xs_rm(xs, XBT_NULL, dom);
    xs_release_domain(xs, vif->domid);
    free(dom);
}

bool
vif_fe_ring_keys(const struct vlog_module *log, struct xs_handle *xs,
                 xs_transaction_t t, const char *dir, uint32_t tx_ring_ref,
                 uint32_t rx_ring_ref, uint32_t tx_evtchn, uint32_t rx_evtchn)
{
    bool ok = vif_fe_printf(log, xs, t, dir, "tx-ring-ref", "%" PRIu32,
                            tx_ring_ref)
              && vif_fe_printf(log, xs, t, dir, "rx-ring-ref", "%" PRIu32,
                               rx_ring_ref);
    if (tx_evtchn == rx_evtchn) {
        return ok
               && vif_fe_printf(log, xs, t, dir, "event-channel", "%" PRIu32,
                                tx_evtchn);
    }
    return ok
           && vif_fe_printf(log, xs, t, dir, "event-channel-tx", "%" PRIu32,
                            tx_evtchn)
           && vif_fe_printf(log, xs, t, dir, "event-channel-rx", "%" PRIu32,
                            rx_evtchn);
}

bool
vif_fe_features(const struct vlog_module *log, struct xs_handle *xs,
                xs_transaction_t t, const char *fe_path, bool offloads)
{
    bool ok = vif_fe_printf(log, xs, t, fe_path, "request-rx-copy", "1")
              && vif_fe_printf(log, xs, t, fe_path, "feature-rx-notify", "1")
              && vif_fe_printf(log, xs, t, fe_path, "feature-sg", "1");
    if (!offloads) {
        return ok;
    }
    return ok && vif_fe_printf(log, xs, t, fe_path, "feature-gso-tcpv4", "1")
           && vif_fe_printf(log, xs, t, fe_path, "feature-gso-tcpv6", "1")
           && vif_fe_printf(log, xs, t, fe_path, "feature-ipv6-csum-offload",
                            "1");
}
