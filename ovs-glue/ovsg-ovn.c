/* ovs-glue/ovsg-ovn.c: what joins a host to OVN in its Open vSwitch: the
 * Open_vSwitch row's external_ids that ovn-controller reads (system-id,
 * ovn-remote, ovn-encap-type, ovn-encap-ip, ovn-bridge-mappings,
 * ovn-bridge-datapath-type).
 *
 * Own only what you made: the keys xovs wrote are listed in
 * external_ids:xovs-keys (comma-separated), and only those are removed
 * when the records stop wanting them (a host leaving OVN); every other key
 * (Debian's ovs-ctl writes system-id and hostname) is left alone unless
 * the records want it, and then it becomes xovs's. */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "smap.h"
#include "sset.h"
#include "svec.h"
#include "util.h"
#include "vswitch-idl.h"

#define OVSG_OVN_KEYS "xovs-keys"

void
ovsg_ovn_sync(struct ovsg_diff *d, const struct ovsrec_open_vswitch *ovs,
              const struct svec *want_)
{
    struct smap ids;
    struct sset had = SSET_INITIALIZER(&had);

    if (!ovs) {
        return;
    }
    struct smap want_map = SMAP_INITIALIZER(&want_map);
    struct smap *want = &want_map;
    const char *kv;
    size_t j;
    SVEC_FOR_EACH (j, kv, want_) {
        const char *eq = strchr(kv, '=');
        if (eq) {
            char *key = xmemdup0(kv, eq - kv);
            smap_replace(want, key, eq + 1);
            free(key);
        }
    }
    smap_clone(&ids, &ovs->external_ids);
    const char *list = smap_get(&ids, OVSG_OVN_KEYS);
    if (list) {
        char *copy = xstrdup(list), *save = NULL;
        for (char *k = strtok_r(copy, ",", &save); k;
             k = strtok_r(NULL, ",", &save)) {
            sset_add(&had, k);
        }
        free(copy);
    }
    const char *name;
    SSET_FOR_EACH (name, &had) {
        if (!smap_get(want, name)) {
            smap_remove(&ids, name);
        }
    }
    struct ds keys = DS_EMPTY_INITIALIZER;
    const struct smap_node **nodes = smap_sort(want);
    for (size_t i = 0; i < smap_count(want); i++) {
        smap_replace(&ids, nodes[i]->key, nodes[i]->value);
        ds_put_format(&keys, "%s%s", i ? "," : "", nodes[i]->key);
    }
    free(nodes);
    if (keys.length) {
        smap_replace(&ids, OVSG_OVN_KEYS, ds_cstr(&keys));
    } else {
        smap_remove(&ids, OVSG_OVN_KEYS);
    }
    if (!smap_equal(&ids, &ovs->external_ids)) {
        ovsrec_open_vswitch_set_external_ids(ovs, &ids);
        ovsg_diff_note(d, "Open_vSwitch external_ids (OVN: %s)",
                       keys.length ? ds_cstr(&keys) : "none");
    }
    ds_destroy(&keys);
    smap_destroy(&want_map);
    sset_destroy(&had);
    smap_destroy(&ids);
}
