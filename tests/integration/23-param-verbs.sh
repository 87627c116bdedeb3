#!/bin/bash
# xe's generic verbs on every record kind, through the CLI against the
# agent: KIND-param-get/-add/-remove/-clear on a network, PIFs, a bond, a
# VLAN (on the bond) and a VIF; list verbs with params= and --minimal.
# Bad input -- an unknown param-name, a read-only field, a key on a field
# that is not a map, a duplicate key -- is refused naming the field, with
# xe's exit codes, and changes nothing.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

host_start
switch_start_multi 2
xovs pif-scan >/dev/null
eth1=$(pif_of_device eth1)
eth2=$(pif_of_device eth2)

# is WANT CMD...: CMD prints exactly WANT.
is() {
    local want=$1 got
    shift
    got=$(xovs "$@") || fail "xovs $* failed"
    [[ $got == "$want" ]] || fail "xovs $*: '$got', want '$want'"
}
# refused CODE WANT CMD...: CMD exits CODE saying WANT.
refused() {
    local code=$1 want=$2 out rc=0
    shift 2
    out=$(xovs "$@" 2>&1) || rc=$?
    [[ $rc == "$code" ]] || fail "xovs $*: exit $rc ($out), want $code"
    [[ $out == *"$want"* ]] || fail "xovs $*: '$out' does not say '$want'"
}

log "network"
net=$(xovs network-create name-label=n1 name-description=first MTU=9000)
is 9000 network-param-get uuid="$net" param-name=MTU
is n1 network-param-get uuid="$net" param-name=name-label
xovs network-param-add uuid="$net" param-name=other-config \
    vswitch-controller-fail-mode=secure colour=blue
is secure network-param-get uuid="$net" param-name=other-config \
    param-key=vswitch-controller-fail-mode
is "colour: blue; vswitch-controller-fail-mode: secure" \
    network-param-get uuid="$net" param-name=other-config
refused 1 "colour: other-config of network $net already has this key" \
    network-param-add uuid="$net" param-name=other-config colour=red
refused 1 'other-config:vswitch-controller-fail-mode: vswitch-controller-fail-mode: "open" is not standalone or secure' \
    network-param-set uuid="$net" other-config:vswitch-controller-fail-mode=open
xovs network-param-remove uuid="$net" param-name=other-config param-key=colour
is "vswitch-controller-fail-mode: secure" network-param-get uuid="$net" \
    param-name=other-config
xovs network-param-clear uuid="$net" param-name=name-description
is "" network-param-get uuid="$net" param-name=name-description
xovs network-param-clear uuid="$net" param-name=other-config
is "" network-param-get uuid="$net" param-name=other-config
refused 2 "param-name: colour is not a field of a network" \
    network-param-get uuid="$net" param-name=colour
refused 1 "param-name: bridge of a network is read-only" \
    network-param-clear uuid="$net" param-name=bridge
refused 1 "param-key: MTU is not a map parameter" \
    network-param-get uuid="$net" param-name=MTU param-key=x
refused 1 "param-name: MTU is not a map or set parameter" \
    network-param-add uuid="$net" param-name=MTU x=1
refused 1 "name-label: must not be empty" \
    network-param-clear uuid="$net" param-name=name-label
is n1 network-param-get uuid="$net" param-name=name-label
is "$net,9000" network-list uuid="$net" params=uuid,MTU --minimal
is "$net" network-list name-label=n1 --minimal

log "PIF"
is eth1 pif-param-get uuid="$eth1" param-name=device
xovs pif-param-add uuid="$eth1" param-name=other-config ethtool-gro=off
is off pif-param-get uuid="$eth1" param-name=other-config param-key=ethtool-gro
refused 1 "param-name: MAC of a PIF is read-only" \
    pif-param-add uuid="$eth1" param-name=MAC x=y
xovs pif-param-remove uuid="$eth1" param-name=other-config param-key=ethtool-gro
is "" pif-param-get uuid="$eth1" param-name=other-config
is "eth1,eth2" pif-list physical=true params=device --minimal

log "bond"
bnet=$(xovs network-create name-label=bondnet)
bond=$(xovs bond-create network-uuid="$bnet" pif-uuids="$eth1,$eth2")
is balance-slb bond-param-get uuid="$bond" param-name=mode
xovs bond-param-add uuid="$bond" param-name=properties updelay=5000
is 5000 bond-param-get uuid="$bond" param-name=properties param-key=updelay
wait_until 10 test "$(vsctl get Port bond0 bond_updelay)" = 5000 ||
    fail "bond0 bond_updelay is $(vsctl get Port bond0 bond_updelay), want 5000"
log "ok: bond-param-add properties updelay=5000 reached OVS"
refused 1 "properties:hashing_algorithm" \
    bond-param-add uuid="$bond" param-name=properties hashing_algorithm=md5
xovs bond-param-remove uuid="$bond" param-name=properties param-key=updelay
refused 1 "param-key: properties of bond $bond has no key \"updelay\"" \
    bond-param-get uuid="$bond" param-name=properties param-key=updelay
refused 1 "param-name: slaves of a bond is read-only" \
    bond-param-clear uuid="$bond" param-name=slaves

log "VLAN (on the bond)"
master=$(xovs bond-list uuid="$bond" params=master --minimal)
v10=$(xovs network-create name-label=v10)
vlan=$(xovs vlan-create pif-uuid="$master" network-uuid="$v10" vlan=10)
is 10 vlan-param-get uuid="$vlan" param-name=tag
is "$master" vlan-param-get uuid="$vlan" param-name=tagged-PIF
refused 1 "param-name: tag of a VLAN is read-only" \
    vlan-param-clear uuid="$vlan" param-name=tag
refused 1 "uuid: no VLAN with uuid $bond" \
    vlan-param-get uuid="$bond" param-name=tag

log "VIF"
guest_add g1 1 0 198.18.0.1/24
vif=$(vif_attach g1 1 0 "$net" locking-mode=locked ipv4-allowed=198.18.0.1)
wait_port vif1.0 "$(network_bridge "$net")"
xovs vif-param-add uuid="$vif" param-name=ipv4-allowed param-key=198.18.0.2
is "198.18.0.1; 198.18.0.2" vif-param-get uuid="$vif" param-name=ipv4-allowed
# shellcheck disable=SC2317 # called through wait_until
allowed_in_ovs() {
    ofctl dump-flows "$(network_bridge "$net")" | grep -q "nw_src=$1"
}
wait_until 10 allowed_in_ovs 198.18.0.2 ||
    fail "no locking flow for the added address"
log "ok: the address added with vif-param-add is allowed in OVS"
xovs vif-param-remove uuid="$vif" param-name=ipv4-allowed param-key=198.18.0.1
is 198.18.0.2 vif-param-get uuid="$vif" param-name=ipv4-allowed
refused 1 'ipv4-allowed: "300.1.1.1" is not an IPv4 address' \
    vif-param-add uuid="$vif" param-name=ipv4-allowed param-key=300.1.1.1
refused 1 "x: ipv4-allowed is a set: give the element as param-key=VALUE" \
    vif-param-add uuid="$vif" param-name=ipv4-allowed x=1
xovs vif-param-clear uuid="$vif" param-name=ipv4-allowed
is "" vif-param-get uuid="$vif" param-name=ipv4-allowed
is locked vif-param-get uuid="$vif" param-name=locking-mode
refused 1 "param-name: counters of a VIF is read-only" \
    vif-param-clear uuid="$vif" param-name=counters
is "$vif,9000,locked" vif-list params=uuid,MTU,locking-mode --minimal
pass
