#!/bin/bash
# The TLS options of xovs-controller, xovs-agent and xovs (issue 14;
# docs/ovn.md "The API over TLS", docs/api.md "TLS"):
#   - at start, each daemon refuses with a clear message, leaving no
#     listener, no pidfile and no socket: a pssl: --rpc without
#     --private-key/--certificate/--ca-cert, a file that is missing, not
#     readable (by its user), not PEM, a certificate that is not the key's,
#     a bad port or IP, a port already in use, an unknown --rpc-ssl-role,
#     key options without a pssl: --rpc;
#   - the CLI: a bad ssl: address, a missing or mismatched file, each a
#     one-line error, never a hang;
#   - xovs-agent over TLS from another namespace: its default role lists and
#     may not create; with --rpc-ssl-role=pool-admin it creates, but
#     vif-plug's dpdk-devargs (internal socket only) is refused;
#     --rpc-max-conns holds over TLS: with the limit taken by two clients
#     that never finish a handshake, a TLS client gets "too many
#     connections" at once, and 10 s later the server has closed them and
#     serves again.
# Before this change the daemons refused pssl: as not unix:PATH and the
# CLI ssl: as not unix:PATH.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v ovs-pki >/dev/null || skip "ovs-pki not installed (openvswitch-common)"
[[ -x $XOVS_BIN/xovs-controller ]] || fail "$XOVS_BIN/xovs-controller not built (make)"
host_start
LNS=xtl$ID # the TLS client's namespace
IP=198.18.171.1
PORT=6644
HOLD_PID=

# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
tls_cleanup() {
    [[ -n $HOLD_PID ]] && kill "$HOLD_PID" 2>/dev/null
    return 0
}
CLEAN_HOOKS+=(tls_cleanup)

CLEAN_NETNS+=("$LNS")
ip netns add "$LNS"
ip link add "xta$ID" netns "$NS" type veth peer name "xtl$ID" netns "$LNS"
ip -n "$NS" addr add "$IP/24" dev "xta$ID"
ip -n "$LNS" addr add 198.18.171.2/24 dev "xtl$ID"
ip -n "$NS" link set "xta$ID" up
ip -n "$LNS" link set lo up
ip -n "$LNS" link set "xtl$ID" up

log "PKI (ovs-pki): the agent's certificate and a client's"
PKI=$T_DIR/pki
(
    cd "$T_DIR"
    ovs-pki --dir="$PKI" init
    ovs-pki --dir="$PKI" req+sign agent controller
    ovs-pki --dir="$PKI" req+sign admin switch
) >"$T_DIR/pki.out" 2>&1 || fail "ovs-pki: $(tail -n 5 "$T_DIR/pki.out")"
KEY=$T_DIR/agent-privkey.pem
CERT=$T_DIR/agent-cert.pem
CA=$PKI/switchca/cacert.pem
GOOD=(--private-key="$KEY" --certificate="$CERT" --ca-cert="$CA")
printf 'not a key\n' >"$T_DIR/junk.pem"
# A key only its owner (root) may read, in a directory anyone may enter.
mkdir -m 755 "$T_DIR/priv"
chmod 711 "$T_DIR"
install -m 600 "$KEY" "$T_DIR/priv/key.pem"

