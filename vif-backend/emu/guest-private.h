/* vif-backend/emu/guest-private.h: what the files of xovs-guest share.
 *
 *   xovs-guest.c      main: options, signals, the toolstack's xenstore
 *                     nodes, the xenbus state machine (talk_to_netback,
 *                     netback_changed), the poll loop, the counters
 *   guest-netfront.c  the netif rings: queues and their grants, TX
 *                     (xennet_start_xmit, xennet_tx_buf_gc) and RX
 *                     (xennet_alloc_rx_buffers, xennet_poll)
 *   guest-rss.c       --rss: the control ring and the check of every
 *                     received frame's hash and queue
 *   guest-traffic.c   the "guest OS": a tap in a network namespace, the UDP
 *                     generator (the sink needs nothing)
 *
 * Who calls whom: xovs-guest.c calls the other three; guest-traffic.c hands
 * frames to guest-netfront.c (netfront_xmit) and gets them back from it
 * (traffic_deliver); guest-netfront.c has guest-rss.c check each received
 * frame (rss_check), and guest-rss.c grants its pages through
 * guest-netfront.c.  None calls into xovs-guest.c.
 *
 * Everything runs in one thread; 'struct guest' is the whole state. */
#ifndef VIF_EMU_GUEST_PRIVATE_H
#define VIF_EMU_GUEST_PRIVATE_H 1

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

/* ring.h wants these (Xen's tools get them from xenctrl.h); rmb and wmb
 * as acquire and release fences (see vif-private.h). */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define XEN_NETIF_DEFINE_TOEPLITZ /* netif.h's own, to check netback's */
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#define GUEST_PAGE 4096
#define GUEST_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, GUEST_PAGE)
#define GUEST_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, GUEST_PAGE)
#define GUEST_MAX_QUEUES 16
#define GUEST_NAPI_BUDGET 64
#define GUEST_RX_MODERATE_MS 1 /* see netfront_rx_poll() */
/* Busy polling (--generate, --sink; see guest_busy_poll()): entered when a
 * poll takes this many frames, left after GUEST_BUSY_IDLE_US without any,
 * with a pass through the main loop every GUEST_BUSY_SLICE_US. */
#define GUEST_BUSY_BATCH 32
#define GUEST_BUSY_IDLE_US 1000
#define GUEST_BUSY_SLICE_US 5000
#define GUEST_BUSY_NAP_US 20
#define GUEST_BUSY_CLOCK_PASSES 16
/* The generator refills its TX ring once this many slots are free (bigger
 * batches, fewer passes). */
#define GUEST_GEN_BATCH 64
/* A --peer-domid pair's generator polls at this rate and above (below, the
 * 1 ms timer paces it: a ring's worth a millisecond at most). */
#define GUEST_GEN_POLL_PPS 100000
/* A frame, as read from the tap: up to 64 KiB (GSO) plus headroom. */
#define GUEST_FRAME_MAX (XEN_NETIF_MAX_TX_SIZE + 1)
#define GUEST_NO_REF UINT32_MAX

_Static_assert(GUEST_TX_RING_SIZE == 256 && GUEST_RX_RING_SIZE == 256,
               "ring sizes");

/* --rss: entries of the hash mapping table (guest-rss.c). */
#define RSS_MAPPING_SIZE 128

/* What RSS saw on receive. */
struct rss_counters {
    unsigned long long hashed;      /* frames with a hash extra */
    unsigned long long bad_hash;    /* its type or value is not ours */
    unsigned long long wrong_queue; /* not on the queue our mapping names */
    unsigned long long unhashed;    /* IP frames without one (once on) */
};

enum guest_mode { GUEST_MODE_NETNS, GUEST_MODE_GENERATE, GUEST_MODE_SINK };

struct guest_counters {
    unsigned long long tx_packets, tx_bytes, tx_drops, tx_errors;
    unsigned long long rx_packets, rx_bytes, rx_drops, rx_errors;
};

struct guest_queue {
    unsigned int idx;
    bool up;     /* rings exist */
    bool broken; /* protocol violation seen: no traffic */

