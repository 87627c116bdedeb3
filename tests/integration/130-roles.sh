#!/bin/bash
# Roles on the agent's API (issue 15 item 8), with real users: the agent
# runs with a role map (--roles) and its admin socket's file opened to one
# group (--rpc-group, --rpc-mode).  Clients run as other uids (setpriv):
#   4241 (uid line: read-only) lists, but its vif-unplug and network-create
#        are refused naming the role they need, and change nothing;
#   4242 (primary group 4300: vm-operator) plugs VIFs, and the guests then
#        ping each other; network-create is refused (pool-admin);
#   4243 (supplementary group 4300) is vm-operator too (SO_PEERGROUPS);
#   4244 (in the socket's group only, not in the map) has none: even
#        network-list is refused;
#   4245 (not in the socket's group) cannot even connect (mode 0660);
#   root is pool-admin.
# The internal socket still serves root the hotplug verbs (and caps every
# peer at vm-operator, rpc-server.c).  roles/reload reads the
# map again; a bad map is refused at start and on reload, naming FILE:LINE.
# Before: anyone who could open the socket was an administrator.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || skip "setpriv not installed (util-linux)"
host_start
chmod 0711 "$T_DIR" # other users must reach the socket inside it

cat >"$T_DIR/roles" <<'EOF'
# xovs role map for test 130
uid:4241 read-only
gid:4300 vm-operator   # the operators' group
default none
EOF
agent_stop
AGENT_EXTRA_ARGS=(--roles="$T_DIR/roles" --rpc-group=4400 --rpc-mode=0660)
agent_start

mode=$(stat -c '%a %u %g' "$T_DIR/agent.sock")
[[ $mode == "660 0 4400" ]] || fail "admin socket: mode/owner/group '$mode', want '660 0 4400'"
log "ok: admin socket is mode 660, group 4400"

# as UID GID GROUPS CMD...: runs CMD as UID with primary group GID and the
# supplementary GROUPS (comma-separated, or - for none).
as() {
    local uid=$1 gid=$2 groups=$3
    shift 3
    if [[ $groups == - ]]; then
        setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
    else
        setpriv --reuid="$uid" --regid="$gid" --groups="$groups" "$@"
    fi
}
# uxovs UID GID GROUPS ARGS...: xovs as that user.
uxovs() {
    local uid=$1 gid=$2 groups=$3
    shift 3
    as "$uid" "$gid" "$groups" "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent.sock" "$@"
}
# denied WANT UID GID GROUPS ARGS...: xovs as that user must exit 1 with
# message WANT (exactly, after "xovs: ").
denied() {
    local want=$1 rc=0 err
    shift
    err=$(uxovs "$@" 2>&1 >/dev/null) || rc=$?
    [[ $rc -eq 1 && $err == "xovs: $want" ]] ||
        fail "as uid $1: xovs ${*:4}: exit $rc, '$err'; want exit 1, 'xovs: $want'"
    log "ok: uid $1: $want"
}

net=$(xovs network-create name-label=roles)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
v1=$(xovs vif-create vm-uuid="$(new_uuid)" domid=1 device=0 \
    network-uuid="$net" mac="$(guest_mac 1 0)")
v2=$(xovs vif-create vm-uuid="$(new_uuid)" domid=2 device=0 \
    network-uuid="$net" mac="$(guest_mac 2 0)")
before=$(xovs network-list params=uuid --minimal)

log "read-only (uid 4241, by its uid line)"
[[ $(uxovs 4241 4400 - network-list uuid="$net" params=bridge --minimal) == "$br" ]] ||
    fail "read-only user cannot list networks"
denied "vif-plug needs role vm-operator; you (uid 4241) have read-only" \
    4241 4400 - vif-plug uuid="$v1"
denied "network-create needs role pool-admin; you (uid 4241) have read-only" \
    4241 4400 - network-create name-label=evil

