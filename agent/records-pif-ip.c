/* agent/records-pif-ip.c: a PIF's IP configuration (records-pif-ip.h). */

#include <config.h>
#include "agent/records-pif-ip.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "openvswitch/util.h"
#include "util.h"

static const char *const mode_names[] = {
    [XREC_IP_NONE] = "None",
    [XREC_IP_DHCP] = "DHCP",
    [XREC_IP_STATIC] = "Static",
    [XREC_IP_AUTOCONF] = "Autoconf",
};

const char *
xrec_ip_mode_to_string(enum xrec_ip_mode mode)
{
    return (unsigned)mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

char *
xrec_ip_mode_parse(const char *s, bool ipv6, enum xrec_ip_mode *mode)
{
    for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++) {
        if (!strcasecmp(s, mode_names[i]) && (ipv6 || i != XREC_IP_AUTOCONF)) {
            *mode = i;
            return NULL;
        }
    }
    return xasprintf("\"%.64s\" is not %s", s,
                     ipv6 ? "none, dhcp, static or autoconf"
                          : "none, dhcp or static");
}

char *
xrec_pif_ip_parse4(const char *s, char *out)
{
    struct in_addr in;
    if (strlen(s) >= INET_ADDRSTRLEN || inet_pton(AF_INET, s, &in) != 1) {
        return xasprintf("\"%.64s\" is not an IPv4 address", s);
    }
    inet_ntop(AF_INET, &in, out, INET_ADDRSTRLEN);
    return NULL;
}

int
xrec_pif_ip_plen(const char *mask)
{
    struct in_addr in;
    if (inet_pton(AF_INET, mask, &in) != 1) {
        return -1;
    }
    uint32_t m = ntohl(in.s_addr);
    int plen = 0;
    while (plen < 32 && m & (UINT32_C(1) << (31 - plen))) {
        plen++;
    }
    return plen == 32 || !(m << plen) ? plen : -1;
}

char *
xrec_pif_ip_parse_netmask(const char *s, char *out)
{
    char *error = xrec_pif_ip_parse4(s, out);
    if (!error) {
        int plen = xrec_pif_ip_plen(out);
        if (plen < 1) {
            *out = '\0';
            return xasprintf("\"%.64s\" is not a netmask (contiguous ones, "
                             "e.g. 255.255.255.0)",
                             s);
        }
    } else {
        free(error);
        return xasprintf("\"%.64s\" is not a netmask (e.g. 255.255.255.0)", s);
    }
    return NULL;
}

char *
xrec_pif_ip_parse6(const char *s, char *out)
{
    struct in6_addr in6;
    if (strlen(s) >= INET6_ADDRSTRLEN || inet_pton(AF_INET6, s, &in6) != 1) {
        return xasprintf("\"%.64s\" is not an IPv6 address", s);
    }
    inet_ntop(AF_INET6, &in6, out, INET6_ADDRSTRLEN);
    return NULL;
}

char *
xrec_pif_ip_parse6_prefix(const char *s, char *out)
{
    char addr[INET6_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    int plen;

    if (!slash || (size_t)(slash - s) >= sizeof addr
        || !str_to_int(slash + 1, 10, &plen) || plen < 1 || plen > 128) {
        return xasprintf("\"%.64s\" is not an IPv6 address with a prefix "
                         "length 1..128 (e.g. 2001:db8::2/64)",
                         s);
    }
    memcpy(addr, s, slash - s);
    addr[slash - s] = '\0';
    char *error = xrec_pif_ip_parse6(addr, out);
    if (error) {
        free(error);
        return xasprintf("\"%.64s\" is not an IPv6 address with a prefix "
                         "length 1..128 (e.g. 2001:db8::2/64)",
                         s);
    }
    snprintf(out + strlen(out), XREC_IP6_PREFIX_LEN - strlen(out), "/%d",
             plen);
    return NULL;
}

char *
xrec_pif_ip_parse_dns(const char *s, char *out)
{
    char *copy = xstrdup(s), *save = NULL;
    size_t n = 0;

    *out = '\0';
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char canon[INET6_ADDRSTRLEN];
        char *e4 = xrec_pif_ip_parse4(tok, canon);
        char *e6 = e4 ? xrec_pif_ip_parse6(tok, canon) : NULL;
        bool bad = e4 && e6;
        free(e4);
        free(e6);
        if (bad || ++n > XREC_DNS_MAX) {
            char *msg
                = (bad ? xasprintf("\"%.64s\" is not an IP address", tok)
                       : xasprintf("more than %d servers", XREC_DNS_MAX));
            free(copy);
            *out = '\0';
            return msg;
        }
        if (*out) {
            strcat(out, ",");
        }
        strcat(out, canon);
    }
    free(copy);
    return NULL;
}

