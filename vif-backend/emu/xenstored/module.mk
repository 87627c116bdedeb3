# vif-backend/emu/xenstored/: xovs-xenstored, the emulated xenstored, and
# xs-test-client, the libxenstore client its integration test drives.
XENSTORED_LIB_SRC := vif-backend/emu/xenstored/xs-wire.c \
	vif-backend/emu/xenstored/xs-store.c \
	vif-backend/emu/xenstored/xs-server.c
XENSTORED_LIB_OBJ := $(XENSTORED_LIB_SRC:%.c=$(OBJ)/%.o)
XENSTORED_SOCKET_OBJ := $(OBJ)/vif-backend/emu/xenstored/xs-socket.o

$(BIN)/xovs-xenstored: $(OBJ)/vif-backend/emu/xenstored/xovs-xenstored.o \
		$(XENSTORED_SOCKET_OBJ) $(XENSTORED_LIB_OBJ) $(XOVS_LIB_OBJ) \
		$(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_OVS)

$(BIN)/xs-test-client: $(OBJ)/vif-backend/emu/xenstored/xs-test-client.o \
		$(OBJ)/vif-backend/emu/xenstored/xs-wire.o \
		$(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) -lxenstore $(LDLIBS_OVS)

PROGRAMS += $(BIN)/xovs-xenstored
TEST_PROGRAMS += $(BIN)/xs-test-client
DAEMONS += xovs-xenstored

UNIT_TEST_SRC += tests/unit/test-xenstored.c
UNIT_TEST_EXTRA_OBJ += $(XENSTORED_LIB_OBJ) $(XENSTORED_SOCKET_OBJ)

FUZZ_TARGETS += xenstored
FUZZ_SRC_xenstored := $(XENSTORED_LIB_SRC)
