# tests/integration/netback-lib.sh: helpers for the xovs-netback tests
# (71-79), on top of lib.sh.
# shellcheck shell=bash
#
#   . "$(dirname "$0")/netback-lib.sh"
#   nb_host_start          # sandbox + agent + xovs-xenstored + xovs-netback
#   net=$(xovs network-create name-label=n)
#   nb_guest ga 1 0 "$net" 198.18.0.1/24     # VIF record, then xovs-guest
#   ...
#   pass
#
# The picture: xovs-xenstored (unix socket in $T_DIR) plays xenstored;
# xovs-netback --platform=emu runs in the host sandbox's namespace, so its
# taps vif<D>.<N> are where OVS is; each guest is an xovs-guest process whose
# eth0 (a tap) lives in the guest's namespace.  The guest writes the
# xenstore nodes as xl would; netback runs scripts/vif, which finds the
# agent's VIF record (domid, device) and plugs it.
#
# Everything started here is ended by pid from the EXIT trap (guests,
# netback, xenstored), before lib.sh removes the sandbox and namespaces.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

XSD_SOCK=            # xovs-xenstored's socket
XSD_PID=
NB_PID=
NB_CTL=              # netback's unixctl socket
# More xovs-netback options (set before nb_host_start; XOVS_NETBACK_ARGS
# adds some from the environment).
read -r -a NB_EXTRA_ARGS <<<"${XOVS_NETBACK_ARGS:-}"
# A command xovs-xenstored and xovs-netback run under, e.g.
# (prlimit --nofile=1024:) for the fd limit systemd gives a service.
NB_WRAP=()
declare -A GUEST_PID=()   # guest name -> xovs-guest pid
NB_BG_PIDS=()             # nb_gexec_bg commands, ended by the EXIT trap
NB_BG_PID=                # the last one

nb_cleanup() {
    local rc=$? g
    trap - ERR
    set +e
    for g in "${NB_BG_PIDS[@]}"; do
        # Only while it is still our child: a pid already reaped may have
        # been reused by someone else's process.
        [[ $(ps -o ppid= -p "$g" 2>/dev/null | tr -d ' ') == "$$" ]] || continue
        kill "$g" 2>/dev/null
        wait "$g" 2>/dev/null
    done
    for g in "${!GUEST_PID[@]}"; do
        nb_guest_stop "$g" >/dev/null 2>&1
    done
    if [[ $T_FAILED -eq 1 && -n $T_DIR && -r $T_DIR/netback.log ]]; then
        log "--- last lines of netback.log ---"
        tail -n 40 "$T_DIR/netback.log" | sed "s/^/[$TEST_NAME] | /"
    fi
    nb_netback_stop >/dev/null 2>&1
    nb_stop_pid "$XSD_PID"
    XSD_PID=
    (exit "$rc")
    cleanup
}
trap nb_cleanup EXIT

