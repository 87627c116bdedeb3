#!/bin/bash
# VLAN trunks to a VM.  A guest's VIF on eth1's network (xenbr1, whose
# "physical switch" has access ports on VLANs 10, 20 and 30) is made a trunk
# of VLANs 10 and 20: tagged frames the guest sends on 10 and 20 reach the
# switch's hosts on those VLANs and 30 is dropped; the switch hosts' frames
# reach the guest tagged, except VLAN 30's.  Changing the trunk list, and
# making it native-untagged on VLAN 10, takes effect on the plugged VIF.
# This kernel has no 8021q module, so the guest sends and receives tagged
# frames on a raw socket (vlan-frames.py).  Bad trunk settings are refused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

FRAMES=$TOP/tests/integration/vlan-frames.py
host_start
switch_start
switch_host h10 10 198.18.10.2/24
switch_host h20 20 198.18.20.2/24
switch_host h30 30 198.18.30.2/24
xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
ensure_plugged "$pif"
net=$(xovs pif-list uuid="$pif" params=network-uuid --minimal)
wait_port eth1 xenbr1

guest_add g1 1 0 198.18.40.1/24
vif=$(vif_attach g1 1 0 "$net" trunks=20,10)
wait_port vif1.0 xenbr1
[[ $(xovs vif-list uuid="$vif" params=trunks --minimal) == 10,20 ]] ||
    fail "trunks not stored as 10,20"
wait_until 10 test "$(vsctl get Port vif1.0 trunks)" = "[10, 20]" ||
    fail "vif1.0 trunks: $(vsctl get Port vif1.0 trunks)"
[[ $(vsctl get Port vif1.0 vlan_mode) == trunk ]] ||
    fail "vif1.0 vlan_mode: $(vsctl get Port vif1.0 vlan_mode)"
log "ok: vif1.0 is an OVS trunk port of VLANs 10 and 20"

RECEIVERS=()
# listen NAME...: a receiver on each NAME's eth0 ($T_DIR/NAME.rx) until
# heard.
listen() {
    local n
    RECEIVERS=()
    for n in "$@"; do
        ip netns exec "$(gns "$n")" python3 "$FRAMES" recv eth0 30 \
            >"$T_DIR/$n.rx" 2>&1 &
        RECEIVERS+=($!)
    done
    for n in "$@"; do
        wait_until 5 grep -q ready "$T_DIR/$n.rx" || fail "no receiver in $n"
    done
}
# heard: ends the receivers of listen, a moment after the last frame.
heard() {
    local p
    sleep 0.5
    for p in "${RECEIVERS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    RECEIVERS=()
}
CLEAN_HOOKS+=(heard)
# send NAME TAG|none MARKER
send() {
    gexec "$1" python3 "$FRAMES" send eth0 "$2" "$3"
}
# expect_rx RECEIVER LINE SENDER TAG MARKER: SENDER sends MARKER (tagged TAG)
# until RECEIVER got LINE (a switch just set up may lose the first frames).
expect_rx() {
    local i
    for ((i = 0; i < 8; i++)); do
        send "$3" "$4" "$5"
        if wait_until 1 grep -qx "$2" "$T_DIR/$1.rx"; then
            return 0
        fi
    done
    fail "$1 did not receive '$2' (got: $(grep -v ready "$T_DIR/$1.rx" | sort -u | tr '\n' ' '))"
}
# expect_no_rx RECEIVER MARKER (after heard)
expect_no_rx() {
    ! grep -q "marker=$2\$" "$T_DIR/$1.rx" ||
        fail "$1 received $2: $(grep "marker=$2\$" "$T_DIR/$1.rx" | head -1)"
}

log "guest -> switch: tagged 10, 20 and 30"
listen h10 h20 h30
send g1 30 a30
expect_rx h10 "vlan=none marker=a10" g1 10 a10
expect_rx h20 "vlan=none marker=a20" g1 20 a20
send g1 30 a30
heard
expect_no_rx h30 a30
expect_no_rx h10 a20
log "ok: VLAN 10 and 20 frames reached h10 and h20; VLAN 30 was dropped"

log "switch -> guest: h10, h20 and h30 send untagged on their access ports"
listen g1
send h30 none b30
expect_rx g1 "vlan=10 marker=b10" h10 none b10
expect_rx g1 "vlan=20 marker=b20" h20 none b20
send h30 none b30
heard
expect_no_rx g1 b30
log "ok: the guest received VLAN 10 and 20 tagged, nothing of VLAN 30"

