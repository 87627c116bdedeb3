#!/bin/bash
# A VIF whose domain died while xovs-netback was down (issue 11, guest
# isolation): netback killed with SIGKILL, guest ga (dom1) killed, the
# toolstack removes its directories, netback started again.  The stale tap
# vif1.0 must go, its OVS port too, and the agent's VIF record must no
# longer say currently-attached (the hotplug script's offline ran); guest
# gb's VIF is taken over as usual, and a tap vif9.0 that is not netback's
# (made by someone else: no vnet header, not Xen's MAC) is left alone.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

nb_host_start
net=$(xovs network-create name-label=nb97)
uuid_a=$(nb_vif_record ga 1 0 "$net")
nb_guest_start ga 1 0 198.18.0.1/24
nb_wait_connected 1 0
nb_guest gb 2 0 "$net" 198.18.0.2/24
expect_ping ga 198.18.0.2
[[ $(xovs vif-list uuid="$uuid_a" params=currently-attached --minimal) == true ]] ||
    fail "VIF record $uuid_a not currently-attached while vif1.0 runs"
ip -n "$NS" tuntap add dev vif9.0 mode tap
log "a foreign tap vif9.0 exists (ip tuntap, no vnet header)"

log "kill -KILL xovs-netback (pid $NB_PID); then guest ga dies and the toolstack removes it"
nb_netback_kill KILL
nb_guest_kill ga
xs xenstore-rm "$(be_path 1 0)"
xs xenstore-rm /local/domain/1
xs "$XOVS_BIN/xs-test-client" release 1 >/dev/null
ip -n "$NS" link show vif1.0 >/dev/null ||
    fail "tap vif1.0 already gone before netback restarted (nothing to test)"

nb_netback_start
# shellcheck disable=SC2317 # run by wait_until
tap_gone() {
    ! ip -n "$NS" link show vif1.0 >/dev/null 2>&1
}
# shellcheck disable=SC2317 # run by wait_until
port_gone() {
    ! vsctl port-to-br vif1.0 >/dev/null 2>&1
}
# shellcheck disable=SC2317 # run by wait_until
detached() {
    [[ $(xovs vif-list uuid="$uuid_a" params=currently-attached --minimal) == false ]]
}
wait_until 10 tap_gone || fail "stale tap vif1.0 still there 10 s after netback started"
wait_until 10 detached ||
    fail "VIF record $uuid_a still currently-attached: $(xovs vif-list uuid="$uuid_a" params=currently-attached --minimal)"
wait_until 10 port_gone || fail "OVS port vif1.0 still there"
log "ok: stale vif1.0 cleaned up (tap, OVS port, record detached)"
grep "vif1.0: tap left by an earlier netback" "$T_DIR/netback.log" | tail -n 1 |
    sed "s/^.*|/[$TEST_NAME] netback: /"

nb_wait_connected 2 0 30
ip -n "$NS" link show vif9.0 >/dev/null || fail "netback removed the foreign tap vif9.0"
ip -n "$NS" link delete vif9.0
log "ok: vif2.0 taken over, foreign tap vif9.0 left alone"
pass
