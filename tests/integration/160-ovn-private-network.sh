#!/bin/bash
# xovs-test: alone=ovn
# xovs-controller on OVN (docs/ovn.md): scripts/ovn-sandbox runs NB and SB
# as 3-member Raft clusters, ovn-northd and two hosts (OVS userspace
# datapath + ovn-controller).  Each host's xovs-agent joins it to OVN
# (host-ovn-join); xovs-controller holds a private pool network and the
# VIFs' placement and writes them to the NB database through its IDL.
# Guests on the private network on different hosts ping each other over
# Geneve; a guest on another pool network reaches neither; with the NB
# leader killed, traffic goes on and a VIF placed meanwhile works.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

ovn_require
ovn_start 2
log "xovs-controller in the central namespace, on every NB and SB member"
ctl_start || fail "xovs-controller did not start"
for i in 1 2; do
    agent_on "$i"
done

log "bad join input is rejected, nothing changes"
out=$(xa 1 host-ovn-join remote=tcp:300.1.1.1:6642 encap-ip=198.18.100.11 2>&1) &&
    fail "a bad remote was accepted"
[[ $out == *remote* ]] || fail "bad remote: unclear error '$out'"
out=$(xa 1 host-ovn-join remote="$OVN_SB_DB" encap-ip=nowhere 2>&1) &&
    fail "a bad encap-ip was accepted"
[[ $out == *encap-ip* ]] || fail "bad encap-ip: unclear error '$out'"
[[ -z $(hvsctl 1 get Open_vSwitch . external_ids:ovn-remote 2>/dev/null) ]] ||
    fail "a rejected join wrote ovn-remote"

log "hosts join OVN through their agents (host-ovn-join)"
for i in 1 2; do
    ovn_join "$i"
done
for i in 1 2; do
    wait_until 30 test "$(hvsctl "$i" get Open_vSwitch . external_ids:ovn-encap-ip)" == \
        "\"198.18.100.1$i\"" || fail "host $i: ovn-encap-ip not written"
done
wait_until 60 chassis_count_is 2 || fail "the hosts did not register as chassis: $(sbctl show)"
log "ok: both hosts are OVN chassis"

log "pool networks: priv (private) and other"
priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create priv"
other=$(xc pool-network-create name-label=other) || fail "pool-network-create other"
out=$(xc pool-network-create name-label=priv 2>&1) && fail "a duplicate name was accepted"
out=$(xc pool-network-create name-label=x vlan=5 2>&1) &&
    fail "a VLAN on a private network was accepted"
[[ $out == *vlan* ]] || fail "vlan without physical-network: unclear error '$out'"

# Each host's network records for the pool networks.
for i in 1 2; do
    eval "priv$i=\$(xa $i network-create name-label=priv other-config:ovn-network=$priv)"
done
other1=$(xa 1 network-create name-label=other other-config:ovn-network="$other")
out=$(xa 1 network-create name-label=bad other-config:ovn-network=nope 2>&1) &&
    fail "ovn-network=nope was accepted"

log "g1 on host 1 and g2 on host 2 on priv; g3 on host 1 on other (same subnet)"
# shellcheck disable=SC2154 # priv1, priv2 set by the eval above
place g1 1 1 "$priv1" "$priv" 198.18.5.1/24 ip-allowed=198.18.5.1
# shellcheck disable=SC2154
place g2 2 2 "$priv2" "$priv" 198.18.5.2/24
place g3 1 3 "$other1" "$other" 198.18.5.3/24

hvsctl 1 get Interface vif1.0 external_ids:iface-id | grep -q "${VIFS[g1]}" ||
    fail "vif1.0 is not on br-int with iface-id ${VIFS[g1]}: $(hvsctl 1 show)"
[[ $(hvsctl 1 port-to-br vif1.0) == br-int ]] || fail "vif1.0 is not on br-int"
log "ok: vif1.0 is on host 1's br-int with iface-id = its VIF uuid"

ps=$(nbctl get Logical_Switch_Port "${VIFS[g1]}" port_security)
[[ $ps == *"$(guest_mac 1 0)"* ]] || fail "port_security of ${VIFS[g1]} is $ps"
rc=$(nbctl get Logical_Switch_Port "${VIFS[g1]}" options:requested-chassis)
[[ $rc == *"$OVN-h1"* ]] || fail "requested-chassis of ${VIFS[g1]} is $rc"
log "ok: NB has the logical ports (port_security MAC, requested-chassis)"

wait_bound g1 g2 g3
log "ok: every VIF is bound by its host's ovn-controller"

