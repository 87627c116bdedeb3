/* agent/pki.h: reading the host's TLS files (OVS PKI layout, made by
 * Debian's ovs-pki): what a certificate says (subject, issuer, SHA-256
 * fingerprint, expiry), whether a private key belongs to a certificate,
 * whether a CA signed it.
 *
 * Used by ssl-list (agent/api-sdn.c: the SSL record's files as the
 * switch will see them) and by `xovs ssl-create-host-cert`
 * (agent/xovs-pki.c: checking what ovs-pki made, or what is already
 * there, before it goes into the SSL table).  Files are opened without
 * blocking (a FIFO or device at a configured path is refused, not read),
 * must be regular and at most XPKI_FILE_MAX bytes.  Nothing here logs. */
#ifndef XPKI_H
#define XPKI_H 1

#include <stdbool.h>

#define XPKI_FILE_MAX (1024 * 1024) /* bytes of a PEM file we read */

/* What a certificate says.  All strings malloc'd. */
struct xpki_cert {
    char *subject;     /* RFC 2253 form: "CN=...,OU=...,O=..." */
    char *issuer;      /* the same, of the issuer */
    char *fingerprint; /* SHA-256, "AB:CD:...", as openssl x509 shows it */
    char *not_after;   /* expiry, "YYYY-MM-DDTHH:MM:SSZ" */
    bool expired;      /* not_after has passed */
    bool not_yet;      /* not_before is still to come */
};

/* Reads the first certificate of PEM file 'path' into '*cert'.  Returns
 * NULL, or a one-line reason (malloc'd; '*cert' then zeroed) and, if
 * 'errnop' is nonnull, the errno of a failed open (else 0) in '*errnop'. */
char *xpki_cert_read(const char *path, struct xpki_cert *cert, int *errnop);
void xpki_cert_destroy(struct xpki_cert *); /* accepts zeroed */
/* "valid", "expired" or "not yet valid". */
const char *xpki_cert_state(const struct xpki_cert *);

/* NULL if the private key in PEM file 'key' belongs to the certificate in
 * 'cert', else why not (malloc'd). */
char *xpki_check_key(const char *key, const char *cert);

/* NULL if the CA certificate in 'ca' signed the certificate in 'cert',
 * else why not (malloc'd). */
char *xpki_verify(const char *cert, const char *ca);

#endif /* agent/pki.h */
