#!/bin/bash
# 154-batch: `xovs batch` runs many changes in one call: the VIFs it
# creates and plugs are in OVS, the whole batch is one journal entry (one
# fsync), a failing call undoes the calls before it (nothing of the batch
# is applied, the message names the call), verbs that cannot be batched
# are usage errors, and a restart keeps what the batch did.
. "$(dirname "$0")/lib.sh"

AGENT_EXTRA_ARGS+=(--store-journal)
host_start
net=$(xovs network-create name-label=batch)
br=$(network_bridge "$net")
journal=$T_DIR/store.json.journal
lines() { wc -l <"$journal"; }
# shellcheck disable=SC2317 # called through wait_until
on_br() { [[ $(vsctl port-to-br "$1" 2>/dev/null) == "$br" ]]; }

before=$(lines)
uuids=$(xovs batch <<EOF2
# three VIFs of VM 5, one per line as the CLI takes them
vif-create vm-uuid=$(new_uuid) domid=5 device=0 network-uuid=$net mac=$(guest_mac 5 0)
vif-create vm-uuid=$(new_uuid) domid=6 device=0 network-uuid=$net mac=$(guest_mac 6 0)
{"method": "vif-create", "params": {"vm-uuid": "$(new_uuid)", "domid": "7", "device": "0", "network-uuid": "$net", "mac": "$(guest_mac 7 0)"}}
EOF2
) || fail "batch of creates refused: $uuids"
mapfile -t vifs <<<"$uuids"
((${#vifs[@]} == 3)) || fail "3 uuids expected, got: $uuids"
(($(lines) == before + 1)) ||
    fail "a batch of 3 creates wrote $(($(lines) - before)) journal entries"
log "ok: 3 creates in one call, one journal entry"

for u in "${vifs[@]}"; do echo "vif-plug uuid=$u"; done | xovs batch >/dev/null ||
    fail "batch of plugs refused"
for p in vif5.0 vif6.0 vif7.0; do
    wait_until 20 on_br "$p" ||
        fail "$p not on $br after the batch plug"
done
log "ok: the batch's plugs are ports on $br"

# All or nothing: the create is undone when the plug after it fails.
n_before=$(xovs vif-list params=uuid --minimal | tr ',' '\n' | grep -c .)
bogus=$(new_uuid)
if out=$(printf '%s\n' \
    "vif-create vm-uuid=$(new_uuid) domid=8 device=0 network-uuid=$net mac=$(guest_mac 8 0)" \
    "vif-plug uuid=$bogus" | xovs batch 2>&1); then
    fail "a batch with a bad call was accepted: $out"
fi
[[ $out == *"calls[1] (vif-plug): uuid: no VIF with uuid $bogus"* &&
    $out == *"nothing in the batch was changed"* ]] ||
    fail "the refusal does not name the failing call: $out"
n_after=$(xovs vif-list params=uuid --minimal | tr ',' '\n' | grep -c .)
((n_after == n_before)) || fail "$n_after VIFs after a refused batch, $n_before before"
! xovs vif-list domid=8 params=uuid --minimal | grep -q . ||
    fail "the refused batch's create was kept"
log "ok: a failing call undoes the whole batch: $out"

# Only changes may be batched.
rc=0
out=$(xovs batch calls='[{"method": "vif-list"}]' 2>&1) || rc=$?
if ((rc != 2)) || [[ $out != *"cannot be batched"* ]]; then
    fail "a list verb in a batch: exit $rc, $out"
fi
rc=0
out=$(xovs batch calls='[{"method": "vif-plug", "params": {"uuid": 5}}]' 2>&1) || rc=$?
if ((rc != 2)) || [[ $out != *"value must be a string"* ]]; then
    fail "a non-string parameter in a batch: exit $rc, $out"
fi
rc=0
out=$(xovs batch calls='not json' 2>&1) || rc=$?
if ((rc != 2)) || [[ $out != *"calls: must be a JSON array"* ]]; then
    fail "calls that are not JSON: exit $rc, $out"
fi
log "ok: bad batches are usage errors"

# The JSON form, then a restart: everything the batches did is kept.
xovs batch calls="[{\"method\": \"vif-param-set\", \"params\": {\"uuid\": \"${vifs[0]}\", \"other-config:batch\": \"yes\"}}]" >/dev/null ||
    fail "calls= form refused"
agent_stop
agent_start
[[ $(xovs vif-list uuid="${vifs[0]}" params=other-config --minimal) == *"batch: yes"* ]] ||
    fail "the batch's change was lost over a restart"
for u in "${vifs[@]}"; do
    [[ $(xovs vif-list uuid="$u" params=currently-attached --minimal) == true ]] ||
        fail "VIF $u lost its plug over a restart"
done
log "ok: a restart keeps what the batches did"
pass
