# bench/bench-lib.sh: what bench/xovs-bench and bench/xovs-bench-dpdk share
# (sourced after tests/integration/netback-lib.sh): recording figures,
# pinning, running xovs-pktgen, reading xovs-guest's reports.
# shellcheck shell=bash
#
# The caller sets RESULTS (the TSV file), SECONDS_PER_RUN, SIZES, MODE,
# TRAFFIC_CPU, SWITCH_CPU, PKTGEN and the associative array MAXPPS; and
# may set SUSTAIN (seconds at 90 % of each path's 64 B maximum after its
# flat-out rows; 0: none), PROFILE (1: perf profiles of the switch and
# traffic cores, see profile_start) and PROFILE_DIR (where the profiles
# go).  xovs-bench passes them on to xovs-bench-dpdk in its environment.
SUSTAIN=${SUSTAIN:-0}
PROFILE=${PROFILE:-0}
PROFILE_DIR=${PROFILE_DIR:-} # empty: the run's scratch directory (T_DIR)
# Seconds each profile records (of a flat-out run of its own, see
# profile_run); perf's sampling frequency.
PROFILE_SECONDS=${PROFILE_SECONDS:-4}
PROFILE_FREQ=${PROFILE_FREQ:-999}
declare -A PROF_PID=()

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

# measure PATH PAIRS...: every frame size flat out on PATH, then (PROFILE)
# a separate 64 B flat-out run under perf, (full) the 64 B latency at half
# the measured 64 B rate and (SUSTAIN) SUSTAIN seconds at 90 % of it.
# PAIRS are xovs-pktgen --pair arguments.
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
    profile_run "$path" "${pair_args[@]}"
    if [[ $MODE == full && ${MAXPPS[$path]:-0} -gt 0 ]]; then
        half=$((${MAXPPS[$path]%.*} / 2))
        r=$(pktgen "$path-lat" "${pair_args[@]}" --size=64 --rate="$half")
        record "$path" lat_p50 64 "$(field lat_p50_us "$r")" us "at $half pps"
        record "$path" lat_p99 64 "$(field lat_p99_us "$r")" us "at $half pps"
        # Frames sent in the measured seconds that never came (not those
        # sent while the path was coming up).
        record "$path" lat_lost 64 "$(field m_lost "$r")" frames \
            "at $half pps, of $(field m_sent "$r") sent"
        log "$path, 64 B at $half pps: latency p50 $(field lat_p50_us "$r") us," \
            "p99 $(field lat_p99_us "$r") us, lost $(field m_lost "$r")"
    fi
    sustain "$path" "$@"
}

# sustain PATH PAIRS...: (SUSTAIN > 0) 64 B frames at 90 % of PATH's
# measured 64 B maximum (MAXPPS) for SUSTAIN seconds; records what was sent
# and received in those seconds (sustain_record).  xovs-pktgen waits for
# the frames still in flight when it stops sending (up to 5 s while they
# keep coming), so only frames that never came count as lost.
sustain() {
    local path=$1 max rate r pair_args=()
    shift
    ((${SUSTAIN:-0} > 0)) || return 0
    max=${MAXPPS[$path]:-0}
    max=${max%.*}
    if ((max <= 0)); then
        log "$path: no 64 B maximum measured: no sustained run"
        return 0
    fi
    for p in "$@"; do
        pair_args+=(--pair="$p")
    done
    rate=$((max * 9 / 10))
    log "$path: 64 B at $rate pps (90 % of $max) for $SUSTAIN s"
    r=$(SECONDS_PER_RUN=$SUSTAIN pktgen "$path-sustain" "${pair_args[@]}" \
        --size=64 --rate="$rate")
    sustain_record "$path" 64 "$rate" "$SUSTAIN" "$(field m_sent "$r")" \
        "$(field m_received "$r")"
}

