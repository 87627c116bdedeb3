#!/bin/bash
# xovs-test: alone=ovn
# xovs-controller's store journal (docs/ovn.md, "The controller's store"):
# - killed with SIGKILL during a stream of changes (ctl-torture.py: VIFs
#   placed, moved and removed on fake hosts): after each restart every
#   answered change is in the records, nothing is duplicated or invented,
#   and OVN's northbound database converges on them;
# - a torn last journal entry (a crash in the middle of an append) is
#   dropped with a line in the log, the records before it are all there,
#   and the next change cuts it off and follows them;
# - SIGTERM folds the journal into the snapshot;
# - a corrupt entry with good ones after it is refused at start with a
#   clear message, and the journal is left as it is.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

ovn_require
ovn_start 1
ctl_start || fail "xovs-controller did not start"
priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
kill_wait "$CTL_PID" TERM # ctl-torture.py starts its own

CTL_CMD="ip netns exec $OVN-c $XOVS_BIN/xovs-controller --ovnnb-db=$OVN_NB_DB \
--store=$T_DIR/controller.json --rpc=unix:$T_DIR/controller.sock \
--unixctl=$T_DIR/controller.ctl --detach --pidfile=$T_DIR/controller.pid \
--log-file=$T_DIR/controller.log"
python3 "$TOP/tests/integration/ctl-torture.py" --ctl="$CTL_CMD" \
    --sock="$T_DIR/controller.sock" --pidfile="$T_DIR/controller.pid" \
    --nbctl="ip netns exec $OVN-c ovn-nbctl --db=$OVN_NB_DB --timeout=20" \
    --network="$priv" --rounds="${CTL_TORTURE_ROUNDS:-8}" \
    >"$T_DIR/torture.out" 2>&1 || {
    tail -n 5 "$T_DIR/torture.out" | sed "s/^/[$TEST_NAME] | /"
    fail "ctl-torture.py failed"
}
CTL_PID=$(tr -dc 0-9 <"$T_DIR/controller.pid")
log "ok: $(tail -n 1 "$T_DIR/torture.out")"
[[ -e $T_DIR/controller.json.journal ]] ||
    fail "no journal next to the store: $(ls -l "$T_DIR")"

# records: the records without their OVN status, comparable text.
records() {
    xc pool-network-list params=uuid,name-label,VIF-uuids
    xc pool-vif-list params=uuid,network-uuid,mac,host,migrating-to
}

log "a torn last journal entry"
extra=$(new_uuid)
xc pool-vif-create uuid="$extra" network-uuid="$priv" mac=02:00:c6:13:ff:01 \
    host=fake1 >/dev/null || fail "pool-vif-create"
BEFORE=$(records)
kill -KILL "$CTL_PID"
wait_until 10 test ! -d "/proc/$CTL_PID" || fail "xovs-controller survived SIGKILL"
# Half of an entry, as a crash in the middle of an append leaves it.
printf 'XJ1 5c0ffee5 {"ops": [{"table": "vifs", "uuid": "%s", "rec' \
    "$(new_uuid)" >>"$T_DIR/controller.json.journal"
ctl_start || fail "xovs-controller did not start after a torn append"
grep -q "dropped a torn last entry of $T_DIR/controller.json.journal" \
    "$T_DIR/controller.log" || fail "no log line about the torn entry: $(tail -n 5 "$T_DIR/controller.log")"
[[ $(records) == "$BEFORE" ]] || fail "the records changed with the torn entry"
log "ok: the torn entry was dropped with a log line, the records are as answered"
after=$(new_uuid)
xc pool-vif-create uuid="$after" network-uuid="$priv" mac=02:00:c6:13:ff:02 \
    host=fake2 >/dev/null || fail "pool-vif-create after the torn entry"
grep -qv '^XJ1 [0-9a-f]\{8\} {.*}$' "$T_DIR/controller.json.journal" &&
    fail "the torn entry is still in the journal: $(grep -v '^XJ1 [0-9a-f]\{8\} {.*}$' "$T_DIR/controller.json.journal" | head -c 300)"
kill -KILL "$CTL_PID"
wait_until 10 test ! -d "/proc/$CTL_PID" || fail "xovs-controller survived SIGKILL"
ctl_start || fail "xovs-controller did not start again"
[[ $(xc pool-vif-list uuid="$after" params=host --minimal) == fake2 ]] ||
    fail "the change after the torn entry was lost"
# shellcheck disable=SC2317 # run by wait_until
port_there() {
    [[ $(nbctl --bare --columns=name find Logical_Switch_Port name="$after") == "$after" ]]
}
wait_until 60 port_there || fail "the VIF placed after the torn entry is not in NB"
log "ok: the next change follows the good entries and reaches NB"

log "a clean exit folds the journal into the snapshot"
xc pool-vif-destroy uuid="$extra" >/dev/null || fail "pool-vif-destroy"
[[ -s $T_DIR/controller.json.journal ]] || fail "the change is not in the journal"
kill_wait "$CTL_PID" TERM
[[ ! -s $T_DIR/controller.json.journal ]] ||
    fail "the journal was not folded into the snapshot at exit"
grep -q "$after" "$T_DIR/controller.json" ||
    fail "the snapshot does not hold the records after the exit"
! grep -q "$extra" "$T_DIR/controller.json" ||
    fail "the snapshot holds a VIF removed before the exit"
log "ok: after SIGTERM the snapshot alone holds the records"

log "a corrupt entry in the middle of the journal is refused"
ctl_start || fail "xovs-controller did not start again"
xc pool-vif-destroy uuid="$after" >/dev/null || fail "pool-vif-destroy"
xc pool-vif-create uuid="$after" network-uuid="$priv" mac=02:00:c6:13:ff:02 \
    host=fake2 >/dev/null || fail "pool-vif-create again"
kill -KILL "$CTL_PID"
wait_until 10 test ! -d "/proc/$CTL_PID" || fail "xovs-controller survived SIGKILL"
cp "$T_DIR/controller.json.journal" "$T_DIR/journal.good"
sed -i '1s/"table"/"tablx"/' "$T_DIR/controller.json.journal"
cp "$T_DIR/controller.json.journal" "$T_DIR/journal.bad"
rm -f "$T_DIR/controller.pid"
out=$(ip netns exec "$OVN-c" "$XOVS_BIN/xovs-controller" --ovnnb-db="$OVN_NB_DB" \
    --store="$T_DIR/controller.json" --rpc="unix:$T_DIR/controller.sock" \
    --unixctl="$T_DIR/controller.ctl" 2>&1) &&
    fail "xovs-controller started on a corrupt journal"
[[ $out == *"controller.json.journal is corrupt at byte 0"* && $out == *refusing* ]] ||
    fail "corrupt journal: unclear '$out'"
cmp -s "$T_DIR/controller.json.journal" "$T_DIR/journal.bad" ||
    fail "the corrupt journal was changed"
log "ok: $out"
cp "$T_DIR/journal.good" "$T_DIR/controller.json.journal"
ctl_start || fail "xovs-controller did not start on the repaired journal"
[[ $(xc pool-vif-list uuid="$after" params=host --minimal) == fake2 ]] ||
    fail "records lost"
pass
