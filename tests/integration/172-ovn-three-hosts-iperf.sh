#!/bin/bash
# xovs-test: alone=ovn
# Issue 14 (1): three hosts, a private pool network; VIFs on different
# hosts ping and pass iperf3 over Geneve.  scripts/ovn-sandbox with three
# hosts joined by their agents; xovs-controller holds the private network
# and one guest's VIF per host.  Asserts: every guest pings every other;
# the packets between hosts cross the underlay as Geneve
# (UDP 6081 between the hosts' encap addresses, seen on host 1's wire),
# and 3 s of iperf3 TCP from host 1 to host 2 and from host 3 to host 1
# move data (the rate is printed, not asserted).  The guests' MTU is 1400:
# Geneve adds 58 bytes and the underlay's is 1500, as an overlay network's
# MTU is set on a real pool.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

ovn_require
for p in iperf3 tcpdump python3; do
    command -v "$p" >/dev/null || skip "$p not installed"
done
ovn_start 3
ctl_start || fail "xovs-controller did not start"
ovn_hosts 3

priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
for i in 1 2 3; do
    hnet=$(xa "$i" network-create name-label=priv other-config:ovn-network="$priv") ||
        fail "network-create on host $i"
    place "g$i" "$i" "$i" "$hnet" "$priv" "198.18.6.$i/24"
    ip -n "$(gns "g$i")" link set eth0 mtu 1400
done
wait_bound g1 g2 g3
log "ok: g1, g2, g3 bound on hosts 1, 2, 3"

for a in 1 2 3; do
    for b in 1 2 3; do
        [[ $a == "$b" ]] && continue
        wait_until 60 gexec "g$a" ping -c 1 -W 1 "198.18.6.$b" ||
            fail "g$a (host $a) does not reach g$b (host $b): $(sbctl show)"
    done
done
log "ok: every guest pings every other"

log "the traffic between hosts is Geneve on the underlay"
ip netns exec "$OVN-h1" timeout 20 tcpdump -n -p -i eth0 -c 4 \
    "udp port 6081 and src host 198.18.100.11 and dst host 198.18.100.12" \
    >"$T_DIR/tcpdump.out" 2>"$T_DIR/tcpdump.err" &
TCPDUMP_PID=$!
OVN_PIDS+=("$TCPDUMP_PID")
wait_until 10 grep -q "listening" "$T_DIR/tcpdump.err" || true
gexec g1 ping -c 6 -i 0.2 -W 1 198.18.6.2 >/dev/null || fail "g1 -> g2 pings lost"
wait "$TCPDUMP_PID" || fail "no Geneve packets from host 1 to host 2 on the underlay: $(cat "$T_DIR/tcpdump.err")"
grep -q "198.18.100.11.* > 198.18.100.12.6081" "$T_DIR/tcpdump.out" ||
    fail "the captured packets are not Geneve to host 2: $(cat "$T_DIR/tcpdump.out")"
log "ok: $(grep -c . "$T_DIR/tcpdump.out") Geneve packets host 1 -> host 2 seen"

# iperf CLIENT SERVER: 3 s of TCP from guest CLIENT to guest SERVER; the
# Mbit/s received into RATE; fails the test if no data arrived.
RATE=
iperf() {
    local c=$1 s=$2 addr spid out
    addr=198.18.6.${s#g}
    ip netns exec "$(gns "$s")" iperf3 -s -1 -B "$addr" >"$T_DIR/iperf3-$s.log" 2>&1 &
    spid=$!
    OVN_PIDS+=("$spid")
    wait_until 10 grep -q "listening" "$T_DIR/iperf3-$s.log" || true
    out=$T_DIR/iperf3-$c-$s.json
    gexec "$c" timeout 30 iperf3 -c "$addr" -t 3 -J >"$out" 2>&1 ||
        fail "iperf3 $c -> $s failed: $(grep -m1 '"error"' "$out")"
    wait "$spid" || true
    RATE=$(python3 - "$out" <<'PY'

import json, sys
d = json.load(open(sys.argv[1]))
r = d["end"]["sum_received"]
if r["bytes"] <= 0:
    sys.exit(1)
print("%.1f Mbit/s, %d bytes" % (r["bits_per_second"] / 1e6, r["bytes"]))
PY
    ) || fail "iperf3 $c -> $s moved no data: $(head -c 300 "$out")"
}
iperf g1 g2
log "iperf3 TCP g1 (host 1) -> g2 (host 2), 3 s: $RATE"
iperf g3 g1
log "iperf3 TCP g3 (host 3) -> g1 (host 1), 3 s: $RATE"
expect_ping g2 198.18.6.3
log "ok: iperf3 passed data between hosts over Geneve"
pass
