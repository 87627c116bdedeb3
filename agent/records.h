/* agent/records.h: XenServer's networking records as the agent keeps them.
 *
 * Field names and meanings follow xapi's data model (../shared/RECORDS.md):
 * network, PIF, VLAN, Bond and VIF.  Tunnels and SDN controllers are added
 * by later work as further arrays in 'struct xrec_db'.  The records are the
 * single source of truth: reconcile.c derives the desired switch state from
 * them and nothing else.
 *
 * Every string member is heap-owned by its record; uuid members that refer to
 * other records are plain uuids (never pointers), so a record can be copied,
 * validated and rejected without touching the others.  Lookup is linear:
 * XenServer's limits (16 NICs, 1000 VMs x 7 VIFs) keep the arrays small. */
#ifndef XREC_RECORDS_H
#define XREC_RECORDS_H 1

#include <stdbool.h>
#include <stddef.h>
#include "agent/records-ethtool.h"
#include "agent/records-pif-ip.h"
#include "bonding/bond.h"
#include "smap.h"
#include "svec.h"
#include "vlan/trunks.h"
#include "vlan/vlan.h"

struct json_object;
struct xrec_change;

#define XREC_MTU_MIN 68
#define XREC_MTU_MAX 9216
#define XREC_MTU_DEFAULT 1500
#define XREC_VLAN_NONE VLAN_NONE /* vlan/vlan.h's rules */
#define XREC_VLAN_MAX VLAN_TAG_MAX
#define XREC_STORE_VERSION 1     /* "version" of the JSON file format */
#define XREC_DOMID_MAX 32752     /* DOMID_FIRST_RESERVED - 1 */
#define XREC_VIF_DEVICE_MAX 15   /* XenServer uses 0..6; netback allows more */
#define XREC_IFNAME_MAX 15       /* IFNAMSIZ - 1: bridges and devices */
#define XREC_TEXT_MAX 1024       /* labels, descriptions, config values */
#define XREC_KEY_MAX 255         /* other_config keys */
#define XREC_OTHER_CONFIG_MAX 64 /* keys per other_config map */
#define XREC_ALLOWED_IPS_MAX 64  /* addresses per ipv4/ipv6_allowed */
#define XREC_RECORDS_MAX 65536   /* records per table */
#define XREC_QOS_KBPS_MAX 100000000 /* 100 Gbit/s: qos_algorithm_params */
#define XREC_SDN_PORT_DEFAULT 6632  /* XenServer's OVSDB manager port */
#define XREC_SDN_PROTOCOLS "ssl, tcp, pssl or ptcp"
#define XREC_SDN_MAX 16    /* SDN_controller records */
#define XREC_PATH_MAX 1023 /* TLS file paths */

enum xrec_locking_mode {
    XREC_LOCK_NETWORK_DEFAULT, /* follow network.default_locking_mode */
    XREC_LOCK_LOCKED,          /* only own MAC + allowed IPs may send */
    XREC_LOCK_UNLOCKED,        /* no filtering */
    XREC_LOCK_DISABLED,        /* drop everything */
};

struct xrec_network {
    char *uuid;
    char *name_label;
    char *name_description;
    char *bridge; /* xenbrN, xapiN, or as given at creation */
    int mtu;      /* XREC_MTU_MIN..XREC_MTU_MAX */
    enum xrec_locking_mode default_locking_mode; /* UNLOCKED or DISABLED */
    struct smap other_config;
};

struct xrec_pif {
    char *uuid;
    char *device;  /* kernel name: eth1 (a VLAN PIF shares it) */
    char *network; /* uuid of its network */
    char *mac;     /* "aa:bb:cc:dd:ee:ff" */
    int mtu;
    int vlan;      /* XREC_VLAN_NONE, or the tag of a VLAN PIF */
    bool physical; /* discovered NIC (not a VLAN/bond PIF) */
    bool currently_attached;
    bool management;
    struct smap other_config;
    struct xrec_pif_ip ip; /* IP configuration (records-pif-ip.h) */
    enum xrec_pif_gro gro; /* properties:gro (records-ethtool.h) */
};

