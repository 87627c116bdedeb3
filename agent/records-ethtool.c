/* agent/records-ethtool.c: PIF other_config:ethtool-* keys
 * (records-ethtool.h). */

#include <config.h>
#include "agent/records-ethtool.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/util.h"
#include "util.h"

static const char *const f_rx[] = {"rx-checksum", NULL};
static const char *const f_tx[] = {
    "tx-checksum-ipv4",     "tx-checksum-ip-generic", "tx-checksum-ipv6",
    "tx-checksum-fcoe-crc", "tx-checksum-sctp",       NULL,
};
static const char *const f_sg[] = {"tx-scatter-gather", NULL};
static const char *const f_tso[] = {
    "tx-tcp-segmentation",          "tx-tcp-ecn-segmentation",
    "tx-tcp-mangleid-segmentation", "tx-tcp6-segmentation",
    "tx-tcp-accecn-segmentation",   NULL,
};
static const char *const f_ufo[] = {"tx-udp-fragmentation", NULL};
static const char *const f_gso[] = {"tx-generic-segmentation", NULL};
static const char *const f_gro[] = {"rx-gro", NULL};
static const char *const f_lro[] = {"rx-lro", NULL};

/* As ethtool(8)'s -K names map to kernel features. */
static const struct xrec_ethtool_key keys[] = {
    {"ethtool-rx", f_rx},      {"ethtool-tx", f_tx},
    {"ethtool-sg", f_sg},      {"ethtool-tso", f_tso},
    {"ethtool-ufo", f_ufo},    {"ethtool-gso", f_gso},
    {"ethtool-gro", f_gro},    {"ethtool-lro", f_lro},
    {"ethtool-autoneg", NULL}, {"ethtool-speed", NULL},
    {"ethtool-duplex", NULL},
};

const struct xrec_ethtool_key *
xrec_ethtool_keys(size_t *n)
{
    *n = ARRAY_SIZE(keys);
    return keys;
}

bool
xrec_ethtool_is_on(const char *value)
{
    return !strcmp(value, "on") || !strcmp(value, "true");
}

char *
xrec_check_ethtool(const char *key, const char *value)
{
    const size_t plen = strlen(XREC_ETHTOOL_PREFIX);
    const struct xrec_ethtool_key *k = NULL;

    if (strncmp(key, XREC_ETHTOOL_PREFIX, plen)) {
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (!strcmp(keys[i].key, key)) {
            k = &keys[i];
        }
    }
    if (!k) {
        return xasprintf(
            "\"%.64s\" is not an ethtool setting (ethtool-rx, -tx, "
            "-sg, -tso, -ufo, -gso, -gro, -lro, -autoneg, "
            "-speed, -duplex)",
            key);
    }
    if (!strcmp(key, "ethtool-speed")) {
        char *end;
        long speed = strtol(value, &end, 10);
        if (!*value || *end || value[0] == '-' || value[0] == '+' || speed < 1
            || speed > XREC_ETHTOOL_SPEED_MAX) {
            return xasprintf("\"%.64s\" is not a speed in Mb/s "
                             "(1..%d, e.g. 1000)",
                             value, XREC_ETHTOOL_SPEED_MAX);
        }
    } else if (!strcmp(key, "ethtool-duplex")) {
        if (strcmp(value, "half") && strcmp(value, "full")) {
            return xasprintf("\"%.64s\" is not half or full", value);
        }
    } else if (strcmp(value, "on") && strcmp(value, "off")
               && strcmp(value, "true") && strcmp(value, "false")) {
        return xasprintf("\"%.64s\" is not on, off, true or false", value);
    }
    return NULL;
}

char *
xrec_check_pif_property(const char *key, const char *value)
{
    if (strcmp(key, "gro")) {
        return xasprintf("\"%.64s\" is not a PIF property (only gro)", key);
    }
    if (strcmp(value, "on") && strcmp(value, "off")) {
        return xasprintf("\"%.64s\" is not on or off", value);
    }
    return NULL;
}

void
xrec_pif_props_to_json(struct json_object *obj, enum xrec_pif_gro gro)
{
    if (gro != XREC_GRO_UNSET) {
        struct json_object *props = json_object_new_object();
        json_object_object_add(
            props, "gro",
            json_object_new_string(gro == XREC_GRO_ON ? "on" : "off"));
        json_object_object_add(obj, "properties", props);
    }
}

char *
xrec_pif_props_from_json(struct json_object *obj, enum xrec_pif_gro *gro)
{
    struct json_object *props;

    *gro = XREC_GRO_UNSET;
    if (!json_object_object_get_ex(obj, "properties", &props)) {
        return NULL;
    }
    if (!json_object_is_type(props, json_type_object)) {
        return xstrdup("must be an object");
    }
    json_object_object_foreach(props, key, val)
    {
        const char *s = json_object_get_string(val);
        char *e = (!json_object_is_type(val, json_type_string)
                       ? xasprintf("%.64s: must be a string", key)
                       : xrec_check_pif_property(key, s));
        if (e) {
            return e;
        }
        *gro = !strcmp(s, "on") ? XREC_GRO_ON : XREC_GRO_OFF;
    }
    return NULL;
}
