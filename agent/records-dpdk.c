/* agent/records-dpdk.c: which VIFs are DPDK VIFs (docs/dpdk.md).
 *
 * The choice is the other_config key xovs-dpdk=true|false, on the VIF or
 * on its network; the VIF's key wins, and without either the VIF is a tap
 * VIF.  xovs-netback asks for the result (vif-list's "dpdk" field) when it
 * sets the VIF's backend up, and gives the VIF a net_xovs port if it can
 * (--dpdk-dir, fewer than --dpdk-max-vifs DPDK VIFs); the hotplug script
 * then plugs it with the devargs netback chose (vif-plug dpdk-devargs=),
 * kept in the record while it is plugged, and reconcile.c makes its OVS
 * port type=dpdk with those devargs.  When the frontend connected more than
 * one queue, the script plugs it again with their number as well
 * (dpdk-queues=, kept beside the devargs), which becomes the port's
 * options:n_rxq.  The devargs can only name this VIF's own net_xovs port:
 * nothing else reaches EAL through a record. */
#include <config.h>
#include "agent/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

#define XREC_DPDK_PATH_MAX 200 /* bytes of the devargs' socket path */

bool
xrec_vif_dpdk(const struct xrec_vif *vif, const struct xrec_network *net)
{
    const char *v = smap_get(&vif->other_config, XREC_DPDK_KEY);
    if (!v && net) {
        v = smap_get(&net->other_config, XREC_DPDK_KEY);
    }
    return v && !strcmp(v, "true");
}

char *
xrec_check_dpdk_value(const char *key, const char *value)
{
    if (!strcmp(key, XREC_DPDK_KEY) && strcmp(value, "true")
        && strcmp(value, "false")) {
        return xasprintf("%s: \"%.64s\" is not true or false", key, value);
    }
    return NULL;
}

char *
xrec_check_dpdk_devargs(const struct xrec_vif *vif, const char *devargs)
{
    char prefix[64], suffix[32];

    snprintf(prefix, sizeof prefix, "net_xovs_%d_%d,path=/", vif->domid,
             vif->device);
    snprintf(suffix, sizeof suffix, "/vif%d.%d.sock", vif->domid, vif->device);
    size_t len = strlen(devargs), plen = strlen(prefix);
    const char *path = devargs + plen - 1;
    if (len <= plen || strncmp(devargs, prefix, plen)) {
        return xasprintf("\"%.64s\" does not start with %s (the net_xovs "
                         "port of vif%d.%d)",
                         devargs, prefix, vif->domid, vif->device);
    }
    if (strlen(path) > XREC_DPDK_PATH_MAX
        || strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789/._-")
               != strlen(path)
        || strstr(path, "/../") || strlen(path) < strlen(suffix)
        || strcmp(path + strlen(path) - strlen(suffix), suffix)) {
        return xasprintf("socket path \"%.64s\" is not an absolute path of "
                         "at most %d bytes of [A-Za-z0-9/._-] ending in %s",
                         path, XREC_DPDK_PATH_MAX, suffix);
    }
    return NULL;
}

char *
xrec_check_dpdk_queues(int queues, const char *devargs)
{
    if (queues && !devargs) {
        return xasprintf("%d queues given without dpdk-devargs (only a DPDK "
                         "VIF has them)",
                         queues);
    }
    if (queues < 0 || queues > XREC_DPDK_QUEUES_MAX) {
        return xasprintf("%d is outside 1..%d (the queues of a VIF)", queues,
                         XREC_DPDK_QUEUES_MAX);
    }
    return NULL;
}
