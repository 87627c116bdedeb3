#!/bin/bash
# Port mirrors on one internal network with guests g1..g5.  SPAN: a mirror
# of g1's VIF to g4's VIF copies exactly g1's frames, both directions (its
# pings to g2 and g2's answers), and none of g3's traffic with g2.  RSPAN:
# a mirror of g1 to VLAN 77 delivers the same frames tagged 77 to a trunk
# VIF of VLAN 77 (g5), and none to a plain (access) VIF (g4).  A mirror a controller made by hand on the same bridge is
# never touched; xovs's own mirror deleted by hand comes back;
# mirror-destroy removes only xovs's row.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
net=$(xovs network-create name-label=mirrored)
br=$(network_bridge "$net")
declare -A V
for i in 1 2 3 4 5; do
    guest_add "g$i" "$i" 0 "198.18.5.$i/24"
    V[$i]=$(vif_attach "g$i" "$i" 0 "$net")
    wait_port "vif$i.0" "$br"
done
mac1=$(guest_mac 1 0)
mac3=$(guest_mac 3 0)

# Neighbours resolved first: no broadcast during the captures.
expect_ping g1 198.18.5.2
expect_ping g3 198.18.5.2
expect_ping g2 198.18.5.1
expect_ping g2 198.18.5.3

# The controller's own mirror: xovs must leave it alone.
# (It selects g5's sends, which no capture below has.)
vsctl -- --id=@p get Port vif5.0 \
    -- --id=@m create Mirror name=controller-mirror select_src_port=@p output_vlan=99 \
    -- add Bridge "$br" mirrors @m >/dev/null
log "a mirror made by hand (a controller's) is on $br"

# capture GUEST FILE [FILTER...]: tcpdump in GUEST's namespace into FILE,
# in the background (CAP_PID), once it listens.
CAP_PID=
capture() {
    local g=$1 file=$2
    shift 2
    # ip netns exec execs tcpdump: $! is tcpdump's own pid.  Only frames
    # the guest receives (its own sends are not copies).
    ip netns exec "$(gns "$g")" tcpdump -i eth0 -Q in -nn -U -w "$file" "$@" 2>"$file.err" &
    CAP_PID=$!
    wait_until 5 grep -q "listening" "$file.err" || fail "tcpdump did not start: $(cat "$file.err")"
}
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS) and below
capture_stop() {
    if [[ -n $CAP_PID ]]; then
        sleep 0.5
        kill -INT "$CAP_PID" 2>/dev/null || true
        wait "$CAP_PID" 2>/dev/null || true
        CAP_PID=
    fi
}
CLEAN_HOOKS+=(capture_stop)
# count FILE FILTER...: frames of FILE matching the filter.
count() {
    local file=$1
    shift
    tcpdump -nn -r "$file" "$@" 2>/dev/null | wc -l
}
# traffic: 5 pings g1 -> g2 and 5 pings g3 -> g2.
traffic() {
    gexec g1 ping -c 5 -i 0.1 -W 1 -q 198.18.5.2 >/dev/null || fail "g1 -> g2 lost pings"
    gexec g3 ping -c 5 -i 0.1 -W 1 -q 198.18.5.2 >/dev/null || fail "g3 -> g2 lost pings"
}

# --- SPAN ---
span=$(xovs mirror-create vif-uuids="${V[1]}" output-vif-uuid="${V[4]}" name-label=span-g1)
# shellcheck disable=SC2317 # called by wait_until
mirror_on() {
    [[ $(vsctl --bare --columns=_uuid find Mirror "external_ids:xovs-mirror-uuid=$1" | wc -w) -eq 1 ]]
}
wait_until 10 mirror_on "$span" || fail "no OVS Mirror for $span: $(vsctl list Mirror)"
[[ $(vsctl get Mirror "xovs-mirror-$span" output_port) == $(vsctl get Port vif4.0 _uuid) ]] ||
    fail "the mirror's output is not vif4.0"
wait_until 10 bash -c "[[ \$($XOVS_BIN/xovs --rpc=unix:$T_DIR/agent.sock mirror-list uuid=$span params=status --minimal) == applied ]]" ||
    fail "mirror-list: $(xovs mirror-list uuid="$span")"
log "ok: SPAN mirror $span in OVS (vif1.0 both ways -> vif4.0), mirror-list says applied"

