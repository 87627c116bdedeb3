/* agent/records.c: the record tables, their JSON form and their checks.
 *
 * The JSON form is both the store's file format and the agent's view of
 * itself: {"version":1,"networks":[...],"pifs":[...],"vlans":[...],
 * "vifs":[...],"bonds":[...]} with xapi's field names ("bonds" may be
 * absent: stores written before bonds existed load unchanged).  The file is
 * untrusted input (a person may edit it, a crash may tear it), so
 * xrec_db_from_json() checks every type, range and reference and rejects the
 * whole file with one message naming the record and field; it never
 * half-loads.
 *
 * The validators at the end are shared with api.c so that a value accepted
 * on the command line is exactly a value the store accepts back. */

#include <config.h>
#include "agent/records.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sset.h"
#include "util.h"
#include "uuid.h"

/* Appends 'ELEM' to the pointer array 'ARRAY' of 'N' elements. */
#define XREC_APPEND(ARRAY, N, ELEM)                                           \
    do {                                                                      \
        (ARRAY) = xrealloc((ARRAY), ((N) + 1) * sizeof *(ARRAY));             \
        (ARRAY)[(N)++] = (ELEM);                                              \
    } while (0)

/* Removes 'ELEM' from the pointer array 'ARRAY' of 'N' elements, keeping
 * order (list output and reconcile plans stay stable). */
#define XREC_REMOVE(ARRAY, N, ELEM)                                           \
    do {                                                                      \
        for (size_t i_ = 0; i_ < (N); i_++) {                                 \
            if ((ARRAY)[i_] == (ELEM)) {                                      \
                memmove(&(ARRAY)[i_], &(ARRAY)[i_ + 1],                       \
                        ((N)-i_ - 1) * sizeof *(ARRAY));                      \
                (N)--;                                                        \
                break;                                                        \
            }                                                                 \
        }                                                                     \
    } while (0)

static const char *const locking_mode_names[] = {
    [XREC_LOCK_NETWORK_DEFAULT] = "network_default",
    [XREC_LOCK_LOCKED] = "locked",
    [XREC_LOCK_UNLOCKED] = "unlocked",
    [XREC_LOCK_DISABLED] = "disabled",
};

/* ---------------------------------------------------------------------- */
/* Records and the database. */

struct xrec_network *
xrec_network_new(void)
{
    struct xrec_network *net = xzalloc(sizeof *net);
    net->mtu = XREC_MTU_DEFAULT;
    net->default_locking_mode = XREC_LOCK_UNLOCKED;
    smap_init(&net->other_config);
    return net;
}

struct xrec_pif *
xrec_pif_new(void)
{
    struct xrec_pif *pif = xzalloc(sizeof *pif);
    pif->mtu = XREC_MTU_DEFAULT;
    pif->vlan = XREC_VLAN_NONE;
    smap_init(&pif->other_config);
    return pif;
}

struct xrec_vlan *
xrec_vlan_new(void)
{
    return xzalloc(sizeof(struct xrec_vlan));
}

struct xrec_vif *
xrec_vif_new(void)
{
    struct xrec_vif *vif = xzalloc(sizeof *vif);
    vif->locking_mode = XREC_LOCK_NETWORK_DEFAULT;
    svec_init(&vif->ipv4_allowed);
    svec_init(&vif->ipv6_allowed);
    smap_init(&vif->other_config);
    return vif;
}

struct xrec_bond *
xrec_bond_new(void)
{
    struct xrec_bond *bond = xzalloc(sizeof *bond);
    bond->mode = BOND_MODE_BALANCE_SLB;
    svec_init(&bond->slaves);
    smap_init(&bond->properties);
    return bond;
}

void
xrec_bond_free(struct xrec_bond *bond)
{
    if (bond) {
        free(bond->uuid);
        free(bond->master);
        free(bond->primary_slave);
        svec_destroy(&bond->slaves);
        smap_destroy(&bond->properties);
        free(bond);
    }
}

void
xrec_network_free(struct xrec_network *net)
{
    if (net) {
        free(net->uuid);
        free(net->name_label);
        free(net->name_description);
        free(net->bridge);
        smap_destroy(&net->other_config);
        free(net);
    }
}

void
xrec_pif_free(struct xrec_pif *pif)
{
    if (pif) {
        free(pif->uuid);
        free(pif->device);
        free(pif->network);
        free(pif->mac);
        smap_destroy(&pif->other_config);
        free(pif);
    }
}

void
xrec_vlan_free(struct xrec_vlan *vlan)
{
    if (vlan) {
        free(vlan->uuid);
        free(vlan->tagged_pif);
        free(vlan->untagged_pif);
        free(vlan);
    }
}

void
xrec_vif_free(struct xrec_vif *vif)
{
    if (vif) {
        free(vif->uuid);
        free(vif->vm_uuid);
        free(vif->network);
        free(vif->mac);
        svec_destroy(&vif->ipv4_allowed);
        svec_destroy(&vif->ipv6_allowed);
        smap_destroy(&vif->other_config);
        free(vif);
    }
}

void
xrec_db_init(struct xrec_db *db)
{
    memset(db, 0, sizeof *db);
}

