# tests/integration/evil-lib.sh: the bench for the malicious-frontend tests
# (9?-evil-*.sh): xovs-netback on the emulated platform, a good guest that
# keeps forwarding, and xovs-evil-guest attacks, one case at a time.
# shellcheck shell=bash
#
#   . "$(dirname "$0")/evil-lib.sh"
#   evil_bench_start         # sandbox (bridge br0), xovs-xenstored,
#                            # xovs-netback, peer namespace, good guest
#   run_case NAME FUNCTION   # one PASS/FAIL line; FUNCTION returns 0 or
#                            # sets WHY and returns 1
#   evil_finish              # exit 0 if every case passed, else 1
#
# The bench:
#
#   peer ns (198.18.5.1) --veth pp<ID>--+
#                                       br0 (OVS netdev, host sandbox)
#   good guest ns (198.18.5.2) -- vif1.0+       xovs-netback --platform=emu
#   evil guest domD (no OS) ----- vifD.0+       (--no-offload; hotplug
#                                                script's "bridge" key)
#
# Each case starts one xovs-evil-guest as domain D (never reused), checks
# what netback did to it (vif/show over netback's unixctl socket, its log),
# that netback is alive and answers, that vif1.0 has no error, and that the
# good guest's pings to the peer went through during and after the attack;
# then it ends the evil guest and checks its VIF goes away.
#
# Addresses: 198.18.5.0/24 only, only in this test's namespaces.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

XSD_PID=
NB_PID=
GOOD_PID=
PINGER_PID=
EVIL_PIDS=()
N_PASS=0
N_FAIL=0
FAILED_CASES=()
WHY=
GOOD=good
PEER=peer
PEER_IP=198.18.5.1
GOOD_IP=198.18.5.2
EVIL_IP=198.18.5.99
BR=br0
# Most of the ping loss we accept on the good guest during an attack.
MAX_LOSS_PCT=${XOVS_EVIL_MAX_LOSS_PCT:-5}

