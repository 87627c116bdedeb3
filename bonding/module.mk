# bonding/: Bond records -> bond port plan, and bond status parsing (no OVS
# headers).  Linked into xovs-agent, xovs (records.c validates Bond
# properties) and the unit tests.
BOND_SRC := bonding/bond.c
BOND_OBJ := $(BOND_SRC:%.c=$(OBJ)/%.o)
UNIT_TEST_SRC += tests/unit/test-bond.c
UNIT_TEST_EXTRA_OBJ += $(BOND_OBJ)

# The record-store and RPC fuzz targets (tests/fuzz/module.mk, read later)
# parse Bond records too, so they link bonding/ as well.
build/fuzz/fuzz-records build/fuzz/fuzz-rpc: build/fuzz/obj/bonding/bond.o
