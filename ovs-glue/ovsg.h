/* ovs-glue/ovsg.h: the only door to Open vSwitch.
 *
 * The agent describes the switch it wants as a 'struct ovsg_state' (plain
 * data: bridges, ports, interfaces, OpenFlow rules) and hands it to
 * ovsg_set_desired() (or patches the ports one change touches into it,
 * ovsg_patch_desired()).  ovsg_run() makes OVS match it: it diffs the
 * desired state against the OVSDB IDL replica and commits only the
 * difference in one transaction, and it keeps each bridge's cookie-tagged
 * flows equal to the desired set over an OpenFlow connection to the
 * bridge.  Whatever changes OVS underneath (a port deleted by hand,
 * ovsdb-server or ovs-vswitchd restarting) is noticed through the IDL or
 * the OpenFlow connection and repaired the same way, with a log line
 * saying what was repaired.
 *
 * Incremental passes (ovsg-dirty.c): a pass diffs only the ports and
 * bridges that changed -- in the desired state, or in OVSDB as the IDL's
 * change tracking reports it (the glue's own transactions and drift made
 * by hand alike) -- so one change costs about the same on a host with
 * thousands of VIFs as on an empty one.  A full pass of everything runs at
 * start, after the IDL reconnects, after a refused transaction and every
 * OVSG_FULL_PASS_MS.
 *
 * Ownership: every Bridge, Port and Interface the glue creates carries
 * external_ids:xovs-owner=xovs-agent (OVSG_MARK_KEY), and the glue modifies
 * or deletes only marked objects.  An unmarked object -- made by hand with
 * ovs-vsctl, by xapi, by anyone -- is never touched, not even when it sits
 * on an xovs bridge: a desired bridge, port or interface whose name an
 * unmarked object already has is not applied, and the records it stands for
 * get an error naming that object (ovsg_get_error()).  An owned bridge that
 * is no longer desired but still holds unmarked ports keeps those ports and
 * is left in place.  Flows are owned by cookie (OVSG_COOKIE).
 *
 * Upgrades: bridges made by xovs before the mark existed carry
 * xs-network-uuids but no mark.  Such a bridge is adopted (marked, with the
 * ports the records want on it) only if its name is a desired bridge's name
 * and its xs-network-uuids share a network uuid with that bridge's; any other
 * unmarked bridge is foreign, XenServer's own included.
 *
 * Partial failure: one object that cannot be applied does not hold up the
 * others.  Collisions with unmarked objects are found in the replica before
 * anything is written; if OVSDB still refuses a transaction, the glue
 * bisects the bridges and ports it tried to change over further
 * transactions until the refused ones are isolated, applies the rest, and
 * reports the refused ones as errors (retried on the next desired state and
 * every OVSG_RETRY_MS).
 *
 *        set_desired()              IDL change / vconn (re)connect
 *             │                               │
 *             ▼                               ▼
 *        desired state ──── diff vs replica ──► one IDL txn, flow mods
 */
#ifndef OVSG_H
#define OVSG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/shash.h"
#include "smap.h"
#include "sset.h"
#include "svec.h"

/* All xovs-owned OpenFlow rules carry this cookie (ASCII "xovs" in the high
 * half); rules with other cookies are left alone. */
#define OVSG_COOKIE UINT64_C(0x786f767300000000)

/* The ownership mark on every Bridge, Port and Interface xovs creates. */
#define OVSG_MARK_KEY "xovs-owner"
#define OVSG_MARK_VALUE "xovs-agent"

/* How often a pass walks every bridge and port even though nothing asked
 * for it (ms; see ovsg-dirty.c): the safety net of the incremental
 * passes. */
#define OVSG_FULL_PASS_MS 30000

/* How often objects OVSDB refused are tried again (ms). */
#define OVSG_RETRY_MS 30000

