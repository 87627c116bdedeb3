/* vif-backend/platform-emu.c: the emulated Xen platform, backend side.
 *
 * Plays the hypervisor's part for xovs-netback when no Xen runs: the guest
 * process owns its "memory" (a sealed memfd: header, v1 grant table, pages,
 * see emu/emu.h) and the backend reaches it over the guest's unix socket.
 *
 * Grants are checked the way Xen's grant_table.c checks them, against a
 * backend-local "active grant table" (Xen's struct active_grant_entry):
 *   - ref >= n_grants                              -> GNTST_bad_gntref
 *   - first pin: type must be GTF_permit_access (and not GTF_sub_page for a
 *     map), domid must be ours                     -> GNTST_permission_denied
 *     (Xen says GNTST_general_error here; the netback only needs "failed",
 *     and the precise reason is what a log reader wants)
 *   - write access to a GTF_readonly entry         -> permission_denied
 *   - GTF_reading (and GTF_writing) are set with a bounded cmpxchg loop on
 *     the shared flags+domid word, like _set_status_v1()
 *   - first pin: frame read once, must be < n_pages -> GNTST_bad_page
 *   - the pin counts live here, not in guest memory; the flags are cleared
 *     when the last read/write pin goes.
 * Nothing read from guest memory is read twice: the flags/domid word and the
 * frame are loaded once into locals.  The memfd must carry F_SEAL_SHRINK, so
 * a guest cannot make the backend fault by truncating its memory.
 *
 * Event channels: each bound port has two eventfds from the guest; all the
 * guest->backend ones (and the domain sockets) sit in one epoll fd, which is
 * fd().  A port that fired is taken out of the epoll set (masked) until
 * unmask(); notifications while masked accumulate in the eventfd and are
 * delivered once after unmask, as Xen's pending bit is. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "hash.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/emu/emu.h"
#include "vif-backend/platform.h"

VLOG_DEFINE_THIS_MODULE(vif_platform_emu);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* How long a guest that did not answer (or spoke nonsense) is left alone
 * before the next connection attempt. */
#define EMU_RETRY_MSEC 5000

/* Retries of the cmpxchg on a guest's grant entry before giving up, as Xen
 * (the guest may be changing it on purpose to livelock us). */
#define EMU_CMPXCHG_RETRIES 5

/* epoll data: ports are below 2^32, domain sockets are tagged. */
#define EMU_SOCK_TAG (UINT64_C(1) << 32)

#define EMU_READY_MAX 32

struct emu_active {     /* Xen's active grant entry */
    uint32_t frame;     /* valid while pinned */
    uint32_t pin_read;  /* readonly pins */
    uint32_t pin_write; /* writable pins */
};

struct emu_domain {
    struct hmap_node node; /* in emu_platform's 'domains' */
    uint16_t domid;
    int sock;               /* -1 when released or broken */
    long long int retry_at; /* broken: no new connection before this */
    unsigned int refcnt;    /* the hmap's + one per mapping */
    uint32_t seq;           /* last request's */

    int memfd;
    uint8_t *mem; /* the whole memfd, MAP_SHARED */
    uint64_t mem_size;
    struct grant_entry_v1 *gnttab;
    uint32_t n_grants;
    uint64_t page_ofs;
    uint32_t n_pages;
    struct emu_active *active; /* n_grants entries */
    bool imported;             /* memory handed over by another backend
                                * process (import_domain): no socket */
};

struct emu_port {
    bool used;
    bool masked; /* fired, not yet unmasked */
    uint16_t domid;
    uint32_t remote_port;
    int from_guest; /* eventfd the guest notifies */
    int to_guest;   /* eventfd we notify */
    bool exported;  /* handed to another process: never fires here */
    bool imported;  /* from import_port(): waits for bind() to claim it */
    bool claimed;   /* an imported port that bind() returned */
};

struct emu_platform {
    struct vif_platform up;
    uint16_t domid; /* the backend's own */
    int epfd;
    struct hmap domains; /* struct emu_domain, by domid */

    struct emu_port *ports; /* indexed by local port; 0 is never used */
    size_t n_ports;

    uint32_t ready[EMU_READY_MAX]; /* fired ports fetched, not yet returned */
    size_t n_ready, i_ready;

