# vlan (issue 5, scenario 2): a domU on a VLAN network reaches a dom0-side
# host on the same VLAN and not one on another VLAN.  The "physical" side
# is a veth pair: eth1 in dom0 (a PIF, scanned and plugged by the agent)
# and its peer sw1 in namespace xovs-phys.  Hosts h10 and h20 are
# namespaces of their own holding sw1's VLAN 10 and VLAN 20 sub-interfaces,
# with addresses in ONE subnet, so only the tag keeps the guest from h20.
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

PHYS=xovs-phys
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
    local ns
    for ns in "$PHYS" xovs-h10 xovs-h20; do
        ip netns del "$ns" 2>/dev/null
    done
    ip link del eth1 2>/dev/null
}
trap cleanup EXIT

host_up
ip netns add "$PHYS" || fail "ip netns add failed"
ip link add eth1 type veth peer name sw1 netns "$PHYS" || fail "veth failed"
ip -n "$PHYS" link set sw1 up
for tag in 10 20; do
    h=xovs-h$tag
    ip netns add "$h" || fail "ip netns add $h failed"
    ip -n "$PHYS" link add link sw1 name "sw1.$tag" type vlan id "$tag" ||
        fail "VLAN $tag sub-interface failed"
    ip -n "$PHYS" link set "sw1.$tag" netns "$h" || fail "moving sw1.$tag failed"
    ip -n "$h" addr add "198.18.10.$((tag / 10 + 1))/24" dev "sw1.$tag"
    ip -n "$h" link set "sw1.$tag" up
done
log "h10 198.18.10.2 on VLAN 10, h20 198.18.10.3 on VLAN 20 behind eth1"

xovs pif-scan >/dev/null || fail "pif-scan failed"
pif=$(xovs pif-list device=eth1 VLAN=-1 params=uuid --minimal)
[ -n "$pif" ] || fail "pif-scan found no PIF for eth1"
xovs pif-plug uuid="$pif" >/dev/null || fail "pif-plug failed"
net10=$(net_create net10) || fail "network-create net10 failed"
xovs vlan-create pif-uuid="$pif" network-uuid="$net10" vlan=10 >/dev/null ||
    fail "vlan-create 10 failed"
br10=$(net_bridge "$net10")
wait_for 20 ovs-vsctl --timeout=5 br-exists "$br10" || fail "no bridge $br10"
log "net10 on $br10: parent $(ovs-vsctl br-to-parent "$br10"), tag $(ovs-vsctl br-to-vlan "$br10")"

vif_record "$net10" 0 0 "$(guest_mac 31)" >/dev/null || fail "vif-create failed"
d=$(guest_up gv 31 "$br10" 'extra = "console=hvc0 xovs.ip=198.18.10.31/24"') ||
    { host_report; domu_console gv; fail "guest gv did not come up"; }
wait_for 60 xs_is "/local/domain/0/backend/vif/$d/0/state" 4 ||
    { host_report; fail "backend of domain $d not Connected"; }
[ "$(ovs-vsctl --timeout=5 get Port "vif$d.0" tag)" = 10 ] ||
    { host_report; fail "vif$d.0 is not tagged 10"; }

out=$(domu_exec "$d" 60 "ping -c 3 -i 0.2 -W 2 198.18.10.2") ||
    { echo "$out"; host_report; domu_report "$d"; fail "guest on VLAN 10 cannot reach h10"; }
echo "$out" | tail -n 2
if domu_exec "$d" 60 "ping -c 3 -i 0.2 -W 1 198.18.10.3"; then
    host_report
    fail "guest on VLAN 10 reached h20 on VLAN 20"
fi
# h10 knows the guest; h20 never heard of it.
ip -n xovs-h10 neigh show dev sw1.10 | grep -qi "$(guest_mac 31)" ||
    fail "h10 did not learn the guest's MAC"
ip -n xovs-h20 neigh show dev sw1.20 | grep -qi "$(guest_mac 31)" &&
    fail "h20 learned the VLAN 10 guest's MAC"

xl destroy "$d" || fail "xl destroy failed"
pass
