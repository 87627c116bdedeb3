#!/bin/bash
# active-backup over 2 members to a switch with two plain (unbonded) ports:
# only the active member carries traffic; when it loses carrier the other
# takes over, and OVS announces the guest's MAC on it (gratuitous
# learning packets), so the switch relearns the MAC on the new port before
# the guest sends anything, and traffic from the switch side follows.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start_multi 2
switch_host h1 - 198.18.1.2/24

pifs=$(bond_pifs 2)
net=$(xovs network-create name-label=bond-net)
bond=$(xovs bond-create network-uuid="$net" pif-uuids="$pifs" mode=active-backup)
br=$(network_bridge "$net")
wait_bond bond0 "$br"
[[ $(port_col bond0 bond_mode) == active-backup ]] || fail "bond_mode is not active-backup"
[[ $(port_col bond0 lacp) == off ]] || fail "lacp is not off"
[[ $(port_col bond0 other_config:bond-primary) == eth1 ]] || fail "bond-primary is not eth1"
guest_add g1 1 0 198.18.1.1/24
vif_attach g1 1 0 "$net" >/dev/null
wait_port vif1.0 "$br"
mac=$(guest_mac 1 0)
wait_until 10 bond_is "$bond" active-slave eth1 ||
    fail "active member is not eth1 (the primary): $(xovs bond-list uuid="$bond")"
expect_ping h1 198.18.1.1
# fdb_port MAC: the switch port sw0 learned MAC on ("" if none).
fdb_port() {
    local ofport
    ofport=$(swappctl fdb/show sw0 | awk -v m="$1" '$3 == m { print $1 }')
    [[ -n $ofport ]] || return 0
    swexec ovs-ofctl show sw0 | sed -nE "s/^ *$ofport\\(([^)]*)\\).*/\\1/p"
}
# shellcheck disable=SC2317 # run by wait_until
fdb_is() {
    [[ $(fdb_port "$1") == "$2" ]]
}
[[ $(fdb_port "$mac") == p1 ]] || fail "switch learned $mac on '$(fdb_port "$mac")', want p1"
log "ok: active member eth1; the switch learned the guest's MAC on p1"

log "carrier loss on eth1 (switch port p1 down); the guest stays silent"
ip -n "$SW_NS" link set p1 down
wait_until 5 bond_is "$bond" active-slave eth2 ||
    fail "active member did not move to eth2: $(xovs bond-list uuid="$bond")"
wait_until 5 fdb_is "$mac" p2 ||
    fail "switch did not relearn $mac on p2 (fdb: $(swappctl fdb/show sw0 | tr '\n' ' '))"
log "ok: active member eth2; the switch relearned the guest's MAC on p2 without guest traffic"
plog=$T_DIR/ping.txt
gexec h1 ping -D -c 40 -i 0.05 -W 1 198.18.1.1 >"$plog" 2>&1 ||
    fail "switch side pings to the guest lost after failover: $(tail -n 2 "$plog")"
log "ok: 40 pings from the switch side to the guest after failover, none lost"

log "eth1 back; the primary takes over again after the updelay (31 s default: shortened)"
xovs bond-param-set uuid="$bond" properties:updelay=500
ip -n "$SW_NS" link set p1 up
wait_until 15 bond_is "$bond" active-slave eth1 ||
    fail "the primary eth1 did not become active again: $(xovs bond-list uuid="$bond")"
wait_until 5 fdb_is "$mac" p1 || fail "switch did not relearn $mac on p1"
expect_ping h1 198.18.1.1
log "ok: eth1 (primary) active again, switch relearned on p1"
pass
