#!/bin/bash
# MTU consistency network <-> PIF <-> VLAN <-> VIF, and jumbo frames end to
# end.  A change that would leave a VIF's MTU above its network's, a VLAN
# network's above the network it rides on, or a network's below what rides
# on it, is refused naming both sides, and changes nothing.  Then a guest on
# a 9000-MTU VLAN network over eth1 (whose network is raised to 9000 first)
# pings a host behind the "physical switch" with 9000-byte IP packets (DF
# set): the MTU reached the VIF's and the PIF's interfaces through
# mtu_request.  Control: the same VIF at MTU 1500 cannot.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start
switch_host h10 10 198.18.10.2/24
# The switch side of the wire and its host take jumbo frames too.
swvsctl set Interface p1 mtu_request=9000
swvsctl set Interface a10h10 mtu_request=9000
gexec h10 ip link set eth0 mtu 9000

xovs pif-scan >/dev/null
pif=$(pif_of_device eth1)
ensure_plugged "$pif"
phys=$(xovs pif-list uuid="$pif" params=network-uuid --minimal)
wait_port eth1 xenbr1

expect_reject() {
    local want=$1 out
    shift
    if out=$(xovs "$@" 2>&1); then
        fail "xovs $* was accepted"
    fi
    [[ $out == *"$want"* ]] || fail "xovs $*: '$out' does not say '$want'"
    log "ok: refused: ${out#xovs: }"
}

log "a VLAN network may not be larger than the network it rides on"
v10=$(xovs network-create name-label=v10 MTU=9000)
expect_reject "network-uuid: network $v10 (v10) has MTU 9000, larger than the MTU 1500 of network $phys" \
    vlan-create pif-uuid="$pif" network-uuid="$v10" vlan=10
xovs network-param-set uuid="$v10" MTU=1500
xovs vlan-create pif-uuid="$pif" network-uuid="$v10" vlan=10 >/dev/null
expect_reject "MTU: 9000 is larger than the MTU 1500 of network $phys" \
    network-param-set uuid="$v10" MTU=9000
xovs network-param-set uuid="$phys" MTU=9000
xovs network-param-set uuid="$v10" MTU=9000
expect_reject "MTU: 1500 is smaller than the MTU 9000 of VLAN network $v10 (v10, VLAN 10 on eth1)" \
    network-param-set uuid="$phys" MTU=1500
[[ $(xovs pif-list uuid="$pif" params=MTU --minimal) == 9000 ]] ||
    fail "eth1's PIF does not follow its network's MTU 9000"

log "a VIF may not be larger than its network"
small=$(xovs network-create name-label=small MTU=1400)
expect_reject "MTU: 9000 is larger than the MTU 1400 of the VIF's network $small (small)" \
    vif-create vm-uuid="$(new_uuid)" domid=7 device=0 network-uuid="$small" \
    mac=02:00:c6:12:07:00 MTU=9000
sv=$(xovs vif-create vm-uuid="$(new_uuid)" domid=7 device=0 \
    network-uuid="$small" mac=02:00:c6:12:07:00 MTU=1300)
xovs vif-param-set uuid="$sv" MTU=1400 # equal is fine
xovs vif-param-set uuid="$sv" MTU=1300
expect_reject "MTU: 1401 is larger than the MTU 1400 of the VIF's network $small" \
    vif-param-set uuid="$sv" MTU=1401
expect_reject "MTU: 1200 is smaller than the MTU 1300 of VIF $sv (vif7.0) on network $small" \
    network-param-set uuid="$small" MTU=1200
[[ $(xovs network-list uuid="$small" params=MTU --minimal) == 1400 &&
    $(xovs vif-list uuid="$sv" params=MTU --minimal) == 1300 ]] ||
    fail "a refused change changed an MTU"

log "jumbo frames: guest on VLAN 10 (MTU 9000) -> eth1 -> switch -> h10"
guest_add g1 1 0 198.18.10.1/24 9000
vif=$(vif_attach g1 1 0 "$v10")
wait_port vif1.0 "$(network_bridge "$v10")" # the fake bridge
for i in vif1.0 eth1; do
    wait_until 10 test "$(vsctl get Interface "$i" mtu)" = 9000 ||
        fail "$i mtu is $(vsctl get Interface "$i" mtu), want 9000"
done
log "ok: vif1.0 and eth1 run at 9000 (mtu_request from the records)"
expect_ping g1 -Mdo -s 8972 198.18.10.2
expect_ping h10 -Mdo -s 8972 198.18.10.1

log "control: the VIF at MTU 1500 passes no 9000-byte packet"
xovs vif-param-set uuid="$vif" MTU=1500
wait_until 10 test "$(vsctl get Interface vif1.0 mtu)" = 1500 ||
    fail "vif1.0 mtu is $(vsctl get Interface vif1.0 mtu), want 1500"
expect_ping g1 198.18.10.2
expect_no_ping h10 -Mdo -s 8972 198.18.10.1
pass
