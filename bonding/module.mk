# bonding/: Bond records -> bond port plan.  Nothing here yet: Bonds and LACP
# come with their own issue; the agent's records and ovs-glue's
# 'struct ovsg_port' (n_ifaces > 1) already leave room for them.
