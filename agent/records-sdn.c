/* agent/records-sdn.c: the SDN_controller and SSL records (see records.h):
 * life cycle, lookup, their values and their cross-record rules.
 *
 * An SDN_controller record is xapi's: the OVSDB manager of the host
 * (protocol ssl | tcp | pssl | ptcp, address, port default 6632).  The SSL
 * record is the host's TLS identity as OVS's SSL table holds it (paths in
 * OVS's PKI layout).  OpenFlow controllers of the bridges are not records:
 * a network names them in other_config:vswitch-controller, checked here by
 * xrec_check_of_targets(). */

#include <config.h>
#include "agent/records.h"
#include "agent/records-private.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "sset.h"
#include "util.h"

static const char *const sdn_protocols[] = {"ssl", "tcp", "pssl", "ptcp"};

struct xrec_sdn_controller *
xrec_sdn_controller_new(void)
{
    struct xrec_sdn_controller *c = xzalloc(sizeof *c);
    c->port = XREC_SDN_PORT_DEFAULT;
    return c;
}

void
xrec_sdn_controller_free(struct xrec_sdn_controller *c)
{
    if (c) {
        free(c->uuid);
        free(c->protocol);
        free(c->address);
        free(c);
    }
}

struct xrec_ssl *
xrec_ssl_new(void)
{
    return xzalloc(sizeof(struct xrec_ssl));
}

void
xrec_ssl_free(struct xrec_ssl *ssl)
{
    if (ssl) {
        free(ssl->uuid);
        free(ssl->private_key);
        free(ssl->certificate);
        free(ssl->ca_cert);
        free(ssl);
    }
}

/* Appends 'elem' to the pointer array '*array' of '*n' elements. */
static void
append(void ***array, size_t *n, void *elem)
{
    *array = xrealloc(*array, (*n + 1) * sizeof **array);
    (*array)[(*n)++] = elem;
}

/* Removes 'elem' from the pointer array 'array' of '*n', keeping order. */
static void
remove_elem(void **array, size_t *n, const void *elem)
{
    for (size_t i = 0; i < *n; i++) {
        if (array[i] == elem) {
            memmove(&array[i], &array[i + 1], (*n - i - 1) * sizeof *array);
            (*n)--;
            return;
        }
    }
}

void
xrec_db_add_sdn_controller(struct xrec_db *db, struct xrec_sdn_controller *c)
{
    append((void ***)&db->sdn_controllers, &db->n_sdn_controllers, c);
}

void
xrec_db_delete_sdn_controller(struct xrec_db *db,
                              struct xrec_sdn_controller *c)
{
    remove_elem((void **)db->sdn_controllers, &db->n_sdn_controllers, c);
    xrec_sdn_controller_free(c);
}

void
xrec_db_add_ssl(struct xrec_db *db, struct xrec_ssl *ssl)
{
    append((void ***)&db->ssls, &db->n_ssls, ssl);
}

void
xrec_db_delete_ssl(struct xrec_db *db, struct xrec_ssl *ssl)
{
    remove_elem((void **)db->ssls, &db->n_ssls, ssl);
    xrec_ssl_free(ssl);
}

struct xrec_sdn_controller *
xrec_find_sdn_controller(const struct xrec_db *db, const char *uuid)
{
    for (size_t i = 0; uuid && i < db->n_sdn_controllers; i++) {
        if (!strcmp(db->sdn_controllers[i]->uuid, uuid)) {
            return db->sdn_controllers[i];
        }
    }
    return NULL;
}

struct xrec_ssl *
xrec_find_ssl(const struct xrec_db *db, const char *uuid)
{
    for (size_t i = 0; uuid && i < db->n_ssls; i++) {
        if (!strcmp(db->ssls[i]->uuid, uuid)) {
            return db->ssls[i];
        }
    }
    return NULL;
}

