#!/bin/bash
# VLANs 10 and 20 over one PIF (eth1, a veth to a "physical switch" OVS
# with access ports on VLAN 10 and 20).  A guest on VLAN 10 reaches the host
# on the switch's VLAN 10 port and not the one on VLAN 20 (same IP subnet,
# so only the tag separates them); a capture on the wire shows 802.1Q tags.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || skip "tcpdump not installed"
host_start
switch_start
switch_host h10 10 198.18.10.2/16
switch_host h20 20 198.18.20.2/16
log "switch hosts: h10 198.18.10.2 on VLAN 10, h20 198.18.20.2 on VLAN 20"

log "xovs pif-scan, then plug eth1"
xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
log "eth1 is PIF $pif"
# An administratively down NIC: plugging the PIF sets it up, as xapi's
# PIF.plug does (with OVS's kernel datapath nothing else would).
ip -n "$NS" link set eth1 down
xovs pif-plug uuid="$pif" >/dev/null
wait_until 10 grep -q "eth1: link set up (plugged PIF)" "$T_DIR/agent.log" ||
    fail "the agent did not set eth1 up on pif-plug"
ip -n "$NS" link show eth1 | grep -q '<[^>]*,UP[,>]' ||
    fail "eth1 is not up after pif-plug: $(ip -n "$NS" -br link show eth1)"
log "ok: pif-plug set the down eth1 up"
phys_net=$(xovs pif-list uuid="$pif" params=network-uuid --minimal)
phys_br=$(network_bridge "$phys_net")
[[ $phys_br == xenbr1 ]] || fail "eth1's network has bridge '$phys_br', want xenbr1"
wait_port eth1 xenbr1
log "ok: eth1 is a port of xenbr1"

log "networks net10 and net20 as VLANs 10 and 20 on eth1"
net10=$(xovs network-create name-label=net10)
net20=$(xovs network-create name-label=net20)
xovs vlan-create pif-uuid="$pif" network-uuid="$net10" vlan=10 >/dev/null
xovs vlan-create pif-uuid="$pif" network-uuid="$net20" vlan=20 >/dev/null
for n in "$net10" "$net20"; do
    vpif=$(xovs pif-list network-uuid="$n" params=uuid --minimal)
    [[ -n $vpif ]] || fail "no VLAN PIF on network $n"
    ensure_plugged "$vpif"
done
br10=$(network_bridge "$net10")
br20=$(network_bridge "$net20")
wait_until 10 vsctl br-exists "$br10" || fail "no bridge $br10 for net10"
wait_until 10 vsctl br-exists "$br20" || fail "no bridge $br20 for net20"
[[ $(vsctl br-to-parent "$br10") == xenbr1 ]] || fail "$br10 is not a fake bridge on xenbr1"
[[ $(vsctl br-to-vlan "$br10") == 10 ]] || fail "$br10 does not carry tag 10"
[[ $(vsctl br-to-vlan "$br20") == 20 ]] || fail "$br20 does not carry tag 20"
log "ok: fake bridges $br10 (xenbr1, tag 10) and $br20 (xenbr1, tag 20)"

guest_add g10 1 0 198.18.10.1/16
guest_add g20 2 0 198.18.20.1/16
vif_attach g10 1 0 "$net10" >/dev/null
vif_attach g20 2 0 "$net20" >/dev/null
wait_port vif1.0 "$br10"
wait_port vif2.0 "$br20"
[[ $(vsctl get Port vif1.0 tag) == 10 ]] || fail "vif1.0 is not tagged 10"
log "ok: vif1.0 on $br10 (tag 10), vif2.0 on $br20 (tag 20)"

log "capturing on the switch's p1 while g10 pings h10"
cap=$T_DIR/p1.txt
ip netns exec "$SW_NS" tcpdump -e -nn -l -i p1 vlan >"$cap" 2>&1 &
tcpdump_pid=$!
wait_until 5 grep -q "listening on" "$cap" || true
expect_ping g10 198.18.10.2
expect_ping g20 198.18.20.2
sleep 0.5
kill "$tcpdump_pid" 2>/dev/null || true
wait "$tcpdump_pid" 2>/dev/null || true
grep -q "vlan 10, .*198.18.10.1 > 198.18.10.2: ICMP echo request" "$cap" ||
    { sed "s/^/[$TEST_NAME] | /" "$cap" | head -20; fail "no VLAN-10 tagged echo request seen on the wire"; }
grep -q "vlan 20, .*198.18.20.1 > 198.18.20.2: ICMP echo request" "$cap" ||
    fail "no VLAN-20 tagged echo request seen on the wire"
log "ok: the wire shows: $(grep -m1 'vlan 10, .*ICMP echo request' "$cap")"

expect_no_ping g10 198.18.20.2
expect_no_ping g20 198.18.10.2
expect_no_ping g10 198.18.20.1
pass
