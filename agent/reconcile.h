/* agent/reconcile.h: records -> desired switch state.
 *
 * The first half of "records -> plan -> apply -> observe" (DESIGN.md): a pure
 * function of the record database.  ovs-glue does the rest. */
#ifndef XRC_RECONCILE_H
#define XRC_RECONCILE_H 1

#include <stdbool.h>
#include "ovs-glue/ovsg.h"

struct xrec_db;
struct ovsg;
struct ovsg_state;
struct svec;

/* How long start-up waits for OVSDB's contents (xrc_startup_check()). */
#define XRC_STARTUP_WAIT_MS 10000

/* Fills 'out' (initialized by this function; caller destroys it) with the
 * bridges, ports, interfaces and locking flows 'db' calls for:
 *   - a bridge per network that is not a VLAN network (xenbrN / xapiN),
 *     carrying its attached non-VLAN PIFs and plugged VIFs;
 *   - a bond PIF as one bond port (bonding/'s plan) with its members'
 *     devices as interfaces; members are on no other bridge;
 *   - a VLAN network as a fake bridge (tagged internal port) on its parent
 *     PIF's bridge, with its VIFs as access ports on that tag;
 *   - a trunk VIF as an OVS trunk port (trunks, vlan_mode, native tag);
 *   - per VIF, OpenFlow rules enforcing its effective locking mode (on the
 *     VIF's port, so they go and come with it);
 *   - on a bridge with a promiscuous VIF, a table-1 stage that copies its
 *     network's traffic to it (reconcile-promisc.c).
 * Every bridge and port lists the uuids of the records it stands for
 * (network; PIF; VIF; bond, its PIF and members; VLAN network, VLAN PIF
 * and VLAN), so the switch's errors reach the right records.
 * Logs nothing. */
void xrc_build(const struct xrec_db *db, const char *datapath_type,
               struct ovsg_state *out);

/* The parts of xrc_build() for tunnels and mirrors (reconcile-tunnel.c):
 * per plugged tunnel one gre/vxlan interface per remote, with BFD, on its
 * network's bridge; per mirror an OVS Mirror on its network's bridge.
 * Called last, with the bridges and VIF ports already in 'out'. */
void xrc_build_tunnels(const struct xrec_db *db, struct ovsg_state *out);
void xrc_build_mirrors(const struct xrec_db *db, struct ovsg_state *out);

/* Adds to 'addrs' "BRIDGE A.B.C.D/N" for every transport address the
 * tunnels want on their transport PIF's bridge (its internal interface),
 * once each.  Logs nothing. */
void xrc_tunnel_addresses(const struct xrec_db *db, struct svec *addrs);

/* Adds to 'devices' the kernel links the records want up: the device of
 * every plugged PIF that is not a VLAN PIF, or, for a plugged bond PIF,
 * its members' devices.  Logs nothing. */
void xrc_links_up(const struct xrec_db *db, struct svec *devices);

/* reconcile-qos.c: a plugged VIF's QoS onto its port ('port->ifaces[0]'
 * is the VIF's interface; 'fwd' the actions its accepted traffic goes on
 * to, "NORMAL" or, on a bridge with a promiscuous VIF, XRC_FWD_PROMISC),
 * and a real bridge's IGMP snooping and flow
 * export from network 'net' and the pool. */
struct ovsg_port;
struct ovsg_bridge;
struct xrec_vif;
struct xrec_network;
void xrc_add_vif_qos(struct ovsg_port *port, const struct xrec_vif *vif,
                     const char *fwd);
void xrc_add_bridge_qos(const struct xrec_db *db,
                        const struct xrec_network *net,
                        struct ovsg_bridge *br);

/* xapi_env's verify() with the agent's ovsg as 'glue': whether the switch can
 * carry 'after' as far as it could carry 'before'.  Returns NULL, or
 * (malloc'd) the first collision with an object xovs did not create that
 * 'after' has and 'before' has not, e.g. "bridge br0 exists in Open vSwitch
 * and xovs did not create it ...". Uses the replica in 'glue' as it is (never
 * blocks); logs nothing. */
char *xrc_verify(const void *glue, const struct xrec_db *before,
                 const struct xrec_db *after);
/* The same with the states already built (by xrc_build(), any datapath
 * type: collisions are by name): the agent keeps the current one and
 * reuses the new one for the reconcile, so a change builds one state, not
 * three. */
char *xrc_verify_states(const struct ovsg *glue,
                        const struct ovsg_state *old_state,
                        const struct ovsg_state *new_state);

/* One change's part of the desired state (reconcile-incr.c): the ports
 * to take out of the glue's desired state ('remove_names[i]', if it stands
 * for record 'remove_records[i]') and, in bridges of the same names as the
 * desired ones, the ports to add. */
struct xrc_patch {
    struct svec remove_names;
    struct svec remove_records;
    struct ovsg_state add;
};

/* If 'change' (records.h), which made the records 'after', touches only
 * VIFs whose ports can be built alone, fills 'patch' (initialized here; the
 * caller destroys it) with what it changes in 'desired' (the state built
 * from the records before the change; work in proportion to the change) and
 * returns true; else returns false with 'patch' untouched, and the caller
 * builds the whole state (xrc_build()).  Logs nothing. */
struct xrec_change;
bool xrc_build_patch(const struct xrec_change *change,
                     const struct xrec_db *after,
                     const struct ovsg_state *desired,
                     struct xrc_patch *patch);
void xrc_patch_init(struct xrc_patch *);
void xrc_patch_destroy(struct xrc_patch *);
/* xrc_verify_states() for a patch: NULL, or (malloc'd) the first collision
 * of the ports it adds that the records did not have before. */
char *xrc_verify_patch(const struct ovsg *glue, const struct xrc_patch *);

/* xapi_env's record_status() ('glue' is the agent's ovsg): "error" with
 * '*error' set (owned by 'glue') if the switch could not apply what record
 * 'uuid' asks for, else "pending" while OVS does not yet match the records,
 * else "applied" ('*error' NULL). */
const char *xrc_record_status(const void *glue, const char *uuid,
                              const char **error);

/* Start-up safety: call once, after loading 'db' from 'store_path' and
 * creating 'glue', before the first xrc_build()/ovsg_set_desired().  If 'db'
 * has no network (a missing or empty store), waits up to
 * XRC_STARTUP_WAIT_MS for the OVSDB replica and refuses when OVS has
 * bridges xovs created, because reconciling an empty store would delete
 * them; it also refuses when OVSDB does not answer in time.  Returns NULL
 * to go on, else a malloc'd one-line message naming the bridges and how to
 * recover (restore STORE.bak).  Blocks; logs nothing. */
char *xrc_startup_check(struct ovsg *glue, const struct xrec_db *db,
                        const char *store_path);

/* The SDN part of xrc_build() (reconcile-sdn.c): 'db''s SDN_controller
 * records as managers and its SSL record as the SSL row of 'out'; and on
 * network 'net''s bridge 'br' the OpenFlow controllers, fail mode and
 * in-band setting its other_config asks for, else the pool's. */
struct ovsg_bridge;
struct xrec_network;
void xrc_build_sdn(const struct xrec_db *db, struct ovsg_state *out);
void xrc_bridge_sdn(const struct xrec_db *db, const struct xrec_network *net,
                    struct ovsg_bridge *br);

#endif /* agent/reconcile.h */
