#!/bin/bash
# A PIF's management IP (xe pif-reconfigure-ip / -ipv6): the address goes
# on the PIF's network's bridge (its internal interface, where the agent
# runs), a switch host pings it; it changes live; IPv6 static too; the
# management PIF's gateways become the default routes and move with
# host-management-reconfigure (the old PIF keeps its address);
# host-management-disable takes them away; mode none removes the address;
# bad input is refused naming the field and changes nothing.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start_multi 2
switch_host h1 - 198.18.1.2/16
gexec h1 ip addr add 2001:db8:1::2/64 dev eth0 nodad

# refused WANT CMD...: xovs CMD fails saying WANT.
refused() {
    local want=$1 out rc=0
    shift
    out=$(xovs "$@" 2>&1) || rc=$?
    ((rc != 0)) || fail "xovs $* was accepted"
    [[ $out == *"$want"* ]] || fail "xovs $*: '$out' does not say '$want'"
    log "ok: refused: $out"
}
field() { xovs pif-list uuid="$1" params="$2" --minimal; }
addrs() { hexec ip -br addr show dev "$1" 2>/dev/null || true; }
default4() { hexec ip -4 route show default; }
default6() { hexec ip -6 route show default; }
# Polled through wait_until:
# shellcheck disable=SC2317 # called through wait_until
has_addr() { addrs "$1" | grep -q "$2"; }
# shellcheck disable=SC2317 # called through wait_until
no_addr() { ! addrs "$1" | grep -q "$2"; }
# shellcheck disable=SC2317 # called through wait_until
has_route() { "$1" | grep -q "$2"; }
# shellcheck disable=SC2317 # called through wait_until
no_route() { [[ -z $("$1") ]]; }

xovs pif-scan >/dev/null
pif1=$(pif_of_device eth1)
pif2=$(pif_of_device eth2)
ensure_plugged "$pif1"
ensure_plugged "$pif2"
wait_port eth1 xenbr1
wait_port eth2 xenbr2
[[ -z $(default4) ]] || fail "the test namespace has a default route already: $(default4)"

log "static IPv4 on eth1's PIF: 198.18.1.1/16 on xenbr1"
xovs pif-reconfigure-ip uuid="$pif1" mode=static IP=198.18.1.1 \
    netmask=255.255.0.0 gateway=198.18.1.254 DNS=198.18.1.53
wait_until 10 has_addr xenbr1 "198.18.1.1/16" ||
    fail "xenbr1 has no 198.18.1.1/16: $(addrs xenbr1)"
expect_ping h1 198.18.1.1
[[ $(field "$pif1" IP-configuration-mode) == Static ]] || fail "mode: $(field "$pif1" IP-configuration-mode)"
[[ $(field "$pif1" IP) == 198.18.1.1 ]] || fail "IP: $(field "$pif1" IP)"
[[ $(field "$pif1" gateway) == 198.18.1.254 ]] || fail "gateway: $(field "$pif1" gateway)"
[[ $(field "$pif1" DNS) == 198.18.1.53 ]] || fail "DNS: $(field "$pif1" DNS)"
[[ -z $(default4) ]] || fail "a PIF that is not the management PIF set the default route: $(default4)"
log "ok: record and bridge agree, no default route (not the management PIF)"

log "change it: 198.18.1.5/16"
xovs pif-reconfigure-ip uuid="$pif1" mode=static IP=198.18.1.5 \
    netmask=255.255.0.0 gateway=198.18.1.254
wait_until 10 has_addr xenbr1 "198.18.1.5/16" ||
    fail "xenbr1 has no 198.18.1.5/16: $(addrs xenbr1)"
wait_until 10 no_addr xenbr1 "198.18.1.1/" ||
    fail "the old address stayed: $(addrs xenbr1)"
expect_ping h1 198.18.1.5
expect_no_ping h1 198.18.1.1

log "static IPv6 on eth1's PIF: 2001:db8:1::1/64"
xovs pif-reconfigure-ipv6 uuid="$pif1" mode=static IPv6=2001:db8:1::1/64 \
    gateway=2001:db8:1::fe
wait_until 10 has_addr xenbr1 "2001:db8:1::1/64" ||
    fail "xenbr1 has no 2001:db8:1::1/64: $(addrs xenbr1)"
wait_until 10 gexec h1 ping -6 -c 1 -W 1 2001:db8:1::1 >/dev/null ||
    fail "h1 cannot ping 2001:db8:1::1"
log "ok: h1 pings 2001:db8:1::1"
[[ $(field "$pif1" IPv6) == 2001:db8:1::1/64 ]] || fail "IPv6: $(field "$pif1" IPv6)"
[[ $(field "$pif1" IP) == 198.18.1.5 ]] || fail "IPv6 change touched IPv4: $(field "$pif1" IP)"

log "bad input is refused naming the field, nothing changes"
refused 'IP: "198.18.1.300" is not an IPv4 address' \
    pif-reconfigure-ip uuid="$pif1" mode=static IP=198.18.1.300 netmask=255.255.0.0
refused 'netmask: "255.0.255.0" is not a netmask' \
    pif-reconfigure-ip uuid="$pif1" mode=static IP=198.18.1.7 netmask=255.0.255.0
