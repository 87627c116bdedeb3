# tests/integration/ovn-lib.sh: the OVN tests' common part (160-174):
# scripts/ovn-sandbox with N hosts, xovs-controller in the central
# namespace (on every NB and SB member), an xovs-agent per host that joins
# it to OVN, and guests placed on pool networks.  Source it after lib.sh.
# shellcheck shell=bash

OVN_SANDBOX=$TOP/scripts/ovn-sandbox
OVN=xo$ID
SBOX=${XOVS_SANDBOX_DIR:-/run/xovs-sandbox}
CTL_PID=
CTL_ARGS=() # more xovs-controller options
declare -A AGENT_PIDS=()
declare -A VIFS=() # guest name -> its VIF uuid
# shellcheck disable=SC2034 # read by the tests (161)
declare -A VMS=() # guest name -> its VM uuid
OVN_PIDS=()        # more processes the test started (ping...), ended first

ovn_require() {
    require_basics
    local p
    for p in ovn-northd ovn-controller ovn-nbctl ovn-sbctl ethtool; do
        command -v "$p" >/dev/null || skip "$p not installed (ovn-central, ovn-host)"
    done
    [[ -x $XOVS_BIN/xovs-controller ]] || fail "$XOVS_BIN/xovs-controller not built (make)"
    T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
}

# kill_wait PID SIGNAL: sends SIGNAL to PID (if alive), waits up to 5 s.
kill_wait() {
    local p=$1 i
    [[ -n $p && -d /proc/$p ]] || return 0
    kill "-$2" "$p" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        [[ -d /proc/$p ]] || return 0
        sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null || true
}

# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
ovn_cleanup() {
    local p f
    for p in "${OVN_PIDS[@]}" "$CTL_PID" "${AGENT_PIDS[@]}"; do
        kill_wait "$p" TERM
    done
    if [[ $T_FAILED -eq 1 ]]; then
        for f in "$T_DIR"/*.log; do
            [[ -r $f ]] || continue
            log "--- last lines of ${f##*/} ---"
            tail -n 15 "$f" | sed "s/^/[$TEST_NAME] | /"
        done
    fi
    "$OVN_SANDBOX" stop "$OVN"
}

# ovn_start HOSTS: the OVN sandbox with HOSTS hosts (not joined).
ovn_start() {
    local env
    CLEAN_HOOKS+=(ovn_cleanup)
    log "OVN sandbox $OVN: NB/SB Raft clusters, ovn-northd, $1 host(s)"
    env=$("$OVN_SANDBOX" start --no-join --hosts "$1" "$OVN") || fail "ovn-sandbox start"
    eval "$env"
}

nbctl() {
    ip netns exec "$OVN-c" ovn-nbctl --db="$OVN_NB_DB" --timeout=20 "$@"
}
sbctl() {
    ip netns exec "$OVN-c" ovn-sbctl --db="$OVN_SB_DB" --timeout=20 "$@"
}

# ctl_start: xovs-controller in the central namespace, on every NB and SB
# member, store $T_DIR/controller.json.  Returns its exit status (the test
# decides).
ctl_start() {
    rm -f "$T_DIR/controller.pid"
    ip netns exec "$OVN-c" "$XOVS_BIN/xovs-controller" --ovnnb-db="$OVN_NB_DB" \
        --ovnsb-db="$OVN_SB_DB" --store="$T_DIR/controller.json" \
        --rpc="unix:$T_DIR/controller.sock" --unixctl="$T_DIR/controller.ctl" --detach \
        --pidfile="$T_DIR/controller.pid" --log-file="$T_DIR/controller.log" \
        "${CTL_ARGS[@]}" 2>>"$T_DIR/controller.stderr" || return 1
    CTL_PID=$(tr -dc 0-9 <"$T_DIR/controller.pid")
    wait_until 20 xc pool-network-list || fail "xovs-controller does not answer"
}

xc() {
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/controller.sock" "$@"
}

