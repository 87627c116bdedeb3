#!/bin/bash
# xovs-controller's JSON-RPC API over mutual TLS (docs/ovn.md, "The API
# over TLS"; issue 14): the controller listens on --rpc=pssl:6643:IP in one
# network namespace, the CLI reaches it from another with XOVS_RPC=ssl:...
# and a client certificate, as the docs show (ovs-pki: the controller's
# certificate from the controller CA, the client's from the switch CA).
#   - pool-network-create and pool-network-list --json over TLS, with the
#     files as options and as XOVS_SSL_* variables;
#   - refused, with a clear message, nothing changed: no client key given,
#     a TLS client without a certificate (python's ssl), a client
#     certificate from another CA, a server CA that did not sign the
#     controller's certificate; a closed port and a silent server end with
#     a message, not a hang;
#   - the listener's role: the default (read-only) lists but may not
#     create, naming the role; pool-admin may;
#   - an internal-only parameter (vif-plug dpdk-devargs) is refused over
#     TLS even for pool-admin.
# No OVN is needed: the records wait for a northbound database that is not
# there (status pending), which the verbs here do not need.  Before this
# change the controller refused --rpc=pssl: and the CLI ssl:.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
command -v ovs-pki >/dev/null || skip "ovs-pki not installed (openvswitch-common)"
[[ -x $XOVS_BIN/xovs-controller ]] || fail "$XOVS_BIN/xovs-controller not built (make)"
T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
CNS=xtc$ID # the controller's namespace
LNS=xtl$ID # the client's
IP=198.18.170.1
PORT=6643
CTL_PID=
SILENT_PID=

# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
tls_cleanup() {
    local p
    for p in "$CTL_PID" "$SILENT_PID"; do
        [[ -n $p ]] && kill "$p" 2>/dev/null
    done
    if [[ $T_FAILED -eq 1 && -r $T_DIR/controller.log ]]; then
        log "--- last lines of controller.log ---"
        tail -n 20 "$T_DIR/controller.log" | sed "s/^/[$TEST_NAME] | /"
    fi
}
CLEAN_HOOKS+=(tls_cleanup)

CLEAN_NETNS+=("$CNS" "$LNS")
ip netns add "$CNS"
ip netns add "$LNS"
ip link add "xtc$ID" netns "$CNS" type veth peer name "xtl$ID" netns "$LNS"
ip -n "$CNS" addr add "$IP/24" dev "xtc$ID"
ip -n "$LNS" addr add 198.18.170.2/24 dev "xtl$ID"
for ns in "$CNS" "$LNS"; do
    ip -n "$ns" link set lo up
done
ip -n "$CNS" link set "xtc$ID" up
ip -n "$LNS" link set "xtl$ID" up

log "PKI as docs/ovn.md makes it (ovs-pki), and a second CA"
PKI=$T_DIR/pki
(
    cd "$T_DIR"
    ovs-pki --dir="$PKI" init
    ovs-pki --dir="$PKI" req+sign controller controller
    ovs-pki --dir="$PKI" req+sign admin switch
    ovs-pki --dir="$T_DIR/other" init
    ovs-pki --dir="$T_DIR/other" req+sign stranger switch
) >"$T_DIR/pki.out" 2>&1 || fail "ovs-pki: $(tail -n 5 "$T_DIR/pki.out")"

