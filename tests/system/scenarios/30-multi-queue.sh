# multi-queue (issue 5, scenario 3):
# a domU with 2 vCPUs and xen_netfront.max_queues=2 negotiates two queues
# and both carry traffic (per-queue counters).
# Hook: fill in once xovs-netback runs on the xen platform; until then the
# scenario skips with the reason.
. "$XOVS_SYSTEM/lib.sh"

need_netback
need_program xovs-agent
skip "not written yet"
