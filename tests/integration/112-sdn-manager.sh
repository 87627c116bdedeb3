#!/bin/bash
# An SDN controller record is the host's OVSDB manager: with
# sdn-controller-introduce protocol=pssl the host's ovsdb-server listens
# (as Debian's ovs-ctl starts it: managers and TLS from the database), a
# client with a certificate of the right CA reads the host's configuration
# (ovsdb-client dump, ovs-vsctl --db=ssl:...) and one with a certificate of
# another CA cannot.  The record is durable (agent restart), the Manager
# row xovs-owned; a Manager xovs did not create is never touched, and an
# SDN controller wanting its target is refused; sdn-controller-forget
# closes the port.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/sdn-lib.sh
. "$(dirname "$0")/sdn-lib.sh"

host_start
ctl_ns_start
pki=$T_DIR/pki
foreign=$T_DIR/foreign-pki
pki_init "$pki" host-switch ctl
pki_init "$foreign" evil
xovs ssl-set private-key="$pki/host-switch-privkey.pem" \
    certificate="$pki/host-switch-cert.pem" ca-cert="$pki/controllerca/cacert.pem" >/dev/null
net=$(xovs network-create name-label=visible)
br=$(network_bridge "$net")
wait_until 10 vsctl br-exists "$br" || fail "no bridge $br"

sdn=$(xovs sdn-controller-introduce protocol=pssl address="$CTL_HOST_IP")
remote="ssl:$CTL_HOST_IP:6632"
[[ $(xovs sdn-controller-list uuid="$sdn" params=target --minimal) == "pssl:6632:$CTL_HOST_IP" ]] ||
    fail "sdn-controller-list target: $(xovs sdn-controller-list uuid="$sdn" params=target --minimal)"
wait_until 10 out_is applied xovs sdn-controller-list uuid="$sdn" params=status --minimal ||
    fail "the SDN controller record is not applied"
mgr=$(vsctl --bare --columns=_uuid find Manager target="\"pssl:6632:$CTL_HOST_IP\"")
[[ -n $mgr ]] || fail "no Manager pssl:6632:$CTL_HOST_IP"
[[ $(vsctl get Manager "$mgr" external_ids) == *xovs-owner=xovs-agent* ]] ||
    fail "the Manager row is not marked xovs-owned"
log "ok: Manager pssl:6632:$CTL_HOST_IP (xovs-owned) from SDN controller $sdn"

# client KEY CERT CMD...: an OVSDB client in the controller's namespace.
client_dump() {
    ip netns exec "$CTL_NS" ovsdb-client --private-key="$1" --certificate="$2" \
        --ca-cert="$pki/switchca/cacert.pem" --timeout=5 \
        dump "$remote" Open_vSwitch Bridge name external_ids
}
wait_until 15 client_dump "$pki/ctl-privkey.pem" "$pki/ctl-cert.pem" ||
    fail "ovsdb-client cannot read $remote with the right certificate"
out=$(client_dump "$pki/ctl-privkey.pem" "$pki/ctl-cert.pem")
grep -q "$br" <<<"$out" || fail "the dump over $remote lacks bridge $br: $out"
grep -q "$net" <<<"$out" || fail "the dump over $remote lacks network $net"
brs=$(ip netns exec "$CTL_NS" ovs-vsctl --db="$remote" --timeout=5 \
    --private-key="$pki/ctl-privkey.pem" --certificate="$pki/ctl-cert.pem" \
    --ca-cert="$pki/switchca/cacert.pem" list-br)
[[ $brs == *"$br"* ]] || fail "ovs-vsctl --db=$remote list-br: '$brs'"
log "ok: a client with our CA's certificate reads the host's configuration over $remote ($brs)"

if out=$(client_dump "$foreign/evil-privkey.pem" "$foreign/evil-cert.pem" 2>&1); then
    fail "a client with a foreign CA's certificate read the database: $out"
fi
grep -q "$br" <<<"$out" && fail "a foreign client saw bridge $br"
log "ok: a client with a foreign CA's certificate is refused ($(tail -n 1 <<<"$out" | cut -c 1-100))"

log "durable: the agent restarts"
agent_stop
agent_start
[[ $(xovs sdn-controller-list params=uuid --minimal) == "$sdn" ]] ||
    fail "the SDN controller record did not survive a restart"
client_dump "$pki/ctl-privkey.pem" "$pki/ctl-cert.pem" >/dev/null ||
    fail "no manager after the agent restarted"

log "a manager xovs did not create"
vsctl -- --id=@m create Manager target='"ptcp:6641"' \
    -- add Open_vSwitch . manager_options @m >/dev/null
rc=0
xovs sdn-controller-introduce protocol=ptcp port=6641 2>"$T_DIR/err" || rc=$?
[[ $rc -eq 1 ]] || fail "introducing a foreign manager's target exited $rc"
grep -q "ptcp:6641" "$T_DIR/err" || fail "the refusal does not name the manager: $(cat "$T_DIR/err")"
log "ok: refused: $(cat "$T_DIR/err")"
tcp=$(xovs sdn-controller-introduce protocol=tcp address="$CTL_IP" port=6640)
wait_until 10 out_isnt "" manager_row "tcp:$CTL_IP:6640" ||
    fail "no active manager tcp:$CTL_IP:6640"
xovs sdn-controller-forget uuid="$sdn" >/dev/null
xovs sdn-controller-forget uuid="$tcp" >/dev/null
wait_until 10 out_is "" manager_row "tcp:$CTL_IP:6640" ||
    fail "sdn-controller-forget left manager tcp:$CTL_IP:6640"
[[ $(vsctl get Open_vSwitch . manager_options | tr -d '[]') == "$(vsctl --bare --columns=_uuid find Manager target='"ptcp:6641"')" ]] ||
    fail "manager_options is $(vsctl get Open_vSwitch . manager_options), want only the foreign ptcp:6641"
if client_dump "$pki/ctl-privkey.pem" "$pki/ctl-cert.pem" >/dev/null 2>&1; then
    fail "$remote still answers after sdn-controller-forget"
fi
log "ok: forgotten managers gone, the foreign one kept, $remote closed"
pass
