/* vif-backend/emu/emu-guest.c: the guest side of the emulated Xen platform.
 *
 * What a PV guest kernel gets from Xen, provided by the guest process itself:
 * its memory and v1 grant table (a sealed memfd the backends map), grant
 * access/revocation with Linux's gnttab semantics, and event channels
 * (eventfd pairs).  Backends reach all of it through the domain's unix socket
 * (protocol in emu.h); this file answers them.
 *
 * Port states, as Xen's evtchn:
 *
 *   FREE --alloc_unbound--> UNBOUND --backend BIND--> BOUND
 *     ^                       ^   <--UNBIND / backend died--'
 *     '------close_port-------'-------------------------------' */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "util.h"
#include "vif-backend/emu/emu.h"

VLOG_DEFINE_THIS_MODULE(vif_emu_guest);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define EMU_MAX_CONNS 8
#define EMU_MAX_PORTS 1024
#define EMU_READY_MAX 32

enum emu_port_state { PORT_FREE, PORT_UNBOUND, PORT_BOUND };

struct emu_gport {
    enum emu_port_state state;
    bool masked;
    uint16_t remote_domid;
    int conn;         /* BOUND: index in 'conns' */
    int to_backend;   /* eventfd the backend reads */
    int from_backend; /* eventfd we read (in 'epfd') */
};

struct emu_conn {
    int sock;       /* -1: slot free */
    bool hello;     /* HELLO seen */
    uint16_t domid; /* the backend's, from HELLO */
};

struct vif_emu_dom {
    pthread_mutex_t mutex;
    uint16_t domid;
    char *sock_path;
    int listen_fd;
    bool bound; /* 'sock_path' is ours to remove */
    struct emu_conn conns[EMU_MAX_CONNS];

    int memfd;
    uint8_t *mem;
    uint64_t mem_size;
    struct grant_entry_v1 *gnttab;
    uint32_t n_grants;
    uint8_t *pages;
    uint32_t n_pages;

    uint32_t *free_refs; /* stack of free grant refs */
    size_t n_free_refs;
    uint32_t *free_frames; /* stack of free frames */
    size_t n_free_frames;

    struct emu_gport ports[EMU_MAX_PORTS]; /* 0 is never used */
    int epfd;
    uint32_t ready[EMU_READY_MAX];
    size_t n_ready, i_ready;
};

static void
emu_lock(struct vif_emu_dom *d)
{
    pthread_mutex_lock(&d->mutex);
}

static void
emu_unlock(struct vif_emu_dom *d)
{
    pthread_mutex_unlock(&d->mutex);
}

/* ---- Creation ------------------------------------------------------------
 */

static int
emu_mkdirs(const char *dir)
{
    char *copy = xstrdup(dir);

    for (char *s = copy + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(copy, 0755);
            *s = '/';
        }
    }
    int error = mkdir(copy, 0755) < 0 && errno != EEXIST ? errno : 0;
    free(copy);
    return error;
}

static int
emu_listen(struct vif_emu_dom *d)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int error = emu_mkdirs(vif_emu_dir());

    if (error) {
        VLOG_ERR("%s: %s", vif_emu_dir(), ovs_strerror(error));
        return error;
    }
    if (strlen(d->sock_path) >= sizeof sun.sun_path) {
        VLOG_ERR("%s: path too long", d->sock_path);
        return ENAMETOOLONG;
    }
    strcpy(sun.sun_path, d->sock_path);

    d->listen_fd
        = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (d->listen_fd < 0) {
        return errno;
    }

    /* A socket file left by a dead guest is removed; a live one wins. */
    int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        int r = connect(probe, (struct sockaddr *)&sun, sizeof sun);
        close(probe);
        if (!r) {
            VLOG_ERR("%s: another process already plays dom%u", d->sock_path,
                     d->domid);
            return EADDRINUSE;
        }
    }
    unlink(d->sock_path);
    if (bind(d->listen_fd, (struct sockaddr *)&sun, sizeof sun) < 0
        || (d->bound = true, listen(d->listen_fd, EMU_MAX_CONNS) < 0)) {
        error = errno;
        VLOG_ERR("%s: %s", d->sock_path, ovs_strerror(error));
        return error;
    }
    return 0;
}

