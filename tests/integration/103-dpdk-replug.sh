#!/bin/bash
# xovs-test: alone
# A DPDK VIF unplugged and plugged again, more times than DPDK has port
# numbers (RTE_MAX_ETHPORTS is 32): each round the guest closes its VIF
# (SIGTERM), netback takes the data path back before the hotplug script
# deletes the net_xovs port, and the guest started again gets a new port
# that forwards.  After the last round ovs-vswitchd-dpdk (same pid) holds
# exactly the fds, guest-memory mappings and hugepage memory it held with
# the other guest alone (and as many DPDK heap allocations), OVS has one
# port on the bridge, and netback no
# more fds than before.  XOVS_DPDK_REPLUG_ROUNDS sets the count (default
# 35).
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

rounds=${XOVS_DPDK_REPLUG_ROUNDS:-35}
dpdk_host_start
dpdk_guest gb 2 0 198.18.0.2/24
dpdk_guest ga 1 0 198.18.0.1/24
expect_ping ga 198.18.0.2
nb_guest_stop ga
# shellcheck disable=SC2317 # run by wait_until
port_gone() { ! vsctl port-to-br vif1.0 >/dev/null 2>&1; }
wait_until 10 port_gone || fail "port vif1.0 still there after its guest closed"

vsd=$(dpdk_vswitchd_pid)
# shellcheck disable=SC2317 # run by wait_until
held() {
    echo "$(find /proc/"$vsd"/fd -mindepth 1 | wc -l) fds," \
        "$(grep -c 'memfd:' /proc/"$vsd"/maps || true) guest mappings," \
        "$(awk '/^HugetlbPages:/ {print $2}' /proc/"$vsd"/status) kB hugepages," \
        "DPDK heap $(hexec ovs-appctl -t "$RUNDIR/ovs-vswitchd.$vsd.ctl" dpdk/get-malloc-stats |
            awk -F'[:,]' '$1 ~ /Alloc_count/ { n += $2 } END { print n + 0 }') allocations;" \
        "netback $(find /proc/"$NB_PID"/fd -mindepth 1 | wc -l) fds"
}
sleep 1
held0=$(held)
log "with guest gb alone: ovs-vswitchd-dpdk $held0"

for ((r = 1; r <= rounds; r++)); do
    dpdk_guest ga 1 0 198.18.0.1/24
    ping_ok ga 198.18.0.2 || fail "round $r: ga cannot ping gb"
    nb_guest_stop ga
    wait_until 10 port_gone || fail "round $r: port vif1.0 still there 10 s after its guest closed"
    [[ -d /proc/$vsd ]] || fail "round $r: ovs-vswitchd-dpdk died"
    ((r % 10)) || log "round $r: $(held)"
done
# shellcheck disable=SC2317 # run by wait_until
same() { [[ $(held) == "$held0" ]]; }
wait_until 10 same || fail "after $rounds rounds: $(held); before: $held0"
log "ok: after $rounds rounds ovs-vswitchd-dpdk $(held)"
[[ $(vsctl list-ports "$DPDK_BR") == vif2.0 ]] ||
    fail "ports on $DPDK_BR: $(vsctl list-ports "$DPDK_BR" | tr '\n' ' ')"
[[ $(dpdk_vswitchd_pid) == "$vsd" ]] || fail "ovs-vswitchd-dpdk was restarted"
pass
