#!/bin/bash
# xovs-test: alone=ovn
# xovs-controller's verbs with bad input (docs/ovn.md, controller/ctl-rpc.c):
# for each verb, missing required fields (through the CLI and as a raw
# request the CLI would not send), a bad uuid, a bad MAC, a bad VLAN, an
# unknown network, a duplicate MAC on a network, a network with VIFs
# destroyed, ...: each is refused with a message naming the field, and
# nothing changes (the list verbs' output and OVN's northbound tables are
# the same before and after).  A store that is not JSON is refused at
# start and left as it was.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/ovn-lib.sh
. "$(dirname "$0")/ovn-lib.sh"

ovn_require
ovn_start 1

log "a store that is not JSON: refused at start, not replaced"
printf 'this is not a store {\n' >"$T_DIR/controller.json"
cp "$T_DIR/controller.json" "$T_DIR/bad.copy"
if ctl_start; then
    fail "xovs-controller started on a store that is not JSON"
fi
grep -q "controller.json.*refusing" "$T_DIR/controller.stderr" ||
    fail "unclear refusal: $(cat "$T_DIR/controller.stderr")"
cmp -s "$T_DIR/controller.json" "$T_DIR/bad.copy" || fail "the bad store was changed"
[[ ! -S $T_DIR/controller.sock ]] || fail "a refusing controller left a socket"
log "ok: $(tail -n 1 "$T_DIR/controller.stderr")"
printf '{"networks": {}, "vifs": {"%s": {}}}\n' "$(new_uuid)" >"$T_DIR/controller.json"
cp "$T_DIR/controller.json" "$T_DIR/bad.copy"
if ctl_start; then
    fail "xovs-controller started on a store with a malformed VIF"
fi
cmp -s "$T_DIR/controller.json" "$T_DIR/bad.copy" || fail "the bad store was changed"
rm "$T_DIR/controller.json"
ctl_start || fail "xovs-controller did not start on a fresh store"

priv=$(xc pool-network-create name-label=priv) || fail "pool-network-create priv"
lan=$(xc pool-network-create name-label=lan physical-network=physnet1 vlan=20) ||
    fail "pool-network-create lan"
V1=$(new_uuid)
xc pool-vif-create uuid="$V1" network-uuid="$priv" mac=02:00:c6:12:01:00 \
    host="$OVN-h1" ip-allowed=198.18.5.1 >/dev/null || fail "pool-vif-create"

# shellcheck disable=SC2317 # run by wait_until
all_applied() {
    ! xc pool-network-list params=status --minimal | grep -q pending &&
        ! xc pool-vif-list params=status --minimal | grep -q pending
}
wait_until 60 all_applied || fail "the records did not reach OVN: $(xc pool-vif-list)"

# state: what must not change: both lists, the northbound tables xovs
# writes, the store file.
state() {
    xc pool-network-list
    xc pool-vif-list
    nbctl --columns=_uuid,name,external_ids,ports list Logical_Switch | sort
    nbctl --columns=_uuid,name,type,tag_request,addresses,port_security,options,external_ids \
        list Logical_Switch_Port | sort
    cat "$T_DIR/controller.json"
}
BEFORE=$(state)
[[ $BEFORE == *"$V1"* && $BEFORE == *ln-$lan* ]] || fail "NB lacks the records: $BEFORE"

# reject TEXT VERB ARGS...: the CLI call is refused naming TEXT and nothing
# changed.
reject() {
    local text=$1
    shift
    expect_refused "$text" xc "$@"
    [[ $(state) == "$BEFORE" ]] || fail "refused '$*' changed something: $(diff <(echo "$BEFORE") <(state))"
}

# raw METHOD PARAMS-JSON: one request on the socket as is (no CLI checks);
# prints the response line.
raw() {
    python3 - "$T_DIR/controller.sock" "$1" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((json.dumps({"jsonrpc": "2.0", "id": 1, "method": sys.argv[2],
                       "params": json.loads(sys.argv[3])}) + "\n").encode())
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
print(buf.decode().strip())
PY
}
# reject_raw TEXT METHOD PARAMS-JSON: the raw request gets an error naming
# TEXT and nothing changed.
reject_raw() {
    local text=$1 out
    out=$(raw "$2" "$3")
    [[ $out == *'"error"'* && $out != *'"result"'* ]] || fail "$2 $3 accepted: $out"
    [[ $out == *"$text"* ]] || fail "$2 $3: error does not name '$text': $out"
    [[ $(state) == "$BEFORE" ]] || fail "refused raw $2 $3 changed something"
    log "ok: raw $2 refused, names '$text'"
}

