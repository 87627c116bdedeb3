#!/bin/bash
# xovs-test: alone
# 157-netback-many-guests: 64 emulated guests through one xovs-netback and
# one xovs-xenstored, both started with the soft fd limit of 128 that a
# service gets (systemd gives 1024; netback holds about seven fds per VIF
# and xenstored two per guest, so 1024 ended near 140 guests, found by
# bench/xovs-bench-guests; 128 shows it with 64).  Every guest connects
# (backend and frontend Connected, its port on the bridge), two of them
# ping each other, and once all are gone (SIGTERM, a clean close) netback
# and xenstored hold the fds they held before the first one came: nothing
# leaks.  Each daemon raised its own soft fd limit to the hard one.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

N=64
NB_WRAP=(prlimit --nofile=128:)
nb_host_start
net=$(xovs network-create name-label=nb157)
br=$(network_bridge "$net")

# mac DOMID: vif<DOMID>.0's MAC.
mac() {
    printf '02:00:c6:13:%02x:00\n' "$1"
}
for ((d = 1; d <= N; d++)); do
    echo "vif-create vm-uuid=$(new_uuid) domid=$d device=0" \
        "network-uuid=$net mac=$(mac "$d")"
done | xovs batch >/dev/null || fail "the VIF records were refused"

fds() {
    find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l
}
soft_limit() {
    awk '/^Max open files/ { print $4 }' "/proc/$1/limits"
}
nb_fds0=$(fds "$NB_PID")
xs_fds0=$(fds "$XSD_PID")

# Guests 1 and 2 have eth0 in a namespace (they ping); the others sink.
GDIR=$T_DIR/guests
mkdir -p "$GDIR"
declare -A PIDS=()
stop_all() {
    local d i
    for d in "${!PIDS[@]}"; do
        kill -TERM "${PIDS[$d]}" 2>/dev/null || true
    done
    for d in "${!PIDS[@]}"; do
        for ((i = 0; i < 200; i++)); do
            [[ -d /proc/${PIDS[$d]} ]] || break
            sleep 0.05
        done
        kill -KILL "${PIDS[$d]}" 2>/dev/null || true
        unset "PIDS[$d]"
    done
}
CLEAN_HOOKS+=(stop_all)
for d in 1 2; do
    CLEAN_NETNS+=("$(gns "g$d")")
    ip netns add "$(gns "g$d")"
done
for ((d = 1; d <= N; d++)); do
    if ((d <= 2)); then mode=--netns=$(gns "g$d"); else mode=--sink; fi
    "$XOVS_BIN/xovs-guest" --domid="$d" --devid=0 --mac="$(mac "$d")" \
        "$mode" --xenstore="$XSD_SOCK" -vconsole:info >"$GDIR/$d.log" 2>&1 &
    PIDS[$d]=$!
    disown "${PIDS[$d]}"
done
log "$N guests started"

# shellcheck disable=SC2317 # called through wait_until
n_connected() {
    { grep -l -F 'backend Connected' "$GDIR"/*.log || true; } | wc -l
}
# shellcheck disable=SC2317 # called through wait_until
all_connected() {
    (($(n_connected) == N))
}
wait_until 200 all_connected ||
    fail "$(n_connected) of $N guests connected; first errors in netback.log:" \
        "$(grep -m3 -E 'ERR|WARN.*(limit|Too many)' "$T_DIR/netback.log" | tr '\n' ' ')"
for ((d = 1; d <= N; d++)); do
    vif_connected "$d" 0 || fail "vif$d.0 is not connected"
done
log "ok: all $N VIFs connected (xenstore 4/4, ports on $br)"

for d in 1 2; do
    ip -n "$(gns "g$d")" addr add "198.18.0.$d/24" dev eth0
    ip -n "$(gns "g$d")" link set eth0 up
done
expect_ping g1 198.18.0.2

# shellcheck disable=SC2317 # called through wait_until
no_vifs() {
    ! nb_appctl vif/show | grep -q '^vif' &&
        ! vsctl list-ports "$br" | grep -q '^vif'
}
# shellcheck disable=SC2317 # called through wait_until
fds_back() {
    (($(fds "$NB_PID") == nb_fds0 && $(fds "$XSD_PID") == xs_fds0))
}
stop_all
wait_until 60 no_vifs || fail "VIFs left after every guest went"
wait_until 30 fds_back ||
    fail "fds after the guests: netback $(fds "$NB_PID") (before: $nb_fds0)," \
        "xenstored $(fds "$XSD_PID") (before: $xs_fds0)"
log "ok: all gone; netback holds $nb_fds0 fds, xenstored $xs_fds0, as before"
for p in "$NB_PID" "$XSD_PID"; do
    (($(soft_limit "$p") > 128)) ||
        fail "pid $p kept the soft fd limit of $(soft_limit "$p")"
done
log "ok: netback and xenstored raised their soft fd limit" \
    "($(soft_limit "$NB_PID"), $(soft_limit "$XSD_PID"))"
pass
