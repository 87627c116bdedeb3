/* agent/xovs.c: the xovs command line, in the style of XenServer's xe.
 *
 *   xovs [--rpc=unix:PATH|ssl:IP:PORT] [--private-key=FILE]
 *        [--certificate=FILE] [--ca-cert=FILE] [--json] [--minimal]
 *        [--dry-run] VERB [key=value ...]
 *   xovs help [VERB]
 *
 * Sends one JSON-RPC request to xovs-agent (rpc.h) and prints the answer
 * as xe would.  Verbs and parameter names are checked against the shared
 * verb table before connecting, so a typo is a usage error even when the
 * agent is down; --dry-run stops there and prints the request it would
 * send (scripts and the docs' own test use it).  Exit status: 0 success,
 * 1 rejected or agent unreachable, 2 usage error.
 *
 * ssl:IP:PORT reaches a daemon's TLS listener (--rpc=pssl:..., mutual
 * TLS): the client presents --private-key/--certificate ($XOVS_SSL_KEY,
 * $XOVS_SSL_CERT) and accepts only a server whose certificate --ca-cert
 * ($XOVS_SSL_CA) signed; as OVS's ssl:, the server's name is not checked.
 * Every step has a bound: connect CONNECT_TIMEOUT_S, handshake
 * HANDSHAKE_TIMEOUT_S, the answer RPC_TIMEOUT_S. */

#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/rpc.h"
#include "agent/xovs-cli.h"
#include "lib/xovs-dirs.h"
#include "util.h"

#define EXIT_REJECTED 1
#define EXIT_USAGE 2
#define RPC_TIMEOUT_S 120      /* a hung agent must not hang scripts forever */
#define CONNECT_TIMEOUT_S 10   /* ssl: TCP connect */
#define HANDSHAKE_TIMEOUT_S 30 /* ssl: TLS handshake */

/* ssl: the client's key, certificate and the server's CA: the options,
 * else $XOVS_SSL_KEY, $XOVS_SSL_CERT, $XOVS_SSL_CA. */
static const char *ssl_key, *ssl_cert, *ssl_ca;

struct options {
    char *target;     /* "unix:PATH", malloc'd */
    bool dry_run;     /* --dry-run: print the request, send nothing */
    bool json;        /* --json: print the raw result */
    bool minimal;     /* --minimal: bare values, comma-separated */
    const char *verb; /* NULL for none */
    struct json_object *params;
};

static void usage_error(const char *format, ...)
    OVS_PRINTF_FORMAT(1, 2) OVS_NO_RETURN;

