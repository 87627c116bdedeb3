/* tests/unit/test-emu.c: the emulated Xen platform, both sides in one
 * process.
 *
 * The guest side (emu-guest.c) plays domain 5 and answers the backend's
 * socket requests from its own thread, as a guest process would; the test
 * body is the backend (platform-emu.c, backend domid 0) and checks what Xen
 * would let it do.  Each case runs with XOVS_EMU_DIR in a fresh temporary
 * directory. */
#include <config.h>
#include "tests/unit/unit-tests.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "util.h"
/* Before emu.h: it sets the Xen interface version emu.h's Xen headers
 * would otherwise pick. */
#include "vif-backend/vif-private.h"

#include "vif-backend/dpdk/handoff-io.h"
#include "vif-backend/dpdk/handoff.h"
#include "vif-backend/emu/emu.h"
#include "vif-backend/platform.h"

#define GUEST 5

struct fixture {
    char *dir;
    struct vif_emu_dom *dom;
    struct vif_platform *p;
    const struct vif_platform_class *c;
    pthread_t thread;
    bool running;
    volatile bool stop;
};

/* The guest's "kernel": serves the backend's requests until told to stop. */
static void *
guest_thread(void *f_)
{
    struct fixture *f = f_;

    while (!f->stop) {
        int fds[16];
        struct pollfd pfds[16];
        size_t n = vif_emu_server_fds(f->dom, fds, ARRAY_SIZE(fds));

        for (size_t i = 0; i < n; i++) {
            pfds[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        }
        poll(pfds, n, 10);
        vif_emu_run(f->dom);
    }
    return NULL;
}

static void
guest_start(struct fixture *f)
{
    f->stop = false;
    pthread_create(&f->thread, NULL, guest_thread, f);
    f->running = true;
}

/* The guest process dies: its socket closes, its memory goes (but what a
 * backend mapped stays mapped). */
static void
guest_kill(struct fixture *f)
{
    if (f->running) {
        f->stop = true;
        pthread_join(f->thread, NULL);
        f->running = false;
    }
    vif_emu_dom_destroy(f->dom);
    f->dom = NULL;
}

static bool
setup(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->dir = unit_tmpdir();
    setenv("XOVS_EMU_DIR", f->dir, 1);
    if (vif_emu_dom_create(GUEST, 64, 16, &f->dom)) {
        return false;
    }
    f->c = vif_platform_lookup("emu");
    if (!f->c || vif_platform_open(f->c, 0, &f->p)) {
        return false;
    }
    guest_start(f);
    return true;
}

static void
teardown(struct fixture *f)
{
    if (f->p) {
        vif_platform_close(f->p);
    }
    guest_kill(f);
    unsetenv("XOVS_EMU_DIR");
    unit_rmdir(f->dir);
}

static int16_t
copy1(struct fixture *f, uint16_t domid, uint32_t ref, uint16_t offset,
      uint16_t len, void *buf, bool to_guest)
{
    struct vif_copy_seg seg = {
        .to_guest = to_guest,
        .domid = domid,
        .ref = ref,
        .offset = offset,
        .len = len,
        .local = buf,
    };
    if (vif_platform_copy(f->p, &seg, 1)) {
        return 99;
    }
    return seg.status;
}

static uint16_t
flags_of(struct fixture *f, uint32_t ref)
{
    return __atomic_load_n(&vif_emu_grant_entry(f->dom, ref)->flags,
                           __ATOMIC_SEQ_CST);
}

#define RUN_CASE(NAME, BODY)                                                  \
    static void NAME(const void *aux OVS_UNUSED)                              \
    {                                                                         \
        struct fixture f;                                                     \
        if (!setup(&f)) {                                                     \
            teardown(&f);                                                     \
            unit_fail(__FILE__, __LINE__, "setup failed");                    \
            return;                                                           \
        }                                                                     \
        BODY(&f);                                                             \
        teardown(&f);                                                         \
    }

static void
grants_body(struct fixture *f)
{
    uint32_t frame, frame2, rw, other, ro, forged;
    void *addr;
    struct vif_mapping *m;
    uint8_t buf[VIF_PAGE_SIZE];

    CHECK(!vif_emu_alloc_page(f->dom, &frame), "alloc page");
    CHECK(!vif_emu_alloc_page(f->dom, &frame2), "alloc page");
    CHECK(!vif_emu_grant_access(f->dom, frame, 0, false, &rw), "grant");
    CHECK(rw >= 8, "reserved ref %" PRIu32 " handed out", rw);
    CHECK(!vif_emu_grant_access(f->dom, frame, 7, false, &other), "grant");
    CHECK(!vif_emu_grant_access(f->dom, frame2, 0, true, &ro), "grant");
    CHECK(!vif_emu_grant_access(f->dom, frame, 0, false, &forged), "grant");
    vif_emu_grant_entry(f->dom, forged)->frame = 16; /* beyond memory */

    /* A writable grant: map, the guest sees the backend's write. */
    CHECK(!vif_platform_map(f->p, GUEST, &rw, 1, false, &addr, &m), "map rw");
    memcpy(addr, "hello", 5);
    CHECK(!memcmp(vif_emu_page(f->dom, frame), "hello", 5),
          "write through mapping not seen by the guest");
    CHECK((flags_of(f, rw) & (GTF_reading | GTF_writing))
              == (GTF_reading | GTF_writing),
          "flags %#x while mapped", flags_of(f, rw));
    CHECK(vif_emu_end_access(f->dom, rw) == EBUSY,
          "end_access succeeded while mapped");
    vif_platform_unmap(f->p, m);
    CHECK(!(flags_of(f, rw) & (GTF_reading | GTF_writing)),
          "flags %#x after unmap", flags_of(f, rw));

    /* Not granted at all, and beyond the table. */
    uint32_t bad = 40, huge = 64;
    CHECK(vif_platform_map(f->p, GUEST, &bad, 1, true, &addr, &m) == EPERM,
          "map of an ungranted ref");
    CHECK(copy1(f, GUEST, bad, 0, 8, buf, false)
              == VIF_GNTST_PERMISSION_DENIED,
          "copy of an ungranted ref");
    CHECK(vif_platform_map(f->p, GUEST, &huge, 1, true, &addr, &m) == EINVAL,
          "map of ref >= n_grants");
    CHECK(copy1(f, GUEST, huge, 0, 8, buf, false) == VIF_GNTST_BAD_GNTREF,
          "copy of ref >= n_grants");

    /* Granted to another domain. */
    CHECK(vif_platform_map(f->p, GUEST, &other, 1, true, &addr, &m) == EPERM,
          "map of a grant to dom7");
    CHECK(copy1(f, GUEST, other, 0, 8, buf, false)
              == VIF_GNTST_PERMISSION_DENIED,
          "copy of a grant to dom7");
    CHECK(!(flags_of(f, other) & GTF_reading), "failed check left a flag");

    /* Readonly: no writable map, no copy into it; reading is fine. */
    CHECK(vif_platform_map(f->p, GUEST, &ro, 1, false, &addr, &m) == EPERM,
          "writable map of a readonly grant");
    CHECK(copy1(f, GUEST, ro, 0, 8, buf, true) == VIF_GNTST_PERMISSION_DENIED,
          "copy into a readonly grant");
    memcpy(vif_emu_page(f->dom, frame2), "readonly", 8);
    CHECK(!vif_platform_map(f->p, GUEST, &ro, 1, true, &addr, &m),
          "readonly map");
    CHECK(!memcmp(addr, "readonly", 8), "readonly mapping content");
    CHECK((flags_of(f, ro) & (GTF_reading | GTF_writing)) == GTF_reading,
          "flags %#x while mapped readonly", flags_of(f, ro));
    vif_platform_unmap(f->p, m);

    /* Frame beyond the guest's memory; flags restored. */
    CHECK(copy1(f, GUEST, forged, 0, 8, buf, false) == VIF_GNTST_BAD_PAGE,
          "copy of a frame out of range");
    CHECK(vif_platform_map(f->p, GUEST, &forged, 1, false, &addr, &m)
              == EFAULT,
          "map of a frame out of range");
    CHECK(!(flags_of(f, forged) & (GTF_reading | GTF_writing)),
          "flags %#x after a failed map", flags_of(f, forged));

    /* Segments must stay in their page. */
    CHECK(copy1(f, GUEST, rw, 4000, 200, buf, false) == VIF_GNTST_BAD_COPY_ARG,
          "copy crossing the page");
    CHECK(copy1(f, GUEST, rw, 4095, 1, buf, false) == VIF_GNTST_OKAY,
          "last byte of the page");

    /* Unknown domain. */
    CHECK(copy1(f, 99, rw, 0, 8, buf, false) == VIF_GNTST_BAD_DOMAIN,
          "copy from a domain that does not exist");

    /* A batch: both directions, exact bytes. */
    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] = i * 7;
    }
    uint8_t back[100];
    struct vif_copy_seg segs[3] = {
        {.to_guest = true,
         .domid = GUEST,
         .ref = rw,
         .offset = 100,
         .len = 1000,
         .local = buf},
        {.to_guest = false,
         .domid = GUEST,
         .ref = rw,
         .offset = 150,
         .len = 100,
         .local = back},
        {.to_guest = true,
         .domid = GUEST,
         .ref = other,
         .offset = 0,
         .len = 1,
         .local = buf},
    };
    CHECK(!vif_platform_copy(f->p, segs, 3), "batch");
    CHECK(segs[0].status == VIF_GNTST_OKAY && segs[1].status == VIF_GNTST_OKAY
              && segs[2].status == VIF_GNTST_PERMISSION_DENIED,
          "batch statuses %d %d %d", segs[0].status, segs[1].status,
          segs[2].status);
    CHECK(!memcmp((uint8_t *)vif_emu_page(f->dom, frame) + 100, buf, 1000),
          "to-guest bytes");
    CHECK(!memcmp(back, buf + 50, 100), "from-guest bytes");
    CHECK(!(flags_of(f, rw) & (GTF_reading | GTF_writing)),
          "flags %#x after copies", flags_of(f, rw));

    /* Revocation then access. */
    CHECK(!vif_emu_end_access(f->dom, rw), "end_access");
    CHECK(copy1(f, GUEST, rw, 0, 8, buf, false) == VIF_GNTST_PERMISSION_DENIED,
          "copy after end_access");
    CHECK(vif_emu_end_access(f->dom, rw) == EINVAL, "second end_access");
}
RUN_CASE(test_grants, grants_body)

