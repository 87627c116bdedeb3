#!/bin/bash
# xovs ssl-create-host-cert: the host's key and certificate made with
# Debian's ovs-pki in a PKI directory of the test's own (its CAs created
# with init-ca=true), checked and put into the SSL table; ssl-list shows
# what the certificate says (subject, issuer, SHA-256 fingerprint, expiry).
# ovs-testcontroller over ssl with a certificate of that PKI's controller
# CA is accepted (guests talk through the flows it pushes, fail mode
# secure); one with a certificate of a foreign CA is refused.  Run again,
# the verb reads the existing files instead of replacing them; a key
# without its certificate is refused and left alone; without init-ca a
# PKI with no CA is refused.  With bootstrap-ca-cert=true the CA
# certificate the controller sends is saved and then trusted.  (As in
# 111, ovs-testcontroller installs its flows at connection time,
# --with-flows: Debian's 3.1.0 crashes on a packet-in over ssl.)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/sdn-lib.sh
. "$(dirname "$0")/sdn-lib.sh"

command -v ovs-pki >/dev/null || skip "ovs-pki not installed (openvswitch-common)"
host_start
ctl_ns_start
pki=$T_DIR/pki
etc=$T_DIR/etc
foreign=$T_DIR/foreign-pki
mkdir -p "$etc"
target="ssl:$CTL_IP:6653"
fp() { openssl x509 -noout -fingerprint -sha256 -in "$1" | cut -d= -f2; }

# rejected PATTERN ARGS...: xovs ARGS exits 1 naming PATTERN.
rejected() {
    local pattern=$1 rc=0
    shift
    "$XOVS_BIN/xovs" --rpc="unix:$T_DIR/agent.sock" "$@" >"$T_DIR/out" 2>"$T_DIR/err" || rc=$?
    [[ $rc -eq 1 ]] || fail "xovs $* exited $rc, want 1: $(cat "$T_DIR/err")"
    grep -qE -- "$pattern" "$T_DIR/err" || fail "xovs $*: '$(cat "$T_DIR/err")' does not name $pattern"
    [[ ! -s $T_DIR/out ]] || fail "xovs $* printed $(cat "$T_DIR/out")"
    log "ok: refused: $(cat "$T_DIR/err")"
}

log "bad input: nothing made, no SSL record"
rejected 'pki-dir: .* init-ca=true' ssl-create-host-cert pki-dir="$pki" dir="$etc" name=host
rejected '^xovs: name: ' ssl-create-host-cert pki-dir="$pki" init-ca=true dir="$etc" name=../host
rejected '^xovs: pki-dir: ' ssl-create-host-cert pki-dir=pki init-ca=true dir="$etc"
rejected '^xovs: init-ca: ' ssl-create-host-cert pki-dir="$pki" init-ca=maybe dir="$etc"
rejected '^xovs: dir: ' ssl-create-host-cert pki-dir="$pki" init-ca=true dir="$T_DIR/nodir"
[[ ! -e $pki && -z $(ls "$etc") ]] || fail "a rejected request made files: $(ls "$pki" "$etc" 2>&1)"
[[ -z $(xovs ssl-list --minimal) ]] || fail "a rejected request made an SSL record"

log "xovs ssl-create-host-cert pki-dir=$pki init-ca=true dir=$etc name=host"
ssl=$(xovs ssl-create-host-cert pki-dir="$pki" init-ca=true dir="$etc" name=host)
[[ $ssl =~ ^[0-9a-f-]{36}$ ]] || fail "ssl-create-host-cert printed '$ssl', not a uuid"
for f in "$pki/switchca/cacert.pem" "$pki/controllerca/cacert.pem" \
    "$etc/host-privkey.pem" "$etc/host-cert.pem"; do
    [[ -s $f ]] || fail "$f was not made"
done
openssl verify -CAfile "$pki/switchca/cacert.pem" "$etc/host-cert.pem" >/dev/null ||
    fail "the host certificate is not signed by the PKI's switch CA"