static void
usage_error(const char *format, ...)
{
    va_list args;

    fputs("xovs: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputs(" (see: xovs help)\n", stderr);
    exit(EXIT_USAGE);
}

static void fatal(const char *format, ...)
    OVS_PRINTF_FORMAT(1, 2) OVS_NO_RETURN;

static void
fatal(const char *format, ...)
{
    va_list args;

    fputs("xovs: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(EXIT_REJECTED);
}

/* ---------------------------------------------------------------------- */
/* Help. */

static void
help_all(void)
{
    size_t n;
    const struct xrpc_verb *verbs = xrpc_verbs(&n);

    char *target = xovs_default_agent_rpc();
    printf("usage: xovs [--rpc=unix:PATH|ssl:IP:PORT] [--json] [--minimal] "
           "[--dry-run] VERB [key=value ...]\n"
           "The agent is found at --rpc, else $XOVS_RPC, else %s.\n"
           "--dry-run checks the arguments and prints the request without "
           "sending it.\n"
           "ssl:IP:PORT (a daemon's --rpc=pssl: listener, mutual TLS) "
           "needs --private-key=FILE,\n"
           "--certificate=FILE and --ca-cert=FILE (else $XOVS_SSL_KEY, "
           "$XOVS_SSL_CERT, $XOVS_SSL_CA).\n\n"
           "verbs:\n",
           target);
    free(target);
    for (size_t i = 0; i < n; i++) {
        printf("  %-18s %s\n", verbs[i].name, verbs[i].summary);
    }
    printf("  %-18s %s\n", "top",
           "live view of the busiest VIFs, PIFs and bonds:");
    printf("  %-18s %s\n", "",
           "[--interval=SECONDS] [--iterations=N] [FIELD=VALUE ...]");
    printf("  %-18s %s\n", "graph PORT",
           "plot a port's rates into a PNG: [--seconds N] --png FILE");
    printf("  %-18s %s\n", "ssl-create-host-cert",
           "make (ovs-pki) or read the host's TLS key and certificate, "
           "then ssl-set");
    printf("  %-18s %s\n", "help [VERB]", "this list, or VERB's arguments");
}

static void
help_verb(const struct xrpc_verb *verb)
{
    bool list = verb->flags & XRPC_LIST;

    printf("%s: %s\n\nusage: xovs %s", verb->name, verb->summary, verb->name);
    if (list) {
        printf(" [FIELD=VALUE ...] [params=FIELD,...|all] [--minimal] "
               "[--json]\n\nfields:\n");
    } else {
        for (const struct xrpc_param *p = verb->params; p->name; p++) {
            printf(p->required ? " %s=..." : " [%s=...]", p->name);
        }
        if (verb->flags & XRPC_ANY_KEYS) {
            printf(" [KEY=VALUE ...]");
        }
        if (verb->flags & XRPC_OTHER_CONFIG) {
            printf(" [other-config:KEY=VALUE ...]");
        }
        if (verb->flags & XRPC_PROPERTIES) {
            printf(" [properties:KEY=VALUE ...]");
        }
        if (verb->flags & XRPC_QOS_PARAMS) {
            printf(" [qos_algorithm_params:KEY=VALUE ...]");
        }
        printf("\n\narguments:\n");
    }
    for (const struct xrpc_param *p = verb->params; p->name; p++) {
        printf("  %-22s %s%s\n", p->name, p->help,
               p->required ? " (required)" : "");
    }
    if (!list && verb->flags & XRPC_OTHER_CONFIG) {
        printf("  %-22s %s\n", "other-config:KEY",
               "set KEY in other-config; an empty value removes it");
    }
    if (!list && verb->flags & XRPC_QOS_PARAMS) {
        printf("  %-22s %s\n", "qos_algorithm_params:KEY",
               "kbps or kbps-rx (kbit/s); an empty value removes it");
    }
    if (!list && verb->flags & XRPC_PROPERTIES) {
        printf("  %-22s %s\n", "properties:KEY",
               "set bond property KEY (hashing_algorithm, lacp-time, "
               "lacp-fallback-ab,");
        printf("  %-22s %s\n", "",
               "lacp-aggregation-key, updelay, downdelay, miimon, "
               "use_carrier,");
        printf("  %-22s %s\n", "",
               "rebalance-interval); an empty value removes it");
    }
    if (list) {
        printf("\nFIELD=VALUE shows only records whose FIELD is VALUE "
               "(other-config:KEY=VALUE too);\n--minimal prints the "
               "selected fields (default uuid) comma-separated.\n");
    }
}

/* ---------------------------------------------------------------------- */
/* Arguments. */

static void
parse_args(int argc, char *argv[], struct options *o)
{
    const struct xrpc_verb *verb = NULL;

    const char *env_target = getenv("XOVS_RPC");
    const char *target = env_target;

    o->params = json_object_new_object();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');

        if (!strncmp(a, "--rpc=", 6)) {
            target = a + 6;
        } else if (!strncmp(a, "--private-key=", 14)) {
            ssl_key = a + 14;
        } else if (!strncmp(a, "--certificate=", 14)) {
            ssl_cert = a + 14;
        } else if (!strncmp(a, "--ca-cert=", 10)) {
            ssl_ca = a + 10;
        } else if (!strcmp(a, "--dry-run")) {
            o->dry_run = true;
        } else if (!strcmp(a, "--json")) {
            o->json = true;
        } else if (!strcmp(a, "--minimal")) {
            o->minimal = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help_all();
            exit(0);
        } else if (a[0] == '-') {
            usage_error("unknown option %s", a);
        } else if (!o->verb) {
            o->verb = a;
            verb = xrpc_verb_find(a);
            if (!verb && strcmp(a, "help")) {
                usage_error("unknown verb %s", a);
            }
        } else if (!verb) {
            /* "help VERB" */
            verb = xrpc_verb_find(a);
            if (!verb || i + 1 < argc) {
                usage_error("usage: xovs help [VERB]; %s is not a verb", a);
            }
            help_verb(verb);
            exit(0);
        } else if (!eq || eq == a) {
            usage_error("%s: expected key=value", a);
        } else {
            char *key = xmemdup0(a, eq - a);
            char *bad = xrpc_check_param_name(verb, key);
            if (bad) {
                fprintf(stderr, "xovs: %s\n", bad);
                free(bad);
                free(key);
                exit(EXIT_USAGE);
            }
            bool twice = json_object_object_get_ex(o->params, key, NULL);
            if (twice
                || json_object_object_length(o->params) >= XRPC_MAX_PARAMS) {
                fprintf(stderr, "xovs: %s%s\n", twice ? key : "",
                        twice ? ": given twice" : "too many parameters");
                free(key);
                exit(EXIT_USAGE);
            }
            json_object_object_add(o->params, key,
                                   json_object_new_string(eq + 1));
            free(key);
        }
    }
    if (!o->verb) {
        usage_error("no verb given");
    }
    if (verb && !strcmp(verb->name, "batch") && !o->dry_run
        && !json_object_object_get_ex(o->params, "calls", NULL)) {
        char *calls = NULL, *bad = xovs_batch_read(stdin, &calls);
        if (bad) {
            usage_error("batch: %s", bad);
        }
        json_object_object_add(o->params, "calls",
                               json_object_new_string(calls));
        free(calls);
    }
    if (!strcmp(o->verb, "help")) {
        help_all();
        exit(0);
    }
    o->target = target && *target ? xstrdup(target) : xovs_default_agent_rpc();
    if (o->dry_run) {
        for (const struct xrpc_param *p = verb->params; p->name; p++) {
            if (p->required
                && !json_object_object_get_ex(o->params, p->name, NULL)) {
                usage_error("%s: %s= is required", verb->name, p->name);
            }
        }
    }
    if (verb->flags & XRPC_LIST && o->minimal
        && !json_object_object_get_ex(o->params, "params", NULL)) {
        json_object_object_add(o->params, "params",
                               json_object_new_string("uuid"));
    }
}

/* ---------------------------------------------------------------------- */
/* Talking to the agent. */

/* Who answers 'method': xovs-controller for its verbs (xrpc_ovn_verbs()),
 * else the host's agent. */
static const char *
serving_daemon(const char *method)
{
    size_t n = 0;
    const struct xrpc_verb *v = xrpc_ovn_verbs ? xrpc_ovn_verbs(&n) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(v[i].name, method)) {
            return "xovs-controller";
        }
    }
    return NULL;
}

