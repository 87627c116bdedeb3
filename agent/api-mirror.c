/* agent/api-mirror.c: the mirror verbs (xovs's own record; XenServer has
 * none, its controller writes OVS's Mirror table itself).
 *
 * Part of the request executor: api.c dispatches mirror-create,
 * mirror-destroy and mirror-list here.  A mirror copies the frames the
 * chosen VIFs send and receive (vif-uuids=), or every frame of a network
 * (network-uuid= alone), to one output: a VIF (output-vif-uuid=, SPAN) or
 * a VLAN tag on the network's trunk ports (output-vlan=, RSPAN).  OVS
 * mirrors work per bridge, so sources and output share one network.
 * VIFs and networks a mirror names cannot be destroyed before it
 * (xapi_mirror_check_unused()). */

#include <config.h>
#include "agent/api-private.h"

#include <json-c/json.h>
#include <string.h>

#include "agent/records.h"
#include "util.h"

/* Parses "vif-uuids" into 'out' (uuids of existing, distinct VIFs). */
static bool
arg_vifs(struct xapi_ctx *c, struct svec *out)
{
    const char *s = xapi_arg(c, "vif-uuids");
    char *copy, *save = NULL;
    bool ok = true;

    if (!s) {
        return true;
    }
    copy = xstrdup(s);
    for (char *tok = strtok_r(copy, ",", &save); ok && tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *uuid;
        if (!xapi_check(c, "vif-uuids", xrec_parse_uuid(tok, &uuid))) {
            ok = false;
            break;
        }
        if (!xrec_find_vif(c->db, uuid)) {
            ok = XAPI_REJECT(c, "vif-uuids", "no VIF with uuid %s", uuid);
        } else if (svec_contains_unsorted(out, uuid)) {
            ok = XAPI_REJECT(c, "vif-uuids", "VIF %s is listed twice", uuid);
        } else if (out->n >= XREC_RECORDS_MAX) {
            ok = XAPI_REJECT(c, "vif-uuids", "too many VIFs");
        }
        if (ok) {
            svec_add_nocopy(out, uuid);
        } else {
            free(uuid);
        }
    }
    free(copy);
    if (ok && !out->n) {
        ok = XAPI_REJECT(c, "vif-uuids",
                         "no VIF; give VIF uuids, "
                         "comma-separated");
    }
    return ok;
}

