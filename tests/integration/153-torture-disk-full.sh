#!/bin/bash
# xovs-test: alone
# 153-torture-disk-full: the agent's store lives on a small tmpfs that
# fills up while networks are created.  A create that cannot be saved is
# refused with a message naming the store and the system's reason, and
# changes nothing (no record, no bridge); every create answered before is
# intact, also after a restart; once space returns, creates work again
# with no action on the agent.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_basics
T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
STORE_DIR=$T_DIR/store
mkdir "$STORE_DIR"
mount -t tmpfs -o size=48k,mode=0700 "xovs-$TEST_NAME" "$STORE_DIR"
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
umount_store() {
    agent_stop
    umount "$STORE_DIR" 2>/dev/null
}
CLEAN_HOOKS+=(umount_store)

sandbox_start "xh$ID"
NS=$XOVS_NETNS
# shellcheck disable=SC2153 # set by sandbox_start's eval
RUNDIR=$OVS_RUNDIR
unset XOVS_NETNS OVS_RUNDIR OVS_DBDIR OVS_LOGDIR
agent_start_on() {
    rm -f "$T_DIR/agent.sock" "$T_DIR/agent.pid"
    ip netns exec "$NS" "$XOVS_BIN/xovs-agent" --ovsdb="$OVSDB" \
        --store="$STORE_DIR/records.json" --rpc="unix:$T_DIR/agent.sock" \
        --detach --pidfile="$T_DIR/agent.pid" --log-file="$T_DIR/agent.log" \
        2>>"$T_DIR/agent.stderr" ||
        fail "xovs-agent did not start: $(tail -n 5 "$T_DIR/agent.stderr")"
    AGENT_PID=$(tr -dc 0-9 <"$T_DIR/agent.pid")
    wait_until 10 xovs network-list || fail "agent does not answer"
}
agent_start_on

# Long descriptions make each save bigger, so the 48 KiB fill quickly
# (the store keeps records.json and a .bak hard link: two copies while a
# save is in flight).
desc=$(printf 'x%.0s' {1..1000})
created=()
refused=
for ((i = 0; i < 200; i++)); do
    if out=$(xovs network-create name-label="full$i" \
        name-description="$desc" 2>&1); then
        created+=("$out")
    else
        refused=$out
        break
    fi
done
[[ -n $refused ]] || fail "200 creates fit in 48 KiB: the store did not fill"
log "store full after ${#created[@]} networks: $refused"
[[ $refused == *"$STORE_DIR/records.json"* ]] ||
    fail "the refusal does not name the store: $refused"
[[ $refused == *"No space left on device"* ]] ||
    fail "the refusal does not give the reason: $refused"

check_records() {
    local n u listed
    listed=$(xovs network-list params=uuid --minimal)
    for u in "${created[@]}"; do
        [[ ,$listed, == *",$u,"* ]] || fail "network $u lost ($1)"
    done
    n=$(tr ',' '\n' <<<"$listed" | grep -c . || true)
    ((n == ${#created[@]})) ||
        fail "$n networks listed, ${#created[@]} were created ($1)"
    ! xovs network-list name-label="full${#created[@]}" params=uuid \
        --minimal | grep -q . || fail "the refused network exists ($1)"
}
check_records "after the refusal"
bridges=$(vsctl list-br | wc -l)
((bridges == ${#created[@]})) ||
    fail "$bridges bridges in OVS for ${#created[@]} networks"
log "ok: every answered create is there, the refused one is not"

# A change that makes the store bigger is refused too while full, then a
# restart on the full disk.
! xovs network-param-set uuid="${created[0]}" \
    name-description="$desc$desc$desc" >/dev/null 2>&1 ||
    fail "a growing change was accepted on a full disk"
[[ $(xovs network-list uuid="${created[0]}" params=name-description \
    --minimal) == "$desc" ]] || fail "the refused change was applied"
agent_stop
agent_start_on
check_records "after a restart on the full disk"
log "ok: a restart on the full disk loses nothing"

mount -o remount,size=1m "$STORE_DIR"
out=$(xovs network-create name-label=after) ||
    fail "create still refused with space back: $out"
created+=("$out")
xovs network-param-set uuid="${created[0]}" name-description=changed ||
    fail "change refused with space back"
check_records "with space back"
agent_stop
agent_start_on
check_records "after a restart with space back"
[[ $(xovs network-list uuid="${created[0]}" params=name-description \
    --minimal) == changed ]] || fail "the change after recovery was lost"
log "ok: space back, changes are saved again"
pass
