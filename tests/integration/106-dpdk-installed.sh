#!/bin/bash
# xovs-test: alone
# The net_xovs that `make install PREFIX=/usr` installs (the Debian
# package's path, docs/dpdk.md: /usr/lib/<multiarch>/xovs/) is the one
# Debian's ovs-vswitchd-dpdk loads with other_config:dpdk-extra "-d PATH":
# installed under a root-owned DESTDIR in /run (EAL refuses a plugin in a
# directory anyone may write), loaded from there by the sandbox's
# ovs-vswitchd-dpdk, two guests on DPDK VIFs ping each other through it.
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

dpdk_require
INST=/run/xovs-inst.$ID
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
inst_remove() {
    rm -rf "$INST"
}
mkdir -m 0755 "$INST"
CLEAN_HOOKS+=(inst_remove)
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" install \
    DESTDIR="$INST" PREFIX=/usr >"$INST.make.log" 2>&1 || {
    cat "$INST.make.log"
    rm -f "$INST.make.log"
    fail "make install PREFIX=/usr failed"
}
rm -f "$INST.make.log"
DPDK_PLUGIN=$INST/usr/lib/$(gcc -print-multiarch)/xovs/librte_net_xovs.so
[[ -f $DPDK_PLUGIN ]] || fail "make install left no ${DPDK_PLUGIN#"$INST"}"
log "ok: make install put the driver in ${DPDK_PLUGIN#"$INST"}"

dpdk_host_start
dpdk_guest ga 1 0 198.18.0.1/24
dpdk_guest gb 2 0 198.18.0.2/24
[[ $(vsctl get Open_vSwitch . other_config:dpdk-extra) == *"-d $DPDK_PLUGIN"* ]] ||
    fail "ovs-vswitchd-dpdk was not started with -d $DPDK_PLUGIN"
expect_ping ga 198.18.0.2
expect_ping gb 198.18.0.1
pass