void
xrec_db_destroy(struct xrec_db *db)
{
    if (!db) {
        return;
    }
    for (size_t i = 0; i < db->n_networks; i++) {
        xrec_network_free(db->networks[i]);
    }
    for (size_t i = 0; i < db->n_pifs; i++) {
        xrec_pif_free(db->pifs[i]);
    }
    for (size_t i = 0; i < db->n_vlans; i++) {
        xrec_vlan_free(db->vlans[i]);
    }
    for (size_t i = 0; i < db->n_vifs; i++) {
        xrec_vif_free(db->vifs[i]);
    }
    free(db->networks);
    free(db->pifs);
    free(db->vlans);
    for (size_t i = 0; i < db->n_bonds; i++) {
        xrec_bond_free(db->bonds[i]);
    }
    free(db->vifs);
    free(db->bonds);
    xrec_db_init(db);
}

static char *
nullable_strdup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void
xrec_db_clone(struct xrec_db *dst, const struct xrec_db *src)
{
    xrec_db_init(dst);
    for (size_t i = 0; i < src->n_networks; i++) {
        const struct xrec_network *s = src->networks[i];
        struct xrec_network *d = xrec_network_new();
        *d = *s;
        d->uuid = nullable_strdup(s->uuid);
        d->name_label = nullable_strdup(s->name_label);
        d->name_description = nullable_strdup(s->name_description);
        d->bridge = nullable_strdup(s->bridge);
        smap_clone(&d->other_config, &s->other_config);
        xrec_db_add_network(dst, d);
    }
    for (size_t i = 0; i < src->n_pifs; i++) {
        const struct xrec_pif *s = src->pifs[i];
        struct xrec_pif *d = xrec_pif_new();
        *d = *s;
        d->uuid = nullable_strdup(s->uuid);
        d->device = nullable_strdup(s->device);
        d->network = nullable_strdup(s->network);
        d->mac = nullable_strdup(s->mac);
        smap_clone(&d->other_config, &s->other_config);
        xrec_db_add_pif(dst, d);
    }
    for (size_t i = 0; i < src->n_vlans; i++) {
        const struct xrec_vlan *s = src->vlans[i];
        struct xrec_vlan *d = xrec_vlan_new();
        *d = *s;
        d->uuid = nullable_strdup(s->uuid);
        d->tagged_pif = nullable_strdup(s->tagged_pif);
        d->untagged_pif = nullable_strdup(s->untagged_pif);
        xrec_db_add_vlan(dst, d);
    }
    for (size_t i = 0; i < src->n_vifs; i++) {
        const struct xrec_vif *s = src->vifs[i];
        struct xrec_vif *d = xrec_vif_new();
        *d = *s;
        d->uuid = nullable_strdup(s->uuid);
        d->vm_uuid = nullable_strdup(s->vm_uuid);
        d->network = nullable_strdup(s->network);
        d->mac = nullable_strdup(s->mac);
        svec_clone(&d->ipv4_allowed, &s->ipv4_allowed);
        svec_clone(&d->ipv6_allowed, &s->ipv6_allowed);
        smap_clone(&d->other_config, &s->other_config);
        xrec_db_add_vif(dst, d);
    }
    for (size_t i = 0; i < src->n_bonds; i++) {
        const struct xrec_bond *s = src->bonds[i];
        struct xrec_bond *d = xrec_bond_new();
        d->uuid = nullable_strdup(s->uuid);
        d->master = nullable_strdup(s->master);
        d->primary_slave = nullable_strdup(s->primary_slave);
        d->mode = s->mode;
        svec_clone(&d->slaves, &s->slaves);
        smap_clone(&d->properties, &s->properties);
        xrec_db_add_bond(dst, d);
    }
}

void
xrec_db_add_network(struct xrec_db *db, struct xrec_network *net)
{
    XREC_APPEND(db->networks, db->n_networks, net);
}

void
xrec_db_add_pif(struct xrec_db *db, struct xrec_pif *pif)
{
    XREC_APPEND(db->pifs, db->n_pifs, pif);
}

void
xrec_db_add_vlan(struct xrec_db *db, struct xrec_vlan *vlan)
{
    XREC_APPEND(db->vlans, db->n_vlans, vlan);
}

void
xrec_db_add_vif(struct xrec_db *db, struct xrec_vif *vif)
{
    XREC_APPEND(db->vifs, db->n_vifs, vif);
}

void
xrec_db_add_bond(struct xrec_db *db, struct xrec_bond *bond)
{
    XREC_APPEND(db->bonds, db->n_bonds, bond);
}

void
xrec_db_delete_bond(struct xrec_db *db, struct xrec_bond *bond)
{
    XREC_REMOVE(db->bonds, db->n_bonds, bond);
    xrec_bond_free(bond);
}

void
xrec_db_delete_network(struct xrec_db *db, struct xrec_network *net)
{
    XREC_REMOVE(db->networks, db->n_networks, net);
    xrec_network_free(net);
}

void
xrec_db_delete_pif(struct xrec_db *db, struct xrec_pif *pif)
{
    XREC_REMOVE(db->pifs, db->n_pifs, pif);
    xrec_pif_free(pif);
}

void
xrec_db_delete_vlan(struct xrec_db *db, struct xrec_vlan *vlan)
{
    XREC_REMOVE(db->vlans, db->n_vlans, vlan);
    xrec_vlan_free(vlan);
}

void
xrec_db_delete_vif(struct xrec_db *db, struct xrec_vif *vif)
{
    XREC_REMOVE(db->vifs, db->n_vifs, vif);
    xrec_vif_free(vif);
}

/* Finds the record in 'ARRAY' whose string member 'MEMBER' equals 'VALUE'
 * and whose extra condition 'COND' (in terms of 'r_') holds. */
