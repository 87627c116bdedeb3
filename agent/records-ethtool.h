/* agent/records-ethtool.h: XenServer's PIF other_config:ethtool-* keys.
 *
 * interface-reconfigure hands these to ethtool(8); xovs applies them with
 * the kernel's ethtool netlink interface (reconcile-ethtool.c).  This file
 * is the part both the CLI and the agent need: which keys there are and
 * what values they take. */
#ifndef XREC_RECORDS_ETHTOOL_H
#define XREC_RECORDS_ETHTOOL_H 1

#include <stdbool.h>
#include <stddef.h>

struct json_object;

#define XREC_ETHTOOL_PREFIX "ethtool-"
#define XREC_ETHTOOL_SPEED_MAX 800000 /* Mb/s */

/* An ethtool-* key: the offload switches (on/off) and the link settings. */
struct xrec_ethtool_key {
    const char *key;             /* "ethtool-gro" */
    const char *const *features; /* kernel feature names, NULL-terminated;
                                  * NULL for autoneg, speed and duplex */
};

/* The keys, in the order they are shown; '*n' gets their number. */
const struct xrec_ethtool_key *xrec_ethtool_keys(size_t *n);

/* NULL if other_config key 'key' with 'value' is fine for a PIF (every key
 * that does not begin with "ethtool-" is), else a malloc'd reason naming
 * the key: on/off keys take on, off, true or false; ethtool-speed a number
 * of Mb/s 1..XREC_ETHTOOL_SPEED_MAX; ethtool-duplex half or full; an
 * unknown ethtool-* key is refused. */
char *xrec_check_ethtool(const char *key, const char *value);

/* A PIF's properties (xapi's PIF.properties): only "gro", on or off; the
 * NIC's GRO follows it, ahead of other_config:ethtool-gro. */
enum xrec_pif_gro {
    XREC_GRO_UNSET, /* not set: other_config:ethtool-gro, or as it is */
    XREC_GRO_ON,
    XREC_GRO_OFF,
};

/* NULL if property 'key' may have 'value' ("gro": "on" or "off"), else a
 * malloc'd reason. */
char *xrec_check_pif_property(const char *key, const char *value);
/* Adds PIF property map {"gro": ...} ('gro' not UNSET) to 'obj' as
 * "properties"; reads it back ('*gro' UNSET if absent), returning NULL or
 * a malloc'd reason. */
void xrec_pif_props_to_json(struct json_object *obj, enum xrec_pif_gro gro);
char *xrec_pif_props_from_json(struct json_object *obj,
                               enum xrec_pif_gro *gro);

/* Whether on/off value 'value' (already checked) means on. */
bool xrec_ethtool_is_on(const char *value);

#endif /* agent/records-ethtool.h */
