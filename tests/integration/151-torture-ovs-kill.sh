#!/bin/bash
# xovs-test: alone
# 151-torture-ovs-kill: ovsdb-server and ovs-vswitchd are killed with
# SIGKILL -- separately, then together -- while two guests ping each other
# every 50 ms; each is started again as the host's init would (nothing is
# done to xovs).  Traffic must come back on its own within 15 s, the locked
# guest must stay locked (the agent's flows are back), and OVS's
# configuration and the agent's flows must equal what they were before:
# no stale or duplicate port, interface or flow.  The outage of each
# event is printed (measured, not asserted).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
net=$(xovs network-create name-label=torture)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
ip -n "$(gns g1)" addr add 198.18.0.99/24 dev eth0
vif_attach g1 1 0 "$net" locking-mode=locked ipv4-allowed=198.18.0.1 \
    >/dev/null
vif_attach g2 2 0 "$net" >/dev/null
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
expect_ping g1 198.18.0.2

want=$T_DIR/state.want
ovs_state >"$want"
for ((i = 0; i < 20; i++)); do
    sleep 0.5
    ovs_state >"$want.2"
    cmp -s "$want" "$want.2" && break
    mv "$want.2" "$want"
done
grep -q '^flow,' "$want" || fail "no agent flows after setup"

# A ping every 50 ms for the whole test, with timestamps (-D).
PING_LOG=$T_DIR/ping.log
# (ip netns exec, not the gexec function: $! must be ping itself, or
# stop_ping would end a subshell and leave ping running)
ip netns exec "$(gns g1)" ping -D -O -i 0.05 -W 1 198.18.0.2 \
    >"$PING_LOG" 2>&1 &
PING_PID=$!
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
stop_ping() {
    kill "$PING_PID" 2>/dev/null
    wait "$PING_PID" 2>/dev/null || true
}
CLEAN_HOOKS+=(stop_ping)

# shellcheck disable=SC2317 # run by wait_until
# answered_since T: a reply was logged with a timestamp after T (seconds
# since the epoch, fractional).
answered_since() {
    awk -v t="$1" '/bytes from/ { gsub(/[][]/, "", $1); if ($1 + 0 > t)
        { found = 1 } } END { exit !found }' "$PING_LOG"
}

ms_between() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'
}

pid_of() {
    tr -dc 0-9 <"$RUNDIR/$1.pid"
}

# event WHAT DAEMON...: SIGKILL the daemons, start them again, wait for
# traffic and for the configuration to be what it was.
event() {
    local what=$1 d t0 tr t1
    shift
    sleep 1
    t0=$(date +%s.%N)
    for d in "$@"; do
        kill -KILL "$(pid_of "$d")"
    done
    for d in "$@"; do
        case $d in
        ovsdb-server) "$SANDBOX" restart-ovsdb "$NS" ;;
        ovs-vswitchd) "$SANDBOX" restart-vswitchd "$NS" ;;
        esac
    done
    # A reply counts once the daemons are back (one in flight at the kill
    # proves nothing).
    tr=$(date +%s.%N)
    wait_until 15 answered_since "$tr" ||
        fail "no ping answered within 15 s after $what"
    t1=$(awk -v t="$tr" '/bytes from/ { gsub(/[][]/, "", $1);
        if ($1 + 0 > t) { print $1; exit } }' "$PING_LOG")
    log "$what: restarted in $(ms_between "$t0" "$tr") ms, first answer" \
        "$(ms_between "$t0" "$t1") ms after the kill"
    expect_same_state "$want" "$what"
    expect_no_ping g1 -I 198.18.0.99 198.18.0.2
    [[ -d /proc/$AGENT_PID ]] || fail "xovs-agent died after $what"
}

event "ovsdb-server killed" ovsdb-server
event "ovs-vswitchd killed" ovs-vswitchd
event "both killed" ovsdb-server ovs-vswitchd
stop_ping
pass
