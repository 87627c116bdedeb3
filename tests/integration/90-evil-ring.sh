#!/bin/bash
# Malicious frontend, TX/RX ring input (NETBACK-HARDENING.md "Ring input"),
# end to end against xovs-netback on the emulated platform.  One case per
# attack of xovs-evil-guest; in each, the evil VIF first forwards one valid
# frame, then attacks, then (300 ms later) sends one more valid frame:
#
#   disable cases: the VIF is disabled with the expected log line and
#                  reason, errors=1, the frame after is not forwarded
#   drop cases:    the packet is answered with errors and counted, the VIF
#                  stays enabled and forwards the frame after
#
# and always: netback alive and answering, vif1.0 unharmed, the good
# guest's pings (every 50 ms) answered during and after, the evil VIF gone
# from netback and OVS once its guest ends.
# shellcheck source=tests/integration/evil-lib.sh
. "$(dirname "$0")/evil-lib.sh"

evil_bench_start

# disable_case ATTACK REASON-REGEX
# shellcheck disable=SC2317 # run by run_case
disable_case() {
    next_domid
    evil_start "$DOMID" "$1" || return 1
    if [[ $1 == rx-req-overflow ]]; then
        # netback looks at the RX ring when a frame is there for it.
        gexec "$PEER" ping -c 3 -i 0.1 -W 1 "$EVIL_IP" >/dev/null 2>&1 || true
    fi
    expect_disabled "$DOMID" "$2" || return 1
    wait_until 5 evil_said "$DOMID" "frame after sent" || {
        WHY="evil guest did not send its frame after"
        return 1
    }
    sleep 0.3
    expect_stat_is "$DOMID" tx_packets 1 || return 1
    evil_stop "$DOMID"
}

# drop_case ATTACK COUNTER ERROR-RESPONSES [TX-PACKETS]
# shellcheck disable=SC2317 # run by run_case
drop_case() {
    local want_tx=${4:-2}
    next_domid
    evil_start "$DOMID" "$1" || return 1
    expect_stat "$DOMID" "$2" 1 || return 1
    wait_until 5 evil_said "$DOMID" "frame after sent" || {
        WHY="evil guest did not send its frame after"
        return 1
    }
    expect_stat "$DOMID" tx_packets "$want_tx" || return 1
    expect_not_disabled "$DOMID" || return 1
    wait_until 5 evil_stat_is "$DOMID" tx_error "$3" || {
        WHY="evil guest got tx_error=$(evil_stat "$DOMID" tx_error) error responses, expected $3"
        return 1
    }
    evil_stop "$DOMID"
}

# A frame whose further slots are all empty is fine (XSA-448): forwarded.
# shellcheck disable=SC2317 # run by run_case
zero_frags_case() {
    next_domid
    evil_start "$DOMID" zero-frags || return 1
    wait_until 5 evil_said "$DOMID" "frame after sent" || {
        WHY="evil guest did not send its frame after"
        return 1
    }
    expect_stat "$DOMID" tx_packets 3 || return 1
    expect_not_disabled "$DOMID" || return 1
    wait_until 5 evil_stat_is "$DOMID" tx_ok 7 || {
        WHY="evil guest: tx_ok=$(evil_stat "$DOMID" tx_ok) tx_error=$(evil_stat "$DOMID" tx_error), expected 7 OKAY responses"
        return 1
    }
    evil_stop "$DOMID"
}

run_case "tx req_prod - req_cons > ring size: disabled" \
    disable_case req-overflow "impossible number of TX requests"
run_case "rx req_prod - req_cons > ring size: disabled" \
    disable_case rx-req-overflow "impossible number of RX requests"
run_case "19 slots: dropped" drop_case slots-19 tx_drop_slots 19
run_case "20 slots: disabled" disable_case slots-20 "packet uses 20 or more slots"
run_case "more_data chain past req_prod: disabled" \
    disable_case chain-past-prod "runs past the requests posted"
run_case "further slot offset + size > 4096: disabled" \
    disable_case offset-overflow "TX slot crosses a page"
run_case "first slot offset + size > 4096: disabled" \
    disable_case offset-overflow-first "TX first slot crosses a page"
run_case "first slot shorter than an Ethernet header: dropped" \
    drop_case short-first tx_drop_short 1
run_case "all-empty fragments: dropped" drop_case all-empty tx_drop_short 3
run_case "zero-length fragments after a valid head: forwarded" zero_frags_case
run_case "slot longer than the bytes left: dropped" \
    drop_case slot-too-big tx_drop_slot_size 2
run_case "missing extra info: disabled" \
    disable_case extra-missing "missing extra info"
run_case "extra info type 0: disabled" \
    disable_case extra-type-0 "invalid extra info type 0"
run_case "extra info type >= MAX: disabled" \
    disable_case extra-type-unknown "invalid extra info type 5"
run_case "GSO size 0: disabled" disable_case gso-size-0 "GSO size must not be zero"
run_case "unknown GSO type: disabled" disable_case gso-type-unknown "bad GSO type 7"

evil_finish