void
xrec_clone_sdn(struct xrec_db *dst, const struct xrec_db *src)
{
    for (size_t i = 0; i < src->n_sdn_controllers; i++) {
        const struct xrec_sdn_controller *s = src->sdn_controllers[i];
        struct xrec_sdn_controller *d = xrec_sdn_controller_new();
        d->uuid = xstrdup(s->uuid);
        d->protocol = xstrdup(s->protocol);
        d->address = xstrdup(s->address ? s->address : "");
        d->port = s->port;
        xrec_db_add_sdn_controller(dst, d);
    }
    for (size_t i = 0; i < src->n_ssls; i++) {
        const struct xrec_ssl *s = src->ssls[i];
        struct xrec_ssl *d = xrec_ssl_new();
        d->uuid = xstrdup(s->uuid);
        d->private_key = xstrdup(s->private_key);
        d->certificate = xstrdup(s->certificate);
        d->ca_cert = xstrdup(s->ca_cert);
        d->bootstrap_ca_cert = s->bootstrap_ca_cert;
        xrec_db_add_ssl(dst, d);
    }
}

void
xrec_destroy_sdn(struct xrec_db *db)
{
    for (size_t i = 0; i < db->n_sdn_controllers; i++) {
        xrec_sdn_controller_free(db->sdn_controllers[i]);
    }
    free(db->sdn_controllers);
    db->sdn_controllers = NULL;
    db->n_sdn_controllers = 0;
    for (size_t i = 0; i < db->n_ssls; i++) {
        xrec_ssl_free(db->ssls[i]);
    }
    free(db->ssls);
    db->ssls = NULL;
    db->n_ssls = 0;
}

/* ---------------------------------------------------------------------- */
/* Values. */

char *
xrec_check_sdn_protocol(const char *protocol)
{
    for (size_t i = 0; i < ARRAY_SIZE(sdn_protocols); i++) {
        if (!strcmp(protocol, sdn_protocols[i])) {
            return NULL;
        }
    }
    return xasprintf("\"%.64s\" is not %s", protocol, XREC_SDN_PROTOCOLS);
}

bool
xrec_sdn_protocol_is_passive(const char *protocol)
{
    return protocol[0] == 'p';
}

/* 'address' in the form OVS's targets want it: IPv6 in brackets. */
static char *
target_address(const char *address)
{
    return (strchr(address, ':') ? xasprintf("[%s]", address)
                                 : xstrdup(address));
}

char *
xrec_sdn_target(const struct xrec_sdn_controller *c)
{
    const char *address = c->address ? c->address : "";
    char *addr = target_address(address);
    char *target;

    if (xrec_sdn_protocol_is_passive(c->protocol)) {
        target = (*address ? xasprintf("%s:%d:%s", c->protocol, c->port, addr)
                           : xasprintf("%s:%d", c->protocol, c->port));
    } else {
        target = xasprintf("%s:%s:%d", c->protocol, addr, c->port);
    }
    free(addr);
    return target;
}

char *
xrec_check_path(const char *path)
{
    size_t len = strlen(path);

    if (path[0] != '/') {
        return xasprintf("\"%.64s\" is not an absolute path", path);
    }
    if (len > XREC_PATH_MAX) {
        return xasprintf("is %zu bytes long; the limit is %d", len,
                         XREC_PATH_MAX);
    }
    for (const char *p = path; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            return xstrdup("contains a control character");
        }
    }
    return NULL;
}

/* Checks 's' ('len' bytes) as an IP address (IPv6 in brackets). */
static char *
check_target_ip(const char *s, size_t len)
{
    unsigned char addr[sizeof(struct in6_addr)];
    char *copy;
    int ok;

    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        copy = xmemdup0(s + 1, len - 2);
        ok = inet_pton(AF_INET6, copy, addr);
    } else {
        copy = xmemdup0(s, len);
        ok = inet_pton(AF_INET, copy, addr);
    }
    char *error = ok == 1 ? NULL
                          : xasprintf("\"%.64s\" is not an IPv4 address or "
                                      "an IPv6 address in brackets",
                                      copy);
    free(copy);
    return error;
}

