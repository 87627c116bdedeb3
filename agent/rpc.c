/* agent/rpc.c: the verb table and JSON-RPC line helpers (see rpc.h).
 *
 * Linked into both the CLI and the agent library, so it depends on json-c
 * and OVS's util only. */

#include <config.h>
#include "agent/rpc.h"

#include <json-c/json.h>
#include <string.h>

#include "agent/rpc-table.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

#define OTHER_CONFIG_PREFIX "other-config:"
#define PROPERTIES_PREFIX "properties:"
#define QOS_PARAMS_PREFIX "qos_algorithm_params:"

/* Every list row's reported apply state (api.c, from ovs-glue). */
#define STATUS_FIELD                                                          \
    FIELD("status", " RO",                                                    \
          "applied, pending or error: whether OVS holds the record")
#define ERROR_FIELD FIELD("error", " RO", "why it is not applied, or empty")
#define UUID_ARG(KIND) REQ("uuid", "the " KIND "'s uuid")

static const struct xrpc_param network_create[] = {
    REQ("name-label", "the network's name"),
    ARG("name-description", "free text"),
    ARG("bridge", "bridge name, default xapi<N> (lowest free N)"),
    ARG("MTU", "68..9216, default 1500"),
    ARG("default-locking-mode", "unlocked (default) or disabled"),
    END,
};

static const struct xrpc_param network_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("name-label", " RW", "name"),
    FIELD("name-description", " RW", "free text"),
    FIELD("bridge", " RO", "the OVS bridge carrying the network"),
    FIELD("MTU", " RW", "maximum transmission unit"),
    FIELD("default-locking-mode", " RW",
          "locking mode of network_default "
          "VIFs"),
    FIELD("other-config", "MRW", "free-form settings"),
    FIELD("PIF-uuids", "SRO", "PIFs on the network"),
    FIELD("VIF-uuids", "SRO", "VIFs on the network"),
    STATUS_FIELD,
    ERROR_FIELD,
    END,
};

static const struct xrpc_param network_set[] = {
    UUID_ARG("network"),
    ARG("name-label", "the network's name"),
    ARG("name-description", "free text"),
    ARG("MTU", "68..9216"),
    ARG("default-locking-mode", "unlocked or disabled"),
    END,
};

static const struct xrpc_param uuid_network[] = {UUID_ARG("network"), END};
static const struct xrpc_param uuid_pif[] = {UUID_ARG("PIF"), END};
static const struct xrpc_param uuid_vlan[] = {UUID_ARG("VLAN"), END};
static const struct xrpc_param uuid_vif[] = {UUID_ARG("VIF"), END};
static const struct xrpc_param vif_plug[] = {
    UUID_ARG("VIF"),
    ARG("dpdk-devargs", "(hotplug script) the net_xovs port xovs-netback "
                        "made, net_xovs_<domid>_<device>,path=SOCKET"),
    ARG("dpdk-queues", "(hotplug script, with dpdk-devargs) the queues its "
                       "frontend connected, 1..16: the port's n_rxq"),
    END,
};
static const struct xrpc_param no_params[] = {END};

static const struct xrpc_param pif_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("device", " RO", "kernel interface name"),
    FIELD("MAC", " RO", "hardware address"),
    FIELD("MTU", " RO", "maximum transmission unit"),
    FIELD("VLAN", " RO", "802.1Q tag, -1 if not a VLAN PIF"),
    FIELD("physical", " RO", "a NIC found by pif-scan"),
    FIELD("currently-attached", " RO", "plugged"),
    FIELD("management", " RO", "carries the host's management traffic"),
    FIELD("network-uuid", " RO", "its network"),
    FIELD("network-name-label", " RO", "its network's name"),
    FIELD("other-config", "MRW",
          "free-form settings; ethtool-gro=off etc.: NIC offloads and "
          "link settings"),
    FIELD("properties", "MRW", "gro: on or off, the NIC's GRO"),
    FIELD("ethtool", "MRO",
          "the NIC's offloads and link settings now (read from the "
          "kernel)"),
    FIELD("IP-configuration-mode", " RO", "None, DHCP or Static"),
    FIELD("IP", " RO", "IPv4 address (pif-reconfigure-ip)"),
    FIELD("netmask", " RO", "IPv4 netmask"),
    FIELD("gateway", " RO", "IPv4 gateway"),
    FIELD("DNS", " RO", "DNS servers"),
    FIELD("IPv6-configuration-mode", " RO", "None, DHCP, Static or Autoconf"),
    FIELD("IPv6", " RO", "IPv6 address/prefix (pif-reconfigure-ipv6)"),
    FIELD("IPv6-gateway", " RO", "IPv6 gateway"),
    FIELD("bond-master-of", "SRO", "the bond this PIF is the PIF of"),
    FIELD("bond-slave-of", " RO", "the bond this PIF is a member of"),
    FIELD("disconnected", " RO",
          "no NIC has its device and MAC now (see pif-scan)"),
    STATUS_FIELD,
    ERROR_FIELD,
    END,
};

