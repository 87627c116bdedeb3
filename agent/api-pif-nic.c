/* agent/api-pif-nic.c: NICs and their PIFs: pif-scan, pif-introduce,
 * pif-forget, and whether a PIF's NIC is there (pif-list's
 * "disconnected").
 *
 * Part of the request executor (api-private.h).  A physical PIF names its
 * NIC twice: by device name and by MAC.  XenServer keeps the two in step
 * with interface-rename, which names a NIC by its MAC (or its slot) at
 * every boot, and xapi refreshes a PIF's MAC from its device.  Here
 * nothing renames NICs, so pif-scan matches PIF records to NICs by MAC
 * first, the way interface-rename does:
 *
 *   1. a NIC with the PIF's MAC is its NIC, whatever its name now (the
 *      PIF, and the VLAN PIFs on it, follow a rename);
 *   2. else a NIC with the PIF's device name whose MAC no PIF has is its
 *      replacement (a new card in the same place: the PIF takes the new
 *      MAC, as xapi's refresh does, so the network, VLANs and bond the PIF
 *      is part of carry on);
 *   3. else the PIF's NIC is gone: the PIF stays (networks, VLANs and bonds
 *      that use it are kept) and pif-scan warns that it is disconnected;
 *   4. a NIC left over gets a PIF and a network of its own.
 *
 * Nothing here can half-apply: the scan computes every rename, then
 * checks that no two PIFs would share a device name, and only then changes
 * records. */

#include <config.h>
#include "agent/api-private.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/pifscan.h"
#include "agent/records.h"
#include "util.h"

/* The trailing digits of 'device' as a number, or -1. */
static int
device_number(const char *device)
{
    size_t len = strlen(device), i = len;

    while (i > 0 && device[i - 1] >= '0' && device[i - 1] <= '9') {
        i--;
    }
    if (i == len || len - i > 4) {
        return -1;
    }
    return atoi(device + i);
}

static int
clamp_mtu(int mtu)
{
    return MIN(MAX(mtu, XREC_MTU_MIN), XREC_MTU_MAX);
}

/* A NIC as the scan sees it: a link whose name and MAC the records can
 * hold ('mac' canonical). */
struct nic {
    const char *device;
    char *mac;
    int mtu;
    size_t pif; /* index in db->pifs of the PIF it belongs to, or SIZE_MAX */
    bool held;  /* its PIF could not take its name: not a new NIC either */
};

/* Reads the host's NICs into '*nics' (malloc'd, '*n' of them), keeping
 * '*links' (to be freed by the caller) for their names.  Returns false
 * after rejecting with 'field' if they cannot be listed. */
static bool
read_nics(struct xapi_ctx *c, const char *field, struct xpif_link **links,
          size_t *n_links, struct nic **nics, size_t *n)
{
    *links = NULL;
    *n_links = 0;
    *nics = NULL;
    *n = 0;
    if (!c->env || !c->env->scan) {
        return XAPI_REJECT(c, field, "this agent cannot list interfaces");
    }
    int error = c->env->scan(links, n_links);
    if (error) {
        return XAPI_REJECT(c, field, "cannot list interfaces: %s",
                           ovs_strerror(error));
    }
    *nics = xcalloc(*n_links ? *n_links : 1, sizeof **nics);
    for (size_t i = 0; i < *n_links; i++) {
        const struct xpif_link *link = &(*links)[i];
        char *mac, *bad = xrec_check_ifname(link->device);

        /* Links the records could not hold are skipped, as xapi skips
         * what it cannot introspect. */
        if (bad || (bad = xrec_parse_mac(link->mac, &mac))) {
            free(bad);
            continue;
        }
        (*nics)[(*n)++]
            = (struct nic){link->device, mac, link->mtu, SIZE_MAX, false};
    }
    return true;
}

static void
free_nics(struct xpif_link *links, size_t n_links, struct nic *nics, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(nics[i].mac);
    }
    free(nics);
    xpif_links_free(links, n_links);
}

