#!/bin/bash
# Metrics for Prometheus (issue 15 item 9): the agent serves GET /metrics
# (--metrics=ADDR:PORT), and Debian's own prometheus, run in the host's
# namespace with a 1 s scrape interval, scrapes it while two xovs-guests
# (through xovs-netback) ping each other and a host behind the PIF eth1.
# Queries through prometheus's HTTP API must return the series with values
# above 0: OVS's counters and rates for the VIF and the PIF, netback's own
# counters for the VIF, and the agent's health (no reconcile lag, VIF
# records applied).  Bad input: another method, another path, an oversized
# request head each get their HTTP error and the agent serves on; a bad
# --metrics value stops the agent at start.  The endpoint on a unix socket
# answers too.  Before: the agent had no metrics at all.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

command -v prometheus >/dev/null || skip "prometheus not installed (Debian: prometheus)"
command -v curl >/dev/null || skip "curl not installed"

MADDR=198.18.99.1
MPORT=19101
PPORT=19090
PROM_PID=

# The endpoint's address is on the sandbox namespace's lo, which exists
# once nb_host_start made it: then the agent starts again with --metrics.
nb_host_start
ip -n "$NS" link set lo up
ip -n "$NS" addr add "$MADDR/32" dev lo
nb_netback_stop
agent_stop
AGENT_EXTRA_ARGS=(--metrics="$MADDR:$MPORT")
agent_start
nb_netback_start

# shellcheck disable=SC2317 # also run by cleanup() (CLEAN_HOOKS)
prom_stop() {
    [[ -n $PROM_PID ]] || return 0
    nb_stop_pid "$PROM_PID"
    PROM_PID=
}
CLEAN_HOOKS+=(prom_stop)

log "bad --metrics values stop the agent at start"
rc=0
err=$(ip netns exec "$NS" "$XOVS_BIN/xovs-agent" --ovsdb="$OVSDB" \
    --store="$T_DIR/other.json" --rpc="unix:$T_DIR/other.sock" \
    --rpc-internal= --unixctl="$T_DIR/other.ctl" --metrics=9100 2>&1) || rc=$?
[[ $rc -ne 0 && $err == *'--metrics: "9100" is not ADDR:PORT or unix:PATH'* ]] ||
    fail "--metrics=9100: exit $rc, '$err'"
log "ok: $err"

log "traffic: guests ga, gb on the PIF's network, host h1 behind eth1"
switch_start
xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
net=$(xovs pif-list uuid="$pif" params=network-uuid --minimal)
xovs pif-plug uuid="$pif" >/dev/null
br=$(network_bridge "$net")
wait_port eth1 "$br"
switch_host h1 - 198.18.0.9/24
nb_guest ga 1 0 "$net" 198.18.0.1/24
nb_guest gb 2 0 "$net" 198.18.0.2/24
expect_ping ga 198.18.0.2
expect_ping ga 198.18.0.9
nb_gexec_bg ga ping -q -i 0.05 -c 600 198.18.0.2 >/dev/null 2>&1
nb_gexec_bg gb ping -q -i 0.05 -c 600 198.18.0.9 >/dev/null 2>&1

log "prometheus scrapes $MADDR:$MPORT every second"
mkdir -p "$T_DIR/prom"
cat >"$T_DIR/prom.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: xovs
    static_configs:
      - targets: ['$MADDR:$MPORT']
EOF
ip netns exec "$NS" prometheus --config.file="$T_DIR/prom.yml" \
    --storage.tsdb.path="$T_DIR/prom" --web.listen-address="$MADDR:$PPORT" \
    >"$T_DIR/prometheus.log" 2>&1 &
PROM_PID=$!

