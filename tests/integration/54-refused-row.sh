#!/bin/bash
# Partial failure that the agent cannot foresee: OVSDB refuses a row.  The
# host's ovsdb-server runs a schema whose only change is a tighter
# constraint (Interface mtu_request at most 8000), so every row asking for
# MTU 9000 is refused by the real server, in the middle of a transaction
# that also carries good rows.
#   1. A network at MTU 9000 is in error ("Open vSwitch refused it"); the
#      network at 1500 is applied.
#   2. With the agent stopped, the good network's bridge is deleted; on
#      restart, one transaction would carry both networks' bridges and the
#      good one's ports: the refused rows are isolated and everything else is
#      applied (today's agent retried the whole transaction forever).
#   3. Setting the MTU to 1500 clears the error and applies the network.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_basics
command -v jq >/dev/null || skip "jq not installed"
T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
jq '.tables.Interface.columns.mtu_request.type.key.maxInteger = 8000' \
    /usr/share/openvswitch/vswitch.ovsschema >"$T_DIR/vswitch.ovsschema"
export OVS_SCHEMA=$T_DIR/vswitch.ovsschema
sandbox_start "xh$ID"
unset OVS_SCHEMA
NS=$XOVS_NETNS
RUNDIR=$OVS_RUNDIR
unset XOVS_NETNS OVS_RUNDIR OVS_DBDIR OVS_LOGDIR
agent_start

net_field() {
    xovs --json network-list uuid="$1" | jq -r ".[0][\"$2\"]"
}
# shellcheck disable=SC2317 # run by wait_until
net_status_is() {
    [[ $(net_field "$1" status) == "$2" ]]
}

good=$(xovs network-create name-label=good)
gbr=$(network_bridge "$good")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
vif_attach g1 1 0 "$good" >/dev/null
vif_attach g2 2 0 "$good" >/dev/null
wait_port vif1.0 "$gbr"
wait_port vif2.0 "$gbr"
jumbo=$(xovs network-create name-label=jumbo MTU=9000)
jbr=$(network_bridge "$jumbo")
wait_until 10 net_status_is "$jumbo" error || fail "network jumbo: status $(net_field "$jumbo" status)"
err=$(net_field "$jumbo" error)
[[ $err == *"refused"* ]] || fail "jumbo's error does not say OVSDB refused it: $err"
! vsctl br-exists "$jbr" || fail "bridge $jbr exists, but OVSDB must have refused it"
wait_until 10 net_status_is "$good" applied || fail "network good: status $(net_field "$good" status)"
expect_ping g1 198.18.0.2
log "ok: jumbo in error ($err), good applied"

log "agent stopped; $gbr deleted by hand; restart: one transaction for both"
agent_stop
vsctl del-br "$gbr"
lines=$(wc -l <"$T_DIR/agent.log")
agent_start
wait_port vif1.0 "$gbr"
wait_port vif2.0 "$gbr"
expect_ping g1 198.18.0.2
wait_until 10 net_status_is "$jumbo" error || fail "network jumbo: status $(net_field "$jumbo" status)"
wait_until 10 net_status_is "$good" applied || fail "network good: status $(net_field "$good" status)"
tail -n +$((lines + 1)) "$T_DIR/agent.log" | grep -q "trying them in halves" ||
    fail "agent.log shows no bisection of the refused transaction"
log "ok: the refused rows were isolated, the rest applied"

log "MTU 1500 on jumbo: applied"
xovs network-param-set uuid="$jumbo" MTU=1500 >/dev/null
wait_until 10 vsctl br-exists "$jbr" || fail "bridge $jbr not created"
wait_until 10 net_status_is "$jumbo" applied || fail "network jumbo: status $(net_field "$jumbo" status) $(net_field "$jumbo" error)"
[[ -d /proc/$AGENT_PID ]] || fail "xovs-agent died"
pass
