#!/bin/bash
# Bad input through the CLI: each bad request is rejected whole with exit
# status 1 and a message on stderr naming the field, and changes nothing
# (network-list, pif-list, vif-list --json and OVS stay the same).  Usage
# errors exit 2.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start

log "setup: NIC eth1 (plugged), network n1 with a VIF, VLAN 10 on eth1"
peer=$(gns nic)
CLEAN_NETNS+=("$peer")
ip netns add "$peer"
"$SANDBOX" link "$NS" eth1 "$peer" eth0
xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
xovs pif-plug uuid="$pif" >/dev/null
phys_net=$(xovs pif-list uuid="$pif" params=network-uuid --minimal)
n1=$(xovs network-create name-label=n1)
n2=$(xovs network-create name-label=n2)
n10=$(xovs network-create name-label=n10)
xovs vlan-create pif-uuid="$pif" network-uuid="$n10" vlan=10 >/dev/null
vpif=$(xovs pif-list network-uuid="$n10" params=uuid --minimal)
[[ -n $vpif ]] || fail "no VLAN PIF for n10"
vm=$(new_uuid)
mac=$(guest_mac 1 0)
vif=$(xovs vif-create vm-uuid="$vm" domid=1 device=0 network-uuid="$n1" mac="$mac")
wait_until 10 vsctl br-exists "$(network_bridge "$n1")" ||
    fail "no bridge for n1"
nobody=$(new_uuid)

# shellcheck disable=SC2317 # run by settled (lib.sh)
snapshot_now() {
    xovs network-list --json
    xovs pif-list --json
    xovs vif-list --json
    ovs_state
}
snapshot() {
    settled snapshot_now
}
# The lists must be JSON arrays of objects with xe-style names.
for verb in network-list pif-list vif-list; do
    xovs "$verb" --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert isinstance(v, list) and v and all("uuid" in o for o in v), v
' || fail "$verb --json is not a JSON array of records with uuid"
done
sleep 1
snapshot >"$T_DIR/before"

log "VLAN tags"
reject 'vlan|tag' vlan-create pif-uuid="$pif" network-uuid="$n2" vlan=4095
reject 'vlan|tag' vlan-create pif-uuid="$pif" network-uuid="$n2" vlan=-1
reject 'vlan|tag' vlan-create pif-uuid="$pif" network-uuid="$n2" vlan=ten
reject 'vlan|tag' vlan-create pif-uuid="$pif" network-uuid="$n2" vlan=10
reject 'pif|vlan' vlan-create pif-uuid="$vpif" network-uuid="$n2" vlan=30
reject 'pif' vlan-create pif-uuid="$nobody" network-uuid="$n2" vlan=30
reject 'network' vlan-create pif-uuid="$pif" network-uuid="$nobody" vlan=30

log "MTU"
reject 'mtu' network-create name-label=small MTU=67
reject 'mtu' network-create name-label=big MTU=9217
reject 'mtu' network-create name-label=nan MTU=lots
reject 'mtu' network-param-set uuid="$n1" MTU=67
reject 'mtu' network-param-set uuid="$n1" MTU=9217
reject 'mtu' vif-create vm-uuid="$vm" domid=1 device=5 network-uuid="$n1" mac=02:00:c6:12:01:05 MTU=9217

log "bridge names"
reject 'bridge' network-create name-label=long bridge=abcdefghijklmnop
reject 'bridge' network-create name-label=at bridge=br@x
reject 'bridge' network-create name-label=slash bridge=br/x
reject 'bridge' network-create name-label=space "bridge=br x"

log "MACs"
reject 'mac' vif-create vm-uuid="$vm" domid=1 device=1 network-uuid="$n1" mac=zz:00:c6:12:01:01
reject 'mac' vif-create vm-uuid="$vm" domid=1 device=1 network-uuid="$n1" mac=02:00:c6:12:01
reject 'mac' vif-create vm-uuid="$vm" domid=1 device=1 network-uuid="$n1" mac=02:00:c6:12:01:01:01

log "unknown uuids"
reject 'network|uuid' vif-create vm-uuid="$vm" domid=1 device=1 network-uuid="$nobody" mac=02:00:c6:12:01:01
reject 'uuid|vif' vif-plug uuid="$nobody"
reject 'uuid|vif' vif-destroy uuid="$nobody"
reject 'uuid|network' network-destroy uuid="$nobody"
reject 'uuid|pif' pif-plug uuid="$nobody"
reject 'uuid|network' network-param-set uuid="$nobody" MTU=1500
reject 'uuid|network' network-destroy uuid=not-a-uuid

log "destroying networks in use"
reject 'vif' network-destroy uuid="$n1"
reject 'pif' network-destroy uuid="$phys_net"
reject 'pif|vlan' network-destroy uuid="$n10"

log "VIF fields"
reject 'device' vif-create vm-uuid="$vm" domid=1 device=0 network-uuid="$n2" mac=02:00:c6:12:01:09
reject 'device' vif-create vm-uuid="$vm" domid=1 device=-1 network-uuid="$n2" mac=02:00:c6:12:01:09
reject 'domid' vif-create vm-uuid="$vm" domid=-3 device=2 network-uuid="$n2" mac=02:00:c6:12:01:09
reject 'ipv4' vif-create vm-uuid="$vm" domid=1 device=2 network-uuid="$n1" mac=02:00:c6:12:01:02 locking-mode=locked ipv4-allowed=198.18.0.300
reject 'ipv4' vif-create vm-uuid="$vm" domid=1 device=2 network-uuid="$n1" mac=02:00:c6:12:01:02 locking-mode=locked ipv4-allowed=198.18.0.1,nonsense
reject 'ipv6' vif-create vm-uuid="$vm" domid=1 device=2 network-uuid="$n1" mac=02:00:c6:12:01:02 locking-mode=locked ipv6-allowed=2001:db8::zz
reject 'ipv6' vif-create vm-uuid="$vm" domid=1 device=2 network-uuid="$n1" mac=02:00:c6:12:01:02 ipv6-allowed=198.18.0.1
reject 'locking' vif-create vm-uuid="$vm" domid=1 device=2 network-uuid="$n1" mac=02:00:c6:12:01:02 locking-mode=sometimes
reject 'locking' vif-param-set uuid="$vif" locking-mode=sometimes
reject 'ipv4' vif-param-set uuid="$vif" ipv4-allowed=1.2.3
reject 'vm' vif-create vm-uuid=not-a-uuid domid=1 device=2 network-uuid="$n1" mac=02:00:c6:12:01:02
nrej=$BAD_CASES

log "usage errors"
usage_error frobnicate
usage_error network-create name-label
usage_error network-list --no-such-option
usage_error help no-such-verb
usage_error network-create name-label=a name-label=b
usage_error network-create name-label=a colour=red

log "$nrej bad requests rejected with their field named, nothing changed; $((BAD_CASES - nrej)) usage errors"
pass
