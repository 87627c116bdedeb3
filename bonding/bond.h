/* bonding/bond.h: Bond records -> bond port plan, and bond status parsing.
 *
 * XenServer bonds 2..4 NICs in one of three modes (../shared/RECORDS.md).
 * On Open vSwitch a bond is one Port with several Interfaces; this module
 * decides every column of that Port from the Bond record's mode and
 * properties, applying networkd's defaults:
 *
 *   mode           hashing_algorithm   bond_mode       lacp
 *   balance-slb    -                   balance-slb     off
 *   active-backup  -                   active-backup   off
 *   lacp           tcpudp_ports (def)  balance-tcp     active
 *   lacp           src_mac             balance-slb     active
 *
 * plus other_config lacp-time, lacp-fallback-ab, bond-rebalance-interval,
 * bond-detect-mode, bond-miimon-interval, bond-primary, and bond_updelay /
 * bond_downdelay.  It also reads back what OVS reports about a bond (the
 * text of `ovs-appctl bond/show PORT` and `lacp/show PORT`).
 *
 * Plain C on plain values: no OVS headers, no records, no allocation in the
 * plan, so it is unit-tested on its own and the agent feeds it from its
 * records.  ovs-glue applies the plan; the agent turns status into
 * `xovs bond-list`. */
#ifndef BOND_H
#define BOND_H 1

#include <stdbool.h>
#include <stddef.h>

#define BOND_MIN_MEMBERS 2
#define BOND_MAX_MEMBERS 4 /* XenServer's limit */
#define BOND_NAME_MAX 15   /* IFNAMSIZ - 1 */

/* networkd's defaults (milliseconds). */
#define BOND_DEFAULT_MIIMON 100
#define BOND_DEFAULT_DOWNDELAY 200
#define BOND_DEFAULT_UPDELAY 31000
#define BOND_DEFAULT_REBALANCE 1800000
#define BOND_DELAY_MAX 3600000 /* up/downdelay, miimon, rebalance limit */

enum bond_mode {
    BOND_MODE_BALANCE_SLB,   /* source-MAC load balancing, no switch help */
    BOND_MODE_ACTIVE_BACKUP, /* one member carries everything */
    BOND_MODE_LACP,          /* 802.3ad with the switch */
};

const char *bond_mode_to_string(enum bond_mode);
/* Returns false if 's' is not "balance-slb", "active-backup" or "lacp". */
bool bond_mode_from_string(const char *s, enum bond_mode *);

/* One key=value of a Bond's properties. */
struct bond_property {
    const char *key;
    const char *value;
};

/* Checks property 'key'='value' for a bond in 'mode'.  Returns NULL if it
 * is acceptable, else a malloc'd reason that does not name the key, e.g.
 * "\"medium\" is not fast or slow" or "unknown property (known: ...)".
 * Property names (XenServer's Bond.properties and networkd's bond
 * tunables):
 *   hashing_algorithm     src_mac | tcpudp_ports (mode lacp only)
 *   lacp-time             fast | slow
 *   lacp-fallback-ab      true | false
 *   lacp-aggregation-key  1..65535
 *   updelay, downdelay    0..BOND_DELAY_MAX ms
 *   miimon                1..BOND_DELAY_MAX ms (with use_carrier=0)
 *   use_carrier           1 (carrier detection) | 0 (miimon polling)
 *   rebalance-interval    0..BOND_DELAY_MAX ms (0: never) */
char *bond_check_property(enum bond_mode mode, const char *key,
                          const char *value);

/* What the records say about one bond. */
struct bond_settings {
    enum bond_mode mode;
    const char *primary; /* device name of the primary member, or NULL */
    const struct bond_property *properties;
    size_t n_properties; /* assumed valid (bond_check_property()) */
};

#define BOND_PLAN_MAX_OPTIONS 8

struct bond_option {
    const char *key; /* static string */
    char value[24];
};

