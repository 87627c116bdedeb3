/* lib/xovs-journal.c: the journal line format and file (lib/xovs-journal.h).
 */
#include <config.h>
#include "lib/xovs-journal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "lib/xovs-file.h"
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

char *
xjournal_load(const char *path, size_t max,
              char *(*apply)(struct json_object *entry, void *aux), void *aux,
              size_t *n_entries, bool *torn, size_t *good_len)
{
    *n_entries = 0;
    *torn = false;
    *good_len = 0;

    char *text;
    size_t len;
    int error = xovs_read_file(path, max, &text, &len);
    if (error == ENOENT) {
        return NULL;
    } else if (error == EFBIG) {
        return xasprintf("cannot read %s: larger than %zu MiB", path,
                         max >> 20);
    } else if (error) {
        return xasprintf("cannot read %s: %s", path, ovs_strerror(error));
    }
    char *msg = xjournal_replay(path, text, len, apply, aux, n_entries, torn,
                                good_len);
    free(text);
    return msg;
}

void
xjournal_file_init(struct xjournal_file *jf, const char *path, off_t len)
{
    jf->path = xstrdup(path);
    jf->fd = -1;
    jf->len = len;
    jf->n_appends = 0;
}

void
xjournal_file_destroy(struct xjournal_file *jf)
{
    if (jf->fd >= 0) {
        close(jf->fd);
        jf->fd = -1;
    }
    free(jf->path);
    jf->path = NULL;
}

/* Opens the journal for writing, cutting off a torn tail. */
static int
xjournal_open(struct xjournal_file *jf)
{
    if (jf->fd >= 0) {
        return 0;
    }
    struct stat st;
    bool existed = !stat(jf->path, &st);
    int fd = open(jf->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return errno;
    }
    int error = 0;
    if (existed && st.st_size != jf->len && ftruncate(fd, jf->len)) {
        error = errno;
    } else if (!existed) {
        /* The new file's name must survive a crash too. */
        error = xovs_fsync_parent_dir(jf->path);
    }
    if (error) {
        close(fd);
        return error;
    }
    jf->fd = fd;
    return 0;
}

int
xjournal_append(struct xjournal_file *jf, const char *json)
{
    int error = xjournal_open(jf);
    if (error) {
        return error;
    }
    struct ds line = DS_EMPTY_INITIALIZER;
    xjournal_format(&line, json, strlen(json));

    const char *p = line.string;
    size_t left = line.length;
    off_t at = jf->len;
    while (left > 0 && !error) {
        ssize_t n = pwrite(jf->fd, p, left, at);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            error = errno;
        } else {
            p += n;
            left -= n;
            at += n;
        }
    }
    if (!error && fdatasync(jf->fd)) {
        error = errno;
    }
    ds_destroy(&line);
    if (error) {
        /* Take the partial entry back; if even that fails, the next load
         * sees a torn tail (it is the last line) or the next append
         * overwrites it: 'jf->len' still marks the good end. */
        if (ftruncate(jf->fd, jf->len) || fdatasync(jf->fd)) {
            /* Nothing more to do. */
        }
        return error;
    }
    jf->len = at;
    jf->n_appends++;
    return 0;
}

int
xjournal_empty(struct xjournal_file *jf)
{
    int error = xjournal_open(jf);
    if (!error && (ftruncate(jf->fd, 0) || fdatasync(jf->fd))) {
        error = errno;
    }
    if (!error) {
        jf->len = 0;
    }
    return error;
}
