#!/bin/bash
# Tunnels and mirrors survive an agent restart: the store keeps the
# records (tunnel-list and mirror-list show the same), and the restarted
# agent finds OVS as it wants it (same bridges, ports, tunnel interfaces);
# it keeps its mirror and a controller's mirror; an ovs-vswitchd restart
# brings the tunnel interfaces and the transport address back.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
peer=$(gns nic)
CLEAN_NETNS+=("$peer")
ip netns add "$peer"
"$SANDBOX" link "$NS" eth1 "$peer" eth0
xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
ensure_plugged "$pif"
net=$(xovs network-create name-label=overlay MTU=1458)
xovs tunnel-create pif-uuid="$pif" network-uuid="$net" \
    remotes=198.18.0.2,198.18.0.3 transport-address=198.18.0.1/24 key=7 >/dev/null
guest_add g1 1 0 198.19.1.1/24 1458
guest_add g2 2 0 198.19.1.2/24 1458
v1=$(vif_attach g1 1 0 "$net")
v2=$(vif_attach g2 2 0 "$net")
mirror=$(xovs mirror-create vif-uuids="$v1" output-vif-uuid="$v2")
br=$(network_bridge "$net")
wait_port tunnel0.1 "$br"
wait_until 10 bash -c "ip netns exec $NS ovs-vsctl --db=$OVSDB --bare --columns=name list Mirror | grep -q xovs-mirror-$mirror" ||
    fail "no OVS Mirror for $mirror"
vsctl -- --id=@p get Port vif2.0 \
    -- --id=@m create Mirror name=controller-mirror select_src_port=@p output_vlan=99 \
    -- add Bridge "$br" mirrors @m >/dev/null

records() {
    xovs tunnel-list params=uuid,access-PIF,transport-PIF,protocol,key,remotes,transport-address,network-uuid
    xovs mirror-list params=uuid,network-uuid,vif-uuids,output-vif-uuid,output-vlan
}
mirrors() {
    vsctl --format=csv --data=bare --no-headings --columns=name,external_ids,output_vlan list Mirror | LC_ALL=C sort
}
want=$T_DIR/want
records >"$want.records"
sleep 1
ovs_state >"$want"
mirrors >"$want.mirrors"
[[ $(wc -l <"$want.mirrors") -eq 2 ]] || fail "expected 2 mirrors: $(cat "$want.mirrors")"

agent_stop
agent_start
records >"$T_DIR/records.after"
cmp -s "$want.records" "$T_DIR/records.after" || {
    diff -u "$want.records" "$T_DIR/records.after" | sed "s/^/[$TEST_NAME] | /"
    fail "tunnel or mirror records changed over the restart"
}
log "ok: the store gave back the tunnel and the mirror"
expect_same_state "$want" "an agent restart"
for ((i = 0; i < 50; i++)); do
    mirrors >"$T_DIR/mirrors.after"
    cmp -s "$want.mirrors" "$T_DIR/mirrors.after" && break
    sleep 0.2
done
cmp -s "$want.mirrors" "$T_DIR/mirrors.after" || fail "mirrors differ after the restart: $(mirrors)"
log "ok: both mirrors (xovs's and the controller's) are as they were"

"$SANDBOX" restart-vswitchd "$NS" >/dev/null
wait_port tunnel0.0 "$br"
wait_until 15 bash -c "ip -n $NS -4 addr show dev xenbr1 | grep -q 198.18.0.1/24" ||
    fail "the transport address did not come back after ovs-vswitchd restarted"
expect_same_state "$want" "an ovs-vswitchd restart"
log "ok: after an ovs-vswitchd restart the tunnel interfaces and the transport address are back"
pass
