#!/bin/bash
# xovs-test: alone=ovn
# Pool ACLs on OVN (docs/ovn.md, "ACLs"): xovs-controller writes the pool's
# ACL records as OVN ACLs in per-target port groups.  Two hosts of
# scripts/ovn-sandbox, guests g1 (VM A) and g3 (VM C) on host 1 and g2
# (VM B, TCP servers on ports 22 and 80) on host 2, all on one private
# pool network.  Shown with real traffic:
#   - a VM rule denies tcp/22 from VM A while ICMP and tcp/80 pass, and
#     VM C is not affected;
#   - VIF rules: a deny of ICMP to g2, and within the level a higher
#     priority allow for one remote that wins;
#   - a network rule denies tcp/80 to every VIF of the network, and a VIF
#     allow (any priority) does not win over it; a pool allow for one
#     remote does (pool > network > VM > VIF);
#   - the rules still act after xovs-controller is restarted (with its NB
#     ACL rows deleted by hand while it was down), after ovn-northd is
#     restarted, after ovn-controller on a host is restarted and after
#     that host's OVS (ovsdb-server and ovs-vswitchd) is restarted.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

ovn_require
for p in curl python3; do
    command -v "$p" >/dev/null || skip "$p not installed"
done
OVN=xa$ID
ovn_start 2
log "xovs-controller in the central namespace"
ctl_start || fail "xovs-controller did not start"
ovn_hosts 2

priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
for i in 1 2; do
    eval "priv$i=\$(xa $i network-create name-label=priv other-config:ovn-network=$priv)"
done

# place_vm NAME HOST DOMID NETWORK-ON-HOST ADDR: a guest of its own VM on
# host HOST, its VIF there (plugged) and in the pool network priv.
place_vm() {
    place "$1" "$2" "$3" "$4" "$priv" "$5" vm-uuid="$(new_uuid)"
}
log "g1 (VM A) and g3 (VM C) on host 1, g2 (VM B) on host 2"
# shellcheck disable=SC2154 # priv1, priv2 set by the eval above
place_vm g1 1 1 "$priv1" 198.18.5.1/24
# shellcheck disable=SC2154
place_vm g2 2 2 "$priv2" 198.18.5.2/24
place_vm g3 1 3 "$priv1" 198.18.5.3/24
wait_bound g1 g2 g3

log "TCP servers on g2: ports 22 and 80 (python3 -m http.server)"
mkdir -p "$T_DIR/www"
echo hello >"$T_DIR/www/index.html"
# (ip netns exec, not gexec: $! must be the server's pid for the cleanup;
# through the gexec function it was a subshell's, and the servers outlived
# the test.)
for port in 22 80; do
    ip netns exec "$(gns g2)" python3 -m http.server "$port" --bind 198.18.5.2 \
        --directory "$T_DIR/www" >>"$T_DIR/http$port.log" 2>&1 &
    OVN_PIDS+=($!)
done

# tcp_ok FROM PORT: FROM's HTTP request to g2:PORT is answered.
tcp_ok() {
    gexec "$1" curl -s -o /dev/null --connect-timeout 2 --max-time 4 \
        "http://198.18.5.2:$2/"
}
# shellcheck disable=SC2317 # run by wait_until
tcp_fails() {
    ! tcp_ok "$@"
}
# shellcheck disable=SC2317 # run by wait_until
icmp_fails() {
    ! gexec "$1" ping -c 2 -i 0.3 -W 1 "$2" >/dev/null 2>&1
}
# expect FROM PORT pass|block: waits (ACL changes take a moment to reach the
# hosts' flows) for the state, then checks it once more.
expect() {
    local g=$1 port=$2 want=$3
    if [[ $want == pass ]]; then
        { wait_until 40 tcp_ok "$g" "$port" && tcp_ok "$g" "$port"; } ||
            fail "$g -> g2:$port is blocked but must pass"
    else
        { wait_until 40 tcp_fails "$g" "$port" && tcp_fails "$g" "$port"; } ||
            fail "$g -> g2:$port passes but must be blocked"
    fi
    log "ok: $g -> g2 tcp/$port: $want"
}
expect_icmp() {
    local g=$1 dst=$2 want=$3
    if [[ $want == pass ]]; then
        ping_ok "$g" "$dst" || fail "$g ping $dst: no answer, but it must pass"
    else
        { wait_until 40 icmp_fails "$g" "$dst" && icmp_fails "$g" "$dst"; } ||
            fail "$g ping $dst: answered, but it must be blocked"
    fi
    log "ok: $g ping $dst: $want"
}
# hv_sync: every host's ovn-controller has caught up with the northbound
# database (what a check that traffic stays blocked needs first).
hv_sync() {
    nbctl --wait=hv --timeout=60 sync || fail "the hosts did not catch up with NB"
}
# shellcheck disable=SC2317 # run by wait_until
applied() {
    [[ $(xc pool-acl-list uuid="$1" params=status --minimal) == applied ]]
}
acl() {
    local a
    a=$(xc pool-acl-create "$@") || fail "pool-acl-create $*"
    wait_until 30 applied "$a" || fail "ACL $a ($*) not applied"
    hv_sync
    echo "$a"
}