static const struct xrpc_param pif_introduce[] = {
    REQ("device", "the NIC's name, e.g. eth1"),
    ARG("mac", "the NIC's MAC (checked), default the NIC's"),
    ARG("network-uuid", "a network without a PIF (default: a new one)"),
    END,
};

static const struct xrpc_param pif_reconfigure_ip[] = {
    UUID_ARG("PIF"),
    REQ("mode", "none, dhcp (refused: xovs runs no DHCP client) or static"),
    ARG("IP", "static: the address, A.B.C.D"),
    ARG("netmask", "static: e.g. 255.255.255.0"),
    ARG("gateway", "static: the gateway (the default route if the PIF is "
                   "the management PIF)"),
    ARG("DNS", "static: up to 3 servers, comma-separated (stored only)"),
    END,
};

static const struct xrpc_param pif_reconfigure_ipv6[] = {
    UUID_ARG("PIF"),
    REQ("mode", "none, dhcp (refused), static or autoconf (the kernel's "
                "SLAAC)"),
    ARG("IPv6", "static: the address with its prefix length, "
                "2001:db8::2/64"),
    ARG("gateway", "static: the IPv6 gateway (default route of the "
                   "management PIF)"),
    ARG("DNS", "up to 3 servers, comma-separated (stored only)"),
    END,
};

static const struct xrpc_param management_reconfigure[] = {
    REQ("pif-uuid", "the PIF to carry management (with an IP configuration)"),
    END,
};

static const struct xrpc_param vlan_create[] = {
    REQ("pif-uuid", "the parent PIF (a physical one)"),
    REQ("network-uuid", "the network the VLAN carries (no PIF yet)"),
    REQ("vlan", "802.1Q tag, 0..4094"),
    END,
};

static const struct xrpc_param vlan_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("tagged-PIF", " RO", "the parent PIF"),
    FIELD("untagged-PIF", " RO", "the VLAN PIF"),
    FIELD("tag", " RO", "802.1Q tag"),
    STATUS_FIELD,
    ERROR_FIELD,
    END,
};

static const struct xrpc_param vif_create[] = {
    ARG("uuid", "the VIF's uuid when it has one already (a VM migrating "
                "from another host of the pool); default a new one"),
    REQ("vm-uuid", "the VM's uuid"),
    REQ("domid", "the VM's domain id, 0..32752"),
    REQ("device", "index on the VM, 0..15 (the port is vif<domid>.<device>)"),
    REQ("network-uuid", "the network"),
    REQ("mac", "unicast MAC, aa:bb:cc:dd:ee:ff"),
    ARG("MTU", "68..9216, default the network's"),
    ARG("locking-mode", "network_default (default), locked, unlocked or "
                        "disabled"),
    ARG("ipv4-allowed", "comma-separated IPv4 addresses (locked mode)"),
    ARG("ipv6-allowed", "comma-separated IPv6 addresses (locked mode)"),
    ARG("trunks", "VLANs the VIF carries tagged: all, or tags and ranges "
                  "10,20-25 (not on a VLAN network)"),
    ARG("vlan-mode", "trunk (default), native-untagged or native-tagged"),
    ARG("native-vlan", "the native VLAN of a native-* trunk, 0..4094"),
    ARG("qos_algorithm_type", "ratelimit, or empty for no limit"),
    END,
};

static const struct xrpc_param vif_set[] = {
    UUID_ARG("VIF"),
    ARG("domid", "the VM's domain id (only while unplugged)"),
    ARG("MTU", "68..9216, or 0 for the network's"),
    ARG("locking-mode", "network_default, locked, unlocked or disabled"),
    ARG("ipv4-allowed", "comma-separated IPv4 addresses, empty for none"),
    ARG("ipv6-allowed", "comma-separated IPv6 addresses, empty for none"),
    ARG("trunks", "all, tags and ranges 10,20-25, or empty: not a trunk"),
    ARG("vlan-mode", "trunk, native-untagged or native-tagged"),
    ARG("native-vlan", "the native VLAN of a native-* trunk, empty for none"),
    ARG("qos_algorithm_type", "ratelimit, or empty for no limit"),
    END,
};

static const struct xrpc_param vif_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("vm-uuid", " RO", "the VM"),
    FIELD("domid", " RW", "the VM's domain id"),
    FIELD("device", " RO", "index on the VM"),
    FIELD("network-uuid", " RO", "its network"),
    FIELD("network-name-label", " RO", "its network's name"),
    FIELD("MAC", " RO", "hardware address"),
    FIELD("MTU", " RW", "maximum transmission unit in use"),
    FIELD("locking-mode", " RW",
          "network_default, locked, unlocked, "
          "disabled"),
    FIELD("ipv4-allowed", "SRW", "addresses it may send from when locked"),
    FIELD("ipv6-allowed", "SRW", "addresses it may send from when locked"),
    FIELD("currently-attached", " RO", "plugged"),
    FIELD("other-config", "MRW",
          "free-form settings; promiscuous=true: sees all traffic of its "
          "network"),
    FIELD("trunks", " RW", "VLANs carried tagged: all, 10,20-25, or empty"),
    FIELD("vlan-mode", " RW",
          "trunk, native-untagged or native-tagged (trunks only)"),
    FIELD("native-vlan", " RW", "native VLAN of a native-* trunk, -1: none"),
    FIELD("dpdk", " RO",
          "a DPDK VIF: other-config:xovs-dpdk of the VIF, else of its "
          "network"),
    FIELD("dpdk-devargs", " RO",
          "its net_xovs port while plugged as a DPDK VIF"),
    FIELD("dpdk-queues", " RO",
          "its port's rx queues (n_rxq) while plugged as a DPDK VIF; 0: "
          "not given (one)"),
    FIELD("qos_algorithm_type", " RW", "ratelimit, or empty"),
    FIELD("qos_algorithm_params", "MRW",
          "kbps: guest's send limit, kbps-rx: its receive limit (kbit/s)"),
    FIELD("counters", "MRO",
          "xovs-netback's counters: packets, bytes, drops by reason "
          "(reported)"),
    STATUS_FIELD,
    ERROR_FIELD,
    END,
};

