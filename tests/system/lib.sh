# tests/system/lib.sh: helpers for the scenarios dom0-init.sh runs inside
# dom0 under real Xen (sourced by tests/system/scenarios/*.sh, bash).
#
# A scenario ends with pass, fail "reason" or skip "reason"; dom0-init.sh
# turns that into its XOVS-TEST line.  Everything a scenario starts it stops
# (by pid) or destroys (guests by domid) before it ends; dom0-init.sh also
# destroys guests left behind by a failed one.
#
# Guests are Linux PV domUs running the same Debian kernel as dom0 with
# tests/system/domu-init.sh as /init; they are driven through xenstore
# (domu_exec), never through a network of their own.  Addresses used:
# 198.18.0.0/15 and 2001:db8::/32 only.
# shellcheck shell=bash

XOVS_REASON=${XOVS_REASON:-/run/xovs/reason}
XOVS_SYSTEM=${XOVS_SYSTEM:-/xovs/system}
GUEST_KERNEL=/xovs/guest/vmlinux
GUEST_RAMDISK=/xovs/guest/domu.cpio.gz
RUN=/run/xovs

pass() {
    exit 0
}

fail() {
    echo "$*" >"$XOVS_REASON"
    echo "FAIL: $*"
    exit 1
}

skip() {
    echo "$*" >"$XOVS_REASON"
    echo "SKIP: $*"
    exit 77
}

log() {
    echo "[$(cut -d' ' -f1 /proc/uptime)s] $*"
}

# Skip unless the project's program $1 is in the image (scripts/xen-image
# copies build/bin/xovs-agent, xovs, xovs-netback and scripts/vif as
# xovs-vif when they exist).
need_program() {
    [ -x "/usr/local/bin/$1" ] || skip "$1 not built"
}

need_netback() {
    need_program xovs-netback
}

# Seconds since boot, with hundredths, for timings in the logs.
now() {
    cut -d' ' -f1 /proc/uptime
}

# since T0: seconds elapsed since T0 (a value of now).
since() {
    awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# wait_for SECS CMD...: run CMD every 0.2 s until it succeeds; false on
# timeout.
wait_for() {
    local limit=$1 i=0
    shift
    while ! "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt $((limit * 5)) ] || return 1
        sleep 0.2
    done
}

# xs_is PATH VALUE: xenstore node PATH holds VALUE.
xs_is() {
    [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]
}

# domu_create NAME [CFG-LINE...]: xl create a PV guest named NAME with 256 MB
# and 1 vCPU unless a CFG-LINE says otherwise (vif=[...], extra="xovs.ip=..."
# etc.), wait until xl has it running; prints the domid.  The console log is
# /var/log/xen/console/guest-NAME.log.
domu_create() {
    local name=$1 cfg=$RUN/$1.cfg line
    shift
    mkdir -p "$RUN"
    {
        echo "name = \"$name\""
        echo "type = \"pv\""
        echo "kernel = \"$GUEST_KERNEL\""
        echo "ramdisk = \"$GUEST_RAMDISK\""
        echo "memory = 256"
        echo "vcpus = 1"
        echo "on_crash = \"preserve\""
        for line in "$@"; do
            echo "$line"
        done
    } >"$cfg"
    # Later lines win in xl's config parser, so "extra" etc. may repeat.
    if ! grep -q '^extra' "$cfg"; then
        echo 'extra = "console=hvc0"' >>"$cfg"
    fi
    # xl's verbose log, each line stamped with the uptime, for slow steps.
    if ! (set -o pipefail
        xl -vvv create "$cfg" 2>&1 | while IFS= read -r line; do
            read -r up _ </proc/uptime # a builtin: forks cost ~30 ms here
            echo "$up $line"
        done >"$RUN/$name.create.log"); then
        # Why: the hotplug script's own lines and libxl's errors come
        # long before the tail (xl then tears the domain down).
        echo "--- xl create $name: hotplug script and errors" >&2
        grep -a -E 'xovs-vif|libxl: error|timed out|Timeout|hotplug script' \
            "$RUN/$name.create.log" | head -n 30 >&2
        echo "--- xl create $name: last lines" >&2
        grep -v 'xencall:buffer' "$RUN/$name.create.log" | tail -n 30 >&2
        return 1
    fi
    xl domid "$name"
}

# domu_console NAME [LINES]: the tail of the guest's console log.
domu_console() {
    tail -n "${2:-30}" "/var/log/xen/console/guest-$1.log" 2>/dev/null
}

# domu_report DOMID: the guest's view of its network, for a failure.
domu_report() {
    echo "--- domain $1: eth0, neighbours, netfront counters"
    domu_exec "$1" 20 "ip addr show eth0; ip neigh; cd /sys/class/net/eth0/statistics && grep . rx_packets tx_packets rx_dropped tx_dropped; ethtool -S eth0" 2>&1
}

# domu_wait_ready DOMID SECS: the guest's init is serving domu_exec.
domu_wait_ready() {
    wait_for "$2" xs_is "/local/domain/$1/data/xovs/ready" 1
}

# domu_exec DOMID SECS CMD: run shell command CMD in the guest, wait up to
# SECS for it; prints its output (last 2000 bytes) and returns its status
# (124 if it did not finish in time).
domu_exec() {
    local d=$1 limit=$2 cmd=$3 p=/local/domain/$1/data/xovs seq rc
    seq=$(($(xenstore-read "$p/seq" 2>/dev/null || echo 0) + 1))
    xenstore-write "$p/cmd" "$cmd" || return 125
    xenstore-write "$p/seq" "$seq" || return 125
    wait_for "$limit" xs_is "$p/done" "$seq" || return 124
    xenstore-read -R "$p/out"
    rc=$(xenstore-read "$p/rc")
    return "${rc:-125}"
}

# fake_backend_start: in place of a netback, move every new
# backend/vif/D/N to InitWait (2) with feature-rx-copy (without which
# netfront refuses to connect), and Closing (5) to Closed (6).  This lets
# libxl finish xl create and netfront publish its rings, with no data path
# at all.  fake_backend_stop ends it (by pid).
fake_backend_start() {
    (
        while :; do
            for d in $(xenstore-list /local/domain/0/backend/vif 2>/dev/null); do
                for n in $(xenstore-list "/local/domain/0/backend/vif/$d" \
                    2>/dev/null); do
                    b=/local/domain/0/backend/vif/$d/$n
                    case $(xenstore-read "$b/state" 2>/dev/null) in
                    1)
                        xenstore-write "$b/feature-rx-copy" 1 \
                            "$b/feature-sg" 1
                        xenstore-write "$b/state" 2
                        ;;
                    5) xenstore-write "$b/state" 6 ;;
                    esac
                done
            done
            sleep 0.1
        done
    ) >/dev/null 2>&1 &
    FAKE_BACKEND_PID=$!
}

