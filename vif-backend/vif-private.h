/* vif-backend/vif-private.h: what the netback core's files share.
 *
 *   interface.c  VIF and queue life cycle, event dispatch, run/wait
 *   backend.c    the backend object: VIF table, xenstore connection and
 *                watches, budgets, start-up cleanup, vif/show
 *   xenbus.c     the per-VIF xenbus state machine, negotiation
 *   tx.c         guest -> port: the TX ring parser and grant copies
 *   rx.c         port -> guest: the bounded RX queue, RX ring, responses
 *   ctrl.c       control ring: Toeplitz hash configuration, queue choice
 *   rate.c       credit scheduler for the "rate" key
 *   hotplug.c    runs the hotplug script
 *   datapath.c   asks the agent whether a VIF is a DPDK VIF
 *   error.c      VIF log lines, vif_fatal()
 *   pkt.c        header parsing, checksums, hash input (pkt.h)
 *   platform.c   the calls into a platform class (platform.h)
 *   port.c       the calls into a port class (port.h)
 *
 * Who calls whom (each file only calls files further down this list, so
 * the graph has no cycle; checked with nm on the objects):
 *
 *   backend.c    xenbus.c datapath.c interface.c rate.c hotplug.c error.c
 *                platform.c port.c
 *   xenbus.c     datapath.c interface.c rate.c hotplug.c error.c
 *                platform.c port.c
 *   datapath.c   nothing of the core
 *   interface.c  tx.c rx.c ctrl.c rate.c error.c platform.c port.c
 *   tx.c         rate.c error.c pkt.c platform.c port.c
 *   rx.c         ctrl.c error.c pkt.c platform.c port.c
 *   ctrl.c       error.c pkt.c platform.c
 *   rate.c, hotplug.c, error.c: nothing of the core
 *   pkt.c, platform.c, port.c: nothing; they include only their own
 *                header, not this one
 *
 *           backend.c
 *               |
 *           xenbus.c
 *               |
 *          interface.c
 *          /    |    \
 *       tx.c  rx.c -> ctrl.c
 *          \    |    /
 *   rate.c error.c pkt.c platform.c port.c
 *
 * A VIF (struct vif) has 1..VIF_MAX_QUEUES queues (struct vif_queue), each
 * with its own TX and RX ring and event channel(s).  The data path (tx.c,
 * rx.c, ctrl.c) never tears anything down: on a protocol violation it calls
 * vif_fatal(), which only marks the VIF disabled (XSA-90); interface.c tears
 * the rings down from the control path. */
#ifndef VIF_PRIVATE_H
#define VIF_PRIVATE_H 1

/* ring.h needs memory barriers; supply them as C11 fences and ask for the
 * current interface so it does not define its own.  rmb orders loads and
 * wmb stores, which acquire and release fences do (and more): on x86 they
 * cost nothing but the compiler's ordering, as Linux's virt_rmb() and
 * virt_wmb(), where a sequentially consistent fence is a locked
 * instruction on every request parsed; only mb (a store before a load,
 * the event checks) needs one. */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <xen/io/netif.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "openvswitch/token-bucket.h"
#include "vif-backend/platform.h"
#include "vif-backend/port.h"
#include "vif-backend/vif.h"

#define VIF_MAX_QUEUES 16
#define VIF_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, VIF_PAGE_SIZE)
#define VIF_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, VIF_PAGE_SIZE)
#define VIF_ETH_HLEN 14

/* TX limits, as Linux netback's. */
#define VIF_TX_SLOTS_MAX XEN_NETIF_NR_SLOTS_MIN /* more slots: drop */
#define VIF_TX_SLOTS_FATAL 20                   /* this many: disable */
#define VIF_TX_BUDGET 64                        /* packets per queue per run */
#define VIF_TX_BATCH_BYTES (256 * 1024)

/* RX limits (XSA-392). */
#define VIF_RX_QUEUE_BYTES (VIF_RX_RING_SIZE / 2 * VIF_PAGE_SIZE)
#define VIF_RX_BUDGET 64 /* packets per queue per run */
/* Queued frames up to this many bytes reuse buffers (rx.c). */
#define VIF_RX_PKT_POOLED 2048
#define VIF_RX_DRAIN_MS 10000        /* queued longer: dropped */
#define VIF_RX_DRAIN_NO_NOTIFY_MS 30 /* same, no feature-rx-notify */
#define VIF_RX_STALL_MS 60000        /* no progress: carrier off */