    uint16_t *dead; /* domains whose socket closed */
    size_t n_dead, allocated_dead;
};

struct vif_mapping {
    struct emu_domain *dom;
    void *addr;
    size_t n;
    bool readonly;
    uint32_t refs[];
};

static struct emu_platform *
emu_cast(struct vif_platform *p)
{
    return CONTAINER_OF(p, struct emu_platform, up);
}

/* ---- Domains ------------------------------------------------------------ */

static void
emu_domain_disconnect(struct emu_platform *p, struct emu_domain *d)
{
    if (d->sock >= 0) {
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, d->sock, NULL);
        close(d->sock);
        d->sock = -1;
    }
}

static void
emu_domain_unref(struct emu_domain *d)
{
    if (d && !--d->refcnt) {
        if (d->mem) {
            munmap(d->mem, d->mem_size);
        }
        if (d->memfd >= 0) {
            close(d->memfd);
        }
        free(d->active);
        free(d);
    }
}

/* Takes 'd' out of the lookup table: new operations on its domid start a
 * new connection; existing mappings keep 'd' alive until unmapped. */
static void
emu_domain_release(struct emu_platform *p, struct emu_domain *d)
{
    emu_domain_disconnect(p, d);
    hmap_remove(&p->domains, &d->node);
    emu_domain_unref(d);
}

static struct emu_domain *
emu_domain_find(struct emu_platform *p, uint16_t domid)
{
    struct emu_domain *d;

    HMAP_FOR_EACH_WITH_HASH (d, node, hash_int(domid, 0), &p->domains) {
        if (d->domid == domid) {
            return d;
        }
    }
    return NULL;
}

/* Sends 'req' to 'd' and waits (at most VIF_EMU_REPLY_TIMEOUT_MS) for its
 * reply, with up to 'max_fds' fds.  Returns 0 (then '*reply' holds the reply
 * and its error) or a positive errno: then the connection is unusable. */
static int
emu_request(struct emu_domain *d, struct vif_emu_msg *req,
            struct vif_emu_msg *reply, int *fds, size_t max_fds, size_t *n_fds)
{
    req->seq = ++d->seq;
    req->flags = 0;
    int error = vif_emu_send(d->sock, req, NULL, 0);
    if (error) {
        return error;
    }

    long long int deadline = time_msec() + VIF_EMU_REPLY_TIMEOUT_MS;
    for (;;) {
        error = vif_emu_recv(d->sock, reply, fds, max_fds, n_fds);
        if (error != EAGAIN) {
            break;
        }
        long long int left = deadline - time_msec();
        if (left <= 0) {
            return ETIMEDOUT;
        }
        struct pollfd pfd = {.fd = d->sock, .events = POLLIN};
        if (poll(&pfd, 1, left) < 0 && errno != EINTR) {
            return errno;
        }
    }
    if (error) {
        return error;
    }
    if (reply->type != req->type || reply->seq != req->seq
        || !(reply->flags & VIF_EMU_F_REPLY) || reply->error < 0) {
        for (size_t i = 0; i < *n_fds; i++) {
            close(fds[i]);
        }
        *n_fds = 0;
        return EPROTO;
    }
    return 0;
}

/* Checks the memory 'd->memfd' a guest (or, imported, another backend
 * process) offered as domain 'domid' of layout 'version', 'n_grants',
 * 'n_pages', and maps it.  Returns 0 or a positive errno (logged,
 * rate-limited); on failure nothing is mapped and 'd->memfd' stays for the
 * caller to close. */
