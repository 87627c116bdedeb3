#!/bin/bash
# Flow export: sFlow configured pool-wide (xovs pool-param-set
# other-config:sflow-*, with the network overriding the sampling rate),
# IPFIX and NetFlow on the network (network other-config:ipfix-* /
# netflow-*) reach a collector in a namespace of their own
# (tests/integration/flowcol.py decodes sFlow v5, IPFIX and NetFlow v5).
# g1 sends 200 UDP datagrams to g2 with sampling 1 (every packet): the
# collector must see, for 198.18.0.1 -> 198.18.0.2, about 200 sFlow flow
# samples at sampling rate 1, interface counters for vif1.0 of at least
# 200 packets, and IPFIX and NetFlow records adding up to about 200
# packets.  The OVS rows are xovs's (marked); removing the settings
# removes them, and an sFlow row someone else put on the bridge is left
# alone.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

FLOWCOL=$TOP/tests/integration/flowcol.py
host_start

net=$(xovs network-create name-label=fx)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
vif_attach g1 1 0 "$net" >/dev/null
vif_attach g2 2 0 "$net" >/dev/null
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
expect_ping g1 198.18.0.2

log "collector namespace: 198.18.5.2, reached from the host as 198.18.5.1"
col=$(gns col)
CLEAN_NETNS+=("$col")
ip netns add "$col"
ip -n "$col" link set lo up
ip link add fc$ID netns "$NS" type veth peer name eth0 netns "$col"
ip -n "$NS" addr add 198.18.5.1/24 dev fc$ID
ip -n "$NS" link set fc$ID up
ip -n "$col" addr add 198.18.5.2/24 dev eth0
ip -n "$col" link set eth0 up
wait_until 5 ip netns exec "$NS" ping -c1 -W1 198.18.5.2 || fail "collector namespace unreachable"

# The collector listens before anything is exported: IPFIX templates go
# out with the first records (IPv6 solicitations of the guests, perhaps).
COL_PID=
# shellcheck disable=SC2317 # run by cleanup()
stop_col() {
    [[ -n $COL_PID ]] && kill "$COL_PID" 2>/dev/null
    wait "$COL_PID" 2>/dev/null
    COL_PID=
}
CLEAN_HOOKS+=(stop_col)
out=$T_DIR/flows.json
ip netns exec "$col" python3 "$FLOWCOL" 198.18.5.2 60 "$out" 6343 4739 2055 \
    198.18.0.1 198.18.0.2 &
COL_PID=$!
wait_until 10 test -e "$out.ready" || fail "the collector did not start"

xovs pool-param-set other-config:sflow-targets=198.18.5.2:6343 \
    other-config:sflow-sampling=1000 other-config:sflow-polling=1 >/dev/null
xovs network-param-set uuid="$net" other-config:sflow-sampling=1 \
    other-config:ipfix-targets=198.18.5.2:4739 other-config:ipfix-sampling=1 \
    other-config:ipfix-cache-active-timeout=2 \
    other-config:netflow-targets=198.18.5.2:2055 \
    other-config:netflow-active-timeout=1 >/dev/null

# shellcheck disable=SC2317 # run by wait_until
rows_in_place() {
    local s
    s=$(vsctl get Bridge "$br" sflow) && [[ $s != "[]" ]] &&
        [[ $(vsctl get sFlow "$s" sampling) == 1 ]] &&
        [[ $(vsctl get sFlow "$s" polling) == 1 ]] &&
        [[ $(vsctl get Bridge "$br" ipfix) != "[]" ]] &&
        [[ $(vsctl get Bridge "$br" netflow) != "[]" ]]
}
wait_until 10 rows_in_place || fail "flow export rows not in OVS: $(vsctl list Bridge "$br")"
for t in sFlow IPFIX NetFlow; do
    [[ $(vsctl get "$t" "$(vsctl get Bridge "$br" "${t,,}")" external_ids:xovs-owner |
        tr -d '"') == xovs-agent ]] || fail "$t row has no xovs ownership mark"
    log "ok: $t row: $(vsctl get "$t" "$(vsctl get Bridge "$br" "${t,,}")" targets)"
done
sleep 1 # ovs-vswitchd reconfigures

log "g1 sends 200 UDP datagrams to g2"
gexec g1 python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(200):
    s.sendto(b"x" * 200, ("198.18.0.2", 5555))
    time.sleep(0.005)'
sleep 6 # counter polling (1 s), IPFIX cache (2 s) and NetFlow (1 s) timeouts
touch "$out.stop"
wait "$COL_PID" || fail "the collector failed"
COL_PID=
log "collector: $(cat "$out")"
ifindex=$(ip netns exec "$NS" cat /sys/class/net/vif1.0/ifindex)
python3 - "$out" "$ifindex" <<'PY' || fail "the collector did not get the expected counters"
import json, sys
r = json.load(open(sys.argv[1]))
sf, ip, nf = r["sflow"], r["ipfix"], r["netflow"]
ok = True
def check(what, cond):
    global ok
    print("[122-flow-export] %s: %s" % ("ok" if cond else "WRONG", what))
    ok = ok and cond
check("no undecodable datagram", sf["errors"] + ip["errors"] + nf["errors"] == 0)
check("sFlow: flow samples at rate 1 (network overrides pool's 1000)",
      sf["sampling_rates"] == [1])
check("sFlow: 190..200 samples of g1 -> g2 (%d)" % sf["samples"],
      190 <= sf["samples"] <= 200)
check("sFlow: vif1.0 (ifIndex %s) counters show >= 200 packets in (%s)"
      % (sys.argv[2], sf["in_ucast"].get(sys.argv[2])),
      sf["in_ucast"].get(sys.argv[2], 0) >= 200)
check("IPFIX: templates and 190..200 packets of g1 -> g2 (%d)" % ip["packets"],
      ip["templates"] > 0 and 190 <= ip["packets"] <= 200)
check("NetFlow: 190..200 packets of g1 -> g2 (%d)" % nf["packets"],
      190 <= nf["packets"] <= 200)
sys.exit(0 if ok else 1)
PY

log "removing the settings removes the rows"
xovs pool-param-set other-config:sflow-targets= >/dev/null
xovs network-param-set uuid="$net" other-config:ipfix-targets= \
    other-config:netflow-targets= >/dev/null
# shellcheck disable=SC2317 # run by wait_until
rows_gone() {
    [[ $(vsctl get Bridge "$br" sflow) == "[]" && $(vsctl get Bridge "$br" ipfix) == "[]" &&
        $(vsctl get Bridge "$br" netflow) == "[]" && -z $(vsctl --columns=_uuid list sFlow) &&
        -z $(vsctl --columns=_uuid list IPFIX) && -z $(vsctl --columns=_uuid list NetFlow) ]]
}
wait_until 10 rows_gone || fail "flow export rows left: $(vsctl list Bridge "$br")"

log "an sFlow row xovs did not create stays"
vsctl -- --id=@s create sFlow targets='"198.18.5.2:7000"' sampling=64 \
    -- set Bridge "$br" sflow=@s >/dev/null
xovs pool-param-set other-config:sflow-targets=198.18.5.2:6343 >/dev/null
sleep 2
[[ $(vsctl get sFlow "$(vsctl get Bridge "$br" sflow)" targets) == '["198.18.5.2:7000"]' ]] ||
    fail "xovs replaced an sFlow row it did not create"
grep -q "not setting sflow of $br" "$T_DIR/agent.log" ||
    fail "the agent did not log why it left the sFlow row"
log "ok: the foreign sFlow row is untouched, and the agent says why"
pass
