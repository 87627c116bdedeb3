#!/bin/sh
# tests/system/dom0-init.sh: /init of dom0's initramfs under `make check-xen`
# (scripts/xen-image packs it, tests/system/run-xen boots it under Xen in
# QEMU).  It brings dom0 up the way Debian's xen init script would (xenfs,
# xenstored, xen-init-dom0, xenconsoled), loads the modules a XenServer-style
# dom0 uses (openvswitch, 8021q, bonding, tun, veth; never xen-netback), then
# runs tests/system/scenarios/*.sh in order and prints one line per scenario
# on the console, which run-xen reads from the serial log:
#
#   XOVS-TEST PASS name
#   XOVS-TEST FAIL name: reason
#   XOVS-TEST SKIP name: reason
#   XOVS-TESTS-DONE
#
# and powers the machine off.  A scenario exits 0 (pass), 77 (skip) or
# anything else (fail), with its reason in $XOVS_REASON (see lib.sh); its
# output goes to /var/log/xovs/NAME.log, whose tail is printed on failure.
#
# Kernel command line knobs (run-xen sets them):
#   xovs.only=a,b       run only the scenarios with these names
#   xovs.timeout=SECS   time limit per scenario (default 240)
#   xovs.verbose=1      print every scenario's log as it is written, not
#                       only failed ones

export PATH=/usr/local/bin:/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
# With sanitized programs (make check SANITIZE=...), their reports land in
# files that finish() checks; other programs ignore these.
export ASAN_OPTIONS=log_path=/var/log/xovs/asan
export UBSAN_OPTIONS=log_path=/var/log/xovs/ubsan:print_stacktrace=1

say() {
    echo "xovs-dom0: [$(cut -d' ' -f1 /proc/uptime)s] $*"
}

# The end, however we got here: the harness needs the DONE line and QEMU
# exits when Xen powers off.
finish() {
    sync
    # The machine's health, for run-xen and for whoever reads the log:
    # user-space crashes in dom0 (segfaults, general protection faults)
    # that no scenario asked for.
    # shellcheck disable=SC3043 # /bin/sh is busybox ash here: it has local
    local faults d pid f re='segfault at|general protection'
    # Our daemons end cleanly (by pid), so a sanitized build reports leaks.
    for d in /run/xovs/netback /run/xovs/agent; do
        pid=$(cat "$d.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
    done
    sleep 2
    for f in /var/log/xovs/asan.* /var/log/xovs/ubsan.*; do
        [ -e "$f" ] || continue
        echo "XOVS-TEST FAIL sanitizers: $(basename "$f")"
        head -n 30 "$f" | sed 's/^/  | /'
    done
    faults=$(dmesg | grep -c -E "$re")
    echo "xovs-dom0: health: $faults user faults"
    if [ "$faults" -gt 0 ]; then
        echo "XOVS-TEST FAIL dom0-health: $faults user-space faults in dom0"
        dmesg | grep -E "$re" | tail -n 5 |
            sed 's/^/  dmesg| /'
    fi
    echo "XOVS-TESTS-DONE"
    sleep 1
    poweroff -f
    sleep 10
    echo o >/proc/sysrq-trigger
}

# A failure before the scenarios can run is reported as the "boot" test.
boot_fail() {
    echo "XOVS-TEST FAIL boot: $*"
    dmesg | tail -n 30 | sed 's/^/  | /'
    finish
}

# The initramfs root comes world-writable; DPDK's EAL (the dpdk scenario)
# refuses a plugin below a directory anyone can write to.
chmod 0755 /
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/xen /run/xenstored /run/xovs /run/openvswitch /var/log/xovs \
    /var/log/xen/console /var/lib/xen /var/lib/xenstored
ip link set lo up
hostname xovs-dom0
# Kernel messages stay in dmesg, so they do not split the result lines.
echo 1 >/proc/sys/kernel/printk
say "init started; kernel $(uname -r)"

only=
scenario_timeout=240
verbose=
# shellcheck disable=SC2013 # the kernel command line: one line of words
for arg in $(cat /proc/cmdline); do
    case $arg in
    xovs.only=*) only=${arg#xovs.only=} ;;
    xovs.timeout=*) scenario_timeout=${arg#xovs.timeout=} ;;
    xovs.verbose=*) verbose=${arg#xovs.verbose=} ;;
    esac
done

[ -d /proc/xen ] || boot_fail "/proc/xen missing: not running on Xen"
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do
    modprobe "$m" || boot_fail "modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen || boot_fail "mount xenfs failed"
grep -q control_d /proc/xen/capabilities ||
    boot_fail "not the control domain: $(cat /proc/xen/capabilities)"

XENLIB=/usr/lib/xen-4.17/bin
export XENSTORED_ROOTDIR=/run/xenstored
$XENLIB/xenstored --pid-file /run/xenstored.pid ||
    boot_fail "xenstored did not start"
i=0
until xenstore-read -s / >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 100 ] || boot_fail "xenstored not answering after 10 s"
    sleep 0.1
