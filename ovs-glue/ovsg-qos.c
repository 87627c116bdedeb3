/* ovs-glue/ovsg-qos.c: the row diff for QoS, IGMP snooping and flow export
 * (part of ovsg-sync.c's walk; see the top of ovsg.c).
 *
 * Rows:
 *   Port.qos     -> QoS (type linux-htb, other_config:max-rate) with queue
 *                   0 -> Queue (other_config:max-rate): the switch sends at
 *                   most that rate out of the port (toward a VIF's guest).
 *                   linux-htb is a qdisc on the port's device, so it shapes
 *                   every datapath (kernel, and userspace for system and
 *                   tap devices); OVS's egress-policer exists only for
 *                   DPDK ports.
 *   Bridge.sflow / .ipfix / .netflow -> sFlow / IPFIX / NetFlow.
 *   Bridge.mcast_snooping_enable and other_config:mcast-snooping-disable-
 *   flood-unregistered (only that key of other_config is written).
 *
 * Every row written here carries the ownership mark (OVSG_MARK_KEY) and
 * only marked rows are changed or deleted: a QoS or flow export row someone
 * else put on an xovs bridge or port (a controller) stays, and the
 * records' wish waits, logged (rate-limited), until that row is gone.
 * QoS and Queue are root tables, so a QoS row xovs drops is deleted
 * explicitly; sFlow, IPFIX and NetFlow rows go with their last
 * reference. */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <inttypes.h>
#include <string.h>
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ovsg_qos);

#define OVSG_FLOOD_KEY "mcast-snooping-disable-flood-unregistered"

static void
ovsg_mark(struct smap *ids)
{
    smap_init(ids);
    smap_add(ids, OVSG_MARK_KEY, OVSG_MARK_VALUE);
}

static void
ovsg_foreign_row(const char *what, const char *name)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 60);
    VLOG_WARN_RL(&rl,
                 "not setting %s of %s: it holds a row xovs did not create "
                 "(a controller's?); remove it and xovs applies its own",
                 what, name);
}

/* ---------------------------------------------------------------------- */
/* QoS. */

static bool
ovsg_max_rate_is(const struct smap *other_config, long long int rate)
{
    const char *v = smap_get(other_config, "max-rate");
    return v && strtoll(v, NULL, 10) == rate;
}

static void
ovsg_set_max_rate(struct smap *other_config, long long int rate)
{
    smap_init(other_config);
    smap_add_format(other_config, "max-rate", "%lld", rate);
}

static void
ovsg_delete_qos(const struct ovsrec_qos *qos)
{
    for (size_t i = 0; i < qos->n_queues; i++) {
        if (ovsg_is_marked(&qos->value_queues[i]->external_ids)) {
            ovsrec_queue_delete(qos->value_queues[i]);
        }
    }
    ovsrec_qos_delete(qos);
}

void
ovsg_drop_port_qos(struct ovsg_diff *d, const struct ovsrec_port *row)
{
    const struct ovsrec_qos *qos = row->qos;
    if (qos && ovsg_is_marked(&qos->external_ids)) {
        ovsrec_port_set_qos(row, NULL);
        ovsg_delete_qos(qos);
        ovsg_diff_note(d, "port %s qos removed", row->name);
    }
}

void
ovsg_sync_port_qos(struct ovsg_diff *d, const struct ovsrec_port *row,
                   const struct ovsg_port *want)
{
    const struct ovsrec_qos *qos = row->qos;
    long long int rate = want->qos_max_rate;

    if (qos && !ovsg_is_marked(&qos->external_ids)) {
        if (rate) {
            ovsg_foreign_row("qos", want->name);
        }
        return;
    }
    if (!rate) {
        ovsg_drop_port_qos(d, row);
        return;
    }

    struct smap oc, ids;
    ovsg_set_max_rate(&oc, rate);
    ovsg_mark(&ids);
    if (!qos) {
        qos = ovsrec_qos_insert(d->txn);
        ovsrec_qos_set_external_ids(qos, &ids);
        ovsrec_port_set_qos(row, qos);
    }
    if (strcmp(qos->type, "linux-htb")) {
        ovsrec_qos_set_type(qos, "linux-htb");
    }
    bool changed = false;
    if (!ovsg_max_rate_is(&qos->other_config, rate)) {
        ovsrec_qos_set_other_config(qos, &oc);
        changed = true;
    }
    const struct ovsrec_queue *queue
        = (qos->n_queues == 1 && qos->key_queues[0] == 0
           && ovsg_is_marked(&qos->value_queues[0]->external_ids))
              ? qos->value_queues[0]
              : NULL;
    if (!queue) {
        for (size_t i = 0; i < qos->n_queues; i++) {
            if (ovsg_is_marked(&qos->value_queues[i]->external_ids)) {
                ovsrec_queue_delete(qos->value_queues[i]);
            }
        }
        queue = ovsrec_queue_insert(d->txn);
        ovsrec_queue_set_external_ids(queue, &ids);
        int64_t key = 0;
        struct ovsrec_queue *value = CONST_CAST(struct ovsrec_queue *, queue);
        ovsrec_qos_set_queues(qos, &key, &value, 1);
        changed = true;
    }
    if (!ovsg_max_rate_is(&queue->other_config, rate)) {
        ovsrec_queue_set_other_config(queue, &oc);
        changed = true;
    }
    if (changed) {
        ovsg_diff_note(d, "port %s qos max-rate=%lld", want->name, rate);
    }
    smap_destroy(&oc);
    smap_destroy(&ids);
}

