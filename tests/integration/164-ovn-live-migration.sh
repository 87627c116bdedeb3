#!/bin/bash
# xovs-test: alone=ovn
# Live migration of a VIF on OVN (docs/ovn.md, "Live migration"): three
# hosts from scripts/ovn-sandbox joined by their agents; guest g1 on host 1
# pings guest g2 on host 2 continuously (ping -i 0.1) while g2 moves to
# host 3 as XenMotion moves a VM: pool-vif-migrate host=h3 (the logical
# port is requested on both hosts, activation-strategy=rarp), the port with
# the same iface-id and MAC made on host 3 (its agent's vif-create with
# the VIF's uuid, and vif-plug), OVN
# binding it there as an additional chassis, the guest paused on host 2
# and resumed on host 3 with its MAC and address, announcing itself with a
# RARP (as QEMU and Xen do after a migration).  No toolstack call ends the
# migration: xovs-controller sees host 3 activate the port in the
# southbound database and completes it itself (the record on host 3 alone,
# requested-chassis host 3); the toolstack's pool-vif-migrate-complete
# afterwards is accepted and changes nothing; the source's VIF unplugged.
# Asserts that traffic resumes, the address stays and the source is
# released (the Port_Binding on host 3's chassis only); prints the
# measured loss (packets and ms), asserts none.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

ovn_require
command -v python3 >/dev/null || skip "python3 not installed"
OVN=xm$ID
ovn_start 3
ctl_start || fail "xovs-controller did not start"
log "each host's agent joins it to OVN (host-ovn-join)"
ovn_hosts 3

priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
declare -A HNET=()
for i in 1 2 3; do
    HNET[$i]=$(xa "$i" network-create name-label=priv other-config:ovn-network="$priv") ||
        fail "network-create on host $i"
done

place g1 1 1 "${HNET[1]}" "$priv" 198.18.5.1/24
place g2 2 2 "${HNET[2]}" "$priv" 198.18.5.2/24
v2=${VIFS[g2]}
mac2=$(guest_mac 2 0)
wait_bound g1 g2
wait_until 30 gexec g1 ping -c 1 -W 1 198.18.5.2 ||
    fail "g1 (host 1) does not reach g2 (host 2)"
log "ok: g1 on host 1 reaches g2 on host 2"

log "bad migrations are refused and change nothing"
out=$(xc pool-vif-migrate uuid="$v2" host="$OVN-h2" 2>&1) &&
    fail "a migration to the VIF's own host was accepted"
[[ $out == *"already"* ]] || fail "migration to its own host: unclear error '$out'"
out=$(xc pool-vif-migrate uuid="$v2" host='bad host' 2>&1) &&
    fail "host='bad host' was accepted"
[[ $out == *host* ]] || fail "bad host: unclear error '$out'"
out=$(xc pool-vif-migrate-complete uuid="$v2" 2>&1) &&
    fail "completing a migration that never started was accepted"
[[ $out == *"not migrating"* ]] || fail "complete without migrate: unclear error '$out'"
[[ $(xc pool-vif-list uuid="$v2" params=host,migrating-to --minimal) == "$OVN-h2," ]] ||
    fail "a refused migration changed the record: $(xc pool-vif-list uuid="$v2")"

log "g1 pings g2 continuously (ping -i 0.1) during the migration"
# (ip netns exec, not gexec: $! must be ping's pid for the cleanup.)
ip netns exec "$(gns g1)" ping -D -i 0.1 -W 1 198.18.5.2 >"$T_DIR/ping.out" 2>&1 &
PING_PID=$!
OVN_PIDS+=("$PING_PID")
sleep 2

log "pool-vif-migrate: g2's VIF is requested on hosts 2 and 3"
xc pool-vif-migrate uuid="$v2" host="$OVN-h3" >/dev/null || fail "pool-vif-migrate"
out=$(xc pool-vif-migrate uuid="$v2" host="$OVN-h1" 2>&1) &&
    fail "a second migration to another host was accepted"
