# boot: Xen and dom0 are up: xl talks to the hypervisor, xenstored has dom0's
# nodes, and the devices a user-space backend needs exist.
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

xl info >/run/xovs/xl-info 2>&1 || fail "xl info: $(tail -n 1 /run/xovs/xl-info)"
cat /run/xovs/xl-info
ver=$(awk -F': *' '$1 ~ /^xen_version/ { print $2 }' /run/xovs/xl-info)
case $ver in
4.17*) ;;
*) fail "xl info says xen_version '$ver', expected 4.17" ;;
esac
xl list | grep -q '^Domain-0 ' || fail "xl list has no Domain-0"
xs_is /local/domain/0/name Domain-0 || fail "xenstore has no dom0 name"
for dev in /dev/xen/gntdev /dev/xen/evtchn /dev/xen/privcmd /dev/xen/gntalloc; do
    [ -c "$dev" ] || fail "$dev missing"
done
lsmod | grep -q '^openvswitch ' || fail "openvswitch module not loaded"
pass
