#!/bin/bash
# Drift and restarts: OVS's configuration (bridges, ports, interfaces,
# external_ids, the agent's flows) is captured after setup and must come out
# the same -- no duplicates, no manual step -- after
#   1. a VIF's port is deleted by hand (back within 2 s, repair logged),
#   2. xovs-agent restarts on the same store,
#   3. ovsdb-server restarts,
#   4. ovs-vswitchd restarts (which forgets all flows).
# After each, the guests still ping and the locked guest is still locked.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start
switch_host h10 10 198.18.10.2/24

log "setup: internal network with a locked and an unlocked guest, VLAN 10 on eth1"
net=$(xovs network-create name-label=internal)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
ip -n "$(gns g1)" addr add 198.18.0.99/24 dev eth0
vif_attach g1 1 0 "$net" locking-mode=locked ipv4-allowed=198.18.0.1 >/dev/null
vif_attach g2 2 0 "$net" >/dev/null
xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
xovs pif-plug uuid="$pif" >/dev/null
net10=$(xovs network-create name-label=vlan10)
xovs vlan-create pif-uuid="$pif" network-uuid="$net10" vlan=10 >/dev/null
ensure_plugged "$(xovs pif-list network-uuid="$net10" params=uuid --minimal)"
br10=$(network_bridge "$net10")
guest_add g3 3 0 198.18.10.1/24
vif_attach g3 3 0 "$net10" >/dev/null
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
wait_port eth1 xenbr1
wait_port vif3.0 "$br10"

check_traffic() {
    expect_ping g1 198.18.0.2
    expect_ping g2 198.18.0.1
    expect_no_ping g1 -I 198.18.0.99 198.18.0.2
    expect_ping g3 198.18.10.2
}
check_traffic

# Settle: two equal snapshots in a row.
want=$T_DIR/state.want
ovs_state >"$want"
for ((i = 0; i < 20; i++)); do
    sleep 0.5
    ovs_state >"$want.2"
    cmp -s "$want" "$want.2" && break
    mv "$want.2" "$want"
done
grep -q '^flow,' "$want" || fail "no flows with the agent's cookie after setup"
log "captured OVS state: $(grep -c '^bridge,' "$want") bridges, $(grep -c '^port,' "$want") ports, $(grep -c '^flow,' "$want") agent flows"
[[ -z $(ovs_dups) ]] || fail "duplicates right after setup: $(ovs_dups)"

# deleted_port_comes_back PORT BRIDGE
deleted_port_comes_back() {
    local port=$1 bridge=$2 lines start
    lines=$(wc -l <"$T_DIR/agent.log")
    log "ovs-vsctl del-port $port"
    vsctl del-port "$port"
    start=$(date +%s%N)
    wait_until 2 bash -c "[[ \$(ip netns exec '$NS' ovs-vsctl --db='$OVSDB' port-to-br '$port') == '$bridge' ]]" ||
        fail "$port not back on $bridge within 2 s"
    log "ok: $port back on $bridge after $((($(date +%s%N) - start) / 1000000)) ms"
    wait_until 5 bash -c "tail -n +$((lines + 1)) '$T_DIR/agent.log' | grep -qiE 'repair|drift|restor'" ||
        fail "agent.log says nothing about repairing $port"
    log "ok: agent.log: $(tail -n +$((lines + 1)) "$T_DIR/agent.log" | grep -iE 'repair|drift|restor' | head -n1)"
}

deleted_port_comes_back vif1.0 "$br"
expect_same_state "$want" "deleting vif1.0 by hand"
check_traffic

log "restarting xovs-agent on the same store"
agent_stop
agent_start
expect_same_state "$want" "an agent restart"
check_traffic

log "restarting ovsdb-server"
"$SANDBOX" restart-ovsdb "$NS"
expect_same_state "$want" "an ovsdb-server restart"
check_traffic
deleted_port_comes_back vif2.0 "$br"
expect_same_state "$want" "deleting vif2.0 after the ovsdb-server restart"

log "restarting ovs-vswitchd (all flows are lost with it)"
"$SANDBOX" restart-vswitchd "$NS"
expect_same_state "$want" "an ovs-vswitchd restart"
check_traffic

[[ -d /proc/$AGENT_PID ]] || fail "xovs-agent died"
pass
