# two-domus (issue 5, scenario 1): two PV domUs on one network ping each
# other both ways over IPv4 and IPv6 and run iperf3 TCP with the guests'
# TSO/GSO on (both ways over IPv4, one way over IPv6; netback must see GSO
# frames), through xovs-netback --platform=xen and OVS's kernel datapath.  The VIFs are the
# agent's records: xl's hotplug script (xovs-vif) finds them by domid and
# device and plugs them into the network's bridge.
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

t0=$(now)
two_guests net-a ga 11 gb 12
log "both guests Connected $(since "$t0")s after the first xl create; datapath $(ovs-vsctl get bridge "$br" datapath_type)"

for d in $da $db; do
    xs_is "/local/domain/$d/device/vif/0/state" 4 ||
        fail "frontend of domain $d not Connected"
    ovs-vsctl --timeout=5 port-to-br "vif$d.0" | grep -qx "$br" ||
        { host_report; fail "vif$d.0 is not on $br"; }
done
ovs-appctl -t "$NB_CTL" vif/show
# What Linux netfront writes, for comparison with xovs-guest (docs/emu.md).
xenstore-ls "/local/domain/$da/device/vif/0"
xovs vif-list params=domid,device,network-name-label,currently-attached
log "features ga: $(domu_exec "$da" 20 "ethtool -k eth0 | grep -E '^(tcp-segmentation-offload|scatter-gather|tx-checksumming):'" | tr '\n' ' ')"

# ping FROM-DOMID ADDR WHAT: 5 pings, or the scenario fails with both
# guests' view.
ping_ok() {
    local out
    out=$(domu_exec "$1" 60 "ping -c 5 -i 0.2 -W 2 $2") ||
        { echo "$out"; host_report; domu_report "$da"; domu_report "$db"; fail "ping $3 failed"; }
    echo "$out" | tail -n 2
}
ping_ok "$da" 198.18.0.12 "ga -> gb"
ping_ok "$db" 198.18.0.11 "gb -> ga"
ping_ok "$da" 2001:db8::12 "ga -> gb (IPv6)"
ping_ok "$db" 2001:db8::11 "gb -> ga (IPv6)"
# iperf3 TCP both ways (-R: the server sends).  Emulation makes it slow; the
# figures are logged, only success is asserted.
up=$(iperf_tcp "$da" "$db" 198.18.0.12 5) ||
    { host_report; fail "iperf3 ga -> gb failed"; }
down=$(iperf_tcp "$da" "$db" 198.18.0.12 5 -R) ||
    { host_report; fail "iperf3 gb -> ga failed"; }
# And over IPv6: netfront's feature-gso-tcpv6 and IPv6 checksum offload.
up6=$(iperf_tcp "$da" "$db" 2001:db8::12 5) ||
    { host_report; fail "iperf3 ga -> gb over IPv6 failed"; }
gso=$(ovs-appctl -t "$NB_CTL" vif/show "vif$da.0" | awk '$1 == "tx_gso" { print $2 }')
echo "XOVS-RESULT two-domus iperf3 TCP ga->gb $up Mbit/s, gb->ga $down Mbit/s, IPv6 ga->gb $up6 Mbit/s; ga sent $gso GSO frames"
[ "${gso:-0}" -gt 0 ] || fail "netfront's TSO is on, yet netback saw no GSO frame from ga"

ovs-appctl -t "$NB_CTL" vif/show
for d in $da $db; do
    xl destroy "$d" || fail "xl destroy $d failed"
done
pass
