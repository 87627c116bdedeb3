#!/bin/bash
# xovs-test: alone
# 152-torture-netback-16: sixteen emulated guests (eight pairs, each pair
# pinging every 100 ms) through xovs-netback.  xovs-netback is killed with
# SIGKILL and started again: every VIF is re-attached to its live rings and
# every pair's traffic comes back with nothing done to the guests.  Then
# xovs-xenstored is killed and started again, empty: no VIF is torn down
# (same taps, same OVS ports) and every pair keeps passing traffic.  Each
# pair's losses are printed (measured, not asserted beyond "comes back").
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

PAIRS=8
nb_host_start
net=$(xovs network-create name-label=nb152)
for ((p = 0; p < PAIRS; p++)); do
    nb_guest "a$p" $((10 + p)) 0 "$net" "198.18.$p.1/24"
    nb_guest "b$p" $((30 + p)) 0 "$net" "198.18.$p.2/24"
done
for ((p = 0; p < PAIRS; p++)); do
    expect_ping "a$p" "198.18.$p.2"
done
log "16 guests connected; every pair pings"

ifindexes() {
    local p
    for ((p = 0; p < PAIRS; p++)); do
        ip -n "$NS" -o link show "vif$((10 + p)).0" | cut -d: -f1
        ip -n "$NS" -o link show "vif$((30 + p)).0" | cut -d: -f1
    done
}

# Each pair pings all along; a reply logged after time T shows the pair's
# traffic is back.
# (their pids in NB_BG_PIDS: ended by netback-lib's cleanup)
for ((p = 0; p < PAIRS; p++)); do
    ip netns exec "$(gns "a$p")" ping -D -O -i 0.1 -W 1 "198.18.$p.2" \
        >"$T_DIR/ping-$p.log" 2>&1 &
    NB_BG_PIDS+=("$!")
done

# shellcheck disable=SC2317 # run by wait_until
answered_since() {
    awk -v t="$2" '/bytes from/ { gsub(/[][]/, "", $1); if ($1 + 0 > t)
        { found = 1 } } END { exit !found }' "$T_DIR/ping-$1.log"
}

# every_pair_back T WHAT: each pair has a reply after T within 30 s.
every_pair_back() {
    local p
    for ((p = 0; p < PAIRS; p++)); do
        wait_until 30 answered_since "$p" "$1" ||
            fail "pair $p: no ping answered within 30 s after $2"
    done
    log "ok: all $PAIRS pairs pass traffic again after $2"
}

losses() {
    local p out=
    for ((p = 0; p < PAIRS; p++)); do
        out+=" $(grep -c 'no answer yet' "$T_DIR/ping-$p.log" || true)"
    done
    echo "$out"
}

sleep 1
idx_before=$(ifindexes)
mark=$(wc -l <"$T_DIR/netback.log")
log "kill -KILL xovs-netback (pid $NB_PID) under traffic"
nb_netback_kill KILL
nb_netback_start
t0=$(date +%s.%N)
for ((p = 0; p < PAIRS; p++)); do
    nb_wait_connected $((10 + p)) 0 30
    nb_wait_connected $((30 + p)) 0 30
done
reattached=$(tail -n +$((mark + 1)) "$T_DIR/netback.log" |
    grep -c "frontend already connected to an earlier backend" || true)
((reattached == 2 * PAIRS)) ||
    fail "$reattached of $((2 * PAIRS)) VIFs re-attached to their live rings"
every_pair_back "$t0" "the netback restart"
log "pings lost per pair so far:$(losses)"

sleep 1
log "kill -KILL xovs-xenstored (pid $XSD_PID) under traffic"
mark=$(wc -l <"$T_DIR/netback.log")
kill -KILL "$XSD_PID"
wait_until 5 bash -c "! [[ -d /proc/$XSD_PID ]]" ||
    fail "xovs-xenstored did not die"
XSD_PID=
sleep 1
"$XOVS_BIN/xovs-xenstored" -vconsole:off --socket="$XSD_SOCK" --detach \
    --pidfile="$T_DIR/xenstored.pid" --log-file="$T_DIR/xenstored.log" \
    2>>"$T_DIR/xenstored.stderr" || fail "xovs-xenstored did not start again"
XSD_PID=$(tr -dc 0-9 <"$T_DIR/xenstored.pid")
t0=$(date +%s.%N)
wait_until 10 grep -q "reconnected to xenstore" "$T_DIR/netback.log" ||
    fail "netback did not reconnect to xenstored"
every_pair_back "$t0" "the xenstored restart"
! tail -n +$((mark + 1)) "$T_DIR/netback.log" |
    grep -E "running .* offline|backend directory removed" ||
    fail "netback took a VIF down because xenstored restarted"
[[ $(ifindexes) == "$idx_before" ]] ||
    fail "a tap was re-created across the restarts"
for ((p = 0; p < PAIRS; p++)); do
    for v in "vif$((10 + p)).0" "vif$((30 + p)).0"; do
        vsctl port-to-br "$v" >/dev/null || fail "OVS port $v is gone"
    done
done
log "pings lost per pair in all:$(losses)"
pass
