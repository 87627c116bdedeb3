#!/bin/bash
# The hotplug scripts of one VIF run one at a time and in order (issue 11,
# guest isolation): with a hotplug script that takes half a second, a guest
# killed and started again five times in quick succession makes netback
# queue online/offline for vif1.0 faster than they can run (after each
# kill the toolstack removes the domain's directories, as xl does).  No two
# scripts of vif1.0 may overlap (an offline racing the online before it
# could leave the port plugged with the device gone, or the reverse), the
# last one must be "online", and the VIF must end up connected, on its
# network and forwarding.  Another VIF's scripts are not held up by
# vif1.0's queue (vif2.0 plugs while vif1.0's queue is busy).
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

nb_host_start
# The slow hotplug script: logs start and end, then does the real work.
# netback is started again with it (no VIF exists yet).
SLOW=$T_DIR/slow-vif
HP_LOG=$T_DIR/hotplug.log
cat >"$SLOW" <<EOF
#!/bin/sh
echo "start \$\$ \$1 \$vif" >>"$HP_LOG"
sleep 0.5
"$TOP/scripts/vif" "\$@"
rc=\$?
echo "end \$\$ \$1 \$vif" >>"$HP_LOG"
exit \$rc
EOF
chmod +x "$SLOW"
: >"$HP_LOG"
nb_netback_stop
NB_EXTRA_ARGS+=("--hotplug-script=$SLOW")
nb_netback_start

net=$(xovs network-create name-label=nb95)
nb_vif_record ga 1 0 "$net" >/dev/null
nb_vif_record gb 2 0 "$net" >/dev/null

# toolstack_destroy: what xl does after domain 1 died: its directories
# removed, the domain released.
toolstack_destroy() {
    xs xenstore-rm "$(be_path 1 0)"
    xs xenstore-rm /local/domain/1
    xs "$XOVS_BIN/xs-test-client" release 1 >/dev/null
}

for _ in 1 2 3 4 5; do
    nb_guest_start ga 1 0 198.18.0.1/24
    sleep 0.2
    nb_guest_kill ga
    sleep 0.2
    toolstack_destroy
done
log "guest ga started, killed and destroyed 5 times; now started for good"
nb_guest_start ga 1 0 198.18.0.1/24
# Another guest meanwhile: its own queue, not behind vif1.0's.
nb_guest_start gb 2 0 198.18.0.2/24
nb_wait_connected 2 0 10
nb_wait_connected 1 0 40
wait_until 20 bash -c "! pgrep -f '$SLOW' >/dev/null" || true
expect_ping ga 198.18.0.2
expect_ping gb 198.18.0.1

log "hotplug runs of vif1.0 (start/end, in time order):"
grep ' vif1\.0$' "$HP_LOG" | awk '{print $1, $3}' | tr '\n' ' ' | sed "s/^/[$TEST_NAME]   /"
echo
# No overlap: every start of vif1.0 comes after the end of the previous one.
awk '$4 == "vif1.0" {
        if ($1 == "start") { if (running) { print "overlap at line " NR; bad = 1 } running = 1 }
        else running = 0
    } END { exit bad }' "$HP_LOG" || fail "hotplug scripts of vif1.0 overlapped"
n=$(grep -c '^start .* vif1\.0$' "$HP_LOG")
last=$(grep '^start .* vif1\.0$' "$HP_LOG" | tail -n 1 | awk '{print $3}')
[[ $last == online ]] || fail "the last hotplug script of vif1.0 was '$last', not online"
log "ok: $n scripts for vif1.0, one at a time, the last one online"
pass
