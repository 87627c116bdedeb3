# kernel-netback-absent: dom0 has no kernel xen-netback (not in the image,
# blacklisted on the command line), so the vif backend directories are left
# to xovs-netback, the way XenServer's shape needs.
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

if grep -q '^xen_netback ' /proc/modules; then
    fail "xen_netback is loaded"
fi
[ ! -e /sys/bus/xen-backend/drivers/vif ] ||
    fail "a kernel vif backend driver is registered"
if modinfo xen-netback >/dev/null 2>&1; then
    fail "xen-netback.ko is in the image"
fi
grep -q 'module_blacklist=xen_netback' /proc/cmdline ||
    fail "module_blacklist=xen_netback missing from dom0's command line"
pass
