# xovs: non-recursive GNU make.  Every folder contributes a module.mk that
# appends to PROGRAMS (the product: what `make install` installs),
# TEST_PROGRAMS (tools only the tests use) and UNIT_TESTS, and defines its
# own objects.
#
#   make                 build every program into build/bin/
#   make check           set up dependencies, build, run unit + integration
#   make demo            set up, build, run scripts/demo
#   make soak            30 minutes of churn and traffic (bench/soak)
#   make fuzz-long       each fuzz target for 10 minutes
#   make lint            shellcheck every shell script, clang-format check
#   make bench           bench/xovs-bench --quick (root; docs/bench.md)
#   make bench-scale     bench/xovs-bench-scale: 100/1000/7000 VIFs (root)
#   make bench-guests    bench/xovs-bench-guests: 100/250/500 emulated
#                        guests through xovs-netback (root)
#   make install         install the product programs, the hotplug script,
#                        the DPDK plugin, the man pages and the systemd units
#                        (DESTDIR, PREFIX)
#   make deb             build the Debian package into build/deb/
#   make SANITIZE=address,undefined check
#   make V=1             show the full commands, not "  CC      agent/api.o"

.DEFAULT_GOAL := all
TOP := $(CURDIR)
B := build
BIN := $(B)/bin
OBJ := $(B)/obj
OVS := $(B)/ovs
OVS_LIB := $(OVS)/lib/.libs/libopenvswitch.a
OVS_STAMP := $(OVS)/.xovs-built
PREFIX ?= /usr/local
BINDIR := $(PREFIX)/bin
MANDIR := $(PREFIX)/share/man
# The DPDK plugin librte_net_xovs.so: a private directory below the
# multiarch library directory (/usr/lib/x86_64-linux-gnu/xovs for
# PREFIX=/usr), not DPDK's own driver directory, whose every .so EAL loads
# into every DPDK program.
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
PMDDIR := $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))/xovs
UNITDIR := /lib/systemd/system
SANITIZE ?=
V ?= 0

CC ?= gcc
WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Werror
CFLAGS ?= -O2 -g
# libopenvswitch's headers are not ours: -isystem keeps their few
# constructs -Wextra dislikes out of our warnings (and xovs code keeps every
# warning, with no -Wno-* for it).
OVS_INCLUDES := -isystem $(OVS) -isystem $(OVS)/include -isystem $(OVS)/lib
XCFLAGS := -std=gnu11 $(WARNINGS) -I$(TOP) $(OVS_INCLUDES) \
	$(shell pkg-config --cflags json-c libnl-route-3.0 libnl-genl-3.0 2>/dev/null)
LDLIBS_OVS := $(OVS_LIB) -lssl -lcrypto -lunbound -latomic -lm -lpthread -lrt
LDLIBS_JSON := $(shell pkg-config --libs json-c 2>/dev/null)
LDLIBS_NL := $(shell pkg-config --libs libnl-route-3.0 libnl-genl-3.0 2>/dev/null)
LDLIBS_XEN := -lxenstore -lxengnttab -lxenevtchn
ifneq ($(SANITIZE),)
XCFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
B := build/san
BIN := $(B)/bin
OBJ := $(B)/obj
endif

# One short line per file, as kernel and OVS builds print
# ("  CC      agent/api.o", "  LD      build/bin/xovs"); V=1 prints the
# commands instead.  $(call quiet,TAG) goes in front of a recipe line.
ifeq ($(V),1)
Q :=
quiet :=
else
Q := @
quiet = @printf '  %-7s %s\n' '$(1)' '$(patsubst $(OBJ)/%,%,$@)';
MAKEFLAGS += --no-print-directory
endif
# make from make (check, demo): -s also drops "Nothing to be done".
SUBMAKE = $(MAKE) $(if $(Q),-s)

# Links program $@ from the objects among its prerequisites; a module's rule
# appends the libraries: $(LINK) $(LDLIBS_OVS).
LINK = $(call quiet,LD)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^)

PROGRAMS :=
PLUGINS :=
TEST_PROGRAMS :=
UNIT_TESTS :=
DAEMONS :=