    uint32_t tx_ring_frame, rx_ring_frame;
    uint32_t tx_ring_ref, rx_ring_ref;
    struct netif_tx_front_ring tx;
    struct netif_rx_front_ring rx;
    uint32_t tx_evtchn, rx_evtchn; /* equal unless split */

    /* TX: one page per id, granted per request. */
    uint32_t tx_frame[GUEST_TX_RING_SIZE];
    uint32_t tx_ref[GUEST_TX_RING_SIZE];  /* GUEST_NO_REF when the id is
                                           * free */
    uint16_t tx_free[GUEST_TX_RING_SIZE]; /* free ids (a stack) */
    size_t n_tx_free;
    /* Requests written since the last push, their grants still to make
     * (netfront_tx_push() grants them in one call): ring index and id. */
    RING_IDX tx_ungranted_idx[GUEST_TX_RING_SIZE];
    uint16_t tx_ungranted_id[GUEST_TX_RING_SIZE];
    size_t n_tx_ungranted;

    /* RX: buffer i is ring index i (netfront's xennet_rxidx()). */
    uint32_t rx_frame[GUEST_RX_RING_SIZE];
    uint32_t rx_ref[GUEST_RX_RING_SIZE]; /* GUEST_NO_REF when not posted */
    RING_IDX rx_released;                /* buffers revoked up to here (at
                                          * least rsp_cons) */

    bool rx_moderated; /* RX event asked for half a ring on: poll again
                        * within GUEST_RX_MODERATE_MS */
    int tap_fd;        /* -1 without a tap */
    unsigned long long gen_seq;
};

struct guest {
    /* Settings. */
    uint16_t domid, devid, backend_domid;
    uint8_t mac[6], dst_mac[6];
    uint32_t dst_ip;
    unsigned int n_queues_wanted;
    enum guest_mode mode;
    char *netns;
    size_t gen_size;
    unsigned long long gen_pps;
    char *xs_path;
    char *bridge;
    bool initialised; /* Initialised before Connected */
    bool rss;         /* --rss: Toeplitz hash over the control ring */

    /* Platform and xenstore. */
    struct vif_emu_dom *dom;
    struct xs_handle *xs0; /* as dom0 (toolstack work) */
    struct xs_handle *xs;  /* as the guest */
    char *fe_path, *be_path;
    bool wrote_skeleton;
    uint16_t be_id;

    /* xenbus. */
    enum xenbus_state state;
    enum xenbus_state be_state;
    bool closing; /* SIGTERM seen */
    long long int close_deadline;

    /* Backend features. */
    bool be_sg, be_gso4, be_gso6, be_ipv6_csum;

    /* Control ring (--rss with a backend offering feature-ctrl-ring). */
    bool ctrl_up;
    struct xen_netif_ctrl_front_ring ctrl;
    uint32_t ctrl_frame, ctrl_ref, ctrl_evtchn;
    uint32_t key_frame, key_ref, map_frame, map_ref;
    unsigned int n_ctrl_sent, n_ctrl_done; /* requests posted, answered */
    bool rss_on;                           /* every one succeeded */
    uint32_t rss_map[RSS_MAPPING_SIZE];
    struct rss_counters rss_c;

    struct guest_queue queues[GUEST_MAX_QUEUES];
    unsigned int n_queues;
    bool be_multi_queue; /* the backend wrote multi-queue-max-queues */
    unsigned int rr;     /* queue served first this round (rotates: a queue
                          * always served first would get its frames through
                          * first, and the others' dropped, under overload) */
    int tap_fds[GUEST_MAX_QUEUES];
    unsigned int n_taps;
    int ctl_sock; /* a socket in eth0's namespace (for its MTU), or -1 */