struct ovsg_iface {
    char *name;      /* kernel name, e.g. "vif3.0", "eth1" */
    char *type;      /* "" (system) or "internal" */
    int mtu_request; /* 0: leave unset */
    struct smap external_ids;
    struct smap options;
    struct smap other_config;  /* e.g. lacp-aggregation-key of a bond member */
    struct smap bfd;           /* Interface bfd column (tunnels' liveness) */
    int ingress_policing_rate; /* kbit/s the port may receive from its
                                * device (a VIF's guest sends); 0: none */
    int ingress_policing_burst; /* kbit */
};

struct ovsg_port {
    char *name;
    int tag;             /* -1: no tag (trunk/all VLANs) */
    bool fake_bridge;    /* a VLAN fake bridge's internal port */
    bool protected_port; /* Port "protected": OVS forwards nothing between
                          * two protected ports (the tunnels' split
                          * horizon: a full mesh must not loop) */
    /* VLAN trunk columns (vlan/trunks.h's plan); NULL/empty: unset. */
    char *vlan_mode; /* "trunk", "native-untagged", "native-tagged" */
    int64_t *trunks; /* sorted tags; none with vlan_mode "trunk": all */
    size_t n_trunks;
    struct smap external_ids;
    struct ovsg_iface *ifaces;
    size_t n_ifaces; /* 1, or more for a bond */
    /* Bond columns (see bonding/bond.h for what they mean).  A port with
     * one interface leaves them NULL/0/empty, and so does OVS. */
    char *bond_mode;          /* "balance-slb", "balance-tcp",
                               * "active-backup"; NULL: unset */
    char *lacp;               /* "active", "passive", "off"; NULL: unset */
    int bond_updelay;         /* ms */
    int bond_downdelay;       /* ms */
    struct smap other_config; /* lacp-time, bond-primary, ... */
    /* Flows that filter this port (ovsg_bridge's syntax): installed only
     * while the port is xovs's and in OVS (or about to be). */
    struct svec flows;
    struct svec records; /* uuids of the records this port stands for */
    /* Egress shaping: the rate (bit/s) the switch sends out of this port
     * at most, as an xovs-owned QoS row (linux-htb, one queue); 0: none.
     * A QoS row xovs did not create is left alone (ovsg-qos.c). */
    long long int qos_max_rate;
};

/* One flow export protocol of a bridge (OVS's sFlow, IPFIX or NetFlow
 * table); no targets: none.  0 leaves a number to OVS's default. */
struct ovsg_export {
    struct svec targets; /* "IP:PORT" */
    int sampling;        /* sFlow, IPFIX: one packet in N */
    int polling;         /* sFlow: counter polling interval, s */
    int active_timeout;  /* IPFIX cache_active_timeout, NetFlow
                          * active_timeout (-1: none), s */
};

/* A port mirror (OVS Mirror row on its bridge, marked like the bridges'
 * objects; unmarked Mirror rows, e.g. a controller's, are left alone).
 * Port names are resolved against the bridge's ports in OVS: a source
 * port not (yet) there is left out, and the mirror waits while it has no
 * source or its output port is not there. */
struct ovsg_mirror {
    char *name;
    bool select_all;       /* every port of the bridge is a source */
    struct svec src_ports; /* both directions (select_src/dst_port) */
    char *output_port;     /* SPAN output port, or NULL */
    int output_vlan;       /* RSPAN output VLAN, or -1 */
    struct smap external_ids;
    struct svec records; /* uuids of the records it stands for */
};

