/* vif-backend/dpdk/handoff.h: how xovs-netback hands a VIF's data path to
 * the net_xovs DPDK driver inside ovs-vswitchd, as a vhost-user front end
 * hands a VM's memory to a vhost-user port.  Protocol version 2 (every
 * message carries VIF_HANDOFF_VERSION; the driver refuses another one).
 *
 *   xovs-netback (control plane)            net_xovs in ovs-vswitchd
 *   -----------------------------           -----------------------------
 *   xenbus handshake, features, rings       listens on path=<socket> of its
 *   checked and bound (interface.c) ------> devargs (SOCK_SEQPACKET)
 *   ATTACH: the domain, n_queues, features  imports the memory (same checks
 *     fds: [0] guest memory (memfd)         as the guest's own answer);
 *                                    <----- reply: 0 or an errno + reason
 *   QUEUE qid=0..n_queues-1, in order:      maps that queue's rings with the
 *     tx_ref, rx_ref, tx/rx_evtchn          same grant checks
 *     fds: [0] [1] TX event channel         (platform-emu.c); after the last
 *          (guest->backend, backend->guest) one every queue runs, polled in
 *          [2] [3] RX event channel         OVS's PMD threads
 *          (if split)                <----- reply: 0 or an errno + reason
 *   DETACH (frontend gone, VIF offline) --> stops touching the rings (the
 *                                    <----- queue locks), unmaps, closes fds
 *   vif_fatal() as for any VIF       <----- DISABLED (unasked, once): the
 *   (then DETACH, from the control          guest broke the protocol; the
 *   path)                                   driver no longer touches its rings
 *
 * A refused ATTACH or QUEUE (wrong version, queue count out of
 * 1..VIF_HANDOFF_MAX_QUEUES, queues out of order or missing, wrong fds, a
 * ring grant that fails the driver's checks) undoes the whole hand-off:
 * the driver lets go of everything and its reply's 'reason' says why; the
 * netback then disables that VIF (vif_fatal) with that reason.
 *
 * On the xen platform (platform = VIF_HANDOFF_PLATFORM_XEN) no fd travels:
 * ATTACH names the domain, each QUEUE its ring refs and the guest's
 * event-channel ports, and the driver maps and binds them itself through
 * gntdev and evtchn (platform-xen.c), with the netback's own checks.  The
 * netback unbinds its own end of a queue's channels before the QUEUE
 * message (Xen lets one interdomain binding exist per port).
 *
 * One message each way per request, struct vif_handoff_msg, fixed size.  A
 * closed connection is a DETACH.  The netback waits at most
 * VIF_HANDOFF_TIMEOUT_MS for each reply. */
#ifndef VIF_HANDOFF_H
#define VIF_HANDOFF_H 1

#include <stddef.h>
#include <stdint.h>

#define VIF_HANDOFF_MAGIC 0x584f5653u /* "XOVS" */
#define VIF_HANDOFF_TIMEOUT_MS 2000
#define VIF_HANDOFF_VERSION 2
#define VIF_HANDOFF_MAX_FDS 4     /* per message: a QUEUE's split channels */
#define VIF_HANDOFF_MAX_QUEUES 16 /* as the netback's VIF_MAX_QUEUES */

enum vif_handoff_type {
    VIF_HANDOFF_ATTACH = 1,
    VIF_HANDOFF_DETACH = 2,
    VIF_HANDOFF_DISABLED = 3, /* driver -> netback, no reply */
    VIF_HANDOFF_QUEUE = 4,    /* one queue of the ATTACH before it */
};

/* Where the rings live: how the driver reaches them. */
enum vif_handoff_platform {
    VIF_HANDOFF_PLATFORM_EMU = 1, /* memfd and eventfds travel (fds) */
    VIF_HANDOFF_PLATFORM_XEN = 2, /* the driver opens gntdev and evtchn */
};
#define VIF_HANDOFF_REPLY 0x100u /* or'ed into 'type' of a reply */

/* Negotiated frontend features (struct vif_features), as bits. */
#define VIF_HANDOFF_F_SG (1u << 0)
#define VIF_HANDOFF_F_GSO4 (1u << 1)
#define VIF_HANDOFF_F_GSO6 (1u << 2)
#define VIF_HANDOFF_F_IP_CSUM (1u << 3)
#define VIF_HANDOFF_F_IPV6_CSUM (1u << 4)
#define VIF_HANDOFF_F_RX_NOTIFY (1u << 5)
#define VIF_HANDOFF_F_MCAST (1u << 6)

struct vif_handoff_msg {
    uint32_t magic;                /* VIF_HANDOFF_MAGIC */
    uint32_t type;                 /* VIF_HANDOFF_*, | VIF_HANDOFF_REPLY */
    uint32_t error;                /* reply: 0 or a positive errno */
    uint16_t domid, devid;         /* the VIF */
    uint16_t backend_domid;        /* grants must be granted to this domain */
    uint16_t version;              /* VIF_HANDOFF_VERSION */
    uint32_t n_grants, n_pages;    /* ATTACH (emu): the memory's layout */
    uint32_t tx_ref, rx_ref;       /* QUEUE: the queue's ring grants */
    uint32_t tx_evtchn, rx_evtchn; /* QUEUE: guest ports, equal if shared */
    uint32_t features;             /* ATTACH: VIF_HANDOFF_F_* */
    uint16_t n_queues;             /* ATTACH: QUEUE messages to follow */
    uint16_t qid;                  /* QUEUE: which, 0..n_queues-1 */
    uint16_t platform;             /* ATTACH: VIF_HANDOFF_PLATFORM_* */
    uint16_t pad;
    char reason[72]; /* DISABLED, refusing reply: why, NUL-terminated */
};
_Static_assert(sizeof(struct vif_handoff_msg) == 128, "handoff message");
_Static_assert(offsetof(struct vif_handoff_msg, n_grants) == 20, "ofs");
_Static_assert(offsetof(struct vif_handoff_msg, reason) == 56, "ofs");

/* Checks 'm', an ATTACH or QUEUE message received with 'n_fds' fds, on its
 * own (the driver checks the sequence: 'next_qid' is the queue it waits for,
 * 'n_queues' the ATTACH's count).  Returns 0, or a positive errno with a
 * one-line reason in 'reason' (of 'size' bytes).  No logging. */
int vif_handoff_check(const struct vif_handoff_msg *m, size_t n_fds,
                      unsigned int next_qid, unsigned int n_queues,
                      char *reason, size_t size);

#endif /* vif-backend/dpdk/handoff.h */
