#!/bin/bash
# Bad bond requests through the CLI: each is rejected whole with exit status
# 1 and a message naming the field, and changes nothing (records and OVS
# stay the same): fewer than 2 or more than 4 members, a PIF in two bonds,
# a VLAN PIF or a bond as a member, a member carrying a VLAN, members with
# different MTUs, hashing_algorithm with a non-LACP mode, unknown property
# names and values, and more.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start

log "setup: NICs eth1..eth7 (eth6 at MTU 9000), bond over eth1+eth2, VLAN 10 on eth7"
peer=$(gns nic)
CLEAN_NETNS+=("$peer")
ip netns add "$peer"
for i in 1 2 3 4 5 6 7; do
    "$SANDBOX" link "$NS" "eth$i" "$peer" "p$i"
done
ip -n "$NS" link set eth6 mtu 9000
xovs pif-scan >/dev/null
e1=$(pif_of_device eth1) e2=$(pif_of_device eth2) e3=$(pif_of_device eth3)
e4=$(pif_of_device eth4) e5=$(pif_of_device eth5) e6=$(pif_of_device eth6)
e7=$(pif_of_device eth7)
[[ $(xovs pif-list uuid="$e6" params=MTU --minimal) == 9000 ]] || fail "eth6's PIF MTU is not 9000"
net=$(xovs network-create name-label=bond-net)
net2=$(xovs network-create name-label=bond-net2)
n10=$(xovs network-create name-label=n10)
bond=$(xovs bond-create network-uuid="$net" pif-uuids="$e1,$e2")
master=$(bond_field "$bond" master)
xovs vlan-create pif-uuid="$e7" network-uuid="$n10" vlan=10 >/dev/null
vpif=$(xovs pif-list network-uuid="$n10" params=uuid --minimal)
e3net=$(xovs pif-list uuid="$e3" params=network-uuid --minimal)
wait_bond bond0 "$(network_bridge "$net")"
nobody=$(new_uuid)

# shellcheck disable=SC2317 # run by settled (lib.sh)
snapshot_now() {
    xovs network-list --json
    xovs pif-list --json
    xovs vlan-list --json
    xovs bond-list --json params=uuid,master,slaves,primary-slave,mode,properties
    ovs_state
}
snapshot() {
    settled snapshot_now
}
sleep 1
snapshot >"$T_DIR/before"

C=(bond-create network-uuid="$net2")
reject '^xovs: pif-uuids: 1 PIF' "${C[@]}" pif-uuids="$e3"
reject '^xovs: pif-uuids: more than 4' "${C[@]}" pif-uuids="$e3,$e4,$e5,$e6,$e7"
reject '^xovs: pif-uuids: .*already a member of bond' "${C[@]}" pif-uuids="$e3,$e1"
reject '^xovs: pif-uuids: .*is VLAN 10' "${C[@]}" pif-uuids="$e3,$vpif"
reject '^xovs: pif-uuids: .*is the PIF of bond' "${C[@]}" pif-uuids="$e3,$master"
reject '^xovs: pif-uuids: .*carries VLAN 10' "${C[@]}" pif-uuids="$e7,$e3"
reject '^xovs: pif-uuids: members have different MTUs' "${C[@]}" pif-uuids="$e3,$e6"
reject '^xovs: pif-uuids: .*listed twice' "${C[@]}" pif-uuids="$e3,$e3"
reject '^xovs: pif-uuids: .*not a uuid' "${C[@]}" pif-uuids="$e3,eth4"
reject '^xovs: pif-uuids: no PIF' "${C[@]}" pif-uuids="$e3,$nobody"
reject '^xovs: properties:hashing_algorithm: only applies to mode lacp' "${C[@]}" pif-uuids="$e3,$e4" properties:hashing_algorithm=src_mac
reject '^xovs: properties:hashing_algorithm: only applies to mode lacp' "${C[@]}" pif-uuids="$e3,$e4" mode=active-backup properties:hashing_algorithm=tcpudp_ports
reject '^xovs: properties:colour: unknown property' "${C[@]}" pif-uuids="$e3,$e4" properties:colour=red
reject '^xovs: properties:lacp-time: "medium" is not fast or slow' "${C[@]}" pif-uuids="$e3,$e4" mode=lacp properties:lacp-time=medium
reject '^xovs: properties:hashing_algorithm: "dst_ip"' "${C[@]}" pif-uuids="$e3,$e4" mode=lacp properties:hashing_algorithm=dst_ip
reject '^xovs: properties:updelay: "-5" is not a number' "${C[@]}" pif-uuids="$e3,$e4" properties:updelay=-5
reject '^xovs: properties:lacp-fallback-ab: "yes"' "${C[@]}" pif-uuids="$e3,$e4" mode=lacp properties:lacp-fallback-ab=yes
reject '^xovs: mode: "round-robin" is not' "${C[@]}" pif-uuids="$e3,$e4" mode=round-robin
reject '^xovs: network-uuid: .*already has PIF' bond-create network-uuid="$e3net" pif-uuids="$e3,$e4"
reject '^xovs: network-uuid: no network' bond-create network-uuid="$nobody" pif-uuids="$e3,$e4"
reject '^xovs: mode: "fast"' bond-set-mode uuid="$bond" mode=fast
reject '^xovs: properties:hashing_algorithm: only applies to mode lacp' bond-param-set uuid="$bond" properties:hashing_algorithm=src_mac
reject '^xovs: properties:miimon: "0"' bond-param-set uuid="$bond" properties:miimon=0
reject '^xovs: properties:use_carrier: "2"' bond-param-set uuid="$bond" properties:use_carrier=2
reject '^xovs: primary-slave: .*is not a member' bond-param-set uuid="$bond" primary-slave="$e3"
reject '^xovs: uuid: no bond' bond-destroy uuid="$nobody"
reject '^xovs: uuid: .*is a member of bond' pif-unplug uuid="$e1"
reject '^xovs: pif-uuid: .*is a member of bond' vlan-create pif-uuid="$e1" network-uuid="$net2" vlan=20
reject '^xovs: uuid: network .*is still used by PIF' network-destroy uuid="$net"
nrej=$BAD_CASES

rc=0
xovs bond-destroy uuid="$bond" properties:updelay=1 >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "properties on bond-destroy: exit $rc, want 2 (usage)"
log "ok: properties:KEY on a verb without properties is a usage error"

log "$nrej bad bond requests rejected with their field named, nothing changed"
pass
