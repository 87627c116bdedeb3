#!/bin/bash
# xovs-test: alone
# 06-deb: `make deb` builds a lintian-clean Debian package that installs
# with dpkg on this Debian 12 machine beside Debian's openvswitch-switch,
# whose own init script starts xovs-agent with its packaged defaults (the
# agent answers `xovs network-list` on /run/xovs/agent.sock and creates a
# bridge), and that `dpkg --purge` removes leaving nothing behind: no
# file of the package, no /var/lib/xovs, /run/xovs or log.
#
# This machine's /usr/sbin/policy-rc.d may forbid starting services from
# maintainer scripts (containers do); the test then starts the service the
# way the boot would, with /etc/init.d/xovs-agent.  Its Open vSwitch is a
# sandbox's (OVS_RUNDIR points the agent's default --ovsdb at it), not the
# machine's.
. "$(dirname "$0")/lib.sh"

require_basics
for p in dpkg-buildpackage dh lintian; do
    command -v "$p" >/dev/null || fail "$p not installed (scripts/setup)"
done
if dpkg-query -W -f='${Status}' xovs 2>/dev/null | grep -q installed; then
    skip "a xovs package is installed on this machine; not touching it"
fi
for d in /run/xovs /var/lib/xovs; do
    if [[ -d $d ]]; then
        [[ -z $(ls -A "$d") ]] || skip "$d is in use (an xovs runs here)"
        rmdir "$d"
    fi
done
[[ ! -e /var/log/xovs-agent.log ]] ||
    skip "/var/log/xovs-agent.log exists (an xovs ran here)"

T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
INSTALLED=0

# The packaged programs see the machine's defaults, not the tests' private
# run directory.
pkg_env() {
    env -u XOVS_RUNDIR -u XOVS_RPC OVS_RUNDIR="$OVS_RUNDIR" "$@"
}

# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
deb_cleanup() {
    if [[ $INSTALLED -eq 1 ]]; then
        pkg_env /etc/init.d/xovs-agent stop >/dev/null 2>&1
        dpkg --purge xovs >/dev/null 2>&1
    fi
}
CLEAN_HOOKS+=(deb_cleanup)

log "make deb"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" deb \
    >"$T_DIR/make.log" 2>&1 || {
    tail -30 "$T_DIR/make.log"
    fail "make deb failed"
}
DEB=$(tail -1 "$T_DIR/make.log")
[[ -f $DEB ]] || fail "make deb printed no package ($DEB)"
# make deb runs lintian and fails on an error or a warning; show its word.
lintian --fail-on error,warning "$DEB" >"$T_DIR/lintian.log" 2>&1 || {
    cat "$T_DIR/lintian.log"
    fail "lintian: $DEB has errors or warnings"
}
log "$(basename "$DEB"): lintian clean"

sandbox_start "xp$ID"
INSTALLED=1
dpkg -i "$DEB" >"$T_DIR/dpkg.log" 2>&1 || {
    cat "$T_DIR/dpkg.log"
    fail "dpkg -i $(basename "$DEB") failed"
}
dpkg-query -L xovs >"$T_DIR/files"
for f in /usr/bin/xovs /usr/bin/xovs-agent /usr/bin/xovs-netback \
    /usr/bin/xovs-vif /lib/systemd/system/xovs-agent.service \
    /lib/systemd/system/xovs-netback.service /etc/init.d/xovs-agent \
    /etc/init.d/xovs-netback /usr/share/man/man8/xovs-agent.8.gz \
    "/usr/lib/$(gcc -print-multiarch)/xovs/librte_net_xovs.so"; do
    grep -qx "$f" "$T_DIR/files" || fail "the package lacks $f"
    [[ -e $f ]] || fail "$f not installed"
done
# If the maintainer scripts were allowed to start the agent, it runs
# against the machine's (absent) OVS: restart it against the sandbox's.
pkg_env /etc/init.d/xovs-agent stop >/dev/null 2>&1 || true
pkg_env /etc/init.d/xovs-agent start >"$T_DIR/start.log" 2>&1 || {
    cat "$T_DIR/start.log"
    fail "/etc/init.d/xovs-agent start failed"
}
wait_until 10 test -S /run/xovs/agent.sock ||
    fail "the packaged agent did not serve /run/xovs/agent.sock"
uuid=$(pkg_env /usr/bin/xovs network-create name-label=pkgnet 2>&1) || {
    cat /var/log/xovs-agent.log
    fail "xovs network-create against the packaged agent failed: $uuid"
}
pkg_env /usr/bin/xovs network-list >"$T_DIR/list.out" 2>&1 ||
    fail "xovs network-list failed: $(cat "$T_DIR/list.out")"
grep -q 'pkgnet' "$T_DIR/list.out" ||
    fail "network-list does not show pkgnet: $(cat "$T_DIR/list.out")"
bridge=$(pkg_env /usr/bin/xovs network-list uuid="$uuid" params=bridge \
    --minimal)
wait_until 10 ovs-vsctl --db="$OVSDB" br-exists "$bridge" ||
    fail "the packaged agent did not create bridge $bridge"
pkg_env /etc/init.d/xovs-agent status >/dev/null ||
    fail "/etc/init.d/xovs-agent status says it is not running"
log "installed; the agent it ships answers and made $bridge"

pkg_env /etc/init.d/xovs-agent stop >/dev/null ||
    fail "/etc/init.d/xovs-agent stop failed"
dpkg --purge xovs >"$T_DIR/purge.log" 2>&1 || {
    cat "$T_DIR/purge.log"
    fail "dpkg --purge xovs failed"
}
INSTALLED=0
left=()
while read -r f; do
    # Directories shared with other packages (/usr/bin, /etc/init.d...)
    # stay; every file of the package must be gone.
    [[ -d $f ]] && continue
    [[ -e $f || -L $f ]] && left+=("$f")
done <"$T_DIR/files"
for f in /var/lib/xovs /run/xovs /var/log/xovs-agent.log \
    /usr/share/doc/xovs; do
    [[ -e $f ]] && left+=("$f")
done
[[ ${#left[@]} -eq 0 ]] || fail "left behind after purge: ${left[*]}"
pass
