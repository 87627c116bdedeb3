#!/bin/bash
# Bad tunnel and mirror requests through the CLI: each is rejected whole
# with exit status 1 and a message naming the field, and changes nothing
# (records and OVS stay the same): a wrong protocol, an unknown network or
# PIF, a tunnel on a VLAN PIF or on a network that has a PIF, bad or
# missing remotes and transport address, keys out of range or in use, a
# network or VIF MTU that does not fit the encapsulation (naming both
# sides), a mirror whose output is also a source, no or two outputs, a
# VLAN out of range, sources on two networks, and destroying what a
# mirror uses.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start

log "setup: NIC eth1 (plugged), VLAN 10 on it, a VXLAN tunnel network with two VIFs, a mirror"
peer=$(gns nic)
CLEAN_NETNS+=("$peer")
ip netns add "$peer"
"$SANDBOX" link "$NS" eth1 "$peer" eth0
xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
ensure_plugged "$pif"
phys_net=$(xovs pif-list uuid="$pif" params=network-uuid --minimal)
n10=$(xovs network-create name-label=n10)
xovs vlan-create pif-uuid="$pif" network-uuid="$n10" vlan=10 >/dev/null
vpif=$(xovs pif-list network-uuid="$n10" params=uuid --minimal)
tnet=$(xovs network-create name-label=overlay MTU=1450)
tun=$(xovs tunnel-create pif-uuid="$pif" network-uuid="$tnet" protocol=vxlan \
    remotes=198.18.0.2 transport-address=198.18.0.1/24 key=5)
access=$(xovs tunnel-list uuid="$tun" params=access-PIF --minimal)
free=$(xovs network-create name-label=free)
big=$(xovs network-create name-label=big MTU=1500)
other=$(xovs network-create name-label=other)
v1=$(xovs vif-create vm-uuid="$(new_uuid)" domid=1 device=0 network-uuid="$tnet" mac="$(guest_mac 1 0)")
v2=$(xovs vif-create vm-uuid="$(new_uuid)" domid=2 device=0 network-uuid="$tnet" mac="$(guest_mac 2 0)")
v3=$(xovs vif-create vm-uuid="$(new_uuid)" domid=3 device=0 network-uuid="$other" mac="$(guest_mac 3 0)")
xovs mirror-create vif-uuids="$v1" output-vif-uuid="$v2" >/dev/null
wait_until 10 vsctl br-exists "$(network_bridge "$tnet")" || fail "no bridge for the tunnel network"
nobody=$(new_uuid)

# records VERB: the records a list verb shows, without what the switch
# reports live (apply status and error, BFD state).
records() {
    xovs "$1" params=all | grep -vE '^ *(status|error|remote-status) \('
}
# Per case the records; OVS (which only the records drive) once at the end.
snapshot() {
    local verb
    for verb in network-list pif-list vif-list tunnel-list mirror-list; do
        records "$verb"
    done
}
sleep 1
snapshot >"$T_DIR/before"
ovs_state >"$T_DIR/ovs-before"

T=(tunnel-create pif-uuid="$pif" remotes=198.18.0.3)
reject '^xovs: protocol: "geneve" is not gre or vxlan' "${T[@]}" network-uuid="$free" protocol=geneve
reject '^xovs: network-uuid: no network' "${T[@]}" network-uuid="$nobody"
reject '^xovs: pif-uuid: no PIF' tunnel-create pif-uuid="$nobody" network-uuid="$free" remotes=198.18.0.3
reject '^xovs: pif-uuid: .*not a uuid' tunnel-create pif-uuid=eth1 network-uuid="$free" remotes=198.18.0.3
reject '^xovs: pif-uuid: PIF .* is VLAN 10 on eth1; a tunnel.s transport PIF must not be a VLAN PIF' \
    tunnel-create pif-uuid="$vpif" network-uuid="$free" remotes=198.18.0.3
reject '^xovs: pif-uuid: .*is the access PIF of tunnel' tunnel-create pif-uuid="$access" network-uuid="$free" remotes=198.18.0.3
reject '^xovs: network-uuid: network .* already has PIF' "${T[@]}" network-uuid="$phys_net"
reject '^xovs: network-uuid: network .* already has PIF' "${T[@]}" network-uuid="$tnet"
reject '^xovs: remotes: "198.18.0.300" is not an IPv4 address' tunnel-create pif-uuid="$pif" network-uuid="$free" remotes=198.18.0.300
reject '^xovs: remotes: 198.18.0.3 is listed twice' tunnel-create pif-uuid="$pif" network-uuid="$free" remotes=198.18.0.3,198.18.0.3
reject '^xovs: remotes: 198.18.0.1 is this host.s own transport address' tunnel-create pif-uuid="$pif" network-uuid="$free" remotes=198.18.0.1
reject '^xovs: remotes: ' tunnel-create pif-uuid="$pif" network-uuid="$free"
reject '^xovs: remotes: no address' tunnel-create pif-uuid="$pif" network-uuid="$free" remotes=,
reject '^xovs: transport-address: 198.18.0.9/24, but the tunnels over PIF .* use 198.18.0.1/24' \
    "${T[@]}" network-uuid="$free" transport-address=198.18.0.9/24
