#!/bin/bash
# Malicious frontend, xenstore input (NETBACK-HARDENING.md "xenstore input"),
# end to end against xovs-netback on the emulated platform:
#
#   frontend keys missing, non-numeric or out of range (ring refs, event
#   channels, multi-queue-num-queues 0 or above the maximum,
#   request-rx-copy=0, ctrl-ring-ref without event-channel-ctrl, a bad
#   boolean, an unknown frontend state): that VIF fails cleanly -- error node
#   /local/domain/0/error/backend/vif/D/0/error with the reason, backend
#   state Closing, "failed" in vif/show -- and nothing else happens;
#   a guest rewriting a watched node (its state, a key netback re-reads) in
#   a tight loop (XSA-349): netback keeps answering (vif/show within 1 s)
#   without growing, and the good VIF keeps forwarding.
#
# Always: netback alive, vif1.0 unharmed, the good guest's pings answered
# during and after, the evil VIF gone once its guest ends.
# shellcheck source=tests/integration/evil-lib.sh
. "$(dirname "$0")/evil-lib.sh"

evil_bench_start

# shellcheck disable=SC2317 # called from the cases run_case runs
error_node() {
    xsread "/local/domain/0/error/backend/vif/$1/0/error"
}

# shellcheck disable=SC2317 # called from the cases run_case runs
be_state() {
    xsread "/local/domain/0/backend/vif/$1/0/state"
}

# shellcheck disable=SC2317 # run by wait_until
be_state_is() {
    [[ $(be_state "$1") == "$2" ]]
}

# shellcheck disable=SC2317 # run by wait_until
has_error_node() {
    [[ -n $(error_node "$1") ]]
}

# xs_case REASON-REGEX EVIL-ARGS...: the evil guest writes its keys with
# EVIL-ARGS applied and goes Connected; the VIF must fail with REASON.
# shellcheck disable=SC2317 # run by run_case
xs_case() {
    local want=$1 err
    shift
    next_domid
    evil_start "$DOMID" xenstore "$@" || return 1
    wait_until 5 has_error_node "$DOMID" || {
        WHY="no error node for vif$DOMID.0 (backend state $(be_state "$DOMID"))"
        return 1
    }
    err=$(error_node "$DOMID")
    [[ $err =~ $want ]] || {
        WHY="error node says '$err', expected /$want/"
        return 1
    }
    wait_until 5 be_state_is "$DOMID" 5 || {
        WHY="backend state $(be_state "$DOMID"), expected 5 (Closing)"
        return 1
    }
    vif_failed "$DOMID" || {
        WHY="vif/show does not say vif$DOMID.0 failed: $(vif_show "$DOMID" | head -n 1)"
        return 1
    }
    expect_stat_is "$DOMID" tx_packets 0 || return 1
    [[ -z $(error_node 1) ]] || {
        WHY="vif1.0 got an error node: $(error_node 1)"
        return 1
    }
    NOTE="error: $err"
    evil_stop "$DOMID"
}

# shellcheck disable=SC2317 # called from the cases run_case runs
rss_kb() {
    awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}

# storm_case ATTACK: a watched node rewritten in a tight loop for 4 s.
# shellcheck disable=SC2317 # run by run_case
storm_case() {
    local rss0 rss1 t0 ms max=0 n=0 writes
    next_domid
    rss0=$(rss_kb "$NB_PID")
    evil_start "$DOMID" "$1" --duration=4 || return 1
    # netback must keep answering while the storm lasts.
    while ! evil_said "$DOMID" "attack $1: finished"; do
        t0=$(date +%s%N)
        nb_appctl vif/show vif1.0 >/dev/null || {
            WHY="vif/show failed during the storm"
            return 1
        }
        ms=$((($(date +%s%N) - t0) / 1000000))
        ((ms > max)) && max=$ms
        n=$((n + 1))
        ((n < 200)) || break
        sleep 0.2
    done
    evil_said "$DOMID" "attack $1: finished" || {
        WHY="the storm did not end"
        return 1
    }
    ((max < 1000)) || {
        WHY="vif/show took up to $max ms during the storm"
        return 1
    }
    writes=$(evil_stat "$DOMID" xs_writes)
    [[ $writes -ge 1000 ]] || {
        WHY="the guest managed only $writes xenstore writes"
        return 1
    }
    pid_running "$XSD_PID" || {
        WHY="xovs-xenstored died"
        return 1
    }
    evil_stop "$DOMID" || return 1
    rss1=$(rss_kb "$NB_PID")
    ((rss1 - rss0 < 8192 * MEM_SLACK)) || {
        WHY="xovs-netback grew from $rss0 to $rss1 KiB"
        return 1
    }
    NOTE="$writes writes; vif/show at most $max ms; netback RSS $rss0 -> $rss1 KiB"
}

