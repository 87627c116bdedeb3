#!/bin/bash
# xovs-test: alone
# bench/'s traffic program and engine harness do what xovs-bench reads from
# them: xovs-pktgen's AF_PACKET mode sends from a port in one namespace and
# counts, with latency, what arrives on a port in another (a veth pair
# between two namespaces of this test); frames not its own (the receiver's
# IPv6 chatter) are not counted; xovs-engine-bench pushes frames through
# vif-backend's TX and RX code and reports ns/packet.  Rates are printed,
# not asserted.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_basics
for p in xovs-pktgen xovs-engine-bench; do
    [[ -x $XOVS_BIN/$p ]] || fail "$XOVS_BIN/$p not built (make)"
done

a=xpa$ID
b=xpb$ID
CLEAN_NETNS+=("$a" "$b")
ip netns add "$a"
ip netns add "$b"
"$SANDBOX" link "$a" p0 "$b" p1

out=$("$XOVS_BIN/xovs-pktgen" --pair="afp:p0@$a,afp:p1@$b" --size=64 \
    --rate=20000 --seconds=2 2>"$T_DIR/pktgen.err") ||
    fail "xovs-pktgen: $(tail -n 3 "$T_DIR/pktgen.err")"
log "xovs-pktgen: $out"
val() { grep -o " $1=[0-9.]*" <<<" $out" | cut -d= -f2; }
tx=$(val tx)
rx=$(val rx)
[[ $tx -ge 40000 && $tx -le 70000 ]] || fail "sent $tx frames, want about 60000 (20000/s, 3 s)"
[[ $rx -le $tx ]] || fail "counted $rx frames of $tx sent (not only its own)"
[[ $rx -ge $((tx * 9 / 10)) ]] || fail "only $rx of $tx frames arrived over a veth"
[[ $(val lat_p50_us) != 0.0 ]] || fail "no latency measured"
grep -q 'measuring tx_pps=' "$T_DIR/pktgen.err" || fail "no progress lines"

# A port that does not exist is a clear error, not a hang.
if "$XOVS_BIN/xovs-pktgen" --pair="afp:nope@$a,afp:p1@$b" --seconds=1 \
    >/dev/null 2>"$T_DIR/bad.err"; then
    fail "xovs-pktgen accepted a missing interface"
fi
grep -q "no interface nope" "$T_DIR/bad.err" ||
    fail "missing interface: $(cat "$T_DIR/bad.err")"

out=$("$XOVS_BIN/xovs-engine-bench" --size=60 --packets=100000) ||
    fail "xovs-engine-bench failed"
log "xovs-engine-bench: $out"
[[ $(val packets) -eq 100000 ]] || fail "engine bench did not run 100000 packets"
[[ $(val tx_ns) != 0.0 && $(val rx_ns) != 0.0 ]] || fail "engine bench: no time per packet"
pass