static char *
check_target_port(const char *s, size_t len)
{
    char *copy = xmemdup0(s, len);
    int port;
    char *error = xrec_parse_int(copy, 1, 65535, &port);
    free(copy);
    return error;
}

/* One OpenFlow target: PROTO:IP[:PORT] (active) or PROTO:PORT[:IP]
 * (passive). */
static char *
check_of_target(const char *t)
{
    const char *colon = strchr(t, ':');
    char *error;

    if (!colon) {
        return xasprintf("\"%.64s\" is not PROTOCOL:ADDRESS", t);
    }
    char *proto = xmemdup0(t, colon - t);
    bool known = !strcmp(proto, "tcp") || !strcmp(proto, "ssl")
                 || !strcmp(proto, "ptcp") || !strcmp(proto, "pssl");
    bool passive = known && proto[0] == 'p';
    free(proto);
    if (!known) {
        return xasprintf("\"%.64s\": the protocol is not tcp, ssl, ptcp or "
                         "pssl",
                         t);
    }

    const char *rest = colon + 1;
    /* The split between address and port: after a bracketed address, else
     * at the first ':'. */
    const char *sep;
    if (!passive && rest[0] == '[') {
        const char *close = strchr(rest, ']');
        sep = close ? close + 1 : rest + strlen(rest);
        if (*sep && *sep != ':') {
            return xasprintf("\"%.64s\" has junk after the address", t);
        }
    } else {
        sep = strchr(rest, ':');
        sep = sep ? sep : rest + strlen(rest);
    }
    const char *first = rest, *second = *sep ? sep + 1 : NULL;
    size_t first_len = sep - rest;

    if (passive) {
        error = (first_len ? check_target_port(first, first_len) : NULL);
        if (!error && second) {
            error = check_target_ip(second, strlen(second));
        }
    } else {
        error = check_target_ip(first, first_len);
        if (!error && second) {
            error = check_target_port(second, strlen(second));
        }
    }
    if (error) {
        char *msg = xasprintf("%.64s: %s", t, error);
        free(error);
        return msg;
    }
    return NULL;
}

char *
xrec_check_of_targets(const char *value)
{
    char *copy = xstrdup(value), *save = NULL;
    char *error = NULL;
    int n = 0;

    for (char *t = strtok_r(copy, " ", &save); t && !error;
         t = strtok_r(NULL, " ", &save)) {
        error = check_of_target(t);
        n++;
    }
    free(copy);
    if (!error && !n) {
        error = xstrdup("names no controller (want e.g. tcp:198.18.0.1:6653)");
    }
    return error;
}

/* ---------------------------------------------------------------------- */
/* Cross-record rules. */

char *
xrec_check_sdn(const struct xrec_db *db)
{
    struct sset targets = SSET_INITIALIZER(&targets);
    struct sset uuids = SSET_INITIALIZER(&uuids);
    char *error = NULL;

    for (size_t i = 0; !error && i < db->n_sdn_controllers; i++) {
        const struct xrec_sdn_controller *c = db->sdn_controllers[i];
        char *target = xrec_sdn_target(c);
        if (!sset_add(&uuids, c->uuid)) {
            error = xrec_field_error("SDN_controller", c->uuid, "uuid",
                                     "uuid is used by two records");
        } else if (!sset_add(&targets, target)) {
            error = xrec_field_error("SDN_controller", c->uuid, "port",
                                     "another SDN controller is also %s",
                                     target);
        }
        free(target);
    }
    if (!error && db->n_ssls > 1) {
        error = xrec_field_error("SSL", db->ssls[1]->uuid, "uuid",
                                 "a host has one SSL record, not %zu",
                                 db->n_ssls);
    }
    sset_destroy(&targets);
    sset_destroy(&uuids);
    return error;
}
