/* agent/reconcile-pif-ip.c: PIF IP configurations onto the host
 * (reconcile-pif-ip.h).
 *
 * As XenServer's interface-reconfigure: a PIF's address goes on its
 * network's bridge, and only the management PIF's gateway becomes the
 * default route.  Addresses are put there by the agent's address sync
 * (xovs-agent.c, ifaddr.c), routes here (ifroute.c).  DNS servers are
 * stored, not written to resolv.conf: the host's resolver is not the
 * network agent's business. */

#include <config.h>
#include "agent/reconcile-pif-ip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ifroute.h"
#include "agent/records.h"
#include "openvswitch/vlog.h"
#include "svec.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(reconcile_pif_ip);

/* The bridge carrying 'pif''s IP configuration, or NULL. */
static const char *
xrc_pif_bridge(const struct xrec_db *db, const struct xrec_pif *pif)
{
    const struct xrec_network *net = xrec_find_network(db, pif->network);
    if (!net || !pif->currently_attached
        || xrec_find_bond_by_slave(db, pif->uuid)) {
        return NULL;
    }
    return net->bridge;
}

void
xrc_pif_ip_addresses(const struct xrec_db *db, struct svec *addrs)
{
    for (size_t i = 0; i < db->n_pifs; i++) {
        const struct xrec_pif *pif = db->pifs[i];
        const char *br = xrc_pif_bridge(db, pif);
        if (!br) {
            continue;
        }
        if (pif->ip.mode == XREC_IP_STATIC && *pif->ip.ip) {
            svec_add_nocopy(addrs,
                            xasprintf("%s %s/%d", br, pif->ip.ip,
                                      xrec_pif_ip_plen(pif->ip.netmask)));
        }
        if (pif->ip.ipv6_mode == XREC_IP_STATIC && *pif->ip.ipv6) {
            svec_add_nocopy(addrs, xasprintf("%s %s", br, pif->ip.ipv6));
        }
    }
}

/* Splits "BRIDGE GATEWAY" 's' into the two (malloc'd '*br'). */
static const char *
xrc_split(const char *s, char **br)
{
    *br = xstrdup(s);
    char *gw = strchr(*br, ' ');
    *gw++ = '\0';
    return gw;
}

bool
xrc_pif_ip_sync_routes(const struct xrec_db *db, struct svec *added)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 30);
    struct svec want = SVEC_EMPTY_INITIALIZER;
    bool pending = false;

    for (size_t i = 0; i < db->n_pifs; i++) {
        const struct xrec_pif *pif = db->pifs[i];
        const char *br = xrc_pif_bridge(db, pif);
        if (!pif->management || !br) {
            continue;
        }
        if (pif->ip.mode == XREC_IP_STATIC && *pif->ip.gateway) {
            svec_add_nocopy(&want, xasprintf("%s %s", br, pif->ip.gateway));
        }
        if (pif->ip.ipv6_mode == XREC_IP_STATIC && *pif->ip.ipv6_gateway) {
            svec_add_nocopy(&want,
                            xasprintf("%s %s", br, pif->ip.ipv6_gateway));
        }
    }

    /* Old ones first, so that a moved management PIF's gateway can take
     * the default route's place. */
    struct svec keep = SVEC_EMPTY_INITIALIZER;
    for (size_t i = 0; i < added->n; i++) {
        const char *s = added->names[i];
        if (svec_contains_unsorted(&want, s)) {
            svec_add(&keep, s);
            continue;
        }
        char *br;
        const char *gw = xrc_split(s, &br);
        int error = xifr_del_default(br, gw);
        if (!error) {
            VLOG_INFO("%s: default route via %s removed (no longer the "
                      "management PIF's gateway)",
                      br, gw);
        } else if (error != ENODEV && error != ESRCH) {
            VLOG_WARN_RL(&rl,
                         "%s: cannot remove the default route via %s "
                         "(%s)",
                         br, gw, ovs_strerror(error));
        }
        free(br);
    }
    for (size_t i = 0; i < want.n; i++) {
        char *br;
        const char *gw = xrc_split(want.names[i], &br);
        bool new;
        int error = xifr_add_default(br, gw, &new);
        if (!error) {
            if (new) {
                VLOG_INFO("%s: default route via %s added (management PIF)",
                          br, gw);
            }
            if (!svec_contains_unsorted(&keep, want.names[i])) {
                svec_add(&keep, want.names[i]);
            }
        } else {
            pending = true;
            if (error != ENODEV) {
                VLOG_WARN_RL(&rl,
                             "%s: cannot add the default route via %s%s "
                             "(%s)",
                             br, gw,
                             error == EEXIST
                                 ? ": the host has another default route, "
                                   "which xovs leaves alone"
                                 : "",
                             ovs_strerror(error));
            }
        }
        free(br);
    }
    svec_swap(&keep, added);
    svec_destroy(&keep);
    svec_destroy(&want);
    return pending;
}
