# tests/integration/tunnel-lib.sh: several hosts on one underlay, for the
# tunnel and mirror tests (115-119).
# shellcheck shell=bash
#
# Source it after lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/tunnel-lib.sh"
#   mh_start 3        # hosts 1..3: sandbox + xovs-agent each; eth1 of
#                     # every host on one underlay (a kernel bridge in a
#                     # namespace of its own)
#   use_host 2        # lib.sh's helpers (xovs, vsctl, guest_add,
#                     # vif_attach, ...) now act on host 2
#
# Everything is removed by lib.sh's cleanup (namespaces, sandboxes) and
# mh_cleanup (every host's agent, by pid, and the scratch directories).

MH_BASE=    # scratch dir holding h1, h2, ... (one per host)
MH_NS=()    # per host: the sandbox's namespace
MH_RUNDIR=() # per host: its OVS run directory
MH_PID=()   # per host: its agent's pid
UL_NS=      # the underlay's namespace (kernel bridge "ul")

# use_host I: lib.sh's globals point at host I.
# shellcheck disable=SC2034 # NS, OVSDB, XOVS_RUNDIR are lib.sh's
use_host() {
    local i=$1
    NS=${MH_NS[$i]}
    RUNDIR=${MH_RUNDIR[$i]}
    OVSDB=unix:$RUNDIR/db.sock
    T_DIR=$MH_BASE/h$i
    AGENT_PID=${MH_PID[$i]:-}
    XOVS_RUNDIR=$T_DIR/run
}

# mh_start N: N hosts, each an OVS sandbox with xovs-agent, whose eth1 are
# ports u1..uN of the underlay bridge.
mh_start() {
    local n=$1 i
    require_basics
    MH_BASE=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
    CLEAN_HOOKS+=(mh_cleanup)
    UL_NS=xu$ID
    CLEAN_NETNS+=("$UL_NS")
    ip netns add "$UL_NS"
    ip -n "$UL_NS" link add ul type bridge
    ip -n "$UL_NS" link set ul up
    for ((i = 1; i <= n; i++)); do
        sandbox_start "xh$ID-$i"
        MH_NS[i]=$XOVS_NETNS
        # shellcheck disable=SC2153 # set by sandbox_start's eval
        MH_RUNDIR[i]=$OVS_RUNDIR
        unset XOVS_NETNS OVS_RUNDIR OVS_DBDIR OVS_LOGDIR
        mkdir -p "$MH_BASE/h$i/run"
        ip link add eth1 netns "${MH_NS[$i]}" type veth peer name "u$i" \
            netns "$UL_NS"
        ip -n "$UL_NS" link set "u$i" master ul up
        ip -n "${MH_NS[$i]}" link set eth1 up
        use_host "$i"
        agent_start
        MH_PID[i]=$AGENT_PID
        log "host $i: sandbox ${MH_NS[$i]}, agent pid $AGENT_PID, eth1 on the underlay"
    done
}

# mh_cleanup: every host's agent ended by pid; the scratch directories go.
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
mh_cleanup() {
    local i
    for i in "${!MH_PID[@]}"; do
        AGENT_PID=${MH_PID[$i]}
        agent_stop
    done
    if [[ -n $MH_BASE && -d $MH_BASE ]]; then
        if [[ $T_FAILED -eq 1 ]]; then
            for i in "${!MH_PID[@]}"; do
                log "--- host $i: last lines of agent.log ---"
                tail -n 15 "$MH_BASE/h$i/agent.log" 2>/dev/null |
                    sed "s/^/[$TEST_NAME] h$i | /"
            done
        fi
        rm -rf "$MH_BASE"
    fi
    T_DIR=
}

# eth1_pif: (on the current host) pif-scan, plug eth1; prints its PIF.
eth1_pif() {
    local pif
    xovs pif-scan >/dev/null
    pif=$(pif_of_device eth1)
    ensure_plugged "$pif"
    echo "$pif"
}

# remote_state TUNNEL-UUID REMOTE: the current host's tunnel-list
# remote-status of REMOTE ("up", "down (...)", "unknown").
remote_state() {
    xovs tunnel-list uuid="$1" --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["remote-status"][sys.argv[1]])' "$2"
}

# remote_is TUNNEL-UUID REMOTE STATE: for wait_until (STATE a prefix).
remote_is() {
    [[ $(remote_state "$1" "$2") == "$3"* ]]
}

# iperf_mbps CLIENT-GUEST SERVER-GUEST SERVER-ADDR: iperf3 TCP for 3 s from
# the client guest to the server guest; prints the receiver's Mbit/s.
iperf_mbps() {
    local c=$1 s=$2 addr=$3 spid out=$MH_BASE/iperf3.json
    rm -f "$MH_BASE/iperf3-server.log"
    ip netns exec "$(gns "$s")" iperf3 -s -1 -B "$addr" \
        >"$MH_BASE/iperf3-server.log" 2>&1 &
    spid=$!
    wait_until 5 grep -q "listening" "$MH_BASE/iperf3-server.log" || true
    if ! gexec "$c" timeout 20 iperf3 -c "$addr" -t 3 -J >"$out" 2>&1; then
        kill "$spid" 2>/dev/null || true
        wait "$spid" 2>/dev/null || true
        log "iperf3 $c -> $s failed: $(grep -m1 '"error"' "$out")"
        return 1
    fi
    wait "$spid" 2>/dev/null || true
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(int(d["end"]["sum_received"]["bits_per_second"] / 1e6))' "$out"
}
