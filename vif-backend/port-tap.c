/* vif-backend/port-tap.c: the tap port back end (see port.h).
 *
 * The tap is IFF_TAP | IFF_NO_PI | IFF_VNET_HDR with a 10-byte
 * virtio_net_hdr (TUNSETVNETHDRSZ), MAC fe:ff:ff:ff:ff:ff like Xen's vif
 * devices (the guest owns its real MAC; the backend side never sources
 * frames), without ARP, multicast or IPv6 (so dom0's own stack never speaks
 * into the guest's ring through it), and is brought up at once.  For a
 * multi-queue VIF it is created with IFF_MULTI_QUEUE and each further queue is
 * one more fd attached to the same device; the kernel spreads frames over the
 * fds by flow.
 *
 * The tap is persistent (TUNSETPERSIST): it outlives the backend process,
 * so that a restarted xovs-netback reattaches to the very same device.  OVS's
 * userspace datapath reads a system port through an AF_PACKET socket bound to
 * the device's ifindex and never rebinds it, so a tap deleted and created
 * again under the same name would silently stop carrying the guest's frames
 * into the switch.  destroy() (the VIF went offline) deletes it.
 *
 * Reading.  Every tap fd of every port sits in one epoll set (the class's,
 * made at the first open) with EPOLLONESHOT: once epoll reports a queue
 * readable it is "ready" and reported no more; recv() reads it until a read
 * finds it empty (EAGAIN), and only then is it armed again (EPOLL_CTL_MOD,
 * which reports it at once if a frame came in between).  recv() on a queue
 * that is not ready returns EAGAIN without a system call.  So an idle tap
 * costs nothing per poll-loop round, a round reads only the taps that have
 * frames, and poll() waits on one fd (the set), not one per tap.  A queue
 * left ready (its VIF's budget or receive queue full, or no frontend yet)
 * wakes nobody until it is read.  A queue that could not join the set
 * (epoll failed: no memory, no fds) is read and polled every round, as
 * before.
 *
 * Writing.  A frame written to a tap goes up the stack at once, in our
 * context, into the switch's socket (OVS's userspace datapath: an
 * AF_PACKET socket on the tap), and nothing tells us when that socket is
 * full: the kernel drops there, after we paid for the frame (the guest's
 * ring, the copy, the write).  When the switch shares our core, the
 * scheduler lets us run a whole time slice, writing hundreds of frames,
 * before the switch reads: at 1518 B most of them were dropped there.  So
 * after every TAP_YIELD_FRAMES frames or TAP_YIELD_BYTES bytes written
 * (to any tap), send() gives the core away (sched_yield()): a switch woken
 * by those frames reads them before we write more.  The count carries
 * over from one poll-loop round to the next, so light traffic yields
 * rarely and an idle host never. */
#include <config.h>

#include "vif-backend/port.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(vif_port_tap);

#define TAP_MAX_QUEUES 64

/* Frames or bytes written after which send() yields the core to the
 * switch (see "Writing" above): half a VIF queue's TX budget, and a sixth
 * of a socket's default receive buffer (net.core.rmem_default, 208 KiB;
 * a 1518 B frame takes about 2.3 KiB of it). */
#define TAP_YIELD_FRAMES 32
#define TAP_YIELD_BYTES (32 * 1024)

/* The readiness of one tap fd (see "Reading" above). */
struct tap_queue {
    int fd;
    bool ready;  /* reported readable and not read empty since: disarmed */
    bool polled; /* not in the epoll set: read and polled every round */
};

struct port_tap {
    struct vif_port up;
    char name[IFNAMSIZ];
    bool multi_queue;
    unsigned int offloads; /* VIF_PORT_OFF_* */
    struct tap_queue queues[TAP_MAX_QUEUES];
    size_t n_fds;
};

/* The epoll set of every tap fd: made when the first queue joins, closed
 * when the last one leaves (a netback without taps holds no fd for it); -1
 * meanwhile, or while it could not be made (then every queue is
 * 'polled'). */
static int tap_epfd = -1;
static size_t tap_n_epoll; /* queues in it */

/* Frames and bytes written to any tap since send() last yielded (see
 * "Writing"). */
static unsigned int tap_n_written;
static size_t tap_bytes_written;

/* Puts 'q' (its fd open) into the epoll set, armed.  On failure it is read
 * and polled every round instead (logged once). */
