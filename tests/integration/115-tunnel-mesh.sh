#!/bin/bash
# xovs-test: alone
# Three hosts (three OVS sandboxes, eth1 of each on one underlay) carry a
# private network over VXLAN and another over GRE, each a full mesh of
# tunnel-create records: guests on different hosts ping each other on both
# and pass iperf3; the networks stay apart (same guest subnet, different
# keys); OVS holds one protected gre/vxlan interface per remote with
# remote_ip, key and BFD; tunnel-list reports every remote up; packets
# of the networks' full MTU (transport 1500 less 50 / 42) cross.  The same
# run measures iperf3 over each tunnel and over the plain bridged network
# of eth1 (guests on xenbr1 of two hosts), and prints the three rates.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/tunnel-lib.sh
. "$(dirname "$0")/tunnel-lib.sh"

mh_start 3

declare -A VX GRE PLAIN TVX TGRE
for i in 1 2 3; do
    use_host "$i"
    pif=$(eth1_pif)
    PLAIN[$i]=$(xovs pif-list uuid="$pif" params=network-uuid --minimal)
    others=
    for j in 1 2 3; do
        [[ $j == "$i" ]] || others+=${others:+,}198.18.0.$j
    done
    VX[$i]=$(xovs network-create name-label=overlay-vx MTU=1450)
    GRE[$i]=$(xovs network-create name-label=overlay-gre MTU=1458)
    TVX[$i]=$(xovs tunnel-create pif-uuid="$pif" network-uuid="${VX[$i]}" \
        protocol=vxlan remotes="$others" transport-address="198.18.0.$i/24" key=100)
    TGRE[$i]=$(xovs tunnel-create pif-uuid="$pif" network-uuid="${GRE[$i]}" \
        protocol=gre remotes="$others" key=100)
    log "host $i: vxlan tunnel ${TVX[$i]}, gre tunnel ${TGRE[$i]} to $others"
    # The same guest subnet on both overlays: only the tunnels' keys and
    # bridges keep them apart.
    guest_add "vx$i" "1$i" 0 "198.19.1.$i/24" 1450
    vif_attach "vx$i" "1$i" 0 "${VX[$i]}" >/dev/null
    guest_add "gr$i" "2$i" 0 "198.19.1.$((i + 10))/24" 1458
    vif_attach "gr$i" "2$i" 0 "${GRE[$i]}" >/dev/null
done

use_host 1
br=$(network_bridge "${VX[1]}")
wait_port tunnel0.0 "$br"
[[ $(vsctl get Interface tunnel0.0 type) == vxlan ]] || fail "tunnel0.0 is not vxlan"
[[ $(vsctl get Interface tunnel0.0 options:remote_ip | tr -d '"') == 198.18.0.2 ]] ||
    fail "tunnel0.0 remote_ip: $(vsctl get Interface tunnel0.0 options)"
[[ $(vsctl get Interface tunnel0.1 options:remote_ip | tr -d '"') == 198.18.0.3 ]] ||
    fail "tunnel0.1 remote_ip: $(vsctl get Interface tunnel0.1 options)"
[[ $(vsctl get Interface tunnel0.0 options:key | tr -d '"') == 100 ]] || fail "tunnel0.0 key"
[[ $(vsctl get Interface tunnel0.0 bfd:enable | tr -d '"') == true ]] || fail "tunnel0.0 has no BFD"
[[ $(vsctl get Port tunnel0.0 protected) == true ]] || fail "tunnel0.0 is not protected"
[[ $(vsctl get Interface tunnel0.0 external_ids:xovs-owner | tr -d '"') == xovs-agent ]] ||
    fail "tunnel0.0 carries no ownership mark"
[[ $(vsctl get Interface tunnel1.0 type) == gre ]] || fail "tunnel1.0 is not gre"
hexec ip -4 addr show dev xenbr1 | grep -q "198.18.0.1/24" ||
    fail "the transport bridge xenbr1 lacks the transport address: $(hexec ip addr show dev xenbr1)"
happctl ovs/route/show | grep -q "198.18.0.0/24 dev xenbr1" ||
    fail "OVS has no route to the transport network: $(happctl ovs/route/show)"
log "ok: OVS holds protected vxlan/gre interfaces with remote_ip, key, BFD; xenbr1 has 198.18.0.1/24"

for i in 1 2 3; do
    use_host "$i"
    for j in 1 2 3; do
        [[ $j == "$i" ]] && continue
        wait_until 30 remote_is "${TVX[$i]}" "198.18.0.$j" up ||
            fail "host $i: vxlan remote 198.18.0.$j is $(remote_state "${TVX[$i]}" "198.18.0.$j")"
        wait_until 30 remote_is "${TGRE[$i]}" "198.18.0.$j" up ||
            fail "host $i: gre remote 198.18.0.$j is $(remote_state "${TGRE[$i]}" "198.18.0.$j")"
    done
done
log "ok: tunnel-list on every host shows every remote up (BFD)"
use_host 1
xovs tunnel-list uuid="${TVX[1]}" | sed "s/^/[$TEST_NAME] | /"

for i in 1 2 3; do
    for j in 1 2 3; do
        [[ $j == "$i" ]] && continue
        expect_ping "vx$i" "198.19.1.$j"
        expect_ping "gr$i" "198.19.1.$((j + 10))"
    done
done
log "ok: every guest pings the other hosts' guests over vxlan and gre"
# Same subnet, different overlays: a vxlan guest never reaches a gre one.
expect_no_ping vx1 198.19.1.12
expect_no_ping gr1 198.19.1.2
log "ok: the vxlan and gre overlays stay apart"
# Full-size frames fit: the networks' MTUs leave room for the headers.
gexec vx1 ping -c 2 -W 2 -M "do" -s 1422 -q 198.19.1.2 >/dev/null ||
    fail "a 1450-byte packet (the vxlan network's MTU) does not cross"
gexec gr1 ping -c 2 -W 2 -M "do" -s 1430 -q 198.19.1.12 >/dev/null ||
    fail "a 1458-byte packet (the gre network's MTU) does not cross"
log "ok: packets of the networks' full MTU (vxlan 1450, gre 1458) cross"

# The plain bridged network for comparison: guests on xenbr1 of hosts 1
# and 2, talking across the underlay without encapsulation.
use_host 1
guest_add pl1 31 0 198.18.0.101/24
vif_attach pl1 31 0 "${PLAIN[1]}" >/dev/null
use_host 2
guest_add pl2 32 0 198.18.0.102/24
vif_attach pl2 32 0 "${PLAIN[2]}" >/dev/null
expect_ping pl1 198.18.0.102

vx=$(iperf_mbps vx1 vx2 198.19.1.2) || fail "iperf3 over vxlan failed"
gre=$(iperf_mbps gr1 gr2 198.19.1.12) || fail "iperf3 over gre failed"
plain=$(iperf_mbps pl1 pl2 198.18.0.102) || fail "iperf3 over the plain network failed"
[[ $vx -gt 0 && $gre -gt 0 && $plain -gt 0 ]] || fail "a rate is zero: vxlan $vx gre $gre plain $plain"
log "iperf3 TCP host 1 -> host 2, same run: vxlan $vx Mbit/s, gre $gre Mbit/s, plain bridged $plain Mbit/s"
pass
