#!/bin/bash
# Locking mode: a locked guest may send only from its own MAC and its allowed
# IPv4/IPv6 addresses.  Its own address works; a spoofed MAC or an address it
# does not own is dropped; unlocked lets the spoofed traffic through;
# disabled drops everything.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
net=$(xovs network-create name-label=lockme)
br=$(network_bridge "$net")

guest_add ga 1 0 198.18.0.11/24
guest_add gb 2 0 198.18.0.12/24
ip -n "$(gns ga)" addr add 2001:db8::11/64 dev eth0 nodad
ip -n "$(gns gb)" addr add 2001:db8::12/64 dev eth0 nodad
log "ga (vif1.0, locked to $(guest_mac 1 0), 198.18.0.11, 2001:db8::11) and gb (vif2.0, unlocked) on $br"
vif=$(vif_attach ga 1 0 "$net" locking-mode=locked \
    ipv4-allowed=198.18.0.11 ipv6-allowed=2001:db8::11)
vif_attach gb 2 0 "$net" >/dev/null
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
mode=$(xovs vif-list uuid="$vif" params=locking-mode --minimal)
[[ $mode == locked ]] || fail "vif-list says locking-mode '$mode', want locked"
nflows=$(ofctl dump-flows "$br" "cookie=0x786f767300000000/0xffffffff00000000" | grep -c cookie= || true)
log "agent flows on $br: $nflows"
[[ $nflows -gt 0 ]] || fail "no flows with the agent's cookie on $br"

log "own addresses"
expect_ping ga 198.18.0.12
expect_ping ga -6 2001:db8::12

log "an IPv4 address ga does not own: 198.18.0.99"
ip -n "$(gns ga)" addr add 198.18.0.99/24 dev eth0
expect_no_ping ga -I 198.18.0.99 198.18.0.12
log "an IPv6 address ga does not own: 2001:db8::99"
ip -n "$(gns ga)" addr add 2001:db8::99/64 dev eth0 nodad
expect_no_ping ga -6 -I 2001:db8::99 2001:db8::12

log "own IP but a spoofed MAC 02:00:c6:12:99:99"
ip -n "$(gns ga)" link set eth0 address 02:00:c6:12:99:99
gexec gb ip neigh flush dev eth0
expect_no_ping ga -I 198.18.0.11 198.18.0.12

log "xovs vif-param-set locking-mode=unlocked"
xovs vif-param-set uuid="$vif" locking-mode=unlocked
gexec ga ip neigh flush dev eth0
gexec gb ip neigh flush dev eth0
expect_ping ga -I 198.18.0.11 198.18.0.12
expect_ping ga -I 198.18.0.99 198.18.0.12
expect_ping ga -6 -I 2001:db8::99 2001:db8::12

log "back to locked with the real MAC: own address works, spoofed IP does not"
ip -n "$(gns ga)" link set eth0 address "$(guest_mac 1 0)"
xovs vif-param-set uuid="$vif" locking-mode=locked
gexec ga ip neigh flush dev eth0
gexec gb ip neigh flush dev eth0
expect_ping ga -I 198.18.0.11 198.18.0.12
expect_no_ping ga -I 198.18.0.99 198.18.0.12

log "xovs vif-param-set locking-mode=disabled: nothing passes"
xovs vif-param-set uuid="$vif" locking-mode=disabled
gexec ga ip neigh flush dev eth0
gexec gb ip neigh flush dev eth0
expect_no_ping ga -I 198.18.0.11 198.18.0.12
pass
