#!/bin/bash
# IGMP snooping: with snooping on (the pool-wide igmp-snooping-enabled, or
# a network's other-config:mcast-snooping-enable, which wins), a guest that
# joined a group gets the group's traffic and one that did not gets none of
# it (unregistered multicast is not flooded either).  g1 sends 200 UDP
# datagrams to 239.1.2.3; g2 joined the group (its kernel sent the IGMP
# report), g3 did not; g3's eth0 counts every frame that reaches it.  With
# snooping off (the network overriding the pool) the group floods to g3 --
# which is what shows that the snooping, not the guests, kept it away.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

MCAST=$TOP/tests/integration/mcast.py
GROUP=239.1.2.3
host_start

net=$(xovs network-create name-label=mc)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
guest_add g3 3 0 198.18.0.3/24
vif_attach g1 1 0 "$net" >/dev/null
vif_attach g2 2 0 "$net" >/dev/null
vif_attach g3 3 0 "$net" >/dev/null
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
wait_port vif3.0 "$br"
expect_ping g1 198.18.0.2
expect_ping g1 198.18.0.3

# shellcheck disable=SC2317 # run by wait_until
snooping() {
    [[ $(vsctl get Bridge "$br" mcast_snooping_enable) == "$1" ]] &&
        [[ $(vsctl get Bridge "$br" other_config:mcast-snooping-disable-flood-unregistered 2>/dev/null |
            tr -d '"') == "$2" ]]
}

rx_packets() {
    gexec "${1:-g3}" cat /sys/class/net/eth0/statistics/rx_packets
}

# shellcheck disable=SC2317 # run by wait_until
group_learned() {
    hexec ovs-appctl mdb/show "$br" | grep -q "$GROUP"
}

RECV_PID=
# shellcheck disable=SC2317 # run by cleanup()
stop_recv() {
    [[ -n $RECV_PID ]] && kill "$RECV_PID" 2>/dev/null
    wait "$RECV_PID" 2>/dev/null
    RECV_PID=
}
CLEAN_HOOKS+=(stop_recv)

# run_round on|off: g2 joins and listens (on: until the switch learned the
# group), g1 sends 200 datagrams; sets GOT (what g2
# received), G3 (frames g3's eth0 received meanwhile) and MDB (the switch's
# group table while g2 listened).
run_round() {
    local before b2
    rm -f "$T_DIR/recv.out" "$T_DIR/recv.out.ready"
    ip netns exec "$(gns g2)" python3 "$MCAST" recv 198.18.0.2 "$GROUP" 5000 15 \
        "$T_DIR/recv.out" &
    RECV_PID=$!
    wait_until 10 test -e "$T_DIR/recv.out.ready" || fail "the receiver in g2 did not join"
    # The join's IGMP reports reach the switch (when it snoops).
    if [[ $1 == on ]]; then
        wait_until 5 group_learned || true
    else
        sleep 1
    fi
    MDB=$(hexec ovs-appctl mdb/show "$br" 2>&1 || true)
    before=$(rx_packets)
    b2=$(rx_packets g2)
    gexec g1 python3 "$MCAST" send 198.18.0.1 "$GROUP" 5000 200
    sleep 0.5
    G3=$(($(rx_packets) - before))
    G2=$(($(rx_packets g2) - b2))
    wait "$RECV_PID" || fail "the receiver in g2 failed"
    RECV_PID=
    GOT=$(cat "$T_DIR/recv.out")
}

log "pool-wide switch on: xovs pool-param-set igmp-snooping-enabled=true"
xovs pool-param-set igmp-snooping-enabled=true >/dev/null
[[ $(xovs pool-list params=igmp-snooping-enabled --minimal) == true ]] ||
    fail "pool-list does not show igmp-snooping-enabled=true"
wait_until 10 snooping true true ||
    fail "bridge $br: snooping not on ($(vsctl list Bridge "$br" | grep -E 'mcast|other_config'))"
run_round on
log "snooping on: g2 (joined) got $GOT of 200, g3 (not joined) got $G3 frames"
((GOT >= 190)) || fail "g2 joined $GROUP but got only $GOT of 200"
((G3 < 20)) || fail "g3 did not join $GROUP but received $G3 frames"
grep -q "$GROUP" <<<"$MDB" || fail "the switch did not learn $GROUP: $MDB"

log "the network overrides the pool: other-config:mcast-snooping-enable=false"
xovs network-param-set uuid="$net" other-config:mcast-snooping-enable=false >/dev/null
wait_until 10 snooping false "" || fail "bridge $br: snooping still on"
run_round off
log "snooping off: g2 got $GOT ($G2 frames), g3 got $G3 frames (flooded)"
((GOT >= 190)) || fail "g2 got only $GOT of 200 with snooping off"
((G3 >= 190)) || fail "with snooping off g3 should see the flood, got $G3"

log "pool off, network on: other-config:mcast-snooping-enable=true"
xovs pool-param-set igmp-snooping-enabled=false >/dev/null
xovs network-param-set uuid="$net" other-config:mcast-snooping-enable=true >/dev/null
wait_until 10 snooping true true || fail "bridge $br: snooping not on again"
run_round on
log "snooping on (network): g2 got $GOT, g3 got $G3 frames"
((GOT >= 190)) || fail "g2 got only $GOT of 200"
((G3 < 20)) || fail "g3 received $G3 frames"
pass
