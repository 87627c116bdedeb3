#!/bin/bash
# A client that writes requests and never reads its replies (issue 11 item
# 4): the agent stops reading it once ~1 MiB of its replies wait unsent, so
# the agent's memory stays bounded (RSS measured from /proc) and other
# clients are still served; when the client finally reads, every reply
# arrives, in order.  Before the per-connection output cap the agent kept
# reading and buffered every reply (here ~130 MB).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

N_REQ=600      # network-list requests the flooder writes (~220 KB each)
MAX_GROW_KB=$((40 * 1024))

host_start

log "setup: 4 networks with ~55 KB of other-config each"
big=$(head -c 1000 /dev/zero | tr '\0' x)
for n in 1 2 3 4; do
    args=()
    for ((k = 0; k < 50; k++)); do
        args+=("other-config:key$k=$big")
    done
    xovs network-create name-label="big$n" name-description="$big" \
        "${args[@]}" >/dev/null
done
size=$(xovs network-list --json | wc -c)
log "one network-list reply is $size bytes"
[[ $size -gt 200000 ]] || fail "network-list reply only $size bytes"

rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$AGENT_PID/status"
}
rss0=$(rss_kb)

# The flooder: writes N_REQ requests (until the agent stops taking them for
# 3 s), says so in flood.sent, waits for flood.go, then reads every reply
# and checks ids 1..N_REQ arrived in order.
cat >"$T_DIR/flood.py" <<'EOF'
import json, os, select, socket, sys, time
path, n, tdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.setblocking(False)
data = b"".join(b'{"jsonrpc":"2.0","id":%d,"method":"network-list"}\n' % i
                for i in range(1, n + 1))
sent, stalled = 0, None
while sent < len(data):
    _, w, _ = select.select([], [s], [], 0.2)
    if w:
        try:
            sent += s.send(data[sent:])
            stalled = None
            continue
        except BlockingIOError:
            pass
    stalled = stalled or time.time()
    if time.time() - stalled > 3:
        break
with open(tdir + "/flood.sent", "w") as f:
    f.write("%d of %d bytes\n" % (sent, len(data)))
while not os.path.exists(tdir + "/flood.go"):
    time.sleep(0.1)
s.setblocking(True)
s.settimeout(60)
buf, want = b"", 1
while want <= n:
    if sent < len(data):
        s.setblocking(False)
        try:
            sent += s.send(data[sent:])
        except BlockingIOError:
            pass
        s.setblocking(True)
        s.settimeout(60)
    chunk = s.recv(1 << 20)
    if not chunk:
        sys.exit("agent closed the connection after %d replies" % (want - 1))
    buf += chunk
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        r = json.loads(line)
        if r.get("id") != want or len(r.get("result", [])) != 4:
            sys.exit("reply %d is %.200r" % (want, line))
        want += 1
print("read %d replies in order" % n)
EOF
python3 "$T_DIR/flood.py" "$T_DIR/agent.sock" "$N_REQ" "$T_DIR" \
    >"$T_DIR/flood.out" 2>&1 &
FLOOD_PID=$!
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
stop_flood() {
    kill "$FLOOD_PID" 2>/dev/null || true
    wait "$FLOOD_PID" 2>/dev/null || true
}
CLEAN_HOOKS+=(stop_flood)

wait_until 60 test -e "$T_DIR/flood.sent" || fail "the flooder did not finish writing"
log "flooder wrote $(cat "$T_DIR/flood.sent") without reading"

# Another client is served while the flooder holds its replies.
out=$(timeout 20 "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent.sock" \
    network-list params=name-label --minimal) ||
    fail "another client was not served while the flooder does not read"
[[ $out == *big1* ]] || fail "another client got '$out'"
log "ok: another client served (network-list) meanwhile"
sleep 1
rss1=$(rss_kb)
grow=$((rss1 - rss0))
log "agent RSS $rss0 KiB before, $rss1 KiB with the flooder's replies pending"
[[ $grow -lt $MAX_GROW_KB ]] ||
    fail "agent grew by $grow KiB for a client that does not read (bound $MAX_GROW_KB KiB)"
log "ok: agent grew by $grow KiB (bound $MAX_GROW_KB KiB)"

# The flooder reads now: nothing was lost.
touch "$T_DIR/flood.go"
wait "$FLOOD_PID" || fail "flooder: $(cat "$T_DIR/flood.out")"
log "ok: flooder $(cat "$T_DIR/flood.out")"
CLEAN_HOOKS=()

xovs network-list params=uuid --minimal >/dev/null || fail "agent no longer answers"
pass
