#!/bin/bash
# xovs-test: alone
# The host's TLS identity (xovs ssl-set: key, certificate and CA made with
# Debian's ovs-pki) in OVS's SSL table, xovs-owned, and ovs-testcontroller
# over ssl as a network's OpenFlow controller: guests talk through the
# flows it pushes over TLS.  (Debian's ovs-testcontroller 3.1.0 segfaults
# on its first packet-in over ssl -- also with plain ovs-vsctl set-ssl /
# set-controller, without xovs -- so here it installs its flows at
# connection time, --with-flows, and the guests' traffic needs no
# packet-in; 110 has the learning controller over tcp.)  A
# controller whose certificate comes from another CA is refused (never
# connected, no traffic passes in secure mode).  With bootstrap-ca-cert=true
# and no CA certificate yet, the switch takes it from the controller on the
# first connection, saves it, and connects.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/sdn-lib.sh
. "$(dirname "$0")/sdn-lib.sh"

host_start
ctl_ns_start
pki=$T_DIR/pki
foreign=$T_DIR/foreign-pki
log "PKIs: ours (host-switch, ctl) and a foreign one (evil)"
pki_init "$pki" host-switch ctl
pki_init "$foreign" evil
target="ssl:$CTL_IP:6653"

ssl=$(xovs ssl-set private-key="$pki/host-switch-privkey.pem" \
    certificate="$pki/host-switch-cert.pem" ca-cert="$pki/controllerca/cacert.pem")
[[ $ssl =~ ^[0-9a-f-]{36}$ ]] || fail "ssl-set printed '$ssl', not a uuid"
wait_until 10 out_isnt "[]" vsctl get Open_vSwitch . ssl || fail "no SSL row"
row=$(vsctl get Open_vSwitch . ssl)
[[ $(vsctl get SSL "$row" private_key | tr -d '"') == "$pki/host-switch-privkey.pem" ]] ||
    fail "SSL private_key is $(vsctl get SSL "$row" private_key)"
[[ $(vsctl get SSL "$row" external_ids) == *xovs-owner=xovs-agent* ]] ||
    fail "the SSL row is not marked xovs-owned"
[[ $(xovs ssl-list params=ca-cert --minimal) == "$pki/controllerca/cacert.pem" ]] ||
    fail "ssl-list does not show the CA certificate"
log "ok: SSL row (xovs-owned) holds the host's key, certificate and CA"

echo "priority=1,actions=NORMAL" >"$T_DIR/normal.flows"
controller_start -p "$pki/ctl-privkey.pem" -c "$pki/ctl-cert.pem" \
    -C "$pki/switchca/cacert.pem" --with-flows="$T_DIR/normal.flows" \
    "pssl:6653:$CTL_IP"
net=$(xovs network-create name-label=sdn other-config:vswitch-controller="$target" \
    other-config:vswitch-controller-fail-mode=secure)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
guest_add g3 3 0 198.18.0.3/24
vif_attach g1 1 0 "$net" >/dev/null
vif_attach g2 2 0 "$net" >/dev/null
vif_attach g3 3 0 "$net" >/dev/null
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
wait_port vif3.0 "$br"
wait_until 15 controller_connected "$br" "$target" ||
    fail "no TLS connection to $target: $(grep -i ssl "$RUNDIR/ovs-vswitchd.log" | tail -n 3); $(controller_alive)"
wait_until 10 out_gt 0 controller_flows "$br" ||
    fail "the controller installed no flows over TLS"
expect_ping g1 198.18.0.2
log "ok: $br connected to $target over TLS; g1 <-> g2 on the flows it pushed"
ofctl dump-flows "$br" cookie=0/-1 | grep -v table=254 | grep actions= | sed "s/^/[$TEST_NAME] |  /"

log "a controller with a certificate of another CA"
controller_stop
echo "priority=9,dl_type=0x88b5,actions=drop" >"$T_DIR/evil.flows"
controller_start -p "$foreign/evil-privkey.pem" -c "$foreign/evil-cert.pem" \
    -C "$pki/switchca/cacert.pem" --with-flows="$T_DIR/evil.flows" \
    "pssl:6653:$CTL_IP"
sleep 10 # two reconnection attempts at least
if controller_connected "$br" "$target"; then
    fail "the switch accepted a controller certificate from a foreign CA"
fi
grep -qiE 'certificate verify failed|ssl' "$RUNDIR/ovs-vswitchd.log" ||
    fail "ovs-vswitchd's log says nothing about the refused certificate"
log "ok: refused: $(grep -iE 'certificate verify failed' "$RUNDIR/ovs-vswitchd.log" | tail -n 1 | cut -c 1-160)"
if ofctl dump-flows "$br" | grep -q 'dl_type=0x88b5'; then
    fail "the foreign controller's flow reached the switch"
fi
log "ok: the foreign controller's flow never reached the switch"
controller_stop

log "bootstrap: no CA certificate yet; the controller sends its CA"
boot_ca=$T_DIR/boot/cacert.pem
mkdir -p "$T_DIR/boot"
xovs ssl-set private-key="$pki/host-switch-privkey.pem" \
    certificate="$pki/host-switch-cert.pem" ca-cert="$boot_ca" \
    bootstrap-ca-cert=true >/dev/null
wait_until 10 out_is true vsctl get SSL "$row" bootstrap_ca_cert ||
    fail "bootstrap_ca_cert not set in the SSL row $row"
controller_start -p "$pki/ctl-privkey.pem" -c "$pki/ctl-cert.pem" \
    -C "$pki/switchca/cacert.pem" --peer-ca-cert="$pki/controllerca/cacert.pem" \
    --with-flows="$T_DIR/normal.flows" "pssl:6653:$CTL_IP"
wait_until 30 test -s "$boot_ca" || fail "the CA certificate was not bootstrapped into $boot_ca"
fp() { openssl x509 -noout -fingerprint -sha256 -in "$1"; }
[[ $(fp "$boot_ca") == "$(fp "$pki/controllerca/cacert.pem")" ]] ||
    fail "the bootstrapped CA certificate is not the controller CA's"
log "ok: bootstrapped $(fp "$boot_ca")"
wait_until 30 controller_connected "$br" "$target" ||
    fail "no connection after bootstrapping the CA certificate"
expect_ping g1 198.18.0.3
log "ok: CA certificate bootstrapped from the controller, then connected"

xovs ssl-clear uuid="$ssl" >/dev/null
wait_until 10 out_is "[]" vsctl get Open_vSwitch . ssl || fail "ssl-clear left the SSL row"
log "ok: ssl-clear removed the SSL row"
pass