log "pool-network-create"
reject name-label pool-network-create
reject name-label pool-network-create name-label=
reject name-label pool-network-create name-label=priv
reject physical-network pool-network-create name-label=x physical-network='bad net'
reject vlan pool-network-create name-label=x physical-network=physnet1 vlan=4095
reject vlan pool-network-create name-label=x physical-network=physnet1 vlan=-3
reject vlan pool-network-create name-label=x physical-network=physnet1 vlan=ten
reject vlan pool-network-create name-label=x vlan=10
reject colour pool-network-create name-label=x colour=red
reject_raw name-label pool-network-create '{}'
reject_raw name-label pool-network-create '{"name-label": 7}'
reject_raw vlan pool-network-create '{"name-label": "x", "physical-network": "p", "vlan": "4095"}'

log "pool-network-destroy"
reject uuid pool-network-destroy
reject uuid pool-network-destroy uuid=not-a-uuid
reject uuid pool-network-destroy uuid="$(new_uuid)"
reject VIFs pool-network-destroy uuid="$priv"
reject_raw uuid pool-network-destroy '{}'

log "pool-network-list"
reject params pool-network-list params=uuid,colour
reject colour pool-network-list colour=red

log "pool-vif-create"
ok_args=(uuid="$(new_uuid)" network-uuid="$lan" mac=02:00:c6:12:02:00 host="$OVN-h1")
for i in 0 1 2 3; do
    field=${ok_args[$i]%%=*}
    reject "$field" pool-vif-create "${ok_args[@]:0:$i}" "${ok_args[@]:$((i + 1))}"
done
reject uuid pool-vif-create uuid=12345 network-uuid="$lan" mac=02:00:c6:12:02:00 host=h1
reject uuid pool-vif-create uuid="$V1" network-uuid="$lan" mac=02:00:c6:12:02:00 host=h1
reject network-uuid pool-vif-create uuid="$(new_uuid)" network-uuid="$(new_uuid)" \
    mac=02:00:c6:12:02:00 host=h1
reject network-uuid pool-vif-create uuid="$(new_uuid)" network-uuid=priv \
    mac=02:00:c6:12:02:00 host=h1
for mac in 01:00:5e:00:00:01 ff:ff:ff:ff:ff:ff 00:00:00:00:00:00 02:00:c6:12:02 \
    02:00:c6:12:02:0g 0200.c612.0200; do
    reject mac pool-vif-create uuid="$(new_uuid)" network-uuid="$lan" mac="$mac" host=h1
done
reject mac pool-vif-create uuid="$(new_uuid)" network-uuid="$priv" \
    mac=02:00:C6:12:01:00 host=h1
reject host pool-vif-create uuid="$(new_uuid)" network-uuid="$lan" \
    mac=02:00:c6:12:02:00 host='h 1'
reject vm-uuid pool-vif-create uuid="$(new_uuid)" network-uuid="$lan" \
    mac=02:00:c6:12:02:00 host=h1 vm-uuid=vm1
reject ip-allowed pool-vif-create uuid="$(new_uuid)" network-uuid="$lan" \
    mac=02:00:c6:12:02:00 host=h1 ip-allowed=198.18.5.1,198.18.5.256
reject domid pool-vif-create "${ok_args[@]}" domid=3
reject_raw mac pool-vif-create "{\"uuid\": \"$(new_uuid)\", \"network-uuid\": \"$lan\", \"host\": \"h1\"}"
reject_raw network-uuid pool-vif-create "{\"uuid\": \"$(new_uuid)\", \"mac\": \"02:00:c6:12:02:00\", \"host\": \"h1\"}"

log "pool-vif-destroy and pool-vif-list"
reject uuid pool-vif-destroy
reject uuid pool-vif-destroy uuid=zzz
reject uuid pool-vif-destroy uuid="$(new_uuid)"
reject uuid pool-vif-destroy uuid="$priv"
reject params pool-vif-list params=uuid,domid
reject_raw uuid pool-vif-destroy '{}'
reject_raw params pool-vif-list '["uuid"]'

log "an agent's verb on the controller's socket"
reject_raw vif-create vif-create '{}'

log "the records still work: the good calls after all that"
xc pool-vif-destroy uuid="$V1" >/dev/null || fail "pool-vif-destroy"
xc pool-network-destroy uuid="$priv" >/dev/null || fail "pool-network-destroy"
# shellcheck disable=SC2317 # run by wait_until
priv_gone() {
    [[ -z $(nbctl --bare --columns=name find Logical_Switch name=priv) ]]
}
wait_until 30 priv_gone || fail "priv stayed in NB"
pass
