/* tests/unit/unit-tests.c: the unit test runner.
 *
 *   build/bin/unit-tests [NAME-PREFIX...]
 *
 * Runs every registered case (or those whose names start with one of the
 * arguments), printing "PASS name" or "FAIL name: reason" for each and a
 * last line "N passed, N failed".  Exit status 1 if any case failed. */

#include <config.h>
#include "tests/unit/unit-tests.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/api.h"
#include "agent/pifscan.h"
#include "agent/records.h"
#include "util.h"

struct unit_case {
    char *name;
    unit_fn *fn;
    const void *aux;
};

static struct unit_case *cases;
static size_t n_cases, allocated_cases;
static char *failure; /* reason the running case failed, or NULL */

void
unit_add(const char *name, unit_fn *fn, const void *aux)
{
    if (n_cases >= allocated_cases) {
        cases = x2nrealloc(cases, &allocated_cases, sizeof *cases);
    }
    cases[n_cases++] = (struct unit_case){xstrdup(name), fn, aux};
}

void
unit_fail(const char *file, int line, const char *format, ...)
{
    if (failure) {
        return;
    }
    va_list args;
    va_start(args, format);
    char *reason = xvasprintf(format, args);
    va_end(args);
    failure = xasprintf("%s (%s:%d)", reason, file, line);
    free(reason);
}

/* ---------------------------------------------------------------------- */
/* Fake NICs. */

struct xpif_link unit_nics[4];
size_t unit_n_nics;

int
unit_scan(struct xpif_link **links, size_t *n)
{
    *links = xcalloc(unit_n_nics ? unit_n_nics : 1, sizeof **links);
    *n = unit_n_nics;
    for (size_t i = 0; i < unit_n_nics; i++) {
        (*links)[i] = unit_nics[i];
        (*links)[i].device = xstrdup(unit_nics[i].device);
        (*links)[i].mac = xstrdup(unit_nics[i].mac);
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Calling the API. */

struct json_object *unit_result;
char *unit_error;
bool unit_changed;

struct shash *unit_vif_stats;

int
unit_callv(struct xrec_db *db, const char *method, const char *const *args,
           size_t n_args)
{
    const struct xapi_env env
        = {.scan = unit_scan, .vif_stats = unit_vif_stats};
    struct json_object *params = json_object_new_object();

    for (size_t i = 0; i < n_args; i++) {
        const char *eq = strchr(args[i], '=');
        char *key = eq ? xmemdup0(args[i], eq - args[i]) : xstrdup(args[i]);
        json_object_object_add(params, key,
                               json_object_new_string(eq ? eq + 1 : ""));
        free(key);
    }
    json_object_put(unit_result);
    free(unit_error);
    int code = xapi_call(db, &env, method, params, &unit_result, &unit_error,
                         &unit_changed);
    json_object_put(params);
    return code;
}

int
unit_call(struct xrec_db *db, const char *method, ...)
{
    const char *args[32];
    size_t n = 0;
    va_list ap;

    va_start(ap, method);
    for (const char *a; (a = va_arg(ap, const char *)) && n < 32;) {
        args[n++] = a;
    }
    va_end(ap);
    return unit_callv(db, method, args, n);
}

int
unit_callf(struct xrec_db *db, const char *method, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *line = xvasprintf(format, args);
    va_end(args);

    const char *argv[16];
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, " ", &save); tok && n < 16;
         tok = strtok_r(NULL, " ", &save)) {
        argv[n++] = tok;
    }
    int code = unit_callv(db, method, argv, n);
    free(line);
    return code;
}

const char *
unit_result_uuid(void)
{
    struct json_object *uuid;
    return (json_object_object_get_ex(unit_result, "uuid", &uuid)
                ? json_object_get_string(uuid)
                : "");
}

char *
unit_db_text(const struct xrec_db *db)
{
    struct json_object *json = xrec_db_to_json(db);
    char *text = xstrdup(json_object_to_json_string(json));
    json_object_put(json);
    return text;
}

char *
unit_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir = xasprintf("%s/xovs-unit.XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        ovs_fatal(errno, "mkdtemp %s", dir);
    }
    return dir;
}

void
unit_rmdir(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    while (d && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            char *path = xasprintf("%s/%s", dir, de->d_name);
            unlink(path);
            free(path);
        }
    }
    if (d) {
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

/* ---------------------------------------------------------------------- */

static bool
selected(const char *name, int argc, char *argv[])
{
    if (argc < 2) {
        return true;
    }
    for (int i = 1; i < argc; i++) {
        if (!strncmp(name, argv[i], strlen(argv[i]))) {
            return true;
        }
    }
    return false;
}

int
main(int argc, char *argv[])
{
    int passed = 0, failed = 0;

    test_records_register();
    test_api_register();
    test_reconcile_register();
    test_store_register();
    void (*const optional[])(void) = {
        test_bond_register,       test_xenstored_register,
        test_emu_register,        test_netback_tx_register,
        test_netback_rx_register, test_netback_register,
        test_dirs_register,       test_vlan_register,
        test_rpc_server_register, test_rbac_register,
        test_portstats_register,  test_xe_register,
        test_sdn_register,        test_pif_nic_register,
        test_ctl_db_register,     test_ctl_host_register,
    };
    for (size_t i = 0; i < ARRAY_SIZE(optional); i++) {
        if (optional[i]) {
            optional[i]();
        }
    }
    for (size_t i = 0; i < n_cases; i++) {
        if (!selected(cases[i].name, argc, argv)) {
            continue;
        }
        failure = NULL;
        cases[i].fn(cases[i].aux);
        if (failure) {
            printf("FAIL %s: %s\n", cases[i].name, failure);
            failed++;
        } else {
            printf("PASS %s\n", cases[i].name);
            passed++;
        }
        free(failure);
        fflush(stdout);
    }
    json_object_put(unit_result);
    free(unit_error);
    for (size_t i = 0; i < n_cases; i++) {
        free(cases[i].name);
    }
    free(cases);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
