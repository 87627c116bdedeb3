/* vif-backend/emu/emu.h: the emulated Xen platform's wire and memory
 * formats, and the guest-side library.
 *
 * No hypervisor runs here, so a guest process plays a domain:
 *
 *   guest process (xovs-guest, a test)          xovs-netback (platform-emu.c)
 *   ----------------------------------          -----------------------------
 *   memfd "domain memory", sealed against  ---> mmap()ed MAP_SHARED; grant
 *   shrinking:                                  checks exactly as Xen makes
 *     header page | v1 grant table | pages      them, GTF_reading/writing set
 *                                               while mapped or copied
 *   event channels: two eventfds per port  ---> one epoll fd over all bound
 *     (guest->backend, backend->guest)          ports, Xen's mask semantics
 *   listens on $XOVS_EMU_DIR/dom<N>.sock   <--- connects on first use of N
 *     (SOCK_SEQPACKET, fds by SCM_RIGHTS)
 *
 * Socket protocol: fixed-size struct vif_emu_msg both ways; the backend asks,
 * the guest answers each request with exactly one reply (same type, same
 * seq, VIF_EMU_F_REPLY) and never speaks unasked:
 *
 *   HELLO   domid = backend's domid    -> n_grants, n_pages, domid; 1 fd: the
 *                                         memfd (sealed F_SEAL_SHRINK)
 *   BIND    port = guest's unbound     -> 2 fds: [0] guest->backend eventfd,
 *           port, allocated for the       [1] backend->guest eventfd;
 *           backend's domid               error EINVAL unless unbound for it
 *   UNBIND  port                       -> the port is unbound again (as Xen
 *                                         does when the remote end closes)
 *
 * A closed connection means the other side died: the backend releases the
 * domain; the guest unbinds the ports that connection bound and clears
 * GTF_reading/GTF_writing of entries granted to that backend's domid (Xen
 * releases a dead mapper's grants the same way). */
#ifndef VIF_EMU_H
#define VIF_EMU_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

/* ---- Shared memory ---------------------------------------------------- */

#define VIF_EMU_PAGE_SIZE 4096
#define VIF_EMU_SHM_MAGIC 0x554d4558u /* "XEMU" */
#define VIF_EMU_VERSION 1

/* Limits the backend enforces on what a guest claims (Xen's default
 * max_grant_frames = 64 gives 32768 v1 entries). */
#define VIF_EMU_MAX_GRANTS 32768u
#define VIF_EMU_MAX_PAGES 262144u /* 1 GiB of guest memory */

/* The first page of the memfd, written once by the guest.  Informational
 * only: the backend uses the sizes from the HELLO reply and checks them
 * against the memfd's real size, never this header. */
struct vif_emu_shm_header {
    uint32_t magic;    /* VIF_EMU_SHM_MAGIC */
    uint32_t version;  /* VIF_EMU_VERSION */
    uint32_t domid;    /* the domain this memory belongs to */
    uint32_t n_grants; /* entries in the grant table */
    uint32_t n_pages;  /* guest frames 0..n_pages-1 */
    uint32_t pad;
    uint64_t grant_ofs; /* byte offset of the grant table */
    uint64_t page_ofs;  /* byte offset of frame 0 */
    uint64_t size;      /* bytes in the whole memfd */
};
_Static_assert(sizeof(struct vif_emu_shm_header) == 48, "shm header");
_Static_assert(offsetof(struct vif_emu_shm_header, grant_ofs) == 24, "ofs");
_Static_assert(sizeof(struct grant_entry_v1) == 8, "v1 grant entry");
_Static_assert(offsetof(struct grant_entry_v1, domid) == 2, "v1 domid");
_Static_assert(offsetof(struct grant_entry_v1, frame) == 4, "v1 frame");

/* The layout is a pure function of the two counts: header page, grant table
 * rounded up to whole pages, then the frames.  Returns false if the counts
 * are out of range (0 or above the VIF_EMU_MAX_* limits). */
bool vif_emu_layout(uint32_t n_grants, uint32_t n_pages, uint64_t *grant_ofs,
                    uint64_t *page_ofs, uint64_t *size);

/* ---- Socket protocol ---------------------------------------------------- */

#define VIF_EMU_MSG_MAGIC 0x58454d53u /* "SMEX" */

enum vif_emu_msg_type {
    VIF_EMU_HELLO = 1,
    VIF_EMU_BIND = 2,
    VIF_EMU_UNBIND = 3,
};

#define VIF_EMU_F_REPLY 0x1

struct vif_emu_msg {
    uint32_t magic;    /* VIF_EMU_MSG_MAGIC */
    uint16_t type;     /* enum vif_emu_msg_type */
    uint16_t flags;    /* VIF_EMU_F_* */
    uint32_t seq;      /* chosen by the asker, echoed in the reply */
    int32_t error;     /* reply: 0 or a positive errno */
    uint32_t version;  /* HELLO: VIF_EMU_VERSION */
    uint32_t domid;    /* HELLO: the sender's own domid */
    uint32_t port;     /* BIND, UNBIND: the guest's port */
    uint32_t n_grants; /* HELLO reply */
    uint32_t n_pages;  /* HELLO reply */
    uint32_t n_fds;    /* fds attached by SCM_RIGHTS (must match) */
    uint32_t pad[2];
};
_Static_assert(sizeof(struct vif_emu_msg) == 48, "emu message");
_Static_assert(offsetof(struct vif_emu_msg, n_fds) == 36, "emu message");

#define VIF_EMU_MAX_FDS 2

/* How long the backend waits for a reply before it gives up on the guest. */
#define VIF_EMU_REPLY_TIMEOUT_MS 1000

