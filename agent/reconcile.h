/* agent/reconcile.h: records -> desired switch state.
 *
 * The first half of "records -> plan -> apply -> observe" (DESIGN.md): a pure
 * function of the record database.  ovs-glue does the rest. */
#ifndef XRC_RECONCILE_H
#define XRC_RECONCILE_H 1

struct xrec_db;
struct ovsg_state;
struct svec;

/* Fills 'out' (initialized by this function; caller destroys it) with the
 * bridges, ports, interfaces and locking flows 'db' calls for:
 *   - a bridge per network that is not a VLAN network (xenbrN / xapiN),
 *     carrying its attached non-VLAN PIFs and plugged VIFs;
 *   - a bond PIF as one bond port (bonding/'s plan) with its members'
 *     devices as interfaces; members are on no other bridge;
 *   - a VLAN network as a fake bridge (tagged internal port) on its parent
 *     PIF's bridge, with its VIFs as access ports on that tag;
 *   - per VIF, OpenFlow rules enforcing its effective locking mode.
 * Logs nothing. */
void xrc_build(const struct xrec_db *db, const char *datapath_type,
               struct ovsg_state *out);

/* Adds to 'devices' the kernel links the records want up: the device of
 * every plugged PIF that is not a VLAN PIF, or, for a plugged bond PIF,
 * its members' devices.  Logs nothing. */
void xrc_links_up(const struct xrec_db *db, struct svec *devices);

#endif /* agent/reconcile.h */