#define VIF_MCAST_MAX 64 /* multicast addresses a guest may register */

/* Guest isolation (xenbus.c).  A frontend's xenstore changes are acted on
 * at most VIF_FE_UPDATE_RATE times a second after a burst of
 * VIF_FE_UPDATE_BURST (a normal connect needs about 5); further changes
 * wait, coalesced.  Log lines a guest can cause go through its VIF's own
 * rate limit: VIF_LOG_BURST lines, then VIF_LOG_RATE a minute. */
#define VIF_FE_UPDATE_RATE 8
#define VIF_FE_UPDATE_BURST 16
#define VIF_LOG_RATE 30
#define VIF_LOG_BURST 20

/* Toeplitz hash (ctrl.c), as Linux netback's limits. */
#define VIF_HASH_KEY_SIZE 40
#define VIF_HASH_MAPPING_SIZE 128

/* Every per-queue counter, with what it counts.  The names are what
 * vif/show and the agent report print. */
#define VIF_STATS                                                             \
    VIF_STAT(tx_packets, "frames from the guest sent to the port")            \
    VIF_STAT(tx_bytes, "their bytes")                                         \
    VIF_STAT(tx_gso, "of them GSO frames")                                    \
    VIF_STAT(rx_packets, "frames from the port delivered to the guest")       \
    VIF_STAT(rx_bytes, "their bytes")                                         \
    VIF_STAT(rx_gso, "of them GSO frames")                                    \
    VIF_STAT(tx_drop_slots, "TX dropped: more than 18 slots")                 \
    VIF_STAT(tx_drop_slot_size, "TX dropped: slot larger than the rest")      \
    VIF_STAT(tx_drop_short, "TX dropped: first slot < Ethernet header")       \
    VIF_STAT(tx_drop_copy, "TX dropped: grant copy failed")                   \
    VIF_STAT(tx_drop_headers, "TX dropped: bad headers for csum/GSO")         \
    VIF_STAT(tx_drop_port, "TX dropped: the port refused the frame")          \
    VIF_STAT(tx_mcast_error, "multicast add refused (limit)")                 \
    VIF_STAT(tx_rate_limited, "times TX waited for credit")                   \
    VIF_STAT(rx_drop_queue_full, "RX dropped: queue full")                    \
    VIF_STAT(rx_drop_expired, "RX dropped: queued too long")                  \
    VIF_STAT(rx_drop_stalled, "RX dropped: guest stalled, carrier off")       \
    VIF_STAT(rx_drop_too_big, "RX dropped: frame the guest cannot take")      \
    VIF_STAT(rx_drop_mcast, "RX dropped: multicast not registered")           \
    VIF_STAT(rx_copy_errors, "RX frames whose grant copy failed")             \
    VIF_STAT(rx_stalls, "times the RX ring stalled for 60 s")                 \
    VIF_STAT(spurious_events, "event notifications with no work")             \
    VIF_STAT(ctrl_requests, "control ring requests")                          \
    VIF_STAT(errors, "fatal protocol errors (VIF disabled)")

struct vif_stats {
#define VIF_STAT(NAME, DESC) uint64_t NAME;
    VIF_STATS
#undef VIF_STAT
};

/* Adds 'b' into 'a'. */
void vif_stats_add(struct vif_stats *a, const struct vif_stats *b);
/* "name=value,name=value..." (malloc'd). */
char *vif_stats_format(const struct vif_stats *);

/* rate.c: credit scheduler (Linux netback's tx_credit_exceeded); one per
 * VIF, shared by its queues. */
struct vif_credit {
    uint64_t bytes;         /* credit per window; 0 = unlimited */
    uint64_t usec;          /* window length */
    uint64_t remaining;     /* credit left in this window */
    long long window_start; /* usec (time_usec()); advances by 'usec' */
    long long wake_usec;    /* when to retry after running out, or 0 */
};

/* Parses 'text' strictly as "BYTES,USEC" (decimal, BYTES >= 1, USEC >= 1).
 * Returns true and sets '*bytes', '*usec' on success. */
bool vif_rate_parse(const char *text, uint64_t *bytes, uint64_t *usec);
/* (Re)configures; 'bytes' 0 means unlimited.  Keeps the current window. */
void vif_credit_set(struct vif_credit *, uint64_t bytes, uint64_t usec,
                    long long now_usec);
