#!/bin/bash
# A 4-member LACP bond with fast timers against a partner switch whose 4
# ports form an LACP bond: every member becomes current and attached on both
# sides (measured and printed: the negotiation time), xovs bond-list reports
# it with the partner's system id, OVS carries the planned columns, and a
# guest on the bond's network reaches a host behind the switch.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start_multi 4 bond_mode=balance-tcp lacp=active other_config:lacp-time=fast
switch_host h1 - 198.18.1.2/24

pifs=$(bond_pifs 4)
net=$(xovs network-create name-label=bond-net)
t0=$(now_ms)
bond=$(xovs bond-create network-uuid="$net" pif-uuids="$pifs" mode=lacp \
    properties:lacp-time=fast)
log "bond $bond over eth1..eth4 (mode lacp, lacp-time fast)"
br=$(network_bridge "$net")
wait_bond bond0 "$br"
[[ $(port_col bond0 bond_mode) == balance-tcp ]] || fail "bond_mode is not balance-tcp"
[[ $(port_col bond0 lacp) == active ]] || fail "lacp is not active"
[[ $(port_col bond0 other_config:lacp-time) == fast ]] || fail "lacp-time is not fast"
[[ $(port_col bond0 other_config:lacp-fallback-ab) == true ]] || fail "lacp-fallback-ab is not true"
[[ $(port_col bond0 bond_downdelay) == 200 ]] || fail "downdelay is not 200"
[[ $(port_col bond0 bond_updelay) == 31000 ]] || fail "updelay is not 31000"
[[ $(bond_ifaces bond0 | tr "\n" " ") == "eth1 eth2 eth3 eth4 " ]] || fail "bond0 has not 4 interfaces"
for i in 1 2 3 4; do
    [[ $(vsctl iface-to-br "eth$i") == "$br" ]] || fail "eth$i is not in $br"
done
log "ok: OVS port bond0 on $br: balance-tcp, lacp active, fast, fallback-ab, 4 members"

wait_until 30 lacp_all_current host bond0 4 || fail "host: not all members current: $(happctl lacp/show bond0)"
wait_until 10 lacp_all_current switch swbond 4 || fail "switch: not all members current: $(swappctl lacp/show swbond)"
t1=$(now_ms)
log "LACP (fast) negotiated on all 4 members, both sides, $((t1 - t0)) ms after bond-create"
wait_until 10 host_bond_negotiated "$bond" 4 ||
    fail "bond-list does not report 4 current members: $(xovs bond-list uuid="$bond")"
sw_sysid=$(swappctl lacp/show swbond | awk '/^  sys_id:/ { print $2; exit }')
partner=$(bond_field "$bond" lacp-partner-system-id)
[[ -n $sw_sysid && $partner == "$sw_sysid" ]] ||
    fail "bond-list partner system id '$partner' is not the switch's '$sw_sysid'"
log "ok: bond-list: lacp-status negotiated, links-up 4, partner $partner (the switch)"
xovs bond-list uuid="$bond" | sed "s/^/[$TEST_NAME] | /"

xovs bond-list --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert isinstance(v, list) and len(v) == 1 and v[0]["mode"] == "lacp", v
assert v[0]["links-up"] == 4 and v[0]["lacp-status"] == "negotiated", v
' || fail "bond-list --json is not the expected record"

guest_add g1 1 0 198.18.1.1/24
vif_attach g1 1 0 "$net" >/dev/null
wait_port vif1.0 "$br"
expect_ping g1 198.18.1.2
gexec g1 ping -c 20 -i 0.05 -W 1 -q 198.18.1.2 >/dev/null || fail "steady ping lost packets"
log "ok: 20 pings over the LACP bond, none lost"
pass