# nb_stop_pid PID: TERM, wait up to 10 s, then KILL.
nb_stop_pid() {
    local pid=$1 i
    [[ -n $pid && -d /proc/$pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        [[ -d /proc/$pid ]] || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
}

nb_require() {
    local p
    for p in xovs-netback xovs-guest xovs-xenstored; do
        [[ -x $XOVS_BIN/$p ]] || fail "$XOVS_BIN/$p not built (make)"
    done
    for p in xenstore-read xenstore-write xenstore-rm xenstore-ls; do
        command -v "$p" >/dev/null ||
            skip "$p not installed (Debian: xenstore-utils; the hotplug script needs it)"
    done
}

# nb_host_start: host_start, then xovs-xenstored and xovs-netback.
nb_host_start() {
    nb_require
    host_start
    mkdir -p "$T_DIR/emu"
    export XOVS_EMU_DIR=$T_DIR/emu
    XSD_SOCK=$T_DIR/xs.sock
    export XENSTORED_PATH=$XSD_SOCK
    "${NB_WRAP[@]}" "$XOVS_BIN/xovs-xenstored" -vconsole:off \
        --socket="$XSD_SOCK" --detach --pidfile="$T_DIR/xenstored.pid" \
        --log-file="$T_DIR/xenstored.log" 2>>"$T_DIR/xenstored.stderr" ||
        fail "xovs-xenstored did not start"
    XSD_PID=$(tr -dc 0-9 <"$T_DIR/xenstored.pid")
    log "xovs-xenstored running (pid $XSD_PID, $XSD_SOCK)"
    nb_netback_start
}

# nb_netback_start: xovs-netback in the host namespace (again, after
# nb_netback_kill).
nb_netback_start() {
    NB_CTL=$T_DIR/netback.ctl
    rm -f "$T_DIR/netback.pid"
    ip netns exec "$NS" "${NB_WRAP[@]}" env XOVS="$XOVS_BIN/xovs" \
        OVSDB="$OVSDB" "$XOVS_BIN/xovs-netback" --platform=emu \
        --xenstore="$XSD_SOCK" \
        --agent-rpc="unix:$XOVS_RUNDIR/agent-internal.sock" \
        --hotplug-script="$TOP/scripts/vif" --unixctl="$NB_CTL" \
        "${NB_EXTRA_ARGS[@]}" -vconsole:off --detach \
        --pidfile="$T_DIR/netback.pid" --log-file="$T_DIR/netback.log" \
        2>>"$T_DIR/netback.stderr" ||
        fail "xovs-netback did not start: $(tail -n 5 "$T_DIR/netback.stderr")"
    NB_PID=$(tr -dc 0-9 <"$T_DIR/netback.pid")
    log "xovs-netback running (pid $NB_PID)"
}

# nb_netback_kill [SIGNAL]: ends xovs-netback by its pid (default KILL) and
# waits for it to be gone.
nb_netback_kill() {
    local sig=${1:-KILL} i
    [[ -n $NB_PID ]] || return 0
    kill "-$sig" "$NB_PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        [[ -d /proc/$NB_PID ]] || break
        sleep 0.1
    done
    [[ ! -d /proc/$NB_PID ]] || fail "xovs-netback (pid $NB_PID) did not end on SIG$sig"
    NB_PID=
}

nb_netback_stop() {
    [[ -n $NB_PID ]] || return 0
    nb_stop_pid "$NB_PID"
    NB_PID=
}

nb_appctl() {
    hexec ovs-appctl -t "$NB_CTL" "$@"
}

# nb_vif_record NAME DOMID DEVID NETWORK [vif-create args...]: the VIF record
# the hotplug script will find; prints its uuid.
nb_vif_record() {
    local name=$1 domid=$2 devid=$3 net=$4
    shift 4
    xovs vif-create vm-uuid="$(new_uuid)" domid="$domid" device="$devid" \
        network-uuid="$net" mac="$(guest_mac "$domid" "$devid")" "$@" ||
        fail "vif-create for $name"
}

# nb_guest_start NAME DOMID DEVID ADDR/PREFIX [xovs-guest args...]: the
# guest's namespace (created once) and its xovs-guest with eth0 in it,
# configured with ADDR.  Does not wait for the VIF to connect.
nb_guest_start() {
    local name=$1 domid=$2 devid=$3 addr=$4 g i
    shift 4
    g=$(gns "$name")
    if ! [[ -e /run/netns/$g ]]; then
        CLEAN_NETNS+=("$g")
        ip netns add "$g"
        ip -n "$g" link set lo up
    fi
    "$XOVS_BIN/xovs-guest" --domid="$domid" --devid="$devid" \
        --mac="$(guest_mac "$domid" "$devid")" --netns="$g" \
        --xenstore="$XSD_SOCK" -vconsole:info "$@" \
        >>"$T_DIR/guest-$name.log" 2>&1 &
    GUEST_PID[$name]=$!
    disown "${GUEST_PID[$name]}" # no "Killed" from bash when we kill it
    for ((i = 0; i < 100; i++)); do
        ip -n "$g" link show eth0 >/dev/null 2>&1 && break
        [[ -d /proc/${GUEST_PID[$name]} ]] ||
            fail "xovs-guest $name exited: $(tail -n 5 "$T_DIR/guest-$name.log")"
        sleep 0.1
    done
    ip -n "$g" link show eth0 >/dev/null 2>&1 || fail "no eth0 in $g"
    ip -n "$g" addr add "$addr" dev eth0
    ip -n "$g" link set eth0 up
    log "guest $name: xovs-guest pid ${GUEST_PID[$name]}, vif$domid.$devid, eth0 $addr in $g"
}

# nb_guest NAME DOMID DEVID NETWORK ADDR/PREFIX [vif-create args...]: VIF
# record + guest; waits until its VIF is connected; prints nothing.
nb_guest() {
    local name=$1 domid=$2 devid=$3 net=$4 addr=$5
    shift 5
    nb_vif_record "$name" "$domid" "$devid" "$net" "$@" >/dev/null
    nb_guest_start "$name" "$domid" "$devid" "$addr"
    nb_wait_connected "$domid" "$devid"
}

# nb_guest_stop NAME: SIGTERM (a clean close), wait.
nb_guest_stop() {
    local name=$1
    nb_stop_pid "${GUEST_PID[$name]:-}"
    unset "GUEST_PID[$name]"
}

# nb_guest_kill NAME: SIGKILL, as a crashed domain.
nb_guest_kill() {
    local name=$1 pid i
    pid=${GUEST_PID[$name]:-}
    [[ -n $pid ]] || return 0
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        [[ -d /proc/$pid ]] || break
        sleep 0.1
    done
    unset "GUEST_PID[$name]"
}

# nb_guest_rings NAME: guest NAME's counters per ring, now (xovs-guest prints
# them on SIGUSR1): one line per ring ever connected,
# "queue=N tx_packets=.. tx_bytes=.. rx_packets=.. rx_bytes=..", and with
# --rss "rss=on|off hashed=.. bad_hash=.. wrong_queue=.. unhashed=..".
nb_guest_rings() {
    local name=$1 log pid n
    log=$T_DIR/guest-$name.log
    pid=${GUEST_PID[$name]:-}
    [[ -n $pid ]] || fail "no guest $name"
    n=$(grep -c '^tx_packets=' "$log" || true)
    kill -USR1 "$pid"
    wait_until 5 nb_more_lines "$log" '^tx_packets=' "$n" ||
        fail "guest $name did not print its counters"
    awk '/^tx_packets=/ { n = NR } { l[NR] = $0 }
        END { for (i = n + 1; i <= NR; i++) if (l[i] ~ /^(queue|rss)=/) print l[i] }' "$log"
}

# nb_more_lines FILE REGEX N: FILE has more than N lines matching REGEX.
nb_more_lines() {
    [[ $(grep -c -- "$2" "$1") -gt $3 ]]
}

# ring_field LINES QUEUE FIELD: FIELD (e.g. tx_packets) of ring QUEUE in
# nb_guest_rings output LINES (0 if absent); QUEUE "rss" for the rss line.
ring_field() {
    awk -v q="queue=$2" -v f="$3" '$1 == q || ($1 ~ /^rss=/ && q == "queue=rss") {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) v = kv[2] } }
        END { print (v == "" ? 0 : v) }' <<<"$1"
}

# xs_read PATH: xenstore-read against our xenstored.
xs() {
    XENSTORED_PATH=$XSD_SOCK "$@"
}

be_path() {
    echo "/local/domain/0/backend/vif/$1/$2"
}

# vif_connected DOMID DEVID: backend and frontend state 4 and the tap is
# on an OVS bridge.
vif_connected() {
    local be fe
    be=$(be_path "$1" "$2")
    [[ $(xs xenstore-read "$be/state" 2>/dev/null) == 4 ]] || return 1
    fe=$(xs xenstore-read "$be/frontend" 2>/dev/null) || return 1
    [[ $(xs xenstore-read "$fe/state" 2>/dev/null) == 4 ]] || return 1
    vsctl port-to-br "vif$1.$2" >/dev/null 2>&1
}

# nb_wait_connected DOMID DEVID [SECONDS]
nb_wait_connected() {
    local t=${3:-20}
    wait_until "$t" vif_connected "$1" "$2" ||
        fail "vif$1.$2 not connected within ${t}s (backend state" \
            "$(xs xenstore-read "$(be_path "$1" "$2")/state" 2>/dev/null)," \
            "hotplug-status $(xs xenstore-read "$(be_path "$1" "$2")/hotplug-status" 2>/dev/null);" \
            "$(nb_appctl vif/show "vif$1.$2" 2>&1 | head -n 3 | tr '\n' ' '))"
    log "ok: vif$1.$2 connected (xenstore state 4/4, port on $(vsctl port-to-br "vif$1.$2"))"
}

# nb_stat VIF NAME: one counter from vif/show.
nb_stat() {
    nb_appctl vif/show "$1" | awk -v k="$2" '$1 == k { print $2 }'
}

# nb_gexec_bg NAME CMD...: CMD in guest NAME's namespace, in the background
# (redirect the call's output as needed).  Its pid is NB_BG_PID (CMD's own:
# ip netns exec execs it, unlike a backgrounded gexec, whose pid is a
# subshell's and whose CMD a kill would miss); the EXIT trap ends it.
nb_gexec_bg() {
    local g=$1
    shift
    ip netns exec "$(gns "$g")" "$@" &
    NB_BG_PID=$!
    NB_BG_PIDS+=("$NB_BG_PID")
}

# nb_iperf CLIENT SERVER-NAME SERVER-ADDR SECONDS: TCP iperf3 from guest
# CLIENT to guest SERVER-NAME; prints the receiver's rate in Mbit/s.
nb_iperf() {
    local c=$1 s=$2 addr=$3 secs=$4 spid out rate
    nb_gexec_bg "$s" iperf3 -s -1 -B "$addr" >"$T_DIR/iperf3-server.log" 2>&1
    spid=$NB_BG_PID
    wait_until 5 grep -q "listening" "$T_DIR/iperf3-server.log" || true
    out=$T_DIR/iperf3.json
    if ! gexec "$c" timeout $((secs + 15)) iperf3 -c "$addr" -t "$secs" -J >"$out" 2>&1; then
        kill "$spid" 2>/dev/null || true
        wait "$spid" 2>/dev/null || true
        log "iperf3 failed: $(grep -m1 '"error"' "$out")"
        echo 0
        return 1
    fi
    wait "$spid" 2>/dev/null || true
    rate=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.1f" % (d["end"]["sum_received"]["bits_per_second"]/1e6))' "$out" 2>/dev/null) || rate=0
    echo "$rate"
}
