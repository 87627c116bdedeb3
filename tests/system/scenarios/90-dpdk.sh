# dpdk (issue 12): DPDK VIFs on real Xen.  Debian's ovs-vswitchd-dpdk
# (userspace datapath, EAL --no-huge --legacy-mem, one PMD thread that sleeps
# when idle: pmd-maxsleep, since dom0 has one vCPU) loads the net_xovs
# driver (dpdk-extra -d); xovs-netback --dpdk-dir hands the rings of two
# Linux xen-netfront guests to it (the network's other-config:xovs-dpdk;
# the VIF records are made before the guests, with domid 0, and netback
# finds them by device and MAC as the hotplug script does), the hotplug
# script plugs them with vif-plug dpdk-devargs= over the
# agent's internal socket, and the driver maps the guests' rings with
# gntdev, binds their event channels and copies frames with GNTTABOP_copy
# itself (platform-xen.c inside ovs-vswitchd).  The guests ping each other
# over IPv4 and IPv6 and run a short iperf3 each way; xl destroy unplugs
# them, and ovs-vswitchd-dpdk is left with no grant mapping.
#
# This scenario runs its own OVS (database and run directory under
# /run/xovs-dpdk), agent (store there too, same sockets) and netback in
# place of the kernel-datapath ones, and stops them all at the end, so the
# next scenario's host_up starts the usual host again.
#
# Its own time limit (dom0-init.sh), above run-xen's 240 s: on a loaded
# machine it took 207 s (docs/check-xen.md).
# xovs-timeout: 600
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

VSD_DPDK=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
NET_XOVS=/usr/lib/x86_64-linux-gnu/xovs/librte_net_xovs.so
D=/run/xovs-dpdk
[ -x "$VSD_DPDK" ] || skip "ovs-vswitchd-dpdk not in the image (openvswitch-switch-dpdk)"
[ -e "$NET_XOVS" ] || skip "librte_net_xovs.so not built"
need_netback
need_program xovs-agent
need_program xovs-vif

# Hugepages: asked for and given back at once, for the record (the
# scenario runs with EAL's --no-huge either way; docs/check-xen.md).
echo 4 >/proc/sys/vm/nr_hugepages 2>/dev/null
log "CPU flags: $(grep -m 1 -o -w -E 'pse|sse4_2|avx2' /proc/cpuinfo | tr '\n' ' ')"
log "hugepages: asked for 4, got '$(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo)'; $(ls /sys/kernel/mm/hugepages 2>&1); $(dmesg | grep -i -m 2 hugetlb)"
grep -q '^HugePages_Total' /proc/meminfo && echo 0 >/proc/sys/vm/nr_hugepages

# stop_pidfile FILE: end the daemon FILE names (by pid) and wait for it.
stop_pidfile() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 0
    if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then
        rm -f "$1"
        return 0
    fi
    kill "$pid" 2>/dev/null
    wait_for 20 sh -c "[ ! -d /proc/$pid ]" || kill -9 "$pid" 2>/dev/null
    rm -f "$1"
}

# The usual host's agent and netback give way (they share the sockets
# and the xenstore backend directories with this scenario's).
stop_pidfile "$NB_PIDFILE"
stop_pidfile /run/xovs/agent.pid

export OVS_RUNDIR=$D/run OVS_DBDIR=$D/db OVS_LOGDIR=$D/log
VSD_LOG=$OVS_LOGDIR/ovs-vswitchd.log
NB_LOG=$OVS_LOGDIR/netback.log
AGENT_LOG=$OVS_LOGDIR/agent.log

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
    local d
    for d in $(xl list 2>/dev/null | awk 'NR > 2 { print $2 }'); do
        xl destroy "$d" >/dev/null 2>&1
    done
    stop_pidfile "$NB_PIDFILE"
    stop_pidfile /run/xovs/agent.pid
    stop_pidfile "$OVS_RUNDIR/ovs-vswitchd.pid"
    stop_pidfile "$OVS_RUNDIR/ovsdb-server.pid"
}
trap cleanup EXIT

mkdir -p "$OVS_RUNDIR" "$OVS_DBDIR" "$OVS_LOGDIR" "$D/sock"
chmod 0755 "$D" "$D/sock"
ovsdb-tool create "$OVS_DBDIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema ||
    fail "ovsdb-tool create failed"