/* A guest rewriting its entry while the backend holds a pin changes
 * nothing for the pinned mapping, and cannot clear our flags for good. */
static void
pins_body(struct fixture *f)
{
    uint32_t frame, ref;
    void *a1, *a2;
    struct vif_mapping *m1, *m2;

    CHECK(!vif_emu_alloc_page(f->dom, &frame), "alloc page");
    CHECK(!vif_emu_grant_access(f->dom, frame, 0, false, &ref), "grant");
    CHECK(!vif_platform_map(f->p, GUEST, &ref, 1, true, &a1, &m1), "map ro");
    CHECK(!vif_platform_map(f->p, GUEST, &ref, 1, false, &a2, &m2), "map rw");
    CHECK(flags_of(f, ref) & GTF_writing, "writing not set");
    vif_platform_unmap(f->p, m2);
    CHECK((flags_of(f, ref) & (GTF_reading | GTF_writing)) == GTF_reading,
          "flags %#x with one read pin left", flags_of(f, ref));
    vif_platform_unmap(f->p, m1);
    CHECK(!(flags_of(f, ref) & GTF_reading), "reading left set");

    /* Two pages mapped contiguously. */
    uint32_t frame2, ref2, refs[2];
    CHECK(!vif_emu_alloc_page(f->dom, &frame2), "alloc page");
    CHECK(!vif_emu_grant_access(f->dom, frame2, 0, false, &ref2), "grant");
    refs[0] = ref2;
    refs[1] = ref;
    CHECK(!vif_platform_map(f->p, GUEST, refs, 2, false, &a1, &m1), "map 2");
    memcpy((uint8_t *)a1 + VIF_PAGE_SIZE - 2, "abcd", 4);
    CHECK(!memcmp((uint8_t *)vif_emu_page(f->dom, frame2) + 4094, "ab", 2)
              && !memcmp(vif_emu_page(f->dom, frame), "cd", 2),
          "contiguous mapping order");
    vif_platform_unmap(f->p, m1);

    /* A partial failure undoes the pins it took. */
    refs[1] = 50;
    CHECK(vif_platform_map(f->p, GUEST, refs, 2, false, &a1, &m1) == EPERM,
          "map with one bad ref");
    CHECK(!(flags_of(f, ref2) & (GTF_reading | GTF_writing)),
          "flags %#x left by a failed map", flags_of(f, ref2));
}
RUN_CASE(test_pins, pins_body)

