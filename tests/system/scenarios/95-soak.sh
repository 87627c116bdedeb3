# soak (only on request: run-xen --only=soak): the emulated machine's own
# health under load.  Two domUs run iperf3 both ways for 40 s while dom0
# forks and runs xenstore-read in a loop; any user-space fault in dom0 fails
# it.  This is how lazy FPU switching under TCG was caught leaking SSE
# state between vCPUs (2 and 4 faults in two runs; 0 with Xen's
# spec-ctrl=eager-fpu, see docs/check-xen.md).
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

case ",$(sed -n 's/.*xovs\.only=\([^ ]*\).*/\1/p' /proc/cmdline)," in
*,soak,*) ;;
*) skip "only on request (--only=soak)" ;;
esac
two_guests net-soak sa 21 sb 22
faults0=$(dmesg | grep -c -E 'segfault at|general protection')
for d in $da $db; do
    domu_exec "$d" 10 "iperf3 -s -D >/dev/null 2>&1" >/dev/null ||
        fail "iperf3 server in domain $d failed"
done
sleep 1
domu_exec "$da" 10 "(iperf3 -c 198.18.0.22 -t 40 >/dev/null 2>&1 &)" >/dev/null
domu_exec "$db" 10 "(iperf3 -c 198.18.0.21 -t 40 >/dev/null 2>&1 &)" >/dev/null
end=$(($(cut -d. -f1 /proc/uptime) + 40))
n=0
while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
    busybox true
    xenstore-read "/local/domain/$da/name" >/dev/null
    n=$((n + 1))
done
faults=$(($(dmesg | grep -c -E 'segfault at|general protection') - faults0))
ovs-appctl -t "$NB_CTL" vif/show | grep -E '^vif|  (tx|rx)_packets'
echo "XOVS-RESULT soak: $n fork+exec rounds in dom0 under 2x iperf3, $faults user faults"
for d in $da $db; do
    xl destroy "$d" || fail "xl destroy $d failed"
done
[ "$faults" -eq 0 ] || fail "$faults user-space faults in dom0"
pass