/* One connection to a daemon: a unix socket, or TCP with TLS on it. */
struct xconn {
    const char *target; /* as given, for messages */
    const char *daemon; /* "xovs-controller" or "the agent" */
    int fd;
    SSL_CTX *ctx; /* ssl: only */
    SSL *ssl;
};

static void
set_timeouts(int fd, int seconds)
{
    struct timeval tv = {.tv_sec = seconds};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void unreachable(const struct xconn *, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3) OVS_NO_RETURN;

/* Exits: "cannot reach DAEMON at TARGET: ..." and what to check. */
static void
unreachable(const struct xconn *c, const char *format, ...)
{
    va_list args;
    bool agent = !strcmp(c->daemon, "the agent");

    fprintf(stderr, "xovs: cannot reach %s at %s: ", c->daemon, c->target);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    if (!strncmp(c->target, "ssl:", 4)) {
        fputc('\n', stderr);
    } else {
        fprintf(stderr, " (is %s running? use --rpc=unix:PATH or XOVS_RPC)\n",
                agent ? "xovs-agent" : c->daemon);
    }
    exit(EXIT_REJECTED);
}

/* The newest OpenSSL error's reason, e.g. "certificate verify failed". */
static const char *
ssl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "connection closed";
}

/* Exits on a TLS failure before the answer: the handshake failed (with
 * TLS 1.3 the server's refusal of our certificate arrives at the first
 * read). */
static void
handshake_failed(const struct xconn *c)
{
    const char *reason = ssl_reason();
    const char *hint = "";
    if (strstr(reason, "certificate verify failed")) {
        hint = " (the server's certificate is not signed by --ca-cert / "
               "XOVS_SSL_CA)";
    } else if (strstr(reason, "alert")) {
        hint = " (the server refused this client's certificate: is it "
               "signed by the CA the server trusts?)";
    }
    unreachable(c, "TLS handshake failed: %s%s", reason, hint);
}

