#!/bin/bash
# xovs-test: alone=ovn
# xovs-controller writes one change to OVN's northbound database without
# comparing the rest of the pool (docs/ovn.md, "Scale"): with 2000 VIFs
# placed (on fake hosts) and a pool ACL (its port group holds every VIF),
# - one more VIF placed: its logical port is made and joins the pool's
#   port group, and the controller's counters (nb/stats) show that it
#   compared a handful of ports, not 2000, and made no full pass;
# - a VIF moved to another host: only its port changes;
# - drift made by hand on ports nobody changed (their addresses rewritten,
#   one deleted) is noticed through the IDL's change tracking and repaired,
#   again without a full pass (the deleted port left the pool's port group
#   too: that group, changed by someone else, is compared whole once).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

N=${CTL_TEST_VIFS:-2000}
ovn_require
ovn_start 1
ctl_start || fail "xovs-controller did not start"
priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
xc pool-acl-create level=pool action=deny protocol=tcp port=23 \
    direction=to-vif >/dev/null || fail "pool-acl-create"

log "placing $N VIFs on fake hosts"
ip netns exec "$OVN-c" python3 - "$T_DIR/controller.sock" "$priv" "$N" \
    >"$T_DIR/vifs.txt" <<'PY' || fail "placing the VIFs failed"
import json, socket, sys, uuid
path, net, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
f = s.makefile("rb")
for i in range(n):
    u = str(uuid.uuid4())
    req = {"jsonrpc": "2.0", "id": i, "method": "pool-vif-create",
           "params": {"uuid": u, "network-uuid": net,
                      "mac": "02:00:c6:13:%02x:%02x" % (i // 256, i % 256),
                      "host": "fake%d" % (i % 16)}}
    s.sendall((json.dumps(req) + "\n").encode())
    rep = json.loads(f.readline())
    if "error" in rep:
        sys.exit("pool-vif-create %d: %s" % (i, rep["error"]["message"]))
    print(u, req["params"]["mac"])
PY
# shellcheck disable=SC2317 # run by wait_until
nb_ports_are() {
    [[ $(nbctl --bare --columns=name find Logical_Switch_Port \
        "external_ids:xovs-vif!=\"\"" | grep -c .) -eq $1 ]]
}
# shellcheck disable=SC2317 # run by wait_until
pool_group_has() {
    [[ $(nbctl --bare --columns=ports list Port_Group xovs_pool | wc -w) -eq $1 ]]
}
wait_until 300 nb_ports_are "$N" || fail "NB does not hold the $N ports"
wait_until 120 pool_group_has "$N" || fail "the pool's port group does not hold the $N ports"
last=$(tail -n 1 "$T_DIR/vifs.txt" | cut -d' ' -f1)
wait_until 60 test "$(xc pool-vif-list uuid="$last" params=status --minimal)" == applied ||
    fail "the last VIF is not applied"
log "ok: $N ports in NB, all in the pool's port group"

stat() { # stat NAME: counter NAME of nb/stats
    ovs-appctl -t "$T_DIR/controller.ctl" nb/stats | sed -n "s/^$1: //p"
}
S_FULL=0
S_PORTS=0
S_GROUPS=0
snap() {
    S_FULL=$(stat full-passes)
    S_PORTS=$(stat ports-compared)
    S_GROUPS=$(stat group-ports-compared)
    [[ -n $S_FULL && -n $S_PORTS ]] || fail "no nb/stats counters: $(ovs-appctl -t "$T_DIR/controller.ctl" nb/stats 2>&1)"
}
# only_few WHAT [GROUPS]: since snap, no full pass, at most 10 ports
# compared and no port group compared whole (GROUPS: at most one, once).
only_few() {
    local full ports groups
    full=$(stat full-passes)
    ports=$(stat ports-compared)
    groups=$(stat group-ports-compared)
    [[ $full -eq $S_FULL ]] || fail "$1: $((full - S_FULL)) full passes over the $N ports"
    [[ $((groups - S_GROUPS)) -le ${2:-0} ]] || fail "$1: port groups compared whole ($((groups - S_GROUPS)) members)"
    [[ $((ports - S_PORTS)) -ge 1 && $((ports - S_PORTS)) -le 10 ]] ||
        fail "$1: $((ports - S_PORTS)) ports compared for one change (pool of $N)"
    log "ok: $1: $((ports - S_PORTS)) port(s) compared, no full pass"
}
# shellcheck disable=SC2317 # run by wait_until
settled() {
    local a b
    a=$(stat ports-compared)
    sleep 1
    b=$(stat ports-compared)
    [[ $a == "$b" ]]
}
wait_until 60 settled || fail "the controller does not settle"

log "one more VIF"
snap
one=$(new_uuid)
xc pool-vif-create uuid="$one" network-uuid="$priv" mac=02:00:c6:13:ff:01 \
    host=fake1 >/dev/null || fail "pool-vif-create"
wait_until 60 nb_ports_are $((N + 1)) || fail "the new VIF's port is not in NB"
wait_until 60 pool_group_has $((N + 1)) || fail "the new port did not join the pool's port group"
wait_until 60 settled || fail "the controller does not settle"
only_few "one VIF placed"

log "one VIF moved"
snap
moved=$(sed -n 5p "$T_DIR/vifs.txt" | cut -d' ' -f1)
xc pool-vif-migrate uuid="$moved" host=fake99 >/dev/null || fail "pool-vif-migrate"
xc pool-vif-migrate-complete uuid="$moved" >/dev/null || fail "pool-vif-migrate-complete"
# shellcheck disable=SC2317 # run by wait_until
chassis_is() {
    [[ $(nbctl get Logical_Switch_Port "$1" options:requested-chassis | tr -d '"') == "$2" ]]
}
wait_until 60 chassis_is "$moved" fake99 || fail "the moved VIF's port was not changed"
wait_until 60 settled || fail "the controller does not settle"
only_few "one VIF moved"

log "drift on ports nobody changed"
snap
read -r victim vmac < <(sed -n 10p "$T_DIR/vifs.txt")
nbctl lsp-set-addresses "$victim" 02:00:c6:13:ee:ee
# shellcheck disable=SC2317 # run by wait_until
addresses_are() {
    [[ $(nbctl get Logical_Switch_Port "$1" addresses) == "[\"$2\"]" ]]
}
wait_until 60 addresses_are "$victim" "$vmac" ||
    fail "the rewritten addresses of $victim were not repaired: $(nbctl get Logical_Switch_Port "$victim" addresses)"
wait_until 60 settled || fail "the controller does not settle"
only_few "addresses rewritten by hand"
snap
read -r gone _ < <(sed -n 20p "$T_DIR/vifs.txt")
nbctl lsp-del "$gone"
# shellcheck disable=SC2317 # run by wait_until
port_exists() {
    [[ $(nbctl --bare --columns=name find Logical_Switch_Port name="$1") == "$1" ]]
}
wait_until 60 port_exists "$gone" || fail "the port deleted by hand was not made again"
wait_until 60 pool_group_has $((N + 1)) || fail "the port made again is not in the pool's port group"
wait_until 60 settled || fail "the controller does not settle"
# Deleting the port took it out of the pool's port group too (a weak
# reference): someone else changed that group, so it is compared whole.
only_few "a port deleted by hand" $((N + 1))
pass