[[ $out == *"migrating to $OVN-h3"* ]] || fail "second migration: unclear error '$out'"
[[ $(xc pool-vif-list uuid="$v2" params=migrating-to --minimal) == "$OVN-h3" ]] ||
    fail "pool-vif-list does not show migrating-to: $(xc pool-vif-list uuid="$v2")"
# shellcheck disable=SC2317 # run by wait_until
nb_opt() {
    [[ $(nbctl get Logical_Switch_Port "$v2" "options:$1" 2>/dev/null) == "$2" ]]
}
wait_until 30 nb_opt requested-chassis "\"$OVN-h2,$OVN-h3\"" ||
    fail "requested-chassis is not both hosts: $(nbctl list Logical_Switch_Port "$v2")"
nb_opt activation-strategy rarp ||
    fail "activation-strategy is not rarp: $(nbctl list Logical_Switch_Port "$v2")"
log "ok: NB requested-chassis=$OVN-h2,$OVN-h3 activation-strategy=rarp"

log "host 3 gets the port (same iface-id and MAC) before the guest moves"
# The guest's new namespace on host 3: its eth0 (MAC kept) and, in host
# 3's namespace, the port vif5.0 (a new domid on the target, as on Xen).
gm=$(gns g2m)
CLEAN_NETNS+=("$gm")
ip netns add "$gm"
ip -n "$gm" link set lo up
ip link add vif5.0 netns "$OVN-h3" type veth peer name eth0 netns "$gm"
ip -n "$gm" link set eth0 address "$mac2"
ip -n "$OVN-h3" link set vif5.0 up
ip netns exec "$gm" ethtool -K eth0 tx off >/dev/null 2>&1 || true
# Host 3's agent makes the VIF with the uuid it has in the pool (vif-create
# uuid=) and plugs it: the port on br-int gets iface-id = that uuid.
xa 3 vif-create uuid="$v2" vm-uuid="$(new_uuid)" domid=5 device=0 \
    network-uuid="${HNET[3]}" mac="$mac2" >/dev/null ||
    fail "vif-create uuid=$v2 on host 3"
xa 3 vif-plug uuid="$v2" >/dev/null || fail "vif-plug on host 3"
wait_until 30 test "$(hvsctl 3 get Interface vif5.0 external_ids:iface-id 2>/dev/null)" == "\"$v2\"" ||
    fail "vif5.0 is not on host 3's br-int with iface-id $v2: $(hvsctl 3 show)"
ch2=$(sbctl --bare --columns=_uuid find Chassis name="$OVN-h2")
ch3=$(sbctl --bare --columns=_uuid find Chassis name="$OVN-h3")
# shellcheck disable=SC2317 # run by wait_until
pb_is() {
    [[ $(sbctl --bare --columns="$1" find Port_Binding logical_port="$v2") == "$2" ]]
}
wait_until 60 pb_is additional_chassis "$ch3" ||
    fail "host 3 did not bind the port as additional chassis: $(sbctl find Port_Binding logical_port="$v2")"
pb_is chassis "$ch2" || fail "the source lost the binding before the move"
log "ok: OVN binds the port on host 2 (chassis) and host 3 (additional)"

log "the guest moves: paused on host 2, resumed on host 3, sends a RARP"
t0=$(now_ms)
ip netns delete "$(gns g2)"
ip -n "$gm" addr add 198.18.5.2/24 dev eth0
ip -n "$gm" link set eth0 up
# What QEMU's and Xen's announce after a migration sends: RARP requests
# from the guest's MAC (ethertype 0x8035).
ip netns exec "$gm" python3 - "$mac2" <<'EOF' || fail "cannot send the RARP"
import socket, struct, sys, time
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
rarp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 3) + mac + bytes(4) + mac + bytes(4)
frame = b"\xff" * 6 + mac + struct.pack("!H", 0x8035) + rarp
for i in range(5):
    s.send(frame.ljust(60, b"\0"))
    time.sleep(0.05 * (i + 1))
