#!/bin/bash
# NIC replacement (docs/cli.md "Replacing a NIC"): pif-scan matches PIFs to
# NICs by MAC.  eth1 (a veth to a "physical switch") carries VLAN 10 for a
# guest; renamed to eth5 its PIF and VLAN PIF follow and the guest still
# reaches the switch's VLAN-10 host; replaced by a new card (a new veth,
# new MAC) under the same name the PIF takes the new MAC and the VLAN keeps
# working.  A NIC that vanishes is reported disconnected; pif-introduce
# makes a NIC's PIF, pif-forget removes one (refused while a VLAN uses it);
# bad input is rejected whole, naming the field.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start
switch_host h10 10 198.18.10.2/16

pif_field() {
    xovs pif-list uuid="$1" params="$2" --minimal
}
mac_of() {
    ip -n "$NS" -br link show "$1" | awk '{print $3}'
}
pif_count() {
    xovs pif-list params=uuid --minimal | tr ',' '\n' | grep -c . || true
}

xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
mac1=$(mac_of eth1)
[[ $(pif_field "$pif" MAC) == "$mac1" ]] || fail "eth1's PIF has MAC $(pif_field "$pif" MAC), want $mac1"
[[ $(pif_field "$pif" disconnected) == false ]] || fail "eth1's PIF is reported disconnected"
xovs pif-plug uuid="$pif" >/dev/null
net10=$(xovs network-create name-label=net10)
vlan=$(xovs vlan-create pif-uuid="$pif" network-uuid="$net10" vlan=10)
vpif=$(xovs vlan-list uuid="$vlan" params=untagged-PIF --minimal)
br10=$(network_bridge "$net10")
guest_add g10 1 0 198.18.10.1/16
vif_attach g10 1 0 "$net10" >/dev/null
wait_port eth1 xenbr1
wait_port vif1.0 "$br10"
expect_ping g10 198.18.10.2
log "ok: g10 reaches h10 over VLAN 10 on eth1"

log "rename eth1 to eth5 (same NIC, same MAC), then pif-scan"
ip -n "$NS" link set eth1 down
ip -n "$NS" link set eth1 name eth5
ip -n "$NS" link set eth5 up
xovs pif-scan >"$T_DIR/scan.out" 2>"$T_DIR/scan.err"
grep -q "PIF $pif: NIC eth1 (MAC $mac1) is now eth5" "$T_DIR/scan.err" ||
    fail "pif-scan did not report the rename: $(cat "$T_DIR/scan.err")"
[[ ! -s $T_DIR/scan.out ]] || fail "pif-scan made a new PIF for the renamed NIC: $(cat "$T_DIR/scan.out")"
[[ $(pif_field "$pif" device) == eth5 ]] || fail "PIF device is $(pif_field "$pif" device), want eth5"
[[ $(pif_field "$vpif" device) == eth5 ]] || fail "VLAN PIF device is $(pif_field "$vpif" device), want eth5"
[[ $(pif_field "$pif" currently-attached) == true ]] || fail "the renamed PIF is no longer plugged"
wait_port eth5 xenbr1
# shellcheck disable=SC2317 # run by wait_until (lib.sh)
port_gone() {
    ! vsctl port-to-br "$1"
}
wait_until 10 port_gone eth1 || fail "OVS still has a port eth1"
expect_ping g10 198.18.10.2
log "ok: PIF and VLAN PIF follow the NIC to eth5; g10 still reaches h10 over VLAN 10"

log "replace the card: a new NIC (new MAC) under the name eth5"
ip -n "$NS" link del eth5
"$SANDBOX" link "$NS" eth5 "$SW_NS" p1
# The switch, too, must let go of the old p1 (two transactions).
swvsctl del-port sw0 p1
swvsctl add-port sw0 p1
mac5=$(mac_of eth5)
[[ $mac5 != "$mac1" ]] || fail "the new veth has the old MAC"
xovs pif-scan >"$T_DIR/scan.out" 2>"$T_DIR/scan.err"
grep -q "PIF $pif: NIC eth5 was replaced: MAC $mac1 is now $mac5" "$T_DIR/scan.err" ||
    fail "pif-scan did not report the replacement: $(cat "$T_DIR/scan.err")"