static void
put(struct json_object *obj, const char *key, const char *value)
{
    json_object_object_add(obj, key, json_object_new_string(value));
}

void
xrec_pif_ip_to_json(struct json_object *obj, const struct xrec_pif_ip *ip)
{
    if (ip->mode != XREC_IP_NONE) {
        put(obj, "ip_configuration_mode", xrec_ip_mode_to_string(ip->mode));
        put(obj, "IP", ip->ip);
        put(obj, "netmask", ip->netmask);
        put(obj, "gateway", ip->gateway);
        put(obj, "DNS", ip->dns);
    }
    if (ip->ipv6_mode != XREC_IP_NONE) {
        put(obj, "ipv6_configuration_mode",
            xrec_ip_mode_to_string(ip->ipv6_mode));
        put(obj, "IPv6", ip->ipv6);
        put(obj, "ipv6_gateway", ip->ipv6_gateway);
    }
}

/* Reads string field 'key' of 'obj' (absent: "") with 'parse' into 'out'. */
static char *
get(struct json_object *obj, const char *key,
    char *(*parse)(const char *, char *), char *out, const char **field)
{
    struct json_object *v;

    *field = key;
    if (!json_object_object_get_ex(obj, key, &v)) {
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string)) {
        return xstrdup("must be a string");
    }
    const char *s = json_object_get_string(v);
    return *s ? parse(s, out) : NULL;
}

/* Reads mode field 'key' of 'obj' (absent: None) into '*mode'. */
static char *
get_mode(struct json_object *obj, const char *key, bool ipv6,
         enum xrec_ip_mode *mode, const char **field)
{
    struct json_object *v;

    *field = key;
    if (!json_object_object_get_ex(obj, key, &v)) {
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string)) {
        return xstrdup("must be a string");
    }
    return xrec_ip_mode_parse(json_object_get_string(v), ipv6, mode);
}

char *
xrec_pif_ip_from_json(struct json_object *obj, struct xrec_pif_ip *ip,
                      const char **field)
{
    char *e;

    if ((e = get_mode(obj, "ip_configuration_mode", false, &ip->mode, field))
        || (e = get(obj, "IP", xrec_pif_ip_parse4, ip->ip, field))
        || (e = get(obj, "netmask", xrec_pif_ip_parse_netmask, ip->netmask,
                    field))
        || (e = get(obj, "gateway", xrec_pif_ip_parse4, ip->gateway, field))
        || (e = get(obj, "DNS", xrec_pif_ip_parse_dns, ip->dns, field))
        || (e = get_mode(obj, "ipv6_configuration_mode", true, &ip->ipv6_mode,
                         field))
        || (e = get(obj, "IPv6", xrec_pif_ip_parse6_prefix, ip->ipv6, field))
        || (e = get(obj, "ipv6_gateway", xrec_pif_ip_parse6, ip->ipv6_gateway,
                    field))) {
        return e;
    }
    *field = "ip_configuration_mode";
    if (ip->mode == XREC_IP_STATIC && (!*ip->ip || !*ip->netmask)) {
        return xstrdup("Static needs IP and netmask");
    }
    *field = "ipv6_configuration_mode";
    if (ip->ipv6_mode == XREC_IP_STATIC && !*ip->ipv6) {
        return xstrdup("Static needs IPv6");
    }
    return NULL;
}