struct xrec_vlan {
    char *uuid;
    char *tagged_pif;   /* uuid of the parent (physical) PIF */
    char *untagged_pif; /* uuid of the VLAN PIF this record created */
    int tag;            /* 0..XREC_VLAN_MAX */
};

/* A bond: its own PIF (the "master", device bondN, on the bond's network)
 * aggregating 2..4 physical member PIFs ("slaves").  A member keeps its own
 * network record, but while it is in a bond it is a port of the bond, not
 * of that network's bridge. */
struct xrec_bond {
    char *uuid;
    char *master;           /* uuid of the bond PIF */
    struct svec slaves;     /* uuids of the member PIFs, in order */
    char *primary_slave;    /* uuid, one of 'slaves' */
    enum bond_mode mode;    /* balance-slb (default), active-backup, lacp */
    struct smap properties; /* checked by bond_check_property() */
};

struct xrec_vif {
    char *uuid;
    char *vm_uuid;
    int domid;     /* >= 0 */
    int device;    /* index on the VM: vif<domid>.<device> */
    char *network; /* uuid */
    char *mac;
    int mtu; /* 0: the network's MTU */
    enum xrec_locking_mode locking_mode;
    struct svec ipv4_allowed; /* dotted quads, canonical form */
    struct svec ipv6_allowed; /* canonical (inet_ntop) form */
    bool currently_attached;  /* plugged: its port belongs on the bridge */
    struct smap other_config;
    char *qos_algorithm_type;         /* "" or "ratelimit" (never NULL) */
    struct smap qos_algorithm_params; /* kbps, kbps-rx (records-qos.c) */
    /* VLAN trunk (vlan/trunks.h); a VIF that is not a trunk has trunks
     * NULL, vlan_mode VLAN_MODE_TRUNK and native_vlan VLAN_NONE. */
    char *trunks;             /* NULL, "all" or canonical "10,20-25" */
    enum vlan_mode vlan_mode; /* trunk, native-untagged, native-tagged */
    int native_vlan;          /* VLAN_NONE, or the native VLAN */
    /* While plugged as a DPDK VIF: its net_xovs port's devargs, as
     * xovs-netback chose them (vif-plug dpdk-devargs=); else NULL. */
    char *dpdk_devargs;
};

/* An SDN controller (xapi's SDN_controller): the host's OVSDB manager.
 * Active protocols (ssl, tcp) connect to 'address':'port'; passive ones
 * (pssl, ptcp) listen on 'port', on 'address' if it is set. */
struct xrec_sdn_controller {
    char *uuid;
    char *protocol; /* XREC_SDN_PROTOCOLS */
    char *address;  /* IPv4/IPv6 in canonical form; "" (passive only) */
    int port;       /* 1..65535, default XREC_SDN_PORT_DEFAULT */
};

/* The host's TLS settings (OVS's SSL table): at most one record.  Paths
 * are absolute; with 'bootstrap_ca_cert' the CA certificate is fetched
 * from the first peer and saved to 'ca_cert'. */
struct xrec_ssl {
    char *uuid;
    char *private_key;
    char *certificate;
    char *ca_cert;
    bool bootstrap_ca_cert;
};

/* A tunnel (xapi's tunnel class): it gives network 'access_pif''s network
 * a PIF of its own (device tunnelN, not a NIC) whose traffic is carried,
 * encapsulated in GRE or VXLAN, over the transport PIF's network to every
 * remote endpoint.  'remotes' and 'transport_address' are xovs's fields:
 * XenServer's controller (DVSC) knows the remotes itself. */
enum xrec_tunnel_protocol {
    XREC_TUNNEL_GRE, /* default, as xapi */
    XREC_TUNNEL_VXLAN,
};

#define XREC_TUNNEL_REMOTES_MAX 32
#define XREC_TUNNEL_GRE_OVERHEAD                                              \
    42                                /* inner Ethernet 14 + outer IPv4 20    \
                                       * + GRE 4 + its key 4 (xovs always     \
                                       * sets one; keyless GRE is 38) */
#define XREC_TUNNEL_VXLAN_OVERHEAD 50 /* 14 + 20 + UDP 8 + VXLAN 8 */
#define XREC_TUNNEL_VXLAN_KEY_MAX 16777215LL
#define XREC_TUNNEL_GRE_KEY_MAX 4294967295LL