fake_backend_stop() {
    if [ -n "${FAKE_BACKEND_PID:-}" ]; then
        kill "$FAKE_BACKEND_PID" 2>/dev/null
        wait "$FAKE_BACKEND_PID" 2>/dev/null
        FAKE_BACKEND_PID=
    fi
}

# --- The XenServer-shaped dom0: OVS (kernel datapath), xovs-agent and
# xovs-netback --platform=xen.  host_up starts whatever of them is not
# running (a scenario that stopped one leaves the next one a working host);
# the daemons outlive the scenario that started them, like services.

export OVS_RUNDIR=/run/openvswitch OVS_DBDIR=/etc/openvswitch
export OVS_LOGDIR=/var/log/openvswitch
export XOVS_RPC=unix:/run/xovs/agent.sock
NB_CTL=/run/xovs/netback.ctl
NB_PIDFILE=/run/xovs/netback.pid
NB_LOG=/var/log/xovs/netback.log
AGENT_LOG=/var/log/xovs/agent.log

# pid_alive PIDFILE: the daemon whose pid PIDFILE holds is running.
pid_alive() {
    local pid
    pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && [ -d "/proc/$pid" ]
}

ovs_up() {
    mkdir -p "$OVS_RUNDIR" "$OVS_DBDIR" "$OVS_LOGDIR"
    if ! pid_alive "$OVS_RUNDIR/ovsdb-server.pid"; then
        [ -f "$OVS_DBDIR/conf.db" ] ||
            ovsdb-tool create "$OVS_DBDIR/conf.db" \
                /usr/share/openvswitch/vswitch.ovsschema || return 1
        ovsdb-server "$OVS_DBDIR/conf.db" \
            --remote="punix:$OVS_RUNDIR/db.sock" \
            --pidfile="$OVS_RUNDIR/ovsdb-server.pid" --detach \
            --log-file="$OVS_LOGDIR/ovsdb-server.log" || return 1
        ovs-vsctl --timeout=30 --no-wait init || return 1
    fi
    if ! pid_alive "$OVS_RUNDIR/ovs-vswitchd.pid"; then
        # OVS 3.1's count_cpu_cores() (lib/ovs-thread.c) answers 0 until
        # its monotonic clock -- the time since boot -- passes 10 s.  An
        # ovs-vswitchd started earlier creates no per-CPU upcall handler
        # for the kernel datapath, so every flow miss is lost ("lost:" in
        # ovs-dpctl show) and nothing is forwarded.  This dom0 gets here
        # ~9 s after boot; a real host never does.
        while [ "$(cut -d. -f1 /proc/uptime)" -lt 11 ]; do
            sleep 0.2
        done
        ovs-vswitchd "unix:$OVS_RUNDIR/db.sock" \
            --pidfile="$OVS_RUNDIR/ovs-vswitchd.pid" --detach \
            --log-file="$OVS_LOGDIR/ovs-vswitchd.log" || return 1
    fi
}

