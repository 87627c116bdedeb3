# controller/: xovs-controller, the pool's network daemon on OVN
# (docs/ovn.md).  Its typed IDLs are generated from Debian's OVN northbound
# and southbound schemas with OVS's ovsdb-idlc (as OVS makes
# lib/vswitch-idl.[ch]) into build/gen/controller/: ovn-nb-idl (whole) and
# ovn-sb-idl (the few tables ovn-sb-idl.ann keeps).
OVN_NB_SCHEMA ?= /usr/share/ovn/ovn-nb.ovsschema
OVN_SB_SCHEMA ?= /usr/share/ovn/ovn-sb.ovsschema
GEN := $(B)/gen
OVSDB_IDLC = PYTHONPATH=$(OVS)/python PYTHONDONTWRITEBYTECODE=yes \
	python3 $(OVS)/ovsdb/ovsdb-idlc.in

$(GEN)/controller/ovn-nb-idl.ovsidl: $(OVN_NB_SCHEMA) \
		controller/ovn-nb-idl.ann $(OVS_STAMP)
	@mkdir -p $(dir $@)
	$(call quiet,IDLC)$(OVSDB_IDLC) annotate $(OVN_NB_SCHEMA) \
		controller/ovn-nb-idl.ann >$@.tmp && mv $@.tmp $@
$(GEN)/controller/ovn-nb-idl.h: $(GEN)/controller/ovn-nb-idl.ovsidl
	$(call quiet,IDLC)$(OVSDB_IDLC) c-idl-header $< >$@.tmp && mv $@.tmp $@
$(GEN)/controller/ovn-nb-idl.c: $(GEN)/controller/ovn-nb-idl.ovsidl \
		$(GEN)/controller/ovn-nb-idl.h
	$(call quiet,IDLC)$(OVSDB_IDLC) c-idl-source $< >$@.tmp && mv $@.tmp $@
$(GEN)/controller/ovn-sb-idl.ovsidl: $(OVN_SB_SCHEMA) \
		controller/ovn-sb-idl.ann $(OVS_STAMP)
	@mkdir -p $(dir $@)
	$(call quiet,IDLC)$(OVSDB_IDLC) annotate $(OVN_SB_SCHEMA) \
		controller/ovn-sb-idl.ann >$@.tmp && mv $@.tmp $@
$(GEN)/controller/ovn-sb-idl.h: $(GEN)/controller/ovn-sb-idl.ovsidl
	$(call quiet,IDLC)$(OVSDB_IDLC) c-idl-header $< >$@.tmp && mv $@.tmp $@
$(GEN)/controller/ovn-sb-idl.c: $(GEN)/controller/ovn-sb-idl.ovsidl \
		$(GEN)/controller/ovn-sb-idl.h
	$(call quiet,IDLC)$(OVSDB_IDLC) c-idl-source $< >$@.tmp && mv $@.tmp $@
# Generated code: OVS's warnings, not ours.
$(OBJ)/controller/ovn-nb-idl.o $(OBJ)/controller/ovn-sb-idl.o: \
		$(OBJ)/controller/%.o: $(GEN)/controller/%.c
	@mkdir -p $(dir $@)
	$(call quiet,CC)$(CC) -std=gnu11 -I$(GEN) $(OVS_INCLUDES) $(CFLAGS) \
		$(filter -fsanitize=% -fno-omit-frame-pointer,$(XCFLAGS)) \
		-c $< -o $@

CTL_SRC := controller/ctl-db.c controller/ctl-host.c controller/ctl-nb.c \
	controller/ctl-journal.c lib/xovs-journal.c \
	controller/ctl-acl.c controller/ctl-acl-nb.c controller/ctl-sb.c
CTL_OBJ := $(CTL_SRC:%.c=$(OBJ)/%.o) $(OBJ)/controller/ovn-nb-idl.o \
	$(OBJ)/controller/ovn-sb-idl.o
$(OBJ)/controller/ctl-sb.o: XCFLAGS += -I$(GEN)
$(OBJ)/controller/ctl-sb.o: $(GEN)/controller/ovn-sb-idl.h
$(OBJ)/controller/ctl-nb.o $(OBJ)/controller/xovs-controller.o \
	$(OBJ)/controller/ctl-acl-nb.o: XCFLAGS += -I$(GEN)
$(OBJ)/controller/ctl-nb.o $(OBJ)/controller/xovs-controller.o \
	$(OBJ)/controller/ctl-acl-nb.o: $(GEN)/controller/ovn-nb-idl.h

$(BIN)/xovs-controller: $(OBJ)/controller/xovs-controller.o $(CTL_OBJ) \
		$(OBJ)/controller/ctl-rpc.o $(OBJ)/agent/rpc.o \
		$(OBJ)/agent/rpc-server.o $(OBJ)/agent/rbac.o $(XOVS_LIB_OBJ) \
		$(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_JSON) $(LDLIBS_OVS)

# The CLI knows the controller's verbs (xovs help, parameter checks).
$(BIN)/xovs: $(OBJ)/controller/ctl-rpc.o

PROGRAMS += $(BIN)/xovs-controller
DAEMONS += xovs-controller

# The request executor's unit tests (tests/unit/test-ctl-db.c).
UNIT_TEST_SRC += tests/unit/test-ctl-db.c tests/unit/test-ctl-host.c
UNIT_TEST_EXTRA_OBJ += $(OBJ)/controller/ctl-db.o $(OBJ)/controller/ctl-host.o \
	$(OBJ)/controller/ctl-journal.o \
	$(OBJ)/controller/ctl-acl.o \
	$(OBJ)/controller/ctl-rpc.o