# ovn-controller marks a port whose flows it installed (external_ids
# ovn-installed on the Interface): the agent leaves that key alone and
# repairs no drift on vif1.0 for it (before, it removed the key dozens of
# times a second and ovn-controller wrote it back).
wait_until 30 test "$(hvsctl 1 get Interface vif1.0 external_ids:ovn-installed 2>/dev/null)" == '"true"' ||
    fail "vif1.0 has no ovn-installed: $(hvsctl 1 get Interface vif1.0 external_ids)"
lines=$(wc -l <"$T_DIR/agent1.log")
sleep 3
[[ $(hvsctl 1 get Interface vif1.0 external_ids:ovn-installed 2>/dev/null) == '"true"' ]] ||
    fail "vif1.0 lost ovn-installed: $(hvsctl 1 get Interface vif1.0 external_ids)"
fights=$(tail -n +$((lines + 1)) "$T_DIR/agent1.log" | grep -c "interface vif1.0 external_ids" || true)
[[ $fights -eq 0 ]] ||
    fail "host 1's agent rewrote vif1.0's external_ids $fights times in 3 s: $(tail -n 3 "$T_DIR/agent1.log")"
log "ok: vif1.0 keeps ovn-controller's ovn-installed; the agent does not fight over it"

wait_until 30 gexec g1 ping -c 1 -W 1 198.18.5.2 ||
    fail "g1 (host 1) does not reach g2 (host 2) over Geneve"
log "ok: g1 on host 1 reaches g2 on host 2 over Geneve"
expect_ping g2 198.18.5.1
expect_no_ping g1 198.18.5.3
expect_no_ping g3 198.18.5.2

log "port security: g1 may send only from its MAC and 198.18.5.1"
[[ $ps == *198.18.5.1* ]] || fail "port_security of g1 lacks its address: $ps"
gexec g1 ip addr add 198.18.5.9/24 dev eth0
expect_no_ping g1 -I 198.18.5.9 198.18.5.2
gexec g1 ip addr del 198.18.5.9/24 dev eth0
expect_ping g1 198.18.5.2
out=$(xc pool-vif-create uuid="$(new_uuid)" network-uuid="$priv" \
    mac=02:00:c6:12:09:00 host="$OVN-h1" ip-allowed=198.18.5.300 2>&1) &&
    fail "ip-allowed=198.18.5.300 was accepted"
[[ $out == *ip-allowed* ]] || fail "bad ip-allowed: unclear error '$out'"

leader=$("$OVN_SANDBOX" leader "$OVN" nb)
log "killing the NB leader (member $leader)"
"$OVN_SANDBOX" kill-db "$OVN" nb "$leader"
expect_ping g1 198.18.5.2
log "placing g4 on host 2 on priv while the old leader is down"
place g4 2 4 "$priv2" "$priv" 198.18.5.4/24
wait_until 90 bound "${VIFS[g4]}" || fail "g4's VIF not bound with the NB leader gone"
wait_until 30 gexec g1 ping -c 1 -W 1 198.18.5.4 ||
    fail "g1 does not reach g4, placed while the NB leader was down"
log "ok: a VIF placed after the leader died works"
new_leader=$("$OVN_SANDBOX" leader "$OVN" nb)
[[ $new_leader != "$leader" ]] || fail "member $leader still leads after being killed"
"$OVN_SANDBOX" start-db "$OVN" nb "$leader"
expect_ping g2 198.18.5.4

log "pool-vif-destroy takes g4 off OVN"
xc pool-vif-destroy uuid="${VIFS[g4]}" >/dev/null
expect_no_ping g1 198.18.5.4
out=$(xc pool-network-destroy uuid="$priv" 2>&1) && fail "a network with VIFs was destroyed"
[[ $out == *VIFs* ]] || fail "pool-network-destroy with VIFs: unclear error '$out'"

log "host-ovn-leave removes only the keys xovs wrote"
hvsctl 1 set Open_vSwitch . external_ids:hostname=keepme
xa 1 host-ovn-leave >/dev/null
# shellcheck disable=SC2317 # run by wait_until
leave_done() {
    [[ -z $(hvsctl 1 get Open_vSwitch . external_ids:ovn-remote 2>/dev/null) ]]
}
wait_until 20 leave_done || fail "host-ovn-leave left ovn-remote"
[[ $(hvsctl 1 get Open_vSwitch . external_ids:hostname) == keepme ]] ||
    fail "host-ovn-leave removed a key xovs did not write"
pass