# sustain_record PATH SIZE RATE SECONDS SENT RECEIVED: the figures of one
# sustained run (frames of SIZE offered at RATE pps for SECONDS): frames
# lost, their fraction of those sent, and what report.py needs to show
# them (bench/xovs-bench-dpdk calls it for its xovs-guest generator).
sustain_record() {
    local path=$1 size=$2 rate=$3 secs=$4 sent=${5:-0} recvd=${6:-0}
    local lost ratio pps note
    [[ $sent =~ ^[0-9]+$ ]] || sent=0
    [[ $recvd =~ ^[0-9]+$ ]] || recvd=0
    [[ $secs =~ ^[0-9]+$ ]] || secs=0
    lost=$((sent > recvd ? sent - recvd : 0))
    ratio=$(awk -v l="$lost" -v s="$sent" 'BEGIN { printf "%.6f", s ? l / s : 0 }')
    pps=$(awk -v n="$sent" -v s="$secs" 'BEGIN { printf "%.0f", s ? n / s : 0 }')
    note="at $rate pps for $secs s, sent $sent, received $recvd"
    ((sent > 0)) || note="failed: nothing sent ($note)"
    record "$path" sustain_lost "$size" "$lost" frames "$note"
    record "$path" sustain_loss_ratio "$size" "$ratio" fraction "lost / sent"
    record "$path" sustain_rate "$size" "$rate" pps "offered"
    record "$path" sustain_sent_pps "$size" "$pps" pps "sent / seconds"
    record "$path" sustain_seconds "$size" "$secs" s ""
    record "$path" sustain_sent "$size" "$sent" frames ""
    record "$path" sustain_received "$size" "$recvd" frames ""
    log "$path, $size B at $rate pps for $secs s: sent $sent ($pps pps)," \
        "received $recvd, lost $lost ($(awk -v r="$ratio" \
            'BEGIN { printf "%.4f", r * 100 }') %)"
}

# ---- profiles: where a figure's time goes ----
# perf record on the switch core (SWITCH_CPU: ovs-vswitchd, its PMD,
# xovs-netback) and on the traffic core (TRAFFIC_CPU: xovs-pktgen, the
# xovs-guests) while a path runs flat out; PROFILE_DIR/profile-NAME.txt
# (switch core) and profile-NAME-traffic.txt get the top symbols by self
# time and the call chains of the biggest.

# profile_on: PROFILE asked for and perf there (logged once if not).
PROFILE_CHECKED=
profile_on() {
    [[ ${PROFILE:-0} == 1 ]] || return 1
    if [[ -z $PROFILE_CHECKED ]]; then
        PROFILE_CHECKED=yes
        if ! command -v perf >/dev/null ||
            ! perf record -q -C "$SWITCH_CPU" -o /dev/null -- true \
                >"$T_DIR/perf-check.log" 2>&1; then
            log "perf missing or not working: no profiles" \
                "($(tail -n 1 "$T_DIR/perf-check.log" 2>/dev/null))"
            PROFILE_CHECKED=no
        fi
    fi
    [[ $PROFILE_CHECKED == yes ]]
}

# profile_start NAME: perf record -g on the switch and traffic cores until
# profile_stop NAME (at most 300 s: perf's workload is a sleep, so that a
# bench cut short leaves no recorder running).  Not from a subshell:
# profile_stop waits for the recorders.
profile_start() {
    local name=$1 tag cpu
    profile_on || return 0
    for tag in switch traffic; do
        cpu=$SWITCH_CPU
        [[ $tag == traffic ]] && cpu=$TRAFFIC_CPU
        perf record -q -C "$cpu" -g -F "$PROFILE_FREQ" \
            -o "$T_DIR/perf-$name-$tag.data" -- sleep 300 \
            >"$T_DIR/perf-$name-$tag.log" 2>&1 &
        PROF_PID[$name-$tag]=$!
    done
}

