# vif-backend/dpdk/: net_xovs, the DPDK poll-mode driver that runs a VIF's
# data path in OVS-DPDK's PMD thread, built as a shared object that
# ovs-vswitchd-dpdk loads with EAL's -d (docs/dpdk.md).
#
# It links the netback's own ring engine (tx.c, rx.c, pkt.c, both
# platforms: emu, and xen with libxengnttab/libxenevtchn), compiled a second time position-independent, and a private
# copy of libopenvswitch's utility layer (built -fPIC by scripts/setup),
# every symbol hidden so nothing clashes with ovs-vswitchd's own.  The
# driver-SDK headers Debian leaves out come from build/dpdk-sdk
# (scripts/setup).  Not built with SANITIZE: a sanitized object cannot be
# loaded into the unsanitized ovs-vswitchd.
DPDK_SDK := $(B:build/san=build)/dpdk-sdk
DPDK_SDK_STAMP := build/dpdk-sdk/.xovs-sdk
DPDK_CFLAGS := $(shell pkg-config --cflags libdpdk 2>/dev/null) \
	-I$(TOP)/build/dpdk-sdk/include -DALLOW_INTERNAL_API \
	-DALLOW_EXPERIMENTAL_API
DPDK_LIBS := $(shell pkg-config --libs libdpdk 2>/dev/null)
PIC := $(OBJ)/pic

NET_XOVS_SRC := vif-backend/dpdk/net-xovs.c vif-backend/dpdk/handoff.c \
	vif-backend/handoff.c \
	vif-backend/interface.c vif-backend/tx.c vif-backend/rx.c \
	vif-backend/ctrl.c vif-backend/rate.c vif-backend/error.c \
	vif-backend/pkt.c vif-backend/platform.c vif-backend/port.c \
	vif-backend/platform-emu.c vif-backend/emu/emu-proto.c \
	vif-backend/platform-xen.c
NET_XOVS_OBJ := $(NET_XOVS_SRC:%.c=$(PIC)/%.o)
NET_XOVS := $(BIN)/librte_net_xovs.so

$(DPDK_SDK_STAMP):
	$(Q)scripts/setup

$(PIC)/%.o: %.c $(OVS_STAMP)
	@mkdir -p $(dir $@)
	$(call quiet,CC)$(CC) $(XCFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden \
		-MMD -MP -c $< -o $@

$(PIC)/vif-backend/dpdk/net-xovs.o: vif-backend/dpdk/net-xovs.c \
		$(OVS_STAMP) $(DPDK_SDK_STAMP)
	@mkdir -p $(dir $@)
	$(call quiet,CC)$(CC) $(XCFLAGS) $(DPDK_CFLAGS) $(CFLAGS) -fPIC \
		-fvisibility=hidden -MMD -MP -c $< -o $@

$(NET_XOVS): $(NET_XOVS_OBJ) $(OVS_LIB) vif-backend/dpdk/net-xovs.map
	@mkdir -p $(dir $@)
	$(call quiet,LD)$(CC) $(LDFLAGS) -shared -o $@ $(NET_XOVS_OBJ) \
		-Wl,--version-script=vif-backend/dpdk/net-xovs.map \
		-Wl,--exclude-libs,ALL -Wl,-z,defs \
		$(LDLIBS_OVS) $(DPDK_LIBS) -lrte_bus_vdev -lxengnttab -lxenevtchn

# The product's DPDK plugin: make install puts it in $(PMDDIR), where
# other_config:dpdk-extra="-d ..." loads it into ovs-vswitchd-dpdk
# (docs/dpdk.md).  Not with SANITIZE, nor without Debian's libdpdk-dev.
ifeq ($(SANITIZE),)
ifneq ($(DPDK_LIBS),)
PLUGINS += $(NET_XOVS)
endif
endif
