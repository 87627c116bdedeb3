#!/bin/bash
# 01-docs-run: xovs-agent, the xovs CLI, xovs-xenstored and xovs-netback
# start exactly as README.md and docs/ show them -- the documented lines
# are read from the documents, not copied here -- with no option the docs
# do not require, in a clean environment (env -i: no OVS_*, no XOVS_*
# variables) and with no /run/xovs yet, as on a fresh machine where no
# service ran before.
#
# Only two things are changed in what the docs show: the sandbox name
# (demo1 -> a name of this test's own) and scratch paths under /tmp (-> this
# test's directory), so the test collides with nothing.  The daemons' own
# defaults (/run/xovs/...) are used as they are.
. "$(dirname "$0")/lib.sh"

require_basics
for p in xovs-netback xovs-xenstored; do
    [[ -x $XOVS_BIN/$p ]] || fail "$XOVS_BIN/$p not built (make)"
done
command -v xenstore-ls >/dev/null || skip "xenstore-ls not installed"

RUN=/run/xovs
T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
DOC_NS=xd$ID
CLEAN_SANDBOXES+=("$DOC_NS")
PIDFILES=()
NB_PID=

# The machine's /run/xovs must be absent (or empty) so that the test shows
# the daemons creating it; an xovs already running here is left alone.
if [[ -d $RUN ]]; then
    [[ -z $(ls -A "$RUN") ]] || skip "$RUN is in use (an xovs runs here)"
    rmdir "$RUN"
fi

# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
doc_cleanup() {
    local f pid
    for f in "${PIDFILES[@]}"; do
        [[ -r $f ]] || continue
        pid=$(tr -dc 0-9 <"$f")
        [[ -n $pid ]] && kill "$pid" 2>/dev/null
    done
    [[ -n $NB_PID ]] && kill "$NB_PID" 2>/dev/null
    sleep 0.2
    rmdir "$RUN" 2>/dev/null
    return 0
}
CLEAN_HOOKS+=(doc_cleanup)

# doc_block FILE HEADING-OR-LINE N: the Nth indented code block (4 spaces)
# after the first line of FILE that contains HEADING-OR-LINE, without its
# indentation, backslash continuations joined.
doc_block() {
    awk -v key="$2" -v want="$3" '
        !found { if (index($0, key)) found = 1; next }
        /^    / { if (!inblk) { n++; inblk = 1 }
                  if (n == want) { sub(/^    /, ""); print } ; next }
        /^$/ { if (inblk && n == want) exit; inblk = 0; next }
        { if (inblk && n == want) exit; inblk = 0 }
    ' "$1" | sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta'
}

# in_clean_env CMD...: CMD with only PATH and HOME set, from the top of the
# tree (the docs' build/bin/... paths are relative to it).
in_clean_env() {
    (cd "$TOP" && exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root "$@")
}

# The documented lines must name this build's binaries.
localize() {
    sed -e "s|demo1|$DOC_NS|g" -e "s|/tmp/|$T_DIR/|g" \
        -e "s|build/bin/|$XOVS_BIN/|g"
}

# --- README.md: "Running it by hand" ---------------------------------------
readme=$(doc_block "$TOP/README.md" "## Running it by hand" 1)
[[ -n $readme ]] || fail "README.md has no 'Running it by hand' block"
grep -q 'xovs-agent' <<<"$readme" || fail "README's block starts no agent"
log "README block:"
# shellcheck disable=SC2001 # indents every line, not one substitution
sed 's/^/    /' <<<"$readme"
script=$(localize <<<"$readme")
PIDFILES+=("$T_DIR/xovs-agent.pid")
out=$(in_clean_env bash -euo pipefail -c "$script" 2>&1) ||
    fail "README's block failed: $out"
log "it printed:"
# shellcheck disable=SC2001 # the same
sed 's/^/    /' <<<"$out"
grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-' <<<"$out" ||
    fail "network-create printed no uuid"