wait_until 30 gexec g1 ping -c 1 -W 1 198.18.5.2 || fail "g1 does not reach g2"
for g in g1 g3; do
    expect "$g" 22 pass
    expect "$g" 80 pass
done

log "VM level: deny tcp/22 from VM A (g1)"
vm_deny=$(acl level=vm target="${VMS[g1]}" action=deny protocol=tcp port=22 \
    direction=from-vif)
expect g1 22 block
expect g1 80 pass
expect_icmp g1 198.18.5.2 pass
expect g3 22 pass
pg=$(nbctl --bare --columns=name find Port_Group "external_ids:xovs-pg=\"vm:${VMS[g1]}\"")
[[ $(nbctl --bare --columns=ports list Port_Group "$pg") == \
    "$(nbctl --bare --columns=_uuid find Logical_Switch_Port name="${VIFS[g1]}")" ]] ||
    fail "port group $pg does not hold exactly g1's port"
m=$(nbctl --bare --columns=match find ACL "external_ids:xovs-acl=$vm_deny")
[[ $m == "inport == @$pg && tcp && tcp.dst == 22" ]] || fail "VM ACL's match is '$m'"

log "VIF level: deny ICMP to g2; a priority 10 allow for g3 wins over it"
vif_deny=$(acl level=vif target="${VIFS[g2]}" action=deny protocol=icmp \
    direction=to-vif)
expect_icmp g1 198.18.5.2 block
expect_icmp g3 198.18.5.2 block
expect g3 80 pass
vif_allow=$(acl level=vif target="${VIFS[g2]}" action=allow protocol=icmp \
    remote=198.18.5.3 direction=to-vif priority=10)
expect_icmp g3 198.18.5.2 pass
expect_icmp g1 198.18.5.2 block
log "and the other way round: a deny at priority 20 wins over the allow at 10"
for a in "$vif_deny" "$vif_allow"; do
    xc pool-acl-destroy uuid="$a" >/dev/null || fail "pool-acl-destroy $a"
done
expect_icmp g1 198.18.5.2 pass
expect_icmp g3 198.18.5.2 pass
vif_allow=$(acl level=vif target="${VIFS[g2]}" action=allow protocol=icmp \
    remote=198.18.5.3 direction=to-vif priority=10)
vif_deny=$(acl level=vif target="${VIFS[g2]}" action=deny protocol=icmp \
    remote=198.18.5.3 direction=to-vif priority=20)
expect_icmp g3 198.18.5.2 block
expect_icmp g1 198.18.5.2 pass
xc pool-acl-destroy uuid="$vif_deny" >/dev/null
expect_icmp g3 198.18.5.2 pass
xc pool-acl-destroy uuid="$vif_allow" >/dev/null

log "network level: deny tcp/80 to the network's VIFs"
net_deny=$(acl level=network target="$priv" action=deny protocol=tcp port=80 \
    direction=to-vif)
expect g1 80 block
expect g3 80 block
log "level order: a VIF allow at the top priority does not win over it"
vif_allow=$(acl level=vif target="${VIFS[g2]}" action=allow protocol=tcp \
    port=80 direction=to-vif priority=999)
expect g3 80 block
log "a pool allow for g3 does (the pool's rules come first)"
pool_allow=$(acl level=pool action=allow protocol=tcp port=80 \
    remote=198.18.5.3/32 direction=to-vif)
