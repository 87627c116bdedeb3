/* agent/records-private.h: internals shared by the files of the records
 * module: records-valid.c (checks) and records-json.c (the JSON form). */
#ifndef XREC_RECORDS_PRIVATE_H
#define XREC_RECORDS_PRIVATE_H 1

#include <stdbool.h>
#include "openvswitch/compiler.h"

struct xrec_db;

/* Returns the malloc'd message "KIND ID: field FIELD: REASON", REASON
 * formatted from 'format': the one form of every error about a record, from
 * xrec_db_check() and from the JSON parser alike. */
char *xrec_field_error(const char *kind, const char *id, const char *field,
                       const char *format, ...) OVS_PRINTF_FORMAT(4, 5);

/* The checks xrec_db_check() makes of VIF 'vif' of 'db', told whether
 * another VIF has its VM and device ('dup_device') and, if it is plugged,
 * whether another plugged VIF has its vif<domid>.<device> ('dup_name'). */
struct xrec_vif;
char *xrec_check_vif(const struct xrec_db *, const struct xrec_vif *,
                     bool dup_device, bool dup_name);

struct sset;
/* Checks the tunnel and mirror invariants (records-tunnel.c) and adds
 * their uuids to 'uuids'; returns NULL or a malloc'd message. */
char *xrec_check_tunnels(const struct xrec_db *, struct sset *uuids);

#endif /* agent/records-private.h */
