#!/bin/bash
# xovs-test: alone
# Multi-queue DPDK VIFs.  Guests ga and gb connect with 4 queues to
# net_xovs ports: netback hands every queue over (one QUEUE message each,
# vif-backend/dpdk/handoff.h), the port offers OVS 4 rx queues
# (options:n_rxq=4: pmd-rxq-show lists queues 0-3 of each port), and 16
# TCP flows ga -> gb use every ring of ga (the guest's view, its per-ring
# counters) and every rx queue of the port (OVS's rx_qN_packets, the
# driver's per-queue counters); frames to gb are spread over its rings by
# their flow hash.  A one-queue guest gc shares the bridge.
#
# Then a hostile netback (handoff-client.py) on a spare port of gc's
# domain: a wrong protocol version, 17 queues, queues out of order, a
# queue without its fds, and a bad ring grant on queue 1 are each refused
# with their reason, in the reply and in ovs-vswitchd's log; that port
# stays down and every guest keeps talking.
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

command -v iperf3 >/dev/null || skip "iperf3 not installed (scripts/setup)"
dpdk_host_start
dpdk_guest ga 1 0 198.18.0.1/24 --queues=4
dpdk_guest gb 2 0 198.18.0.2/24 --queues=4
dpdk_guest gc 3 0 198.18.0.3/24

grep -q "^  queues: 4," <<<"$(nb_appctl vif/show vif1.0)" ||
    fail "netback did not connect 4 queues of vif1.0: $(nb_appctl vif/show vif1.0 | grep queues:)"
for v in 1 2; do
    grep -q "net_xovs_${v}_0: attached: 4 queue(s)" "$RUNDIR/ovs-vswitchd.log" ||
        fail "net_xovs_${v}_0 did not take 4 queues: $(grep "net_xovs_${v}_0" "$RUNDIR/ovs-vswitchd.log" | tail -n 3)"
done
log "ok: netback handed 4 queues of vif1.0 and vif2.0 to net_xovs"

vsctl set interface vif1.0 options:n_rxq=4 -- set interface vif2.0 options:n_rxq=4
# shellcheck disable=SC2317 # run by wait_until
rxqs_shown() {
    local show
    show=$(happctl dpif-netdev/pmd-rxq-show)
    for v in vif1.0 vif2.0; do
        for q in 0 1 2 3; do
            grep -Eq "port: $v +queue-id: +$q " <<<"$show" || return 1
        done
    done
}
wait_until 30 rxqs_shown ||
    fail "pmd-rxq-show does not list queues 0-3 of vif1.0 and vif2.0: $(happctl dpif-netdev/pmd-rxq-show)"
happctl dpif-netdev/pmd-rxq-show | grep 'port: vif' | sed "s/^/[$TEST_NAME]   /"
dpdk_wait_attached 1 0
dpdk_wait_attached 2 0
log "ok: OVS polls 4 rx queues of each port"

expect_ping ga 198.18.0.2
expect_ping gc 198.18.0.1

# rxq_packets VIF Q: OVS's rx_qQ_packets of VIF (net_xovs's counter).
rxq_packets() {
    local v
    v=$(vsctl get interface "$1" "statistics:rx_q$2_packets" 2>/dev/null) || v=0
    echo "${v//\"/}"
}
declare -A before=() rxq0=()
for g in ga gb; do
    before[$g]=$(nb_guest_rings "$g")
done
for q in 0 1 2 3; do
    rxq0[$q]=$(rxq_packets vif1.0 "$q")
done
nb_gexec_bg gb iperf3 -s -1 -B 198.18.0.2 >"$T_DIR/iperf3-server.log" 2>&1
spid=$NB_BG_PID
wait_until 10 grep -q listening "$T_DIR/iperf3-server.log" || true
gexec ga timeout 60 iperf3 -c 198.18.0.2 -P 16 -t 3 -J >"$T_DIR/iperf3.json" 2>&1 ||
    fail "iperf3 -P 16 ga -> gb failed: $(grep -m1 '"error"' "$T_DIR/iperf3.json")"
