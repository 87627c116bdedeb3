/* agent/api-sdn.c: the SDN controller and TLS verbs.
 *
 * Part of the request executor: api.c dispatches sdn-controller-introduce,
 * sdn-controller-forget, sdn-controller-list, ssl-set, ssl-clear and
 * ssl-list here, and api-private.h has the helpers these handlers use.
 * An SDN_controller record becomes a Manager of the host's Open vSwitch
 * (reconcile.c), the SSL record its SSL table row.  ssl-list also shows
 * what the record's certificate files say (agent/pki.c), read when listed:
 * ovs-vswitchd reads them the same way, so a missing or expired file
 * shows here. */

#include <config.h>
#include "agent/api-private.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent/pki.h"
#include "agent/records.h"
#include "util.h"

/* ---------------------------------------------------------------------- */
/* SDN controllers. */

static struct json_object *
sdn_controller_row(const struct xapi_ctx *c, size_t i)
{
    const struct xrec_sdn_controller *sdn = c->db->sdn_controllers[i];
    struct json_object *row = json_object_new_object();
    char *target = xrec_sdn_target(sdn);

    xrec_json_put_string(row, "uuid", sdn->uuid);
    xrec_json_put_string(row, "protocol", sdn->protocol);
    xrec_json_put_string(row, "address", sdn->address);
    xrec_json_put_int(row, "port", sdn->port);
    xrec_json_put_string(row, "target", target);
    xapi_put_status(c, sdn->uuid, row);
    free(target);
    return row;
}

int
xapi_sdn_controller_list(struct xapi_ctx *c)
{
    return xapi_list(c, c->db->n_sdn_controllers, sdn_controller_row);
}

int
xapi_sdn_controller_introduce(struct xapi_ctx *c)
{
    const char *protocol = xapi_arg_required(c, "protocol");
    const char *address = xapi_arg(c, "address");
    int port = XREC_SDN_PORT_DEFAULT;
    char *canon = NULL;

    if (!protocol
        || !xapi_check(c, "protocol", xrec_check_sdn_protocol(protocol))) {
        return c->code;
    }
    if (address && *address) {
        int af = strchr(address, ':') ? AF_INET6 : AF_INET;
        if (!xapi_check(c, "address", xrec_parse_ip(af, address, &canon))) {
            return c->code;
        }
    } else if (!xrec_sdn_protocol_is_passive(protocol)) {
        XAPI_REJECT(c, "address",
                    "protocol %s connects out and needs the "
                    "controller's IP address",
                    protocol);
        return c->code;
    }
    if (!xapi_arg_int(c, "port", 1, 65535, &port)) {
        free(canon);
        return c->code;
    }
    if (c->db->n_sdn_controllers >= XREC_SDN_MAX) {
        free(canon);
        XAPI_REJECT(c, "protocol",
                    "a host has at most %d SDN "
                    "controllers",
                    XREC_SDN_MAX);
        return c->code;
    }

    struct xrec_sdn_controller *sdn = xrec_sdn_controller_new();
    sdn->protocol = xstrdup(protocol);
    sdn->address = canon ? canon : xstrdup("");
    sdn->port = port;
    char *target = xrec_sdn_target(sdn);
    for (size_t i = 0; i < c->db->n_sdn_controllers; i++) {
        const struct xrec_sdn_controller *other = c->db->sdn_controllers[i];
        char *t = xrec_sdn_target(other);
        bool same = !strcmp(t, target);
        free(t);
        if (same) {
            XAPI_REJECT(c, "port", "SDN controller %s is already %s",
                        other->uuid, target);
            free(target);
            xrec_sdn_controller_free(sdn);
            return c->code;
        }
    }
    free(target);
    sdn->uuid = xapi_new_uuid();
    xrec_db_add_sdn_controller(c->db, sdn);
    c->changed = true;
    xapi_result_uuid(c, sdn->uuid);
    return 0;
}