struct xrec_tunnel {
    char *uuid;
    char *access_pif;    /* uuid of the PIF this record created */
    char *transport_pif; /* uuid of the PIF carrying the encapsulation */
    enum xrec_tunnel_protocol protocol;
    struct svec remotes;     /* remote endpoints' IPv4 addresses, canonical */
    char *transport_address; /* "A.B.C.D/PLEN": this host's endpoint, put on
                              * the transport PIF's bridge */
    long long key;           /* GRE key or VXLAN VNI */
    struct smap other_config;
};

/* A port mirror (xovs's own record; OVS's Mirror table): copies the
 * traffic of 'src_vifs' (both directions), or of every port of network
 * 'src_network', to VIF 'output_vif' (SPAN) or, tagged 'output_vlan', to
 * the network's trunk ports (RSPAN). */
struct xrec_mirror {
    char *uuid;
    char *name_label;
    char *network;        /* uuid: the network whose bridge mirrors */
    struct svec src_vifs; /* uuids; empty: the whole network */
    char *output_vif;     /* uuid (SPAN), or NULL */
    int output_vlan;      /* 1..XREC_VLAN_MAX (RSPAN), or XREC_VLAN_NONE */
};

/* The host's pool-wide settings (XenServer's pool record, one per host
 * here): IGMP snooping for every network that does not say otherwise, and
 * flow export defaults (records-qos.c has the keys). */
struct xrec_pool {
    bool igmp_snooping_enabled;
    struct smap other_config;
};

struct xrec_db {
    struct xrec_network **networks;
    size_t n_networks;
    struct xrec_pif **pifs;
    size_t n_pifs;
    struct xrec_vlan **vlans;
    size_t n_vlans;
    struct xrec_vif **vifs;
    size_t n_vifs;
    struct xrec_bond **bonds;
    size_t n_bonds;
    struct xrec_pool *pool; /* NULL: defaults (a pointer, so that a
                             * 'struct xrec_db' may be copied by value) */
    struct xrec_sdn_controller **sdn_controllers;
    size_t n_sdn_controllers;
    struct xrec_ssl **ssls; /* 0 or 1 */
    size_t n_ssls;
    struct xrec_tunnel **tunnels;
    size_t n_tunnels;
    struct xrec_mirror **mirrors;
    size_t n_mirrors;
    struct xrec_change *change; /* the change in progress, or NULL (owned
                                 * by whoever began it) */
};

/* The records module's work per change, for the agent's metrics
 * (docs/metrics.md): a change of one record must not touch every record.
 * Process-wide counters; nothing resets them. */
struct xrec_counters {
    unsigned long long n_copied;    /* records copied to undo a change */
    unsigned long long n_checked;   /* records checked after a change */
    unsigned long long n_journaled; /* records compared or written to
                                     * save a change (store.h) */
};
extern struct xrec_counters xrec_counters;

void xrec_db_init(struct xrec_db *);
void xrec_db_destroy(struct xrec_db *); /* frees every record */
void xrec_db_clone(struct xrec_db *dst, const struct xrec_db *src);
/* xrec_db_clone() of every table but the VIFs ('dst' has none). */
void xrec_db_clone_others(struct xrec_db *dst, const struct xrec_db *src);
struct xrec_vif *xrec_vif_clone(const struct xrec_vif *);

/* Changes (records-change.c).  The API changes the records in place; a
 * change remembers what it needs to undo that and to save and check only
 * what it touched, so that the work of a change of one VIF does not grow
 * with the host's VIF count:
 *
 *   - every table but the VIFs (bounded by the host's NICs and networks)
 *     is copied when the change begins;
 *   - a VIF is copied the first time the change touches it: the API calls
 *     xrec_touch_vif() before changing a VIF in place; xrec_db_add_vif()
 *     and xrec_db_delete_vif() note themselves (a deleted VIF is kept by
 *     the change until it ends).
 *
 * xrec_change_begin() sets 'db->change'; until xrec_change_end() or
 * xrec_change_abort(), every change to 'db' must go through the above. */