EOF
# shellcheck disable=SC2317 # run by wait_until
resumed() {
    [[ $(grep -c 'bytes from' "$T_DIR/ping.out") -gt ${1:-0} ]]
}
before=$(grep -c 'bytes from' "$T_DIR/ping.out")
wait_until 60 resumed "$((before + 10))" ||
    fail "ping did not resume after the guest's RARP on host 3: $(tail -n 5 "$T_DIR/ping.out")"
t1=$(now_ms)
log "ok: traffic follows the guest's RARP to host 3 (the source still bound)"
log "SB Port_Binding options: $(sbctl get Port_Binding "$(sbctl --bare --columns=_uuid find Port_Binding logical_port="$v2")" options 2>&1)"
log "no pool-vif-migrate-complete: the controller sees host 3 activate the port"
# shellcheck disable=SC2317 # run by wait_until
record_is() {
    [[ $(xc pool-vif-list uuid="$v2" params=host,migrating-to,mac --minimal) == "$1" ]]
}
wait_until 60 record_is "$OVN-h3,,$mac2" ||
    fail "the controller did not complete the migration: $(xc pool-vif-list uuid="$v2"); SB: $(sbctl find Port_Binding logical_port="$v2")"
grep -q "$v2: live migration to host $OVN-h3 completed" "$T_DIR/controller.log" ||
    fail "the controller did not log the completion"
grep -q "\"migrated-from\": *\"$OVN-h2\"" "$T_DIR"/controller.json* ||
    fail "the completion is not in the store: $(cat "$T_DIR/controller.json")"
log "ok: the controller completed the migration by itself (record on $OVN-h3, saved)"
log "the toolstack's pool-vif-migrate-complete afterwards changes nothing"
xc pool-vif-migrate-complete uuid="$v2" >/dev/null ||
    fail "pool-vif-migrate-complete after the automatic completion was refused"
record_is "$OVN-h3,,$mac2" || fail "a late pool-vif-migrate-complete changed the record"
xa 2 vif-unplug uuid="$v2" >/dev/null || fail "vif-unplug on the source"
sleep 2 # any blip of the release counts too
kill -INT "$PING_PID"
wait "$PING_PID" || true
sent=$(grep -o '[0-9]* packets transmitted' "$T_DIR/ping.out" | grep -o '^[0-9]*')
got=$(grep -o '[0-9]* received' "$T_DIR/ping.out" | grep -o '^[0-9]*')
log "measured: $((sent - got)) of $sent pings lost (-i 0.1), longest gap $(ping_gap "$T_DIR/ping.out") ms; move to 10 answers on host 3 $((t1 - t0)) ms"

log "the address stays, the source is released"
expect_ping g1 198.18.5.2
gexec g2m ip -br addr show eth0 | grep -q '198.18.5.2/24' || fail "g2 lost its address"
[[ $(gexec g2m cat /sys/class/net/eth0/address) == "$mac2" ]] || fail "g2 lost its MAC"
[[ $(xc pool-vif-list uuid="$v2" params=host,migrating-to,mac --minimal) == "$OVN-h3,,$mac2" ]] ||
    fail "the record is not on host 3 alone: $(xc pool-vif-list uuid="$v2")"
wait_until 30 nb_opt requested-chassis "$OVN-h3" ||
    fail "requested-chassis is not host 3 alone: $(nbctl list Logical_Switch_Port "$v2")"
[[ -z $(nbctl get Logical_Switch_Port "$v2" options:activation-strategy 2>/dev/null) ]] ||
    fail "activation-strategy is left after the migration"
wait_until 60 pb_is chassis "$ch3" ||
    fail "the Port_Binding is not on host 3: $(sbctl find Port_Binding logical_port="$v2")"
wait_until 30 pb_is additional_chassis "" ||
    fail "host 2 is still an additional chassis: $(sbctl find Port_Binding logical_port="$v2")"
log "ok: requested-chassis=$OVN-h3, Port_Binding on host 3's chassis only"
pass
