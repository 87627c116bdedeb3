#!/bin/bash
# Pool ACL verbs with bad input (docs/ovn.md, "ACLs"; docs/api.md): every
# malformed pool-acl-create, -destroy and -list is rejected whole, with a
# message naming the field, and changes nothing: the controller's store
# file, pool-acl-list and OVN's northbound ACL and Port_Group tables are
# the same before and after.  A store with a malformed ACL record is
# refused at start-up, naming the record; good rules of each form give
# the matches docs/ovn.md describes; "exit" ends the controller without a
# crash.  A single northbound
# ovsdb-server (no Raft, no hosts) is all this needs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

for p in ovsdb-server ovsdb-tool ovn-nbctl; do
    command -v "$p" >/dev/null || skip "$p not installed (ovn-central)"
done
[[ -r /usr/share/ovn/ovn-nb.ovsschema ]] || skip "no OVN NB schema (ovn-central)"
[[ -x $XOVS_BIN/xovs-controller ]] || fail "$XOVS_BIN/xovs-controller not built (make)"
T_DIR=$(mktemp -d "/tmp/xovs-$TEST_NAME.XXXXXX")
NB_PID=
CTL_PID=

# shellcheck disable=SC2317 # run by cleanup() (CLEAN_HOOKS)
bad_cleanup() {
    local p
    for p in "$CTL_PID" "$NB_PID"; do
        [[ -n $p && -d /proc/$p ]] && kill -TERM "$p" 2>/dev/null
    done
    sleep 0.3
    for p in "$CTL_PID" "$NB_PID"; do
        [[ -n $p && -d /proc/$p ]] && kill -KILL "$p" 2>/dev/null
    done
    if [[ $T_FAILED -eq 1 && -r $T_DIR/controller.log ]]; then
        tail -n 15 "$T_DIR/controller.log" | sed "s/^/[$TEST_NAME] | /"
    fi
}
CLEAN_HOOKS+=(bad_cleanup)

ovsdb-tool create "$T_DIR/nb.db" /usr/share/ovn/ovn-nb.ovsschema
ovsdb-server "$T_DIR/nb.db" --remote="punix:$T_DIR/nb.sock" \
    --unixctl="$T_DIR/nb.ctl" --pidfile="$T_DIR/nb.pid" --detach \
    --log-file="$T_DIR/nb.log" 2>>"$T_DIR/nb.stderr" || fail "ovsdb-server"
NB_PID=$(tr -dc 0-9 <"$T_DIR/nb.pid")
nbctl() {
    ovn-nbctl --db="unix:$T_DIR/nb.sock" --timeout=10 "$@"
}
ctl_start() {
    "$XOVS_BIN/xovs-controller" --ovnnb-db="unix:$T_DIR/nb.sock" \
        --store="$T_DIR/controller.json" --rpc="unix:$T_DIR/controller.sock" \
        --unixctl="$T_DIR/controller.ctl" --detach \
        --pidfile="$T_DIR/controller.pid" --log-file="$T_DIR/controller.log" \
        2>>"$T_DIR/controller.stderr"
}
ctl_start || fail "xovs-controller did not start"
CTL_PID=$(tr -dc 0-9 <"$T_DIR/controller.pid")
xc() {
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/controller.sock" "$@"
}
wait_until 10 xc pool-acl-list || fail "xovs-controller does not answer pool-acl-list"

net=$(xc pool-network-create name-label=n1)
vm=$(new_uuid)
vif=$(new_uuid)
xc pool-vif-create uuid="$vif" network-uuid="$net" mac=02:00:c6:12:01:00 \
    host=h1 vm-uuid="$vm" >/dev/null
for args in "level=pool" "level=network target=$net" "level=vm target=$vm" \
    "level=vif target=$vif"; do
    # shellcheck disable=SC2086 # two words
    xc pool-acl-create $args action=deny protocol=tcp port=22 \
        direction=from-vif >/dev/null || fail "valid ACL ($args) refused"