static bool
is_nic_pif(const struct xrec_pif *pif)
{
    return pif->physical && pif->vlan == XREC_VLAN_NONE;
}

/* The physical PIF with MAC 'mac', or NULL. */
static const struct xrec_pif *
find_pif_by_mac(const struct xrec_db *db, const char *mac)
{
    for (size_t i = 0; i < db->n_pifs; i++) {
        if (is_nic_pif(db->pifs[i]) && !strcmp(db->pifs[i]->mac, mac)) {
            return db->pifs[i];
        }
    }
    return NULL;
}

/* Creates network "Pool-wide network associated with DEVICE" on a free
 * xenbr<N> for 'device' and returns its uuid. */
static const char *
new_nic_network(struct xapi_ctx *c, const char *device)
{
    struct xrec_network *net = xrec_network_new();
    net->uuid = xapi_new_uuid();
    net->name_label
        = xasprintf("Pool-wide network associated with %s", device);
    net->name_description = xstrdup("");
    net->bridge = xapi_free_bridge(c->db, "xenbr", device_number(device));
    xrec_db_add_network(c->db, net);
    c->changed = true;
    return net->uuid;
}

/* Adds the physical PIF of NIC 'device' with 'mac' and 'mtu' on network
 * 'network' (NULL: a new one) and returns it. */
static struct xrec_pif *
add_nic_pif(struct xapi_ctx *c, const char *device, const char *mac, int mtu,
            const char *network)
{
    struct xrec_pif *pif = xrec_pif_new();
    pif->uuid = xapi_new_uuid();
    pif->device = xstrdup(device);
    pif->network = xstrdup(network ? network : new_nic_network(c, device));
    pif->mac = xstrdup(mac);
    pif->mtu = clamp_mtu(mtu);
    pif->physical = true;
    xrec_db_add_pif(c->db, pif);
    c->changed = true;
    return pif;
}

/* Gives physical PIF 'pif' device 'device' and MAC 'mac', and the VLAN
 * PIFs on it the same (they share their parent's). */
static void
move_nic_pif(struct xapi_ctx *c, struct xrec_pif *pif, const char *device,
             const char *mac)
{
    for (size_t i = 0; i < c->db->n_vlans; i++) {
        const struct xrec_vlan *v = c->db->vlans[i];
        struct xrec_pif *vp = (!strcmp(v->tagged_pif, pif->uuid)
                                   ? xrec_find_pif(c->db, v->untagged_pif)
                                   : NULL);
        if (vp) {
            xapi_set_string(c, &vp->device, device);
            xapi_set_string(c, &vp->mac, mac);
        }
    }
    xapi_set_string(c, &pif->device, device);
    xapi_set_string(c, &pif->mac, mac);
}

static void add_text(struct json_object *array, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);

static void
add_text(struct json_object *array, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *s = xvasprintf(format, args);
    va_end(args);
    json_object_array_add(array, json_object_new_string(s));
    free(s);
}

/* The device PIF 'i' (a NIC PIF or any other PIF without a VLAN) will have
 * after the scan: its NIC's name if 'nic_of'[i] says it has one. */
static const char *
final_device(const struct xrec_db *db, const struct nic *nics,
             const size_t *nic_of, size_t i)
{
    return nic_of[i] != SIZE_MAX ? nics[nic_of[i]].device
                                 : db->pifs[i]->device;
}

