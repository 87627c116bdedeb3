# agent/: xovs-agent (daemon) and xovs (CLI).
XREC_SRC := agent/records.c agent/records-valid.c agent/records-json.c \
	agent/records-sdn.c
XREC_OBJ := $(XREC_SRC:%.c=$(OBJ)/%.o)
XAPI_SRC := agent/api.c agent/api-network.c agent/api-pif.c \
	agent/api-bond.c agent/api-vif.c agent/api-pool.c
AGENT_LIB_SRC := $(XREC_SRC) agent/store.c $(XAPI_SRC) agent/pifscan.c \
	agent/reconcile.c agent/reconcile-sdn.c agent/rpc.c agent/rpc-server.c
AGENT_LIB_OBJ := $(AGENT_LIB_SRC:%.c=$(OBJ)/%.o)

$(BIN)/xovs-agent: $(OBJ)/agent/xovs-agent.o $(AGENT_LIB_OBJ) $(VLAN_OBJ) \
		$(BOND_OBJ) $(OVSG_OBJ) $(XOVS_LIB_OBJ) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_JSON) $(LDLIBS_NL) $(LDLIBS_OVS)

$(BIN)/xovs: $(OBJ)/agent/xovs.o $(XREC_OBJ) $(OBJ)/agent/rpc.o \
		$(BOND_OBJ) $(XOVS_LIB_OBJ) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_JSON) $(LDLIBS_OVS)

PROGRAMS += $(BIN)/xovs-agent $(BIN)/xovs
DAEMONS += xovs-agent

# The RPC server's limits over real sockets (tests/unit/test-rpc-server.c).
UNIT_TEST_SRC += tests/unit/test-rpc-server.c
# QoS, IGMP snooping and flow export (tests/unit/test-sdn.c).
UNIT_TEST_SRC += tests/unit/test-sdn.c
