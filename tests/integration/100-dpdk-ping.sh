#!/bin/bash
# xovs-test: alone
# Two xovs-guests whose VIFs are DPDK VIFs (xovs-netback --dpdk-dir): the
# hotplug script adds net_xovs ports to ovs-vswitchd-dpdk, netback hands
# the rings to the driver, and the guests ping each other both ways and
# pass pings and TCP through OVS's PMD thread, never through a tap.  The
# guests' kernels leave TCP checksums blank (NETTXF_csum_blank): the
# driver fills them, else the receiving guest drops every segment and
# iperf3 moves nothing.
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

dpdk_host_start
dpdk_guest ga 1 0 198.18.0.1/24
dpdk_guest gb 2 0 198.18.0.2/24

# No tap: the ports exist only inside ovs-vswitchd-dpdk.
if hexec ip link show vif1.0 >/dev/null 2>&1; then
    fail "a device vif1.0 exists: the VIF went through a tap"
fi
grep -q "data path handed to net_xovs" "$T_DIR/netback.log" ||
    fail "netback did not hand the data path over"

expect_ping ga 198.18.0.2
expect_ping gb 198.18.0.1
log "20 pings ga -> gb: $(gexec ga ping -c 20 -i 0.05 -q 198.18.0.2 | tail -n 1)"

rx0=$(dpdk_rx_packets vif1.0)
gexec ga ping -c 200 -i 0.002 -q 198.18.0.2 >/dev/null ||
    fail "200 fast pings ga -> gb lost some"
rx1=$(dpdk_rx_packets vif1.0)
[[ $((rx1 - rx0)) -ge 200 ]] ||
    fail "vif1.0 counted $((rx1 - rx0)) frames from the guest, want >= 200"
log "ok: vif1.0 rx_packets $rx0 -> $rx1 (net_xovs counters)"

command -v iperf3 >/dev/null || skip "iperf3 not installed (scripts/setup)"
rate=$(nb_iperf ga gb 198.18.0.2 3) || fail "iperf3 TCP ga -> gb failed"
[[ ${rate%.*} -gt 0 ]] || fail "iperf3 moved no data ga -> gb"
log "ok: iperf3 TCP ga -> gb through net_xovs, 3 s: $rate Mbit/s"
pass