# ctl_start ARGS...: xovs-controller in $CNS, unix socket and pssl:.
ctl_start() {
    rm -f "$T_DIR/controller.pid"
    ip netns exec "$CNS" "$XOVS_BIN/xovs-controller" \
        --ovnnb-db="unix:$T_DIR/no-nb.sock" --store="$T_DIR/controller.json" \
        --rpc="unix:$T_DIR/controller.sock" --rpc="pssl:$PORT:$IP" \
        --private-key="$T_DIR/controller-privkey.pem" \
        --certificate="$T_DIR/controller-cert.pem" \
        --ca-cert="$PKI/switchca/cacert.pem" "$@" \
        --unixctl="$T_DIR/controller.ctl" --detach \
        --pidfile="$T_DIR/controller.pid" --log-file="$T_DIR/controller.log" \
        2>>"$T_DIR/controller.stderr" ||
        fail "xovs-controller did not start: $(tail -n 3 "$T_DIR/controller.stderr")"
    CTL_PID=$(tr -dc 0-9 <"$T_DIR/controller.pid")
    wait_until 20 local_xc pool-network-list || fail "xovs-controller does not answer"
}
ctl_stop() {
    local i
    kill "$CTL_PID"
    for ((i = 0; i < 50; i++)); do
        [[ -d /proc/$CTL_PID ]] || break
        sleep 0.1
    done
    CTL_PID=
}
# local_xc: the CLI on the controller's unix socket (the reference view).
local_xc() {
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/controller.sock" "$@"
}
# xc: the CLI from the client namespace over TLS, files from XOVS_SSL_*.
xc() {
    ip netns exec "$LNS" env XOVS_RPC="ssl:$IP:$PORT" \
        XOVS_SSL_KEY="$T_DIR/admin-privkey.pem" \
        XOVS_SSL_CERT="$T_DIR/admin-cert.pem" \
        XOVS_SSL_CA="$PKI/controllerca/cacert.pem" \
        timeout 100 "$XOVS_BIN/xovs" "$@"
}
# state: what a refused client must not change: the records, as the unix
# socket lists them (not the store's bytes: a restart folds the journal
# into the snapshot, which rewrites the file with the same records).
state() {
    local verb
    for verb in pool-network-list pool-vif-list pool-acl-list; do
        local_xc "$verb" --json
    done
}
# tls_raw CERT-ARGS METHOD PARAMS: one request from $LNS through python's
# ssl with the given client certificate ("" for none); prints the response
# line or the error.
tls_raw() {
    ip netns exec "$LNS" timeout 60 python3 - "$IP" "$PORT" \
        "$PKI/controllerca/cacert.pem" "$@" <<'PY'
import socket, ssl, sys
ip, port, ca, key, cert, method, params = sys.argv[1:8]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.load_verify_locations(ca)
if cert:
    ctx.load_cert_chain(cert, key)
try:
    s = ctx.wrap_socket(socket.create_connection((ip, int(port)), timeout=30))
    s.sendall(('{"jsonrpc":"2.0","id":1,"method":"%s","params":%s}\n'
               % (method, params)).encode())
    data = s.recv(65536)
    print(data.decode() if data else "closed without an answer")
except (OSError, ssl.SSLError) as e:
    print("error: %s" % e)
PY
}

log "the controller on pssl:$PORT:$IP, role pool-admin"
ctl_start --rpc-ssl-role=pool-admin
grep -q "serving TLS clients (role pool-admin) on pssl:$PORT:$IP" "$T_DIR/controller.log" ||
    fail "no TLS listener in the log: $(grep -i tls "$T_DIR/controller.log")"

net=$(xc pool-network-create name-label=tls170) || fail "pool-network-create over TLS"
[[ $net =~ ^[0-9a-f-]{36}$ ]] || fail "pool-network-create printed '$net'"
list=$(xc pool-network-list --json) || fail "pool-network-list --json over TLS"
python3 - "$net" "$list" <<'PY' || fail "pool-network-list --json: $list"
import json, sys
rows = json.loads(sys.argv[2])
assert [r["name-label"] for r in rows if r["uuid"] == sys.argv[1]] == ["tls170"]
PY
local_xc pool-network-list params=uuid --minimal | grep -q "$net" ||
    fail "the network made over TLS is not on the unix socket"
# The same with the files as options.
net2=$(ip netns exec "$LNS" timeout 100 "$XOVS_BIN/xovs" --rpc="ssl:$IP:$PORT" \
    --private-key="$T_DIR/admin-privkey.pem" --certificate="$T_DIR/admin-cert.pem" \
    --ca-cert="$PKI/controllerca/cacert.pem" pool-network-create name-label=tls170b) ||
    fail "pool-network-create with --private-key/--certificate/--ca-cert"
log "ok: over TLS: created $net and $net2, listed as JSON"

BEFORE=$(state)
log "refused clients change nothing"
expect_refused "needs this client's key, certificate and the server's CA" \
    ip netns exec "$LNS" env XOVS_RPC="ssl:$IP:$PORT" "$XOVS_BIN/xovs" \
    pool-network-create name-label=nokey
out=$(tls_raw "" "" pool-network-create '{"name-label":"nocert"}')
[[ $out == error:* || $out == "closed without an answer" ]] ||
    fail "a client without a certificate got an answer: $out"
log "ok: a TLS client without a certificate: $out"
wait_until 10 grep -q "TLS handshake failed" "$T_DIR/controller.log" ||
    fail "the controller did not log the failed handshake"
out=$(tls_raw "$T_DIR/stranger-privkey.pem" "$T_DIR/stranger-cert.pem" \
    pool-network-create '{"name-label":"stranger"}')
[[ $out == error:* || $out == "closed without an answer" ]] ||
    fail "a certificate from another CA got an answer (python): $out"
