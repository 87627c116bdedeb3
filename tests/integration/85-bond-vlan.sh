#!/bin/bash
# A VLAN network on top of a bond: VLAN 10 on the bond's PIF becomes a fake
# bridge on the bond's bridge; a guest on it reaches the host on the
# switch's VLAN 10 access port (the switch's side is an LACP bond trunk) and
# not the one on VLAN 20 (same subnet: only the tag separates them).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start_multi 2 bond_mode=balance-tcp lacp=active other_config:lacp-time=fast
switch_host h10 10 198.18.10.2/16
switch_host h20 20 198.18.20.2/16

pifs=$(bond_pifs 2)
net=$(xovs network-create name-label=bond-net)
bond=$(xovs bond-create network-uuid="$net" pif-uuids="$pifs" mode=lacp \
    properties:lacp-time=fast)
master=$(bond_field "$bond" master)
br=$(network_bridge "$net")
wait_bond bond0 "$br"
wait_until 30 host_bond_negotiated "$bond" 2 || fail "LACP did not negotiate"

net10=$(xovs network-create name-label=net10)
xovs vlan-create pif-uuid="$master" network-uuid="$net10" vlan=10 >/dev/null
br10=$(network_bridge "$net10")
wait_until 10 vsctl br-exists "$br10" || fail "no bridge $br10"
[[ $(vsctl br-to-parent "$br10") == "$br" ]] || fail "$br10 is not a fake bridge on $br"
[[ $(vsctl br-to-vlan "$br10") == 10 ]] || fail "$br10 does not carry tag 10"
log "ok: VLAN 10 on the bond's PIF: fake bridge $br10 on $br"
[[ $(xovs pif-list network-uuid="$net10" params=device --minimal) == bond0 ]] ||
    fail "the VLAN PIF's device is not bond0"

guest_add g10 1 0 198.18.10.1/16
vif_attach g10 1 0 "$net10" >/dev/null
wait_port vif1.0 "$br10"
[[ $(vsctl get Port vif1.0 tag) == 10 ]] || fail "vif1.0 is not tagged 10"
expect_ping g10 198.18.10.2
expect_no_ping g10 198.18.20.2
gexec g10 ping -c 20 -i 0.05 -W 1 -q 198.18.10.2 >/dev/null || fail "steady VLAN ping lost packets"
log "ok: VLAN 10 over the bond reaches VLAN 10 behind the switch only"
pass