#define XREC_FIND(ARRAY, N, MEMBER, VALUE, COND)                              \
    for (size_t i_ = 0; (VALUE) && i_ < (N); i_++) {                          \
        __typeof__((ARRAY)[0]) r_ = (ARRAY)[i_];                              \
        if (r_->MEMBER && !strcmp(r_->MEMBER, (VALUE)) && (COND)) {           \
            return r_;                                                        \
        }                                                                     \
    }                                                                         \
    return NULL

struct xrec_network *
xrec_find_network(const struct xrec_db *db, const char *uuid)
{
    XREC_FIND(db->networks, db->n_networks, uuid, uuid, true);
}

struct xrec_pif *
xrec_find_pif(const struct xrec_db *db, const char *uuid)
{
    XREC_FIND(db->pifs, db->n_pifs, uuid, uuid, true);
}

struct xrec_vlan *
xrec_find_vlan(const struct xrec_db *db, const char *uuid)
{
    XREC_FIND(db->vlans, db->n_vlans, uuid, uuid, true);
}

struct xrec_vif *
xrec_find_vif(const struct xrec_db *db, const char *uuid)
{
    XREC_FIND(db->vifs, db->n_vifs, uuid, uuid, true);
}

struct xrec_bond *
xrec_find_bond(const struct xrec_db *db, const char *uuid)
{
    XREC_FIND(db->bonds, db->n_bonds, uuid, uuid, true);
}

struct xrec_bond *
xrec_find_bond_by_master(const struct xrec_db *db, const char *pif_uuid)
{
    XREC_FIND(db->bonds, db->n_bonds, master, pif_uuid, true);
}

struct xrec_bond *
xrec_find_bond_by_slave(const struct xrec_db *db, const char *pif_uuid)
{
    for (size_t i = 0; pif_uuid && i < db->n_bonds; i++) {
        if (svec_contains_unsorted(&db->bonds[i]->slaves, pif_uuid)) {
            return db->bonds[i];
        }
    }
    return NULL;
}

struct xrec_network *
xrec_find_network_by_bridge(const struct xrec_db *db, const char *bridge)
{
    XREC_FIND(db->networks, db->n_networks, bridge, bridge, true);
}

struct xrec_pif *
xrec_find_pif_by_device(const struct xrec_db *db, const char *device, int vlan)
{
    XREC_FIND(db->pifs, db->n_pifs, device, device, r_->vlan == vlan);
}

struct xrec_pif *
xrec_find_pif_by_network(const struct xrec_db *db, const char *network_uuid)
{
    XREC_FIND(db->pifs, db->n_pifs, network, network_uuid, true);
}

struct xrec_vlan *
xrec_find_vlan_by_untagged(const struct xrec_db *db, const char *pif_uuid)
{
    XREC_FIND(db->vlans, db->n_vlans, untagged_pif, pif_uuid, true);
}

enum xrec_locking_mode
xrec_vif_locking(const struct xrec_vif *vif, const struct xrec_network *net)
{
    if (vif->locking_mode != XREC_LOCK_NETWORK_DEFAULT) {
        return vif->locking_mode;
    }
    return net ? net->default_locking_mode : XREC_LOCK_UNLOCKED;
}

int
xrec_vif_mtu(const struct xrec_vif *vif, const struct xrec_network *net)
{
    if (vif->mtu) {
        return vif->mtu;
    }
    return net ? net->mtu : XREC_MTU_DEFAULT;
}

const char *
xrec_locking_mode_to_string(enum xrec_locking_mode mode)
{
    return ((unsigned)mode < ARRAY_SIZE(locking_mode_names)
                ? locking_mode_names[mode]
                : "<invalid>");
}

