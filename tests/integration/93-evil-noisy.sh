#!/bin/bash
# Malicious frontend, noisy and stalled guests (NETBACK-HARDENING.md "Slow,
# stalled and noisy guests"), end to end against xovs-netback on the
# emulated platform:
#
#   event notifications as fast as a thread can send them (XSA-332): netback
#   stays below 90% of one core (utime+stime from /proc/PID/stat over 3 s)
#   and counts the spurious events; the good VIF keeps forwarding;
#   a guest that never posts an RX buffer while the peer floods it with
#   5000 frames/s for 15 s (XSA-392): netback's VmRSS stays within 6 MiB of
#   where it started and does not keep growing; queued frames expire;
#   a guest destroyed the way "xl destroy" does it (its xenstore nodes
#   removed at once, no Closing handshake), five times: its VIF must leave
#   netback and OVS, and netback must not write its nodes back.
#
# Always: netback alive, vif1.0 unharmed, the good guest's pings answered
# during and after.
# shellcheck source=tests/integration/evil-lib.sh
. "$(dirname "$0")/evil-lib.sh"

evil_bench_start

CPU_LIMIT_PCT=${XOVS_EVIL_CPU_LIMIT_PCT:-90}

# cpu_ticks PID: utime + stime.
# shellcheck disable=SC2317 # called from the cases run_case runs
cpu_ticks() {
    sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# shellcheck disable=SC2317 # called from the cases run_case runs
rss_kb() {
    awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}

# shellcheck disable=SC2317 # run by run_case
storm_case() {
    local hz t0 t1 c0 c1 pct notifies spurious
    hz=$(getconf CLK_TCK)
    next_domid
    evil_start "$DOMID" evtchn-storm --duration=6 || return 1
    sleep 1
    c0=$(cpu_ticks "$NB_PID")
    t0=$(date +%s%N)
    sleep 3
    c1=$(cpu_ticks "$NB_PID")
    t1=$(date +%s%N)
    pct=$(((c1 - c0) * 100 * 1000000000 / hz / (t1 - t0)))
    wait_until 10 evil_said "$DOMID" "attack evtchn-storm: finished" || {
        WHY="the storm did not end"
        return 1
    }
    notifies=$(evil_stat "$DOMID" notifies)
    spurious=$(vif_stat "$DOMID" spurious_events)
    NOTE="$((notifies / 6)) notifications/s; netback ${pct}% of a core; spurious_events=$spurious"
    ((pct < CPU_LIMIT_PCT)) || {
        WHY="xovs-netback used ${pct}% of a core during the storm ($NOTE)"
        return 1
    }
    ((notifies >= 600000)) || {
        WHY="the guest sent only $notifies notifications in 6 s"
        return 1
    }
    [[ $spurious -ge 1 ]] || {
        WHY="no spurious events counted ($NOTE)"
        return 1
    }
    expect_not_disabled "$DOMID" || return 1
    evil_stop "$DOMID"
}

# shellcheck disable=SC2317 # run by run_case
stall_case() {
    local rss0 rss3 rss max flood i
    next_domid
    evil_start "$DOMID" rx-stall || return 1
    # The frame before the attack taught OVS where the guest is: the flood
    # goes to it alone.
    expect_stat "$DOMID" tx_packets 1 || return 1
    rss0=$(rss_kb "$NB_PID")
    max=$rss0
    ip netns exec "$(gns "$PEER")" ping -q -i 0.0002 -s 1400 -w 15 "$EVIL_IP" \
        >/dev/null 2>&1 &
    flood=$!
    for ((i = 0; i < 15; i++)); do
        sleep 1
        rss=$(rss_kb "$NB_PID")
        ((rss > max)) && max=$rss
        ((i == 2)) && rss3=$rss
    done
    wait "$flood" || true
    NOTE="VmRSS $rss0 KiB before, $rss3 after 3 s, at most $max, $rss at the end; rx_drop_expired=$(vif_stat "$DOMID" rx_drop_expired) rx_drop_queue_full=$(vif_stat "$DOMID" rx_drop_queue_full)"
    ((max - rss0 < 6144 * MEM_SLACK)) || {
        WHY="xovs-netback grew by $((max - rss0)) KiB ($NOTE)"
        return 1
    }
    ((rss - rss3 < 1024 * MEM_SLACK)) || {
        WHY="xovs-netback kept growing ($NOTE)"
        return 1
    }
    expect_stat "$DOMID" rx_drop_expired 1 || return 1
    expect_stat_is "$DOMID" rx_packets 0 || return 1
    expect_not_disabled "$DOMID" || return 1
    evil_stop "$DOMID"
}

# The evil guest's VIF, after --destroy: no node of it written back.
# shellcheck disable=SC2317 # run by wait_until
be_dir_gone() {
    ! XENSTORED_PATH=$T_DIR/xs.sock xenstore-exists \
        "/local/domain/0/backend/vif/$1/0" 2>/dev/null
}

# shellcheck disable=SC2317 # run by run_case
destroy_case() {
    local i
    for ((i = 0; i < 5; i++)); do
        next_domid
        evil_start "$DOMID" none --destroy || return 1
        stop_pid "$EVIL_PID"
        sleep 0.5
        be_dir_gone "$DOMID" || {
            WHY="try $((i + 1)): netback wrote /local/domain/0/backend/vif/$DOMID/0 back after the toolstack removed it: $(XENSTORED_PATH=$T_DIR/xs.sock xenstore-ls "/local/domain/0/backend/vif/$DOMID/0" 2>&1 | tr '\n' ' '); vif/show: $(vif_show "$DOMID" 2>&1 | head -n 1)"
            return 1
        }
        evil_stop "$DOMID" || {
            WHY="try $((i + 1)): $WHY"
            return 1
        }
    done
}

run_case "10^6 event notifications/s: bounded CPU" storm_case
run_case "guest never posts RX buffers under a flood: bounded memory" stall_case
run_case "guest destroyed like xl destroy (x5): its VIF goes" destroy_case

evil_finish