int
vif_emu_dom_create(uint16_t domid, uint32_t n_grants, uint32_t n_pages,
                   struct vif_emu_dom **dp)
{
    uint64_t grant_ofs, page_ofs, size;
    int error;

    *dp = NULL;
    if (n_grants <= GNTTAB_NR_RESERVED_ENTRIES
        || !vif_emu_layout(n_grants, n_pages, &grant_ofs, &page_ofs, &size)) {
        VLOG_ERR("dom%u: %" PRIu32 " grants, %" PRIu32 " pages: out of range",
                 domid, n_grants, n_pages);
        return EINVAL;
    }

    struct vif_emu_dom *d = xzalloc(sizeof *d);
    pthread_mutex_init(&d->mutex, NULL);
    d->domid = domid;
    d->listen_fd = -1;
    d->memfd = -1;
    d->epfd = -1;
    for (size_t i = 0; i < EMU_MAX_CONNS; i++) {
        d->conns[i].sock = -1;
    }
    d->sock_path = vif_emu_sock_path(domid);

    char name[32];
    snprintf(name, sizeof name, "xovs-emu-dom%u", domid);
    d->memfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (d->memfd < 0 || ftruncate(d->memfd, size) < 0
        || fcntl(d->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
        error = errno;
        VLOG_ERR("dom%u: guest memory: %s", domid, ovs_strerror(error));
        goto error;
    }
    d->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
    if (d->mem == MAP_FAILED) {
        d->mem = NULL;
        error = errno;
        VLOG_ERR("dom%u: mmap: %s", domid, ovs_strerror(error));
        goto error;
    }
    d->mem_size = size;
    d->gnttab = (struct grant_entry_v1 *)(d->mem + grant_ofs);
    d->n_grants = n_grants;
    d->pages = d->mem + page_ofs;
    d->n_pages = n_pages;

    struct vif_emu_shm_header *h = (struct vif_emu_shm_header *)d->mem;
    *h = (struct vif_emu_shm_header){
        .magic = VIF_EMU_SHM_MAGIC,
        .version = VIF_EMU_VERSION,
        .domid = domid,
        .n_grants = n_grants,
        .n_pages = n_pages,
        .grant_ofs = grant_ofs,
        .page_ofs = page_ofs,
        .size = size,
    };

    /* Refs and frames are handed out lowest first. */
    d->free_refs = xmalloc(n_grants * sizeof *d->free_refs);
    for (uint32_t r = n_grants; r-- > GNTTAB_NR_RESERVED_ENTRIES;) {
        d->free_refs[d->n_free_refs++] = r;
    }
    d->free_frames = xmalloc(n_pages * sizeof *d->free_frames);
    for (uint32_t f = n_pages; f-- > 0;) {
        d->free_frames[d->n_free_frames++] = f;
    }

    d->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (d->epfd < 0) {
        error = errno;
        goto error;
    }
    error = emu_listen(d);
    if (error) {
        goto error;
    }
    *dp = d;
    return 0;

error:
    vif_emu_dom_destroy(d);
    return error;
}

void
vif_emu_dom_destroy(struct vif_emu_dom *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < EMU_MAX_CONNS; i++) {
        if (d->conns[i].sock >= 0) {
            close(d->conns[i].sock);
        }
    }
    if (d->listen_fd >= 0) {
        close(d->listen_fd);
    }
    if (d->bound) {
        unlink(d->sock_path);
    }
    for (size_t i = 1; i < EMU_MAX_PORTS; i++) {
        if (d->ports[i].state != PORT_FREE) {
            close(d->ports[i].to_backend);
            close(d->ports[i].from_backend);
        }
    }
    if (d->epfd >= 0) {
        close(d->epfd);
    }
    if (d->mem) {
        munmap(d->mem, d->mem_size);
    }
    if (d->memfd >= 0) {
        close(d->memfd);
    }
    free(d->free_refs);
    free(d->free_frames);
    free(d->sock_path);
    pthread_mutex_destroy(&d->mutex);
    free(d);
}