int
xapi_pif_scan(struct xapi_ctx *c)
{
    struct xrec_db *db = c->db;
    struct xpif_link *links;
    struct nic *nics;
    size_t n_links, n;

    if (!read_nics(c, "pif-scan", &links, &n_links, &nics, &n)) {
        return c->code;
    }

    /* nic_of[i]: the NIC of PIF i, or SIZE_MAX. */
    size_t *nic_of = xmalloc((db->n_pifs ? db->n_pifs : 1) * sizeof *nic_of);
    for (size_t i = 0; i < db->n_pifs; i++) {
        nic_of[i] = SIZE_MAX;
    }

    /* 1. By MAC; of several NICs with one MAC, the one with the PIF's
     * name, else the first. */
    for (size_t i = 0; i < db->n_pifs; i++) {
        const struct xrec_pif *pif = db->pifs[i];
        if (!is_nic_pif(pif)) {
            continue;
        }
        for (size_t j = 0; j < n; j++) {
            if (nics[j].pif == SIZE_MAX && !strcmp(nics[j].mac, pif->mac)
                && (nic_of[i] == SIZE_MAX
                    || !strcmp(nics[j].device, pif->device))) {
                nic_of[i] = j;
            }
        }
        if (nic_of[i] != SIZE_MAX) {
            nics[nic_of[i]].pif = i;
        }
    }
    /* 2. A replacement: the PIF's name, a MAC no PIF has. */
    for (size_t i = 0; i < db->n_pifs; i++) {
        const struct xrec_pif *pif = db->pifs[i];
        if (!is_nic_pif(pif) || nic_of[i] != SIZE_MAX) {
            continue;
        }
        for (size_t j = 0; j < n; j++) {
            if (nics[j].pif == SIZE_MAX && !strcmp(nics[j].device, pif->device)
                && !find_pif_by_mac(db, nics[j].mac)) {
                nic_of[i] = j;
                nics[j].pif = i;
                break;
            }
        }
    }
    /* A rename that would give a PIF the name another PIF keeps (one whose
     * NIC is gone, a bond's or a tunnel's) is not made; undoing one may
     * free or take a name another rename needed, so repeat until none is
     * in the way.  Each pass undoes at least one rename. */
    struct json_object *warnings = json_object_new_array();
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < db->n_pifs; i++) {
            const struct xrec_pif *pif = db->pifs[i];
            const char *want = final_device(db, nics, nic_of, i);
            if (nic_of[i] == SIZE_MAX || !strcmp(want, pif->device)) {
                continue;
            }
            for (size_t k = 0; k < db->n_pifs; k++) {
                const struct xrec_pif *o = db->pifs[k];
                if (k != i && o->vlan == XREC_VLAN_NONE
                    && !strcmp(final_device(db, nics, nic_of, k), want)) {
                    add_text(warnings,
                             "PIF %s (%s, MAC %s): its NIC is now %s, but "
                             "PIF %s has that name; pif-forget that PIF "
                             "(or rename the NIC) and pif-scan again",
                             pif->uuid, pif->device, pif->mac, want, o->uuid);
                    nics[nic_of[i]].held = true;
                    nics[nic_of[i]].pif = SIZE_MAX;
                    nic_of[i] = SIZE_MAX;
                    again = true;
                    break;
                }
            }
        }
    }

    /* Nothing below can fail. */
    struct json_object *uuids = json_object_new_array();
    struct json_object *changes = json_object_new_array();
    size_t n_pifs = db->n_pifs; /* the PIFs before new ones are added */
    for (size_t i = 0; i < n_pifs; i++) {
        struct xrec_pif *pif = db->pifs[i];
        if (!is_nic_pif(pif)) {
            continue;
        }
        if (nic_of[i] == SIZE_MAX) {
            bool held = false;
            for (size_t j = 0; j < n; j++) {
                held |= nics[j].held && !strcmp(nics[j].mac, pif->mac);
            }
            if (!held) {
                add_text(warnings,
                         "PIF %s (%s, MAC %s) is disconnected: no NIC has its "
                         "MAC or its name (bring the NIC back and pif-scan, "
                         "or pif-forget the PIF)",
                         pif->uuid, pif->device, pif->mac);
            }
            continue;
        }
        const struct nic *nic = &nics[nic_of[i]];
        if (strcmp(nic->device, pif->device)) {
            add_text(changes, "PIF %s: NIC %s (MAC %s) is now %s", pif->uuid,
                     pif->device, pif->mac, nic->device);
        }
        if (strcmp(nic->mac, pif->mac)) {
            add_text(changes, "PIF %s: NIC %s was replaced: MAC %s is now %s",
                     pif->uuid, nic->device, pif->mac, nic->mac);
        }
        move_nic_pif(c, pif, nic->device, nic->mac);
        xapi_set_int(c, &pif->mtu, clamp_mtu(nic->mtu));
    }
    for (size_t j = 0; j < n; j++) {
        const struct nic *nic = &nics[j];
        if (nic->pif != SIZE_MAX || nic->held) {
            continue;
        }
        const struct xrec_pif *other
            = xrec_find_pif_by_device(db, nic->device, XREC_VLAN_NONE);
        if (!other) {
            struct xrec_pif *pif
                = add_nic_pif(c, nic->device, nic->mac, nic->mtu, NULL);
            json_object_array_add(uuids, json_object_new_string(pif->uuid));
        } else if (is_nic_pif(other)) {
            add_text(warnings,
                     "NIC %s (MAC %s) has no PIF: disconnected PIF %s has its "
                     "name (pif-forget that PIF and pif-scan again)",
                     nic->device, nic->mac, other->uuid);
        }
    }
    free(nic_of);
    free_nics(links, n_links, nics, n);

    c->result = json_object_new_object();
    json_object_object_add(c->result, "uuids", uuids);
    json_object_object_add(c->result, "changes", changes);
    json_object_object_add(c->result, "warnings", warnings);
    return 0;
}