static void
evtchn_body(struct fixture *f)
{
    uint32_t gport, lport, other;

    CHECK(!vif_emu_alloc_unbound(f->dom, 0, &gport), "alloc_unbound");
    CHECK(!vif_emu_alloc_unbound(f->dom, 3, &other), "alloc_unbound");
    CHECK(!vif_emu_port_bound(f->dom, gport), "bound before bind");
    CHECK(!vif_platform_bind(f->p, GUEST, gport, &lport), "bind");
    CHECK(vif_emu_port_bound(f->dom, gport), "not bound after bind");

    uint32_t l2;
    CHECK(vif_platform_bind(f->p, GUEST, gport, &l2) == EINVAL, "bound twice");
    CHECK(vif_platform_bind(f->p, GUEST, other, &l2) == EINVAL,
          "bound a port allocated for dom3");
    CHECK(vif_platform_bind(f->p, GUEST, 777, &l2) == EINVAL,
          "bound a free port");
    CHECK(vif_platform_pending(f->p) == -1, "spurious pending");

    /* guest -> backend, with masking. */
    CHECK(!vif_emu_notify(f->dom, gport), "notify");
    struct pollfd pfd = {.fd = vif_platform_fd(f->p), .events = POLLIN};
    CHECK(poll(&pfd, 1, 1000) == 1, "platform fd not readable");
    CHECK(vif_platform_pending(f->p) == lport, "pending");
    CHECK(vif_platform_pending(f->p) == -1, "pending twice");
    CHECK(!vif_emu_notify(f->dom, gport), "notify");
    CHECK(!vif_emu_notify(f->dom, gport), "notify");
    CHECK(vif_platform_pending(f->p) == -1, "delivered while masked");
    CHECK(!vif_platform_unmask(f->p, lport), "unmask");
    CHECK(vif_platform_pending(f->p) == lport, "lost while masked");
    CHECK(vif_platform_pending(f->p) == -1, "delivered twice");
    CHECK(!vif_platform_unmask(f->p, lport), "unmask");
    CHECK(vif_platform_pending(f->p) == -1, "delivered again after unmask");

    /* backend -> guest, same semantics. */
    CHECK(vif_emu_pending(f->dom) == -1, "guest: spurious");
    CHECK(!vif_platform_notify(f->p, lport), "backend notify");
    CHECK(vif_emu_pending(f->dom) == gport, "guest: pending");
    CHECK(!vif_platform_notify(f->p, lport), "backend notify");
    CHECK(vif_emu_pending(f->dom) == -1, "guest: delivered while masked");
    CHECK(!vif_emu_unmask(f->dom, gport), "guest unmask");
    CHECK(vif_emu_pending(f->dom) == gport, "guest: lost while masked");
    CHECK(!vif_emu_unmask(f->dom, gport), "guest unmask");

    /* Unbind: the guest's port is unbound again and notifies go nowhere. */
    vif_platform_unbind(f->p, lport);
    CHECK(!vif_emu_port_bound(f->dom, gport), "bound after unbind");
    CHECK(!vif_emu_notify(f->dom, gport), "notify unbound");
    CHECK(vif_platform_pending(f->p) == -1, "pending after unbind");
    CHECK(vif_platform_notify(f->p, lport) == EINVAL,
          "notify on unbound port");
    CHECK(!vif_platform_bind(f->p, GUEST, gport, &l2), "rebind");
    vif_platform_unbind(f->p, l2);
}
RUN_CASE(test_evtchn, evtchn_body)

