# tests/integration/dpdk-lib.sh: helpers for the DPDK VIF tests (100-109),
# on top of netback-lib.sh.
# shellcheck shell=bash
#
#   . "$(dirname "$0")/dpdk-lib.sh"
#   dpdk_host_start        # as nb_host_start, with ovs-vswitchd-dpdk
#   dpdk_guest ga 1 0 198.18.0.1/24    # xovs-guest on a DPDK VIF
#   ...
#   pass
#
# The host sandbox runs Debian's ovs-vswitchd-dpdk (scripts/ovs-sandbox
# start --dpdk: hugepages raised for it and given back by stop, EAL
# --in-memory, one PMD thread on core 1) with the net_xovs driver loaded
# by EAL's -d; xovs-netback runs with --dpdk-dir, so every VIF is a DPDK
# VIF: the hotplug script adds it to bridge $DPDK_BR (the guest's
# xenstore "bridge" key) as type=dpdk with the devargs netback wrote.

# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netback-lib.sh"

DPDK_VSD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
# The driver is never built sanitized (it is loaded into the unsanitized
# ovs-vswitchd): a sanitized build's tests use the plain build's.
DPDK_PMD=$XOVS_BIN/librte_net_xovs.so
PMD_DIR=
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
dpdk_pmd_dir_remove() {
    [[ -z $PMD_DIR ]] || rm -rf "$PMD_DIR"
}
[[ -e $DPDK_PMD ]] || DPDK_PMD=$TOP/build/bin/librte_net_xovs.so
DPDK_BR=brd
DPDK_DIR=

dpdk_require() {
    [[ -x $DPDK_VSD ]] ||
        skip "$DPDK_VSD not installed (Debian: openvswitch-switch-dpdk)"
    [[ -w /proc/sys/vm/nr_hugepages ]] ||
        skip "cannot raise /proc/sys/vm/nr_hugepages (hugepages for DPDK)"
    [[ -e $DPDK_PMD ]] || fail "$DPDK_PMD not built (make)"
}

# host_start, as lib.sh's, but the sandbox runs ovs-vswitchd-dpdk with
# net_xovs (nb_host_start calls this one).
host_start() {
    local env
    require_basics
    dpdk_require
    T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
    CLEAN_SANDBOXES+=("xh$ID")
    # EAL refuses a plugin below a world-writable directory (a checkout
    # under /tmp): load a copy kept in a root-owned 0755 directory, unless
    # the test names one (DPDK_PLUGIN: an installed one).
    local plugin=${DPDK_PLUGIN:-}
    if [[ -z $plugin ]]; then
        PMD_DIR=/run/xovs-pmd.$ID
        mkdir -m 0755 "$PMD_DIR"
        CLEAN_HOOKS+=(dpdk_pmd_dir_remove)
        install -m 0644 "$DPDK_PMD" "$PMD_DIR/librte_net_xovs.so"
        plugin=$PMD_DIR/librte_net_xovs.so
    fi
    env=$("$SANDBOX" start --dpdk --pmd-core 1 --dpdk-mem 256 \
        --client-mem 0 --dpdk-extra "-d $plugin" "xh$ID") ||
        fail "ovs-sandbox start --dpdk xh$ID"
    eval "$env"
    NS=$XOVS_NETNS
    RUNDIR=$OVS_RUNDIR
    unset XOVS_NETNS OVS_RUNDIR OVS_DBDIR OVS_LOGDIR
    log "host sandbox $NS up with ovs-vswitchd-dpdk and net_xovs"
    agent_start
    DPDK_DIR=$T_DIR/dpdk
    mkdir -p "$DPDK_DIR"
    # The tests of the bridge-key path have no VIF records: every VIF is
    # a DPDK VIF unless a test sets DPDK_DEFAULT=no (the records decide).
    NB_EXTRA_ARGS+=("--dpdk-dir=$DPDK_DIR" "--dpdk-default=${DPDK_DEFAULT:-yes}")
}

# dpdk_host_start: sandbox, agent, xenstored, netback --dpdk-dir, bridge.
dpdk_host_start() {
    nb_host_start
    vsctl add-br "$DPDK_BR" -- set bridge "$DPDK_BR" datapath_type=netdev
}

# dpdk_guest NAME DOMID DEVID ADDR/PREFIX [xovs-guest args]: a guest whose
# VIF goes on $DPDK_BR (no agent record: the bridge key decides), waits
# until it is connected and its port is a net_xovs one.
dpdk_guest() {
    local name=$1 domid=$2 devid=$3 addr=$4
    shift 4
    nb_guest_start "$name" "$domid" "$devid" "$addr" --bridge="$DPDK_BR" "$@"
    nb_wait_connected "$domid" "$devid"
    dpdk_wait_attached "$domid" "$devid"
}

# dpdk_attached DOMID DEVID: the port is type dpdk, up in OVS, and netback
# has handed its rings over.
dpdk_attached() {
    [[ $(vsctl get interface "vif$1.$2" type) == dpdk ]] || return 1
    [[ $(vsctl get interface "vif$1.$2" link_state) == up ]] || return 1
}

dpdk_wait_attached() {
    wait_until 60 dpdk_attached "$1" "$2" || {
        # What OVS-DPDK and net_xovs said about the port, for the record.
        grep -E "vif$1\.$2|net_xovs_$1_$2|xovs" "$RUNDIR/ovs-vswitchd.log" 2>/dev/null |
            tail -n 30 | sed "s/^/[$TEST_NAME] vswitchd | /"
        fail "vif$1.$2 not an attached net_xovs port: type" \
            "$(vsctl get interface "vif$1.$2" type 2>&1), link" \
            "$(vsctl get interface "vif$1.$2" link_state 2>&1), error" \
            "$(vsctl get interface "vif$1.$2" error 2>&1)"
    }
    log "ok: vif$1.$2 is a net_xovs port, link up"
}

# dpdk_vswitchd_pid: ovs-vswitchd-dpdk's pid.
dpdk_vswitchd_pid() {
    tr -dc 0-9 <"$RUNDIR/ovs-vswitchd.pid"
}

# dpdk_rx_packets VIF: frames OVS has received from VIF's net_xovs port
# (the driver's own counter, read live by ovs-ofctl dump-ports).
dpdk_rx_packets() {
    local ofport
    ofport=$(vsctl get interface "$1" ofport)
    ofctl dump-ports "$DPDK_BR" "$ofport" |
        awk '/rx pkts=/ { sub(/.*rx pkts=/, ""); sub(/,.*/, ""); print }'
}
