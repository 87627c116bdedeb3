/* vif-backend/emu/guest-traffic.c: the "guest OS" behind xovs-guest's
 * netfront, one of three: a tap eth0 in a network namespace (IFF_VNET_HDR
 * carries checksum and GSO metadata both ways; IFF_MULTI_QUEUE, one tap
 * queue per ring), a UDP generator (--generate, from 198.18.0.0/15), or a
 * sink (--sink: received frames are only counted, nothing here).  Frames
 * go out through guest-netfront.c (netfront_xmit()) and come back through
 * traffic_deliver(). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vif-backend/emu/guest-private.h"

#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(xovs_guest_traffic);

/* The Internet checksum of 'len' bytes at 'p' (an odd last byte padded
 * with zero), complemented. */
static uint16_t
traffic_csum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < len; i += 2) {
        sum += (p[i] << 8) | (i + 1 < len ? p[i + 1] : 0);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

/* Software checksum for a partial-checksum frame the backend cannot
 * offload (IPv6 without feature-ipv6-csum-offload). */
static void
traffic_finish_csum(uint8_t *frame, size_t len,
                    const struct virtio_net_hdr *vh)
{
    size_t start = vh->csum_start, off = start + vh->csum_offset;

    if (start >= len || off + 2 > len) {
        return;
    }
    uint16_t csum = traffic_csum(&frame[start], len - start);
    if (!csum && vh->csum_offset == 6) {
        csum = 0xffff; /* UDP: 0 means "no checksum" */
    }
    frame[off] = csum >> 8;
    frame[off + 1] = csum & 0xff;
}

void
traffic_tap_tx(struct guest *g, struct guest_queue *q)
{
    int budget = GUEST_NAPI_BUDGET;
    bool sent = false;

    while (budget-- > 0 && netfront_tx_room(q)) {
        struct virtio_net_hdr vh;
        struct iovec iov[2] = {
            {.iov_base = &vh, .iov_len = sizeof vh},
            {.iov_base = g->frame, .iov_len = GUEST_FRAME_MAX},
        };
        ssize_t n = readv(q->tap_fd, iov, 2);
        if (n < 0) {
            break;
        }
        if ((size_t)n < sizeof vh) {
            continue;
        }
        size_t len = n - sizeof vh;
        if ((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && len > 14
            && g->frame[12] == 0x86 && g->frame[13] == 0xdd
            && !g->be_ipv6_csum) {
            traffic_finish_csum(g->frame, len, &vh);
            vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
        }
        netfront_xmit(g, q, &vh, g->frame, len);
        sent = true;
    }
    if (sent) {
        netfront_tx_push(g, q);
    }
}

static void
traffic_build_udp(struct guest *g, struct guest_queue *q, uint8_t *f,
                  size_t size)
{
    size_t ip_len = size - ETH_HEADER_LEN;

    memset(f, 0, size);
    memcpy(f, g->dst_mac, 6);
    memcpy(f + 6, g->mac, 6);
    f[12] = 0x08;
    f[13] = 0x00;

    uint8_t *ip = f + ETH_HEADER_LEN;
    uint32_t src = (198u << 24) | (18u << 16) | ((g->domid & 0x1ff) << 7)
                   | ((g->devid + 1) & 0x7f);
    ip[0] = 0x45;
    ip[2] = ip_len >> 8;
    ip[3] = ip_len & 0xff;
    ip[4] = q->gen_seq >> 8;
    ip[5] = q->gen_seq & 0xff;
    ip[8] = 64;
    ip[9] = 17;
    put_16aligned_be32((ovs_16aligned_be32 *)(ip + 12), htonl(src));
    put_16aligned_be32((ovs_16aligned_be32 *)(ip + 16), htonl(g->dst_ip));
    uint16_t c = traffic_csum(ip, 20);
    ip[10] = c >> 8;
    ip[11] = c & 0xff;

    uint8_t *udp = ip + 20;
    size_t udp_len = ip_len - 20;
    udp[0] = 0x04; /* sport 1024 + queue */
    udp[1] = q->idx;
    udp[2] = 0x00; /* dport 9, discard */
    udp[3] = 0x09;
    udp[4] = udp_len >> 8;
    udp[5] = udp_len & 0xff;
}

/* The next frame of 'q' from the template 'f' (traffic_build_udp()): only
 * its sequence number changes, as a generator that copies a template and
 * stamps it (xovs-pktgen) does, not the whole frame built again. */
static void
traffic_stamp_udp(struct guest_queue *q, uint8_t *f, size_t size)
{
    if (size >= ETH_HEADER_LEN + 20 + 16) {
        uint64_t seq = q->gen_seq;
        memcpy(f + ETH_HEADER_LEN + 20 + 8, &seq, sizeof seq);
    }
    q->gen_seq++;
}

/* A gratuitous ARP from our MAC (--sink): a guest that only receives would
 * otherwise never be learned by the switch, whose NORMAL action would flood
 * every frame to it over all ports (in OVS-DPDK a copy per frame for the
 * bridge's own port too).  Sent on connect and every second, as a real
 * guest's ARP traffic keeps its MAC learned. */
void
traffic_announce(struct guest *g)
{
    struct guest_queue *q = &g->queues[0];
    uint32_t ip = htonl((198u << 24) | (18u << 16) | ((g->domid & 0x1ff) << 7)
                        | ((g->devid + 1) & 0x7f));
    uint8_t f[60];

    if (!g->n_queues || !netfront_tx_room(q)) {
        return;
    }
    memset(f, 0, sizeof f);
    memset(f, 0xff, 6);
    memcpy(f + 6, g->mac, 6);
    f[12] = 0x08; /* ARP */
    f[13] = 0x06;
    uint8_t *arp = f + ETH_HEADER_LEN;
    arp[1] = 1;    /* Ethernet */
    arp[2] = 0x08; /* IPv4 */
    arp[4] = 6;
    arp[5] = 4;
    arp[7] = 1; /* request, sender IP = target IP: gratuitous */
    memcpy(arp + 8, g->mac, 6);
    memcpy(arp + 14, &ip, 4);
    memcpy(arp + 24, &ip, 4);
    netfront_xmit(g, q, NULL, f, sizeof f);
    netfront_tx_push(g, q);
}

size_t
traffic_generate(struct guest *g)
{
    double allowed = 1e18;
    size_t n_sent = 0;

    if (g->gen_pps) {
        /* The clock only for a rate (flat out, a read per call cost about
         * what a frame does). */
        long long int now = time_usec() * 1000;
        double burst = MAX(32.0, g->gen_pps / 100.0);
        g->gen_tokens += (now - g->gen_last_ns) * 1e-9 * g->gen_pps;
        g->gen_tokens = MIN(g->gen_tokens, burst);
        allowed = g->gen_tokens;
        g->gen_last_ns = now;
    }

    for (unsigned int k = 0; k < g->n_queues; k++) {
        struct guest_queue *q = &g->queues[(g->rr + k) % g->n_queues];
        bool sent = false;

        if (g->busy && !g->gen_pps
            && q->tx.req_prod_pvt - q->tx.rsp_cons
                   > GUEST_TX_RING_SIZE - GUEST_GEN_BATCH) {
            /* Polling: refill once a batch is free, not per completion
             * (each pass costs more than a frame). */
            continue;
        }
        /* Up to a whole ring per round: each round costs a pass through
         * the poll loop (system calls), which a NAPI budget's worth of
         * frames would pay four times over. */
        traffic_build_udp(g, q, g->frame, g->gen_size);
        for (size_t b = 0;
             b < GUEST_TX_RING_SIZE && allowed >= 1.0 && netfront_tx_room(q);
             b++) {
            traffic_stamp_udp(q, g->frame, g->gen_size);
            netfront_xmit(g, q, NULL, g->frame, g->gen_size);
            allowed -= 1.0;
            if (g->gen_pps) {
                g->gen_tokens -= 1.0;
            }
            sent = true;
            n_sent++;
        }
        if (sent) {
            netfront_tx_push(g, q);
        }
    }
    return n_sent;
}

void
traffic_apply_backend_mtu(struct guest *g)
{
    char *path = xasprintf("%s/mtu", g->be_path);
    unsigned int len = 0;
    char *text
        = g->ctl_sock >= 0 ? xs_read(g->xs, XBT_NULL, path, &len) : NULL;
    int mtu;

    if (text && str_to_int(text, 10, &mtu) && mtu >= 68
        && mtu <= XEN_NETIF_MAX_TX_SIZE - ETH_HEADER_LEN) {
        struct ifreq ifr;

        memset(&ifr, 0, sizeof ifr);
        ovs_strlcpy(ifr.ifr_name, "eth0", sizeof ifr.ifr_name);
        ifr.ifr_mtu = mtu;
        if (ioctl(g->ctl_sock, SIOCSIFMTU, &ifr) < 0) {
            VLOG_WARN("vif%u.%u: setting eth0's MTU to %d (%s): %s", g->domid,
                      g->devid, mtu, path, ovs_strerror(errno));
        } else {
            VLOG_INFO("vif%u.%u: eth0 MTU %d, from %s", g->domid, g->devid,
                      mtu, path);
        }
    } else if (text) {
        VLOG_WARN("vif%u.%u: %s is \"%.16s\", not an MTU; ignored", g->domid,
                  g->devid, path, text);
    }
    free(text);
    free(path);
}

int
traffic_create_tap(struct guest *g)
{
    char *ns_path = xasprintf("/run/netns/%s", g->netns);
    int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int ns = open(ns_path, O_RDONLY | O_CLOEXEC);
    int error = 0;

    if (self < 0 || ns < 0) {
        error = errno;
        VLOG_ERR("%s: %s (create it with 'ip netns add %s')", ns_path,
                 ovs_strerror(error), g->netns);
        goto out;
    }
    if (setns(ns, CLONE_NEWNET) < 0) {
        error = errno;
        VLOG_ERR("entering namespace %s: %s", g->netns, ovs_strerror(error));
        goto out;
    }

    unsigned int n = g->n_queues_wanted;
    for (g->n_taps = 0; g->n_taps < n; g->n_taps++) {
        struct ifreq ifr;
        int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

        if (fd < 0) {
            error = errno;
            break;
        }
        memset(&ifr, 0, sizeof ifr);
        ovs_strlcpy(ifr.ifr_name, "eth0", sizeof ifr.ifr_name);
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
                        | (n > 1 ? IFF_MULTI_QUEUE : 0);
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
            error = errno;
            close(fd);
            break;
        }
        g->tap_fds[g->n_taps] = fd;
    }

    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (!error && s >= 0) {
        struct ifreq ifr;

        memset(&ifr, 0, sizeof ifr);
        ovs_strlcpy(ifr.ifr_name, "eth0", sizeof ifr.ifr_name);
        ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
        memcpy(ifr.ifr_hwaddr.sa_data, g->mac, 6);
        if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0) {
            error = errno;
        }
        memset(&ifr, 0, sizeof ifr);
        ovs_strlcpy(ifr.ifr_name, "eth0", sizeof ifr.ifr_name);
        if (!error && !ioctl(s, SIOCGIFFLAGS, &ifr)) {
            ifr.ifr_flags |= IFF_UP;
            if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
                error = errno;
            }
        }
    }
    if (s >= 0 && !error) {
        g->ctl_sock = s;
    } else if (s >= 0) {
        close(s);
    }
    if (error) {
        VLOG_ERR("creating eth0 in namespace %s: %s", g->netns,
                 ovs_strerror(error));
    }
    if (setns(self, CLONE_NEWNET) < 0) {
        ovs_fatal(errno, "returning to the original network namespace");
    }

