#!/bin/bash
# Partial failure: one row that cannot be applied does not block the rest.
# With the agent stopped, a foreign bridge takes the port name of one of its
# VIFs (vif3.0) and a port of another VIF is deleted.  On restart:
#   1. the other VIF's port is repaired and guests on it still talk (today's
#      agent put everything in one transaction that OVSDB refused forever);
#   2. the foreign port stays where it is;
#   3. vif-list shows the VIF in error, naming the foreign bridge, and the
#      others applied;
#   4. a new VIF plugged meanwhile is applied, not held up;
#   5. once the foreign port is gone, the VIF is applied and its error
#      clears.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start

vif_field() {
    xovs --json vif-list uuid="$1" | jq -r ".[0][\"$2\"]"
}
# shellcheck disable=SC2317 # run by wait_until
vif_status_is() {
    [[ $(vif_field "$1" status) == "$2" ]]
}

net=$(xovs network-create name-label=internal)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
guest_add g3 3 0 198.18.0.3/24
vif1=$(vif_attach g1 1 0 "$net")
vif2=$(vif_attach g2 2 0 "$net")
vif3=$(vif_attach g3 3 0 "$net")
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
wait_port vif3.0 "$br"
expect_ping g1 198.18.0.2

log "agent stopped; by hand: vif3.0 goes to a foreign bridge, vif2.0 is deleted"
agent_stop
vsctl del-port "$br" vif3.0 -- del-port "$br" vif2.0 \
    -- add-br brhand -- set Bridge brhand datapath_type=netdev \
    -- add-port brhand vif3.0
agent_start

wait_port vif2.0 "$br"
log "ok: vif2.0 repaired while vif3.0 cannot be applied"
expect_ping g1 198.18.0.2
[[ $(vsctl port-to-br vif3.0) == brhand ]] || fail "the agent moved the foreign vif3.0"
wait_until 10 vif_status_is "$vif3" error || fail "vif3 status: $(vif_field "$vif3" status)"
err=$(vif_field "$vif3" error)
[[ $err == *brhand* && $err == *vif3.0* ]] || fail "vif3's error does not name vif3.0 on brhand: $err"
for v in "$vif1" "$vif2"; do
    wait_until 10 vif_status_is "$v" applied || fail "VIF $v status: $(vif_field "$v" status) $(vif_field "$v" error)"
done
out=$(xovs vif-list uuid="$vif3")
grep -Eq '^ *status \( RO\): error$' <<<"$out" || fail "xovs vif-list shows no status error: $out"
grep -Eq '^ *error \( RO\): .*brhand' <<<"$out" || fail "xovs vif-list shows no error naming brhand: $out"
[[ $(xovs vif-list status=error params=uuid --minimal) == "$vif3" ]] ||
    fail "vif-list status=error does not select exactly vif3: $(xovs vif-list status=error params=uuid --minimal)"
[[ $(xovs vif-list uuid="$vif3" params=error --minimal) == *brhand* ]] ||
    fail "vif-list params=error does not show vif3's error"
log "ok: vif3 in error: $err"

log "a VIF plugged now is applied, not held up by vif3"
guest_add g4 4 0 198.18.0.4/24
vif4=$(vif_attach g4 4 0 "$net")
wait_port vif4.0 "$br"
wait_until 10 vif_status_is "$vif4" applied || fail "vif4 status: $(vif_field "$vif4" status)"
expect_ping g4 198.18.0.1

log "the foreign port goes: vif3.0 is applied"
vsctl del-br brhand
wait_port vif3.0 "$br"
wait_until 10 vif_status_is "$vif3" applied || fail "vif3 status: $(vif_field "$vif3" status) $(vif_field "$vif3" error)"
[[ -z $(vif_field "$vif3" error) ]] || fail "vif3's error did not clear"
expect_ping g3 198.18.0.4
[[ -d /proc/$AGENT_PID ]] || fail "xovs-agent died"
pass
