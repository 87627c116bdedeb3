#!/bin/bash
# A bond member's NIC replaced under the same name (docs/cli.md "Replacing a
# NIC": a new card, a new MAC, then `xovs pif-scan`): the bond takes the new
# card as a working member.  OVS's userspace datapath keeps the old
# device's socket open as long as the Interface row lives, so the agent
# must re-create the member's interface when its NIC is replaced (OVS's
# Interface row even shows the new ifindex while the port reads the old
# device).  Traffic through the replaced member alone (the other member's
# carrier down) proves it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start_multi 2
switch_host h1 - 198.18.1.2/24

pifs=$(bond_pifs 2)
pif1=${pifs%%,*}
net=$(xovs network-create name-label=bond-net)
bond=$(xovs bond-create network-uuid="$net" pif-uuids="$pifs" mode=active-backup)
br=$(network_bridge "$net")
wait_bond bond0 "$br"
guest_add g1 1 0 198.18.1.1/24
vif_attach g1 1 0 "$net" >/dev/null
wait_port vif1.0 "$br"
wait_until 10 bond_is "$bond" active-slave eth1 ||
    fail "active member is not eth1: $(xovs bond-list uuid="$bond")"
expect_ping g1 198.18.1.2
log "ok: bond0 (eth1 active, eth2) carries g1's traffic"

mac1=$(ip -n "$NS" -br link show eth1 | awk '{print $3}')
log "replace eth1's card: a new veth (new MAC) under the name eth1"
ip -n "$NS" link del eth1
"$SANDBOX" link "$NS" eth1 "$SW_NS" p1
# The switch is plain OVS: it must let go of the old p1 itself.
swvsctl del-port sw0 p1
swvsctl add-port sw0 p1
new_mac=$(ip -n "$NS" -br link show eth1 | awk '{print $3}')
[[ $new_mac != "$mac1" ]] || fail "the new veth has the old MAC"
xovs pif-scan >"$T_DIR/scan.out" 2>"$T_DIR/scan.err"
grep -q "PIF $pif1: NIC eth1 was replaced: MAC $mac1 is now $new_mac" "$T_DIR/scan.err" ||
    fail "pif-scan did not report the replacement: $(cat "$T_DIR/scan.err")"

log "eth2's carrier down: only the replaced eth1 is left"
ip -n "$SW_NS" link set p2 down
wait_until 10 bond_is "$bond" active-slave eth1 ||
    fail "active member is not eth1: $(xovs bond-list uuid="$bond")"
expect_ping g1 198.18.1.2
expect_ping h1 198.18.1.1
log "ok: traffic crosses the replaced member"
pass
