/* agent/reconcile-private.h: what the files of reconcile (reconcile.h)
 * share: reconcile.c builds bridges, ports and locking flows;
 * reconcile-promisc.c adds the flows of promiscuous VIFs. */
#ifndef XRC_RECONCILE_PRIVATE_H
#define XRC_RECONCILE_PRIVATE_H 1

#include <stdbool.h>

struct ovsg_state;
struct sset;
struct vlan_placement;
struct xrec_db;
struct xrec_network;

/* What a flow that accepts a packet does on a bridge with a promiscuous
 * VIF: table 1 forwards it (NORMAL) and copies it to those VIFs. */
#define XRC_FWD_PROMISC "resubmit(,1)"

/* Where 'net's ports go (vlan/'s rules); false if nowhere. */
bool xrc_place(const struct xrec_db *, const struct xrec_network *net,
               struct vlan_placement *place);

/* Adds 'vif''s port to 'br' (placed by 'place' on network 'net'; 'fwd' as
 * in xrc_add_vif_qos()). */
struct ovsg_bridge;
struct xrec_vif;
void xrc_add_vif(struct ovsg_bridge *br, const struct xrec_vif *vif,
                 const struct xrec_network *net,
                 const struct vlan_placement *place, const char *fwd);

/* Whether 'vif' (of 'net') is promiscuous (reconcile-promisc.c). */
bool xrc_is_promiscuous(const struct xrec_vif *vif,
                        const struct xrec_network *net);

/* Adds to 'bridges' the (real) bridges that carry a promiscuous VIF. */
void xrc_promiscuous_bridges(const struct xrec_db *, struct sset *bridges);

/* Adds to 'out' the flows of the promiscuous VIFs on 'bridges' (see
 * reconcile-promisc.c). */
void xrc_add_promiscuous(const struct xrec_db *, struct ovsg_state *out,
                         const struct sset *bridges);

/* OVN (reconcile-ovn.c).  The pool record's other_config keys that
 * host-ovn-join writes (api-ovn.c), and the network other_config key that
 * makes a network one of the pool's OVN networks: its VIFs go on OVN's
 * integration bridge, XRC_OVN_BRIDGE, and the network has no bridge of its
 * own. */
#define XRC_OVN_REMOTE "ovn-remote"
#define XRC_OVN_ENCAP_IP "ovn-encap-ip"
#define XRC_OVN_ENCAP_TYPE "ovn-encap-type"
#define XRC_OVN_SYSTEM_ID "ovn-system-id"
#define XRC_OVN_BRIDGE_MAPPINGS "ovn-bridge-mappings"
#define XRC_OVN_NETWORK "ovn-network"
#define XRC_OVN_BRIDGE "br-int"

struct xrec_vif;
bool xrc_is_ovn(const struct xrec_network *);
/* Adds the integration bridge (foreign: ovn-controller's) when the host
 * is joined or has OVN networks, and the Open_vSwitch external_ids that
 * join it. */
void xrc_build_ovn(const struct xrec_db *, const char *datapath_type,
                   struct ovsg_state *out);
/* Puts 'vif' of OVN network 'net' on the integration bridge, if 'out' has
 * one. */
void xrc_add_ovn_vif(struct ovsg_state *out, const struct xrec_vif *vif,
                     const struct xrec_network *net);

#endif /* agent/reconcile-private.h */
