/* controller/ctl-sb.c: xovs-controller's read-only view of OVN's
 * southbound database, through the typed IDL (see ctl-sb.h). */
#include <config.h>
#include "controller/ctl-sb.h"

#include <string.h>

#include "controller/ovn-sb-idl.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ctl_sb);

struct ctl_sb {
    struct ovsdb_idl *idl;
    struct ovsdb_idl_index *pb_by_name;      /* Port_Binding.logical_port */
    struct ovsdb_idl_index *chassis_by_name; /* Chassis.name */
    struct ovsdb_idl_index *private_by_name; /* Chassis_Private.name */
    unsigned int seqno;        /* replica seqno ctl_sb_run() saw last */
    unsigned int counts_seqno; /* replica seqno 'ports_of' was made at */
    bool counts_valid;         /* 'ports_of' is made */
    struct shash ports_of;     /* chassis name -> VIF bindings there (an
                                * int cast to a pointer) */
};

struct ctl_sb *
ctl_sb_create(const char *remote)
{
    struct ctl_sb *sb = xzalloc(sizeof *sb);
    /* Read only: any member connected to the cluster will do. */
    sb->idl = ovsdb_idl_create(remote, &sbrec_idl_class, true, true);
    ovsdb_idl_set_leader_only(sb->idl, false);
    sb->pb_by_name = ovsdb_idl_index_create1(
        sb->idl, &sbrec_port_binding_col_logical_port);
    sb->chassis_by_name
        = ovsdb_idl_index_create1(sb->idl, &sbrec_chassis_col_name);
    sb->private_by_name
        = ovsdb_idl_index_create1(sb->idl, &sbrec_chassis_private_col_name);
    shash_init(&sb->ports_of);
    return sb;
}

void
ctl_sb_destroy(struct ctl_sb *sb)
{
    if (sb) {
        ovsdb_idl_destroy(sb->idl);
        shash_destroy(&sb->ports_of);
        free(sb);
    }
}

bool
ctl_sb_run(struct ctl_sb *sb)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    ovsdb_idl_run(sb->idl);
    if (!ovsdb_idl_is_alive(sb->idl)) {
        int error = ovsdb_idl_get_last_error(sb->idl);
        VLOG_WARN_RL(&rl, "southbound database unreachable: %s (retrying)",
                     error ? ovs_retval_to_string(error) : "connecting");
    }
    unsigned int seqno = ovsdb_idl_get_seqno(sb->idl);
    if (seqno == sb->seqno) {
        return false;
    }
    sb->seqno = seqno;
    return true;
}

void
ctl_sb_wait(struct ctl_sb *sb)
{
    ovsdb_idl_wait(sb->idl);
}

static const struct sbrec_chassis *
ctl_sb_chassis(struct ctl_sb *sb, const char *name)
{
    struct sbrec_chassis *key
        = sbrec_chassis_index_init_row(sb->chassis_by_name);
    sbrec_chassis_index_set_name(key, name);
    const struct sbrec_chassis *ch
        = sbrec_chassis_index_find(sb->chassis_by_name, key);
    sbrec_chassis_index_destroy_row(key);
    return ch;
}

static const struct sbrec_port_binding *
ctl_sb_port(struct ctl_sb *sb, const char *name)
{
    struct sbrec_port_binding *key
        = sbrec_port_binding_index_init_row(sb->pb_by_name);
    sbrec_port_binding_index_set_logical_port(key, name);
    const struct sbrec_port_binding *pb
        = sbrec_port_binding_index_find(sb->pb_by_name, key);
    sbrec_port_binding_index_destroy_row(key);
    return pb;
}

static void
ctl_sb_count(struct shash *counts, const struct sbrec_chassis *ch)
{
    struct shash_node *node = shash_find(counts, ch->name);
    if (node) {
        node->data = (void *)((intptr_t)node->data + 1);
    } else {
        shash_add(counts, ch->name, (void *)(intptr_t)1);
    }
}