static void
death_body(struct fixture *f)
{
    uint32_t frame, ref, gport, lport;
    void *addr;
    struct vif_mapping *m;
    uint8_t buf[16];

    CHECK(!vif_emu_alloc_page(f->dom, &frame), "alloc page");
    CHECK(!vif_emu_grant_access(f->dom, frame, 0, false, &ref), "grant");
    CHECK(!vif_emu_alloc_unbound(f->dom, 0, &gport), "alloc_unbound");
    CHECK(!vif_platform_bind(f->p, GUEST, gport, &lport), "bind");
    CHECK(!vif_platform_map(f->p, GUEST, &ref, 1, false, &addr, &m), "map");
    memcpy(addr, "ring", 4);

    guest_kill(f);

    struct pollfd pfd = {.fd = vif_platform_fd(f->p), .events = POLLIN};
    CHECK(poll(&pfd, 1, 1000) == 1, "death not noticed");
    CHECK(vif_platform_pending(f->p) == -1, "a port fired at death");
    CHECK(vif_platform_dead_domain(f->p) == GUEST, "dead_domain");
    CHECK(vif_platform_dead_domain(f->p) == -1, "dead_domain twice");

    /* The mapping stays valid until unmapped. */
    CHECK(!memcmp(addr, "ring", 4), "mapping lost at death");
    CHECK(copy1(f, GUEST, ref, 0, 4, buf, false) == VIF_GNTST_BAD_DOMAIN,
          "copy from a dead domain");
    void *a2;
    struct vif_mapping *m2;
    CHECK(vif_platform_map(f->p, GUEST, &ref, 1, false, &a2, &m2) == ESRCH,
          "map in a dead domain");
    uint32_t l2;
    CHECK(vif_platform_bind(f->p, GUEST, gport, &l2) == ESRCH,
          "bind in a dead domain");
    CHECK(!vif_platform_notify(f->p, lport), "notify to a dead domain's port");
    vif_platform_unmap(f->p, m);
    vif_platform_unbind(f->p, lport);

    /* The same domid comes back (a restarted guest): all works again. */
    CHECK(!vif_emu_dom_create(GUEST, 64, 16, &f->dom), "recreate");
    guest_start(f);
    CHECK(!vif_emu_alloc_page(f->dom, &frame), "alloc page");
    CHECK(!vif_emu_grant_access(f->dom, frame, 0, false, &ref), "grant");
    memcpy(vif_emu_page(f->dom, frame), "again", 5);
    CHECK(copy1(f, GUEST, ref, 0, 5, buf, false) == VIF_GNTST_OKAY,
          "copy after restart");
    CHECK(!memcmp(buf, "again", 5), "bytes after restart");
}
RUN_CASE(test_death, death_body)

/* A backend that died with a mapping leaves no stuck flags behind: the guest
 * releases its grants, as Xen does for a dead mapper. */
