#!/bin/bash
# Malicious frontend flipping its xenbus state (issue 11, guest isolation),
# end to end against xovs-netback on the emulated platform:
#
#   state-cycle (Unknown/Initialising in a tight loop): netback unplugs the
#   VIF once (one hotplug online, one offline, tap gone, backend Closed)
#   and then ignores the frontend -- no tap/hotplug loop -- while a second,
#   honest guest started during the storm connects and pings; the VIF stays
#   down although the frontend says Initialising, until the toolstack sets
#   the backend up again (backend state Initialising): then it is probed
#   (tap back, hotplug online once more).
#
#   watch-reconnect (Initialising/Connected in a tight loop): netback acts
#   on the frontend's changes at a bounded rate (vif/show counts the
#   waits), connects the VIF a bounded number of times, and the lines the
#   guest causes in netback.log are bounded by its VIF's log limit.
#
# Always (evil-lib's run_case): netback alive, vif1.0 unharmed, the good
# guest's pings answered during and after, the evil VIF gone once its guest
# ends.
# shellcheck source=tests/integration/evil-lib.sh
. "$(dirname "$0")/evil-lib.sh"

evil_bench_start

HONEST=honest
HONEST_IP=198.18.5.3
HONEST_PID=

# shellcheck disable=SC2317 # called from the cases run_case runs
be_dir() {
    echo "/local/domain/0/backend/vif/$1/0"
}

# shellcheck disable=SC2317 # called from the cases run_case runs
be_state_is() {
    [[ $(xsread "$(be_dir "$1")/state") == "$2" ]]
}

# shellcheck disable=SC2317 # called from the cases run_case runs
tap_exists() {
    ip -n "$NS" link show "vif$1.0" >/dev/null 2>&1
}

# nb_lines_since MARK REGEX: netback.log lines after line MARK matching
# REGEX (a count).
# shellcheck disable=SC2317 # called from the cases run_case runs
nb_lines_since() {
    tail -n +$(($1 + 1)) "$T_DIR/netback.log" | grep -cE -- "$2" || true
}

# shellcheck disable=SC2317 # called from the cases run_case runs
nb_mark() {
    wc -l <"$T_DIR/netback.log"
}

# honest_start DOMID: a well-behaved xovs-guest with its own namespace
# (198.18.5.3) on br0, started while the attack runs.
# shellcheck disable=SC2317 # called from the cases run_case runs
honest_start() {
    local domid=$1
    if ! [[ -e /run/netns/$(gns "$HONEST") ]]; then
        CLEAN_NETNS+=("$(gns "$HONEST")")
        ip netns add "$(gns "$HONEST")"
        gexec "$HONEST" ip link set lo up
    fi
    "$XOVS_BIN/xovs-guest" --domid="$domid" --devid=0 \
        --mac="$(guest_mac "$domid" 0)" --netns="$(gns "$HONEST")" \
        --xenstore="$T_DIR/xs.sock" --bridge="$BR" \
        >"$T_DIR/honest-$domid.log" 2>&1 &
    HONEST_PID=$!
    EVIL_PIDS+=("$HONEST_PID") # ended by the EXIT trap too
    wait_until 10 gexec "$HONEST" ip link show eth0 || {
        WHY="honest guest has no eth0: $(tail -n 3 "$T_DIR/honest-$domid.log" | tr '\n' ' ')"
        return 1
    }
    gexec "$HONEST" ip addr replace "$HONEST_IP/24" dev eth0
}