/* Whether a packet of 'size' bytes may go now; if so its size is charged.
 * If not, 'wake_usec' says when to try again. */
bool vif_credit_take(struct vif_credit *, uint32_t size, long long now_usec);

struct vif;
/* Brings the VIF's bucket ('credit') in line with 'rate_bytes' and
 * 'rate_usec' (what xenbus.c last read from "rate") if they changed. */
void vif_rate_sync(struct vif *, long long now_usec);
/* vif_rate_sync(), then vif_credit_take() on the VIF's bucket. */
bool vif_rate_take(struct vif *, uint32_t size, long long now_usec);

/* ctrl.c: hash configuration (per VIF). */
struct vif_hash {
    uint32_t alg;   /* XEN_NETIF_CTRL_HASH_ALGORITHM_* */
    uint32_t flags; /* XEN_NETIF_CTRL_HASH_TYPE_* */
    uint8_t key[VIF_HASH_KEY_SIZE];
    uint32_t mapping[2][VIF_HASH_MAPPING_SIZE]; /* double buffered */
    unsigned int sel;                           /* live half of 'mapping' */
    uint32_t size;                              /* entries in use, 0 = none */
};

struct vif;

/* One RX frame waiting for ring space. */
struct vif_rx_pkt {
    struct ovs_list node; /* in vif_queue's 'rx_queue' */
    long long enqueued;   /* time_msec() */
    struct virtio_net_hdr vnet;
    bool hashed;
    uint8_t hash_type; /* _XEN_NETIF_CTRL_HASH_TYPE_* bit number */
    uint32_t hash;
    size_t size;
    uint8_t *data; /* the frame: right after this struct when queued, or
                    * the caller's for vif_rx_deliver() */
    bool pooled;   /* queued: a buffer of VIF_RX_PKT_POOLED bytes that
                    * goes back to rx.c's free stack */
};

struct vif_queue {
    struct vif *vif;
    unsigned int id;
    bool connected; /* rings mapped, channels bound */

    struct netif_tx_back_ring tx;
    struct netif_rx_back_ring rx;
    struct vif_mapping *tx_map, *rx_map;
    uint32_t tx_evtchn, rx_evtchn; /* local ports; equal if not split */
    bool tx_evtchn_bound, rx_evtchn_bound;
    bool tx_event, rx_event;   /* work to look at */
    bool tx_masked, rx_masked; /* fired: unmask once handled */
    unsigned int n_spurious;   /* spurious events in a row */
    long long unmask_at;       /* deferred unmask (ms), 0 = none */

    /* RX */
    struct ovs_list rx_queue; /* struct vif_rx_pkt, oldest first */
    size_t rx_queue_bytes;
    long long last_rx_time; /* last progress, or when we began to wait
                             * (ms) */
    bool stalled;           /* carrier is off because of us */
    RING_IDX rx_seen;       /* req_prod when we last looked */

    uint8_t *tx_buf; /* VIF_TX_BATCH_BYTES + one frame */
    struct vif_stats stats;

    /* What the frontend gave (vif_queue_connect()), for a hand-off. */
    uint32_t tx_ref, rx_ref;
    uint32_t tx_remote, rx_remote; /* its event-channel ports */
};

/* Negotiated with the frontend. */
struct vif_features {
    bool sg, gso4, gso6, ip_csum, ipv6_csum, rx_notify, mcast_control;
};

/* Whether a VIF's data path is known (datapath.c). */
enum vif_dp_state {
    VIF_DP_UNKNOWN, /* not asked since the last probe */
    VIF_DP_ASKING,  /* waiting for the agent */
    VIF_DP_KNOWN,   /* 'dp_want' holds */
};

struct vif {
    /* Identity and the things it runs on. */
    struct hmap_node node; /* in vif_backend's 'vifs' */
    uint16_t domid, devid;
    char name[16]; /* "vif<D>.<N>" */
    struct vif_platform *platform;
    const struct vif_port_class *port_class;
    struct vif_port *port;  /* NULL while offline */
    struct vif_backend *be; /* NULL in unit tests */