expect g3 80 pass
expect g1 80 block
log "a pool deny acts on every VIF: deny ICMP from the pool's VIFs to g3"
pool_deny=$(acl level=pool action=deny protocol=icmp remote=198.18.5.3 \
    direction=from-vif)
expect_icmp g1 198.18.5.3 block
expect_icmp g2 198.18.5.3 block
expect_icmp g1 198.18.5.2 pass
xc pool-acl-destroy uuid="$pool_deny" >/dev/null
xc pool-acl-destroy uuid="$vif_allow" >/dev/null
out=$(xc pool-network-destroy uuid="$priv" 2>&1) && fail "a network with ACLs was destroyed"
[[ $out == *pool-acl-destroy* ]] || fail "network destroy with ACLs: unclear error '$out'"

# Now: VM deny tcp/22 from g1, network deny tcp/80 to-vif, pool allow
# tcp/80 from g3.
check_state() {
    expect g1 22 block
    expect g3 22 pass
    expect g1 80 block
    expect g3 80 pass
    expect_icmp g1 198.18.5.2 pass
}

log "xovs-controller restarted, its NB ACL rows deleted by hand while it was down"
kill -TERM "$CTL_PID"
wait_until 10 test ! -d "/proc/$CTL_PID" || fail "xovs-controller did not exit"
CTL_PID=
for a in "$vm_deny" "$net_deny" "$pool_allow"; do
    u=$(nbctl --bare --columns=_uuid find ACL "external_ids:xovs-acl=$a")
    [[ -n $u ]] || fail "ACL $a is not in NB"
    pg=$(nbctl --bare --columns=_uuid find Port_Group "acls{>=}$u")
    nbctl remove Port_Group "$pg" acls "$u"
done
[[ -z $(nbctl --bare --columns=_uuid find ACL "external_ids:xovs-acl=$vm_deny") ]] ||
    fail "the hand-deleted ACL is still there"
expect g1 22 pass
ctl_start || fail "xovs-controller did not start again"
for a in "$vm_deny" "$net_deny" "$pool_allow"; do
    wait_until 30 applied "$a" || fail "ACL $a not applied after the restart"
done
hv_sync
check_state

log "ovn-northd restarted"
crd=$SBOX/$OVN-c
kill -TERM "$(tr -dc 0-9 <"$crd/ovn-northd.pid")"
wait_until 10 test ! -e "$crd/ovn-northd.pid" || sleep 1
ip netns exec "$OVN-c" ovn-northd --ovnnb-db="$OVN_NB_DB" --ovnsb-db="$OVN_SB_DB" \
    --unixctl="$crd/ovn-northd.ctl" --pidfile="$crd/ovn-northd.pid" --detach \
    --log-file="$crd/ovn-northd.log" -vconsole:off 2>>"$T_DIR/northd.stderr" ||
    fail "ovn-northd did not start again"
hv_sync
check_state

log "ovn-controller on host 1 restarted"
hrd=$SBOX/$OVN-h1
p=$(tr -dc 0-9 <"$hrd/ovn-controller.pid")
kill -TERM "$p"
wait_until 10 test ! -d "/proc/$p" || fail "ovn-controller did not exit"
"$OVN_SANDBOX" host-exec "$OVN" 1 ovn-controller "unix:$hrd/db.sock" \
    --pidfile="$hrd/ovn-controller.pid" --detach \
    --log-file="$hrd/ovn-controller.log" -vconsole:off \
    2>>"$T_DIR/ovn-controller.stderr" || fail "ovn-controller did not start again"
hv_sync
check_state

log "OVS on host 1 restarted: ovsdb-server, then ovs-vswitchd"
"$SANDBOX" restart-ovsdb "$OVN-h1" >/dev/null || fail "ovsdb-server on host 1 did not restart"
"$SANDBOX" restart-vswitchd "$OVN-h1" >/dev/null || fail "ovs-vswitchd on host 1 did not restart"
hv_sync
check_state

log "pool-acl-destroy lifts the rules"
for a in "$vm_deny" "$net_deny" "$pool_allow"; do
    xc pool-acl-destroy uuid="$a" >/dev/null || fail "pool-acl-destroy $a"
done
expect g1 22 pass
expect g1 80 pass
[[ $(nbctl --bare --columns=external_ids list Port_Group | grep -c xovs-pg) -eq 0 ]] ||
    fail "port groups are left without ACLs"
pass
