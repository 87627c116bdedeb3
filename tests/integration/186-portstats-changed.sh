#!/bin/bash
# 186-portstats-changed: the port statistics read the interfaces whose
# counters OVS changed (the IDL's change tracking), not every interface
# each time the replica moves.  On a host with two guests exchanging pings
# and 300 idle VIFs, a stream of unplugs and plugs: the agent observes the
# changed interfaces as they come (xovs_agent_port_samples_total{kind=
# "changed"} grows) and reads every interface no more than about once a
# second (kind="full"), while port-stats-list still shows the pinging
# VIF's rate, a newly plugged VIF at once and no longer an unplugged one.
# Before: every change of the replica (each plug) made the agent read all
# interfaces, up to five times a second, and it had no counter of it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

N=300
host_start
metrics_agent
vsctl() { ovs-vsctl --db="$OVSDB" --timeout=30 "$@"; }

net=$(xovs network-create name-label=stats)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.186.1/24
guest_add g2 2 0 198.18.186.2/24
vif_attach g1 1 0 "$net" >/dev/null
vif_attach g2 2 0 "$net" >/dev/null
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
expect_ping g1 198.18.186.2

# 300 idle VIFs (no device behind them), VMs 10 and up.
create_vifs "$N" 10 "$net"
((${#vifs[@]} == N)) || fail "${#vifs[@]} VIFs created, wanted $N"
printf 'vif-plug uuid=%s\n' "${vifs[@]}" | xovs batch >/dev/null || fail "batch of plugs refused"
# shellcheck disable=SC2317 # called through wait_until
all_in() { (($(n_vif_ports) == N + 2)); }
wait_until 120 all_in || fail "OVS has $(n_vif_ports) of $((N + 2)) VIF ports"

PING_PID=
# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
stop_ping() { [[ -n $PING_PID ]] && kill "$PING_PID" 2>/dev/null && wait "$PING_PID" 2>/dev/null; return 0; }
CLEAN_HOOKS+=(stop_ping)
ip netns exec "$(gns g1)" ping -q -i 0.05 -c 4000 198.18.186.2 >/dev/null 2>&1 &
PING_PID=$!

full0=$(metric 'xovs_agent_port_samples_total{kind="full"}')
changed0=$(metric 'xovs_agent_port_samples_total{kind="changed"}')
[[ $full0 =~ ^[0-9]+$ && $changed0 =~ ^[0-9]+$ ]] ||
    fail "the agent does not count its reads of the counters (xovs_agent_port_samples_total)"
t0=$(date +%s)
# A stream of changes: unplug and plug 20 idle VIFs, one at a time.
for ((k = 0; k < 20; k++)); do
    u=${vifs[k * 13]}
    xovs vif-unplug uuid="$u" >/dev/null || fail "vif-unplug refused"
    xovs vif-plug uuid="$u" >/dev/null || fail "vif-plug refused"
done
# shellcheck disable=SC2317 # run by wait_until
moving() {
    local pps
    pps=$(xovs port-stats-list name=vif1.0 params=rx-pps --minimal)
    [[ -n $pps && $pps -gt 0 ]]
}
wait_until 30 moving || fail "vif1.0 has no rate: $(xovs port-stats-list name=vif1.0)"
log "ok: vif1.0 rx-pps $(xovs port-stats-list name=vif1.0 params=rx-pps --minimal) while pinged"
t1=$(date +%s)
full1=$(metric 'xovs_agent_port_samples_total{kind="full"}')
changed1=$(metric 'xovs_agent_port_samples_total{kind="changed"}')
((changed1 > changed0)) ||
    fail "no read of only the changed interfaces ($changed0 -> $changed1)"
((full1 - full0 <= t1 - t0 + 2)) ||
    fail "$((full1 - full0)) reads of every interface in $((t1 - t0)) s of plugs (at most about one a second wanted)"
log "ok: $((full1 - full0)) full and $((changed1 - changed0)) changed-only reads in $((t1 - t0)) s"

# A plugged VIF is listed, an unplugged one is not (no full read needed).
u=${vifs[N - 1]}
name=vif$(((N - 1) / 7 + 10)).$(((N - 1) % 7))
# shellcheck disable=SC2317 # run by wait_until
listed() { [[ $(xovs port-stats-list name="$name" params=name --minimal) == "$name" ]]; }
# shellcheck disable=SC2317 # run by wait_until
unlisted() { [[ -z $(xovs port-stats-list name="$name" params=name --minimal) ]]; }
wait_until 20 listed || fail "$name is not in port-stats-list while plugged"
xovs vif-unplug uuid="$u" >/dev/null || fail "vif-unplug refused"
wait_until 20 unlisted || fail "$name is still in port-stats-list after vif-unplug"
xovs vif-plug uuid="$u" >/dev/null || fail "vif-plug refused"
wait_until 20 listed || fail "$name is not in port-stats-list after vif-plug"
log "ok: port-stats-list follows unplug and plug of $name"
pass