static void
connect_unix(struct xconn *c)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    const char *path = c->target + 5;

    if (!*path || strlen(path) >= sizeof sun.sun_path) {
        usage_error("%s: socket path is empty or too long", c->target);
    }
    strcpy(sun.sun_path, path);

    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        fatal("socket: %s", ovs_strerror(errno));
    }
    set_timeouts(c->fd, RPC_TIMEOUT_S);
    if (connect(c->fd, (struct sockaddr *)&sun, sizeof sun)) {
        unreachable(c, "%s", ovs_strerror(errno));
    }
}

/* Parses "IP:PORT" or "[IPv6]:PORT" into 'ss'; false if it is neither. */
static bool
parse_ip_port(const char *s, struct sockaddr_storage *ss, socklen_t *lenp)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port;

    memset(ss, 0, sizeof *ss);
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host) {
            return false;
        }
        memcpy(host, s + 1, end - s - 1);
        host[end - s - 1] = '\0';
        port = end + 2;
    } else {
        const char *colon = strchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof host) {
            return false;
        }
        memcpy(host, s, colon - s);
        host[colon - s] = '\0';
        port = colon + 1;
    }
    size_t n = strspn(port, "0123456789");
    unsigned long p = n && n <= 5 && !port[n] ? strtoul(port, NULL, 10) : 0;
    if (!p || p > 65535) {
        return false;
    }
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(p);
        *lenp = sizeof *sin;
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(p);
        *lenp = sizeof *sin6;
    } else {
        return false;
    }
    return true;
}

/* Loads one PEM file into 'ctx'; exits with a message naming the option and
 * its environment variable if it cannot. */
static void
load_pem(const struct xconn *c, const char *option, const char *env,
         const char *file, const char *what,
         int (*load)(SSL_CTX *, const char *))
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fatal("%s=%s (or %s): cannot read it (%s)", option, file, env,
              ovs_strerror(errno));
    }
    fclose(f);
    if (load(c->ctx, file) != 1) {
        fatal("%s=%s (or %s): not a PEM %s (%s)", option, file, env, what,
              ssl_reason());
    }
}

static int
load_key(SSL_CTX *ctx, const char *file)
{
    return SSL_CTX_use_PrivateKey_file(ctx, file, SSL_FILETYPE_PEM);
}

static int
load_ca(SSL_CTX *ctx, const char *file)
{
    return SSL_CTX_load_verify_locations(ctx, file, NULL);
}

/* Waits up to 'seconds' for 'fd' to be ready for 'events'; false on a
 * timeout. */
static bool
wait_fd(int fd, short events, int seconds)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    int n;
    do {
        n = poll(&pfd, 1, seconds * 1000);
    } while (n < 0 && errno == EINTR);
    return n > 0;
}

