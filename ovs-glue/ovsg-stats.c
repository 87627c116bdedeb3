/* ovs-glue/ovsg-stats.c: the traffic counters OVS keeps for the interfaces
 * xovs made (Interface column "statistics", see ovsg.h), read from the IDL
 * replica.  ovs-vswitchd writes them every stats-update-interval (5 s by
 * default), and only when they changed. */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <string.h>
#include "ovsdb-idl.h"
#include "util.h"
#include "vswitch-idl.h"

/* The statistics keys xovs reads, in struct ovsg_iface_stats's order. */
static const char *const stat_keys[] = {
    "rx_packets", "tx_packets", "rx_bytes",  "tx_bytes",
    "rx_dropped", "tx_dropped", "rx_errors", "tx_errors",
};
BUILD_ASSERT_DECL(ARRAY_SIZE(stat_keys) * sizeof(uint64_t)
                  == sizeof(struct ovsg_iface_stats));

void
ovsg_iface_stats_all(const struct ovsg *g, struct shash *out)
{
    const struct ovsrec_interface *iface;

    OVSREC_INTERFACE_FOR_EACH (iface, g->idl) {
        const char *mark = smap_get(&iface->external_ids, OVSG_MARK_KEY);
        if (!mark || strcmp(mark, OVSG_MARK_VALUE)
            || shash_find(out, iface->name)) {
            continue;
        }
        struct ovsg_iface_stats *st = xzalloc(sizeof *st);
        uint64_t *fields = (uint64_t *)st;
        for (size_t i = 0; i < iface->n_statistics; i++) {
            for (size_t k = 0; k < ARRAY_SIZE(stat_keys); k++) {
                if (!strcmp(iface->key_statistics[i], stat_keys[k])
                    && iface->value_statistics[i] > 0) {
                    fields[k] = iface->value_statistics[i];
                }
            }
        }
        shash_add(out, iface->name, st);
    }
}

long long
ovsg_stats_interval_ms(const struct ovsg *g)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(g->idl);
    long long ms = (ovs ? smap_get_ullong(&ovs->other_config,
                                          "stats-update-interval", 5000)
                        : 5000);
    return MAX(ms, 5000); /* ovs-vswitchd's own floor */
}

unsigned int
ovsg_seqno(const struct ovsg *g)
{
    return ovsdb_idl_get_seqno(g->idl);
}
