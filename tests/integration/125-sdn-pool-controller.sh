#!/bin/bash
# A pool-wide OpenFlow controller (xovs pool-param-set
# other-config:vswitch-controller=..., with the pool's
# vswitch-controller-fail-mode): it reaches every bridge xovs makes, and
# the guests of two networks talk through it (fail mode secure: only what
# the controller set up passes).  A network's own vswitch-controller
# overrides the pool's on its bridge only; removing the network's key
# falls back to the pool's; a bad pool target is rejected naming the field
# and changes nothing; clearing the pool's key removes its Controller rows.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/sdn-lib.sh
. "$(dirname "$0")/sdn-lib.sh"

host_start
ctl_ns_start
pool_target="tcp:$CTL_IP:6653"
own_target="tcp:$CTL_IP:6654"
controller_start "ptcp:6653:$CTL_IP" "ptcp:6654:$CTL_IP"

# xovs_targets BRIDGE: the targets of the xovs-owned Controller rows of
# BRIDGE, sorted, space-separated.
xovs_targets() {
    local u t
    for u in $(vsctl get Bridge "$1" controller | tr -d '[],'); do
        [[ $(vsctl get Controller "$u" external_ids) == *xovs-owner=xovs-agent* ]] || continue
        t=$(vsctl get Controller "$u" target | tr -d '"')
        echo "$t"
    done | sort | tr '\n' ' ' | sed 's/ $//'
}

net1=$(xovs network-create name-label=n1)
net2=$(xovs network-create name-label=n2)
br1=$(network_bridge "$net1")
br2=$(network_bridge "$net2")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
guest_add g3 3 0 198.18.1.3/24
guest_add g4 4 0 198.18.1.4/24
for g in g1 g2 g3 g4; do
    gexec "$g" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
vif_attach g1 1 0 "$net1" >/dev/null
vif_attach g2 2 0 "$net1" >/dev/null
vif_attach g3 3 0 "$net2" >/dev/null
vif_attach g4 4 0 "$net2" >/dev/null
for p in vif1.0:$br1 vif2.0:$br1 vif3.0:$br2 vif4.0:$br2; do
    wait_port "${p%%:*}" "${p#*:}"
done

log "pool-wide: xovs pool-param-set other-config:vswitch-controller=$pool_target (secure)"
xovs pool-param-set other-config:vswitch-controller="$pool_target" \
    other-config:vswitch-controller-fail-mode=secure >/dev/null
[[ $(xovs pool-list params=other-config --minimal) == *"vswitch-controller: $pool_target"* ]] ||
    fail "pool-list does not show the controller: $(xovs pool-list params=other-config --minimal)"
for br in "$br1" "$br2"; do
    wait_until 10 out_is "$pool_target" xovs_targets "$br" ||
        fail "bridge $br: xovs controllers '$(xovs_targets "$br")', want $pool_target"
    wait_until 10 out_is secure vsctl get Bridge "$br" fail_mode ||
        fail "bridge $br: fail_mode $(vsctl get Bridge "$br" fail_mode), want the pool's secure"
    wait_until 20 controller_connected "$br" "$pool_target" ||
        fail "bridge $br never connected to $pool_target: $(controller_alive)"
done
log "ok: both bridges ($br1, $br2) connected to the pool's $pool_target, fail_mode=secure"
expect_ping g1 198.18.0.2
expect_ping g3 198.18.1.4
for br in "$br1" "$br2"; do
    [[ $(controller_flows "$br") -gt 0 ]] || fail "the controller installed no flows on $br"
done
log "ok: guests of both networks talk through the pool-wide controller"

log "network n1 overrides: other-config:vswitch-controller=$own_target"
xovs network-param-set uuid="$net1" other-config:vswitch-controller="$own_target"
wait_until 10 out_is "$own_target" xovs_targets "$br1" ||
    fail "bridge $br1: xovs controllers '$(xovs_targets "$br1")', want only $own_target"
wait_until 20 controller_connected "$br1" "$own_target" ||
    fail "bridge $br1 never connected to $own_target: $(controller_alive)"
[[ $(xovs_targets "$br2") == "$pool_target" ]] ||
    fail "bridge $br2 lost the pool's controller: '$(xovs_targets "$br2")'"
expect_ping g1 198.18.0.2
log "ok: $br1 uses its network's $own_target, $br2 still the pool's"

log "n1's key removed: back to the pool's controller"
xovs network-param-set uuid="$net1" other-config:vswitch-controller=
wait_until 10 out_is "$pool_target" xovs_targets "$br1" ||
    fail "bridge $br1: xovs controllers '$(xovs_targets "$br1")', want the pool's $pool_target"
wait_until 20 controller_connected "$br1" "$pool_target" ||
    fail "bridge $br1 did not reconnect to $pool_target"
log "ok: $br1 falls back to the pool's $pool_target"

log "bad pool targets: rejected naming the field, nothing changes"
before=$(xovs pool-list --json; xovs_targets "$br1"; xovs_targets "$br2")
for bad in "udp:$CTL_IP:6653" "tcp:198.18.255.300:6653" "tcp:$CTL_IP:70000" \
    "tcp:2001:db8::1" "ptcp:0"; do
    rc=0
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent.sock" pool-param-set \
        other-config:vswitch-controller="$bad" >/dev/null 2>"$T_DIR/err" || rc=$?
    [[ $rc -eq 1 ]] || fail "pool-param-set vswitch-controller=$bad exited $rc, want 1"
    grep -q 'vswitch-controller' "$T_DIR/err" ||
        fail "the error for $bad does not name vswitch-controller: $(cat "$T_DIR/err")"
    log "ok: $bad: $(cat "$T_DIR/err")"
done
sleep 1
after=$(xovs pool-list --json; xovs_targets "$br1"; xovs_targets "$br2")
[[ $before == "$after" ]] || fail "a rejected pool-param-set changed something"
log "ok: nothing changed"

log "pool's key removed: no xovs controller left"
xovs pool-param-set other-config:vswitch-controller= \
    other-config:vswitch-controller-fail-mode= >/dev/null
for br in "$br1" "$br2"; do
    wait_until 10 out_is "" xovs_targets "$br" ||
        fail "bridge $br still has xovs controllers '$(xovs_targets "$br")'"
    wait_until 10 out_is "[]" vsctl get Bridge "$br" fail_mode ||
        fail "bridge $br: fail_mode $(vsctl get Bridge "$br" fail_mode) left after the pool's was removed"
done
log "ok: the pool's controller and fail mode are gone from both bridges"
controller_stop
pass