static void
backend_death_body(struct fixture *f)
{
    uint32_t frame, ref, gport, lport;
    void *addr;
    struct vif_mapping *m;

    CHECK(!vif_emu_alloc_page(f->dom, &frame), "alloc page");
    CHECK(!vif_emu_grant_access(f->dom, frame, 0, false, &ref), "grant");
    CHECK(!vif_emu_alloc_unbound(f->dom, 0, &gport), "alloc_unbound");
    CHECK(!vif_platform_bind(f->p, GUEST, gport, &lport), "bind");
    CHECK(!vif_platform_map(f->p, GUEST, &ref, 1, false, &addr, &m), "map");
    CHECK(vif_emu_end_access(f->dom, ref) == EBUSY, "end_access in use");

    /* "Crash": the socket goes away without unmap or unbind. */
    vif_platform_release_domain(f->p, GUEST);
    for (int i = 0; i < 100 && vif_emu_port_bound(f->dom, gport); i++) {
        usleep(10000);
    }
    CHECK(!vif_emu_port_bound(f->dom, gport), "port still bound");
    CHECK(!(flags_of(f, ref) & (GTF_reading | GTF_writing)),
          "flags %#x left by a dead backend", flags_of(f, ref));
    vif_platform_unmap(f->p, m);
    vif_platform_unbind(f->p, lport);
    CHECK(!vif_emu_end_access(f->dom, ref), "end_access after death");
}
RUN_CASE(test_backend_death, backend_death_body)

/* A fake guest that answers HELLO with memory the backend must refuse. */
struct liar {
    int listen_fd;
    bool seal;        /* seal the memfd against shrinking */
    uint32_t n_pages; /* claimed; the memfd always has 2 pages */
};

static void *
liar_thread(void *l_)
{
    struct liar *l = l_;
    int fd = accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    poll(&pfd, 1, 2000);

    struct vif_emu_msg req, reply;
    int fds[2];
    size_t n_fds;
    if (!vif_emu_recv(fd, &req, fds, 0, &n_fds)) {
        uint64_t gofs, pofs, size;
        int mfd = memfd_create("liar", MFD_CLOEXEC | MFD_ALLOW_SEALING);

        vif_emu_layout(64, 2, &gofs, &pofs, &size);
        if (ftruncate(mfd, size) < 0) {
            abort();
        }
        if (l->seal) {
            fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK);
        }
        memset(&reply, 0, sizeof reply);
        reply.type = req.type;
        reply.flags = VIF_EMU_F_REPLY;
        reply.seq = req.seq;
        reply.version = VIF_EMU_VERSION;
        reply.domid = 9;
        reply.n_grants = 64;
        reply.n_pages = l->n_pages;
        vif_emu_send(fd, &reply, &mfd, 1);
        close(mfd);
        poll(&pfd, 1, 200);
    }
    close(fd);
    return NULL;
}

static void
liar_body(struct fixture *f)
{
    static const struct liar cases[] = {
        {.seal = false, .n_pages = 2},   /* could truncate under us */
        {.seal = true, .n_pages = 1000}, /* claims more than it has */
        {.seal = true, .n_pages = 0},    /* nonsense */
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct liar l = cases[i];
        char *path = vif_emu_sock_path(9);
        struct sockaddr_un sun = {.sun_family = AF_UNIX};

        strcpy(sun.sun_path, path);
        unlink(path);
        free(path);
        l.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        CHECK(!bind(l.listen_fd, (struct sockaddr *)&sun, sizeof sun)
                  && !listen(l.listen_fd, 1),
              "liar socket");

        pthread_t t;
        pthread_create(&t, NULL, liar_thread, &l);
        uint8_t buf[8];
        int16_t st = copy1(f, 9, 8, 0, 8, buf, false);
        pthread_join(t, NULL);
        close(l.listen_fd);
        CHECK(st == VIF_GNTST_BAD_DOMAIN, "case %zu: liar accepted (%d)", i,
              st);
        /* Left alone for a while, without a new connection attempt. */
        CHECK(copy1(f, 9, 8, 0, 8, buf, false) == VIF_GNTST_BAD_DOMAIN,
              "case %zu: retried at once", i);
        vif_platform_release_domain(f->p, 9);
    }
}
RUN_CASE(test_liars, liar_body)

/* A backend hands a domain's data path to another process (the net_xovs
 * driver): the memory and a bound port's eventfds go over; the importer
 * checks the memory as a guest's own answer is checked, claims the port on
 * bind() without asking the guest, and checks grants exactly as the
 * backend does; the exporter's port no longer fires. */
