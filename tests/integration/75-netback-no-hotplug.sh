#!/bin/bash
# xovs-netback with --hotplug-script= (none) on a VIF whose backend has no
# "script" key (no toolstack script either): nobody will write
# hotplug-status, so netback must not wait for it: the VIFs go Connected,
# and once something else plugs the ports (here: xovs vif-plug by hand)
# the guests ping each other.
# shellcheck source=tests/integration/netback-lib.sh
. "$(dirname "$0")/netback-lib.sh"

NB_EXTRA_ARGS+=(--hotplug-script=)
nb_host_start
net=$(xovs network-create name-label=nb75)
br=$(network_bridge "$net")

# shellcheck disable=SC2317 # run by wait_until
backend_connected() {
    [[ $(xs xenstore-read "$(be_path "$1" 0)/state" 2>/dev/null) == 4 ]]
}
for g in ga:1 gb:2; do
    name=${g%:*} domid=${g#*:}
    vif=$(nb_vif_record "$name" "$domid" 0 "$net")
    nb_guest_start "$name" "$domid" 0 "198.18.0.$domid/24"
    wait_until 10 backend_connected "$domid" ||
        fail "vif$domid.0: backend state $(xs xenstore-read "$(be_path "$domid" 0)/state") with no hotplug script, want 4"
    if xs xenstore-read "$(be_path "$domid" 0)/hotplug-status" >/dev/null 2>&1; then
        fail "vif$domid.0: hotplug-status was written, but no script ran"
    fi
    log "ok: vif$domid.0 Connected without hotplug-status"
    vsctl port-to-br "vif$domid.0" >/dev/null 2>&1 && fail "vif$domid.0 is on a bridge already"
    xovs vif-plug uuid="$vif" >/dev/null
    wait_port "vif$domid.0" "$br"
done
expect_ping ga 198.18.0.2
expect_ping gb 198.18.0.1
pass
