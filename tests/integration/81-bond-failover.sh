#!/bin/bash
# Failover of a 2-member LACP bond (fast timers) under a continuous ping
# (every 50 ms): the member carrying the traffic loses carrier (its switch
# side goes down); traffic continues on the other member after about the
# downdelay (200 ms), the outage is measured and printed; bond-list shows one
# link up.  When the link returns, the member rejoins after the updelay (set
# to 1 s with bond-param-set) and bond-list shows both up again.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start_multi 2 bond_mode=balance-tcp lacp=active other_config:lacp-time=fast
switch_host h1 - 198.18.1.2/24

pifs=$(bond_pifs 2)
net=$(xovs network-create name-label=bond-net)
bond=$(xovs bond-create network-uuid="$net" pif-uuids="$pifs" mode=lacp \
    properties:lacp-time=fast)
xovs bond-param-set uuid="$bond" properties:updelay=1000
br=$(network_bridge "$net")
wait_bond bond0 "$br"
wait_until 10 port_is bond0 bond_updelay 1000 || fail "updelay not 1000 in OVS"
wait_until 30 host_bond_negotiated "$bond" 2 || fail "LACP did not negotiate: $(xovs bond-list uuid="$bond")"
guest_add g1 1 0 198.18.1.1/24
vif_attach g1 1 0 "$net" >/dev/null
wait_port vif1.0 "$br"
expect_ping g1 198.18.1.2

# Which member carries the guest's traffic now?
tx() { ip netns exec "$NS" cat "/sys/class/net/$1/statistics/tx_packets"; }
a1=$(tx eth1) a2=$(tx eth2)
gexec g1 ping -c 20 -i 0.05 -q 198.18.1.2 >/dev/null
d1=$(($(tx eth1) - a1)) d2=$(($(tx eth2) - a2))
if ((d1 >= d2)); then m=1; else m=2; fi
log "eth$m carries the ping (tx +$d1 on eth1, +$d2 on eth2)"

plog=$T_DIR/ping.txt
ip netns exec "$(gns g1)" ping -D -i 0.05 -W 1 198.18.1.2 >"$plog" 2>&1 &
ping_pid=$!
sleep 1
log "carrier loss: switch port p$m down"
ip -n "$SW_NS" link set "p$m" down
sleep 2
wait_until 5 bond_is "$bond" links-up 1 ||
    fail "bond-list links-up is not 1: $(xovs bond-list uuid="$bond")"
bond_field "$bond" slave-status | grep -q "eth$m: link down" ||
    fail "bond-list does not show eth$m down: $(bond_field "$bond" slave-status)"
log "ok: bond-list: links-up 1, eth$m link down"
kill -INT "$ping_pid" 2>/dev/null || true
wait "$ping_pid" 2>/dev/null || true
sent=$(awk '/packets transmitted/ { print $1 }' "$plog")
last=$(grep "bytes from" "$plog" | tail -n 1 | sed -E 's/.*icmp_seq=([0-9]+).*/\1/')
((last >= sent - 3)) || fail "ping stopped after failover (last answer #$last of $sent)"
gap=$(ping_gap "$plog")
log "failover outage (carrier loss, downdelay 200 ms): ${gap} ms between answered pings"
((gap < 3000)) || fail "outage of $gap ms is not a failover"
expect_ping g1 198.18.1.2

log "link back: switch port p$m up; updelay is 1000 ms"
t0=$(now_ms)
ip -n "$SW_NS" link set "p$m" up
# shellcheck disable=SC2317 # run by wait_until
enabled() { happctl bond/show bond0 | grep -q "^member eth$m: enabled"; }
wait_until 20 enabled || fail "eth$m did not rejoin: $(happctl bond/show bond0)"
t1=$(now_ms)
log "eth$m enabled again $((t1 - t0)) ms after its link came back"
((t1 - t0 >= 900)) || fail "eth$m rejoined before the updelay"
wait_until 20 host_bond_negotiated "$bond" 2 || fail "bond-list does not show 2 current members"
log "ok: bond-list: links-up 2, both current"
expect_ping g1 198.18.1.2
pass
