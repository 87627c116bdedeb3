# multi-queue (issue 5, scenario 3): a domU with 2 vCPUs and netfront's
# max_queues=2 negotiates two queues with xovs-netback, and both queues
# carry traffic both ways (netback's per-queue counters).  Netfront picks a
# TX queue per flow hash, netback an RX queue per flow, so several TCP
# flows (iperf3 -P 8) spread over both; a batch that leaves a queue idle is
# repeated, up to 3 times.
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

two_guests net-mq ma 41 mb 42 "vcpus = 2" \
    'extra = "console=hvc0 xovs.ip=198.18.0.41/24 xen_netfront.max_queues=2"'
be=/local/domain/0/backend/vif/$da/0
fe=/local/domain/$da/device/vif/0
log "ma: max offered $(xenstore-read "$be/multi-queue-max-queues"), frontend asked $(xenstore-read "$fe/multi-queue-num-queues")"
xs_is "$fe/multi-queue-num-queues" 2 ||
    fail "netfront asked for $(xenstore-read "$fe/multi-queue-num-queues" 2>&1) queues, not 2"
for q in 0 1; do
    xenstore-read "$fe/queue-$q/tx-ring-ref" >/dev/null ||
        fail "frontend has no queue-$q/tx-ring-ref"
done
ovs-appctl -t "$NB_CTL" vif/show "vif$da.0" | grep -q 'queues: 2,' ||
    { host_report; fail "netback did not connect 2 queues"; }
log "ma's eth0 queues: $(domu_exec "$da" 10 "ls /sys/class/net/eth0/queues | tr '\n' ' '")"

idle() { # prints the first idle "queue direction" of vif$da.0, if any
    local q f
    for q in 0 1; do
        for f in tx_packets rx_packets; do
            [ "$(vif_queue_counter "vif$da.0" "$q" "$f")" -gt 0 ] ||
                { echo "queue $q $f"; return; }
        done
    done
}
for batch in 1 2 3; do
    iperf_tcp "$da" "$db" 198.18.0.42 3 -P 8 >/dev/null ||
        { host_report; fail "iperf3 ma -> mb failed"; }
    iperf_tcp "$da" "$db" 198.18.0.42 3 -P 8 -R >/dev/null ||
        { host_report; fail "iperf3 mb -> ma failed"; }
    [ -n "$(idle)" ] || break
done
ovs-appctl -t "$NB_CTL" vif/show "vif$da.0" | grep -E '^vif|queue'
for q in 0 1; do
    echo "XOVS-RESULT multi-queue vif$da.0 queue $q: tx_packets $(vif_queue_counter "vif$da.0" $q tx_packets), rx_packets $(vif_queue_counter "vif$da.0" $q rx_packets)"
done
gap=$(idle)
[ -z "$gap" ] || fail "$gap stayed 0 after $batch batches of 8 flows each way"
for d in $da $db; do
    xl destroy "$d" || fail "xl destroy $d failed"
done
pass
