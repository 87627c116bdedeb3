#!/bin/bash
# Three hosts with a VXLAN full mesh.  Host 3's tunnel endpoint goes away
# (its underlay port down): tunnel-list on host 1 shows remote 198.18.0.3
# down (BFD) while 198.18.0.2 stays up, and host 1's guest no longer
# reaches host 3's; the endpoint comes back: the remote is up again and
# traffic resumes.  Then a tunnel that is unplugged (pif-unplug of its
# access PIF) has no interfaces in OVS and says so; plugged again, it is
# back; tunnel-destroy removes its interfaces, its access PIF and, with the
# last tunnel over the transport PIF, the transport address.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/tunnel-lib.sh
. "$(dirname "$0")/tunnel-lib.sh"

mh_start 3

declare -A VX T
for i in 1 2 3; do
    use_host "$i"
    pif=$(eth1_pif)
    others=
    for j in 1 2 3; do
        [[ $j == "$i" ]] || others+=${others:+,}198.18.0.$j
    done
    VX[$i]=$(xovs network-create name-label=overlay MTU=1450)
    T[$i]=$(xovs tunnel-create pif-uuid="$pif" network-uuid="${VX[$i]}" \
        protocol=vxlan remotes="$others" transport-address="198.18.0.$i/24")
    guest_add "g$i" "1$i" 0 "198.19.1.$i/24" 1450
    vif_attach "g$i" "1$i" 0 "${VX[$i]}" >/dev/null
done

use_host 1
wait_until 30 remote_is "${T[1]}" 198.18.0.2 up || fail "remote .2: $(remote_state "${T[1]}" 198.18.0.2)"
wait_until 30 remote_is "${T[1]}" 198.18.0.3 up || fail "remote .3: $(remote_state "${T[1]}" 198.18.0.3)"
expect_ping g1 198.19.1.3
expect_ping g1 198.19.1.2

log "host 3's endpoint goes down (underlay port u3 down)"
t0=$(now_ms)
ip -n "$UL_NS" link set u3 down
wait_until 20 remote_is "${T[1]}" 198.18.0.3 down ||
    fail "tunnel-list still says remote 198.18.0.3 is $(remote_state "${T[1]}" 198.18.0.3)"
log "ok: tunnel-list on host 1: 198.18.0.3 $(remote_state "${T[1]}" 198.18.0.3) after $(($(now_ms) - t0)) ms"
remote_is "${T[1]}" 198.18.0.2 up || fail "remote 198.18.0.2 went $(remote_state "${T[1]}" 198.18.0.2) too"
xovs tunnel-list uuid="${T[1]}" params=remote-status | sed "s/^/[$TEST_NAME] | /"
expect_no_ping g1 198.19.1.3
expect_ping g1 198.19.1.2

log "host 3's endpoint returns"
t0=$(now_ms)
ip -n "$UL_NS" link set u3 up
wait_until 30 remote_is "${T[1]}" 198.18.0.3 up ||
    fail "remote 198.18.0.3 stays $(remote_state "${T[1]}" 198.18.0.3)"
log "ok: 198.18.0.3 up again after $(($(now_ms) - t0)) ms"
ping_ok g1 198.19.1.3 || fail "traffic to host 3 does not resume"
log "ok: host 1's guest reaches host 3's again"

access=$(xovs tunnel-list uuid="${T[1]}" params=access-PIF --minimal)
br=$(network_bridge "${VX[1]}")
xovs pif-unplug uuid="$access" >/dev/null
wait_until 10 bash -c "! ip netns exec $NS ovs-vsctl --db=$OVSDB list-ports $br | grep -q tunnel0" ||
    fail "unplugged tunnel still has ports: $(vsctl list-ports "$br" | tr '\n' ' ')"
[[ $(remote_state "${T[1]}" 198.18.0.2) == "down (unplugged)" ]] ||
    fail "unplugged tunnel's remote is $(remote_state "${T[1]}" 198.18.0.2)"
xovs pif-plug uuid="$access" >/dev/null
wait_port tunnel0.1 "$br"
wait_until 30 remote_is "${T[1]}" 198.18.0.3 up || fail "replugged: remote .3 not up"
log "ok: pif-unplug of the access PIF takes the tunnel's ports away, pif-plug brings them back"

xovs tunnel-destroy uuid="${T[1]}" >/dev/null
wait_until 10 bash -c "! ip netns exec $NS ovs-vsctl --db=$OVSDB list-ports $br | grep -q tunnel0" ||
    fail "destroyed tunnel still has ports: $(vsctl list-ports "$br" | tr '\n' ' ')"
[[ -z $(xovs pif-list uuid="$access" --minimal) ]] || fail "the access PIF outlived its tunnel"
wait_until 10 bash -c "! ip -n $NS -4 addr show dev xenbr1 | grep -q 198.18.0.1/24" ||
    fail "the transport address stayed on xenbr1 after the last tunnel went"
log "ok: tunnel-destroy removes the interfaces, the access PIF and the transport address"
pass