log "vm-operator (uid 4242, primary group 4300; uid 4243, supplementary 4300)"
uxovs 4242 4300 4400 vif-plug uuid="$v1" >/dev/null || fail "vm-operator cannot plug"
uxovs 4243 4243 4400,4300 vif-plug uuid="$v2" >/dev/null ||
    fail "vm-operator by supplementary group cannot plug"
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
expect_ping g1 198.18.0.2
denied "network-create needs role pool-admin; you (uid 4242) have vm-operator" \
    4242 4300 4400 network-create name-label=evil
denied "vif-param-set needs role pool-admin; you (uid 4243) have vm-operator" \
    4243 4243 4400,4300 vif-param-set uuid="$v1" locking-mode=disabled
uxovs 4242 4300 4400 vif-param-set uuid="$v1" domid=1 >/dev/null ||
    fail "vm-operator cannot re-point a VIF's domid"

log "read-only cannot unplug; the guests still ping"
denied "vif-unplug needs role vm-operator; you (uid 4241) have read-only" \
    4241 4400 - vif-unplug uuid="$v1"
[[ $(xovs vif-list uuid="$v1" params=currently-attached --minimal) == true ]] ||
    fail "a refused vif-unplug unplugged $v1"
expect_ping g2 198.18.0.1

log "none (uid 4244: may open the socket, not in the map)"
denied "network-list needs role read-only; you (uid 4244) have none" \
    4244 4400 - network-list
log "uid 4245 is not in the socket's group: no connection at all"
rc=0
err=$(uxovs 4245 4245 - network-list 2>&1) || rc=$?
[[ $rc -eq 1 && $err == *"Permission denied"* ]] ||
    fail "uid 4245 reached the agent: exit $rc, '$err'"
log "ok: uid 4245: $err"

[[ $(xovs network-list params=uuid --minimal) == "$before" ]] ||
    fail "refused calls changed the networks"
[[ $(xovs vif-list uuid="$v1" params=locking-mode --minimal) == network_default ]] ||
    fail "a refused vif-param-set changed $v1"
log "ok: the refused calls changed nothing"

log "the internal socket serves root the VIF hotplug verbs only"
rc=0
err=$("$XOVS_BIN/xovs" --rpc="unix:$XOVS_RUNDIR/agent-internal.sock" \
    network-create name-label=evil 2>&1) || rc=$?
[[ $rc -eq 1 && $err == "xovs: network-create: not allowed on this socket"* ]] ||
    fail "internal socket: network-create: exit $rc, '$err'"
"$XOVS_BIN/xovs" --rpc="unix:$XOVS_RUNDIR/agent-internal.sock" \
    vif-unplug uuid="$v2" >/dev/null || fail "internal socket: vif-unplug refused"
log "ok: internal socket: $err; vif-unplug served"

log "roles/reload: uid 4241 becomes vm-operator"
echo "uid:4241 vm-operator" >>"$T_DIR/roles"
hexec ovs-appctl -t "$XOVS_RUNDIR/xovs-agent.ctl" roles/reload
uxovs 4241 4400 - vif-plug uuid="$v2" >/dev/null || fail "reloaded map not used"
log "ok: after roles/reload uid 4241 plugs"

log "bad maps: refused at reload (old map kept) and at start"
echo "uid:4242 superuser" >>"$T_DIR/roles"
rc=0
err=$(hexec ovs-appctl -t "$XOVS_RUNDIR/xovs-agent.ctl" roles/reload 2>&1) || rc=$?
[[ $rc -ne 0 && $err == *"$T_DIR/roles:6: \"superuser\" is not a role"* ]] ||
    fail "roles/reload of a bad map: exit $rc, '$err'"
uxovs 4241 4400 - vif-unplug uuid="$v2" >/dev/null || fail "old map lost after a bad reload"
log "ok: $err"
agent_stop
rc=0
err=$(ip netns exec "$NS" "$XOVS_BIN/xovs-agent" --ovsdb="$OVSDB" \
    --store="$T_DIR/store.json" --rpc="unix:$T_DIR/agent.sock" \
    --roles="$T_DIR/roles" 2>&1) || rc=$?
[[ $rc -ne 0 && $err == *"$T_DIR/roles:6: \"superuser\" is not a role"* ]] ||
    fail "agent started with a bad role map: exit $rc, '$err'"
log "ok: agent refuses to start: $err"
pass