static void
tap_queue_add(struct tap_queue *q)
{
    q->ready = false;
    q->polled = false;
    if (tap_epfd < 0) {
        tap_epfd = epoll_create1(EPOLL_CLOEXEC);
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.ptr = q};
    if (tap_epfd < 0 || epoll_ctl(tap_epfd, EPOLL_CTL_ADD, q->fd, &ev) < 0) {
        static struct vlog_rate_limit rl_ep = VLOG_RATE_LIMIT_INIT(1, 1);
        VLOG_WARN_RL(&rl_ep,
                     "cannot add a tap to the epoll set: %s; that tap is "
                     "read every poll-loop round",
                     ovs_strerror(errno));
        q->polled = true;
        if (tap_epfd >= 0 && !tap_n_epoll) {
            close(tap_epfd);
            tap_epfd = -1;
        }
    } else {
        tap_n_epoll++;
    }
}

/* A queue left the epoll set. */
static void
tap_queue_left(void)
{
    if (!--tap_n_epoll) {
        close(tap_epfd);
        tap_epfd = -1;
    }
}

/* Takes 'q' out of the epoll set before its fd is closed: a hotplug child
 * between fork() and exec() may still hold the fd, and then close() alone
 * would leave it in the set, pointing at freed memory. */
static void
tap_queue_del(struct tap_queue *q)
{
    if (!q->polled) {
        epoll_ctl(tap_epfd, EPOLL_CTL_DEL, q->fd, NULL);
        tap_queue_left();
    }
    close(q->fd);
    q->fd = -1;
}

/* 'q' was read empty: armed again (reported at once if a frame came in
 * since the read). */
static void
tap_queue_rearm(struct tap_queue *q)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.ptr = q};

    q->ready = false;
    if (epoll_ctl(tap_epfd, EPOLL_CTL_MOD, q->fd, &ev) < 0) {
        static struct vlog_rate_limit rl_ep = VLOG_RATE_LIMIT_INIT(1, 1);
        VLOG_WARN_RL(&rl_ep,
                     "cannot re-arm a tap in the epoll set: %s; that tap "
                     "is read every poll-loop round",
                     ovs_strerror(errno));
        epoll_ctl(tap_epfd, EPOLL_CTL_DEL, q->fd, NULL);
        q->polled = true;
        tap_queue_left();
    }
}

static struct port_tap *
port_tap_cast(struct vif_port *port)
{
    return CONTAINER_OF(port, struct port_tap, up);
}

static int
port_tap_open_fd(const char *name, bool multi_queue, int *fdp)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return errno;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ovs_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (multi_queue) {
        ifr.ifr_flags |= IFF_MULTI_QUEUE;
    }
    int hdr_size = sizeof(struct virtio_net_hdr);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0
        || ioctl(fd, TUNSETVNETHDRSZ, &hdr_size) < 0) {
        int error = errno;
        close(fd);
        return error;
    }
    *fdp = fd;
    return 0;
}

/* Deletes a persistent tap 'name' left by an earlier backend whose queue
 * mode ('multi_queue') differs from what we want now. */
static void
port_tap_delete_stale(const char *name, bool multi_queue)
{
    int fd;

    if (!port_tap_open_fd(name, multi_queue, &fd)) {
        ioctl(fd, TUNSETPERSIST, 0);
        close(fd);
    }
}

static int
port_tap_apply_offloads(int fd, unsigned int offloads)
{
    unsigned long flags = 0;
    if (offloads & VIF_PORT_OFF_CSUM) {
        flags |= TUN_F_CSUM;
        if (offloads & VIF_PORT_OFF_TSO4) {
            flags |= TUN_F_TSO4;
        }
        if (offloads & VIF_PORT_OFF_TSO6) {
            flags |= TUN_F_TSO6;
        }
    }
    return ioctl(fd, TUNSETOFFLOAD, flags) < 0 ? errno : 0;
}

/* Turns IPv6 off on tap 'name' (before it goes up), as XenServer keeps the
 * dom0 side of a VIF out of the guests' segment.  Up with IPv6, each tap
 * sends its own router solicitations, MLD reports and DAD probes from
 * fe80::fcff:ffff:feff:ffff into its guest's ring, the same address from
 * every VIF.  Returns 0 or a positive errno; a kernel without IPv6 (no
 * such file) is 0. */
