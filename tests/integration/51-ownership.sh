#!/bin/bash
# Ownership: xovs-agent touches only the bridges, ports and interfaces it
# created (external_ids:xovs-owner=xovs-agent); everything else survives
# whatever the agent does.
#   1. A bridge made by hand that carries xs-network-uuids (as XenServer's
#      own bridges do) survives the agent's start-up and every change.
#   2. network-create with that bridge's name is rejected, naming it; the
#      bridge keeps its ports and settings.
#   3. The agent marks what it creates (Bridge, Port, Interface).
#   4. A port added by hand to an xovs bridge survives changes on that
#      bridge, and even the destroy of its network (the bridge stays while
#      the foreign port is on it).
#   5. vif-plug of a VIF whose port name a foreign port has is rejected.
#   6. A foreign bridge that replaces an xovs bridge later is left alone and
#      the network's status says why; once it is gone, the agent recreates
#      its bridge.
#   7. A bridge of an older xovs (xs-network-uuids matching a record, no
#      mark) is adopted, not recreated: its ports stay.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_basics
T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
sandbox_start "xh$ID"
NS=$XOVS_NETNS
RUNDIR=$OVS_RUNDIR
unset XOVS_NETNS OVS_RUNDIR OVS_DBDIR OVS_LOGDIR

log "a bridge made by hand, with XenServer-style external_ids, before the agent starts"
foreign_net=$(new_uuid)
vsctl add-br brhand -- set Bridge brhand datapath_type=netdev \
    external_ids:xs-network-uuids="$foreign_net" other_config:hand=yes \
    -- add-port brhand hand0 -- set Interface hand0 type=internal
agent_start

# vget TABLE RECORD COLUMN[:KEY]: a value without quotes ("" if unset).
vget() {
    vsctl get "$@" 2>/dev/null | tr -d '"' || true
}

# vif_field UUID FIELD: one field of a VIF, from the JSON list.
vif_field() {
    xovs --json vif-list uuid="$1" | jq -r ".[0][\"$2\"]"
}
net_field() {
    xovs --json network-list uuid="$1" | jq -r ".[0][\"$2\"]"
}
# shellcheck disable=SC2317 # run by wait_until
net_status_is() {
    [[ $(net_field "$1" status) == "$2" ]]
}
# shellcheck disable=SC2317 # run by wait_until
bridge_marked() {
    [[ $(vget Bridge "$1" external_ids:xovs-owner) == xovs-agent ]]
}
brhand_intact() {
    [[ $(vsctl list-ports brhand) == hand0 ]] || fail "brhand lost its port hand0: $(vsctl list-ports brhand | tr '\n' ' ')"
    [[ $(vget Bridge brhand other_config:hand) == yes ]] || fail "brhand lost other_config:hand"
    [[ $(vget Bridge brhand external_ids:xs-network-uuids) == "$foreign_net" ]] ||
        fail "brhand's xs-network-uuids changed"
    ! vsctl get Bridge brhand external_ids:xovs-owner >/dev/null 2>&1 || fail "brhand got xovs's mark"
}

net=$(xovs network-create name-label=mine)
br=$(network_bridge "$net")
wait_until 10 vsctl br-exists "$br" || fail "bridge $br not created"
sleep 1
vsctl br-exists brhand || fail "the agent removed bridge brhand, which it did not create"
brhand_intact
log "ok: brhand (xs-network-uuids, no mark) survived the agent's start"

log "network-create bridge=brhand must be rejected"
if out=$(xovs network-create name-label=clash bridge=brhand 2>&1); then
    fail "network-create bridge=brhand succeeded: $out"
fi
[[ $out == *brhand* && $out == *"did not create"* ]] || fail "rejection does not name brhand: $out"
[[ -z $(xovs network-list name-label=clash --minimal params=uuid) ]] || fail "the rejected network was recorded"
sleep 1
brhand_intact
log "ok: rejected: $out"

log "the agent marks what it creates"
[[ $(vget Bridge "$br" external_ids:xovs-owner) == xovs-agent ]] || fail "bridge $br has no mark"
[[ $(vget Port "$br" external_ids:xovs-owner) == xovs-agent ]] || fail "port $br has no mark"
[[ $(vget Interface "$br" external_ids:xovs-owner) == xovs-agent ]] || fail "interface $br has no mark"
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
vif1=$(vif_attach g1 1 0 "$net")
wait_port vif1.0 "$br"
[[ $(vget Port vif1.0 external_ids:xovs-owner) == xovs-agent ]] || fail "port vif1.0 has no mark"
[[ $(vget Interface vif1.0 external_ids:xovs-owner) == xovs-agent ]] || fail "interface vif1.0 has no mark"
[[ $(vif_field "$vif1" status) == applied ]] || fail "vif1 status $(vif_field "$vif1" status), expected applied"

