/* vif-backend/emu/evil-private.h: what the files of xovs-evil-guest share.
 *
 *   xovs-evil-guest.c  main: options, signals, the toolstack's and the
 *                      frontend's xenstore nodes, the handshake, the poll
 *                      loop, the counters, the shutdown
 *   evil-ring.c        the netif rings: pages and grants made once, RX
 *                      refill, response polling, TX request building blocks
 *   evil-attacks.c     the attacks (--attack): malformed TX and RX requests,
 *                      the double-fetch and event-storm threads, the
 *                      xenstore write storms, and the table naming them
 *
 * Who calls whom: xovs-evil-guest.c calls the other two; evil-attacks.c
 * builds its requests with evil-ring.c.  Neither calls into
 * xovs-evil-guest.c.
 *
 * 'struct evil' is the whole state.  The main thread owns it; an attack's
 * thread only rewrites the shared rings, notifies, writes xenstore through
 * its own connection and bumps the atomic counters. */
#ifndef VIF_EMU_EVIL_PRIVATE_H
#define VIF_EMU_EVIL_PRIVATE_H 1

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

/* ring.h wants these (Xen's tools get them from xenctrl.h). */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#define EVIL_PAGE 4096
#define EVIL_N_SLOTS 256
#define EVIL_OTHER_DOMID 7 /* a domain that is not the backend */
#define EVIL_MAX_XS_EDITS 16
_Static_assert(__CONST_RING_SIZE(netif_tx, EVIL_PAGE) == EVIL_N_SLOTS,
               "tx ring");
_Static_assert(__CONST_RING_SIZE(netif_rx, EVIL_PAGE) == EVIL_N_SLOTS,
               "rx ring");

/* How the RX ring is filled on connect. */
enum rx_fill {
    RX_GOOD,       /* writable grants to the backend */
    RX_NONE,       /* never posted */
    RX_READONLY,   /* grants the backend may only read */
    RX_UNGRANTED,  /* refs never granted */
    RX_OTHER_DOM,  /* granted to another domain */
    RX_OVERFLOW,   /* req_prod a thousand ahead */
    RX_FLIP_LATER, /* good, then rewritten by the flipper */
};

struct evil;
typedef void attack_func(struct evil *);

struct attack {
    const char *name;
    const char *what;     /* one line for --list */
    attack_func *once;    /* run once, after the hello frame */
    attack_func *thread;  /* runs in its own thread for --duration */
    enum rx_fill rx_fill; /* RX ring on connect */
    bool xs_only;         /* xenstore attack: no traffic at all */
};

struct evil {
    /* Settings. */
    uint16_t domid, devid, be_id;
    uint8_t mac[6];
    const char *xs_path, *bridge;
    const struct attack *attack;
    const char *xs_set[EVIL_MAX_XS_EDITS], *xs_rm[EVIL_MAX_XS_EDITS];
    size_t n_xs_set, n_xs_rm;
    unsigned int duration_ms;
    bool destroy; /* on SIGTERM, remove the nodes at once */
    int fe_state; /* the state to go to after the keys */

    /* Platform and xenstore. */
    struct vif_emu_dom *dom;
    struct xs_handle *xs0, *xs;
    char *fe_path, *be_path, *dom_path;
    bool wrote_skeleton;
    enum xenbus_state state, be_state;

    /* Rings. */
    bool up, attacked;
    uint32_t tx_ring_frame, rx_ring_frame, tx_ring_ref, rx_ring_ref;
    struct netif_tx_front_ring tx;
    struct netif_rx_front_ring rx;
    uint32_t evtchn;
    uint32_t tx_frame[EVIL_N_SLOTS], tx_ref[EVIL_N_SLOTS];
    uint32_t rx_frame[EVIL_N_SLOTS], rx_ref[EVIL_N_SLOTS];
    uint32_t other_frame, other_ref; /* granted to EVIL_OTHER_DOMID */
    uint32_t ro_ref[EVIL_N_SLOTS];   /* rx pages granted readonly */
    uint32_t unused_ref;             /* in range, never granted */

    /* The continuous attack. */
    pthread_t thread;
    bool thread_running;
    volatile bool stop;
    long long attack_end;
    long long after_at; /* when to send the frame after the attack, or 0 */
    long long hello_at; /* when the frame before the attack went, or 0 */

    /* Counters (the threads' are atomics). */
    unsigned long long tx_ok, tx_err, tx_null, rx_ok, rx_err, tx_sent;
    unsigned long long n_events;
    unsigned long long flips, notifies, xs_writes; /* atomic */
    unsigned long long last_sum;
};

/* evil-ring.c */

/* Grants everything once: ring pages, one page per TX and RX slot, one page
 * for another domain, one revoked ref; an event channel. */
void ring_setup(struct evil *);
void ring_notify(struct evil *);
/* Keeps the RX ring full (unless the attack never posts). */
void ring_rx_refill(struct evil *);
/* Consumes and counts the TX and RX responses, then refills RX. */
void ring_poll(struct evil *);

#define RING_OWN UINT32_MAX /* ring_tx_req(): the slot's own, valid grant */

/* Free TX slots. */
unsigned int ring_tx_space(const struct evil *);
/* Queues one TX request (not pushed); 'gref' RING_OWN for the slot's own. */
void ring_tx_req(struct evil *, uint32_t gref, uint16_t offset, uint16_t size,
                 uint16_t flags);
/* Queues one extra-info slot. */
void ring_tx_extra(struct evil *, const struct netif_extra_info *);
/* Pushes the TX requests, notifying if the backend asked for it. */
void ring_tx_push(struct evil *);
/* One valid single-slot frame of 'len' bytes (if there is room). */
void ring_tx_valid(struct evil *, uint16_t len);
/* A packet of 'n' slots of 'each' bytes, valid except for its length. */
void ring_tx_slots(struct evil *, unsigned int n, uint16_t each);

/* evil-attacks.c */

/* The attack called 'name', or NULL. */
const struct attack *attack_find(const char *name);
/* Prints the attacks and what each does (--attack=list). */
void attack_list(void);
/* Whether the main loop keeps the TX ring busy while 'a' runs (for the
 * double-fetch flipper to rewrite): attack_flip_traffic() does it. */
bool attack_busy_tx(const struct attack *a);
void attack_flip_traffic(struct evil *);
/* The thread body of a continuous attack: runs e->attack->thread(e). */
void *attack_thread(void *e);

#endif /* vif-backend/emu/evil-private.h */
