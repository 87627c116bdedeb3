#!/bin/bash
# Start-up safety: a missing or empty store is not "no bridges".
#   1. Every save keeps the previous store as store.json.bak (the snapshot
#      store, --store-snapshot, saves on every change; the default journal
#      store saves when it folds the journal in).
#   2. With the store missing, and then with a store holding no records,
#      xovs-agent refuses to start while OVS has bridges xovs created; the
#      refusal names them and says how to recover (store.json.bak); the
#      bridges and their ports are untouched.
#   3. Restoring store.json.bak as the refusal says brings the agent back
#      with its records, and the bridges were never removed.
#   4. With no xovs bridges in OVS, a missing store starts as before.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
agent_stop
AGENT_EXTRA_ARGS+=(--store-snapshot)
agent_start
store=$T_DIR/store.json

net=$(xovs network-create name-label=keep)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
vif=$(vif_attach g1 1 0 "$net")
wait_port vif1.0 "$br"
xovs network-param-set uuid="$net" name-description=changed >/dev/null
[[ -s $store.bak ]] || fail "no $store.bak after a change"
grep -q '"changed"' "$store.bak" && fail "$store.bak already holds the latest change"
grep -q '"changed"' "$store" || fail "$store lacks the latest change"
grep -q "$vif" "$store.bak" || fail "$store.bak does not hold the VIF"
log "ok: $store.bak holds the records before the last change"

# start_refused WHAT: the agent must refuse to start and leave OVS alone.
start_refused() {
    local out rc=0
    rm -f "$T_DIR/agent.sock" "$T_DIR/agent.pid"
    out=$(ip netns exec "$NS" "$XOVS_BIN/xovs-agent" --ovsdb="$OVSDB" \
        --store="$store" --rpc="unix:$T_DIR/agent.sock" \
        --detach --pidfile="$T_DIR/agent.pid" --log-file="$T_DIR/agent.log" 2>&1) || rc=$?
    if [[ $rc -eq 0 ]]; then
        AGENT_PID=$(tr -dc 0-9 <"$T_DIR/agent.pid")
        sleep 2
        fail "xovs-agent started with $1 while OVS has xovs bridges (bridges now: $(vsctl list-br | tr '\n' ' '))"
    fi
    [[ $out == *"$br"* ]] || fail "the refusal does not name $br: $out"
    [[ $out == *"$store.bak"* ]] || fail "the refusal does not say how to recover from $store.bak: $out"
    sleep 1
    vsctl br-exists "$br" || fail "$br is gone after the refused start"
    [[ $(vsctl port-to-br vif1.0) == "$br" ]] || fail "vif1.0 is gone after the refused start"
    log "ok: refused with $1: $out"
}

agent_stop
mv "$store" "$T_DIR/store.saved"
start_refused "the store missing"

echo '{"version": 1, "networks": [], "pifs": [], "vlans": [], "vifs": [], "bonds": []}' >"$store"
start_refused "an empty store"

log "recovering as the refusal says: cp $store.bak $store"
cp "$store.bak" "$store"
agent_start
[[ $(xovs network-list uuid="$net" params=bridge --minimal) == "$br" ]] || fail "network $net not back"
wait_port vif1.0 "$br"

log "without xovs bridges in OVS, a missing store starts"
xovs vif-unplug uuid="$vif" >/dev/null
xovs vif-destroy uuid="$vif" >/dev/null
xovs network-destroy uuid="$net" >/dev/null
# shellcheck disable=SC2317 # run by wait_until
no_bridge() {
    ! vsctl br-exists "$1"
}
wait_until 10 no_bridge "$br" || fail "$br not removed after network-destroy"
agent_stop
rm -f "$store" "$store.bak"
agent_start
[[ -z $(xovs network-list --minimal params=uuid) ]] || fail "records out of nowhere"
pass
