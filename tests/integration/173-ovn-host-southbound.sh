#!/bin/bash
# xovs-test: alone=ovn
# pool-host-list shows what OVN's southbound database says of each host
# (docs/ovn.md, "The pool's hosts"): xovs-controller with --ovnsb-db on
# scripts/ovn-sandbox's three hosts, two joined by their agents, the third
# added to the pool but not joined.  Asserts, as `xovs pool-host-list` and
# its --json show them: a joined host's chassis registered with its
# hostname, encap geneve and its encap address, its bound VIF ports
# counted; the host that did not join "absent"; "alive" unknown until
# nb_cfg is counted, true once the hosts' ovn-controllers caught up
# (ovn-nbctl --wait=hv sync), false for a host whose ovn-controller was
# killed when the next change is counted; with every southbound member
# down, "unknown" (not "absent": a lost database is not an empty one), and
# registered again when they are back.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

ovn_require
command -v jq >/dev/null || skip "jq not installed"
ovn_start 3
ctl_start || fail "xovs-controller did not start"
for i in 1 2; do
    xc pool-host-add name="$OVN-h$i" >/dev/null || fail "pool-host-add h$i"
done
xc pool-host-add name="$OVN-h3" name-description="not joined" >/dev/null ||
    fail "pool-host-add h3"
ovn_hosts 2

priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
h1=$(xa 1 network-create name-label=priv other-config:ovn-network="$priv") ||
    fail "network-create on host 1"

# field HOST FIELD: pool-host-list's FIELD of HOST.
field() {
    xc pool-host-list name="$1" params="$2" --minimal
}
# shellcheck disable=SC2317 # run by wait_until
field_is() {
    [[ $(field "$1" "$2") == "$3" ]]
}

log "joined hosts: chassis registered, hostname, encap; h3 absent"
for i in 1 2; do
    wait_until 30 field_is "$OVN-h$i" chassis registered ||
        fail "host $i is not registered: $(xc pool-host-list name="$OVN-h$i")"
    hn=$(sbctl get Chassis "$OVN-h$i" hostname | tr -d '"')
    [[ -n $hn && $(field "$OVN-h$i" hostname) == "$hn" ]] ||
        fail "host $i: hostname '$(field "$OVN-h$i" hostname)', SB says '$hn'"
    [[ $(field "$OVN-h$i" encap-type,encap-ip) == "geneve,198.18.100.1$i" ]] ||
        fail "host $i: encap '$(field "$OVN-h$i" encap-type,encap-ip)'"
    [[ $(field "$OVN-h$i" ports-bound) == 0 ]] || fail "host $i: ports bound before any VIF"
done
[[ $(field "$OVN-h3" chassis,hostname,encap-ip,ports-bound) == "absent,,,0" ]] ||
    fail "host 3 (not joined): $(xc pool-host-list name="$OVN-h3")"
[[ $(field "$OVN-h3" state,name-description) == "member,not joined" ]] ||
    fail "the existing columns changed: $(xc pool-host-list name="$OVN-h3")"
json=$(xc pool-host-list --json) || fail "pool-host-list --json"
jq -e --arg h "$OVN-h1" '.[] | select(.name == $h) | .chassis == "registered"
    and .["encap-type"] == "geneve" and .["ports-bound"] == 0
    and (.["VIF-uuids"] | length) == 0' <<<"$json" >/dev/null ||
    fail "pool-host-list --json: $json"
log "ok: $(xc pool-host-list params=name,chassis,encap-type,encap-ip,ports-bound --minimal | tr "\n" " ")"

log "a VIF bound on host 1 is counted there"
place g1 1 1 "$h1" "$priv" 198.18.7.1/24
wait_bound g1
wait_until 30 field_is "$OVN-h1" ports-bound 1 ||
    fail "host 1's bound VIF is not counted: $(xc pool-host-list name="$OVN-h1")"
[[ $(field "$OVN-h2" ports-bound) == 0 ]] || fail "host 2 counts a VIF it does not bind"

log "alive: unknown until nb_cfg is counted, then true"
[[ $(field "$OVN-h1" alive) == unknown ]] ||
    fail "alive is '$(field "$OVN-h1" alive)' before anyone counted nb_cfg"
nbctl --wait=hv sync || fail "ovn-nbctl --wait=hv sync"
for i in 1 2; do
    wait_until 30 field_is "$OVN-h$i" alive true ||
        fail "host $i is not alive after --wait=hv: $(xc pool-host-list name="$OVN-h$i")"
done
[[ $(field "$OVN-h3" alive) == unknown ]] || fail "host 3 (no chassis) is not unknown"

log "host 2's ovn-controller killed: alive false at the next counted change"
oc=$(tr -dc 0-9 <"$SBOX/$OVN-h2/ovn-controller.pid")
[[ -n $oc ]] || fail "no pid for host 2's ovn-controller"
kill -KILL "$oc"
wait_until 10 test ! -d "/proc/$oc" || fail "ovn-controller survived SIGKILL"
nbctl --wait=sb sync || fail "ovn-nbctl --wait=sb sync"
wait_until 30 field_is "$OVN-h2" alive false ||
    fail "host 2 is still alive with its ovn-controller dead: $(xc pool-host-list name="$OVN-h2")"
wait_until 30 field_is "$OVN-h1" alive true || fail "host 1 is not alive any more"
[[ $(field "$OVN-h2" chassis) == registered ]] ||
    fail "host 2's chassis is gone (SIGKILL leaves it)"
log "ok: $(xc pool-host-list params=name,alive --minimal | tr "\n" " ")"

log "every southbound member down: unknown, not absent"
for m in 1 2 3; do
    "$OVN_SANDBOX" kill-db "$OVN" sb "$m"
done
wait_until 30 field_is "$OVN-h1" chassis unknown ||
    fail "with SB down host 1 is '$(field "$OVN-h1" chassis)'"
for m in 1 2 3; do
    "$OVN_SANDBOX" start-db "$OVN" sb "$m"
done
wait_until 60 field_is "$OVN-h1" chassis registered ||
    fail "host 1 is not registered after SB came back: $(xc pool-host-list name="$OVN-h1")"
[[ $(field "$OVN-h3" chassis) == absent ]] || fail "host 3 is not absent after SB came back"
log "ok: SB down -> unknown, back -> registered"
pass
