#!/bin/bash
# xovs-test: alone
# DPDK has few port numbers (RTE_MAX_ETHPORTS is 32 in Debian's build):
# xovs-netback gives at most --dpdk-max-vifs (default 30) VIFs a net_xovs
# port, and the next one a tap, with a clear log line.  Here the limit is 1:
# guest ga gets a net_xovs port, gb falls back to a tap, and the two reach
# each other through the same ovs-vswitchd-dpdk; once ga is gone, a new
# guest gets a net_xovs port again.
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

NB_EXTRA_ARGS+=(--dpdk-max-vifs=1)
dpdk_host_start
dpdk_guest ga 1 0 198.18.0.1/24

nb_guest_start gb 2 0 198.18.0.2/24 --bridge="$DPDK_BR"
nb_wait_connected 2 0
[[ $(vsctl get interface vif2.0 type) == '""' ]] ||
    fail "vif2.0 is of type $(vsctl get interface vif2.0 type), want a tap (system port)"
hexec ip link show vif2.0 >/dev/null || fail "no tap vif2.0"
grep -q "vif2.0: 1 DPDK VIFs already (--dpdk-max-vifs; DPDK's RTE_MAX_ETHPORTS is 32): this VIF gets a tap port" \
    "$T_DIR/netback.log" || fail "no fallback line for vif2.0 in netback.log"
log "ok: vif2.0 fell back to a tap, with its log line"

expect_ping ga 198.18.0.2
expect_ping gb 198.18.0.1

nb_guest_stop ga
# shellcheck disable=SC2317 # run by wait_until
port_gone() { ! vsctl port-to-br vif1.0 >/dev/null 2>&1; }
wait_until 10 port_gone || fail "port vif1.0 still there after its guest closed"
dpdk_guest gc 3 0 198.18.0.3/24
expect_ping gc 198.18.0.2
pass
