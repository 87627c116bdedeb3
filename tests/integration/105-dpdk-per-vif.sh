#!/bin/bash
# xovs-test: alone
# DPDK is a per-VIF or per-network choice: other-config:xovs-dpdk=true on
# a VIF record or on its network (the VIF's key wins), carried from the
# agent to xovs-netback (it asks at each probe) and back through the
# hotplug script (vif-plug dpdk-devargs=).  xovs-netback runs with
# --dpdk-dir and the default --dpdk-default=no.  On one network: ga's VIF
# says true and gets a net_xovs port, gb's says nothing and gets a tap;
# they ping each other.  Then the network says true and ga's VIF false:
# replugged, ga is a tap VIF and gb a DPDK VIF, and they ping again.
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

DPDK_DEFAULT=no
AGENT_EXTRA_ARGS+=(--datapath-type=netdev) # OVS-DPDK's ports need netdev
dpdk_host_start
net=$(xovs network-create name-label=dpdk-mixed) || fail "network-create"
va=$(nb_vif_record ga 1 0 "$net" other-config:xovs-dpdk=true)
vb=$(nb_vif_record gb 2 0 "$net")

# is_tap DOMID DEVID: a system port over a tap in the host namespace.
is_tap() {
    [[ $(vsctl get interface "vif$1.$2" type) == '""' ]] &&
        hexec ip link show "vif$1.$2" >/dev/null 2>&1
}

# plug_both: starts ga and gb and checks which path each VIF took;
# $1/$2: "dpdk" or "tap" for ga / gb.
plug_both() {
    local want_a=$1 want_b=$2 g d w
    nb_guest_start ga 1 0 198.18.0.1/24
    nb_guest_start gb 2 0 198.18.0.2/24
    for g in 1:"$want_a" 2:"$want_b"; do
        d=${g%%:*}
        w=${g#*:}
        nb_wait_connected "$d" 0 30
        if [[ $w == dpdk ]]; then
            dpdk_wait_attached "$d" 0
            ! hexec ip link show "vif$d.0" >/dev/null 2>&1 ||
                fail "vif$d.0 is a DPDK VIF but has a tap"
        else
            is_tap "$d" 0 ||
                fail "vif$d.0 is not a tap port (type" \
                    "$(vsctl get interface "vif$d.0" type))"
            log "ok: vif$d.0 is a tap port"
        fi
    done
    expect_ping ga 198.18.0.2
    expect_ping gb 198.18.0.1
}

unplug_both() {
    local d
    nb_guest_stop ga
    nb_guest_stop gb
    # shellcheck disable=SC2317 # run by wait_until
    port_gone() { ! vsctl port-to-br "vif$1.0" >/dev/null 2>&1; }
    for d in 1 2; do
        wait_until 20 port_gone "$d" || fail "port vif$d.0 still there after its guest closed"
    done
}

plug_both dpdk tap
devargs=$(xovs vif-list uuid="$va" params=dpdk-devargs --minimal)
[[ $devargs == "net_xovs_1_0,path=$DPDK_DIR/vif1.0.sock" ]] ||
    fail "VIF $va has dpdk-devargs '$devargs'"
[[ -z $(xovs vif-list uuid="$vb" params=dpdk-devargs --minimal) ]] ||
    fail "tap VIF $vb has dpdk-devargs"
grep -q "vif1.0: DPDK data path: other-config:xovs-dpdk" "$T_DIR/netback.log" ||
    fail "netback did not log vif1.0's choice"
grep -q "vif2.0: tap data path: other-config:xovs-dpdk" "$T_DIR/netback.log" ||
    fail "netback did not log vif2.0's choice"

# A bad value is refused with its reason, and changes nothing.
out=$(xovs vif-param-set uuid="$va" other-config:xovs-dpdk=maybe 2>&1) &&
    fail "other-config:xovs-dpdk=maybe was accepted"
grep -q "is not true or false" <<<"$out" || fail "unclear refusal: $out"

# The network says DPDK; ga's own key says no and wins.
xovs network-param-set uuid="$net" other-config:xovs-dpdk=true ||
    fail "network-param-set"
xovs vif-param-set uuid="$va" other-config:xovs-dpdk=false || fail "vif-param-set"
[[ $(xovs vif-list uuid="$va" params=dpdk --minimal) == false ]] ||
    fail "VIF $va: dpdk is not false"
[[ $(xovs vif-list uuid="$vb" params=dpdk --minimal) == true ]] ||
    fail "VIF $vb: dpdk is not true (its network's)"
unplug_both
plug_both tap dpdk
[[ -z $(xovs vif-list uuid="$va" params=dpdk-devargs --minimal) ]] ||
    fail "VIF $va (now a tap VIF) kept its dpdk-devargs"
log "ok: replugged, vif1.0 moved to the tap path and vif2.0 to DPDK"
pass
