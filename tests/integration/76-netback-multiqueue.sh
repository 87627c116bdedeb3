#!/bin/bash
# Multi-queue VIFs end to end.  xovs-netback offers multi-queue-max-queues;
# guests ga and gb connect with 4 queues (queue-N/ subtrees), gc asks for 1
# and gets the legacy layout (keys at the top, no queue-N/).  Netback must
# attach every queue (vif/show "queues: N", a tap with N queues), and
# traffic with many flows must use every queue in both directions:
#
#   TX  the guest picks the ring: its eth0 is a multi-queue tap, so the
#       guest's kernel spreads flows over the rings;
#   RX  netback picks the ring.  ga behaves like Linux netfront, which
#       sets up no hash: a frame goes to the ring of the tap queue it was
#       read from, and the kernel's tap chooses that queue by flow (tun's
#       automatic steering, which follows the queue the flow's frames from
#       the guest came in on).  gb behaves like Windows' drivers (--rss):
#       a Toeplitz hash over the control ring, with a mapping of its own;
#       netback must put each frame on the ring the mapping names and hand
#       over the hash, which gb recomputes for every frame.
#
# Which ring carried what is counted by xovs-guest per ring (its "queue=N"
# lines on SIGUSR1): the frontend's view is the ground truth for both
# directions.  64 TCP flows make an idle queue a 4 * (3/4)^64 chance.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

command -v iperf3 >/dev/null || skip "iperf3 not installed"
nb_host_start
net=$(xovs network-create name-label=nb76)

# guest_mq NAME DOMID ADDR QUEUES [xovs-guest args]: VIF record,
# xovs-guest --queues, wait.
guest_mq() {
    nb_vif_record "$1" "$2" 0 "$net" >/dev/null
    nb_guest_start "$1" "$2" 0 "$3" --queues="$4" "${@:5}"
    nb_wait_connected "$2" 0
}
guest_mq ga 1 198.18.0.1/24 4
guest_mq gb 2 198.18.0.2/24 4 --rss
guest_mq gc 3 198.18.0.3/24 1

max=$(xs xenstore-read "$(be_path 1 0)/multi-queue-max-queues")
[[ $max =~ ^[0-9]+$ && $max -ge 4 ]] ||
    fail "backend offers multi-queue-max-queues=$max, need at least 4"
log "ok: backend offers multi-queue-max-queues=$max"

# check_layout DOMID QUEUES: the frontend's keys and what netback made of
# them.
check_layout() {
    local domid=$1 n=$2 fe i k show tapq
    fe=$(xs xenstore-read "$(be_path "$domid" 0)/frontend")
    if [[ $n -gt 1 ]]; then
        [[ $(xs xenstore-read "$fe/multi-queue-num-queues") == "$n" ]] ||
            fail "vif$domid.0: multi-queue-num-queues is not $n"
        for ((i = 0; i < n; i++)); do
            for k in tx-ring-ref rx-ring-ref event-channel-tx event-channel-rx; do
                xs xenstore-read "$fe/queue-$i/$k" >/dev/null 2>&1 ||
                    fail "vif$domid.0: no $fe/queue-$i/$k"
            done
        done
        ! xs xenstore-exists "$fe/queue-$n" 2>/dev/null ||
            fail "vif$domid.0: queue-$n exists with $n queues"
        ! xs xenstore-exists "$fe/tx-ring-ref" 2>/dev/null ||
            fail "vif$domid.0: top-level tx-ring-ref with $n queues"
    else
        # As Linux netfront: num-queues 1 (the backend does multi-queue),
        # and the ring keys flat.
        [[ $(xs xenstore-read "$fe/multi-queue-num-queues" 2>/dev/null) == 1 ]] ||
            fail "vif$domid.0: multi-queue-num-queues is not 1 for one queue"
        ! xs xenstore-exists "$fe/queue-0" 2>/dev/null ||
            fail "vif$domid.0: queue-0/ written for one queue"
        for k in tx-ring-ref rx-ring-ref event-channel-tx event-channel-rx; do
            xs xenstore-read "$fe/$k" >/dev/null 2>&1 ||
                fail "vif$domid.0: no top-level $fe/$k"
        done
    fi
    show=$(nb_appctl vif/show "vif$domid.0")
    grep -q "^  queues: $n," <<<"$show" ||
        fail "vif$domid.0: netback did not attach $n queues: $(sed -n 2p <<<"$show")"
    tapq=$(hexec ls "/sys/class/net/vif$domid.0/queues" | grep -c '^tx-')
    [[ $tapq -eq $n ]] || fail "tap vif$domid.0 has $tapq queues, want $n"
    log "ok: vif$domid.0: $n queue(s) in xenstore$([[ $n -gt 1 ]] && echo " (queue-0..$((n - 1))/)" || echo " (legacy layout)"), netback attached $n, tap has $n"
}
check_layout 1 4
check_layout 2 4
check_layout 3 1

# gb's control ring: keys written, ring attached, hash configured.
fe=$(xs xenstore-read "$(be_path 2 0)/frontend")
for k in ctrl-ring-ref event-channel-ctrl; do
    xs xenstore-read "$fe/$k" >/dev/null 2>&1 || fail "vif2.0: no $fe/$k"
