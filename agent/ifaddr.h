/* agent/ifaddr.h: IPv4 addresses on the host's interfaces (tunnels).
 *
 * OVS's userspace datapath routes tunnel traffic by the kernel's routes,
 * so a tunnel's transport bridge needs this host's transport address on
 * its internal interface (reconcile-tunnel.c).  These put one there and
 * take it away again, with libnl-route-3. */
#ifndef XIFA_IFADDR_H
#define XIFA_IFADDR_H 1

#include <stdbool.h>

/* Adds 'prefix' ("A.B.C.D/N", or IPv6 "2001:db8::1/64") to link 'device'
 * and sets the link up.
 * Stores in '*added' whether the address was not there before.  Returns
 * 0 (also when it was there), ENODEV if there is no such link (yet), or
 * another positive errno value.  Does not log. */
int xifa_add(const char *device, const char *prefix, bool *added);

/* Removes 'prefix' from link 'device'.  Returns 0, ENODEV if there is no
 * such link, EADDRNOTAVAIL if it has no such address, or another positive
 * errno value.  Does not log. */
int xifa_del(const char *device, const char *prefix);

#endif /* agent/ifaddr.h */
