/* vif-backend/platform.h: what xovs-netback needs from "Xen", as a table of
 * function pointers (netdev_class style) with two implementations:
 *
 *   xen  platform-xen.c  libxengnttab (map, grant copy) and libxenevtchn on a
 *                        real dom0.
 *   emu  platform-emu.c  no hypervisor: guest memory and its v1 grant table
 *                        live in shared memory the guest process created;
 *                        event channels are eventfds; see emu/emu.h.
 *
 * xenstore is not part of this interface: both platforms use the real
 * libxenstore (against the real xenstored, or xovs-xenstored through
 * XENSTORED_PATH).
 *
 * The model is Xen's, so the netback core is written once:
 *   - grants are mapped per page (ring pages) or copied in batches
 *     (GNTTABOP_copy) for packet data; every check Xen makes is made;
 *   - all event channels of one platform instance share one pollable fd,
 *     like xenevtchn_fd(); vif_platform_pending() says which local port
 *     fired, and the port stays masked until vif_platform_unmask(). */
#ifndef VIF_PLATFORM_H
#define VIF_PLATFORM_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIF_PAGE_SIZE 4096

/* Grant operation status, as Xen's GNTST_* (grant_table.h). */
#define VIF_GNTST_OKAY 0
#define VIF_GNTST_GENERAL_ERROR (-1)
#define VIF_GNTST_BAD_DOMAIN (-2)
#define VIF_GNTST_BAD_GNTREF (-3)
#define VIF_GNTST_PERMISSION_DENIED (-8)
#define VIF_GNTST_BAD_PAGE (-9)
#define VIF_GNTST_BAD_COPY_ARG (-10)

struct vif_platform;
struct vif_mapping;

/* One segment of a batched grant copy: 'len' bytes between 'local' and
 * offset 'offset' of the page granted by 'domid' as 'ref'.  Like Xen, a
 * segment must not cross its page ('offset' + 'len' <= VIF_PAGE_SIZE), or
 * it fails with VIF_GNTST_BAD_COPY_ARG. */
struct vif_copy_seg {
    bool to_guest; /* true: local -> guest (RX); false: guest -> local
                    * (TX, needs only read access) */
    uint16_t domid;
    uint32_t ref;
    uint16_t offset;
    uint16_t len;
    void *local;
    int16_t status; /* out: VIF_GNTST_* */
};

struct vif_platform_class {
    const char *name; /* "xen" or "emu" */

    /* Opens the platform.  'backend_domid' is this backend's own domain
     * (0 on dom0): the emu platform checks grants against it exactly as Xen
     * checks the mapping domain.  Returns 0 or a positive errno. */
    int (*open)(uint16_t backend_domid, struct vif_platform **);
    void (*close)(struct vif_platform *); /* accepts NULL */

    /* Maps 'n' consecutive-in-the-array grant refs of 'domid' (ring pages)
     * into one contiguous area at '*addr'.  Fails (positive errno, logged by
     * the caller) unless every ref passes Xen's checks: granted
     * (GTF_permit_access) to this backend's domid, frame within the guest's
     * memory, and writable unless 'readonly'. */
    int (*map)(struct vif_platform *, uint16_t domid, const uint32_t *refs,
               size_t n, bool readonly, void **addr, struct vif_mapping **);
    void (*unmap)(struct vif_platform *, struct vif_mapping *); /* NULL ok */

    /* Performs the 'n' segments, setting the status of each one it carried
     * out (done or refused); the others keep VIF_GNTST_GENERAL_ERROR, which
     * vif_platform_copy() puts in every status first.  Returns 0 if every
     * segment was carried out (even if some failed), else a positive errno:
     * the call itself failed part-way, and the segments before the failure
     * keep their statuses. */
    int (*copy)(struct vif_platform *, struct vif_copy_seg *segs, size_t n);

    /* Binds to unbound port 'remote_port' of 'domid'; '*local_port' is the
     * port to notify and that vif_platform_pending() reports. */
    int (*bind)(struct vif_platform *, uint16_t domid, uint32_t remote_port,
                uint32_t *local_port);
    void (*unbind)(struct vif_platform *, uint32_t local_port);
    int (*notify)(struct vif_platform *, uint32_t local_port);

    /* The one fd that becomes readable when any bound port fired. */
    int (*fd)(struct vif_platform *);
    /* A fired port (now masked), or -1 if none is pending. */
    int64_t (*pending)(struct vif_platform *);
    int (*unmask)(struct vif_platform *, uint32_t local_port);

    /* Forgets everything about 'domid' (it died): its mappings stay valid
     * until unmapped, but new operations on it fail.  May be NULL. */
    void (*release_domain)(struct vif_platform *, uint16_t domid);