static int
emu_domain_attach(struct emu_domain *d, uint32_t domid, uint32_t version,
                  uint32_t n_grants, uint32_t n_pages)
{
    uint64_t grant_ofs, page_ofs, size;
    struct stat st;
    int seals = fcntl(d->memfd, F_GET_SEALS);
    if (domid != d->domid || version != VIF_EMU_VERSION
        || !vif_emu_layout(n_grants, n_pages, &grant_ofs, &page_ofs, &size)) {
        VLOG_WARN_RL(&rl,
                     "dom%u: guest claims domid %" PRIu32 ", version "
                     "%" PRIu32 ", %" PRIu32 " grants, %" PRIu32
                     " pages: refused",
                     d->domid, domid, version, n_grants, n_pages);
        return EPROTO;
    }
    if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
        VLOG_WARN_RL(&rl,
                     "dom%u: guest memory is not sealed against "
                     "shrinking (F_SEAL_SHRINK): refused",
                     d->domid);
        return EPERM;
    }
    if (fstat(d->memfd, &st) < 0 || st.st_size < 0
        || (uint64_t)st.st_size < size) {
        VLOG_WARN_RL(&rl,
                     "dom%u: guest memory is smaller than its layout: "
                     "refused",
                     d->domid);
        return EPROTO;
    }
    void *mem
        = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
    if (mem == MAP_FAILED) {
        int error = errno;
        VLOG_WARN_RL(&rl, "dom%u: mmap of guest memory: %s", d->domid,
                     ovs_strerror(error));
        return error;
    }
    d->mem = mem;
    d->mem_size = size;
    d->gnttab = (struct grant_entry_v1 *)(d->mem + grant_ofs);
    d->n_grants = n_grants;
    d->page_ofs = page_ofs;
    d->n_pages = n_pages;
    d->active = xcalloc(d->n_grants, sizeof *d->active);
    return 0;
}

/* Connects to the guest and maps its memory.  Returns 0 or a positive
 * errno (logged, rate-limited). */
static int
emu_domain_connect(struct emu_platform *p, struct emu_domain *d)
{
    char *path = vif_emu_sock_path(d->domid);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int error;

    if (strlen(path) >= sizeof sun.sun_path) {
        free(path);
        return ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);
    free(path);

    d->sock
        = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (d->sock < 0) {
        return errno;
    }
    if (connect(d->sock, (struct sockaddr *)&sun, sizeof sun) < 0) {
        /* ENOENT/ECONNREFUSED: no such guest (any more); not worth a log. */
        error = errno;
        emu_domain_disconnect(p, d);
        return error;
    }

    struct vif_emu_msg req = {
        .type = VIF_EMU_HELLO,
        .version = VIF_EMU_VERSION,
        .domid = p->domid,
    };
    struct vif_emu_msg reply;
    int fds[VIF_EMU_MAX_FDS];
    size_t n_fds;
    error = emu_request(d, &req, &reply, fds, 1, &n_fds);
    if (!error && (reply.error || n_fds != 1)) {
        error = reply.error ? reply.error : EPROTO;
        for (size_t i = 0; i < n_fds; i++) {
            close(fds[i]);
        }
    }
    if (error) {
        VLOG_WARN_RL(&rl, "dom%u: no usable answer from the guest: %s",
                     d->domid, ovs_strerror(error));
        goto error;
    }
    d->memfd = fds[0];
    error = emu_domain_attach(d, reply.domid, reply.version, reply.n_grants,
                              reply.n_pages);
    if (error) {
        goto error;
    }

    struct epoll_event ev = {
        .events = EPOLLIN | EPOLLRDHUP,
        .data.u64 = EMU_SOCK_TAG | d->domid,
    };
    if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, d->sock, &ev) < 0) {
        error = errno;
        goto error;
    }
    VLOG_INFO("dom%u: connected: %" PRIu32 " grants, %" PRIu32 " pages",
              d->domid, d->n_grants, d->n_pages);
    return 0;

error:
    emu_domain_disconnect(p, d);
    if (d->mem) {
        munmap(d->mem, d->mem_size);
        d->mem = NULL;
    }
    if (d->memfd >= 0) {
        close(d->memfd);
        d->memfd = -1;
    }
    free(d->active);
    d->active = NULL;
    return error;
}

/* The connected domain 'domid', connecting on first use; NULL if there is
 * no such guest (then '*error' says why). */
static struct emu_domain *
emu_domain_get(struct emu_platform *p, uint16_t domid, int *error)
{
    struct emu_domain *d = emu_domain_find(p, domid);

    if (d) {
        if (d->sock >= 0 || d->imported) {
            return d;
        }
        if (time_msec() < d->retry_at) {
            *error = ESRCH;
            return NULL;
        }
        emu_domain_release(p, d);
    }

    d = xzalloc(sizeof *d);
    d->domid = domid;
    d->sock = -1;
    d->memfd = -1;
    d->refcnt = 1;
    *error = emu_domain_connect(p, d);
    if (*error) {
        if (*error == ENOENT || *error == ECONNREFUSED) {
            free(d);
            *error = ESRCH;
            return NULL;
        }
        /* The guest exists but misbehaves: leave it alone for a while. */
        d->retry_at = time_msec() + EMU_RETRY_MSEC;
        hmap_insert(&p->domains, &d->node, hash_int(domid, 0));
        *error = ESRCH;
        return NULL;
    }
    hmap_insert(&p->domains, &d->node, hash_int(domid, 0));
    return d;
}

