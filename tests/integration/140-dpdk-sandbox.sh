#!/bin/bash
# xovs-test: alone
# scripts/ovs-sandbox start --dpdk: Debian's ovs-vswitchd-dpdk in the
# namespace with hugepages, EAL --in-memory, one PMD core and a
# --dpdk-extra argument (an EAL -d plugin, as the net_xovs PMD is loaded);
# a pair of vhost-user ports passes bench/'s xovs-pktgen (virtio-user)
# traffic; stop ends the daemon and gives the hugepages back.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_basics
VSD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
[[ -x $VSD ]] || skip "$VSD not installed (openvswitch-switch-dpdk)"
[[ -x $XOVS_BIN/xovs-pktgen ]] || fail "$XOVS_BIN/xovs-pktgen not built (make)"
NULL_PMD=
for f in /usr/lib/x86_64-linux-gnu/dpdk/pmds-*/librte_net_null.so; do
    [[ -e $f ]] && NULL_PMD=$f
done
[[ -n $NULL_PMD ]] || skip "no DPDK net_null PMD (Debian's dpdk)"

name=xd$ID
before=$(cat /proc/sys/vm/nr_hugepages)
CLEAN_SANDBOXES+=("$name")
env=$("$SANDBOX" start --dpdk --dpdk-extra "-d $NULL_PMD" --pmd-core 1 \
    --dpdk-mem 512 --client-mem 256 "$name") || fail "ovs-sandbox start --dpdk"
eval "$env"
rd=$OVS_RUNDIR
vsctl() { ip netns exec "$name" ovs-vsctl --db="$OVSDB" --timeout=30 "$@"; }
appctl() { ip netns exec "$name" env OVS_RUNDIR="$rd" ovs-appctl "$@"; }

pid=$(cat "$rd/ovs-vswitchd.pid")
exe=$(readlink "/proc/$pid/exe")
[[ $exe == "$(readlink -f "$VSD")" ]] || fail "ovs-vswitchd is $exe, not $VSD"
[[ $(vsctl get Open_vSwitch . dpdk_initialized) == true ]] ||
    fail "dpdk_initialized is not true"
grep -q "EAL ARGS: .*--in-memory.* -d $NULL_PMD" "$rd/ovs-vswitchd.log" ||
    fail "EAL arguments lack --in-memory / -d: $(grep 'EAL ARGS' "$rd/ovs-vswitchd.log")"
added=$(cat "$rd/hugepages")
[[ $added -eq 384 ]] || fail "sandbox added $added hugepages, want 384 (768 MB)"
log "ovs-vswitchd-dpdk pid $pid, +$added hugepages, $(grep -o 'EAL ARGS: .*' "$rd/ovs-vswitchd.log")"

vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    -- add-port br0 vu0 -- set Interface vu0 type=dpdkvhostuserclient \
    "options:vhost-server-path=$rd/vu0.sock" \
    -- add-port br0 vu1 -- set Interface vu1 type=dpdkvhostuserclient \
    "options:vhost-server-path=$rd/vu1.sock" \
    -- add-port br0 null0 -- set Interface null0 type=dpdk \
    options:dpdk-devargs=net_null0
for p in vu0 vu1 null0; do
    ofport=$(vsctl get Interface "$p" ofport)
    [[ $ofport -gt 0 ]] || fail "port $p has ofport $ofport: $(vsctl get Interface "$p" error)"
done
# net_null's receive side makes frames out of nothing: not during traffic.
vsctl del-port br0 null0
rxq=$(appctl dpif-netdev/pmd-rxq-show)
grep -q 'core_id 1:' <<<"$rxq" || fail "no PMD thread on core 1: $rxq"
[[ $(grep -c 'pmd thread' <<<"$rxq") -eq 1 ]] || fail "more than one PMD: $rxq"

# 2 s of 64 B frames at 100 kpps from vu0's virtio-user peer to vu1's.
vu() { echo "dpdk:net_virtio_user$1;path=$rd/vu$1.sock;server=1"; }
out=$(taskset -c 0 timeout 60 "$XOVS_BIN/xovs-pktgen" --pair="$(vu 0),$(vu 1)" \
    --size=64 --rate=100000 --seconds=2 2>"$T_DIR/pktgen.err" ||
    fail "xovs-pktgen: $(tail -n 3 "$T_DIR/pktgen.err")")
log "xovs-pktgen: $out"
rx=$(grep -o ' rx=[0-9]*' <<<"$out" | cut -d= -f2)
tx=$(grep -o ' tx=[0-9]*' <<<"$out" | cut -d= -f2)
[[ $tx -gt 100000 ]] || fail "xovs-pktgen sent only $tx frames"
[[ $rx -gt $((tx * 9 / 10)) ]] || fail "only $rx of $tx frames crossed OVS-DPDK"

# What stop gives back is read around the stop itself: other sessions'
# DPDK sandboxes may raise or lower nr_hugepages while this test runs.
before_stop=$(cat /proc/sys/vm/nr_hugepages)
"$SANDBOX" stop "$name"
after=$(cat /proc/sys/vm/nr_hugepages)
[[ ! -d /proc/$pid ]] || fail "ovs-vswitchd-dpdk $pid still runs after stop"
[[ ! -d $rd ]] || fail "$rd still there after stop"
if [[ $after -ne $((before_stop - added)) ]]; then
    others=$({ find /run/xovs-sandbox -maxdepth 2 -name hugepages 2>/dev/null || true; } | wc -l)
    [[ $others -gt 0 ]] ||
        fail "nr_hugepages $before_stop before stop, $after after (want $((before_stop - added)))"
    log "nr_hugepages $before_stop -> $after: $others other DPDK sandboxes running"
fi
log "nr_hugepages $before at the start, $after at the end"
pass