struct xrec_change *xrec_change_begin(struct xrec_db *);
/* Keeps what the change did; frees it and clears 'db->change'. */
void xrec_change_end(struct xrec_db *, struct xrec_change *);
/* Puts 'db' back as it was when the change began; the change goes on,
 * empty (xrec_change_end() still ends it). */
void xrec_change_rollback(struct xrec_db *, struct xrec_change *);
/* xrec_change_rollback() and xrec_change_end(). */
void xrec_change_abort(struct xrec_db *, struct xrec_change *);
void xrec_touch_vif(struct xrec_db *, struct xrec_vif *);
/* What the change did.  The records as they were, except that the result
 * has no VIFs (valid until the change ends): */
const struct xrec_db *xrec_change_before(const struct xrec_change *);
/* Whether any table but the VIFs differs from the beginning. */
bool xrec_change_others_changed(const struct xrec_change *,
                                const struct xrec_db *after);
/* The VIFs the change touched, in the order it first touched them: VIF 'i'
 * was '*old' (NULL: created by the change) and is '*new' (NULL: deleted);
 * both may be NULL (created and deleted) or equal in content. */
size_t xrec_change_n_vifs(const struct xrec_change *);
void xrec_change_get_vif(const struct xrec_change *, size_t i,
                         const struct xrec_vif **old,
                         const struct xrec_vif **new);
/* xrec_db_check() for the records after a change: of the touched VIFs
 * only, against the others, as long as no other table changed and there
 * are no tunnels or mirrors (they name VIFs); else of every record.  Same
 * messages as xrec_db_check(). */
char *xrec_change_check(const struct xrec_change *, const struct xrec_db *);
/* For records.c. */
void xrec_change_note_add(struct xrec_change *, struct xrec_vif *);
void xrec_change_note_delete(struct xrec_change *, struct xrec_vif *,
                             size_t index);

struct xrec_network *xrec_find_network(const struct xrec_db *,
                                       const char *uuid);
struct xrec_pif *xrec_find_pif(const struct xrec_db *, const char *uuid);
struct xrec_vlan *xrec_find_vlan(const struct xrec_db *, const char *uuid);
struct xrec_vif *xrec_find_vif(const struct xrec_db *, const char *uuid);
struct xrec_bond *xrec_find_bond(const struct xrec_db *, const char *uuid);
/* The bond whose master is 'pif_uuid' / which has 'pif_uuid' as a member;
 * NULL if none. */
struct xrec_bond *xrec_find_bond_by_master(const struct xrec_db *,
                                           const char *pif_uuid);
struct xrec_bond *xrec_find_bond_by_slave(const struct xrec_db *,
                                          const char *pif_uuid);

/* The effective locking mode of 'vif' on 'net' (never NETWORK_DEFAULT). */
enum xrec_locking_mode xrec_vif_locking(const struct xrec_vif *vif,
                                        const struct xrec_network *net);
const char *xrec_locking_mode_to_string(enum xrec_locking_mode);
/* Returns false if 's' is not a locking mode name. */
bool xrec_locking_mode_from_string(const char *s, enum xrec_locking_mode *);

/* Add 'key' with the value to JSON object 'obj' (a NULL string is "";
 * smap keys sorted; svec as an array).  Shared by the store and list
 * results so both spell values the same way. */
void xrec_json_put_string(struct json_object *obj, const char *key,
                          const char *value);
void xrec_json_put_int(struct json_object *obj, const char *key, int value);
void xrec_json_put_bool(struct json_object *obj, const char *key, bool value);
void xrec_json_put_smap(struct json_object *obj, const char *key,
                        const struct smap *);
void xrec_json_put_svec(struct json_object *obj, const char *key,
                        const struct svec *);

/* The whole database as one JSON object (the store's file format and the
 * source of list results).  Caller owns the result. */
struct json_object *xrec_db_to_json(const struct xrec_db *);
/* One member of that object: record 'i' of array 'table' ("networks",
 * "pifs", "vlans", "vifs", "bonds", "sdn_controllers", "ssl", "tunnels",
 * "mirrors"), or for "pool" the pool object ('i' ignored; NULL if the db
 * has none), exactly as xrec_db_to_json() writes it (the store's journal,
 * store.h).  Aborts on an unknown table.  Caller owns the result. */
