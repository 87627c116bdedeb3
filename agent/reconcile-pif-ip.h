/* agent/reconcile-pif-ip.h: PIF IP configurations onto the host
 * (reconcile-pif-ip.c). */
#ifndef XRC_RECONCILE_PIF_IP_H
#define XRC_RECONCILE_PIF_IP_H 1

#include <stdbool.h>

struct svec;
struct xrec_db;

/* Adds to 'addrs' "BRIDGE PREFIX" ("xenbr1 198.18.5.1/24",
 * "xenbr1 2001:db8::1/64") for the static addresses of every plugged PIF,
 * on its network's bridge (the bridge's internal interface; a VLAN
 * network's fake bridge).  Logs nothing. */
void xrc_pif_ip_addresses(const struct xrec_db *db, struct svec *addrs);

/* Puts the management PIF's static gateways (IPv4, IPv6) as default routes
 * through its network's bridge, and takes away the ones this agent added
 * (listed in 'added', "BRIDGE GATEWAY", updated) that it no longer wants.
 * A default route this agent did not add is never touched: when one
 * exists, the management gateway is not added and a warning says so.
 * Returns true if something must be tried again later (a bridge not yet
 * there).  Logs changes and rate-limited warnings. */
bool xrc_pif_ip_sync_routes(const struct xrec_db *db, struct svec *added);

#endif /* agent/reconcile-pif-ip.h */
