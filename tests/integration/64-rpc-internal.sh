#!/bin/bash
# The agent's internal socket (issue 11 items 4 and 7): xovs-netback, run
# without --agent-rpc as docs/netback.md shows, reports counters to the
# agent's internal socket (its default) and hands it to the hotplug script,
# which plugs the VIFs there -- while 64 idle clients hold every slot of the
# admin socket.  The internal socket serves only stats reports and the VIF
# hotplug verbs: network-destroy and vif-param-set MTU= are refused with a
# clear message and change nothing; the admin socket refuses vif-plug's
# dpdk-devargs= (also in a batch), which only the hotplug script gives.  Before: there was one socket; 64 idle
# clients locked netback and the hotplug script out, and anything that
# could reach netback's socket could destroy networks.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

nb_host_start
INTERNAL=unix:$XOVS_RUNDIR/agent-internal.sock
ixovs() {
    "$XOVS_BIN/xovs" --rpc="$INTERNAL" "$@"
}

# netback as the docs show it: no --agent-rpc.
nb_netback_stop
rm -f "$T_DIR/netback.pid"
ip netns exec "$NS" env XOVS="$XOVS_BIN/xovs" OVSDB="$OVSDB" \
    "$XOVS_BIN/xovs-netback" --platform=emu --xenstore="$XSD_SOCK" \
    --hotplug-script="$TOP/scripts/vif" --unixctl="$NB_CTL" -vconsole:off \
    --detach --pidfile="$T_DIR/netback.pid" --log-file="$T_DIR/netback.log" \
    2>>"$T_DIR/netback.stderr" ||
    fail "xovs-netback did not start: $(tail -n 5 "$T_DIR/netback.stderr")"
NB_PID=$(tr -dc 0-9 <"$T_DIR/netback.pid")
log "xovs-netback running without --agent-rpc (pid $NB_PID)"

net=$(xovs network-create name-label=nb64)
spare=$(xovs network-create name-label=spare64)
va=$(nb_vif_record ga 1 0 "$net")
vb=$(nb_vif_record gb 2 0 "$net")

log "70 idle clients on the admin socket (limit 64)"
hold_admin_clients 70
summary=$HOLDERS_SUMMARY
[[ $summary == "accepted=64 refused=6" ]] ||
    fail "expected the admin socket full (64 served, 6 refused), got: $summary"
rc=0
timeout 20 "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent.sock" network-list \
    >/dev/null 2>&1 || rc=$?
[[ $rc -eq 1 ]] || fail "the admin socket is not full: xovs exited $rc"
log "ok: admin socket full ($summary)"

nb_guest_start ga 1 0 198.18.0.1/24
nb_guest_start gb 2 0 198.18.0.2/24
nb_wait_connected 1 0
nb_wait_connected 2 0
for v in "$va" "$vb"; do
    att=$(ixovs vif-list uuid="$v" params=currently-attached --minimal)
    [[ $att == true ]] ||
        fail "VIF $v not plugged by the agent (currently-attached '$att')"
done
log "ok: the hotplug script plugged both VIFs through the internal socket"
expect_ping ga 198.18.0.2

counter() {
    ixovs vif-list uuid="$va" params=counters --minimal |
        tr ';' '\n' | awk -F': ' -v k="$1" '$1 ~ k"$" { print $2 }'
}
# shellcheck disable=SC2317 # run by wait_until
counted() {
    local tx
    tx=$(counter tx_packets)
    [[ -n $tx && $tx -gt 0 ]]
}
wait_until 10 counted ||
    fail "netback's counters did not reach the agent: '$(ixovs vif-list uuid="$va" params=counters --minimal)'"
log "ok: netback's reports arrive (vif1.0 tx_packets=$(counter tx_packets), rx_packets=$(counter rx_packets))"

# reject PATTERN ARGS...: xovs on the internal socket must exit 1 with
# PATTERN in its message.
reject() {
    local pattern=$1 rc=0 err
    shift
    err=$(ixovs "$@" 2>&1 >/dev/null) || rc=$?
    [[ $rc -eq 1 && $err =~ $pattern ]] ||
        fail "internal socket: xovs $*: exit $rc, '$err' (want exit 1, /$pattern/)"
    log "ok: internal socket refuses $1: $err"
}
reject "network-destroy: not allowed on this socket" network-destroy uuid="$spare"
reject "MTU: vif-param-set may not set it on this socket" \
    vif-param-set uuid="$va" MTU=1400
reject "vif-destroy: not allowed" vif-destroy uuid="$vb"

release_admin_clients
CLEAN_HOOKS=()
wait_until 10 xovs network-list || fail "admin socket not served after the idle clients left"
[[ $(xovs network-list uuid="$spare" params=uuid --minimal) == "$spare" ]] ||
    fail "network $spare is gone"
[[ $(xovs vif-list uuid="$va" params=MTU --minimal) == 1500 ]] ||
    fail "VIF $va's MTU changed: $(xovs vif-list uuid="$va" params=MTU --minimal)"
[[ $(xovs vif-list uuid="$vb" params=uuid --minimal) == "$vb" ]] ||
    fail "VIF $vb is gone"
log "ok: nothing changed by the refused requests"
xovs network-destroy uuid="$spare" >/dev/null || fail "admin socket cannot network-destroy"
log "ok: the admin socket still serves network-destroy"

# dpdk-devargs names a socket ovs-vswitchd-dpdk listens on: only netback's
# hotplug script, on the internal socket, may give it (test 105 does).
devargs=net_xovs_2_0,path=/tmp/elsewhere/vif2.0.sock
rc=0
err=$(xovs vif-plug uuid="$vb" dpdk-devargs="$devargs" 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 1 && $err == *"dpdk-devargs: vif-plug takes it only on the agent's internal socket"* ]] ||
    fail "admin socket: vif-plug dpdk-devargs=: exit $rc, '$err'"
log "ok: admin socket refuses vif-plug dpdk-devargs=: $err"
calls='[{"method": "vif-plug", "params": {"uuid": "'$vb'", "dpdk-devargs": "'$devargs'"}}]'
rc=0
err=$(xovs batch calls="$calls" 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 1 && $err == *"calls[0]: dpdk-devargs: vif-plug takes it only"* ]] ||
    fail "admin socket: batch with vif-plug dpdk-devargs=: exit $rc, '$err'"
log "ok: and so does a batch: $err"
[[ -z $(xovs vif-list uuid="$vb" params=dpdk-devargs --minimal) ]] ||
    fail "VIF $vb got dpdk-devargs '$(xovs vif-list uuid="$vb" params=dpdk-devargs --minimal)'"
vsctl get interface vif2.0 type | grep -qx '""' ||
    fail "vif2.0 is no longer a tap: type $(vsctl get interface vif2.0 type)"
log "ok: VIF $vb kept its tap port"
pass
