/* xovs-pktgen: the traffic source and sink of bench/xovs-bench.
 *
 * One thread (pinned to one core) sends UDP frames of one size on the
 * transmit port of each pair, at a given rate or flat out, and counts the
 * frames that come back on the pair's receive port: packets/s sent and
 * received, frames lost, and the latency of each frame (a timestamp in its
 * payload: both ends are this process, so one clock).
 *
 * A port is one of two kinds, so that the same program drives both sides
 * of every comparison the bench makes:
 *   dpdk:VDEV-ARGS     a DPDK vdev, e.g. a virtio-user port talking to an
 *                      OVS-DPDK vhost-user port ("dpdk:net_virtio_user0,
 *                      path=/run/.../vu0.sock,server=1"); the process
 *                      initialises DPDK's EAL for these (in memory, no PCI).
 *   afp:IFACE[@NETNS]  a kernel interface through an AF_PACKET socket,
 *                      opened inside network namespace NETNS (a veth end or
 *                      xovs-guest's eth0): the anchor B and tap paths.
 * The frame building, pacing, counting and latency code is the same for
 * both; only the burst send and receive calls differ (struct
 * bench_port_class).
 *
 * Frame SIZE counts the Ethernet FCS, as RFC 2544 and OVS-DPDK's figures
 * do: a 64 B frame is a 60-byte buffer.  Before measuring, each receive
 * port sends three broadcast frames from its own MAC so that OVS's NORMAL
 * action learns where it is (no flooding during the run).
 *
 * Output: a progress line per second on stderr; one line of KEY=VALUE on
 * stdout at the end (the printf at the end of main()): tx, rx and lost
 * over the whole run, m_sent, m_received and m_lost over the measured
 * seconds only (frames still in flight when sending stops are waited for:
 * they count as lost only if they have not come within the drain). */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define BENCH_BURST 32
#define BENCH_MAX_PORTS 32
#define BENCH_MAX_FRAME 1514   /* buffer bytes, without the FCS */
#define BENCH_MAGIC 0x786f7662 /* "xovb" */
#define BENCH_LAT_BUCKET_NS 100
#define BENCH_LAT_BUCKETS 200000 /* 100 ns buckets up to 20 ms */

/* What the payload of each frame starts with (after the UDP header): 16
 * bytes, so that it fits a 64 B frame (18 bytes of UDP payload). */
struct bench_stamp {
    uint32_t magic;
    uint32_t seq;
    uint64_t sent_ns; /* CLOCK_MONOTONIC */
};
_Static_assert(sizeof(struct bench_stamp) == 16, "stamp fits 64 B frames");

struct bench_port;

/* A kind of port: a burst of frames out, a burst in. */
struct bench_port_class {
    const char *prefix;
    int (*open)(struct bench_port *);
    /* Sends up to 'n' frames of 'len' bytes, each built by calling
     * 'fill'(frame, i) into the port's own buffer; returns how many went. */
    int (*send)(struct bench_port *, int n, size_t len,
                void (*fill)(uint8_t *, int, void *), void *aux);
    /* Calls 'got'(frame, len, aux) for each frame received (up to a
     * burst); returns how many. */
    int (*recv)(struct bench_port *,
                void (*got)(const uint8_t *, size_t, void *), void *aux);
};

struct bench_port {
    const struct bench_port_class *class;
    char *spec; /* after the "kind:" prefix */
    uint8_t mac[6];
    /* afp */
    int fd;
    /* dpdk */
    uint16_t port_id;
    uint16_t n_rxq; /* receive queues polled (see dpdk_open()) */
};

struct bench_pair {
    struct bench_port *tx, *rx;
    uint8_t frame[BENCH_MAX_FRAME]; /* template */
    uint64_t n_tx, n_rx, seq;
    /* Frames the pacing (--rate) let go unsent while nothing had come
     * through yet: a path that is not up does not build a backlog that
     * would then go out flat out. */
    uint64_t skipped;
    /* The measured window: the first sequence number sent in it, and how
     * many frames of it came back (counted until the end of the drain, so
     * that frames still in flight when sending stops are not lost). */
    bool win_open;
    uint64_t win_seq, n_rx_win;
};

