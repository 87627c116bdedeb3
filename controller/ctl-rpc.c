/* controller/ctl-rpc.c: xovs-controller's verbs in the xovs verb table
 * (rpc.h's xrpc_ovn_verbs()): the pool's networks, the placement of its
 * VIFs, their live migration, the pool's hosts and its ACLs.  Linked into
 * the CLI (so `xovs help` knows them and checks their parameters before
 * connecting) and into xovs-controller, which answers them (ctl-api.c);
 * xovs-agent does not serve them. */
#include <config.h>
#include "agent/rpc.h"

#include "agent/rpc-table.h"
#include "util.h"

static const struct xrpc_param pool_network_create[] = {
    REQ("name-label", "the network's name, unique in the pool"),
    ARG("name-description", "free text"),
    ARG("physical-network", "bridge it to this physical network (a host's "
                            "ovn-bridge-mappings name); default: private, "
                            "overlay only"),
    ARG("vlan", "0..4094: the VLAN on the physical network (needs "
                "physical-network)"),
    END,
};

static const struct xrpc_param pool_network_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("name-label", " RO", "name"),
    FIELD("name-description", " RO", "free text"),
    FIELD("physical-network", " RO", "physical network, empty if private"),
    FIELD("vlan", " RO", "VLAN on the physical network, -1 if none"),
    FIELD("VIF-uuids", "SRO", "VIFs placed on the network"),
    FIELD("status", " RO", "applied or pending: whether OVN holds it"),
    END,
};

static const struct xrpc_param pool_vif_create[] = {
    REQ("uuid", "the VIF's uuid (its record on the host)"),
    REQ("network-uuid", "the pool network"),
    REQ("mac", "the VIF's MAC address"),
    REQ("host", "the host it runs on (its OVN system-id)"),
    ARG("vm-uuid", "the VM the VIF belongs to"),
    ARG("ip-allowed", "IPv4/IPv6 addresses the VIF may send from, ','-"
                      "separated (locking mode); default: any"),
    END,
};

static const struct xrpc_param pool_vif_fields[] = {
    FIELD("uuid", " RO", "the VIF's uuid (OVN's logical port name)"),
    FIELD("network-uuid", " RO", "the pool network"),
    FIELD("mac", " RO", "MAC address"),
    FIELD("host", " RO", "the host it runs on"),
    FIELD("vm-uuid", " RO", "the VM"),
    FIELD("ip-allowed", "SRO", "source addresses port security allows"),
    FIELD("migrating-to", " RO",
          "the live migration's target host, or "
          "empty"),
    FIELD("status", " RO", "applied or pending: whether OVN holds it"),
    FIELD("bound", " RO", "true once a host's ovn-controller bound it"),
    END,
};

static const struct xrpc_param pool_acl_create[] = {
    REQ("level", "pool, network, vm or vif: a higher level's rules win "
                 "over a lower one's"),
    ARG("target", "the network's, VM's or VIF's uuid (none for pool)"),
    REQ("action", "allow or deny"),
    REQ("protocol", "tcp, udp, icmp, arp or any"),
    ARG("port", "tcp/udp destination port N or range N-M; default: any"),
    ARG("remote", "the other end: an IPv4/IPv6 address or CIDR; default: "
                  "any"),
    REQ("direction", "to-vif (what the VIF receives) or from-vif (what it "
                     "sends)"),
    ARG("priority", "0..999 inside the level, higher wins; default 0"),
    END,
};

static const struct xrpc_param pool_acl_fields[] = {
    FIELD("uuid", " RO", "unique identifier"),
    FIELD("level", " RO", "pool, network, vm or vif"),
    FIELD("target", " RO", "the network, VM or VIF; empty for pool"),
    FIELD("action", " RO", "allow or deny"),
    FIELD("protocol", " RO", "tcp, udp, icmp, arp or any"),
    FIELD("port", " RO", "destination port or range, empty for any"),
    FIELD("remote", " RO", "remote address or CIDR, empty for any"),
    FIELD("direction", " RO", "to-vif or from-vif"),
    FIELD("priority", " RO", "order inside the level"),
    FIELD("ovn-priority", " RO", "the OVN ACL's priority"),
    FIELD("status", " RO", "applied or pending: whether OVN holds it"),
    END,
};

static const struct xrpc_param uuid_pool_acl[]
    = {REQ("uuid", "the ACL's uuid"), END};
