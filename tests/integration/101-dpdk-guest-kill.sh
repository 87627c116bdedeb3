#!/bin/bash
# xovs-test: alone
# A guest on a DPDK VIF killed with SIGKILL, twice: xovs-netback notices,
# takes the data path back from net_xovs (the driver unmaps the guest's
# memory and closes its event channels) and the hotplug script deletes the
# port; the other guests keep talking; ovs-vswitchd-dpdk survives and holds
# no more fds or guest-memory mappings than before the guest came; the
# guest started again with the same domid gets a new net_xovs port and
# pings.
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

dpdk_host_start
dpdk_guest gb 2 0 198.18.0.2/24
dpdk_guest gc 3 0 198.18.0.3/24
expect_ping gb 198.18.0.3
vsd=$(dpdk_vswitchd_pid)
fds0=$(find /proc/"$vsd"/fd -mindepth 1 | wc -l)
maps0=$(grep -c 'memfd:' /proc/"$vsd"/maps || true)
log "ovs-vswitchd-dpdk (pid $vsd) with guests gb and gc: $fds0 fds, $maps0 guest-memory mappings"

dpdk_guest ga 1 0 198.18.0.1/24
expect_ping ga 198.18.0.2
maps=$(grep -c 'memfd:' /proc/"$vsd"/maps || true)
[[ $maps -gt $maps0 ]] || fail "net_xovs maps no memory of guest ga ($maps mappings)"

# shellcheck disable=SC2317 # run by wait_until
port_gone() {
    ! vsctl port-to-br vif1.0 >/dev/null 2>&1
}

for round in 1 2; do
    log "round $round: kill -KILL guest ga (pid ${GUEST_PID[ga]})"
    nb_guest_kill ga
    wait_until 10 port_gone || fail "OVS port vif1.0 still there 10 s after the guest died"
    log "ok: net_xovs port vif1.0 gone"
    expect_ping gb 198.18.0.3
    [[ -d /proc/$vsd ]] || fail "ovs-vswitchd-dpdk (pid $vsd) died"

    fe=$(xs xenstore-read "$(be_path 1 0)/frontend")
    xs xenstore-rm "$(be_path 1 0)"
    xs xenstore-rm "$fe"
    xs xenstore-rm /local/domain/1
    xs "$XOVS_BIN/xs-test-client" release 1 >/dev/null
    # shellcheck disable=SC2317 # run by wait_until
    vsd_clean() {
        [[ $(find /proc/"$vsd"/fd -mindepth 1 | wc -l) -eq $fds0 ]] &&
            [[ $(grep -c 'memfd:' /proc/"$vsd"/maps || true) -eq $maps0 ]]
    }
    wait_until 10 vsd_clean ||
        fail "ovs-vswitchd-dpdk holds $(find /proc/"$vsd"/fd -mindepth 1 | wc -l) fds" \
            "and $(grep -c 'memfd:' /proc/"$vsd"/maps) guest-memory mappings," \
            "$fds0 and $maps0 before the guest came and died"
    log "ok: ovs-vswitchd-dpdk holds $fds0 fds and $maps0 guest mappings again"

    log "guest ga started again as domain 1"
    dpdk_guest ga 1 0 198.18.0.1/24
    expect_ping ga 198.18.0.2
done
[[ $(dpdk_vswitchd_pid) == "$vsd" ]] || fail "ovs-vswitchd-dpdk was restarted"
pass