uint16_t
vif_emu_dom_id(const struct vif_emu_dom *d)
{
    return d->domid;
}

/* ---- Memory and grants ---------------------------------------------------
 */

void *
vif_emu_page(struct vif_emu_dom *d, uint32_t frame)
{
    return frame < d->n_pages ? d->pages + (uint64_t)frame * VIF_EMU_PAGE_SIZE
                              : NULL;
}

int
vif_emu_alloc_page(struct vif_emu_dom *d, uint32_t *frame)
{
    int error = 0;

    emu_lock(d);
    if (d->n_free_frames) {
        *frame = d->free_frames[--d->n_free_frames];
        memset(vif_emu_page(d, *frame), 0, VIF_EMU_PAGE_SIZE);
    } else {
        error = ENOMEM;
    }
    emu_unlock(d);
    return error;
}

void
vif_emu_free_page(struct vif_emu_dom *d, uint32_t frame)
{
    emu_lock(d);
    if (frame < d->n_pages && d->n_free_frames < d->n_pages) {
        d->free_frames[d->n_free_frames++] = frame;
    }
    emu_unlock(d);
}

struct grant_entry_v1 *
vif_emu_grant_entry(struct vif_emu_dom *d, uint32_t ref)
{
    return ref < d->n_grants ? &d->gnttab[ref] : NULL;
}

static int
emu_grant_access__(struct vif_emu_dom *d, uint32_t frame, uint16_t domid,
                   bool readonly, uint32_t *ref)
{
    int error = 0;

    if (frame >= d->n_pages) {
        error = EINVAL;
    } else if (!d->n_free_refs) {
        error = ENOSPC;
    } else {
        uint32_t r = d->free_refs[--d->n_free_refs];
        struct grant_entry_v1 *e = &d->gnttab[r];

        /* As gnttab_update_entry_v1(): frame and domid before the flags. */
        e->domid = domid;
        e->frame = frame;
        __atomic_store_n(&e->flags,
                         GTF_permit_access | (readonly ? GTF_readonly : 0),
                         __ATOMIC_RELEASE);
        *ref = r;
    }
    return error;
}

int
vif_emu_grant_access(struct vif_emu_dom *d, uint32_t frame, uint16_t domid,
                     bool readonly, uint32_t *ref)
{
    int error;

    vif_emu_grant_access_n(d, &frame, 1, domid, readonly, ref, &error);
    return error;
}

size_t
vif_emu_grant_access_n(struct vif_emu_dom *d, const uint32_t *frames, size_t n,
                       uint16_t domid, bool readonly, uint32_t *refs,
                       int *error)
{
    size_t i;

    *error = 0;
    if (!n) {
        return 0; /* a poll that found nothing: no lock taken */
    }
    emu_lock(d);
    for (i = 0; i < n; i++) {
        *error = emu_grant_access__(d, frames[i], domid, readonly, &refs[i]);
        if (*error) {
            break;
        }
    }
    emu_unlock(d);
    return i;
}