cap=$T_DIR/span.pcap
capture g4 "$cap"
traffic
capture_stop
all=$(count "$cap")
req=$(count "$cap" "icmp[icmptype] == icmp-echo and ether src $mac1")
rep=$(count "$cap" "icmp[icmptype] == icmp-echoreply and ether dst $mac1")
g3=$(count "$cap" "icmp and ether host $mac3")
# Multicast and broadcast from others did reach g1 (they are its frames
# too); unicast not from or to g1 must not be there.
other=$(count "$cap" "not ether host $mac1 and not ether multicast")
log "SPAN capture on g4: $all frames; g1's echo requests $req, replies to g1 $rep; g3's pings $g3; unicast not g1's $other"
[[ $req -eq 5 && $rep -eq 5 ]] || fail "expected g1's 5 requests and 5 replies, got $req and $rep"
[[ $g3 -eq 0 && $other -eq 0 ]] || fail "frames that are not g1's reached the output ($g3 of g3's pings, $other unicast not g1's)"
log "ok: SPAN copies exactly g1's frames, both directions"

# Drift: xovs's mirror deleted by hand comes back; the controller's stays.
vsctl -- --id=@m get Mirror "xovs-mirror-$span" -- remove Bridge "$br" mirrors @m >/dev/null
wait_until 10 mirror_on "$span" || fail "the deleted mirror was not restored"
[[ -n $(vsctl --bare --columns=_uuid find Mirror name=controller-mirror) ]] ||
    fail "the controller's mirror is gone"
log "ok: xovs's mirror deleted by hand is restored; the controller's is untouched"

xovs mirror-destroy uuid="$span" >/dev/null
wait_until 10 bash -c "! ip netns exec $NS ovs-vsctl --db=$OVSDB --bare --columns=name list Mirror | grep -q xovs-mirror" ||
    fail "mirror-destroy left the OVS Mirror"
[[ -n $(vsctl --bare --columns=_uuid find Mirror name=controller-mirror) ]] ||
    fail "mirror-destroy removed the controller's mirror"
vsctl clear Bridge "$br" mirrors
log "ok: mirror-destroy removed xovs's Mirror only"

# --- RSPAN ---
rspan=$(xovs mirror-create vif-uuids="${V[1]}" output-vlan=77)
wait_until 10 mirror_on "$rspan" || fail "no OVS Mirror for $rspan"
[[ $(vsctl get Mirror "xovs-mirror-$rspan" output_vlan) == 77 ]] || fail "output_vlan is not 77"
xovs vif-param-set uuid="${V[5]}" trunks=77
wait_until 10 test "$(vsctl get Port vif5.0 trunks)" = "[77]" ||
    fail "vif5.0 is not a trunk of VLAN 77: $(vsctl get Port vif5.0 trunks)"
cap=$T_DIR/rspan.pcap
cap4=$T_DIR/rspan-g4.pcap
capture g4 "$cap4"
CAP4_PID=$CAP_PID
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS) and below
capture4_stop() {
    CAP_PID=${CAP4_PID:-}
    CAP4_PID=
    capture_stop
}
CLEAN_HOOKS+=(capture4_stop)
capture g5 "$cap"
traffic
capture_stop
capture4_stop
tagged4=$(count "$cap4" "vlan")
[[ $tagged4 -eq 0 ]] || fail "the access VIF g4 received $tagged4 tagged frames"
req=$(count "$cap" "vlan 77 and icmp[icmptype] == icmp-echo and ether src $mac1")
rep=$(count "$cap" "vlan 77 and icmp[icmptype] == icmp-echoreply and ether dst $mac1")
g3=$(count "$cap" "vlan and icmp and ether host $mac3")
log "RSPAN capture on g5: VLAN 77 requests from g1 $req, replies to g1 $rep; g3's pings tagged $g3"
[[ $req -eq 5 && $rep -eq 5 ]] || {
    tcpdump -nn -e -r "$cap" 2>/dev/null | head -n 20 | sed "s/^/[$TEST_NAME] g5 | /"
    happctl ofproto/trace "$br" "in_port=vif1.0,icmp,dl_src=$mac1,dl_dst=$(guest_mac 2 0),nw_src=198.18.5.1,nw_dst=198.18.5.2" | sed "s/^/[$TEST_NAME] trace | /"
    vsctl list Mirror | sed "s/^/[$TEST_NAME] mirror | /"
    fail "expected 5 tagged requests and 5 tagged replies, got $req and $rep"
}
[[ $g3 -eq 0 ]] || fail "g3's frames were mirrored"
log "ok: RSPAN carries g1's frames tagged with VLAN 77"
xovs mirror-list | sed "s/^/[$TEST_NAME] | /"
pass
