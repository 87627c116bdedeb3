/* tests/fuzz/fuzz-platform.c: the netback fuzz targets' fake Xen platform
 * (fuzz-platform.h). */
#include <config.h>

#include "tests/fuzz/fuzz-platform.h"

#include <string.h>

#include "util.h"

static int16_t
fz_check(struct fz_platform *p, uint16_t domid, uint32_t ref, bool write)
{
    if (domid != FZ_GUEST) {
        return VIF_GNTST_BAD_DOMAIN;
    }
    if (ref == 0 || ref >= FZ_PAGES || (ref == 10 && p->twist & 1)) {
        return VIF_GNTST_BAD_GNTREF;
    }
    if ((ref == 11 && p->twist & 2) || (write && ref == 12 && p->twist & 4)) {
        return VIF_GNTST_PERMISSION_DENIED;
    }
    return VIF_GNTST_OKAY;
}

static int
fz_map(struct vif_platform *p_, uint16_t domid, const uint32_t *refs, size_t n,
       bool readonly, void **addr, struct vif_mapping **map)
{
    struct fz_platform *p = CONTAINER_OF(p_, struct fz_platform, up);
    if (n != 1 || fz_check(p, domid, refs[0], !readonly)) {
        return 1;
    }
    *addr = p->pages[refs[0]];
    *map = (struct vif_mapping *)*addr;
    return 0;
}

static void
fz_unmap(struct vif_platform *p OVS_UNUSED, struct vif_mapping *m OVS_UNUSED)
{
}

static int
fz_copy(struct vif_platform *p_, struct vif_copy_seg *segs, size_t n)
{
    struct fz_platform *p = CONTAINER_OF(p_, struct fz_platform, up);
    for (size_t i = 0; i < n; i++) {
        struct vif_copy_seg *s = &segs[i];
        s->status = fz_check(p, s->domid, s->ref, s->to_guest);
        if (!s->status && s->offset + s->len > VIF_PAGE_SIZE) {
            s->status = VIF_GNTST_BAD_COPY_ARG;
        }
        if (!s->status) {
            uint8_t *page = p->pages[s->ref] + s->offset;
            if (s->to_guest) {
                memcpy(page, s->local, s->len);
            } else {
                memcpy(s->local, page, s->len);
            }
        }
    }
    return 0;
}

static int
fz_bind(struct vif_platform *p OVS_UNUSED, uint16_t d OVS_UNUSED,
        uint32_t remote, uint32_t *local)
{
    *local = remote;
    return 0;
}

static void
fz_unbind(struct vif_platform *p OVS_UNUSED, uint32_t l OVS_UNUSED)
{
}

static int
fz_notify(struct vif_platform *p OVS_UNUSED, uint32_t l OVS_UNUSED)
{
    return 0;
}

static int
fz_fd(struct vif_platform *p OVS_UNUSED)
{
    return -1;
}

static int64_t
fz_pending(struct vif_platform *p OVS_UNUSED)
{
    return -1;
}

static int
fz_unmask(struct vif_platform *p OVS_UNUSED, uint32_t l OVS_UNUSED)
{
    return 0;
}

static const struct vif_platform_class fz_class = {
    .name = "fuzz",
    .map = fz_map,
    .unmap = fz_unmap,
    .copy = fz_copy,
    .bind = fz_bind,
    .unbind = fz_unbind,
    .notify = fz_notify,
    .fd = fz_fd,
    .pending = fz_pending,
    .unmask = fz_unmask,
};

struct fz_platform *
fz_platform_create(void)
{
    struct fz_platform *p = xzalloc(sizeof *p);

    p->up.class = &fz_class;
    return p;
}

int
fz_port_set_n_queues(struct vif_port *p OVS_UNUSED, size_t n OVS_UNUSED)
{
    return 0;
}

int
fz_port_set_carrier(struct vif_port *p OVS_UNUSED, bool up OVS_UNUSED)
{
    return 0;
}
