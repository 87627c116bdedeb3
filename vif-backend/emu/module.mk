# vif-backend/emu/: the emulated Xen platform (guest side) and xovs-guest.
#
# Included before vif-backend/module.mk: VIF_PLATFORM_OBJ is what the netback
# core links to reach "Xen" (both platforms are always built); the guest-side
# library is what xovs-guest and the unit tests link to play a domain.
VIF_PLATFORM_SRC := vif-backend/platform-table.c vif-backend/platform-xen.c \
	vif-backend/platform-emu.c vif-backend/emu/emu-proto.c
VIF_PLATFORM_OBJ := $(VIF_PLATFORM_SRC:%.c=$(OBJ)/%.o)

VIF_EMU_GUEST_SRC := vif-backend/emu/emu-guest.c vif-backend/emu/emu-proto.c
VIF_EMU_GUEST_OBJ := $(VIF_EMU_GUEST_SRC:%.c=$(OBJ)/%.o)

$(BIN)/xovs-guest: $(OBJ)/vif-backend/emu/xovs-guest.o \
		$(OBJ)/vif-backend/emu/guest-netfront.o \
		$(OBJ)/vif-backend/emu/guest-rss.o \
		$(OBJ)/vif-backend/emu/guest-traffic.o \
		$(OBJ)/vif-backend/emu/frontend.o $(VIF_EMU_GUEST_OBJ) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_XEN) $(LDLIBS_OVS)

PROGRAMS += $(BIN)/xovs-guest

UNIT_TEST_SRC += tests/unit/test-emu.c
UNIT_TEST_EXTRA_OBJ += $(VIF_PLATFORM_OBJ) $(OBJ)/vif-backend/emu/emu-guest.o
UNIT_TEST_LIBS += $(LDLIBS_XEN)
include vif-backend/emu/evil.mk