[[ $(stat -c %a "$etc/host-privkey.pem") == 600 ]] ||
    fail "the private key is mode $(stat -c %a "$etc/host-privkey.pem")"
wait_until 10 out_isnt "[]" vsctl get Open_vSwitch . ssl || fail "no SSL row"
row=$(vsctl get Open_vSwitch . ssl)
[[ $(vsctl get SSL "$row" private_key | tr -d '"') == "$etc/host-privkey.pem" &&
    $(vsctl get SSL "$row" certificate | tr -d '"') == "$etc/host-cert.pem" &&
    $(vsctl get SSL "$row" ca_cert | tr -d '"') == "$pki/controllerca/cacert.pem" ]] ||
    fail "SSL row: $(vsctl list SSL "$row")"
log "ok: CAs, key (0600) and certificate made; the SSL row holds them"

host_fp=$(fp "$etc/host-cert.pem")
show() { xovs ssl-list params="$1" --minimal; }
[[ $(show certificate-fingerprint) == "$host_fp" ]] ||
    fail "ssl-list certificate-fingerprint $(show certificate-fingerprint), openssl says $host_fp"
[[ $(show certificate-subject) == *"CN=host id:"* ]] ||
    fail "ssl-list certificate-subject: $(show certificate-subject)"
[[ $(show certificate-issuer) == *"OU=switchca"* ]] ||
    fail "ssl-list certificate-issuer: $(show certificate-issuer)"