/* The VIF bindings of each chassis, made again when the replica changed
 * since (once per change at most, and only when someone asks). */
static void
ctl_sb_count_ports(struct ctl_sb *sb)
{
    if (sb->counts_valid && sb->counts_seqno == sb->seqno) {
        return;
    }
    shash_clear(&sb->ports_of);
    const struct sbrec_port_binding *pb;
    SBREC_PORT_BINDING_FOR_EACH(pb, sb->idl)
    {
        if (*pb->type) {
            continue; /* patch, localnet, router ports: not VIFs */
        }
        if (pb->chassis) {
            ctl_sb_count(&sb->ports_of, pb->chassis);
        }
        for (size_t i = 0; i < pb->n_additional_chassis; i++) {
            if (pb->additional_chassis[i] != pb->chassis) {
                ctl_sb_count(&sb->ports_of, pb->additional_chassis[i]);
            }
        }
    }
    sb->counts_seqno = sb->seqno;
    sb->counts_valid = true;
}

void
ctl_sb_host_info(void *sb_, const char *name, struct ctl_sb_host *out)
{
    struct ctl_sb *sb = sb_;
    memset(out, 0, sizeof *out);
    out->hostname = out->encap_type = out->encap_ip = "";
    out->alive = "unknown";
    if (!ovsdb_idl_has_ever_connected(sb->idl)
        || !ovsdb_idl_is_connected(sb->idl)) {
        /* Not "absent": a database we cannot read is not an empty one. */
        out->chassis = "unknown";
        return;
    }
    const struct sbrec_chassis *ch = ctl_sb_chassis(sb, name);
    if (!ch) {
        out->chassis = "absent";
        return;
    }
    out->chassis = "registered";
    out->hostname = ch->hostname;
    if (ch->n_encaps) {
        out->encap_type = ch->encaps[0]->type;
        out->encap_ip = ch->encaps[0]->ip;
    }
    ctl_sb_count_ports(sb);
    out->ports_bound = (intptr_t)shash_find_data(&sb->ports_of, name);

    const struct sbrec_sb_global *g = sbrec_sb_global_first(sb->idl);
    struct sbrec_chassis_private *key
        = sbrec_chassis_private_index_init_row(sb->private_by_name);
    sbrec_chassis_private_index_set_name(key, name);
    const struct sbrec_chassis_private *priv
        = sbrec_chassis_private_index_find(sb->private_by_name, key);
    sbrec_chassis_private_index_destroy_row(key);
    if (g && g->nb_cfg > 0 && priv) {
        out->alive = priv->nb_cfg >= g->nb_cfg ? "true" : "false";
    }
}

bool
ctl_sb_vif_activated(void *sb_, const char *vif, const char *target)
{
    struct ctl_sb *sb = sb_;
    const struct sbrec_port_binding *pb = ctl_sb_port(sb, vif);
    if (!pb) {
        return false;
    }
    /* Northd has this migration (the target requested as an additional
     * chassis: an activation left from an earlier, cancelled one is gone
     * by then), and the target bound the port. */
    bool requested = false, additional = false;
    for (size_t i = 0; i < pb->n_requested_additional_chassis; i++) {
        if (!strcmp(pb->requested_additional_chassis[i]->name, target)) {
            requested = true;
        }
    }
    for (size_t i = 0; i < pb->n_additional_chassis; i++) {
        if (!strcmp(pb->additional_chassis[i]->name, target)) {
            additional = true;
        }
    }
    const char *activated
        = smap_get_def(&pb->options, "additional-chassis-activated", "");
    if (!requested || !additional || !*activated) {
        return false;
    }
    /* A comma-separated list of chassis names. */
    bool found = false;
    char *list = xstrdup(activated), *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok && !found;
         tok = strtok_r(NULL, ",", &save)) {
        found = !strcmp(tok, target);
    }
    free(list);
    return found;
}
