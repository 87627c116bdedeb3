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

/* Adds 'iface''s counters to 'out' if xovs made it and 'out' does not
 * have its name yet; returns false if xovs did not make it. */
static bool
ovsg_iface_stats_add(const struct ovsrec_interface *iface, struct shash *out)
{
    const char *mark = smap_get(&iface->external_ids, OVSG_MARK_KEY);
    if (!mark || strcmp(mark, OVSG_MARK_VALUE)) {
        return false;
    }
    if (shash_find(out, iface->name)) {
        return true;
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
    return true;
}

void
ovsg_iface_stats_all(const struct ovsg *g, struct shash *out)
{
    const struct ovsrec_interface *iface;

    OVSREC_INTERFACE_FOR_EACH (iface, g->idl) {
        ovsg_iface_stats_add(iface, out);
    }
}

void
ovsg_iface_stats_take(struct ovsg *g, struct shash *out, struct sset *gone)
{
    const char *name;
    SSET_FOR_EACH (name, &g->stats_dirty) {
        const struct ovsrec_interface *iface
            = ovsg_index_iface(&g->index, name);
        if (!iface || !ovsg_iface_stats_add(iface, out)) {
            sset_add(gone, name);
        }
    }
    sset_clear(&g->stats_dirty);
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
