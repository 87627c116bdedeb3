#!/bin/bash
# xovs-test: alone
# 98-netback-mass-teardown: many guests leave at once while xovs-netback
# cannot keep up (issue 16: after 250 and 500 guests went, netback still
# held fds).  N emulated guests connect.  Then, all at once: the odd ones
# hang (SIGSTOP: a guest that no longer answers) and the toolstack destroys
# them (their xenstore directories removed, the processes killed once
# netback took the VIFs down); netback stands still (SIGSTOP, as a netback
# busy for seconds on a loaded host) while the even ones get SIGTERM and,
# hearing nothing from their backend, close anyway and go (directories
# removed, domain released, process gone); then netback continues
# (SIGCONT).  Every VIF must go (none in vif/show, no port on the bridge)
# and netback must hold the fds it held before the first guest came: each
# guest's memory (memfd), socket, event channels and tap released,
# whichever of its departures (domain released, directory removed, socket
# closed, a request that got no answer) netback saw first.  Before the
# fix, a hung guest's memfd stayed open (and its memory mapped) for good:
# its request failed, netback dropped the connection but kept the domain,
# and the VIF that would have released it was gone.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

N=${XOVS_TEST98_GUESTS:-16}
nb_host_start
net=$(xovs network-create name-label=nb98)
br=$(network_bridge "$net")

mac() {
    printf '02:00:c6:62:%02x:00\n' "$1"
}
for ((d = 1; d <= N; d++)); do
    echo "vif-create vm-uuid=$(new_uuid) domid=$d device=0" \
        "network-uuid=$net mac=$(mac "$d")"
done | xovs batch >/dev/null || fail "the VIF records were refused"

fds() {
    find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l
}
# fd_kinds PID: "COUNT KIND, ..." of its fds (digits as N).
fd_kinds() {
    find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null |
        sed -E 's/:\[[0-9]+\]$//; s/[0-9]+/N/g' | sort | uniq -c |
        sort -rn | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }'
}
nb_fds0=$(fds "$NB_PID")

GDIR=$T_DIR/guests
mkdir -p "$GDIR"
declare -A PIDS=()
# stop_all [WAIT_S]: SIGTERM to every guest, wait (up to WAIT_S each), KILL.
stop_all() {
    local d i wait=${1:-10}
    for d in "${!PIDS[@]}"; do
        kill -TERM "${PIDS[$d]}" 2>/dev/null || true
    done
    for d in "${!PIDS[@]}"; do
        for ((i = 0; i < wait * 20; i++)); do
            [[ -d /proc/${PIDS[$d]} ]] || break
            sleep 0.05
        done
        kill -KILL "${PIDS[$d]}" 2>/dev/null || true
        unset "PIDS[$d]"
    done
}
# shellcheck disable=SC2317 # a CLEAN_HOOKS function
nb_cont() {
    if [[ -n $NB_PID ]]; then
        kill -CONT "$NB_PID" 2>/dev/null || true
    fi
}
CLEAN_HOOKS+=(nb_cont stop_all)
for ((d = 1; d <= N; d++)); do
    "$XOVS_BIN/xovs-guest" --domid="$d" --devid=0 --mac="$(mac "$d")" \
        --sink --xenstore="$XSD_SOCK" -vconsole:info >"$GDIR/$d.log" 2>&1 &
    PIDS[$d]=$!
    disown "${PIDS[$d]}"
done

# shellcheck disable=SC2317 # called through wait_until
n_connected() {
    { grep -l -F 'backend Connected' "$GDIR"/*.log || true; } | wc -l
}
# shellcheck disable=SC2317 # called through wait_until
all_connected() {
    (($(n_connected) == N))
}
wait_until $((60 + 5 * N)) all_connected ||
    fail "$(n_connected) of $N guests connected"
log "ok: $N guests connected; netback holds $(fds "$NB_PID") fds" \
    "(before them: $nb_fds0)"

# The odd guests hang; the toolstack removes their directories.
declare -A HUNG=()
for ((d = 1; d <= N; d += 2)); do
    HUNG[$d]=${PIDS[$d]}
    unset "PIDS[$d]"
    kill -STOP "${HUNG[$d]}"
done
kill_hung() {
    local d
    for d in "${!HUNG[@]}"; do
        kill -KILL "${HUNG[$d]}" 2>/dev/null || true
        unset "HUNG[$d]"
    done
}
CLEAN_HOOKS+=(kill_hung)
# Netback stands still while the even guests close (each waits 5 s for its
# backend's Closing, 5 s for its Closed) and go.
kill -STOP "$NB_PID"
for d in "${!HUNG[@]}"; do
    xs xenstore-rm "$(be_path "$d" 0)"
    xs xenstore-rm "/local/domain/$d"
done
stop_all 60
kill -CONT "$NB_PID"
log "$((N / 2)) guests gone and $(((N + 1) / 2)) hung and removed while" \
    "netback was stopped; netback continues"

# shellcheck disable=SC2317 # called through wait_until
no_vifs() {
    ! nb_appctl vif/show | grep -q '^vif' &&
        ! vsctl list-ports "$br" | grep -q '^vif'
}
# shellcheck disable=SC2317 # called through wait_until
fds_back() {
    (($(fds "$NB_PID") == nb_fds0))
}
wait_until $((60 + 2 * N)) no_vifs ||
    fail "VIFs left: $(nb_appctl vif/show | grep -c '^vif') in netback," \
        "$(vsctl list-ports "$br" | grep -c '^vif') ports"
kill_hung # their domains are destroyed
wait_until 30 fds_back ||
    fail "netback holds $(fds "$NB_PID") fds (before the guests:" \
        "$nb_fds0): $(fd_kinds "$NB_PID")"
log "ok: every VIF gone, netback holds $nb_fds0 fds as before the guests"
pass
