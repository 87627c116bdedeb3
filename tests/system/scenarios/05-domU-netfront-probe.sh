# domU-netfront-probe: the toolstack and Linux netfront side, without any
# netback: xl create a PV guest with one vif (hotplug script: vif-stub), let
# a stand-in backend (lib.sh fake_backend) answer InitWait, and check that
# libxl wrote the backend nodes and the guest's unmodified xen-netfront
# published its rings and event channel and went to Connected (4).  Then
# xl destroy removes the guest and its device nodes.
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

fake_backend_start
trap fake_backend_stop EXIT

t0=$(now)
domid=$(domu_create probe \
    "vif = ['mac=00:16:3e:00:00:05,bridge=xenbr0,script=$XOVS_SYSTEM/vif-stub']" \
    'extra = "console=hvc0 xovs.ip=198.18.0.5/24"') ||
    fail "xl create failed: $(grep -v xencall:buffer $RUN/probe.create.log | tail -n 1)"
log "xl create: domid $domid after $(since "$t0")s"
grep -E 'running bootloader|xc_dom_build_image: called|xc_dom_release|hotplug script|domain_unpause' "$RUN/probe.create.log" || true
[ -n "$domid" ] || fail "no domid for guest probe"

be=/local/domain/0/backend/vif/$domid/0
fe=/local/domain/$domid/device/vif/0
for node in frontend frontend-id mac handle online script; do
    xenstore-read "$be/$node" >/dev/null 2>&1 || fail "backend node $be/$node missing"
done
xs_is "$be/frontend" "$fe" || fail "$be/frontend is not $fe"
xs_is "$be/hotplug-status" connected ||
    fail "hotplug-status not connected: vif-stub did not run"
xs_is "$fe/backend-id" 0 || fail "$fe/backend-id is not 0"

if ! wait_for 120 xs_is "$fe/state" 4; then
    xenstore-ls -f "$fe" 2>&1
    domu_console probe 40
    fail "netfront state $(xenstore-read "$fe/state" 2>&1) after 120 s, expected 4"
fi
log "netfront Connected $(since "$t0")s after xl create started"
xenstore-ls -f "$fe"
for node in tx-ring-ref rx-ring-ref event-channel request-rx-copy; do
    xenstore-read "$fe/$node" >/dev/null 2>&1 || fail "frontend node $fe/$node missing"
done
xs_is "$fe/request-rx-copy" 1 || fail "request-rx-copy is not 1"

domu_wait_ready "$domid" 60 || { domu_console probe 40; fail "guest init not ready"; }
out=$(domu_exec "$domid" 30 "cat /sys/class/net/eth0/address; ip -o -4 addr show dev eth0")
rc=$?
if [ $rc -ne 0 ]; then
    xenstore-ls -f "/local/domain/$domid/data"
    domu_console probe 20
    fail "command in the guest failed (status $rc): $out"
fi
echo "$out"
echo "$out" | grep -q 00:16:3e:00:00:05 || fail "guest eth0 has not the configured MAC"
# The command channel itself, a few times over (later scenarios lean on it).
for i in 1 2 3 4 5; do
    out=$(domu_exec "$domid" 30 "echo ping-$i; exit $i")
    rc=$?
    { [ $rc -eq $i ] && [ "$out" = "ping-$i" ]; } ||
        fail "domu_exec round $i: status $rc, output '$out'"
done
domu_console probe 20

xl destroy "$domid" || fail "xl destroy failed"
wait_for 30 sh -c "! xl list $domid" || fail "domain $domid still listed"
wait_for 30 sh -c "! xenstore-read $be/state" || fail "$be still there after destroy"
pass