# agent_on I: xovs-agent of host I.
agent_on() {
    local i=$1 rd=$SBOX/$OVN-h$1
    ip netns exec "$OVN-h$i" "$XOVS_BIN/xovs-agent" \
        --ovsdb="unix:$rd/db.sock" --store="$T_DIR/store$i.json" \
        --rpc="unix:$T_DIR/agent$i.sock" --rpc-internal= \
        --unixctl="$T_DIR/agent$i.ctl" --detach \
        --pidfile="$T_DIR/agent$i.pid" --log-file="$T_DIR/agent$i.log" \
        2>>"$T_DIR/agent$i.stderr" || fail "xovs-agent on host $i did not start"
    AGENT_PIDS[$i]=$(tr -dc 0-9 <"$T_DIR/agent$i.pid")
    wait_until 10 xa "$i" network-list || fail "agent $i does not answer"
}
xa() {
    local i=$1
    shift
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent$i.sock" "$@"
}
hvsctl() {
    local i=$1
    shift
    "$OVN_SANDBOX" host-exec "$OVN" "$i" ovs-vsctl \
        --db="unix:$SBOX/$OVN-h$i/db.sock" --timeout=10 "$@"
}

# ovn_join I [host-ovn-join ARGS...]: agent I joins host I to OVN.
ovn_join() {
    local i=$1
    shift
    xa "$i" host-ovn-join remote="$OVN_SB_DB" encap-ip="198.18.100.1$i" \
        system-id="$OVN-h$i" "$@" >/dev/null || fail "host-ovn-join on host $i"
}

# shellcheck disable=SC2317 # run by wait_until
chassis_count_is() {
    [[ $(sbctl --bare --columns=name list Chassis | grep -c .) -eq $1 ]]
}

# ovn_hosts N [host-ovn-join ARGS...]: agents on hosts 1..N, joined.
ovn_hosts() {
    local n=$1 i
    shift
    for ((i = 1; i <= n; i++)); do
        agent_on "$i"
        ovn_join "$i" "$@"
    done
    wait_until 90 chassis_count_is "$n" ||
        fail "the hosts did not register as chassis: $(sbctl show)"
    log "ok: $n host(s) joined OVN through their agents"
}

# place NAME HOST DOMID NETWORK-ON-HOST POOL-NETWORK ADDR [ARGS...]: a
# guest on host HOST, its VIF record there (plugged) and its placement in
# the pool (pool-vif-create ARGS...).  The host's VIF record belongs to the
# VM of a vm-uuid=VM among ARGS, else to a new VM; VMS[NAME] is it.
place() {
    local name=$1 host=$2 domid=$3 hnet=$4 pnet=$5 addr=$6 vif vm a
    shift 6
    vm=$(new_uuid)
    for a in "$@"; do
        [[ $a == vm-uuid=* ]] && vm=${a#vm-uuid=}
    done
    # shellcheck disable=SC2034 # read by guest_add (lib.sh)
    NS=$OVN-h$host
    guest_add "$name" "$domid" 0 "$addr"
    vif=$(xa "$host" vif-create vm-uuid="$vm" domid="$domid" device=0 \
        network-uuid="$hnet" mac="$(guest_mac "$domid" 0)") ||
        fail "vif-create for $name"
    xa "$host" vif-plug uuid="$vif" >/dev/null || fail "vif-plug for $name"
    xc pool-vif-create uuid="$vif" network-uuid="$pnet" \
        mac="$(guest_mac "$domid" 0)" host="$OVN-h$host" "$@" >/dev/null ||
        fail "pool-vif-create for $name"
    VIFS[$name]=$vif
    # shellcheck disable=SC2034 # read by the tests (161)
    VMS[$name]=$vm
}

# shellcheck disable=SC2317 # run by wait_until
bound() {
    [[ $(xc pool-vif-list uuid="$1" params=bound --minimal) == true ]]
}

# wait_bound NAME...: each guest's VIF is bound by its host.
wait_bound() {
    local g
    for g in "$@"; do
        wait_until 90 bound "${VIFS[$g]}" ||
            fail "$g's VIF ${VIFS[$g]} not bound: $(sbctl show)"
    done
}
