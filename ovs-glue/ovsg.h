/* ovs-glue/ovsg.h: the only door to Open vSwitch.
 *
 * The agent describes the switch it wants as a 'struct ovsg_state' (plain
 * data: bridges, ports, interfaces, OpenFlow rules) and hands it to
 * ovsg_set_desired().  ovsg_run() makes OVS match it: it diffs the desired
 * state against the OVSDB IDL replica and commits only the difference in
 * one transaction, and it keeps each bridge's cookie-tagged flows equal to
 * the desired set over an OpenFlow connection to the bridge.  Whatever
 * changes OVS underneath (a port deleted by hand, ovsdb-server or
 * ovs-vswitchd restarting) is noticed through the IDL or the OpenFlow
 * connection and repaired the same way, with a log line saying what was
 * repaired.
 *
 * Ownership: the glue owns every bridge whose external_ids carry
 * "xs-network-uuids" and every port on such a bridge; bridges without it are
 * never touched.
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
#include "smap.h"
#include "svec.h"

/* All xovs-owned OpenFlow rules carry this cookie (ASCII "xovs" in the high
 * half); rules with other cookies are left alone. */
#define OVSG_COOKIE UINT64_C(0x786f767300000000)

struct ovsg_iface {
    char *name;      /* kernel name, e.g. "vif3.0", "eth1" */
    char *type;      /* "" (system) or "internal" */
    int mtu_request; /* 0: leave unset */
    struct smap external_ids;
    struct smap options;
};

struct ovsg_port {
    char *name;
    int tag;          /* -1: no tag (trunk/all VLANs) */
    bool fake_bridge; /* a VLAN fake bridge's internal port */
    struct smap external_ids;
    struct ovsg_iface *ifaces;
    size_t n_ifaces; /* 1, or more for a bond (later) */
};

struct ovsg_bridge {
    char *name;
    int mtu_request;          /* of the bridge's own internal interface */
    struct smap external_ids; /* must hold "xs-network-uuids" */
    struct ovsg_port **ports; /* excluding the bridge's own local port */
    size_t n_ports;
    /* Flows in ovs-ofctl syntax, without cookie (OVSG_COOKIE is added),
     * e.g. "table=0,priority=4000,in_port=\"vif1.0\",dl_src=...,
     * actions=NORMAL".  Port names are resolved against this bridge's
     * interfaces. */
    struct svec flows;
};

struct ovsg_state {
    char *datapath_type; /* "netdev" or "system" */
    struct ovsg_bridge **bridges;
    size_t n_bridges;
};

/* Building and freeing desired states.  Ports and bridges are separately
 * allocated (they embed hash maps, which must not move). */
void ovsg_state_init(struct ovsg_state *, const char *datapath_type);
void ovsg_state_destroy(struct ovsg_state *);
struct ovsg_bridge *ovsg_state_add_bridge(struct ovsg_state *,
                                          const char *name);
struct ovsg_bridge *ovsg_state_find_bridge(const struct ovsg_state *,
                                           const char *name);
/* Adds a port with one interface of the same name and returns the port;
 * its interface is port->ifaces[0]. */
struct ovsg_port *ovsg_bridge_add_port(struct ovsg_bridge *, const char *name,
                                       const char *type);

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

/* True once OVS matches the latest desired state (database and flows). */
bool ovsg_is_synced(const struct ovsg *);

/* The 'ofport' OVS assigned to interface 'name', or -1 if unknown. */
int ovsg_get_ofport(const struct ovsg *, const char *name);

#endif /* ovs-glue/ovsg.h */