static const struct xrpc_param vif_stats_report[] = {
    REQ("name", "the VIF's port, vif<domid>.<device>"),
    REQ("stats", "counters as key=value,... (non-negative integers)"),
    END,
};

static const struct xrpc_param bond_create[] = {
    REQ("network-uuid", "the bond's network (one without a PIF)"),
    REQ("pif-uuids", "2 to 4 physical PIFs, comma-separated; the first is "
                     "the primary member"),
    ARG("mode", "balance-slb (default), active-backup or lacp"),
    ARG("mac", "the bond's MAC, default the primary member's"),
    END,
};

static const struct xrpc_param bond_set_mode[] = {
    UUID_ARG("bond"),
    REQ("mode", "balance-slb, active-backup or lacp"),
    END,
};

static const struct xrpc_param bond_set[] = {
    UUID_ARG("bond"),
    ARG("primary-slave", "the member PIF preferred as active member"),
    END,
};

static const struct xrpc_param uuid_bond[] = {UUID_ARG("bond"), END};

static const struct xrpc_param bond_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("master", " RO", "the bond's PIF"),
    FIELD("device", " RO", "the bond's device (its OVS port)"),
    FIELD("network-uuid", " RO", "the bond's network"),
    FIELD("slaves", "SRO", "the member PIFs"),
    FIELD("slave-devices", "SRO", "the members' devices"),
    FIELD("primary-slave", " RW", "the preferred active member"),
    FIELD("mode", " RW", "balance-slb, active-backup or lacp"),
    FIELD("properties", "MRW", "hashing_algorithm, lacp-*, delays"),
    FIELD("links-up", " RO", "members whose link is up (reported)"),
    FIELD("active-slave", " RO",
          "the member carrying traffic now "
          "(reported)"),
    FIELD("lacp-status", " RO",
          "negotiated, negotiating, configured or off (reported)"),
    FIELD("lacp-partner-system-id", " RO", "the LACP partner (reported)"),
    FIELD("slave-status", "MRO",
          "per member: link and LACP state "
          "(reported)"),
    STATUS_FIELD,
    ERROR_FIELD,
    END,
};

static const struct xrpc_param port_stats_fields[] = {
    FIELD("name", " RO", "the OVS port: vif<domid>.<device>, a NIC, bond<N>"),
    FIELD("kind", " RO", "vif, pif or bond (a bond: its members summed)"),
    FIELD("uuid", " RO", "the VIF, PIF or Bond record"),
    FIELD("rx-packets", " RO", "packets received (OVS Interface statistics)"),
    FIELD("tx-packets", " RO", "packets sent"),
    FIELD("rx-bytes", " RO", "bytes received"),
    FIELD("tx-bytes", " RO", "bytes sent"),
    FIELD("rx-dropped", " RO", "received packets dropped"),
    FIELD("tx-dropped", " RO", "packets to send dropped"),
    FIELD("rx-errors", " RO", "receive errors"),
    FIELD("tx-errors", " RO", "send errors"),
    FIELD("rx-pps", " RO", "packets received per second, lately"),
    FIELD("tx-pps", " RO", "packets sent per second"),
    FIELD("rx-bps", " RO", "bits received per second"),
    FIELD("tx-bps", " RO", "bits sent per second"),
    FIELD("drops-ps", " RO", "packets dropped per second (both ways)"),
    END,
};

static const struct xrpc_param port_stats_history[] = {
    REQ("name", "a port (vif3.0, eth1, bond0) or its record's uuid"),
    ARG("seconds", "how far back, 1..3600 (default 300)"),
    END,
};

static const struct xrpc_param sdn_introduce[] = {
    REQ("protocol", "ssl or tcp (connect to the controller), pssl or ptcp "
                    "(listen for it)"),
    ARG("address", "the controller's IP address (ssl, tcp); the address "
                   "to listen on (pssl, ptcp; default all)"),
    ARG("port", "1..65535, default 6632"),
    END,
};

