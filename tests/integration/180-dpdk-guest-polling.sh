#!/bin/bash
# xovs-test: alone
# xovs-guest --sink and --generate on net_xovs VIFs (issue 12): net_xovs
# polls the rings and sends a guest no event unless the guest asks for one
# (rsp_event).  While a generator sends flat out, the sink polls its RX
# ring instead of sleeping between events (busy_polls counts the times it
# began), so that its ring keeps posted buffers; once the flow stops it
# goes back to events (polling=0), and a slow flow after that wakes it by
# events again (the driver notifies when the sink asks: its event count
# grows), with every frame delivered.
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

# bench_like_guest NAME DOMID ARGS...: an xovs-guest without a namespace,
# as bench/xovs-bench-dpdk starts them.
bench_like_guest() {
    local name=$1 domid=$2
    shift 2
    "$XOVS_BIN/xovs-guest" --domid="$domid" --devid=0 \
        --mac="$(guest_mac "$domid" 0)" --xenstore="$XSD_SOCK" \
        -vconsole:info --bridge="$DPDK_BR" "$@" >"$T_DIR/$name.log" 2>&1 &
    GUEST_PID[$name]=$!
    disown "${GUEST_PID[$name]}"
    nb_wait_connected "$domid" 0
    dpdk_wait_attached "$domid" 0
}

# counters NAME: guest NAME's counters now (SIGUSR1), as "KEY=VALUE ..."
# on one line: the totals and busy_polls=, polling=, events=.
counters() {
    local name=$1 log n
    log=$T_DIR/$name.log
    n=$(grep -c '^busy_polls=' "$log" || true)
    kill -USR1 "${GUEST_PID[$name]}"
    wait_until 10 nb_more_lines "$log" '^busy_polls=' "$n" ||
        fail "guest $name did not print its counters"
    echo "$(grep '^tx_packets=' "$log" | tail -n 1) $(grep '^busy_polls=' "$log" | tail -n 1)"
}

# counter NAME KEY: one value of counters NAME.
counter() {
    grep -o " $2=[0-9]*" <<<" $(counters "$1")" | cut -d= -f2
}

# shellcheck disable=SC2317 # run by wait_until
sink_polls() {
    [[ $(counter sink busy_polls) -ge 1 ]]
}

# shellcheck disable=SC2317 # run by wait_until
sink_sleeps() {
    [[ $(counter sink polling) == 0 ]]
}

# shellcheck disable=SC2317 # run by wait_until
# sink_got N: the sink received more than N frames.
sink_got() {
    [[ $(counter sink rx_packets) -gt $1 ]]
}

dpdk_host_start
bench_like_guest sink 11 --sink
[[ $(counter sink busy_polls) == 0 ]] ||
    fail "the sink polls before any traffic: $(counters sink)"
log "ok: an idle sink waits for events: $(counters sink)"

bench_like_guest gen 12 --generate=60 --dst-mac="$(guest_mac 11 0)"
wait_until 120 sink_polls ||
    fail "a flat-out flow never made the sink poll: $(counters sink)"
log "ok: with the generator flat out the sink polls: $(counters sink)"
nb_guest_stop gen

wait_until 60 sink_sleeps ||
    fail "the sink still polls without traffic: $(counters sink)"
before=$(counter sink rx_packets)
events=$(counter sink events)
log "ok: the flow stopped, the sink waits for events again: $(counters sink)"

# 50 frames a second: the sink, back on events, is woken by the driver.
bench_like_guest slow 13 --generate=60,50 --dst-mac="$(guest_mac 11 0)"
wait_until 120 sink_got $((before + 200)) ||
    fail "a slow flow after polling did not arrive: $(counters sink)"
after_events=$(counter sink events)
[[ $after_events -gt $events ]] ||
    fail "the sink got no event from net_xovs for the slow flow:" \
        "events $events -> $after_events"
log "ok: slow flow delivered by events ($events -> $after_events): $(counters sink)"
nb_guest_stop slow
nb_guest_stop sink
pass
