/* ovs-glue/ovsg-sdn.c: what xovs hands to SDN controllers (see ovsg.h):
 * the Open_vSwitch table's managers and SSL row, and per bridge its
 * OpenFlow controllers, fail_mode and in-band setting.
 *
 * Part of the row diff of one pass (ovsg-sync.c, ovsg.c): the same rules
 * of ownership hold.  A Manager, Controller or SSL row xovs creates carries
 * the mark (OVSG_MARK_KEY); xovs changes or removes only marked rows, so a
 * controller that adds its own Controller rows to a bridge, or a manager
 * that an administrator set with ovs-vsctl, stays.  A desired manager
 * whose target a row xovs did not create already has, or an SSL row that
 * is not xovs's, is a collision: reported against its record, not
 * applied.  fail_mode and other_config:disable-in-band are written only
 * while a network asks for them; xovs clears them only where it wrote them
 * (noted in the bridge's external_ids), so a controller's own setting
 * survives. */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <string.h>
#include "ovsdb-idl.h"
#include "util.h"
#include "vswitch-idl.h"

/* ---------------------------------------------------------------------- */
/* Bridges. */

static bool
ovsg_same_fail_mode(const char *have, const char *want)
{
    return have && want ? !strcmp(have, want) : !have && !want;
}

void
ovsg_sdn_sync_bridge(struct ovsg_diff *d, const struct ovsrec_bridge *row,
                     const struct ovsg_bridge *want)
{
    /* fail_mode: the network's, or cleared where xovs set it. */
    bool xovs_fail_mode
        = smap_get(&row->external_ids, OVSG_SDN_FAIL_MODE_KEY) != NULL;
    const char *fail_mode
        = row->fail_mode && *row->fail_mode ? row->fail_mode : NULL;
    if (want->fail_mode ? !ovsg_same_fail_mode(fail_mode, want->fail_mode)
                        : xovs_fail_mode && fail_mode) {
        ovsrec_bridge_set_fail_mode(row, want->fail_mode);
        ovsg_diff_note(d, "bridge %s fail_mode=%s", want->name,
                       want->fail_mode ? want->fail_mode : "[]");
    }

    /* other_config:disable-in-band, the same way. */
    bool xovs_in_band
        = smap_get(&row->external_ids, OVSG_SDN_IN_BAND_KEY) != NULL;
    const char *in_band = smap_get(&row->other_config, "disable-in-band");
    if (want->disable_in_band && !(in_band && !strcmp(in_band, "true"))) {
        ovsrec_bridge_update_other_config_setkey(row, "disable-in-band",
                                                 "true");
        ovsg_diff_note(d, "bridge %s other_config:disable-in-band=true",
                       want->name);
    } else if (!want->disable_in_band && xovs_in_band && in_band) {
        ovsrec_bridge_update_other_config_delkey(row, "disable-in-band");
        ovsg_diff_note(d, "bridge %s other_config:disable-in-band removed",
                       want->name);
    }

    /* Controllers: xovs's marked rows equal 'want->controllers'. */
    struct sset have = SSET_INITIALIZER(&have);
    for (size_t i = 0; i < row->n_controller; i++) {
        const struct ovsrec_controller *c = row->controller[i];
        bool mine = ovsg_is_marked(&c->external_ids);
        if (mine && !svec_contains_unsorted(&want->controllers, c->target)) {
            ovsrec_bridge_update_controller_delvalue(row, c);
            ovsg_diff_note(d, "bridge %s: remove controller %s", want->name,
                           c->target);
        } else {
            /* Ours and wanted, or someone else's with that target (OVS
             * connects once per target): nothing to add. */
            sset_add(&have, c->target);
        }
    }
    for (size_t i = 0; i < want->controllers.n; i++) {
        const char *target = want->controllers.names[i];
        if (sset_contains(&have, target)) {
            continue;
        }
        struct ovsrec_controller *c = ovsrec_controller_insert(d->txn);
        struct smap ids = SMAP_INITIALIZER(&ids);
        smap_add(&ids, OVSG_MARK_KEY, OVSG_MARK_VALUE);
        ovsrec_controller_set_target(c, target);
        ovsrec_controller_set_external_ids(c, &ids);
        smap_destroy(&ids);
        ovsrec_bridge_update_controller_addvalue(row, c);
        ovsg_diff_note(d, "bridge %s: add controller %s", want->name, target);
        sset_add(&have, target);
    }
    sset_destroy(&have);
}