static const struct xrpc_param sdn_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("protocol", " RO", "ssl, tcp, pssl or ptcp"),
    FIELD("address", " RO", "IP address (empty: listen on all)"),
    FIELD("port", " RO", "TCP port"),
    FIELD("target", " RO", "the Open vSwitch manager target"),
    STATUS_FIELD,
    ERROR_FIELD,
    END,
};

static const struct xrpc_param tunnel_create[] = {
    REQ("pif-uuid", "the transport PIF (not a VLAN PIF)"),
    REQ("network-uuid", "the network the tunnel carries (no PIF yet)"),
    ARG("protocol", "gre (default) or vxlan"),
    REQ("remotes", "the remote endpoints' IPv4 addresses, comma-separated"),
    ARG("transport-address",
        "this host's address on the transport PIF, A.B.C.D/N (required "
        "for the first tunnel over that PIF)"),
    ARG("key", "GRE key 0..4294967295 or VXLAN VNI 0..16777215, default "
               "the lowest unused from 1"),
    END,
};

static const struct xrpc_param uuid_tunnel[] = {UUID_ARG("tunnel"), END};

static const struct xrpc_param tunnel_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("access-PIF", " RO", "the tunnel's PIF on its network"),
    FIELD("transport-PIF", " RO", "the PIF carrying the encapsulation"),
    FIELD("network-uuid", " RO", "the network the tunnel carries"),
    FIELD("transport-device", " RO", "the transport PIF's device"),
    FIELD("protocol", " RO", "gre or vxlan"),
    FIELD("key", " RO", "GRE key or VXLAN VNI"),
    FIELD("transport-address", " RO", "this host's endpoint address"),
    FIELD("remotes", "SRO", "the remote endpoints"),
    FIELD("max-MTU", " RO",
          "the largest MTU of the network and its VIFs (transport MTU less "
          "the encapsulation)"),
    FIELD("currently-attached", " RO", "the access PIF is plugged"),
    FIELD("remote-status", "MRO",
          "per remote: up, down (OVS BFD state) or unknown (reported)"),
    FIELD("other-config", "MRO", "free-form settings"),
    STATUS_FIELD,
    ERROR_FIELD,
    END,
};

static const struct xrpc_param uuid_sdn[] = {UUID_ARG("SDN controller"), END};

static const struct xrpc_param ssl_set[] = {
    REQ("private-key", "absolute path of the host's private key (PEM)"),
    REQ("certificate", "absolute path of the host's certificate (PEM)"),
    REQ("ca-cert", "absolute path of the CA certificate peers must be "
                   "signed by"),
    ARG("bootstrap-ca-cert", "true: fetch the CA certificate from the "
                             "first peer into ca-cert (default false)"),
    END,
};

static const struct xrpc_param ssl_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("private-key", " RO", "the host's private key"),
    FIELD("certificate", " RO", "the host's certificate"),
    FIELD("ca-cert", " RO", "the CA certificate"),
    FIELD("bootstrap-ca-cert", " RO",
          "CA certificate taken from the "
          "first peer"),
    FIELD("certificate-subject", " RO", "the host certificate's subject"),
    FIELD("certificate-issuer", " RO", "the CA that signed it"),
    FIELD("certificate-fingerprint", " RO", "its SHA-256 fingerprint"),
    FIELD("certificate-expiry", " RO", "its notAfter time (UTC)"),
    FIELD("certificate-state", " RO",
          "valid, expired, not yet valid, or why it cannot be read"),
    FIELD("ca-cert-subject", " RO", "the CA certificate's subject"),
    FIELD("ca-cert-fingerprint", " RO", "its SHA-256 fingerprint"),
    FIELD("ca-cert-expiry", " RO", "its notAfter time (UTC)"),
    FIELD("ca-cert-state", " RO",
          "valid, expired, not yet valid, missing, or why it cannot be "
          "read"),
    STATUS_FIELD,
    ERROR_FIELD,
    END,
};

static const struct xrpc_param mirror_create[] = {
    ARG("vif-uuids", "the VIFs whose frames are copied, comma-separated"),
    ARG("network-uuid",
        "the network mirrored (default the VIFs'); alone: all its traffic"),
    ARG("output-vif-uuid", "SPAN: the VIF that receives the copies"),
    ARG("output-vlan", "RSPAN: 1..4094, the tag the copies carry"),
    ARG("name-label", "the mirror's name"),
    END,
};

static const struct xrpc_param uuid_mirror[] = {UUID_ARG("mirror"), END};

static const struct xrpc_param mirror_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("name-label", " RO", "name"),
    FIELD("network-uuid", " RO", "the mirrored network"),
    FIELD("bridge", " RO", "its bridge (where the OVS Mirror row is)"),
    FIELD("vif-uuids", "SRO", "source VIFs; empty: the whole network"),
    FIELD("output-vif-uuid", " RO", "SPAN output VIF, or empty"),
    FIELD("output-vlan", " RO", "RSPAN output VLAN, or -1"),
    FIELD("kind", " RO", "span or rspan"),
    STATUS_FIELD,
    ERROR_FIELD,
    END,
};

static const struct xrpc_param uuid_ssl[] = {UUID_ARG("SSL record"), END};

