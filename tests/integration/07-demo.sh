#!/bin/bash
# xovs-test: alone
# 07-demo: `make demo`'s scripts/demo shows the product and leaves nothing
# behind.  Run to its end it must succeed and its output must show: the
# LACP bond negotiated with the demo's switch on both members; the three
# emulated Xen guests' VIFs connected through xovs-netback (xenstore
# backend and frontend state 4, tap on an OVS bridge, vif/show from
# netback); ping replies from the other guest and from the server behind
# the switch on VLAN 10, none from the one on VLAN 20; the trunk VIF's
# frames on VLANs 20 and 10; the read-only user's vif-unplug refused naming
# vm-operator; three `xovs top` tables with vif1.0's traffic.  Then, and
# again after a Ctrl-C (SIGINT to its process group) in the middle and
# after a failure (a netfront that exits 1): no process it started still
# runs (demo-run.py is their subreaper), no namespace, sandbox run
# directory or /tmp directory of it is left.
# Before: the demo's guests were veth pairs (no netback, no bond, no
# trunk, no roles, no top).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_basics
for p in xovs-netback xovs-xenstored xovs-guest; do
    [[ -x $XOVS_BIN/$p ]] || fail "$XOVS_BIN/$p not built (make)"
done
command -v xenstore-read >/dev/null || skip "xenstore-read not installed (xenstore-utils)"
command -v setpriv >/dev/null || skip "setpriv not installed (util-linux)"
T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
LEFT_PIDS=()

# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
demo_cleanup() {
    local p
    for p in "${LEFT_PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null
    done
    return 0
}
CLEAN_HOOKS+=(demo_cleanup)

# run_demo OUT [--interrupt-after REGEX]: runs scripts/demo, its output to
# OUT; sets DEMO_PID, DEMO_RC and DEMO_DIR (its /tmp directory).
run_demo() {
    local out=$1 res
    shift
    res=$(python3 "$TOP/tests/integration/demo-run.py" "$out" "$@" -- \
        env XOVS_BIN="$XOVS_BIN" "$TOP/scripts/demo")
    DEMO_PID=$(sed -n 's/^pid=//p' <<<"$res")
    DEMO_RC=$(sed -n 's/^rc=//p' <<<"$res")
    DEMO_DIR=$(grep -o '/tmp/xovs-demo\.[A-Za-z0-9]*' "$out" | head -n 1)
    [[ -n $DEMO_PID && -n $DEMO_RC ]] || fail "demo-run.py: $res"
    LEFT_PIDS=()
    while read -r pid cmd; do
        LEFT_PIDS+=("$pid")
        log "left running: pid $pid: $cmd"
    done < <(sed -n 's/^left: //p' <<<"$res")
}

