#!/bin/bash
# A bond's life with guests on it.  Guests on eth1's and eth2's networks
# move onto the bond's network when the bond is created (their VIFs stay
# plugged, traffic flows); mode, properties and primary member of the live
# bond change and OVS follows each time with traffic still flowing;
# bond-destroy moves the guests to the primary member's (now eth2's)
# network, still plugged and reachable.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start_multi 2
switch_host h1 - 198.18.1.2/24

pifs=$(bond_pifs 2)
p1=${pifs%,*} p2=${pifs#*,}
xovs pif-plug uuid="$p1" >/dev/null
xovs pif-plug uuid="$p2" >/dev/null
n1=$(xovs pif-list uuid="$p1" params=network-uuid --minimal)
n2=$(xovs pif-list uuid="$p2" params=network-uuid --minimal)
wait_port eth1 xenbr1
wait_port eth2 xenbr2
guest_add g1 1 0 198.18.1.11/24
guest_add g2 2 0 198.18.1.12/24
v1=$(vif_attach g1 1 0 "$n1")
v2=$(vif_attach g2 2 0 "$n2")
wait_port vif1.0 xenbr1
wait_port vif2.0 xenbr2
expect_ping g1 198.18.1.2
expect_ping g2 198.18.1.2

log "bond-create (balance-slb) over eth1, eth2 on a new network"
net=$(xovs network-create name-label=bond-net)
bond=$(xovs bond-create network-uuid="$net" pif-uuids="$pifs")
br=$(network_bridge "$net")
wait_bond bond0 "$br"
for v in "$v1" "$v2"; do
    [[ $(xovs vif-list uuid="$v" params=network-uuid --minimal) == "$net" ]] ||
        fail "VIF $v did not move to the bond's network"
    [[ $(xovs vif-list uuid="$v" params=currently-attached --minimal) == true ]] ||
        fail "VIF $v is no longer plugged"
done
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
[[ $(bond_field "$bond" mode) == balance-slb ]] || fail "default mode is not balance-slb"
[[ $(port_col bond0 bond_mode) == balance-slb ]] || fail "bond_mode is not balance-slb"
[[ $(port_col bond0 other_config:bond-rebalance-interval) == 1800000 ]] || fail "rebalance interval is not 1800000"
[[ $(port_col bond0 other_config:bond-detect-mode) == carrier ]] || fail "detect mode is not carrier"
[[ $(xovs pif-list uuid="$p1" params=bond-slave-of --minimal) == "$bond" ]] || fail "eth1's bond-slave-of"
log "ok: both VIFs moved to $br, still plugged; bond0 balance-slb, rebalance 1800000 ms, carrier detection"
expect_ping g1 198.18.1.2
expect_ping g2 198.18.1.2

log "live: mode active-backup"
xovs bond-set-mode uuid="$bond" mode=active-backup
wait_until 10 port_is bond0 bond_mode active-backup || fail "bond_mode did not become active-backup"
[[ $(port_col bond0 other_config) != *rebalance* ]] || fail "active-backup keeps a rebalance interval"
expect_ping g1 198.18.1.2
expect_ping g2 198.18.1.2

log "live: properties updelay, downdelay, miimon polling; primary eth2"
xovs bond-param-set uuid="$bond" properties:updelay=2000 properties:downdelay=500 \
    properties:use_carrier=0 properties:miimon=50 primary-slave="$p2"
wait_until 10 port_is bond0 bond_updelay 2000 || fail "bond_updelay is not 2000"
wait_until 10 port_is bond0 bond_downdelay 500 || fail "bond_downdelay is not 500"
wait_until 10 port_is bond0 other_config:bond-detect-mode miimon || fail "detect mode is not miimon"
wait_until 10 port_is bond0 other_config:bond-miimon-interval 50 || fail "miimon interval is not 50"
wait_until 10 port_is bond0 other_config:bond-primary eth2 || fail "bond-primary is not eth2"
wait_until 10 bond_is "$bond" active-slave eth2 || fail "eth2 (new primary) did not become active"
expect_ping g1 198.18.1.2
log "ok: OVS follows: updelay 2000, downdelay 500, miimon 50, primary eth2 active"

log "live: mode lacp (the switch has no LACP: falls back to active-backup)"
xovs bond-set-mode uuid="$bond" mode=lacp
wait_until 10 port_is bond0 lacp active || fail "lacp is not active"
wait_until 10 port_is bond0 bond_mode balance-tcp || fail "bond_mode is not balance-tcp"
[[ $(bond_field "$bond" properties) == *"hashing_algorithm: tcpudp_ports"* ]] ||
    fail "mode lacp did not get hashing_algorithm tcpudp_ports"
expect_ping g1 198.18.1.2
expect_ping g2 198.18.1.2

log "bond-destroy with both VIFs on the bond"
xovs bond-destroy uuid="$bond"
for v in "$v1" "$v2"; do
    [[ $(xovs vif-list uuid="$v" params=network-uuid --minimal) == "$n2" ]] ||
        fail "VIF $v did not move to the primary's (eth2's) network"
    [[ $(xovs vif-list uuid="$v" params=currently-attached --minimal) == true ]] ||
        fail "VIF $v is no longer plugged"
done
[[ -z $(xovs bond-list --minimal) ]] || fail "bond-list is not empty"
wait_port eth1 xenbr1
wait_port eth2 xenbr2
wait_port vif1.0 xenbr2
wait_port vif2.0 xenbr2
vsctl port-to-br bond0 >/dev/null 2>&1 && fail "bond0 is still in OVS"
log "ok: bond gone; eth1, eth2 back on xenbr1, xenbr2; both VIFs on xenbr2 (the primary's), plugged"
expect_ping g1 198.18.1.2
expect_ping g2 198.18.1.2
pass
