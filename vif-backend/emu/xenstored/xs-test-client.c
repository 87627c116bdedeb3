/* vif-backend/emu/xenstored/xs-test-client.c: xs-test-client, the client
 * tests/integration/70-xenstored.sh drives xovs-xenstored with where
 * Debian's xenstore-* tools have no command for it.
 *
 * Through the real libxenstore (XENSTORED_PATH picks the daemon):
 *   txn-conflict PATH      two handles race transactions on PATH: the
 *                          second commit must fail with EAGAIN
 *   introduce DOMID        xs_introduce_domain(DOMID, 0, 0)
 *   release DOMID          xs_release_domain()
 *   is-introduced DOMID    prints T or F
 *   domain-path DOMID      prints xs_get_domain_path()
 * Through a raw socket (to see errors libxenstore cannot name, "EQUOTA"):
 *   raw TYPE [ARG...]      sends message TYPE (a number or READ, WRITE...)
 *                          with the ARGs NUL-terminated (WRITE's value is
 *                          not), prints the reply; exit 1 on XS_ERROR
 *   fill PREFIX N          writes PREFIX/0 .. PREFIX/N-1 until an error;
 *                          prints "wrote K" and the error
 *   noread PATH SECONDS    watches PATH, reads nothing for SECONDS, then
 *                          prints "dropped" if the daemon closed us
 *   spin PATH SECONDS      rewrites PATH as fast as it can for SECONDS
 *   oversize               sends a header announcing more than
 *                          XENSTORE_PAYLOAD_MAX bytes; prints "closed" if
 *                          the daemon dropped the connection
 * Exit status: 0 success, 1 failure (with a message). */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "vif-backend/emu/xenstored/xs-wire.h"

static int n_failed;

static void
check(bool ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    n_failed += !ok;
}

static struct xs_handle *
open_handle(void)
{
    struct xs_handle *h = xs_open(0);
    if (!h) {
        fprintf(stderr, "xs_open: %s (is XENSTORED_PATH right?)\n",
                strerror(errno));
        exit(1);
    }
    return h;
}

static bool
read_is(struct xs_handle *h, xs_transaction_t t, const char *path,
        const char *want)
{
    unsigned int len;
    char *v = xs_read(h, t, path, &len);
    bool ok = v && !strcmp(v, want);
    free(v);
    return ok;
}

static int
txn_conflict(const char *path)
{
    struct xs_handle *h1 = open_handle(), *h2 = open_handle();

    check(xs_write(h1, XBT_NULL, path, "0", 1), "initial write");
    xs_transaction_t t1 = xs_transaction_start(h1);
    xs_transaction_t t2 = xs_transaction_start(h2);
    check(t1 != XBT_NULL && t2 != XBT_NULL, "two transactions started");
    check(read_is(h1, t1, path, "0") && read_is(h2, t2, path, "0"),
          "both read the value");
    check(xs_write(h1, t1, path, "1", 1), "write in transaction 1");
    check(read_is(h1, t1, path, "1"), "transaction 1 sees its own write");
    check(read_is(h2, XBT_NULL, path, "0"),
          "others do not see the uncommitted write");
    check(xs_write(h2, t2, path, "2", 1), "write in transaction 2");
    check(xs_transaction_end(h1, t1, false), "transaction 1 commits");
    errno = 0;
    bool ok2 = xs_transaction_end(h2, t2, false);
    check(!ok2 && errno == EAGAIN, "transaction 2 fails with EAGAIN");
    check(read_is(h2, XBT_NULL, path, "1"), "the first commit's value holds");

    /* Retry, as callers do on EAGAIN; and an aborted transaction. */
    t2 = xs_transaction_start(h2);
    check(xs_write(h2, t2, path, "3", 1) && xs_transaction_end(h2, t2, false),
          "retried transaction commits");
    t1 = xs_transaction_start(h1);
    check(xs_write(h1, t1, path, "4", 1) && xs_transaction_end(h1, t1, true),
          "transaction aborted");
    check(read_is(h1, XBT_NULL, path, "3"), "abort discarded its write");

    /* A transaction creating and removing nodes. */
    char *sub = NULL;
    if (asprintf(&sub, "%s-dir/x", path) < 0) {
        abort();
    }
    t1 = xs_transaction_start(h1);
    check(xs_write(h1, t1, sub, "y", 1) && read_is(h1, t1, sub, "y"),
          "create in a transaction");
    unsigned int len;
    char *v = xs_read(h2, XBT_NULL, sub, &len);
    check(!v && errno == ENOENT, "not visible before commit");
    free(v);
    check(xs_transaction_end(h1, t1, false) && read_is(h2, XBT_NULL, sub, "y"),
          "visible after commit");
    free(sub);

    xs_close(h1);
    xs_close(h2);
    return n_failed ? 1 : 0;
}