static struct rte_mempool *pool;
static volatile sig_atomic_t stop;
static uint64_t lat_hist[BENCH_LAT_BUCKETS + 1];
static uint64_t n_lat;
static bool measuring;

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    fputs("xovs-pktgen: ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
    exit(1);
}

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- AF_PACKET ports ---- */

static int
afp_open(struct bench_port *p)
{
    char *iface = strdup(p->spec), *netns = strchr(iface, '@');
    int self = -1, fd, one = 1, rcvbuf = 8 << 20;

    if (netns) {
        char path[256];
        int nsfd;

        *netns++ = '\0';
        snprintf(path, sizeof path, "/run/netns/%s", netns);
        self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        nsfd = open(path, O_RDONLY | O_CLOEXEC);
        if (self < 0 || nsfd < 0 || setns(nsfd, CLONE_NEWNET)) {
            die("%s: cannot enter namespace %s: %s", p->spec, netns,
                strerror(errno));
        }
        close(nsfd);
    }
    fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                htons(ETH_P_ALL));
    if (fd < 0) {
        die("%s: AF_PACKET socket: %s", p->spec, strerror(errno));
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface);
    if (ioctl(fd, SIOCGIFINDEX, &ifr)) {
        die("%s: no interface %s: %s", p->spec, iface, strerror(errno));
    }
    struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                              .sll_protocol = htons(ETH_P_ALL),
                              .sll_ifindex = ifr.ifr_ifindex};
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll)) {
        die("%s: bind: %s", p->spec, strerror(errno));
    }
    if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
        die("%s: no MAC: %s", p->spec, strerror(errno));
    }
    memcpy(p->mac, ifr.ifr_hwaddr.sa_data, 6);
    /* Sent frames skip the qdisc (as a NIC driver's would) and do not come
     * back to this socket; a big receive buffer so that the socket is not
     * the first place to drop. */
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf)) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    if (self >= 0) {
        if (setns(self, CLONE_NEWNET)) {
            die("cannot return to our namespace: %s", strerror(errno));
        }
        close(self);
    }
    p->fd = fd;
    free(iface);
    return 0;
}

static uint8_t afp_buf[BENCH_BURST][2048];