    /* A domain whose death the platform noticed by itself since the last
     * call (emu: the guest process's socket closed; the platform has already
     * released it), or -1.  fd() is readable while one is waiting, so call
     * it after pending() returned -1.  May be NULL (xen: the toolstack's
     * @releaseDomain watch is the only news of a death). */
    int32_t (*dead_domain)(struct vif_platform *);

    /* Handing a VIF's data path to another process (the net_xovs DPDK
     * driver, vif-backend/dpdk/), as vhost-user hands a VM's memory over.
     * All four may be NULL (xen: the other process opens gntdev/evtchn
     * itself); then the wrappers return EOPNOTSUPP.
     *
     * export_domain: a new fd of 'domid''s memory (caller closes it) and
     * its sizes, connecting to the domain first if needed.
     * export_port: new fds of bound local port 'local_port''s two eventfds
     * (guest->backend in 'from_guest', backend->guest in 'to_guest'); from
     * now on the port never fires here (the other process polls the ring),
     * but stays bound until unbind().
     * import_domain: the other side: takes 'memfd' (closed on failure too)
     * and checks it exactly as a guest's own answer is checked (layout,
     * F_SEAL_SHRINK, size); grants are then checked against it as always.
     * import_port: takes the two fds; a later bind() of 'remote_port' of
     * 'domid' claims this port instead of asking the guest. */
    int (*export_domain)(struct vif_platform *, uint16_t domid, int *memfd,
                         uint32_t *n_grants, uint32_t *n_pages);
    int (*export_port)(struct vif_platform *, uint32_t local_port,
                       int *from_guest, int *to_guest);
    int (*import_domain)(struct vif_platform *, uint16_t domid, int memfd,
                         uint32_t n_grants, uint32_t n_pages);
    int (*import_port)(struct vif_platform *, uint16_t domid,
                       uint32_t remote_port, int from_guest, int to_guest);
};

extern const struct vif_platform_class vif_platform_xen;
extern const struct vif_platform_class vif_platform_emu;

/* The class named 'name', or NULL (platform-table.c). */
const struct vif_platform_class *vif_platform_lookup(const char *name);

/* Every platform instance starts with its class pointer. */
struct vif_platform {
    const struct vif_platform_class *class;
};

/* How the rest of xovs-netback calls a platform (platform.c), as OVS's
 * netdev.c wraps netdev_class: one function per member, with the member's
 * contract above.  The wrappers own the checks for optional members and
 * what the contract promises on failure, so callers never look at the
 * class themselves. */
int vif_platform_open(const struct vif_platform_class *,
                      uint16_t backend_domid, struct vif_platform **);
void vif_platform_close(struct vif_platform *); /* accepts NULL */
int vif_platform_map(struct vif_platform *, uint16_t domid,
                     const uint32_t *refs, size_t n, bool readonly,
                     void **addr, struct vif_mapping **);
void vif_platform_unmap(struct vif_platform *, struct vif_mapping *);
/* Every segment's status is VIF_GNTST_GENERAL_ERROR unless the class
 * carried it out; on failure (a positive errno) the segments carried out
 * before it keep their statuses, whatever else the class left behind. */
int vif_platform_copy(struct vif_platform *, struct vif_copy_seg *segs,
                      size_t n);
int vif_platform_bind(struct vif_platform *, uint16_t domid,
                      uint32_t remote_port, uint32_t *local_port);
void vif_platform_unbind(struct vif_platform *, uint32_t local_port);
int vif_platform_notify(struct vif_platform *, uint32_t local_port);
int vif_platform_fd(struct vif_platform *);
int64_t vif_platform_pending(struct vif_platform *);
int vif_platform_unmask(struct vif_platform *, uint32_t local_port);
/* Does nothing on a class without release_domain. */
void vif_platform_release_domain(struct vif_platform *, uint16_t domid);
/* -1 on a class without dead_domain. */
int32_t vif_platform_dead_domain(struct vif_platform *);
/* EOPNOTSUPP on a class without them; the import wrappers then close the
 * fds they were given. */
int vif_platform_export_domain(struct vif_platform *, uint16_t domid,
                               int *memfd, uint32_t *n_grants,
                               uint32_t *n_pages);
int vif_platform_export_port(struct vif_platform *, uint32_t local_port,
                             int *from_guest, int *to_guest);
int vif_platform_import_domain(struct vif_platform *, uint16_t domid,
                               int memfd, uint32_t n_grants, uint32_t n_pages);
int vif_platform_import_port(struct vif_platform *, uint16_t domid,
                             uint32_t remote_port, int from_guest,
                             int to_guest);

#endif /* vif-backend/platform.h */