agent_up() {
    pid_alive /run/xovs/agent.pid && return 0
    xovs-agent --ovsdb="unix:$OVS_RUNDIR/db.sock" \
        --store=/var/lib/xovs/store.json --rpc="$XOVS_RPC" \
        --pidfile=/run/xovs/agent.pid --detach --log-file="$AGENT_LOG" ||
        return 1
    wait_for 30 xovs network-list
}

# netback_start [OPTION...]: xovs-netback on the xen platform.  xl runs the
# hotplug script itself (vif=[...,script=xovs-vif]), so netback runs none.
# shellcheck disable=SC2120 # no caller passes options today; a scenario may
netback_start() {
    xovs-netback --platform=xen --hotplug-script= --agent-rpc="$XOVS_RPC" \
        --unixctl="$NB_CTL" --pidfile="$NB_PIDFILE" --detach \
        --log-file="$NB_LOG" "$@"
}

# host_up: OVS, the agent and netback running, or fail.
host_up() {
    need_netback
    need_program xovs-agent
    need_program xovs-vif
    mkdir -p /var/lib/xovs /run/xovs
    ovs_up || fail "OVS did not start: $(tail -n 3 "$OVS_LOGDIR"/*.log)"
    agent_up || fail "xovs-agent did not start: $(tail -n 3 "$AGENT_LOG")"
    if ! pid_alive "$NB_PIDFILE"; then
        netback_start || fail "xovs-netback did not start: $(tail -n 3 "$NB_LOG")"
    fi
}

# net_create LABEL [ARG...]: a network record; prints its uuid.
net_create() {
    local label=$1
    shift
    xovs network-create name-label="$label" "$@"
}

# net_bridge UUID: the network's OVS bridge.
net_bridge() {
    xovs network-list uuid="$1" params=bridge --minimal
}

# vif_record NET DOMID DEVICE MAC: the agent's VIF record (xl creates the
# device; the hotplug script finds the record by domid and device, or by
# MAC); prints its uuid.
vif_record() {
    xovs vif-create vm-uuid="$(cat /proc/sys/kernel/random/uuid)" \
        network-uuid="$1" domid="$2" device="$3" mac="$4"
}

# guest_mac N: the MAC of test guest N.
guest_mac() {
    printf '00:16:3e:00:01:%02x' "$1"
}

# guest_up NAME N NET-BRIDGE [CFG-LINE...]: a PV guest with one vif on
# bridge NET-BRIDGE through xovs-netback (script xovs-vif), MAC guest_mac N
# and address 198.18.0.N/24; waits until its init serves commands.
# Prints the domid.
guest_up() {
    local name=$1 n=$2 br=$3 domid
    shift 3
    domid=$(domu_create "$name" \
        "vif = ['mac=$(guest_mac "$n"),bridge=$br,script=/usr/local/bin/xovs-vif']" \
        "extra = \"console=hvc0 xovs.ip=198.18.0.$n/24 xovs.ip6=2001:db8::$n/64\"" \
        "$@") || return 1
    domu_wait_ready "$domid" 90 || return 1
    echo "$domid"
}

