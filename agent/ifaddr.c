/* agent/ifaddr.c: IPv4 addresses on links with libnl-route-3 (ifaddr.h). */

#include <config.h>
#include "agent/ifaddr.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <sys/socket.h>

#include "agent/pifscan.h"

/* Builds in '*addrp' the rtnl_addr 'prefix' on 'device' over 'sock'.
 * Returns a libnl error (negative) or 0. */
static int
xifa_build(struct nl_sock *sock, const char *device, const char *prefix,
           struct rtnl_addr **addrp)
{
    struct rtnl_link *link = NULL;
    struct nl_addr *local = NULL;
    int err = rtnl_link_get_kernel(sock, 0, device, &link);

    *addrp = NULL;
    if (err) {
        return err;
    }
    err = nl_addr_parse(prefix, AF_UNSPEC, &local);
    if (!err) {
        struct rtnl_addr *addr = rtnl_addr_alloc();
        if (!addr) {
            err = -NLE_NOMEM;
        } else {
            rtnl_addr_set_ifindex(addr, rtnl_link_get_ifindex(link));
            rtnl_addr_set_family(addr, nl_addr_get_family(local));
            err = rtnl_addr_set_local(addr, local);
            if (err) {
                rtnl_addr_put(addr);
            } else {
                *addrp = addr;
            }
        }
        nl_addr_put(local);
    }
    rtnl_link_put(link);
    return err;
}

/* A libnl error (negative, or 0) as a positive errno value. */
static int
xifa_errno(int err)
{
    switch (-err) {
    case 0:
        return 0;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
        return ENODEV;
    case NLE_NOADDR:
        return EADDRNOTAVAIL;
    case NLE_NOMEM:
        return ENOMEM;
    case NLE_PERM:
    case NLE_NOACCESS:
        return EPERM;
    case NLE_INVAL:
        return EINVAL;
    default:
        return EIO;
    }
}

int
xifa_add(const char *device, const char *prefix, bool *added)
{
    struct nl_sock *sock = nl_socket_alloc();
    struct rtnl_addr *addr = NULL;
    bool raised;
    int err;

    *added = false;
    if (!sock) {
        return ENOMEM;
    }
    err = nl_connect(sock, NETLINK_ROUTE);
    if (!err) {
        err = xifa_build(sock, device, prefix, &addr);
    }
    if (!err) {
        err = rtnl_addr_add(sock, addr, NLM_F_EXCL);
        *added = !err;
        if (err == -NLE_EXIST) {
            err = 0;
        }
    }
    rtnl_addr_put(addr);
    nl_socket_free(sock);
    return err ? xifa_errno(err) : xpif_link_up(device, &raised);
}

int
xifa_del(const char *device, const char *prefix)
{
    struct nl_sock *sock = nl_socket_alloc();
    struct rtnl_addr *addr = NULL;
    int err;

    if (!sock) {
        return ENOMEM;
    }
    err = nl_connect(sock, NETLINK_ROUTE);
    if (!err) {
        err = xifa_build(sock, device, prefix, &addr);
    }
    if (!err) {
        err = rtnl_addr_delete(sock, addr, 0);
    }
    rtnl_addr_put(addr);
    nl_socket_free(sock);
    return xifa_errno(err);
}
