/* tests/unit/test-portstats.c: agent/portstats (rates from OVS's counters,
 * quiet ports, counters that restart, bonds as the sum of their members,
 * history). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/portstats.h"
#include "agent/records.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

static struct ovsg_iface_stats *
stats(uint64_t packets, uint64_t bytes)
{
    struct ovsg_iface_stats *st = xzalloc(sizeof *st);
    st->rx_packets = packets;
    st->rx_bytes = bytes;
    return st;
}

static struct xrec_pif *
add_pif(struct xrec_db *db, const char *uuid, const char *device,
        bool physical)
{
    struct xrec_pif *pif = xrec_pif_new();
    pif->uuid = xstrdup(uuid);
    pif->device = xstrdup(device);
    pif->physical = physical;
    xrec_db_add_pif(db, pif);
    return pif;
}

static void
test_portstats(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    struct xps x;
    struct shash ifaces = SHASH_INITIALIZER(&ifaces);

    xrec_db_init(&db);
    xps_init(&x);
    add_pif(&db, "p1", "eth1", true);
    add_pif(&db, "p2", "eth2", true);
    add_pif(&db, "pb", "bond0", false);
    struct xrec_bond *bond = xrec_bond_new();
    bond->uuid = xstrdup("b0");
    bond->master = xstrdup("pb");
    svec_add(&bond->slaves, "p1");
    svec_add(&bond->slaves, "p2");
    xrec_db_add_bond(&db, bond);
    struct xrec_vif *vif = xrec_vif_new();
    vif->uuid = xstrdup("v1");
    vif->domid = 3;
    vif->currently_attached = true;
    xrec_db_add_vif(&db, vif);

    shash_add(&ifaces, "eth1", stats(100, 1000));
    shash_add(&ifaces, "eth2", stats(50, 500));
    shash_add(&ifaces, "vif3.0", stats(0, 0));
    xps_sample(&x, &db, &ifaces, 10000);
    CHECK(shash_count(&x.ports) == 4, "%zu ports", shash_count(&x.ports));
    const struct xps_port *b = shash_find_data(&x.ports, "bond0");
    CHECK(b && !strcmp(b->kind, "bond") && b->cur.rx_packets == 150,
          "bond = the sum of its members");

    /* 5 s later: +500 packets, +40000 bytes on eth1. */
    shash_destroy_free_data(&ifaces);
    shash_init(&ifaces);
    shash_add(&ifaces, "eth1", stats(600, 41000));
    shash_add(&ifaces, "eth2", stats(50, 500));
    shash_add(&ifaces, "vif3.0", stats(0, 0));
    xps_sample(&x, &db, &ifaces, 15000);
    const struct xps_port *e1 = shash_find_data(&x.ports, "eth1");
    struct xps_rates r = xps_rates_at(&x, e1, 15000);
    CHECK(r.rx_pps == 100 && r.rx_bps == 64000, "rate %g pps %g bps", r.rx_pps,
          r.rx_bps);
    b = shash_find_data(&x.ports, "bond0");
    CHECK(xps_rates_at(&x, b, 15000).rx_pps == 100, "bond rate");
    const struct xps_port *v = shash_find_data(&x.ports, "vif3.0");
    CHECK(v && !strcmp(v->uuid, "v1")
              && xps_rates_at(&x, v, 15000).rx_pps == 0,
          "idle VIF");

    /* Quiet for XPS_STALE_MS: rate 0, and a 0 point in the history. */
    xps_sample(&x, &db, &ifaces, 15000 + XPS_STALE_MS);
    CHECK(xps_rates_at(&x, e1, 15000 + XPS_STALE_MS).rx_pps == 0,
          "stale rate");
    struct xps_point pts[XPS_HISTORY];
    size_t n = xps_history(e1, 0, pts);
    CHECK(n == 2 && pts[0].r.rx_pps == 100 && pts[1].r.rx_pps == 0,
          "history of %zu points", n);
    CHECK(xps_history(e1, 15000, pts) == 1, "history since");

    /* Moving again after a long quiet spell: over OVS's interval. */
    free(shash_replace(&ifaces, "eth1", stats(1100, 81000)));
    xps_sample(&x, &db, &ifaces, 60000);
    CHECK(xps_rates_at(&x, e1, 60000).rx_pps == 100, "after quiet: %g",
          xps_rates_at(&x, e1, 60000).rx_pps);

    /* Counters back to 0 (the interface was made anew): no rate. */
    free(shash_replace(&ifaces, "eth1", stats(3, 300)));
    xps_sample(&x, &db, &ifaces, 65000);
    CHECK(!e1->have_rate && e1->cur.rx_packets == 3, "restarted counters");

    /* A new interface's first statistics right after it appeared without
     * any: over one interval, not over the 2 ms between. */
    struct ovsg_iface_stats zero = {0}, three = {.rx_packets = 3};
    xps_observe(&x, "vif9.0", "vif", "v9", &zero, 100000);
    xps_observe(&x, "vif9.0", "vif", "v9", &three, 100002);
    const struct xps_port *v9 = shash_find_data(&x.ports, "vif9.0");
    CHECK(xps_rates_at(&x, v9, 100002).rx_pps == 0.6, "new interface: %g",
          xps_rates_at(&x, v9, 100002).rx_pps);

    /* Gone from OVS (unplugged): forgotten. */
    free(shash_find_and_delete(&ifaces, "vif3.0"));
    xps_sample(&x, &db, &ifaces, 66000);
    CHECK(!shash_find(&x.ports, "vif3.0"), "unplugged VIF kept");

    shash_destroy_free_data(&ifaces);
    xps_destroy(&x);
    xrec_db_destroy(&db);
}

