# vif-list (issue 5, scenario 8):
# the agent's view: xovs vif-list shows both VIFs with domids, networks
# and counters.
# Hook: fill in once xovs-netback runs on the xen platform; until then the
# scenario skips with the reason.
. "$XOVS_SYSTEM/lib.sh"

need_netback
need_program xovs-agent
skip "not written yet"