# "TLS handshake failed: tlsv1 alert unknown ca (the server refused this
# client's certificate ...)"; if the refusal reset the connection before
# the CLI read the alert: "... (did it refuse this client's certificate?)".
expect_refused "TLS handshake failed: " \
    ip netns exec "$LNS" timeout 100 "$XOVS_BIN/xovs" --rpc="ssl:$IP:$PORT" \
    --private-key="$T_DIR/stranger-privkey.pem" --certificate="$T_DIR/stranger-cert.pem" \
    --ca-cert="$PKI/controllerca/cacert.pem" pool-network-create name-label=stranger
expect_refused "this client's certificate" \
    ip netns exec "$LNS" timeout 100 "$XOVS_BIN/xovs" --rpc="ssl:$IP:$PORT" \
    --private-key="$T_DIR/stranger-privkey.pem" --certificate="$T_DIR/stranger-cert.pem" \
    --ca-cert="$PKI/controllerca/cacert.pem" pool-network-create name-label=stranger
expect_refused "not signed by --ca-cert" \
    ip netns exec "$LNS" env XOVS_RPC="ssl:$IP:$PORT" \
    XOVS_SSL_KEY="$T_DIR/admin-privkey.pem" XOVS_SSL_CERT="$T_DIR/admin-cert.pem" \
    XOVS_SSL_CA="$T_DIR/other/controllerca/cacert.pem" \
    timeout 100 "$XOVS_BIN/xovs" pool-network-create name-label=wrongca
expect_refused "cannot reach xovs-controller at ssl:$IP:6644: Connection refused" \
    ip netns exec "$LNS" env XOVS_RPC="ssl:$IP:6644" \
    XOVS_SSL_KEY="$T_DIR/admin-privkey.pem" XOVS_SSL_CERT="$T_DIR/admin-cert.pem" \
    XOVS_SSL_CA="$PKI/controllerca/cacert.pem" \
    timeout 100 "$XOVS_BIN/xovs" pool-network-list
[[ $(state) == "$BEFORE" ]] || fail "a refused client changed something: $(diff <(echo "$BEFORE") <(state))"
log "ok: nothing changed"

log "a server that accepts TCP and never answers: the CLI gives up (30 s)"
ip netns exec "$CNS" python3 -c '
import socket, time
s = socket.socket()
s.bind(("'"$IP"'", 6645))
s.listen(4)
time.sleep(300)' &
SILENT_PID=$!
# shellcheck disable=SC2317 # run by wait_until
silent_listening() {
    [[ -n $(ip netns exec "$CNS" ss -Hltn "sport = :6645") ]]
}
wait_until 20 silent_listening || fail "no silent listener"
expect_refused "TLS handshake failed: no answer within 30 s" \
    ip netns exec "$LNS" env XOVS_RPC="ssl:$IP:6645" \
    XOVS_SSL_KEY="$T_DIR/admin-privkey.pem" XOVS_SSL_CERT="$T_DIR/admin-cert.pem" \
    XOVS_SSL_CA="$PKI/controllerca/cacert.pem" \
    timeout 100 "$XOVS_BIN/xovs" pool-network-list
kill "$SILENT_PID"
wait "$SILENT_PID" 2>/dev/null || true
SILENT_PID=

log "internal-only parameters are refused over TLS, even for pool-admin"
expect_refused "vif-plug takes it only on the agent's internal socket" \
    xc vif-plug uuid="$(new_uuid)" dpdk-devargs=vhost-user-client
out=$(tls_raw "$T_DIR/admin-privkey.pem" "$T_DIR/admin-cert.pem" vif-plug \
    '{"uuid":"'"$(new_uuid)"'","dpdk-devargs":"x"}')
[[ $out == *'"error"'*"internal socket"* ]] || fail "raw vif-plug dpdk-devargs over TLS: $out"
[[ $(state) == "$BEFORE" ]] || fail "vif-plug over TLS changed something"

log "the listener's default role: read-only"
ctl_stop
ctl_start
grep -q "serving TLS clients (role read-only)" "$T_DIR/controller.log" ||
    fail "the default TLS role is not read-only in the log"
list=$(xc pool-network-list params=uuid --minimal) || fail "read-only: pool-network-list"
[[ $list == *"$net"* ]] || fail "read-only: list lacks $net: $list"
expect_refused "pool-network-create needs role pool-admin; TLS clients of pssl:$PORT:$IP have read-only" \
    xc pool-network-create name-label=ro
expect_refused "pool-network-destroy needs role pool-admin" \
    xc pool-network-destroy uuid="$net"
[[ $(state) == "$BEFORE" ]] || fail "a read-only TLS client changed something"
# The unix socket keeps its own roles (root: pool-admin).
local_xc pool-network-destroy uuid="$net2" >/dev/null || fail "unix: pool-network-destroy"
log "ok: read-only lists, may not create or destroy; the unix socket is unaffected"

ctl_stop
pass
