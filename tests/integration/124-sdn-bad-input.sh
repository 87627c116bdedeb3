#!/bin/bash
# Bad input for QoS, IGMP snooping and flow export: every bad value of a
# VIF's qos_algorithm_type / qos_algorithm_params, of the network and pool
# other-config keys (mcast-snooping-enable, sflow-*, ipfix-*, netflow-*)
# and of pool-param-set is rejected whole with exit status 1 and a message
# naming the field, and changes nothing: the records (vif-list,
# network-list, pool-list) and OVS (bridges, ports, interfaces with their
# policing, QoS, flow export rows, flows) stay the same.  A store file with
# a bad QoS or pool value is refused at start-up naming the record and
# field.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start

net=$(xovs network-create name-label=bad other-config:sflow-targets=198.18.5.2:6343)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
vif=$(vif_attach g1 1 0 "$net" qos_algorithm_type=ratelimit \
    qos_algorithm_params:kbps=10000 qos_algorithm_params:kbps-rx=20000)
wait_port vif1.0 "$br"
xovs pool-param-set igmp-snooping-enabled=true \
    other-config:ipfix-targets=198.18.5.2:4739 >/dev/null
# shellcheck disable=SC2317 # run by wait_until
applied() {
    [[ $(vsctl get Port vif1.0 qos) != "[]" && $(vsctl get Bridge "$br" sflow) != "[]" &&
        $(vsctl get Bridge "$br" ipfix) != "[]" &&
        $(vsctl get Bridge "$br" mcast_snooping_enable) == true ]]
}
wait_until 10 applied || fail "the settings did not reach OVS"

# The records and OVS (one ovs-vsctl and one ovs-ofctl call each, so that
# the many cases stay quick).
snapshot() {
    xovs network-list --json
    xovs vif-list --json params=uuid,vm-uuid,domid,device,network-uuid,MAC,MTU,$(
        )locking-mode,ipv4-allowed,ipv6-allowed,currently-attached,other-config,$(
        )qos_algorithm_type,qos_algorithm_params,status,error
    xovs pool-list --json
    vsctl --format=csv --data=bare --no-headings \
        -- --columns=_uuid,name,external_ids,mcast_snooping_enable,other_config,sflow,ipfix,netflow list Bridge \
        -- --columns=_uuid,name,tag,external_ids,qos list Port \
        -- --columns=_uuid,name,mtu_request,external_ids,ingress_policing_rate,ingress_policing_burst list Interface \
        -- list QoS -- list Queue -- list sFlow -- list IPFIX -- list NetFlow
    hexec ovs-ofctl -O OpenFlow15 --no-stats dump-flows "$br" | grep -v xid | sort
    hexec ovs-ofctl -O OpenFlow15 dump-meters "$br" | grep -v xid
}
sleep 1
snapshot >"$T_DIR/before"

log "VIF QoS"
Q=qos_algorithm_params
reject '^.*qos_algorithm_type: ' vif-param-set uuid="$vif" qos_algorithm_type=token-bucket
reject "$Q:kbps: " vif-param-set uuid="$vif" $Q:kbps=fast
reject "$Q:kbps: " vif-param-set uuid="$vif" $Q:kbps=-1
reject "$Q:kbps: " vif-param-set uuid="$vif" $Q:kbps=0
reject "$Q:kbps: " vif-param-set uuid="$vif" $Q:kbps=100000001
reject "$Q:kbps-rx: " vif-param-set uuid="$vif" $Q:kbps-rx=1e6
reject "$Q:kbps-rx: " vif-param-set uuid="$vif" $Q:kbps-rx=" 100"
reject "$Q: unknown key" vif-param-set uuid="$vif" $Q:burst=100
reject "$Q: ratelimit needs" vif-param-set uuid="$vif" $Q:kbps= $Q:kbps-rx=
reject "$Q:kbps: " vif-param-set uuid="$vif" MTU=1400 locking-mode=locked \
    ipv4-allowed=198.18.0.1 $Q:kbps=-5
reject "$Q:kbps-rx: " vif-param-set uuid="$vif" qos_algorithm_type= $Q:kbps-rx=x
reject "$Q: ratelimit needs" vif-create vm-uuid="$(new_uuid)" domid=2 device=0 \
    network-uuid="$net" mac="$(guest_mac 2 0)" qos_algorithm_type=ratelimit
reject "$Q:kbps: " vif-create vm-uuid="$(new_uuid)" domid=2 device=0 \
    network-uuid="$net" mac="$(guest_mac 2 0)" qos_algorithm_type=ratelimit $Q:kbps=-1
reject 'qos_algorithm_type: ' vif-create vm-uuid="$(new_uuid)" domid=2 device=0 \
    network-uuid="$net" mac="$(guest_mac 2 0)" qos_algorithm_type=RATELIMIT $Q:kbps=100