struct json_object *xrec_record_to_json(const struct xrec_db *,
                                        const char *table, size_t i);
/* VIF 'vif' as xrec_record_to_json() writes it. */
struct json_object *xrec_vif_to_json(const struct xrec_vif *vif);
/* Parses 'json' into 'db' (initialized by the caller, empty).  On error
 * returns a malloc'd one-line message naming the record and field, and
 * leaves 'db' empty; on success returns NULL. */
char *xrec_db_from_json(struct json_object *json, struct xrec_db *db);

/* Record life cycle.  _new() returns a zeroed record with its maps and
 * vectors initialized; _free() accepts NULL.  xrec_db_add_*() take ownership
 * of the record; xrec_db_delete_*() remove it from 'db' and free it. */
struct xrec_network *xrec_network_new(void);
struct xrec_pif *xrec_pif_new(void);
struct xrec_vlan *xrec_vlan_new(void);
struct xrec_vif *xrec_vif_new(void);
struct xrec_bond *xrec_bond_new(void);
void xrec_bond_free(struct xrec_bond *);
void xrec_db_add_bond(struct xrec_db *, struct xrec_bond *);
void xrec_db_delete_bond(struct xrec_db *, struct xrec_bond *);
void xrec_network_free(struct xrec_network *);
void xrec_pif_free(struct xrec_pif *);
void xrec_vlan_free(struct xrec_vlan *);
void xrec_vif_free(struct xrec_vif *);
void xrec_db_add_network(struct xrec_db *, struct xrec_network *);
void xrec_db_add_pif(struct xrec_db *, struct xrec_pif *);
void xrec_db_add_vlan(struct xrec_db *, struct xrec_vlan *);
void xrec_db_add_vif(struct xrec_db *, struct xrec_vif *);
void xrec_db_delete_network(struct xrec_db *, struct xrec_network *);
void xrec_db_delete_pif(struct xrec_db *, struct xrec_pif *);
void xrec_db_delete_vlan(struct xrec_db *, struct xrec_vlan *);
void xrec_db_delete_vif(struct xrec_db *, struct xrec_vif *);

/* SDN controllers and TLS (records-sdn.c). */
struct xrec_sdn_controller *xrec_sdn_controller_new(void);
void xrec_sdn_controller_free(struct xrec_sdn_controller *);
void xrec_db_add_sdn_controller(struct xrec_db *,
                                struct xrec_sdn_controller *);
void xrec_db_delete_sdn_controller(struct xrec_db *,
                                   struct xrec_sdn_controller *);
struct xrec_sdn_controller *xrec_find_sdn_controller(const struct xrec_db *,
                                                     const char *uuid);
struct xrec_ssl *xrec_ssl_new(void);
void xrec_ssl_free(struct xrec_ssl *);
void xrec_db_add_ssl(struct xrec_db *, struct xrec_ssl *);
void xrec_db_delete_ssl(struct xrec_db *, struct xrec_ssl *);
struct xrec_ssl *xrec_find_ssl(const struct xrec_db *, const char *uuid);
/* OVS's target string for 'c' ("tcp:198.18.0.1:6632", "pssl:6632",
 * "ptcp:6632:[2001:db8::1]"), malloc'd. */
char *xrec_sdn_target(const struct xrec_sdn_controller *c);
/* Validators, as the ones below: 'protocol' one of XREC_SDN_PROTOCOLS;
 * 'address' an IPv4 or IPv6 address (canonicalized); 'path' absolute,
 * bounded, no control characters. */
char *xrec_check_sdn_protocol(const char *protocol);
bool xrec_sdn_protocol_is_passive(const char *protocol);
char *xrec_check_path(const char *path);
/* An OpenFlow controller target for a bridge, as network other_config
 * "vswitch-controller" takes them: space-separated tcp:IP[:PORT],
 * ssl:IP[:PORT], ptcp:PORT[:IP], pssl:PORT[:IP] (IPv6 in brackets). */
