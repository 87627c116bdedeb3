/* vif-backend/error.c: how the netback core reports trouble with a VIF:
 * log lines prefixed with the VIF's name, and vif_fatal() for a protocol
 * violation.
 *
 * Below tx.c, rx.c, ctrl.c and interface.c, which all report through it,
 * and calling none of them (the dependency graph is in vif-private.h). */
#include <config.h>

#include <stdarg.h>
#include <stdlib.h>

#include "util.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_error);

void
vif_log(struct vlog_module *module, enum vlog_level level,
        struct vlog_rate_limit *rl_, const struct vif *vif, const char *format,
        ...)
{
    if (!vlog_should_drop(module, level, rl_)) {
        va_list args;
        va_start(args, format);
        char *msg = xvasprintf(format, args);
        va_end(args);
        vlog(module, level, "%s: %s", vif->name, msg);
        free(msg);
    }
}

void
vif_fatal(struct vif *vif, const char *reason, ...)
{
    /* net_xovs runs a VIF's queues on several PMD threads: only the first
     * violation disables the VIF and sets its reason (two at once leaked
     * one reason). */
    if (__atomic_exchange_n(&vif->disabled, true, __ATOMIC_ACQ_REL)) {
        return;
    }
    va_list args;
    va_start(args, reason);
    free(vif->disable_reason);
    vif->disable_reason = xvasprintf(reason, args);
    va_end(args);
    vif->queues[0].stats.errors++;
    VIF_GLOG(VLL_ERR, vif, "fatal error, disabling the VIF: %s",
             vif->disable_reason);
}
