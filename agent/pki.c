/* agent/pki.c: reading the host's TLS files (see pki.h). */
#include <config.h>
#include "agent/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Reads all of regular file 'path' (at most XPKI_FILE_MAX bytes) into a
 * BIO.  Returns NULL with the reason in '*error' and the errno in
 * '*errnop'. */
static BIO *
xpki_file_bio(const char *path, char **error, int *errnop)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

    *errnop = 0;
    if (fd < 0) {
        *errnop = errno;
        *error = xasprintf("cannot read %s: %s", path, ovs_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        *error = xasprintf("%s is not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_size > XPKI_FILE_MAX) {
        *error = xasprintf("%s is %lld bytes long; a PEM file here is at "
                           "most %d",
                           path, (long long)st.st_size, XPKI_FILE_MAX);
        close(fd);
        return NULL;
    }
    char *buf = xmalloc(st.st_size + 1);
    size_t len = 0;
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, st.st_size - len);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n <= 0) {
            break;
        }
        len += n;
    }
    close(fd);
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio || BIO_write(bio, buf, len) != (int)len) {
        out_of_memory();
    }
    free(buf);
    return bio;
}

static X509 *
xpki_load_cert(const char *path, char **error, int *errnop)
{
    BIO *bio = xpki_file_bio(path, error, errnop);
    if (!bio) {
        return NULL;
    }
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    if (!x) {
        *error = xasprintf("%s holds no PEM certificate", path);
    }
    return x;
}

static char *
xpki_name(const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;

    if (!bio) {
        out_of_memory();
    }
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    long len = BIO_get_mem_data(bio, &data);
    char *s = xmemdup0(data, len > 0 ? len : 0);
    BIO_free(bio);
    return s;
}

char *
xpki_cert_read(const char *path, struct xpki_cert *cert, int *errnop)
{
    char *error = NULL;
    int dummy;

    memset(cert, 0, sizeof *cert);
    X509 *x = xpki_load_cert(path, &error, errnop ? errnop : &dummy);
    if (!x) {
        return error;
    }

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509_digest(x, EVP_sha256(), md, &n);
    char *fp = xzalloc(3 * n + 1);
    for (unsigned int i = 0; i < n; i++) {
        snprintf(fp + 3 * i, 4, i + 1 < n ? "%02X:" : "%02X", md[i]);
    }

    struct tm tm;
    char when[32] = "";
    if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm)) {
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }

    cert->subject = xpki_name(X509_get_subject_name(x));
    cert->issuer = xpki_name(X509_get_issuer_name(x));
    cert->fingerprint = fp;
    cert->not_after = xstrdup(when);
    cert->expired = X509_cmp_current_time(X509_get0_notAfter(x)) < 0;
    cert->not_yet = X509_cmp_current_time(X509_get0_notBefore(x)) > 0;
    X509_free(x);
    return NULL;
}

void
xpki_cert_destroy(struct xpki_cert *cert)
{
    free(cert->subject);
    free(cert->issuer);
    free(cert->fingerprint);
    free(cert->not_after);
    memset(cert, 0, sizeof *cert);
}

const char *
xpki_cert_state(const struct xpki_cert *cert)
{
    return (cert->expired   ? "expired"
            : cert->not_yet ? "not yet valid"
                            : "valid");
}

char *
xpki_check_key(const char *key, const char *cert)
{
    char *error = NULL;
    int err;
    X509 *x = xpki_load_cert(cert, &error, &err);
    if (!x) {
        return error;
    }
    BIO *bio = xpki_file_bio(key, &error, &err);
    if (!bio) {
        X509_free(x);
        return error;
    }
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!pkey) {
        error = xasprintf("%s holds no PEM private key", key);
    } else if (X509_check_private_key(x, pkey) != 1) {
        error = xasprintf("the private key %s does not belong to the "
                          "certificate %s",
                          key, cert);
    }
    ERR_clear_error();
    EVP_PKEY_free(pkey);
    X509_free(x);
    return error;
}

char *
xpki_verify(const char *cert, const char *ca)
{
    char *error = NULL;
    int err;
    X509 *x = xpki_load_cert(cert, &error, &err);
    if (!x) {
        return error;
    }
    X509 *cax = xpki_load_cert(ca, &error, &err);
    if (!cax) {
        X509_free(x);
        return error;
    }
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!store || !ctx || !X509_STORE_add_cert(store, cax)
        || !X509_STORE_CTX_init(ctx, store, x, NULL)) {
        out_of_memory();
    }
    if (X509_verify_cert(ctx) != 1) {
        error = xasprintf(
            "%s is not signed by the CA %s: %s", cert, ca,
            X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(cax);
    X509_free(x);
    return error;
}
