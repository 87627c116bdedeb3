# two-domus (issue 5, scenario 1): two PV domUs on one network ping and
# iperf3 each other (TCP, the guests' TSO/GSO on) in both directions through
# xovs-netback --platform=xen and OVS's kernel datapath.  The VIFs are the
# agent's records: xl's hotplug script (xovs-vif) finds them by domid and
# device and plugs them into the network's bridge.
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

out=$(domu_exec "$da" 60 "ping -c 5 -i 0.2 -W 2 198.18.0.12") ||
    { echo "$out"; host_report; domu_report "$da"; domu_report "$db"; fail "ping ga -> gb failed"; }
echo "$out" | tail -n 2
out=$(domu_exec "$db" 60 "ping -c 5 -i 0.2 -W 2 198.18.0.11") ||
    { echo "$out"; host_report; domu_report "$da"; domu_report "$db"; fail "ping gb -> ga failed"; }
echo "$out" | tail -n 2
# iperf3 TCP both ways (-R: the server sends).  Emulation makes it slow; the
# figures are logged, only success is asserted.
up=$(iperf_tcp "$da" "$db" 198.18.0.12 5) ||
    { host_report; fail "iperf3 ga -> gb failed"; }
down=$(iperf_tcp "$da" "$db" 198.18.0.12 5 -R) ||
    { host_report; fail "iperf3 gb -> ga failed"; }
echo "XOVS-RESULT two-domus iperf3 TCP ga->gb $up Mbit/s, gb->ga $down Mbit/s"

ovs-appctl -t "$NB_CTL" vif/show
for d in $da $db; do
    xl destroy "$d" || fail "xl destroy $d failed"
done
pass