char *xrec_check_of_targets(const char *value);
/* Cross-record rules: unique targets, at most one SSL record. */
char *xrec_check_sdn(const struct xrec_db *);
void xrec_clone_sdn(struct xrec_db *dst, const struct xrec_db *src);
void xrec_destroy_sdn(struct xrec_db *);

/* Secondary lookups: NULL if none. */
struct xrec_network *xrec_find_network_by_bridge(const struct xrec_db *,
                                                 const char *bridge);
struct xrec_pif *xrec_find_pif_by_device(const struct xrec_db *,
                                         const char *device, int vlan);
/* The PIF whose network is 'network_uuid' (a host has at most one). */
struct xrec_pif *xrec_find_pif_by_network(const struct xrec_db *,
                                          const char *network_uuid);
/* The VLAN record whose untagged_PIF is 'pif_uuid'. */
struct xrec_vlan *xrec_find_vlan_by_untagged(const struct xrec_db *,
                                             const char *pif_uuid);

/* Whether 'vif' is a VLAN trunk, and its settings as vlan/ takes them. */
bool xrec_vif_is_trunk(const struct xrec_vif *vif);
struct vlan_trunk_settings xrec_vif_trunk(const struct xrec_vif *vif);
/* Tunnels and mirrors (records-tunnel.c). */
struct xrec_tunnel *xrec_tunnel_new(void);
void xrec_tunnel_free(struct xrec_tunnel *);
struct xrec_mirror *xrec_mirror_new(void);
void xrec_mirror_free(struct xrec_mirror *);
void xrec_db_add_tunnel(struct xrec_db *, struct xrec_tunnel *);
void xrec_db_delete_tunnel(struct xrec_db *, struct xrec_tunnel *);
void xrec_db_add_mirror(struct xrec_db *, struct xrec_mirror *);
void xrec_db_delete_mirror(struct xrec_db *, struct xrec_mirror *);
struct xrec_tunnel *xrec_find_tunnel(const struct xrec_db *, const char *uuid);
struct xrec_mirror *xrec_find_mirror(const struct xrec_db *, const char *uuid);
/* The tunnel whose access PIF is 'pif_uuid', or NULL. */
struct xrec_tunnel *xrec_find_tunnel_by_access(const struct xrec_db *,
                                               const char *pif_uuid);
const char *xrec_tunnel_protocol_to_string(enum xrec_tunnel_protocol);
bool xrec_tunnel_protocol_from_string(const char *,
                                      enum xrec_tunnel_protocol *);
/* Bytes the encapsulation of 'protocol' adds to a frame. */
int xrec_tunnel_overhead(enum xrec_tunnel_protocol);
/* The largest MTU a network carried by 'tunnel' can have (its transport
 * network's MTU less the overhead), or 0 if the transport is unknown. */
int xrec_tunnel_max_mtu(const struct xrec_db *, const struct xrec_tunnel *);
/* The name of the OVS tunnel interface (and port) of remote 'i' of the
 * tunnel whose access PIF is 'access': "tunnelN.I" (malloc'd). */
char *xrec_tunnel_port_name(const struct xrec_pif *access, size_t i);
/* The tunnel carrying network 'network_uuid', or NULL. */
struct xrec_tunnel *xrec_find_tunnel_by_network(const struct xrec_db *,
                                                const char *network_uuid);

/* The MTU 'vif' uses: its own, or its network's when its own is 0. */
int xrec_vif_mtu(const struct xrec_vif *vif, const struct xrec_network *net);

/* Checks every cross-record invariant of 'db': unique uuids, references
 * that resolve, unique bridges, one PIF per (device, VLAN) and per network,
 * consistent VLAN records, unique VIF device per VM and unique vif<D>.<N>
 * among plugged VIFs, and bonds whose master is a bond PIF of its own and
 * whose 2..4 members are physical PIFs of no other bond with valid
 * properties.  Returns NULL, or a malloc'd message naming the first
 * offending record and field. */
char *xrec_db_check(const struct xrec_db *);

/* Validators shared by the JSON parser and the API.  Each returns NULL if
 * the value is acceptable, else a malloc'd reason that does not name the
 * field (the caller prefixes it), e.g. "99999 is outside 68..9216".  The
 * parse functions store a malloc'd canonical form in '*canon' on success
 * (lower-case uuid and MAC, inet_ntop form for addresses). */
