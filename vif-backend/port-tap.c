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
 * into the switch.  destroy() (the VIF went offline) deletes it. */
#include <config.h>

#include "vif-backend/port.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
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

struct port_tap {
    struct vif_port up;
    char name[IFNAMSIZ];
    bool multi_queue;
    unsigned int offloads; /* VIF_PORT_OFF_* */
    int fds[TAP_MAX_QUEUES];
    size_t n_fds;
};

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
    int error = port_tap_open_fd(name, multi_queue, &tap->fds[0]);
    if (error == EINVAL && existed) {
        /* A tap of ours from before, with the other queue mode. */
        port_tap_delete_stale(name, !multi_queue);
        existed = false;
        error = port_tap_open_fd(name, multi_queue, &tap->fds[0]);
    }
    if (!error) {
        tap->n_fds = 1;
        error = ioctl(tap->fds[0], TUNSETPERSIST, 1) < 0 ? errno : 0;
    }
    if (!error) {
        error = port_tap_apply_offloads(tap->fds[0], 0);
    }
    if (!error) {
        error = port_tap_link_setup(name);
    }
    if (error) {
        VLOG_WARN("%s: cannot create tap: %s", name, ovs_strerror(error));
        if (tap->n_fds) {
            if (!existed) {
                ioctl(tap->fds[0], TUNSETPERSIST, 0);
            }
            close(tap->fds[0]);
        }
        free(tap);
        return error;
    }
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
            close(tap->fds[i]);
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
            ioctl(tap->fds[0], TUNSETPERSIST, 0);
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
        close(tap->fds[--tap->n_fds]);
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
        tap->fds[tap->n_fds++] = fd;
    }
    return 0;
}

static int
port_tap_set_offloads(struct vif_port *port, unsigned int offloads)
{
    struct port_tap *tap = port_tap_cast(port);

    tap->offloads = offloads;
    for (size_t i = 0; i < tap->n_fds; i++) {
        int error = port_tap_apply_offloads(tap->fds[i], offloads);
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

    return ioctl(tap->fds[0], TUNSETCARRIER, &on) < 0 ? errno : 0;
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
        n = writev(tap->fds[queue], iov, 2);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EWOULDBLOCK ? EAGAIN : errno;
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
    ssize_t n;
    do {
        n = readv(tap->fds[queue], iov, 2);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EWOULDBLOCK ? EAGAIN : errno;
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
        poll_fd_wait(tap->fds[queue], POLLIN);
    }
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
};
