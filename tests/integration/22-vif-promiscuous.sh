#!/bin/bash
# VIF promiscuous mode (other_config:promiscuous, as XCP's).  Three guests
# on one network: while gp's VIF is promiscuous, a capture in gp sees the
# ICMP echo between ga and gb (unicast, not for gp), gb still gets each
# request once, and gp itself still talks normally (an OVS mirror would
# have cut it off); off again, gp sees none of it.  Then on a VLAN network
# over eth1: gp2 sees a switch host's unicast to another guest, which
# arrives tagged on the PIF (the copy loses the tag).  Rate-limited VIFs
# (XenServer QoS) on the first network: their meters sit on the rules that
# go on to the copy table, and a metered guest's traffic is still copied.
# A bad value is refused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || skip "tcpdump not installed"
host_start
net=$(xovs network-create name-label=promisc)
br=$(network_bridge "$net")
guest_add ga 1 0 198.18.0.1/24
guest_add gb 2 0 198.18.0.2/24
guest_add gp 3 0 198.18.0.3/24
va=$(vif_attach ga 1 0 "$net")
vb=$(vif_attach gb 2 0 "$net")
vp=$(vif_attach gp 3 0 "$net")
for p in vif1.0 vif2.0 vif3.0; do
    wait_port "$p" "$br"
done

# copies_to PORT / no_copies_to PORT: $br has flows copying to PORT.
# shellcheck disable=SC2317 # called through wait_until
copies_to() {
    ofctl --names dump-flows "$br" | grep -q "output:\"$1\""
}
# shellcheck disable=SC2317 # called through wait_until
no_copies_to() {
    ! copies_to "$1"
}

CAPS=()
# capture NAME: tcpdump of ICMP on NAME's eth0 into $T_DIR/NAME.cap
capture() {
    gexec "$1" tcpdump -nn -l -i eth0 icmp >"$T_DIR/$1.cap" 2>&1 &
    CAPS+=($!)
    wait_until 5 grep -q "listening on" "$T_DIR/$1.cap" ||
        fail "tcpdump did not start in $1"
}
# captured: ends the captures (a moment after the last packet).
captured() {
    local p
    sleep 0.5
    for p in "${CAPS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    CAPS=()
}
CLEAN_HOOKS+=(captured)
# seen NAME SRC DST: how many echo requests SRC > DST NAME's capture has.
seen() {
    grep -c "$2 > $3: ICMP echo request" "$T_DIR/$1.cap" || true
}

log "promiscuous off: gp does not see ga <-> gb"
expect_ping ga 198.18.0.2
capture gp
gexec ga ping -c 3 -i 0.2 -q 198.18.0.2 >/dev/null
captured
[[ $(seen gp 198.18.0.1 198.18.0.2) == 0 ]] ||
    fail "gp saw ga's echo to gb without being promiscuous"
log "ok: nothing seen"

log "promiscuous on (live)"
xovs vif-param-set uuid="$vp" other-config:promiscuous=true
wait_until 10 copies_to vif3.0 ||
    fail "no copy flows to vif3.0: $(ofctl dump-flows "$br" | tr '\n' ' ')"
capture gp
capture gb
gexec ga ping -c 3 -i 0.2 -q 198.18.0.2 >/dev/null
captured
[[ $(seen gp 198.18.0.1 198.18.0.2) -ge 3 ]] ||
    fail "gp saw $(seen gp 198.18.0.1 198.18.0.2) of ga's 3 echo requests to gb"
grep -q "198.18.0.2 > 198.18.0.1: ICMP echo reply" "$T_DIR/gp.cap" ||
    fail "gp did not see gb's replies"
[[ $(seen gb 198.18.0.1 198.18.0.2) == 3 ]] ||
    fail "gb got $(seen gb 198.18.0.1 198.18.0.2) echo requests for 3 sent"
log "ok: gp saw ga -> gb: $(grep -m1 'ICMP echo request' "$T_DIR/gp.cap")"
expect_ping gp 198.18.0.1
expect_ping gb 198.18.0.3

log "locking still holds on a bridge with a promiscuous VIF"
xovs vif-param-set uuid="$va" locking-mode=locked ipv4-allowed=198.18.0.1
gexec ga ip addr add 198.18.0.11/24 dev eth0
# shellcheck disable=SC2317 # called through wait_until
locked_on() {
    ofctl --names dump-flows "$br" |
        grep -q 'in_port="vif1.0",.*nw_src=198.18.0.1 actions=resubmit(,1)'
}
wait_until 10 locked_on ||
    fail "no locking flows for vif1.0 that go on to table 1"