log "live: trunks=30"
xovs vif-param-set uuid="$vif" trunks=30
wait_until 10 test "$(vsctl get Port vif1.0 trunks)" = "[30]" ||
    fail "vif1.0 trunks after the change: $(vsctl get Port vif1.0 trunks)"
listen g1 h30
expect_rx g1 "vlan=30 marker=c30" h30 none c30
expect_rx h30 "vlan=none marker=d30" g1 30 d30
send h10 none c10
heard
expect_no_rx g1 c10
log "ok: now VLAN 30 only"

log "live: native-untagged on VLAN 10 with trunks 20"
xovs vif-param-set uuid="$vif" trunks=20 vlan-mode=native-untagged \
    native-vlan=10
wait_until 10 test "$(vsctl get Port vif1.0 vlan_mode)" = native-untagged ||
    fail "vlan_mode: $(vsctl get Port vif1.0 vlan_mode)"
[[ $(vsctl get Port vif1.0 tag) == 10 ]] ||
    fail "vif1.0 tag (native VLAN): $(vsctl get Port vif1.0 tag)"
listen g1 h10 h20
expect_rx h10 "vlan=none marker=e10" g1 none e10
expect_rx h20 "vlan=none marker=e20" g1 20 e20
expect_rx g1 "vlan=none marker=f10" h10 none f10
expect_rx g1 "vlan=20 marker=f20" h20 none f20
heard
log "ok: untagged frames are VLAN 10 both ways, VLAN 20 stays tagged"

log "clearing trunks makes it a plain (access, VLAN 0) port again"
xovs vif-param-set uuid="$vif" trunks=
wait_until 10 test "$(vsctl get Port vif1.0 vlan_mode)" = access ||
    fail "vlan_mode after clearing: $(vsctl get Port vif1.0 vlan_mode)"
[[ $(vsctl get Port vif1.0 trunks) == "[]" && $(vsctl get Port vif1.0 tag) == "[]" ]] ||
    fail "vif1.0 still has trunks or a tag"
[[ $(xovs vif-list uuid="$vif" params=native-vlan --minimal) == -1 ]] ||
    fail "native-vlan not reset with trunks="

# No VLAN hopping: a guest on the plain network that sends 802.1Q frames
# reaches no VLAN (an OVS port with neither tag nor vlan_mode would be a
# trunk of all of them); its untagged frames still reach the untagged wire.
log "the plain VIF's tagged frames are dropped"
switch_host h0 0 198.18.40.2/24
listen h0 h10 h20
expect_rx h0 "vlan=none marker=g0" g1 none g0
send g1 10 g10
send g1 20 g20
heard
expect_no_rx h10 g10
expect_no_rx h20 g20
log "ok: untagged frames reach the untagged switch port, tagged ones no VLAN"

log "bad input"
expect_reject() {
    local want=$1 out
    shift
    if out=$(xovs "$@" 2>&1); then
        fail "xovs $* was accepted"
    fi
    [[ $out == *"$want"* ]] || fail "xovs $*: '$out' does not say '$want'"
}
expect_reject "trunks: \"5000\" is not a VLAN tag" vif-param-set uuid="$vif" trunks=5000
expect_reject "trunks: \"20-10\" is not a VLAN tag or range" vif-param-set uuid="$vif" trunks=20-10
expect_reject "native-vlan: vlan-mode native-tagged needs the native VLAN" \
    vif-param-set uuid="$vif" trunks=10 vlan-mode=native-tagged
expect_reject "vlan-mode: the VIF is not a trunk" \
    vif-param-set uuid="$vif" vlan-mode=native-untagged native-vlan=10
expect_reject "vlan-mode: \"hybrid\" is not trunk" \
    vif-param-set uuid="$vif" trunks=10 vlan-mode=hybrid
v10=$(xovs network-create name-label=v10)
xovs vlan-create pif-uuid="$pif" network-uuid="$v10" vlan=10 >/dev/null
expect_reject "is VLAN 10 on eth1; a trunk VIF needs" \
    vif-create vm-uuid="$(new_uuid)" domid=9 device=0 network-uuid="$v10" \
    mac=02:00:c6:12:09:00 trunks=all
other=$(xovs network-create name-label=other)
xovs vif-create vm-uuid="$(new_uuid)" domid=8 device=0 network-uuid="$other" \
    mac=02:00:c6:12:08:00 trunks=all >/dev/null
expect_reject "network-uuid: network $other has trunk VIF" \
    vlan-create pif-uuid="$pif" network-uuid="$other" vlan=11
[[ $(xovs vif-list uuid="$vif" params=trunks --minimal) == "" ]] ||
    fail "a refused change changed the record"
pass
