# vlan (issue 5, scenario 2):
# a domU on a VLAN network reaches a dom0-side host (a namespace) on the
# same VLAN and not one on another VLAN.
# Hook: fill in once xovs-netback runs on the xen platform; until then the
# scenario skips with the reason.
. "$XOVS_SYSTEM/lib.sh"

need_netback
need_program xovs-agent
skip "not written yet"