# promql QUERY: the values of QUERY's series, one a line, from prometheus's
# HTTP API.
promql() {
    ip netns exec "$NS" curl -sf --max-time 5 \
        "http://$MADDR:$PPORT/api/v1/query" --data-urlencode "query=$1" |
        python3 -c 'import json, sys
r = json.load(sys.stdin)
assert r["status"] == "success", r
for s in r["data"]["result"]:
    print(s["value"][1])'
}
# positive QUERY: QUERY returns one series with a value > 0.
# shellcheck disable=SC2317 # run by wait_until
positive() {
    local v
    v=$(promql "$1") || return 1
    [[ $(wc -l <<<"$v") -eq 1 ]] || return 1
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)' "$v"
}
# expect_positive QUERY: within 40 s.
expect_positive() {
    wait_until 40 positive "$1" ||
        fail "prometheus: $1 -> '$(promql "$1" 2>&1 | tr '\n' ' ')' (want one series > 0)"
    log "ok: $1 = $(promql "$1")"
}

wait_until 30 promql 'up{job="xovs"}' || fail "prometheus does not answer: $(tail -n 5 "$T_DIR/prometheus.log")"
expect_positive 'up{job="xovs"}'
expect_positive 'xovs_port_rx_packets_total{port="vif1.0",kind="vif"}'
expect_positive 'xovs_port_tx_bytes_total{port="vif2.0",kind="vif"}'
expect_positive 'xovs_port_rx_packets_total{port="eth1",kind="pif"}'
expect_positive 'xovs_port_rx_packets_per_second{port="vif1.0"}'
expect_positive 'xovs_port_tx_bits_per_second{port="eth1"}'
expect_positive 'rate(xovs_port_rx_packets_total{port="vif2.0"}[10s])'
expect_positive 'xovs_netback_tx_packets_total{vif="vif1.0"}'
expect_positive 'xovs_netback_rx_packets_total{vif="vif2.0"}'
expect_positive 'xovs_agent_records{kind="vif",status="applied"} == 2'
expect_positive 'xovs_agent_rpc_requests_total'
[[ $(promql 'xovs_agent_reconcile_lag_seconds') == 0 ]] ||
    fail "reconcile lag: $(promql 'xovs_agent_reconcile_lag_seconds')"
[[ $(promql 'xovs_netback_drops_total{vif="vif1.0"}') == 0 ]] ||
    fail "netback drops for vif1.0: $(promql 'xovs_netback_drops_total{vif="vif1.0"}')"
log "ok: no reconcile lag, no netback drops"

log "bad requests get HTTP errors; the endpoint serves on"
# http_status ARGS...: the status code curl gets from the endpoint.
http_status() {
    ip netns exec "$NS" curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"
}
[[ $(http_status -X POST "http://$MADDR:$MPORT/metrics") == 405 ]] || fail "POST not 405"
[[ $(http_status "http://$MADDR:$MPORT/etc/passwd") == 404 ]] || fail "other path not 404"
big=$(head -c 9000 /dev/zero | tr '\0' a)
[[ $(http_status -H "X-Big: $big" "http://$MADDR:$MPORT/metrics") == 431 ]] ||
    fail "oversized request head not 431"
printf 'garbage\r\n\r\n' | ip netns exec "$NS" timeout 5 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(sys.stdin.buffer.read())
r = s.recv(100).decode()
assert r.startswith("HTTP/1.1 400"), r
' "$MADDR" "$MPORT" || fail "garbage request not 400"
[[ $(http_status "http://$MADDR:$MPORT/metrics") == 200 ]] || fail "endpoint gone after bad requests"
[[ -d /proc/$AGENT_PID ]] || fail "xovs-agent died"
log "ok: 405, 404, 431, 400, then 200"
prom_stop

log "the endpoint on a unix socket"
agent_stop
AGENT_EXTRA_ARGS=(--metrics="unix:$T_DIR/metrics.sock")
agent_start
wait_until 10 test -S "$T_DIR/metrics.sock" || fail "no metrics socket"
out=$(curl -sf --max-time 5 --unix-socket "$T_DIR/metrics.sock" http://localhost/metrics)
grep -q '^# TYPE xovs_port_rx_packets_total counter$' <<<"$out" ||
    fail "unix endpoint: no xovs_port_rx_packets_total family"
grep -q '^xovs_agent_records{kind="vif",status="applied"} 2$' <<<"$out" ||
    fail "unix endpoint: $(grep xovs_agent_records <<<"$out")"
log "ok: unix:$T_DIR/metrics.sock serves the metrics"
pass