static int
port_tap_disable_ipv6(const char *name)
{
    char *path = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int error = 0;

    if (fd < 0) {
        error = errno == ENOENT ? 0 : errno;
    } else {
        if (write(fd, "1\n", 2) != 2) {
            error = errno ? errno : EIO;
        }
        close(fd);
    }
    free(path);
    return error;
}

/* The dom0 side of a VIF is only a switch port, as XenServer's vif script
 * makes it (ip link set DEV arp off multicast off, no address): Xen's
 * backend MAC, no ARP, no multicast, no IPv6, then up. */
static int
port_tap_link_setup(const char *name)
{
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        return errno;
    }
    struct ifreq ifr;
    int error = 0;

    memset(&ifr, 0, sizeof ifr);
    ovs_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memset(ifr.ifr_hwaddr.sa_data, 0xff, 6);
    ifr.ifr_hwaddr.sa_data[0] = (char)0xfe;
    if (ioctl(sock, SIOCSIFHWADDR, &ifr) < 0) {
        error = errno;
    }
    memset(&ifr, 0, sizeof ifr);
    ovs_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    if (!error && ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) {
        error = errno;
    }
    if (!error) {
        error = port_tap_disable_ipv6(name);
    }
    ifr.ifr_flags = (ifr.ifr_flags | IFF_UP | IFF_NOARP) & ~IFF_MULTICAST;
    if (!error && ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) {
        error = errno;
    }
    close(sock);
    return error;
}

static int
port_tap_open(const char *name, bool multi_queue, struct vif_port **portp)
{
    struct port_tap *tap = xzalloc(sizeof *tap);
    tap->up.class = &vif_port_tap;
    ovs_strlcpy(tap->name, name, sizeof tap->name);
    tap->multi_queue = multi_queue;

    bool existed = if_nametoindex(name) != 0;
    int fd;
    int error = port_tap_open_fd(name, multi_queue, &fd);
    if (error == EINVAL && existed) {
        /* A tap of ours from before, with the other queue mode. */
        port_tap_delete_stale(name, !multi_queue);
        existed = false;
        error = port_tap_open_fd(name, multi_queue, &fd);
    }
    if (!error) {
        tap->n_fds = 1;
        error = ioctl(fd, TUNSETPERSIST, 1) < 0 ? errno : 0;
    }
    if (!error) {
        error = port_tap_apply_offloads(fd, 0);
    }
    if (!error) {
        error = port_tap_link_setup(name);
    }
    if (error) {
        VLOG_WARN("%s: cannot create tap: %s", name, ovs_strerror(error));
        if (tap->n_fds) {
            if (!existed) {
                ioctl(fd, TUNSETPERSIST, 0);
            }
            close(fd);
        }
        free(tap);
        return error;
    }
    tap->queues[0].fd = fd;
    tap_queue_add(&tap->queues[0]);
    if (existed) {
        VLOG_INFO("%s: took over the existing tap", name);
    }
    *portp = &tap->up;
    return 0;
}

static void
port_tap_close(struct vif_port *port)
{
    if (port) {
        struct port_tap *tap = port_tap_cast(port);
        for (size_t i = 0; i < tap->n_fds; i++) {
            tap_queue_del(&tap->queues[i]);
        }
        free(tap);
    }
}

static void
port_tap_destroy(struct vif_port *port)
{
    if (port) {
        struct port_tap *tap = port_tap_cast(port);
        if (tap->n_fds) {
            /* The device goes with its last fd. */
            ioctl(tap->queues[0].fd, TUNSETPERSIST, 0);
        }
        port_tap_close(port);
    }
}

static int
port_tap_set_n_queues(struct vif_port *port, size_t n)
{
    struct port_tap *tap = port_tap_cast(port);

    if (n < 1 || n > TAP_MAX_QUEUES || (n > 1 && !tap->multi_queue)) {
        return EINVAL;
    }
    while (tap->n_fds > n) {
        tap_queue_del(&tap->queues[--tap->n_fds]);
    }
    while (tap->n_fds < n) {
        int fd;
        int error = port_tap_open_fd(tap->name, true, &fd);
        if (error) {
            return error;
        }
        error = port_tap_apply_offloads(fd, tap->offloads);
        if (error) {
            close(fd);
            return error;
        }
        tap->queues[tap->n_fds].fd = fd;
        tap_queue_add(&tap->queues[tap->n_fds++]);
    }
    return 0;
}

