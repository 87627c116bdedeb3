/* tests/unit/unit-tests.h: the unit test runner's harness.
 *
 * Each test file has a register function (listed in unit-tests.c) that adds
 * named cases with unit_add().  A case checks with CHECK(); the first failed
 * check ends the case and becomes its FAIL reason. */
#ifndef UNIT_TESTS_H
#define UNIT_TESTS_H 1

#include <stdbool.h>
#include <stddef.h>

#include "agent/pifscan.h"
#include "compiler.h"

struct json_object;
struct shash;
struct xrec_db;

typedef void unit_fn(const void *aux);

/* Adds case 'name' (copied) running fn('aux'). */
void unit_add(const char *name, unit_fn *fn, const void *aux);

/* Records a failure of the running case (the first one counts). */
void unit_fail(const char *file, int line, const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);

#define CHECK(COND, ...)                                                      \
    do {                                                                      \
        if (!(COND)) {                                                        \
            unit_fail(__FILE__, __LINE__, __VA_ARGS__);                       \
            return;                                                           \
        }                                                                     \
    } while (0)

/* The fake NICs unit_scan() reports (tests edit them freely). */
extern struct xpif_link unit_nics[4];
extern size_t unit_n_nics;
int unit_scan(struct xpif_link **links, size_t *n);

/* Runs 'method' on 'db' with "key=value" arguments (NULL-terminated) and
 * the unit_scan() environment.  Returns xapi_call()'s code; the result,
 * message and change flag stay in unit_result, unit_error, unit_changed
 * until the next call. */
int unit_call(struct xrec_db *db, const char *method, ...) SENTINEL(0);
int unit_callv(struct xrec_db *db, const char *method, const char *const *args,
               size_t n_args);
/* unit_callv() with the space-separated "key=value" arguments made from
 * 'format' (values must not contain spaces; at most 16). */
int unit_callf(struct xrec_db *db, const char *method, const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);
extern struct json_object *unit_result;
/* The VIF counter map unit_call() passes to the API (NULL: none). */
extern struct shash *unit_vif_stats;
extern char *unit_error;
extern bool unit_changed;

/* The "uuid" of unit_result (create verbs); "" if none. */
const char *unit_result_uuid(void);

/* 'db' as its JSON text (malloc'd), to compare before and after. */
char *unit_db_text(const struct xrec_db *db);

/* A fresh temporary directory (malloc'd path); unit_rmdir() removes it and
 * its files. */
char *unit_tmpdir(void);
void unit_rmdir(char *dir);

void test_records_register(void);
void test_api_register(void);
void test_reconcile_register(void);
void test_store_register(void);
/* Registered only when their module is linked in (weak). */
void test_bond_register(void) __attribute__((weak));
void test_xenstored_register(void) __attribute__((weak));
void test_emu_register(void) __attribute__((weak));
void test_netback_tx_register(void) __attribute__((weak));
void test_netback_rx_register(void) __attribute__((weak));
void test_netback_register(void) __attribute__((weak));
void test_dirs_register(void) __attribute__((weak));
void test_sdn_register(void) __attribute__((weak));
void test_xe_register(void) __attribute__((weak));
void test_pif_nic_register(void) __attribute__((weak));
void test_vlan_register(void) __attribute__((weak));
void test_rpc_server_register(void) __attribute__((weak));
void test_rbac_register(void) __attribute__((weak));
void test_portstats_register(void) __attribute__((weak));
void test_ctl_db_register(void) __attribute__((weak));
void test_ctl_host_register(void) __attribute__((weak));

#endif /* tests/unit/unit-tests.h */
