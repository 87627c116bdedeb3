#!/bin/bash
# The agent never waits on a stopped switch: with ovs-vswitchd stopped
# (SIGSTOP: its sockets still accept, nothing answers),
#   - network-list answers at once,
#   - bond-list fails within seconds with an error naming ovs-vswitchd,
#   - a change (a new network with a locked VIF) is answered and applied
#     as soon as ovs-vswitchd runs again, with no action: the bridge, the
#     port and its locking flows appear, and the guest is locked;
# then the same with ovsdb-server stopped.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start_multi 2
pifs=$(bond_pifs 2)
net=$(xovs network-create name-label=bond-net)
bond=$(xovs bond-create network-uuid="$net" pif-uuids="$pifs" mode=active-backup)
br=$(network_bridge "$net")
wait_bond bond0 "$br"
xovs bond-list uuid="$bond" params=slave-status --minimal | grep -q 'link up' ||
    fail "bond-list shows no live member status before the test"

daemon_pid() {
    tr -dc 0-9 <"$RUNDIR/$1.pid"
}
STOPPED=
resume() {
    if [[ -n $STOPPED ]]; then
        kill -CONT "$STOPPED" 2>/dev/null
        STOPPED=
    fi
}
CLEAN_HOOKS+=(resume)

# timed SECONDS xovs ARGS...: the CLI, which must finish within SECONDS.
timed() {
    local limit=$1
    shift 2
    timeout "$limit" "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent.sock" "$@"
}

# vif_on NAME DOMID NET [ARGS]: vif-create + vif-plug, each answered
# within 10 s.
vif_on() {
    local vif
    vif=$(timed 10 xovs vif-create vm-uuid="$(new_uuid)" domid="$2" device=0 \
        network-uuid="$3" mac="$(guest_mac "$2" 0)" "${@:4}") ||
        fail "vif-create for $1 not answered within 10 s"
    timed 10 xovs vif-plug uuid="$vif" >/dev/null ||
        fail "vif-plug for $1 not answered within 10 s"
}

# shellcheck disable=SC2317 # run by wait_until
locking_flows() {
    [[ $(ofctl dump-flows "$1" | grep -c 'priority=4000') -ge 1 ]]
}
# shellcheck disable=SC2317 # run by wait_until
bond_live() {
    xovs bond-list uuid="$bond" params=slave-status --minimal 2>/dev/null |
        grep -q 'link up'
}

# ---------------------------------------------------------------------------
log "stop ovs-vswitchd (SIGSTOP)"
STOPPED=$(daemon_pid ovs-vswitchd)
kill -STOP "$STOPPED"

t0=$(now_ms)
timed 5 xovs network-list params=uuid --minimal | grep -q "$net" ||
    fail "network-list did not answer within 5 s with ovs-vswitchd stopped"
log "ok: network-list answered in $(($(now_ms) - t0)) ms"

t0=$(now_ms)
rc=0
out=$(timed 10 xovs bond-list uuid="$bond" 2>&1) || rc=$?
ms=$(($(now_ms) - t0))
[[ $rc -ne 124 ]] || fail "bond-list hung (over 10 s) with ovs-vswitchd stopped"
[[ $rc -eq 1 ]] || fail "bond-list exited $rc (want 1, rejected): $out"
grep -q 'ovs-vswitchd' <<<"$out" || fail "bond-list's error does not name ovs-vswitchd: $out"
((ms < 5000)) || fail "bond-list took $ms ms to fail"
log "ok: bond-list failed in $ms ms: $out"

log "a change while ovs-vswitchd is stopped: a new network and a locked VIF"
net2=$(timed 10 xovs network-create name-label=later) ||
    fail "network-create was not answered within 10 s"
guest_add g1 1 0 198.18.2.1/24
guest_add g2 2 0 198.18.2.2/24
ip -n "$(gns g1)" addr add 198.18.2.99/24 dev eth0
vif_on g1 1 "$net2" locking-mode=locked ipv4-allowed=198.18.2.1
vif_on g2 2 "$net2"
timed 5 xovs network-list uuid="$net2" params=uuid --minimal | grep -q "$net2" ||
    fail "the agent stopped answering after the change"
log "ok: the change was answered while ovs-vswitchd was stopped"

log "resume ovs-vswitchd: the change must apply with no action"
resume
br2=$(network_bridge "$net2")
wait_port vif1.0 "$br2"
wait_port vif2.0 "$br2"
wait_until 10 locking_flows "$br2" ||
    fail "vif1.0's locking flows did not appear: $(ofctl dump-flows "$br2")"
expect_ping g1 198.18.2.2
expect_no_ping g1 -I 198.18.2.99 198.18.2.2
wait_until 10 bond_live ||
    fail "bond-list did not recover: $(xovs bond-list uuid="$bond" 2>&1)"
log "ok: bridge, ports and locking flows applied after resume; bond-list answers"

# ---------------------------------------------------------------------------
log "stop ovsdb-server (SIGSTOP)"
STOPPED=$(daemon_pid ovsdb-server)
kill -STOP "$STOPPED"
t0=$(now_ms)
timed 5 xovs network-list params=uuid --minimal | grep -q "$net2" ||
    fail "network-list did not answer within 5 s with ovsdb-server stopped"
log "ok: network-list answered in $(($(now_ms) - t0)) ms"
net3=$(timed 10 xovs network-create name-label=after-db) ||
    fail "network-create was not answered within 10 s with ovsdb-server stopped"
log "resume ovsdb-server"
resume
br3=$(network_bridge "$net3")
# shellcheck disable=SC2317 # run by wait_until
bridge_up() {
    [[ $(vsctl get Interface "$1" ofport 2>/dev/null) =~ ^[1-9][0-9]*$ ]]
}
wait_until 15 bridge_up "$br3" ||
    fail "bridge $br3 did not appear after ovsdb-server resumed: $(grep -v timeval "$T_DIR/agent.log" | tail -n 20)"
expect_ping g1 198.18.2.2
log "ok: the change made while ovsdb-server was stopped applied on resume"
pass
