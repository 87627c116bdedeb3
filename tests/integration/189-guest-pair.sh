#!/bin/bash
# xovs-guest --peer-domid (issue 12's bench): one process plays a generator
# guest and the sink guest it sends to, each with its own domain, VIF,
# rings and grants, served in turn by one thread (as xovs-pktgen drives a
# pair of ports).  On the tap path: both VIFs connect through the
# hotplug script like any guest's; at a fixed rate every frame sent
# arrives (the process's last line: the generator's tx_packets, the sink's
# rx_packets and their difference, lost=); flat out, both guests poll
# their rings (busy_polls) and frames still flow; SIGTERM closes both VIFs
# cleanly (netback holds neither, xl's nodes are gone); bad option
# combinations are refused with a message naming the options.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

GUEST=$XOVS_BIN/xovs-guest

# refused ARGS...: xovs-guest exits non-zero naming --peer-domid.
refused() {
    local out
    if out=$("$GUEST" --domid=41 --mac="$(guest_mac 41 0)" \
        --xenstore=/nonexistent -vconsole:off "$@" 2>&1); then
        fail "xovs-guest $* was accepted"
    fi
    grep -q -- "--peer-domid" <<<"$out" ||
        fail "xovs-guest $* refused without naming --peer-domid: $out"
}
refused --generate=60 --peer-domid=42
refused --generate=60 --peer-mac="$(guest_mac 42 0)"
refused --sink --peer-domid=42 --peer-mac="$(guest_mac 42 0)"
refused --generate=60 --peer-domid=41 --peer-mac="$(guest_mac 41 0)"
log "ok: bad --peer-domid combinations are refused"

nb_host_start
net=$(xovs network-create name-label=pair)

# pair NAME GEN-DOMID SINK-DOMID XOVS-GUEST-ARGS...: the pair's process,
# both VIFs connected.
pair() {
    local name=$1 gd=$2 sd=$3
    shift 3
    nb_vif_record "$name-gen" "$gd" 0 "$net" >/dev/null
    nb_vif_record "$name-sink" "$sd" 0 "$net" >/dev/null
    "$GUEST" --domid="$gd" --devid=0 --mac="$(guest_mac "$gd" 0)" \
        --peer-domid="$sd" --peer-mac="$(guest_mac "$sd" 0)" \
        --xenstore="$XSD_SOCK" -vconsole:info "$@" >"$T_DIR/$name.log" 2>&1 &
    GUEST_PID[$name]=$!
    disown "${GUEST_PID[$name]}"
    nb_wait_connected "$gd" 0
    nb_wait_connected "$sd" 0
}

# last NAME KEY: KEY's value in the pair's totals line (its last output).
last() {
    { grep '^tx_packets=.* lost=' "$T_DIR/$1.log" || true; } | tail -n 1 |
        sed 's/^/ /' | { grep -o " $2=[-0-9]*" || true; } | cut -d= -f2
}

# closed DOMID: netback holds no VIF for it and xl's nodes are gone.
# shellcheck disable=SC2317 # run by wait_until
closed() {
    ! nb_appctl vif/show "vif$1.0" >/dev/null 2>&1 &&
        ! xs xenstore-exists "$(be_path "$1" 0)" 2>/dev/null &&
        ! xs xenstore-exists "/local/domain/$1/device/vif/0" 2>/dev/null
}

# totals NAME: the pair's totals now (SIGUSR1 prints them).
# shellcheck disable=SC2317 # run by got, run by wait_until
totals() {
    local n
    n=$(grep -c '^tx_packets=.* lost=' "$T_DIR/$1.log" || true)
    kill -USR1 "${GUEST_PID[$1]}"
    wait_until 10 nb_more_lines "$T_DIR/$1.log" '^tx_packets=.* lost=' "$n" ||
        fail "pair $1 did not print its totals"
}

# shellcheck disable=SC2317 # run by wait_until
# got NAME N: the pair's sink received N frames or more.
got() {
    totals "$1"
    [[ $(last "$1" rx_packets) -ge $2 ]]
}

# 500 frames a second: once frames flow (the first ones may meet a port
# OVS has not opened yet), every frame sent arrives.
pair slow 31 32 --generate=60,500
wait_until 20 got slow 200 || fail "the sink got no frames: $(tail -n 5 "$T_DIR/slow.log")"
tx0=$(last slow tx_packets)
lost0=$(last slow lost)
sleep 3
nb_guest_stop slow
tx=$(last slow tx_packets)
rx=$(last slow rx_packets)
lost=$(last slow lost)
sent=$((tx - tx0))
[[ $sent -ge 750 && $sent -le 3000 ]] ||
    fail "at 500 frames/s for ~3 s the generator sent $sent: $(tail -n 5 "$T_DIR/slow.log")"
# A frame in flight at the first count was counted lost there: <=.
((lost <= lost0)) ||
    fail "$sent frames sent, $((lost - lost0)) of them lost: $(tail -n 5 "$T_DIR/slow.log")"
log "ok: at a fixed rate every frame arrived ($sent sent in 3 s; $tx sent and $rx received in all)"
for d in 31 32; do
    wait_until 20 closed "$d" || fail "vif$d.0 still held after SIGTERM"
done
log "ok: SIGTERM closed both VIFs"

# Flat out: both guests poll, frames flow, the sink counts no error.
pair fast 33 34 --generate=60
sleep 3
nb_guest_stop fast
rx=$(last fast rx_packets)
errors=$(last fast rx_errors)
[[ -n $rx && $rx -gt 1000 && $errors == 0 ]] ||
    fail "flat out: received ${rx:-nothing}, rx_errors ${errors:-?}: $(tail -n 5 "$T_DIR/fast.log")"
for d in 33 34; do
    polls=$(grep -o "^vif$d.0: .* busy_polls=[0-9]*" "$T_DIR/fast.log" | grep -o '[0-9]*$')
    [[ ${polls:-0} -ge 1 ]] ||
        fail "flat out, vif$d.0 never polled its rings: $(grep "^vif$d.0:" "$T_DIR/fast.log")"
    wait_until 20 closed "$d" || fail "vif$d.0 still held after SIGTERM"
done
log "ok: flat out, both guests polled; $rx frames received, $(last fast lost) dropped on the way (the tap path takes less than flat out)"
pass
