/* vif-backend/emu/xenstored/xs-wire.h: the xenstore wire format as
 * xovs-xenstored uses it.
 *
 * The layout comes from Xen's public header (xen/io/xs_wire.h, Debian's
 * libxen-dev): a 16-byte struct xsd_sockmsg header in host byte order
 * followed by 'len' (at most XENSTORE_PAYLOAD_MAX) bytes, usually
 * NUL-terminated strings.  Errors travel as XS_ERROR with the errno's name
 * ("ENOENT\0").  oxenstored, which XenServer runs, also answers "EQUOTA"
 * for exceeded quotas; it is not in xsd_errors[], so libxenstore turns it
 * into EINVAL, and we keep it internally as EDQUOT. */
#ifndef XS_EMU_WIRE_H
#define XS_EMU_WIRE_H 1

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

/* Internal errno for "quota exceeded"; on the wire "EQUOTA". */
#define EQUOTA EDQUOT

/* Highest domid a domain can have (DOMID_FIRST_RESERVED - 1). */
#define XS_EMU_DOMID_MAX 0x7fefU

#define XS_EMU_HDR_SIZE 16

_Static_assert(sizeof(struct xsd_sockmsg) == XS_EMU_HDR_SIZE,
               "xsd_sockmsg is the 16-byte wire header");
_Static_assert(offsetof(struct xsd_sockmsg, type) == 0, "type first");
_Static_assert(offsetof(struct xsd_sockmsg, req_id) == 4, "req_id");
_Static_assert(offsetof(struct xsd_sockmsg, tx_id) == 8, "tx_id");
_Static_assert(offsetof(struct xsd_sockmsg, len) == 12, "len last");
_Static_assert(XS_RESET_WATCHES == 21 && XS_DIRECTORY_PART == 22,
               "message numbers as in Xen 4.17");

/* The wire name of errno 'error' ("ENOENT", "EQUOTA"); "EINVAL" for errors
 * Xen has no name for, as cxenstored does. */
const char *xs_emu_error_name(int error);

/* Human-readable name of message type 'type' ("READ"), "?" if unknown. */
const char *xs_emu_type_name(uint32_t type);

#endif /* vif-backend/emu/xenstored/xs-wire.h */