# profile_stop NAME: ends NAME's recorders and writes its two profiles;
# records them (metrics profile_switch, profile_traffic: the share of the
# core's samples that were idle; the note names the file, the four
# commands that used the core most and the top three symbols).
profile_stop() {
    local name=$1 tag pid data out flat comms top idle
    local dir=${PROFILE_DIR:-$T_DIR} tags=() pids=()
    # Both recorders end before either report runs (perf report's own
    # work is not in the other core's profile).
    for tag in switch traffic; do
        pid=${PROF_PID[$name-$tag]:-}
        [[ -n $pid ]] || continue
        unset "PROF_PID[$name-$tag]"
        kill -INT "$pid" 2>/dev/null
        tags+=("$tag")
        pids+=("$pid")
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null
    done
    for tag in "${tags[@]}"; do
        data=$T_DIR/perf-$name-$tag.data
        out=$dir/profile-$name.txt
        [[ $tag == traffic ]] && out=$dir/profile-$name-traffic.txt
        flat=$(profile_top "$data")
        comms=$(profile_top "$data" comm)
        profile_report "$name" "$tag" "$data" "$flat" "$comms" >"$out"
        top=$(head -n 3 <<<"$flat" |
            awk '{ printf "%s%s %s %s %s", (NR > 1 ? "; " : ""), $1, $2, $3, $NF }')
        idle=$(awk '$2 == "swapper" { print $1 + 0; f = 1 } END { if (!f) print 0 }' \
            <<<"$comms")
        comms=$(head -n 4 <<<"$comms" |
            awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')
        record "$name" "profile_$tag" 64 "$idle" "% idle" \
            "$out: by command $comms; top symbols $top"
        log "profile $name, $tag core: by command $comms; top symbols $top ($out)"
        rm -f "$data" "$data.old"
    done
}

# profile_top DATA [SORT]: perf report's entries, biggest self time first
# (overhead, then SORT's keys: by default command, shared object, [k]/[.]
# and symbol).
profile_top() {
    perf report -i "$1" --stdio --no-children --sort "${2:-comm,dso,sym}" \
        -g none 2>/dev/null | grep -v '^#' | grep -v '^[[:space:]]*$'
}

# profile_report NAME TAG DATA FLAT COMMS: the profile file's text (FLAT,
# COMMS: profile_top's lines by symbol and by command).
profile_report() {
    local name=$1 tag=$2 data=$3 flat=$4 comms=$5 cpu=$SWITCH_CPU
    [[ $tag == traffic ]] && cpu=$TRAFFIC_CPU
    echo "# xovs-bench profile of $name, $tag core (CPU $cpu): perf record -C $cpu" \
        "-g -F $PROFILE_FREQ, about $PROFILE_SECONDS s while 64 B frames ran flat out"
    echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average" \
        "$(cut -d' ' -f1-3 /proc/loadavg); samples of every process on the" \
        "core (swapper: idle)"
    echo "# the core's samples by command"
    head -n 12 <<<"$comms"
    echo
    echo "# top 25 by self time: overhead, command, shared object, symbol"
    head -n 25 <<<"$flat"
    echo
    echo "# call chains of the entries above 5 % (from the sampled function" \
        "up to its callers)"
    perf report -i "$data" --stdio --no-children --sort comm,dso,sym \
        -g graph,0.5,callee,function,percent --percent-limit 5 2>/dev/null |
        grep -v '^#' | cat -s | head -n 200
}

# profile_run PATH PAIR-ARGS...: (PROFILE) a 64 B flat-out run of its own
# after the measured ones (the recorder's cost stays out of the figures),
# profiled for PROFILE_SECONDS once its warm-up is over.
profile_run() {
    local path=$1 pid i err=$T_DIR/$1-prof.err
    shift
    profile_on || return 0
    taskset -c "$TRAFFIC_CPU" timeout $((PROFILE_SECONDS + 90)) \
        "$PKTGEN" --core="$TRAFFIC_CPU" --seconds=$((PROFILE_SECONDS + 1)) \
        "$@" --size=64 >"$T_DIR/$path-prof.out" 2>"$err" &
    pid=$!
    for ((i = 0; i < 300; i++)); do
        grep -q measuring "$err" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if grep -q measuring "$err"; then
        profile_start "$path"
        sleep "$PROFILE_SECONDS"
        profile_stop "$path"
    else
        log "$path: no traffic for the profile run: no profile"
    fi
    wait "$pid"
}

# profile_kill: ends recorders still running (the bench was cut short).
profile_kill() {
    local k
    for k in "${!PROF_PID[@]}"; do
        kill -INT "${PROF_PID[$k]}" 2>/dev/null
    done
    PROF_PID=()
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