/* ---- Grants (Xen's checks) -----------------------------------------------
 */

static inline uint32_t *
emu_combo(struct emu_domain *d, uint32_t ref)
{
    /* flags (low half) and domid (high half) as one word, as Xen's union
     * grant_combo. */
    return (uint32_t *)&d->gnttab[ref];
}

static void
emu_clear_flags(struct emu_domain *d, uint32_t ref, uint16_t flags)
{
    __atomic_fetch_and(&d->gnttab[ref].flags, (uint16_t)~flags,
                       __ATOMIC_SEQ_CST);
}

/* Pins 'ref' of 'd' for reading (or writing too, unless 'readonly'); 'map'
 * adds the checks only a mapping needs.  Returns a VIF_GNTST_* status; on
 * success '*frame' is the frame to access. */
static int
emu_acquire(struct emu_platform *p, struct emu_domain *d, uint32_t ref,
            bool readonly, bool map, uint32_t *frame)
{
    if (ref >= d->n_grants) {
        return VIF_GNTST_BAD_GNTREF;
    }

    struct emu_active *act = &d->active[ref];
    bool pinned = act->pin_read || act->pin_write;
    if (!pinned || (!readonly && !act->pin_write)) {
        uint16_t mask = GTF_type_mask | (map ? GTF_sub_page : 0);
        uint32_t *combo = emu_combo(d, ref);
        uint32_t cur = __atomic_load_n(combo, __ATOMIC_ACQUIRE);

        for (int retries = 0;; retries++) {
            uint16_t flags = cur & 0xffff;
            uint16_t gdomid = cur >> 16;

            if (!pinned
                && ((flags & mask) != GTF_permit_access
                    || gdomid != p->domid)) {
                return VIF_GNTST_PERMISSION_DENIED;
            }
            if (!readonly && (flags & GTF_readonly)) {
                return VIF_GNTST_PERMISSION_DENIED;
            }
            uint16_t nflags
                = flags | GTF_reading | (readonly ? 0 : GTF_writing);
            uint32_t next = (cur & 0xffff0000u) | nflags;
            if (__atomic_compare_exchange_n(combo, &cur, next, false,
                                            __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST)) {
                break;
            }
            if (retries == EMU_CMPXCHG_RETRIES - 1) {
                return VIF_GNTST_GENERAL_ERROR;
            }
        }
    }

    if (!pinned) {
        uint32_t f = __atomic_load_n(&d->gnttab[ref].frame, __ATOMIC_ACQUIRE);
        if (f >= d->n_pages) {
            if (!readonly) {
                emu_clear_flags(d, ref, GTF_writing);
            }
            emu_clear_flags(d, ref, GTF_reading);
            return VIF_GNTST_BAD_PAGE;
        }
        act->frame = f;
    }
    if (readonly) {
        act->pin_read++;
    } else {
        act->pin_write++;
    }
    *frame = act->frame;
    return VIF_GNTST_OKAY;
}

static void
emu_release(struct emu_domain *d, uint32_t ref, bool readonly)
{
    struct emu_active *act = &d->active[ref];

    if (readonly) {
        ovs_assert(act->pin_read);
        act->pin_read--;
    } else {
        ovs_assert(act->pin_write);
        if (!--act->pin_write) {
            emu_clear_flags(d, ref, GTF_writing);
        }
    }
    if (!act->pin_read && !act->pin_write) {
        emu_clear_flags(d, ref, GTF_reading);
    }
}

static uint8_t *
emu_frame(struct emu_domain *d, uint32_t frame)
{
    return d->mem + d->page_ofs + (uint64_t)frame * VIF_EMU_PAGE_SIZE;
}