static void
handoff_body(struct fixture *f)
{
    uint32_t frame, rw, other, ro, gport, lport, lport2;
    uint32_t n_grants, n_pages;
    int memfd, from, to;
    uint8_t buf[16];
    struct vif_platform *p2;

    CHECK(!vif_emu_alloc_page(f->dom, &frame), "alloc page");
    CHECK(!vif_emu_grant_access(f->dom, frame, 0, false, &rw), "grant");
    CHECK(!vif_emu_grant_access(f->dom, frame, 7, false, &other), "grant");
    CHECK(!vif_emu_grant_access(f->dom, frame, 0, true, &ro), "grant");
    memcpy(vif_emu_page(f->dom, frame), "guest", 5);
    CHECK(!vif_emu_alloc_unbound(f->dom, 0, &gport), "alloc_unbound");
    CHECK(!vif_platform_bind(f->p, GUEST, gport, &lport), "bind");

    CHECK(
        !vif_platform_export_domain(f->p, GUEST, &memfd, &n_grants, &n_pages),
        "export_domain");
    CHECK(n_grants == 64 && n_pages == 16,
          "exported sizes %" PRIu32 "/%" PRIu32, n_grants, n_pages);
    CHECK(!vif_platform_export_port(f->p, lport, &from, &to), "export_port");

    /* The exporter's port never fires again. */
    CHECK(!vif_emu_notify(f->dom, gport), "guest notify");
    CHECK(!vif_platform_unmask(f->p, lport), "unmask");
    struct pollfd pfd = {.fd = vif_platform_fd(f->p), .events = POLLIN};
    CHECK(poll(&pfd, 1, 100) == 0, "an exported port fired");

    CHECK(!vif_platform_open(f->c, 0, &p2), "open importer");
    /* Memory that is not sealed, or smaller than claimed: refused. */
    int unsealed = memfd_create("x", MFD_CLOEXEC);
    CHECK(unsealed >= 0 && !ftruncate(unsealed, 1 << 20), "memfd");
    CHECK(vif_platform_import_domain(p2, GUEST, unsealed, 64, 16) == EPERM,
          "unsealed memory imported");
    int dup1 = fcntl(memfd, F_DUPFD_CLOEXEC, 0);
    CHECK(vif_platform_import_domain(p2, GUEST, dup1, 64, 100000) == EPROTO,
          "memory smaller than its layout imported");
    CHECK(!vif_platform_import_domain(p2, GUEST, memfd, n_grants, n_pages),
          "import_domain");
    int dup2 = fcntl(from, F_DUPFD_CLOEXEC, 0);
    CHECK(vif_platform_import_domain(p2, GUEST, dup2, 64, 16) == EEXIST,
          "a domain imported twice");
    CHECK(!vif_platform_import_port(p2, GUEST, gport, from, to),
          "import_port");

    /* bind() claims the imported port, once. */
    uint32_t claimed;
    CHECK(!vif_platform_bind(p2, GUEST, gport, &claimed), "claim");
    CHECK(vif_platform_bind(p2, GUEST, gport, &lport2) == EINVAL,
          "an imported port claimed twice");
    CHECK(vif_platform_bind(p2, GUEST, gport + 1, &lport2) == EINVAL,
          "a port never handed over bound without asking the guest");
    CHECK(!vif_platform_notify(p2, claimed), "importer notify");
    CHECK(vif_emu_pending(f->dom) == gport, "guest did not get the event");

    /* The same grant checks. */
    struct vif_copy_seg seg
        = {.domid = GUEST, .ref = rw, .len = 5, .local = buf};
    CHECK(!vif_platform_copy(p2, &seg, 1) && seg.status == VIF_GNTST_OKAY
              && !memcmp(buf, "guest", 5),
          "copy through the importer");
    seg.ref = other;
    CHECK(!vif_platform_copy(p2, &seg, 1)
              && seg.status == VIF_GNTST_PERMISSION_DENIED,
          "copy of a grant to dom7");
    seg.ref = ro;
    seg.to_guest = true;
    CHECK(!vif_platform_copy(p2, &seg, 1)
              && seg.status == VIF_GNTST_PERMISSION_DENIED,
          "copy into a readonly grant");
    seg.ref = 64;
    CHECK(!vif_platform_copy(p2, &seg, 1)
              && seg.status == VIF_GNTST_BAD_GNTREF,
          "copy of ref >= n_grants");
    seg.domid = GUEST + 1;
    seg.ref = rw;
    CHECK(!vif_platform_copy(p2, &seg, 1)
              && seg.status == VIF_GNTST_BAD_DOMAIN,
          "copy from a domain never imported");

    vif_platform_unbind(p2, claimed);
    vif_platform_release_domain(p2, GUEST);
    vif_platform_close(p2);
    CHECK(vif_emu_port_bound(f->dom, gport),
          "the importer unbound the guest's port");
}
RUN_CASE(test_handoff, handoff_body)

/* The driver's side of a refused hand-off, for handoff_refused_body(). */
struct refuser {
    int listen_fd;
    uint32_t got_type; /* the first message's */
    unsigned int got_queues;
};

