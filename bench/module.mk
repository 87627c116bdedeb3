# bench/: xovs-pktgen, the traffic source and sink of bench/xovs-bench (a
# TEST_PROGRAM: built into build/bin, not installed).  It links Debian's
# DPDK (libdpdk-dev) through pkg-config; DPDK's headers are -isystem so our
# warnings stay on for our code only.
BENCH_DPDK_CFLAGS := $(patsubst -I%,-isystem %,\
	$(shell pkg-config --cflags libdpdk 2>/dev/null))
BENCH_DPDK_LIBS := $(shell pkg-config --libs libdpdk 2>/dev/null)

$(OBJ)/bench/xovs-pktgen.o: XCFLAGS += $(BENCH_DPDK_CFLAGS)

$(BIN)/xovs-pktgen: $(OBJ)/bench/xovs-pktgen.o
	@mkdir -p $(dir $@)
	$(LINK) $(BENCH_DPDK_LIBS)

TEST_PROGRAMS += $(BIN)/xovs-pktgen

# xovs-engine-bench: vif-backend's netif engine against the unit tests' bed
# (a fake guest and a port that only keeps the frame); read, not changed.
$(BIN)/xovs-engine-bench: $(OBJ)/bench/engine-bench.o \
		$(OBJ)/tests/unit/netback-bed.o $(VIF_CORE_OBJ) $(OBJ)/agent/rpc.o \
		$(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_XEN) $(LDLIBS_JSON) $(LDLIBS_OVS)

TEST_PROGRAMS += $(BIN)/xovs-engine-bench