static int
emu_status_to_errno(int status)
{
    switch (status) {
    case VIF_GNTST_BAD_DOMAIN:
        return ESRCH;
    case VIF_GNTST_BAD_GNTREF:
        return EINVAL;
    case VIF_GNTST_PERMISSION_DENIED:
        return EPERM;
    case VIF_GNTST_BAD_PAGE:
        return EFAULT;
    default:
        return EIO;
    }
}

static int
emu_map(struct vif_platform *p_, uint16_t domid, const uint32_t *refs,
        size_t n, bool readonly, void **addr, struct vif_mapping **mp)
{
    struct emu_platform *p = emu_cast(p_);
    int error;

    *addr = NULL;
    *mp = NULL;
    if (!n || n > 64) {
        return EINVAL;
    }
    struct emu_domain *d = emu_domain_get(p, domid, &error);
    if (!d) {
        return error;
    }

    uint32_t *frames = xmalloc(n * sizeof *frames);
    size_t i;
    for (i = 0; i < n; i++) {
        int st = emu_acquire(p, d, refs[i], readonly, true, &frames[i]);
        if (st != VIF_GNTST_OKAY) {
            error = emu_status_to_errno(st);
            goto undo;
        }
    }

    size_t size = n * VIF_EMU_PAGE_SIZE;
    uint8_t *area = mmap(NULL, size, PROT_NONE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (area == MAP_FAILED) {
        error = errno;
        goto undo;
    }
    for (size_t k = 0; k < n; k++) {
        void *a = mmap(area + k * VIF_EMU_PAGE_SIZE, VIF_EMU_PAGE_SIZE,
                       PROT_READ | (readonly ? 0 : PROT_WRITE),
                       MAP_SHARED | MAP_FIXED, d->memfd,
                       d->page_ofs + (uint64_t)frames[k] * VIF_EMU_PAGE_SIZE);
        if (a == MAP_FAILED) {
            error = errno;
            munmap(area, size);
            goto undo;
        }
    }
    free(frames);

    struct vif_mapping *m = xmalloc(sizeof *m + n * sizeof m->refs[0]);
    m->dom = d;
    m->addr = area;
    m->n = n;
    m->readonly = readonly;
    memcpy(m->refs, refs, n * sizeof m->refs[0]);
    d->refcnt++;
    *addr = area;
    *mp = m;
    return 0;

undo:
    while (i-- > 0) {
        emu_release(d, refs[i], readonly);
    }
    free(frames);
    return error;
}

static void
emu_unmap(struct vif_platform *p_ OVS_UNUSED, struct vif_mapping *m)
{
    if (m) {
        munmap(m->addr, m->n * VIF_EMU_PAGE_SIZE);
        for (size_t i = 0; i < m->n; i++) {
            emu_release(m->dom, m->refs[i], m->readonly);
        }
        emu_domain_unref(m->dom);
        free(m);
    }
}

static int16_t
emu_copy_one(struct emu_platform *p, struct vif_copy_seg *s)
{
    if (s->offset > VIF_EMU_PAGE_SIZE
        || s->len > VIF_EMU_PAGE_SIZE - s->offset) {
        return VIF_GNTST_BAD_COPY_ARG;
    }

    int error;
    struct emu_domain *d = emu_domain_get(p, s->domid, &error);
    if (!d) {
        return VIF_GNTST_BAD_DOMAIN;
    }

    uint32_t frame;
    bool readonly = !s->to_guest;
    int st = emu_acquire(p, d, s->ref, readonly, false, &frame);
    if (st != VIF_GNTST_OKAY) {
        return st;
    }
    uint8_t *page = emu_frame(d, frame) + s->offset;
    if (s->to_guest) {
        memcpy(page, s->local, s->len);
    } else {
        memcpy(s->local, page, s->len);
    }
    emu_release(d, s->ref, readonly);
    return VIF_GNTST_OKAY;
}

static int
emu_copy(struct vif_platform *p_, struct vif_copy_seg *segs, size_t n)
{
    struct emu_platform *p = emu_cast(p_);

    for (size_t i = 0; i < n; i++) {
        segs[i].status = emu_copy_one(p, &segs[i]);
    }
    return 0;
}

/* ---- Event channels ------------------------------------------------------
 */

static void
emu_port_set_masked(struct emu_platform *p, uint32_t port, bool masked)
{
    struct emu_port *ep = &p->ports[port];
    struct epoll_event ev = {
        .events = masked ? 0 : EPOLLIN,
        .data.u64 = port,
    };

    ep->masked = masked;
    if (epoll_ctl(p->epfd, EPOLL_CTL_MOD, ep->from_guest, &ev) < 0) {
        VLOG_WARN_RL(&rl, "port %" PRIu32 ": epoll: %s", port,
                     ovs_strerror(errno));
    }
}

/* A free local port number (never 0). */
static size_t
emu_port_alloc(struct emu_platform *p)
{
    size_t port;
    for (port = 1; port < p->n_ports && p->ports[port].used; port++) {
        continue;
    }
    if (port >= p->n_ports) {
        size_t n = MAX(16, p->n_ports * 2);
        p->ports = xrealloc(p->ports, n * sizeof *p->ports);
        memset(&p->ports[p->n_ports], 0, (n - p->n_ports) * sizeof *p->ports);
        p->n_ports = n;
    }
    return port;
}

static int
emu_bind(struct vif_platform *p_, uint16_t domid, uint32_t remote_port,
         uint32_t *local_port)
{
    struct emu_platform *p = emu_cast(p_);
    int error;

    *local_port = 0;
    struct emu_domain *d = emu_domain_get(p, domid, &error);
    if (!d) {
        return error;
    }
    if (d->imported) {
        /* The backend that bound it handed it over (import_port()). */
        for (size_t port = 1; port < p->n_ports; port++) {
            struct emu_port *ep = &p->ports[port];
            if (ep->used && ep->imported && !ep->claimed && ep->domid == domid
                && ep->remote_port == remote_port) {
                ep->claimed = true;
                *local_port = port;
                return 0;
            }
        }
        return EINVAL;
    }

    struct vif_emu_msg req = {
        .type = VIF_EMU_BIND,
        .domid = p->domid,
        .port = remote_port,
    };
    struct vif_emu_msg reply;
    int fds[VIF_EMU_MAX_FDS];
    size_t n_fds;
    error = emu_request(d, &req, &reply, fds, 2, &n_fds);
    if (error) {
        VLOG_WARN_RL(&rl,
                     "dom%u: bind port %" PRIu32 ": %s: dropping the "
                     "connection",
                     domid, remote_port, ovs_strerror(error));
        emu_domain_disconnect(p, d);
        d->retry_at = time_msec() + EMU_RETRY_MSEC;
        return error;
    }
    if (reply.error || n_fds != 2) {
        for (size_t i = 0; i < n_fds; i++) {
            close(fds[i]);
        }
        return reply.error ? reply.error : EPROTO;
    }

    size_t port = emu_port_alloc(p);

    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = port};
    if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fds[0], &ev) < 0) {
        error = errno;
        close(fds[0]);
        close(fds[1]);
        return error;
    }
    p->ports[port] = (struct emu_port){
        .used = true,
        .domid = domid,
        .remote_port = remote_port,
        .from_guest = fds[0],
        .to_guest = fds[1],
    };
    *local_port = port;
    return 0;
}

