/* agent/pifscan.c: list NIC-like links with libnl-route-3 (see pifscan.h).
 *
 * An allow-list on the link kind keeps out everything a host grows besides
 * NICs (bridges, tun/tap, VLAN and bond devices, tunnels, OVS's own ports),
 * and a deny-list on names keeps out the interfaces xovs and XenServer
 * create, whatever their kind. */

#include <config.h>
#include "agent/pifscan.h"

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Kinds that are NICs: none (a real device), veth (tests and containers). */
static const char *const nic_kinds[] = {"veth"};

/* Name prefixes of interfaces that belong to xovs, Xen or OVS. */
static const char *const own_prefixes[] = {
    "vif", "tap", "xenbr", "xapi", "ovs-netdev", "ovs-system",
};

bool
xpif_is_nic(const char *name, const char *kind, unsigned int arptype,
            unsigned int flags)
{
    if (arptype != ARPHRD_ETHER || flags & IFF_LOOPBACK) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(own_prefixes); i++) {
        if (!strncmp(name, own_prefixes[i], strlen(own_prefixes[i]))) {
            return false;
        }
    }
    if (!kind) {
        return true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(nic_kinds); i++) {
        if (!strcmp(kind, nic_kinds[i])) {
            return true;
        }
    }
    return false;
}

static int
nl_to_errno(int nlerr)
{
    switch (-nlerr) {
    case NLE_NOMEM:
        return ENOMEM;
    case NLE_PERM:
    case NLE_NOACCESS:
        return EPERM;
    case NLE_AF_NOSUPPORT:
        return EAFNOSUPPORT;
    default:
        return EIO;
    }
}

static int
compare_links(const void *a_, const void *b_)
{
    const struct xpif_link *a = a_, *b = b_;
    return strverscmp(a->device, b->device);
}

static void
add_link(struct rtnl_link *link, struct xpif_link **links, size_t *n,
         size_t *allocated)
{
    struct nl_addr *addr = rtnl_link_get_addr(link);
    const unsigned char *b;

    if (!addr || nl_addr_get_len(addr) != 6) {
        return;
    }
    b = nl_addr_get_binary_addr(addr);
    if (*n >= *allocated) {
        *links = x2nrealloc(*links, allocated, sizeof **links);
    }
    struct xpif_link *l = &(*links)[(*n)++];
    l->device = xstrdup(rtnl_link_get_name(link));
    l->mac = xasprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
                       b[4], b[5]);
    l->mtu = rtnl_link_get_mtu(link);
    l->carrier = rtnl_link_get_carrier(link) != 0;
}

int
xpif_scan(struct xpif_link **links, size_t *n)
{
    struct nl_sock *sock = nl_socket_alloc();
    struct nl_cache *cache = NULL;
    size_t allocated = 0;
    int err;

    *links = NULL;
    *n = 0;
    if (!sock) {
        return ENOMEM;
    }
    err = nl_connect(sock, NETLINK_ROUTE);
    if (!err) {
        err = rtnl_link_alloc_cache(sock, AF_UNSPEC, &cache);
    }
    if (err) {
        nl_socket_free(sock);
        return nl_to_errno(err);
    }
    for (struct nl_object *obj = nl_cache_get_first(cache); obj;
         obj = nl_cache_get_next(obj)) {
        struct rtnl_link *link = (struct rtnl_link *)obj;
        const char *name = rtnl_link_get_name(link);

        if (name
            && xpif_is_nic(name, rtnl_link_get_type(link),
                           rtnl_link_get_arptype(link),
                           rtnl_link_get_flags(link))) {
            add_link(link, links, n, &allocated);
        }
    }
    nl_cache_free(cache);
    nl_socket_free(sock);
    if (*n) {
        qsort(*links, *n, sizeof **links, compare_links);
    }
    return 0;
}

int
xpif_link_up(const char *device, bool *raised)
{
    struct nl_sock *sock = nl_socket_alloc();
    struct rtnl_link *link = NULL;
    int err;

    *raised = false;
    if (!sock) {
        return ENOMEM;
    }
    err = nl_connect(sock, NETLINK_ROUTE);
    if (!err) {
        err = rtnl_link_get_kernel(sock, 0, device, &link);
        if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) {
            nl_socket_free(sock);
            return ENODEV;
        }
    }
    if (!err && !(rtnl_link_get_flags(link) & IFF_UP)) {
        struct rtnl_link *change = rtnl_link_alloc();
        if (!change) {
            err = -NLE_NOMEM;
        } else {
            rtnl_link_set_flags(change, IFF_UP);
            err = rtnl_link_change(sock, link, change, 0);
            rtnl_link_put(change);
            *raised = !err;
        }
    }
    if (link) {
        rtnl_link_put(link);
    }
    nl_socket_free(sock);
    return err ? nl_to_errno(err) : 0;
}

void
xpif_links_free(struct xpif_link *links, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(links[i].device);
        free(links[i].mac);
    }
    free(links);
}
