#!/bin/bash
# xovs-test: alone
# A multi-queue DPDK VIF with an agent record gets one OVS rx queue per VIF
# queue (issue 12), as test 108's VIFs without a record do: xovs-netback
# writes the queues the frontend connected in xovs-dpdk-queues and runs the
# hotplug script again, which passes them to the agent (vif-plug
# dpdk-queues=, internal socket only); the agent keeps them beside the
# port's dpdk-devargs and makes the port's options:n_rxq from them.
#   - ga connects 4 queues: vif1.0 gets n_rxq 4, OVS polls rx queues 0..3,
#     ga and gb (one queue: no n_rxq) talk;
#   - ga comes back with 2 queues: n_rxq 2; a plug with 3 reconfigures the
#     same port to 3 queues, and back to 2;
#   - two agent restarts (the journal, then the snapshot) keep n_rxq 2;
#   - dpdk-queues 0, 17, "four", empty, or without dpdk-devargs: refused
#     naming dpdk-queues, nothing changes; the admin socket refuses
#     dpdk-queues, also in a batch.
# Before: vif1.0 had no n_rxq (one rx queue for 4 VIF queues).
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

DPDK_DEFAULT=no                            # the records decide
AGENT_EXTRA_ARGS+=(--datapath-type=netdev) # OVS-DPDK's ports need netdev
dpdk_host_start
INTERNAL=unix:$XOVS_RUNDIR/agent-internal.sock
ixovs() {
    "$XOVS_BIN/xovs" --rpc="$INTERNAL" "$@"
}

net=$(xovs network-create name-label=dpdk-mq) || fail "network-create"
xovs network-param-set uuid="$net" other-config:xovs-dpdk=true ||
    fail "network-param-set other-config:xovs-dpdk=true"
va=$(nb_vif_record ga 1 0 "$net")
vb=$(nb_vif_record gb 2 0 "$net")

# n_rxq VIF: the interface's options:n_rxq ("" when unset).
n_rxq() {
    local v
    v=$(vsctl --if-exists get interface "$1" options:n_rxq 2>/dev/null) || v=
    echo "${v//\"/}"
}

# rxqs_polled VIF: the rx queue ids of VIF that pmd-rxq-show lists.
rxqs_polled() {
    happctl dpif-netdev/pmd-rxq-show |
        awk -v p="$1" '$1 == "port:" && $2 == p { print $4 }' | sort -n |
        tr '\n' ' '
}

# within SECONDS CMD...: polls CMD until it succeeds, for at most SECONDS
# of wall time (wait_until counts polls, which take long on a loaded host).
within() {
    local end=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [[ $SECONDS -lt $end ]] || return 1
        sleep 0.5
    done
}

# shellcheck disable=SC2317 # run by within
has_rxqs() {
    [[ $(n_rxq "$1") == "$2" && $(rxqs_polled "$1") == "$3" ]]
}

# record_queues UUID: the VIF record's dpdk-queues.
record_queues() {
    xovs vif-list uuid="$1" params=dpdk-queues --minimal
}

# expect_rxqs VIF UUID N: the record says N queues, the interface has
# options:n_rxq N (1: none) and OVS polls its rx queues 0..N-1.
expect_rxqs() {
    local vif=$1 uuid=$2 n=$3 want opt=$3 rec=$3
    if [[ $n -eq 1 ]]; then
        opt='' rec=0
    fi
    want=$(seq 0 $((n - 1)) | tr '\n' ' ')
    within 60 has_rxqs "$vif" "$opt" "$want" ||
        fail "$vif: options:n_rxq '$(n_rxq "$vif")', OVS polls rx queues" \
            "'$(rxqs_polled "$vif")'; want '$opt' and '$want'" \
            "(record: dpdk-queues $(record_queues "$uuid"))"
    [[ $(record_queues "$uuid") == "$rec" ]] ||
        fail "VIF $uuid: dpdk-queues '$(record_queues "$uuid")', want $rec"
    log "ok: $vif: dpdk-queues $rec, options:n_rxq '$opt', OVS polls rx queues $want"
}

# shellcheck disable=SC2317 # run by wait_until
vif_applied() {
    [[ $(xovs vif-list uuid="$1" params=status --minimal) == applied ]]
}

# shellcheck disable=SC2317 # run by wait_until
port_gone() {
    ! vsctl port-to-br "$1" >/dev/null 2>&1
}

nb_guest_start ga 1 0 198.18.0.1/24 --queues=4
nb_guest_start gb 2 0 198.18.0.2/24
for d in 1 2; do
    nb_wait_connected "$d" 0 60
    dpdk_wait_attached "$d" 0
done
grep -q "^  queues: 4," <<<"$(nb_appctl vif/show vif1.0)" ||
    fail "netback did not connect 4 queues of vif1.0"
[[ $(xs xenstore-read "$(be_path 1 0)/xovs-dpdk-queues") == 4 ]] ||
    fail "netback did not write xovs-dpdk-queues 4 for vif1.0"
