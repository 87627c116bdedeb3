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

struct json_object *
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
