# bench/bench-lib.sh: what bench/xovs-bench and bench/xovs-bench-dpdk share
# (sourced after tests/integration/netback-lib.sh): recording figures,
# pinning, running xovs-pktgen, reading xovs-guest's reports.
# shellcheck shell=bash
#
# The caller sets RESULTS (the TSV file), SECONDS_PER_RUN, SIZES, MODE,
# TRAFFIC_CPU, PKTGEN and the associative array MAXPPS.

# record PATH METRIC SIZE VALUE UNIT [NOTE]: one figure for table and JSON.
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" \
        >>"$RESULTS"
}

# pin CPU PID: every thread of PID onto CPU.
pin() {
    [[ -n $2 && -d /proc/$2 ]] && taskset -a -p -c "$1" "$2" >/dev/null 2>&1
}

# pktgen NAME ARGS...: one xovs-pktgen run on the traffic core, bounded by
# timeout; its result line on stdout (empty when it failed: logged).
pktgen() {
    local name=$1 out
    shift
    out=$(taskset -c "$TRAFFIC_CPU" timeout $((SECONDS_PER_RUN + 90)) \
        "$PKTGEN" --core="$TRAFFIC_CPU" --seconds="$SECONDS_PER_RUN" "$@" \
        2>"$T_DIR/$name.err")
    if [[ -z $out ]]; then
        log "xovs-pktgen $name failed: $(tail -n 2 "$T_DIR/$name.err" | tr '\n' ' ')"
    fi
    echo "$out"
}

# field KEY LINE: the value of KEY=VALUE in LINE (0 when absent).
field() {
    local v
    v=$(grep -o " $1=[0-9.]*" <<<" $2" | head -n 1 | cut -d= -f2)
    echo "${v:-0}"
}

mpps() {
    awk -v v="$1" 'BEGIN { printf "%.3f", v / 1e6 }'
}

# measure PATH PAIRS...: every frame size flat out on PATH, then (full) the
# 64 B latency at half the measured 64 B rate.  PAIRS are xovs-pktgen
# --pair arguments.
measure() {
    local path=$1 size r pps lost half pair_args=()
    shift
    for p in "$@"; do
        pair_args+=(--pair="$p")
    done
    for size in ${SIZES//,/ }; do
        r=$(pktgen "$path-$size" "${pair_args[@]}" --size="$size")
        pps=$(field rx_pps "$r")
        lost=$(field lost "$r")
        record "$path" pps "$size" "$pps" pps "sent $(field tx_pps "$r") pps, lost $lost"
        log "$path, $size B: $(mpps "$pps") Mpps received (sent $(mpps "$(field tx_pps "$r")"))"
        # shellcheck disable=SC2004 # MAXPPS is the caller's associative array
        [[ $size == 64 ]] && MAXPPS[$path]=$pps
    done
    if [[ $MODE == full && ${MAXPPS[$path]:-0} -gt 0 ]]; then
        half=$((${MAXPPS[$path]%.*} / 2))
        r=$(pktgen "$path-lat" "${pair_args[@]}" --size=64 --rate="$half")
        record "$path" lat_p50 64 "$(field lat_p50_us "$r")" us "at $half pps"
        record "$path" lat_p99 64 "$(field lat_p99_us "$r")" us "at $half pps"
        record "$path" lat_lost 64 "$(field lost "$r")" frames "at $half pps"
        log "$path, 64 B at $half pps: latency p50 $(field lat_p50_us "$r") us," \
            "p99 $(field lat_p99_us "$r") us, lost $(field lost "$r")"
    fi
}

# xovs_guest_pin NAME: xovs-guest NAME onto the traffic core (it is the
# guest).
xovs_guest_pin() {
    pin "$TRAFFIC_CPU" "${GUEST_PID[$1]:-}"
}

# bench_guest NAME DOMID XOVS-GUEST-ARGS...: an xovs-guest without a netns
# (--sink or --generate), registered in GUEST_PID so that netback-lib's
# EXIT trap ends it if the bench is cut short.
bench_guest() {
    local name=$1 domid=$2
    shift 2
    "$XOVS_BIN/xovs-guest" --domid="$domid" --devid=0 \
        --mac="$(guest_mac "$domid" 0)" --xenstore="$XSD_SOCK" \
        -vconsole:off "$@" >"$T_DIR/$name.log" 2>&1 &
    # shellcheck disable=SC2004 # GUEST_PID is netback-lib's associative array
    GUEST_PID[$name]=$!
    disown "${GUEST_PID[$name]}"
    xovs_guest_pin "$name"
}

# median of the numbers on stdin
median() {
    sort -n | awk '{v[NR] = $1} END {print (NR ? v[int((NR + 1) / 2)] : 0)}'
}

# steady KEY LOG: the median of xovs-guest's per-second KEY=N reports in
# LOG, without the first two (warm-up, MAC learning) when there are more.
steady() {
    local v
    v=$(grep -o "$1=[0-9]*" "$2" | cut -d= -f2)
    if [[ $(wc -l <<<"$v") -gt 3 ]]; then
        v=$(tail -n +3 <<<"$v")
    fi
    median <<<"$v"
}
