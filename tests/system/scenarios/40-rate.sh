# rate (issue 5, scenario 4): rate=10Mb/s in the vif config limits the
# guest's transmit rate to within 10% of it (iperf3 TCP, the receiver's
# figure); writing the backend's rate node live (5 Mb/s) takes effect
# without replug: the same VIF, no state change.
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

# guest_up's vif line again, with rate= (a later line wins in xl's
# parser) and no bridge=: the hotplug script plugs the VIF by its record.
two_guests net-rate ra 51 rb 52 \
    "vif = ['mac=$(guest_mac 51),rate=10Mb/s,script=/usr/local/bin/xovs-vif']"
be=/local/domain/0/backend/vif/$da/0
log "xl wrote rate=$(xenstore-read "$be/rate")"
ovs-appctl -t "$NB_CTL" vif/show "vif$da.0" | grep -E 'rate:'

# limited WANT: iperf3 TCP ra -> rb for 8 s, checked to be within 10% of
# WANT Mbit/s; prints the rate.  Above is a limiter fault and fails at
# once.  Below happens when the emulated machine is too busy to keep up
# with the 50 ms windows (seen only while other tests ran beside QEMU):
# measured once more before failing.
limited() {
    local want=$1 got try
    for try in 1 2; do
        got=$(iperf_tcp "$da" "$db" 198.18.0.52 8) ||
            { host_report >&2; fail "iperf3 at $want Mb/s failed"; }
        awk -v g="$got" -v w="$want" 'BEGIN { exit !(g <= w * 1.1) }' ||
            { host_report >&2; fail "rate $want Mb/s let $got Mbit/s through"; }
        if awk -v g="$got" -v w="$want" 'BEGIN { exit !(g >= w * 0.9) }'; then
            echo "$got"
            return
        fi
        echo "rate $want Mb/s: $got Mbit/s (try $try), below 90%" >&2
    done
    host_report >&2
    fail "rate $want Mb/s gave only $got Mbit/s twice (not within 10%)"
}

# The unlimited rate first, for the record (emulation makes it slow; if
# it is not well above 10 Mbit/s the limit below proves nothing).
free=$(iperf_tcp "$db" "$da" 198.18.0.51 4) || { host_report; fail "iperf3 rb -> ra failed"; }
awk -v f="$free" 'BEGIN { exit !(f > 13) }' ||
    skip "the emulated machine reaches only $free Mbit/s unlimited: a 10 Mb/s limit cannot be told apart"
r10=$(limited 10) || exit 1 # fail wrote the reason
echo "XOVS-RESULT rate: unlimited rb->ra $free Mbit/s; ra->rb at rate=10Mb/s $r10 Mbit/s"

# 5 Mbit/s = 625000 bytes/s = 31250 bytes per 50 ms (xl's format).
state0=$(xenstore-read "$be/state")
xenstore-write "$be/rate" "31250,50000" || fail "xenstore-write rate failed"
wait_for 10 sh -c "ovs-appctl -t $NB_CTL vif/show vif$da.0 | grep -q 'rate: 31250,50000'" ||
    { host_report; fail "netback did not take the new rate"; }
r5=$(limited 5) || exit 1
echo "XOVS-RESULT rate: ra->rb after a live change to 5 Mb/s: $r5 Mbit/s"
[ "$(xenstore-read "$be/state")" = "$state0" ] || fail "the backend changed state"
[ "$(grep -c "vif$da.0: backend .* -> Connected" "$NB_LOG")" -eq 1 ] ||
    fail "the VIF was reconnected"
for d in $da $db; do
    xl destroy "$d" || fail "xl destroy $d failed"
done
pass