reject '^xovs: transport-address: "198.18.0.1" is not an IPv4 address with a prefix' \
    "${T[@]}" network-uuid="$free" transport-address=198.18.0.1
reject '^xovs: key: "16777216" is not a vxlan key, 0..16777215' "${T[@]}" network-uuid="$free" protocol=vxlan key=16777216
reject '^xovs: key: "-1" is not a gre key' "${T[@]}" network-uuid="$free" key=-1
reject '^xovs: key: vxlan tunnel .* already has key 5' "${T[@]}" network-uuid="$free" protocol=vxlan key=5
reject '^xovs: network-uuid: the network.s MTU 1500 does not fit in vxlan tunnel .*transport network .*\(xenbr1\) has MTU 1500, less 50 bytes of encapsulation leaves 1450' \
    "${T[@]}" network-uuid="$big" protocol=vxlan
reject '^xovs: network-uuid: the network.s MTU 1500 does not fit in gre tunnel .*less 42 bytes of encapsulation leaves 1458' \
    "${T[@]}" network-uuid="$big"
reject '^xovs: MTU: the network.s MTU 1451 does not fit in vxlan tunnel .*transport network .*has MTU 1500' \
    network-param-set uuid="$tnet" MTU=1451
# Two rules refuse this one: the tunnel's, and the VLAN network n10's on the
# same NIC (MTU consistency); the first one checked answers.
reject '^xovs: MTU: (network .* is the transport of vxlan tunnel .* whose network .* has MTU 1450: it needs at least 1500|1499 is smaller than the MTU 1500 of VLAN network .* which rides on this network)' \
    network-param-set uuid="$phys_net" MTU=1499
# As for networks, the VIF rule (MTU consistency: a VIF's MTU is at most
# its network's) may answer before the tunnel's.
reject '^xovs: MTU: (the VIF.s MTU 1500 does not fit in vxlan tunnel|1500 is larger than the MTU 1450 of the VIF.s network)' \
    vif-create vm-uuid="$(new_uuid)" domid=4 device=0 network-uuid="$tnet" mac="$(guest_mac 4 0)" MTU=1500
reject '^xovs: MTU: (the VIF.s MTU 9000 does not fit in vxlan tunnel|9000 is larger than the MTU 1450 of the VIF.s network)' \
    vif-param-set uuid="$v1" MTU=9000
reject '^xovs: pif-uuid: .*is the access PIF of tunnel' vlan-create pif-uuid="$access" network-uuid="$free" vlan=20
reject '^xovs: uuid: no tunnel' tunnel-destroy uuid="$nobody"
reject '^xovs: uuid: .*not a uuid' tunnel-destroy uuid=tunnel0

reject '^xovs: output-vif-uuid: VIF .* is also a source of the mirror' \
    mirror-create vif-uuids="$v1,$v2" output-vif-uuid="$v2"
reject '^xovs: output-vif-uuid: VIF .* is on network .*whose whole traffic is the source' \
    mirror-create network-uuid="$tnet" output-vif-uuid="$v2"
reject '^xovs: output-vif-uuid: give exactly one output' mirror-create vif-uuids="$v1"
reject '^xovs: output-vlan: give exactly one output' mirror-create vif-uuids="$v1" output-vif-uuid="$v2" output-vlan=5
reject '^xovs: output-vlan: 4095 is outside 1..4094' mirror-create vif-uuids="$v1" output-vlan=4095
reject '^xovs: output-vlan: 0 is outside 1..4094' mirror-create vif-uuids="$v1" output-vlan=0
reject '^xovs: vif-uuids: no VIF with uuid' mirror-create vif-uuids="$nobody" output-vlan=5
reject '^xovs: vif-uuids: VIF .* is listed twice' mirror-create vif-uuids="$v1,$v1" output-vlan=5
reject '^xovs: vif-uuids: VIF .* is on network .*a mirror.s sources and output share one network' \
    mirror-create vif-uuids="$v1,$v3" output-vlan=5
reject '^xovs: output-vif-uuid: VIF .* is on network .*not the mirrored' mirror-create vif-uuids="$v1" output-vif-uuid="$v3"
reject '^xovs: vif-uuids: missing: give the VIFs to mirror' mirror-create output-vlan=5
reject '^xovs: network-uuid: no network' mirror-create network-uuid="$nobody" output-vlan=5
reject '^xovs: network-uuid: network .* is VLAN 10 on eth1' mirror-create network-uuid="$n10" output-vlan=5
reject '^xovs: uuid: no mirror' mirror-destroy uuid="$nobody"
reject '^xovs: uuid: .* is used by mirror .*mirror-destroy it first' vif-destroy uuid="$v2"
reject '^xovs: uuid: .* is used by mirror' network-destroy uuid="$tnet"
nrej=$BAD_CASES
expect_same_state "$T_DIR/ovs-before" "$nrej rejected requests"

rc=0
xovs mirror-create vif-uuids="$v1" output-port=vif2.0 >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "mirror-create with an unknown parameter: exit $rc, want 2"
log "ok: an unknown parameter is a usage error"

log "$nrej bad tunnel and mirror requests rejected with their field named, nothing changed"
pass
