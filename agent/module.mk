# agent/: xovs-agent (daemon) and xovs (CLI).
XREC_SRC := agent/records.c agent/records-valid.c agent/records-json.c \
	agent/records-sdn.c agent/records-tunnel.c agent/records-qos.c \
	agent/records-ethtool.c agent/records-pif-ip.c agent/records-dpdk.c \
	agent/records-change.c
XREC_OBJ := $(XREC_SRC:%.c=$(OBJ)/%.o)
XAPI_SRC := agent/api.c agent/api-network.c agent/api-pif.c \
	agent/api-bond.c agent/api-vif.c agent/api-stats.c agent/api-rules.c \
	agent/api-param.c agent/api-sdn.c agent/api-tunnel.c agent/api-mirror.c \
	agent/api-pool.c agent/api-ethtool.c agent/api-pif-ip.c agent/pki.c \
	agent/api-ovn.c agent/api-batch.c
# NICs: pif-scan by MAC, pif-introduce, pif-forget.
XAPI_SRC += agent/api-pif-nic.c
AGENT_LIB_SRC := $(XREC_SRC) agent/store.c agent/store-journal.c \
	lib/xovs-journal.c $(XAPI_SRC) \
	agent/pifscan.c \
	agent/reconcile.c agent/reconcile-incr.c agent/reconcile-promisc.c \
	agent/reconcile-sdn.c \
	agent/reconcile-qos.c agent/reconcile-tunnel.c agent/reconcile-ovn.c \
	agent/ifaddr.c \
	agent/rpc.c agent/rpc-param.c agent/rpc-server.c agent/rbac.c \
	agent/portstats.c agent/metrics.c agent/ethtool-nl.c \
	agent/reconcile-ethtool.c agent/reconcile-pif-ip.c agent/ifroute.c
AGENT_LIB_OBJ := $(AGENT_LIB_SRC:%.c=$(OBJ)/%.o)

$(BIN)/xovs-agent: $(OBJ)/agent/xovs-agent.o $(AGENT_LIB_OBJ) $(VLAN_OBJ) \
		$(BOND_OBJ) $(OVSG_OBJ) $(XOVS_LIB_OBJ) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_JSON) $(LDLIBS_NL) $(LDLIBS_OVS)

$(BIN)/xovs: $(OBJ)/agent/xovs.o $(OBJ)/agent/xovs-top.o \
		$(OBJ)/agent/xovs-pki.o $(OBJ)/agent/pki.o $(OBJ)/agent/xovs-batch.o \
		$(XREC_OBJ) \
		$(OBJ)/agent/rpc.o $(OBJ)/agent/rpc-param.o \
		$(BOND_OBJ) $(VLAN_OBJ) $(XOVS_LIB_OBJ) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_JSON) $(LDLIBS_OVS)

PROGRAMS += $(BIN)/xovs-agent $(BIN)/xovs
DAEMONS += xovs-agent

# xe parity: generic param verbs, trunk and promiscuous VIFs.
UNIT_TEST_SRC += tests/unit/test-xe.c

# A PIF's NIC settings and management IP (tests/unit/test-pif-nic.c).
UNIT_TEST_SRC += tests/unit/test-pif-nic.c

# The RPC server's limits over real sockets (tests/unit/test-rpc-server.c).
UNIT_TEST_SRC += tests/unit/test-rpc-server.c
# QoS, IGMP snooping and flow export (tests/unit/test-sdn.c).
UNIT_TEST_SRC += tests/unit/test-sdn.c
# Roles: the role map and the method table (tests/unit/test-rbac.c).
UNIT_TEST_SRC += tests/unit/test-rbac.c
# Port counters and rates (tests/unit/test-portstats.c).
UNIT_TEST_SRC += tests/unit/test-portstats.c

# The metrics endpoint's HTTP request head parser
# (tests/fuzz/fuzz-metrics-http.c).
FUZZ_TARGETS += metrics-http
FUZZ_SRC_metrics-http := agent/metrics.c agent/portstats.c $(XREC_SRC) \
	$(BOND_SRC) $(VLAN_SRC)