done
# shellcheck disable=SC2317 # run by wait_until
all_applied() {
    [[ $(xc pool-acl-list params=status --minimal) == "applied,applied,applied,applied" ]]
}
wait_until 20 all_applied || fail "ACLs not applied: $(xc pool-acl-list params=status --minimal)"
[[ $(nbctl --bare --columns=_uuid list ACL | grep -c .) -eq 4 ]] ||
    fail "NB does not hold the 4 ACLs: $(nbctl list ACL)"

snapshot() {
    {
        sha256sum <"$T_DIR/controller.json"
        xc pool-acl-list --json
        nbctl --bare --columns=_uuid,priority,direction,match,action,external_ids list ACL | sort
        nbctl --bare --columns=_uuid,name,ports,acls,external_ids list Port_Group | sort
    } 2>&1
}
before=$(snapshot)

# bad FIELD ARGS...: pool-acl-* ARGS is refused with a message naming
# FIELD, and the store file is untouched.
bad() {
    local field=$1 out sum
    shift
    sum=$(sha256sum <"$T_DIR/controller.json")
    if out=$(xc "$@" 2>&1); then
        fail "accepted: xovs $*"
    fi
    [[ $out == *"$field"* ]] || fail "xovs $*: the error does not name $field: '$out'"
    [[ $(sha256sum <"$T_DIR/controller.json") == "$sum" ]] ||
        fail "xovs $*: the store changed"
}
ok_base=(action=deny protocol=tcp direction=to-vif)
c() {
    local field=$1
    shift
    bad "$field" pool-acl-create "$@"
}
log "pool-acl-create: level and target"
c level level=cluster target="$net" "${ok_base[@]}"
c level target="$net" "${ok_base[@]}"
c level level=Pool "${ok_base[@]}"
c target level=network "${ok_base[@]}"
c target level=vm "${ok_base[@]}"
c target level=vif "${ok_base[@]}"
c target level=pool target="$net" "${ok_base[@]}"
c target level=network target="$vif" "${ok_base[@]}"
c target level=network target="$vm" "${ok_base[@]}"
c target level=vif target="$net" "${ok_base[@]}"
c target level=vif target="$vm" "${ok_base[@]}"
c target level=vm target="$vif" "${ok_base[@]}"
c target level=vm target="$net" "${ok_base[@]}"
c target level=vm target="$(new_uuid)" "${ok_base[@]}"
c target level=vif target="$(new_uuid)" "${ok_base[@]}"
c target level=network target=not-a-uuid "${ok_base[@]}"
log "pool-acl-create: action, protocol, direction"
c action level=pool action=reject protocol=tcp direction=to-vif
c action level=pool protocol=tcp direction=to-vif
c protocol level=pool action=allow protocol=sctp direction=to-vif
c protocol level=pool action=allow protocol=TCP direction=to-vif
c direction level=pool action=allow protocol=tcp direction=both
c direction level=pool action=allow protocol=tcp
log "pool-acl-create: port"
for p in 0 65536 22x x -5 30-20 1-2-3 " 22" 022222222 1-; do
    c port level=pool "${ok_base[@]}" port="$p"
done
for proto in icmp arp any; do
    c port level=pool action=deny protocol="$proto" direction=to-vif port=22
done
log "pool-acl-create: remote"
for r in 300.1.1.1 198.18.5.1/24 198.18.5.0/33 2001:db8::1/129 2001:db8::1/64 \
    host.example 198.18.5.0/ /24 198.18.5.0/x; do
    c remote level=pool "${ok_base[@]}" remote="$r"
done
c remote level=pool action=deny protocol=arp direction=to-vif remote=2001:db8::1
log "pool-acl-create: priority, unknown parameters"
for p in 1000 -1 abc 1.5 ""; do
    c priority level=pool "${ok_base[@]}" priority="$p"
done
c colour level=pool "${ok_base[@]}" colour=red
log "pool-acl-destroy and pool-acl-list"
bad uuid pool-acl-destroy uuid=not-a-uuid
bad uuid pool-acl-destroy uuid="$(new_uuid)"
bad uuid pool-acl-destroy
bad params pool-acl-list params=uuid,colour
log "a network with an ACL is not destroyed"
bad pool-acl-destroy pool-network-destroy uuid="$net"