done
! xs xenstore-exists "$(xs xenstore-read "$(be_path 1 0)/frontend")/ctrl-ring-ref" 2>/dev/null ||
    fail "vif1.0 has a control ring but ga did not ask for one"
# shellcheck disable=SC2317 # run by wait_until
hash_on() {
    nb_appctl vif/show vif2.0 | grep -q ' ctrl=1 hash=toeplitz$'
}
wait_until 5 hash_on ||
    fail "netback did not take gb's hash configuration: $(nb_appctl vif/show vif2.0 | sed -n 3p)"
[[ $(nb_stat vif2.0 ctrl_requests) -eq 7 ]] ||
    fail "vif2.0: $(nb_stat vif2.0 ctrl_requests) control requests, gb sent 7"
[[ $(ring_field "$(nb_guest_rings gb)" rss rss) == on ]] ||
    fail "gb: a control request failed: $(grep -m1 'control request' "$T_DIR/guest-gb.log" || true)"
nb_appctl vif/show vif1.0 | grep -q ' ctrl=0 hash=none$' ||
    fail "vif1.0 shows a hash although ga set none"
log "ok: gb's Toeplitz hash and mapping configured over the control ring (7 requests); ga has none"

expect_ping ga 198.18.0.2
expect_ping gb 198.18.0.1
expect_ping gc 198.18.0.1
expect_ping ga 198.18.0.3

# Many flows, both directions in one go (data one way, ACKs back, on the
# same ring: the taps steer a flow's replies to its queue).  The guests'
# per-ring counters before and after.
declare -A before=()
for g in ga gb; do
    before[$g]=$(nb_guest_rings "$g")
done
nb_gexec_bg gb iperf3 -s -1 -B 198.18.0.2 >"$T_DIR/iperf3-server.log" 2>&1
spid=$NB_BG_PID
wait_until 5 grep -q listening "$T_DIR/iperf3-server.log" || true
gexec ga timeout 30 iperf3 -c 198.18.0.2 -P 64 -t 3 -J >"$T_DIR/iperf3.json" 2>&1 ||
    fail "iperf3 -P 64 ga -> gb failed: $(grep -m1 '"error"' "$T_DIR/iperf3.json")"
wait "$spid" 2>/dev/null || true
rate=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.1f" % (d["end"]["sum_received"]["bits_per_second"]/1e6))' "$T_DIR/iperf3.json")
log "iperf3 TCP, 64 flows ga -> gb, 3 s: $rate Mbit/s"

# check_rings NAME N: every one of guest NAME's N rings carried iperf3's
# frames in both directions.
check_rings() {
    local name=$1 n=$2 after i tx rx
    after=$(nb_guest_rings "$name")
    for ((i = 0; i < n; i++)); do
        tx=$(($(ring_field "$after" "$i" tx_packets) - $(ring_field "${before[$name]}" "$i" tx_packets)))
        rx=$(($(ring_field "$after" "$i" rx_packets) - $(ring_field "${before[$name]}" "$i" rx_packets)))
        log "guest $name ring $i: sent $tx, received $rx frames"
        [[ $tx -gt 0 ]] || fail "guest $name sent nothing on ring $i"
        [[ $rx -gt 0 ]] || fail "netback delivered nothing to guest $name on ring $i"
    done
    [[ $(grep -c '^queue=' <<<"$after") -eq $n ]] ||
        fail "guest $name has $(grep -c '^queue=' <<<"$after") rings, want $n"
    log "ok: guest $name: each of its $n rings carried frames both ways"
}
check_rings ga 4
check_rings gb 4

# gb checked every frame it received against its own hash configuration.
rss=$(nb_guest_rings gb)
hashed=$(($(ring_field "$rss" rss hashed) - $(ring_field "${before[gb]}" rss hashed)))
log "gb: $(grep '^rss=' <<<"$rss")"
[[ $hashed -gt 1000 ]] || fail "gb received only $hashed frames with a hash extra"
[[ $(ring_field "$rss" rss bad_hash) -eq 0 ]] ||
    fail "gb: netback's hash differs from gb's Toeplitz hash: $(grep -m1 'hash extra type' "$T_DIR/guest-gb.log" || true)"
[[ $(ring_field "$rss" rss wrong_queue) -eq 0 ]] ||
    fail "gb: frames on a ring the mapping does not name: $(grep -m1 'the mapping says' "$T_DIR/guest-gb.log" || true)"
log "ok: gb: $hashed frames with netback's Toeplitz hash, each right and on the ring gb's mapping names"

# Netback's view of the same.  vif/show lists per-queue counters (lines
# "  queue N: tx_packets=.. rx_packets=..") once xenbus.c prints
# vif_format_queues(); until then only the totals are there.
for v in vif1.0 vif2.0; do
    show=$(nb_appctl vif/show "$v")
    log "$v: $(awk '/^  (tx|rx)_packets / { printf "%s=%s ", $1, $2 }' <<<"$show")"
    if grep -q '^  queue [0-9]*: ' <<<"$show"; then
        grep '^  queue [0-9]*: ' <<<"$show" | sed "s/^ */[$TEST_NAME]   $v /"
        ! grep -q '^  queue [0-9]*: tx_packets=0 \|rx_packets=0 ' <<<"$show" ||
            fail "$v: netback shows a queue without traffic: $(grep '^  queue' <<<"$show" | tr '\n' ' ')"
    fi
done
pass
