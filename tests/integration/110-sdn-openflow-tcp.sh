#!/bin/bash
# xovs-test: alone
# Debian's ovs-testcontroller as the OpenFlow controller of a network's
# bridge over tcp (network other_config:vswitch-controller): guests talk
# through it, and the agent never fights it -- the controller's flows and a
# flow of a third party's cookie survive the agent's flow updates and drift
# checks.  Fail modes, set live by network-param-set: controller killed,
# secure keeps the flows it had (a conversation in progress goes on) and
# passes no new traffic to a destination it never learned; standalone falls
# back to normal learning within 3 inactivity probes (5 s each by default;
# the failover time is measured and printed).  vswitch-disable-in-band
# reaches other_config:disable-in-band and leaves no in-band rules.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/sdn-lib.sh
. "$(dirname "$0")/sdn-lib.sh"

host_start
ctl_ns_start
target="tcp:$CTL_IP:6653"
controller_start "ptcp:6653:$CTL_IP"
log "$(ovs-testcontroller --version | head -n 1)"

net=$(xovs network-create name-label=sdn other-config:vswitch-controller="$target" \
    other-config:vswitch-controller-fail-mode=secure \
    other-config:vswitch-disable-in-band=true)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
guest_add g3 3 0 198.18.0.3/24
for g in g1 g2 g3; do
    gexec "$g" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
vif_attach g1 1 0 "$net" >/dev/null
vif_attach g2 2 0 "$net" >/dev/null
vif3=$(vif_attach g3 3 0 "$net")
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
wait_port vif3.0 "$br"

[[ $(vsctl get Bridge "$br" fail_mode) == secure ]] ||
    fail "fail_mode is $(vsctl get Bridge "$br" fail_mode), want secure"
[[ $(vsctl get Bridge "$br" other_config:disable-in-band | tr -d '"') == true ]] ||
    fail "other_config:disable-in-band is not true"
ctl_ids=$(vsctl --bare --columns=external_ids find Controller target="\"$target\"")
[[ $ctl_ids == *xovs-owner=xovs-agent* ]] || fail "no xovs-owned Controller $target ($ctl_ids)"
wait_until 15 controller_connected "$br" "$target" ||
    fail "bridge $br never connected to $target: $(tail -n 5 "$RUNDIR/ovs-vswitchd.log")"
log "ok: $br has controller $target (connected), fail_mode=secure, disable-in-band=true"
inband=$(happctl bridge/dump-flows "$br" | grep -c 'priority=18[0-9][0-9][0-9][0-9]' || true)
[[ $inband -eq 0 ]] || fail "$inband in-band rules on $br although in-band is disabled"
log "ok: no in-band rules on $br"

# Static neighbours: a later ARP probe between g1 and g2 would make the
# learning controller add flows while the test compares flow tables.  With
# no ARP to teach it the MACs, g2 pings first: then g1's echo requests and
# g2's replies both get flows (the controller floods, and installs nothing
# for, a frame to a MAC it has not seen).
gexec g1 ip neigh replace 198.18.0.2 lladdr "$(guest_mac 2 0)" dev eth0 nud permanent
gexec g2 ip neigh replace 198.18.0.1 lladdr "$(guest_mac 1 0)" dev eth0 nud permanent
expect_ping g2 198.18.0.1
expect_ping g1 198.18.0.2
n_ctl=$(controller_flows "$br")
[[ $n_ctl -gt 0 ]] || fail "the controller installed no flows"
log "ok: g1 <-> g2 through the controller, which installed $n_ctl flows"

log "a third party's flow (cookie 0x5d5d) and the controller's flows survive the agent"
ofctl add-flow "$br" "cookie=0x5d5d,priority=7,dl_type=0x88b5,actions=drop"
ofctl dump-flows "$br" --no-stats | grep -v 'cookie=0x786f7673' |
    grep 'actions=' | sed -E 's/(duration|idle_age|hard_age)=[^,]*, ?//g' |
    sort >"$T_DIR/flows.before"
# The agent rewrites its own flows (a bundle: delete by its cookie, add):
xovs vif-param-set uuid="$vif3" locking-mode=locked ipv4-allowed=198.18.0.3
wait_until 10 out_gt 0 agent_flows "$br" ||
    fail "the agent's locking flows for vif3.0 did not appear"
sleep 3 # three of the agent's drift checks
ofctl dump-flows "$br" --no-stats | grep -v 'cookie=0x786f7673' |
    grep 'actions=' | sed -E 's/(duration|idle_age|hard_age)=[^,]*, ?//g' |
    sort >"$T_DIR/flows.after"
if ! diff -u "$T_DIR/flows.before" "$T_DIR/flows.after" >"$T_DIR/flows.diff"; then
    sed "s/^/[$TEST_NAME] | /" "$T_DIR/flows.diff"
    fail "flows the agent does not own changed when it updated its own"
fi
if grep -q 'repairing drift' "$T_DIR/agent.log"; then
    fail "the agent took the controller's flows for drift: $(grep 'repairing drift' "$T_DIR/agent.log" | head -n 3)"
fi
sed "s/^/[$TEST_NAME] |   /" "$T_DIR/flows.before"
log "ok: these $(wc -l <"$T_DIR/flows.before") flows (not the agent's) unchanged after its update and 3 s of checks"
xovs vif-param-set uuid="$vif3" locking-mode=network_default >/dev/null

log "secure: the controller dies"
controller_stop
expect_ping g1 198.18.0.2
[[ $(controller_flows "$br") -ge $n_ctl ]] || fail "secure mode lost the controller's flows"
log "ok: secure kept the controller's flows; g1 <-> g2 goes on"
expect_no_ping g1 198.18.0.3
sleep 16 # longer than 3 inactivity probes: secure never fails open
expect_no_ping g1 198.18.0.3
log "ok: secure passes no new traffic (g1 -> g3, never learned) without its controller"

log "standalone: set live, controller back, then killed"
xovs network-param-set uuid="$net" other-config:vswitch-controller-fail-mode=standalone >/dev/null
wait_until 10 out_is standalone vsctl get Bridge "$br" fail_mode ||
    fail "fail_mode did not become standalone"
controller_start "ptcp:6653:$CTL_IP"
wait_until 20 controller_connected "$br" "$target" || fail "no reconnection to $target"
expect_ping g1 198.18.0.2
controller_stop
t0=$(now_ms)
until gexec g1 ping -c 1 -W 1 198.18.0.3 >/dev/null 2>&1; do
    (($(now_ms) - t0 < 30000)) || fail "standalone did not fail open within 30 s"
done
t=$(($(now_ms) - t0))
probe=$(vsctl get Controller "$(vsctl --bare --columns=_uuid find Controller target="\"$target\"")" inactivity_probe | tr -d '[]"')
probe=${probe:-5000}
log "standalone failover: new traffic passes $t ms after the controller died (inactivity probe $probe ms)"
# OVS fails open once 3 probe intervals have passed since the controller
# last spoke, counted in whole seconds; plus up to 1 s for the ping in
# flight (-W 1): 2.5 s of slack.
((t <= 3 * probe + 2500)) || fail "failover took $t ms, more than 3 inactivity probes ($((3 * probe)) ms)"
expect_ping g2 198.18.0.3
pass
