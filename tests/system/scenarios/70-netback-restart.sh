# netback-restart (issue 5, scenario 7): xovs-netback killed (SIGKILL, as a
# crash) and then stopped cleanly (SIGTERM), each time restarted while two
# domUs run.  Linux netfront does not notice a backend process dying (the
# xenstore nodes stay, its rings stay granted) and, once Connected, ignores
# a backend that goes back to InitWait: it would never set up new rings.
# So the restarted netback re-attaches to the live rings where the old one
# left them; the guests are not touched: same ring references, netfront
# Connected throughout, ping both ways again.
# shellcheck shell=bash source=tests/system/lib.sh
. "$XOVS_SYSTEM/lib.sh"

two_guests net-nbr na 81 nb 82
out=$(domu_exec "$da" 60 "ping -c 2 -i 0.2 -W 2 198.18.0.82") ||
    { echo "$out"; host_report; fail "ping before the restart failed"; }
ring_a=$(xenstore-read "/local/domain/$da/device/vif/0/tx-ring-ref")
ring_b=$(xenstore-read "/local/domain/$db/device/vif/0/tx-ring-ref")

for sig in KILL TERM; do
    pid=$(cat "$NB_PIDFILE")
    kill -"$sig" "$pid"
    wait_for 10 sh -c "[ ! -d /proc/$pid ]" || fail "netback $pid did not end on SIG$sig"
    log "netback $pid ended by SIG$sig"
    if domu_exec "$da" 30 "ping -c 2 -i 0.2 -W 1 198.18.0.82" >/dev/null; then
        fail "ping went through with no netback running"
    fi
    mark=$(wc -l <"$NB_LOG")
    t0=$(now)
    netback_start || fail "xovs-netback did not restart: $(tail -n 3 "$NB_LOG")"
    for d in $da $db; do
        wait_for 30 sh -c "tail -n +$mark $NB_LOG | grep -q 'vif$d.0: frontend already connected'" ||
            { host_report; fail "vif$d.0 was not taken over after SIG$sig"; }
        wait_for 30 xs_is "/local/domain/0/backend/vif/$d/0/state" 4 ||
            { host_report; fail "backend of domain $d not Connected after SIG$sig"; }
        xs_is "/local/domain/$d/device/vif/0/state" 4 ||
            fail "frontend of domain $d left Connected"
    done
    out=$(domu_exec "$da" 60 "ping -c 3 -i 0.2 -W 2 198.18.0.82") ||
        { echo "$out"; host_report; domu_report "$da"; fail "ping na -> nb failed after SIG$sig"; }
    out=$(domu_exec "$db" 60 "ping -c 3 -i 0.2 -W 2 198.18.0.81") ||
        { echo "$out"; host_report; domu_report "$db"; fail "ping nb -> na failed after SIG$sig"; }
    { [ "$(xenstore-read "/local/domain/$da/device/vif/0/tx-ring-ref")" = "$ring_a" ] &&
        [ "$(xenstore-read "/local/domain/$db/device/vif/0/tx-ring-ref")" = "$ring_b" ]; } ||
        fail "a guest set up new rings: it was not the old ones that were taken over"
    echo "XOVS-RESULT netback-restart: SIG$sig, restarted, both VIFs on their old rings, ping both ways after $(since "$t0")s"
done
tail -n +1 "$NB_LOG" | grep -E 'taking|Connected' | tail -n 8
for d in $da $db; do
    xl destroy "$d" || fail "xl destroy $d failed"
done
pass