want_exp=$(date -u -d "$(openssl x509 -noout -enddate -in "$etc/host-cert.pem" | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
[[ $(show certificate-expiry) == "$want_exp" ]] ||
    fail "ssl-list certificate-expiry $(show certificate-expiry), want $want_exp"
[[ $(show certificate-state) == valid && $(show ca-cert-state) == valid ]] ||
    fail "ssl-list states: $(show certificate-state), $(show ca-cert-state)"
[[ $(show ca-cert-fingerprint) == "$(fp "$pki/controllerca/cacert.pem")" ]] ||
    fail "ssl-list ca-cert-fingerprint: $(show ca-cert-fingerprint)"
log "ok: ssl-list: $(show certificate-subject) / $host_fp / expires $want_exp"

log "a controller with a certificate of the PKI's controller CA"
(cd "$pki" && ovs-pki --dir="$pki" --log="$T_DIR/pki.log" -b req+sign ctl controller >/dev/null 2>&1) ||
    fail "ovs-pki req+sign ctl controller: $(tail -n 3 "$T_DIR/pki.log")"
echo "priority=1,actions=NORMAL" >"$T_DIR/normal.flows"
controller_start -p "$pki/ctl-privkey.pem" -c "$pki/ctl-cert.pem" \
    -C "$pki/switchca/cacert.pem" --with-flows="$T_DIR/normal.flows" \
    "pssl:6653:$CTL_IP"
net=$(xovs network-create name-label=sdn other-config:vswitch-controller="$target" \
    other-config:vswitch-controller-fail-mode=secure)
br=$(network_bridge "$net")
guest_add g1 1 0 198.18.0.1/24
guest_add g2 2 0 198.18.0.2/24
vif_attach g1 1 0 "$net" >/dev/null
vif_attach g2 2 0 "$net" >/dev/null
wait_port vif1.0 "$br"
wait_port vif2.0 "$br"
wait_until 20 controller_connected "$br" "$target" ||
    fail "no TLS connection to $target: $(grep -i ssl "$RUNDIR/ovs-vswitchd.log" | tail -n 3); $(controller_alive)"
wait_until 10 out_gt 0 controller_flows "$br" || fail "the controller installed no flows over TLS"
expect_ping g1 198.18.0.2
log "ok: $br connected to $target with the made certificate; g1 <-> g2"

log "a controller with a certificate of a foreign CA"
controller_stop
pki_init "$foreign" evil
echo "priority=9,dl_type=0x88b5,actions=drop" >"$T_DIR/evil.flows"
lines=$(wc -l <"$RUNDIR/ovs-vswitchd.log")
controller_start -p "$foreign/evil-privkey.pem" -c "$foreign/evil-cert.pem" \
    -C "$pki/switchca/cacert.pem" --with-flows="$T_DIR/evil.flows" \
    "pssl:6653:$CTL_IP"
sleep 10 # two reconnection attempts at least
if controller_connected "$br" "$target"; then
    fail "the switch accepted a controller certificate from a foreign CA"
fi
tail -n +"$((lines + 1))" "$RUNDIR/ovs-vswitchd.log" | grep -qi 'certificate verify failed' ||
    fail "ovs-vswitchd's log does not show the refused certificate"
if ofctl dump-flows "$br" | grep -q 'dl_type=0x88b5'; then
    fail "the foreign controller's flow reached the switch"
fi
log "ok: refused (certificate verify failed), its flow never reached $br"
controller_stop

log "run again: the existing key and certificate are read, not replaced"
again=$(xovs ssl-create-host-cert pki-dir="$pki" dir="$etc" name=host)
[[ $again == "$ssl" ]] || fail "the second run printed '$again', not the SSL record $ssl"
[[ $(fp "$etc/host-cert.pem") == "$host_fp" ]] || fail "the second run replaced the certificate"
log "ok: same record, same certificate $host_fp"

log "a key without its certificate is refused and left alone"
echo "not a key" >"$etc/half-privkey.pem"
rejected 'name: .*half-privkey.pem' ssl-create-host-cert pki-dir="$pki" dir="$etc" name=half
[[ $(cat "$etc/half-privkey.pem") == "not a key" && ! -e $etc/half-cert.pem ]] ||
    fail "the half-made files were touched"
[[ $(vsctl get SSL "$row" certificate | tr -d '"') == "$etc/host-cert.pem" ]] ||
    fail "a refused run changed the SSL row"

log "bootstrap: bootstrap-ca-cert=true, no CA certificate yet"
ssl2=$(xovs ssl-create-host-cert pki-dir="$pki" dir="$etc" name=host bootstrap-ca-cert=true)
[[ $ssl2 == "$ssl" ]] || fail "bootstrap run printed '$ssl2'"
wait_until 10 out_is true vsctl get SSL "$row" bootstrap_ca_cert ||
    fail "bootstrap_ca_cert not set in the SSL row"
[[ $(vsctl get SSL "$row" ca_cert | tr -d '"') == "$etc/cacert.pem" ]] ||
    fail "ca_cert is $(vsctl get SSL "$row" ca_cert), want $etc/cacert.pem"
[[ $(show ca-cert-state) == missing:* ]] || fail "ssl-list ca-cert-state: $(show ca-cert-state)"
controller_start -p "$pki/ctl-privkey.pem" -c "$pki/ctl-cert.pem" \
    -C "$pki/switchca/cacert.pem" --peer-ca-cert="$pki/controllerca/cacert.pem" \
    --with-flows="$T_DIR/normal.flows" "pssl:6653:$CTL_IP"
wait_until 30 test -s "$etc/cacert.pem" || fail "the CA certificate was not bootstrapped"
[[ $(fp "$etc/cacert.pem") == "$(fp "$pki/controllerca/cacert.pem")" ]] ||
    fail "the bootstrapped CA certificate is not the controller CA's"
wait_until 30 controller_connected "$br" "$target" ||
    fail "no connection after bootstrapping the CA certificate"
[[ $(show ca-cert-fingerprint) == "$(fp "$pki/controllerca/cacert.pem")" ]] ||
    fail "ssl-list does not show the bootstrapped CA certificate"
expect_ping g1 198.18.0.2
log "ok: CA certificate bootstrapped into $etc/cacert.pem, then connected"
controller_stop
pass
