/* agent/xovs-pki.c: `xovs ssl-create-host-cert`, the host's TLS identity
 * made (or found) with Debian's ovs-pki and put into the SSL record.
 *
 *   xovs ssl-create-host-cert [pki-dir=DIR] [init-ca=true] [dir=DIR]
 *        [name=NAME] [ca-cert=PATH] [bootstrap-ca-cert=true]
 *
 * Runs in the CLI, not in the agent: ovs-pki takes seconds to make RSA
 * keys, which the agent's poll loop must not wait for, and the files are
 * made with the rights of whoever runs xovs.  The steps, each checked
 * before the next, nothing overwritten:
 *
 *   DIR/NAME-privkey.pem and -cert.pem both there?
 *     yes -> read them: the key must belong to the certificate
 *     no  -> the PKI at pki-dir has no CA?  init-ca=true: ovs-pki init
 *            ovs-pki req+sign DIR/NAME switch (signed by the switch CA)
 *            check what it made: key fits, the switch CA signed it
 *   ssl-set private-key= certificate= ca-cert= [bootstrap-ca-cert=]
 *
 * ca-cert (the CA peers must be signed by) defaults to the PKI's
 * controller CA, as OVS's PKI layout has it, or with bootstrap-ca-cert=true
 * to DIR/cacert.pem, where the switch saves the CA certificate the first
 * controller sends.  A file half there (a key without its certificate) is
 * an error, not overwritten; files made by a failed run are removed. */

#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/pki.h"
#include "agent/records.h"
#include "agent/rpc.h"
#include "agent/xovs-cli.h"
#include "lib/xovs-dirs.h"
#include "util.h"

#define EXIT_REJECTED 1
#define EXIT_USAGE 2
#define PKI_VERB "ssl-create-host-cert"
#define PKI_TIMEOUT_S 300 /* ovs-pki init on a slow machine takes seconds */
#define PKI_NAME_MAX 64

#define DEFAULT_PKI_DIR "/var/lib/openvswitch/pki"
#define DEFAULT_DIR "/etc/openvswitch"
#define DEFAULT_NAME "sc"

struct pki_options {
    char *target; /* "unix:PATH", malloc'd */
    bool dry_run; /* print the steps, do nothing */
    const char *pki_dir;
    const char *dir;
    const char *name;
    const char *ca_cert; /* NULL: the default */
    bool init_ca;
    bool bootstrap;
};

static const struct {
    const char *name;
    const char *help;
} pki_params[] = {
    {"pki-dir",
     "ovs-pki's directory with the CAs (default " DEFAULT_PKI_DIR ")"},
    {"init-ca", "true: create the CAs there (ovs-pki init) if it has none"},
    {"dir",
     "where NAME-privkey.pem and NAME-cert.pem go (default " DEFAULT_DIR ")"},
    {"name",
     "the files' prefix, letters, digits, '_', '.', '-' (default " DEFAULT_NAME
     ")"},
    {"ca-cert", "the CA certificate peers must be signed by (default the "
                "PKI's controllerca/cacert.pem)"},
    {"bootstrap-ca-cert", "true: take the CA certificate from the first "
                          "peer (ca-cert default DIR/cacert.pem)"},
};

static void pki_usage(const char *format, ...)
    OVS_PRINTF_FORMAT(1, 2) OVS_NO_RETURN;

static void
pki_usage(const char *format, ...)
{
    va_list args;

    fputs("xovs: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputs(" (see: xovs help " PKI_VERB ")\n", stderr);
    exit(EXIT_USAGE);
}

/* Prints "xovs: MESSAGE" (consumes 'msg') and returns EXIT_REJECTED. */
static int
pki_fail(char *msg)
{
    fprintf(stderr, "xovs: %s\n", msg);
    free(msg);
    return EXIT_REJECTED;
}

static void
help_pki(void)
{
    printf(PKI_VERB ": make (or read) the host's TLS key and certificate "
                    "with ovs-pki and set them\n\nusage: xovs " PKI_VERB);
    for (size_t i = 0; i < ARRAY_SIZE(pki_params); i++) {
        printf(" [%s=...]", pki_params[i].name);
    }
    printf("\n\narguments:\n");
    for (size_t i = 0; i < ARRAY_SIZE(pki_params); i++) {
        printf("  %-22s %s\n", pki_params[i].name, pki_params[i].help);
    }
    printf("\nThe key and certificate are signed by the PKI's switch CA; "
           "existing ones are read,\nnot replaced.  Prints the SSL "
           "record's uuid (xovs ssl-list shows the certificate).\n");
}

static bool
file_exists(const char *path)
{
    struct stat st;
    return !lstat(path, &st);
}

static char *
check_name(const char *name)
{
    size_t len = strlen(name);

    if (!len || len > PKI_NAME_MAX || name[0] == '.' || name[0] == '-') {
        return xasprintf("\"%.64s\" must be 1..%d characters, not starting "
                         "with '.' or '-'",
                         name, PKI_NAME_MAX);
    }
    for (const char *p = name; *p; p++) {
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p)) {
            return xasprintf("\"%.64s\" contains '%c'; use only letters, "
                             "digits, '_', '.' and '-'",
                             name, isprint((unsigned char)*p) ? *p : '?');
        }
    }
    return NULL;
}

