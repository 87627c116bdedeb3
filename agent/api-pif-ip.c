/* agent/api-pif-ip.c: a PIF's IP configuration and the management PIF:
 * pif-reconfigure-ip, pif-reconfigure-ipv6, host-management-reconfigure
 * and host-management-disable, as xe has them.
 *
 * The records only: reconcile-pif-ip.c puts the addresses on the PIF's
 * network's bridge (its internal interface) and the management PIF's
 * gateways as default routes.  xovs runs no DHCP client, so mode dhcp is
 * refused with the reason. */

#include <config.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "agent/api-private.h"
#include "agent/api-ethtool.h"
#include "agent/records-pif-ip.h"
#include "util.h"

/* Reads optional address parameter 'name' with 'parse' into 'out' (left
 * alone if absent or empty).  Returns false after rejecting it. */
static bool
arg_addr(struct xapi_ctx *c, const char *name,
         char *(*parse)(const char *, char *), char *out)
{
    const char *s = xapi_arg(c, name);
    return !s || !*s || xapi_check(c, name, parse(s, out));
}

/* Rejects the parameters in 'names' (NULL-terminated) that are given with
 * a value although mode 'mode' takes none. */
static bool
reject_unused(struct xapi_ctx *c, const char *const *names, const char *mode)
{
    for (; *names; names++) {
        const char *s = xapi_arg(c, *names);
        if (s && *s) {
            return XAPI_REJECT(c, *names, "only with mode=static (mode is %s)",
                               mode);
        }
    }
    return true;
}

/* The mode parameter, rejecting dhcp: xovs runs no DHCP client. */
static bool
arg_mode(struct xapi_ctx *c, bool ipv6, enum xrec_ip_mode *mode)
{
    const char *s = xapi_arg_required(c, "mode");
    if (!s || !xapi_check(c, "mode", xrec_ip_mode_parse(s, ipv6, mode))) {
        return false;
    }
    if (*mode == XREC_IP_DHCP) {
        return XAPI_REJECT(c, "mode",
                           "dhcp is not supported: xovs runs no DHCP client "
                           "(dhclient is not started for the bridge); use "
                           "mode=static%s",
                           ipv6 ? " or mode=autoconf" : "");
    }
    return true;
}

/* The PIF named by 'uuid', if its IP may be configured: not a bond
 * member (its network's bridge does not carry it). */
static struct xrec_pif *
arg_pif(struct xapi_ctx *c, const char *name)
{
    struct xrec_pif *pif = XAPI_ARG_RECORD(c, name, xrec_find_pif, "PIF");
    const struct xrec_bond *bond
        = pif ? xrec_find_bond_by_slave(c->db, pif->uuid) : NULL;

    if (bond) {
        XAPI_REJECT(c, name,
                    "PIF %s (%s) is a member of bond %s; configure the "
                    "bond's PIF %s",
                    pif->uuid, pif->device, bond->uuid, bond->master);
        return NULL;
    }
    return pif;
}

/* Another PIF that has address 'addr' ("" never matches). */
static const struct xrec_pif *
pif_with_address(const struct xrec_db *db, const struct xrec_pif *self,
                 const char *addr, bool ipv6)
{
    for (size_t i = 0; *addr && i < db->n_pifs; i++) {
        const struct xrec_pif *p = db->pifs[i];
        const char *a = ipv6 ? p->ip.ipv6 : p->ip.ip;
        size_t len = ipv6 ? strcspn(a, "/") : strlen(a);
        if (p != self && len == strcspn(addr, "/") && !strncmp(a, addr, len)) {
            return p;
        }
    }
    return NULL;
}

static void
set_ip(struct xapi_ctx *c, struct xrec_pif *pif, const struct xrec_pif_ip *ip)
{
    if (memcmp(&pif->ip, ip, sizeof *ip)) {
        pif->ip = *ip;
        c->changed = true;
    }
}

int
xapi_pif_reconfigure_ip(struct xapi_ctx *c)
{
    static const char *const fields[]
        = {"IP", "netmask", "gateway", "DNS", NULL};
    struct xrec_pif *pif = arg_pif(c, "uuid");
    enum xrec_ip_mode mode;

    if (!pif || !arg_mode(c, false, &mode)) {
        return c->code;
    }

    struct xrec_pif_ip ip = pif->ip;
    ip.mode = mode;
    memset(ip.ip, 0, sizeof ip.ip);
    memset(ip.netmask, 0, sizeof ip.netmask);
    memset(ip.gateway, 0, sizeof ip.gateway);
    memset(ip.dns, 0, sizeof ip.dns);
    if (mode != XREC_IP_STATIC) {
        if (!reject_unused(c, fields, xrec_ip_mode_to_string(mode))) {
            return c->code;
        }
        set_ip(c, pif, &ip);
        return 0;
    }
    if (!xapi_arg_required(c, "IP") || !xapi_arg_required(c, "netmask")
        || !arg_addr(c, "IP", xrec_pif_ip_parse4, ip.ip)
        || !arg_addr(c, "netmask", xrec_pif_ip_parse_netmask, ip.netmask)
        || !arg_addr(c, "gateway", xrec_pif_ip_parse4, ip.gateway)
        || !arg_addr(c, "DNS", xrec_pif_ip_parse_dns, ip.dns)) {
        return c->code;
    }
    if (!*ip.ip || !*ip.netmask) {
        XAPI_REJECT(c, *ip.ip ? "netmask" : "IP",
                    "must not be empty with mode=static");
        return c->code;
    }

    struct in_addr a, m, g;
    inet_pton(AF_INET, ip.ip, &a);
    inet_pton(AF_INET, ip.netmask, &m);
    uint32_t host = ntohl(a.s_addr) & ~ntohl(m.s_addr);
    if (xrec_pif_ip_plen(ip.netmask) < 31
        && (!host || host == ~ntohl(m.s_addr))) {
        XAPI_REJECT(c, "IP", "%s is the %s address of its subnet (netmask %s)",
                    ip.ip, host ? "broadcast" : "network", ip.netmask);
        return c->code;
    }
    if (*ip.gateway) {
        inet_pton(AF_INET, ip.gateway, &g);
        if ((g.s_addr ^ a.s_addr) & m.s_addr || g.s_addr == a.s_addr) {
            XAPI_REJECT(c, "gateway",
                        "%s is not another address in %s's subnet "
                        "(netmask %s)",
                        ip.gateway, ip.ip, ip.netmask);
            return c->code;
        }
    }
    const struct xrec_pif *other = pif_with_address(c->db, pif, ip.ip, false);
    if (other) {
        XAPI_REJECT(c, "IP", "%s is already PIF %s's (%s)", ip.ip, other->uuid,
                    other->device);
        return c->code;
    }
    set_ip(c, pif, &ip);
    return 0;
}