/* ---------------------------------------------------------------------- */
/* Flow export. */

/* Whether the set column 'have' ('n' strings) holds exactly 'want'. */
static bool
ovsg_same_targets(char **have, size_t n, const struct svec *want)
{
    struct svec a = SVEC_EMPTY_INITIALIZER, b = SVEC_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        svec_add(&a, have[i]);
    }
    svec_append(&b, want);
    svec_sort_unique(&a);
    svec_sort_unique(&b);
    bool same = svec_equal(&a, &b);
    svec_destroy(&a);
    svec_destroy(&b);
    return same;
}

/* Whether optional integer column 'have' ('n' 0 or 1) is 'want' (0:
 * unset). */
static bool
ovsg_same_opt_int(const int64_t *have, size_t n, int want)
{
    return want ? n && *have == want : !n;
}

static bool
ovsg_export_wanted(const struct ovsg_export *e)
{
    return e->targets.n > 0;
}

/* The export row of kind 'what' ('cur' its current row or NULL, 'marked'
 * whether it is xovs's): true if xovs may write it; a foreign row is
 * reported when xovs wants one. */
static bool
ovsg_export_writable(const void *cur, bool marked, const char *what,
                     const struct ovsg_bridge *want,
                     const struct ovsg_export *e)
{
    if (cur && !marked) {
        if (ovsg_export_wanted(e)) {
            ovsg_foreign_row(what, want->name);
        }
        return false;
    }
    return true;
}

static void
ovsg_sync_sflow(struct ovsg_diff *d, const struct ovsrec_bridge *row,
                const struct ovsg_bridge *want)
{
    const struct ovsg_export *e = &want->sflow;
    const struct ovsrec_sflow *cur = row->sflow;

    if (!ovsg_export_writable(cur, cur && ovsg_is_marked(&cur->external_ids),
                              "sflow", want, e)) {
        return;
    }
    if (!ovsg_export_wanted(e)) {
        if (cur) {
            ovsrec_bridge_set_sflow(row, NULL);
            ovsg_diff_note(d, "bridge %s sflow removed", want->name);
        }
        return;
    }
    int64_t sampling = e->sampling, polling = e->polling;
    if (cur && ovsg_same_targets(cur->targets, cur->n_targets, &e->targets)
        && ovsg_same_opt_int(cur->sampling, cur->n_sampling, e->sampling)
        && ovsg_same_opt_int(cur->polling, cur->n_polling, e->polling)) {
        return;
    }
    if (!cur) {
        struct smap ids;
        ovsg_mark(&ids);
        cur = ovsrec_sflow_insert(d->txn);
        ovsrec_sflow_set_external_ids(cur, &ids);
        ovsrec_bridge_set_sflow(row, cur);
        smap_destroy(&ids);
    }
    ovsrec_sflow_set_targets(cur, (const char **)e->targets.names,
                             e->targets.n);
    ovsrec_sflow_set_sampling(cur, &sampling, e->sampling ? 1 : 0);
    ovsrec_sflow_set_polling(cur, &polling, e->polling ? 1 : 0);
    ovsg_diff_note(d, "bridge %s sflow", want->name);
}