/* Every Port column of the bond, as OVS spells it. */
struct bond_plan {
    const char *bond_mode; /* "balance-slb", "balance-tcp", "active-backup" */
    const char *lacp;      /* "active" or "off" */
    int updelay;           /* ms: Port bond_updelay */
    int downdelay;         /* ms: Port bond_downdelay */
    struct bond_option other_config[BOND_PLAN_MAX_OPTIONS]; /* Port's */
    size_t n_other_config;
    /* Interface other_config:lacp-aggregation-key of every member, or "" */
    char member_aggregation_key[8];
};

/* Computes the plan for 's'.  Invalid property values are ignored (the
 * default applies); unknown keys are ignored. */
void bond_plan_build(const struct bond_settings *s, struct bond_plan *plan);

/* Looks up 'key' in 'plan->other_config'; NULL if absent. */
const char *bond_plan_get(const struct bond_plan *plan, const char *key);

/* ---------------------------------------------------------------------- */
/* Status, as OVS reports it. */

#define BOND_STATUS_MAX_MEMBERS 8
#define BOND_MAC_LEN 17 /* "aa:bb:cc:dd:ee:ff" */

struct bond_member_status {
    char name[BOND_NAME_MAX + 1];
    bool link_up;       /* the Interface's link_state is "up" */
    bool enabled;       /* bond/show "member NAME: enabled" */
    bool may_enable;    /* link usable as far as the bond can tell */
    bool active;        /* the bond's active member */
    bool lacp_current;  /* lacp/show "current" */
    bool lacp_attached; /* lacp/show "attached" */
    bool lacp_defaulted;
    bool lacp_expired;
    char partner_sys_id[BOND_MAC_LEN + 1]; /* "" if none */
};

struct bond_status {
    char bond_mode[16];                    /* bond/show bond_mode */
    char lacp_status[24];                  /* "negotiated", "negotiating",
                                            * "configured", "off" or "" */
    bool fallback_ab;                      /* lacp_fallback_ab */
    char active_mac[BOND_MAC_LEN + 1];     /* active member's MAC or "" */
    char active_member[BOND_NAME_MAX + 1]; /* its name or "" */
    char sys_id[BOND_MAC_LEN + 1];         /* our LACP system id or "" */
    char partner_sys_id[BOND_MAC_LEN + 1]; /* the partner's, or "" */
    struct bond_member_status members[BOND_STATUS_MAX_MEMBERS];
    size_t n_members;
};

void bond_status_init(struct bond_status *);

/* Parses the text of `ovs-appctl bond/show PORT` (one bond) into 'st'
 * (initialized), adding members by name.  Unknown lines are skipped;
 * over-long values are truncated; members beyond BOND_STATUS_MAX_MEMBERS
 * are ignored.  Returns true if the text described a bond at all (had a
 * "bond_mode:" line). */
bool bond_status_parse_bond_show(const char *text, struct bond_status *st);

/* Parses `ovs-appctl lacp/show PORT` into 'st' the same way: the status
 * line, the system ids, and per member "current"/"attached"/"defaulted"/
 * "expired" and the partner's system id.  Returns true if it described an
 * LACP port (had a "status:" line); then it also sets 'st->lacp_status'
 * (replacing bond/show's): "negotiated" if OVS says so and at least one
 * member is current (heard the partner), "negotiating" if OVS says
 * negotiated but no member is current (no LACPDU heard yet: OVS gives a new
 * or silent partner 3 s before it decides), else "configured". */
bool bond_status_parse_lacp_show(const char *text, struct bond_status *st);

/* The member called 'name' in 'st', or NULL. */
struct bond_member_status *bond_status_find_member(struct bond_status *st,
                                                   const char *name);

/* A one-line summary of 'm' ("enabled, active, lacp current attached");
 * writes at most 'size' bytes into 'buf' and returns 'buf'. */
char *bond_member_summary(const struct bond_member_status *m, char *buf,
                          size_t size);

#endif /* bonding/bond.h */
