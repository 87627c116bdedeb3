/* agent/api-ethtool.h: a PIF's NIC settings (api-ethtool.c) and IP
 * configuration (api-pif-ip.c) in pif-list rows and pif-param-set. */
#ifndef XAPI_ETHTOOL_H
#define XAPI_ETHTOOL_H 1

#include <stdbool.h>
#include "agent/records-ethtool.h"

struct json_object;
struct xapi_ctx;
struct xrec_pif;

/* Checks the call's other-config:ethtool-*=VALUE parameters (an empty
 * VALUE removes the key and is always fine).  Returns true, or false after
 * rejecting the first bad one, naming it. */
bool xapi_pif_check_ethtool(struct xapi_ctx *);

/* Reads the call's properties:KEY=VALUE parameters (only gro=on|off; an
 * empty VALUE unsets it) into '*gro', starting from 'pif''s.  Returns
 * false after rejecting one, naming it. */
bool xapi_pif_arg_gro(struct xapi_ctx *, const struct xrec_pif *,
                      enum xrec_pif_gro *gro);
/* Sets 'pif''s gro property (noting a change).  Only once nothing can be
 * rejected any more. */
void xapi_pif_set_gro(struct xapi_ctx *, struct xrec_pif *, enum xrec_pif_gro);

/* Adds to pif-list row 'row' the map "properties" and the map "ethtool": for a
 * physical PIF, its NIC's current settings (xrc_ethtool_read()); empty for
 * other PIFs and when the NIC cannot be read. */
void xapi_pif_put_ethtool(struct json_object *row, const struct xrec_pif *);

/* Adds to pif-list row 'row' the PIF's IP configuration fields
 * (api-pif-ip.c). */
void xapi_pif_put_ip(struct json_object *row, const struct xrec_pif *);

#endif /* agent/api-ethtool.h */