static void *
refuser_thread(void *r_)
{
    struct refuser *r = r_;
    struct pollfd pfd = {.fd = r->listen_fd, .events = POLLIN};

    if (poll(&pfd, 1, 5000) != 1) {
        return NULL;
    }
    int fd = accept4(r->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    struct vif_handoff_msg m, reply;
    int fds[VIF_HANDOFF_MAX_FDS];
    size_t n_fds = 0;
    pfd = (struct pollfd){.fd = fd, .events = POLLIN};
    if (fd >= 0 && poll(&pfd, 1, 5000) == 1
        && !vif_handoff_recv(fd, &m, fds, VIF_HANDOFF_MAX_FDS, &n_fds)) {
        for (size_t i = 0; i < n_fds; i++) {
            close(fds[i]);
        }
        r->got_type = m.type;
        r->got_queues = m.n_queues;
        memset(&reply, 0, sizeof reply);
        reply.type = m.type | VIF_HANDOFF_REPLY;
        reply.version = VIF_HANDOFF_VERSION;
        reply.error = EINVAL;
        snprintf(reply.reason, sizeof reply.reason, "test refuses %u queues",
                 m.n_queues);
        vif_handoff_send(fd, &reply, NULL, 0);
    }
    if (fd >= 0) {
        close(fd);
    }
    return NULL;
}

/* xovs-netback's side (vif-backend/handoff.c): a driver that refuses the
 * hand-off disables that VIF, with the driver's reason; the netback does
 * not retry it. */
static void
handoff_refused_body(struct fixture *f)
{
    uint32_t txf, rxf, tx_ref, rx_ref, gport;
    struct refuser r = {.listen_fd = -1};
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct vif vif;
    pthread_t th;

    CHECK(!vif_emu_alloc_page(f->dom, &txf)
              && !vif_emu_alloc_page(f->dom, &rxf),
          "alloc ring pages");
    CHECK(!vif_emu_grant_access(f->dom, txf, 0, false, &tx_ref)
              && !vif_emu_grant_access(f->dom, rxf, 0, false, &rx_ref),
          "grant ring pages");
    CHECK(!vif_emu_alloc_unbound(f->dom, 0, &gport), "alloc_unbound");

    vif_init(&vif, f->p, NULL, GUEST, 0);
    struct vif_queue_config cfg = {
        .tx_ref = tx_ref,
        .rx_ref = rx_ref,
        .tx_evtchn = gport,
        .rx_evtchn = gport,
    };
    CHECK(!vif_queue_connect(&vif, 0, &cfg), "queue 0 connects");

    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/drv.sock", f->dir);
    r.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    CHECK(r.listen_fd >= 0
              && !bind(r.listen_fd, (struct sockaddr *)&sun, sizeof sun)
              && !listen(r.listen_fd, 1),
          "driver socket");
    vif.dpdk = true;
    vif.dpdk_path = xstrdup(sun.sun_path);
    pthread_create(&th, NULL, refuser_thread, &r);
    vif_handoff_run(&vif);
    pthread_join(th, NULL);

    CHECK(r.got_type == VIF_HANDOFF_ATTACH && r.got_queues == 1,
          "the driver got ATTACH (type %u) with %u queues", r.got_type,
          r.got_queues);
    CHECK(vif.disabled && vif.disable_reason
              && strstr(vif.disable_reason,
                        "refused the hand-off: test refuses 1 queues"),
          "VIF not disabled with the driver's reason: %s",
          vif.disable_reason ? vif.disable_reason : "(none)");
    CHECK(vif.handoff_fd < 0, "a refused hand-off kept its connection");

    vif_disconnect(&vif);
    free(vif.dpdk_path);
    free(vif.disable_reason);
    ds_destroy(&vif.dp_reply);
    close(r.listen_fd);
    unlink(sun.sun_path);
}
RUN_CASE(test_handoff_refused, handoff_refused_body)

/* The hand-off messages (vif-backend/dpdk/handoff.h): one message and its
 * fds over a SOCK_SEQPACKET pair, every field intact; vif_handoff_check()
 * refuses each malformed ATTACH and QUEUE with its reason. */
static void
test_handoff_msg(const void *aux OVS_UNUSED)
{
    struct vif_handoff_msg m, got;
    int sv[2], fds[4], rfds[VIF_HANDOFF_MAX_FDS];
    char why[72];
    size_t n;

    CHECK(!socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv),
          "socketpair");
    for (size_t i = 0; i < 4; i++) {
        fds[i] = eventfd(0, EFD_CLOEXEC);
    }
    memset(&m, 0, sizeof m);
    m.type = VIF_HANDOFF_QUEUE;
    m.version = VIF_HANDOFF_VERSION;
    m.platform = VIF_HANDOFF_PLATFORM_EMU;
    m.domid = 7;
    m.devid = 2;
    m.qid = 3;
    m.tx_ref = 0x12345678;
    m.rx_ref = 9;
    m.tx_evtchn = 4;
    m.rx_evtchn = 5;
    CHECK(!vif_handoff_send(sv[0], &m, fds, 4), "send");
    CHECK(!vif_handoff_recv(sv[1], &got, rfds, VIF_HANDOFF_MAX_FDS, &n)
              && n == 4 && !memcmp(&m, &got, sizeof m),
          "a QUEUE message and its 4 fds arrive intact");
    for (size_t i = 0; i < n; i++) {
        close(rfds[i]);
    }
    CHECK(!vif_handoff_check(&got, 4, 3, 4, why, sizeof why), "valid QUEUE");
    CHECK(vif_handoff_check(&got, 2, 3, 4, why, sizeof why) == EINVAL
              && !strcmp(why, "queue 3 with 2 fds, want 4"),
          "QUEUE without its RX channel's fds: %s", why);
    CHECK(vif_handoff_check(&got, 4, 2, 4, why, sizeof why) == EINVAL
              && !strcmp(why, "queue 3 of 4 where queue 2 was due"),
          "QUEUE out of order: %s", why);
    CHECK(vif_handoff_check(&got, 4, 0, 0, why, sizeof why) == EPROTO,
          "QUEUE without ATTACH");
    /* On Xen a QUEUE carries numbers only: the driver binds the ports. */
    got.platform = VIF_HANDOFF_PLATFORM_XEN;
    CHECK(!vif_handoff_check(&got, 0, 3, 4, why, sizeof why), "xen QUEUE");
    CHECK(vif_handoff_check(&got, 4, 3, 4, why, sizeof why) == EINVAL
              && !strcmp(why, "queue 3 with 4 fds, want 0"),
          "xen QUEUE with fds: %s", why);

    /* More fds than the receiver takes: all closed, EPROTO. */
    CHECK(!vif_handoff_send(sv[0], &m, fds, 4), "send");
    CHECK(vif_handoff_recv(sv[1], &got, rfds, 2, &n) == EPROTO && !n,
          "4 fds where 2 fit");
    CHECK(vif_handoff_send(sv[0], &m, fds, VIF_HANDOFF_MAX_FDS + 1) == EINVAL,
          "more fds than a message carries");

    memset(&m, 0, sizeof m);
    m.type = VIF_HANDOFF_ATTACH;
    m.version = VIF_HANDOFF_VERSION;
    m.platform = VIF_HANDOFF_PLATFORM_EMU;
    m.n_queues = 4;
    CHECK(!vif_handoff_check(&m, 1, 0, 0, why, sizeof why), "valid ATTACH");
    CHECK(vif_handoff_check(&m, 0, 0, 0, why, sizeof why) == EINVAL,
          "emu ATTACH without memory");
    m.platform = VIF_HANDOFF_PLATFORM_XEN;
    CHECK(!vif_handoff_check(&m, 0, 0, 0, why, sizeof why),
          "xen ATTACH, no fds");
    m.platform = 9;
    CHECK(vif_handoff_check(&m, 1, 0, 0, why, sizeof why) == EINVAL,
          "unknown platform");
    m.platform = VIF_HANDOFF_PLATFORM_EMU;
    m.n_queues = VIF_HANDOFF_MAX_QUEUES + 1;
    CHECK(vif_handoff_check(&m, 1, 0, 0, why, sizeof why) == EINVAL
              && !strcmp(why, "17 queues, want 1 to 16"),
          "17 queues: %s", why);
    m.n_queues = 0;
    CHECK(vif_handoff_check(&m, 1, 0, 0, why, sizeof why) == EINVAL,
          "0 queues");
    m.n_queues = 1;
    m.version = 1;
    CHECK(vif_handoff_check(&m, 1, 0, 0, why, sizeof why) == EPROTONOSUPPORT
              && !strcmp(why, "hand-off protocol version 1, want 2"),
          "version 1: %s", why);
    for (size_t i = 0; i < 4; i++) {
        close(fds[i]);
    }
    close(sv[0]);
    close(sv[1]);
}

