#!/bin/bash
# xovs-test: alone
# Malicious frontends (the ring attacks of test 90, xovs-evil-guest) against
# DPDK VIFs: the ring engine now runs inside ovs-vswitchd-dpdk's PMD
# thread, so a fault there would take the whole switch down.  For each
# attack: the disable cases disable only the evil VIF (net_xovs logs it in
# ovs-vswitchd's log, tells xovs-netback, which logs the same fatal line as
# for a tap VIF and takes the VIF down), the drop cases answer the bad
# packet with error responses and leave the VIF enabled; ovs-vswitchd-dpdk
# (same pid) keeps switching the good guests' pings (at most 5 % lost
# during the attack) and the evil VIF's port goes when its guest ends.
# shellcheck disable=SC2317 # the helpers run through run_case and wait_until
# shellcheck source=tests/integration/dpdk-lib.sh
. "$(dirname "$0")/dpdk-lib.sh"

[[ -x $XOVS_BIN/xovs-evil-guest ]] || fail "$XOVS_BIN/xovs-evil-guest not built (make)"
dpdk_host_start
dpdk_guest ga 1 0 198.18.0.1/24
dpdk_guest gb 2 0 198.18.0.2/24
expect_ping ga 198.18.0.2
vsd=$(dpdk_vswitchd_pid)
EVIL_IP=198.18.0.99
DOMID=10
N_FAIL=0
WHY=
EVIL_PID=

evil_log() { echo "$T_DIR/evil-$1.log"; }
evil_said() { grep -Eq "$2" "$(evil_log "$1")"; }
evil_stat() {
    grep -E '^(stats|final):' "$(evil_log "$1")" | tail -n 1 |
        tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'
}
evil_stat_is() { [[ $(evil_stat "$1" "$2") == "$3" ]]; }
fatal_logged() {
    grep -q "vif$1.0: fatal error, disabling the VIF: .*$2" "$T_DIR/netback.log"
}
pmd_logged() {
    grep -q "net_xovs: vif$1.0: VIF disabled: .*$2" "$RUNDIR/ovs-vswitchd.log"
}
port_gone() { ! vsctl port-to-br "vif$1.0" >/dev/null 2>&1; }

# evil_start ATTACK: xovs-evil-guest as the next domain, on a DPDK VIF.
evil_start() {
    DOMID=$((DOMID + 1))
    "$XOVS_BIN/xovs-evil-guest" --domid="$DOMID" --devid=0 \
        --mac="$(guest_mac "$DOMID" 0)" --xenstore="$XSD_SOCK" \
        --bridge="$DPDK_BR" --attack="$1" >"$(evil_log "$DOMID")" 2>&1 &
    EVIL_PID=$!
    wait_until 20 evil_said "$DOMID" "^attack $1: started" || {
        WHY="evil guest dom$DOMID did not get to its attack: $(tail -n 3 "$(evil_log "$DOMID")" | tr '\n' ' ')"
        return 1
    }
}

evil_stop() {
    nb_stop_pid "$EVIL_PID"
    wait "$EVIL_PID" 2>/dev/null || true
    EVIL_PID=
    wait_until 10 port_gone "$DOMID" || {
        WHY="port vif$DOMID.0 still on OVS 10 s after its guest ended"
        return 1
    }
}

disable_case() {
    evil_start "$1" || return 1
    if [[ $1 == rx-req-overflow ]]; then
        # The driver looks at the RX ring when a frame is there for it.
        gexec ga ip neigh replace "$EVIL_IP" lladdr "$(guest_mac "$DOMID" 0)" \
            dev eth0 nud permanent
        gexec ga ping -c 3 -i 0.1 -W 1 "$EVIL_IP" >/dev/null 2>&1 || true
    fi
    wait_until 10 pmd_logged "$DOMID" "$2" || {
        WHY="no 'VIF disabled: $2' line of net_xovs in ovs-vswitchd.log"
        return 1
    }
    wait_until 5 fatal_logged "$DOMID" "$2" || {
        WHY="netback did not disable vif$DOMID.0 for '$2'"
        return 1
    }
    evil_stop
}

drop_case() {
    evil_start "$1" || return 1
    wait_until 10 evil_said "$DOMID" "frame after sent" || {
        WHY="evil guest did not send its frame after"
        return 1
    }
    wait_until 5 evil_stat_is "$DOMID" tx_error "$2" || {
        WHY="evil guest got tx_error=$(evil_stat "$DOMID" tx_error) error responses, expected $2"
        return 1
    }
    if fatal_logged "$DOMID" "" || pmd_logged "$DOMID" ""; then
        WHY="vif$DOMID.0 was disabled, but only a drop was due"
        return 1
    fi
    evil_stop
}

run_case() {
    local name=$1 sent got
    shift
    WHY=
    nb_gexec_bg ga env --default-signal=INT ping -i 0.05 -W 1 198.18.0.2 \
        >"$T_DIR/pinger.log" 2>&1
    local pinger=$NB_BG_PID
    if "$@"; then
        sleep 1
        kill -INT "$pinger" 2>/dev/null || true
        wait "$pinger" 2>/dev/null || true
        sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T_DIR/pinger.log")
        got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T_DIR/pinger.log")
        if [[ ! -d /proc/$vsd ]]; then
            WHY="ovs-vswitchd-dpdk (pid $vsd) died"
        elif [[ -z $sent || -z $got ]] || (((sent - 1 - got) * 100 > sent * 5)); then
            WHY="good guests lost pings during the attack: ${got:-?} of ${sent:-?}"
        fi
    else
        kill -INT "$pinger" 2>/dev/null || true
        wait "$pinger" 2>/dev/null || true
        [[ -n $EVIL_PID ]] && nb_stop_pid "$EVIL_PID"
    fi
    if [[ -z $WHY ]]; then
        log "PASS: $name ($got/$sent pings)"
    else
        N_FAIL=$((N_FAIL + 1))
        log "FAIL: $name: $WHY"
    fi
}

run_case "tx req_prod - req_cons > ring size: disabled" \
    disable_case req-overflow "impossible number of TX requests"
run_case "rx req_prod - req_cons > ring size: disabled" \
    disable_case rx-req-overflow "impossible number of RX requests"
run_case "19 slots: dropped" drop_case slots-19 19
run_case "20 slots: disabled" disable_case slots-20 "packet uses 20 or more slots"
run_case "more_data chain past req_prod: disabled" \
    disable_case chain-past-prod "runs past the requests posted"
run_case "further slot offset + size > 4096: disabled" \
    disable_case offset-overflow "TX slot crosses a page"
run_case "first slot offset + size > 4096: disabled" \
    disable_case offset-overflow-first "TX first slot crosses a page"
run_case "first slot shorter than an Ethernet header: dropped" \
    drop_case short-first 1
run_case "all-empty fragments: dropped" drop_case all-empty 3
run_case "missing extra info: disabled" \
    disable_case extra-missing "missing extra info"
run_case "extra info type 0: disabled" \
    disable_case extra-type-0 "invalid extra info type 0"
run_case "GSO size 0: disabled" disable_case gso-size-0 "GSO size must not be zero"
run_case "unknown GSO type: disabled" disable_case gso-type-unknown "bad GSO type 7"

expect_ping ga 198.18.0.2
[[ $(dpdk_vswitchd_pid) == "$vsd" ]] || fail "ovs-vswitchd-dpdk was restarted"
[[ $N_FAIL -eq 0 ]] || fail "$N_FAIL case(s) failed"
pass