/* Runs ovs-pki with 'args' (NULL-terminated, args[0] "ovs-pki") in
 * directory 'cwd', its output and openssl's going to 'log'.  Returns NULL
 * or why it failed. */
static char *
run_ovs_pki(char *const args[], const char *cwd, const char *log)
{
    pid_t pid = fork();
    if (pid < 0) {
        return xasprintf("fork: %s", ovs_strerror(errno));
    } else if (!pid) {
        int fd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || null < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0
            || dup2(null, 0) < 0 || chdir(cwd)) {
            _exit(126);
        }
        execvp(args[0], args);
        _exit(127);
    }

    int status;
    time_t deadline = time(NULL) + PKI_TIMEOUT_S;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            break;
        } else if (r < 0 && errno != EINTR) {
            return xasprintf("waitpid: %s", ovs_strerror(errno));
        } else if (time(NULL) > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return xasprintf("ovs-pki %s did not finish in %d s", args[3],
                             PKI_TIMEOUT_S);
        }
        struct timespec ts = {.tv_nsec = 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        return xstrdup("ovs-pki is not installed (Debian package "
                       "openvswitch-common)");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        /* Its last line says why. */
        char line[512] = "", buf[512];
        FILE *f = fopen(log, "r");
        while (f && fgets(buf, sizeof buf, f)) {
            if (buf[0] != '\n') {
                ovs_strlcpy(line, buf, sizeof line);
            }
        }
        if (f) {
            fclose(f);
        }
        line[strcspn(line, "\n")] = '\0';
        return xasprintf("ovs-pki %s failed: %s", args[3],
                         *line ? line : "(no message)");
    }
    return NULL;
}

/* "ovs-pki --dir=PKI --log=LOG COMMAND -b [ARG TYPE]" into 'args'. */
static void
pki_args(char *args[8], const struct pki_options *o, const char *log,
         const char *command, const char *arg, const char *type)
{
    size_t n = 0;
    args[n++] = xstrdup("ovs-pki");
    args[n++] = xasprintf("--dir=%s", o->pki_dir);
    args[n++] = xasprintf("--log=%s", log);
    args[n++] = xstrdup(command);
    args[n++] = xstrdup("-b");
    if (arg) {
        args[n++] = xstrdup(arg);
        args[n++] = xstrdup(type);
    }
    args[n] = NULL;
}

static void
pki_args_free(char *args[8])
{
    for (size_t i = 0; args[i]; i++) {
        free(args[i]);
    }
}

static void
print_args(char *args[8])
{
    for (size_t i = 0; args[i]; i++) {
        printf("%s%s", i ? " " : "", args[i]);
    }
    putchar('\n');
}

