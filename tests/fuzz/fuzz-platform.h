/* tests/fuzz/fuzz-platform.h: the fake Xen platform the netback fuzz
 * targets share (fuzz-netback-tx.c, fuzz-netback-rx.c): FZ_PAGES granted
 * pages of domain FZ_GUEST, grant references equal to page numbers, checked
 * as Xen checks a grant (domain, reference, read-only) with three twists
 * the input chooses; event channels that do nothing; the port methods
 * both targets' ports share. */
#ifndef TESTS_FUZZ_FUZZ_PLATFORM_H
#define TESTS_FUZZ_FUZZ_PLATFORM_H 1

#include <stdint.h>

#include "vif-backend/vif-private.h"

#define FZ_PAGES 32
#define FZ_GUEST 5

struct fz_platform {
    struct vif_platform up;
    uint8_t pages[FZ_PAGES][VIF_PAGE_SIZE];
    /* Grant table twist: bit 0 ref 10 not granted, bit 1 ref 11 granted to
     * another domain, bit 2 ref 12 read-only. */
    uint8_t twist;
};

/* A zeroed platform of this class (xzalloc'd, never freed: the targets
 * keep one for every input). */
struct fz_platform *fz_platform_create(void);

/* A fuzz port's queue count and carrier: accepted, nothing to do. */
int fz_port_set_n_queues(struct vif_port *, size_t n);
int fz_port_set_carrier(struct vif_port *, bool up);

#endif /* tests/fuzz/fuzz-platform.h */