wait "$spid" 2>/dev/null || true
rate=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.1f" % (d["end"]["sum_received"]["bits_per_second"]/1e6))' "$T_DIR/iperf3.json")
log "iperf3 TCP, 16 flows ga -> gb through net_xovs, 3 s: $rate Mbit/s"

after=$(nb_guest_rings ga)
for q in 0 1 2 3; do
    tx=$(($(ring_field "$after" "$q" tx_packets) - $(ring_field "${before[ga]}" "$q" tx_packets)))
    ovs=$(($(rxq_packets vif1.0 "$q") - ${rxq0[$q]}))
    log "ring $q: ga sent $tx frames; OVS's rx queue $q of vif1.0 took $ovs"
    [[ $tx -gt 0 ]] || fail "ga sent nothing on ring $q"
    [[ $ovs -gt 0 ]] || fail "OVS received nothing on rx queue $q of vif1.0"
done
after=$(nb_guest_rings gb)
used=0
for q in 0 1 2 3; do
    rx=$(($(ring_field "$after" "$q" rx_packets) - $(ring_field "${before[gb]}" "$q" rx_packets)))
    log "ring $q: gb received $rx frames"
    [[ $rx -eq 0 ]] || used=$((used + 1))
done
[[ $used -ge 2 ]] || fail "frames to gb used $used of its 4 rings, want at least 2"
log "ok: 16 flows used all 4 queues of ga and $used rings of gb"

# A hostile netback on a spare port of domain 3 (gc's memory, devid 1).
vsctl add-port "$DPDK_BR" evil31 -- set interface evil31 type=dpdk \
    "options:dpdk-devargs=net_xovs_3_1,path=$DPDK_DIR/evil.sock"
wait_until 30 test -S "$DPDK_DIR/evil.sock" || fail "net_xovs_3_1 does not listen"
memfd=
for fd in /proc/"${GUEST_PID[gc]}"/fd/*; do
    [[ $(readlink "$fd") == /memfd:xovs-emu-dom3* ]] && memfd=$fd
done
[[ -n $memfd ]] || fail "no memfd of gc's memory"
fe=$(xs xenstore-read "$(be_path 3 0)/frontend")
txr=$(xs xenstore-read "$fe/tx-ring-ref")
rxr=$(xs xenstore-read "$fe/rx-ring-ref")
python3 "$TOP/tests/integration/handoff-client.py" "$DPDK_DIR/evil.sock" 3 1 \
    "$memfd" "$txr" "$rxr" >"$T_DIR/evil.out" 2>&1 ||
    fail "handoff-client.py failed: $(tail -n 3 "$T_DIR/evil.out")"
sed "s/^/[$TEST_NAME]   /" "$T_DIR/evil.out"
# expect_refused CASE REASON-REGEX
expect_refused() {
    local line
    line=$(grep "^$1 " "$T_DIR/evil.out")
    [[ $line =~ errno=([0-9]+) && ${BASH_REMATCH[1]} -ne 0 ]] ||
        fail "$1 was not refused: $line"
    grep -Eq "reason=.*$2" <<<"$line" || fail "$1: reason is not /$2/: $line"
    grep -Eq "net_xovs_3_1: hand-off refused: .*$2" "$RUNDIR/ovs-vswitchd.log" ||
        fail "$1: no 'hand-off refused: $2' line in ovs-vswitchd.log"
}
expect_refused old-version "protocol version 1, want 2"
expect_refused too-many-queues "17 queues, want 1 to 16"
expect_refused out-of-order "queue 1 of 2 where queue 0 was due"
expect_refused missing-fds "queue 0 with 2 fds, want 4"
expect_refused bad-grant "queue 1: rings refused"
[[ $(vsctl get interface evil31 link_state) == down ]] ||
    fail "the spare port is up after refused hand-offs"
log "ok: each bad hand-off refused with its reason; the spare port stays down"

kill -0 "$(dpdk_vswitchd_pid)" || fail "ovs-vswitchd-dpdk died"
expect_ping gc 198.18.0.1
expect_ping ga 198.18.0.2
dpdk_attached 3 0 || fail "vif3.0 lost its link"
log "ok: ovs-vswitchd and every guest unaffected"
pass
