#!/bin/bash
# xovs-test: alone
# 150-torture-agent-kill: xovs-agent is killed with SIGKILL at 100 random
# moments while three clients create, plug, change and destroy networks and
# VIFs; after each restart every answered change is there, nothing is
# duplicated or half-applied, and OVS converges (torture-agent.py says how
# it checks, and why its time bounds are generous).  TORTURE_ROUNDS
# changes the count; the rounds stop early (after 4) once TORTURE_BUDGET_S
# seconds (default 170) have passed, so that the test ends within
# run-tests' limit (XOVS_TEST_TIMEOUT, 300 s) on a loaded machine.
# Both stores: the agent starts with --store-snapshot (the snapshot
# rewritten per change) in even rounds and with the default store (a
# journal: an append per change) in odd ones, so each is killed mid-change, and each finds the
# other's files at start (a journal folded into the snapshot, a snapshot
# under a journal).  TORTURE_STORE=snapshot or journal keeps to one.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
base=$(xovs network-create name-label=torture-base)
agent_stop

rounds=${TORTURE_ROUNDS:-100}
seed=${TORTURE_SEED:-$RANDOM}
log "$rounds rounds, seed $seed (TORTURE_SEED=$seed repeats the choices)"
agent_cmd="$XOVS_BIN/xovs-agent --ovsdb=$OVSDB --store=$T_DIR/store.json \
--rpc=unix:$T_DIR/agent.sock --detach --pidfile=$T_DIR/agent.pid \
--log-file=$T_DIR/agent.log"
case ${TORTURE_STORE:-both} in
snapshot) agent_cmd+=" --store-snapshot" odd_cmd=$agent_cmd ;;
journal) odd_cmd=$agent_cmd ;;
both) odd_cmd=$agent_cmd agent_cmd+=" --store-snapshot" ;;
*) fail "TORTURE_STORE=snapshot, journal or both" ;;
esac
log "stores: ${TORTURE_STORE:-both}"
python3 "$TOP/tests/integration/torture-agent.py" --ns "$NS" \
    --agent "$agent_cmd" --agent-odd "$odd_cmd" --sock "$T_DIR/agent.sock" \
    --pidfile "$T_DIR/agent.pid" --ovsdb "$OVSDB" --base-net "$base" \
    --rounds "$rounds" --budget "${TORTURE_BUDGET_S:-170}" \
    --seed "$seed" | tee "$T_DIR/torture.out" |
    sed "s/^/[$TEST_NAME] /"
grep -q '^torture: rounds=' "$T_DIR/torture.out" || fail "see above"
# The last round's agent was killed too; cleanup() needs none.
pass