static const struct xrpc_param uuid_pool_network[]
    = {REQ("uuid", "the pool network's uuid"), END};
static const struct xrpc_param uuid_pool_vif[]
    = {REQ("uuid", "the VIF's uuid"), END};

static const struct xrpc_param pool_vif_migrate[] = {
    REQ("uuid", "the VIF's uuid"),
    REQ("host", "the target host (its OVN system-id); the VIF's own host "
                "cancels a migration"),
    END,
};

static const struct xrpc_param pool_host_add[] = {
    REQ("name", "the host's OVN system-id (its chassis name)"),
    ARG("name-description", "free text"),
    END,
};

static const struct xrpc_param pool_host_remove[] = {
    REQ("name", "the host's system-id"),
    ARG("force", "true: also take the host's VIFs off the pool (default "
                 "false: a host with VIFs is refused)"),
    END,
};

static const struct xrpc_param pool_host_fields[] = {
    FIELD("name", " RO", "the host's OVN system-id"),
    FIELD("name-description", " RO", "free text"),
    FIELD("state", " RO", "member, or removed (no VIFs may go there)"),
    FIELD("VIF-uuids", "SRO", "VIFs on the host or migrating to it"),
    FIELD("chassis", " RO",
          "OVN southbound: registered, absent, or unknown (SB unreachable)"),
    FIELD("hostname", " RO", "the chassis's hostname"),
    FIELD("encap-type", " RO", "its tunnel encapsulation (geneve...)"),
    FIELD("encap-ip", " RO", "its tunnel endpoint address"),
    FIELD("ports-bound", " RO", "VIF ports OVN binds on the host"),
    FIELD("alive", " RO",
          "true if its ovn-controller caught up with nb_cfg, false if "
          "behind, unknown if nb_cfg is not counted"),
    END,
};

static const struct xrpc_verb ovn_verbs[] = {
    {"pool-network-create",
     "(xovs-controller) create a pool-wide network in OVN",
     pool_network_create, 0, XRPC_RESULT_UUID},
    {"pool-network-list", "(xovs-controller) list the pool's networks",
     pool_network_fields, XRPC_LIST, XRPC_RESULT_LIST},
    {"pool-network-destroy",
     "(xovs-controller) destroy a pool network without VIFs",
     uuid_pool_network, 0, XRPC_RESULT_NONE},
    {"pool-vif-create",
     "(xovs-controller) place a VIF on a pool network and host",
     pool_vif_create, 0, XRPC_RESULT_UUID},
    {"pool-vif-list", "(xovs-controller) list the pool's VIFs",
     pool_vif_fields, XRPC_LIST, XRPC_RESULT_LIST},
    {"pool-vif-destroy", "(xovs-controller) remove a VIF from the pool",
     uuid_pool_vif, 0, XRPC_RESULT_NONE},
    {"pool-vif-migrate",
     "(xovs-controller) live migration: bind the VIF on a second host too",
     pool_vif_migrate, 0, XRPC_RESULT_NONE},
    {"pool-vif-migrate-complete",
     "(xovs-controller) live migration done: release the source host",
     uuid_pool_vif, 0, XRPC_RESULT_NONE},
    {"pool-host-add", "(xovs-controller) add a host to the pool",
     pool_host_add, 0, XRPC_RESULT_NONE},
    {"pool-host-list", "(xovs-controller) list the pool's hosts",
     pool_host_fields, XRPC_LIST, XRPC_RESULT_LIST},
    {"pool-host-remove", "(xovs-controller) remove a host from the pool",
     pool_host_remove, 0, XRPC_RESULT_NONE},
    {"pool-acl-create",
     "(xovs-controller) add an ACL rule (pool, network, VM or VIF level)",
     pool_acl_create, 0, XRPC_RESULT_UUID},
    {"pool-acl-list", "(xovs-controller) list the pool's ACL rules",
     pool_acl_fields, XRPC_LIST, XRPC_RESULT_LIST},
    {"pool-acl-destroy", "(xovs-controller) remove an ACL rule", uuid_pool_acl,
     0, XRPC_RESULT_NONE},
};

const struct xrpc_verb *
xrpc_ovn_verbs(size_t *n)
{
    *n = ARRAY_SIZE(ovn_verbs);
    return ovn_verbs;
}