static int
emu_end_access__(struct vif_emu_dom *d, uint32_t ref)
{
    int error = 0;

    if (ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= d->n_grants) {
        error = EINVAL;
    } else {
        uint16_t *pflags = &d->gnttab[ref].flags;
        uint16_t flags = __atomic_load_n(pflags, __ATOMIC_ACQUIRE);

        /* As gnttab_end_foreign_access_ref_v1(). */
        do {
            if ((flags & GTF_type_mask) != GTF_permit_access) {
                error = EINVAL;
                break;
            }
            if (flags & (GTF_reading | GTF_writing)) {
                error = EBUSY;
                break;
            }
        } while (!__atomic_compare_exchange_n(
            pflags, &flags, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
        if (!error) {
            d->free_refs[d->n_free_refs++] = ref;
        }
    }
    return error;
}

int
vif_emu_end_access(struct vif_emu_dom *d, uint32_t ref)
{
    int error;

    vif_emu_end_access_n(d, &ref, 1, &error);
    return error;
}

size_t
vif_emu_end_access_n(struct vif_emu_dom *d, const uint32_t *refs, size_t n,
                     int *error)
{
    size_t i;

    *error = 0;
    if (!n) {
        return 0; /* a poll that found nothing: no lock taken */
    }
    emu_lock(d);
    for (i = 0; i < n; i++) {
        *error = emu_end_access__(d, refs[i]);
        if (*error) {
            break;
        }
    }
    emu_unlock(d);
    return i;
}

/* ---- Event channels ------------------------------------------------------
 */

static struct emu_gport *
emu_gport_get(struct vif_emu_dom *d, uint32_t port)
{
    return port && port < EMU_MAX_PORTS && d->ports[port].state != PORT_FREE
               ? &d->ports[port]
               : NULL;
}

static void
emu_gport_set_masked(struct vif_emu_dom *d, uint32_t port, bool masked)
{
    struct emu_gport *gp = &d->ports[port];
    struct epoll_event ev = {
        .events = masked ? 0 : EPOLLIN,
        .data.u32 = port,
    };

    gp->masked = masked;
    epoll_ctl(d->epfd, EPOLL_CTL_MOD, gp->from_backend, &ev);
}

int
vif_emu_alloc_unbound(struct vif_emu_dom *d, uint16_t remote_domid,
                      uint32_t *port)
{
    int error = ENOSPC;

    emu_lock(d);
    for (uint32_t p = 1; p < EMU_MAX_PORTS; p++) {
        struct emu_gport *gp = &d->ports[p];

        if (gp->state != PORT_FREE) {
            continue;
        }
        int a = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        int b = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = p};
        if (a < 0 || b < 0 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, b, &ev) < 0) {
            error = errno;
            if (a >= 0) {
                close(a);
            }
            if (b >= 0) {
                close(b);
            }
            break;
        }
        *gp = (struct emu_gport){
            .state = PORT_UNBOUND,
            .remote_domid = remote_domid,
            .conn = -1,
            .to_backend = a,
            .from_backend = b,
        };
        *port = p;
        error = 0;
        break;
    }
    emu_unlock(d);
    return error;
}

void
vif_emu_close_port(struct vif_emu_dom *d, uint32_t port)
{
    emu_lock(d);
    struct emu_gport *gp = emu_gport_get(d, port);
    if (gp) {
        epoll_ctl(d->epfd, EPOLL_CTL_DEL, gp->from_backend, NULL);
        close(gp->to_backend);
        close(gp->from_backend);
        memset(gp, 0, sizeof *gp);

        size_t j = d->i_ready;
        for (size_t i = d->i_ready; i < d->n_ready; i++) {
            if (d->ready[i] != port) {
                d->ready[j++] = d->ready[i];
            }
        }
        d->n_ready = j;
    }
    emu_unlock(d);
}

bool
vif_emu_port_bound(struct vif_emu_dom *d, uint32_t port)
{
    emu_lock(d);
    struct emu_gport *gp = emu_gport_get(d, port);
    bool bound = gp && gp->state == PORT_BOUND;
    emu_unlock(d);
    return bound;
}

