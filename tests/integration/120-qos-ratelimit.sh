#!/bin/bash
# xovs-test: alone
# A VIF's XenServer QoS fields limit its traffic, live: qos_algorithm_type=
# ratelimit with qos_algorithm_params:kbps=R caps what the guest sends (an
# OpenFlow meter plus Interface ingress_policing_rate), qos_algorithm_params:
# kbps-rx=R what it receives (an xovs-owned linux-htb QoS row on its port).
# Guest g1 sends UDP to g2 at an offered 30 Mbit/s for 4 s; what g2 receives
# (Ethernet frames, what both limits count) must be within 10% of each limit
# set: 10 Mbit/s, then 20 after a vif-param-set, in each direction, and well
# above 20 once the type is cleared.  The ports are never replugged (same
# Interface rows and port numbers throughout), and a cleared limit leaves no
# QoS or Queue row behind; a QoS row someone else put on a port is left
# alone.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v iperf3 >/dev/null || skip "iperf3 not installed"
host_start

net=$(xovs network-create name-label=qos)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
v1=$(vif_attach g1 1 0 "$net" qos_algorithm_type=ratelimit \
    qos_algorithm_params:kbps=10000)
v2=$(vif_attach g2 2 0 "$net")
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
expect_ping g1 198.18.0.2

PAYLOAD=1400
FRAME=$((PAYLOAD + 8 + 20 + 14)) # UDP, IPv4, Ethernet

SERVER_PID=
# shellcheck disable=SC2317 # run by cleanup()
stop_server() {
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
}
CLEAN_HOOKS+=(stop_server)
# ip netns exec, not the gexec function: $! must be iperf3's own pid
# (a function in the background is a subshell, and killing it left the
# server running).
ip netns exec "$(gns g2)" iperf3 -s -J -B 198.18.0.2 >"$T_DIR/iperf3-server.json" 2>&1 &
SERVER_PID=$!
# shellcheck disable=SC2317 # run by wait_until
listening() {
    gexec g2 ss -Hltn 'sport = :5201' | grep -q .
}
wait_until 5 listening || fail "iperf3 server on g2 does not listen"

# udp_rate: 4 s of UDP g1 -> g2 offered at 30 Mbit/s; prints what g2
# received in Mbit/s of Ethernet frames.
udp_rate() {
    local out=$T_DIR/iperf3-udp.json
    gexec g1 timeout 20 iperf3 -c 198.18.0.2 -u -b 30M -l "$PAYLOAD" -t 4 \
        --get-server-output -J >"$out" 2>&1 ||
        fail "iperf3 -u g1 -> g2 failed: $(grep -m1 '"error"' "$out")"
    python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["server_output_json"]["end"]["sum_received"]
print("%.2f" % (s["bytes"] * int(sys.argv[3]) / int(sys.argv[2]) * 8
                / s["seconds"] / 1e6))' "$out" "$PAYLOAD" "$FRAME"
}

# expect_rate WHAT LIMIT: the measured rate is within 10% of LIMIT Mbit/s.
expect_rate() {
    local rate
    sleep 1 # the agent applies within a second
    rate=$(udp_rate)
    log "$1: received $rate Mbit/s (limit $2)"
    python3 -c 'import sys; r, l = map(float, sys.argv[1:]); sys.exit(abs(r - l) > l / 10)' \
        "$rate" "$2" || fail "$1: $rate Mbit/s is not within 10% of $2"
}

# expect_unlimited WHAT: well above 20 Mbit/s (the offered 30 gets through).
expect_unlimited() {
    local rate
    sleep 1
    rate=$(udp_rate)
    log "$1: received $rate Mbit/s (no limit)"
    python3 -c 'import sys; sys.exit(float(sys.argv[1]) < 26)' "$rate" ||
        fail "$1: only $rate Mbit/s without a limit"
}

ports_id() {
    echo "$(vsctl get Interface vif1.0 _uuid ofport) $(vsctl get Interface vif2.0 _uuid ofport)"
}
ids=$(ports_id)

[[ $(vsctl get Interface vif1.0 ingress_policing_rate) == 10000 ]] ||
    fail "vif1.0 ingress_policing_rate is not 10000"
expect_rate "g1 sends, kbps=10000" 10
xovs vif-param-set uuid="$v1" qos_algorithm_params:kbps=20000 >/dev/null
expect_rate "g1 sends, kbps=20000 (changed live)" 20
[[ $(vsctl get Interface vif1.0 ingress_policing_rate) == 20000 ]] ||
    fail "vif1.0 ingress_policing_rate did not follow to 20000"
xovs vif-param-set uuid="$v1" qos_algorithm_type= >/dev/null
expect_unlimited "g1 sends, type cleared"
[[ $(vsctl get Interface vif1.0 ingress_policing_rate) == 0 ]] ||
    fail "vif1.0 ingress_policing_rate not cleared"

xovs vif-param-set uuid="$v2" qos_algorithm_type=ratelimit \
    qos_algorithm_params:kbps-rx=10000 >/dev/null
expect_rate "g2 receives, kbps-rx=10000" 10
qos=$(vsctl get Port vif2.0 qos)
[[ $(vsctl get QoS "$qos" type | tr -d '"') == linux-htb ]] || fail "QoS of vif2.0 is not linux-htb"
[[ $(vsctl get QoS "$qos" external_ids:xovs-owner | tr -d '"') == xovs-agent ]] ||
    fail "QoS row of vif2.0 carries no xovs ownership mark"
xovs vif-param-set uuid="$v2" qos_algorithm_params:kbps-rx=20000 >/dev/null
expect_rate "g2 receives, kbps-rx=20000 (changed live)" 20
xovs vif-param-set uuid="$v2" qos_algorithm_params:kbps-rx= \
    qos_algorithm_params:kbps=5000 >/dev/null
expect_unlimited "g2 receives, kbps-rx removed (kbps=5000 limits only what g2 sends)"
[[ $(vsctl get Port vif2.0 qos) == "[]" ]] || fail "vif2.0 still has a QoS row"
[[ -z $(vsctl --columns=_uuid list QoS) && -z $(vsctl --columns=_uuid list Queue) ]] ||
    fail "QoS/Queue rows left behind: $(vsctl list QoS)"
log "ok: no QoS or Queue row left after the limit was cleared"

[[ $(ports_id) == "$ids" ]] || fail "ports were replugged: $ids -> $(ports_id)"
log "ok: vif1.0 and vif2.0 kept their Interface rows and port numbers"

log "a QoS row xovs did not create stays on its port"
vsctl -- set Port vif1.0 qos=@q -- --id=@q create QoS type=linux-htb \
    other_config:max-rate=7000000 >/dev/null
xovs vif-param-set uuid="$v1" qos_algorithm_type=ratelimit \
    qos_algorithm_params:kbps-rx=10000 >/dev/null
sleep 2
[[ $(vsctl get QoS "$(vsctl get Port vif1.0 qos)" other_config:max-rate | tr -d '"') == 7000000 ]] ||
    fail "xovs changed a QoS row it did not create"
[[ $(vsctl get QoS "$(vsctl get Port vif1.0 qos)" external_ids) == "{}" ]] ||
    fail "xovs marked a QoS row it did not create"
log "ok: the foreign QoS row on vif1.0 is untouched"
pass