int
xapi_mirror_create(struct xapi_ctx *c)
{
    struct xrec_mirror *m = xrec_mirror_new();
    const struct xrec_network *net = NULL;
    const char *label = xapi_arg(c, "name-label");

    if (label && !xapi_check(c, "name-label", xrec_check_text(label))) {
        goto reject;
    }
    if (!arg_vifs(c, &m->src_vifs)) {
        goto reject;
    }
    if (xapi_arg(c, "network-uuid")) {
        net = XAPI_ARG_RECORD(c, "network-uuid", xrec_find_network, "network");
        if (!net) {
            goto reject;
        }
    } else if (m->src_vifs.n) {
        const struct xrec_vif *v = xrec_find_vif(c->db, m->src_vifs.names[0]);
        net = xrec_find_network(c->db, v->network);
    } else {
        XAPI_REJECT(c, "vif-uuids",
                    "missing: give the VIFs to mirror (vif-uuids=) or a "
                    "whole network (network-uuid=)");
        goto reject;
    }
    for (size_t i = 0; i < m->src_vifs.n; i++) {
        const struct xrec_vif *v = xrec_find_vif(c->db, m->src_vifs.names[i]);
        if (strcmp(v->network, net->uuid)) {
            XAPI_REJECT(c, "vif-uuids",
                        "VIF %s is on network %s, not %s; a mirror's "
                        "sources and output share one network",
                        v->uuid, v->network, net->uuid);
            goto reject;
        }
    }
    const struct xrec_pif *pif = xrec_find_pif_by_network(c->db, net->uuid);
    if (pif && pif->vlan != XREC_VLAN_NONE) {
        XAPI_REJECT(c, m->src_vifs.n ? "vif-uuids" : "network-uuid",
                    "network %s is VLAN %d on %s; mirror on a network "
                    "that is not a VLAN network",
                    net->uuid, pif->vlan, pif->device);
        goto reject;
    }

    const char *out_vif = xapi_arg(c, "output-vif-uuid");
    const char *out_vlan = xapi_arg(c, "output-vlan");
    if (!out_vif == !out_vlan) {
        XAPI_REJECT(c, out_vif ? "output-vlan" : "output-vif-uuid",
                    "give exactly one output: a VIF (output-vif-uuid=, SPAN) "
                    "or a VLAN (output-vlan=, RSPAN)");
        goto reject;
    }
    if (out_vif) {
        const struct xrec_vif *o
            = XAPI_ARG_RECORD(c, "output-vif-uuid", xrec_find_vif, "VIF");
        if (!o) {
            goto reject;
        }
        if (svec_contains_unsorted(&m->src_vifs, o->uuid)) {
            XAPI_REJECT(c, "output-vif-uuid",
                        "VIF %s is also a source of the mirror (vif-uuids)",
                        o->uuid);
            goto reject;
        }
        if (strcmp(o->network, net->uuid)) {
            XAPI_REJECT(c, "output-vif-uuid",
                        "VIF %s is on network %s, not the mirrored %s",
                        o->uuid, o->network, net->uuid);
            goto reject;
        }
        if (!m->src_vifs.n) {
            XAPI_REJECT(c, "output-vif-uuid",
                        "VIF %s is on network %s, whose whole traffic is "
                        "the source; an output cannot be a source",
                        o->uuid, net->uuid);
            goto reject;
        }
        m->output_vif = xstrdup(o->uuid);
    } else if (!xapi_arg_int(c, "output-vlan", 1, XREC_VLAN_MAX,
                             &m->output_vlan)) {
        goto reject;
    }

    m->uuid = xapi_new_uuid();
    m->name_label = xstrdup(label ? label : "");
    m->network = xstrdup(net->uuid);
    xrec_db_add_mirror(c->db, m);
    c->changed = true;
    xapi_result_uuid(c, m->uuid);
    return 0;

reject:
    xrec_mirror_free(m);
    return c->code;
}

int
xapi_mirror_destroy(struct xapi_ctx *c)
{
    struct xrec_mirror *m
        = XAPI_ARG_RECORD(c, "uuid", xrec_find_mirror, "mirror");

    if (m) {
        xrec_db_delete_mirror(c->db, m);
        c->changed = true;
    }
    return c->code;
}

bool
xapi_mirror_check_unused(struct xapi_ctx *c, const char *uuid)
{
    for (size_t i = 0; i < c->db->n_mirrors; i++) {
        const struct xrec_mirror *m = c->db->mirrors[i];
        if (!strcmp(m->network, uuid)
            || (m->output_vif && !strcmp(m->output_vif, uuid))
            || svec_contains_unsorted(&m->src_vifs, uuid)) {
            return XAPI_REJECT(c, "uuid",
                               "%s is used by mirror %s; mirror-destroy it "
                               "first",
                               uuid, m->uuid);
        }
    }
    return true;
}

static struct json_object *
xapi_mirror_row(const struct xapi_ctx *c, size_t i)
{
    const struct xrec_mirror *m = c->db->mirrors[i];
    const struct xrec_network *net = xrec_find_network(c->db, m->network);
    struct json_object *row = json_object_new_object();

    xrec_json_put_string(row, "uuid", m->uuid);
    xrec_json_put_string(row, "name-label", m->name_label);
    xrec_json_put_string(row, "network-uuid", m->network);
    xrec_json_put_string(row, "bridge", net->bridge);
    xrec_json_put_svec(row, "vif-uuids", &m->src_vifs);
    xrec_json_put_string(row, "output-vif-uuid", m->output_vif);
    xrec_json_put_int(row, "output-vlan", m->output_vlan);
    xrec_json_put_string(row, "kind", m->output_vif ? "span" : "rspan");
    xapi_put_status(c, m->uuid, row);
    return row;
}

int
xapi_mirror_list(struct xapi_ctx *c)
{
    return xapi_list(c, c->db->n_mirrors, xapi_mirror_row);
}
