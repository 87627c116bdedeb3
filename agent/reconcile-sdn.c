/* agent/reconcile-sdn.c: the SDN part of records -> desired switch state
 * (see reconcile.h).
 *
 *   SDN_controller record        -> a Manager of Open vSwitch (its target)
 *   SSL record                   -> the SSL row
 *   network (else pool) other_config:
 *     vswitch-controller=T [T..] -> Controller rows on the network's bridge
 *     vswitch-controller-fail-mode=secure|standalone -> Bridge fail_mode
 *     vswitch-disable-in-band=true -> Bridge other_config:disable-in-band
 *
 * Each key is the network's own if it has it, else the pool record's
 * (xrec_network_setting()): a pool-wide controller reaches every bridge
 * xovs makes, a network that names its own overrides it, and removing the
 * network's key falls back to the pool's.  A VLAN network has no bridge
 * of its own (it is a fake bridge on its parent's), so the parent
 * network's settings are the ones that count. */
#include <config.h>
#include "agent/reconcile.h"

#include <string.h>
#include "agent/records.h"
#include "ovs-glue/ovsg.h"
#include "util.h"

void
xrc_bridge_sdn(const struct xrec_db *db, const struct xrec_network *net,
               struct ovsg_bridge *br)
{
    const char *targets = xrec_network_setting(db, net, "vswitch-controller");
    const char *fail_mode
        = xrec_network_setting(db, net, "vswitch-controller-fail-mode");
    const char *in_band
        = xrec_network_setting(db, net, "vswitch-disable-in-band");

    if (targets) {
        char *copy = xstrdup(targets), *save = NULL;
        for (char *t = strtok_r(copy, " ", &save); t;
             t = strtok_r(NULL, " ", &save)) {
            if (!svec_contains_unsorted(&br->controllers, t)) {
                svec_add(&br->controllers, t);
            }
        }
        free(copy);
    }
    if (fail_mode) {
        br->fail_mode = xstrdup(fail_mode);
        smap_replace(&br->external_ids, OVSG_SDN_FAIL_MODE_KEY, fail_mode);
    }
    if (in_band && !strcmp(in_band, "true")) {
        br->disable_in_band = true;
        smap_replace(&br->external_ids, OVSG_SDN_IN_BAND_KEY, "true");
    }
}

void
xrc_build_sdn(const struct xrec_db *db, struct ovsg_state *out)
{
    for (size_t i = 0; i < db->n_sdn_controllers; i++) {
        const struct xrec_sdn_controller *c = db->sdn_controllers[i];
        char *target = xrec_sdn_target(c);
        ovsg_state_add_manager(out, target, c->uuid);
        free(target);
    }
    if (db->n_ssls) {
        const struct xrec_ssl *s = db->ssls[0];
        struct ovsg_ssl *ssl = xzalloc(sizeof *ssl);
        ssl->private_key = xstrdup(s->private_key);
        ssl->certificate = xstrdup(s->certificate);
        ssl->ca_cert = xstrdup(s->ca_cert);
        ssl->bootstrap_ca_cert = s->bootstrap_ca_cert;
        ssl->record = xstrdup(s->uuid);
        out->ssl = ssl;
    }
}
