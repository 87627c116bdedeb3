#!/bin/bash
# 185-plug-bridge-o1: on a host whose one bridge holds 1000 VIFs (made
# through the batch verb), one vif-plug touches only its own port: the
# OVSDB updates are that port's and interface's rows only, and the agent's
# pass neither compares nor re-reads the bridge's other 999 ports
# (xovs_agent_reconcile_ports_diffed_total and
# xovs_agent_reconcile_ports_walked_total).  Drift made by hand on another
# port of that bridge is still repaired.  A bridge with OpenFlow rules (a
# locked VIF) still gets rules naming a newly plugged port's number.
# A network's name change builds no whole desired state.
# Before: every change re-read the port numbers of every port of the
# touched bridge (1000 per plug), a network's rename built the desired
# state from every record, and the agent had no counter of either.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

N=1000
host_start
metrics_agent

vsctl() { ovs-vsctl --db="$OVSDB" --timeout=30 "$@"; }

net=$(xovs network-create name-label=big)
create_vifs "$N" 1 "$net"
((${#vifs[@]} == N)) || fail "${#vifs[@]} VIFs created, wanted $N"
# All but the last: that one is the plug measured.
plug_vifs "${vifs[@]:0:N-1}"
wait_vif_ports $((N - 1))
log "ok: $((N - 1)) VIFs plugged on one bridge and in OVS"

last=$(((N - 1) / 7 + 1))
tport=vif$last.$(((N - 1) % 7))
ovsdb-client --format=csv --no-headings monitor "$OVSDB" Open_vSwitch Port \
    name,tag,trunks,vlan_mode,external_ids,interfaces >"$T_DIR/mon.Port" 2>"$T_DIR/mon.err" &
mon_port=$!
ovsdb-client --format=csv --no-headings monitor "$OVSDB" Open_vSwitch Interface \
    name,type,mtu_request,external_ids,options,ofport_request \
    >"$T_DIR/mon.Interface" 2>>"$T_DIR/mon.err" &
mon_iface=$!
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
stop_mons() {
    kill "$mon_port" "$mon_iface" 2>/dev/null || true
    wait "$mon_port" "$mon_iface" 2>/dev/null || true
}
CLEAN_HOOKS+=(stop_mons)
# shellcheck disable=SC2317
dumped() { (($(grep -c ',initial,' "$T_DIR/mon.Port") >= N - 1)) &&
    (($(grep -c ',initial,' "$T_DIR/mon.Interface") >= N - 1)); }
wait_until 60 dumped || fail "ovsdb-client monitor did not list the rows"
walked0=$(metric xovs_agent_reconcile_ports_walked_total)
diffed0=$(metric xovs_agent_reconcile_ports_diffed_total)
full0=$(metric 'xovs_agent_reconcile_passes_total{kind="full"}')
[[ $walked0 =~ ^[0-9]+$ ]] ||
    fail "the agent does not count the ports a pass re-reads (xovs_agent_reconcile_ports_walked_total)"
xovs vif-plug uuid="${vifs[N - 1]}" >/dev/null || fail "vif-plug refused"
# shellcheck disable=SC2317
plugged() { vsctl get Interface "$tport" ofport_request >/dev/null 2>&1; }
wait_until 60 plugged || fail "$tport did not reach OVS"
wait_until 60 agent_synced || fail "the agent did not settle after the plug"
sleep 2 # let any stray update reach the monitors
walked1=$(metric xovs_agent_reconcile_ports_walked_total)
diffed1=$(metric xovs_agent_reconcile_ports_diffed_total)
full1=$(metric 'xovs_agent_reconcile_passes_total{kind="full"}')
stop_mons
changed=$(cat "$T_DIR/mon.Port" "$T_DIR/mon.Interface" |
    awk -F, '$2 ~ /^(insert|delete|old|new)$/ && $3 != "" { print $3 }' |
    tr -d '"' | sort -u)
[[ $changed == "$tport" ]] ||
    fail "one plug updated other rows: $(echo "$changed" | head -5 | tr '\n' ' ')"
log "ok: the plug updated only $tport's rows in OVSDB"
if ((full1 == full0)); then
    # A periodic full pass (every 30 s) walks everything by design.
    ((walked1 - walked0 <= 10)) ||
        fail "one plug re-read the port numbers of $((walked1 - walked0)) ports (bridge has $N)"
    ((diffed1 - diffed0 <= 20)) ||
        fail "one plug compared $((diffed1 - diffed0)) desired ports with OVS"
    log "ok: the plug's passes compared $((diffed1 - diffed0)) and re-read $((walked1 - walked0)) ports, of $N"
else
    log "a periodic full pass ran meanwhile: counters not compared"
fi

# Drift by hand on another port of the bridge: repaired.
other=vif$((500 / 7 + 1)).$((500 % 7))
vsctl set Port "$other" tag=999
# shellcheck disable=SC2317
repaired() { [[ $(vsctl get Port "$other" tag) == "[]" ]]; }
wait_until 60 repaired || fail "hand-made drift on $other (tag=999) was not repaired"
log "ok: drift on untouched $other repaired"

# A network's name and description ask nothing of OVS: no whole desired
# state is built for them (before: every network change built it from
# all 1000 VIFs and compared it with the last).
whole0=$(metric 'xovs_agent_reconcile_builds_total{kind="whole"}')
patch0=$(metric 'xovs_agent_reconcile_builds_total{kind="patch"}')
[[ $whole0 =~ ^[0-9]+$ ]] ||
    fail "the agent does not count the desired states it builds (xovs_agent_reconcile_builds_total)"
xovs network-param-set uuid="$net" name-label=big-renamed name-description=renamed >/dev/null ||
    fail "network-param-set refused"
[[ $(xovs network-list uuid="$net" params=name-label --minimal) == big-renamed ]] ||
    fail "the network's new name is not listed"
whole1=$(metric 'xovs_agent_reconcile_builds_total{kind="whole"}')
patch1=$(metric 'xovs_agent_reconcile_builds_total{kind="patch"}')
((whole1 == whole0 && patch1 > patch0)) ||
    fail "a network's name change built the whole desired state ($whole0 -> $whole1 whole, $patch0 -> $patch1 patch)"
wait_until 60 agent_synced || fail "the agent did not settle after the rename"
log "ok: a network's name change built no whole desired state"

# A bridge with flows: a locked VIF's rules name the numbers of its port.
lnet=$(xovs network-create name-label=locked)
lbr=$(xovs network-list uuid="$lnet" params=bridge --minimal)
lv=$(xovs vif-create vm-uuid="$(uuidgen)" domid=900 device=0 network-uuid="$lnet" \
    mac=02:00:09:00:00:01 locking-mode=locked ipv4-allowed=198.18.185.2)
xovs vif-plug uuid="$lv" >/dev/null || fail "plug of the locked VIF refused"
lv2=$(xovs vif-create vm-uuid="$(uuidgen)" domid=901 device=0 network-uuid="$lnet" \
    mac=02:00:09:01:00:01 locking-mode=locked ipv4-allowed=198.18.185.3)
xovs vif-plug uuid="$lv2" >/dev/null || fail "plug of the second locked VIF refused"
# shellcheck disable=SC2317
rules_for() {
    local of
    # No device behind it: the number it asked for (ofport stays -1).
    of=$(vsctl get Interface "$1" ofport_request 2>/dev/null) && ((of > 0)) &&
        ovs-ofctl dump-flows "unix:$RUNDIR/$lbr.mgmt" "in_port=$of" 2>/dev/null |
        grep -q "nw_src=$2"
}
wait_until 60 rules_for vif900.0 198.18.185.2 || fail "vif900.0 has no locking rule with its port number"
wait_until 60 rules_for vif901.0 198.18.185.3 || fail "vif901.0 has no locking rule with its port number"
log "ok: locked VIFs on a bridge with flows get rules with their port numbers"
pass