int
xapi_pif_introduce(struct xapi_ctx *c)
{
    const char *device = xapi_arg_required(c, "device");
    const char *mac_arg = xapi_arg(c, "mac");
    const struct xrec_network *net = NULL;
    char *mac = NULL;

    if (!device || !xapi_check(c, "device", xrec_check_ifname(device))
        || (mac_arg && !xapi_check(c, "mac", xrec_parse_mac(mac_arg, &mac)))) {
        return c->code;
    }
    if (xapi_arg(c, "network-uuid")) {
        net = XAPI_ARG_RECORD(c, "network-uuid", xrec_find_network, "network");
        const struct xrec_pif *o
            = net ? xrec_find_pif_by_network(c->db, net->uuid) : NULL;
        if (o) {
            XAPI_REJECT(c, "network-uuid",
                        "network %s already has PIF %s (%s); a NIC's network "
                        "must have none",
                        net->uuid, o->uuid, o->device);
        }
        if (!net || o) {
            free(mac);
            return c->code;
        }
    }
    const struct xrec_pif *o
        = xrec_find_pif_by_device(c->db, device, XREC_VLAN_NONE);
    if (o) {
        XAPI_REJECT(c, "device", "PIF %s already has device %s", o->uuid,
                    device);
        free(mac);
        return c->code;
    }

    struct xpif_link *links;
    struct nic *nics;
    size_t n_links, n;
    if (!read_nics(c, "device", &links, &n_links, &nics, &n)) {
        free(mac);
        return c->code;
    }
    const struct nic *nic = NULL;
    for (size_t j = 0; j < n && !nic; j++) {
        nic = !strcmp(nics[j].device, device) ? &nics[j] : NULL;
    }
    if (!nic) {
        XAPI_REJECT(c, "device",
                    "this host has no NIC %s (a NIC is an ethernet device: "
                    "not a bridge, VLAN, bond, tap or OVS port)",
                    device);
    } else if (mac && strcmp(mac, nic->mac)) {
        XAPI_REJECT(c, "mac", "NIC %s has MAC %s, not %s", device, nic->mac,
                    mac);
    } else if ((o = find_pif_by_mac(c->db, nic->mac))) {
        XAPI_REJECT(c, "mac",
                    "PIF %s (%s) already has MAC %s; pif-scan moves it to "
                    "the NIC that has it",
                    o->uuid, o->device, nic->mac);
    } else {
        struct xrec_pif *pif = add_nic_pif(c, device, nic->mac, nic->mtu,
                                           net ? net->uuid : NULL);
        xapi_result_uuid(c, pif->uuid);
    }
    free(mac);
    free_nics(links, n_links, nics, n);
    return c->code;
}

