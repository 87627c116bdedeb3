#!/bin/bash
# xovs-netback restarted while its guests run: killed by pid (SIGKILL, as a
# crash) and started again, it takes the VIFs over; the guests (never
# restarted) are re-attached on their live rings (no renegotiation) and
# ping each other again.  Then the same with a clean stop (SIGTERM).
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

nb_host_start
net=$(xovs network-create name-label=nb74)
nb_guest ga 1 0 "$net" 198.18.0.1/24
nb_guest gb 2 0 "$net" 198.18.0.2/24
expect_ping ga 198.18.0.2
pids="${GUEST_PID[ga]} ${GUEST_PID[gb]}"

for sig in KILL TERM; do
    log "xovs-netback (pid $NB_PID) ended with SIG$sig while the guests run"
    nb_netback_kill "$sig"
    expect_no_ping ga 198.18.0.2
    nb_log_mark=$(wc -l <"$T_DIR/netback.log")
    guest_mark=$(wc -l <"$T_DIR/guest-ga.log")
    nb_netback_start
    nb_wait_connected 1 0 30
    nb_wait_connected 2 0 30
    # Re-attached to the live rings, as Linux netfront needs: the guests
    # were never asked to renegotiate.
    for v in vif1.0 vif2.0; do
        tail -n +$((nb_log_mark + 1)) "$T_DIR/netback.log" |
            grep -q "$v: frontend already connected to an earlier backend" ||
            fail "$v was not re-attached to its rings after SIG$sig"
    done
    ! tail -n +$((guest_mark + 1)) "$T_DIR/guest-ga.log" | grep -q "backend back in" ||
        fail "ga was asked to renegotiate after SIG$sig"
    expect_ping ga 198.18.0.2
    expect_ping gb 198.18.0.1
    gexec ga ping -c 20 -i 0.05 -q 198.18.0.2 | tail -n 1 | sed "s/^/[$TEST_NAME] /"
    for p in $pids; do
        [[ -d /proc/$p ]] || fail "guest process $p is gone: it must not need a restart"
    done
    log "ok: the same guest processes ($pids) reconnected"
done
pass
