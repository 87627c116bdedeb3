/* vif-backend/platform-xen.c: the platform on a real Xen dom0 (or driver
 * domain).
 *
 * A thin layer over Xen's own libraries, the way QEMU's Xen backends use
 * them:
 *   - libxengnttab (/dev/xen/gntdev): ring pages are mapped with
 *     xengnttab_map_domain_grant_refs() into one contiguous area; packet
 *     data moves with xengnttab_grant_copy() (GNTTABOP_copy), in batches;
 *   - libxenevtchn (/dev/xen/evtchn): one fd for all bound ports; a port
 *     read from it is masked by the driver until xenevtchn_unmask().
 * Xen itself makes every grant check (permit_access, domid, readonly, frame),
 * so nothing is checked twice here.  Cannot be exercised without a
 * hypervisor; the emu platform is its stand-in for tests. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/grant_table.h>
#include "openvswitch/vlog.h"
#include "util.h"
#include "vif-backend/platform.h"

VLOG_DEFINE_THIS_MODULE(vif_platform_xen);

/* Our statuses are Xen's, so the core can log either without translating. */
_Static_assert(VIF_GNTST_OKAY == GNTST_okay, "GNTST");
_Static_assert(VIF_GNTST_GENERAL_ERROR == GNTST_general_error, "GNTST");
_Static_assert(VIF_GNTST_BAD_DOMAIN == GNTST_bad_domain, "GNTST");
_Static_assert(VIF_GNTST_BAD_GNTREF == GNTST_bad_gntref, "GNTST");
_Static_assert(VIF_GNTST_PERMISSION_DENIED == GNTST_permission_denied,
               "GNTST");
_Static_assert(VIF_GNTST_BAD_PAGE == GNTST_bad_page, "GNTST");
_Static_assert(VIF_GNTST_BAD_COPY_ARG == GNTST_bad_copy_arg, "GNTST");
_Static_assert(VIF_PAGE_SIZE == 4096, "Xen x86 page size");

/* Segments handed to one GNTTABOP_copy call (the kernel batches further). */
#define XEN_COPY_BATCH 64

struct xen_platform {
    struct vif_platform up;
    xengnttab_handle *xgt;
    xenevtchn_handle *xce;
};

struct vif_mapping {
    void *addr;       /* start of the contiguous area */
    uint32_t n_pages; /* pages in it */
};

static struct xen_platform *
xen_platform_cast(struct vif_platform *p)
{
    return CONTAINER_OF(p, struct xen_platform, up);
}

static void
xen_close(struct vif_platform *p_)
{
    if (p_) {
        struct xen_platform *p = xen_platform_cast(p_);

        if (p->xce) {
            xenevtchn_close(p->xce);
        }
        if (p->xgt) {
            xengnttab_close(p->xgt);
        }
        free(p);
    }
}

static int
xen_open(uint16_t backend_domid OVS_UNUSED, struct vif_platform **pp)
{
    struct xen_platform *p = xzalloc(sizeof *p);
    int error;

    p->up.class = &vif_platform_xen;
    p->xgt = xengnttab_open(NULL, 0);
    if (!p->xgt) {
        error = errno ? errno : ENODEV;
        VLOG_ERR("xengnttab_open: %s (is this a Xen dom0 with the gntdev "
                 "driver loaded?)",
                 ovs_strerror(error));
        goto error;
    }
    p->xce = xenevtchn_open(NULL, 0);
    if (!p->xce) {
        error = errno ? errno : ENODEV;
        VLOG_ERR("xenevtchn_open: %s (is the evtchn driver loaded?)",
                 ovs_strerror(error));
        goto error;
    }

    /* The library opens /dev/xen/evtchn blocking; pending() must never
     * block the poll loop. */
    int fd = xenevtchn_fd(p->xce);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        error = errno;
        VLOG_ERR("evtchn fd: %s", ovs_strerror(error));
        goto error;
    }

    *pp = &p->up;
    return 0;

error:
    xen_close(&p->up);
    *pp = NULL;
    return error;
}

static int
xen_map(struct vif_platform *p_, uint16_t domid, const uint32_t *refs,
        size_t n, bool readonly, void **addr, struct vif_mapping **mp)
{
    struct xen_platform *p = xen_platform_cast(p_);

    *addr = NULL;
    *mp = NULL;
    if (!n || n > UINT32_MAX / VIF_PAGE_SIZE) {
        return EINVAL;
    }

    /* The library's prototype is not const-correct; it does not write. */
    void *a = xengnttab_map_domain_grant_refs(
        p->xgt, n, domid, CONST_CAST(uint32_t *, refs),
        PROT_READ | (readonly ? 0 : PROT_WRITE));
    if (!a) {
        return errno ? errno : EINVAL;
    }

    struct vif_mapping *m = xmalloc(sizeof *m);
    m->addr = a;
    m->n_pages = n;
    *addr = a;
    *mp = m;
    return 0;
}

