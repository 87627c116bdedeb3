#!/bin/bash
# Load balancing.  balance-tcp (mode lacp, hashing_algorithm tcpudp_ports)
# spreads 16 UDP flows of one guest over both members: both members' transmit
# counters grow.  balance-slb (against plain switch ports) keeps everything
# one guest MAC sends on one member: a capture on each member counts that
# MAC's frames, and all are on one.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || skip "tcpdump not installed"
host_start
switch_start_multi 2 bond_mode=balance-tcp lacp=active other_config:lacp-time=fast
switch_host h1 - 198.18.1.2/24

pifs=$(bond_pifs 2)
net=$(xovs network-create name-label=bond-net)
bond=$(xovs bond-create network-uuid="$net" pif-uuids="$pifs" mode=lacp \
    properties:lacp-time=fast properties:hashing_algorithm=tcpudp_ports)
br=$(network_bridge "$net")
wait_bond bond0 "$br"
[[ $(port_col bond0 bond_mode) == balance-tcp ]] || fail "bond_mode is not balance-tcp"
wait_until 30 host_bond_negotiated "$bond" 2 || fail "LACP did not negotiate"
guest_add g1 1 0 198.18.1.1/24
vif_attach g1 1 0 "$net" >/dev/null
wait_port vif1.0 "$br"
expect_ping g1 198.18.1.2

# flows N: 16 UDP flows (source ports 40001..40016) of N datagrams each
# from g1 to h1.
flows() {
    gexec g1 python3 -c '
import socket, sys, time
n = int(sys.argv[1])
socks = []
for p in range(40001, 40017):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.18.1.1", p))
    socks.append(s)
for i in range(n):
    for s in socks:
        s.sendto(b"x" * 64, ("198.18.1.2", 9))
    time.sleep(0.01)
' "$1"
}
tx() { ip netns exec "$NS" cat "/sys/class/net/$1/statistics/tx_packets"; }
a1=$(tx eth1) a2=$(tx eth2)
flows 40
d1=$(($(tx eth1) - a1)) d2=$(($(tx eth2) - a2))
log "balance-tcp, 16 flows x 40 datagrams: eth1 sent $d1 packets, eth2 sent $d2"
((d1 >= 40 && d2 >= 40)) || fail "the flows were not spread over both members"
log "ok: both members carry flows"

log "balance-slb: the switch's ports become plain ports, the bond's mode balance-slb"
swvsctl del-port sw0 swbond -- add-port sw0 p1 -- add-port sw0 p2
xovs bond-set-mode uuid="$bond" mode=balance-slb
wait_until 10 port_is bond0 bond_mode balance-slb || fail "bond_mode is not balance-slb"
wait_until 10 port_is bond0 lacp off || fail "lacp is not off"
[[ $(bond_field "$bond" properties) != *hashing_algorithm* ]] ||
    fail "hashing_algorithm kept after leaving lacp mode"
expect_ping g1 198.18.1.2
mac=$(guest_mac 1 0)
cap_pids=()
for i in 1 2; do
    ip netns exec "$NS" tcpdump -Q out -nn -e -l -i "eth$i" "ether src $mac" >"$T_DIR/cap$i" 2>/dev/null &
    cap_pids+=($!)
done
sleep 1
flows 20
sleep 1
kill -INT "${cap_pids[@]}" 2>/dev/null || true
wait "${cap_pids[@]}" 2>/dev/null || true

c1=$(grep -c "$mac" "$T_DIR/cap1" || true)
c2=$(grep -c "$mac" "$T_DIR/cap2" || true)
log "balance-slb, 16 flows x 20 datagrams from $mac: $c1 frames on eth1, $c2 on eth2"
(((c1 >= 320 && c2 == 0) || (c2 >= 320 && c1 == 0))) ||
    fail "the guest's MAC was not kept on one member"
log "ok: one guest MAC, one member"
expect_ping g1 198.18.1.2
pass