int
xapi_pif_reconfigure_ipv6(struct xapi_ctx *c)
{
    static const char *const fields[] = {"IPv6", "gateway", NULL};
    struct xrec_pif *pif = arg_pif(c, "uuid");
    enum xrec_ip_mode mode;

    if (!pif || !arg_mode(c, true, &mode)) {
        return c->code;
    }

    struct xrec_pif_ip ip = pif->ip;
    ip.ipv6_mode = mode;
    memset(ip.ipv6, 0, sizeof ip.ipv6);
    memset(ip.ipv6_gateway, 0, sizeof ip.ipv6_gateway);
    if (mode != XREC_IP_STATIC) {
        if (!reject_unused(c, fields, xrec_ip_mode_to_string(mode))) {
            return c->code;
        }
        if (!arg_addr(c, "DNS", xrec_pif_ip_parse_dns, ip.dns)) {
            return c->code;
        }
        set_ip(c, pif, &ip);
        return 0;
    }
    if (!xapi_arg_required(c, "IPv6")
        || !arg_addr(c, "IPv6", xrec_pif_ip_parse6_prefix, ip.ipv6)
        || !arg_addr(c, "gateway", xrec_pif_ip_parse6, ip.ipv6_gateway)
        || !arg_addr(c, "DNS", xrec_pif_ip_parse_dns, ip.dns)) {
        return c->code;
    }
    if (!*ip.ipv6) {
        XAPI_REJECT(c, "IPv6", "must not be empty with mode=static");
        return c->code;
    }
    struct in6_addr a6;
    char addr[INET6_ADDRSTRLEN];
    snprintf(addr, sizeof addr, "%.*s", (int)strcspn(ip.ipv6, "/"), ip.ipv6);
    inet_pton(AF_INET6, addr, &a6);
    if (IN6_IS_ADDR_MULTICAST(&a6) || IN6_IS_ADDR_LOOPBACK(&a6)
        || IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_LINKLOCAL(&a6)) {
        XAPI_REJECT(c, "IPv6", "%s is not a unicast global address for a host",
                    addr);
        return c->code;
    }
    if (!strcmp(addr, ip.ipv6_gateway)) {
        XAPI_REJECT(c, "gateway", "%s is the PIF's own address",
                    ip.ipv6_gateway);
        return c->code;
    }
    const struct xrec_pif *other = pif_with_address(c->db, pif, ip.ipv6, true);
    if (other) {
        XAPI_REJECT(c, "IPv6", "%s is already PIF %s's (%s)", addr,
                    other->uuid, other->device);
        return c->code;
    }
    set_ip(c, pif, &ip);
    return 0;
}

int
xapi_host_management_reconfigure(struct xapi_ctx *c)
{
    struct xrec_pif *pif = arg_pif(c, "pif-uuid");

    if (!pif) {
        return c->code;
    }
    if (pif->ip.mode == XREC_IP_NONE && pif->ip.ipv6_mode == XREC_IP_NONE) {
        XAPI_REJECT(c, "pif-uuid",
                    "PIF %s (%s) has no IP configuration; give it one with "
                    "pif-reconfigure-ip or pif-reconfigure-ipv6 first",
                    pif->uuid, pif->device);
        return c->code;
    }
    for (size_t i = 0; i < c->db->n_pifs; i++) {
        struct xrec_pif *p = c->db->pifs[i];
        xapi_set_bool(c, &p->management, p == pif);
    }
    return 0;
}

int
xapi_host_management_disable(struct xapi_ctx *c)
{
    for (size_t i = 0; i < c->db->n_pifs; i++) {
        xapi_set_bool(c, &c->db->pifs[i]->management, false);
    }
    return 0;
}

void
xapi_pif_put_ip(struct json_object *row, const struct xrec_pif *pif)
{
    const struct xrec_pif_ip *ip = &pif->ip;

    xrec_json_put_string(row, "IP-configuration-mode",
                         xrec_ip_mode_to_string(ip->mode));
    xrec_json_put_string(row, "IP", ip->ip);
    xrec_json_put_string(row, "netmask", ip->netmask);
    xrec_json_put_string(row, "gateway", ip->gateway);
    xrec_json_put_string(row, "DNS", ip->dns);
    xrec_json_put_string(row, "IPv6-configuration-mode",
                         xrec_ip_mode_to_string(ip->ipv6_mode));
    xrec_json_put_string(row, "IPv6", ip->ipv6);
    xrec_json_put_string(row, "IPv6-gateway", ip->ipv6_gateway);
}