/* Sends 'msg' with 'n_fds' fds ('msg->n_fds' is set).  Returns 0 or a
 * positive errno; never blocks on a full socket (EAGAIN). */
int vif_emu_send(int sock, struct vif_emu_msg *msg, const int *fds,
                 size_t n_fds);

/* Receives one message without blocking.  Fds beyond 'max_fds', or a count
 * that differs from 'msg->n_fds', are closed and the call fails with EPROTO;
 * on success 'fds[0..*n_fds-1]' are owned by the caller.  Returns 0, EAGAIN
 * (nothing yet), EPIPE (peer closed), EPROTO (malformed) or another errno. */
int vif_emu_recv(int sock, struct vif_emu_msg *msg, int *fds, size_t max_fds,
                 size_t *n_fds);

/* The directory of the guests' sockets: $XOVS_EMU_DIR or /run/xovs-emu. */
const char *vif_emu_dir(void);

/* "<dir>/dom<domid>.sock" (malloc'd). */
char *vif_emu_sock_path(uint16_t domid);

/* ---- Guest side ---------------------------------------------------------
 *
 * One struct vif_emu_dom is one emulated domain: its memory, grant table,
 * event channels and the socket backends connect to.  The caller owns the
 * poll loop: vif_emu_wait() before poll_block(), vif_emu_run() after; the
 * event channel fd is separate so a netfront can treat it as its "irq".
 * All calls are serialized by an internal mutex (a test may serve the
 * socket from another thread). */

struct vif_emu_dom;

/* Creates domain 'domid' with 'n_grants' grant entries and 'n_pages' pages
 * of memory, and listens on vif_emu_sock_path('domid') (creating the
 * directory if needed).  Fails with EADDRINUSE if a live process already
 * serves that domid.  Returns 0 or a positive errno (logged). */
int vif_emu_dom_create(uint16_t domid, uint32_t n_grants, uint32_t n_pages,
                       struct vif_emu_dom **);

/* Closes the socket (backends see the domain die), removes the socket file,
 * unmaps the memory.  Accepts NULL. */
void vif_emu_dom_destroy(struct vif_emu_dom *);

uint16_t vif_emu_dom_id(const struct vif_emu_dom *);

/* The 4 KiB page of 'frame', or NULL if out of range. */
void *vif_emu_page(struct vif_emu_dom *, uint32_t frame);

/* A free frame (zeroed) in '*frame', or ENOMEM.  Freeing returns it. */
int vif_emu_alloc_page(struct vif_emu_dom *, uint32_t *frame);
void vif_emu_free_page(struct vif_emu_dom *, uint32_t frame);

/* Grants 'domid' access to 'frame' (readonly or not), like Linux's
 * gnttab_grant_foreign_access().  '*ref' is the grant reference (never one
 * of the GNTTAB_NR_RESERVED_ENTRIES).  Returns 0, ENOSPC or EINVAL. */
int vif_emu_grant_access(struct vif_emu_dom *, uint32_t frame, uint16_t domid,
                         bool readonly, uint32_t *ref);

/* Revokes 'ref' like gnttab_end_foreign_access_ref(): fails with EBUSY
 * while the grantee has it mapped or is copying (GTF_reading/GTF_writing),
 * leaving the grant in place; on success the ref is free again.  EINVAL for
 * a ref that is not granted. */
int vif_emu_end_access(struct vif_emu_dom *, uint32_t ref);

/* vif_emu_grant_access() of 'frames[0..n-1]' into 'refs', and
 * vif_emu_end_access() of 'refs[0..n-1]', under one lock: a guest's ring
 * refill or poll costs one lock, not one a slot.  Both stop at the first
 * failure and return how many succeeded ('*error' says why it stopped, 0
 * if none failed). */
size_t vif_emu_grant_access_n(struct vif_emu_dom *, const uint32_t *frames,
                              size_t n, uint16_t domid, bool readonly,
                              uint32_t *refs, int *error);
size_t vif_emu_end_access_n(struct vif_emu_dom *, const uint32_t *refs,
                            size_t n, int *error);

/* The shared entry of 'ref' (tests use it to forge what a malicious guest
 * would write), or NULL if out of range. */
struct grant_entry_v1 *vif_emu_grant_entry(struct vif_emu_dom *, uint32_t ref);

/* Allocates an unbound port for 'remote_domid', like
 * xenevtchn_bind_unbound_port().  Returns 0 or ENOSPC. */
int vif_emu_alloc_unbound(struct vif_emu_dom *, uint16_t remote_domid,
                          uint32_t *port);
/* Closes 'port' (whatever its state). */
void vif_emu_close_port(struct vif_emu_dom *, uint32_t port);
/* True if a backend has bound 'port'. */
bool vif_emu_port_bound(struct vif_emu_dom *, uint32_t port);
/* Notifies the backend bound to 'port'; a no-op if none is (as Xen). */
int vif_emu_notify(struct vif_emu_dom *, uint32_t port);

/* Readable when a port fired; vif_emu_pending() returns it (masked until
 * vif_emu_unmask()), or -1. */
int vif_emu_evtchn_fd(struct vif_emu_dom *);
int64_t vif_emu_pending(struct vif_emu_dom *);
int vif_emu_unmask(struct vif_emu_dom *, uint32_t port);

/* Serves the backends' connections (accepts, answers requests, notices
 * backends that died). */
void vif_emu_run(struct vif_emu_dom *);
void vif_emu_wait(struct vif_emu_dom *);

/* The fds vif_emu_wait() would wait on, for callers without libopenvswitch's
 * poll loop (tests): up to 'max' into 'fds', returns how many. */
size_t vif_emu_server_fds(struct vif_emu_dom *, int *fds, size_t max);

#endif /* vif-backend/emu/emu.h */