out:
    if (self >= 0) {
        close(self);
    }
    if (ns >= 0) {
        close(ns);
    }
    free(ns_path);
    return error;
}

/* What the tap may hand us, given the backend's features (netfront's
 * xennet_fix_features()). */
void
traffic_set_tap_offloads(struct guest *g)
{
    unsigned int off = TUN_F_CSUM;

    if (g->be_sg && g->be_gso4) {
        off |= TUN_F_TSO4;
    }
    if (g->be_sg && g->be_gso6) {
        off |= TUN_F_TSO6;
    }
    for (unsigned int i = 0; i < g->n_taps; i++) {
        if (ioctl(g->tap_fds[i], TUNSETOFFLOAD, off) < 0) {
            VLOG_WARN("eth0: TUNSETOFFLOAD: %s", ovs_strerror(errno));
        }
    }
}

void
traffic_deliver(struct guest *g, struct guest_queue *q,
                const struct virtio_net_hdr *vh, const uint8_t *frame,
                size_t len)
{
    if (q->tap_fd >= 0) {
        struct iovec iov[2] = {
            {.iov_base = CONST_CAST(struct virtio_net_hdr *, vh),
             .iov_len = sizeof *vh},
            {.iov_base = CONST_CAST(uint8_t *, frame), .iov_len = len},
        };
        if (writev(q->tap_fd, iov, 2) < 0) {
            g->c.rx_drops++;
        }
    }
}
