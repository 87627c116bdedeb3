/* agent/ifroute.c: default routes with libnl-route-3 (ifroute.h). */

#include <config.h>
#include "agent/ifroute.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <string.h>
#include <sys/socket.h>

/* Builds in '*routep' the default route via 'gateway' on 'device'.
 * Returns a libnl error (negative) or 0. */
static int
xifr_build(struct nl_sock *sock, const char *device, const char *gateway,
           struct rtnl_route **routep)
{
    struct rtnl_link *link = NULL;
    struct nl_addr *gw = NULL, *dst = NULL;
    static const unsigned char zero[16];
    int err;

    *routep = NULL;
    err = rtnl_link_get_kernel(sock, 0, device, &link);
    if (err) {
        return err;
    }
    err = nl_addr_parse(gateway, AF_UNSPEC, &gw);
    if (err) {
        rtnl_link_put(link);
        return err;
    }
    int family = nl_addr_get_family(gw);
    dst = nl_addr_build(family, zero, family == AF_INET ? 4 : 16);
    struct rtnl_route *route = rtnl_route_alloc();
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    if (!dst || !route || !nh) {
        err = -NLE_NOMEM;
    } else {
        nl_addr_set_prefixlen(dst, 0);
        rtnl_route_set_family(route, family);
        rtnl_route_set_table(route, RT_TABLE_MAIN);
        rtnl_route_set_protocol(route, RTPROT_STATIC);
        rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
        rtnl_route_set_type(route, RTN_UNICAST);
        err = rtnl_route_set_dst(route, dst);
        if (!err) {
            rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(link));
            rtnl_route_nh_set_gateway(nh, gw);
            rtnl_route_add_nexthop(route, nh);
            nh = NULL;
            *routep = route;
            route = NULL;
        }
    }
    if (nh) {
        rtnl_route_nh_free(nh);
    }
    if (route) {
        rtnl_route_put(route);
    }
    nl_addr_put(dst);
    nl_addr_put(gw);
    rtnl_link_put(link);
    return err;
}

static int
xifr_errno(int err)
{
    switch (-err) {
    case 0:
        return 0;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
        return ENODEV;
    case NLE_EXIST:
        return EEXIST;
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

/* Runs 'op' on the default route via 'gateway' on 'device'; returns a
 * libnl error. */
static int
xifr_run(const char *device, const char *gateway, bool add)
{
    struct nl_sock *sock = nl_socket_alloc();
    struct rtnl_route *route = NULL;
    int err;

    if (!sock) {
        return -NLE_NOMEM;
    }
    err = nl_connect(sock, NETLINK_ROUTE);
    if (!err) {
        err = xifr_build(sock, device, gateway, &route);
    }
    if (!err) {
        err = (add ? rtnl_route_add(sock, route, NLM_F_EXCL)
                   : rtnl_route_delete(sock, route, 0));
    }
    rtnl_route_put(route);
    nl_socket_free(sock);
    return err;
}

int
xifr_add_default(const char *device, const char *gateway, bool *added)
{
    int err = xifr_run(device, gateway, true);

    *added = !err;
    if (err == -NLE_EXIST) {
        /* This very route, or another default route? */
        return xifr_run(device, gateway, false)          ? EEXIST
               : (err = xifr_run(device, gateway, true)) ? xifr_errno(err)
                                                         : 0;
    }
    if (err == -NLE_NOADDR || err == -NLE_INVAL) {
        return ENETUNREACH; /* gateway not on link (no address yet) */
    }
    return xifr_errno(err);
}

int
xifr_del_default(const char *device, const char *gateway)
{
    int err = xifr_run(device, gateway, false);
    return err == -NLE_OBJ_NOTFOUND ? ESRCH : xifr_errno(err);
}