run_case "tx-ring-ref missing: fails" \
    xs_case "tx-ring-ref is missing" --xs-rm=tx-ring-ref
run_case "tx-ring-ref non-numeric: fails" \
    xs_case "tx-ring-ref: \"abc\" is not a number" --xs-set=tx-ring-ref=abc
run_case "tx-ring-ref above 2^32: fails" \
    xs_case "tx-ring-ref: \"4294967296\" is not a number" \
    --xs-set=tx-ring-ref=4294967296
run_case "tx-ring-ref not granted: fails" \
    xs_case "." --xs-set=tx-ring-ref=30000
run_case "rx-ring-ref missing: fails" \
    xs_case "rx-ring-ref is missing" --xs-rm=rx-ring-ref
run_case "rx-ring-ref non-numeric: fails" \
    xs_case "rx-ring-ref: \"12x\" is not a number" --xs-set=rx-ring-ref=12x
run_case "rx-ring-ref negative: fails" \
    xs_case "rx-ring-ref: \"-1\" is not a number" --xs-set=rx-ring-ref=-1
run_case "event-channel missing: fails" \
    xs_case "event-channel is missing" --xs-rm=event-channel
run_case "event-channel non-numeric: fails" \
    xs_case "event-channel: \"\" is not a number" --xs-set=event-channel=
run_case "event-channel 0: fails" \
    xs_case "event-channel: \"0\" is not a number" --xs-set=event-channel=0
run_case "event-channel not bound for us: fails" \
    xs_case "." --xs-set=event-channel=999
run_case "multi-queue-num-queues 0: fails" \
    xs_case "multi-queue-num-queues: \"0\" is not a number in 1\.\." \
    --xs-set=multi-queue-num-queues=0
run_case "multi-queue-num-queues above the maximum: fails" \
    xs_case "multi-queue-num-queues: \"9\" is not a number in 1\.\.8" \
    --xs-set=multi-queue-num-queues=9
run_case "multi-queue-num-queues 2 without queue-N keys: fails" \
    xs_case "queue-0/tx-ring-ref is missing" --xs-set=multi-queue-num-queues=2
run_case "request-rx-copy=0: refused" \
    xs_case "^95 .*request-rx-copy is 0" --xs-set=request-rx-copy=0
run_case "request-rx-copy missing: fails" \
    xs_case "request-rx-copy is missing" --xs-rm=request-rx-copy
run_case "ctrl-ring-ref without event-channel-ctrl: fails" \
    xs_case "event-channel-ctrl is missing" --xs-set=ctrl-ring-ref=5
run_case "feature-sg=2: fails" \
    xs_case "feature-sg: \"2\" is not a number in 0\.\.1" --xs-set=feature-sg=2
run_case "unknown frontend state: fails" \
    xs_case "frontend state 42 is not supported" --fe-state=42
run_case "frontend state rewritten in a tight loop" storm_case watch-state
run_case "frontend state flipped Initialising/Connected in a tight loop" \
    storm_case watch-reconnect
run_case "request-multicast-control flipped in a tight loop" \
    storm_case watch-key

evil_finish