    /* Data path. */
    struct vif_features features;
    struct vif_queue queues[VIF_MAX_QUEUES];
    size_t n_queues; /* connected queues */
    unsigned int rr; /* queue served first in this run (rotates, so no
                      * queue always goes first, see vif_run()) */
    bool disabled;   /* protocol violation: tear down */
    bool tx_sw_csum; /* complete TX checksums ourselves */
    bool polled;     /* the rings are polled (net_xovs): ask the guest for
                      * no events (req_event left alone) */
    char *disable_reason;

    struct xen_netif_ctrl_back_ring ctrl;
    struct vif_mapping *ctrl_map;
    uint32_t ctrl_evtchn;
    bool ctrl_connected, ctrl_event, ctrl_masked;
    bool carrier; /* what we last told the port */
    struct vif_hash hash;

    uint8_t mcast[VIF_MCAST_MAX][6];
    size_t n_mcast;

    uint64_t rate_bytes, rate_usec; /* from "rate"; 0 = unlimited */
    struct vif_credit credit;       /* "rate", all queues together */
    struct vif_stats dead_stats;    /* counters of queues since torn down */

    /* DPDK data path (handoff.c): the rings run in the net_xovs driver. */
    bool dpdk;                  /* this VIF's port is a net_xovs one */
    char *dpdk_path;            /* the driver's socket */
    unsigned int dpdk_queues;   /* queues its port was plugged with, or 0 */
    int handoff_fd;             /* connection to the driver, or -1 */
    long long handoff_retry_at; /* next attempt to hand over (ms) */
    /* Which data path it wants (datapath.c), asked at each probe. */
    enum vif_dp_state dp_state;
    bool dp_want;          /* KNOWN: a DPDK port */
    int dp_fd;             /* ASKING: the connection to the agent, or -1 */
    long long dp_deadline; /* ASKING: then --dpdk-default decides */
    struct ds dp_reply;    /* ASKING: the answer so far */

    /* xenbus (xenbus.c); unused in unit tests. */
    char *be_path;          /* /local/domain/0/backend/vif/D/N */
    char *fe_path;          /* the frontend directory */
    char *rate_text;        /* last "rate" seen, to log changes */
    int be_state, fe_state; /* XenbusState* */
    bool probed;            /* features written, port open */
    bool dirty;             /* xenstore changed: re-evaluate */
    bool failed;            /* xenstore data invalid; wait for the
                             * frontend to change state */
    bool hotplug_connected; /* hotplug-status=connected seen */
    bool online;
    bool fe_watched;
    bool gone;          /* offline after the frontend went Closed
                         * (online=0) or Unknown, or its domain died:
                         * probed again only once the toolstack sets
                         * the backend state to Initialising */
    bool fe_introduced; /* its domain was introduced to xenstore */
    bool await_reset;   /* found Connected at probe: wait until it
                         * renegotiates (new ring keys) */
    char *fe_sig;       /* frontend ring keys seen at probe or
                         * connect, to notice a renegotiation */

    /* Guest isolation (xenbus.c). */
    bool fe_dirty;                 /* a frontend node changed: re-evaluate
                                    * within 'fe_budget' */
    bool fe_throttled;             /* waiting for 'fe_budget' */
    struct token_bucket fe_budget; /* re-evaluations a frontend causes */
    uint64_t n_fe_updates;         /* re-evaluations caused by the frontend */
    uint64_t n_fe_throttled;       /* times they had to wait for the budget */
    long long retry_at;            /* xenstore failed: re-evaluate then (ms) */
    bool xs_recheck;               /* xenstore reconnected: a missing backend
                                    * directory means the store lost it */
    bool release_check;            /* @releaseDomain fired: ask whether
                                    * its domain is still there */
    bool orphan;                   /* backend directory lost with the store:
                                    * served until its domain dies */
    struct vlog_rate_limit log_rl; /* lines this VIF's guest can cause */
};

/* error.c */

/* Logs (rate-limited, at 'level') a line prefixed with the VIF's name. */
#define VIF_LOG(LEVEL, RL, VIF, ...)                                          \
    vif_log(&this_module, LEVEL, RL, VIF, __VA_ARGS__)
void vif_log(struct vlog_module *, enum vlog_level, struct vlog_rate_limit *,
             const struct vif *, const char *format, ...)
    OVS_PRINTF_FORMAT(5, 6);
/* The same through the VIF's own limit, for lines its guest can cause (a
 * noisy guest then silences only its own lines). */
#define VIF_GLOG(LEVEL, VIF, ...)                                             \
    vif_log(&this_module, LEVEL, &(VIF)->log_rl, VIF, __VA_ARGS__)

