/* lib/xovs-journal.c: the journal line format (lib/xovs-journal.h). */
#include <config.h>
#include "lib/xovs-journal.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

#define MAGIC "XJ1 "
#define MAGIC_LEN 4
#define CRC_LEN 8

void
xjournal_format(struct ds *line, const char *json, size_t len)
{
    ds_put_format(line, MAGIC "%08" PRIx32 " ",
                  ntohl(crc32c((const uint8_t *)json, len)));
    ds_put_buffer(line, json, len);
    ds_put_char(line, '\n');
}

/* Parses and checks the journal line 'line' of 'len' bytes (without its
 * '\n').  Returns its JSON value, or NULL with '*reason' set to a malloc'd
 * description. */
static struct json_object *
xjournal_parse(const char *line, size_t len, char **reason)
{
    if (len < MAGIC_LEN + CRC_LEN + 2 || memcmp(line, MAGIC, MAGIC_LEN)
        || line[MAGIC_LEN + CRC_LEN] != ' ') {
        *reason = xstrdup("not a journal entry");
        return NULL;
    }
    char hex[CRC_LEN + 1];
    memcpy(hex, line + MAGIC_LEN, CRC_LEN);
    hex[CRC_LEN] = '\0';
    char *end;
    unsigned long want = strtoul(hex, &end, 16);
    const char *json = line + MAGIC_LEN + CRC_LEN + 1;
    size_t jlen = len - (MAGIC_LEN + CRC_LEN + 1);
    if (*end || ntohl(crc32c((const uint8_t *)json, jlen)) != want) {
        *reason = xstrdup("checksum mismatch");
        return NULL;
    }
    struct json_tokener *tok = json_tokener_new();
    struct json_object *obj = json_tokener_parse_ex(tok, json, jlen);
    if (!obj || json_tokener_get_parse_end(tok) != jlen) {
        *reason = xstrdup("not one JSON value");
        json_object_put(obj);
        obj = NULL;
    }
    json_tokener_free(tok);
    return obj;
}

char *
xjournal_replay(const char *name, const char *text, size_t len,
                char *(*apply)(struct json_object *entry, void *aux),
                void *aux, size_t *n_entries, bool *torn, size_t *good_len)
{
    char *msg = NULL;
    size_t ofs = 0;

    while (ofs < len) {
        const char *line = text + ofs;
        const char *nl = memchr(line, '\n', len - ofs);
        size_t llen = nl ? (size_t)(nl - line) : len - ofs;
        bool last = !nl || (size_t)(nl - text) + 1 == len;
        char *reason = NULL;
        struct json_object *entry
            = nl ? xjournal_parse(line, llen, &reason) : NULL;
        if (!entry) {
            if (last) {
                /* A torn append: never answered, dropped. */
                *torn = true;
            } else {
                msg = xasprintf("%s is corrupt at byte %zu (%s) with entries "
                                "after it",
                                name, ofs, reason);
            }
            free(reason);
            break;
        }
        char *bad = apply(entry, aux);
        json_object_put(entry);
        if (bad) {
            msg = xasprintf("%s is corrupt at byte %zu (%s)", name, ofs, bad);
            free(bad);
            break;
        }
        ofs += llen + 1;
        (*n_entries)++;
    }
    *good_len = ofs;
    return msg;
}