static void
xen_unmap(struct vif_platform *p_, struct vif_mapping *m)
{
    if (m) {
        struct xen_platform *p = xen_platform_cast(p_);

        if (xengnttab_unmap(p->xgt, m->addr, m->n_pages)) {
            VLOG_WARN("xengnttab_unmap: %s", ovs_strerror(errno));
        }
        free(m);
    }
}

static int
xen_copy(struct vif_platform *p_, struct vif_copy_seg *segs, size_t n)
{
    struct xen_platform *p = xen_platform_cast(p_);
    xengnttab_grant_copy_segment_t ops[XEN_COPY_BATCH];

    for (size_t done = 0; done < n;) {
        size_t batch = MIN(n - done, XEN_COPY_BATCH);

        memset(ops, 0, batch * sizeof ops[0]);
        for (size_t i = 0; i < batch; i++) {
            const struct vif_copy_seg *s = &segs[done + i];
            xengnttab_grant_copy_segment_t *op = &ops[i];

            if (s->to_guest) {
                op->source.virt = s->local;
                op->dest.foreign.ref = s->ref;
                op->dest.foreign.offset = s->offset;
                op->dest.foreign.domid = s->domid;
                op->flags = GNTCOPY_dest_gref;
            } else {
                op->source.foreign.ref = s->ref;
                op->source.foreign.offset = s->offset;
                op->source.foreign.domid = s->domid;
                op->dest.virt = s->local;
                op->flags = GNTCOPY_source_gref;
            }
            op->len = s->len;
        }
        if (xengnttab_grant_copy(p->xgt, batch, ops)) {
            int error = errno ? errno : EIO;

            /* The batches before this one completed: their statuses hold.
             * Of this one, Linux's gntdev may have written some statuses
             * before it failed and not others (which still read 0, i.e.
             * okay), so none of it is copied back: this batch and the ones
             * after it, never tried, keep vif_platform_copy()'s
             * GENERAL_ERROR. */
            return error;
        }
        for (size_t i = 0; i < batch; i++) {
            segs[done + i].status = ops[i].status;
        }
        done += batch;
    }
    return 0;
}

static int
xen_bind(struct vif_platform *p_, uint16_t domid, uint32_t remote_port,
         uint32_t *local_port)
{
    struct xen_platform *p = xen_platform_cast(p_);
    xenevtchn_port_or_error_t port;

    port = xenevtchn_bind_interdomain(p->xce, domid, remote_port);
    if (port < 0) {
        *local_port = 0;
        return errno ? errno : EINVAL;
    }
    *local_port = port;
    return 0;
}

static void
xen_unbind(struct vif_platform *p_, uint32_t local_port)
{
    struct xen_platform *p = xen_platform_cast(p_);

    if (xenevtchn_unbind(p->xce, local_port)) {
        VLOG_WARN("xenevtchn_unbind(%" PRIu32 "): %s", local_port,
                  ovs_strerror(errno));
    }
}

static int
xen_notify(struct vif_platform *p_, uint32_t local_port)
{
    struct xen_platform *p = xen_platform_cast(p_);

    return xenevtchn_notify(p->xce, local_port) ? errno : 0;
}

static int
xen_fd(struct vif_platform *p_)
{
    return xenevtchn_fd(xen_platform_cast(p_)->xce);
}

static int64_t
xen_pending(struct vif_platform *p_)
{
    xenevtchn_port_or_error_t port;

    port = xenevtchn_pending(xen_platform_cast(p_)->xce);
    return port < 0 ? -1 : port;
}

static int
xen_unmask(struct vif_platform *p_, uint32_t local_port)
{
    struct xen_platform *p = xen_platform_cast(p_);

    return xenevtchn_unmask(p->xce, local_port) ? errno : 0;
}

const struct vif_platform_class vif_platform_xen = {
    .name = "xen",
    .open = xen_open,
    .close = xen_close,
    .map = xen_map,
    .unmap = xen_unmap,
    .copy = xen_copy,
    .bind = xen_bind,
    .unbind = xen_unbind,
    .notify = xen_notify,
    .fd = xen_fd,
    .pending = xen_pending,
    .unmask = xen_unmask,
    .release_domain = NULL, /* Xen releases a dead domain's grants itself. */
    .dead_domain = NULL,
};
