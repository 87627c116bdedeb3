# xovs: non-recursive GNU make.  Every folder contributes a module.mk that
# appends to PROGRAMS, UNIT_TESTS and CLEAN, and defines its own objects.
#
#   make                 build every program into build/bin/
#   make check           set up dependencies, build, run unit + integration
#   make demo            set up, build, run scripts/demo
#   make install         install programs and systemd units (DESTDIR, PREFIX)
#   make SANITIZE=address,undefined check

.DEFAULT_GOAL := all
TOP := $(CURDIR)
B := build
BIN := $(B)/bin
OBJ := $(B)/obj
OVS := $(B)/ovs
OVS_LIB := $(OVS)/lib/.libs/libopenvswitch.a
OVS_STAMP := $(OVS)/.xovs-built
PREFIX ?= /usr/local
SANITIZE ?=

CC ?= gcc
WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Werror
CFLAGS ?= -O2 -g
# libopenvswitch's headers are not ours: -isystem keeps their few
# constructs -Wextra dislikes out of our warnings (and xovs code keeps every
# warning, with no -Wno-* for it).
OVS_INCLUDES := -isystem $(OVS) -isystem $(OVS)/include -isystem $(OVS)/lib
XCFLAGS := -std=gnu11 $(WARNINGS) -I$(TOP) $(OVS_INCLUDES) \
	$(shell pkg-config --cflags json-c libnl-route-3.0 2>/dev/null)
LDLIBS_OVS := $(OVS_LIB) -lssl -lcrypto -lunbound -latomic -lm -lpthread -lrt
LDLIBS_JSON := $(shell pkg-config --libs json-c 2>/dev/null)
LDLIBS_NL := $(shell pkg-config --libs libnl-route-3.0 2>/dev/null)
LDLIBS_XEN := -lxenstore -lxengnttab -lxenevtchn
ifneq ($(SANITIZE),)
XCFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
B := build/san
BIN := $(B)/bin
OBJ := $(B)/obj
endif

PROGRAMS :=
UNIT_TESTS :=
DAEMONS :=

$(OBJ)/%.o: %.c $(OVS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# Libraries first: a program's prerequisites are expanded when its rule is
# read, so the modules it links must already have defined their objects.
MODULES := vlan ovs-glue bonding agent vif-backend/emu/xenstored \
	vif-backend/emu vif-backend controller bench tests/unit tests/fuzz
include $(wildcard $(MODULES:%=%/module.mk))

all: $(PROGRAMS)

$(OVS_STAMP):
	scripts/setup

setup:
	scripts/setup

# The integration tests, then real Xen (check-xen, ~5 min): both run, and
# either failing fails the check.
check: setup
	$(MAKE) all unit-tests fuzz-replay
	tests/run-tests --bin=$(BIN); rc=$$?; \
	tests/system/run-xen --bin=$(BIN) || rc=1; \
	exit $$rc

unit-tests: $(UNIT_TESTS)

# Real Xen 4.17 under QEMU (TCG, no network device): builds dom0/domU
# images into build/xen and runs tests/system/scenarios from dom0's init.
check-xen: setup
	$(MAKE) all
	tests/system/run-xen --bin=$(BIN)

demo: setup
	$(MAKE) all
	scripts/demo

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/lib/systemd/system
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	$(if $(wildcard scripts/vif),install -m 755 scripts/vif \
		$(DESTDIR)$(PREFIX)/bin/xovs-vif)
	for u in $(wildcard scripts/systemd/*.service); do \
		sed 's|@BINDIR@|$(PREFIX)/bin|g' $$u \
		  >$(DESTDIR)/lib/systemd/system/$$(basename $$u); done

clean:
	rm -rf build/bin build/obj build/san

distclean:
	rm -rf build

.PHONY: all check check-xen unit-tests demo install clean distclean setup

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
