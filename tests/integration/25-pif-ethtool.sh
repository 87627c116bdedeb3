#!/bin/bash
# PIF other_config:ethtool-* (XenServer's keys) reach the NIC through the
# kernel's ethtool netlink interface: applied when the PIF is plugged and
# live on change, read back by pif-list's "ethtool" field; a setting the
# NIC (a veth) cannot take gives a warning naming the key and the agent
# goes on; bad values are refused whole, naming the key.  `ethtool -k`
# inside the host namespace is the test's witness.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v ethtool >/dev/null || skip "ethtool not installed (the test's witness)"
host_start
switch_start
switch_host h1 - 198.18.1.2/16

# feat NAME: eth1's feature NAME (ethtool -k's long name): on or off.
feat() {
    ip netns exec "$NS" ethtool -k eth1 | sed -n "s/^$1: \([a-z]*\).*/\1/p"
}
# is WANT CMD...: xovs CMD prints WANT.
is() {
    local want=$1 got
    shift
    got=$(xovs "$@") || fail "xovs $* failed"
    [[ $got == "$want" ]] || fail "xovs $*: '$got', want '$want'"
}
# refused WANT CMD...: xovs CMD fails saying WANT.
refused() {
    local want=$1 out rc=0
    shift
    out=$(xovs "$@" 2>&1) || rc=$?
    ((rc != 0)) || fail "xovs $* was accepted"
    [[ $out == *"$want"* ]] || fail "xovs $*: '$out' does not say '$want'"
    log "ok: refused: $out"
}

xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
net=$(xovs pif-list uuid="$pif" params=network-uuid --minimal)
xovs pif-unplug uuid="$pif" >/dev/null
[[ $(feat generic-receive-offload) == off ]] ||
    fail "a fresh veth has GRO $(feat generic-receive-offload), want off"
[[ $(feat tcp-segmentation-offload) == on ]] ||
    fail "a fresh veth has TSO $(feat tcp-segmentation-offload), want on"

log "ethtool-gro=on ethtool-tso=off ethtool-sg=true on the unplugged PIF, then plug"
xovs pif-param-set uuid="$pif" other-config:ethtool-gro=on \
    other-config:ethtool-tso=off other-config:ethtool-sg=true
xovs pif-plug uuid="$pif" >/dev/null
wait_until 10 test "$(feat generic-receive-offload)" = on ||
    fail "GRO is $(feat generic-receive-offload) after pif-plug, want on"
[[ $(feat tcp-segmentation-offload) == off ]] ||
    fail "TSO is $(feat tcp-segmentation-offload) after pif-plug, want off"
grep -q "eth1: ethtool settings applied" "$T_DIR/agent.log" ||
    fail "the agent did not log the settings it applied"
log "ok: plug applied them: GRO on, TSO off ($(grep -m1 'ethtool settings applied' "$T_DIR/agent.log" | sed 's/.*|//'))"

log "pif-list's ethtool field shows the NIC's state"
is on pif-param-get uuid="$pif" param-name=ethtool param-key=gro
is off pif-param-get uuid="$pif" param-name=ethtool param-key=tso
is "off (fixed)" pif-param-get uuid="$pif" param-name=ethtool param-key=lro
is 10000 pif-param-get uuid="$pif" param-name=ethtool param-key=speed
# Changed behind xovs's back: the field is the kernel's word, not the record's.
ip netns exec "$NS" ethtool -K eth1 gro off
is off pif-param-get uuid="$pif" param-name=ethtool param-key=gro
log "ok: ethtool field follows the NIC (gro off after ethtool -K by hand)"

log "unplug and plug again: the settings are applied again"
xovs pif-unplug uuid="$pif" >/dev/null
xovs pif-plug uuid="$pif" >/dev/null
wait_until 10 test "$(feat generic-receive-offload)" = on ||
    fail "GRO is $(feat generic-receive-offload) after re-plug, want on"
log "ok: re-plug put GRO back on"

log "live change: ethtool-gro=off, ethtool-tso removed (the NIC keeps TSO off)"
xovs pif-param-set uuid="$pif" other-config:ethtool-gro=off other-config:ethtool-tso=
wait_until 10 test "$(feat generic-receive-offload)" = off ||
    fail "GRO is $(feat generic-receive-offload) after the change, want off"
