#!/bin/bash
# xovs-xenstored against Debian's real xenstore tools and libxenstore:
# read/write/ls/rm/chmod/exists, watches (initial event, node, subtree,
# @releaseDomain), a transaction conflict (EAGAIN), domain introduction and
# a guest's connection (permissions, its own tree, quotas EQUOTA/E2BIG),
# a client that never reads (dropped), a guest spinning on a watched node
# (others still served), an oversized message (only that connection
# closed), release (socket gone); Xen's own test-xenstore where installed.
# Self-contained: needs no OVS or netns.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${XOVS_BIN:-$TOP/build/bin}
XSD=$BIN/xovs-xenstored
CLIENT=$BIN/xs-test-client

log() { echo "70-xenstored: $*"; }
fail() {
    echo "70-xenstored: FAIL: $*"
    [[ -f ${DIR:-}/xenstored.log ]] && tail -n 20 "$DIR/xenstored.log"
    exit 1
}

for t in xenstore-read xenstore-write xenstore-ls xenstore-rm xenstore-chmod \
    xenstore-exists xenstore-list xenstore-watch; do
    command -v "$t" >/dev/null || {
        echo "70-xenstored: SKIP: $t not installed (Debian: xenstore-utils)"
        exit 77
    }
done
[[ -x $XSD && -x $CLIENT ]] || fail "$XSD or $CLIENT missing (run make)"

DIR=$(mktemp -d /tmp/xovs-xs.XXXXXX)
export XOVS_RUNDIR=$DIR # its default control socket
SOCK=$DIR/xs.sock
PIDS=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    if [[ -f $DIR/xenstored.pid ]]; then
        kill "$(cat "$DIR/xenstored.pid")" 2>/dev/null
    fi
    wait 2>/dev/null
    rm -rf "$DIR"
}
trap cleanup EXIT

export XENSTORED_PATH=$SOCK
as_dom5() { XENSTORED_PATH=$SOCK-dom5 "$@"; }
xsd_alive() { kill -0 "$(cat "$DIR/xenstored.pid")" 2>/dev/null; }