static void
connect_ssl(struct xconn *c)
{
    struct sockaddr_storage ss;
    socklen_t len;

    if (!parse_ip_port(c->target + 4, &ss, &len)) {
        usage_error("%s: expected ssl:IP:PORT (ssl:[IPv6]:PORT), PORT 1 to "
                    "65535",
                    c->target);
    }
    ssl_key = ssl_key ? ssl_key : getenv("XOVS_SSL_KEY");
    ssl_cert = ssl_cert ? ssl_cert : getenv("XOVS_SSL_CERT");
    ssl_ca = ssl_ca ? ssl_ca : getenv("XOVS_SSL_CA");
    if (!ssl_key || !*ssl_key || !ssl_cert || !*ssl_cert || !ssl_ca
        || !*ssl_ca) {
        usage_error("%s needs this client's key, certificate and the "
                    "server's CA: --private-key=FILE --certificate=FILE "
                    "--ca-cert=FILE (or XOVS_SSL_KEY, XOVS_SSL_CERT, "
                    "XOVS_SSL_CA)",
                    c->target);
    }

    /* A server that refuses our certificate closes while we write: an
     * error to report, not a silent death. */
    signal(SIGPIPE, SIG_IGN);
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ctx) {
        fatal("TLS: %s", ssl_reason());
    }
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    /* The key first: a certificate that does not match it then drops it,
     * and the check below says so in words. */
    load_pem(c, "--private-key", "XOVS_SSL_KEY", ssl_key, "private key",
             load_key);
    load_pem(c, "--certificate", "XOVS_SSL_CERT", ssl_cert, "certificate",
             SSL_CTX_use_certificate_chain_file);
    if (SSL_CTX_check_private_key(c->ctx) != 1) {
        fatal("--certificate=%s is not the certificate of --private-key=%s",
              ssl_cert, ssl_key);
    }
    load_pem(c, "--ca-cert", "XOVS_SSL_CA", ssl_ca, "certificate", load_ca);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);

    /* TCP, within CONNECT_TIMEOUT_S. */
    c->fd
        = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        fatal("socket: %s", ovs_strerror(errno));
    }
    if (connect(c->fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
        unreachable(c, "%s", ovs_strerror(errno));
    }
    if (!wait_fd(c->fd, POLLOUT, CONNECT_TIMEOUT_S)) {
        unreachable(c, "no TCP connection within %d s", CONNECT_TIMEOUT_S);
    }
    int error = 0;
    socklen_t elen = sizeof error;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &elen);
    if (error) {
        unreachable(c, "%s", ovs_strerror(error));
    }
    int flags = fcntl(c->fd, F_GETFL);
    fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);

    /* The handshake, within HANDSHAKE_TIMEOUT_S (blocking, each read and
     * write bounded). */
    set_timeouts(c->fd, HANDSHAKE_TIMEOUT_S);
    c->ssl = SSL_new(c->ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
        fatal("TLS: %s", ssl_reason());
    }
    ERR_clear_error();
    if (SSL_connect(c->ssl) != 1) {
        if (errno == EAGAIN && !ERR_peek_last_error()) {
            unreachable(c, "TLS handshake failed: no answer within %d s",
                        HANDSHAKE_TIMEOUT_S);
        }
        handshake_failed(c);
    }
    set_timeouts(c->fd, RPC_TIMEOUT_S);
}

static void
connect_agent(struct xconn *c, const char *target, const char *method)
{
    const char *daemon = serving_daemon(method);

    *c = (struct xconn){
        .target = target,
        .daemon = daemon ? daemon : "the agent",
        .fd = -1,
    };
    if (!strncmp(target, "unix:", 5)) {
        connect_unix(c);
    } else if (!strncmp(target, "ssl:", 4)) {
        connect_ssl(c);
    } else {
        usage_error("%s: the agent's address must be unix:PATH or "
                    "ssl:IP:PORT",
                    target);
    }
}

static void
conn_close(struct xconn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl); /* close_notify; not waiting for the peer's */
        SSL_free(c->ssl);
    }
    if (c->ctx) {
        SSL_CTX_free(c->ctx);
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
}

/* Sends 'len' bytes at 'buf'; false with errno set (EAGAIN: timed out) on
 * an error, exits on a TLS failure. */
static bool
conn_send(struct xconn *c, const char *buf, size_t len)
{
    if (c->ssl) {
        size_t n;
        ERR_clear_error();
        errno = 0;
        if (SSL_write_ex(c->ssl, buf, len, &n) != 1) {
            int error = errno;
            if (SSL_get_error(c->ssl, 0) != SSL_ERROR_SSL && error != EAGAIN) {
                /* With TLS 1.3 the server checks our certificate after our
                 * side of the handshake ended: its refusal (an alert) may
                 * be waiting to be read. */
                char byte;
                ERR_clear_error();
                SSL_read_ex(c->ssl, &byte, 1, &n);
            }
            if (ERR_peek_last_error()) {
                handshake_failed(c);
            }
            unreachable(c,
                        "TLS handshake failed: the server closed the "
                        "connection (%s) (did it refuse this client's "
                        "certificate?)",
                        error == EAGAIN ? "timed out"
                                        : ovs_strerror(error ? error : EPIPE));
        }
        return true;
    }
    while (len > 0) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            return false;
        }
        buf += n;
        len -= n;
    }
    return true;
}

/* As recv(): bytes read, 0 at the end, -1 with errno on an error; exits on
 * a TLS failure before the first byte of the answer. */