/* xps_update(): the changed VIF interfaces alone; anything else (a PIF, a
 * bond's member, too many at once) is left to a full xps_sample(). */
static void
test_portstats_update(const void *aux OVS_UNUSED)
{
    struct xrec_db db;
    struct xps x;
    struct shash changed = SHASH_INITIALIZER(&changed);
    struct sset gone = SSET_INITIALIZER(&gone);

    xrec_db_init(&db);
    xps_init(&x);
    add_pif(&db, "p1", "eth1", true);
    struct xrec_vif *vif = xrec_vif_new();
    vif->uuid = xstrdup("v1");
    vif->domid = 3;
    vif->device = 1;
    vif->currently_attached = true;
    xrec_db_add_vif(&db, vif);

    /* A plugged VIF's interface came: observed, with its record. */
    shash_add(&changed, "vif3.1", stats(10, 100));
    shash_add(&changed, "vif4.0", stats(1, 1)); /* no such plugged VIF */
    CHECK(xps_update(&x, &db, &changed, &gone, 10000), "VIFs only");
    const struct xps_port *v = shash_find_data(&x.ports, "vif3.1");
    CHECK(v && !strcmp(v->kind, "vif") && !strcmp(v->uuid, "v1")
              && v->cur.rx_packets == 10,
          "changed VIF observed");
    CHECK(!shash_find(&x.ports, "vif4.0"), "a port without a record kept");
    CHECK(x.n_updates == 1 && x.n_read == 2 && !x.n_samples,
          "counters %llu %llu %llu", x.n_updates, x.n_read, x.n_samples);

    /* Its counters moved 5 s later: a rate. */
    free(shash_replace(&changed, "vif3.1", stats(510, 100)));
    free(shash_find_and_delete(&changed, "vif4.0"));
    CHECK(xps_update(&x, &db, &changed, &gone, 15000), "update");
    CHECK(xps_rates_at(&x, v, 15000).rx_pps == 100, "rate %g",
          xps_rates_at(&x, v, 15000).rx_pps);

    /* A PIF's counters: a full sample's job, nothing done. */
    shash_add(&changed, "eth1", stats(1, 1));
    CHECK(!xps_update(&x, &db, &changed, &gone, 16000), "PIF refused");
    CHECK(v->cur.rx_packets == 510, "refused update changed a port");
    shash_destroy_free_data(&changed);
    shash_init(&changed);

    /* Unplugged: forgotten. */
    sset_add(&gone, "vif3.1");
    CHECK(xps_update(&x, &db, &changed, &gone, 17000), "gone VIF");
    CHECK(!shash_find(&x.ports, "vif3.1"), "gone VIF kept");
    sset_clear(&gone);

    /* Too many at once: a full sample is cheaper. */
    for (int i = 0; i <= XPS_UPDATE_MAX; i++) {
        char name[32];
        snprintf(name, sizeof name, "vif%d.0", 100 + i);
        sset_add(&gone, name);
    }
    CHECK(!xps_update(&x, &db, &changed, &gone, 18000), "too many");

    sset_destroy(&gone);
    shash_destroy_free_data(&changed);
    xps_destroy(&x);
    xrec_db_destroy(&db);
}

void
test_portstats_register(void)
{
    unit_add("portstats", test_portstats, NULL);
    unit_add("portstats/update", test_portstats_update, NULL);
}
