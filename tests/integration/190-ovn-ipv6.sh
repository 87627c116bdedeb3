#!/bin/bash
# xovs-test: alone=ovn
# IPv6 on a pool network (docs/ovn.md, "IPv6"): guests on two hosts of
# scripts/ovn-sandbox reach each other over 2001:db8:7::/64 and over their
# link-local addresses (neighbour discovery across Geneve), as over IPv4.
# g1 (host 1) has no ip-allowed: any address from its MAC, also one it
# adds later.  g2 (host 2) is locked to 198.18.7.2 and 2001:db8:7::2:
# those pass, its link-local address too, but pings from an address it
# added itself (2001:db8:7::66) get no answer, and g1 cannot resolve that
# address (g2's neighbour advertisement for it is dropped).  g3 (host 1)
# is locked to IPv4 only (198.18.7.3): IPv4 passes, IPv6 does not, as in
# XenServer's locked mode without ipv6_allowed; g4 (host 2) is locked to
# IPv6 only (2001:db8:7::4): IPv6 and its link-local pass, IPv4 does not.
# On Debian's OVN 23.03.1 this fails without the controller's port
# security form (every neighbour advertisement dropped: ovn-controller
# matched them on hop limit 225).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

ovn_require
ovn_start 2
ctl_start || fail "xovs-controller did not start"
ovn_hosts 2

priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create"
HNET=()
for i in 1 2; do
    HNET[i]=$(xa "$i" network-create name-label=priv other-config:ovn-network="$priv") ||
        fail "network-create on host $i"
done
place g1 1 1 "${HNET[1]}" "$priv" 198.18.7.1/24
place g2 2 2 "${HNET[2]}" "$priv" 198.18.7.2/24 ip-allowed=198.18.7.2,2001:db8:7::2
place g3 1 3 "${HNET[1]}" "$priv" 198.18.7.3/24 ip-allowed=198.18.7.3
place g4 2 4 "${HNET[2]}" "$priv" 198.18.7.4/24 ip-allowed=2001:db8:7::4
for g in 1 2 3 4; do
    gexec "g$g" ip addr add "2001:db8:7::$g/64" dev eth0 nodad
done
wait_bound g1 g2 g3 g4

# lla NAME: guest NAME's link-local address (the kernel's, from its MAC).
lla() {
    gexec "$1" ip -6 -o addr show dev eth0 scope link |
        sed -n 's/.* inet6 \(fe80::[0-9a-f:]*\)\/64.*/\1/p'
}
L1=$(lla g1)
L2=$(lla g2)
[[ -n $L1 && -n $L2 ]] || fail "no link-local addresses: g1 '$L1', g2 '$L2'"

wait_until 60 gexec g1 ping -c 1 -W 1 198.18.7.2 || fail "g1 does not reach g2 over IPv4"
log "ok: g1 (host 1) reaches g2 (host 2) over IPv4"
# (ping's own deadline: wait_until's count of tries would be minutes here)
gexec g1 ping -6 -c 1 -w 30 2001:db8:7::2 >/dev/null ||
    fail "g1 (host 1) does not reach g2 (host 2) over IPv6: neighbours of g1: $(gexec g1 ip -6 neigh | tr '\n' ';') of g2: $(gexec g2 ip -6 neigh | tr '\n' ';')"
expect_ping g2 -6 2001:db8:7::1
expect_ping g1 -6 "$L2%eth0"
expect_ping g2 -6 "$L1%eth0"
log "ok: g1 and g2 ping each other over 2001:db8:7::/64 and link-local"

ps=$(nbctl get Logical_Switch_Port "${VIFS[g2]}" port_security)
[[ $ps == *"2001:db8:7::2"* && $ps == *"$L2"* ]] ||
    fail "port_security of g2 is $ps: not its IPv6 address and $L2"
log "ok: g2's port security has 2001:db8:7::2 and its link-local $L2"

log "g1 (no ip-allowed) may use any IPv6 address from its MAC"
gexec g1 ip addr add 2001:db8:7::77/64 dev eth0 nodad
expect_ping g1 -6 -I 2001:db8:7::77 2001:db8:7::2
gexec g1 ip addr del 2001:db8:7::77/64 dev eth0

log "g2 (locked): an IPv6 address of its own making"
gexec g2 ip addr add 2001:db8:7::66/64 dev eth0 nodad
expect_no_ping g2 -6 -I 2001:db8:7::66 2001:db8:7::1
expect_no_ping g1 -6 2001:db8:7::66
gexec g2 ip addr del 2001:db8:7::66/64 dev eth0
expect_ping g2 -6 2001:db8:7::1

log "g3 (locked to IPv4 only): IPv4 passes, IPv6 does not"
expect_ping g3 198.18.7.1
expect_no_ping g3 -6 2001:db8:7::1

log "g4 (host 2, locked to IPv6 only): IPv6 passes, IPv4 does not"
gexec g4 ping -6 -c 1 -w 30 2001:db8:7::1 >/dev/null ||
    fail "g4 (host 2) does not reach g1 (host 1) over IPv6"
expect_ping g1 -6 2001:db8:7::4
expect_ping g4 -6 "$L1%eth0"
expect_no_ping g4 198.18.7.1
pass
