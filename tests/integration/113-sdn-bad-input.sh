#!/bin/bash
# Bad input for the SDN and TLS verbs: each bad request is rejected whole
# with exit status 1 and a message naming the field, and changes nothing
# (the records' lists and OVS's bridges, managers, controllers and SSL row
# stay the same); unknown parameters are usage errors (exit 2).  A target
# an object xovs did not create already has (here: SSL settings made with
# ovs-vsctl) is refused the same way.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/sdn-lib.sh
. "$(dirname "$0")/sdn-lib.sh"

host_start
net=$(xovs network-create name-label=n1 other-config:vswitch-controller=tcp:198.18.255.2:6653)
br=$(network_bridge "$net")
xovs sdn-controller-introduce protocol=ptcp port=6640 >/dev/null
wait_until 10 vsctl br-exists "$br" || fail "no bridge $br"
wait_until 10 out_isnt "" manager_row ptcp:6640 || fail "no manager ptcp:6640"
# Someone else's TLS settings: xovs must not take them over.
vsctl set-ssl /etc/foreign/key.pem /etc/foreign/cert.pem /etc/foreign/ca.pem
nobody=$(new_uuid)

snapshot() {
    xovs network-list --json
    xovs sdn-controller-list --json
    xovs ssl-list --json
    ovs_state
    vsctl --format=csv --data=bare --no-headings --columns=target,external_ids list Manager | sort
    vsctl --format=csv --data=bare --no-headings --columns=target,external_ids list Controller | sort
    vsctl --format=csv --data=bare --no-headings --columns=private_key,certificate,ca_cert,bootstrap_ca_cert,external_ids list SSL
    vsctl --format=csv --data=bare --no-headings --columns=fail_mode,other_config list Bridge
}
sleep 1
snapshot >"$T_DIR/before"

log "sdn-controller-introduce"
reject '^xovs: protocol:' sdn-controller-introduce protocol=udp address=198.18.255.2
reject '^xovs: protocol:' sdn-controller-introduce protocol=TCP address=198.18.255.2
reject '^xovs: protocol:.*required' sdn-controller-introduce address=198.18.255.2
reject '^xovs: address:' sdn-controller-introduce protocol=tcp
reject '^xovs: address:' sdn-controller-introduce protocol=ssl address=
reject '^xovs: address:' sdn-controller-introduce protocol=tcp address=controller.example
reject '^xovs: address:' sdn-controller-introduce protocol=tcp address=198.18.255.300
reject '^xovs: port:' sdn-controller-introduce protocol=ptcp port=0
reject '^xovs: port:' sdn-controller-introduce protocol=ptcp port=65536
reject '^xovs: port:' sdn-controller-introduce protocol=ptcp port=-1
reject '^xovs: port:' sdn-controller-introduce protocol=ptcp port=6632x
reject '^xovs: port:.*already' sdn-controller-introduce protocol=ptcp port=6640

log "sdn-controller-forget"
reject '^xovs: uuid:.*no SDN controller' sdn-controller-forget uuid="$nobody"
reject '^xovs: uuid:' sdn-controller-forget uuid=not-a-uuid
reject '^xovs: uuid:.*required' sdn-controller-forget

log "ssl-set, ssl-clear"
reject '^xovs: private-key:.*absolute' ssl-set private-key=key.pem certificate=/c.pem ca-cert=/ca.pem
reject '^xovs: certificate:.*required' ssl-set private-key=/k.pem ca-cert=/ca.pem
reject '^xovs: ca-cert:.*absolute' ssl-set private-key=/k.pem certificate=/c.pem ca-cert=
reject '^xovs: bootstrap-ca-cert:' ssl-set private-key=/k.pem certificate=/c.pem ca-cert=/ca.pem bootstrap-ca-cert=maybe
reject '^xovs: private-key:.*own' ssl-set private-key=/k.pem certificate=/k.pem ca-cert=/ca.pem
reject 'SSL settings xovs did not create' ssl-set private-key=/k.pem certificate=/c.pem ca-cert=/ca.pem
reject '^xovs: uuid:.*no SSL' ssl-clear uuid="$nobody"

log "OpenFlow controllers and fail modes of a network"
reject 'vswitch-controller:' network-param-set uuid="$net" other-config:vswitch-controller=udp:198.18.255.2:6653
reject 'vswitch-controller:' network-param-set uuid="$net" other-config:vswitch-controller=tcp:controller.example:6653
reject 'vswitch-controller:' network-param-set uuid="$net" other-config:vswitch-controller=tcp:198.18.255.2:99999
reject 'vswitch-controller:' network-param-set uuid="$net" other-config:vswitch-controller=tcp:2001:db8::1
reject 'vswitch-controller:' network-param-set uuid="$net" other-config:vswitch-controller=ptcp:port
reject 'vswitch-controller:' network-param-set uuid="$net" "other-config:vswitch-controller=   "
reject 'vswitch-controller:' network-create name-label=n2 other-config:vswitch-controller=ssl
reject 'vswitch-controller-fail-mode:' network-param-set uuid="$net" other-config:vswitch-controller-fail-mode=open
reject 'vswitch-disable-in-band:' network-param-set uuid="$net" other-config:vswitch-disable-in-band=yes
nrej=$BAD_CASES

log "usage errors"
usage_error sdn-controller-introduce protocol=tcp colour=red
usage_error ssl-set private-key=/k.pem certificate=/c.pem ca-cert=/ca.pem bootstrap=true
usage_error sdn-controller-list no-such-field=1

log "and valid ones still work: IPv6, passive on an address"
v6=$(xovs sdn-controller-introduce protocol=tcp address=2001:db8::0:1 port=6641)
[[ $(xovs sdn-controller-list uuid="$v6" params=target --minimal) == "tcp:[2001:db8::1]:6641" ]] ||
    fail "IPv6 target: $(xovs sdn-controller-list uuid="$v6" params=target --minimal)"
xovs network-param-set uuid="$net" "other-config:vswitch-controller=tcp:[2001:db8::1]:6653 ptcp:6654:198.18.255.1" >/dev/null
wait_until 10 out_isnt "" vsctl --bare --columns=_uuid find Controller target='"ptcp:6654:198.18.255.1"' ||
    fail "no Controller ptcp:6654:198.18.255.1"
log "$nrej bad requests rejected with their field named, nothing changed; $((BAD_CASES - nrej)) usage errors"
pass