struct ovsg_bridge {
    char *name;
    int mtu_request;          /* of the bridge's own internal interface */
    struct smap external_ids; /* "xs-network-uuids"; the glue adds the
                               * ownership mark */
    struct ovsg_port **ports; /* excluding the bridge's own local port */
    size_t n_ports;
    /* Flows in ovs-ofctl syntax, without cookie (OVSG_COOKIE is added),
     * e.g. "table=0,priority=4000,in_port=\"vif1.0\",dl_src=...,
     * actions=NORMAL".  Port names are resolved against this bridge's
     * interfaces. */
    struct svec flows;
    /* Flows that name ports of the bridge other than through a port's own
     * 'flows' (e.g. a promiscuous VIF's copies of other ports' traffic):
     * 'cond_flows.names[i]' is installed only while every interface in
     * 'cond_needs.names[i]' (names separated by ',') is in place.  Add them
     * with ovsg_bridge_add_cond_flow(). */
    struct svec cond_flows;
    struct svec cond_needs;
    struct svec records; /* uuids of the records this bridge stands for */
    /* IGMP/MLD snooping with unregistered multicast not flooded
     * (mcast_snooping_enable and other_config:mcast-snooping-disable-
     * flood-unregistered; no other other_config key is touched). */
    bool mcast_snooping;
    /* Flow export rows, xovs-owned (external_ids mark); a row xovs did not
     * create (a controller's) is left alone (ovsg-qos.c). */
    struct ovsg_export sflow;
    struct ovsg_export ipfix;
    struct ovsg_export netflow;
    /* SDN (ovsg-sdn.c).  'controllers': OpenFlow controller targets xovs
     * puts on the bridge (Controller rows it marks; Controller rows others
     * add are left alone).  'fail_mode' "secure" or "standalone", NULL to
     * leave the column as it is -- unless xovs wrote it, which it notes in
     * the bridge's external_ids:OVSG_SDN_FAIL_MODE_KEY, then it is cleared.
     * 'disable_in_band' likewise for other_config:disable-in-band
     * (OVSG_SDN_IN_BAND_KEY). */
    struct svec controllers;
    char *fail_mode;
    bool disable_in_band;
    /* A bridge someone else owns (OVN's integration bridge, which
     * ovn-controller creates and programs): xovs neither creates, changes
     * nor deletes it, and only adds and removes its own (marked) ports on
     * it; until the bridge exists, they wait.  Its 'flows' stay empty. */
    bool foreign;
    struct ovsg_mirror **mirrors;
    size_t n_mirrors;
};

#define OVSG_SDN_FAIL_MODE_KEY "xovs-fail-mode"
#define OVSG_SDN_IN_BAND_KEY "xovs-disable-in-band"

/* The host's TLS identity as OVS's SSL table holds it. */
struct ovsg_ssl {
    char *private_key;
    char *certificate;
    char *ca_cert;
    bool bootstrap_ca_cert;
    char *record; /* uuid of the record it stands for */
};

struct ovsg_state {
    char *datapath_type; /* "netdev" or "system" */
    struct ovsg_bridge **bridges;
    size_t n_bridges;
    /* SDN (ovsg-sdn.c): Manager targets xovs owns (marked rows in
     * Open_vSwitch manager_options; others are left alone) and, at the same
     * index, the uuid of the record each stands for; and the SSL row (NULL:
     * xovs wants none; an SSL row xovs did not create is never replaced).
     * Plain arrays: a state is moved by value (ovsg_set_desired()). */
    struct svec managers;
    struct svec manager_records;
    struct ovsg_ssl *ssl;
    /* OVN (ovsg-ovn.c): keys xovs wants in the Open_vSwitch row's
     * external_ids (system-id, ovn-remote, ovn-encap-*, ...).  xovs notes
     * the keys it wrote in external_ids:xovs-keys and removes only those
     * when they are no longer wanted.  "KEY=VALUE" strings (a plain array:
     * states move by value). */
    struct svec ovs_external_ids;
};

/* Building and freeing desired states.  Ports and bridges are separately
 * allocated (they embed hash maps, which must not move). */
void ovsg_state_init(struct ovsg_state *, const char *datapath_type);
void ovsg_state_destroy(struct ovsg_state *);
void ovsg_state_add_manager(struct ovsg_state *, const char *target,
                            const char *record);
void ovsg_ssl_destroy(struct ovsg_ssl *); /* accepts NULL */
struct ovsg_bridge *ovsg_state_add_bridge(struct ovsg_state *,
                                          const char *name);
struct ovsg_bridge *ovsg_state_find_bridge(const struct ovsg_state *,
                                           const char *name);
/* Adds a port with one interface of the same name and returns the port;
 * its interface is port->ifaces[0]. */
