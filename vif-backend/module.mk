# vif-backend/: xovs-netback, the user-space Xen netif backend.
# vif-backend/emu/module.mk (read first) defines VIF_PLATFORM_OBJ: the
# platform implementations (platform-table.c, platform-xen.c, platform-emu.c).
VIF_CORE_SRC := vif-backend/interface.c vif-backend/xenbus.c \
	vif-backend/backend.c \
	vif-backend/tx.c vif-backend/rx.c vif-backend/ctrl.c vif-backend/rate.c \
	vif-backend/hotplug.c vif-backend/port-tap.c vif-backend/error.c \
	vif-backend/pkt.c vif-backend/platform.c vif-backend/port.c \
	vif-backend/port-dpdk.c vif-backend/handoff.c vif-backend/datapath.c \
	vif-backend/dpdk/handoff.c
VIF_CORE_OBJ := $(VIF_CORE_SRC:%.c=$(OBJ)/%.o)

$(BIN)/xovs-netback: $(OBJ)/vif-backend/xovs-netback.o $(VIF_CORE_OBJ) \
		$(VIF_PLATFORM_OBJ) $(OBJ)/agent/rpc.o $(XOVS_LIB_OBJ) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_XEN) $(LDLIBS_JSON) $(LDLIBS_NL) $(LDLIBS_OVS)

PROGRAMS += $(BIN)/xovs-netback
DAEMONS += xovs-netback

# Unit tests bring their own fake platform and port (no VIF_PLATFORM_OBJ).
UNIT_TEST_SRC += tests/unit/netback-bed.c tests/unit/test-netback-tx.c \
	tests/unit/test-netback-rx.c tests/unit/test-netback.c
UNIT_TEST_EXTRA_OBJ += $(VIF_CORE_OBJ)
UNIT_TEST_LIBS += $(LDLIBS_XEN)

# The TX request parser through fake grants (tests/fuzz/fuzz-netback-tx.c).
FUZZ_TARGETS += netback-tx
FUZZ_SRC_netback-tx := vif-backend/tx.c vif-backend/rx.c \
	vif-backend/interface.c vif-backend/ctrl.c vif-backend/rate.c \
	vif-backend/error.c vif-backend/pkt.c vif-backend/platform.c \
	vif-backend/port.c vif-backend/handoff.c vif-backend/dpdk/handoff.c \
	tests/fuzz/fuzz-platform.c
FUZZ_LIBS_netback-tx :=
# The RX path, straight and queued (tests/fuzz/fuzz-netback-rx.c).
FUZZ_TARGETS += netback-rx
FUZZ_SRC_netback-rx := $(FUZZ_SRC_netback-tx)
FUZZ_LIBS_netback-rx :=

# How netback parses frontend-written xenstore values
# (tests/fuzz/fuzz-xs-values.c).
FUZZ_TARGETS += xs-values
FUZZ_SRC_xs-values := vif-backend/rate.c
