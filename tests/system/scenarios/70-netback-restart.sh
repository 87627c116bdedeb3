# netback-restart (issue 5, scenario 7):
# xovs-netback killed and restarted while domUs run: the VIFs come back if
# the frontend allows it (record what Linux netfront does).
# Hook: fill in once xovs-netback runs on the xen platform; until then the
# scenario skips with the reason.
. "$XOVS_SYSTEM/lib.sh"

need_netback
need_program xovs-agent
skip "not written yet"
