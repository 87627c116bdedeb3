/* tests/fuzz/fuzz-records.c: libFuzzer target for the record store's parser
 * (xrec_db_from_json), which reads a file a person may edit or a crash may
 * tear.  Whatever it accepts must survive a round trip unchanged. */
#include <config.h>

#include <json-c/json.h>
#include <stdint.h>
#include <string.h>
#include "agent/records.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *json
        = json_tokener_parse_ex(tok, (const char *)data, size);
    json_tokener_free(tok);
    if (!json) {
        return 0;
    }

    struct xrec_db db;
    xrec_db_init(&db);
    char *error = xrec_db_from_json(json, &db);
    json_object_put(json);
    if (error) {
        /* Rejected: the contract is an empty db and a message. */
        if (db.n_networks || db.n_pifs || db.n_vlans || db.n_vifs) {
            abort();
        }
        free(error);
        return 0;
    }

    struct json_object *out = xrec_db_to_json(&db);
    char *text1 = xstrdup(json_object_to_json_string(out));
    struct xrec_db db2;
    xrec_db_init(&db2);
    error = xrec_db_from_json(out, &db2);
    if (error) {
        abort(); /* What we write, we must read back. */
    }
    struct json_object *out2 = xrec_db_to_json(&db2);
    if (strcmp(text1, json_object_to_json_string(out2))) {
        abort();
    }
    json_object_put(out);
    json_object_put(out2);
    free(text1);
    xrec_db_destroy(&db);
    xrec_db_destroy(&db2);
    return 0;
}