struct ovsg_port *ovsg_bridge_add_port(struct ovsg_bridge *, const char *name,
                                       const char *type);
/* Adds 'flow' to 'br' installed only while the interfaces named in 'needs'
 * (separated by ',') are in place; a flow already added is not added
 * twice. */
void ovsg_bridge_add_cond_flow(struct ovsg_bridge *br, const char *flow,
                               const char *needs);
/* Adds a bond port 'name' whose interfaces are the 'n_members' system
 * devices 'members' (port->ifaces[i] is members[i]); the caller fills in
 * the bond columns. */
struct ovsg_port *ovsg_bridge_add_bond(struct ovsg_bridge *, const char *name,
                                       const char *const *members,
                                       size_t n_members);

/* Adds an empty mirror 'name' (output_vlan -1) to 'br'. */
struct ovsg_mirror *ovsg_bridge_add_mirror(struct ovsg_bridge *,
                                           const char *name);

struct ovsg;

/* Connects to the OVSDB server at 'remote' ("unix:PATH").  Never fails:
 * connection happens (and is retried) in ovsg_run(). */
struct ovsg *ovsg_create(const char *remote);
void ovsg_destroy(struct ovsg *);

/* Replaces the desired state; takes ownership of 'desired' (its contents
 * are moved out and it is left empty). */
void ovsg_set_desired(struct ovsg *, struct ovsg_state *desired);

void ovsg_run(struct ovsg *);
void ovsg_wait(struct ovsg *);

/* Changes the desired state in place, as ovsg_set_desired() with a state
 * that differs only in these ports would, at the cost of these ports: takes
 * out the port named 'remove_names[i]' if it stands for record
 * 'remove_records[i]', then moves the ports of each bridge of 'add' into
 * the desired bridge of the same name (a port whose bridge is not desired
 * stays in 'add', for the caller to destroy).  Only those ports are looked
 * at by the next pass. */
void ovsg_patch_desired(struct ovsg *, const struct svec *remove_names,
                        const struct svec *remove_records,
                        struct ovsg_state *add);

/* True once OVS matches the latest desired state (database and flows) as
 * far as it can: objects in error (ovsg_get_error()) are left out. */
bool ovsg_is_synced(const struct ovsg *);
/* The desired state last given to ovsg_set_desired() (empty before the
 * first), valid until the next call. */
const struct ovsg_state *ovsg_get_desired(const struct ovsg *);

/* Why the OVS objects standing for record 'uuid' (see the 'records' of
 * bridges and ports) are not applied, as one line naming the object in the
 * way, e.g. "bridge xapi0 exists in Open vSwitch and xovs did not create
 * it"; NULL if nothing is known to be wrong.  The string is owned by 'g'
 * and valid until the next ovsg_run() or ovsg_set_desired(). */
const char *ovsg_get_error(const struct ovsg *, const char *uuid);

/* Checks 'state' against the replica for collisions with objects xovs did
 * not create, as ovsg_run() would, and adds "record uuid -> message"
 * (malloc'd) to 'errors' for every record affected.  With 'base' (NULL:
 * none), only the bridges and ports of 'state' that differ from 'base''s
 * are checked: a change costs what it changed, not the whole state (most
 * cheaply when 'base' is ovsg_get_desired()'s).  Writes nothing, logs
 * nothing.  Without a replica yet, finds nothing. */
void ovsg_check_collisions(const struct ovsg *, const struct ovsg_state *,
                           const struct ovsg_state *base,
                           struct shash *errors);

/* Runs the IDL until it holds a replica of the database, for at most
 * 'timeout_ms'.  Blocks (it is meant for start-up, before the poll loop).
 * Returns 0, or ETIMEDOUT. */
int ovsg_wait_for_replica(struct ovsg *, long long int timeout_ms);

/* Adds to 'names' the bridges in the replica that carry the ownership mark
 * (xovs made them).  Logs nothing. */
void ovsg_owned_bridges(const struct ovsg *, struct svec *names);

