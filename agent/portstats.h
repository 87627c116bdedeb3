/* agent/portstats.h: live traffic of the ports the records stand for --
 * VIFs, PIFs and bonds -- with rates and a short history, for the metrics
 * endpoint (metrics.h), port-stats-list and port-stats-history (xovs top,
 * xovs graph).
 *
 * The counters are OVS's Interface statistics (ovsg_iface_stats_all()),
 * which ovs-vswitchd writes every update interval (5 s by default) and
 * only when they change.  A rate is the difference of two distinct
 * observations over the time between them -- which is one interval while
 * traffic flows.  So a gap far from the interval is not the time the
 * counting took: after a quiet spell everything counted happened within
 * OVS's last interval, and two observations closer than half an interval
 * mean the first was no OVS update (a new interface without statistics
 * yet); either way the rate is taken over one interval.  A port whose
 * counters did not move for XPS_STALE_MS (or two intervals, if longer)
 * has rate 0.  A bond's counters are the sum of
 * its members'.  Each port keeps its last XPS_HISTORY rate points (one per
 * distinct observation) in memory only.
 *
 * Pure apart from time passed in by the caller: no OVS, no logging. */
#ifndef XPS_H
#define XPS_H 1

#include <stdbool.h>
#include <stddef.h>
#include "openvswitch/shash.h"
#include "sset.h"
#include "ovs-glue/ovsg.h"

struct xrec_db;

#define XPS_OVS_INTERVAL_MS 5000 /* OVS's default stats-update-interval */
#define XPS_STALE_MS 12000       /* no change for this long: rate 0 */
#define XPS_HISTORY                                                           \
    240 /* rate points kept per port (20 min at                               \
         * one per 5 s) */

/* Per second. */
struct xps_rates {
    double rx_pps, tx_pps;     /* packets */
    double rx_bps, tx_bps;     /* bits */
    double rx_drops, tx_drops; /* dropped packets */
};

struct xps_point {
    long long t_ms; /* time_wall_msec() of the observation */
    struct xps_rates r;
};

struct xps_port {
    char *name;                  /* the OVS port: vif3.0, eth1, bond0 */
    char *kind;                  /* "vif", "pif" or "bond" */
    char *uuid;                  /* the record (VIF, PIF or Bond) */
    struct ovsg_iface_stats cur; /* latest counters */
    long long t_cur;             /* when they were first seen (ms) */
    bool have_rate;              /* 'rate' holds a measured rate */
    struct xps_rates rate;
    struct xps_point *hist; /* ring of up to XPS_HISTORY points */
    size_t n_hist, head;    /* points held; the oldest one's index */
    size_t cap;             /* points 'hist' has room for */
    bool seen;              /* in the latest xps_sample() */
};

struct xps {
    struct shash ports;           /* name -> struct xps_port */
    long long interval_ms;        /* OVS's stats-update-interval */
    unsigned long long n_samples; /* xps_sample() calls */
    unsigned long long n_updates; /* xps_update() calls that did it */
    unsigned long long n_read;    /* interfaces' counters looked at */
};

void xps_init(struct xps *);
void xps_destroy(struct xps *);

/* Records that port 'name' ('kind', record 'uuid') has counters 'st' at
 * time 'now_ms' (wall clock, ms), adding it if new.  'x->interval_ms' is
 * OVS's update interval (XPS_OVS_INTERVAL_MS after xps_init()). */
void xps_observe(struct xps *, const char *name, const char *kind,
                 const char *uuid, const struct ovsg_iface_stats *st,
                 long long now_ms);

/* Observes every port of 'db' (plugged VIFs, physical PIFs, bonds) whose
 * interfaces are in 'ifaces' (name -> struct ovsg_iface_stats, as
 * ovsg_iface_stats_all() fills it) and forgets ports no longer there. */
void xps_sample(struct xps *, const struct xrec_db *,
                const struct shash *ifaces, long long now_ms);

/* Observes the interfaces in 'changed' (as ovsg_iface_stats_take() fills
 * it: those whose counters changed or that came) and forgets the VIF ports
 * named in 'gone', at a cost of theirs, not of the host's.  Handles a few
 * VIF ports only: returns false if 'changed' or 'gone' names anything else
 * (a PIF, a bond's member) or more than XPS_UPDATE_MAX, for which the
 * caller runs xps_sample(). */
#define XPS_UPDATE_MAX 64
bool xps_update(struct xps *, const struct xrec_db *,
                const struct shash *changed, const struct sset *gone,
                long long now_ms);

/* The port's rates now (zero while unknown or stale). */
struct xps_rates xps_rates_at(const struct xps *, const struct xps_port *,
                              long long now_ms);

/* Copies into 'out' (XPS_HISTORY entries) the port's points newer than
 * 'since_ms', oldest first; returns how many. */
size_t xps_history(const struct xps_port *, long long since_ms,
                   struct xps_point *out);

#endif /* agent/portstats.h */