# bad_start TEXT DAEMON ARGS...: DAEMON with ARGS (run as "${AS[@]}")
# exits non-zero at start saying TEXT, leaves no pidfile, socket or TLS
# listener.
AS=()
bad_start() {
    local text=$1 daemon=$2 out rc=0
    shift 2
    rm -f "$T_DIR/bad.pid" "$T_DIR/bad.sock"
    local args=(--rpc="unix:$T_DIR/bad.sock" --unixctl="$T_DIR/bad.ctl"
        --pidfile="$T_DIR/bad.pid" --detach)
    # (a log file nobody may not open would be the first error)
    [[ ${#AS[@]} -gt 0 ]] || args+=(--log-file="$T_DIR/bad.log")
    if [[ $daemon == xovs-agent ]]; then
        args+=(--ovsdb="$OVSDB" --store="$T_DIR/bad-agent-store.json")
    else
        # (its own file: a controller that got as far as loading its store
        # writes it, in a format the agent refuses)
        args+=(--ovnnb-db="unix:$T_DIR/no-nb.sock" --store="$T_DIR/bad-ctl-store.json")
    fi
    out=$(ip netns exec "$NS" timeout 60 "${AS[@]}" "$XOVS_BIN/$daemon" "${args[@]}" "$@" 2>&1) || rc=$?
    if [[ $rc -eq 0 ]]; then
        [[ -s $T_DIR/bad.pid ]] && kill "$(tr -dc 0-9 <"$T_DIR/bad.pid")"
        fail "$daemon started with $*"
    fi
    [[ $rc -ne 124 ]] || fail "$daemon hung with $*"
    [[ $out == *"$text"* ]] || fail "$daemon $*: exit $rc without '$text': $out"
    [[ ! -e $T_DIR/bad.pid && ! -e $T_DIR/bad.sock ]] ||
        fail "$daemon $* left a pidfile or socket"
    [[ -z $(ip netns exec "$NS" ss -Hltn "sport = :$PORT") ]] ||
        fail "$daemon $* left a listener on port $PORT"
    log "ok: $daemon refused: $(grep -v '|' <<<"$out" | tail -n 1)"
}

for d in xovs-controller xovs-agent; do
    log "$d: bad TLS options"
    bad_start "--private-key=FILE is required with a pssl: --rpc" $d \
        --rpc="pssl:$PORT:$IP"
    bad_start "--certificate=FILE is required" $d --rpc="pssl:$PORT:$IP" \
        --private-key="$KEY" --ca-cert="$CA"
    bad_start "--ca-cert=FILE is required" $d --rpc="pssl:$PORT:$IP" \
        --private-key="$KEY" --certificate="$CERT"
    bad_start "--private-key=$T_DIR/none.pem: cannot read it (No such file or directory)" \
        $d --rpc="pssl:$PORT:$IP" --private-key="$T_DIR/none.pem" \
        --certificate="$CERT" --ca-cert="$CA"
    bad_start "--ca-cert=$T_DIR/none.pem: cannot read it (No such file or directory)" \
        $d --rpc="pssl:$PORT:$IP" --private-key="$KEY" --certificate="$CERT" \
        --ca-cert="$T_DIR/none.pem"
    AS=(runuser -u nobody --)
    bad_start "--private-key=$T_DIR/priv/key.pem: cannot read it (Permission denied)" \
        $d --rpc="pssl:$PORT:$IP" --private-key="$T_DIR/priv/key.pem" \
        --certificate="$CERT" --ca-cert="$CA"
    AS=()
    bad_start "--private-key=$T_DIR/junk.pem: not a PEM private key" $d \
        --rpc="pssl:$PORT:$IP" --private-key="$T_DIR/junk.pem" \
        --certificate="$CERT" --ca-cert="$CA"
    bad_start "--ca-cert=$T_DIR/junk.pem: not a PEM certificate" $d \
        --rpc="pssl:$PORT:$IP" --private-key="$KEY" --certificate="$CERT" \
        --ca-cert="$T_DIR/junk.pem"
    bad_start "--certificate=$T_DIR/admin-cert.pem is not the certificate of --private-key=$KEY" \
        $d --rpc="pssl:$PORT:$IP" --private-key="$KEY" \
        --certificate="$T_DIR/admin-cert.pem" --ca-cert="$CA"
    for bad in pssl:0 pssl:65536 pssl:ssl pssl: "pssl:$PORT:" pssl:-1; do
        bad_start "the port must be 1 to 65535" $d --rpc="$bad" "${GOOD[@]}"
    done
    bad_start "\"not-an-ip\" is not an IPv4 address or [IPv6] address" $d \
        --rpc="pssl:$PORT:not-an-ip" "${GOOD[@]}"
    bad_start "--rpc=pssl:$PORT:198.18.99.1: cannot listen (Cannot assign requested address)" \
        $d --rpc="pssl:$PORT:198.18.99.1" "${GOOD[@]}"
    bad_start "--rpc-ssl-role: \"root\" is not a role" $d \
        --rpc="pssl:$PORT:$IP" "${GOOD[@]}" --rpc-ssl-role=root
    bad_start "are for --rpc=pssl:PORT[:IP], which is not given" $d "${GOOD[@]}"
done
bad_start "--rpc=pssl:$PORT:$IP: cannot listen (Address already in use)" \
    xovs-controller --rpc="pssl:$PORT:$IP" --rpc="pssl:$PORT:$IP" "${GOOD[@]}"

log "the agent over TLS on pssl:$PORT:$IP (default role), at most 2 clients"
agent_stop
AGENT_EXTRA_ARGS=(--rpc="pssl:$PORT:$IP" "${GOOD[@]}" --rpc-max-conns=2)
agent_start
grep -q "serving TLS clients (role read-only) on pssl:$PORT:$IP" "$T_DIR/agent.log" ||
    fail "no TLS listener in agent.log"
# xt ARGS...: the CLI from $LNS over TLS.
xt() {
    ip netns exec "$LNS" env XOVS_RPC="ssl:$IP:$PORT" \
        XOVS_SSL_KEY="$T_DIR/admin-privkey.pem" \
        XOVS_SSL_CERT="$T_DIR/admin-cert.pem" \
        XOVS_SSL_CA="$PKI/controllerca/cacert.pem" \
        timeout 100 "$XOVS_BIN/xovs" "$@"
}
net=$(xovs network-create name-label=n171)
xt network-list params=uuid --minimal | grep -q "$net" || fail "network-list over TLS"
expect_refused "network-create needs role pool-admin; TLS clients of pssl:$PORT:$IP have read-only" \
    xt network-create name-label=ro
[[ $(xovs network-list params=name-label --minimal) == n171 ]] ||
    fail "a read-only TLS client created a network"

log "the CLI's bad ssl: options"
for bad in "ssl:$IP" "ssl:$IP:" "ssl:$IP:70000" "ssl:host.example:$PORT" "ssl:[::1:$PORT"; do
    expect_refused "expected ssl:IP:PORT" \
        ip netns exec "$LNS" env XOVS_RPC="$bad" XOVS_SSL_KEY=x XOVS_SSL_CERT=y \
        XOVS_SSL_CA=z timeout 60 "$XOVS_BIN/xovs" network-list
done
rc=0
xt --private-key="$T_DIR/none.pem" network-list 2>"$T_DIR/cli.err" || rc=$?
if [[ $rc -ne 1 ]] || ! grep -q -- "--private-key=$T_DIR/none.pem (or XOVS_SSL_KEY): cannot read it (No such file or directory)" "$T_DIR/cli.err"; then
    fail "CLI, missing key: exit $rc, $(cat "$T_DIR/cli.err")"
fi
expect_refused "--certificate=$T_DIR/agent-cert.pem is not the certificate of --private-key=$T_DIR/admin-privkey.pem" \
    xt --certificate="$T_DIR/agent-cert.pem" network-list
expect_refused "--ca-cert=$T_DIR/junk.pem (or XOVS_SSL_CA): not a PEM certificate" \
    xt --ca-cert="$T_DIR/junk.pem" network-list
expect_refused "--private-key=$T_DIR/junk.pem (or XOVS_SSL_KEY): not a PEM private key" \
    xt --private-key="$T_DIR/junk.pem" network-list
expect_refused "XOVS_SSL_CERT" \
    ip netns exec "$LNS" env XOVS_RPC="ssl:$IP:$PORT" XOVS_SSL_KEY="$T_DIR/admin-privkey.pem" \
    timeout 60 "$XOVS_BIN/xovs" network-list

log "two clients that never finish a handshake take the 2 places"
ip netns exec "$LNS" python3 - "$IP" "$PORT" "$T_DIR/hold.out" <<'PY' &
import socket, sys, time
ip, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = [socket.create_connection((ip, port), timeout=60) for _ in range(2)]
open(out + ".tmp", "w").write("connected\n")
closed = 0
for s in socks:
    try:
        closed += s.recv(1) == b""   # the server ends the handshake wait
    except OSError:
        closed += 1
open(out + ".tmp", "a").write("closed=%d\n" % closed)
import os
os.rename(out + ".tmp", out)
time.sleep(1)
PY
HOLD_PID=$!
wait_until 20 grep -q connected "$T_DIR/hold.out.tmp" || fail "the holders did not connect"
sleep 1 # the agent accepts them in its next loop
expect_refused "too many connections (2) on pssl:$PORT:$IP; try again" xt network-list
xovs network-list >/dev/null || fail "the unix socket must not be affected"
log "after 10 s the agent closes them (no handshake) and serves TLS again"
wait_until 60 test -s "$T_DIR/hold.out" || fail "the agent kept clients without a handshake"
grep -q "closed=2" "$T_DIR/hold.out" || fail "holders: $(cat "$T_DIR/hold.out")"
wait "$HOLD_PID" || true
HOLD_PID=
grep -q "no TLS handshake within 10000 ms" "$T_DIR/agent.log" || fail "no handshake timeout logged"
xt network-list params=uuid --minimal | grep -q "$net" || fail "TLS after the timeout"

log "--rpc-ssl-role=pool-admin: creates; dpdk-devargs still refused"
agent_stop
AGENT_EXTRA_ARGS=(--rpc="pssl:$PORT:$IP" "${GOOD[@]}" --rpc-ssl-role=pool-admin)
agent_start
net2=$(xt network-create name-label=n171b) || fail "network-create over TLS as pool-admin"
xovs network-list params=uuid --minimal | grep -q "$net2" || fail "n171b not on the unix socket"
vif=$(xovs vif-create vm-uuid="$(new_uuid)" domid=3 device=0 network-uuid="$net" \
    mac="$(guest_mac 3 0)")
expect_refused "vif-plug takes it only on the agent's internal socket" \
    xt vif-plug uuid="$vif" dpdk-devargs=vhost-user-client
[[ $(xovs vif-list uuid="$vif" params=currently-attached --minimal) == false ]] ||
    fail "vif-plug over TLS changed the VIF"
pass
