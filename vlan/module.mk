# vlan/: VLAN records -> fake bridge / tagged port plan (no OVS headers).
VLAN_SRC := vlan/vlan.c vlan/trunks.c
VLAN_OBJ := $(VLAN_SRC:%.c=$(OBJ)/%.o)

UNIT_TEST_SRC += tests/unit/test-vlan.c