static void
test_layout(const void *aux OVS_UNUSED)
{
    uint64_t g, p, s;

    CHECK(vif_emu_layout(64, 16, &g, &p, &s), "layout");
    CHECK(g == 4096 && p == 8192 && s == 8192 + 16 * 4096, "layout values");
    CHECK(vif_emu_layout(513, 1, &g, &p, &s) && p == 4096 + 8192,
          "grant table rounding");
    CHECK(!vif_emu_layout(0, 1, &g, &p, &s), "0 grants");
    CHECK(!vif_emu_layout(1, VIF_EMU_MAX_PAGES + 1, &g, &p, &s), "too big");
    CHECK(vif_platform_lookup("xen") == &vif_platform_xen
              && vif_platform_lookup("emu") == &vif_platform_emu
              && !vif_platform_lookup("kvm") && !vif_platform_lookup(NULL),
          "lookup");
}

void
test_emu_register(void)
{
    unit_add("emu/layout", test_layout, NULL);
    unit_add("emu/grants", test_grants, NULL);
    unit_add("emu/pins", test_pins, NULL);
    unit_add("emu/evtchn", test_evtchn, NULL);
    unit_add("emu/guest-death", test_death, NULL);
    unit_add("emu/backend-death", test_backend_death, NULL);
    unit_add("emu/refused-memory", test_liars, NULL);
    unit_add("emu/handoff", test_handoff, NULL);
    unit_add("emu/handoff-msg", test_handoff_msg, NULL);
    unit_add("emu/handoff-refused", test_handoff_refused, NULL);
}
