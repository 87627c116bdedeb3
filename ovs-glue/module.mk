# ovs-glue/: OVSDB IDL transactions and OpenFlow rules (libopenvswitch).
OVSG_SRC := ovs-glue/ovsg.c ovs-glue/ovsg-sync.c ovs-glue/ovsg-own.c \
	ovs-glue/ovsg-bond.c ovs-glue/ovsg-flows.c ovs-glue/ovsg-state.c \
	ovs-glue/ovsg-stats.c ovs-glue/ovsg-sdn.c ovs-glue/ovsg-qos.c \
	ovs-glue/ovsg-ovn.c ovs-glue/ovsg-dirty.c
OVSG_OBJ := $(OVSG_SRC:%.c=$(OBJ)/%.o)