static ssize_t
conn_recv(struct xconn *c, char *buf, size_t len, bool first)
{
    if (c->ssl) {
        size_t n;
        ERR_clear_error();
        errno = 0;
        if (SSL_read_ex(c->ssl, buf, len, &n) == 1) {
            return n;
        }
        int e = SSL_get_error(c->ssl, 0);
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !errno)) {
            return 0;
        } else if (e == SSL_ERROR_SSL && first) {
            handshake_failed(c);
        }
        errno = errno ? errno : EPROTO;
        return -1;
    }
    return recv(c->fd, buf, len, 0);
}

static void
send_all(struct xconn *c, const char *buf, size_t len)
{
    if (!conn_send(c, buf, len)) {
        fatal("sending to %s at %s: %s", c->daemon, c->target,
              errno == EAGAIN ? "timed out" : ovs_strerror(errno));
    }
}

/* Reads one line (without its '\n') of at most XRPC_MAX_RESPONSE bytes. */
static char *
recv_line(struct xconn *c, size_t *lenp)
{
    size_t len = 0, cap = 4096;
    char *buf = xmalloc(cap);

    for (;;) {
        if (len == cap) {
            if (cap >= XRPC_MAX_RESPONSE) {
                fatal("the agent's answer is longer than %d bytes",
                      XRPC_MAX_RESPONSE);
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t n = conn_recv(c, buf + len, cap - len, !len);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            fatal("no answer from %s at %s: %s", c->daemon, c->target,
                  errno == EAGAIN ? "timed out" : ovs_strerror(errno));
        } else if (!n) {
            fatal("%s at %s closed the connection without answering",
                  c->daemon, c->target);
        }
        char *nl = memchr(buf + len, '\n', n);
        len += n;
        if (nl) {
            *lenp = nl - buf;
            return buf;
        }
    }
}

/* Sends request 'line' for 'method' to 'target' and returns the answer
 * line (malloc'd, its length in '*lenp'); exits if there is none. */
static char *
exchange(const char *target, const char *method, const char *line,
         size_t *lenp)
{
    struct xconn c;

    connect_agent(&c, target, method);
    send_all(&c, line, strlen(line));
    char *answer = recv_line(&c, lenp);
    conn_close(&c);
    return answer;
}

struct json_object *
xovs_cli_call(const char *target, const char *method,
              struct json_object *params, char **error)
{
    struct json_object *response, *result;
    const char *message;
    size_t len;
    int code;

    char *line = xrpc_request_line(1, method, params);
    char *answer = exchange(target, method, line, &len);
    free(line);
    line = answer;

    char *bad
        = xrpc_parse_response(line, len, &response, &code, &result, &message);
    free(line);
    if (bad) {
        *error = xasprintf("bad answer from the agent at %s: %s", target, bad);
        free(bad);
        return NULL;
    }
    if (code != XRPC_OK) {
        *error = xstrdup(message);
        json_object_put(response);
        return NULL;
    }
    *error = NULL;
    json_object_get(result);
    json_object_put(response);
    return result ? result : json_object_new_object();
}

/* ---------------------------------------------------------------------- */
/* Output. */

static void
print_text(struct json_object *val)
{
    char *text = xrpc_value_to_text(val);
    fputs(text, stdout);
    free(text);
}

static void
print_minimal(struct json_object *rows)
{
    bool first = true;

    for (size_t i = 0; i < json_object_array_length(rows); i++) {
        for (struct lh_entry *e = lh_table_head(
                 json_object_get_object(json_object_array_get_idx(rows, i)));
             e; e = lh_entry_next(e)) {
            struct json_object *v = lh_entry_v(e);
            fputs(first ? "" : ",", stdout);
            print_text(v);
            first = false;
        }
    }
    putchar('\n');
}

/* Prints 'rows' as xe does: one block per record, the first line's name
 * left-aligned and the others right-aligned on the colon. */
static void
print_records(const struct xrpc_verb *verb, struct json_object *rows)
{
    for (size_t i = 0; i < json_object_array_length(rows); i++) {
        struct json_object *row = json_object_array_get_idx(rows, i);
        int width = 0;
        bool first = true;

        for (struct lh_entry *e = lh_table_head(json_object_get_object(row));
             e; e = lh_entry_next(e)) {
            const char *k1 = lh_entry_k(e);
            width = MAX(width, (int)strlen(k1) + 6);
        }
        for (struct lh_entry *e = lh_table_head(json_object_get_object(row));
             e; e = lh_entry_next(e)) {
            const char *key = lh_entry_k(e);
            struct json_object *val = lh_entry_v(e);
            const struct xrpc_param *p = xrpc_param_find(verb, key);
            char *label = xasprintf("%s (%s)", key,
                                    p && p->access ? p->access : " RO");
            printf(first ? "%-*s: " : "%*s: ", width, label);
            print_text(val);
            putchar('\n');
            free(label);
            first = false;
        }
        putchar('\n');
    }
}

/* pif-scan: the new PIFs on stdout, what changed and what is wrong on
 * stderr. */
static void
print_scan(struct json_object *result)
{
    static const char *const keys[] = {"uuids", "changes", "warnings"};
    static const char *const prefixes[] = {"", "xovs: ", "xovs: warning: "};

    for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
        struct json_object *a;
        if (!json_object_object_get_ex(result, keys[k], &a)
            || !json_object_is_type(a, json_type_array)) {
            continue;
        }
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            FILE *f = k ? stderr : stdout;
            fputs(prefixes[k], f);
            fputs(json_object_get_string(json_object_array_get_idx(a, i)), f);
            putc('\n', f);
        }
    }
}

