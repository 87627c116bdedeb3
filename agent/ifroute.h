/* agent/ifroute.h: default routes through a bridge, with libnl-route-3
 * (the management PIF's gateways, reconcile-pif-ip.c). */
#ifndef XIFR_IFROUTE_H
#define XIFR_IFROUTE_H 1

#include <stdbool.h>

/* Adds the default route via 'gateway' (IPv4 or IPv6) on link 'device' to
 * the main table.  Stores in '*added' whether it was not there.  Returns 0
 * (also when this very route was there), EEXIST if another default route
 * of that family exists (it is left alone), ENODEV if there is no such
 * link, ENETUNREACH if the gateway is not on the link's subnet (yet), or
 * another positive errno value.  Does not log. */
int xifr_add_default(const char *device, const char *gateway, bool *added);

/* Removes the default route via 'gateway' on 'device'.  Returns 0, ESRCH
 * if there is no such route, ENODEV if no such link, or another positive
 * errno value.  Does not log. */
int xifr_del_default(const char *device, const char *gateway);

#endif /* agent/ifroute.h */