static const struct xrpc_param batch_args[] = {
    REQ("calls", "JSON array of {\"method\": VERB, \"params\": {...}}: "
                 "run in order, all or nothing (api-batch.c)"),
    END,
};

static const struct xrpc_param pool_set[] = {
    ARG("igmp-snooping-enabled",
        "true or false: IGMP snooping on networks that do not set "
        "other-config:mcast-snooping-enable"),
    END,
};

static const struct xrpc_param pool_fields[] = {
    FIELD("igmp-snooping-enabled", " RW", "IGMP snooping by default"),
    FIELD("other-config", "MRW",
          "defaults for every network: sflow-*, ipfix-*, netflow-*"),
    END,
};

static const struct xrpc_param host_ovn_join[] = {
    REQ("remote", "the pool's OVN southbound database (tcp:A:6642,...)"),
    REQ("encap-ip", "this host's tunnel endpoint address"),
    ARG("encap-type", "geneve (default) or vxlan"),
    ARG("system-id", "this host's OVN chassis name (default: OVS's)"),
    ARG("bridge-mappings", "PHYSNET:BRIDGE,... for bridged pool networks"),
    END,
};

static const struct xrpc_verb verbs[] = {
    {"network-create", "create a network (an OVS bridge)", network_create,
     XRPC_OTHER_CONFIG, XRPC_RESULT_UUID},
    {"network-list", "list networks", network_fields,
     XRPC_LIST | XRPC_OTHER_CONFIG, XRPC_RESULT_LIST},
    {"network-param-set", "change a network", network_set, XRPC_OTHER_CONFIG,
     XRPC_RESULT_NONE},
    {"network-destroy", "destroy a network without PIFs or VIFs", uuid_network,
     0, XRPC_RESULT_NONE},
    {"pif-scan",
     "match PIFs to NICs by MAC; create PIFs (and xenbr<N> networks) for "
     "new NICs",
     no_params, 0, XRPC_RESULT_SCAN},
    {"pif-introduce", "create the PIF of a NIC", pif_introduce, 0,
     XRPC_RESULT_UUID},
    {"pif-forget", "remove a NIC's PIF (its network stays)", uuid_pif, 0,
     XRPC_RESULT_NONE},
    {"pif-list", "list PIFs", pif_fields, XRPC_LIST | XRPC_OTHER_CONFIG,
     XRPC_RESULT_LIST},
    {"pif-plug", "attach a PIF to its network's bridge", uuid_pif, 0,
     XRPC_RESULT_NONE},
    {"pif-unplug", "detach a PIF from its network's bridge", uuid_pif, 0,
     XRPC_RESULT_NONE},
    {"pif-param-set", "change a PIF's other-config and properties", uuid_pif,
     XRPC_OTHER_CONFIG | XRPC_PROPERTIES, XRPC_RESULT_NONE},
    {"pif-reconfigure-ip",
     "set a PIF's IPv4 configuration (on its network's bridge)",
     pif_reconfigure_ip, 0, XRPC_RESULT_NONE},
    {"pif-reconfigure-ipv6",
     "set a PIF's IPv6 configuration (on its network's bridge)",
     pif_reconfigure_ipv6, 0, XRPC_RESULT_NONE},
    {"host-management-reconfigure",
     "make a PIF the management PIF (its gateways the default routes)",
     management_reconfigure, 0, XRPC_RESULT_NONE},
    {"host-management-disable", "make no PIF the management PIF", no_params, 0,
     XRPC_RESULT_NONE},
    {"vlan-create", "create a VLAN on a PIF for a network", vlan_create, 0,
     XRPC_RESULT_UUID},
    {"vlan-destroy", "destroy a VLAN and its VLAN PIF", uuid_vlan, 0,
     XRPC_RESULT_NONE},
    {"vlan-list", "list VLANs", vlan_fields, XRPC_LIST, XRPC_RESULT_LIST},
    {"bond-create", "bond 2 to 4 PIFs; their networks' VIFs move to the bond",
     bond_create, XRPC_PROPERTIES, XRPC_RESULT_UUID},
    {"bond-destroy", "destroy a bond; its VIFs and VLANs move to the primary",
     uuid_bond, 0, XRPC_RESULT_NONE},
    {"bond-set-mode", "change a bond's mode", bond_set_mode, 0,
     XRPC_RESULT_NONE},
    {"bond-param-set", "change a bond's properties or primary member",
     bond_set, XRPC_PROPERTIES, XRPC_RESULT_NONE},
    {"bond-list", "list bonds with their live link and LACP state",
     bond_fields, XRPC_LIST | XRPC_PROPERTIES, XRPC_RESULT_LIST},
    {"vif-create", "create a VIF (a VM's port) on a network", vif_create,
     XRPC_OTHER_CONFIG | XRPC_QOS_PARAMS, XRPC_RESULT_UUID},
    {"vif-plug", "attach a VIF's port vif<domid>.<device> to the bridge",
     vif_plug, 0, XRPC_RESULT_NONE},
    {"vif-unplug", "detach a VIF's port from the bridge", uuid_vif, 0,
     XRPC_RESULT_NONE},
    {"vif-param-set", "change a VIF (locking mode, allowed IPs, MTU, QoS)",
     vif_set, XRPC_OTHER_CONFIG | XRPC_QOS_PARAMS, XRPC_RESULT_NONE},
    {"vif-destroy", "destroy an unplugged VIF", uuid_vif, 0, XRPC_RESULT_NONE},
    {"vif-list", "list VIFs", vif_fields, XRPC_LIST | XRPC_OTHER_CONFIG,
     XRPC_RESULT_LIST},
    {"vif-stats-report", "(xovs-netback) report a VIF's counters",
     vif_stats_report, 0, XRPC_RESULT_NONE},
    {"port-stats-list", "live counters and rates of VIFs, PIFs and bonds",
     port_stats_fields, XRPC_LIST, XRPC_RESULT_LIST},
    {"port-stats-history",
     "a port's recent rates (use --json; xovs graph "
     "plots them)",
     port_stats_history, 0, XRPC_RESULT_NONE},
    {"sdn-controller-introduce",
     "make an SDN controller the host's OVSDB manager", sdn_introduce, 0,
     XRPC_RESULT_UUID},
    {"sdn-controller-forget", "remove an SDN controller", uuid_sdn, 0,
     XRPC_RESULT_NONE},
    {"sdn-controller-list", "list SDN controllers", sdn_fields, XRPC_LIST,
     XRPC_RESULT_LIST},
    {"ssl-set", "set the host's TLS key, certificate and CA certificate",
     ssl_set, 0, XRPC_RESULT_UUID},
    {"ssl-clear", "remove the host's TLS settings", uuid_ssl, 0,
     XRPC_RESULT_NONE},
    {"ssl-list", "show the host's TLS settings", ssl_fields, XRPC_LIST,
     XRPC_RESULT_LIST},
    {"tunnel-create", "create a GRE/VXLAN tunnel carrying a network",
     tunnel_create, 0, XRPC_RESULT_UUID},
    {"tunnel-destroy", "destroy a tunnel and its access PIF", uuid_tunnel, 0,
     XRPC_RESULT_NONE},
    {"tunnel-list", "list tunnels with each remote's state", tunnel_fields,
     XRPC_LIST, XRPC_RESULT_LIST},
    {"mirror-create", "copy VIFs' or a network's frames to a VIF or VLAN",
     mirror_create, 0, XRPC_RESULT_UUID},
    {"mirror-destroy", "destroy a mirror", uuid_mirror, 0, XRPC_RESULT_NONE},
    {"mirror-list", "list mirrors", mirror_fields, XRPC_LIST,
     XRPC_RESULT_LIST},
    {"pool-param-set",
     "change the host's pool-wide settings (IGMP snooping, flow export)",
     pool_set, XRPC_OTHER_CONFIG, XRPC_RESULT_NONE},
    {"pool-list", "show the host's pool-wide settings", pool_fields,
     XRPC_LIST | XRPC_OTHER_CONFIG, XRPC_RESULT_LIST},
    {"host-ovn-join", "join this host to the pool's OVN (docs/ovn.md)",
     host_ovn_join, 0, XRPC_RESULT_NONE},
    {"host-ovn-leave", "take this host out of OVN", no_params, 0,
     XRPC_RESULT_NONE},
    {"batch", "many changes in one call, all or nothing, one fsync",
     batch_args, 0, XRPC_RESULT_UUIDS},
};

