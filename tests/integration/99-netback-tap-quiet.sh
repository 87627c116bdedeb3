#!/bin/bash
# 99-netback-tap-quiet: dom0 does not speak on the guests' segment through
# a VIF's tap (issue 16).  A tap used to come up with IPv6 on: dom0's stack
# sent MLD reports, DAD probes and router solicitations from
# fe:ff:ff:ff:ff:ff (the backend MAC every tap has) through it, which
# netback delivered into its guest's ring, and went on waking netback for
# each tap as the solicitations backed off.  XenServer's vif script takes
# the dom0 side of a VIF off the segment (arp off, multicast off, no
# address); netback now brings its taps up without ARP, multicast or IPv6.
#
# Guest ga's eth0 is captured (frames netback delivered into its ring)
# from before its VIF connects: no frame from fe:ff:ff:ff:ff:ff may arrive
# while ga connects and for 15 s after (the old taps' first frames came
# within seconds of the VIF connecting).  vif1.0 has IPv6 off and no IPv6
# address.  The guests' own IPv6 is untouched: ga and gb ping each other
# over 2001:db8:99::/64 (neighbour discovery is multicast through OVS).
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

command -v tcpdump >/dev/null || skip "tcpdump not installed (Debian: tcpdump)"
nb_host_start
net=$(xovs network-create name-label=nb99)

nb_vif_record ga 1 0 "$net" >/dev/null
nb_guest_start ga 1 0 198.18.99.1/24
cap=$T_DIR/ga.pcap
nb_gexec_bg ga tcpdump -i eth0 -Q in -nn -U -w "$cap" \
    ether src fe:ff:ff:ff:ff:ff 2>"$cap.err"
wait_until 5 grep -q "listening" "$cap.err" ||
    fail "tcpdump did not start: $(cat "$cap.err")"
nb_wait_connected 1 0 60

# from_dom0: frames from the tap's MAC that reached ga.
from_dom0() {
    tcpdump -nn -r "$cap" 2>/dev/null | wc -l
}
# shellcheck disable=SC2317 # called through wait_until
dom0_spoke() {
    (($(from_dom0) > 0))
}
if wait_until 15 dom0_spoke; then
    fail "dom0 spoke into ga's ring through vif1.0:" \
        "$(tcpdump -nn -e -r "$cap" 2>/dev/null | head -n 3 | tr '\n' ' ')"
fi
log "ok: no frame from fe:ff:ff:ff:ff:ff reached ga in 15 s after connecting"

v6=$(hexec cat /proc/sys/net/ipv6/conf/vif1.0/disable_ipv6 2>/dev/null) ||
    skip "no IPv6 in this kernel"
[[ $v6 == 1 ]] || fail "vif1.0 has IPv6 on (disable_ipv6=$v6)"
addrs=$(hexec ip -6 -o addr show dev vif1.0)
[[ -z $addrs ]] || fail "vif1.0 has IPv6 addresses: $addrs"
flags=$(hexec ip -o link show dev vif1.0)
[[ $flags == *NOARP* && $flags != *MULTICAST* ]] ||
    fail "vif1.0 is not NOARP without MULTICAST: $flags"
log "ok: vif1.0 has IPv6 off, no IPv6 address, NOARP, no MULTICAST"

# The guests' IPv6 through the same taps.
nb_guest gb 2 0 "$net" 198.18.99.2/24
gexec ga ip -6 addr add 2001:db8:99::1/64 dev eth0 nodad
gexec gb ip -6 addr add 2001:db8:99::2/64 dev eth0 nodad
expect_ping ga 2001:db8:99::2
expect_ping gb 2001:db8:99::1
(($(from_dom0) == 0)) ||
    fail "dom0 spoke into ga's ring: $(tcpdump -nn -e -r "$cap" 2>/dev/null |
        head -n 3 | tr '\n' ' ')"
log "ok: IPv6 between the guests works; still nothing from dom0 in ga's ring"
pass