capture gp
expect_ping ga 198.18.0.2
expect_no_ping ga -I 198.18.0.11 198.18.0.2
captured
[[ $(seen gp 198.18.0.1 198.18.0.2) -ge 1 ]] || fail "gp did not see locked ga's traffic"
[[ $(seen gp 198.18.0.11 198.18.0.2) == 0 ]] || fail "gp saw ga's spoofed traffic"
log "ok: locked ga's allowed traffic is forwarded and copied, spoofed is dropped"

log "rate-limited VIFs on a bridge with a promiscuous VIF: metered, still copied"
xovs vif-param-set uuid="$va" qos_algorithm_type=ratelimit \
    qos_algorithm_params:kbps=100000
xovs vif-param-set uuid="$vb" qos_algorithm_type=ratelimit \
    qos_algorithm_params:kbps=100000
# Meters 1 * 16 + 1 and 2 * 16 + 1: ga's locking rules and unlocked gb's
# own rule meter and go on to table 1 (NORMAL would skip the copies).
# shellcheck disable=SC2317 # called through wait_until
metered() {
    local flows
    flows=$(ofctl -O OpenFlow13 --names dump-flows "$br")
    grep -q 'in_port="vif1.0",.*nw_src=198.18.0.1 actions=meter:17,resubmit(,1)' <<<"$flows" &&
        grep -q 'in_port="vif2.0" actions=meter:33,resubmit(,1)' <<<"$flows"
}
wait_until 10 metered ||
    fail "no metered rules to table 1: $(ofctl -O OpenFlow13 --names dump-flows "$br" | tr '\n' ' ')"
capture gp
expect_ping gb 198.18.0.1
captured
[[ $(seen gp 198.18.0.2 198.18.0.1) -ge 1 ]] ||
    fail "gp did not see rate-limited gb's traffic"
log "ok: metered rules go on to table 1; gp saw rate-limited gb -> ga"

log "promiscuous off again (live)"
xovs vif-param-set uuid="$vp" other-config:promiscuous=false
wait_until 10 no_copies_to vif3.0 ||
    fail "copy flows to vif3.0 remain"
capture gp
gexec ga ping -c 3 -i 0.2 -q 198.18.0.2 >/dev/null
captured
[[ $(seen gp 198.18.0.1 198.18.0.2) == 0 ]] ||
    fail "gp still sees ga's echo to gb"
log "ok: nothing seen"

log "a VLAN network: the copy of a PIF's tagged frame arrives untagged"
switch_start
switch_host h10 10 198.18.10.9/24
xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
ensure_plugged "$pif"
v10=$(xovs network-create name-label=v10)
xovs vlan-create pif-uuid="$pif" network-uuid="$v10" vlan=10 >/dev/null
vbr=$(network_bridge "$v10")
guest_add gv 4 0 198.18.10.1/24
guest_add gp2 5 0 198.18.10.5/24
vif_attach gv 4 0 "$v10" >/dev/null
vif_attach gp2 5 0 "$v10" other-config:promiscuous=true >/dev/null
wait_port vif4.0 "$vbr"
wait_port vif5.0 "$vbr"
expect_ping h10 198.18.10.1
# The copy flows for eth1 follow the PIF's and the VIFs' ports into OVS (they
# are installed once the ports they name exist): a few tries.
for ((try = 0; try < 5; try++)); do
    capture gp2
    gexec h10 ping -c 3 -i 0.2 -q 198.18.10.1 >/dev/null
    captured
    [[ $(seen gp2 198.18.10.9 198.18.10.1) -ge 3 ]] && break
    sleep 1
done
[[ $(seen gp2 198.18.10.9 198.18.10.1) -ge 3 ]] ||
    fail "gp2 saw $(seen gp2 198.18.10.9 198.18.10.1) of h10's 3 echo requests to gv"
grep -q "198.18.10.1 > 198.18.10.9: ICMP echo reply" "$T_DIR/gp2.cap" ||
    fail "gp2 did not see gv's replies to h10"
log "ok: gp2 saw h10 -> gv through eth1 (VLAN 10)"
expect_ping gp2 198.18.10.9
# The first network's guests are not on VLAN 10: gp2 sees none of theirs.
capture gp2
gexec ga ping -c 2 -i 0.2 -q 198.18.0.2 >/dev/null
captured
[[ $(seen gp2 198.18.0.1 198.18.0.2) == 0 ]] || fail "gp2 sees another network"

out=$(xovs vif-param-set uuid="$vp" other-config:promiscuous=yes 2>&1) &&
    fail "promiscuous=yes accepted"
[[ $out == *'other-config:promiscuous: promiscuous: "yes" is not true or false'* ]] ||
    fail "bad message: $out"
pass
