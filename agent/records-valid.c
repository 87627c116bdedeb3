/* agent/records-valid.c: checking record values and the invariants
 * between records (see records.h).
 *
 * The field validators are shared by the JSON parser (records-json.c) and
 * the API (api.c and its per-record files) so that a value accepted on the
 * command line is exactly a value the store accepts back.  xrec_db_check()
 * checks what no single field shows: uniqueness, references and the rules
 * of VLANs, VIFs and bonds. */

#include <config.h>
#include "agent/records.h"
#include "agent/records-private.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sset.h"
#include "util.h"
#include "uuid.h"

/* Validators. */

char *
xrec_check_range(long long value, long long min, long long max)
{
    if (value < min || value > max) {
        return xasprintf("%lld is outside %lld..%lld", value, min, max);
    }
    return NULL;
}

char *
xrec_parse_int(const char *s, int min, int max, int *value)
{
    long long ll;

    if (!str_to_llong(s, 10, &ll) || !*s || isspace((unsigned char)*s)) {
        return xasprintf("\"%.64s\" is not a number", s);
    }
    char *error = xrec_check_range(ll, min, max);
    if (!error) {
        *value = ll;
    }
    return error;
}

char *
xrec_check_vif_mtu(long long mtu)
{
    return mtu ? xrec_check_range(mtu, XREC_MTU_MIN, XREC_MTU_MAX) : NULL;
}

char *
xrec_parse_trunks(const char *s, char **canon)
{
    int *tags;
    size_t n;
    bool all;

    if (!*s) {
        *canon = xstrdup("");
        return NULL;
    }
    char *error = vlan_parse_trunks(s, &tags, &n, &all);
    if (!error) {
        *canon = vlan_format_trunks(tags, n, all);
        free(tags);
    }
    return error;
}

char *
xrec_parse_bool(const char *s, bool *value)
{
    if (!strcmp(s, "true")) {
        *value = true;
    } else if (!strcmp(s, "false")) {
        *value = false;
    } else {
        return xasprintf("\"%.64s\" is not true or false", s);
    }
    return NULL;
}

char *
xrec_parse_uuid(const char *s, char **canon)
{
    struct uuid uuid;

    if (strlen(s) != UUID_LEN || !uuid_from_string(&uuid, s)) {
        return xasprintf("\"%.64s\" is not a uuid", s);
    }
    *canon = xasprintf(UUID_FMT, UUID_ARGS(&uuid));
    return NULL;
}

char *
xrec_parse_mac(const char *s, char **canon)
{
    unsigned int b[6];
    int n = 0;

    if (strlen(s) != 17
        || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
                  &b[4], &b[5], &n)
               != 6
        || n != 17) {
        return xasprintf("\"%.64s\" is not a MAC address (want six hex "
                         "pairs separated by ':', e.g. 02:00:00:00:00:01)",
                         s);
    }
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i])) {
            return xasprintf("\"%.64s\" is not a MAC address (want six hex "
                             "pairs separated by ':')",
                             s);
        }
    }
    if (b[0] & 1) {
        return xasprintf("%s is a multicast address; a NIC needs a unicast "
                         "MAC",
                         s);
    }
    if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5])) {
        return xasprintf("%s is the all-zero address", s);
    }
    *canon = xasprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
                       b[4], b[5]);
    return NULL;
}

char *
xrec_parse_ip(int af, const char *s, char **canon)
{
    unsigned char addr[sizeof(struct in6_addr)];
    char buf[INET6_ADDRSTRLEN];

    if (strlen(s) >= sizeof buf || inet_pton(af, s, addr) != 1) {
        return xasprintf("\"%.64s\" is not an IPv%d address", s,
                         af == AF_INET ? 4 : 6);
    }
    *canon = xstrdup(inet_ntop(af, addr, buf, sizeof buf));
    return NULL;
}

char *
xrec_check_ifname(const char *s)
{
    size_t len = strlen(s);

    if (!len) {
        return xstrdup("must not be empty");
    }
    if (len > XREC_IFNAME_MAX) {
        return xasprintf("\"%.64s\" is %zu bytes long; an interface name has "
                         "at most %d",
                         s, len, XREC_IFNAME_MAX);
    }
    if (!strcmp(s, ".") || !strcmp(s, "..")) {
        return xasprintf("\"%s\" is not a valid interface name", s);
    }
    for (const char *p = s; *p; p++) {
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p)) {
            return xasprintf("\"%s\" contains '%c'; use only letters, digits, "
                             "'_', '.' and '-'",
                             s, isprint((unsigned char)*p) ? *p : '?');
        }
    }
    return NULL;
}

