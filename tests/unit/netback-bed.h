/* tests/unit/netback-bed.h: the netback unit tests' test bed.
 *
 * The fake platform is a guest: an array of pages, a grant table whose
 * entries name a page, the domain it is granted to and whether it is
 * read-only, and event channels that count notifications.  Its map and
 * copy make the checks Xen makes.  The fake port remembers what the backend
 * sent and feeds what tests queue.  A bed is one VIF with one queue on
 * both, and the guest's front rings: each test (test-netback*.c) plays the
 * frontend on them exactly as netfront would (or as a malicious one would)
 * and checks what the switch (the fake port) and the guest (responses,
 * memory) see. */
#ifndef TESTS_UNIT_NETBACK_BED_H
#define TESTS_UNIT_NETBACK_BED_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vif-backend/vif-private.h"

#define BED_PAGES 64
#define BED_GRANTS 64
#define BED_DOMID 5
#define BED_TX_RING_REF 1
#define BED_RX_RING_REF 2
#define BED_CTRL_RING_REF 3
#define BED_DATA_REF 10 /* refs BED_DATA_REF.. map pages BED_DATA_REF.. */

struct bed_grant {
    bool granted;
    uint16_t to_domid;
    bool readonly;
    uint32_t page;
};

struct bed_platform {
    struct vif_platform up;
    uint8_t (*pages)[VIF_PAGE_SIZE];
    struct bed_grant grants[BED_GRANTS];
    unsigned int notified[512];
    unsigned int n_copies;
    /* Called at the start of every copy: lets a test play a guest that
     * rewrites its requests while the backend works. */
    void (*copy_hook)(struct bed_platform *);
};

extern const struct vif_platform_class bed_platform_class;

#define BED_FRAMES 32

struct bed_frame {
    struct virtio_net_hdr vnet;
    size_t size;
    uint8_t data[VIF_PORT_MAX_FRAME];
};

struct bed_port {
    struct vif_port up;
    struct bed_frame *sent;
    size_t n_sent;
    struct bed_frame *inq;
    size_t n_in, in_pos;
    bool carrier;
};

extern const struct vif_port_class bed_port_class;

struct bed {
    struct bed_platform *fp;
    struct bed_port *port;
    struct vif *vif;
    struct netif_tx_front_ring tx;
    struct netif_rx_front_ring rx;
    RING_IDX tx_rsp_seen;
};

/* A bed on a fresh fake platform and port; bed_destroy() frees it all. */
struct bed *bed_create(void);
void bed_destroy(struct bed *);

/* The page that guest grant 'ref' names. */
uint8_t *bed_page(struct bed *, uint32_t ref);

/* Queues one TX request (not yet pushed). */
void bed_tx_req(struct bed *, uint32_t gref, uint16_t offset, uint16_t flags,
                uint16_t id, uint16_t size);
/* Queues one extra-info slot. */
void bed_tx_extra(struct bed *, const struct netif_extra_info *);
void bed_tx_push(struct bed *);

/* Counts responses with each status since the last call. */
struct bed_tx_counts {
    int okay, error, null, dropped;
    int ids[64];
    int n;
};

struct bed_tx_counts bed_tx_responses(struct bed *);

/* 'n' bytes of a pattern that depends on 'seed'. */
void bed_fill_pattern(uint8_t *p, size_t n, uint8_t seed);
/* An Ethernet + IPv4 + TCP frame of 'size' bytes at 'p'. */
void bed_make_tcp4(uint8_t *p, size_t size);

#endif /* tests/unit/netback-bed.h */
