#!/bin/bash
# xovs-test: alone
# A DPDK VIF's OVS interface gets one rx queue per VIF queue without the
# admin setting options:n_rxq: once a frontend has connected more than one
# queue, xovs-netback writes the number in xovs-dpdk-queues and runs the
# hotplug script again, which plugs the port anew with options:n_rxq set
# from it (the rings are handed to the new port).  Guest ga
# connects 4 queues, gb 2, gc 1: their interfaces get n_rxq 4, 2 and (no
# option or) 1, OVS polls exactly that many rx queues of each
# (pmd-rxq-show), and the guests talk.  Then ga goes and comes back with 3
# queues: its new port has n_rxq 3.
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

dpdk_host_start
dpdk_guest ga 1 0 198.18.0.1/24 --queues=4
dpdk_guest gb 2 0 198.18.0.2/24 --queues=2
dpdk_guest gc 3 0 198.18.0.3/24

# n_rxq VIF: the interface's options:n_rxq ("" when unset).
n_rxq() {
    local v
    v=$(vsctl --if-exists get interface "$1" options:n_rxq 2>/dev/null) || v=
    echo "${v//\"/}"
}

# rxqs_polled VIF: the rx queue ids of VIF that pmd-rxq-show lists.
rxqs_polled() {
    happctl dpif-netdev/pmd-rxq-show |
        awk -v p="$1" '$1 == "port:" && $2 == p { print $4 }' | sort -n |
        tr '\n' ' '
}

# shellcheck disable=SC2317 # run by wait_until
polls() {
    [[ $(rxqs_polled "$1") == "$2" ]]
}

# expect_rxqs VIF N: options:n_rxq is N (1: unset or 1) and OVS polls rx
# queues 0..N-1 of VIF.
expect_rxqs() {
    local vif=$1 n=$2 want got
    got=$(n_rxq "$vif")
    if [[ $n -gt 1 ]]; then
        [[ $got == "$n" ]] ||
            fail "$vif: options:n_rxq is '$got', want $n (its queues)"
    else
        [[ -z $got || $got == 1 ]] ||
            fail "$vif: options:n_rxq is '$got' for a one-queue VIF"
    fi
    want=$(seq 0 $((n - 1)) | tr '\n' ' ')
    wait_until 30 polls "$vif" "$want" ||
        fail "$vif: OVS polls rx queues '$(rxqs_polled "$vif")', want '$want'"
    log "ok: $vif: options:n_rxq '${got}', OVS polls rx queues $want"
}

grep -q "^  queues: 4," <<<"$(nb_appctl vif/show vif1.0)" ||
    fail "netback did not connect 4 queues of vif1.0"
expect_rxqs vif1.0 4
[[ $(xs xenstore-read "$(be_path 1 0)/xovs-dpdk-queues") == 4 ]] ||
    fail "netback did not write xovs-dpdk-queues 4 for vif1.0"
expect_rxqs vif2.0 2
expect_rxqs vif3.0 1

expect_ping ga 198.18.0.2
expect_ping gb 198.18.0.3
expect_ping gc 198.18.0.1

# The guest goes (its port with it) and comes back with 3 queues.
# shellcheck disable=SC2317 # run by wait_until
port_gone() {
    ! vsctl port-to-br "$1" >/dev/null 2>&1
}
nb_guest_stop ga
wait_until 60 port_gone vif1.0 || fail "vif1.0's port stayed after ga went"
dpdk_guest ga 1 0 198.18.0.1/24 --queues=3
expect_rxqs vif1.0 3
expect_ping ga 198.18.0.2
kill -0 "$(dpdk_vswitchd_pid)" || fail "ovs-vswitchd-dpdk died"
pass