grep -q 'name-label ( RW): net0' <<<"$out" || fail "network-list shows no net0"
# The block ends the agent with "ovs-appctl ... exit": a daemon that exits
# removes its pidfile, and no process may still run on this test's store.
# shellcheck disable=SC2317 # run by wait_until
agent_gone() { ! pgrep -f "xovs-agent --store=$T_DIR/records.json"; }
wait_until 5 agent_gone ||
    fail "the agent did not exit on 'ovs-appctl ... exit'"
[[ ! -e $T_DIR/xovs-agent.pid ]] || fail "the agent left its pidfile"
[[ ! -e $RUN/agent.sock && ! -e $RUN/xovs-agent.ctl ]] ||
    fail "the agent left its sockets behind: $(ls "$RUN")"
log "README: agent served $RUN/agent.sock and exited via $RUN/xovs-agent.ctl"

# --- docs/netback.md: "Trying it on any Linux host" ------------------------
start=$(doc_block "$TOP/docs/netback.md" "Trying it on any Linux host" 1)
ctl=$(doc_block "$TOP/docs/netback.md" "Trying it on any Linux host" 2)
xsd_line=$(grep 'xovs-xenstored' <<<"$start" || true)
nb_line=$(grep 'xovs-netback' <<<"$start" || true)
[[ -n $xsd_line && -n $nb_line ]] ||
    fail "docs/netback.md's example does not start xenstored and netback"
log "docs/netback.md: $xsd_line; $nb_line"
PIDFILES+=("$T_DIR/x/xs.pid")
in_clean_env bash -c "$(localize <<<"$xsd_line")" ||
    fail "xovs-xenstored as documented did not start"
xsd_pid=$(tr -dc 0-9 <"$T_DIR/x/xs.pid")
in_clean_env bash -c "exec $(localize <<<"$nb_line")" \
    >"$T_DIR/netback.out" 2>&1 &
NB_PID=$!
wait_until 10 in_clean_env ovs-appctl -t "$RUN/xovs-netback.ctl" vif/show ||
    fail "netback does not answer on $RUN/xovs-netback.ctl:" \
        "$(tail -n 3 "$T_DIR/netback.out")"
kill -0 "$NB_PID" || fail "netback exited: $(tail -n 3 "$T_DIR/netback.out")"
while read -r line; do
    [[ -n $line ]] || continue
    log "  $line"
    got=$(in_clean_env bash -c "$(localize <<<"$line")" 2>&1) ||
        fail "'$line' failed: $got"
    [[ $line != *vif/show* || $got == "no VIFs" ]] ||
        fail "vif/show answered '$got', not 'no VIFs'"
done <<<"$ctl"
# shellcheck disable=SC2317 # run by wait_until
nb_gone() { ! kill -0 "$NB_PID" 2>/dev/null; }
wait_until 5 nb_gone || fail "netback did not exit"
wait "$NB_PID" || fail "netback's exit status was $?"
NB_PID=
# shellcheck disable=SC2317 # run by wait_until
xsd_gone() { ! kill -0 "$xsd_pid" 2>/dev/null; }
wait_until 5 xsd_gone || fail "xenstored did not exit"
log "docs/netback.md: both daemons ran with their default control sockets"

# --- docs/xenstored.md: the defaults example -------------------------------
xs=$(doc_block "$TOP/docs/xenstored.md" "For example:" 1)
[[ -n $xs ]] || fail "docs/xenstored.md has no example block"
PIDFILES+=("$RUN/xs.pid")
out=$(in_clean_env bash -euo pipefail -c "$(localize <<<"$xs")" 2>&1) ||
    fail "docs/xenstored.md's example failed: $out"
wait_until 5 test ! -e "$RUN/xs.sock" || fail "xenstored left $RUN/xs.sock"
log "docs/xenstored.md: served $RUN/xs.sock, answered xenstore-ls, exited"

[[ -z $(ls -A "$RUN" 2>/dev/null) ]] ||
    fail "something was left in $RUN: $(ls -A "$RUN")"
pass
