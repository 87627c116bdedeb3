#!/bin/bash
# xovs-test: alone=ovn
# A bridged pool network (docs/ovn.md: physical-network=physnet1 vlan=N, an
# OVN localnet port with tag_request N).  Host 1's agent plugs its NIC eth1
# (its PIF bridge) and joins OVN with bridge-mappings physnet1:<that bridge>.
# The physical network is a second OVS sandbox, a "physical switch" (this
# kernel has no 8021q module and its bridge no VLAN filtering, so a VLAN
# host cannot be a VLAN sub-interface): eth1 <-> p1 is a trunk port, and
# "physical hosts" ph20 / ph30 sit on its access ports for VLAN 20 / 30.
# A guest on the VLAN 20 network reaches ph20 and not ph30, its frames on
# the wire (p1, captured with tcpdump) carry tag 20 and never another; a
# guest on the VLAN 30 network reaches ph30 and not ph20, tag 30.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

command -v tcpdump >/dev/null || skip "tcpdump not installed"
ovn_require
ovn_start 1
ctl_start || fail "xovs-controller did not start"
agent_on 1

NS=$OVN-h1
OVSDB=unix:$SBOX/$OVN-h1/db.sock
switch_start
ip netns exec "$NS" ethtool -K eth1 tx off >/dev/null
ip netns exec "$SW_NS" ethtool -K p1 tx off >/dev/null
switch_host ph20 20 198.18.6.100/24
switch_host ph30 30 198.18.6.130/24

log "host 1: eth1's PIF plugged, its bridge is physnet1"
xa 1 pif-scan >/dev/null
pif=$(xa 1 pif-list device=eth1 params=uuid --minimal)
[[ -n $pif && $pif != *,* ]] || fail "no single PIF for eth1: '$pif'"
xa 1 pif-plug uuid="$pif" >/dev/null || fail "pif-plug eth1"
pnet=$(xa 1 pif-list uuid="$pif" params=network-uuid --minimal)
br=$(xa 1 network-list uuid="$pnet" params=bridge --minimal)
[[ -n $br ]] || fail "eth1's network has no bridge"
wait_until 30 test "$(hvsctl 1 port-to-br eth1 2>/dev/null)" == "$br" ||
    fail "eth1 is not on $br: $(hvsctl 1 show)"
ovn_join 1 bridge-mappings="physnet1:$br"
wait_until 90 chassis_count_is 1 || fail "host 1 is no chassis: $(sbctl show)"
wait_until 30 test "$(hvsctl 1 get Open_vSwitch . external_ids:ovn-bridge-mappings)" == \
    "\"physnet1:$br\"" || fail "ovn-bridge-mappings not written"
log "ok: host 1 joined with bridge-mappings physnet1:$br"

lan20=$(xc pool-network-create name-label=lan20 physical-network=physnet1 vlan=20) ||
    fail "pool-network-create lan20"
lan30=$(xc pool-network-create name-label=lan30 physical-network=physnet1 vlan=30) ||
    fail "pool-network-create lan30"
for n in "$lan20:20" "$lan30:30"; do
    u=${n%:*}
    wait_until 30 nbctl get Logical_Switch_Port "ln-$u" type >/dev/null ||
        fail "no localnet port ln-$u in NB"
    [[ $(nbctl get Logical_Switch_Port "ln-$u" type) == localnet ]] ||
        fail "ln-$u is not a localnet port"
    [[ $(nbctl get Logical_Switch_Port "ln-$u" tag_request) == "${n#*:}" ]] ||
        fail "ln-$u has tag_request $(nbctl get Logical_Switch_Port "ln-$u" tag_request)"
    [[ $(nbctl get Logical_Switch_Port "ln-$u" options:network_name) == physnet1 ]] ||
        fail "ln-$u is not on physnet1"
done
log "ok: NB has localnet ports on physnet1 with tag_request 20 and 30"

h20=$(xa 1 network-create name-label=lan20 other-config:ovn-network="$lan20")
h30=$(xa 1 network-create name-label=lan30 other-config:ovn-network="$lan30")
place g1 1 1 "$h20" "$lan20" 198.18.6.1/24
place g3 1 3 "$h30" "$lan30" 198.18.6.3/24
wait_bound g1 g3

WIRE_PID=
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
wire_stop() {
    kill_wait "$WIRE_PID" TERM
    WIRE_PID=
}
CLEAN_HOOKS+=(wire_stop)
ip netns exec "$SW_NS" tcpdump -i p1 -n -U -w "$T_DIR/wire.pcap" 2>"$T_DIR/tcpdump.err" &
WIRE_PID=$!
wait_until 10 grep -q listening "$T_DIR/tcpdump.err" || fail "tcpdump did not start"

wait_until 60 gexec g1 ping -c 1 -W 1 198.18.6.100 ||
    fail "g1 (VLAN 20 network) does not reach ph20 on VLAN 20"
log "ok: g1 on the VLAN 20 network reaches ph20, a host on the switch's VLAN 20"
expect_ping g1 198.18.6.100
expect_no_ping g1 198.18.6.130
wait_until 60 gexec g3 ping -c 1 -W 1 198.18.6.130 ||
    fail "g3 (VLAN 30 network) does not reach ph30 on VLAN 30"
expect_no_ping g3 198.18.6.100
sleep 1
wire_stop

tcpdump -r "$T_DIR/wire.pcap" -n -e 2>/dev/null >"$T_DIR/wire.txt"
MAC1=$(guest_mac 1 0)
MAC3=$(guest_mac 3 0)
n20=$(grep -c "^.*$MAC1 > .*vlan 20, .*198.18.6.1 > 198.18.6.100: ICMP echo request" "$T_DIR/wire.txt" || true)
[[ $n20 -gt 0 ]] || fail "no ICMP from g1 tagged 20 on the wire: $(head -n 20 "$T_DIR/wire.txt")"
bad=$(grep "$MAC1 > " "$T_DIR/wire.txt" | grep -v "vlan 20," || true)
[[ -z $bad ]] || fail "g1's frames on the wire without tag 20: $bad"
n30=$(grep "$MAC3 > " "$T_DIR/wire.txt" | grep -c "vlan 30," || true)
[[ $n30 -gt 0 ]] || fail "no frame from g3 tagged 30 on the wire"
bad=$(grep "$MAC3 > " "$T_DIR/wire.txt" | grep -v "vlan 30," || true)
[[ -z $bad ]] || fail "g3's frames on the wire without tag 30: $bad"
log "ok: on the wire g1's frames carry tag 20 ($n20 echo requests), g3's tag 30 ($n30 frames), no other"

log "the agent left OVN's patch port on $br alone"
hvsctl 1 list-ports "$br" | grep -q patch || fail "no OVN patch port on $br: $(hvsctl 1 list-ports "$br")"
pass
