# reconnect (issue 5, scenario 6): a netfront that disconnects and
# reconnects -- xen-netfront unloaded and loaded again inside the domU --
# gets a working VIF again: backend Closing/Closed and back to Connected,
# same tap on the same bridge, ping works.
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

two_guests net-rc ca 71 cb 72
be=/local/domain/0/backend/vif/$da/0
out=$(domu_exec "$da" 60 "ping -c 2 -i 0.2 -W 2 198.18.0.72") ||
    { echo "$out"; host_report; fail "ping before the reconnect failed"; }
ring0=$(xenstore-read "/local/domain/$da/device/vif/0/tx-ring-ref")

t0=$(now)
# A bound device holds a reference on its xenbus driver's module, so the
# guest unbinds vif-0 before rmmod; modprobe binds it again.  One line:
# the guest's init reads the command with xenstore-read, which would
# escape a newline.
out=$(domu_exec "$da" 90 "ip link set eth0 down; echo vif-0 >/sys/bus/xen/drivers/vif/unbind && rmmod xen-netfront && modprobe xen-netfront && i=0 && while [ ! -e /sys/class/net/eth0 ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done; ip addr add 198.18.0.71/24 dev eth0 && ip link set eth0 up") ||
    { echo "$out"; domu_console ca; fail "netfront reload in the guest failed"; }
wait_for 60 xs_is "$be/state" 4 || { host_report; fail "backend not Connected after the reload"; }
wait_for 30 xs_is "/local/domain/$da/device/vif/0/state" 4 ||
    fail "frontend not Connected after the reload"
log "reconnected after $(since "$t0")s; tx-ring-ref $ring0 -> $(xenstore-read "/local/domain/$da/device/vif/0/tx-ring-ref")"
grep "vif$da.0" "$NB_LOG" | tail -n 8
ovs-vsctl --timeout=5 port-to-br "vif$da.0" | grep -qx "$br" ||
    { host_report; fail "vif$da.0 is not on $br after the reconnect"; }
out=$(domu_exec "$da" 60 "ping -c 3 -i 0.2 -W 2 198.18.0.72") ||
    { echo "$out"; host_report; domu_report "$da"; fail "ping after the reconnect failed"; }
echo "$out" | tail -n 2
echo "XOVS-RESULT reconnect: netfront reload -> Connected in $(since "$t0")s, ping ok"
for d in $da $db; do
    xl destroy "$d" || fail "xl destroy $d failed"
done
pass
