/* agent/xovs.c: the xovs command line, in the style of XenServer's xe.
 *
 *   xovs [--rpc=unix:PATH] [--json] [--minimal] [--dry-run] VERB
 *        [key=value ...]
 *   xovs help [VERB]
 *
 * Sends one JSON-RPC request to xovs-agent (rpc.h) and prints the answer
 * as xe would.  Verbs and parameter names are checked against the shared
 * verb table before connecting, so a typo is a usage error even when the
 * agent is down; --dry-run stops there and prints the request it would
 * send (scripts and the docs' own test use it).  Exit status: 0 success,
 * 1 rejected or agent unreachable, 2 usage error. */

#include <config.h>

#include <errno.h>
#include <json-c/json.h>
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
#define RPC_TIMEOUT_S 120 /* a hung agent must not hang scripts forever */

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
    printf("usage: xovs [--rpc=unix:PATH] [--json] [--minimal] [--dry-run] "
           "VERB [key=value ...]\n"
           "The agent is found at --rpc, else $XOVS_RPC, else %s.\n"
           "--dry-run checks the arguments and prints the request without "
           "sending it.\n\n"
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

static int
connect_agent(const char *target, const char *method)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct timeval tv = {.tv_sec = RPC_TIMEOUT_S};
    const char *path;
    int fd;

    if (strncmp(target, "unix:", 5)) {
        usage_error("%s: the agent's address must be unix:PATH", target);
    }
    path = target + 5;
    if (!*path || strlen(path) >= sizeof sun.sun_path) {
        usage_error("%s: socket path is empty or too long", target);
    }
    strcpy(sun.sun_path, path);

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fatal("socket: %s", ovs_strerror(errno));
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun)) {
        const char *daemon = serving_daemon(method);
        if (daemon) {
            fatal("cannot reach %s at %s: %s (is %s running? use "
                  "--rpc=unix:PATH or XOVS_RPC)",
                  daemon, target, ovs_strerror(errno), daemon);
        }
        fatal("cannot reach the agent at %s: %s (is xovs-agent running? "
              "use --rpc=unix:PATH or XOVS_RPC)",
              target, ovs_strerror(errno));
    }
    return fd;
}

static void
send_all(int fd, const char *target, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            fatal("sending to the agent at %s: %s", target,
                  errno == EAGAIN ? "timed out" : ovs_strerror(errno));
        }
        buf += n;
        len -= n;
    }
}

/* Reads one line (without its '\n') of at most XRPC_MAX_RESPONSE bytes. */
static char *
recv_line(int fd, const char *target, size_t *lenp)
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
        ssize_t n = recv(fd, buf + len, cap - len, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            fatal("no answer from the agent at %s: %s", target,
                  errno == EAGAIN ? "timed out" : ovs_strerror(errno));
        } else if (!n) {
            fatal("the agent at %s closed the connection without answering",
                  target);
        }
        char *nl = memchr(buf + len, '\n', n);
        len += n;
        if (nl) {
            *lenp = nl - buf;
            return buf;
        }
    }
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
    int fd = connect_agent(target, method);
    send_all(fd, target, line, strlen(line));
    free(line);
    line = recv_line(fd, target, &len);
    close(fd);

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
    int fd = connect_agent(o.target, o.verb);
    send_all(fd, o.target, line, strlen(line));
    free(line);
    line = recv_line(fd, o.target, &len);
    close(fd);

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