bool
xrec_locking_mode_from_string(const char *s, enum xrec_locking_mode *mode)
{
    for (size_t i = 0; i < ARRAY_SIZE(locking_mode_names); i++) {
        if (!strcmp(s, locking_mode_names[i])) {
            *mode = i;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------------- */
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
    if (network && !strcmp(key, "vswitch-disable-in-band")
        && strcmp(value, "true") && strcmp(value, "false")) {
        return xasprintf("%s: \"%.64s\" is not true or false", key, value);
    }
    char *error = xrec_check_text(value);
    if (error) {
        char *msg = xasprintf("%s: value %s", key, error);
        free(error);
        return msg;
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Database invariants. */

/* Accumulates the first error of a check, formatted "KIND UUID: field
 * FIELD: REASON". */
static char *rec_error(const char *kind, const char *id, const char *field,
                       const char *format, ...) OVS_PRINTF_FORMAT(4, 5);

static char *
rec_error(const char *kind, const char *id, const char *field,
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
        return rec_error(kind, uuid, "uuid", "uuid is used by two records");
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
            error = rec_error("network", net->uuid, "bridge",
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
        return rec_error("PIF", pif->uuid, "device",
                         "another PIF has device %s and VLAN %d", pif->device,
                         pif->vlan);
    }
    if (!xrec_find_network(db, pif->network)) {
        return rec_error("PIF", pif->uuid, "network",
                         "no network with uuid %s", pif->network);
    }
    if (!sset_add(networks, pif->network)) {
        return rec_error("PIF", pif->uuid, "network",
                         "network %s already has another PIF", pif->network);
    }
    if (pif->vlan != XREC_VLAN_NONE) {
        if (pif->physical) {
            return rec_error("PIF", pif->uuid, "physical",
                             "a VLAN PIF cannot be physical");
        }
        if (!xrec_find_vlan_by_untagged(db, pif->uuid)) {
            return rec_error("PIF", pif->uuid, "VLAN",
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
        return rec_error("VLAN", vlan->uuid, "tagged_PIF",
                         "no PIF with uuid %s", vlan->tagged_pif);
    }
    if (tagged->vlan != XREC_VLAN_NONE) {
        return rec_error("VLAN", vlan->uuid, "tagged_PIF",
                         "PIF %s is itself a VLAN PIF", tagged->uuid);
    }
    if (!pif) {
        return rec_error("VLAN", vlan->uuid, "untagged_PIF",
                         "no PIF with uuid %s", vlan->untagged_pif);
    }
    if (!sset_add(untagged, pif->uuid)) {
        return rec_error("VLAN", vlan->uuid, "untagged_PIF",
                         "PIF %s belongs to another VLAN", pif->uuid);
    }
    if (pif->vlan != vlan->tag || strcmp(pif->device, tagged->device)) {
        return rec_error("VLAN", vlan->uuid, "tag",
                         "untagged PIF %s has device %s VLAN %d, want %s "
                         "VLAN %d",
                         pif->uuid, pif->device, pif->vlan, tagged->device,
                         vlan->tag);
    }
    return NULL;
}

static char *
check_vif(const struct xrec_db *db, const struct xrec_vif *vif,
          struct sset *vm_devices, struct sset *ifnames)
{
    if (!xrec_find_network(db, vif->network)) {
        return rec_error("VIF", vif->uuid, "network",
                         "no network with uuid %s", vif->network);
    }

    char *key = xasprintf("%s/%d", vif->vm_uuid, vif->device);
    bool dup = !sset_add(vm_devices, key);
    free(key);
    if (dup) {
        return rec_error("VIF", vif->uuid, "device",
                         "VM %s has another VIF with device %d", vif->vm_uuid,
                         vif->device);
    }
    if (vif->currently_attached) {
        char *name = xasprintf("vif%d.%d", vif->domid, vif->device);
        dup = !sset_add(ifnames, name);
        char *error = dup ? rec_error("VIF", vif->uuid, "currently_attached",
                                      "another plugged VIF is also %s", name)
                          : NULL;
        free(name);
        return error;
    }
    return NULL;
}

/* Checks 'bond'; 'members' collects the PIFs of all bonds (as masters and
 * members) so that no PIF is in two. */
static char *
check_bond(const struct xrec_db *db, const struct xrec_bond *bond,
           struct sset *members)
{
    const struct xrec_pif *master = xrec_find_pif(db, bond->master);

    if (!master) {
        return rec_error("Bond", bond->uuid, "master", "no PIF with uuid %s",
                         bond->master);
    }
    if (master->physical || master->vlan != XREC_VLAN_NONE) {
        return rec_error("Bond", bond->uuid, "master",
                         "PIF %s is a %s PIF, not a bond PIF", master->uuid,
                         master->physical ? "physical" : "VLAN");
    }
    if (!sset_add(members, master->uuid)) {
        return rec_error("Bond", bond->uuid, "master",
                         "PIF %s belongs to another bond", master->uuid);
    }
    if (bond->slaves.n < BOND_MIN_MEMBERS
        || bond->slaves.n > BOND_MAX_MEMBERS) {
        return rec_error("Bond", bond->uuid, "slaves",
                         "%zu members; a bond has %d to %d", bond->slaves.n,
                         BOND_MIN_MEMBERS, BOND_MAX_MEMBERS);
    }
    for (size_t i = 0; i < bond->slaves.n; i++) {
        const char *uuid = bond->slaves.names[i];
        const struct xrec_pif *pif = xrec_find_pif(db, uuid);
        if (!pif) {
            return rec_error("Bond", bond->uuid, "slaves",
                             "no PIF with uuid %s", uuid);
        }
        if (!pif->physical || pif->vlan != XREC_VLAN_NONE) {
            return rec_error("Bond", bond->uuid, "slaves",
                             "PIF %s (%s) is not a physical PIF", uuid,
                             pif->device);
        }
        if (!sset_add(members, uuid)) {
            return rec_error("Bond", bond->uuid, "slaves",
                             "PIF %s (%s) is listed twice or belongs to "
                             "another bond",
                             uuid, pif->device);
        }
        for (size_t j = 0; j < db->n_vlans; j++) {
            if (!strcmp(db->vlans[j]->tagged_pif, uuid)) {
                return rec_error("Bond", bond->uuid, "slaves",
                                 "member PIF %s (%s) carries VLAN %d", uuid,
                                 pif->device, db->vlans[j]->tag);
            }
        }
    }
    if (!bond->primary_slave
        || !svec_contains_unsorted(&bond->slaves, bond->primary_slave)) {
        return rec_error("Bond", bond->uuid, "primary_slave",
                         "%s is not one of the bond's members",
                         bond->primary_slave ? bond->primary_slave : "(none)");
    }
    const struct smap_node *node;
    SMAP_FOR_EACH(node, &bond->properties)
    {
        char *bad = bond_check_property(bond->mode, node->key, node->value);
        if (bad) {
            char *error = rec_error("Bond", bond->uuid, "properties", "%s: %s",
                                    node->key, bad);
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
    sset_destroy(&uuids);
    sset_destroy(&a);
    sset_destroy(&b);
    return error;
}

/* ---------------------------------------------------------------------- */
/* To JSON. */

void
xrec_json_put_string(struct json_object *obj, const char *key,
                     const char *value)
{
    json_object_object_add(obj, key,
                           json_object_new_string(value ? value : ""));
}

void
xrec_json_put_int(struct json_object *obj, const char *key, int value)
{
    json_object_object_add(obj, key, json_object_new_int(value));
}

void
xrec_json_put_bool(struct json_object *obj, const char *key, bool value)
{
    json_object_object_add(obj, key, json_object_new_boolean(value));
}

void
xrec_json_put_smap(struct json_object *obj, const char *key,
                   const struct smap *smap)
{
    struct json_object *map = json_object_new_object();
    const struct smap_node **nodes = smap_sort(smap);

    for (size_t i = 0; i < smap_count(smap); i++) {
        xrec_json_put_string(map, nodes[i]->key, nodes[i]->value);
    }
    free(nodes);
    json_object_object_add(obj, key, map);
}

void
xrec_json_put_svec(struct json_object *obj, const char *key,
                   const struct svec *svec)
{
    struct json_object *array = json_object_new_array();

    for (size_t i = 0; i < svec->n; i++) {
        json_object_array_add(array, json_object_new_string(svec->names[i]));
    }
    json_object_object_add(obj, key, array);
}

static struct json_object *
network_to_json(const struct xrec_network *net)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", net->uuid);
    xrec_json_put_string(obj, "name_label", net->name_label);
    xrec_json_put_string(obj, "name_description", net->name_description);
    xrec_json_put_string(obj, "bridge", net->bridge);
    xrec_json_put_int(obj, "MTU", net->mtu);
    xrec_json_put_string(
        obj, "default_locking_mode",
        xrec_locking_mode_to_string(net->default_locking_mode));
    xrec_json_put_smap(obj, "other_config", &net->other_config);
    return obj;
}

static struct json_object *
pif_to_json(const struct xrec_pif *pif)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", pif->uuid);
    xrec_json_put_string(obj, "device", pif->device);
    xrec_json_put_string(obj, "network", pif->network);
    xrec_json_put_string(obj, "MAC", pif->mac);
    xrec_json_put_int(obj, "MTU", pif->mtu);
    xrec_json_put_int(obj, "VLAN", pif->vlan);
    xrec_json_put_bool(obj, "physical", pif->physical);
    xrec_json_put_bool(obj, "currently_attached", pif->currently_attached);
    xrec_json_put_bool(obj, "management", pif->management);
    xrec_json_put_smap(obj, "other_config", &pif->other_config);
    return obj;
}

static struct json_object *
vlan_to_json(const struct xrec_vlan *vlan)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", vlan->uuid);
    xrec_json_put_string(obj, "tagged_PIF", vlan->tagged_pif);
    xrec_json_put_string(obj, "untagged_PIF", vlan->untagged_pif);
    xrec_json_put_int(obj, "tag", vlan->tag);
    return obj;
}

static struct json_object *
vif_to_json(const struct xrec_vif *vif)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", vif->uuid);
    xrec_json_put_string(obj, "VM", vif->vm_uuid);
    xrec_json_put_int(obj, "domid", vif->domid);
    xrec_json_put_int(obj, "device", vif->device);
    xrec_json_put_string(obj, "network", vif->network);
    xrec_json_put_string(obj, "MAC", vif->mac);
    xrec_json_put_int(obj, "MTU", vif->mtu);
    xrec_json_put_string(obj, "locking_mode",
                         xrec_locking_mode_to_string(vif->locking_mode));
    xrec_json_put_svec(obj, "ipv4_allowed", &vif->ipv4_allowed);
    xrec_json_put_svec(obj, "ipv6_allowed", &vif->ipv6_allowed);
    xrec_json_put_bool(obj, "currently_attached", vif->currently_attached);
    xrec_json_put_smap(obj, "other_config", &vif->other_config);
    return obj;
}

static struct json_object *
bond_to_json(const struct xrec_bond *bond)
{
    struct json_object *obj = json_object_new_object();
    xrec_json_put_string(obj, "uuid", bond->uuid);
    xrec_json_put_string(obj, "master", bond->master);
    xrec_json_put_svec(obj, "slaves", &bond->slaves);
    xrec_json_put_string(obj, "primary_slave", bond->primary_slave);
    xrec_json_put_string(obj, "mode", bond_mode_to_string(bond->mode));
    xrec_json_put_smap(obj, "properties", &bond->properties);
    return obj;
}

struct json_object *
xrec_db_to_json(const struct xrec_db *db)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *a;

    xrec_json_put_int(obj, "version", XREC_STORE_VERSION);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_networks; i++) {
        json_object_array_add(a, network_to_json(db->networks[i]));
    }
    json_object_object_add(obj, "networks", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_pifs; i++) {
        json_object_array_add(a, pif_to_json(db->pifs[i]));
    }
    json_object_object_add(obj, "pifs", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_vlans; i++) {
        json_object_array_add(a, vlan_to_json(db->vlans[i]));
    }
    json_object_object_add(obj, "vlans", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_vifs; i++) {
        json_object_array_add(a, vif_to_json(db->vifs[i]));
    }
    json_object_object_add(obj, "vifs", a);
    a = json_object_new_array();
    for (size_t i = 0; i < db->n_bonds; i++) {
        json_object_array_add(a, bond_to_json(db->bonds[i]));
    }
    json_object_object_add(obj, "bonds", a);
    return obj;
}

/* ---------------------------------------------------------------------- */
/* From JSON.
 *
 * A 'struct jrec' is one record being parsed: its JSON object, its kind and
 * id for messages, and the first error.  Every getter is a no-op once an
 * error is set, so a parser reads as a flat list of fields. */

struct jrec {
    struct json_object *obj;
    const char *kind;       /* "network", "PIF", "VLAN", "VIF", "Bond" */
    char id[UUID_LEN + 16]; /* uuid, or "#N" before it is known */
    char *error;
};

static void jrec_fail(struct jrec *, const char *field, const char *format,
                      ...) OVS_PRINTF_FORMAT(3, 4);

static void
jrec_fail(struct jrec *r, const char *field, const char *format, ...)
{
    if (r->error) {
        return;
    }
    va_list args;
    va_start(args, format);
    char *reason = xvasprintf(format, args);
    va_end(args);
    r->error = rec_error(r->kind, r->id, field, "%s", reason);
    free(reason);
}

/* Takes ownership of 'reason' (may be NULL: no error). */
static bool
jrec_check(struct jrec *r, const char *field, char *reason)
{
    if (reason) {
        jrec_fail(r, field, "%s", reason);
        free(reason);
        return false;
    }
    return !r->error;
}

/* Fails unless every key of the record is in 'fields' (NULL-terminated). */
static void
jrec_only(struct jrec *r, const char *const *fields)
{
    for (struct lh_entry *e = lh_table_head(json_object_get_object(r->obj)); e;
         e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        const char *const *f;
        for (f = fields; *f && strcmp(*f, key); f++) {
            continue;
        }
        if (!*f) {
            jrec_fail(r, key, "unknown field");
        }
    }
}

/* Returns the member 'field' if it has 'type'; NULL if absent (an error if
 * 'required') or of another type (always an error). */
static struct json_object *
jrec_get(struct jrec *r, const char *field, enum json_type type, bool required)
{
    struct json_object *val;

    if (r->error) {
        return NULL;
    }
    if (!json_object_object_get_ex(r->obj, field, &val)) {
        if (required) {
            jrec_fail(r, field, "missing");
        }
        return NULL;
    }
    if (!json_object_is_type(val, type)) {
        jrec_fail(r, field, "expected %s, got %s", json_type_to_name(type),
                  json_type_to_name(json_object_get_type(val)));
        return NULL;
    }
    return val;
}

/* Parses string 'field' into '*out' (malloc'd).  'check' validates it in
 * place; 'canon' instead validates and canonicalizes.  Absent optional
 * fields get 'def' (may be NULL). */
static void
jrec_string(struct jrec *r, const char *field, bool required, const char *def,
            char *(*check)(const char *),
            char *(*canon)(const char *, char **), char **out)
{
    struct json_object *val = jrec_get(r, field, json_type_string, required);
    const char *s = val ? json_object_get_string(val) : def;

    if (!s || r->error) {
        return;
    }
    if (val && strlen(s) != (size_t)json_object_get_string_len(val)) {
        jrec_fail(r, field, "contains a NUL byte");
        return;
    }
    if (canon) {
        char *c = NULL;
        if (jrec_check(r, field, canon(s, &c))) {
            *out = c;
        }
        return;
    }
    if (jrec_check(r, field, check ? check(s) : xrec_check_text(s))) {
        *out = xstrdup(s);
    }
}

static void
jrec_int(struct jrec *r, const char *field, bool required, int def, int min,
         int max, int *out)
{
    struct json_object *val = jrec_get(r, field, json_type_int, required);

    if (!val) {
        *out = def;
        return;
    }
    int64_t v = json_object_get_int64(val);
    if (jrec_check(r, field, xrec_check_range(v, min, max))) {
        *out = v;
    }
}

static void
jrec_bool(struct jrec *r, const char *field, bool *out)
{
    struct json_object *val = jrec_get(r, field, json_type_boolean, false);

    *out = val ? json_object_get_boolean(val) : false;
}

static void
jrec_locking(struct jrec *r, const char *field, bool network,
             enum xrec_locking_mode def, enum xrec_locking_mode *out)
{
    struct json_object *val = jrec_get(r, field, json_type_string, false);

    *out = def;
    if (val) {
        const char *s = json_object_get_string(val);
        if (!xrec_locking_mode_from_string(s, out)
            || (network
                && (*out == XREC_LOCK_NETWORK_DEFAULT
                    || *out == XREC_LOCK_LOCKED))) {
            jrec_fail(r, field, "\"%.64s\" is not %s", s,
                      network ? "unlocked or disabled"
                              : "network_default, locked, unlocked or "
                                "disabled");
        }
    }
}

static void
jrec_smap(struct jrec *r, const char *field, bool network, struct smap *out)
{
    struct json_object *val = jrec_get(r, field, json_type_object, false);

    if (!val) {
        return;
    }
    if (json_object_object_length(val) > XREC_OTHER_CONFIG_MAX) {
        jrec_fail(r, field, "more than %d keys", XREC_OTHER_CONFIG_MAX);
        return;
    }
    for (struct lh_entry *e = lh_table_head(json_object_get_object(val)); e;
         e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        struct json_object *v = lh_entry_v(e);
        if (!json_object_is_type(v, json_type_string)) {
            jrec_fail(r, field, "%.64s: expected string", key);
            return;
        }
        const char *s = json_object_get_string(v);
        if (!jrec_check(r, field, xrec_check_other_config_key(key))
            || !jrec_check(r, field,
                           xrec_check_other_config_value(network, key, s))) {
            return;
        }
        smap_add(out, key, s);
    }
}

static void
jrec_ips(struct jrec *r, const char *field, int af, struct svec *out)
{
    struct json_object *val = jrec_get(r, field, json_type_array, false);
    size_t n = val ? json_object_array_length(val) : 0;

    if (n > XREC_ALLOWED_IPS_MAX) {
        jrec_fail(r, field, "more than %d addresses", XREC_ALLOWED_IPS_MAX);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(val, i);
        char *canon;
        if (!json_object_is_type(v, json_type_string)) {
            jrec_fail(r, field, "element %zu: expected string", i);
            return;
        }
        if (!jrec_check(
                r, field,
                xrec_parse_ip(af, json_object_get_string(v), &canon))) {
            return;
        }
        if (svec_contains_unsorted(out, canon)) {
            jrec_fail(r, field, "%s is listed twice", canon);
            free(canon);
            return;
        }
        svec_add_nocopy(out, canon);
    }
}

/* Reads "uuid" first so later messages can name the record. */
static void
jrec_uuid(struct jrec *r, char **out)
{
    jrec_string(r, "uuid", true, NULL, NULL, xrec_parse_uuid, out);
    if (*out) {
        snprintf(r->id, sizeof r->id, "%s", *out);
    }
}

static char *
parse_network(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid", "name_label",           "name_description", "bridge",
        "MTU",  "default_locking_mode", "other_config",     NULL,
    };
    struct xrec_network *net = xrec_network_new();

    jrec_uuid(r, &net->uuid);
    jrec_only(r, fields);
    jrec_string(r, "name_label", true, NULL, NULL, NULL, &net->name_label);
    jrec_string(r, "name_description", false, "", NULL, NULL,
                &net->name_description);
    jrec_string(r, "bridge", true, NULL, xrec_check_ifname, NULL,
                &net->bridge);
    jrec_int(r, "MTU", false, XREC_MTU_DEFAULT, XREC_MTU_MIN, XREC_MTU_MAX,
             &net->mtu);
    jrec_locking(r, "default_locking_mode", true, XREC_LOCK_UNLOCKED,
                 &net->default_locking_mode);
    jrec_smap(r, "other_config", true, &net->other_config);
    xrec_db_add_network(db, net);
    return r->error;
}

static char *
parse_pif(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid",       "device",       "network",  "MAC",
        "MTU",        "VLAN",         "physical", "currently_attached",
        "management", "other_config", NULL,
    };
    struct xrec_pif *pif = xrec_pif_new();

    jrec_uuid(r, &pif->uuid);
    jrec_only(r, fields);
    jrec_string(r, "device", true, NULL, xrec_check_ifname, NULL,
                &pif->device);
    jrec_string(r, "network", true, NULL, NULL, xrec_parse_uuid,
                &pif->network);
    jrec_string(r, "MAC", true, NULL, NULL, xrec_parse_mac, &pif->mac);
    jrec_int(r, "MTU", false, XREC_MTU_DEFAULT, XREC_MTU_MIN, XREC_MTU_MAX,
             &pif->mtu);
    jrec_int(r, "VLAN", false, XREC_VLAN_NONE, XREC_VLAN_NONE, XREC_VLAN_MAX,
             &pif->vlan);
    jrec_bool(r, "physical", &pif->physical);
    jrec_bool(r, "currently_attached", &pif->currently_attached);
    jrec_bool(r, "management", &pif->management);
    jrec_smap(r, "other_config", false, &pif->other_config);
    xrec_db_add_pif(db, pif);
    return r->error;
}