static struct emu_port *
emu_port_get(struct emu_platform *p, uint32_t port)
{
    return port < p->n_ports && p->ports[port].used ? &p->ports[port] : NULL;
}

static void
emu_unbind(struct vif_platform *p_, uint32_t local_port)
{
    struct emu_platform *p = emu_cast(p_);
    struct emu_port *ep = emu_port_get(p, local_port);

    if (!ep) {
        return;
    }
    epoll_ctl(p->epfd, EPOLL_CTL_DEL, ep->from_guest, NULL);
    close(ep->from_guest);
    close(ep->to_guest);

    /* Tell a still-living guest, so the port is unbound on its side as Xen
     * would make it. */
    struct emu_domain *d = emu_domain_find(p, ep->domid);
    if (d && d->sock >= 0) {
        struct vif_emu_msg req = {
            .type = VIF_EMU_UNBIND,
            .domid = p->domid,
            .port = ep->remote_port,
        };
        struct vif_emu_msg reply;
        int fds[VIF_EMU_MAX_FDS];
        size_t n_fds;
        int error = emu_request(d, &req, &reply, fds, 0, &n_fds);
        if (error) {
            VLOG_WARN_RL(&rl, "dom%u: unbind port %" PRIu32 ": %s", ep->domid,
                         ep->remote_port, ovs_strerror(error));
            emu_domain_disconnect(p, d);
            d->retry_at = time_msec() + EMU_RETRY_MSEC;
        }
    }
    memset(ep, 0, sizeof *ep);

    /* A fired-but-unreturned entry must not be reported for a later port
     * that reuses the number. */
    size_t j = p->i_ready;
    for (size_t i = p->i_ready; i < p->n_ready; i++) {
        if (p->ready[i] != local_port) {
            p->ready[j++] = p->ready[i];
        }
    }
    p->n_ready = j;
}