done
$XENLIB/xen-init-dom0 >/var/log/xovs/xen-init-dom0.log 2>&1 ||
    boot_fail "xen-init-dom0: $(tail -n 1 /var/log/xovs/xen-init-dom0.log)"
$XENLIB/xenconsoled --pid-file=/run/xenconsoled.pid --log=guest \
    --log-dir=/var/log/xen/console || boot_fail "xenconsoled did not start"
say "xenstored, xen-init-dom0, xenconsoled up"

for m in openvswitch 8021q bonding tun veth; do
    modprobe "$m" || boot_fail "modprobe $m failed"
done
say "modules: $(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"

export XOVS_REASON=/run/xovs/reason
export XOVS_SYSTEM=/xovs/system
n_scenarios=0
for s in /xovs/system/scenarios/*.sh; do
    name=$(basename "$s" .sh)
    name=${name#[0-9][0-9]-}
    if [ -n "$only" ]; then
        case ",$only," in
        *",$name,"*) ;;
        *) continue ;;
        esac
    fi
    n_scenarios=$((n_scenarios + 1))
    rm -f "$XOVS_REASON"
    log=/var/log/xovs/$name.log
    say "scenario $name"
    start=$(cut -d. -f1 /proc/uptime)
    : >"$log"
    # --verbose: the log as it is written (a slow or hung scenario shows
    # where it is).
    follower=
    if [ -n "$verbose" ]; then
        tail -n +1 -f "$log" &
        follower=$!
    fi
    # A scenario may ask for a longer limit than xovs.timeout in a line
    # "# xovs-timeout: SECS" (dpdk: OVS-DPDK and two guests on one vCPU).
    limit=$scenario_timeout
    own=$(sed -n 's/^# xovs-timeout: \([0-9][0-9]*\)$/\1/p' "$s" | head -n 1)
    [ -z "$own" ] || [ "$own" -le "$limit" ] || limit=$own
    timeout "$limit" bash "$s" >>"$log" 2>&1 </dev/null
    rc=$?
    if [ -n "$follower" ]; then
        sleep 0.5
        kill "$follower"
        wait "$follower" 2>/dev/null
    fi
    took=$(($(cut -d. -f1 /proc/uptime) - start))
    reason=$(cat "$XOVS_REASON" 2>/dev/null)
    if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ $took -ge "$limit" ]; then
        reason="timed out after ${limit}s${reason:+ ($reason)}"
    fi
    grep -a '^XOVS-RESULT ' "$log"
    case $rc in
    0) echo "XOVS-TEST PASS $name" ;;
    77) echo "XOVS-TEST SKIP $name: ${reason:-no reason given}" ;;
    *)
        echo "XOVS-TEST FAIL $name: ${reason:-exit status $rc}"
        [ -n "$verbose" ] || tail -n 40 "$log" | sed 's/^/  | /'
        dmesg | grep -i -E 'segfault|traps:|general protection|oops|bug:' |
            tail -n 10 | sed 's/^/  dmesg| /'
        ;;
    esac
    say "scenario $name took ${took}s"
    # A failed scenario must not leave guests behind for the next one.
    for d in $(xl list 2>/dev/null | awk 'NR > 2 { print $2 }'); do
        xl destroy "$d" >/dev/null 2>&1
    done
done
[ $n_scenarios -gt 0 ] || echo "XOVS-TEST FAIL boot: no scenario matched '$only'"
say "done"
finish
