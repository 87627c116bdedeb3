#!/bin/bash
# The MTU reaches the guest.  Emulated Xen guests (xovs-guest, a netfront)
# on a 9000-MTU network, through xovs-netback: the hotplug script writes
# the VIF's MTU into the backend's xenstore directory (<backend>/mtu, the
# node Linux netfront reads), the guest's eth0 takes it, and 9000-byte IP
# packets (DF set) pass guest to guest over the netif rings (multi-slot
# requests) and OVS.  A VIF with its own MTU 1500 on the same network gets
# 1500 in xenstore and its guest, and passes no 9000-byte packet.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

nb_host_start
net=$(xovs network-create name-label=jumbo MTU=9000)
nb_guest ga 1 0 "$net" 198.18.0.1/24
nb_guest gb 2 0 "$net" 198.18.0.2/24
nb_guest gc 3 0 "$net" 198.18.0.3/24 MTU=1500

for v in 1:9000 2:9000 3:1500; do
    d=${v%:*}
    want=${v#*:}
    got=$(xs xenstore-read "$(be_path "$d" 0)/mtu" 2>&1) ||
        fail "no $(be_path "$d" 0)/mtu: $got"
    [[ $got == "$want" ]] || fail "$(be_path "$d" 0)/mtu is $got, want $want"
done
log "ok: backend mtu nodes: vif1.0 9000, vif2.0 9000, vif3.0 1500"
guest_mtu() {
    ip netns exec "$(gns "$1")" cat /sys/class/net/eth0/mtu
}
for v in ga:9000 gb:9000 gc:1500; do
    g=${v%:*}
    wait_until 5 test "$(guest_mtu "$g")" = "${v#*:}" ||
        fail "guest $g's eth0 has MTU $(guest_mtu "$g"), want ${v#*:}"
done
log "ok: the guests' eth0 took them (ga 9000, gb 9000, gc 1500)"
wait_until 10 test "$(vsctl get Interface vif1.0 mtu)" = 9000 ||
    fail "vif1.0 mtu $(vsctl get Interface vif1.0 mtu)"
wait_until 10 test "$(vsctl get Interface vif3.0 mtu)" = 1500 ||
    fail "vif3.0 mtu $(vsctl get Interface vif3.0 mtu)"

expect_ping ga -Mdo -s 8972 198.18.0.2
expect_ping gb -Mdo -s 8972 198.18.0.1
expect_ping ga 198.18.0.3
expect_no_ping ga -Mdo -s 8972 198.18.0.3
log "vif1.0: $(nb_appctl vif/show vif1.0 | awk '$2 != 0 && /^  [a-z_]+ +[0-9]+$/ { printf "%s=%s ", $1, $2 }')"
pass
