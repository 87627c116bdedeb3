#!/bin/bash
# A network with MTU 9000: an 8972-byte ping with DF set passes between two
# guests on it (8972 + 8 ICMP + 20 IP = 9000).  The guests set their own eth0
# to 9000; the host ends (vifN.0) get their MTU only from the agent through
# OVS's mtu_request.  Control: the same guests on a default (1500) network
# cannot pass 9000-byte packets.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
net=$(xovs network-create name-label=jumbo MTU=9000)
br=$(network_bridge "$net")
mtu=$(xovs network-list uuid="$net" params=MTU --minimal)
[[ $mtu == 9000 ]] || fail "network-list says MTU '$mtu', want 9000"
log "network jumbo ($br) has MTU 9000"

guest_add j1 1 0 198.18.0.1/24 9000
guest_add j2 2 0 198.18.0.2/24 9000
vif_attach j1 1 0 "$net" >/dev/null
vif_attach j2 2 0 "$net" >/dev/null
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"

for i in vif1.0 vif2.0; do
    req=$(vsctl get Interface "$i" mtu_request)
    [[ $req == 9000 ]] || fail "$i mtu_request is '$req', want 9000"
    wait_until 10 test "$(vsctl get Interface "$i" mtu)" = 9000 ||
        fail "$i mtu is $(vsctl get Interface "$i" mtu), want 9000"
done
log "ok: vif1.0 and vif2.0 have mtu_request=9000 and mtu 9000"

log "ping -M do -s 8972 (a 9000-byte IP packet, DF set)"
expect_ping j1 -Mdo -s 8972 198.18.0.2
expect_ping j2 -Mdo -s 8972 198.18.0.1

log "control: guests with eth0 mtu 9000 on a default-MTU network"
small=$(xovs network-create name-label=small)
sbr=$(network_bridge "$small")
guest_add s1 3 0 198.18.1.1/24 9000
guest_add s2 4 0 198.18.1.2/24 9000
vif_attach s1 3 0 "$small" >/dev/null
vif_attach s2 4 0 "$small" >/dev/null
wait_port vif3.0 "$sbr"
wait_port vif4.0 "$sbr"
expect_ping s1 198.18.1.2
expect_no_ping s1 -Mdo -s 8972 198.18.1.2
pass
