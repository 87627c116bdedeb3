#!/bin/bash
# xovs-test: alone
# 150-torture-agent-kill: xovs-agent is killed with SIGKILL at 100 random
# moments while three clients create, plug, change and destroy networks and
# VIFs; after each restart every answered change is there, nothing is
# duplicated or half-applied, and OVS converges within 5 s
# (torture-agent.py says how it checks).  TORTURE_ROUNDS changes the count.
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
python3 "$TOP/tests/integration/torture-agent.py" --ns "$NS" \
    --agent "$agent_cmd" --sock "$T_DIR/agent.sock" \
    --pidfile "$T_DIR/agent.pid" --ovsdb "$OVSDB" --base-net "$base" \
    --rounds "$rounds" --seed "$seed" | tee "$T_DIR/torture.out" |
    sed "s/^/[$TEST_NAME] /"
grep -q '^torture: rounds=' "$T_DIR/torture.out" || fail "see above"
# The last round's agent was killed too; cleanup() needs none.
pass