static unsigned int
parse_domid(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v > 65535) {
        fprintf(stderr, "\"%s\" is not a domid\n", s);
        exit(1);
    }
    return v;
}

static int
domain_cmd(const char *cmd, const char *arg)
{
    struct xs_handle *h = open_handle();
    unsigned int domid = parse_domid(arg);
    bool ok = true;
    if (!strcmp(cmd, "introduce")) {
        ok = xs_introduce_domain(h, domid, 0, 0);
    } else if (!strcmp(cmd, "release")) {
        ok = xs_release_domain(h, domid);
    } else if (!strcmp(cmd, "is-introduced")) {
        errno = 0;
        bool yes = xs_is_domain_introduced(h, domid);
        ok = yes || !errno;
        if (ok) {
            printf("%c\n", yes ? 'T' : 'F');
        }
    } else {
        char *path = xs_get_domain_path(h, domid);
        ok = path != NULL;
        if (ok) {
            printf("%s\n", path);
        }
        free(path);
    }
    if (!ok) {
        fprintf(stderr, "%s %s: %s\n", cmd, arg, strerror(errno));
    }
    xs_close(h);
    return !ok;
}

/* Raw protocol. */

static int
raw_connect(void)
{
    const char *path = getenv("XENSTORED_PATH");
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (!path || strlen(path) >= sizeof sun.sun_path) {
        fprintf(stderr, "set XENSTORED_PATH to the daemon's socket\n");
        exit(1);
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun)) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        exit(1);
    }
    return fd;
}

static void
raw_send(int fd, uint32_t type, const char *payload, size_t len)
{
    static uint32_t req_id;
    struct xsd_sockmsg hdr
        = {.type = type, .req_id = ++req_id, .tx_id = 0, .len = len};
    char buf[sizeof hdr + XENSTORE_PAYLOAD_MAX];
    if (len > XENSTORE_PAYLOAD_MAX) {
        fprintf(stderr, "payload too long\n");
        exit(1);
    }
    memcpy(buf, &hdr, sizeof hdr);
    memcpy(buf + sizeof hdr, payload, len);
    if (write(fd, buf, sizeof hdr + len) != (ssize_t)(sizeof hdr + len)) {
        fprintf(stderr, "write: %s\n", strerror(errno));
        exit(1);
    }
}

static bool
read_full(int fd, void *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r <= 0) {
            return false;
        }
        p = (char *)p + r;
        n -= r;
    }
    return true;
}

/* Reads the next reply that is not a watch event into 'payload' (NUL
 * terminated).  Returns its type, or -1 on EOF. */
static int
raw_reply(int fd, char payload[XENSTORE_PAYLOAD_MAX + 1], uint32_t *len)
{
    for (;;) {
        struct xsd_sockmsg hdr;
        if (!read_full(fd, &hdr, sizeof hdr) || hdr.len > XENSTORE_PAYLOAD_MAX
            || !read_full(fd, payload, hdr.len)) {
            return -1;
        }
        payload[hdr.len] = '\0';
        *len = hdr.len;
        if (hdr.type != XS_WATCH_EVENT) {
            return hdr.type;
        }
    }
}

static int
type_number(const char *s)
{
    for (uint32_t t = 0; t < XS_TYPE_COUNT; t++) {
        if (!strcasecmp(s, xs_emu_type_name(t))) {
            return t;
        }
    }
    return atoi(s);
}

static int
raw_cmd(int argc, char *argv[])
{
    int type = type_number(argv[0]);
    char payload[XENSTORE_PAYLOAD_MAX + 1];
    size_t len = 0;
    for (int i = 1; i < argc; i++) {
        size_t n
            = strlen(argv[i]) + (type == XS_WRITE && i == argc - 1 ? 0 : 1);
        if (len + n > XENSTORE_PAYLOAD_MAX) {
            fprintf(stderr, "payload too long\n");
            return 1;
        }
        memcpy(payload + len, argv[i], n);
        len += n;
    }
    int fd = raw_connect();
    raw_send(fd, type, payload, len);
    uint32_t rlen;
    int rtype = raw_reply(fd, payload, &rlen);
    close(fd);
    if (rtype < 0) {
        printf("EOF\n");
        return 1;
    } else if (rtype == XS_ERROR) {
        printf("ERROR %s\n", payload);
        return 1;
    }
    for (size_t ofs = 0; ofs < rlen; ofs += strlen(payload + ofs) + 1) {
        printf("%s\n", payload + ofs);
    }
    return 0;
}