/* ---------------------------------------------------------------------- */
/* Managers and SSL. */

/* The manager row of 'ovs' with 'target', or NULL. */
static const struct ovsrec_manager *
ovsg_find_manager(const struct ovsrec_open_vswitch *ovs, const char *target)
{
    for (size_t i = 0; i < ovs->n_manager_options; i++) {
        if (!strcmp(ovs->manager_options[i]->target, target)) {
            return ovs->manager_options[i];
        }
    }
    return NULL;
}

/* Any Manager row with 'target' (referenced or not: the column is an
 * index, so a second row with it would be refused). */
static const struct ovsrec_manager *
ovsg_find_manager_row(const struct ovsdb_idl *idl, const char *target)
{
    const struct ovsrec_manager *m;
    OVSREC_MANAGER_FOR_EACH(m, idl)
    {
        if (!strcmp(m->target, target)) {
            return m;
        }
    }
    return NULL;
}

static char *
ovsg_manager_collision(const struct ovsdb_idl *idl, const char *target)
{
    const struct ovsrec_manager *m = ovsg_find_manager_row(idl, target);
    if (m && !ovsg_is_marked(&m->external_ids)) {
        return xasprintf("manager %s exists in Open vSwitch and xovs did not "
                         "create it (no external_ids:%s); take it out of "
                         "Open_vSwitch manager_options or use another port",
                         target, OVSG_MARK_KEY);
    }
    return NULL;
}

static char *
ovsg_ssl_collision(const struct ovsrec_open_vswitch *ovs)
{
    if (ovs && ovs->ssl && !ovsg_is_marked(&ovs->ssl->external_ids)) {
        return xasprintf("Open vSwitch already has SSL settings xovs did "
                         "not create (key %s); remove them (ovs-vsctl "
                         "del-ssl) first",
                         ovs->ssl->private_key);
    }
    return NULL;
}

/* Reports 'msg' (consumed) against 'record'. */
static void
ovsg_sdn_report(struct ovsg *g, const char *what, const char *record,
                char *msg)
{
    struct svec records = SVEC_EMPTY_INITIALIZER;
    svec_add(&records, record);
    ovsg_report(g, what, &records, msg);
    svec_destroy(&records);
    free(msg);
}

static void
ovsg_sync_managers(struct ovsg *g, struct ovsg_diff *d,
                   const struct ovsrec_open_vswitch *ovs)
{
    const struct ovsg_state *want = &g->desired;

    for (size_t i = 0; i < ovs->n_manager_options; i++) {
        const struct ovsrec_manager *m = ovs->manager_options[i];
        if (ovsg_is_marked(&m->external_ids)
            && !svec_contains_unsorted(&want->managers, m->target)) {
            ovsrec_open_vswitch_update_manager_options_delvalue(ovs, m);
            ovsg_diff_note(d, "remove manager %s", m->target);
        }
    }
    for (size_t i = 0; i < want->managers.n; i++) {
        const char *target = want->managers.names[i];
        char *msg = ovsg_manager_collision(g->idl, target);
        if (msg) {
            char *what = xasprintf("manager %s", target);
            ovsg_sdn_report(g, what, want->manager_records.names[i], msg);
            free(what);
            continue;
        }
        if (ovsg_find_manager(ovs, target)) {
            continue;
        }
        const struct ovsrec_manager *m = ovsg_find_manager_row(g->idl, target);
        if (!m) {
            struct ovsrec_manager *row = ovsrec_manager_insert(d->txn);
            struct smap ids = SMAP_INITIALIZER(&ids);
            smap_add(&ids, OVSG_MARK_KEY, OVSG_MARK_VALUE);
            ovsrec_manager_set_target(row, target);
            ovsrec_manager_set_external_ids(row, &ids);
            smap_destroy(&ids);
            m = row;
        }
        ovsrec_open_vswitch_update_manager_options_addvalue(ovs, m);
        ovsg_diff_note(d, "add manager %s", target);
    }
}

