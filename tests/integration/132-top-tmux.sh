#!/bin/bash
# xovs top (issue 15 item 10) in a real terminal: tmux runs `xovs top` as
# the docs show it while guest g1 pings g2 fast and g3 idles; the captured
# screen shows vif1.0 and vif2.0 with packet and bit rates above 0, above
# the idle vif3.0 (busiest first), and 'q' ends it with status 0.  Without
# a terminal, --iterations=2 prints two tables; bad options are usage
# errors (2) and an agent that is not there is status 1.  Before: there was
# no xovs top.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || skip "tmux not installed"
host_start
net=$(xovs network-create name-label=top)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
guest_add g3 3 0 198.18.0.3/24
for i in 1 2 3; do
    vif_attach "g$i" "$i" 0 "$net" >/dev/null
    wait_port "vif$i.0" "$br"
done
expect_ping g1 198.18.0.2

PING_PID=
TMUX_SOCK=xovs-top-$ID
TMUX_PID=
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
top_cleanup() {
    [[ -n $PING_PID ]] && kill "$PING_PID" 2>/dev/null && wait "$PING_PID" 2>/dev/null
    if [[ -n $TMUX_PID && -d /proc/$TMUX_PID ]]; then
        kill "$TMUX_PID" 2>/dev/null
    fi
    return 0
}
CLEAN_HOOKS+=(top_cleanup)

log "g1 pings g2 100 times a second"
ip netns exec "$(gns g1)" ping -q -i 0.01 -c 6000 198.18.0.2 >/dev/null 2>&1 &
PING_PID=$!
# shellcheck disable=SC2317 # run by wait_until
moving() {
    local pps
    pps=$(xovs port-stats-list name=vif1.0 params=rx-pps --minimal)
    [[ -n $pps && $pps -gt 0 ]]
}
wait_until 30 moving || fail "vif1.0 has no rate: $(xovs port-stats-list name=vif1.0)"
log "ok: port-stats-list: vif1.0 $(xovs port-stats-list name=vif1.0 params=rx-pps,tx-pps,rx-bps --minimal) (rx-pps,tx-pps,rx-bps)"

log "xovs top in tmux (120x30)"
tmux -L "$TMUX_SOCK" new-session -d -s top -x 120 -y 30 \
    "XOVS_RPC=unix:$T_DIR/agent.sock $XOVS_BIN/xovs top; echo \$? >$T_DIR/top.rc; sleep 30"
TMUX_PID=$(tmux -L "$TMUX_SOCK" display-message -p '#{pid}')
# shellcheck disable=SC2317 # run by wait_until
screen_shows() {
    tmux -L "$TMUX_SOCK" capture-pane -p -t top >"$T_DIR/screen"
    awk '$1 == "vif1.0" && $3 > 0 && $5 ~ /^[0-9.]+[kM]?$/ && $5 != "0" { ok = 1 } END { exit !ok }' "$T_DIR/screen"
}
wait_until 15 screen_shows || {
    sed "s/^/[$TEST_NAME] | /" "$T_DIR/screen"
    fail "xovs top does not show vif1.0 with traffic"
}
sed "s/^/[$TEST_NAME] | /" "$T_DIR/screen" | grep -v '| *$'
grep -q '^xovs top - .* - 3 ports, busiest first - every 1 s - q quits' "$T_DIR/screen" ||
    fail "no header"
order=$(awk '$1 ~ /^vif[0-9]\.0$/ { printf "%s ", $1 }' "$T_DIR/screen")
[[ $order == "vif"[12]".0 vif"[12]".0 vif3.0 " ]] ||
    fail "not busiest first: $order"
log "ok: top shows vif1.0 with its rates, busiest first ($order)"

tmux -L "$TMUX_SOCK" send-keys -t top q
wait_until 5 test -s "$T_DIR/top.rc" || fail "q did not end xovs top"
[[ $(cat "$T_DIR/top.rc") == 0 ]] || fail "xovs top exited $(cat "$T_DIR/top.rc") after q"
log "ok: q quits (status 0)"
kill "$TMUX_PID" 2>/dev/null || true
TMUX_PID=

log "without a terminal: tables one after the other"
out=$(xovs top --iterations=2 --interval=0.5 kind=vif </dev/null)
[[ $(grep -c '^xovs top - ' <<<"$out") -eq 2 ]] || fail "not 2 tables: $out"
grep -q '^vif1\.0 ' <<<"$out" || fail "no vif1.0 row: $out"
log "ok: --iterations=2 printed 2 tables"

log "bad input"
rc=0
err=$(xovs top --interval=0 2>&1) || rc=$?
[[ $rc -eq 2 && $err == *'--interval: "0" is not 0.1..3600 seconds'* ]] ||
    fail "--interval=0: exit $rc, '$err'"
rc=0
err=$("$XOVS_BIN/xovs" --rpc="unix:$T_DIR/nothing.sock" top --iterations=1 2>&1 </dev/null) || rc=$?
[[ $rc -eq 1 && $err == *"cannot reach the agent"* ]] || fail "no agent: exit $rc, '$err'"
log "ok: $err"
pass
