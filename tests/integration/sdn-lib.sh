# tests/integration/sdn-lib.sh: helpers for the SDN controller tests
# (110-114), on top of lib.sh.
# shellcheck shell=bash
#
#   ctl_ns_start          namespace $CTL_NS joined to the host sandbox by a
#                         veth pair: c0 198.18.255.1/30 (host namespace) --
#                         eth0 198.18.255.2/30 ($CTL_NS), not an OVS port
#                         (the controller is reached out of band)
#   controller_start ARGS ovs-testcontroller ARGS in $CTL_NS, in the
#                         background; sets CTL_PID
#   controller_stop       ends it by pid (SIGKILL: a controller that dies)
#   pki_init DIR NAME...  an OVS PKI (ovs-pki init) in DIR and, per NAME, a
#                         key and certificate DIR/NAME-{privkey,cert}.pem
#                         (NAMEs ending in "switch" signed by the switch CA,
#                         the others by the controller CA)

CTL_NS=
CTL_PID=
CTL_HOST_IP=198.18.255.1
CTL_IP=198.18.255.2

ctl_ns_start() {
    CTL_NS=$(gns ctl)
    CLEAN_NETNS+=("$CTL_NS")
    CLEAN_HOOKS+=(controller_stop)
    ip netns add "$CTL_NS"
    ip -n "$CTL_NS" link set lo up
    "$SANDBOX" link "$NS" c0 "$CTL_NS" eth0
    ip -n "$NS" addr add "$CTL_HOST_IP/30" dev c0
    ip -n "$CTL_NS" addr add "$CTL_IP/30" dev eth0
}

# controller_start [ARGS...]: ovs-testcontroller ARGS (the last one its
# listening target) with flows that never expire.
controller_start() {
    command -v ovs-testcontroller >/dev/null ||
        skip "ovs-testcontroller not installed (openvswitch-testcontroller)"
    # In the background, not --detach: its stderr and exit stay visible.
    ip netns exec "$CTL_NS" ovs-testcontroller --max-idle=permanent \
        --log-file="$T_DIR/ctl.log" --unixctl="$T_DIR/ctl.ctl" \
        -vconsole:off "$@" 2>>"$T_DIR/ctl.stderr" &
    CTL_PID=$!
    wait_until 10 test -S "$T_DIR/ctl.ctl" ||
        fail "ovs-testcontroller $* did not start: $(tail -n 3 "$T_DIR/ctl.stderr")"
    log "ovs-testcontroller $* running (pid $CTL_PID)"
}

# controller_alive: prints why the controller is gone, if it is.
controller_alive() {
    local rc=0
    if ! kill -0 "$CTL_PID" 2>/dev/null; then
        wait "$CTL_PID" 2>/dev/null || rc=$?
        echo "ovs-testcontroller exited ($rc): $(tail -n 3 "$T_DIR/ctl.stderr")"
    fi
}

# shellcheck disable=SC2317 # also run by cleanup() (CLEAN_HOOKS)
controller_stop() {
    [[ -n $CTL_PID ]] || return 0
    kill -KILL "$CTL_PID" 2>/dev/null || true
    wait "$CTL_PID" 2>/dev/null || true
    rm -f "$T_DIR/ctl.ctl"
    CTL_PID=
}

# controller_connected BRIDGE TARGET: the bridge's Controller row for
# TARGET says is_connected=true.
controller_connected() {
    local u
    for u in $(vsctl --bare --columns=_uuid find Controller target="\"$2\""); do
        [[ $(vsctl get Controller "$u" is_connected) == true ]] && return 0
    done
    return 1
}

# controller_flows BRIDGE: how many flows with cookie 0 (the test
# controller's) the bridge holds in its OpenFlow tables (not OVS's internal
# table 254).
controller_flows() {
    ofctl dump-flows "$1" "cookie=0/-1" | grep -v 'table=254' |
        grep -c 'actions=' || true
}

pki_init() {
    local dir=$1 name ca
    shift
    command -v ovs-pki >/dev/null || skip "ovs-pki not installed (openvswitch-common)"
    ovs-pki --dir="$dir" --log="$dir.log" init >/dev/null 2>&1 ||
        fail "ovs-pki init in $dir: $(tail -n 3 "$dir.log")"
    for name in "$@"; do
        ca=controller
        [[ $name == *switch ]] && ca=switch
        (cd "$dir" && ovs-pki --dir="$dir" --log="$dir.log" -b \
            req+sign "$name" "$ca" >/dev/null 2>&1) ||
            fail "ovs-pki req+sign $name $ca: $(tail -n 3 "$dir.log")"
    done
}

# For wait_until, which must run the command on every try:
# out_is VALUE CMD...: CMD prints VALUE; out_isnt VALUE CMD...: it does
# not; out_gt N CMD...: it prints a number greater than N.
out_is() {
    local want=$1
    shift
    [[ $("$@") == "$want" ]]
}
out_isnt() {
    local want=$1
    shift
    [[ $("$@") != "$want" ]]
}
out_gt() {
    local n=$1 v
    shift
    v=$("$@")
    [[ $v =~ ^[0-9]+$ && $v -gt $n ]]
}

# manager_row TARGET: the uuid of the Manager row with TARGET, if any.
manager_row() {
    vsctl --bare --columns=_uuid find Manager target="\"$1\""
}

# agent_flows BRIDGE: how many flows with the agent's cookie BRIDGE holds.
agent_flows() {
    ofctl dump-flows "$1" cookie=0x786f767300000000/-1 | grep -c actions= || true
}
