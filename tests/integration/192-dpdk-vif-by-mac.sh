#!/bin/bash
# xovs-test: alone
# A VIF record made before its domain exists (domid 0, as xl's users make
# them: xl picks the domid) still decides the data path.  xovs-netback asks
# the agent for the record with the VIF's domid and device; when there is
# none it asks, as the hotplug script does (scripts/vif), for the one
# unattached record with the VIF's device and the MAC in its backend
# directory.  xovs-netback runs with --dpdk-dir and --dpdk-default=no.  ga's
# record (domid 0, its MAC, on a network with other-config:xovs-dpdk=true)
# gives vif1.0 a net_xovs port, and the script then gives the record domid
# 1.  gb's MAC is on two unattached records: neither netback nor the script
# picks one, so vif2.0 is a tap plugged by its bridge key.  ga and gb ping
# each other (through net_xovs and the tap).
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

DPDK_DEFAULT=no
AGENT_EXTRA_ARGS+=(--datapath-type=netdev) # OVS-DPDK's ports need netdev
dpdk_host_start
net=$(xovs network-create name-label=dpdk-by-mac) || fail "network-create"
xovs network-param-set uuid="$net" other-config:xovs-dpdk=true ||
    fail "network-param-set other-config:xovs-dpdk=true"
br=$(network_bridge "$net")
# Records with domid 0: the guests' domains do not exist yet.
va=$(xovs vif-create vm-uuid="$(new_uuid)" domid=0 device=0 \
    network-uuid="$net" mac="$(guest_mac 1 0)") || fail "vif-create for ga"
for i in 1 2; do
    xovs vif-create vm-uuid="$(new_uuid)" domid=0 device=0 \
        network-uuid="$net" mac="$(guest_mac 2 0)" >/dev/null ||
        fail "vif-create $i for gb's MAC"
done

nb_guest_start ga 1 0 198.18.0.1/24
nb_guest_start gb 2 0 198.18.0.2/24 --bridge="$br"
nb_wait_connected 1 0 30
nb_wait_connected 2 0 30
dpdk_wait_attached 1 0
! hexec ip link show vif1.0 >/dev/null 2>&1 ||
    fail "vif1.0 is a DPDK VIF but has a tap"
grep -q "vif1.0: DPDK data path: other-config:xovs-dpdk of the unattached VIF record with its MAC" \
    "$T_DIR/netback.log" ||
    fail "netback did not log vif1.0's choice by MAC: $(grep 'vif1.0: .* data path' "$T_DIR/netback.log")"
[[ $(xovs vif-list uuid="$va" params=domid --minimal) == 1 ]] ||
    fail "VIF $va has domid $(xovs vif-list uuid="$va" params=domid --minimal), not 1"
devargs=$(xovs vif-list uuid="$va" params=dpdk-devargs --minimal)
[[ $devargs == "net_xovs_1_0,path=$DPDK_DIR/vif1.0.sock" ]] ||
    fail "VIF $va has dpdk-devargs '$devargs'"
log "ok: vif1.0 is a DPDK VIF by its unattached record's MAC, which is now domid 1"

if [[ $(vsctl get interface vif2.0 type) != '""' ]] ||
    ! hexec ip link show vif2.0 >/dev/null 2>&1; then
    fail "vif2.0 is not a tap port (type $(vsctl get interface vif2.0 type))"
fi
grep -q "vif2.0: tap data path: no VIF record for domid 2 device 0, and 2 unattached ones with its device and MAC" \
    "$T_DIR/netback.log" ||
    fail "netback did not log vif2.0's choice: $(grep 'vif2.0: .* data path' "$T_DIR/netback.log")"
log "ok: vif2.0, whose MAC two unattached records have, is a tap port"

expect_ping ga 198.18.0.2
expect_ping gb 198.18.0.1
pass