ovsdb-server "$OVS_DBDIR/conf.db" --remote="punix:$OVS_RUNDIR/db.sock" \
    --pidfile="$OVS_RUNDIR/ovsdb-server.pid" --detach \
    --log-file="$OVS_LOGDIR/ovsdb-server.log" || fail "ovsdb-server did not start"
ovs-vsctl --timeout=30 --no-wait init || fail "ovs-vsctl init failed"
# One PMD thread on dom0's only vCPU, sleeping up to 10 ms when idle so
# that xenstored, netback and the guests' backends still run.
ovs-vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    "other_config:dpdk-extra=\"--no-huge --legacy-mem -m 160 --no-pci --no-telemetry -d $NET_XOVS\"" \
    other_config:pmd-cpu-mask=0x1 other_config:dpdk-lcore-mask=0x1 \
    other_config:pmd-maxsleep=10000 || fail "ovs-vsctl set other_config failed"
t0=$(now)
"$VSD_DPDK" "unix:$OVS_RUNDIR/db.sock" --pidfile="$OVS_RUNDIR/ovs-vswitchd.pid" \
    --detach --log-file="$VSD_LOG" ||
    { tail -n 30 "$VSD_LOG"; fail "ovs-vswitchd-dpdk did not start: $(grep -E 'EAL|dpdk' "$VSD_LOG" | grep -v INFO | tail -n 1)"; }
# shellcheck disable=SC2016 # expanded by that sh
wait_for 60 sh -c '[ "$(ovs-vsctl --timeout=5 get Open_vSwitch . dpdk_initialized)" = true ]' ||
    { tail -n 40 "$VSD_LOG"; fail "DPDK not initialised in ovs-vswitchd-dpdk"; }
log "ovs-vswitchd-dpdk up, DPDK initialised in $(since "$t0")s: $(ovs-vsctl get Open_vSwitch . dpdk_version)"
grep -E 'EAL|net_xovs|IOVA|memory' "$VSD_LOG" | tail -n 20

xovs-agent --ovsdb="unix:$OVS_RUNDIR/db.sock" --store="$D/store.json" \
    --rpc="$XOVS_RPC" --datapath-type=netdev --pidfile=/run/xovs/agent.pid \
    --detach --log-file="$AGENT_LOG" ||
    fail "xovs-agent did not start: $(tail -n 3 "$AGENT_LOG")"
wait_for 30 xovs network-list || fail "xovs-agent does not answer"
# The default --dpdk-default=no: netback picks a VIF's data path when it
# sets the backend up, before xl's hotplug script has given the records
# made before the guests (domid 0) their domids; it finds them as the
# script does, by device and MAC.
netback_start --dpdk-dir="$D/sock" ||
    fail "xovs-netback --dpdk-dir did not start: $(tail -n 3 "$NB_LOG")"

# The network's VIFs are DPDK VIFs: set before the guests plug.
net=$(net_create net-dpdk) || fail "network-create failed"
xovs network-param-set uuid="$net" other-config:xovs-dpdk=true ||
    fail "network-param-set other-config:xovs-dpdk=true failed"
br=$(net_bridge "$net")
vif_record "$net" 0 0 "$(guest_mac 71)" >/dev/null || fail "vif-create ga failed"
vif_record "$net" 0 0 "$(guest_mac 72)" >/dev/null || fail "vif-create gb failed"
# xl hands its environment to the hotplug script, and lib.sh exports
# XOVS_RPC (the admin socket, where the agent refuses dpdk-devargs): the
# script must find the internal socket, as it does under a real xl.
export XOVS_RPC_ADMIN=$XOVS_RPC
t0=$(now)
XOVS_RPC=unix:/run/xovs/agent-internal.sock
da=$(guest_up ga 71 "$br") ||
    { host_report; domu_console ga; fail "guest ga did not come up"; }
log "ga: domid $da, up $(since "$t0")s after xl create"
log "memory: Xen free $(xl info | awk '/^free_memory/ { print $3 }') MB, dom0 MemAvailable $(awk '/^MemAvailable/ { print $2 }' /proc/meminfo) kB"
db=$(guest_up gb 72 "$br") ||
    { host_report; domu_console gb; fail "guest gb did not come up"; }
for d in $da $db; do
    wait_for 60 xs_is "/local/domain/0/backend/vif/$d/0/state" 4 ||
        { host_report; fail "backend of domain $d not Connected"; }
