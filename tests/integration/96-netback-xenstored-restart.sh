#!/bin/bash
# xovs-xenstored killed (SIGKILL) and started again on the same socket, empty
# (issue 11, guest isolation: a lost xenstore is not "every device
# removed").  xovs-netback must notice, keep every VIF as it is -- the
# guests' rings, taps and OVS ports carry on, so two guests pinging each
# other across the restart lose (almost) nothing, no hotplug offline runs,
# the taps keep their ifindex -- reconnect, set its watches again (a guest
# started after the restart connects and pings) and show the VIFs whose
# backend directories the new store lacks as "backend directory lost".
# Such a VIF is still taken down when its domain dies.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

nb_host_start
net=$(xovs network-create name-label=nb96)
nb_guest ga 1 0 "$net" 198.18.0.1/24
nb_guest gb 2 0 "$net" 198.18.0.2/24
expect_ping ga 198.18.0.2

ifindex() {
    ip -n "$NS" -o link show "$1" 2>/dev/null | cut -d: -f1
}
idx1=$(ifindex vif1.0)
idx2=$(ifindex vif2.0)
mark=$(wc -l <"$T_DIR/netback.log")

# ga pings gb all along (10 a second), SIGINT ends it with a summary.
ip netns exec "$(gns ga)" env --default-signal=INT \
    ping -i 0.1 -W 1 198.18.0.2 >"$T_DIR/ping.log" 2>&1 &
PING_PID=$!
NB_BG_PIDS+=("$PING_PID")
sleep 1

log "kill -KILL xovs-xenstored (pid $XSD_PID)"
kill -KILL "$XSD_PID"
wait_until 5 bash -c "! [[ -d /proc/$XSD_PID ]]" || fail "xovs-xenstored did not die"
XSD_PID=
wait_until 5 grep -q "lost the xenstore connection" "$T_DIR/netback.log" ||
    log "netback did not log that xenstored went"
sleep 2 # reconnect attempts fail meanwhile
"$XOVS_BIN/xovs-xenstored" -vconsole:off --socket="$XSD_SOCK" --detach \
    --pidfile="$T_DIR/xenstored.pid" --log-file="$T_DIR/xenstored.log" \
    2>>"$T_DIR/xenstored.stderr" || fail "xovs-xenstored did not start again"
XSD_PID=$(tr -dc 0-9 <"$T_DIR/xenstored.pid")
log "xovs-xenstored started again, empty (pid $XSD_PID)"
wait_until 10 grep -q "reconnected to xenstore" "$T_DIR/netback.log" ||
    log "netback did not log a reconnection to xenstored"
log "netback: $(grep "reconnected to xenstore" "$T_DIR/netback.log" | tail -n 1 | sed 's/.*|//' || true)"
sleep 2

kill -INT "$PING_PID"
wait "$PING_PID" 2>/dev/null || true
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T_DIR/ping.log")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T_DIR/ping.log")
[[ -n $sent && $sent -ge 30 ]] || fail "the pinger sent ${sent:-no} pings"
((got * 100 >= sent * 95)) ||
    fail "ga -> gb lost pings across the xenstored restart: $got of $sent answered"
log "ok: ga -> gb across the restart: $got of $sent pings answered"

# Nothing was torn down.
for v in vif1.0 vif2.0; do
    vsctl port-to-br "$v" >/dev/null || fail "OVS port $v is gone"
done
[[ $(ifindex vif1.0) == "$idx1" && $(ifindex vif2.0) == "$idx2" ]] ||
    fail "a tap was re-created (ifindex $idx1 -> $(ifindex vif1.0), $idx2 -> $(ifindex vif2.0))"
! tail -n +$((mark + 1)) "$T_DIR/netback.log" | grep -E "running .* offline|backend directory removed" ||
    fail "netback took a VIF down because xenstored restarted"

# The watches are back: a guest started now connects.
nb_guest gc 3 0 "$net" 198.18.0.3/24
expect_ping gc 198.18.0.1
expect_ping gc 198.18.0.2
for v in vif1.0 vif2.0; do
    show=$(nb_appctl vif/show "$v" | head -n 1)
    [[ $show == "$v: backend Connected, frontend Connected, backend directory lost" ]] ||
        fail "$v after the restart: $show"
done
log "ok: vif1.0 and vif2.0 still connected (directory lost), same taps, still on OVS, no hotplug offline"

# A VIF without a directory still goes when its domain dies.
nb_guest_kill ga
wait_until 5 bash -c "! ip -n $NS link show vif1.0 >/dev/null 2>&1" ||
    fail "tap vif1.0 still there after its domain died"
wait_until 5 bash -c "! ip netns exec $NS ovs-appctl -t $NB_CTL vif/show vif1.0 >/dev/null 2>&1" ||
    fail "netback still knows vif1.0 after its domain died"
wait_until 10 bash -c "! ip netns exec $NS ovs-vsctl --db=$OVSDB port-to-br vif1.0 >/dev/null 2>&1" ||
    fail "OVS port vif1.0 still there after its domain died"
log "ok: vif1.0 (directory lost) taken down and forgotten when its domain died"
expect_ping gc 198.18.0.2
pass
