/* controller/ctl-sb.h: what OVN's southbound database says about the pool.
 *
 * xovs-controller writes only the northbound database (ctl-nb.h); what
 * happens on the hosts is in the southbound one: which hosts' ovn-controller
 * registered a Chassis (and with which tunnel endpoint), which logical ports
 * they bound, and whether a live migration's target took its port over.
 * One read-only OVSDB IDL connection (the typed IDL generated from Debian's
 * ovn-sb.ovsschema, reduced by ovn-sb-idl.ann to SB_Global, Chassis,
 * Chassis_Private, Encap and Port_Binding) to the SB cluster: a remote list
 * "tcp:A:6642,tcp:B:6642,..." reaches any member connected to the cluster.
 *
 * A host is its OVN system-id, the name of its Chassis; a VIF is its uuid,
 * the name (logical_port) of its Port_Binding.
 *
 * Live migration (ctl-host.c): with activation-strategy=rarp, northd puts
 * both hosts in the Port_Binding (chassis = source, additional_chassis =
 * target once its ovn-controller sees the port); the target's copy
 * forwards nothing until the guest's RARP reaches it, then that
 * ovn-controller adds its chassis name to the binding's
 * options:additional-chassis-activated (OVN 23.03 controller/pinctrl.c
 * run_activated_ports()).  ctl_sb_vif_activated() reads exactly that. */
#ifndef CTL_SB_H
#define CTL_SB_H 1

#include <stdbool.h>

struct ctl_sb;

/* Connects to 'remote' (OVSDB remote list).  Never fails: connection
 * problems are retried and logged (rate-limited). */
struct ctl_sb *ctl_sb_create(const char *remote);
void ctl_sb_destroy(struct ctl_sb *); /* accepts NULL */

/* Returns true if the replica changed since the last call (the caller
 * then looks at what it needs again). */
bool ctl_sb_run(struct ctl_sb *);
void ctl_sb_wait(struct ctl_sb *);

/* What the southbound database says of one host.  Strings point into the
 * replica: valid until the next ctl_sb_run(). */
struct ctl_sb_host {
    const char *chassis;    /* "registered", "absent", or "unknown" (the
                             * southbound database is not reachable) */
    const char *hostname;   /* Chassis hostname, or "" */
    const char *encap_type; /* first Encap's type ("geneve"...), or "" */
    const char *encap_ip;   /* its IP, or "" */
    int ports_bound;        /* Port_Bindings of type "" (VIFs) whose chassis
                             * or additional_chassis is this host */
    const char *alive;      /* "true": its ovn-controller caught up with the
                             * last northbound change counted by nb_cfg
                             * (Chassis_Private.nb_cfg >= SB_Global.nb_cfg);
                             * "false": it is behind; "unknown": no
                             * Chassis_Private, or nobody counts changes
                             * (SB_Global.nb_cfg is 0) */
};

/* Fills 'out' for host 'name' (a system-id).  'sb' is a struct ctl_sb
 * (void * for ctl-db.h's callbacks). */
void ctl_sb_host_info(void *sb, const char *name, struct ctl_sb_host *out);

/* True when VIF 'vif''s Port_Binding has host 'target' as a requested and
 * bound additional chassis and that chassis activated it (the guest
 * announced itself there): the live migration of 'vif' to 'target' has
 * happened in OVN.  (Northd drops the activation mark in the transaction
 * that stops requesting the additional chassis, so a mark left from a
 * cancelled migration to the same target is not taken for a new one.) */
bool ctl_sb_vif_activated(void *sb, const char *vif, const char *target);

#endif /* controller/ctl-sb.h */
