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
        grep -v 'xencall:buffer' "$RUN/$name.create.log" | tail -n 30 >&2
        return 1
    fi
    xl domid "$name"
}

# domu_console NAME [LINES]: the tail of the guest's console log.
domu_console() {
    tail -n "${2:-30}" "/var/log/xen/console/guest-$1.log" 2>/dev/null
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
