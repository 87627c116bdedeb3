/* vif-backend/dpdk/handoff.h: how xovs-netback hands a VIF's data path to
 * the net_xovs DPDK driver inside ovs-vswitchd, as a vhost-user front end
 * hands a VM's memory to a vhost-user port.
 *
 *   xovs-netback (control plane)            net_xovs in ovs-vswitchd
 *   -----------------------------           -----------------------------
 *   xenbus handshake, features, rings       listens on path=<socket> of its
 *   checked and bound (interface.c) ------> devargs (SOCK_SEQPACKET)
 *   ATTACH + fds by SCM_RIGHTS:             imports the memory (same checks
 *     [0] guest memory (memfd)              as the guest's own answer),
 *     [1] [2] TX event channel              maps the rings with the same
 *         (guest->backend, backend->guest)  grant checks (platform-emu.c),
 *     [3] [4] RX event channel (if split)   polls them in OVS's PMD thread
 *                                    <----- reply: error 0 or an errno
 *   DETACH (frontend gone, VIF offline) --> stops touching the rings (the
 *                                    <----- burst lock), unmaps, closes fds
 *   vif_fatal() as for any VIF       <----- DISABLED (unasked, once): the
 *   (then DETACH, from the control          guest broke the protocol; the
 *   path)                                   driver no longer touches its rings
 *
 * One message each way per request, struct vif_handoff_msg, fixed size.  A
 * closed connection is a DETACH.  The netback waits at most
 * VIF_HANDOFF_TIMEOUT_MS for a reply. */
#ifndef VIF_HANDOFF_H
#define VIF_HANDOFF_H 1

#include <stddef.h>
#include <stdint.h>

#define VIF_HANDOFF_MAGIC 0x584f5653u /* "XOVS" */
#define VIF_HANDOFF_TIMEOUT_MS 2000
#define VIF_HANDOFF_MAX_FDS 5

enum vif_handoff_type {
    VIF_HANDOFF_ATTACH = 1,
    VIF_HANDOFF_DETACH = 2,
    VIF_HANDOFF_DISABLED = 3, /* driver -> netback, no reply */
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
    uint32_t magic;         /* VIF_HANDOFF_MAGIC */
    uint32_t type;          /* VIF_HANDOFF_*, | VIF_HANDOFF_REPLY */
    uint32_t error;         /* reply: 0 or a positive errno */
    uint16_t domid, devid;  /* the VIF */
    uint16_t backend_domid; /* grants must be granted to this domain */
    uint16_t pad;
    uint32_t n_grants, n_pages;    /* ATTACH: the memory's layout */
    uint32_t tx_ref, rx_ref;       /* ATTACH: queue 0's ring grants */
    uint32_t tx_evtchn, rx_evtchn; /* ATTACH: guest ports, equal if shared */
    uint32_t features;             /* ATTACH: VIF_HANDOFF_F_* */
    uint32_t pad2;
    char reason[76]; /* DISABLED: why, NUL-terminated */
};
_Static_assert(sizeof(struct vif_handoff_msg) == 128, "handoff message");
_Static_assert(offsetof(struct vif_handoff_msg, n_grants) == 20, "ofs");

#endif /* vif-backend/dpdk/handoff.h */
