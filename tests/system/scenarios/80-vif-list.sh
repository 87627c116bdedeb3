# vif-list (issue 5, scenario 8): the agent's view of two running domUs:
# `xovs vif-list` shows both VIFs with their domids, networks, attached
# state and the counters xovs-netback reports, which grow with traffic.
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

two_guests net-list la 91 lb 92
out=$(domu_exec "$da" 60 "ping -c 10 -i 0.2 -W 2 198.18.0.92") ||
    { echo "$out"; host_report; fail "ping la -> lb failed"; }

# row MAC FIELD: the field of the VIF record with that MAC.
row() {
    xovs vif-list MAC="$1" params="$2" --minimal
}
# counter MAC NAME: one of the record's counters ("key: value; ...").
counter() {
    row "$1" counters | tr ';' '\n' | sed -n "s/^ *$2: //p"
}
xovs vif-list network-uuid="$net" params=domid,device,MAC,network-name-label,currently-attached,counters
for n in 91 92; do
    mac=$(guest_mac $n)
    want=$([ $n = 91 ] && echo "$da" || echo "$db")
    [ "$(row "$mac" domid)" = "$want" ] || fail "VIF $mac: domid $(row "$mac" domid), want $want"
    [ "$(row "$mac" network-name-label)" = net-list ] || fail "VIF $mac: network $(row "$mac" network-name-label)"
    [ "$(row "$mac" currently-attached)" = true ] || fail "VIF $mac: not currently-attached"
    # netback reports counters periodically: wait until the pings show.
    wait_for 30 sh -c "[ \"\$(xovs vif-list MAC=$mac params=counters --minimal | tr ';' '\n' | sed -n 's/^ *tx_packets: //p')\" -ge 10 ]" ||
        fail "VIF $mac: counters '$(row "$mac" counters)' do not show the 10 pings"
    echo "XOVS-RESULT vif-list: $mac domid $(row "$mac" domid) tx_packets $(counter "$mac" tx_packets) rx_packets $(counter "$mac" rx_packets)"
done
for d in $da $db; do
    xl destroy "$d" || fail "xl destroy $d failed"
done
wait_for 30 sh -c "[ \"\$(xovs vif-list MAC=$(guest_mac 91) params=currently-attached --minimal)\" = false ]" ||
    fail "VIF $(guest_mac 91) still currently-attached after xl destroy"
pass
