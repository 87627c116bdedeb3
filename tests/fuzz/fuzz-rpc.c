/* tests/fuzz/fuzz-rpc.c: libFuzzer target for the agent's request path
 * (xapi_handle_line): any bytes a local client sends.  A request must never
 * leave the records in a state the store would refuse to load. */
#include <config.h>

#include <json-c/json.h>
#include <stdint.h>
#include <string.h>
#include "agent/api.h"
#include "agent/pifscan.h"
#include "agent/records.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fake_scan(struct xpif_link **links, size_t *n)
{
    *links = xzalloc(sizeof **links);
    (*links)[0].device = xstrdup("eth1");
    (*links)[0].mac = xstrdup("02:00:00:00:01:01");
    (*links)[0].mtu = 1500;
    (*links)[0].carrier = true;
    *n = 1;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct xapi_env env = {.scan = fake_scan};
    struct xrec_db db;
    xrec_db_init(&db);

    /* Several requests per input, one per line, against one database, so
     * sequences (create then destroy, ...) are explored too. */
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', end - p);
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        bool changed;
        free(xapi_handle_line(&db, &env, p, len, NULL, NULL, &changed));
        p += len + 1;
    }

    struct json_object *json = xrec_db_to_json(&db);
    struct xrec_db check;
    xrec_db_init(&check);
    char *error = xrec_db_from_json(json, &check);
    if (error) {
        abort();
    }
    json_object_put(json);
    xrec_db_destroy(&check);
    xrec_db_destroy(&db);
    return 0;
}
