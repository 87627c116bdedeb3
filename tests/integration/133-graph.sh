#!/bin/bash
# xovs graph (issue 15 item 10): while guest g1 pings g2 fast, the agent
# keeps vif1.0's rate history (port-stats-history), and
# `xovs graph vif1.0 --seconds 60 --png FILE` has gnuplot draw it: the file
# is a valid PNG (signature, CRCs, image data checked by png-check.py) of
# 1000x700 pixels in which gnuplot's first two line colours (rx purple, tx
# green) cover hundreds of pixels -- the rate curves, not empty axes.  Bad
# input: an unknown port and a port without traffic are refused (status 1)
# and write no file; no --png is a usage error (2).  Before: no xovs graph.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v gnuplot >/dev/null || skip "gnuplot not installed (Debian: gnuplot-nox)"
host_start
net=$(xovs network-create name-label=graph)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
vif_attach g1 1 0 "$net" >/dev/null
vif_attach g2 2 0 "$net" >/dev/null
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
expect_ping g1 198.18.0.2

PING_PID=
UDP_PID=
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
graph_cleanup() {
    local p
    for p in $PING_PID $UDP_PID; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    return 0
}
CLEAN_HOOKS+=(graph_cleanup)
# Different rates each way, so neither curve hides the other: ping alone
# gives rx = tx, and gnuplot draws tx over rx.
log "g1 pings g2 50 times a second and sends it 100 UDP datagrams a second, for 16 s"
ip netns exec "$(gns g1)" ping -q -i 0.02 -c 800 198.18.0.2 >/dev/null 2>&1 &
PING_PID=$!
ip netns exec "$(gns g1)" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 16
while time.time() < end:
    s.sendto(b"x" * 200, ("198.18.0.2", 9))
    time.sleep(0.01)
' >/dev/null 2>&1 &
UDP_PID=$!

# shellcheck disable=SC2317 # run by wait_until
points() {
    local n
    n=$(xovs port-stats-history name=vif1.0 seconds=60 --json |
        python3 -c 'import json, sys; print(sum(1 for p in json.load(sys.stdin)["points"] if p["rx-pps"] > 0))')
    [[ $n -ge 3 ]]
}
wait_until 40 points || fail "vif1.0 has no rate history: $(xovs port-stats-history name=vif1.0 --json)"
log "ok: port-stats-history has rate points for vif1.0"

png=$T_DIR/vif1.0.png
xovs graph vif1.0 --seconds 60 --png "$png" || fail "xovs graph failed"
[[ -s $png ]] || fail "no PNG written"
check=$(python3 "$TOP/tests/integration/png-check.py" "$png" 9400d3 009e73) ||
    fail "not a valid PNG: $check"
log "png-check: $(tr '\n' ' ' <<<"$check")"
read -r size colours <<<"$(head -n 1 <<<"$check")"
[[ $size == 1000x700 ]] || fail "PNG is $size, want 1000x700"
[[ ${colours#colours=} -ge 10 ]] || fail "PNG has only ${colours#colours=} colours"
purple=$(sed -n 's/^9400d3=//p' <<<"$check")
green=$(sed -n 's/^009e73=//p' <<<"$check")
[[ $purple -ge 300 && $green -ge 300 ]] ||
    fail "rate curves missing: $purple rx (purple) and $green tx (green) pixels"
log "ok: $png: $size, rx curve $purple px, tx curve $green px"
# For a person to look at (the test keeps nothing): XOVS_KEEP_PNG=DIR.
if [[ -n ${XOVS_KEEP_PNG:-} ]]; then
    cp "$png" "$XOVS_KEEP_PNG/133-vif1.0.png"
fi

log "the same by the VIF's uuid, with --seconds=N --png=FILE"
vif=$(xovs vif-list device=0 domid=1 params=uuid --minimal)
xovs graph "$vif" --seconds=30 --png="$T_DIR/by-uuid.png" || fail "graph by uuid"
python3 "$TOP/tests/integration/png-check.py" "$T_DIR/by-uuid.png" >/dev/null ||
    fail "graph by uuid: not a PNG"

log "bad input"
# refuse STATUS PATTERN ARGS...: xovs graph ARGS exits STATUS with PATTERN.
refuse() {
    local want=$1 pattern=$2 rc=0 err
    shift 2
    err=$(xovs graph "$@" 2>&1) || rc=$?
    [[ $rc -eq $want && $err == *"$pattern"* ]] ||
        fail "xovs graph $*: exit $rc, '$err' (want $want, *$pattern*)"
    log "ok: xovs graph $*: $err"
}
refuse 1 "name: no port or record vif9.9 with statistics" vif9.9 --png "$T_DIR/no.png"
refuse 2 "graph: --png FILE is required" vif1.0
refuse 2 'graph: --seconds: "0" is not 1..3600' vif1.0 --seconds 0 --png "$T_DIR/no.png"
[[ ! -e $T_DIR/no.png ]] || fail "a refused graph wrote a file"
pass
