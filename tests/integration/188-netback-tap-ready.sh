#!/bin/bash
# 188-netback-tap-ready: xovs-netback reads only the taps that have frames
# (issue 16, netback at scale).  It used to poll() every tap and try a
# readv() on every tap in every poll-loop round: with 250 idle guests 250
# readv()s that found nothing, each round, and a round with one busy guest
# read all the others too.  Now its taps sit in one epoll set and a tap is
# read only once epoll has reported it readable, until a read finds it
# empty.
#
# N guests, each with eth0 in a namespace of its own without IPv6 (a guest
# that sends nothing), connect.  Watched with strace for a few seconds:
#   - all quiet: netback makes no readv() at all, fewer poll-loop rounds
#     (poll() calls) than one per VIF per second, and sends the agent at
#     most one counters report per VIF (it used to send every VIF's every
#     2 s, and read an answer to each: now only changed counters, and
#     every VIF's every 30 s);
#   - g1 pings g2 (both already learned by the bridge, ARP entries
#     static, so nothing is flooded): netback's readv()s are on the taps of
#     vif1.0 and vif2.0 only, and on both;
# and then every guest pings the next one (traffic on every VIF flows).
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

command -v strace >/dev/null || skip "strace not installed (Debian: strace)"
N=12
WATCH=6 # seconds under strace
nb_host_start
net=$(xovs network-create name-label=nb188)

addr() {
    echo "198.18.188.$1"
}
for ((d = 1; d <= N; d++)); do
    g=$(gns "g$d")
    CLEAN_NETNS+=("$g")
    ip netns add "$g"
    ip -n "$g" link set lo up
    # eth0 is created in here by xovs-guest: no IPv6 on it (router
    # solicitations, DAD, MLD would be flooded to every VIF).
    ip netns exec "$g" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    nb_vif_record "g$d" "$d" 0 "$net" >/dev/null
    nb_guest_start "g$d" "$d" 0 "$(addr "$d")/24"
done
for ((d = 1; d <= N; d++)); do
    nb_wait_connected "$d" 0 120
done

# g1 and g2 know each other (static ARP) and the bridge learns both MACs.
gexec g1 ip neigh replace "$(addr 2)" lladdr "$(guest_mac 2 0)" dev eth0 nud permanent
gexec g2 ip neigh replace "$(addr 1)" lladdr "$(guest_mac 1 0)" dev eth0 nud permanent
expect_ping g1 "$(addr 2)"

# nb_trace FILE CMD...: netback's readv() and poll() calls, WATCH seconds
# of them, into FILE, while CMD runs (CMD: something that lasts WATCH s).
nb_trace() {
    local out=$1 spid
    shift
    timeout -s INT "$WATCH" strace -f -qq -s 262144 \
        -e trace=readv,poll,write,writev,sendto,sendmsg \
        -o "$out" -p "$NB_PID" 2>>"$T_DIR/strace.err" &
    spid=$!
    sleep 0.5 # attached (strace stops nothing it missed: a round is a round)
    "$@"
    wait "$spid" || true
    [[ -s $out ]] || fail "strace saw nothing: $(tail -n 3 "$T_DIR/strace.err")"
}
# tap_of FD: the tap netback's fd FD belongs to (empty if none).
tap_of() {
    awk '$1 == "iff:" { print $2 }' "/proc/$NB_PID/fdinfo/$1" 2>/dev/null
}
# readv_taps FILE: the taps FILE's readv()s were on, one per line, sorted.
readv_taps() {
    local fd
    sed -n 's/.*readv(\([0-9]*\),.*/\1/p' "$1" | sort -un |
        while read -r fd; do
            tap_of "$fd"
        done | sort -u
}

# All quiet.
sleep 2
nb_trace "$T_DIR/quiet.txt" sleep "$((WATCH - 1))"
n_readv=$(grep -c 'readv(' "$T_DIR/quiet.txt" || true)
n_rounds=$(grep -c 'poll(' "$T_DIR/quiet.txt" || true)
n_reports=$({ grep -o 'vif-stats-report' "$T_DIR/quiet.txt" || true; } | wc -l)
((n_readv == 0)) ||
    fail "$N quiet guests: netback made $n_readv readv() calls in ${WATCH} s," \
        "on $(readv_taps "$T_DIR/quiet.txt" | paste -sd' ')"
((n_rounds < N * WATCH)) ||
    fail "$N quiet guests: $n_rounds poll-loop rounds in ${WATCH} s"
((n_reports <= N)) ||
    fail "$N quiet guests: $n_reports counters reports to the agent in ${WATCH} s"
log "ok: $N quiet guests: no readv() in ${WATCH} s, $n_rounds poll-loop" \
    "rounds, $n_reports counters reports"

# One busy pair.
nb_trace "$T_DIR/busy.txt" gexec g1 ping -q -c 20 -i 0.2 -W 1 "$(addr 2)" \
    >"$T_DIR/busy-ping.txt" 2>&1
grep -q ' 0% packet loss' "$T_DIR/busy-ping.txt" ||
    log "note: g1 -> g2 lost some pings: $(grep 'packet loss' "$T_DIR/busy-ping.txt")"
taps=$(readv_taps "$T_DIR/busy.txt" | paste -sd' ')
[[ $taps == "vif1.0 vif2.0" ]] ||
    fail "g1 pinging g2: netback read taps '$taps' (want 'vif1.0 vif2.0')"
log "ok: g1 pinging g2: readv() only on vif1.0 and vif2.0" \
    "($(grep -c 'readv(' "$T_DIR/busy.txt") calls)"

# Traffic on every VIF.
for ((d = 1; d <= N; d++)); do
    expect_ping "g$d" "$(addr $((d % N + 1)))"
done
pass
