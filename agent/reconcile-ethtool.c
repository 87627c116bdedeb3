/* agent/reconcile-ethtool.c: PIF other_config:ethtool-* onto the NICs
 * (reconcile-ethtool.h), with ethtool-nl.c.
 *
 * An on/off key names one or more kernel features (records-ethtool.c has
 * the table, ethtool(8)'s -K names); the changeable ones among them are
 * set together in one request, then read back: a driver may accept the
 * request and keep a feature as it was (dependencies, fixed features).
 * ethtool-autoneg/-speed/-duplex go in one link modes request, sent only
 * when they differ from the link's current ones. */

#include <config.h>
#include "agent/reconcile-ethtool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ethtool-nl.h"
#include "agent/records-ethtool.h"
#include "agent/records.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "smap.h"
#include "sset.h"
#include "svec.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(reconcile_ethtool);

/* Whether any of 'names' (NULL-terminated) is in 'set'. */
static bool
xrc_any_in(const char *const *names, const struct sset *set)
{
    for (size_t i = 0; names[i]; i++) {
        if (sset_contains(set, names[i])) {
            return true;
        }
    }
    return false;
}

static void
xrc_problem(struct svec *problems, const char *key, const char *value,
            const char *what, const char *msg)
{
    char *s = xasprintf("other_config:%s=%s %s%s%s", key, value, what,
                        msg ? ": " : "", msg ? msg : "");
    svec_add_nocopy(problems, s);
}

static int
xrc_apply_features(const char *device, const struct smap *oc,
                   struct svec *problems)
{
    struct xeth_features f;
    struct sset on = SSET_INITIALIZER(&on);
    struct sset off = SSET_INITIALIZER(&off);
    const struct xrec_ethtool_key *keys;
    size_t n_keys;
    char *msg;
    int error;

    xeth_features_init(&f);
    error = xeth_features_get(device, &f, &msg);
    if (error) {
        xeth_features_destroy(&f);
        if (error != ENODEV) {
            char *s = xasprintf("cannot read the NIC's features (%s%s%s)",
                                ovs_strerror(error), msg ? ": " : "",
                                msg ? msg : "");
            svec_add_nocopy(problems, s);
        }
        free(msg);
        return error;
    }

    keys = xrec_ethtool_keys(&n_keys);
    for (size_t i = 0; i < n_keys; i++) {
        const char *value = smap_get(oc, keys[i].key);
        if (!value || !keys[i].features
            || xrec_check_ethtool(keys[i].key, value)) {
            continue;
        }
        bool want = xrec_ethtool_is_on(value);
        if (!xrc_any_in(keys[i].features, &f.changeable)) {
            if (want != xrc_any_in(keys[i].features, &f.active)) {
                xrc_problem(problems, keys[i].key, value,
                            want ? "not applied: the NIC cannot turn it on "
                                   "(fixed off)"
                                 : "not applied: the NIC cannot turn it off "
                                   "(fixed on)",
                            NULL);
            }
            continue;
        }
        for (size_t j = 0; keys[i].features[j]; j++) {
            const char *feat = keys[i].features[j];
            if (sset_contains(&f.changeable, feat)) {
                sset_add(want ? &on : &off, feat);
            }
        }
    }

    if (!sset_is_empty(&on) || !sset_is_empty(&off)) {
        error = xeth_features_set(device, &on, &off, &msg);
        if (error) {
            char *s = xasprintf("the kernel refused the NIC's features (%s%s"
                                "%s)",
                                ovs_strerror(error), msg ? ": " : "",
                                msg ? msg : "");
            svec_add_nocopy(problems, s);
        }
        free(msg);
        /* Read back: what the driver actually did. */
        xeth_features_destroy(&f);
        xeth_features_init(&f);
        if (!error && !xeth_features_get(device, &f, &msg)) {
            for (size_t i = 0; i < n_keys; i++) {
                const char *value = smap_get(oc, keys[i].key);
                if (!value || !keys[i].features
                    || xrec_check_ethtool(keys[i].key, value)) {
                    continue;
                }
                bool want = xrec_ethtool_is_on(value);
                for (size_t j = 0; keys[i].features[j]; j++) {
                    const char *feat = keys[i].features[j];
                    if (sset_contains(want ? &on : &off, feat)
                        && sset_contains(&f.active, feat) != want) {
                        xrc_problem(problems, keys[i].key, value,
                                    want ? "not applied: the NIC kept it off"
                                         : "not applied: the NIC kept it on",
                                    feat);
                        break;
                    }
                }
            }
        }
        free(msg);
    }
    sset_destroy(&on);
    sset_destroy(&off);
    xeth_features_destroy(&f);
    return 0;
}

static void
xrc_apply_link_modes(const char *device, const struct smap *oc,
                     struct svec *problems)
{
    const char *autoneg = smap_get(oc, "ethtool-autoneg");
    const char *speed = smap_get(oc, "ethtool-speed");
    const char *duplex = smap_get(oc, "ethtool-duplex");
    struct xeth_link_modes cur, want = {-1, 0, -1};
    char *msg;

