#!/bin/bash
# A guest killed with SIGKILL: xovs-netback notices the domain died and
# takes its VIF down (tap vif1.0 and the OVS port disappear within seconds),
# the toolstack's cleanup (backend/frontend directories removed, domain
# released) makes it forget the VIF; the other guests keep talking; nothing
# leaks (netback's fds and guest-memory mappings back to where they were;
# run with XOVS_BIN=build/san/bin for ASan/LSan); the guest started again
# with the same domid reconnects and pings.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

nb_host_start
net=$(xovs network-create name-label=nb73)
nb_guest gb 2 0 "$net" 198.18.0.2/24
nb_guest gc 3 0 "$net" 198.18.0.3/24
# What netback holds with two guests: the baseline for the leak check,
# taken once its counter reports reach the agent (the report connection is
# part of what it holds while it has VIFs).
# shellcheck disable=SC2317 # run by wait_until
reported() {
    [[ $(xovs vif-list domid=2 params=counters --minimal) == *tx_packets* ]]
}
wait_until 10 reported || fail "netback's counters never reached the agent"
sleep 1
fds0=$(find /proc/"$NB_PID"/fd -mindepth 1 | wc -l)
maps0=$(grep -c 'memfd:' /proc/"$NB_PID"/maps || true)
log "netback with guests gb and gc: $fds0 fds, $maps0 guest-memory mappings"

nb_guest ga 1 0 "$net" 198.18.0.1/24
expect_ping ga 198.18.0.2

# shellcheck disable=SC2317 # run by wait_until
tap_gone() {
    ! ip -n "$NS" link show vif1.0 >/dev/null 2>&1
}
# shellcheck disable=SC2317 # run by wait_until
port_gone() {
    ! vsctl port-to-br vif1.0 >/dev/null 2>&1
}

for round in 1 2; do
    log "round $round: kill -KILL guest ga (pid ${GUEST_PID[ga]})"
    start=$(now_ms)
    nb_guest_kill ga
    wait_until 5 tap_gone || fail "tap vif1.0 still there 5 s after the guest died"
    wait_until 5 port_gone || fail "OVS port vif1.0 still there 5 s after the guest died"
    log "ok: tap vif1.0 and its OVS port gone after $(($(now_ms) - start)) ms"
    expect_ping gb 198.18.0.3

    log "the toolstack's part: remove the vif's directories, release domain 1"
    fe=$(xs xenstore-read "$(be_path 1 0)/frontend")
    xs xenstore-rm "$(be_path 1 0)"
    xs xenstore-rm "$fe"
    xs xenstore-rm /local/domain/1
    xs "$XOVS_BIN/xs-test-client" release 1 >/dev/null
    wait_until 5 bash -c "! ip netns exec $NS ovs-appctl -t $NB_CTL vif/show vif1.0 >/dev/null 2>&1" ||
        fail "netback still knows vif1.0 after its backend directory went"
    log "ok: netback forgot vif1.0"

    fds=$(find /proc/"$NB_PID"/fd -mindepth 1 | wc -l)
    maps=$(grep -c 'memfd:' /proc/"$NB_PID"/maps || true)
    log "netback now: $fds fds, $maps guest-memory mappings"
    [[ $fds -eq $fds0 ]] || fail "netback holds $fds fds, $fds0 before the guest came and died"
    [[ $maps -eq $maps0 ]] || fail "netback maps $maps guest-memory areas, $maps0 before"
    log "ok: no fd or mapping left behind"

    log "guest ga started again as domain 1"
    nb_guest_start ga 1 0 198.18.0.1/24
    nb_wait_connected 1 0
    expect_ping ga 198.18.0.2
done
pass