/* Marks 'vif' disabled after a protocol violation 'reason' (logged once).
 * Safe from the data path: nothing is freed or unmapped here. */
void vif_fatal(struct vif *, const char *reason, ...) OVS_PRINTF_FORMAT(2, 3);

/* interface.c */

/* Initializes 'vif' (already zeroed or not) for domain 'domid', device
 * 'devid', using 'platform' and ports of 'port_class'. */
void vif_init(struct vif *, struct vif_platform *,
              const struct vif_port_class *port_class, uint16_t domid,
              uint16_t devid);

/* Per-queue frontend data (xenbus.c reads it from xenstore). */
struct vif_queue_config {
    uint32_t tx_ref, rx_ref;
    uint32_t tx_evtchn, rx_evtchn; /* equal if not split */
};

/* Maps the rings and binds the channels of queue 'i' (which must be the
 * next one, vif->n_queues).  Refuses rings whose producer is more than a
 * ring ahead of the consumer (XSA-39).  Returns 0 or a positive errno;
 * logs. */
int vif_queue_connect(struct vif *, size_t i, const struct vif_queue_config *);
/* Maps the control ring.  Returns 0 or a positive errno; logs. */
int vif_ctrl_connect(struct vif *, uint32_t ref, uint32_t evtchn);
/* Tears down every queue and the control ring; frees queued RX frames.
 * Leaves the port alone.  Accepts a VIF that is not connected. */
void vif_disconnect(struct vif *);

/* Handles the event fired on local port 'port' of this VIF, if it is one of
 * its ports.  Returns true if it was. */
bool vif_handle_event(struct vif *, uint32_t port);

/* Does all pending work of 'vif': rings, port, timers, deferred unmasks.
 * Tears the VIF down (rings only) if it was disabled. */
void vif_run(struct vif *);
void vif_wait(struct vif *);

/* Sums the counters of every queue, live and gone. */
void vif_get_stats(const struct vif *, struct vif_stats *);
/* Appends one line per connected queue to 'out': "  queue N: tx_packets=..
 * tx_bytes=.. rx_packets=.. rx_bytes=.. tx_rate_limited=..
 * rx_drop_queue_full=.. rx_queued=.." (the last: frames waiting for ring
 * space now).  Counters of this connection only: a queue's counters go into
 * the VIF's totals when it is torn down. */
void vif_format_queues(const struct vif *, struct ds *out);

/* Port offloads matching the negotiated features. */
unsigned int vif_offloads(const struct vif *);

/* tx.c */

/* Where vif_tx_run() puts the frames of a guest: the port (vif_tx_action())
 * or a caller's own buffers (the DPDK driver's mbufs), so that a frame is
 * copied once, from guest memory straight into them. */
struct vif_tx_sink {
    /* A contiguous buffer for a frame of 'size' bytes (at most
     * VIF_PORT_MAX_FRAME), or NULL: then the frame is dropped (counted
     * tx_drop_port; the guest gets an OKAY response, as from a port that
     * refused it).  '*handle' goes back to put() or drop(). */
    void *(*alloc)(void *aux, size_t size, void **handle);
    /* The frame in 'frame' (the buffer alloc() gave) is complete: 0, or an
     * errno after which it counts as dropped (the sink has freed it). */
    int (*put)(void *aux, void *handle, const struct virtio_net_hdr *,
               void *frame, size_t size);
    /* The frame was dropped before put() (copy failed, bad headers). */
    void (*drop)(void *aux, void *handle);
    void *aux;
};

/* Processes up to 'max_pkts' (at most VIF_TX_BUDGET) packets of the TX ring
 * of 'q' into 'sink': one batch of grant copies, one push of responses with
 * a notification only if the ring asks, the final check for requests.
 * Returns true if it found any request (so an event was not spurious). */
bool vif_tx_run(struct vif_queue *q, const struct vif_tx_sink *,
                size_t max_pkts);
/* vif_tx_run() of up to VIF_TX_BUDGET packets into the VIF's port. */
bool vif_tx_action(struct vif_queue *q);
/* Whether the TX ring has unconsumed requests. */
bool vif_tx_pending(const struct vif_queue *q);
/* Fills a virtio_net_hdr for 'frame' from the TX flags and GSO extra.
 * Returns false if the headers cannot carry what the flags ask for. */
