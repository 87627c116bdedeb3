#!/bin/bash
# 187-store-journal-default: the journal is the agent's default store (a
# change appends its records to FILE.journal instead of rewriting FILE),
# the snapshot store stays selectable (--store-snapshot), and moving
# between them loses nothing: a store written by the snapshot store loads
# in the default agent, whose changes survive a SIGKILL; a journal left by
# a killed default agent loads in a --store-snapshot agent, which folds it
# into FILE.
# Before: without an option each change rewrote FILE whole (no journal),
# and there was no --store-snapshot.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
agent_stop
S=$T_DIR/store.json
rm -f "$S" "$S.journal" "$S.bak"

# 1. The snapshot store, as before: records in FILE, no journal entries.
AGENT_EXTRA_ARGS=(--store-snapshot)
agent_start
net=$(xovs network-create name-label=upgrade)
vifs=()
for d in 0 1 2; do
    vifs+=("$(xovs vif-create vm-uuid="$(new_uuid)" domid=7 device=$d \
        network-uuid="$net" mac=02:00:00:07:00:0$d)")
done
xovs vif-plug uuid="${vifs[0]}" >/dev/null || fail "vif-plug refused"
[[ ! -s $S.journal ]] || fail "--store-snapshot wrote a journal: $(head -c 200 "$S.journal")"
for u in "$net" "${vifs[@]}"; do
    grep -q "$u" "$S" || fail "--store-snapshot: $u is not in $S"
done
log "ok: --store-snapshot keeps every record in $S, no journal"
agent_stop

# 2. The default agent on that store: everything there; a change goes to
# the journal, and survives a SIGKILL.
AGENT_EXTRA_ARGS=()
agent_start
for u in "$net" "${vifs[@]}"; do
    [[ -n $(xovs vif-list uuid="$u" --minimal 2>/dev/null) ||
        -n $(xovs network-list uuid="$u" --minimal 2>/dev/null) ]] ||
        fail "the default agent lost $u from the snapshot store"
done
[[ $(xovs vif-list uuid="${vifs[0]}" params=currently-attached --minimal) == true ]] ||
    fail "the default agent lost the plug of ${vifs[0]}"
snap_before=$(md5sum <"$S")
v4=$(xovs vif-create vm-uuid="$(new_uuid)" domid=7 device=3 \
    network-uuid="$net" mac=02:00:00:07:00:03)
xovs vif-param-set uuid="${vifs[1]}" other-config:upgrade=yes >/dev/null ||
    fail "vif-param-set refused"
[[ -s $S.journal ]] || fail "the default store wrote no journal ($S.journal) for a change"
grep -q "$v4" "$S.journal" || fail "the journal does not hold the created VIF $v4"
[[ $(md5sum <"$S") == "$snap_before" ]] ||
    fail "the default store rewrote $S for a change (it should only append to the journal)"
log "ok: by default a change appends to $S.journal and leaves $S alone"
kill -9 "$AGENT_PID"
# shellcheck disable=SC2317 # called through wait_until
gone() { [[ ! -d /proc/$AGENT_PID ]]; }
wait_until 10 gone || fail "agent $AGENT_PID survived SIGKILL"
AGENT_PID=
agent_start
[[ -n $(xovs vif-list uuid="$v4" --minimal) ]] || fail "after SIGKILL the created VIF $v4 is lost"
[[ $(xovs vif-list uuid="${vifs[1]}" params=other-config --minimal) == *upgrade* ]] ||
    fail "after SIGKILL the param-set of ${vifs[1]} is lost"
log "ok: after SIGKILL the default agent has every answered change"

# 3. Killed again with a change only in the journal; the snapshot store
# reads it and folds it into FILE.
xovs vif-destroy uuid="${vifs[2]}" >/dev/null || fail "vif-destroy refused"
kill -9 "$AGENT_PID"
wait_until 10 gone || fail "agent $AGENT_PID survived SIGKILL"
AGENT_PID=
AGENT_EXTRA_ARGS=(--store-snapshot)
agent_start
[[ -z $(xovs vif-list uuid="${vifs[2]}" --minimal) ]] ||
    fail "--store-snapshot brought back ${vifs[2]}, destroyed in the journal"
[[ -n $(xovs vif-list uuid="$v4" --minimal) ]] || fail "--store-snapshot lost $v4"
[[ ! -s $S.journal ]] || fail "--store-snapshot left the journal unfolded"
grep -q "$v4" "$S" || fail "$v4 is not in $S after the journal was folded"
log "ok: --store-snapshot folds a journal left by the default store, losing nothing"
pass
