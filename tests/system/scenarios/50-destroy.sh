# destroy (issue 5, scenario 5): `xl destroy` tears the VIF down -- tap and
# OVS port gone, netback's grant mappings of the guest gone, backend
# directory removed, no error in netback's log -- and the next domU comes
# up cleanly on the same network.  (Xen hands out domids in sequence and
# xl 4.17 cannot ask for one, so the new guest gets a fresh domid; a
# reused domid is covered on the emulated platform, test 73.)
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

host_up
net=$(net_create net-destroy) || fail "network-create failed"
br=$(net_bridge "$net")
vif_record "$net" 0 0 "$(guest_mac 61)" >/dev/null || fail "vif-create failed"
d=$(guest_up gd 61 "$br") || { host_report; domu_console gd; fail "guest gd did not come up"; }
wait_for 60 xs_is "/local/domain/0/backend/vif/$d/0/state" 4 ||
    { host_report; fail "backend of domain $d not Connected"; }
nb=$(cat "$NB_PIDFILE")
maps() { grep -c gntdev "/proc/$nb/maps"; }
log "netback pid $nb: $(maps) gntdev mappings with gd connected"
[ "$(maps)" -gt 0 ] || fail "netback maps no grant of the connected guest"
errs0=$(netback_errors | wc -l)

xl destroy "$d" || fail "xl destroy failed"
wait_for 30 sh -c "! ip link show vif$d.0" ||
    { host_report; fail "tap vif$d.0 still there"; }
wait_for 30 sh -c "! ovs-vsctl --timeout=5 port-to-br vif$d.0" ||
    { host_report; fail "OVS port vif$d.0 still there"; }
wait_for 30 sh -c "[ \$(grep -c gntdev /proc/$nb/maps) -eq 0 ]" ||
    { host_report; fail "netback still maps $(maps) grant pages"; }
wait_for 30 sh -c "! xenstore-read /local/domain/0/backend/vif/$d" ||
    fail "backend/vif/$d still in xenstore"
ovs-appctl -t "$NB_CTL" vif/show "vif$d.0" >/dev/null 2>&1 &&
    fail "netback still knows vif$d.0"
pid_alive "$NB_PIDFILE" || fail "netback died"
new_errs=$(netback_errors | tail -n +$((errs0 + 1)))
[ -z "$new_errs" ] || fail "netback logged errors: $new_errs"
log "torn down: no tap, no port, no grant mapping, no backend node, no error"

# The next guest, same network, same MAC: the agent's VIF record is
# matched again by the hotplug script.
d2=$(guest_up gd2 61 "$br") || { host_report; domu_console gd2; fail "the next guest did not come up"; }
wait_for 60 xs_is "/local/domain/0/backend/vif/$d2/0/state" 4 ||
    { host_report; fail "backend of domain $d2 not Connected"; }
ovs-vsctl --timeout=5 port-to-br "vif$d2.0" | grep -qx "$br" ||
    { host_report; fail "vif$d2.0 is not on $br"; }
[ "$(xovs vif-list MAC="$(guest_mac 61)" params=domid --minimal)" = "$d2" ] ||
    fail "the agent's VIF record says domid $(xovs vif-list MAC="$(guest_mac 61)" params=domid --minimal), not $d2"
echo "XOVS-RESULT destroy: domid $d torn down; domid $d2 connected on $br"
xl destroy "$d2" || fail "xl destroy $d2 failed"
pass
