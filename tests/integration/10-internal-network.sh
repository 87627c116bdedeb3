#!/bin/bash
# Two guests on one internal network ping each other; a third guest on
# another internal network reaches neither of them.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start

log "creating internal networks red and blue"
red=$(xovs network-create name-label=red)
blue=$(xovs network-create name-label=blue)
red_br=$(network_bridge "$red")
blue_br=$(network_bridge "$blue")
log "red = $red on bridge $red_br, blue = $blue on bridge $blue_br"
[[ $red_br == xapi* && $blue_br == xapi* ]] ||
    fail "internal networks should get xapiN bridges, got '$red_br' '$blue_br'"
[[ $red_br != "$blue_br" ]] || fail "two networks share bridge $red_br"

log "guests g1, g2 on red; g3 on blue (same subnet, so only the switch separates them)"
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
guest_add g3 3 0 198.18.0.3/24
vif_attach g1 1 0 "$red" >/dev/null
vif_attach g2 2 0 "$red" >/dev/null
vif_attach g3 3 0 "$blue" >/dev/null
wait_port vif1.0 "$red_br"
wait_port vif2.0 "$red_br"
wait_port vif3.0 "$blue_br"
log "ports: vif1.0 vif2.0 on $red_br, vif3.0 on $blue_br"

vif=$(xovs vif-list params=uuid --minimal | tr ',' '\n' | head -n1)
[[ -n $vif ]] || fail "vif-list shows no VIFs"
ids=$(vsctl get Interface vif1.0 external_ids)
for k in xs-vif-uuid xs-vm-uuid xs-network-uuid attached-mac iface-id; do
    [[ $ids == *"$k"* ]] || fail "vif1.0 external_ids lack $k: $ids"
done
[[ $ids == *"$red"* ]] || fail "vif1.0 external_ids do not name network $red"
log "ok: vif1.0 carries xs-vif-uuid, xs-vm-uuid, xs-network-uuid, attached-mac, iface-id"

expect_ping g1 198.18.0.2
expect_ping g2 198.18.0.1
expect_no_ping g3 198.18.0.1
expect_no_ping g3 198.18.0.2
expect_no_ping g1 198.18.0.3
pass