static int
afp_send(struct bench_port *p, int n, size_t len,
         void (*fill)(uint8_t *, int, void *), void *aux)
{
    struct mmsghdr msgs[BENCH_BURST];
    struct iovec iov[BENCH_BURST];

    memset(msgs, 0, n * sizeof *msgs);
    for (int i = 0; i < n; i++) {
        fill(afp_buf[i], i, aux);
        iov[i].iov_base = afp_buf[i];
        iov[i].iov_len = len;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(p->fd, msgs, n, MSG_DONTWAIT);
    return sent < 0 ? 0 : sent;
}

static int
afp_recv(struct bench_port *p, void (*got)(const uint8_t *, size_t, void *),
         void *aux)
{
    struct mmsghdr msgs[BENCH_BURST];
    struct iovec iov[BENCH_BURST];

    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BENCH_BURST; i++) {
        iov[i].iov_base = afp_buf[i];
        iov[i].iov_len = sizeof afp_buf[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(p->fd, msgs, BENCH_BURST, MSG_DONTWAIT, NULL);
    for (int i = 0; i < n; i++) {
        got(afp_buf[i], msgs[i].msg_len, aux);
    }
    return n < 0 ? 0 : n;
}

static const struct bench_port_class afp_class
    = {"afp:", afp_open, afp_send, afp_recv};

/* ---- DPDK ports (opened after rte_eal_init() probed the vdevs) ---- */

static int
dpdk_open(struct bench_port *p)
{
    char name[128];
    struct rte_eth_conf conf;
    struct rte_ether_addr mac;
    struct rte_eth_link link;

    snprintf(name, sizeof name, "%.*s", (int)strcspn(p->spec, ","), p->spec);
    if (rte_eth_dev_get_port_by_name(name, &p->port_id)) {
        die("%s: no DPDK port %s", p->spec, name);
    }
    /* A memif connection has as many rings each way as the client (this
     * process) sets up queues, and OVS transmits on its PMD thread's queue:
     * an OVS-DPDK port has one TX queue per PMD thread plus one for its
     * main thread, so the PMD's can be queue 1.  Poll two. */
    p->n_rxq = strncmp(name, "net_memif", 9) ? 1 : 2;
    memset(&conf, 0, sizeof conf);
    bool ok = !rte_eth_dev_configure(p->port_id, p->n_rxq, 1, &conf);
    for (uint16_t q = 0; ok && q < p->n_rxq; q++) {
        ok = !rte_eth_rx_queue_setup(p->port_id, q, 1024, rte_socket_id(),
                                     NULL, pool);
    }
    if (!ok
        || rte_eth_tx_queue_setup(p->port_id, 0, 1024, rte_socket_id(), NULL)
        || rte_eth_dev_start(p->port_id)) {
        die("%s: cannot set up the port", name);
    }
    rte_eth_promiscuous_enable(p->port_id);
    rte_eth_macaddr_get(p->port_id, &mac);
    memcpy(p->mac, mac.addr_bytes, 6);
    /* A vhost-user back end connects when it is ready. */
    for (int i = 0; i < 300; i++) {
        memset(&link, 0, sizeof link);
        rte_eth_link_get_nowait(p->port_id, &link);
        if (link.link_status) {
            return 0;
        }
        usleep(100 * 1000);
    }
    die("%s: link still down after 30 s (is the OVS port there?)", name);
}

static int
dpdk_send(struct bench_port *p, int n, size_t len,
          void (*fill)(uint8_t *, int, void *), void *aux)
{
    struct rte_mbuf *m[BENCH_BURST];

    if (rte_pktmbuf_alloc_bulk(pool, m, n)) {
        return 0;
    }
    for (int i = 0; i < n; i++) {
        uint8_t *d = (uint8_t *)rte_pktmbuf_append(m[i], len);
        fill(d, i, aux);
    }
    int sent = rte_eth_tx_burst(p->port_id, 0, m, n);
    if (sent < n) {
        rte_pktmbuf_free_bulk(&m[sent], n - sent);
    }
    return sent;
}

static int
dpdk_recv(struct bench_port *p, void (*got)(const uint8_t *, size_t, void *),
          void *aux)
{
    struct rte_mbuf *m[BENCH_BURST];
    int total = 0;

    for (uint16_t q = 0; q < p->n_rxq; q++) {
        int n = rte_eth_rx_burst(p->port_id, q, m, BENCH_BURST);

        for (int i = 0; i < n; i++) {
            got(rte_pktmbuf_mtod(m[i], const uint8_t *),
                rte_pktmbuf_data_len(m[i]), aux);
        }
        if (n) {
            rte_pktmbuf_free_bulk(m, n);
        }
        total += n;
    }
    return total;
}

static const struct bench_port_class dpdk_class
    = {"dpdk:", dpdk_open, dpdk_send, dpdk_recv};

/* ---- frames ---- */

static uint16_t
ip_csum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < len; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return htons(~sum & 0xffff);
}

/* A UDP/IPv4 frame of 'len' bytes from 'src' to 'dst' (MACs), 198.18.0.1
 * -> 198.18.0.2 (port 9, discard), UDP checksum 0. */
static void
build_frame(uint8_t *f, size_t len, const uint8_t *src, const uint8_t *dst,
            uint32_t sip, uint32_t dip)
{
    size_t ip_len = len - 14;

    memset(f, 0, len);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = ip_len >> 8;
    ip[3] = ip_len & 0xff;
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, &sip, 4);
    memcpy(ip + 16, &dip, 4);
    uint16_t c = ip_csum(ip, 20);
    memcpy(ip + 10, &c, 2);
    uint8_t *udp = ip + 20;
    udp[0] = 0x30; /* source port 12345 */
    udp[1] = 0x39;
    udp[3] = 9;
    udp[4] = (ip_len - 20) >> 8;
    udp[5] = (ip_len - 20) & 0xff;
}

