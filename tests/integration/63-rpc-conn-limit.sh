#!/bin/bash
# Connection limit and idle timeout of the agent's RPC sockets (issue 11
# item 4).  70 idle clients on the admin socket: 64 are served, the other 6
# get one JSON-RPC error line ("too many connections (64) ...; try again")
# and EOF instead of hanging in the accept queue; a new `xovs` gets that
# error at once and exits 1; the internal socket (netback and the hotplug
# script) still answers.  Then, with --rpc-idle-timeout=2: an idle client
# and one that sent half a request are closed within a few seconds, one
# that keeps talking is not.  Before: the 65th client waited unanswered
# (the agent stopped accepting), and idle clients were kept forever.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
INTERNAL=unix:$XOVS_RUNDIR/agent-internal.sock

# agent_restart ARGS...: the agent again, on the same store, with ARGS.
agent_restart() {
    agent_stop
    rm -f "$T_DIR/agent.sock" "$T_DIR/agent.pid"
    ip netns exec "$NS" "$XOVS_BIN/xovs-agent" --ovsdb="$OVSDB" \
        --store="$T_DIR/store.json" --rpc="unix:$T_DIR/agent.sock" "$@" \
        --detach --pidfile="$T_DIR/agent.pid" --log-file="$T_DIR/agent.log" \
        2>>"$T_DIR/agent.stderr" ||
        fail "xovs-agent $* did not start: $(tail -n 5 "$T_DIR/agent.stderr")"
    AGENT_PID=$(tr -dc 0-9 <"$T_DIR/agent.pid")
    wait_until 10 xovs network-list || fail "agent does not answer"
    log "xovs-agent running again (pid $AGENT_PID) with $*"
}

net=$(xovs network-create name-label=n63)
vif=$(xovs vif-create vm-uuid="$(new_uuid)" domid=3 device=0 \
    network-uuid="$net" mac="$(guest_mac 3 0)")

log "70 idle clients on the admin socket (limit 64)"
hold_admin_clients 70
summary=$HOLDERS_SUMMARY
log "holders: $summary; first refusal: $(sed -n 2p "$T_DIR/holders.out")"
[[ $summary == "accepted=64 refused=6" ]] ||
    fail "expected 64 clients served and 6 refused, got: $summary"
[[ $(grep -c "too many connections (64) on $T_DIR/agent.sock; try again" \
    "$T_DIR/holders.out") -eq 6 ]] || fail "refused clients got: $(cat "$T_DIR/holders.out")"
log "ok: the 6 clients beyond the limit got the error line"

rc=0
err=$(timeout 20 "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent.sock" \
    network-list 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 1 && $err == *"too many connections (64)"*"try again"* ]] ||
    fail "a new client while 64 are idle: exit $rc, '$err' (want exit 1 and 'too many connections')"
log "ok: a new xovs client is told at once: $err"

got=$(timeout 20 "$XOVS_BIN/xovs" --rpc="$INTERNAL" vif-list domid=3 \
    device=0 params=uuid --minimal) ||
    fail "the internal socket does not answer while the admin socket is full"
[[ $got == "$vif" ]] || fail "internal vif-list gave '$got', want $vif"
log "ok: the internal socket still serves vif-list"

release_admin_clients
CLEAN_HOOKS=()
wait_until 10 xovs network-list || fail "admin socket not served after the idle clients left"
log "ok: served again once the idle clients left"

agent_restart --rpc-idle-timeout=2
cat >"$T_DIR/idle.py" <<'EOF'
import socket, sys, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(0.1)
    return s
def closed(s):
    try:
        return s.recv(4096) == b""
    except socket.timeout:
        return False
idle, half, busy = conn(), conn(), conn()
half.sendall(b'{"jsonrpc":"2.0","id":1,"meth')
t0 = time.time()
idle_t = half_t = None
while time.time() - t0 < 8:
    busy.sendall(b'{"jsonrpc":"2.0","id":2,"method":"network-list","params":{"params":"uuid"}}\n')
    busy.settimeout(5)
    if b'"result"' not in busy.recv(65536):
        sys.exit("the talking client got no answer")
    busy.settimeout(0.1)
    if idle_t is None and closed(idle):
        idle_t = time.time() - t0
    if half_t is None and closed(half):
        half_t = time.time() - t0
    time.sleep(0.5)
if idle_t is None or half_t is None:
    sys.exit("still open after 8 s: idle %s, half-sent %s" % (idle_t, half_t))
if idle_t < 1.5 or half_t < 1.5:
    sys.exit("closed too early: idle %.1f s, half-sent %.1f s" % (idle_t, half_t))
print("idle closed after %.1f s, half-sent after %.1f s; the talking one "
      "served for 8 s" % (idle_t, half_t))
EOF
out=$(python3 "$T_DIR/idle.py" "$T_DIR/agent.sock" 2>&1) ||
    fail "idle timeout: $out"
log "ok: $out"
grep -q "closing a connection idle for" "$T_DIR/agent.log" ||
    fail "agent.log does not say it closed idle connections"
log "ok: agent.log: $(grep -m1 "closing a connection idle" "$T_DIR/agent.log" | sed 's/.*|//')"
pass