# two_guests LABEL NAME-A N-A NAME-B N-B [CFG-LINE-FOR-A...]: host_up, a
# network LABEL with the agent's VIF records for two guests (MACs guest_mac
# N-A and N-B, addresses 198.18.0.N/24), both created through xl and their
# backends Connected.  Records come first, as an administrator would make
# them: xl decides the domids and the hotplug script matches each record
# by MAC and device.  Sets net, br, da and db; fails the scenario
# otherwise.
two_guests() {
    local label=$1 a=$2 na=$3 b=$4 nb=$5 d
    shift 5
    host_up
    net=$(net_create "$label") || fail "network-create $label failed"
    br=$(net_bridge "$net")
    vif_record "$net" 0 0 "$(guest_mac "$na")" >/dev/null || fail "vif-create $a failed"
    vif_record "$net" 0 0 "$(guest_mac "$nb")" >/dev/null || fail "vif-create $b failed"
    da=$(guest_up "$a" "$na" "$br" "$@") ||
        { host_report; domu_console "$a"; fail "guest $a did not come up"; }
    db=$(guest_up "$b" "$nb" "$br") ||
        { host_report; domu_console "$b"; fail "guest $b did not come up"; }
    for d in $da $db; do
        wait_for 60 xs_is "/local/domain/0/backend/vif/$d/0/state" 4 ||
            { host_report; fail "backend of domain $d not Connected"; }
    done
    log "$a: domid $da, $b: domid $db, Connected on $br (network $label)"
}

# iperf_tcp CLIENT SERVER ADDR SECS [IPERF3-ARG...]: one iperf3 TCP run of
# SECS seconds from guest CLIENT to a one-off server in guest SERVER at
# ADDR (-R: the server sends).  The summary goes to stderr; prints the
# receiver's Mbit/s (the [SUM] with -P).
iperf_tcp() {
    local c=$1 s=$2 addr=$3 secs=$4 out
    shift 4
    domu_exec "$s" 10 "iperf3 -s -D -1 >/dev/null 2>&1" >/dev/null || return 1
    sleep 1
    out=$(domu_exec "$c" $((secs + 60)) \
        "iperf3 -c $addr -t $secs -f m $* | grep -E 'sender|receiver' | tail -n 2") ||
        { echo "$out" >&2; return 1; }
    echo "$out" >&2
    echo "$out" | awk '/receiver/ {
        for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i
    } END { if (r == "") exit 1; print r }'
}

# vif_queue_counter VIF QUEUE FIELD: netback's per-queue counter (vif/show's
# "queue N: field=value ..." line).
vif_queue_counter() {
    ovs-appctl -t "$NB_CTL" vif/show "$1" |
        awk -v q="queue $2:" -v f="$3" 'index($0, q) {
            for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2 && kv[1] == f) print kv[2]
        }'
}

# netback_errors: ERR/EMER lines in xovs-netback's log.
netback_errors() {
    grep -E '\|(ERR|EMER)\|' "$NB_LOG" 2>/dev/null
}

# host_report: what a failed scenario should show of the host side.
host_report() {
    local d
    for d in "$OVS_RUNDIR/ovsdb-server" "$OVS_RUNDIR/ovs-vswitchd" \
        /run/xovs/agent /run/xovs/netback; do
        pid_alive "$d.pid" || echo "--- ${d##*/} is NOT running"
    done
    echo "--- ovs-vswitchd log"
    grep -v -E '\|(INFO|DBG)\|' "$OVS_LOGDIR/ovs-vswitchd.log" 2>/dev/null |
        tail -n 15
    echo "--- xovs-netback log"
    tail -n 30 "$NB_LOG" 2>/dev/null
    echo "--- ovs-vsctl show"
    ovs-vsctl --timeout=5 show 2>&1 | head -n 40
    echo "--- agent log"
    tail -n 10 "$AGENT_LOG" 2>/dev/null
    echo "--- vif/show"
    ovs-appctl -t "$NB_CTL" vif/show 2>&1 | head -n 40
    echo "--- datapath"
    ovs-dpctl show -s 2>&1 | head -n 30
    ovs-dpctl dump-flows 2>&1 | head -n 20
    # By socket: ovs-appctl's pidfile lookup fails in this dom0.
    for d in "$OVS_RUNDIR"/ovs-vswitchd.*.ctl; do
        ovs-appctl -t "$d" upcall/show 2>&1 | head -n 20
        ovs-appctl -t "$d" dpif-netlink/dispatch-mode 2>&1 | head -n 5
    done
    dmesg | grep -i -E 'openvswitch|ovs' | tail -n 10
    for d in $(ovs-vsctl --timeout=5 list-br 2>/dev/null); do
        echo "--- flows of $d"
        ovs-ofctl dump-flows "$d" 2>&1 | head -n 20
    done
    echo "--- links"
    ip -s link show 2>&1 | grep -A5 -E '^[0-9]+: (vif|xapi|ovs)' | head -n 40
}