static void
parse_pki_args(int argc, char *argv[], struct pki_options *o)
{
    const char *target = getenv("XOVS_RPC");
    const char *init_ca = NULL, *bootstrap = NULL;
    bool seen_verb = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');
        if (!strncmp(a, "--rpc=", 6)) {
            target = a + 6;
        } else if (!strcmp(a, "--dry-run")) {
            o->dry_run = true;
        } else if (a[0] == '-') {
            pki_usage("unknown option %s", a);
        } else if (!seen_verb) {
            seen_verb = true;
        } else if (!eq || eq == a) {
            pki_usage("%s: expected key=value", a);
        } else {
            const char **slot = NULL;
            size_t klen = eq - a;
#define PARAM(NAME, VAR)                                                      \
    if (klen == strlen(NAME) && !strncmp(a, NAME, klen)) {                    \
        slot = &(VAR);                                                        \
    }
            PARAM("pki-dir", o->pki_dir);
            PARAM("init-ca", init_ca);
            PARAM("dir", o->dir);
            PARAM("name", o->name);
            PARAM("ca-cert", o->ca_cert);
            PARAM("bootstrap-ca-cert", bootstrap);
#undef PARAM
            if (!slot) {
                pki_usage(PKI_VERB ": unknown parameter %.*s", (int)klen, a);
            } else if (*slot) {
                pki_usage("%.*s: given twice", (int)klen, a);
            }
            *slot = eq + 1;
        }
    }
    o->target = target && *target ? xstrdup(target) : xovs_default_agent_rpc();

    /* Values: a bad one is a rejection (exit 1), as the agent's are. */
    char *error = NULL;
    const char *field = NULL;
    if (init_ca && (error = xrec_parse_bool(init_ca, &o->init_ca))) {
        field = "init-ca";
    } else if (bootstrap
               && (error = xrec_parse_bool(bootstrap, &o->bootstrap))) {
        field = "bootstrap-ca-cert";
    } else if (o->pki_dir && (error = xrec_check_path(o->pki_dir))) {
        field = "pki-dir";
    } else if (o->dir && (error = xrec_check_path(o->dir))) {
        field = "dir";
    } else if (o->name && (error = check_name(o->name))) {
        field = "name";
    } else if (o->ca_cert && (error = xrec_check_path(o->ca_cert))) {
        field = "ca-cert";
    }
    if (error) {
        fprintf(stderr, "xovs: %s: %s\n", field, error);
        free(error);
        exit(EXIT_REJECTED);
    }
    o->pki_dir = o->pki_dir ? o->pki_dir : DEFAULT_PKI_DIR;
    o->dir = o->dir ? o->dir : DEFAULT_DIR;
    o->name = o->name ? o->name : DEFAULT_NAME;
}

/* Is 'path' an empty directory? */
static bool
dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    bool empty = d != NULL;

    for (struct dirent *e; d && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            empty = false;
        }
    }
    if (d) {
        closedir(d);
    }
    return empty;
}

