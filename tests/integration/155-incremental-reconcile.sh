#!/bin/bash
# 155-incremental-reconcile: on a host with many VIFs (2000, made through
# the batch verb), one record change touches only its own rows: the OVSDB
# updates it causes (watched with ovsdb-client monitor) are its port's and
# interface's only, and the agent compares a handful of desired ports with
# OVS, not the host's 2000 (xovs_agent_reconcile_ports_diffed_total).
# Drift made by hand on a port the change did not touch is still repaired,
# and full passes (every port) still run now and then as the safety net.
# Before: every change diffed every bridge and port, and the agent had no
# counter of it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

N=2000
host_start
metrics_agent

vsctl() { ovs-vsctl --db="$OVSDB" --timeout=30 "$@"; }

nets=("$(xovs network-create name-label=inc0)" "$(xovs network-create name-label=inc1)")
create_vifs "$N" 1 "${nets[@]}"
((${#vifs[@]} == N)) || fail "${#vifs[@]} VIFs created, wanted $N"
plug_vifs "${vifs[@]}"
wait_vif_ports "$N"
log "ok: $N VIFs plugged and in OVS"

# One change: the 1001st VIF's MTU.  Watch what OVSDB sees of it.
target=${vifs[1000]}
tport=vif$((1000 / 7 + 1)).$((1000 % 7))
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
dumped() { (($(grep -c ',initial,' "$T_DIR/mon.Port") >= N)) &&
    (($(grep -c ',initial,' "$T_DIR/mon.Interface") >= N)); }
wait_until 60 dumped || fail "ovsdb-client monitor did not list the rows"
diffed0=$(metric xovs_agent_reconcile_ports_diffed_total)
[[ $diffed0 =~ ^[0-9]+$ ]] ||
    fail "the agent does not count the ports it compares (xovs_agent_reconcile_ports_diffed_total)"
xovs vif-param-set uuid="$target" MTU=1400 >/dev/null || fail "vif-param-set refused"
# shellcheck disable=SC2317
mtu_set() { [[ $(vsctl get Interface "$tport" mtu_request) == 1400 ]]; }
wait_until 60 mtu_set || fail "$tport did not get MTU 1400"
wait_until 60 agent_synced || fail "the agent did not settle after the change"
sleep 2 # let any stray update reach the monitors
diffed1=$(metric xovs_agent_reconcile_ports_diffed_total)
stop_mons
# Rows: uuid,action,name,... (an "old" row leaves unchanged columns empty).
changed=$(cat "$T_DIR/mon.Port" "$T_DIR/mon.Interface" |
    awk -F, '$2 ~ /^(insert|delete|old|new)$/ && $3 != "" { print $3 }' |
    tr -d '"' | sort -u)
[[ -n $changed ]] || fail "the monitors saw no update at all"
[[ $changed == "$tport" ]] ||
    fail "one VIF's MTU change updated other rows: $(echo "$changed" | head -5 | tr '\n' ' ')"
log "ok: the change updated only $tport's rows in OVSDB"
((diffed1 - diffed0 <= 100)) ||
    fail "one change compared $((diffed1 - diffed0)) desired ports with OVS (host has $N)"
log "ok: the agent compared $((diffed1 - diffed0)) desired ports for it, of $N"

# Drift by hand on a port nobody touched: repaired.
other=vif$((1500 / 7 + 1)).$((1500 % 7))
vsctl set Port "$other" tag=999
# shellcheck disable=SC2317
repaired() { [[ $(vsctl get Port "$other" tag) == "[]" ]]; }
wait_until 60 repaired || fail "hand-made drift on $other (tag=999) was not repaired"
grep -q "repairing drift.*port $other tag" "$T_DIR/agent.log" ||
    fail "no log line for the repair of $other"
log "ok: drift on untouched $other repaired"

# The safety net: full passes still happen (every 30 s).
full0=$(metric 'xovs_agent_reconcile_passes_total{kind="full"}')
# shellcheck disable=SC2317
full_again() { (($(metric 'xovs_agent_reconcile_passes_total{kind="full"}') > full0)); }
wait_until 90 full_again || fail "no periodic full pass within 90 s"
log "ok: periodic full passes run ($full0 -> $(metric 'xovs_agent_reconcile_passes_total{kind="full"}'))"
pass
