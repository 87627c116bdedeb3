/* agent/reconcile-ethtool.h: PIF other_config:ethtool-* onto the NICs
 * (reconcile-ethtool.c).
 *
 * Not part of xrc_build(): NIC settings are not in OVSDB, so the agent
 * applies them itself after each reconcile, through the kernel's ethtool
 * netlink interface (ethtool-nl.h), as XenServer's interface-reconfigure
 * does with ethtool(8) when a PIF is plugged. */
#ifndef XRC_RECONCILE_ETHTOOL_H
#define XRC_RECONCILE_ETHTOOL_H 1

struct smap;
struct svec;
struct xrec_db;

/* Applies to every plugged physical PIF's NIC (and each member of a
 * plugged bond) its other_config:ethtool-* settings, when they differ
 * from what 'applied' (device -> settings last applied; owned by the
 * caller, empty at start) says; a PIF without such keys is left as it is.
 * A NIC that refuses a setting gets one warning per change, naming the
 * key; a NIC that does not exist yet is tried again at the next call.
 * Unplugged NICs leave 'applied', so plugging applies them again. */
void xrc_ethtool_sync(const struct xrec_db *db, struct smap *applied);

/* Applies 'other_config''s ethtool-* keys to NIC 'device' (values checked
 * by xrec_check_ethtool(); others are skipped).  Adds to 'problems' one
 * line per setting the NIC did not take.  Returns 0, or a positive errno
 * value if the NIC could not be read at all (ENODEV: no such link). */
int xrc_ethtool_apply(const char *device, const struct smap *other_config,
                      struct svec *problems);

/* Puts in 'state' NIC 'device''s current settings under the keys'
 * names without "ethtool-": rx, tx, sg, tso, ufo, gso, gro, lro ("on" or
 * "off", with " (fixed)" if the driver does not let it change), autoneg,
 * speed (Mb/s) and duplex when the driver reports them.  Leaves 'state'
 * empty if the NIC cannot be read.  Does not log. */
void xrc_ethtool_read(const char *device, struct smap *state);

#endif /* agent/reconcile-ethtool.h */
