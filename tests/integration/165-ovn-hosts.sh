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
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

ovn_require
OVN=xh$ID
ovn_start 3
ctl_start || fail "xovs-controller did not start"

hexec() {
    local i=$1
    shift
    "$OVN_SANDBOX" host-exec "$OVN" "$i" "$@"
}

# join I: host I's agent, joined to OVN.
join() {
    agent_on "$1"
    ovn_join "$1"
}

log "hosts 1 and 2 join the pool"
for i in 1 2; do
    xc pool-host-add name="$OVN-h$i" name-description="host $i" >/dev/null ||
        fail "pool-host-add $OVN-h$i"
    join "$i"
done
wait_until 90 chassis_count_is 2 || fail "hosts 1 and 2 are not chassis: $(sbctl show)"
out=$(xc pool-host-add name="$OVN-h1" 2>&1) && fail "a host was added twice"
[[ $out == *"in the pool already"* ]] || fail "second add: unclear error '$out'"
out=$(xc pool-host-add name='no such host!' 2>&1) && fail "a bad host name was accepted"
[[ $out == *name* ]] || fail "bad name: unclear error '$out'"

priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
declare -A HNET=()
# hnet I: host I's network record of priv.
hnet() {
    HNET[$1]=$(xa "$1" network-create name-label=priv \
        other-config:ovn-network="$priv") || fail "network-create on host $1"
}
hnet 1
hnet 2
place g1 1 1 "${HNET[1]}" "$priv" 198.18.5.1/24
place g2 2 2 "${HNET[2]}" "$priv" 198.18.5.2/24
v2=${VIFS[g2]}
wait_bound g1 g2
wait_until 30 gexec g1 ping -c 1 -W 1 198.18.5.2 || fail "g1 does not reach g2"
log "ok: g1 (host 1) reaches g2 (host 2)"

log "host 3 is added: pool-host-add, host-ovn-join by its agent, a guest"
xc pool-host-add name="$OVN-h3" >/dev/null || fail "pool-host-add $OVN-h3"
[[ $(xc pool-host-list name="$OVN-h3" params=state --minimal) == member ]] ||
    fail "host 3 is not a member: $(xc pool-host-list)"
join 3
wait_until 90 chassis_count_is 3 || fail "host 3 is not a chassis: $(sbctl show)"
hnet 3
place g3 3 3 "${HNET[3]}" "$priv" 198.18.5.3/24
v3=${VIFS[g3]}
wait_bound g3
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
wait_until 60 chassis_count_is 2 || fail "host 3's chassis is left: $(sbctl show)"
# shellcheck disable=SC2317 # run by wait_until
no_port() {
    [[ -z $(nbctl --bare --columns=name find Logical_Switch_Port "name=$1") &&
        -z $(sbctl --bare --columns=logical_port find Port_Binding "logical_port=$1") ]]
}
for v in "$v3" "$ghost"; do
    wait_until 30 no_port "$v" || fail "port $v of host 3 is left in OVN"
done
[[ -z $(sbctl --bare --columns=chassis_name find Encap ip=198.18.100.13) ]] ||
    fail "host 3's Geneve endpoint is left: $(sbctl show)"
# shellcheck disable=SC2317 # run by wait_until
h3_absent() {
    [[ $(xc pool-host-list name="$OVN-h3" params=chassis,ports-bound --minimal) == absent,0 ]]
}
wait_until 30 h3_absent ||
    fail "pool-host-list still shows host 3's chassis: $(xc pool-host-list name="$OVN-h3")"
log "ok: host 3 left no chassis, port or binding"
expect_ping g1 198.18.5.2
expect_ping g2 198.18.5.1
log "ok: hosts 1 and 2 keep working"

log "a removed host is added back"
xc pool-host-add name="$OVN-h3" >/dev/null || fail "adding host 3 back"
[[ $(xc pool-host-list name="$OVN-h3" params=state --minimal) == member ]] ||
    fail "host 3 is not a member again"
pass
