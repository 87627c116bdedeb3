#!/bin/bash
# lacp-fallback-ab: an LACP bond whose switch does not speak LACP (two plain
# ports) falls back to active-backup and traffic flows; bond-list shows LACP
# not negotiated and one active member.  With lacp-fallback-ab=false the
# same bond carries nothing (no member may be enabled without LACP); back to
# true, traffic flows again.
#
# From bond-create on, bond-list must never say "negotiated": for its first
# 3 s OVS itself reports a new LACP bond "negotiated" (members "expired",
# counted as aggregatable until its rx timer runs out), which xovs shows as
# "negotiating"; then OVS decides: "configured" (no partner, fallback).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start_multi 2
switch_host h1 - 198.18.1.2/24

pifs=$(bond_pifs 2)
net=$(xovs network-create name-label=bond-net)
bond=$(xovs bond-create network-uuid="$net" pif-uuids="$pifs" mode=lacp \
    properties:lacp-time=fast)
br=$(network_bridge "$net")

# Every reading from now until OVS decides: unknown (not on the switch
# yet), negotiating, then configured; never negotiated.
seen=
for ((i = 0; i < 100; i++)); do
    st=$(bond_field "$bond" lacp-status)
    [[ $st == "${seen##* }" ]] || seen+=" $st"
    case $st in
    configured) break ;;
    unknown | negotiating) sleep 0.1 ;;
    *)
        happctl lacp/show bond0 2>&1 | sed "s/^/[$TEST_NAME] | /"
        fail "lacp-status '$st' with no LACP partner (readings:$seen)"
        ;;
    esac
done
[[ $st == configured ]] ||
    fail "lacp-status still '$st' 10 s after bond-create (OVS decides after 3 s; readings:$seen)"
log "ok: lacp-status readings after bond-create:$seen"
wait_bond bond0 "$br"
[[ $(port_col bond0 other_config:lacp-fallback-ab) == true ]] || fail "lacp-fallback-ab is not true"
guest_add g1 1 0 198.18.1.1/24
vif_attach g1 1 0 "$net" >/dev/null
wait_port vif1.0 "$br"
expect_ping g1 198.18.1.2
xovs bond-list uuid="$bond" params=lacp-status,active-slave,slave-status | sed "s/^/[$TEST_NAME] | /"
st=$(bond_field "$bond" lacp-status)
[[ $st == configured ]] || fail "lacp-status '$st' after fallback traffic, want configured"
happctl bond/show bond0 | grep -q "lacp_fallback_ab: true" || fail "OVS does not show lacp_fallback_ab: true"
[[ $(bond_field "$bond" active-slave) == eth[12] ]] || fail "no active member"
log "ok: no LACP partner: lacp-status $st, active member $(bond_field "$bond" active-slave), traffic flows"

xovs bond-param-set uuid="$bond" properties:lacp-fallback-ab=false
wait_until 10 port_is bond0 other_config:lacp-fallback-ab false || fail "lacp-fallback-ab not false in OVS"
expect_no_ping g1 198.18.1.2
st=$(bond_field "$bond" lacp-status)
[[ $st == configured ]] || fail "lacp-status '$st' without fallback, want configured"
log "ok: without fallback, the bond carries nothing (lacp-status $st)"
xovs bond-param-set uuid="$bond" properties:lacp-fallback-ab=
wait_until 10 port_is bond0 other_config:lacp-fallback-ab true || fail "lacp-fallback-ab not back to true"
expect_ping g1 198.18.1.2
pass