int
xapi_pif_forget(struct xapi_ctx *c)
{
    struct xrec_db *db = c->db;
    struct xrec_pif *pif = XAPI_ARG_RECORD(c, "uuid", xrec_find_pif, "PIF");
    const struct xrec_bond *bond;
    const struct xrec_tunnel *tunnel;
    const struct xrec_vlan *vlan;

    if (!pif) {
        return c->code;
    }
    if (pif->management && pif->currently_attached) {
        XAPI_REJECT(c, "uuid",
                    "PIF %s (%s) is the management interface; move "
                    "management to another PIF first",
                    pif->uuid, pif->device);
    } else if ((bond = xrec_find_bond_by_slave(db, pif->uuid))) {
        XAPI_REJECT(c, "uuid",
                    "PIF %s (%s) is a member of bond %s; bond-destroy it "
                    "first",
                    pif->uuid, pif->device, bond->uuid);
    } else if ((bond = xrec_find_bond_by_master(db, pif->uuid))) {
        XAPI_REJECT(c, "uuid", "PIF %s is bond %s's PIF; use bond-destroy",
                    pif->uuid, bond->uuid);
    } else if ((vlan = xrec_find_vlan_by_untagged(db, pif->uuid))) {
        XAPI_REJECT(c, "uuid", "PIF %s is VLAN %s's PIF; use vlan-destroy",
                    pif->uuid, vlan->uuid);
    } else if ((tunnel = xrec_find_tunnel_by_access(db, pif->uuid))) {
        XAPI_REJECT(c, "uuid", "PIF %s is tunnel %s's PIF; use tunnel-destroy",
                    pif->uuid, tunnel->uuid);
    }
    for (size_t i = 0; !c->code && i < db->n_vlans; i++) {
        vlan = db->vlans[i];
        if (!strcmp(vlan->tagged_pif, pif->uuid)) {
            XAPI_REJECT(c, "uuid",
                        "PIF %s (%s) carries VLAN %d (VLAN %s); vlan-destroy "
                        "it first",
                        pif->uuid, pif->device, vlan->tag, vlan->uuid);
        }
    }
    for (size_t i = 0; !c->code && i < db->n_tunnels; i++) {
        const struct xrec_tunnel *t = db->tunnels[i];
        if (!strcmp(t->transport_pif, pif->uuid)) {
            XAPI_REJECT(c, "uuid",
                        "PIF %s (%s) carries tunnel %s; tunnel-destroy it "
                        "first",
                        pif->uuid, pif->device, t->uuid);
        }
    }
    if (!c->code) {
        /* Its network stays, as xapi's PIF.forget leaves it: pif-introduce
         * network-uuid= gives it a NIC again. */
        xrec_db_delete_pif(db, pif);
        c->changed = true;
    }
    return c->code;
}

/* pif-list's "disconnected": whether no NIC has physical PIF 'pif''s device
 * name and MAC (a VLAN PIF: its parent's).  Returns -1 if that is not
 * known (not a NIC's PIF, or the NICs cannot be listed). */
int
xapi_pif_disconnected(const struct xapi_ctx *c, const struct xrec_pif *pif)
{
    struct xpif_link *links;
    size_t n;
    int answer = 1;

    if (pif->vlan != XREC_VLAN_NONE) {
        pif = xrec_find_pif_by_device(c->db, pif->device, XREC_VLAN_NONE);
    }
    if (!pif || !pif->physical || !c->env || !c->env->scan
        || c->env->scan(&links, &n)) {
        return -1;
    }
    for (size_t i = 0; i < n && answer; i++) {
        char *mac = NULL, *bad = xrec_parse_mac(links[i].mac, &mac);
        answer = !(!bad && !strcmp(links[i].device, pif->device)
                   && !strcmp(mac, pif->mac));
        free(bad);
        free(mac);
    }
    xpif_links_free(links, n);
    return answer;
}