/* scripts/vif sets a VIF record's domid when xl starts the domain (the
 * record then follows the domain); nothing else of a VIF is its business. */
static const char *const vif_param_set_hotplug[] = {"uuid", "domid", NULL};

const struct xrpc_allow xrpc_internal_allow[] = {
    {"vif-stats-report", NULL},
    {"vif-list", NULL},
    {"vif-plug", NULL},
    {"vif-unplug", NULL},
    {"vif-param-set", vif_param_set_hotplug},
    {NULL, NULL},
};

static const char *const vif_plug_internal_only[]
    = {"dpdk-devargs", "dpdk-queues", NULL};

const struct xrpc_allow xrpc_internal_only[] = {
    {"vif-plug", vif_plug_internal_only},
    {NULL, NULL},
};

char *
xrpc_check_internal_only(const struct xrpc_allow *only, const char *method,
                         struct json_object *params)
{
    if (!json_object_is_type(params, json_type_object)) {
        return NULL;
    }
    for (const struct xrpc_allow *o = only; o->method; o++) {
        if (strcmp(o->method, method)) {
            continue;
        }
        for (const char *const *p = o->params; *p; p++) {
            if (json_object_object_get_ex(params, *p, NULL)) {
                return xasprintf("%s: %.64s takes it only on the agent's "
                                 "internal socket (xovs-netback's hotplug "
                                 "script, scripts/vif)",
                                 *p, method);
            }
        }
    }
    return NULL;
}

char *
xrpc_check_allowed(const struct xrpc_allow *allow, const char *method,
                   struct json_object *params)
{
    const struct xrpc_allow *a;
    struct ds names = DS_EMPTY_INITIALIZER;

