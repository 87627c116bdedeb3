# agent/: xovs-agent (daemon) and xovs (CLI).
AGENT_LIB_SRC := agent/records.c agent/store.c agent/api.c agent/pifscan.c \
	agent/reconcile.c agent/rpc.c
AGENT_LIB_OBJ := $(AGENT_LIB_SRC:%.c=$(OBJ)/%.o)

$(BIN)/xovs-agent: $(OBJ)/agent/agent.o $(AGENT_LIB_OBJ) $(VLAN_OBJ) \
		$(BOND_OBJ) $(OVSG_OBJ) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_JSON) $(LDLIBS_NL) $(LDLIBS_OVS)

$(BIN)/xovs: $(OBJ)/agent/xovs.o $(OBJ)/agent/records.o $(OBJ)/agent/rpc.o \
		$(BOND_OBJ) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_JSON) $(LDLIBS_OVS)

PROGRAMS += $(BIN)/xovs-agent $(BIN)/xovs
DAEMONS += xovs-agent