bool vif_tx_vnet_hdr(uint8_t *frame, size_t size, uint16_t flags,
                     const struct netif_extra_info *gso,
                     struct virtio_net_hdr *vnet);

/* rx.c */

/* Reads frames from the port into the RX queues (budgeted). */
void vif_rx_port_run(struct vif *);
/* Queues 'pkt' (from vif_rx_port_run(), taken) on its queue at time 'now'
 * (time_msec()); drops it if the frame cannot be delivered or the queue is
 * full. */
void vif_rx_enqueue(struct vif_queue *q, struct vif_rx_pkt *pkt,
                    long long now);
/* Moves queued frames into the guest's RX ring (budgeted).  Returns true if
 * the ring had requests we had not seen. */
bool vif_rx_action(struct vif_queue *q);
/* Delivers the caller's frames 'pkts' (at most VIF_RX_BUDGET, with 'data'
 * pointing at the caller's buffers, e.g. a DPDK driver's mbufs) straight
 * into the guest's RX ring, with the same checks as vif_rx_enqueue() and
 * one batch of grant copies, one push of responses, a notification only if
 * the ring asks.  Stops at the first frame the ring has no room for.
 * Returns how many of 'pkts' it consumed (delivered or dropped, counted):
 * the caller may free those; the rest it still owns. */
size_t vif_rx_deliver(struct vif_queue *q, struct vif_rx_pkt *const *pkts,
                      size_t n);
/* Expires old frames, detects a stall and recovery. */
void vif_rx_check_timers(struct vif_queue *q, long long now);
/* Frees every queued frame. */
void vif_rx_purge(struct vif_queue *q);
/* Slots the head frame needs, 0 if the queue is empty. */
unsigned int vif_rx_slots_needed(const struct vif_queue *q,
                                 const struct vif_rx_pkt *pkt);
/* Whether the multicast filter lets 'dst' through. */
bool vif_mcast_allowed(const struct vif *, const uint8_t dst[6]);

/* handoff.c: handing the data path of a DPDK VIF (vif->dpdk) to the
 * net_xovs driver (vif-backend/dpdk/handoff.h).  interface.c leaves the
 * rings of such a VIF alone: it only connects them (checks, event channel
 * binding) and calls these. */

/* Hands the connected rings over if not done yet (retried every
 * VIF_HANDOFF_RETRY_MS while the driver is not there), notices the driver
 * going away.  Logs. */
void vif_handoff_run(struct vif *);
void vif_handoff_wait(struct vif *);
/* Takes the data path back: the driver stops touching the rings and
 * unmaps them before this returns (or the connection is closed).  Does
 * nothing unless handed over. */
void vif_handoff_detach(struct vif *);

#define VIF_HANDOFF_RETRY_MS 200

/* ctrl.c */

/* Answers every request on the control ring.  Returns true if there were
 * any. */
bool vif_ctrl_action(struct vif *);
/* Computes the frame's hash as configured; false if none applies. */
bool vif_hash_frame(const struct vif *, const uint8_t *frame, size_t size,
                    uint32_t *hash, uint8_t *type);
/* The queue a frame with 'hash' goes to. */
size_t vif_hash_queue(const struct vif *, uint32_t hash);
uint32_t vif_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *buf,
                      size_t len);
/* Resets the hash configuration to none. */
void vif_hash_reset(struct vif_hash *);

/* rate.c: also used by xenbus.c. */

/* Parses 'text' as an unsigned decimal in [min, max]; false otherwise. */
bool vif_parse_uint(const char *text, unsigned long long min,
                    unsigned long long max, unsigned long long *value);

/* xenbus.c and backend.c: the backend object (backend.c) and the per-VIF
 * state machine it drives (xenbus.c). */

#define VIF_DOMID_MAX 0x7fef /* DOMID_FIRST_RESERVED - 1 */

struct vif_backend {
    struct vif_platform *platform;
    const struct vif_port_class *port_class;
    uint16_t domid;
    unsigned int max_queues;
    enum vif_offload offload;      /* as configured (may be AUTO) */
    enum vif_offload last_offload; /* what AUTO last resolved to, or AUTO */
    char *hotplug_script;
    char *agent_rpc;
    char *xenstore_path;
    char *dpdk_dir;    /* net_xovs sockets; NULL: no DPDK VIFs */
    size_t n_dpdk;     /* VIFs with a DPDK port */
    size_t max_dpdk;   /* at most this many (<= VIF_DPDK_MAX) */
    bool dpdk_default; /* DPDK for VIFs the agent has no record of */

