#!/bin/bash
# vif-plug's dpdk-queues (issue 12) is refused over TLS as dpdk-devargs is,
# whatever the role (docs/api.md "TLS"): only xovs-netback's hotplug script,
# on the agent's internal socket, knows a DPDK VIF's queues.  A pool-admin
# TLS client from another namespace: vif-plug with dpdk-queues=4 (alone,
# with dpdk-devargs, in a batch) is refused naming dpdk-queues and changes
# nothing; the same client may plug the VIF without it.
# Before: the agent did not know dpdk-queues (refused as an unknown
# parameter, not as internal-only).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v ovs-pki >/dev/null || skip "ovs-pki not installed (openvswitch-common)"
host_start
LNS=xtq$ID # the TLS client's namespace
IP=198.18.184.1
PORT=6645

CLEAN_NETNS+=("$LNS")
ip netns add "$LNS"
ip link add "xqa$ID" netns "$NS" type veth peer name "xql$ID" netns "$LNS"
ip -n "$NS" addr add "$IP/24" dev "xqa$ID"
ip -n "$LNS" addr add 198.18.184.2/24 dev "xql$ID"
ip -n "$NS" link set "xqa$ID" up
ip -n "$LNS" link set lo up
ip -n "$LNS" link set "xql$ID" up

PKI=$T_DIR/pki
(
    cd "$T_DIR"
    ovs-pki --dir="$PKI" init
    ovs-pki --dir="$PKI" req+sign agent controller
    ovs-pki --dir="$PKI" req+sign admin switch
) >"$T_DIR/pki.out" 2>&1 || fail "ovs-pki: $(tail -n 5 "$T_DIR/pki.out")"

agent_stop
AGENT_EXTRA_ARGS=(--rpc="pssl:$PORT:$IP" --private-key="$T_DIR/agent-privkey.pem"
    --certificate="$T_DIR/agent-cert.pem" --ca-cert="$PKI/switchca/cacert.pem"
    --rpc-ssl-role=pool-admin)
agent_start

# xt ARGS...: xovs over TLS from the client namespace.
xt() {
    ip netns exec "$LNS" env XOVS_RPC="ssl:$IP:$PORT" \
        XOVS_SSL_KEY="$T_DIR/admin-privkey.pem" \
        XOVS_SSL_CERT="$T_DIR/admin-cert.pem" \
        XOVS_SSL_CA="$PKI/controllerca/cacert.pem" \
        timeout 100 "$XOVS_BIN/xovs" "$@"
}

net=$(xt network-create name-label=n184) || fail "network-create over TLS as pool-admin"
vif=$(xt vif-create vm-uuid="$(new_uuid)" domid=3 device=0 network-uuid="$net" \
    mac="$(guest_mac 3 0)") || fail "vif-create over TLS"
devargs=net_xovs_3_0,path=/run/xovs-dpdk/vif3.0.sock
only="dpdk-queues: vif-plug takes it only on the agent's internal socket"
expect_refused "$only" xt vif-plug uuid="$vif" dpdk-queues=4
expect_refused "vif-plug takes it only on the agent's internal socket" \
    xt vif-plug uuid="$vif" dpdk-devargs="$devargs" dpdk-queues=4
calls='[{"method": "vif-plug", "params": {"uuid": "'$vif'", "dpdk-queues": "4"}}]'
expect_refused "calls[0]: $only" xt batch calls="$calls"
[[ $(xovs vif-list uuid="$vif" params=currently-attached --minimal) == false ]] ||
    fail "a refused vif-plug plugged VIF $vif"
[[ $(xovs vif-list uuid="$vif" params=dpdk-queues --minimal) == 0 ]] ||
    fail "VIF $vif got dpdk-queues $(xovs vif-list uuid="$vif" params=dpdk-queues --minimal)"
log "ok: nothing changed by the refused calls"

xt vif-plug uuid="$vif" >/dev/null || fail "vif-plug over TLS without dpdk-queues"
[[ $(xovs vif-list uuid="$vif" params=currently-attached --minimal) == true ]] ||
    fail "VIF $vif not plugged"
log "ok: vif-plug without dpdk-queues works over TLS"
pass