static void
print_result(const struct options *o, const struct xrpc_verb *verb,
             struct json_object *result)
{
    if (o->json) {
        puts(json_object_to_json_string_ext(
            result, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                        | JSON_C_TO_STRING_NOSLASHESCAPE));
        return;
    }

    struct json_object *uuid;
    switch (verb->result) {
    case XRPC_RESULT_NONE:
        break;
    case XRPC_RESULT_UUID:
        if (json_object_object_get_ex(result, "uuid", &uuid)) {
            print_text(uuid);
            putchar('\n');
        }
        break;
    case XRPC_RESULT_UUIDS:
        for (size_t i = 0; i < json_object_array_length(result); i++) {
            print_text(json_object_array_get_idx(result, i));
            putchar('\n');
        }
        break;
    case XRPC_RESULT_SCAN:
        print_scan(result);
        break;
    case XRPC_RESULT_VALUE:
        if (json_object_object_get_ex(result, "value", &uuid)) {
            print_text(uuid);
            putchar('\n');
        }
        break;
    case XRPC_RESULT_LIST:
        if (o->minimal) {
            print_minimal(result);
        } else {
            print_records(verb, result);
        }
        break;
    }
}

int
main(int argc, char *argv[])
{
    struct options o = {.verb = NULL};
    struct json_object *response, *result;
    const char *message;
    char *line, *error;
    size_t len;
    int code;

    int rc;
    if (xovs_live_main(argc, argv, &rc)) {
        return rc; /* top, graph */
    }
    if (xovs_pki_main(argc, argv, &rc)) {
        return rc; /* ssl-create-host-cert */
    }
    parse_args(argc, argv, &o);
    const struct xrpc_verb *verb = xrpc_verb_find(o.verb);

    line = xrpc_request_line(1, o.verb, o.params);
    if (o.dry_run) {
        fputs(line, stdout);
        free(line);
        free(o.target);
        json_object_put(o.params);
        return 0;
    }
    char *answer = exchange(o.target, o.verb, line, &len);
    free(line);
    line = answer;

    error
        = xrpc_parse_response(line, len, &response, &code, &result, &message);
    free(line);
    if (error) {
        fatal("bad answer from the agent at %s: %s", o.target, error);
    }
    if (code != XRPC_OK) {
        fprintf(stderr, "xovs: %s\n", message);
        json_object_put(response);
        json_object_put(o.params);
        free(o.target);
        return code == XRPC_USAGE ? EXIT_USAGE : EXIT_REJECTED;
    }
    if ((verb->result == XRPC_RESULT_LIST || verb->result == XRPC_RESULT_UUIDS)
        && !json_object_is_type(result, json_type_array)) {
        fatal("bad answer from the agent at %s: result is not a list",
              o.target);
    }
    if (verb->result == XRPC_RESULT_SCAN
        && !json_object_is_type(result, json_type_object)) {
        fatal("bad answer from the agent at %s: result is not an object",
              o.target);
    }
    print_result(&o, verb, result);
    json_object_put(response);
    json_object_put(o.params);
    free(o.target);
    return 0;
}
