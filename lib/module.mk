# lib/ (extra): small utilities the xovs daemons and the CLI share.
XOVS_LIB_SRC := lib/xovs-dirs.c lib/xovs-file.c lib/xovs-limits.c
XOVS_LIB_OBJ := $(XOVS_LIB_SRC:%.c=$(OBJ)/%.o)

UNIT_TEST_SRC += tests/unit/test-dirs.c
UNIT_TEST_EXTRA_OBJ += $(XOVS_LIB_OBJ)
