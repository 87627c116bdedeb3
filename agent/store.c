/* agent/store.c: load and durably save the records file (see store.h). */

#include <config.h>
#include "agent/store.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/records.h"
#include "lib/xovs-file.h"
#include "util.h"

#define REFUSE "refusing to start: fix or move it away"

/* REFUSE, plus how to get the last good records back if PATH.bak exists. */
static char *
refuse(const char *path)
{
    char *bak = xasprintf("%s.bak", path);
    struct stat st;
    char *s = (!stat(bak, &st)
                   ? xasprintf(REFUSE " (the last good records are in %s: "
                                      "cp %s %s)",
                               bak, bak, path)
                   : xstrdup(REFUSE));
    free(bak);
    return s;
}

/* Parses 'len' bytes of 'buf' as exactly one JSON value.  On error returns
 * NULL and stores a malloc'd reason in '*reason'. */
static struct json_object *
parse_json(const char *buf, size_t len, char **reason)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *json = NULL;

    if (len > INT_MAX) {
        *reason = xstrdup("file too large");
    } else if (!len) {
        *reason = xstrdup("file is empty");
    } else {
        json = json_tokener_parse_ex(tok, buf, len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);

        if (!json && jerr == json_tokener_continue) {
            *reason = xasprintf("json parse error at byte %zu: unexpected "
                                "end of file (torn write?)",
                                len);
        } else if (!json || jerr != json_tokener_success) {
            *reason = xasprintf("json parse error at byte %zu: %s", end,
                                json_tokener_error_desc(jerr));
            json_object_put(json);
            json = NULL;
        } else {
            while (end < len && strchr(" \t\r\n", buf[end])) {
                end++;
            }
            if (end < len) {
                *reason = xasprintf("json parse error at byte %zu: trailing "
                                    "data after the records",
                                    end);
                json_object_put(json);
                json = NULL;
            }
        }
    }
    json_tokener_free(tok);
    return json;
}

char *
xstore_load(const char *path, struct xrec_db *db)
{
    return xstore_load_ex(path, db, NULL);
}

char *
xstore_load_ex(const char *path, struct xrec_db *db,
               struct xstore_load_info *info)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf = NULL, *reason = NULL;
    size_t len = 0;
    struct json_object *json;
    struct xstore_load_info dummy;

    info = info ? info : &dummy;
    memset(info, 0, sizeof *info);
    char *msg = NULL;
    if (fd < 0 && errno == ENOENT) {
        json = json_object_new_object();
        xrec_json_put_int(json, "version", XREC_STORE_VERSION);
    } else {
        if (fd < 0) {
            reason = xasprintf(": cannot open: %s", ovs_strerror(errno));
            goto refused;
        }
        int error = xovs_read_fd(fd, XSTORE_MAX_SIZE, &buf, &len);
        close(fd);
        if (error) {
            reason = xasprintf(": cannot read: %s", error == EFBIG
                                                        ? "larger than 64 MiB"
                                                        : ovs_strerror(error));
            goto refused;
        }

        json = parse_json(buf, len, &reason);
        free(buf);
        if (!json) {
            char *r = xasprintf(" is corrupt (%s)", reason);
            free(reason);
            reason = r;
            goto refused;
        }
        info->snapshot_size = len;
    }

    /* The changes since the snapshot (store-journal.c). */
    char *jpath = xasprintf("%s.journal", path);
    reason = xstore_journal_replay(jpath, json, &info->journal_len,
                                   &info->n_entries, &info->torn);
    free(jpath);
    if (reason) {
        char *r = xasprintf(": journal %s", reason);
        free(reason);
        reason = r;
        json_object_put(json);
        goto refused;
    }
    reason = xrec_db_from_json(json, db);
    json_object_put(json);
    if (reason) {
        char *r = xasprintf(" is invalid (%s)", reason);
        free(reason);
        reason = r;
        goto refused;
    }
    return NULL;

refused:;
    char *how = refuse(path);
    msg = xasprintf("store %s%s; %s", path, reason, how);
    free(how);
    free(reason);
    return msg;
}

static int
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            return errno;
        }
        buf += n;
        len -= n;
    }
    return 0;
}

/* Makes PATH.bak the current PATH (a hard link, so PATH itself never goes
 * missing): after the rename of the new file, it is the last good store.
 * Returns 0 (also when PATH does not exist yet) or an errno value. */
static int
keep_backup(const char *path)
{
    char *bak = xasprintf("%s.bak", path);
    char *bak_tmp = xasprintf("%s.bak.tmp", path);
    int error = 0;

    unlink(bak_tmp);
    if (link(path, bak_tmp)) {
        error = errno == ENOENT ? 0 : errno;
    } else if (rename(bak_tmp, bak)) {
        error = errno;
        unlink(bak_tmp);
    }
    free(bak);
    free(bak_tmp);
    return error;
}

char *
xstore_save(const char *path, const struct xrec_db *db)
{
    struct json_object *json = xrec_db_to_json(db);
    const char *text = json_object_to_json_string_ext(
        json, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                  | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *tmp = xasprintf("%s.tmp", path);
    const char *step = "create";
    int error = 0;

    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = errno;
    } else {
        step = "write";
        error = write_all(fd, text, strlen(text));
        if (!error) {
            error = write_all(fd, "\n", 1);
        }
        if (!error && fsync(fd)) {
            step = "fsync";
            error = errno;
        }
        if (close(fd) && !error) {
            step = "close";
            error = errno;
        }
    }
    if (!error) {
        step = "keep the previous version of";
        error = keep_backup(path);
    }
    if (!error && rename(tmp, path)) {
        step = "rename";
        error = errno;
    }
    json_object_put(json);

    char *msg = NULL;
    if (error) {
        msg = xasprintf("store %s: cannot %s %s: %s", path, step, tmp,
                        ovs_strerror(error));
        unlink(tmp);
    } else {
        error = xovs_fsync_parent_dir(path);
        if (error) {
            msg = xasprintf("store %s: cannot fsync its directory: %s", path,
                            ovs_strerror(error));
        }
    }
    free(tmp);
    return msg;
}
