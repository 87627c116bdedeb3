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
    if (vif->disabled) {
        return;
    }
    va_list args;
    va_start(args, reason);
    free(vif->disable_reason);
    vif->disable_reason = xvasprintf(reason, args);
    va_end(args);
    vif->disabled = true;
    vif->queues[0].stats.errors++;
    VIF_GLOG(VLL_ERR, vif, "fatal error, disabling the VIF: %s",
             vif->disable_reason);
}
