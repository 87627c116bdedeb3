#!/bin/bash
# Guests behind xovs-netback on VLAN networks and with locked VIFs.
# VLANs 10 and 20 over one PIF (eth1, a veth to a "physical switch" OVS
# with hosts on VLAN 10 and 20, all in one IP subnet): guests on VLAN 10
# reach each other and the switch's VLAN-10 host, never anything on VLAN 20.
# Locking: a locked VIF's own MAC/IP work; a spoofed source IP or MAC does
# not get through, unlocked it does.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

nb_host_start
switch_start
switch_host h10 10 198.18.10.2/16
switch_host h20 20 198.18.20.2/16
log "switch hosts: h10 198.18.10.2 on VLAN 10, h20 198.18.20.2 on VLAN 20"

xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
ensure_plugged "$pif"
net10=$(xovs network-create name-label=nb72-v10)
net20=$(xovs network-create name-label=nb72-v20)
xovs vlan-create pif-uuid="$pif" network-uuid="$net10" vlan=10 >/dev/null
xovs vlan-create pif-uuid="$pif" network-uuid="$net20" vlan=20 >/dev/null
for n in "$net10" "$net20"; do
    ensure_plugged "$(xovs pif-list network-uuid="$n" params=uuid --minimal)"
done
log "networks on VLAN 10 ($(network_bridge "$net10")) and VLAN 20 ($(network_bridge "$net20")) over eth1"

nb_guest g10 1 0 "$net10" 198.18.10.1/16
nb_guest g10b 3 0 "$net10" 198.18.10.3/16
nb_guest g20 2 0 "$net20" 198.18.20.1/16
[[ $(vsctl get Port vif1.0 tag) == 10 ]] || fail "vif1.0 is not tagged 10"
[[ $(vsctl get Port vif2.0 tag) == 20 ]] || fail "vif2.0 is not tagged 20"
log "ok: vif1.0, vif3.0 tagged 10, vif2.0 tagged 20"

log "same VLAN: answered"
expect_ping g10 198.18.10.3
expect_ping g10 198.18.10.2
expect_ping g20 198.18.20.2
log "other VLAN: no answer"
expect_no_ping g10 198.18.20.1
expect_no_ping g10 198.18.20.2
expect_no_ping g20 198.18.10.1
expect_no_ping g20 198.18.10.3

log "locking: ga locked to its MAC and 198.18.0.11, gb unlocked, on one network"
net=$(xovs network-create name-label=nb72-lock)
nb_guest ga 4 0 "$net" 198.18.0.11/24 locking-mode=locked ipv4-allowed=198.18.0.11
nb_guest gb 5 0 "$net" 198.18.0.12/24
vif=$(xovs vif-list domid=4 device=0 params=uuid --minimal)
expect_ping ga 198.18.0.12

log "spoofed source IP 198.18.0.99"
ip -n "$(gns ga)" addr add 198.18.0.99/24 dev eth0
expect_no_ping ga -I 198.18.0.99 198.18.0.12

log "own IP, spoofed MAC 02:00:c6:12:99:99"
ip -n "$(gns ga)" link set eth0 address 02:00:c6:12:99:99
gexec gb ip neigh flush dev eth0
expect_no_ping ga -I 198.18.0.11 198.18.0.12

log "unlocked: the same spoofed traffic passes"
xovs vif-param-set uuid="$vif" locking-mode=unlocked
gexec ga ip neigh flush dev eth0
gexec gb ip neigh flush dev eth0
expect_ping ga -I 198.18.0.99 198.18.0.12

log "locked again with the real MAC: own address works, the spoofed IP does not"
ip -n "$(gns ga)" link set eth0 address "$(guest_mac 4 0)"
xovs vif-param-set uuid="$vif" locking-mode=locked
gexec ga ip neigh flush dev eth0
gexec gb ip neigh flush dev eth0
expect_ping ga -I 198.18.0.11 198.18.0.12
expect_no_ping ga -I 198.18.0.99 198.18.0.12
pass