refused 'mode: "manual" is not none, dhcp or static' \
    pif-reconfigure-ip uuid="$pif1" mode=manual
refused 'mode: dhcp is not supported: xovs runs no DHCP client' \
    pif-reconfigure-ip uuid="$pif1" mode=dhcp
refused 'netmask' pif-reconfigure-ip uuid="$pif1" mode=static IP=198.18.1.7
refused 'gateway: 198.19.0.1 is not another address in 198.18.1.7' \
    pif-reconfigure-ip uuid="$pif1" mode=static IP=198.18.1.7 netmask=255.255.0.0 gateway=198.19.0.1
refused 'IP: 198.18.0.0 is the network address' \
    pif-reconfigure-ip uuid="$pif1" mode=static IP=198.18.0.0 netmask=255.255.0.0
refused 'IP: only with mode=static' \
    pif-reconfigure-ip uuid="$pif1" mode=none IP=198.18.1.7
refused 'DNS: "dns.example" is not an IP address' \
    pif-reconfigure-ip uuid="$pif1" mode=static IP=198.18.1.7 netmask=255.255.0.0 DNS=dns.example
refused 'IPv6: "2001:db8:1::9" is not an IPv6 address with a prefix length' \
    pif-reconfigure-ipv6 uuid="$pif1" mode=static IPv6=2001:db8:1::9
refused 'mode: "slaac" is not none, dhcp, static or autoconf' \
    pif-reconfigure-ipv6 uuid="$pif1" mode=slaac
refused 'gateway: "2001:db8:1::zz" is not an IPv6 address' \
    pif-reconfigure-ipv6 uuid="$pif1" mode=static IPv6=2001:db8:1::9/64 gateway=2001:db8:1::zz
refused "pif-uuid: PIF $pif2 (eth2) has no IP configuration" \
    host-management-reconfigure pif-uuid="$pif2"
[[ $(field "$pif1" IP) == 198.18.1.5 && $(field "$pif1" IPv6) == 2001:db8:1::1/64 ]] ||
    fail "a refused call changed the PIF: $(field "$pif1" IP) $(field "$pif1" IPv6)"
expect_ping h1 198.18.1.5

log "management on eth1's PIF: its gateways become the default routes"
xovs host-management-reconfigure pif-uuid="$pif1"
[[ $(field "$pif1" management) == true ]] || fail "eth1's PIF is not the management PIF"
wait_until 10 has_route default4 "default via 198.18.1.254 dev xenbr1" ||
    fail "no IPv4 default route via 198.18.1.254: $(default4)"
wait_until 10 has_route default6 "default via 2001:db8:1::fe dev xenbr1" ||
    fail "no IPv6 default route via 2001:db8:1::fe: $(default6)"
log "ok: $(default4); $(default6 | head -1)"

log "management moves to eth2's PIF (198.19.2.1/24 via 198.19.2.254)"
xovs pif-reconfigure-ip uuid="$pif2" mode=static IP=198.19.2.1 \
    netmask=255.255.255.0 gateway=198.19.2.254
xovs host-management-reconfigure pif-uuid="$pif2"
[[ $(field "$pif2" management) == true && $(field "$pif1" management) == false ]] ||
    fail "management flags: eth1 $(field "$pif1" management), eth2 $(field "$pif2" management)"
wait_until 10 has_route default4 "default via 198.19.2.254 dev xenbr2" ||
    fail "the default route did not move to 198.19.2.254: $(default4)"
[[ $(default4 | wc -l) == 1 ]] || fail "more than one default route: $(default4)"
wait_until 10 no_route default6 ||
    fail "eth1's IPv6 default route stayed: $(default6)"
grep -q "198.18.1.5/16" <<<"$(addrs xenbr1)" || fail "the old management PIF lost its address"
expect_ping h1 198.18.1.5
log "ok: default route via eth2's gateway only; eth1 keeps 198.18.1.5"

log "host-management-disable: no management PIF, no default route"
xovs host-management-disable
[[ $(field "$pif2" management) == false ]] || fail "eth2's PIF is still the management PIF"
wait_until 10 no_route default4 || fail "the default route stayed: $(default4)"
grep -q "198.19.2.1/24" <<<"$(addrs xenbr2)" || fail "eth2's PIF lost its address"

log "mode none: the addresses go"
xovs pif-reconfigure-ip uuid="$pif1" mode=none
xovs pif-reconfigure-ipv6 uuid="$pif1" mode=none
wait_until 10 no_addr xenbr1 "198.18.1.5/" ||
    fail "mode none left 198.18.1.5: $(addrs xenbr1)"
wait_until 10 no_addr xenbr1 "2001:db8:1::1/" ||
    fail "mode none left an address: $(addrs xenbr1)"
expect_no_ping h1 198.18.1.5
[[ $(field "$pif1" IP-configuration-mode) == None && -z $(field "$pif1" IP) ]] ||
    fail "record after mode none: $(field "$pif1" IP-configuration-mode) '$(field "$pif1" IP)'"

log "the records survive an agent restart"
agent_stop
agent_start
[[ $(field "$pif2" IP) == 198.19.2.1 && $(field "$pif2" netmask) == 255.255.255.0 ]] ||
    fail "eth2's IP after restart: $(field "$pif2" IP)/$(field "$pif2" netmask)"

pass
