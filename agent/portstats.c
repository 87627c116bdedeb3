/* agent/portstats.c: live traffic of the records' ports (see portstats.h). */
#include <config.h>
#include "agent/portstats.h"

#include <stdio.h>
#include <string.h>

#include "agent/records.h"
#include "util.h"

void
xps_init(struct xps *x)
{
    shash_init(&x->ports);
    x->interval_ms = XPS_OVS_INTERVAL_MS;
    x->n_samples = x->n_updates = x->n_read = 0;
}

/* How long counters may stand still before the rate is 0. */
static long long
stale_ms(const struct xps *x)
{
    return MAX(XPS_STALE_MS, 2 * x->interval_ms + 2000);
}

static void
port_free(struct xps_port *p)
{
    if (p) {
        free(p->name);
        free(p->kind);
        free(p->uuid);
        free(p->hist);
        free(p);
    }
}

void
xps_destroy(struct xps *x)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &x->ports) {
        port_free(node->data);
    }
    shash_destroy(&x->ports);
}

static void
set_string(char **field, const char *value)
{
    if (!*field || strcmp(*field, value)) {
        free(*field);
        *field = xstrdup(value);
    }
}

static void
push_point(struct xps_port *p, long long t_ms, const struct xps_rates *r)
{
    if (p->n_hist == p->cap && p->cap < XPS_HISTORY) {
        /* The ring grows as points come (the oldest stays at index 0
         * until it is full): a host's thousands of mostly idle VIFs do
         * not each hold XPS_HISTORY points of memory. */
        p->cap = MIN(XPS_HISTORY, p->cap ? 2 * p->cap : 8);
        p->hist = xrealloc(p->hist, p->cap * sizeof *p->hist);
    }
    size_t i = (p->head + p->n_hist) % XPS_HISTORY;
    if (p->n_hist == XPS_HISTORY) {
        p->head = (p->head + 1) % XPS_HISTORY;
    } else {
        p->n_hist++;
    }
    p->hist[i] = (struct xps_point){t_ms, *r};
}

/* 'b' - 'a' per second over 'ms' milliseconds. */
static double
per_second(uint64_t a, uint64_t b, long long ms)
{
    return b >= a ? (double)(b - a) * 1000.0 / ms : 0.0;
}

void
xps_observe(struct xps *x, const char *name, const char *kind,
            const char *uuid, const struct ovsg_iface_stats *st,
            long long now_ms)
{
    struct xps_port *p = shash_find_data(&x->ports, name);
    if (!p) {
        p = xzalloc(sizeof *p);
        p->name = xstrdup(name);
        shash_add(&x->ports, name, p);
        p->cur = *st;
        p->t_cur = now_ms;
    }
    set_string(&p->kind, kind);
    set_string(&p->uuid, uuid);
    p->seen = true;
    if (!memcmp(st, &p->cur, sizeof *st)) {
        if (p->have_rate && now_ms - p->t_cur >= stale_ms(x)) {
            /* Quiet: say so once in the history. */
            p->have_rate = false;
            p->rate = (struct xps_rates){0};
            push_point(p, now_ms, &p->rate);
        }
        return;
    }

    const struct ovsg_iface_stats *o = &p->cur;
    if (st->rx_packets < o->rx_packets || st->tx_packets < o->tx_packets
        || st->rx_bytes < o->rx_bytes || st->tx_bytes < o->tx_bytes) {
        /* Counters went back: the interface was made anew.  Start over. */
        p->have_rate = false;
        p->rate = (struct xps_rates){0};
    } else {
        long long ms = now_ms - p->t_cur;
        if (ms > x->interval_ms * 3 / 2 || ms < x->interval_ms / 2) {
            ms = x->interval_ms; /* see portstats.h */
        }
        p->rate = (struct xps_rates){
            .rx_pps = per_second(o->rx_packets, st->rx_packets, ms),
            .tx_pps = per_second(o->tx_packets, st->tx_packets, ms),
            .rx_bps = per_second(o->rx_bytes, st->rx_bytes, ms) * 8,
            .tx_bps = per_second(o->tx_bytes, st->tx_bytes, ms) * 8,
            .rx_drops = per_second(o->rx_dropped, st->rx_dropped, ms),
            .tx_drops = per_second(o->tx_dropped, st->tx_dropped, ms),
        };
        p->have_rate = true;
        push_point(p, now_ms, &p->rate);
    }
    p->cur = *st;
    p->t_cur = now_ms;
}

struct xps_rates
xps_rates_at(const struct xps *x, const struct xps_port *p, long long now_ms)
{
    if (!p->have_rate || now_ms - p->t_cur >= stale_ms(x)) {
        return (struct xps_rates){0};
    }
    return p->rate;
}

size_t
xps_history(const struct xps_port *p, long long since_ms,
            struct xps_point *out)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_hist; i++) {
        const struct xps_point *pt = &p->hist[(p->head + i) % XPS_HISTORY];
        if (pt->t_ms > since_ms) {
            out[n++] = *pt;
        }
    }
    return n;
}