    struct xs_handle *xs;    /* NULL while the connection is lost */
    char *base;              /* /local/domain/<domid>/backend/vif */
    struct hmap vifs;        /* struct vif, by hash of domid/devid */
    bool rescan;             /* list 'base' again */
    bool released;           /* @releaseDomain fired: check the domains */
    size_t n_release_checks; /* nonzero: VIFs marked 'release_check' may
                              * remain (a pass over its budget) */

    /* The xenstore connection (backend.c, "Lost xenstore connection"). */
    unsigned long long n_xs_errors;  /* calls failed other than ENOENT */
    unsigned long long n_xs_checked; /* 'n_xs_errors' at the last check */
    long long xs_check_at;           /* next keep-alive (time_msec()) */
    long long xs_retry_at;           /* next reconnect attempt */
    unsigned int n_reconnects;
};

#define XB_RELEASE_BUDGET                                                     \
    16                         /* VIFs taken down per round after             \
                                * @releaseDomain (backend.c) */
#define XS_KEEPALIVE_MS 1000   /* how often the connection is checked */
#define XS_RETRY_MS 1000       /* reconnect attempts while it is lost */
#define XS_ERROR_RETRY_MS 1000 /* a VIF whose re-read failed: again */

/* "Initialising", ... for a XenbusState, "invalid" for others. */
const char *vif_xb_state_name(int state);
/* The value of 'dir'/'key' ('dir' itself if 'key' is NULL), malloc'd; or
 * NULL with errno ENOENT if absent, or NULL with another errno if xenstore
 * failed (counted in 'n_xs_errors', logged). */
char *vif_xb_read(struct vif_backend *, const char *dir, const char *key);
/* Counts and logs a failed xenstore call 'what' on 'path'. */
void vif_xb_error(struct vif_backend *, const char *what, const char *path,
                  int error);
/* Writes the VIF's backend state (only while its directory exists). */
void vif_xb_set_state(struct vif_backend *, struct vif *, int state);
/* Watches / stops watching the VIF's frontend directory. */
bool vif_xb_watch_fe(struct vif_backend *, struct vif *);
void vif_xb_unwatch_fe(struct vif_backend *, struct vif *);
/* Closes the VIF's port and removes the device. */
void vif_xb_port_destroy(struct vif *);
/* Unplugs the VIF: rings down, hotplug "offline", port removed, frontend
 * no longer watched. */
void vif_xb_offline(struct vif_backend *, struct vif *);
/* Re-evaluates the VIF from xenstore.  Returns false if it must be freed
 * (its backend directory was removed). */
bool vif_xb_update(struct vif_backend *, struct vif *);

/* datapath.c: whether a VIF gets a DPDK port (see the file comment). */

/* True if 'vif''s data path is known ('vif->dp_want'); otherwise asks the
 * agent (once) and returns false: the answer marks the VIF dirty. */
bool vif_dp_decided(struct vif_backend *, struct vif *);
void vif_dp_run(struct vif_backend *, struct vif *);
void vif_dp_wait(const struct vif *);
/* Forgets the answer (the VIF went offline): the next probe asks again. */
void vif_dp_reset(struct vif *);

/* hotplug.c: one queue per VIF name, run in order, bounded (see the file
 * comment). */

/* Sets the script (NULL or "": none is run) and what it gets as XOVS_RPC
 * and XENSTORED_PATH (either may be NULL). */
void vif_hotplug_configure(const char *script, const char *agent_rpc,
                           const char *xenstore_path);
/* Queues 'action' ("online" or "offline") of the hotplug script for the VIF
 * named 'name' ("vif3.0"), whose backend directory is 'be_path'; starts it
 * if nothing of that VIF runs and the overall bound allows.  Logs. */
void vif_hotplug_request(const char *action, const char *name,
                         const char *be_path);
/* Reaps finished scripts (logs failures), kills ones past their time,
 * starts queued ones. */
void vif_hotplug_run(void);
void vif_hotplug_wait(void);
/* Whether a script of VIF 'name' (of any VIF, if NULL) runs or waits. */
bool vif_hotplug_busy(const char *name);

#endif /* vif-backend/vif-private.h */