char *xrec_check_range(long long value, long long min, long long max);
char *xrec_parse_int(const char *s, int min, int max, int *value);
/* A VIF's MTU: 0 (use the network's) or XREC_MTU_MIN..XREC_MTU_MAX. */
char *xrec_check_vif_mtu(long long mtu);
char *xrec_parse_bool(const char *s, bool *value);
/* A VIF's trunk list: "" (not a trunk), "all", or tags and ranges; the
 * canonical form is "" , "all" or sorted ranges "10,20-25". */
char *xrec_parse_trunks(const char *s, char **canon);
char *xrec_parse_uuid(const char *s, char **canon);
char *xrec_parse_mac(const char *s, char **canon);
char *xrec_parse_ip(int af, const char *s, char **canon);
char *xrec_check_ifname(const char *s); /* bridge or device name */
/* "A.B.C.D/N" (N 1..32), canonical in '*canon'. */
char *xrec_parse_prefix(const char *s, char **canon);
char *xrec_check_text(const char *s); /* bounded, no control chars */
char *xrec_check_other_config_key(const char *key);
/* Checks the value of other_config:'key' on a network (known keys have
 * restricted values) or, with 'network' false, on any other record. */
char *xrec_check_other_config_value(bool network, const char *key,
                                    const char *value);

/* DPDK VIFs (records-dpdk.c): other_config key XREC_DPDK_KEY=true|false on
 * a VIF or its network; the VIF's wins, without either: false. */
#define XREC_DPDK_KEY "xovs-dpdk"
bool xrec_vif_dpdk(const struct xrec_vif *, const struct xrec_network *);
/* NULL, or why 'value' is not valid for other_config key 'key' (only
 * XREC_DPDK_KEY is checked here), malloc'd. */
char *xrec_check_dpdk_value(const char *key, const char *value);
/* NULL, or why 'devargs' are not those of 'vif''s own net_xovs port
 * ("net_xovs_<domid>_<device>,path=/.../vif<domid>.<device>.sock"). */
char *xrec_check_dpdk_devargs(const struct xrec_vif *, const char *devargs);

/* QoS, IGMP snooping and flow export (records-qos.c). */

/* Checks a VIF's QoS: 'type' "" or "ratelimit", 'params' only kbps and
 * kbps-rx, each 1..XREC_QOS_KBPS_MAX, and "ratelimit" with at least one of
 * them.  Returns NULL, or a malloc'd reason; '*field' says which field it
 * is about ("qos_algorithm_type" or "qos_algorithm_params:KEY"). */
char *xrec_check_qos(const char *type, const struct smap *params,
                     const char **field);
/* The limits 'vif' asks for in kbit/s (0: none): 'kbps' on what the guest
 * sends, 'kbps_rx' on what it receives.  Both 0 unless the type is
 * "ratelimit". */
void xrec_vif_qos(const struct xrec_vif *, int *kbps, int *kbps_rx);
/* Checks the value of a network or pool other_config key that
 * records-qos.c knows (mcast-snooping-enable, sflow-*, ipfix-*,
 * netflow-*): NULL if fine or not such a key, else a malloc'd reason. */
char *xrec_check_qos_value(const char *key, const char *value);
/* The pool record of 'db' (defaults while it has none). */
const struct xrec_pool *xrec_db_pool(const struct xrec_db *);
/* Creates 'db''s pool record if it has none and returns it. */
struct xrec_pool *xrec_db_pool_mutable(struct xrec_db *);
void xrec_pool_free(struct xrec_pool *);
/* The setting 'key' for network 'net': its own other_config's value, else
 * the pool's other_config's, else NULL. */
const char *xrec_network_setting(const struct xrec_db *,
                                 const struct xrec_network *, const char *key);
/* Whether 'net''s bridge snoops IGMP/MLD: other_config
 * mcast-snooping-enable if set, else the pool's igmp_snooping_enabled. */
bool xrec_network_igmp_snooping(const struct xrec_db *,
                                const struct xrec_network *);

#endif /* agent/records.h */