expect_rxqs vif1.0 "$va" 4
expect_rxqs vif2.0 "$vb" 1
expect_ping ga 198.18.0.2
expect_ping gb 198.18.0.1

# ga goes (the unplug forgets its queues) and comes back with 2 queues.
nb_guest_stop ga
wait_until 60 port_gone vif1.0 || fail "vif1.0's port stayed after ga went"
[[ $(record_queues "$va") == 0 ]] ||
    fail "VIF $va kept dpdk-queues $(record_queues "$va") after its unplug"
nb_guest_start ga 1 0 198.18.0.1/24 --queues=2
nb_wait_connected 1 0 60
dpdk_wait_attached 1 0
expect_rxqs vif1.0 "$va" 2
expect_ping ga 198.18.0.2

# A plug with another count: the same port, reconfigured by OVS.
devargs=$(xovs vif-list uuid="$va" params=dpdk-devargs --minimal)
[[ $devargs == "net_xovs_1_0,path=$DPDK_DIR/vif1.0.sock" ]] ||
    fail "VIF $va has dpdk-devargs '$devargs'"
uuid_before=$(vsctl get interface vif1.0 _uuid)
ixovs vif-plug uuid="$va" dpdk-devargs="$devargs" dpdk-queues=3 ||
    fail "internal socket: vif-plug dpdk-queues=3"
expect_rxqs vif1.0 "$va" 3
[[ $(vsctl get interface vif1.0 _uuid) == "$uuid_before" ]] ||
    fail "vif1.0's interface was made anew, not reconfigured"
dpdk_wait_attached 1 0
expect_ping ga 198.18.0.2
ixovs vif-plug uuid="$va" dpdk-devargs="$devargs" dpdk-queues=2 ||
    fail "internal socket: vif-plug dpdk-queues=2"
expect_rxqs vif1.0 "$va" 2
dpdk_wait_attached 1 0
expect_ping ga 198.18.0.2

# Two agent restarts: the first reads the plug from the journal, the
# second from the snapshot it folded the journal into.
for i in 1 2; do
    agent_stop
    agent_start
    [[ $(record_queues "$va") == 2 ]] ||
        fail "restart $i: VIF $va has dpdk-queues '$(record_queues "$va")', want 2"
    wait_until 60 vif_applied "$va" ||
        fail "restart $i: VIF $va not applied:" \
            "$(xovs vif-list uuid="$va" params=status,error)"
    expect_rxqs vif1.0 "$va" 2
    expect_rxqs vif2.0 "$vb" 1
done
grep -q '"dpdk_queues": *2' "$T_DIR/store.json" ||
    fail "store.json has no dpdk_queues 2 for VIF $va"
expect_ping ga 198.18.0.2

# Bad values, on the internal socket: refused naming dpdk-queues; the
# record and the port keep their 2 queues.
for q in 0 17 four "" -1 2x; do
    rc=0
    err=$(ixovs vif-plug uuid="$va" dpdk-devargs="$devargs" \
        dpdk-queues="$q" 2>&1 >/dev/null) || rc=$?
    [[ $rc -eq 1 && $err == *dpdk-queues* ]] ||
        fail "vif-plug dpdk-queues='$q': exit $rc, '$err' (want 1 naming dpdk-queues)"
    log "ok: vif-plug dpdk-queues='$q' refused: $err"
done
rc=0
err=$(ixovs vif-plug uuid="$vb" dpdk-queues=2 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 1 && $err == *"dpdk-queues"*"without dpdk-devargs"* ]] ||
    fail "vif-plug dpdk-queues=2 without dpdk-devargs: exit $rc, '$err'"
log "ok: vif-plug dpdk-queues without dpdk-devargs refused: $err"

# The admin socket never takes it (only netback's hotplug script knows).
rc=0
err=$(xovs vif-plug uuid="$va" dpdk-queues=3 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 1 && $err == *"dpdk-queues: vif-plug takes it only on the agent's internal socket"* ]] ||
    fail "admin socket: vif-plug dpdk-queues=3: exit $rc, '$err'"
log "ok: admin socket refuses vif-plug dpdk-queues=: $err"
calls='[{"method": "vif-plug", "params": {"uuid": "'$va'", "dpdk-queues": "3"}}]'
rc=0
err=$(xovs batch calls="$calls" 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 1 && $err == *"calls[0]: dpdk-queues: vif-plug takes it only"* ]] ||
    fail "admin socket: batch with vif-plug dpdk-queues=: exit $rc, '$err'"
log "ok: and so does a batch: $err"

expect_rxqs vif1.0 "$va" 2
expect_rxqs vif2.0 "$vb" 1
[[ $(xovs vif-list uuid="$va" params=dpdk-devargs --minimal) == "$devargs" ]] ||
    fail "VIF $va lost its dpdk-devargs"
expect_ping ga 198.18.0.2
kill -0 "$(dpdk_vswitchd_pid)" || fail "ovs-vswitchd-dpdk died"
pass