int
xapi_sdn_controller_forget(struct xapi_ctx *c)
{
    struct xrec_sdn_controller *sdn = XAPI_ARG_RECORD(
        c, "uuid", xrec_find_sdn_controller, "SDN controller");

    if (!sdn) {
        return c->code;
    }
    xrec_db_delete_sdn_controller(c->db, sdn);
    c->changed = true;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* TLS. */

/* Puts 'value' into 'row' as the field PREFIX-FIELD. */
static void
put_prefixed(struct json_object *row, const char *prefix, const char *field,
             const char *value)
{
    char *key = xasprintf("%s-%s", prefix, field);
    xrec_json_put_string(row, key, value ? value : "");
    free(key);
}

/* What the certificate at 'path' says, as the fields PREFIX-subject,
 * -issuer (if 'issuer'), -fingerprint, -expiry and -state ("valid",
 * "expired", "not yet valid", or why it cannot be read; a missing file
 * that 'bootstrap' will fetch is "missing: ..."). */
static void
put_cert(struct json_object *row, const char *prefix, const char *path,
         bool issuer, bool bootstrap)
{
    struct xpki_cert cert;
    int err;
    char *error = xpki_cert_read(path, &cert, &err);

    put_prefixed(row, prefix, "subject", cert.subject);
    if (issuer) {
        put_prefixed(row, prefix, "issuer", cert.issuer);
    }
    put_prefixed(row, prefix, "fingerprint", cert.fingerprint);
    put_prefixed(row, prefix, "expiry", cert.not_after);
    put_prefixed(row, prefix, "state",
                 (error && err == ENOENT && bootstrap
                      ? "missing: bootstrap-ca-cert takes it from the first "
                        "peer"
                  : error ? error
                          : xpki_cert_state(&cert)));
    free(error);
    xpki_cert_destroy(&cert);
}

static struct json_object *
ssl_row(const struct xapi_ctx *c, size_t i)
{
    const struct xrec_ssl *ssl = c->db->ssls[i];
    struct json_object *row = json_object_new_object();

    xrec_json_put_string(row, "uuid", ssl->uuid);
    xrec_json_put_string(row, "private-key", ssl->private_key);
    xrec_json_put_string(row, "certificate", ssl->certificate);
    xrec_json_put_string(row, "ca-cert", ssl->ca_cert);
    xrec_json_put_bool(row, "bootstrap-ca-cert", ssl->bootstrap_ca_cert);
    put_cert(row, "certificate", ssl->certificate, true, false);
    put_cert(row, "ca-cert", ssl->ca_cert, false, ssl->bootstrap_ca_cert);
    xapi_put_status(c, ssl->uuid, row);
    return row;
}

int
xapi_ssl_list(struct xapi_ctx *c)
{
    return xapi_list(c, c->db->n_ssls, ssl_row);
}

/* A required absolute path parameter, or NULL after rejecting it. */
static const char *
arg_path(struct xapi_ctx *c, const char *name)
{
    const char *s = xapi_arg_required(c, name);
    if (s && !xapi_check(c, name, xrec_check_path(s))) {
        return NULL;
    }
    return s;
}

int
xapi_ssl_set(struct xapi_ctx *c)
{
    const char *key = arg_path(c, "private-key");
    const char *cert = key ? arg_path(c, "certificate") : NULL;
    const char *ca = cert ? arg_path(c, "ca-cert") : NULL;
    const char *bootstrap = xapi_arg(c, "bootstrap-ca-cert");
    bool bootstrap_ca = false;

    if (!ca
        || (bootstrap
            && !xapi_check(c, "bootstrap-ca-cert",
                           xrec_parse_bool(bootstrap, &bootstrap_ca)))) {
        return c->code;
    }
    if (!strcmp(key, cert) || !strcmp(key, ca)) {
        XAPI_REJECT(c, "private-key",
                    "%s is also the certificate or the CA "
                    "certificate; the private key needs a file of "
                    "its own",
                    key);
        return c->code;
    }

    struct xrec_ssl *ssl = c->db->n_ssls ? c->db->ssls[0] : NULL;
    if (!ssl) {
        ssl = xrec_ssl_new();
        ssl->uuid = xapi_new_uuid();
        xrec_db_add_ssl(c->db, ssl);
        c->changed = true;
    }
    xapi_set_string(c, &ssl->private_key, key);
    xapi_set_string(c, &ssl->certificate, cert);
    xapi_set_string(c, &ssl->ca_cert, ca);
    xapi_set_bool(c, &ssl->bootstrap_ca_cert, bootstrap_ca);
    xapi_result_uuid(c, ssl->uuid);
    return 0;
}

int
xapi_ssl_clear(struct xapi_ctx *c)
{
    struct xrec_ssl *ssl = XAPI_ARG_RECORD(c, "uuid", xrec_find_ssl, "SSL");

    if (!ssl) {
        return c->code;
    }
    xrec_db_delete_ssl(c->db, ssl);
    c->changed = true;
    return 0;
}