# cycle_case: state-cycle; the honest guest connects meanwhile.
# shellcheck disable=SC2317 # run by run_case
cycle_case() {
    local mark n_hotplug honest=60 show
    next_domid
    mark=$(nb_mark)
    evil_start "$DOMID" state-cycle --duration=4 || return 1
    honest_start "$honest" || return 1
    wait_until 10 gexec "$HONEST" ping -c 1 -W 1 "$PEER_IP" || {
        WHY="the honest guest (vif$honest.0) cannot ping the peer during the storm: $(vif_show "$honest" 2>&1 | head -n 2 | tr '\n' ' ')"
        return 1
    }
    wait_until 10 evil_said "$DOMID" "attack state-cycle: finished" || {
        WHY="the storm did not end"
        return 1
    }
    n_hotplug=$(nb_lines_since "$mark" "vif$DOMID\.0: running .* (online|offline)")
    ((n_hotplug <= 2)) || {
        WHY="the hotplug script ran $n_hotplug times for vif$DOMID.0 during the storm (at most 2: online, offline)"
        return 1
    }
    ! tap_exists "$DOMID" || {
        WHY="tap vif$DOMID.0 is still there: the VIF was not unplugged"
        return 1
    }
    be_state_is "$DOMID" 6 || {
        WHY="backend state $(xsread "$(be_dir "$DOMID")/state"), expected 6 (Closed)"
        return 1
    }
    show=$(vif_show "$DOMID" | head -n 1)
    [[ $show == *unplugged* ]] || {
        WHY="vif/show does not say unplugged: $show"
        return 1
    }

    # The frontend asks again (Initialising): nothing happens.
    XENSTORED_PATH=$T_DIR/xs.sock xenstore-write \
        "/local/domain/$DOMID/device/vif/0/state" 1
    sleep 2
    ! tap_exists "$DOMID" || {
        WHY="the frontend alone got vif$DOMID.0 re-plugged"
        return 1
    }
    n_hotplug=$(nb_lines_since "$mark" "vif$DOMID\.0: running .* (online|offline)")
    ((n_hotplug <= 2)) || {
        WHY="hotplug ran again ($n_hotplug) on the frontend's word"
        return 1
    }

    # The toolstack sets the backend up again: probed.
    XENSTORED_PATH=$T_DIR/xs.sock xenstore-write "$(be_dir "$DOMID")/state" 1
    wait_until 5 tap_exists "$DOMID" || {
        WHY="vif$DOMID.0 not probed after the toolstack set backend state 1"
        return 1
    }
    wait_until 5 bash -c "[[ \$(tail -n +$((mark + 1)) '$T_DIR/netback.log' | grep -cE 'vif$DOMID\.0: running .* online') -ge 2 ]]" || {
        WHY="no second hotplug online for vif$DOMID.0 after the reset"
        return 1
    }
    gexec "$HONEST" ping -c 3 -i 0.2 -W 1 "$PEER_IP" >/dev/null || {
        WHY="the honest guest cannot ping the peer after the storm"
        return 1
    }
    NOTE="hotplug ran $n_hotplug times during the storm; honest vif$honest.0 connected"
    stop_pid "$HONEST_PID"
    wait_until 10 vif_gone "$honest" || {
        WHY="vif$honest.0 still in netback after the honest guest ended"
        return 1
    }
    evil_stop "$DOMID"
}

# reconnect_case: Initialising/Connected in a tight loop.
# shellcheck disable=SC2317 # run by run_case
reconnect_case() {
    local mark n_conn n_lines throttled
    next_domid
    mark=$(nb_mark)
    evil_start "$DOMID" watch-reconnect --duration=4 || return 1
    wait_until 10 evil_said "$DOMID" "attack watch-reconnect: finished" || {
        WHY="the storm did not end"
        return 1
    }
    n_conn=$(nb_lines_since "$mark" "vif$DOMID\.0: connected:")
    n_lines=$(nb_lines_since "$mark" "vif$DOMID\.0")
    throttled=$(vif_show "$DOMID" | sed -n 's/.*fe_throttled=\([0-9]*\).*/\1/p')
    # Budget: 16 at once, then 8 a second, over about 5 s of storm.
    ((n_conn <= 40)) || {
        WHY="vif$DOMID.0 connected $n_conn times in 4 s of flipping (at most 40)"
        return 1
    }
    ((n_lines <= 80)) || {
        WHY="$n_lines netback.log lines about vif$DOMID.0 in 4 s (at most 80)"
        return 1
    }
    [[ -n $throttled && $throttled -ge 1 ]] || {
        WHY="vif/show does not count the waits: fe_throttled='$throttled'"
        return 1
    }
    NOTE="$(evil_stat "$DOMID" xs_writes) state writes; $n_conn connects, $n_lines log lines, throttled $throttled times"
    evil_stop "$DOMID"
}

run_case "state cycled Unknown/Initialising: unplugged once, honest guest connects" \
    cycle_case
run_case "state flipped Initialising/Connected: bounded work and log" \
    reconnect_case

evil_finish
