/* agent/ethtool-nl.h: a NIC's offloads and link modes through the kernel's
 * ethtool netlink interface (generic netlink family "ethtool").
 *
 * What XenServer's interface-reconfigure does with ethtool(8) for a PIF's
 * other_config:ethtool-* keys, done with libnl-3 instead of a child
 * process (reconcile-ethtool.c applies them, api-ethtool.c shows them).
 * Features go by their kernel names ("rx-gro", "tx-tcp-segmentation"); the
 * generic netlink header is built here on libnl-3's core, so only
 * libnl-3 is needed.  Every call opens, uses and closes one netlink socket;
 * the kernel answers synchronously. */
#ifndef XETH_ETHTOOL_NL_H
#define XETH_ETHTOOL_NL_H 1

#include <stdbool.h>
#include <stdint.h>
#include "sset.h"

/* A NIC's features, by kernel name. */
struct xeth_features {
    struct sset active;     /* features in use now */
    struct sset changeable; /* features the driver lets one turn on/off */
};

void xeth_features_init(struct xeth_features *);
void xeth_features_destroy(struct xeth_features *);

/* Reads link 'device''s features into 'f' (initialized, empty).  Returns 0
 * or a positive errno value (ENODEV: no such link; EOPNOTSUPP: the kernel
 * has no ethtool netlink), with '*msg' (caller frees) set to the kernel's
 * explanation if it gave one, else NULL.  Does not log. */
int xeth_features_get(const char *device, struct xeth_features *f, char **msg);

/* Asks the kernel to turn the features in 'on' on and those in 'off' off
 * on link 'device', changing no other.  Every name must be one the kernel
 * knows (a name from xeth_features_get()).  Returns as
 * xeth_features_get(); success means the request was valid, not that the
 * driver honoured it: read the features back to know. */
int xeth_features_set(const char *device, const struct sset *on,
                      const struct sset *off, char **msg);

/* A link's speed settings: autoneg -1/0/1, speed in Mb/s (0: unknown or
 * leave alone), duplex -1 (unknown, leave alone), 0 half, 1 full. */
struct xeth_link_modes {
    int autoneg;
    uint32_t speed;
    int duplex;
};

/* Reads / changes link 'device''s speed settings ('-1'/0 members are left
 * alone by _set()).  Return as xeth_features_get(); a driver that cannot
 * change them gives EOPNOTSUPP. */
int xeth_link_modes_get(const char *device, struct xeth_link_modes *,
                        char **msg);
int xeth_link_modes_set(const char *device, const struct xeth_link_modes *,
                        char **msg);

#endif /* agent/ethtool-nl.h */