static bool
is_dir(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Makes DIR/NAME-{privkey,cert}.pem with ovs-pki ('o'), creating the CAs
 * first if 'init'; 'log' gets ovs-pki's output.  Returns NULL or why not
 * (then every file it made is removed, except a new PKI's CAs). */
static char *
make_host_cert(const struct pki_options *o, bool init, const char *log,
               const char *prefix, const char *key, const char *cert,
               const char *switch_ca)
{
    char *args[8];
    char *error = NULL;

    if (init) {
        pki_args(args, o, log, "init", NULL, NULL);
        if (file_exists(o->pki_dir)) {
            /* An empty directory: ovs-pki init wants --force for it (and
             * has no questions to skip with -b). */
            free(args[4]);
            args[4] = xstrdup("--force");
        }
        error = run_ovs_pki(args, "/", log);
        pki_args_free(args);
        if (error) {
            return error;
        }
    }
    /* In 'dir' with the bare name: ovs-pki puts its argument into the
     * certificate's CN, which holds at most 64 characters. */
    pki_args(args, o, log, "req+sign", o->name, "switch");
    error = run_ovs_pki(args, o->dir, log);
    pki_args_free(args);
    if (!error) {
        error = xpki_check_key(key, cert);
    }
    if (!error) {
        error = xpki_verify(cert, switch_ca);
    }
    if (error) {
        char *req = xasprintf("%s-req.pem", prefix);
        unlink(key);
        unlink(cert);
        unlink(req);
        free(req);
    }
    return error;
}

static int
pki_main(struct pki_options *o)
{
    char *prefix = xasprintf("%s/%s", o->dir, o->name);
    char *key = xasprintf("%s-privkey.pem", prefix);
    char *cert = xasprintf("%s-cert.pem", prefix);
    char *req = xasprintf("%s-req.pem", prefix);
    char *switch_ca = xasprintf("%s/switchca/cacert.pem", o->pki_dir);
    char *ctl_ca = xasprintf("%s/controllerca/cacert.pem", o->pki_dir);
    char *ca = (o->ca_cert     ? xstrdup(o->ca_cert)
                : o->bootstrap ? xasprintf("%s/cacert.pem", o->dir)
                               : xstrdup(ctl_ca));
    char *error = NULL;
    int rc = 0;

    struct json_object *params = json_object_new_object();
    json_object_object_add(params, "private-key", json_object_new_string(key));
    json_object_object_add(params, "certificate",
                           json_object_new_string(cert));
    json_object_object_add(params, "ca-cert", json_object_new_string(ca));
    json_object_object_add(
        params, "bootstrap-ca-cert",
        json_object_new_string(o->bootstrap ? "true" : "false"));

    if (o->dry_run) {
        char *args[8];
        printf("# if %s and %s are not there yet:\n", key, cert);
        if (o->init_ca) {
            printf("# if %s has no CA yet:\n", o->pki_dir);
            pki_args(args, o, "LOG", "init", NULL, NULL);
            print_args(args);
            pki_args_free(args);
        }
        pki_args(args, o, "LOG", "req+sign", o->name, "switch");
        printf("cd %s && ", o->dir);
        print_args(args);
        pki_args_free(args);
        char *line = xrpc_request_line(1, "ssl-set", params);
        fputs(line, stdout);
        free(line);
        goto out;
    }

    bool have_key = file_exists(key), have_cert = file_exists(cert);
    bool init = false;
    if (have_key && have_cert) {
        /* Reads them: the key must fit the certificate. */
        error = xpki_check_key(key, cert);
        if (error) {
            rc = pki_fail(xasprintf("certificate: %s", error));
            goto out;
        }
    } else if (have_key || have_cert || file_exists(req)) {
        rc = pki_fail(xasprintf(
            "name: %s is there but %s is not; xovs does not overwrite "
            "them: remove the files %s-* or choose another name=",
            have_cert  ? cert
            : have_key ? key
                       : req,
            have_cert ? key : cert, prefix));
        goto out;
    } else {
        if (!is_dir(o->dir)) {
            rc = pki_fail(xasprintf("dir: %s is not a directory", o->dir));
            goto out;
        }
        if (!file_exists(switch_ca)) {
            if (!o->init_ca) {
                rc = pki_fail(xasprintf(
                    "pki-dir: %s has no CA (no switchca/cacert.pem); give "
                    "init-ca=true to create one there with ovs-pki init, "
                    "or the pki-dir= of an existing ovs-pki PKI",
                    o->pki_dir));
                goto out;
            }
            if (file_exists(o->pki_dir) && !dir_is_empty(o->pki_dir)) {
                rc = pki_fail(xasprintf(
                    "pki-dir: %s is not empty but has no CA (no "
                    "switchca/cacert.pem); init-ca=true creates one only "
                    "in a new or empty directory",
                    o->pki_dir));
                goto out;
            }
            init = true;
        }
    }
    if (!o->bootstrap && !file_exists(ca) && !(init && !strcmp(ca, ctl_ca))) {
        rc = pki_fail(xasprintf("ca-cert: %s does not exist; give the CA "
                                "certificate of the peers with ca-cert=, or "
                                "bootstrap-ca-cert=true",
                                ca));
        goto out;
    }

    if (!have_key) {
        /* The agent must be there before files are made for it (this
         * exits with a message if it is not). */
        struct json_object *none = json_object_new_object();
        struct json_object *rows
            = xovs_cli_call(o->target, "ssl-list", none, &error);
        json_object_put(none);
        json_object_put(rows);
        if (error) {
            rc = pki_fail(error);
            error = NULL;
            goto out;
        }

        char log[] = "/tmp/xovs-pki-XXXXXX";
        int fd = mkstemp(log);
        if (fd < 0) {
            rc = pki_fail(xasprintf("mkstemp: %s", ovs_strerror(errno)));
            goto out;
        }
        close(fd);
        error = make_host_cert(o, init, log, prefix, key, cert, switch_ca);
        unlink(log);
        if (error) {
            rc = pki_fail(error);
            error = NULL;
            goto out;
        }
    }

    struct json_object *result
        = xovs_cli_call(o->target, "ssl-set", params, &error);
    if (!result) {
        rc = pki_fail(xasprintf("%s (the key and certificate are %s and %s)",
                                error, key, cert));
        free(error);
        error = NULL;
        goto out;
    }
    struct json_object *uuid;
    if (json_object_object_get_ex(result, "uuid", &uuid)) {
        puts(json_object_get_string(uuid));
    }
    json_object_put(result);

out:
    free(error);
    json_object_put(params);
    free(prefix);
    free(key);
    free(cert);
    free(req);
    free(switch_ca);
    free(ctl_ca);
    free(ca);
    return rc;
}

bool
xovs_pki_main(int argc, char *argv[], int *rc)
{
    struct pki_options o = {.target = NULL};
    const char *verb = NULL;
    bool help = false;

    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            verb = argv[i];
            if (!strcmp(verb, "help") && i + 1 < argc) {
                help = true;
                verb = argv[i + 1];
            }
            break;
        }
    }
    if (!verb || strcmp(verb, PKI_VERB)) {
        return false;
    }
    if (help) {
        help_pki();
        *rc = 0;
        return true;
    }
    parse_pki_args(argc, argv, &o);
    *rc = pki_main(&o);
    free(o.target);
    return true;
}