int
vif_emu_notify(struct vif_emu_dom *d, uint32_t port)
{
    int error = 0;

    emu_lock(d);
    struct emu_gport *gp = emu_gport_get(d, port);
    if (!gp) {
        error = EINVAL;
    } else if (gp->state == PORT_BOUND) {
        uint64_t one = 1;
        if (write(gp->to_backend, &one, sizeof one) < 0 && errno != EAGAIN) {
            error = errno;
        }
    }
    emu_unlock(d);
    return error;
}

int
vif_emu_evtchn_fd(struct vif_emu_dom *d)
{
    return d->epfd;
}

int64_t
vif_emu_pending(struct vif_emu_dom *d)
{
    int64_t port = -1;

    emu_lock(d);
    while (port < 0) {
        if (d->i_ready < d->n_ready) {
            port = d->ready[d->i_ready++];
            break;
        }
        d->i_ready = d->n_ready = 0;

        struct epoll_event evs[EMU_READY_MAX];
        int n = epoll_wait(d->epfd, evs, ARRAY_SIZE(evs), 0);
        if (n <= 0) {
            break;
        }
        for (int i = 0; i < n; i++) {
            uint32_t p = evs[i].data.u32;
            struct emu_gport *gp = emu_gport_get(d, p);
            uint64_t count;

            if (!gp || gp->masked) {
                continue;
            }
            if (read(gp->from_backend, &count, sizeof count) < 0) {
                /* EAGAIN: nothing after all. */
            }
            emu_gport_set_masked(d, p, true);
            d->ready[d->n_ready++] = p;
        }
    }
    emu_unlock(d);
    return port;
}

int
vif_emu_unmask(struct vif_emu_dom *d, uint32_t port)
{
    int error = 0;

    emu_lock(d);
    struct emu_gport *gp = emu_gport_get(d, port);
    if (!gp) {
        error = EINVAL;
    } else if (gp->masked) {
        emu_gport_set_masked(d, port, false);
    }
    emu_unlock(d);
    return error;
}

/* ---- Serving the backends ------------------------------------------------
 */

/* Called when connection 'c' is gone: what Xen does when a mapping domain
 * dies.  Its interdomain ports fall back to unbound, and the grants it held
 * are released (unless another live connection has the same domid and may
 * still hold them). */
static void
emu_conn_close(struct vif_emu_dom *d, int c)
{
    struct emu_conn *conn = &d->conns[c];
    bool hello = conn->hello;
    uint16_t domid = conn->domid;

    close(conn->sock);
    conn->sock = -1;
    conn->hello = false;

    for (size_t p = 1; p < EMU_MAX_PORTS; p++) {
        struct emu_gport *gp = &d->ports[p];
        if (gp->state == PORT_BOUND && gp->conn == c) {
            gp->state = PORT_UNBOUND;
            gp->conn = -1;
        }
    }
    if (!hello) {
        return;
    }
    for (size_t i = 0; i < EMU_MAX_CONNS; i++) {
        if (d->conns[i].sock >= 0 && d->conns[i].hello
            && d->conns[i].domid == domid) {
            return;
        }
    }
    for (uint32_t r = 0; r < d->n_grants; r++) {
        struct grant_entry_v1 *e = &d->gnttab[r];
        if (e->domid == domid) {
            __atomic_fetch_and(&e->flags,
                               (uint16_t) ~(GTF_reading | GTF_writing),
                               __ATOMIC_SEQ_CST);
        }
    }
}