static char *
parse_vlan(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid", "tagged_PIF", "untagged_PIF", "tag", NULL,
    };
    struct xrec_vlan *vlan = xrec_vlan_new();

    jrec_uuid(r, &vlan->uuid);
    jrec_only(r, fields);
    jrec_string(r, "tagged_PIF", true, NULL, NULL, xrec_parse_uuid,
                &vlan->tagged_pif);
    jrec_string(r, "untagged_PIF", true, NULL, NULL, xrec_parse_uuid,
                &vlan->untagged_pif);
    jrec_int(r, "tag", true, 0, 0, XREC_VLAN_MAX, &vlan->tag);
    xrec_db_add_vlan(db, vlan);
    return r->error;
}

static char *
parse_vif(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid",
        "VM",
        "domid",
        "device",
        "network",
        "MAC",
        "MTU",
        "locking_mode",
        "ipv4_allowed",
        "ipv6_allowed",
        "currently_attached",
        "other_config",
        NULL,
    };
    struct xrec_vif *vif = xrec_vif_new();

    jrec_uuid(r, &vif->uuid);
    jrec_only(r, fields);
    jrec_string(r, "VM", true, NULL, NULL, xrec_parse_uuid, &vif->vm_uuid);
    jrec_int(r, "domid", true, 0, 0, XREC_DOMID_MAX, &vif->domid);
    jrec_int(r, "device", true, 0, 0, XREC_VIF_DEVICE_MAX, &vif->device);
    jrec_string(r, "network", true, NULL, NULL, xrec_parse_uuid,
                &vif->network);
    jrec_string(r, "MAC", true, NULL, NULL, xrec_parse_mac, &vif->mac);
    jrec_int(r, "MTU", false, 0, INT_MIN, INT_MAX, &vif->mtu);
    jrec_check(r, "MTU", xrec_check_vif_mtu(vif->mtu));
    jrec_locking(r, "locking_mode", false, XREC_LOCK_NETWORK_DEFAULT,
                 &vif->locking_mode);
    jrec_ips(r, "ipv4_allowed", AF_INET, &vif->ipv4_allowed);
    jrec_ips(r, "ipv6_allowed", AF_INET6, &vif->ipv6_allowed);
    jrec_bool(r, "currently_attached", &vif->currently_attached);
    jrec_smap(r, "other_config", false, &vif->other_config);
    xrec_db_add_vif(db, vif);
    return r->error;
}

