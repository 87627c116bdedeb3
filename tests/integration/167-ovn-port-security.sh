#!/bin/bash
# xovs-test: alone=ovn
# Locking mode on OVN (docs/ovn.md): a pool VIF with ip-allowed gets OVN
# port security "MAC IP".  From guest g1 (ip-allowed=198.18.5.1) frames
# with its own MAC and address reach g2; frames with a spoofed source MAC,
# a spoofed source IP, or both never reach g2 (captured on g2's eth0 with
# a raw socket: g2 sees nothing of them); pings from a spoofed address or
# with a changed MAC get no answer, and after putting the real ones back
# pings pass again.  g2's VIF has no ip-allowed: any source IP from its MAC.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

FRAMES=$TOP/tests/integration/spoof-frames.py
ovn_require
ovn_start 1
ctl_start || fail "xovs-controller did not start"
ovn_hosts 1

priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
hnet=$(xa 1 network-create name-label=priv other-config:ovn-network="$priv")
place g1 1 1 "$hnet" "$priv" 198.18.5.1/24 ip-allowed=198.18.5.1
place g2 1 2 "$hnet" "$priv" 198.18.5.2/24
wait_bound g1 g2
ps=$(nbctl get Logical_Switch_Port "${VIFS[g1]}" port_security)
[[ $ps == *"$(guest_mac 1 0) 198.18.5.1"* ]] ||
    fail "port_security of g1 is $ps, not its MAC and 198.18.5.1"
wait_until 60 gexec g1 ping -c 1 -W 1 198.18.5.2 || fail "g1 does not reach g2"
log "ok: g1 reaches g2 with its own MAC and address"

MAC1=$(guest_mac 1 0)
MAC2=$(guest_mac 2 0)
SPOOF_MAC=02:00:c6:12:66:66
SPOOF_IP=198.18.5.66

# listen: a raw receiver on g2's eth0 for up to 120 s ($T_DIR/g2.rx; rx_stop
# ends it sooner).
RX_PID=
listen() {
    : >"$T_DIR/g2.rx"
    ip netns exec "$(gns g2)" python3 "$FRAMES" recv eth0 120 >"$T_DIR/g2.rx" 2>&1 &
    RX_PID=$!
    wait_until 10 grep -q ready "$T_DIR/g2.rx" || fail "no receiver in g2"
}
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
rx_stop() {
    kill_wait "$RX_PID" TERM
}
CLEAN_HOOKS+=(rx_stop)

# send SRC-MAC SRC-IP MARKER: g1 writes 3 frames to g2 from that source.
send() {
    gexec g1 python3 "$FRAMES" send eth0 "$1" "$2" "$MAC2" 198.18.5.2 "$3"
}

listen
# The real source first: it must arrive (the receiver works), a few tries
# for a port just bound.
for ((i = 0; i < 10; i++)); do
    send "$MAC1" 198.18.5.1 real
    wait_until 1 grep -q "marker=real" "$T_DIR/g2.rx" && break
done
grep -qx "src-mac=$MAC1 src-ip=198.18.5.1 marker=real" "$T_DIR/g2.rx" ||
    fail "g2 did not receive g1's frames from its real MAC and IP: $(cat "$T_DIR/g2.rx")"
log "ok: frames from g1's real MAC and IP reach g2"
send "$SPOOF_MAC" 198.18.5.1 spoofmac
send "$MAC1" "$SPOOF_IP" spoofip
send "$SPOOF_MAC" "$SPOOF_IP" spoofboth
send "$MAC1" 198.18.5.1 after
wait_until 10 grep -q "marker=after" "$T_DIR/g2.rx" ||
    fail "g2 did not receive g1's real frames after the spoofed ones"
sleep 1
for m in spoofmac spoofip spoofboth; do
    ! grep -q "marker=$m" "$T_DIR/g2.rx" ||
        fail "a frame with a spoofed source ($m) reached g2: $(grep "$m" "$T_DIR/g2.rx")"
done
log "ok: g2 saw none of the frames with a spoofed source MAC and/or IP"
rx_stop

log "a guest-side spoof: another address on eth0, pings from it"
gexec g1 ip addr add "$SPOOF_IP/24" dev eth0
expect_no_ping g1 -I "$SPOOF_IP" 198.18.5.2
gexec g1 ip addr del "$SPOOF_IP/24" dev eth0
expect_ping g1 198.18.5.2
log "a guest-side spoof: another MAC on eth0"
gexec g1 ip link set eth0 address "$SPOOF_MAC"
gexec g1 ip neigh flush dev eth0
gexec g2 ip neigh flush dev eth0
expect_no_ping g1 198.18.5.2
gexec g1 ip link set eth0 address "$MAC1"
expect_ping g1 198.18.5.2

log "g2 (no ip-allowed) may use any address from its own MAC"
gexec g2 ip addr add 198.18.5.77/24 dev eth0
expect_ping g2 -I 198.18.5.77 198.18.5.1
gexec g2 ip addr del 198.18.5.77/24 dev eth0
pass
