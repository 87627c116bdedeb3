# reconnect (issue 5, scenario 6):
# netfront disconnects and reconnects (rmmod/modprobe xen-netfront in the
# domU) and gets a working VIF again.
# Hook: fill in once xovs-netback runs on the xen platform; until then the
# scenario skips with the reason.
. "$XOVS_SYSTEM/lib.sh"

need_netback
need_program xovs-agent
skip "not written yet"
