/* vif-backend/platform-table.c: picks a platform class by name (--platform=).
 * Apart from platform.c (the wrappers every caller uses) because it names
 * every implementation, which the netback core and its fuzz target do not
 * link. */
#include <config.h>

#include <string.h>
#include "vif-backend/platform.h"

const struct vif_platform_class *
vif_platform_lookup(const char *name)
{
    static const struct vif_platform_class *const classes[] = {
        &vif_platform_xen,
        &vif_platform_emu,
    };

    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        if (name && !strcmp(name, classes[i]->name)) {
            return classes[i];
        }
    }
    return NULL;
}
