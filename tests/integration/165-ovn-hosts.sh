#!/bin/bash
# xovs-test: alone=ovn
# The pool's hosts on OVN (docs/ovn.md, "The pool's hosts"): hosts 1 and 2
# of scripts/ovn-sandbox are in the pool with guests that reach each
# other; host 3 is added (pool-host-add, host-ovn-join by its agent) and
# its guest reaches the others; it cannot be removed while it has VIFs
# (force=true takes them off the pool); removed (its ovn-controller
# stopped, host-ovn-leave, pool-host-remove) it leaves no Chassis, port or
# binding in OVN, VIFs are refused there, and hosts 1 and 2 keep working.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_basics
for p in ovn-northd ovn-controller ovn-nbctl ovn-sbctl ethtool python3; do
    command -v "$p" >/dev/null || skip "$p not installed (ovn-central, ovn-host)"
done
[[ -x $XOVS_BIN/xovs-controller ]] || fail "$XOVS_BIN/xovs-controller not built (make)"
OVN_SANDBOX=$TOP/scripts/ovn-sandbox
T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
OVN=xh$ID
SBOX=${XOVS_SANDBOX_DIR:-/run/xovs-sandbox}
CTL_PID=
declare -A AGENT_PIDS=()

# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
ovn_cleanup() {
    local p
    for p in "$CTL_PID" "${AGENT_PIDS[@]}"; do
        [[ -n $p && -d /proc/$p ]] && kill -TERM "$p" 2>/dev/null
    done
    sleep 0.5
    for p in "$CTL_PID" "${AGENT_PIDS[@]}"; do
        [[ -n $p && -d /proc/$p ]] && kill -KILL "$p" 2>/dev/null
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
CLEAN_HOOKS+=(ovn_cleanup)

log "OVN sandbox $OVN: NB/SB Raft clusters, ovn-northd, hosts 1, 2 and 3 (3 joins later)"
env=$("$OVN_SANDBOX" start --no-join --hosts 3 "$OVN") || fail "ovn-sandbox start"
eval "$env"
# shellcheck disable=SC2317 # run by no_port (by wait_until)
nbctl() {
    ip netns exec "$OVN-c" ovn-nbctl --db="$OVN_NB_DB" --timeout=20 "$@"
}
sbctl() {
    ip netns exec "$OVN-c" ovn-sbctl --db="$OVN_SB_DB" --timeout=20 "$@"
}

ip netns exec "$OVN-c" "$XOVS_BIN/xovs-controller" --ovnnb-db="$OVN_NB_DB" \
    --store="$T_DIR/controller.json" --rpc="unix:$T_DIR/controller.sock" \
    --unixctl="$T_DIR/controller.ctl" --detach \
    --pidfile="$T_DIR/controller.pid" --log-file="$T_DIR/controller.log" \
    2>>"$T_DIR/controller.stderr" || fail "xovs-controller did not start"
CTL_PID=$(tr -dc 0-9 <"$T_DIR/controller.pid")
xc() {
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/controller.sock" "$@"
}
wait_until 10 xc pool-network-list || fail "xovs-controller does not answer"

xa() {
    local i=$1
    shift
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent$i.sock" "$@"
}
hexec() {
    local i=$1
    shift
    "$OVN_SANDBOX" host-exec "$OVN" "$i" "$@"
}

# join I: host I's agent, joined to OVN.
join() {
    local i=$1 rd=$SBOX/$OVN-h$1
    ip netns exec "$OVN-h$i" "$XOVS_BIN/xovs-agent" \
        --ovsdb="unix:$rd/db.sock" --store="$T_DIR/store$i.json" \
        --rpc="unix:$T_DIR/agent$i.sock" --rpc-internal= \
        --unixctl="$T_DIR/agent$i.ctl" --detach \
        --pidfile="$T_DIR/agent$i.pid" --log-file="$T_DIR/agent$i.log" \
        2>>"$T_DIR/agent$i.stderr" || fail "xovs-agent on host $i did not start"
    AGENT_PIDS[$i]=$(tr -dc 0-9 <"$T_DIR/agent$i.pid")
    wait_until 10 xa "$i" network-list || fail "agent $i does not answer"
    xa "$i" host-ovn-join remote="$OVN_SB_DB" encap-ip="198.18.100.1$i" \
        system-id="$OVN-h$i" >/dev/null || fail "host-ovn-join on host $i"
}
# shellcheck disable=SC2317 # run by wait_until
n_chassis() {
    [[ $(sbctl --bare --columns=name list Chassis | grep -c .) -eq $1 ]]
}

log "hosts 1 and 2 join the pool"
for i in 1 2; do
    xc pool-host-add name="$OVN-h$i" name-description="host $i" >/dev/null ||
        fail "pool-host-add $OVN-h$i"
    join "$i"
done
wait_until 90 n_chassis 2 || fail "hosts 1 and 2 are not chassis: $(sbctl show)"
out=$(xc pool-host-add name="$OVN-h1" 2>&1) && fail "a host was added twice"
[[ $out == *"in the pool already"* ]] || fail "second add: unclear error '$out'"
out=$(xc pool-host-add name='no such host!' 2>&1) && fail "a bad host name was accepted"
[[ $out == *name* ]] || fail "bad name: unclear error '$out'"

priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
declare -A HNET=()
# place NAME HOST DOMID ADDR: guest NAME on host HOST, its VIF record there
# (plugged) and its placement in the pool; the VIF uuid in $PLACED.
PLACED=
place() {
    local name=$1 host=$2 domid=$3 addr=$4 vif
    [[ -n ${HNET[$host]:-} ]] || HNET[$host]=$(xa "$host" network-create \
        name-label=priv other-config:ovn-network="$priv") ||
        fail "network-create on host $host"
    NS=$OVN-h$host
    guest_add "$name" "$domid" 0 "$addr"
    vif=$(xa "$host" vif-create vm-uuid="$(new_uuid)" domid="$domid" device=0 \
        network-uuid="${HNET[$host]}" mac="$(guest_mac "$domid" 0)") ||
        fail "vif-create for $name"
    xa "$host" vif-plug uuid="$vif" >/dev/null || fail "vif-plug for $name"
    xc pool-vif-create uuid="$vif" network-uuid="$priv" \
        mac="$(guest_mac "$domid" 0)" host="$OVN-h$host" >/dev/null ||
        fail "pool-vif-create for $name"
    PLACED=$vif
}
# shellcheck disable=SC2317 # run by wait_until
bound() {
    [[ $(xc pool-vif-list uuid="$1" params=bound --minimal) == true ]]
}
place g1 1 1 198.18.5.1/24
v1=$PLACED
place g2 2 2 198.18.5.2/24
v2=$PLACED
for v in "$v1" "$v2"; do
    wait_until 60 bound "$v" || fail "VIF $v not bound: $(sbctl show)"
done
wait_until 30 gexec g1 ping -c 1 -W 1 198.18.5.2 || fail "g1 does not reach g2"
log "ok: g1 (host 1) reaches g2 (host 2)"

log "host 3 is added: pool-host-add, host-ovn-join by its agent, a guest"
xc pool-host-add name="$OVN-h3" >/dev/null || fail "pool-host-add $OVN-h3"
[[ $(xc pool-host-list name="$OVN-h3" params=state --minimal) == member ]] ||
    fail "host 3 is not a member: $(xc pool-host-list)"
join 3
wait_until 90 n_chassis 3 || fail "host 3 is not a chassis: $(sbctl show)"
place g3 3 3 198.18.5.3/24
v3=$PLACED
wait_until 60 bound "$v3" || fail "VIF $v3 not bound on host 3: $(sbctl show)"
wait_until 30 gexec g1 ping -c 1 -W 1 198.18.5.3 || fail "g1 does not reach g3 on host 3"
expect_ping g3 198.18.5.2
log "ok: the added host's guest reaches the others"
[[ $(xc pool-host-list name="$OVN-h3" params=VIF-uuids --minimal) == "$v3" ]] ||
    fail "pool-host-list does not show host 3's VIF: $(xc pool-host-list)"

log "a host with VIFs is not removed without force"
out=$(xc pool-host-remove name="$OVN-h3" 2>&1) && fail "a host with VIFs was removed"
[[ $out == *"$v3"* && $out == *force* ]] || fail "remove with VIFs: unclear error '$out'"
[[ $(xc pool-host-list name="$OVN-h3" params=state --minimal) == member ]] ||
    fail "a refused remove changed the host"
expect_ping g1 198.18.5.3

log "host 3 leaves: its guest goes, ovn-controller stopped, host-ovn-leave"
xa 3 vif-unplug uuid="$v3" >/dev/null || fail "vif-unplug on host 3"
ip netns delete "$(gns g3)"
# A VIF placed on host 3 whose guest never ran: force=true takes it off.
ghost=$(new_uuid)
xc pool-vif-create uuid="$ghost" network-uuid="$priv" mac=02:00:c6:12:09:09 \
    host="$OVN-h3" >/dev/null || fail "pool-vif-create ghost"
# ovn-controller deletes its Chassis when it exits, if it still reaches the
# southbound database: first it, then host-ovn-leave.
hexec 3 ovn-appctl -t ovn-controller exit >/dev/null ||
    fail "cannot stop host 3's ovn-controller"
xa 3 host-ovn-leave >/dev/null || fail "host-ovn-leave on host 3"
xc pool-vif-destroy uuid="$v3" >/dev/null || fail "pool-vif-destroy $v3"
out=$(xc pool-host-remove name="$OVN-h3" force=maybe 2>&1) && fail "force=maybe was accepted"
[[ $out == *force* ]] || fail "force=maybe: unclear error '$out'"
xc pool-host-remove name="$OVN-h3" force=true >/dev/null || fail "pool-host-remove force=true"
[[ $(xc pool-host-list name="$OVN-h3" params=state,VIF-uuids --minimal) == removed, ]] ||
    fail "host 3 is not removed: $(xc pool-host-list)"
[[ -z $(xc pool-vif-list uuid="$ghost") ]] || fail "force=true left host 3's VIF in the pool"
out=$(xc pool-vif-create uuid="$(new_uuid)" network-uuid="$priv" \
    mac=02:00:c6:12:09:0a host="$OVN-h3" 2>&1) && fail "a VIF was placed on a removed host"
[[ $out == *"removed from the pool"* ]] || fail "VIF on a removed host: unclear error '$out'"
out=$(xc pool-vif-migrate uuid="$v2" host="$OVN-h3" 2>&1) &&
    fail "a VIF was migrated to a removed host"
[[ $out == *"removed from the pool"* ]] || fail "migrate to a removed host: unclear error '$out'"

log "no stale chassis, port or binding of host 3 in OVN"
wait_until 60 n_chassis 2 || fail "host 3's chassis is left: $(sbctl show)"
# shellcheck disable=SC2317 # run by wait_until
no_port() {
    [[ -z $(nbctl --bare --columns=name find Logical_Switch_Port "name=$1") &&
        -z $(sbctl --bare --columns=logical_port find Port_Binding "logical_port=$1") ]]
}
for v in "$v3" "$ghost"; do
    wait_until 30 no_port "$v" || fail "port $v of host 3 is left in OVN"
done
[[ -z $(sbctl --bare --columns=name find Encap ip=198.18.100.13) ]] ||
    fail "host 3's Geneve endpoint is left: $(sbctl show)"
log "ok: host 3 left no chassis, port or binding"
expect_ping g1 198.18.5.2
expect_ping g2 198.18.5.1
log "ok: hosts 1 and 2 keep working"

log "a removed host is added back"
xc pool-host-add name="$OVN-h3" >/dev/null || fail "adding host 3 back"
[[ $(xc pool-host-list name="$OVN-h3" params=state --minimal) == member ]] ||
    fail "host 3 is not a member again"
pass