#define STAMP_OFFSET (14 + 20 + 8)

struct fill_ctx {
    struct bench_pair *pair;
    size_t len;
    uint64_t t;
};

static void
fill_frame(uint8_t *d, int i, void *aux)
{
    struct fill_ctx *c = aux;
    struct bench_stamp s = {BENCH_MAGIC, c->pair->seq + i, c->t};

    memcpy(d, c->pair->frame, c->len);
    memcpy(d + STAMP_OFFSET, &s, sizeof s);
}

static void
got_frame(const uint8_t *d, size_t len, void *aux)
{
    struct bench_pair *pair = aux;
    struct bench_stamp s;

    if (len < STAMP_OFFSET + sizeof s) {
        return;
    }
    memcpy(&s, d + STAMP_OFFSET, sizeof s);
    if (s.magic != BENCH_MAGIC) {
        return; /* not ours: a learning frame, IPv6 ND, ... */
    }
    pair->n_rx++;
    /* Sent in the measured window: seq in [win_seq, seq), modulo 2^32
     * (the stamp's width; a window is far shorter). */
    if (pair->win_open
        && (uint32_t)(s.seq - (uint32_t)pair->win_seq)
               < (uint32_t)(pair->seq - pair->win_seq)) {
        pair->n_rx_win++;
    }
    if (measuring) {
        uint64_t b = (now_ns() - s.sent_ns) / BENCH_LAT_BUCKET_NS;
        lat_hist[b < BENCH_LAT_BUCKETS ? b : BENCH_LAT_BUCKETS]++;
        n_lat++;
    }
}

static void
learn_frame(uint8_t *d, int i, void *aux)
{
    const struct bench_port *p = aux;
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    (void)i;
    build_frame(d, 60, p->mac, bcast, htonl(0xc6120002), htonl(0xc61200ff));
}

static double
lat_percentile(double q)
{
    uint64_t want = n_lat * q, seen = 0;

    if (!n_lat) {
        return 0;
    }
    for (int b = 0; b <= BENCH_LAT_BUCKETS; b++) {
        seen += lat_hist[b];
        if (seen > want) {
            return (b + 0.5) * BENCH_LAT_BUCKET_NS / 1000.0;
        }
    }
    return BENCH_LAT_BUCKETS * BENCH_LAT_BUCKET_NS / 1000.0;
}

static void
on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static struct bench_port *
new_port(const char *spec)
{
    struct bench_port *p = calloc(1, sizeof *p);

    if (!strncmp(spec, "afp:", 4)) {
        p->class = &afp_class;
    } else if (!strncmp(spec, "dpdk:", 5)) {
        p->class = &dpdk_class;
    } else {
        die("port '%s': want afp:IFACE[@NETNS] or dpdk:VDEV-ARGS", spec);
    }
    p->spec = strdup(spec + strlen(p->class->prefix));
    p->fd = -1;
    return p;
}

/* --memcpy: how many 'len'-byte frames one core copies per second, from
 * a template into a ring of 256 frame buffers (cache-resident: the best a
 * one-copy path can do), for one second. */
static void
memcpy_ceiling(int size, size_t len)
{
    static uint8_t ring[256][2048], src[2048];
    uint64_t n = 0, start = now_ns(), t = start;

    memset(src, 0x5a, sizeof src);
    while (t - start < 1000000000ULL) {
        for (int i = 0; i < 4096; i++, n++) {
            memcpy(ring[n & 255], src, len);
            src[n & 63] = n; /* the compiler must copy every time */
        }
        t = now_ns();
    }
    printf("size=%d memcpy_pps=%.0f\n", size, n / ((t - start) / 1e9));
}

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
    printf("xovs-pktgen: UDP traffic source and sink for xovs-bench\n"
           "usage: xovs-pktgen --pair=TXPORT,RXPORT [--pair=...] "
           "[--size=64]\n"
           "         [--rate=PPS] [--seconds=10] [--warmup=1] [--core=0]\n"
           "  PORT is afp:IFACE[@NETNS] (AF_PACKET) or dpdk:VDEV-ARGS with\n"
           "  ';' for ',' in the vdev arguments, e.g.\n"
           "  dpdk:net_virtio_user0;path=/run/x/vu0.sock;server=1\n"
           "  --size     frame bytes with the FCS (64..1518)\n"
           "  --rate     frames/s over all pairs (default: flat out)\n"
           "  --seconds  measured seconds, after --warmup seconds\n"
           "  --core     CPU for the EAL (dpdk ports; pin the process with "
           "taskset)\n"
           "  --memcpy   no ports: frames of --size one core copies per "
           "second\n");
    exit(0);
}

