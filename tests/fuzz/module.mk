# tests/fuzz: libFuzzer targets for every parser of untrusted bytes.
#   make fuzz-build              build them (clang, ASan+UBSan+libFuzzer)
#   make fuzz FUZZ_SECONDS=N     fuzz each for N seconds (default 60),
#                                two at a time (the machine's cores)
#   make fuzz-long               each for 10 minutes (not part of check)
# `make check` replays each target's checked-in corpus (tests/fuzz/corpus/),
# so a crash once found stays a regression test, and fuzzes each for 60 s
# (make fuzz).  tests/fuzz/run says where a crashing input is kept.
FUZZ_DIR := build/fuzz
# Other modules add targets before this file is read:
#   FUZZ_TARGETS += NAME; FUZZ_SRC_NAME := sources besides
#   tests/fuzz/fuzz-NAME.c; FUZZ_LIBS_NAME := extra libraries.
# Each needs a seed corpus in tests/fuzz/corpus/NAME/.
FUZZ_TARGETS += records rpc
FUZZ_CC := clang
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -g -O1
FUZZ_SRC_records := $(XREC_SRC) $(XAPI_SRC) agent/rpc.c agent/store.c \
	agent/store-journal.c lib/xovs-journal.c lib/xovs-file.c \
	agent/pifscan.c agent/portstats.c agent/reconcile-ethtool.c \
	agent/ethtool-nl.c $(VLAN_SRC)
FUZZ_SRC_rpc := $(FUZZ_SRC_records)
FUZZ_OBJ := $(sort $(foreach t,$(FUZZ_TARGETS),$(FUZZ_SRC_$(t):%.c=$(FUZZ_DIR)/obj/%.o))) \
	$(FUZZ_TARGETS:%=$(FUZZ_DIR)/obj/tests/fuzz/fuzz-%.o)
FUZZ_SECONDS ?= 60

# -Wall only: the product build (gcc) has every warning; clang also warns
# inside OVS's VLOG macros (-Wsign-compare), -isystem or not.
$(FUZZ_DIR)/obj/%.o: %.c $(OVS_STAMP)
	@mkdir -p $(dir $@)
	$(call quiet,CC)$(FUZZ_CC) -std=gnu11 -Wall -Werror -I$(TOP) \
		$(OVS_INCLUDES) $(shell pkg-config --cflags json-c libnl-route-3.0 libnl-genl-3.0) \
		-Wno-unused-command-line-argument $(FUZZ_FLAGS) -MMD -MP -c $< -o $@

define FUZZ_RULE
$(FUZZ_DIR)/fuzz-$(1): $(FUZZ_DIR)/obj/tests/fuzz/fuzz-$(1).o \
		$(FUZZ_SRC_$(1):%.c=$(FUZZ_DIR)/obj/%.o) $(OVS_LIB)
	$$(call quiet,LD)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $$@ \
		$$(filter %.o,$$^) $(FUZZ_LIBS_$(1)) $(LDLIBS_JSON) $(LDLIBS_NL) \
		$(LDLIBS_OVS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz-%)

FUZZ_JOBS ?= 2
fuzz: fuzz-build
	$(Q)tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

fuzz-long: fuzz-build
	$(Q)tests/fuzz/run 600 $(FUZZ_JOBS) $(FUZZ_TARGETS)

# Replays the seed corpora: every input must run clean.
fuzz-replay: fuzz-build
	$(Q)for t in $(FUZZ_TARGETS); do \
		$(if $(Q),printf '  %-7s %s\n' REPLAY "tests/fuzz/corpus/$$t";) \
		$(FUZZ_DIR)/fuzz-$$t -runs=0 tests/fuzz/corpus/$$t >/dev/null \
			2>$(FUZZ_DIR)/replay-$$t.log \
			|| { tail -30 $(FUZZ_DIR)/replay-$$t.log; exit 1; }; \
	done

.SECONDARY: $(FUZZ_OBJ)
.PHONY: fuzz fuzz-long fuzz-build fuzz-replay
-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
