# tests/unit: one runner with named cases; no daemons, no netlink.
# Modules that add cases append their .c files to UNIT_TEST_SRC before this
# file is included (MODULES order in the root Makefile).
UNIT_TEST_SRC += tests/unit/unit-tests.c tests/unit/test-records.c \
	tests/unit/test-api.c tests/unit/test-reconcile.c tests/unit/test-store.c
UNIT_TEST_OBJ := $(UNIT_TEST_SRC:%.c=$(OBJ)/%.o)
# Other modules may also append objects to UNIT_TEST_EXTRA_OBJ and
# libraries to UNIT_TEST_LIBS.
$(BIN)/unit-tests: $(UNIT_TEST_OBJ) $(AGENT_LIB_OBJ) $(VLAN_OBJ) $(OVSG_OBJ) \
		$(UNIT_TEST_EXTRA_OBJ) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(UNIT_TEST_LIBS) $(LDLIBS_JSON) $(LDLIBS_NL) $(LDLIBS_OVS)

UNIT_TESTS += $(BIN)/unit-tests