# Waits up to 5 s for file $1 to contain line $2.
wait_line() {
    for _ in $(seq 50); do
        grep -qxF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

log "start xovs-xenstored on $SOCK (default quotas, 64 KiB output limit)"
"$XSD" -vconsole:off --socket="$SOCK" --detach --pidfile="$DIR/xenstored.pid" \
    --log-file="$DIR/xenstored.log" --output-limit=65536 ||
    fail "xovs-xenstored did not start"
[[ -S $SOCK ]] || fail "no socket at $SOCK"

log "check: write, read, ls, list, exists, rm, chmod through xenstore-*"
xenstore-write /vm/a 1 /vm/b "two words" || fail "xenstore-write"
[[ $(xenstore-read /vm/a) == 1 ]] || fail "read /vm/a"
[[ $(xenstore-read /vm/b) == "two words" ]] || fail "read /vm/b"
[[ $(xenstore-list /vm | tr '\n' ' ') == "a b " ]] || fail "list /vm"
xenstore-ls /vm | grep -qx 'a = "1"' || fail "xenstore-ls /vm"
xenstore-exists /vm/a || fail "exists /vm/a"
xenstore-exists /vm/none 2>/dev/null && fail "exists /vm/none"
xenstore-read /vm/none 2>/dev/null && fail "reading a missing node works"
xenstore-chmod /vm/a n0 r5 || fail "xenstore-chmod"
xenstore-ls -p /vm | grep -q '^a = "1".*(n0,r5)' || fail "perms not shown"
xenstore-rm /vm/b || fail "xenstore-rm"
xenstore-exists /vm/b 2>/dev/null && fail "/vm/b still there"
{ xenstore-write /deep/x/y/z v && [[ $(xenstore-read /deep/x) == "" ]]; } ||
    fail "intermediate nodes"
{ xenstore-rm /deep && ! xenstore-exists /deep/x/y/z 2>/dev/null; } ||
    fail "recursive rm"

log "check: a directory over 4096 bytes (libxenstore's DIRECTORY_PART)"
args=()
for i in $(seq 300); do
    args+=("/big/child-with-a-long-name-$i" x)
done
xenstore-write "${args[@]}" || fail "300 writes"
[[ $(xenstore-list /big | wc -l) -eq 300 ]] || fail "xenstore-list /big"
xenstore-rm /big || fail "rm /big"

log "check: xenstore-watch sees the initial event, writes and subtree writes"
xenstore-watch /w >"$DIR/watch.out" 2>&1 &
PIDS+=($!)
wait_line "$DIR/watch.out" /w || fail "no initial watch event"
{ xenstore-write /w 1 && wait_line "$DIR/watch.out" /w; } ||
    fail "no event for /w"
xenstore-write /w/sub/leaf 1
wait_line "$DIR/watch.out" /w/sub/leaf || fail "no event for a subtree write"
xenstore-write /wx 1
xenstore-write /w/last 1
wait_line "$DIR/watch.out" /w/last || fail "no event for /w/last"
grep -qx /wx "$DIR/watch.out" && fail "event for /wx, outside /w"

log "check: transactions through libxenstore (conflict -> EAGAIN)"
"$CLIENT" txn-conflict /txn/v | sed 's/^/  /'
[[ ${PIPESTATUS[0]} -eq 0 ]] || fail "transaction checks"

xstest=$(compgen -G "/usr/lib/xen-*/bin/test-xenstore" | head -n1)
if [[ -n $xstest ]]; then
    log "check: Xen's own test-xenstore suite ($xstest)"
    timeout 120 "$xstest" >"$DIR/test-xenstore.out" 2>&1 ||
        { tail "$DIR/test-xenstore.out"; fail "test-xenstore failed"; }
    xenstore-rm /local/domain/0 || fail "cleanup after test-xenstore"
else
    log "  (Xen's test-xenstore is not installed; not run)"
fi

log "check: @releaseDomain watch, introduce domain 5"
xenstore-watch @releaseDomain >"$DIR/release.out" 2>&1 &
PIDS+=($!)
wait_line "$DIR/release.out" @releaseDomain || fail "no initial event"
[[ $("$CLIENT" is-introduced 5) == F ]] || fail "5 introduced too early"
"$CLIENT" introduce 5 || fail "introduce 5"
[[ $("$CLIENT" is-introduced 5) == T ]] || fail "5 not introduced"
[[ -S $SOCK-dom5 ]] || fail "no socket $SOCK-dom5 for domain 5"
[[ $("$CLIENT" domain-path 5) == /local/domain/5 ]] || fail "domain path"
xenstore-exists /local/domain/5 2>/dev/null &&
    fail "introduce created /local/domain/5 (real xenstored does not)"

log "setup: the toolstack's nodes: /local/domain/5 (owner 5), 6 (owner 6)"
xenstore-write /local/domain/5 "" /local/domain/6 "" /secret s ||
    fail "toolstack writes"
{ xenstore-chmod /local/domain/5 n5 r0 && xenstore-chmod /local/domain/6 n6; } ||
    fail "toolstack chmod"

log "check: domain 5 cannot read dom0's node (EACCES)"
as_dom5 xenstore-read /secret 2>/dev/null && fail "dom5 read /secret"
[[ $(as_dom5 "$CLIENT" raw read /secret) == "ERROR EACCES" ]] ||
    fail "dom5 read /secret: not EACCES"
as_dom5 xenstore-write /secret x 2>/dev/null && fail "dom5 wrote /secret"

log "check: domain 5 writes its own tree, relative paths included"
as_dom5 xenstore-write /local/domain/5/name guest5 || fail "dom5 write"
as_dom5 xenstore-write data/x 1 || fail "dom5 relative write"
[[ $(xenstore-read /local/domain/5/data/x) == 1 ]] || fail "relative path"
xenstore-ls -p /local/domain/5 | grep -q '^data = "".*(n5,r0)' ||
    fail "dom5's new node is not owned by 5 with the parent's perms"
[[ $(as_dom5 "$CLIENT" domain-path 5) == /local/domain/5 ]] ||
    fail "domain path as dom5"
as_dom5 "$CLIENT" introduce 9 2>/dev/null && fail "dom5 introduced a domain"

log "check: domain 5 cannot touch domain 6's tree"
as_dom5 xenstore-write /local/domain/6/x 1 2>/dev/null &&
    fail "dom5 wrote into domain 6's tree"
[[ $(as_dom5 "$CLIENT" raw write /local/domain/6/x 1) == "ERROR EACCES" ]] ||
    fail "not EACCES"
as_dom5 xenstore-chmod /local/domain/5/data n6 2>/dev/null &&
    fail "dom5 gave its node away"

log "check: quotas: a value over 2048 bytes is E2BIG; node count EQUOTA"
big=$(head -c 2049 /dev/zero | tr '\0' a)
[[ $(as_dom5 "$CLIENT" raw write data/big "$big") == "ERROR E2BIG" ]] ||
    fail "2049-byte value not E2BIG"
as_dom5 xenstore-write data/big "${big:1}" || fail "2048 bytes refused"
# Owned: /local/domain/5 itself and the nodes below it listed with n5.
owned=$(($(xenstore-ls -p /local/domain/5 | grep -c '(n5') + 1))
out=$(as_dom5 "$CLIENT" fill data/f 1100)
log "  $out ($owned nodes owned before)"
[[ $out == "wrote $((1000 - owned - 1)) then ERROR EQUOTA" ]] ||
    fail "node quota: $out"
xenstore-write /local/domain/5/by-dom0 ok || fail "dom0 is exempt"
as_dom5 xenstore-rm data/f || fail "dom5 rm"
as_dom5 xenstore-write data/again 1 || fail "rm did not free the quota"

log "check: a client that never reads its watch events is dropped"
"$CLIENT" noread /flood 3 >"$DIR/noread.out" &
noread=$!
sleep 0.5
long=$(head -c 200 /dev/zero | tr '\0' n)
args=()
for i in $(seq 400); do
    args+=("/flood/$long$i" v)
done
xenstore-write "${args[@]}" || fail "flood writes"
wait "$noread"
[[ $(cat "$DIR/noread.out") == dropped ]] || fail "non-reader not dropped"
grep -q "output queue full" "$DIR/xenstored.log" || fail "no log line"
xenstore-read /vm/a >/dev/null || fail "daemon unusable after the drop"

log "check: domain 5 rewriting a watched node in a loop starves nobody"
xenstore-watch /local/domain/5/spin >/dev/null 2>&1 &
PIDS+=($!)
as_dom5 "$CLIENT" spin /local/domain/5/spin 3 >"$DIR/spin.out" &
spin=$!
sleep 0.5
for i in $(seq 20); do
    timeout 5 xenstore-write "/fair/$i" "$i" || fail "dom0 write $i starved"
    [[ $(timeout 5 xenstore-read "/fair/$i") == "$i" ]] ||
        fail "dom0 read $i starved"
done
wait "$spin" || fail "spinning guest failed"
log "  $(cat "$DIR/spin.out") while dom0 made 40 requests"

log "check: an oversized message closes only that connection"
[[ $("$CLIENT" oversize) == closed ]] || fail "oversized message accepted"
xenstore-read /vm/a >/dev/null || fail "daemon unusable after it"

log "check: release domain 5: @releaseDomain fires, its socket goes"
n_before=$(grep -c @releaseDomain "$DIR/release.out")
"$CLIENT" release 5 || fail "release 5"
for _ in $(seq 50); do
    (($(grep -c @releaseDomain "$DIR/release.out") > n_before)) && break
    sleep 0.1
done
(($(grep -c @releaseDomain "$DIR/release.out") > n_before)) ||
    fail "no @releaseDomain event"
[[ -e $SOCK-dom5 ]] && fail "$SOCK-dom5 still there"
[[ $("$CLIENT" is-introduced 5) == F ]] || fail "5 still introduced"
[[ $(xenstore-read /local/domain/5/name) == guest5 ]] ||
    fail "release removed the guest's nodes (the toolstack does that)"

xsd_alive || fail "xovs-xenstored died"
log "PASS"
exit 0