sleep 1
after=$(snapshot)
[[ $after == "$before" ]] ||
    fail "the records or NB changed: $(diff <(echo "$before") <(echo "$after"))"
log "ok: store, pool-acl-list and NB's ACL and Port_Group tables unchanged"

log "a store with a malformed ACL is refused at start-up"
kill -TERM "$CTL_PID"
wait_until 10 test ! -d "/proc/$CTL_PID" || fail "xovs-controller did not exit"
CTL_PID=
cp "$T_DIR/controller.json" "$T_DIR/good.json"
python3 - "$T_DIR/controller.json" <<'PY'
import json, sys
p = sys.argv[1]
db = json.load(open(p))
next(iter(db["acls"].values()))["priority"] = 5000
json.dump(db, open(p, "w"))
PY
if ctl_start; then
    CTL_PID=$(tr -dc 0-9 <"$T_DIR/controller.pid")
    fail "xovs-controller started on a store with a bad ACL"
fi
grep -q "priority" "$T_DIR/controller.stderr" ||
    fail "the refusal does not name the field: $(tail -n 2 "$T_DIR/controller.stderr")"
cp "$T_DIR/good.json" "$T_DIR/controller.json"
ctl_start || fail "xovs-controller did not start on the good store"
CTL_PID=$(tr -dc 0-9 <"$T_DIR/controller.pid")
wait_until 20 all_applied || fail "ACLs not applied after the restart"

log "good rules of each form: canonical fields, OVN matches"
pg=xovs_vif_${vif//-/_}
# good ARGS -- WANT-MATCH: the rule on the VIF is applied with that match.
good() {
    local args=() a m
    while [[ $1 != -- ]]; do
        args+=("$1")
        shift
    done
    a=$(xc pool-acl-create level=vif target="$vif" "${args[@]}") ||
        fail "refused: ${args[*]}"
    wait_until 20 test -n "$(nbctl --bare --columns=_uuid find ACL "external_ids:xovs-acl=$a")" ||
        fail "ACL ${args[*]} not in NB"
    m=$(nbctl --bare --columns=match find ACL "external_ids:xovs-acl=$a")
    [[ $m == "$2" ]] || fail "${args[*]}: match '$m', not '$2'"
    log "ok: ${args[*]} -> $m"
}
good action=allow protocol=udp port=5000-5010 remote=2001:DB8:0::/32 \
    direction=to-vif priority=7 -- \
    "outport == @$pg && udp && udp.dst >= 5000 && udp.dst <= 5010 && ip6.src == 2001:db8::/32"
good action=deny protocol=arp remote=198.18.5.9 direction=from-vif -- \
    "inport == @$pg && arp && arp.tpa == 198.18.5.9"
good action=deny protocol=icmp remote=2001:db8::9/128 direction=from-vif -- \
    "inport == @$pg && icmp6 && ip6.dst == 2001:db8::9"
good action=allow protocol=any remote=198.18.0.0/15 direction=to-vif -- \
    "outport == @$pg && ip4.src == 198.18.0.0/15"
good action=deny protocol=icmp direction=to-vif -- \
    "outport == @$pg && (icmp4 || icmp6)"
[[ $(xc pool-acl-list remote=2001:db8::/32 params=port,priority,ovn-priority --minimal) == "5000-5010,7,1007" ]] ||
    fail "pool-acl-list of the udp rule: $(xc pool-acl-list remote=2001:db8::/32)"

log "exit on its control socket ends it cleanly (its pidfile removed: no crash)"
ovs-appctl -t "$T_DIR/controller.ctl" exit
wait_until 10 test ! -d "/proc/$CTL_PID" || fail "xovs-controller did not exit"
CTL_PID=
[[ ! -e $T_DIR/controller.pid ]] ||
    fail "xovs-controller died on exit: $(tail -n 5 "$T_DIR/controller.stderr")"
pass