static int
fill_cmd(const char *prefix, const char *count)
{
    int fd = raw_connect();
    long n = atol(count);
    long i;
    char payload[XENSTORE_PAYLOAD_MAX + 1];
    uint32_t rlen;
    for (i = 0; i < n; i++) {
        int len = snprintf(payload, sizeof payload, "%s/%ld", prefix, i) + 1;
        payload[len++] = 'x';
        raw_send(fd, XS_WRITE, payload, len);
        int rtype = raw_reply(fd, payload, &rlen);
        if (rtype != XS_WRITE) {
            printf("wrote %ld then %s %s\n", i,
                   rtype == XS_ERROR ? "ERROR" : "EOF",
                   rtype == XS_ERROR ? payload : "");
            close(fd);
            return 0;
        }
    }
    printf("wrote %ld\n", i);
    close(fd);
    return 0;
}

static int
noread_cmd(const char *path, const char *seconds)
{
    int fd = raw_connect();
    char payload[XENSTORE_PAYLOAD_MAX + 1];
    int len = snprintf(payload, sizeof payload, "%s%ctok", path, '\0') + 1;
    raw_send(fd, XS_WATCH, payload, len);
    sleep(atoi(seconds));

    /* Drain: a dropped connection ends in EOF after what was sent. */
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[65536];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        continue;
    }
    printf("%s\n", r == 0 ? "dropped" : "open");
    close(fd);
    return 0;
}

static int
spin_cmd(const char *path, const char *seconds)
{
    struct xs_handle *h = open_handle();
    time_t end = time(NULL) + atoi(seconds);
    unsigned long n = 0;
    while (time(NULL) < end) {
        char v[32];
        int len = snprintf(v, sizeof v, "%lu", n);
        if (!xs_write(h, XBT_NULL, path, v, len)) {
            fprintf(stderr, "spin: write %s: %s\n", path, strerror(errno));
            xs_close(h);
            return 1;
        }
        n++;
    }
    printf("spin: %lu writes\n", n);
    xs_close(h);
    return 0;
}

static int
oversize_cmd(void)
{
    int fd = raw_connect();
    struct xsd_sockmsg hdr
        = {.type = XS_WRITE, .req_id = 1, .len = XENSTORE_PAYLOAD_MAX + 1};
    if (write(fd, &hdr, sizeof hdr) != sizeof hdr) {
        fprintf(stderr, "write: %s\n", strerror(errno));
        return 1;
    }
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[64];
    ssize_t r = read(fd, buf, sizeof buf);
    printf("%s\n", r == 0 ? "closed" : "open");
    close(fd);
    return 0;
}

int
main(int argc, char *argv[])
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (!strcmp(cmd, "txn-conflict") && argc == 3) {
        return txn_conflict(argv[2]);
    } else if ((!strcmp(cmd, "introduce") || !strcmp(cmd, "release")
                || !strcmp(cmd, "is-introduced")
                || !strcmp(cmd, "domain-path"))
               && argc == 3) {
        return domain_cmd(cmd, argv[2]);
    } else if (!strcmp(cmd, "raw") && argc >= 3) {
        return raw_cmd(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "fill") && argc == 4) {
        return fill_cmd(argv[2], argv[3]);
    } else if (!strcmp(cmd, "noread") && argc == 4) {
        return noread_cmd(argv[2], argv[3]);
    } else if (!strcmp(cmd, "spin") && argc == 4) {
        return spin_cmd(argv[2], argv[3]);
    } else if (!strcmp(cmd, "oversize") && argc == 2) {
        return oversize_cmd();
    }
    fprintf(stderr,
            "usage: %s txn-conflict PATH | introduce|release|"
            "is-introduced|domain-path DOMID | raw TYPE [ARG...] | "
            "fill PREFIX N | noread PATH SECONDS | spin PATH "
            "SECONDS | oversize\n",
            argv[0]);
    return 2;
}