usage_error vif-param-set uuid="$vif" qos_algorithm_params:=5
usage_error vif-plug uuid="$vif" $Q:kbps=100

log "network other-config: IGMP snooping and flow export"
O=other-config
for bad in "$O:mcast-snooping-enable=yes" \
    "$O:sflow-targets=198.18.5.2" "$O:sflow-targets=198.18.5.2:0" \
    "$O:sflow-targets=198.18.5.2:65536" "$O:sflow-targets=collector.example:6343" \
    "$O:sflow-targets=198.18.5.2:6343,,198.18.5.3:6343" \
    "$O:sflow-targets=[2001:db8::1]:6343,198.18.5.300:6343" \
    "$O:sflow-targets=2001:db8::1:6343" \
    "$O:sflow-targets=$(printf '198.18.5.2:%d,' 1 2 3 4 5 6 7 8 9)" \
    "$O:sflow-sampling=0" "$O:sflow-sampling=1000000001" \
    "$O:sflow-polling=0" "$O:sflow-polling=3601" \
    "$O:ipfix-targets=:4739" "$O:ipfix-sampling=-1" \
    "$O:ipfix-cache-active-timeout=-5" "$O:ipfix-cache-active-timeout=4201" \
    "$O:netflow-targets=198.18.5.2:x" "$O:netflow-active-timeout=-2" \
    "$O:netflow-active-timeout=86401"; do
    key=${bad%%=*}
    reject "$key: " network-param-set uuid="$net" "$bad"
done
# Rejected whole: the good parameters beside a bad one do not apply either.
for bad in "$O:mcast-snooping-enable=yes" "$O:sflow-targets=198.18.5.2:0" \
    "$O:netflow-active-timeout=-2"; do
    reject "${bad%%=*}: " network-param-set uuid="$net" name-label=renamed \
        "$O:ipfix-sampling=64" "$O:netflow-targets=198.18.5.2:2055" "$bad"
done
reject "$O:sflow-sampling: " network-create name-label=other "$O:sflow-sampling=0"

log "pool"
reject 'igmp-snooping-enabled: ' pool-param-set igmp-snooping-enabled=maybe
reject 'igmp-snooping-enabled: ' pool-param-set igmp-snooping-enabled=TRUE \
    "$O:sflow-sampling=64"
reject "$O:ipfix-sampling: " pool-param-set igmp-snooping-enabled=false "$O:ipfix-sampling=-1"
reject "$O:netflow-targets: " pool-param-set "$O:netflow-targets=198.18.5.2"
reject "$O:mcast-snooping-enable: " pool-param-set "$O:mcast-snooping-enable=1"
usage_error pool-param-set uuid="$(new_uuid)" igmp-snooping-enabled=true
usage_error pool-list params=nosuchfield

log "the store: a bad QoS or pool value is refused at start-up, naming it"
agent_stop
cp "$T_DIR/store.json" "$T_DIR/store.good"
for edit in \
    'd["vifs"][0]["qos_algorithm_params"]["kbps"] = "-1"' \
    'd["vifs"][0]["qos_algorithm_type"] = "fair"' \
    'd["pool"]["other_config"]["sflow-polling"] = "0"' \
    'd["pool"]["igmp_snooping_enabled"] = "yes"'; do
    python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
$edit
json.dump(d, open(sys.argv[1], 'w'))" "$T_DIR/store.json"
    rc=0
    ip netns exec "$NS" "$XOVS_BIN/xovs-agent" --ovsdb="$OVSDB" \
        --store="$T_DIR/store.json" --rpc="unix:$T_DIR/agent2.sock" \
        --log-file="$T_DIR/agent2.log" 2>"$T_DIR/agent2.err" & pid=$!
    wait_until 10 bash -c "! kill -0 $pid" || { kill "$pid"; fail "agent started on a bad store ($edit)"; }
    wait "$pid" || rc=$?
    [[ $rc -ne 0 ]] || fail "agent exited 0 on a bad store ($edit)"
    grep -qE 'qos_algorithm|sflow-polling|igmp_snooping_enabled' "$T_DIR/agent2.err" ||
        fail "agent's refusal does not name the field: $(cat "$T_DIR/agent2.err")"
    log "ok: store with $edit refused: $(grep -m1 -oE "(VIF|pool) .*" "$T_DIR/agent2.err")"
    cp "$T_DIR/store.good" "$T_DIR/store.json"
done
agent_start
sleep 2
snapshot >"$T_DIR/after"
cmp -s "$T_DIR/before" "$T_DIR/after" || {
    diff -u "$T_DIR/before" "$T_DIR/after" | head -30
    fail "the agent restarted on the good store changed something"
}
log "ok: the agent restarted on the good store and changed nothing"
pass