static int
emu_notify(struct vif_platform *p_, uint32_t local_port)
{
    struct emu_platform *p = emu_cast(p_);
    struct emu_port *ep = emu_port_get(p, local_port);
    uint64_t one = 1;

    if (!ep) {
        return EINVAL;
    }
    if (write(ep->to_guest, &one, sizeof one) < 0 && errno != EAGAIN) {
        return errno;
    }
    return 0;
}

static int
emu_fd(struct vif_platform *p_)
{
    return emu_cast(p_)->epfd;
}

static void
emu_domain_died(struct emu_platform *p, uint16_t domid)
{
    struct emu_domain *d = emu_domain_find(p, domid);

    if (!d || d->sock < 0) {
        return;
    }
    VLOG_INFO("dom%u: guest closed its socket: domain released", domid);
    emu_domain_release(p, d);
    if (p->n_dead >= p->allocated_dead) {
        p->dead = x2nrealloc(p->dead, &p->allocated_dead, sizeof *p->dead);
    }
    p->dead[p->n_dead++] = domid;
}

static int64_t
emu_pending(struct vif_platform *p_)
{
    struct emu_platform *p = emu_cast(p_);

    for (;;) {
        if (p->i_ready < p->n_ready) {
            return p->ready[p->i_ready++];
        }
        p->i_ready = p->n_ready = 0;

        struct epoll_event evs[EMU_READY_MAX];
        int n = epoll_wait(p->epfd, evs, ARRAY_SIZE(evs), 0);
        if (n <= 0) {
            return -1;
        }
        for (int i = 0; i < n; i++) {
            uint64_t data = evs[i].data.u64;

            if (data & EMU_SOCK_TAG) {
                /* The guest never speaks unasked: anything here is its
                 * death (or a violation, treated the same). */
                emu_domain_died(p, data & 0xffff);
                continue;
            }

            struct emu_port *ep = emu_port_get(p, data);
            if (!ep || ep->masked) {
                continue;
            }
            uint64_t count;
            if (read(ep->from_guest, &count, sizeof count) < 0
                && errno != EAGAIN) {
                VLOG_WARN_RL(&rl, "port %" PRIu64 ": %s", data,
                             ovs_strerror(errno));
            }
            emu_port_set_masked(p, data, true);
            p->ready[p->n_ready++] = data;
        }
    }
}

static int
emu_unmask(struct vif_platform *p_, uint32_t local_port)
{
    struct emu_platform *p = emu_cast(p_);
    struct emu_port *ep = emu_port_get(p, local_port);

    if (!ep) {
        return EINVAL;
    }
    if (ep->masked && !ep->exported) {
        emu_port_set_masked(p, local_port, false);
    }
    return 0;
}

static void
emu_release_domain(struct vif_platform *p_, uint16_t domid)
{
    struct emu_platform *p = emu_cast(p_);
    struct emu_domain *d = emu_domain_find(p, domid);

    for (size_t port = 1; port < p->n_ports; port++) {
        struct emu_port *ep = &p->ports[port];
        if (ep->used && ep->imported && !ep->claimed && ep->domid == domid) {
            emu_unbind(p_, port);
        }
    }
    if (d) {
        emu_domain_release(p, d);
    }
}

static int32_t
emu_dead_domain(struct vif_platform *p_)
{
    struct emu_platform *p = emu_cast(p_);

    if (!p->n_dead) {
        return -1;
    }
    int32_t domid = p->dead[0];
    memmove(p->dead, p->dead + 1, --p->n_dead * sizeof *p->dead);
    return domid;
}

/* ---- Handing a data path over (platform.h) ------------------------------
 */

static int
emu_dup(int fd)
{
    int new = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    return new < 0 ? -errno : new;
}