int
main(int argc, char *argv[])
{
    struct bench_pair pairs[BENCH_MAX_PORTS];
    int n_pairs = 0, size = 64, seconds = 10, warmup = 1, core = 0;
    double rate = 0;
    bool any_dpdk = false, do_memcpy = false;
    char *vdevs[BENCH_MAX_PORTS * 2];
    int n_vdevs = 0;

    static const struct option opts[] = {
        {"pair", required_argument, NULL, 'p'},
        {"size", required_argument, NULL, 's'},
        {"rate", required_argument, NULL, 'r'},
        {"seconds", required_argument, NULL, 't'},
        {"warmup", required_argument, NULL, 'w'},
        {"core", required_argument, NULL, 'c'},
        {"memcpy", no_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'p': {
            char *tx = strdup(optarg), *rx = strchr(tx, ',');
            if (!rx || n_pairs >= BENCH_MAX_PORTS) {
                die("--pair=TXPORT,RXPORT (at most %d)", BENCH_MAX_PORTS);
            }
            *rx++ = '\0';
            memset(&pairs[n_pairs], 0, sizeof pairs[n_pairs]);
            pairs[n_pairs].tx = new_port(tx);
            pairs[n_pairs].rx = new_port(rx);
            n_pairs++;
            free(tx);
            break;
        }
        case 's':
            size = atoi(optarg);
            break;
        case 'r':
            rate = atof(optarg);
            break;
        case 't':
            seconds = atoi(optarg);
            break;
        case 'w':
            warmup = atoi(optarg);
            break;
        case 'c':
            core = atoi(optarg);
            break;
        case 'm':
            do_memcpy = true;
            break;
        case 'h':
            usage();
        default:
            exit(2);
        }
    }
    if (do_memcpy && size >= 64 && size <= 1518) {
        memcpy_ceiling(size, size - 4);
        return 0;
    }
    if (!n_pairs || size < 64 || size > 1518 || seconds < 1 || warmup < 0
        || rate < 0) {
        die("want --pair, --size 64..1518, --seconds >= 1 (--help)");
    }
    size_t len = size - 4;

    /* DPDK: one EAL for every dpdk: port, in memory (hugepages, nothing in
     * /var/run), no PCI scan; ';' in a spec stands for ','. */
    for (int i = 0; i < n_pairs * 2; i++) {
        struct bench_port *p = i & 1 ? pairs[i / 2].rx : pairs[i / 2].tx;
        if (p->class == &dpdk_class) {
            for (char *c = p->spec; *c; c++) {
                *c = *c == ';' ? ',' : *c;
            }
            vdevs[n_vdevs++] = p->spec;
            any_dpdk = true;
        }
    }
    if (any_dpdk) {
        char *eal[12 + 2 * BENCH_MAX_PORTS * 2], lcores[16], prefix[64];
        int n = 0;

        snprintf(lcores, sizeof lcores, "%d", core);
        snprintf(prefix, sizeof prefix, "--file-prefix=xovs-pktgen-%d",
                 (int)getpid());
        eal[n++] = argv[0];
        eal[n++] = "-l";
        eal[n++] = lcores;
        eal[n++] = "--in-memory";
        /* vhost-user shares memory as at most 8 regions: one file for all
         * segments, all preallocated (no hotplug events mid-run). */
        eal[n++] = "--single-file-segments";
        eal[n++] = "-m";
        eal[n++] = "128";
        eal[n++] = "--no-pci";
        eal[n++] = "--no-telemetry";
        eal[n++] = prefix;
        eal[n++] = "--log-level=lib.eal:warning";
        for (int i = 0; i < n_vdevs; i++) {
            eal[n++] = "--vdev";
            eal[n++] = vdevs[i];
        }
        if (rte_eal_init(n, eal) < 0) {
            die("DPDK EAL: %s (hugepages? see ovs-sandbox --client-mem)",
                rte_strerror(rte_errno));
        }
        pool = rte_pktmbuf_pool_create("xovs_pktgen", 8191, 256, 0,
                                       RTE_MBUF_DEFAULT_BUF_SIZE,
                                       rte_socket_id());
        if (!pool) {
            die("mbuf pool: %s", rte_strerror(rte_errno));
        }
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    for (int i = 0; i < n_pairs; i++) {
        struct bench_pair *pr = &pairs[i];
        if (pr->tx->class->open(pr->tx) || pr->rx->class->open(pr->rx)) {
            exit(1);
        }
        build_frame(pr->frame, len, pr->tx->mac, pr->rx->mac,
                    htonl(0xc6120001 + 2 * i), htonl(0xc6120002 + 2 * i));
    }

    /* Let the switch learn the receivers' MACs; drain what comes back. */
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < n_pairs; i++) {
            struct bench_port *rx = pairs[i].rx;
            rx->class->send(rx, 1, 60, learn_frame, rx);
        }
        usleep(100 * 1000);
    }
    for (uint64_t end = now_ns() + 200000000ULL; now_ns() < end;) {
        for (int i = 0; i < n_pairs; i++) {
            pairs[i].rx->class->recv(pairs[i].rx, got_frame, &pairs[i]);
        }
    }
    for (int i = 0; i < n_pairs; i++) {
        pairs[i].n_rx = 0;
    }

    uint64_t start = now_ns(), t = start, next_report = start + 1000000000ULL;
    /* The warm-up starts when the first frame came through (a vhost-user
     * queue is enabled a moment after the link is up); after 10 s without
     * one, the run ends with nothing measured. */
    uint64_t m_start = UINT64_MAX, m_end = UINT64_MAX;
    bool armed = false;
    uint64_t m_tx0 = 0, m_rx0 = 0, tx_all = 0, rx_all = 0, last_tx = 0,
             last_rx = 0, busy = 0;
    double per_pair_ns = rate > 0 ? 1e9 / (rate / n_pairs) : 0;

    while (!stop && t < m_end) {
        t = now_ns();
        if (!armed && (rx_all > 0 || t - start > 10000000000ULL)) {
            armed = true;
            m_start = t + (rx_all > 0 ? warmup * 1000000000ULL : 0);
            m_end = m_start + (rx_all > 0 ? seconds * 1000000000ULL : 0);
        }
        if (!measuring && t >= m_start) {
            measuring = true;
            m_tx0 = tx_all;
            m_rx0 = rx_all;
            for (int i = 0; i < n_pairs; i++) {
                pairs[i].win_open = true;
                pairs[i].win_seq = pairs[i].seq;
            }
        }
        tx_all = rx_all = 0;
        for (int i = 0; i < n_pairs; i++) {
            struct bench_pair *pr = &pairs[i];
            int want = BENCH_BURST;
            if (per_pair_ns > 0) {
                uint64_t due = (t - start) / per_pair_ns;
                if (!armed && due > pr->n_tx + pr->skipped + BENCH_BURST) {
                    pr->skipped = due - pr->n_tx - BENCH_BURST;
                }
                due -= RTE_MIN(due, pr->skipped);
                want = due > pr->n_tx ? RTE_MIN(due - pr->n_tx, BENCH_BURST)
                                      : 0;
            }
            if (want) {
                struct fill_ctx c = {pr, len, t};
                int sent
                    = pr->tx->class->send(pr->tx, want, len, fill_frame, &c);
                pr->seq += sent;
                pr->n_tx += sent;
                busy += sent < want;
            }
            pr->rx->class->recv(pr->rx, got_frame, pr);
            tx_all += pr->n_tx;
            rx_all += pr->n_rx;
        }
        if (t >= next_report) {
            fprintf(stderr,
                    "xovs-pktgen: %s tx_pps=%" PRIu64 " rx_pps=%" PRIu64 "\n",
                    measuring ? "measuring" : "warm-up", tx_all - last_tx,
                    rx_all - last_rx);
            last_tx = tx_all;
            last_rx = rx_all;
            next_report += 1000000000ULL;
        }
    }
    double secs = t > m_start ? (t - m_start) / 1e9 : 0;
    uint64_t m_tx = tx_all - m_tx0, m_rx = rx_all - m_rx0;

    /* Drain: what is still in flight when sending stops is not lost if it
     * arrives.  At least 0.5 s, and while frames keep coming (queues
     * emptying on a loaded machine) until 0.5 s after the last one, at
     * most 5 s; what has not come by then is lost. */
    measuring = false;
    uint64_t drain = now_ns(), quiet_end = drain + 500000000ULL;
    for (uint64_t now = drain; now < quiet_end;) {
        uint64_t got = 0; /* ours: not a neighbour discovery frame */
        for (int i = 0; i < n_pairs; i++) {
            uint64_t before = pairs[i].n_rx;
            pairs[i].rx->class->recv(pairs[i].rx, got_frame, &pairs[i]);
            got += pairs[i].n_rx - before;
        }
        now = now_ns();
        if (got && now + 500000000ULL > quiet_end) {
            quiet_end = RTE_MIN(now + 500000000ULL, drain + 5000000000ULL);
        }
    }
    uint64_t win_tx = 0, win_rx = 0;
    rx_all = 0;
    for (int i = 0; i < n_pairs; i++) {
        rx_all += pairs[i].n_rx;
        if (pairs[i].win_open) {
            win_tx += pairs[i].seq - pairs[i].win_seq;
            win_rx += pairs[i].n_rx_win;
        }
    }
    /* tx, rx and lost count the whole run, warm-up included (frames sent
     * before the path was up too); m_sent, m_received and m_lost only the
     * frames sent in the measured seconds. */
    printf("size=%d pairs=%d rate=%.0f seconds=%.2f tx=%" PRIu64 " rx=%" PRIu64
           " tx_pps=%.0f rx_pps=%.0f lost=%" PRIu64 " m_sent=%" PRIu64
           " m_received=%" PRIu64 " m_lost=%" PRIu64
           " lat_p50_us=%.1f lat_p99_us=%.1f tx_busy=%" PRIu64 "\n",
           size, n_pairs, rate, secs, tx_all, rx_all,
           secs > 0 ? m_tx / secs : 0, secs > 0 ? m_rx / secs : 0,
           tx_all > rx_all ? tx_all - rx_all : 0, win_tx, win_rx,
           win_tx > win_rx ? win_tx - win_rx : 0, lat_percentile(0.5),
           lat_percentile(0.99), busy);
    fflush(stdout);
    if (any_dpdk) {
        for (int i = 0; i < n_pairs * 2; i++) {
            struct bench_port *p = i & 1 ? pairs[i / 2].rx : pairs[i / 2].tx;
            if (p->class == &dpdk_class) {
                rte_eth_dev_stop(p->port_id);
                rte_eth_dev_close(p->port_id);
            }
        }
        /* EAL leaves its (empty, --in-memory) runtime directory behind:
         * /run/dpdk/xovs-pktgen-PID, one per run. */
        char *runtime_dir = strdup(rte_eal_get_runtime_dir());
        rte_eal_cleanup();
        if (runtime_dir) {
            rmdir(runtime_dir);
            free(runtime_dir);
        }
    }
    for (int i = 0; i < n_pairs * 2; i++) {
        struct bench_port *p = i & 1 ? pairs[i / 2].rx : pairs[i / 2].tx;
        if (p->fd >= 0) {
            close(p->fd);
        }
        free(p->spec);
        free(p);
    }
    return 0;
}
