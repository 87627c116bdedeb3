/* vif-backend/platform.c: the one way into a platform class (platform.h),
 * as OVS's netdev.c is into netdev_class.  Each wrapper calls its member;
 * the ones for optional members stand in for a class without them, and
 * vif_platform_copy() marks every segment failed before the class runs,
 * so a segment the class did not carry out never reads as done.  Callers
 * (interface.c, tx.c, rx.c, ctrl.c, xenbus.c) never look at the class. Depends
 * on nothing but platform.h. */
#include <config.h>

#include <errno.h>
#include <unistd.h>

#include "vif-backend/platform.h"

int
vif_platform_open(const struct vif_platform_class *class,
                  uint16_t backend_domid, struct vif_platform **pp)
{
    return class->open(backend_domid, pp);
}

void
vif_platform_close(struct vif_platform *p)
{
    if (p) {
        p->class->close(p);
    }
}

int
vif_platform_map(struct vif_platform *p, uint16_t domid, const uint32_t *refs,
                 size_t n, bool readonly, void **addr, struct vif_mapping **m)
{
    return p->class->map(p, domid, refs, n, readonly, addr, m);
}

void
vif_platform_unmap(struct vif_platform *p, struct vif_mapping *m)
{
    p->class->unmap(p, m);
}

int
vif_platform_copy(struct vif_platform *p, struct vif_copy_seg *segs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        segs[i].status = VIF_GNTST_GENERAL_ERROR;
    }
    return p->class->copy(p, segs, n);
}

int
vif_platform_bind(struct vif_platform *p, uint16_t domid, uint32_t remote_port,
                  uint32_t *local_port)
{
    return p->class->bind(p, domid, remote_port, local_port);
}

void
vif_platform_unbind(struct vif_platform *p, uint32_t local_port)
{
    p->class->unbind(p, local_port);
}

int
vif_platform_notify(struct vif_platform *p, uint32_t local_port)
{
    return p->class->notify(p, local_port);
}

int
vif_platform_fd(struct vif_platform *p)
{
    return p->class->fd(p);
}

int64_t
vif_platform_pending(struct vif_platform *p)
{
    return p->class->pending(p);
}

int
vif_platform_unmask(struct vif_platform *p, uint32_t local_port)
{
    return p->class->unmask(p, local_port);
}

void
vif_platform_release_domain(struct vif_platform *p, uint16_t domid)
{
    if (p->class->release_domain) {
        p->class->release_domain(p, domid);
    }
}

int32_t
vif_platform_dead_domain(struct vif_platform *p)
{
    return p->class->dead_domain ? p->class->dead_domain(p) : -1;
}

int
vif_platform_export_domain(struct vif_platform *p, uint16_t domid, int *memfd,
                           uint32_t *n_grants, uint32_t *n_pages)
{
    *memfd = -1;
    return (p->class->export_domain
                ? p->class->export_domain(p, domid, memfd, n_grants, n_pages)
                : EOPNOTSUPP);
}

int
vif_platform_export_port(struct vif_platform *p, uint32_t local_port,
                         int *from_guest, int *to_guest)
{
    *from_guest = *to_guest = -1;
    return (p->class->export_port
                ? p->class->export_port(p, local_port, from_guest, to_guest)
                : EOPNOTSUPP);
}

int
vif_platform_import_domain(struct vif_platform *p, uint16_t domid, int memfd,
                           uint32_t n_grants, uint32_t n_pages)
{
    if (!p->class->import_domain) {
        close(memfd);
        return EOPNOTSUPP;
    }
    return p->class->import_domain(p, domid, memfd, n_grants, n_pages);
}

int
vif_platform_import_port(struct vif_platform *p, uint16_t domid,
                         uint32_t remote_port, int from_guest, int to_guest)
{
    if (!p->class->import_port) {
        close(from_guest);
        close(to_guest);
        return EOPNOTSUPP;
    }
    return p->class->import_port(p, domid, remote_port, from_guest, to_guest);
}
