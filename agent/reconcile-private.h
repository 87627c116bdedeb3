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

/* Adds to 'bridges' the (real) bridges that carry a promiscuous VIF. */
void xrc_promiscuous_bridges(const struct xrec_db *, struct sset *bridges);

/* Adds to 'out' the flows of the promiscuous VIFs on 'bridges' (see
 * reconcile-promisc.c). */
void xrc_add_promiscuous(const struct xrec_db *, struct ovsg_state *out,
                         const struct sset *bridges);

#endif /* agent/reconcile-private.h */
