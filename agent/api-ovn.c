/* agent/api-ovn.c: host-ovn-join and host-ovn-leave, which join this host
 * to its pool's OVN (docs/ovn.md) or take it out.
 *
 * The settings live in the pool record's other_config under the keys
 * below; reconcile-ovn.c writes them into the Open_vSwitch row's
 * external_ids, which ovn-controller reads.  Part of the request executor:
 * api.c dispatches here. */
#include <config.h>
#include "agent/api-private.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "agent/reconcile-private.h"
#include "agent/records.h"
#include "smap.h"
#include "util.h"

/* Each parameter of host-ovn-join and its key in the pool's other_config. */
static const struct {
    const char *param;
    const char *key;
} ovn_keys[] = {
    {"remote", XRC_OVN_REMOTE},
    {"encap-ip", XRC_OVN_ENCAP_IP},
    {"encap-type", XRC_OVN_ENCAP_TYPE},
    {"system-id", XRC_OVN_SYSTEM_ID},
    {"bridge-mappings", XRC_OVN_BRIDGE_MAPPINGS},
};

static bool
is_ident(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (!n || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i])) {
            return false;
        }
    }
    return true;
}

/* "tcp:A:P" or "ssl:A:P" (A an IPv4 address or [IPv6]), or "unix:PATH";
 * several separated by ','. */
static char *
check_remote(const char *s)
{
    if (!*s || strlen(s) > 1024) {
        return xstrdup("must be 1..1024 characters");
    }
    char *copy = xstrdup(s), *save = NULL, *bad = NULL;
    for (char *r = strtok_r(copy, ",", &save); r && !bad;
         r = strtok_r(NULL, ",", &save)) {
        if (!strncmp(r, "unix:", 5) && r[5]) {
            continue;
        }
        if (strncmp(r, "tcp:", 4) && strncmp(r, "ssl:", 4)) {
            bad = xasprintf("\"%.64s\" is not tcp:ADDRESS:PORT, "
                            "ssl:ADDRESS:PORT or unix:PATH",
                            r);
            break;
        }
        char *addr = r + 4, *colon = strrchr(addr, ':');
        char *end;
        long port = colon ? strtol(colon + 1, &end, 10) : 0;
        struct in6_addr a6;
        struct in_addr a4;
        if (!colon || !colon[1] || *end || port < 1 || port > 65535) {
            bad = xasprintf("\"%.64s\" has no port 1..65535", r);
            break;
        }
        *colon = '\0';
        size_t n = strlen(addr);
        bool ok = inet_pton(AF_INET, addr, &a4) == 1;
        if (!ok && n > 2 && addr[0] == '[' && addr[n - 1] == ']') {
            addr[n - 1] = '\0';
            ok = inet_pton(AF_INET6, addr + 1, &a6) == 1;
        }
        if (!ok) {
            bad = xasprintf("\"%.64s\" is not an IPv4 or [IPv6] address",
                            r + 4);
        }
    }
    free(copy);
    return bad;
}

/* "physnet:bridge,..." */
static char *
check_mappings(const char *s)
{
    char *copy = xstrdup(s), *save = NULL, *bad = NULL;
    for (char *m = strtok_r(copy, ",", &save); m && !bad;
         m = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(m, ':');
        if (!colon) {
            bad = xasprintf("\"%.64s\" is not PHYSNET:BRIDGE", m);
            break;
        }
        *colon = '\0';
        if (!is_ident(m, 64) || !is_ident(colon + 1, 15)) {
            bad = xasprintf("\"%.64s:%.64s\" is not PHYSNET:BRIDGE (names of "
                            "letters, digits, _ . -; a bridge at most 15)",
                            m, colon + 1);
        }
    }
    free(copy);
    return bad;
}

int
xapi_host_ovn_join(struct xapi_ctx *c)
{
    const char *remote = xapi_arg(c, "remote");
    const char *ip = xapi_arg(c, "encap-ip");
    const char *type = xapi_arg(c, "encap-type");
    const char *sysid = xapi_arg(c, "system-id");
    const char *maps = xapi_arg(c, "bridge-mappings");
    struct in_addr a4;
    struct in6_addr a6;

    if (!xapi_check(c, "remote", check_remote(remote))) {
        return c->code;
    }
    if (inet_pton(AF_INET, ip, &a4) != 1
        && inet_pton(AF_INET6, ip, &a6) != 1) {
        XAPI_REJECT(c, "encap-ip", "\"%.64s\" is not an IP address", ip);
        return c->code;
    }
    if (type && strcmp(type, "geneve") && strcmp(type, "vxlan")) {
        XAPI_REJECT(c, "encap-type", "\"%.64s\" is not geneve or vxlan", type);
        return c->code;
    }
    if (sysid && !is_ident(sysid, 64)) {
        XAPI_REJECT(c, "system-id",
                    "\"%.64s\" is not 1..64 letters, digits, _ . -", sysid);
        return c->code;
    }
    if (maps && *maps
        && !xapi_check(c, "bridge-mappings", check_mappings(maps))) {
        return c->code;
    }

    const struct xrec_pool *cur = xrec_db_pool(c->db);
    struct smap oc;
    smap_clone(&oc, &cur->other_config);
    for (size_t i = 0; i < ARRAY_SIZE(ovn_keys); i++) {
        const char *v = xapi_arg(c, ovn_keys[i].param);
        if (!strcmp(ovn_keys[i].param, "encap-type") && !v) {
            v = "geneve";
        }
        if (v && *v) {
            smap_replace(&oc, ovn_keys[i].key, v);
        } else {
            smap_remove(&oc, ovn_keys[i].key);
        }
    }
    if (smap_equal(&oc, &cur->other_config)) {
        smap_destroy(&oc);
        return 0;
    }
    xapi_set_smap(c, &xrec_db_pool_mutable(c->db)->other_config, &oc);
    return 0;
}

int
xapi_host_ovn_leave(struct xapi_ctx *c)
{
    const struct xrec_pool *cur = xrec_db_pool(c->db);
    struct smap oc;
    smap_clone(&oc, &cur->other_config);
    for (size_t i = 0; i < ARRAY_SIZE(ovn_keys); i++) {
        smap_remove(&oc, ovn_keys[i].key);
    }
    if (smap_equal(&oc, &cur->other_config)) {
        smap_destroy(&oc);
        return 0;
    }
    xapi_set_smap(c, &xrec_db_pool_mutable(c->db)->other_config, &oc);
    return 0;
}