static char *
parse_bond(struct jrec *r, struct xrec_db *db)
{
    static const char *const fields[] = {
        "uuid", "master",     "slaves", "primary_slave",
        "mode", "properties", NULL,
    };
    struct xrec_bond *bond = xrec_bond_new();

    jrec_uuid(r, &bond->uuid);
    jrec_only(r, fields);
    jrec_string(r, "master", true, NULL, NULL, xrec_parse_uuid, &bond->master);
    jrec_string(r, "primary_slave", true, NULL, NULL, xrec_parse_uuid,
                &bond->primary_slave);

    struct json_object *val = jrec_get(r, "mode", json_type_string, false);
    if (val
        && !bond_mode_from_string(json_object_get_string(val), &bond->mode)) {
        jrec_fail(r, "mode",
                  "\"%.64s\" is not balance-slb, active-backup or lacp",
                  json_object_get_string(val));
    }

    struct json_object *slaves = jrec_get(r, "slaves", json_type_array, true);
    size_t n = slaves ? json_object_array_length(slaves) : 0;
    if (n > BOND_MAX_MEMBERS) {
        jrec_fail(r, "slaves", "%zu members; a bond has at most %d", n,
                  BOND_MAX_MEMBERS);
        n = 0;
    }
    for (size_t i = 0; i < n && !r->error; i++) {
        struct json_object *v = json_object_array_get_idx(slaves, i);
        char *canon;
        if (!json_object_is_type(v, json_type_string)) {
            jrec_fail(r, "slaves", "element %zu: expected string", i);
        } else if (jrec_check(
                       r, "slaves",
                       xrec_parse_uuid(json_object_get_string(v), &canon))) {
            svec_add_nocopy(&bond->slaves, canon);
        }
    }

    struct json_object *props
        = jrec_get(r, "properties", json_type_object, false);
    if (props && json_object_object_length(props) > XREC_OTHER_CONFIG_MAX) {
        jrec_fail(r, "properties", "more than %d keys", XREC_OTHER_CONFIG_MAX);
        props = NULL;
    }
    for (struct lh_entry *e
         = props ? lh_table_head(json_object_get_object(props)) : NULL;
         e && !r->error; e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        struct json_object *v = lh_entry_v(e);
        if (!json_object_is_type(v, json_type_string)) {
            jrec_fail(r, "properties", "%.64s: expected string", key);
        } else {
            const char *value = json_object_get_string(v);
            char *bad = bond_check_property(bond->mode, key, value);
            if (bad) {
                jrec_fail(r, "properties", "%.64s: %s", key, bad);
                free(bad);
            } else {
                smap_add(&bond->properties, key, value);
            }
        }
    }
    xrec_db_add_bond(db, bond);
    return r->error;
}