static bool
ovsg_same_string(const char *have, const char *want)
{
    return !strcmp(have ? have : "", want ? want : "");
}

static void
ovsg_sync_ssl(struct ovsg *g, struct ovsg_diff *d,
              const struct ovsrec_open_vswitch *ovs)
{
    const struct ovsg_ssl *want = g->desired.ssl;
    const struct ovsrec_ssl *row = ovs->ssl;

    if (!want) {
        if (row && ovsg_is_marked(&row->external_ids)) {
            ovsrec_open_vswitch_set_ssl(ovs, NULL);
            ovsg_diff_note(d, "remove SSL settings");
        }
        return;
    }
    char *msg = ovsg_ssl_collision(ovs);
    if (msg) {
        ovsg_sdn_report(g, "SSL settings", want->record, msg);
        return;
    }
    if (!row) {
        struct ovsrec_ssl *new = ovsrec_ssl_insert(d->txn);
        struct smap ids = SMAP_INITIALIZER(&ids);
        smap_add(&ids, OVSG_MARK_KEY, OVSG_MARK_VALUE);
        ovsrec_ssl_set_external_ids(new, &ids);
        smap_destroy(&ids);
        ovsrec_open_vswitch_set_ssl(ovs, new);
        ovsg_diff_note(d, "add SSL settings");
        row = new;
    }
    if (!ovsg_same_string(row->private_key, want->private_key)
        || !ovsg_same_string(row->certificate, want->certificate)
        || !ovsg_same_string(row->ca_cert, want->ca_cert)
        || row->bootstrap_ca_cert != want->bootstrap_ca_cert) {
        ovsrec_ssl_set_private_key(row, want->private_key);
        ovsrec_ssl_set_certificate(row, want->certificate);
        ovsrec_ssl_set_ca_cert(row, want->ca_cert);
        ovsrec_ssl_set_bootstrap_ca_cert(row, want->bootstrap_ca_cert);
        ovsg_diff_note(d, "SSL key %s certificate %s CA %s%s",
                       want->private_key, want->certificate, want->ca_cert,
                       want->bootstrap_ca_cert ? " (bootstrap)" : "");
    }
}

void
ovsg_sdn_sync(struct ovsg *g, struct ovsg_diff *d,
              const struct ovsrec_open_vswitch *ovs)
{
    if (!ovsg_admit(g, "sdn")) {
        return;
    }
    d->unit = "sdn";
    ovsg_sync_managers(g, d, ovs);
    ovsg_sync_ssl(g, d, ovs);
    d->unit = NULL;
}

void
ovsg_sdn_collisions(const struct ovsdb_idl *idl, const struct ovsg_state *s,
                    struct shash *errors)
{
    for (size_t i = 0; i < s->managers.n; i++) {
        char *msg = ovsg_manager_collision(idl, s->managers.names[i]);
        if (msg) {
            if (!shash_find(errors, s->manager_records.names[i])) {
                shash_add(errors, s->manager_records.names[i], msg);
            } else {
                free(msg);
            }
        }
    }
    if (s->ssl) {
        char *msg = ovsg_ssl_collision(ovsrec_open_vswitch_first(idl));
        if (msg) {
            if (!shash_find(errors, s->ssl->record)) {
                shash_add(errors, s->ssl->record, msg);
            } else {
                free(msg);
            }
        }
    }
}