# stop_pid PID: SIGTERM, up to 5 s, then SIGKILL; only our own pids.
stop_pid() {
    local pid=$1 i
    [[ -n $pid ]] || return 0
    if pid_running "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            pid_running "$pid" || break
            sleep 0.1
        done
        if pid_running "$pid"; then
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.1
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

# pid_running PID: it exists and is not a zombie.
pid_running() {
    [[ -r /proc/$1/status ]] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

evil_cleanup() {
    local rc=$? p
    trap - ERR
    set +e
    for p in "${EVIL_PIDS[@]}"; do
        stop_pid "$p"
    done
    stop_pid "$PINGER_PID"
    stop_pid "$GOOD_PID"
    if [[ $rc -ne 0 && -n $T_DIR && -r $T_DIR/netback.log ]]; then
        log "--- last lines of netback.log ---"
        tail -n 30 "$T_DIR/netback.log" | sed "s/^/[$TEST_NAME] | /"
    fi
    stop_pid "$NB_PID"
    stop_pid "$XSD_PID"
    (exit "$rc")
    cleanup
}
trap evil_cleanup EXIT

nb_appctl() {
    timeout 5 ovs-appctl -t "$T_DIR/netback.ctl" "$@"
}

# xsread PATH: a xenstore node, as dom0.
xsread() {
    XENSTORED_PATH=$T_DIR/xs.sock xenstore-read "$1" 2>/dev/null
}

evil_bench_start() {
    local p
    require_basics
    for p in xovs-netback xovs-guest xovs-xenstored xovs-evil-guest; do
        [[ -x $XOVS_BIN/$p ]] || fail "$XOVS_BIN/$p not built (make)"
    done
    for p in xenstore-read xenstore-write; do
        command -v "$p" >/dev/null ||
            skip "$p not installed (Debian: xenstore-utils)"
    done
    T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
    export XOVS_EMU_DIR=$T_DIR/emu
    sandbox_start "xe$ID"
    NS=$XOVS_NETNS
    RUNDIR=$OVS_RUNDIR
    unset XOVS_NETNS OVS_RUNDIR OVS_DBDIR OVS_LOGDIR
    vsctl add-br "$BR" -- set Bridge "$BR" datapath_type=netdev
    ip -n "$NS" link set "$BR" up

    "$XOVS_BIN/xovs-xenstored" --socket="$T_DIR/xs.sock" --detach \
        --pidfile="$T_DIR/xs.pid" --log-file="$T_DIR/xenstored.log" ||
        fail "xovs-xenstored did not start"
    XSD_PID=$(tr -dc 0-9 <"$T_DIR/xs.pid")

    # Under ASan a small quarantine, so that VmRSS measures what netback
    # keeps, not what ASan holds back from reuse.
    ip netns exec "$NS" env OVSDB="$OVSDB" XOVS_EMU_DIR="$XOVS_EMU_DIR" \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4" \
        "$XOVS_BIN/xovs-netback" --platform=emu --xenstore="$T_DIR/xs.sock" \
        --no-offload --hotplug-script="$TOP/scripts/vif" \
        --unixctl="$T_DIR/netback.ctl" --detach \
        --pidfile="$T_DIR/netback.pid" --log-file="$T_DIR/netback.log" \
        2>>"$T_DIR/netback.stderr" ||
        fail "xovs-netback did not start: $(tail -n 5 "$T_DIR/netback.stderr")"
    NB_PID=$(tr -dc 0-9 <"$T_DIR/netback.pid")
    log "bench: sandbox $NS, xovs-xenstored $XSD_PID, xovs-netback $NB_PID"

    # The peer: a namespace on br0.
    CLEAN_NETNS+=("$(gns "$PEER")")
    ip netns add "$(gns "$PEER")"
    ip link add "pp$ID" netns "$NS" type veth peer name eth0 \
        netns "$(gns "$PEER")"
    gexec "$PEER" ip link set lo up
    gexec "$PEER" ip addr add "$PEER_IP/24" dev eth0
    gexec "$PEER" ip link set eth0 up
    ip -n "$NS" link set "pp$ID" up
    vsctl add-port "$BR" "pp$ID"

    # The good guest: dom1, a netns OS.
    CLEAN_NETNS+=("$(gns "$GOOD")")
    ip netns add "$(gns "$GOOD")"
    "$XOVS_BIN/xovs-guest" --domid=1 --devid=0 --mac="$(guest_mac 1 0)" \
        --netns="$(gns "$GOOD")" --xenstore="$T_DIR/xs.sock" \
        --bridge="$BR" >"$T_DIR/good.log" 2>&1 &
    GOOD_PID=$!
    wait_until 10 gexec "$GOOD" ip link show eth0 ||
        fail "good guest has no eth0: $(tail -n 5 "$T_DIR/good.log")"
    gexec "$GOOD" ip link set lo up
    gexec "$GOOD" ip addr add "$GOOD_IP/24" dev eth0
    wait_port vif1.0 "$BR"
    expect_ping "$GOOD" "$PEER_IP"
    # Frames aimed at the evil guests: a static neighbour, so the peer
    # sends without an ARP answer.
    gexec "$PEER" ip neigh replace "$EVIL_IP" lladdr "$(guest_mac 10 0)" \
        dev eth0 nud permanent
}

# MEM_SLACK: 1, or 4 for a sanitizer build (its allocator keeps freed memory
# and metadata, so VmRSS bounds are looser there).
# shellcheck disable=SC2034 # used by the scripts that source this
MEM_SLACK=$(grep -q __asan_init "$XOVS_BIN/xovs-netback" 2>/dev/null && echo 4 || echo 1)

# ---- netback's view ---------------------------------------------------------

# vif_show DOMID: vif/show of vif<DOMID>.0.
vif_show() {
    nb_appctl vif/show "vif$1.0"
}

# vif_stat DOMID COUNTER: one counter of vif<DOMID>.0 (empty if none).
vif_stat() {
    vif_show "$1" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}

stat_at_least() {
    local v
    v=$(vif_stat "$1" "$2")
    [[ -n $v && $v -ge $3 ]]
}

vif_disabled() {
    vif_show "$1" 2>/dev/null | grep -q "^  disabled: .*$2"
}

vif_failed() {
    vif_show "$1" 2>/dev/null | grep -q "^vif$1.0: .*, failed"
}

vif_gone() {
    ! nb_appctl vif/show "vif$1.0" >/dev/null 2>&1
}

netback_alive() {
    pid_running "$NB_PID"
}

# ---- expectations: set WHY and return 1 -------------------------------------

# expect_alive: netback runs and answers vif/show within 5 s.
expect_alive() {
    netback_alive || {
        WHY="xovs-netback (pid $NB_PID) is gone"
        return 1
    }
    nb_appctl vif/show >/dev/null || {
        WHY="xovs-netback does not answer vif/show within 5 s"
        return 1
    }
}

# expect_good_vif: vif1.0 connected, not disabled, no errors, no drops by
# reason of the attack.
expect_good_vif() {
    local show
    show=$(vif_show 1) || {
        WHY="no vif1.0 in vif/show"
        return 1
    }
    if ! grep -q "^vif1.0: backend Connected, frontend Connected$" <<<"$show" ||
        grep -q "disabled:" <<<"$show" ||
        [[ $(awk '$1 == "errors" { print $2 }' <<<"$show") != 0 ]]; then
        WHY="the good VIF was harmed: $(head -n 3 <<<"$show" | tr '\n' ' ')"
        return 1
    fi
}

# expect_disabled DOMID REGEX: vif<DOMID>.0 disabled (within 5 s) for a
# reason matching REGEX, with its errors counter at 1.
expect_disabled() {
    if ! wait_until 5 vif_disabled "$1" "$2"; then
        WHY="vif$1.0 not disabled for '$2': $(vif_show "$1" | head -n 2 | tr '\n' ' ')"
        return 1
    fi
    [[ $(vif_stat "$1" errors) -ge 1 ]] || {
        WHY="vif$1.0 disabled but errors=$(vif_stat "$1" errors)"
        return 1
    }
    grep -q "vif$1.0: fatal error, disabling the VIF: .*$2" \
        "$T_DIR/netback.log" || {
        WHY="no 'fatal error' line for vif$1.0 in netback.log"
        return 1
    }
}

# expect_not_disabled DOMID: vif<DOMID>.0 still connected and enabled.
expect_not_disabled() {
    local show
    show=$(vif_show "$1")
    if grep -q "disabled:" <<<"$show" || [[ $(vif_stat "$1" errors) != 0 ]]; then
        WHY="vif$1.0 was disabled, but only a drop was due: $(head -n 2 <<<"$show" | tr '\n' ' ')"
        return 1
    fi
}

# expect_stat DOMID COUNTER MIN: the counter reaches MIN within 5 s.
expect_stat() {
    wait_until 5 stat_at_least "$1" "$2" "$3" || {
        WHY="vif$1.0 $2=$(vif_stat "$1" "$2"), expected at least $3"
        return 1
    }
}

# expect_stat_is DOMID COUNTER VALUE
expect_stat_is() {
    local v
    v=$(vif_stat "$1" "$2")
    [[ $v == "$3" ]] || {
        WHY="vif$1.0 $2=$v, expected $3"
        return 1
    }
}

# ---- the evil guest ---------------------------------------------------------

evil_log() {
    echo "$T_DIR/evil-$1.log"
}

# evil_start DOMID ATTACK [ARGS...]: starts xovs-evil-guest as dom DOMID and
# waits (10 s) until its attack started (a xenstore attack: until it wrote
# its keys and its state).
evil_start() {
    local domid=$1 attack=$2 want
    shift 2
    "$XOVS_BIN/xovs-evil-guest" --domid="$domid" --devid=0 \
        --mac="$(guest_mac "$domid" 0)" --xenstore="$T_DIR/xs.sock" \
        --bridge="$BR" --attack="$attack" "$@" >"$(evil_log "$domid")" 2>&1 &
    EVIL_PIDS+=($!)
    EVIL_PID=$!
    if [[ $attack == xenstore ]]; then
        want="^frontend keys written"
    else
        want="^attack $attack: started"
    fi
    wait_until 10 grep -q "$want" "$(evil_log "$domid")" || {
        WHY="evil guest dom$domid did not get to its attack: $(tail -n 3 "$(evil_log "$domid")" | tr '\n' ' ')"
        return 1
    }
}

# evil_stop DOMID: ends the evil guest (SIGTERM: it sets Closed and removes
# its xenstore nodes as xl would); its VIF must leave netback and OVS.
evil_stop() {
    stop_pid "$EVIL_PID"
    wait_until 10 vif_gone "$1" || {
        WHY="vif$1.0 still in netback 10 s after its guest ended"
        return 1
    }
    wait_until 10 bash -c "! ip netns exec $NS ovs-vsctl --db=$OVSDB --timeout=5 port-to-br vif$1.0" || {
        WHY="port vif$1.0 still on OVS 10 s after its guest ended"
        return 1
    }
}

# evil_said DOMID REGEX: the evil guest's output has a line matching REGEX.
evil_said() {
    grep -Eq "$2" "$(evil_log "$1")"
}

# evil_final DOMID KEY: KEY=value from the evil guest's last stats line.
evil_stat() {
    grep -E '^(stats|final):' "$(evil_log "$1")" | tail -n 1 |
        tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# evil_stat_is DOMID KEY VALUE (for wait_until)
evil_stat_is() {
    [[ $(evil_stat "$1" "$2") == "$3" ]]
}

# evil_stat_ge DOMID KEY MIN (for wait_until)
evil_stat_ge() {
    local v
    v=$(evil_stat "$1" "$2")
    [[ -n $v && $v -ge $3 ]]
}

# ---- the good guest's pings ----------------------------------------------

# pinger_start: the good guest pings the peer every 50 ms until
# pinger_stop.
pinger_start() {
    # Not through gexec (a function: $! would be a subshell).  Background
    # jobs start with SIGINT ignored; ping needs it for its summary.
    ip netns exec "$(gns "$GOOD")" env --default-signal=INT \
        ping -i 0.05 -W 1 "$PEER_IP" >"$T_DIR/pinger.log" 2>&1 &
    PINGER_PID=$!
}

# pinger_stop: stops it; the loss must be at most MAX_LOSS_PCT and at least
# 10 pings sent; then one more ping must pass ("after").
pinger_stop() {
    local sent got i
    # At least a second of pings, however fast the case was.
    while (($(date +%s%N) - PINGER_T0 < 1000000000)); do
        sleep 0.1
    done
    if [[ -n $PINGER_PID ]]; then
        kill -INT "$PINGER_PID" 2>/dev/null || true
        for ((i = 0; i < 30; i++)); do
            pid_running "$PINGER_PID" || break
            sleep 0.1
        done
        stop_pid "$PINGER_PID"
        PINGER_PID=
    fi
    sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T_DIR/pinger.log")
    got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T_DIR/pinger.log")
    if [[ -z $sent || -z $got || $sent -lt 10 ]]; then
        WHY="good guest's pinger: no summary ($(tail -n 2 "$T_DIR/pinger.log" | tr '\n' ' '))"
        return 1
    fi
    # The ping in flight when it was stopped is not lost.
    if (((sent - 1 - got) * 100 > sent * MAX_LOSS_PCT)); then
        WHY="good guest lost pings during the attack: $got of $sent answered"
        return 1
    fi
    PING_SUMMARY="$got/$sent pings"
    gexec "$GOOD" ping -c 3 -i 0.2 -W 1 "$PEER_IP" >/dev/null 2>&1 || {
        WHY="good guest cannot ping the peer after the attack"
        return 1
    }
}

# ---- cases ----------------------------------------------------------------

# run_case NAME FUNCTION [ARGS...]: runs one case with the good guest's
# pinger around it and the common checks after it.
run_case() {
    local name=$1 start=$SECONDS
    shift
    WHY=
    PING_SUMMARY=
    EVIL_PID=
    pinger_start
    PINGER_T0=$(date +%s%N)
    if "$@" && expect_alive && expect_good_vif && pinger_stop; then
        N_PASS=$((N_PASS + 1))
        log "PASS: $name ($((SECONDS - start)) s; $PING_SUMMARY${NOTE:+; $NOTE})"
    else
        N_FAIL=$((N_FAIL + 1))
        FAILED_CASES+=("$name")
        log "FAIL: $name: ${WHY:-(no reason given)}"
        [[ -n $EVIL_PID ]] && stop_pid "$EVIL_PID"
        stop_pid "$PINGER_PID"
        PINGER_PID=
        log "--- last lines of netback.log ---"
        tail -n 15 "$T_DIR/netback.log" | sed "s/^/[$TEST_NAME] | /"
        if ! netback_alive; then
            log "xovs-netback died: every later case would fail too"
            evil_finish
        fi
    fi
    NOTE=
}

# next_domid: a fresh domid for each case (10, 11, ...).
NEXT_DOMID=10
next_domid() {
    DOMID=$NEXT_DOMID
    NEXT_DOMID=$((NEXT_DOMID + 1))
    # Frames the peer aims at the evil guest go to this one's MAC.
    gexec "$PEER" ip neigh replace "$EVIL_IP" lladdr "$(guest_mac "$DOMID" 0)" \
        dev eth0 nud permanent
}

evil_finish() {
    if [[ $N_FAIL -eq 0 ]]; then
        log "all $N_PASS cases passed"
        pass
    fi
    log "$N_FAIL of $((N_PASS + N_FAIL)) cases failed: ${FAILED_CASES[*]}"
    exit 1
}