    for (a = allow; a->method; a++) {
        if (!strcmp(a->method, method)) {
            break;
        }
        ds_put_format(&names, "%s%s", names.length ? ", " : "", a->method);
    }
    if (!a->method) {
        char *msg = xasprintf("%.64s: not allowed on this socket (it serves "
                              "only %s); use the agent's admin socket "
                              "(xovs's default)",
                              method, ds_cstr(&names));
        ds_destroy(&names);
        return msg;
    }
    ds_destroy(&names);
    if (!a->params || !json_object_is_type(params, json_type_object)) {
        return NULL; /* a non-object 'params' is the executor's to reject */
    }
    json_object_object_foreach(params, key, val)
    {
        (void)val;
        const char *const *p;
        for (p = a->params; *p && strcmp(*p, key); p++) {
            continue;
        }
        if (!*p) {
            struct ds ok = DS_EMPTY_INITIALIZER;
            for (p = a->params; *p; p++) {
                ds_put_format(&ok, "%s%s=", ok.length ? ", " : "", *p);
            }
            char *msg = xasprintf("%.64s: %s may not set it on this socket "
                                  "(only %s); use the agent's admin socket "
                                  "(xovs's default)",
                                  key, method, ds_cstr(&ok));
            ds_destroy(&ok);
            return msg;
        }
    }
    return NULL;
}

const struct xrpc_verb *
xrpc_verbs(size_t *n)
{
    static struct xrpc_verb *all;
    static size_t n_all;

    if (!all) {
        size_t n_param = 0, n_ovn = 0;
        const struct xrpc_verb *param
            = xrpc_param_verbs ? xrpc_param_verbs(&n_param) : NULL;
        const struct xrpc_verb *ovn
            = xrpc_ovn_verbs ? xrpc_ovn_verbs(&n_ovn) : NULL;
        all = xmalloc((ARRAY_SIZE(verbs) + n_param + n_ovn) * sizeof *all);
        memcpy(all, verbs, sizeof verbs);
        if (n_param) {
            memcpy(all + ARRAY_SIZE(verbs), param, n_param * sizeof *param);
        }
        if (n_ovn) {
            memcpy(all + ARRAY_SIZE(verbs) + n_param, ovn,
                   n_ovn * sizeof *ovn);
        }
        n_all = ARRAY_SIZE(verbs) + n_param + n_ovn;
    }
    *n = n_all;
    return all;
}

const struct xrpc_verb *
xrpc_verb_find(const char *name)
{
    size_t n;
    const struct xrpc_verb *all = xrpc_verbs(&n);

    for (size_t i = 0; i < n; i++) {
        if (!strcmp(all[i].name, name)) {
            return &all[i];
        }
    }
    return NULL;
}

const struct xrpc_param *
xrpc_param_find(const struct xrpc_verb *verb, const char *name)
{
    for (const struct xrpc_param *p = verb->params; p->name; p++) {
        if (!strcmp(p->name, name)) {
            return p;
        }
    }
    return NULL;
}

char *
xrpc_check_param_name(const struct xrpc_verb *verb, const char *key)
{
    size_t plen = strlen(OTHER_CONFIG_PREFIX);
    size_t pplen = strlen(PROPERTIES_PREFIX);
    size_t qplen = strlen(QOS_PARAMS_PREFIX);

    if (xrpc_param_find(verb, key) || (verb->flags & XRPC_ANY_KEYS && *key)
        || (verb->flags & XRPC_LIST && !strcmp(key, "params"))
        || (verb->flags & XRPC_OTHER_CONFIG
            && !strncmp(key, OTHER_CONFIG_PREFIX, plen) && key[plen])
        || (verb->flags & XRPC_PROPERTIES
            && !strncmp(key, PROPERTIES_PREFIX, pplen) && key[pplen])
        || (verb->flags & XRPC_QOS_PARAMS
            && !strncmp(key, QOS_PARAMS_PREFIX, qplen) && key[qplen])) {
        return NULL;
    }
    return xasprintf("%.64s: unknown parameter for %s (see: xovs help %s)",
                     key, verb->name, verb->name);
}

static void
value_to_ds(struct json_object *val, struct ds *ds)
{
    switch (json_object_get_type(val)) {
    case json_type_null:
        ds_put_cstr(ds, "<not set>");
        break;
    case json_type_boolean:
        ds_put_cstr(ds, json_object_get_boolean(val) ? "true" : "false");
        break;
    case json_type_int:
        ds_put_format(ds, "%" PRId64, json_object_get_int64(val));
        break;
    case json_type_double:
    case json_type_string:
        ds_put_cstr(ds, json_object_get_string(val));
        break;
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(val); i++) {
            ds_put_cstr(ds, i ? "; " : "");
            value_to_ds(json_object_array_get_idx(val, i), ds);
        }
        break;
    case json_type_object: {
        bool first = true;
        for (struct lh_entry *e = lh_table_head(json_object_get_object(val));
             e; e = lh_entry_next(e)) {
            const char *k = lh_entry_k(e);
            struct json_object *v = lh_entry_v(e);
            ds_put_format(ds, "%s%s: ", first ? "" : "; ", k);
            value_to_ds(v, ds);
            first = false;
        }
        break;
    }
    }
}