/* Parses the array 'name' of 'json' with 'parse', one record per element. */
static char *
parse_table(struct json_object *json, const char *name, const char *kind,
            char *(*parse)(struct jrec *, struct xrec_db *),
            struct xrec_db *db)
{
    struct json_object *array;

    if (!json_object_object_get_ex(json, name, &array)) {
        return NULL;
    }
    if (!json_object_is_type(array, json_type_array)) {
        return xasprintf("%s: expected array, got %s", name,
                         json_type_to_name(json_object_get_type(array)));
    }
    size_t n = json_object_array_length(array);
    if (n > XREC_RECORDS_MAX) {
        return xasprintf("%s: %zu records is more than %d", name, n,
                         XREC_RECORDS_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        struct jrec r = {
            .obj = json_object_array_get_idx(array, i),
            .kind = kind,
        };
        snprintf(r.id, sizeof r.id, "#%zu", i);
        if (!json_object_is_type(r.obj, json_type_object)) {
            return xasprintf("%s %s: expected object, got %s", kind, r.id,
                             json_type_to_name(json_object_get_type(r.obj)));
        }
        char *error = parse(&r, db);
        if (error) {
            return error;
        }
    }
    return NULL;
}

char *
xrec_db_from_json(struct json_object *json, struct xrec_db *db)
{
    struct json_object *version;
    char *error = NULL;

    if (!json_object_is_type(json, json_type_object)) {
        return xasprintf("expected a JSON object, got %s",
                         json_type_to_name(json_object_get_type(json)));
    }
    for (struct lh_entry *e = lh_table_head(json_object_get_object(json)); e;
         e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        if (strcmp(key, "version") && strcmp(key, "networks")
            && strcmp(key, "pifs") && strcmp(key, "vlans")
            && strcmp(key, "vifs") && strcmp(key, "bonds")) {
            return xasprintf("unknown member \"%.64s\"", key);
        }
    }
    if (!json_object_object_get_ex(json, "version", &version)
        || !json_object_is_type(version, json_type_int)) {
        return xstrdup("version: missing or not an integer");
    }
    if (json_object_get_int64(version) != XREC_STORE_VERSION) {
        return xasprintf("version: %" PRId64 " is not supported (this "
                         "build reads version %d)",
                         json_object_get_int64(version), XREC_STORE_VERSION);
    }

    error = parse_table(json, "networks", "network", parse_network, db);
    if (!error) {
        error = parse_table(json, "pifs", "PIF", parse_pif, db);
    }
    if (!error) {
        error = parse_table(json, "vlans", "VLAN", parse_vlan, db);
    }
    if (!error) {
        error = parse_table(json, "vifs", "VIF", parse_vif, db);
    }
    if (!error) {
        error = parse_table(json, "bonds", "Bond", parse_bond, db);
    }
    if (!error) {
        error = xrec_db_check(db);
    }
    if (error) {
        xrec_db_destroy(db);
    }
    return error;
}