[[ $(pif_field "$pif" MAC) == "$mac5" ]] || fail "PIF MAC $(pif_field "$pif" MAC), want $mac5"
[[ $(pif_field "$vpif" MAC) == "$mac5" ]] || fail "VLAN PIF MAC $(pif_field "$vpif" MAC), want $mac5"
[[ $(xovs vlan-list uuid="$vlan" params=tagged-PIF --minimal) == "$pif" ]] || fail "the VLAN lost its PIF"
wait_port eth5 xenbr1
expect_ping g10 198.18.10.2
log "ok: the PIF takes the new card's MAC; VLAN 10 and its network carry on"

log "a NIC that vanishes is reported, not silently kept"
"$SANDBOX" link "$NS" eth2 "$SW_NS" p2
xovs pif-scan >/dev/null
pif2=$(pif_of_device eth2)
net2=$(pif_field "$pif2" network-uuid)
mac2=$(mac_of eth2)
ip -n "$NS" link del eth2
xovs pif-scan >"$T_DIR/scan.out" 2>"$T_DIR/scan.err"
grep -q "warning: PIF $pif2 (eth2, MAC $mac2) is disconnected" "$T_DIR/scan.err" ||
    fail "pif-scan did not warn about eth2: $(cat "$T_DIR/scan.err")"
[[ $(pif_field "$pif2" disconnected) == true ]] || fail "eth2's PIF not disconnected in pif-list"
[[ $(pif_field "$pif" disconnected) == false ]] || fail "eth5's PIF reported disconnected"
log "ok: $(cat "$T_DIR/scan.err")"

log "pif-introduce: bad input rejected whole, naming the field"
"$SANDBOX" link "$NS" eth3 "$SW_NS" p3
mac3=$(mac_of eth3)
n=$(pif_count)
expect_reject() { # FIELD-PREFIX ARGS...
    local want=$1 out
    shift
    if out=$(xovs "$@" 2>&1); then
        fail "xovs $* was accepted"
    fi
    [[ $out == "xovs: $want"* ]] || fail "xovs $*: '$out', want 'xovs: $want...'"
    log "ok: refused: $out"
}
expect_reject "mac: " pif-introduce device=eth3 mac=02:00:00:zz:00:01
expect_reject "mac: NIC eth3 has MAC $mac3" pif-introduce device=eth3 mac=02:00:00:00:00:99
expect_reject "device: this host has no NIC eth9" pif-introduce device=eth9
expect_reject "device: PIF $pif already has device eth5" pif-introduce device=eth5
expect_reject "network-uuid: network $net10 already has PIF" pif-introduce device=eth3 network-uuid="$net10"
[[ $(pif_count) == "$n" ]] || fail "a rejected pif-introduce changed the PIFs"
pif3=$(xovs pif-introduce device=eth3 mac="$mac3")
[[ $(pif_field "$pif3" device) == eth3 && $(pif_field "$pif3" MAC) == "$mac3" ]] ||
    fail "pif-introduce made $(xovs pif-list uuid="$pif3" --json)"
[[ $(pif_field "$pif3" physical) == true ]] || fail "introduced PIF is not physical"
log "ok: pif-introduce device=eth3 mac=$mac3 -> PIF $pif3"

log "pif-forget: refused while a VLAN uses the PIF, accepted when not"
expect_reject "uuid: PIF $pif (eth5) carries VLAN 10" pif-forget uuid="$pif"
expect_reject "uuid: PIF $vpif is VLAN $vlan's PIF" pif-forget uuid="$vpif"
xovs pif-forget uuid="$pif2" >/dev/null
[[ -z $(xovs pif-list uuid="$pif2" params=uuid --minimal) ]] || fail "pif-forget kept the PIF"
[[ $(xovs network-list uuid="$net2" params=uuid --minimal) == "$net2" ]] ||
    fail "pif-forget removed the PIF's network"
xovs pif-scan 2>"$T_DIR/scan.err" >/dev/null
! grep -q "$pif2" "$T_DIR/scan.err" || fail "forgotten PIF still reported: $(cat "$T_DIR/scan.err")"
log "ok: forgotten; its network $net2 stays"

expect_ping g10 198.18.10.2
ip -n "$NS" link del eth3
pass
