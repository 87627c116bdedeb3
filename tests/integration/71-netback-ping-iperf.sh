#!/bin/bash
# Two xovs-guests on one network reach each other through xovs-netback
# (emulated Xen platform) and OVS's userspace datapath: VIF records in the
# agent, the hotplug script plugs the taps, ping both ways, then a few
# seconds of TCP (iperf3) whose rate is reported, not asserted.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

nb_host_start
net=$(xovs network-create name-label=nb71)
br=$(network_bridge "$net")
log "network $net on bridge $br"

nb_guest ga 1 0 "$net" 198.18.0.1/24
nb_guest gb 2 0 "$net" 198.18.0.2/24

expect_ping ga 198.18.0.2
expect_ping gb 198.18.0.1
log "20 pings ga -> gb: $(gexec ga ping -c 20 -i 0.05 -q 198.18.0.2 | tail -n 1)"

log "vif1.0: $(nb_appctl vif/show vif1.0 | sed -n 2p | sed 's/^ *//')"
if command -v iperf3 >/dev/null; then
    rate=$(nb_iperf ga gb 198.18.0.2 4) || fail "iperf3 ga -> gb failed"
    log "iperf3 TCP ga -> gb, 4 s: $rate Mbit/s"
    [[ ${rate%.*} -gt 0 ]] || fail "iperf3 moved no data"
else
    log "iperf3 not installed: TCP rate not measured"
fi
log "vif1.0 counters: $(nb_appctl vif/show vif1.0 | awk '$2 != 0 && /^  [a-z_]+ +[0-9]+$/ { printf "%s=%s ", $1, $2 }')"
pass
