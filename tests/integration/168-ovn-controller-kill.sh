#!/bin/bash
# xovs-test: alone=ovn
# Failures of the central part (docs/ovn.md) with guests on two hosts:
# - xovs-controller killed with SIGKILL while the guests ping: the data
#   plane goes on (OVN holds the state); pool-vif-create and
#   pool-network-create made while it is down fail with a clear message
#   naming the socket; after a restart every record made before is there.
# - changes queued in the store: with the NB cluster without a majority a
#   VIF placed is recorded "pending", the controller is killed, the NB
#   members come back, the restarted controller applies the VIF from its
#   store (bound, the guest reachable).
# - a Raft NB member that is not the leader killed and restarted: traffic
#   goes on, a VIF removed meanwhile is removed from OVN.
# - the NB and SB leaders killed: new leaders are elected, traffic goes on,
#   a VIF placed meanwhile is bound and reachable.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

ovn_require
ovn_start 2
ctl_start || fail "xovs-controller did not start"
ovn_hosts 2

priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
xc pool-network-create name-label=lan physical-network=physnet1 vlan=7 >/dev/null ||
    fail "pool-network-create lan"
h1=$(xa 1 network-create name-label=priv other-config:ovn-network="$priv")
h2=$(xa 2 network-create name-label=priv other-config:ovn-network="$priv")
place g1 1 1 "$h1" "$priv" 198.18.5.1/24 ip-allowed=198.18.5.1
place g2 2 2 "$h2" "$priv" 198.18.5.2/24
wait_bound g1 g2
wait_until 60 gexec g1 ping -c 1 -W 1 198.18.5.2 || fail "g1 does not reach g2"
log "ok: g1 (host 1) reaches g2 (host 2)"

# records: the records without their OVN status, comparable text.
records() {
    xc pool-network-list params=uuid,name-label,name-description,physical-network,vlan,VIF-uuids
    xc pool-vif-list params=uuid,network-uuid,mac,host,vm-uuid,ip-allowed
}
BEFORE=$(records)

log "SIGKILL of xovs-controller (pid $CTL_PID) while g1 pings g2"
ip netns exec "$(gns g1)" ping -i 0.2 -w 12 198.18.5.2 >"$T_DIR/ping.out" 2>&1 &
PING_PID=$!
sleep 1
kill -KILL "$CTL_PID"
wait_until 10 test ! -d "/proc/$CTL_PID" || fail "xovs-controller survived SIGKILL"
out=$(xc pool-vif-create uuid="$(new_uuid)" network-uuid="$priv" \
    mac=02:00:c6:12:09:00 host="$OVN-h1" 2>&1) && fail "pool-vif-create answered with the controller dead"
[[ $out == *controller.sock* && $out == *"xovs-controller"* ]] ||
    fail "pool-vif-create with the controller down: unclear '$out'"
log "ok: pool-vif-create while it is down: $out"
out=$(xc pool-network-create name-label=down 2>&1) && fail "pool-network-create answered with the controller dead"
[[ $out == *controller.sock* ]] || fail "pool-network-create with the controller down: unclear '$out'"
wait "$PING_PID" || true
received=$(grep -o '[0-9]* received' "$T_DIR/ping.out" | tr -dc 0-9)
# At most about 5 answers came before the kill (1 s at 0.2 s).
[[ ${received:-0} -gt 10 ]] ||
    fail "g1's pings while the controller died: $(tail -n 3 "$T_DIR/ping.out")"
expect_ping g1 198.18.5.2
log "ok: traffic went on without the controller ($(grep -o '[0-9]* received' "$T_DIR/ping.out"))"

ctl_start || fail "xovs-controller did not start again"
[[ $(records) == "$BEFORE" ]] || fail "records differ after the restart: $(diff <(echo "$BEFORE") <(records))"
grep -q "02:00:c6:12:09:00" <<<"$(xc pool-vif-list)" && fail "a refused VIF appeared"
xc pool-network-list name-label=down --minimal | grep -q . && fail "a refused network appeared"
wait_bound g1 g2
expect_ping g1 198.18.5.2
log "ok: after the restart every record is there, nothing else"

leader=$("$OVN_SANDBOX" leader "$OVN" nb)
down=()
for m in 1 2 3; do
    [[ $m == "$leader" ]] || down+=("$m")