/* The 'ofport' OVS assigned to interface 'name', or -1 if unknown. */
int ovsg_get_ofport(const struct ovsg *, const char *name);

/* Fills 'bfd_status' (initialized by the caller) with the bfd_status
 * column of interface 'name' in the replica.  Returns 0, or ENOENT if the
 * replica has no such interface.  Never blocks, logs nothing. */
int ovsg_get_iface_bfd(const struct ovsg *, const char *name,
                       struct smap *bfd_status);

/* What OVS reports about one bond port. */
struct ovsg_bond_member {
    char *name;
    bool link_up;     /* Interface link_state is "up" */
    int lacp_current; /* Interface lacp_current: 1 true, 0 false, -1 unset */
};

struct ovsg_bond_info {
    char *active_slave_mac; /* Port bond_active_slave, or NULL */
    struct ovsg_bond_member *members;
    size_t n_members;
    char *bond_show; /* text of `ovs-appctl bond/show PORT`, or NULL if
                      * ovs-vswitchd could not be asked */
    char *lacp_show; /* text of `ovs-appctl lacp/show PORT`, or NULL (LACP
                      * off, or ovs-vswitchd not asked) */
};

/* Fills 'info' (all members owned by it) for bond port 'port': the status
 * columns from the IDL replica, and the bond/lacp unixctl answers from the
 * ovs-vswitchd whose pidfile is in the run directory.  Waits at most about
 * a second for ovs-vswitchd in all.  Returns 0 (a text ovs-vswitchd
 * refused, e.g. for a bond it is still creating, stays NULL); ENOENT if the
 * replica has no port 'port' with several interfaces; or, with 'info'
 * emptied, ESRCH (no ovs-vswitchd runs) or ETIMEDOUT (it did not answer in
 * time: stopped or hung).  Failures are logged, rate-limited. */
int ovsg_get_bond_info(struct ovsg *, const char *port,
                       struct ovsg_bond_info *info);
void ovsg_bond_info_destroy(struct ovsg_bond_info *);

/* Traffic counters of one interface, as OVS's Interface "statistics"
 * column has them (a counter OVS does not report is 0).  Only uint64_t
 * members, in this order (ovsg-stats.c reads them by key). */
struct ovsg_iface_stats {
    uint64_t rx_packets, tx_packets;
    uint64_t rx_bytes, tx_bytes;
    uint64_t rx_dropped, tx_dropped;
    uint64_t rx_errors, tx_errors;
};

/* Adds to 'out' (name -> malloc'd struct ovsg_iface_stats, the caller frees
 * them) every interface in the replica that xovs made.  ovs-vswitchd
 * updates them every few seconds (5 s by default), only when they change.
 * Logs nothing. */
void ovsg_iface_stats_all(const struct ovsg *, struct shash *out);

/* The same for the interfaces whose counters changed, or that came, since
 * the last call (the IDL's change tracking: the cost is theirs, not the
 * host's); adds to 'gone' the names of those that went or are not
 * xovs's.  Logs nothing. */
void ovsg_iface_stats_take(struct ovsg *, struct shash *out,
                           struct sset *gone);

/* How often ovs-vswitchd writes the statistics (ms): its
 * other_config:stats-update-interval, 5000 by default and at least. */
long long ovsg_stats_interval_ms(const struct ovsg *);

/* What the glue did since it was created (the agent's metrics). */
struct ovsg_counters {
    unsigned long long n_full_passes;        /* walks of every bridge */
    unsigned long long n_incremental_passes; /* walks of the dirty ones */
    unsigned long long n_ports_diffed; /* desired ports compared with OVS */
    unsigned long long n_ports_walked; /* ports left alone whose numbers a
                                        * pass re-read (for flows) */
    unsigned long long n_txns;         /* transactions sent to OVSDB */
};
void ovsg_get_counters(const struct ovsg *, struct ovsg_counters *);

/* Changes whenever the replica changes (statistics included). */
unsigned int ovsg_seqno(const struct ovsg *);

#endif /* ovs-glue/ovsg.h */
