/* bench/engine-bench.c: xovs-engine-bench, the netif engine alone: the
 * netback TX and RX code (vif-backend/tx.c, rx.c: ring parsing, grant
 * checks, the copy) against the unit tests' bed (tests/unit/netback-bed.h:
 * a guest's pages and grant table in memory, a port that only keeps the
 * frame), with no tap, no switch and no other process.
 *
 * TX: the "guest" posts 32 requests of one frame each, the engine consumes
 * them (engine_bench_tx()), the responses are collected.  RX: 32 buffers
 * posted, 32 frames waiting on the port, the engine fills the buffers
 * (engine_bench_rx()).  Prints packets and ns/packet for each direction; run
 * under valgrind --tool=callgrind --toggle-collect=engine_bench_tx (or _rx)
 * the total divided by the packets is the instructions per packet.
 *
 * That total includes the bed's own work, which a real platform and port
 * do differently: its grant copy (fake_copy(), with Xen's checks and the
 * memcpy), its port (fport_send() keeps a copy of each frame, fport_recv()
 * copies one out) and its event channel (fake_notify()).  The result line
 * names them (bed_functions=, BED_FUNCTIONS below); the engine's own share
 * is the total less their inclusive cost, e.g.
 *   callgrind_annotate --inclusive=yes --auto=no --threshold=100 OUT \
 *     | awk '/:(fake_copy|fake_notify|fport_send|fport_recv) /
 *            { gsub(",", "", $1); bed += $1 } END { print bed + 0 }'
 *
 * usage: xovs-engine-bench [--size=60] [--packets=N] [--only=tx|rx] */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/netback-bed.h"
#include "util.h"
#include "vif-backend/vif-private.h"

#define BURST 32

/* The bed's functions the engine calls (see the file comment). */
#define BED_FUNCTIONS "fake_copy,fake_notify,fport_send,fport_recv"

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Not inlined: callgrind's --toggle-collect names them. */
void engine_bench_tx(struct vif_queue *) __attribute__((noinline));
void engine_bench_rx(struct vif *, struct vif_queue *)
    __attribute__((noinline));

void
engine_bench_tx(struct vif_queue *q)
{
    vif_tx_action(q);
}

void
engine_bench_rx(struct vif *vif, struct vif_queue *q)
{
    vif_rx_port_run(vif);
    vif_rx_action(q);
}

static double
bench_tx(size_t size, long packets)
{
    struct bed *b = bed_create();
    struct vif_queue *q = &b->vif->queues[0];
    long done = 0;

    for (int i = 0; i < BURST; i++) {
        bed_make_tcp4(bed_page(b, BED_DATA_REF + i), size);
    }
    uint64_t start = now_ns();
    while (done < packets) {
        for (int i = 0; i < BURST; i++) {
            bed_tx_req(b, BED_DATA_REF + i, 0, NETTXF_data_validated, i, size);
        }
        bed_tx_push(b);
        engine_bench_tx(q);
        struct bed_tx_counts c = bed_tx_responses(b);
        if (c.okay != BURST || b->port->n_sent != BURST) {
            ovs_fatal(0, "TX: %d okay, %zu sent of %d (disabled: %s)", c.okay,
                      b->port->n_sent, BURST,
                      b->vif->disable_reason ? b->vif->disable_reason : "no");
        }
        b->port->n_sent = 0;
        done += BURST;
    }
    double ns = (double)(now_ns() - start) / done;
    bed_destroy(b);
    return ns;
}

static double
bench_rx(size_t size, long packets)
{
    struct bed *b = bed_create();
    struct vif_queue *q = &b->vif->queues[0];
    uint8_t frame[2048];
    long done = 0;

    bed_make_tcp4(frame, size);
    frame[0] = 0x02; /* unicast */
    for (int i = 0; i < BURST; i++) {
        struct bed_frame *f = &b->port->inq[i];
        memset(&f->vnet, 0, sizeof f->vnet);
        f->size = size;
        memcpy(f->data, frame, size);
    }
    uint64_t start = now_ns();
    while (done < packets) {
        for (int i = 0; i < BURST; i++) {
            struct netif_rx_request *r
                = RING_GET_REQUEST(&b->rx, b->rx.req_prod_pvt);
            r->id = i;
            r->gref = BED_DATA_REF + i;
            b->rx.req_prod_pvt++;
        }
        int notify;
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&b->rx, notify);
        (void)notify;
        b->port->n_in = BURST;
        b->port->in_pos = 0;
        RING_IDX before = b->rx.sring->rsp_prod;
        engine_bench_rx(b->vif, q);
        RING_IDX got = b->rx.sring->rsp_prod - before;
        if (got != BURST) {
            ovs_fatal(0, "RX: %u responses of %d (disabled: %s)", got, BURST,
                      b->vif->disable_reason ? b->vif->disable_reason : "no");
        }
        b->rx.rsp_cons = b->rx.sring->rsp_prod;
        done += BURST;
    }
    double ns = (double)(now_ns() - start) / done;
    bed_destroy(b);
    return ns;
}

int
main(int argc, char *argv[])
{
    static const struct option opts[] = {
        {"size", required_argument, NULL, 's'},
        {"packets", required_argument, NULL, 'n'},
        {"only", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    size_t size = 60;
    long packets = 2000000;
    const char *only = "";
    int o;

    set_program_name(argv[0]);
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            size = atoi(optarg);
            break;
        case 'n':
            packets = atol(optarg);
            break;
        case 'o':
            only = optarg;
            break;
        default:
            fprintf(stderr,
                    "usage: %s [--size=60] [--packets=N] "
                    "[--only=tx|rx]\n",
                    argv[0]);
            return 2;
        }
    }
    if (size < 60 || size > 1514 || packets < BURST) {
        ovs_fatal(0, "--size 60..1514 (buffer bytes), --packets >= %d", BURST);
    }
    double tx = strcmp(only, "rx") ? bench_tx(size, packets) : 0;
    double rx = strcmp(only, "tx") ? bench_rx(size, packets) : 0;
    printf("size=%zu packets=%ld tx_ns=%.1f rx_ns=%.1f bed_functions=%s\n",
           size, packets, tx, rx, BED_FUNCTIONS);
    return 0;
}