char *
xrpc_value_to_text(struct json_object *val)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    value_to_ds(val, &ds);
    return ds_steal_cstr(&ds);
}

/* Returns 'obj' as a line (malloc'd, '\n'-terminated) and puts 'obj'. */
static char *
to_line(struct json_object *obj)
{
    char *line
        = xasprintf("%s\n", json_object_to_json_string_ext(
                                obj, JSON_C_TO_STRING_PLAIN
                                         | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(obj);
    return line;
}

static struct json_object *
new_message(struct json_object *id)
{
    struct json_object *obj = json_object_new_object();
    json_object_object_add(obj, "jsonrpc", json_object_new_string("2.0"));
    json_object_object_add(obj, "id", id ? json_object_get(id) : NULL);
    return obj;
}

char *
xrpc_request_line(long long id, const char *method, struct json_object *params)
{
    struct json_object *obj = new_message(NULL);
    json_object_object_add(obj, "id", json_object_new_int64(id));
    json_object_object_add(obj, "method", json_object_new_string(method));
    json_object_object_add(obj, "params", json_object_get(params));
    return to_line(obj);
}

char *
xrpc_result_line(struct json_object *id, struct json_object *result)
{
    struct json_object *obj = new_message(id);
    json_object_object_add(obj, "result", result);
    return to_line(obj);
}

char *
xrpc_error_line(struct json_object *id, enum xrpc_code code,
                const char *message)
{
    struct json_object *obj = new_message(id);
    struct json_object *error = json_object_new_object();
    json_object_object_add(error, "code", json_object_new_int(code));
    json_object_object_add(error, "message", json_object_new_string(message));
    json_object_object_add(obj, "error", error);
    return to_line(obj);
}

/* Parses exactly one JSON object from 'len' bytes of 'line' (trailing
 * whitespace allowed).  Returns NULL and sets '*error' on failure. */
static struct json_object *
parse_object(const char *line, size_t len, size_t max, char **error)
{
    if (len > max) {
        *error
            = xasprintf("message of %zu bytes is longer than %zu", len, max);
        return NULL;
    }

    struct json_tokener *tok = json_tokener_new();
    struct json_object *obj = json_tokener_parse_ex(tok, line, len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    while (obj && end < len && strchr(" \t\r\n", line[end])) {
        end++;
    }
    if (!obj || jerr != json_tokener_success || end < len) {
        *error
            = xasprintf("not a JSON message (byte %zu: %s)", end,
                        obj ? "trailing data" : json_tokener_error_desc(jerr));
    } else if (!json_object_is_type(obj, json_type_object)) {
        *error = xstrdup("not a JSON object");
    } else {
        return obj;
    }
    json_object_put(obj);
    return NULL;
}

char *
xrpc_parse_request(const char *line, size_t len, struct json_object **request,
                   struct json_object **id, const char **method,
                   struct json_object **params)
{
    struct json_object *obj, *val;
    char *error = NULL;

    *request = NULL;
    *id = NULL;
    *method = NULL;
    *params = NULL;
    obj = parse_object(line, len, XRPC_MAX_REQUEST, &error);
    if (!obj) {
        return error;
    }
    *request = obj;
    json_object_object_get_ex(obj, "id", id);
    if (!json_object_object_get_ex(obj, "jsonrpc", &val)
        || !json_object_is_type(val, json_type_string)
        || strcmp(json_object_get_string(val), "2.0")) {
        return xstrdup("\"jsonrpc\" must be \"2.0\"");
    }
    if (!json_object_object_get_ex(obj, "method", &val)
        || !json_object_is_type(val, json_type_string)) {
        return xstrdup("\"method\" must be a string");
    }
    *method = json_object_get_string(val);
    json_object_object_get_ex(obj, "params", params);
    return NULL;
}

char *
xrpc_parse_response(const char *line, size_t len,
                    struct json_object **response, int *code,
                    struct json_object **result, const char **message)
{
    struct json_object *obj, *error, *val;
    char *reason = NULL;

    *response = NULL;
    *result = NULL;
    *message = NULL;
    *code = XRPC_OK;
    obj = parse_object(line, len, XRPC_MAX_RESPONSE, &reason);
    if (!obj) {
        return reason;
    }
    if (json_object_object_get_ex(obj, "error", &error) && error) {
        if (!json_object_object_get_ex(error, "code", &val)
            || !json_object_is_type(val, json_type_int)
            || !json_object_object_get_ex(error, "message", &val)
            || !json_object_is_type(val, json_type_string)) {
            json_object_put(obj);
            return xstrdup("malformed error in response");
        }
        json_object_object_get_ex(error, "code", &val);
        *code = json_object_get_int(val);
        json_object_object_get_ex(error, "message", &val);
        *message = json_object_get_string(val);
    } else if (!json_object_object_get_ex(obj, "result", result)) {
        json_object_put(obj);
        return xstrdup("response has neither result nor error");
    }
    *response = obj;
    return NULL;
}
