#!/bin/bash
# xovs-test: alone
# The backend's "rate" node (BYTES,USEC, as xl writes it for rate=10Mb/s:
# 62500 bytes per 50000 us) limits what the guest transmits, and a change
# applies to the running VIF without a replug.  Guest ga (4 queues) sends 8
# UDP flows to gb at an offered 100 Mbit/s in all for 5 s; what gb receives
# (Ethernet frames, which is what the limit counts) must be within 10% of
# the limit: 10 Mbit/s, then 20 Mbit/s after the node is rewritten, then
# much more again once it is removed.  The limit is the VIF's, not each
# queue's: the flows spread over several rings (checked) and together stay
# within it.  The guest process and its rings stay the same throughout.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

command -v iperf3 >/dev/null || skip "iperf3 not installed"
nb_host_start
net=$(xovs network-create name-label=nb77)
nb_vif_record ga 1 0 "$net" >/dev/null
nb_guest_start ga 1 0 198.18.0.1/24 --queues=4
nb_wait_connected 1 0
nb_guest gb 2 0 "$net" 198.18.0.2/24
expect_ping ga 198.18.0.2
be=$(be_path 1 0)
ga_pid=${GUEST_PID[ga]}

PAYLOAD=1400
FRAME=$((PAYLOAD + 8 + 20 + 14)) # UDP, IPv4, Ethernet

# One iperf3 server for every run (JSON, so that each client gets the
# server's numbers); the EXIT trap ends it.
nb_gexec_bg gb iperf3 -s -J -B 198.18.0.2 >"$T_DIR/iperf3-server.json" 2>&1
# shellcheck disable=SC2317 # run by wait_until
listening() {
    gexec gb ss -Hltn 'sport = :5201' | grep -q .
}
wait_until 5 listening || fail "iperf3 server on gb does not listen"

# quiet: vif1.0's TX counter stood still for half a second.
# shellcheck disable=SC2317 # run by wait_until
quiet() {
    local a
    a=$(nb_stat vif1.0 tx_packets)
    sleep 0.5
    [[ $(nb_stat vif1.0 tx_packets) -eq $a ]]
}

# udp_rate: 5 s of UDP ga -> gb, 8 flows offered at 12.5 Mbit/s each;
# prints the rate gb received in Mbit/s of Ethernet frames.  Then waits
# until what the limit held back in ga (its tap's queues and its TX rings,
# seconds' worth at 10 Mbit/s) has drained, so that it does not eat the
# next run's credit.
udp_rate() {
    local out=$T_DIR/iperf3-udp.json
    gexec ga timeout 20 iperf3 -c 198.18.0.2 -u -P 8 -b 12.5M -l "$PAYLOAD" -t 5 \
        --get-server-output -J >"$out" 2>&1 ||
        fail "iperf3 -u ga -> gb failed: $(grep -m1 '"error"' "$out")"
    python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["server_output_json"]["end"]["sum_received"]
print("%.2f" % (s["bytes"] * int(sys.argv[3]) / int(sys.argv[2]) * 8 / s["seconds"] / 1e6))' \
        "$out" "$PAYLOAD" "$FRAME"
    wait_until 20 quiet || fail "ga still sends 20 s after iperf3 ended"
}

# set_rate VALUE|-: writes (or with "-" removes) the rate node as the
# toolstack does, and waits until netback shows it.
rate_shown() {
    nb_appctl vif/show vif1.0 | grep -q "^  queues: .*, rate: $1,"
}
set_rate() {
    if [[ $1 == - ]]; then
        xs xenstore-rm "$be/rate"
        wait_until 5 rate_shown unlimited ||
            fail "netback still limits vif1.0 after the rate node went"
    else
        xs xenstore-write "$be/rate" "$1"
        wait_until 5 rate_shown "$1" ||
            fail "netback does not show rate $1 for vif1.0"
    fi
}

# within LIMIT RATE: RATE is within 10% of LIMIT (Mbit/s).
within() {
    python3 -c 'import sys; l, r = map(float, sys.argv[1:]); sys.exit(abs(r - l) > 0.1 * l)' "$1" "$2"
}

# same_vif: the guest and its connection were never replaced.
connects=$(grep -c "vif1.0: connected:" "$T_DIR/netback.log")
same_vif() {
    [[ -d /proc/$ga_pid ]] || fail "guest ga (pid $ga_pid) is gone"
    [[ $(xs xenstore-read "$be/state") == 4 ]] || fail "vif1.0 left Connected"
    [[ $(grep -c "vif1.0: connected:" "$T_DIR/netback.log") -eq $connects ]] ||
        fail "vif1.0 was reconnected: a rate change must not replug"
}

free=$(udp_rate)
log "no rate node: gb receives $free Mbit/s"
python3 -c 'import sys; sys.exit(not float(sys.argv[1]) > 40)' "$free" ||
    fail "without a rate gb receives only $free Mbit/s: too little to tell a 20 Mbit/s limit"

set_rate 62500,50000
rings0=$(nb_guest_rings ga)
r10=$(udp_rate)
rings1=$(nb_guest_rings ga)
limited=$(nb_stat vif1.0 tx_rate_limited)
log "rate 62500,50000 (10 Mbit/s): gb receives $r10 Mbit/s (TX waited for credit $limited times)"
within 10 "$r10" || fail "rate 10 Mbit/s: gb received $r10 Mbit/s, not within 10%"
[[ $limited -gt 0 ]] || fail "tx_rate_limited is 0 although the guest was limited"
used=0
for i in 0 1 2 3; do
    sent=$(($(ring_field "$rings1" $i tx_packets) - $(ring_field "$rings0" $i tx_packets)))
    log "  ga ring $i sent $sent frames"
    [[ $sent -lt 100 ]] || used=$((used + 1))
done
[[ $used -ge 2 ]] || fail "the 8 flows used $used of ga's 4 rings: nothing shows a per-VIF limit"

set_rate 125000,50000
same_vif
r20=$(udp_rate)
log "rate 125000,50000 (20 Mbit/s), changed live: gb receives $r20 Mbit/s"
within 20 "$r20" || fail "rate 20 Mbit/s: gb received $r20 Mbit/s, not within 10%"

set_rate -
same_vif
limited=$(nb_stat vif1.0 tx_rate_limited)
again=$(udp_rate)
log "rate node removed: gb receives $again Mbit/s"
python3 -c 'import sys; sys.exit(not float(sys.argv[1]) > 40)' "$again" ||
    fail "without a rate gb receives only $again Mbit/s (was $free before any limit)"
[[ $(nb_stat vif1.0 tx_rate_limited) -eq $limited ]] ||
    fail "tx_rate_limited still grows with no rate node"
same_vif
log "ok: the limit followed the rate node live, on the same connection"

# Not BYTES,USEC (xl's own syntax, say): unlimited, and netback says why.
xs xenstore-write "$be/rate" 10Mb/s
wait_until 5 grep -q 'vif1.0: rate "10Mb/s" is not BYTES,USEC' "$T_DIR/netback.log" ||
    fail "netback did not log the malformed rate"
rate_shown unlimited || fail "a malformed rate must leave vif1.0 unlimited"
same_vif
log "ok: rate \"10Mb/s\" refused (unlimited, logged)"

pass