static int
emu_export_domain(struct vif_platform *p_, uint16_t domid, int *memfd,
                  uint32_t *n_grants, uint32_t *n_pages)
{
    struct emu_platform *p = emu_cast(p_);
    int error;

    struct emu_domain *d = emu_domain_get(p, domid, &error);
    if (!d) {
        return error;
    }
    int fd = emu_dup(d->memfd);
    if (fd < 0) {
        return -fd;
    }
    *memfd = fd;
    *n_grants = d->n_grants;
    *n_pages = d->n_pages;
    return 0;
}

static int
emu_export_port(struct vif_platform *p_, uint32_t local_port, int *from_guest,
                int *to_guest)
{
    struct emu_platform *p = emu_cast(p_);
    struct emu_port *ep = emu_port_get(p, local_port);

    if (!ep) {
        return EINVAL;
    }
    int from = emu_dup(ep->from_guest);
    if (from < 0) {
        return -from;
    }
    int to = emu_dup(ep->to_guest);
    if (to < 0) {
        close(from);
        return -to;
    }
    ep->exported = true;
    if (!ep->masked) {
        emu_port_set_masked(p, local_port, true);
    }
    *from_guest = from;
    *to_guest = to;
    return 0;
}

static int
emu_import_domain(struct vif_platform *p_, uint16_t domid, int memfd,
                  uint32_t n_grants, uint32_t n_pages)
{
    struct emu_platform *p = emu_cast(p_);

    if (emu_domain_find(p, domid)) {
        close(memfd);
        return EEXIST;
    }
    struct emu_domain *d = xzalloc(sizeof *d);
    d->domid = domid;
    d->sock = -1;
    d->memfd = memfd;
    d->refcnt = 1;
    d->imported = true;
    int error
        = emu_domain_attach(d, domid, VIF_EMU_VERSION, n_grants, n_pages);
    if (error) {
        close(memfd);
        free(d);
        return error;
    }
    hmap_insert(&p->domains, &d->node, hash_int(domid, 0));
    return 0;
}

static int
emu_import_port(struct vif_platform *p_, uint16_t domid, uint32_t remote_port,
                int from_guest, int to_guest)
{
    struct emu_platform *p = emu_cast(p_);
    size_t port = emu_port_alloc(p);

    p->ports[port] = (struct emu_port){
        .used = true,
        .masked = true, /* never in the epoll set: the caller polls rings */
        .domid = domid,
        .remote_port = remote_port,
        .from_guest = from_guest,
        .to_guest = to_guest,
        .imported = true,
    };
    return 0;
}

/* ---- Open/close ----------------------------------------------------------
 */

static void
emu_close(struct vif_platform *p_)
{
    if (!p_) {
        return;
    }
    struct emu_platform *p = emu_cast(p_);

    for (size_t i = 0; i < p->n_ports; i++) {
        if (p->ports[i].used) {
            emu_unbind(p_, i);
        }
    }
    free(p->ports);

    struct emu_domain *d;
    HMAP_FOR_EACH_SAFE (d, node, &p->domains) {
        emu_domain_release(p, d);
    }
    hmap_destroy(&p->domains);
    if (p->epfd >= 0) {
        close(p->epfd);
    }
    free(p->dead);
    free(p);
}

static int
emu_open(uint16_t backend_domid, struct vif_platform **pp)
{
    struct emu_platform *p = xzalloc(sizeof *p);

    p->up.class = &vif_platform_emu;
    p->domid = backend_domid;
    hmap_init(&p->domains);
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0) {
        int error = errno;
        emu_close(&p->up);
        *pp = NULL;
        return error;
    }
    *pp = &p->up;
    return 0;
}

const struct vif_platform_class vif_platform_emu = {
    .name = "emu",
    .open = emu_open,
    .close = emu_close,
    .map = emu_map,
    .unmap = emu_unmap,
    .copy = emu_copy,
    .bind = emu_bind,
    .unbind = emu_unbind,
    .notify = emu_notify,
    .fd = emu_fd,
    .pending = emu_pending,
    .unmask = emu_unmask,
    .release_domain = emu_release_domain,
    .dead_domain = emu_dead_domain,
    .export_domain = emu_export_domain,
    .export_port = emu_export_port,
    .import_domain = emu_import_domain,
    .import_port = emu_import_port,
};