char *
xrec_check_text(const char *s)
{
    size_t len = strlen(s);

    if (len > XREC_TEXT_MAX) {
        return xasprintf("is %zu bytes long; the limit is %d", len,
                         XREC_TEXT_MAX);
    }
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            return xstrdup("contains a control character");
        }
    }
    return NULL;
}

char *
xrec_check_other_config_key(const char *key)
{
    size_t len = strlen(key);

    if (!len || len > XREC_KEY_MAX) {
        return xasprintf("key \"%.64s\" must be 1..%d bytes long", key,
                         XREC_KEY_MAX);
    }
    for (const char *p = key; *p; p++) {
        if (!isalnum((unsigned char)*p) && !strchr("_.:-", *p)) {
            return xasprintf("key \"%.64s\" contains '%c'; use only letters, "
                             "digits, '_', '.', ':' and '-'",
                             key, isprint((unsigned char)*p) ? *p : '?');
        }
    }
    return NULL;
}

char *
xrec_check_other_config_value(bool network, const char *key, const char *value)
{
    if (network && !strcmp(key, "vswitch-controller-fail-mode")
        && strcmp(value, "standalone") && strcmp(value, "secure")) {
        return xasprintf("%s: \"%.64s\" is not standalone or secure", key,
                         value);
    }
    if (!network && !strcmp(key, "promiscuous") && strcmp(value, "true")
        && strcmp(value, "false")) {
        return xasprintf("%s: \"%.64s\" is not true or false", key, value);
    }
    if (network && !strcmp(key, "vswitch-disable-in-band")
        && strcmp(value, "true") && strcmp(value, "false")) {
        return xasprintf("%s: \"%.64s\" is not true or false", key, value);
    }
    if (network && !strcmp(key, "ovn-network")) {
        struct uuid u;
        if (!uuid_from_string(&u, value)) {
            return xasprintf("%s: \"%.64s\" is not the uuid of a pool "
                             "network (xovs pool-network-list)",
                             key, value);
        }
    }
    if (network && !strcmp(key, "vswitch-controller")) {
        char *bad = xrec_check_of_targets(value);
        if (bad) {
            char *msg = xasprintf("%s: %s", key, bad);
            free(bad);
            return msg;
        }
    }
    char *error = xrec_check_dpdk_value(key, value);
    if (error) {
        return error;
    }
    error = network ? xrec_check_qos_value(key, value) : NULL;
    if (error) {
        char *msg = xasprintf("%s: %s", key, error);
        free(error);
        return msg;
    }
    error = xrec_check_text(value);
    if (error) {
        char *msg = xasprintf("%s: value %s", key, error);
        free(error);
        return msg;
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Database invariants. */

char *
xrec_field_error(const char *kind, const char *id, const char *field,
                 const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *reason = xvasprintf(format, args);
    va_end(args);

    char *msg = xasprintf("%s %s: field %s: %s", kind, id, field, reason);
    free(reason);
    return msg;
}

/* Adds 'uuid' to 'uuids'; returns an error if it was already there. */
static char *
check_unique_uuid(struct sset *uuids, const char *kind, const char *uuid)
{
    if (!sset_add(uuids, uuid)) {
        return xrec_field_error(kind, uuid, "uuid",
                                "uuid is used by two records");
    }
    return NULL;
}

static char *
check_networks(const struct xrec_db *db, struct sset *uuids)
{
    struct sset bridges = SSET_INITIALIZER(&bridges);
    char *error = NULL;

    for (size_t i = 0; !error && i < db->n_networks; i++) {
        const struct xrec_network *net = db->networks[i];
        error = check_unique_uuid(uuids, "network", net->uuid);
        if (!error && !sset_add(&bridges, net->bridge)) {
            error = xrec_field_error("network", net->uuid, "bridge",
                                     "bridge %s is used by another network",
                                     net->bridge);
        }
    }
    sset_destroy(&bridges);
    return error;
}

static char *
check_pif(const struct xrec_db *db, const struct xrec_pif *pif,
          struct sset *devices, struct sset *networks)
{
    char *key = xasprintf("%s.%d", pif->device, pif->vlan);
    bool dup = !sset_add(devices, key);
    free(key);

    if (dup) {
        return xrec_field_error("PIF", pif->uuid, "device",
                                "another PIF has device %s and VLAN %d",
                                pif->device, pif->vlan);
    }
    if (!xrec_find_network(db, pif->network)) {
        return xrec_field_error("PIF", pif->uuid, "network",
                                "no network with uuid %s", pif->network);
    }
    if (!sset_add(networks, pif->network)) {
        return xrec_field_error("PIF", pif->uuid, "network",
                                "network %s already has another PIF",
                                pif->network);
    }
    if (pif->vlan != XREC_VLAN_NONE) {
        if (pif->physical) {
            return xrec_field_error("PIF", pif->uuid, "physical",
                                    "a VLAN PIF cannot be physical");
        }
        if (!xrec_find_vlan_by_untagged(db, pif->uuid)) {
            return xrec_field_error("PIF", pif->uuid, "VLAN",
                                    "VLAN PIF has no VLAN record");
        }
    }
    return NULL;
}

static char *
check_vlan(const struct xrec_db *db, const struct xrec_vlan *vlan,
           struct sset *untagged)
{
    const struct xrec_pif *tagged = xrec_find_pif(db, vlan->tagged_pif);
    const struct xrec_pif *pif = xrec_find_pif(db, vlan->untagged_pif);

    if (!tagged) {
        return xrec_field_error("VLAN", vlan->uuid, "tagged_PIF",
                                "no PIF with uuid %s", vlan->tagged_pif);
    }
    if (tagged->vlan != XREC_VLAN_NONE) {
        return xrec_field_error("VLAN", vlan->uuid, "tagged_PIF",
                                "PIF %s is itself a VLAN PIF", tagged->uuid);
    }
    if (!pif) {
        return xrec_field_error("VLAN", vlan->uuid, "untagged_PIF",
                                "no PIF with uuid %s", vlan->untagged_pif);
    }
    if (!sset_add(untagged, pif->uuid)) {
        return xrec_field_error("VLAN", vlan->uuid, "untagged_PIF",
                                "PIF %s belongs to another VLAN", pif->uuid);
    }
    if (pif->vlan != vlan->tag || strcmp(pif->device, tagged->device)) {
        return xrec_field_error(
            "VLAN", vlan->uuid, "tag",
            "untagged PIF %s has device %s VLAN %d, want %s "
            "VLAN %d",
            pif->uuid, pif->device, pif->vlan, tagged->device, vlan->tag);
    }
    return NULL;
}

char *
xrec_check_vif(const struct xrec_db *db, const struct xrec_vif *vif,
               bool dup_device, bool dup_name)
{
    if (!xrec_find_network(db, vif->network)) {
        return xrec_field_error("VIF", vif->uuid, "network",
                                "no network with uuid %s", vif->network);
    }
    const char *qos_field;
    char *qos = xrec_check_qos(vif->qos_algorithm_type,
                               &vif->qos_algorithm_params, &qos_field);
    if (qos) {
        char *error = xrec_field_error("VIF", vif->uuid, qos_field, "%s", qos);
        free(qos);
        return error;
    }
    if (dup_device) {
        return xrec_field_error("VIF", vif->uuid, "device",
                                "VM %s has another VIF with device %d",
                                vif->vm_uuid, vif->device);
    }
    if (xrec_vif_is_trunk(vif)) {
        const struct xrec_pif *vpif
            = xrec_find_pif_by_network(db, vif->network);
        if (vpif && vpif->vlan != XREC_VLAN_NONE) {
            return xrec_field_error("VIF", vif->uuid, "trunks",
                                    "a trunk VIF cannot be on VLAN network "
                                    "%s (VLAN %d)",
                                    vif->network, vpif->vlan);
        }
    }
    if (vif->currently_attached && dup_name) {
        return xrec_field_error("VIF", vif->uuid, "currently_attached",
                                "another plugged VIF is also vif%d.%d",
                                vif->domid, vif->device);
    }
    return NULL;
}

static char *
check_vif(const struct xrec_db *db, const struct xrec_vif *vif,
          struct sset *vm_devices, struct sset *ifnames)
{
    char *key = xasprintf("%s/%d", vif->vm_uuid, vif->device);
    bool dup_device = !sset_add(vm_devices, key);
    free(key);

    bool dup_name = false;
    if (vif->currently_attached) {
        char *name = xasprintf("vif%d.%d", vif->domid, vif->device);
        dup_name = !sset_add(ifnames, name);
        free(name);
    }
    return xrec_check_vif(db, vif, dup_device, dup_name);
}

/* Checks 'bond'; 'members' collects the PIFs of all bonds (as masters and
 * members) so that no PIF is in two. */
static char *
check_bond(const struct xrec_db *db, const struct xrec_bond *bond,
           struct sset *members)
{
    const struct xrec_pif *master = xrec_find_pif(db, bond->master);

    if (!master) {
        return xrec_field_error("Bond", bond->uuid, "master",
                                "no PIF with uuid %s", bond->master);
    }
    if (master->physical || master->vlan != XREC_VLAN_NONE) {
        return xrec_field_error(
            "Bond", bond->uuid, "master", "PIF %s is a %s PIF, not a bond PIF",
            master->uuid, master->physical ? "physical" : "VLAN");
    }
    if (!sset_add(members, master->uuid)) {
        return xrec_field_error("Bond", bond->uuid, "master",
                                "PIF %s belongs to another bond",
                                master->uuid);
    }
    if (bond->slaves.n < BOND_MIN_MEMBERS
        || bond->slaves.n > BOND_MAX_MEMBERS) {
        return xrec_field_error(
            "Bond", bond->uuid, "slaves", "%zu members; a bond has %d to %d",
            bond->slaves.n, BOND_MIN_MEMBERS, BOND_MAX_MEMBERS);
    }
    for (size_t i = 0; i < bond->slaves.n; i++) {
        const char *uuid = bond->slaves.names[i];
        const struct xrec_pif *pif = xrec_find_pif(db, uuid);
        if (!pif) {
            return xrec_field_error("Bond", bond->uuid, "slaves",
                                    "no PIF with uuid %s", uuid);
        }
        if (!pif->physical || pif->vlan != XREC_VLAN_NONE) {
            return xrec_field_error("Bond", bond->uuid, "slaves",
                                    "PIF %s (%s) is not a physical PIF", uuid,
                                    pif->device);
        }
        if (!sset_add(members, uuid)) {
            return xrec_field_error(
                "Bond", bond->uuid, "slaves",
                "PIF %s (%s) is listed twice or belongs to "
                "another bond",
                uuid, pif->device);
        }
        for (size_t j = 0; j < db->n_vlans; j++) {
            if (!strcmp(db->vlans[j]->tagged_pif, uuid)) {
                return xrec_field_error("Bond", bond->uuid, "slaves",
                                        "member PIF %s (%s) carries VLAN %d",
                                        uuid, pif->device, db->vlans[j]->tag);
            }
        }
    }
    if (!bond->primary_slave
        || !svec_contains_unsorted(&bond->slaves, bond->primary_slave)) {
        return xrec_field_error("Bond", bond->uuid, "primary_slave",
                                "%s is not one of the bond's members",
                                bond->primary_slave ? bond->primary_slave
                                                    : "(none)");
    }
    const struct smap_node *node;
    SMAP_FOR_EACH (node, &bond->properties) {
        char *bad = bond_check_property(bond->mode, node->key, node->value);
        if (bad) {
            char *error = xrec_field_error("Bond", bond->uuid, "properties",
                                           "%s: %s", node->key, bad);
            free(bad);
            return error;
        }
    }
    return NULL;
}

char *
xrec_db_check(const struct xrec_db *db)
{
    struct sset uuids = SSET_INITIALIZER(&uuids);
    struct sset a = SSET_INITIALIZER(&a);
    struct sset b = SSET_INITIALIZER(&b);
    char *error = check_networks(db, &uuids);

    xrec_counters.n_checked
        += (db->n_networks + db->n_pifs + db->n_vlans + db->n_vifs
            + db->n_bonds + db->n_tunnels + db->n_mirrors);

    for (size_t i = 0; !error && i < db->n_pifs; i++) {
        error = check_unique_uuid(&uuids, "PIF", db->pifs[i]->uuid);
        error = error ? error : check_pif(db, db->pifs[i], &a, &b);
    }
    sset_clear(&a);
    for (size_t i = 0; !error && i < db->n_vlans; i++) {
        error = check_unique_uuid(&uuids, "VLAN", db->vlans[i]->uuid);
        error = error ? error : check_vlan(db, db->vlans[i], &a);
    }
    sset_clear(&a);
    sset_clear(&b);
    for (size_t i = 0; !error && i < db->n_vifs; i++) {
        error = check_unique_uuid(&uuids, "VIF", db->vifs[i]->uuid);
        error = error ? error : check_vif(db, db->vifs[i], &a, &b);
    }
    sset_clear(&a);
    for (size_t i = 0; !error && i < db->n_bonds; i++) {
        error = check_unique_uuid(&uuids, "Bond", db->bonds[i]->uuid);
        error = error ? error : check_bond(db, db->bonds[i], &a);
    }
    error = error ? error : xrec_check_sdn(db);
    if (!error) {
        error = xrec_check_tunnels(db, &uuids);
    }
    sset_destroy(&uuids);
    sset_destroy(&a);
    sset_destroy(&b);
    return error;
}