[[ $(feat tcp-segmentation-offload) == off ]] ||
    fail "TSO changed to $(feat tcp-segmentation-offload) although its key was only removed"
log "ok: GRO off live"

log "traffic still flows: guest on eth1's network pings the switch host"
guest_add g1 1 0 198.18.1.1/16
vif_attach g1 1 0 "$net" >/dev/null
wait_port vif1.0 xenbr1
expect_ping g1 198.18.1.2

log "settings a veth cannot take: warnings naming the key, the agent goes on"
xovs pif-param-set uuid="$pif" other-config:ethtool-lro=on \
    other-config:ethtool-speed=1000 other-config:ethtool-tx=off
wait_until 10 grep -q "other_config:ethtool-lro=on not applied: the NIC cannot turn it on (fixed off)" "$T_DIR/agent.log" ||
    fail "no warning for ethtool-lro=on on a veth: $(grep -i ethtool "$T_DIR/agent.log" | tail -3)"
wait_until 10 grep -q "other_config:ethtool-speed=1000 not applied: the NIC cannot change its link settings" "$T_DIR/agent.log" ||
    fail "no warning for ethtool-speed=1000 on a veth: $(grep -i ethtool "$T_DIR/agent.log" | tail -3)"
log "ok: $(grep -m1 'ethtool-speed=1000 not applied' "$T_DIR/agent.log" | sed 's/.*|//')"
wait_until 10 test "$(feat tx-checksumming)" = off ||
    fail "tx-checksumming is $(feat tx-checksumming) although ethtool-tx=off, want off"
[[ -d /proc/$AGENT_PID ]] || fail "the agent died"
expect_ping g1 198.18.1.2
log "ok: the other settings applied (tx off), traffic flows, agent alive"

log "properties:gro (XenServer's PIF.properties) goes ahead of ethtool-gro"
xovs pif-param-set uuid="$pif" properties:gro=on
wait_until 10 test "$(feat generic-receive-offload)" = on ||
    fail "GRO is $(feat generic-receive-offload) with properties:gro=on, want on"
is on pif-param-get uuid="$pif" param-name=properties param-key=gro
xovs pif-param-set uuid="$pif" properties:gro=off
wait_until 10 test "$(feat generic-receive-offload)" = off ||
    fail "GRO is $(feat generic-receive-offload) with properties:gro=off, want off"
refused 'properties:gro: "maybe" is not on or off' \
    pif-param-set uuid="$pif" properties:gro=maybe
refused 'properties:tso: "tso" is not a PIF property (only gro)' \
    pif-param-set uuid="$pif" properties:tso=on
is off pif-param-get uuid="$pif" param-name=properties param-key=gro
log "ok: properties:gro on and off reach the NIC"

log "bad values are refused whole, naming the key"
refused 'other-config:ethtool-gro: "maybe" is not on, off, true or false' \
    pif-param-set uuid="$pif" other-config:ethtool-gso=off other-config:ethtool-gro=maybe
[[ $(feat generic-segmentation-offload) == on ]] ||
    fail "GSO changed although the call was refused"
xovs pif-param-get uuid="$pif" param-name=other-config | grep -q ethtool-gso &&
    fail "the refused call stored ethtool-gso"
refused 'other-config:ethtool-speed: "fast" is not a speed in Mb/s' \
    pif-param-set uuid="$pif" other-config:ethtool-speed=fast
refused 'other-config:ethtool-speed: "0" is not a speed in Mb/s' \
    pif-param-set uuid="$pif" other-config:ethtool-speed=0
refused 'other-config:ethtool-duplex: "quarter" is not half or full' \
    pif-param-set uuid="$pif" other-config:ethtool-duplex=quarter
refused 'other-config:ethtool-gr0: "ethtool-gr0" is not an ethtool setting' \
    pif-param-set uuid="$pif" other-config:ethtool-gr0=on
refused 'ethtool-tso: "yes" is not on, off, true or false' \
    pif-param-add uuid="$pif" param-name=other-config ethtool-tso=yes
is "off" pif-param-get uuid="$pif" param-name=other-config param-key=ethtool-gro

pass