# nothing_left WHAT: no process, namespace, sandbox or directory of the
# demo run that just ended.
nothing_left() {
    local ns d
    [[ ${#LEFT_PIDS[@]} -eq 0 ]] || fail "$1: processes left running: ${LEFT_PIDS[*]}"
    ns=$(ip netns list | awk '{ print $1 }' | grep -E -- "^xovs-demo-(.*-)?$DEMO_PID\$" || true)
    [[ -z $ns ]] || fail "$1: namespaces left: $(tr '\n' ' ' <<<"$ns")"
    for d in "/run/xovs-sandbox/xovs-demo-$DEMO_PID" "/run/xovs-sandbox/xovs-demo-sw-$DEMO_PID"; do
        [[ ! -e $d ]] || fail "$1: $d left"
    done
    [[ -n $DEMO_DIR ]] || fail "$1: the demo's output names no /tmp/xovs-demo.* directory"
    [[ ! -e $DEMO_DIR ]] || fail "$1: $DEMO_DIR left"
    log "ok: $1: no process, namespace, sandbox or $DEMO_DIR left"
}

# shows OUT REGEX WHAT: the demo's output OUT has a line matching REGEX.
shows() {
    grep -qE -- "$2" "$1" || fail "the demo's output does not show $3 (/$2/)"
    log "ok: shows $3"
}

log "scripts/demo, to its end"
out=$T_DIR/demo.out
t0=$(now_ms)
run_demo "$out"
t1=$(now_ms)
sed "s/^/[$TEST_NAME] | /" "$out"
[[ $DEMO_RC -eq 0 ]] || fail "scripts/demo exited $DEMO_RC"
log "ok: scripts/demo succeeded in $(((t1 - t0) / 1000)) s"

shows "$out" 'lacp-status \( RO\): negotiated' "the bond's LACP negotiated"
shows "$out" 'links-up \( RO\): 2$' "both bond members up"
shows "$out" '^ +lacp_status: negotiated$' "the switch's side negotiated"
for d in 1 2 3; do
    shows "$out" "^ +vif$d\\.0: backend state 4, frontend state 4 \\(4 = Connected\\), port of bridge xapi[0-9]+\$" \
        "vif$d.0 connected through netback"
done
shows "$out" '^ +vif1\.0: backend Connected, frontend Connected$' "netback's vif/show"
[[ $(grep -c 'currently-attached ( RO): true$' "$out") -eq 3 ]] ||
    fail "vif-list does not show 3 attached VIFs"
shows "$out" '^ +64 bytes from 198\.18\.10\.2: ' "vm2's ping replies"
shows "$out" '^ +64 bytes from 198\.18\.10\.100: ' "replies from the VLAN 10 server over the bond"
! grep -q 'bytes from 198\.18\.10\.200' "$out" || fail "the VLAN 20 server answered"
shows "$out" '^ +3 packets transmitted, 0 received' "no reply across VLANs"
! grep -q UNEXPECTED "$out" || fail "the demo reports an UNEXPECTED result"
shows "$out" '^ +trunk \[10, 20\]$' "vif3.0 an OVS trunk of 10 and 20"
shows "$out" '^ +-> srv20 received vm3.s frame, untagged$' "the trunk's VLAN 20 frame at the VLAN 20 server"
shows "$out" '^ +-> vm3 received srv10.s frame, tagged 10$' "VLAN 10 reaching the trunk VIF tagged"
shows "$out" '^ +xovs: vif-unplug needs role vm-operator; you \(uid [0-9]+\) have read-only$' \
    "the read-only user's call refused, naming the role"
[[ $(grep -cE '^ +xovs top - .* ports, busiest first' "$out") -eq 3 ]] ||
    fail "not 3 xovs top tables"
awk '$1 == "vif1.0" && $2 == "vif" && $3 > 0 && $4 > 0 { ok = 1 } END { exit !ok }' "$out" ||
    fail "no xovs top row with vif1.0's traffic"
log "ok: shows 3 xovs top tables, vif1.0 with traffic"
shows "$out" 'Nothing is left behind\.$' "its cleanup"
nothing_left "after a full run"

log "scripts/demo, Ctrl-C once the guests are connected"
out=$T_DIR/demo-int.out
run_demo "$out" --interrupt-after '^==> 6\. '
tail -n 4 "$out" | sed "s/^/[$TEST_NAME] | /"
[[ $DEMO_RC -eq 130 ]] || fail "interrupted scripts/demo exited $DEMO_RC, not 130"
grep -q '^==> 6\. ' "$out" || fail "the demo did not get to step 6"
shows "$out" 'The demo failed \(exit status 130\); everything it made is removed\.$' \
    "the interrupted demo's cleanup"
nothing_left "after Ctrl-C"

log "scripts/demo, failing: its guests' netfront (xovs-guest) exits 1"
bad=$T_DIR/bin
mkdir "$bad"
for p in "$XOVS_BIN"/*; do
    ln -s "$p" "$bad/"
done
rm "$bad/xovs-guest"
printf '#!/bin/sh\necho "xovs-guest: broken for test 07" >&2\nexit 1\n' >"$bad/xovs-guest"
chmod 0755 "$bad/xovs-guest"
out=$T_DIR/demo-fail.out
XOVS_BIN=$bad run_demo "$out"
tail -n 4 "$out" | sed "s/^/[$TEST_NAME] | /"
[[ $DEMO_RC -eq 1 ]] || fail "failing scripts/demo exited $DEMO_RC, not 1"
shows "$out" '^demo: xovs-guest vm1: no eth0: xovs-guest: broken for test 07$' "why it failed"
shows "$out" 'The demo failed \(exit status 1\); everything it made is removed\.$' \
    "the failed demo's cleanup"
nothing_left "after a failure"
pass