    struct guest_counters c, last_c;
    struct guest_counters qc[GUEST_MAX_QUEUES]; /* per queue (ring), all
                                                 * connections */
    unsigned int n_queues_used;                 /* most queues ever
                                                 * connected */
    long long int gen_last_ns;
    double gen_tokens;
    bool gen_stopped; /* --peer-domid pair: its sink not connected yet, or
                       * ending: send nothing */
    bool announced;   /* --sink: gratuitous ARP sent this second */
    bool busy;        /* frames flow: the rings are polled, no events asked
                       * for (guest_busy_poll()) */
    long long int busy_last_us; /* when a busy poll last found work */
    unsigned long long n_busy;  /* times busy polling began */

    uint8_t *frame; /* scratch, GUEST_FRAME_MAX bytes */
    uint64_t n_events, n_spurious;
};

/* guest-netfront.c */

/* Grants 'frame' to the backend.  Returns 0 or a positive errno. */
int netfront_grant(struct guest *, uint32_t frame, bool readonly,
                   uint32_t *ref);
/* Revokes 'ref' (if granted) and frees 'frame' (if allocated). */
void netfront_page_release(struct guest *, uint32_t *ref, uint32_t *frame);
/* Queue 'idx' of 'q' as setup_netfront() makes it: rings granted, pages
 * allocated, event channel(s) allocated ('split': one each for TX and RX).
 * Returns 0 or a positive errno; netfront_queue_destroy() cleans up. */
int netfront_queue_setup(struct guest *, struct guest_queue *,
                         unsigned int idx, bool split);
void netfront_queue_destroy(struct guest *, struct guest_queue *);
/* Takes the TX responses and revokes their grants. */
void netfront_tx_gc(struct guest *, struct guest_queue *);
/* Whether 'q' has room for one more packet. */
bool netfront_tx_room(const struct guest_queue *);
/* One frame onto 'q' (not yet pushed); 'vh' may be NULL.  Dropped and
 * counted if the ring or the backend cannot take it. */
void netfront_xmit(struct guest *, struct guest_queue *,
                   const struct virtio_net_hdr *vh, const uint8_t *frame,
                   size_t len);
/* Pushes the TX requests, notifying the backend if it asked for it. */
void netfront_tx_push(struct guest *, struct guest_queue *);
/* Keeps the RX ring full of granted buffers. */
void netfront_rx_refill(struct guest *, struct guest_queue *);
/* Takes the RX responses (budgeted).  True if work is left. */
bool netfront_rx_poll(struct guest *, struct guest_queue *);

/* guest-rss.c */

/* The control ring, the key page and the mapping page, granted; an event
 * channel.  Returns 0 or a positive errno; rss_destroy() cleans up. */
int rss_setup(struct guest *);
void rss_destroy(struct guest *);
/* Posts the whole hash configuration; rss_poll() checks the answers. */
void rss_post(struct guest *);
void rss_poll(struct guest *);
/* Checks a frame received on 'q' against our hash configuration ('hash':
 * its hash extra, or NULL). */
void rss_check(struct guest *, const struct guest_queue *q, const uint8_t *f,
               size_t len, const struct netif_extra_info *hash);

/* guest-traffic.c */

/* eth0 in --netns, one tap queue per queue wanted.  Returns 0 or a
 * positive errno (logged). */
int traffic_create_tap(struct guest *);
/* What the tap may hand us, given the backend's features. */
void traffic_set_tap_offloads(struct guest *);
/* Gives eth0 the MTU the backend wrote in its "mtu" node (the toolstack's
 * value, as Linux netfront takes it), if there is one; logs. */
void traffic_apply_backend_mtu(struct guest *);
/* Frames from the tap of 'q' onto its TX ring (budgeted). */
void traffic_tap_tx(struct guest *, struct guest_queue *);
/* A gratuitous ARP from our MAC on queue 0 (--sink), so that the switch
 * learns where we are. */
void traffic_announce(struct guest *);
/* Generated UDP frames onto every queue (--generate); returns how many. */
size_t traffic_generate(struct guest *);
/* A received frame to the guest OS: the tap of 'q', if there is one. */
void traffic_deliver(struct guest *, struct guest_queue *,
                     const struct virtio_net_hdr *, const uint8_t *frame,
                     size_t len);

#endif /* vif-backend/emu/guest-private.h */
