# vif-backend/emu/evil.mk: xovs-evil-guest, a malicious netfront for the
# netback hardening tests (tests/integration/9?-*.sh, docs/evil-guest.md).
# Included at the end of vif-backend/emu/module.mk (needs VIF_EMU_GUEST_OBJ).
$(BIN)/xovs-evil-guest: $(OBJ)/vif-backend/emu/xovs-evil-guest.o \
		$(OBJ)/vif-backend/emu/evil-ring.o \
		$(OBJ)/vif-backend/emu/evil-attacks.o \
		$(OBJ)/vif-backend/emu/frontend.o $(VIF_EMU_GUEST_OBJ) $(OVS_LIB)
	@mkdir -p $(dir $@)
	$(LINK) $(LDLIBS_XEN) $(LDLIBS_OVS)

TEST_PROGRAMS += $(BIN)/xovs-evil-guest
