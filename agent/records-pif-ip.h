/* agent/records-pif-ip.h: a PIF's IP configuration (xapi's
 * ip_configuration_mode, IP, netmask, gateway, DNS and their IPv6 twins).
 *
 * Kept by value inside 'struct xrec_pif' (fixed-size strings), so copying
 * a PIF copies it.  pif-reconfigure-ip/-ipv6 (api-pif-ip.c) set it; the
 * agent puts the addresses on the PIF's network's bridge, and the
 * management PIF's gateways as the default routes (reconcile-pif-ip.c). */
#ifndef XREC_RECORDS_PIF_IP_H
#define XREC_RECORDS_PIF_IP_H 1

#include <netinet/in.h>
#include <stdbool.h>

struct json_object;

enum xrec_ip_mode {
    XREC_IP_NONE,     /* no address */
    XREC_IP_DHCP,     /* a DHCP client's (not run by xovs: refused) */
    XREC_IP_STATIC,   /* the record's address */
    XREC_IP_AUTOCONF, /* IPv6 only: the kernel's SLAAC */
};

#define XREC_DNS_MAX 3 /* servers in DNS, as resolv.conf's nameserver */
#define XREC_IP6_PREFIX_LEN (INET6_ADDRSTRLEN + 4)

struct xrec_pif_ip {
    enum xrec_ip_mode mode;                    /* NONE, DHCP or STATIC */
    char ip[INET_ADDRSTRLEN];                  /* "" or canonical A.B.C.D */
    char netmask[INET_ADDRSTRLEN];             /* "" or a contiguous mask */
    char gateway[INET_ADDRSTRLEN];             /* "" or A.B.C.D */
    char dns[XREC_DNS_MAX * INET6_ADDRSTRLEN]; /* "" or "A,B,C" */
    enum xrec_ip_mode ipv6_mode;               /* any */
    char ipv6[XREC_IP6_PREFIX_LEN];            /* "" or "2001:db8::1/64" */
    char ipv6_gateway[INET6_ADDRSTRLEN];       /* "" or canonical */
};

/* xapi's names: "None", "DHCP", "Static", "Autoconf". */
const char *xrec_ip_mode_to_string(enum xrec_ip_mode);
/* Parses 'mode' (any case); 'ipv6' admits autoconf.  NULL or a reason. */
char *xrec_ip_mode_parse(const char *mode, bool ipv6, enum xrec_ip_mode *);

/* Validators (NULL or a malloc'd reason not naming the field); the parse
 * ones store the canonical form in 'out' (at least INET6_ADDRSTRLEN or
 * XREC_IP6_PREFIX_LEN bytes as the member it fills). */
char *xrec_pif_ip_parse4(const char *s, char *out);
char *xrec_pif_ip_parse_netmask(const char *s, char *out);
char *xrec_pif_ip_parse6(const char *s, char *out);
char *xrec_pif_ip_parse6_prefix(const char *s, char *out);
char *xrec_pif_ip_parse_dns(const char *s, char *out);

/* The prefix length of netmask 'mask' (checked). */
int xrec_pif_ip_plen(const char *mask);

/* Field names in the store, for the PIF parser's list of known fields. */
#define XREC_PIF_IP_FIELDS                                                    \
    "ip_configuration_mode", "IP", "netmask", "gateway", "DNS",               \
        "ipv6_configuration_mode", "IPv6", "ipv6_gateway"

/* Adds the configuration's store fields to PIF object 'obj' (none when
 * both modes are None, so stores without IP configuration are as before). */
void xrec_pif_ip_to_json(struct json_object *obj, const struct xrec_pif_ip *);
/* Reads them from 'obj' into 'ip' (zeroed by the caller).  Returns NULL or
 * a malloc'd reason, with '*field' the field at fault. */
char *xrec_pif_ip_from_json(struct json_object *obj, struct xrec_pif_ip *ip,
                            const char **field);

#endif /* agent/records-pif-ip.h */