done
log "NB without a majority: members ${down[*]} killed (leader was $leader)"
for m in "${down[@]}"; do
    "$OVN_SANDBOX" kill-db "$OVN" nb "$m"
done
NS=$OVN-h2
place g3 2 3 "$h2" "$priv" 198.18.5.3/24
wait_until 10 test "$(xc pool-vif-list uuid="${VIFS[g3]}" params=status --minimal)" == pending ||
    fail "g3's VIF is not pending with NB down: $(xc pool-vif-list uuid="${VIFS[g3]}")"
grep -qs "${VIFS[g3]}" "$T_DIR/controller.json" "$T_DIR/controller.json.journal" ||
    fail "g3's VIF is not in the store (snapshot or journal)"
log "ok: g3's VIF is recorded and pending; SIGKILL of the controller"
kill -KILL "$CTL_PID"
wait_until 10 test ! -d "/proc/$CTL_PID" || fail "xovs-controller survived SIGKILL"
expect_ping g1 198.18.5.2
for m in "${down[@]}"; do
    "$OVN_SANDBOX" start-db "$OVN" nb "$m"
done
ctl_start || fail "xovs-controller did not start again"
wait_bound g3
wait_until 60 gexec g1 ping -c 1 -W 1 198.18.5.3 ||
    fail "g1 does not reach g3, whose VIF was queued in the store"
[[ $(xc pool-vif-list uuid="${VIFS[g3]}" params=status --minimal) == applied ]] ||
    fail "g3's VIF is not applied"
log "ok: the VIF queued in the store applied after the restart"

leader=$("$OVN_SANDBOX" leader "$OVN" nb)
follower=$((leader % 3 + 1))
log "NB member $follower (a follower; leader $leader) killed"
"$OVN_SANDBOX" kill-db "$OVN" nb "$follower"
expect_ping g1 198.18.5.2
expect_ping g2 198.18.5.3
xc pool-vif-destroy uuid="${VIFS[g3]}" >/dev/null || fail "pool-vif-destroy g3"
# shellcheck disable=SC2317 # run by wait_until
lsp_gone() {
    ! nbctl get Logical_Switch_Port "$1" name >/dev/null 2>&1
}
wait_until 60 lsp_gone "${VIFS[g3]}" || fail "g3's logical port stayed with member $follower down"
expect_no_ping g1 198.18.5.3
"$OVN_SANDBOX" start-db "$OVN" nb "$follower"
expect_ping g1 198.18.5.2
log "ok: with a follower down and back, traffic went on and g3's removal applied"

# The NB and SB leaders killed: the others elect new ones, traffic goes on,
# and a VIF placed meanwhile reaches OVN (the controller's and the
# ovn-controllers' connections move to the new leaders).
old_nb=$("$OVN_SANDBOX" leader "$OVN" nb)
old_sb=$("$OVN_SANDBOX" leader "$OVN" sb)
log "NB leader $old_nb and SB leader $old_sb killed"
"$OVN_SANDBOX" kill-db "$OVN" nb "$old_nb"
"$OVN_SANDBOX" kill-db "$OVN" sb "$old_sb"
# shellcheck disable=SC2317 # run by wait_until
new_leader() {
    local l
    l=$("$OVN_SANDBOX" leader "$OVN" "$1" 2>/dev/null) && [[ -n $l && $l != "$2" ]]
}
wait_until 60 new_leader nb "$old_nb" || fail "no new NB leader after killing member $old_nb"
wait_until 60 new_leader sb "$old_sb" || fail "no new SB leader after killing member $old_sb"
expect_ping g1 198.18.5.2
place g4 1 4 "$h1" "$priv" 198.18.5.4/24
wait_bound g4
wait_until 60 gexec g2 ping -c 1 -W 1 198.18.5.4 ||
    fail "g2 does not reach g4, placed while the leaders were down"
"$OVN_SANDBOX" start-db "$OVN" nb "$old_nb"
"$OVN_SANDBOX" start-db "$OVN" sb "$old_sb"
expect_ping g2 198.18.5.4
log "ok: with the NB and SB leaders killed (new leaders $("$OVN_SANDBOX" leader "$OVN" nb)," \
    "$("$OVN_SANDBOX" leader "$OVN" sb)), traffic went on and g4's VIF applied"
pass