static int
port_tap_set_offloads(struct vif_port *port, unsigned int offloads)
{
    struct port_tap *tap = port_tap_cast(port);

    tap->offloads = offloads;
    for (size_t i = 0; i < tap->n_fds; i++) {
        int error = port_tap_apply_offloads(tap->queues[i].fd, offloads);
        if (error) {
            return error;
        }
    }
    return 0;
}

static int
port_tap_set_carrier(struct vif_port *port, bool up)
{
    struct port_tap *tap = port_tap_cast(port);
    int on = up;

    return ioctl(tap->queues[0].fd, TUNSETCARRIER, &on) < 0 ? errno : 0;
}

static int
port_tap_send(struct vif_port *port, size_t queue,
              const struct virtio_net_hdr *vnet, const void *frame,
              size_t size)
{
    struct port_tap *tap = port_tap_cast(port);
    struct iovec iov[2] = {
        {CONST_CAST(struct virtio_net_hdr *, vnet), sizeof *vnet},
        {CONST_CAST(void *, frame), size},
    };

    if (queue >= tap->n_fds) {
        queue = 0;
    }
    ssize_t n;
    do {
        n = writev(tap->queues[queue].fd, iov, 2);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EWOULDBLOCK ? EAGAIN : errno;
    }
    tap_bytes_written += size;
    if (++tap_n_written >= TAP_YIELD_FRAMES
        || tap_bytes_written >= TAP_YIELD_BYTES) {
        tap_n_written = 0;
        tap_bytes_written = 0;
        sched_yield();
    }
    return 0;
}

static int
port_tap_recv(struct vif_port *port, size_t queue, struct virtio_net_hdr *vnet,
              void *buf, size_t *size)
{
    struct port_tap *tap = port_tap_cast(port);
    struct iovec iov[2] = {
        {vnet, sizeof *vnet},
        {buf, VIF_PORT_MAX_FRAME},
    };

    if (queue >= tap->n_fds) {
        return EAGAIN;
    }
    struct tap_queue *q = &tap->queues[queue];
    if (!q->ready && !q->polled) {
        return EAGAIN; /* not reported readable since it was read empty */
    }
    ssize_t n;
    do {
        n = readv(q->fd, iov, 2);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int error = errno == EWOULDBLOCK ? EAGAIN : errno;
        if (!q->polled && error == EAGAIN) {
            tap_queue_rearm(q);
        } else if (!q->polled) {
            /* Neither a frame nor empty: the device is gone (EBADFD: it was
             * deleted under us), which no later read mends.  The queue is
             * left disarmed, so it is not read (and does not fail) every
             * round; the VIF's next port is a new one. */
            q->ready = false;
        }
        return error;
    }
    if ((size_t)n < sizeof *vnet) {
        return EPROTO;
    }
    *size = n - sizeof *vnet;
    return 0;
}

static void
port_tap_recv_wait(struct vif_port *port, size_t queue)
{
    struct port_tap *tap = port_tap_cast(port);
    if (queue < tap->n_fds) {
        const struct tap_queue *q = &tap->queues[queue];
        if (q->polled) {
            poll_fd_wait(q->fd, POLLIN);
        } else if (q->ready) {
            poll_immediate_wake(); /* frames left for the next round */
        } else {
            poll_fd_wait(tap_epfd, POLLIN); /* once per round: merged */
        }
    }
}

/* Marks every queue epoll reports readable as ready (each at most once:
 * EPOLLONESHOT), so that recv() reads it. */
static void
port_tap_run(const struct vif_port_class *class OVS_UNUSED)
{
    struct epoll_event evs[64];
    int n;

    if (tap_epfd < 0) {
        return;
    }
    do {
        n = epoll_wait(tap_epfd, evs, ARRAY_SIZE(evs), 0);
        for (int i = 0; i < n; i++) {
            struct tap_queue *q = evs[i].data.ptr;
            q->ready = true;
        }
    } while (n == ARRAY_SIZE(evs));
}

const struct vif_port_class vif_port_tap = {
    .name = "tap",
    .open = port_tap_open,
    .close = port_tap_close,
    .destroy = port_tap_destroy,
    .set_n_queues = port_tap_set_n_queues,
    .set_offloads = port_tap_set_offloads,
    .set_carrier = port_tap_set_carrier,
    .send = port_tap_send,
    .recv = port_tap_recv,
    .recv_wait = port_tap_recv_wait,
    .run = port_tap_run,
};