$(OBJ)/%.o: %.c $(OVS_STAMP)
	@mkdir -p $(dir $@)
	$(call quiet,CC)$(CC) $(XCFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# Libraries first: a program's prerequisites are expanded when its rule is
# read, so the modules it links must already have defined their objects.
MODULES := lib vlan ovs-glue bonding agent vif-backend/emu/xenstored \
	vif-backend/emu vif-backend vif-backend/dpdk controller bench tests/unit \
	tests/fuzz
include $(wildcard $(MODULES:%=%/module.mk))

all: $(PROGRAMS) $(PLUGINS) $(TEST_PROGRAMS)

$(OVS_STAMP):
	$(Q)scripts/setup

setup:
	$(Q)scripts/setup

# The unit tests, the fuzz corpora replayed, each fuzz target for 60 s
# (make fuzz), the integration tests (CHECK_JOBS at a time: with 2 the
# load average stayed at 1-3 on this 2-core machine; those marked
# "alone" on their own: tests/run-tests), then real Xen (check-xen, ~5
# min): the last two both run, and either failing fails the check.
CHECK_JOBS ?= 3
check: setup
	$(Q)$(SUBMAKE) all unit-tests fuzz-replay
	$(Q)$(SUBMAKE) fuzz
	$(Q)tests/run-tests --bin=$(BIN) --jobs=$(CHECK_JOBS); rc=$$?; \
	tests/system/run-xen --bin=$(BIN) || rc=1; \
	exit $$rc

unit-tests: $(UNIT_TESTS)

# Real Xen 4.17 under QEMU (TCG, no network device): builds dom0/domU
# images into build/xen and runs tests/system/scenarios from dom0's init.
check-xen: setup
	$(Q)$(SUBMAKE) all
	$(Q)tests/system/run-xen --bin=$(BIN)

demo: setup
	$(Q)$(SUBMAKE) all
	$(Q)scripts/demo

# 30 minutes of churn and traffic, growth of RSS, fds and OVS rows reported
# (bench/soak; SOAK_MINUTES); not part of make check.
SOAK_MINUTES ?= 30
soak: setup
	$(Q)$(SUBMAKE) all
	$(Q)bench/soak $(SOAK_MINUTES)

# The quick benchmark (about 2 minutes, root): one table with the anchors.
bench: all
	$(Q)bench/xovs-bench --quick

# 100, 1000 and 7000 VIFs through the agent's API (root; docs/bench.md):
# times, plug latency, agent RSS/CPU, OVS CPU; build/bench-scale/.
# BENCH_SCALE_ARGS=--quick for a small run.
bench-scale: all
	$(Q)bench/xovs-bench-scale $(BENCH_SCALE_ARGS)

# 100, 250 and 500 emulated guests through one xovs-netback (root;
# docs/bench.md): connect time, netback/xenstored RSS, idle CPU, fds;
# build/bench-guests/.  BENCH_GUESTS_ARGS=--guests=N for one size.
bench-guests: all
	$(Q)bench/xovs-bench-guests $(BENCH_GUESTS_ARGS)

# shellcheck on every shell script, clang-format on every C file (scripts/lint
# says how they are found).
lint:
	$(Q)scripts/lint

# The product only: PROGRAMS, scripts/vif as xovs-vif (xovs-netback runs
# the xovs-vif next to it), PLUGINS (net_xovs) in PMDDIR, the man pages
# (docs/man), the systemd units.
# TEST_PROGRAMS stay in build/bin.  tests/integration/04-install.sh checks
# the list.
INSTALL_SAY = $(if $(Q),printf '  %-7s %s\n' INSTALL,:)
programs: $(PROGRAMS) $(PLUGINS)

install: $(PROGRAMS) $(PLUGINS)
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	$(Q)for p in $(PLUGINS); do \
		$(INSTALL_SAY) "$(PMDDIR)/$${p##*/}"; \
		install -d $(DESTDIR)$(PMDDIR) && \
		install -m 644 "$$p" "$(DESTDIR)$(PMDDIR)/" || exit 1; \
	done
	$(Q)for p in $(PROGRAMS); do \
		$(INSTALL_SAY) "$(BINDIR)/$${p##*/}"; \
		install -m 755 "$$p" "$(DESTDIR)$(BINDIR)/" || exit 1; \
	done
	$(Q)$(INSTALL_SAY) $(BINDIR)/xovs-vif; \
	install -m 755 scripts/vif $(DESTDIR)$(BINDIR)/xovs-vif
	$(Q)for u in scripts/systemd/*.service; do \
		$(INSTALL_SAY) "$(UNITDIR)/$${u##*/}"; \
		sed 's|@BINDIR@|$(BINDIR)|g' "$$u" \
		  >"$(DESTDIR)$(UNITDIR)/$${u##*/}" || exit 1; \
	done
	$(Q)for m in docs/man/*.[18]; do \
		d="$(MANDIR)/man$${m##*.}"; \
		$(INSTALL_SAY) "$$d/$${m##*/}"; \
		install -m 644 "$$m" "$(DESTDIR)$$d/" || exit 1; \
	done

# The Debian package (debian/): scripts/mkdeb builds it from a copy of the
# tree in build/deb and leaves build/deb/xovs_VERSION_ARCH.deb.
deb: setup
	$(Q)scripts/mkdeb

clean:
	rm -rf build/bin build/obj build/san

distclean:
	rm -rf build

.PHONY: all check check-xen unit-tests demo soak bench bench-scale bench-guests lint install programs \
	deb clean distclean setup

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