static void
ovsg_sync_ipfix(struct ovsg_diff *d, const struct ovsrec_bridge *row,
                const struct ovsg_bridge *want)
{
    const struct ovsg_export *e = &want->ipfix;
    const struct ovsrec_ipfix *cur = row->ipfix;

    if (!ovsg_export_writable(cur, cur && ovsg_is_marked(&cur->external_ids),
                              "ipfix", want, e)) {
        return;
    }
    if (!ovsg_export_wanted(e)) {
        if (cur) {
            ovsrec_bridge_set_ipfix(row, NULL);
            ovsg_diff_note(d, "bridge %s ipfix removed", want->name);
        }
        return;
    }
    int64_t sampling = e->sampling, timeout = e->active_timeout;
    if (cur && ovsg_same_targets(cur->targets, cur->n_targets, &e->targets)
        && ovsg_same_opt_int(cur->sampling, cur->n_sampling, e->sampling)
        && ovsg_same_opt_int(cur->cache_active_timeout,
                             cur->n_cache_active_timeout, e->active_timeout)) {
        return;
    }
    if (!cur) {
        struct smap ids;
        ovsg_mark(&ids);
        cur = ovsrec_ipfix_insert(d->txn);
        ovsrec_ipfix_set_external_ids(cur, &ids);
        ovsrec_bridge_set_ipfix(row, cur);
        smap_destroy(&ids);
    }
    ovsrec_ipfix_set_targets(cur, (const char **)e->targets.names,
                             e->targets.n);
    ovsrec_ipfix_set_sampling(cur, &sampling, e->sampling ? 1 : 0);
    ovsrec_ipfix_set_cache_active_timeout(cur, &timeout,
                                          e->active_timeout ? 1 : 0);
    ovsg_diff_note(d, "bridge %s ipfix", want->name);
}

static void
ovsg_sync_netflow(struct ovsg_diff *d, const struct ovsrec_bridge *row,
                  const struct ovsg_bridge *want)
{
    const struct ovsg_export *e = &want->netflow;
    const struct ovsrec_netflow *cur = row->netflow;

    if (!ovsg_export_writable(cur, cur && ovsg_is_marked(&cur->external_ids),
                              "netflow", want, e)) {
        return;
    }
    if (!ovsg_export_wanted(e)) {
        if (cur) {
            ovsrec_bridge_set_netflow(row, NULL);
            ovsg_diff_note(d, "bridge %s netflow removed", want->name);
        }
        return;
    }
    if (cur && ovsg_same_targets(cur->targets, cur->n_targets, &e->targets)
        && cur->active_timeout == e->active_timeout) {
        return;
    }
    if (!cur) {
        struct smap ids;
        ovsg_mark(&ids);
        cur = ovsrec_netflow_insert(d->txn);
        ovsrec_netflow_set_external_ids(cur, &ids);
        ovsrec_bridge_set_netflow(row, cur);
        smap_destroy(&ids);
    }
    ovsrec_netflow_set_targets(cur, (const char **)e->targets.names,
                               e->targets.n);
    ovsrec_netflow_set_active_timeout(cur, e->active_timeout);
    ovsg_diff_note(d, "bridge %s netflow", want->name);
}

/* ---------------------------------------------------------------------- */

void
ovsg_qos_sync_bridge(struct ovsg_diff *d, const struct ovsrec_bridge *row,
                     const struct ovsg_bridge *want)
{
    if (row->mcast_snooping_enable != want->mcast_snooping) {
        ovsrec_bridge_set_mcast_snooping_enable(row, want->mcast_snooping);
        ovsg_diff_note(d, "bridge %s mcast_snooping_enable=%s", want->name,
                       want->mcast_snooping ? "true" : "false");
    }
    const char *flood = smap_get(&row->other_config, OVSG_FLOOD_KEY);
    if (want->mcast_snooping != (flood && !strcmp(flood, "true"))) {
        struct smap oc;
        smap_clone(&oc, &row->other_config);
        if (want->mcast_snooping) {
            smap_replace(&oc, OVSG_FLOOD_KEY, "true");
        } else {
            smap_remove(&oc, OVSG_FLOOD_KEY);
        }
        ovsrec_bridge_set_other_config(row, &oc);
        smap_destroy(&oc);
        ovsg_diff_note(d, "bridge %s other_config:%s=%s", want->name,
                       OVSG_FLOOD_KEY, want->mcast_snooping ? "true" : "[]");
    }
    ovsg_sync_sflow(d, row, want);
    ovsg_sync_ipfix(d, row, want);
    ovsg_sync_netflow(d, row, want);
}