static void
add_stats(struct ovsg_iface_stats *sum, const struct ovsg_iface_stats *st)
{
    sum->rx_packets += st->rx_packets;
    sum->tx_packets += st->tx_packets;
    sum->rx_bytes += st->rx_bytes;
    sum->tx_bytes += st->tx_bytes;
    sum->rx_dropped += st->rx_dropped;
    sum->tx_dropped += st->tx_dropped;
    sum->rx_errors += st->rx_errors;
    sum->tx_errors += st->tx_errors;
}

/* The plugged VIF of 'db' whose port is 'name', or NULL (also if 'name' is
 * no VIF port name). */
static const struct xrec_vif *
find_vif_port(const struct xrec_db *db, const char *name)
{
    int domid, device, len = 0;
    if (sscanf(name, "vif%d.%d%n", &domid, &device, &len) != 2 || name[len]) {
        return NULL;
    }
    for (size_t i = 0; i < db->n_vifs; i++) {
        const struct xrec_vif *vif = db->vifs[i];
        if (vif->domid == domid && vif->device == device
            && vif->currently_attached) {
            return vif;
        }
    }
    return NULL;
}

/* Whether 'name' is a PIF's device (a port of its own or a bond's
 * member). */
static bool
is_pif_device(const struct xrec_db *db, const char *name)
{
    for (size_t i = 0; i < db->n_pifs; i++) {
        if (!strcmp(db->pifs[i]->device, name)) {
            return true;
        }
    }
    return false;
}

bool
xps_update(struct xps *x, const struct xrec_db *db,
           const struct shash *changed, const struct sset *gone,
           long long now_ms)
{
    const struct shash_node *node;
    const char *name;

    if (shash_count(changed) + sset_count(gone) > XPS_UPDATE_MAX) {
        return false; /* a lookup each would cost more than a sample */
    }
    SHASH_FOR_EACH (node, changed) {
        if (is_pif_device(db, node->name)) {
            return false;
        }
    }
    SSET_FOR_EACH (name, gone) {
        if (is_pif_device(db, name)) {
            return false;
        }
    }
    SSET_FOR_EACH (name, gone) {
        struct xps_port *p = shash_find_and_delete(&x->ports, name);
        port_free(p);
    }
    x->n_updates++;
    x->n_read += shash_count(changed);
    SHASH_FOR_EACH (node, changed) {
        const struct xrec_vif *vif = find_vif_port(db, node->name);
        if (vif) {
            xps_observe(x, node->name, "vif", vif->uuid, node->data, now_ms);
        } else {
            port_free(shash_find_and_delete(&x->ports, node->name));
        }
    }
    return true;
}

void
xps_sample(struct xps *x, const struct xrec_db *db, const struct shash *ifaces,
           long long now_ms)
{
    struct shash_node *node, *next;

    x->n_samples++;
    x->n_read += shash_count(ifaces);
    SHASH_FOR_EACH (node, &x->ports) {
        struct xps_port *p = node->data;
        p->seen = false;
    }
    for (size_t i = 0; i < db->n_vifs; i++) {
        const struct xrec_vif *vif = db->vifs[i];
        char name[32];
        snprintf(name, sizeof name, "vif%d.%d", vif->domid, vif->device);
        const struct ovsg_iface_stats *st = shash_find_data(ifaces, name);
        if (vif->currently_attached && st) {
            xps_observe(x, name, "vif", vif->uuid, st, now_ms);
        }
    }
    for (size_t i = 0; i < db->n_pifs; i++) {
        const struct xrec_pif *pif = db->pifs[i];
        const struct ovsg_iface_stats *st
            = shash_find_data(ifaces, pif->device);
        if (pif->physical && st) {
            xps_observe(x, pif->device, "pif", pif->uuid, st, now_ms);
        }
    }
    for (size_t i = 0; i < db->n_bonds; i++) {
        const struct xrec_bond *bond = db->bonds[i];
        const struct xrec_pif *master = xrec_find_pif(db, bond->master);
        struct ovsg_iface_stats sum = {0};
        bool any = false;
        for (size_t j = 0; master && j < bond->slaves.n; j++) {
            const struct xrec_pif *m
                = xrec_find_pif(db, bond->slaves.names[j]);
            const struct ovsg_iface_stats *st
                = m ? shash_find_data(ifaces, m->device) : NULL;
            if (st) {
                add_stats(&sum, st);
                any = true;
            }
        }
        if (any) {
            xps_observe(x, master->device, "bond", bond->uuid, &sum, now_ms);
        }
    }
    SHASH_FOR_EACH_SAFE (node, next, &x->ports) {
        struct xps_port *p = node->data;
        if (!p->seen) {
            shash_delete(&x->ports, node);
            port_free(p);
        }
    }
}