log "a port added by hand to $br, and a flow by hand, survive changes"
vsctl add-port "$br" hand1 -- set Interface hand1 type=internal
ofctl add-flow "$br" "cookie=0x1234,priority=7,dl_type=0x88b5,actions=drop"
vif2=$(vif_attach g2 2 0 "$net")
wait_port vif2.0 "$br"
xovs network-param-set uuid="$net" MTU=1400 >/dev/null
# shellcheck disable=SC2317 # run by wait_until
mtu_is() {
    [[ $(vget Interface "$1" mtu_request) == "$2" ]]
}
wait_until 10 mtu_is vif1.0 1400 || fail "MTU change not applied"
xovs vif-unplug uuid="$vif2" >/dev/null
# shellcheck disable=SC2317 # run by wait_until
no_port() {
    ! vsctl port-to-br "$1"
}
wait_until 10 no_port vif2.0 || fail "vif2.0 not removed"
sleep 1
[[ $(vsctl port-to-br hand1) == "$br" ]] || fail "the agent removed hand1 from $br"
ofctl dump-flows "$br" | grep -q "cookie=0x1234" || fail "the agent removed the flow added by hand"
log "ok: hand1 and the hand-made flow are still there"

log "vif-plug of a VIF whose port name a foreign port has must be rejected"
vsctl add-port brhand vif5.0 -- set Interface vif5.0 type=internal
vm=$(new_uuid)
vif5=$(xovs vif-create vm-uuid="$vm" domid=5 device=0 network-uuid="$net" mac=02:00:c6:12:05:00)
if out=$(xovs vif-plug uuid="$vif5" 2>&1); then
    fail "vif-plug of vif5.0 succeeded: $out"
fi
[[ $out == *vif5.0* && $out == *brhand* ]] || fail "rejection does not name vif5.0 on brhand: $out"
[[ $(vif_field "$vif5" currently-attached) == false ]] || fail "the rejected plug was recorded"
[[ $(vsctl port-to-br vif5.0) == brhand ]] || fail "vif5.0 moved off brhand"
vsctl del-port brhand vif5.0
log "ok: rejected: $out"

net2=$(xovs network-create name-label=second)
br2=$(network_bridge "$net2")
log "a foreign bridge replaces $br2 while the agent runs"
wait_until 10 vsctl br-exists "$br2" || fail "bridge $br2 not created"
vsctl del-br "$br2" -- add-br "$br2" -- set Bridge "$br2" datapath_type=netdev other_config:hand=yes \
    -- add-port "$br2" hand2 -- set Interface hand2 type=internal
wait_until 10 net_status_is "$net2" error || true
xovs_status=$(net_field "$net2" status)
xovs_error=$(net_field "$net2" error)
[[ $xovs_status == error && $xovs_error == *"$br2"* ]] ||
    fail "network $net2: status '$xovs_status' error '$xovs_error', expected an error naming $br2"
sleep 1
[[ $(vsctl list-ports "$br2") == hand2 ]] || fail "the agent changed the foreign $br2: $(vsctl list-ports "$br2" | tr '\n' ' ')"
! vsctl get Bridge "$br2" external_ids:xovs-owner >/dev/null 2>&1 || fail "the agent marked the foreign $br2"
[[ $(net_field "$net" status) == applied ]] || fail "network $net is not applied any more"
log "ok: status error: $xovs_error"
vsctl del-br "$br2"
wait_until 10 bridge_marked "$br2" ||
    fail "the agent did not recreate $br2 once the foreign one was gone"
wait_until 10 net_status_is "$net2" applied || fail "network $net2 status not back to applied"
log "ok: $br2 is xovs's again"

log "destroying $net with a foreign port on its bridge"
xovs vif-unplug uuid="$vif1" >/dev/null
xovs vif-destroy uuid="$vif1" >/dev/null
xovs vif-destroy uuid="$vif2" >/dev/null
xovs vif-destroy uuid="$vif5" >/dev/null
xovs network-destroy uuid="$net" >/dev/null
sleep 2
vsctl br-exists "$br" || fail "the agent removed $br with the foreign hand1 on it"
[[ $(vsctl port-to-br hand1) == "$br" ]] || fail "hand1 is gone"
grep -q "not removing bridge $br" "$T_DIR/agent.log" || fail "agent.log does not say why $br stays"
vsctl del-port "$br" hand1
# shellcheck disable=SC2317 # run by wait_until
no_bridge() {
    ! vsctl br-exists "$1"
}
wait_until 10 no_bridge "$br" || fail "$br not removed once the foreign port was gone"
log "ok: $br stayed while hand1 was on it, and went after"

log "a bridge of an older xovs (xs-network-uuids of a record, no mark) is adopted"
vsctl remove Bridge "$br2" external_ids xovs-owner -- remove Port "$br2" external_ids xovs-owner
wait_until 10 bridge_marked "$br2" || fail "the legacy bridge $br2 was not adopted"
grep -q "adopting a bridge of an older xovs" "$T_DIR/agent.log" || fail "agent.log does not mention the adoption"
[[ $(net_field "$net2" status) == applied ]] || fail "network $net2 not applied after adoption"
vsctl br-exists brhand || fail "brhand is gone"
brhand_intact
log "ok: $br2 adopted; brhand still untouched"

[[ -d /proc/$AGENT_PID ]] || fail "xovs-agent died"
pass