    if (autoneg && !xrec_check_ethtool("ethtool-autoneg", autoneg)) {
        want.autoneg = xrec_ethtool_is_on(autoneg);
    }
    if (speed && !xrec_check_ethtool("ethtool-speed", speed)) {
        want.speed = atoi(speed);
    }
    if (duplex && !xrec_check_ethtool("ethtool-duplex", duplex)) {
        want.duplex = !strcmp(duplex, "full");
    }
    if (want.autoneg < 0 && !want.speed && want.duplex < 0) {
        return;
    }
    int error = xeth_link_modes_get(device, &cur, &msg);
    free(msg);
    if (!error) {
        /* Send only what differs, so a NIC that cannot change its link
         * settings is not bothered with the ones it already has. */
        want.autoneg = want.autoneg == cur.autoneg ? -1 : want.autoneg;
        want.speed = want.speed == cur.speed ? 0 : want.speed;
        want.duplex = want.duplex == cur.duplex ? -1 : want.duplex;
        if (want.autoneg < 0 && !want.speed && want.duplex < 0) {
            return;
        }
    }
    error = xeth_link_modes_set(device, &want, &msg);
    if (error) {
        struct ds s = DS_EMPTY_INITIALIZER;
        ds_put_format(&s,
                      "not applied: the NIC cannot change its link "
                      "settings (%s%s%s)",
                      ovs_strerror(error), msg ? ": " : "", msg ? msg : "");
        xrc_problem(problems,
                    want.speed         ? "ethtool-speed"
                    : want.duplex >= 0 ? "ethtool-duplex"
                                       : "ethtool-autoneg",
                    want.speed         ? speed
                    : want.duplex >= 0 ? duplex
                                       : autoneg,
                    ds_cstr(&s), NULL);
        ds_destroy(&s);
    }
    free(msg);
}

int
xrc_ethtool_apply(const char *device, const struct smap *oc,
                  struct svec *problems)
{
    int error = xrc_apply_features(device, oc, problems);
    if (error) {
        return error;
    }
    xrc_apply_link_modes(device, oc, problems);
    return 0;
}

/* "ethtool-gro=off,ethtool-tso=on": 'oc''s ethtool-* keys, sorted, or ""
 * (malloc'd). */
static char *
xrc_ethtool_wanted(const struct smap *oc)
{
    const struct smap_node **nodes = smap_sort(oc);
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < smap_count(oc); i++) {
        if (!strncmp(nodes[i]->key, XREC_ETHTOOL_PREFIX,
                     strlen(XREC_ETHTOOL_PREFIX))) {
            ds_put_format(&s, "%s%s=%s", s.length ? "," : "", nodes[i]->key,
                          nodes[i]->value);
        }
    }
    free(nodes);
    return ds_steal_cstr(&s);
}

/* Whether 'pif''s NIC carries traffic: plugged, or a member of a bond
 * whose PIF is plugged. */
static bool
xrc_nic_in_use(const struct xrec_db *db, const struct xrec_pif *pif)
{
    const struct xrec_bond *bond = xrec_find_bond_by_slave(db, pif->uuid);
    const struct xrec_pif *master
        = bond ? xrec_find_pif(db, bond->master) : NULL;
    return pif->currently_attached || (master && master->currently_attached);
}

void
xrc_ethtool_sync(const struct xrec_db *db, struct smap *applied)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);
    struct smap keep = SMAP_INITIALIZER(&keep);

    for (size_t i = 0; i < db->n_pifs; i++) {
        const struct xrec_pif *pif = db->pifs[i];
        if (!pif->physical || pif->vlan != XREC_VLAN_NONE
            || !xrc_nic_in_use(db, pif)) {
            continue;
        }
        /* properties:gro goes ahead of other_config:ethtool-gro. */
        struct smap oc;
        smap_clone(&oc, &pif->other_config);
        if (pif->gro != XREC_GRO_UNSET) {
            smap_replace(&oc, "ethtool-gro",
                         pif->gro == XREC_GRO_ON ? "on" : "off");
        }
        char *want = xrc_ethtool_wanted(&oc);
        const char *done = smap_get(applied, pif->device);
        if (!*want || (done && !strcmp(done, want))) {
            if (*want) {
                smap_replace(&keep, pif->device, want);
            }
            free(want);
            smap_destroy(&oc);
            continue;
        }
        struct svec problems = SVEC_EMPTY_INITIALIZER;
        int error = xrc_ethtool_apply(pif->device, &oc, &problems);
        for (size_t j = 0; j < problems.n; j++) {
            VLOG_WARN_RL(&rl, "%s: PIF %s: %s", pif->device, pif->uuid,
                         problems.names[j]);
        }
        if (!error) {
            VLOG_INFO("%s: ethtool settings applied (%s)%s", pif->device, want,
                      problems.n ? ", with warnings" : "");
            smap_replace(&keep, pif->device, want);
        }
        svec_destroy(&problems);
        smap_destroy(&oc);
        free(want);
    }
    hmap_swap(&keep.map, &applied->map);
    smap_destroy(&keep);
}

void
xrc_ethtool_read(const char *device, struct smap *state)
{
    const struct xrec_ethtool_key *keys;
    struct xeth_features f;
    struct xeth_link_modes lm;
    size_t n_keys;
    char *msg;

    xeth_features_init(&f);
    int error = xeth_features_get(device, &f, &msg);
    free(msg);
    if (error) {
        xeth_features_destroy(&f);
        return;
    }
    keys = xrec_ethtool_keys(&n_keys);
    for (size_t i = 0; i < n_keys; i++) {
        if (keys[i].features) {
            bool on = xrc_any_in(keys[i].features, &f.active);
            bool fixed = !xrc_any_in(keys[i].features, &f.changeable);
            smap_add_format(state, keys[i].key + strlen(XREC_ETHTOOL_PREFIX),
                            "%s%s", on ? "on" : "off",
                            fixed ? " (fixed)" : "");
        }
    }
    xeth_features_destroy(&f);

    if (!xeth_link_modes_get(device, &lm, &msg)) {
        if (lm.autoneg >= 0) {
            smap_add(state, "autoneg", lm.autoneg ? "on" : "off");
        }
        if (lm.speed) {
            smap_add_format(state, "speed", "%" PRIu32, lm.speed);
        }
        if (lm.duplex >= 0) {
            smap_add(state, "duplex", lm.duplex ? "full" : "half");
        }
    }
    free(msg);
}