static void
emu_conn_serve(struct vif_emu_dom *d, int c)
{
    struct emu_conn *conn = &d->conns[c];

    for (;;) {
        struct vif_emu_msg req, reply;
        int fds[VIF_EMU_MAX_FDS];
        size_t n_fds;
        int error = vif_emu_recv(conn->sock, &req, fds, 0, &n_fds);

        if (error == EAGAIN) {
            return;
        } else if (error) {
            if (error != EPIPE && error != ECONNRESET) {
                VLOG_WARN_RL(&rl, "dom%u: backend connection: %s", d->domid,
                             ovs_strerror(error));
            }
            emu_conn_close(d, c);
            return;
        }

        memset(&reply, 0, sizeof reply);
        reply.type = req.type;
        reply.flags = VIF_EMU_F_REPLY;
        reply.seq = req.seq;
        reply.version = VIF_EMU_VERSION;
        reply.domid = d->domid;
        int reply_fds[VIF_EMU_MAX_FDS];
        size_t n_reply_fds = 0;

        if (req.flags & VIF_EMU_F_REPLY) {
            emu_conn_close(d, c);
            return;
        } else if (req.type == VIF_EMU_HELLO) {
            if (req.version != VIF_EMU_VERSION || req.domid > UINT16_MAX) {
                reply.error = EPROTONOSUPPORT;
            } else {
                conn->hello = true;
                conn->domid = req.domid;
                reply.n_grants = d->n_grants;
                reply.n_pages = d->n_pages;
                reply_fds[n_reply_fds++] = d->memfd;
            }
        } else if (!conn->hello) {
            reply.error = EPROTO;
        } else if (req.type == VIF_EMU_BIND) {
            struct emu_gport *gp = emu_gport_get(d, req.port);

            reply.port = req.port;
            if (!gp || gp->state != PORT_UNBOUND
                || gp->remote_domid != conn->domid) {
                reply.error = EINVAL;
            } else {
                gp->state = PORT_BOUND;
                gp->conn = c;
                reply_fds[n_reply_fds++] = gp->to_backend;
                reply_fds[n_reply_fds++] = gp->from_backend;
            }
        } else if (req.type == VIF_EMU_UNBIND) {
            struct emu_gport *gp = emu_gport_get(d, req.port);

            reply.port = req.port;
            if (!gp || gp->state != PORT_BOUND || gp->conn != c) {
                reply.error = EINVAL;
            } else {
                gp->state = PORT_UNBOUND;
                gp->conn = -1;
            }
        } else {
            reply.error = EOPNOTSUPP;
        }

        error = vif_emu_send(conn->sock, &reply, reply_fds, n_reply_fds);
        if (error) {
            VLOG_WARN_RL(&rl, "dom%u: reply to backend: %s", d->domid,
                         ovs_strerror(error));
            emu_conn_close(d, c);
            return;
        }
    }
}

void
vif_emu_run(struct vif_emu_dom *d)
{
    emu_lock(d);
    for (;;) {
        int fd
            = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            break;
        }
        size_t i;
        for (i = 0; i < EMU_MAX_CONNS && d->conns[i].sock >= 0; i++) {
            continue;
        }
        if (i == EMU_MAX_CONNS) {
            VLOG_WARN_RL(&rl, "dom%u: too many backend connections", d->domid);
            close(fd);
            continue;
        }
        d->conns[i].sock = fd;
        d->conns[i].hello = false;
    }
    for (int i = 0; i < EMU_MAX_CONNS; i++) {
        if (d->conns[i].sock >= 0) {
            emu_conn_serve(d, i);
        }
    }
    emu_unlock(d);
}

size_t
vif_emu_server_fds(struct vif_emu_dom *d, int *fds, size_t max)
{
    size_t n = 0;

    emu_lock(d);
    if (n < max && d->listen_fd >= 0) {
        fds[n++] = d->listen_fd;
    }
    for (size_t i = 0; i < EMU_MAX_CONNS && n < max; i++) {
        if (d->conns[i].sock >= 0) {
            fds[n++] = d->conns[i].sock;
        }
    }
    emu_unlock(d);
    return n;
}

void
vif_emu_wait(struct vif_emu_dom *d)
{
    int fds[EMU_MAX_CONNS + 1];
    size_t n = vif_emu_server_fds(d, fds, ARRAY_SIZE(fds));

    for (size_t i = 0; i < n; i++) {
        poll_fd_wait(fds[i], POLLIN);
    }
}