done
XOVS_RPC=$XOVS_RPC_ADMIN
log "ga: domid $da, gb: domid $db, Connected on $br $(since "$t0")s after the first xl create"
xovs vif-list params=domid,device,dpdk,currently-attached
vsd=$(cat "$OVS_RUNDIR/ovs-vswitchd.pid")

# dpdk_attached DOMID: vif D.0 is the net_xovs port, link up.
# shellcheck disable=SC2317 # run by wait_for
dpdk_attached() {
    [ "$(ovs-vsctl --timeout=5 get interface "vif$1.0" type)" = dpdk ] &&
        [ "$(ovs-vsctl --timeout=5 get interface "vif$1.0" link_state)" = up ]
}
grep -E 'DPDK|tap data path|net_xovs' "$NB_LOG"
for d in $da $db; do
    grep -q "vif$d.0: DPDK data path: other-config:xovs-dpdk of the unattached VIF record with its MAC" "$NB_LOG" ||
        fail "netback did not give vif$d.0 the DPDK data path by its record's MAC"
done
for d in $da $db; do
    wait_for 60 dpdk_attached "$d" || {
        host_report
        echo "--- ovs-vswitchd-dpdk: net_xovs, warnings"
        grep -E "net_xovs|vif$d|WARN|ERR|EMER" "$VSD_LOG" | tail -n 30
        fail "vif$d.0 is not an attached net_xovs port: $(ovs-vsctl --timeout=5 get interface "vif$d.0" type error 2>&1 | tr '\n' ' ')"
    }
done
log "both guests on net_xovs ports $(since "$t0")s after the first xl create"
ovs-vsctl --timeout=5 list interface "vif$da.0" | grep -E '^(type|options|link_state|error) '
ip link show "vif$da.0" >/dev/null 2>&1 && fail "vif$da.0 has a tap too"
grep -E 'net_xovs' "$VSD_LOG" | tail -n 10
log "ovs-vswitchd-dpdk maps $(grep -c gntdev "/proc/$vsd/maps") gntdev areas"

ping_ok() {
    local out
    out=$(domu_exec "$1" 60 "ping -c 5 -i 0.2 -W 2 $2") ||
        {
            echo "$out"
            host_report
            domu_report "$da"
            domu_report "$db"
            grep -v INFO "$VSD_LOG" | tail -n 20
            fail "ping $3 failed"
        }
    echo "$out" | tail -n 2
}
ping_ok "$da" 198.18.0.72 "ga -> gb"
ping_ok "$db" 198.18.0.71 "gb -> ga"
ping_ok "$da" 2001:db8::72 "ga -> gb (IPv6)"
ping_ok "$db" 2001:db8::71 "gb -> ga (IPv6)"
up=$(iperf_tcp "$da" "$db" 198.18.0.72 3) ||
    { host_report; fail "iperf3 ga -> gb failed"; }
down=$(iperf_tcp "$da" "$db" 198.18.0.72 3 -R) ||
    { host_report; fail "iperf3 gb -> ga failed"; }
ovs-vsctl --timeout=5 get interface "vif$da.0" statistics
echo "XOVS-RESULT dpdk iperf3 TCP through net_xovs ga->gb $up Mbit/s, gb->ga $down Mbit/s"

# Unplug: xl destroy takes the ports out of OVS and the driver lets go
# of every grant it mapped.
for d in $da $db; do
    xl destroy "$d" || fail "xl destroy $d failed"
done
for d in $da $db; do
    wait_for 30 sh -c "! ovs-vsctl --timeout=5 port-to-br vif$d.0" ||
        { host_report; fail "OVS port vif$d.0 still there after xl destroy"; }
done
wait_for 30 sh -c "[ \$(grep -c gntdev /proc/$vsd/maps) -eq 0 ]" ||
    fail "ovs-vswitchd-dpdk still maps $(grep -c gntdev "/proc/$vsd/maps") gntdev areas"
pid_alive "$OVS_RUNDIR/ovs-vswitchd.pid" || fail "ovs-vswitchd-dpdk died"
errs=$(netback_errors)
[ -z "$errs" ] || fail "netback logged errors: $errs"
errs=$(grep -E '\|(ERR|EMER)\|' "$VSD_LOG")
[ -z "$errs" ] || fail "ovs-vswitchd-dpdk logged errors: $errs"
log "unplugged: ports gone, no grant mapped in ovs-vswitchd-dpdk"
pass
