/* controller/ctl-journal.c: the journal of xovs-controller's store (see
 * ctl-db.h): the records changed by each committed request, appended to
 * PATH.journal and fsynced before the request is answered, replayed over
 * the snapshot PATH at start-up, and folded into a new snapshot once it has
 * grown as large as the snapshot (compaction), as OVSDB's own log and the
 * agent's store (agent/store-journal.c) do.  A change then costs one short
 * append, whatever the size of the pool.
 *
 * The format is the agent's: one entry per line,
 *
 *   XJ1 <crc32c of JSON, 8 hex digits> <JSON>\n
 *
 * JSON is {"ops": [OP, ...]} where OP is
 *   {"table": T, "uuid": U, "record": {...}}   record U of T is now this, or
 *   {"table": T, "uuid": U, "delete": true}    record U of T is gone;
 * T is a table of the store ("networks", "vifs", "hosts", "acls").  The
 * agent's journal code is not reused: it is written for the agent's typed
 * records and array tables, where the controller's are uuid-keyed objects.
 *
 * An entry holds whole records, so replaying one twice is harmless: a crash
 * after a compaction renamed the new snapshot but before it emptied the
 * journal replays the journal over a snapshot that already holds it.  A
 * last line that is incomplete or fails its checksum is a torn append that
 * nobody was told succeeded: it is dropped (and cut off the file at the
 * next append).  Any other bad line is corruption: loading refuses. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byte-order.h"
#include "controller/ctl-db-private.h"
#include "controller/ctl-db.h"
#include "lib/xovs-journal.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "util.h"

/* The journal is folded into a new snapshot once it is this large, or as
 * large as the snapshot (so the work per change stays O(1) on average). */
#define COMPACT_MIN (1024 * 1024)
static off_t compact_min = COMPACT_MIN;

void
ctl_journal_set_compact_min(long long bytes)
{
    compact_min = bytes > 0 ? bytes : COMPACT_MIN;
}

/* One store's journal.  The stores are known by their snapshot's path
 * (ctl-db.h's functions take a path), one entry each. */
struct ctl_journal {
    char *path;       /* the snapshot */
    char *jpath;      /* PATH.journal */
    int fd;           /* open for writing; -1 before the first append */
    off_t len;        /* its good bytes: the next entry goes there */
    off_t compact_at; /* compact when 'len' reaches this */
    char *warning;    /* a failed compaction, for the caller to log */
    struct ctl_store_stats stats;
};

static struct shash journals = SHASH_INITIALIZER(&journals);

/* At exit (also on SIGTERM), each store's journal is folded into its
 * snapshot, so that PATH alone holds the records, as the agent does. */
static void
ctl_journal_exit_hook(void *aux OVS_UNUSED)
{
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &journals) {
        struct ctl_journal *j = node->data;
        if (j->len > 0) {
            struct json_object *db = NULL;
            free(ctl_store_load(j->path, &db)); /* loading checkpoints */
            json_object_put(db);
        }
    }
}

static off_t
file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) ? 0 : st.st_size;
}

static struct ctl_journal *
ctl_journal_get(const char *path)
{
    struct ctl_journal *j = shash_find_data(&journals, path);
    if (!j) {
        static bool hooked;
        if (!hooked) {
            hooked = true;
            fatal_signal_add_hook(ctl_journal_exit_hook, NULL, NULL, true);
        }
        j = xzalloc(sizeof *j);
        j->path = xstrdup(path);
        j->jpath = xasprintf("%s.journal", path);
        j->fd = -1;
        /* A store not loaded by this process: append after what is
         * there (ctl_store_load() sets the good length). */
        j->len = file_size(j->jpath);
        j->compact_at = MAX(compact_min, file_size(path));
        shash_add(&journals, path, j);
    }
    return j;
}

void
ctl_store_get_stats(const char *path, struct ctl_store_stats *st)
{
    struct ctl_journal *j = ctl_journal_get(path);
    *st = j->stats;
    st->journal_bytes = j->len;
}

/* Applies the ops of one entry to 'db'.  Returns NULL or a malloc'd
 * reason ('db' then partly changed: the caller refuses it all). */
static char *
replay_entry(struct json_object *entry, void *db_)
{
    struct json_object *db = db_;
    struct json_object *ops;
    if (!json_object_is_type(entry, json_type_object)
        || !json_object_object_get_ex(entry, "ops", &ops)
        || !json_object_is_type(ops, json_type_array)) {
        return xstrdup("an entry is not {\"ops\": [...]}");
    }
    size_t n = json_object_array_length(ops);
    for (size_t i = 0; i < n; i++) {
        struct json_object *op = json_object_array_get_idx(ops, i);
        struct json_object *t, *uuid, *record = NULL, *del;
        if (!json_object_object_get_ex(op, "table", &t)
            || !json_object_is_type(t, json_type_string)) {
            return xstrdup("an op has no \"table\"");
        }
        const char *name = json_object_get_string(t);
        struct json_object *table = ctl_table(db, name);
        if (!json_object_is_type(table, json_type_object)) {
            return xasprintf("an op names unknown table \"%.64s\"", name);
        }
        bool is_delete = (json_object_object_get_ex(op, "delete", &del)
                          && json_object_get_boolean(del));
        json_object_object_get_ex(op, "record", &record);
        if (!json_object_object_get_ex(op, "uuid", &uuid)
            || !json_object_is_type(uuid, json_type_string)
            || (!is_delete
                && !json_object_is_type(record, json_type_object))) {
            return xasprintf("a %s op has no uuid or record", name);
        }
        if (is_delete) {
            json_object_object_del(table, json_object_get_string(uuid));
        } else {
            json_object_object_add(table, json_object_get_string(uuid),
                                   json_object_get(record));
        }
    }
    return NULL;
}

char *
ctl_journal_replay(const char *path, struct json_object *db, size_t *n_entries,
                   bool *torn)
{
    struct ctl_journal *j = ctl_journal_get(path);
    *n_entries = 0;
    *torn = false;
    j->len = 0;
    j->compact_at = MAX(compact_min, file_size(path));

    int fd = open(j->jpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return (errno == ENOENT ? NULL
                                : xasprintf("cannot open %s: %s", j->jpath,
                                            ovs_strerror(errno)));
    }
    struct ds buf = DS_EMPTY_INITIALIZER;
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 || buf.length + n > CTL_STORE_MAX_SIZE) {
            char *msg = xasprintf("cannot read %s: %s", j->jpath,
                                  n < 0 ? ovs_strerror(errno)
                                        : "larger than 64 MiB");
            close(fd);
            ds_destroy(&buf);
            return msg;
        }
        ds_put_buffer(&buf, chunk, n);
    }
    close(fd);

    size_t good_len;
    char *msg = xjournal_replay(j->jpath, buf.string, buf.length, replay_entry,
                                db, n_entries, torn, &good_len);
    j->len = good_len;
    ds_destroy(&buf);
    return msg;
}

/* Opens the journal for appending, cutting off a torn tail. */
static int
ctl_journal_open(struct ctl_journal *j)
{
    if (j->fd >= 0) {
        return 0;
    }
    struct stat st;
    bool existed = !stat(j->jpath, &st);
    int fd = open(j->jpath, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return errno;
    }
    int error = 0;
    if (existed && st.st_size != j->len && ftruncate(fd, j->len)) {
        error = errno;
    } else if (!existed) {
        /* The new file's name must survive a crash too. */
        char *dir = xstrdup(j->jpath);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *(slash == dir ? slash + 1 : slash) = '\0';
        }
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd)) {
            error = errno;
        }
        if (dfd >= 0) {
            close(dfd);
        }
        free(dir);
    }
    if (error) {
        close(fd);
        return error;
    }
    j->fd = fd;
    return 0;
}

/* Folds the journal into a new snapshot of 'db'. */
static void
ctl_journal_compact(struct ctl_journal *j, struct json_object *db)
{
    char *error = ctl_store_save(j->path, db);
    if (!error && (ftruncate(j->fd, 0) || fdatasync(j->fd))) {
        error
            = xasprintf("cannot empty %s: %s", j->jpath, ovs_strerror(errno));
    }
    if (!error) {
        j->len = 0;
        j->compact_at = MAX(compact_min, file_size(j->path));
        j->stats.n_compactions++;
        return;
    }
    /* The change is safe in the journal; try again after it has grown by a
     * quarter more, not on every change (the disk may be full). */
    free(j->warning);
    j->warning = error;
    j->compact_at = j->len + MAX(compact_min, j->compact_at) / 4;
}

char *
ctl_journal_checkpoint(const char *path, struct json_object *db)
{
    struct ctl_journal *j = ctl_journal_get(path);
    char *error = ctl_store_save(path, db);
    if (!error && j->len > 0) {
        int err = ctl_journal_open(j);
        if (err || ftruncate(j->fd, 0) || fdatasync(j->fd)) {
            error = xasprintf("store %s: cannot empty %s: %s", path, j->jpath,
                              ovs_strerror(err ? err : errno));
        } else {
            j->len = 0;
        }
    }
    j->compact_at = MAX(compact_min, file_size(path));
    return error;
}

char *
ctl_journal_append(const char *path, struct json_object *ops,
                   struct json_object *db)
{
    struct ctl_journal *j = ctl_journal_get(path);
    int error = ctl_journal_open(j);
    if (error) {
        return xasprintf("store %s: cannot open %s: %s", path, j->jpath,
                         ovs_strerror(error));
    }
    struct json_object *entry = json_object_new_object();
    json_object_object_add(entry, "ops", json_object_get(ops));
    const char *json = json_object_to_json_string_ext(
        entry, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    struct ds line = DS_EMPTY_INITIALIZER;
    xjournal_format(&line, json, strlen(json));
    json_object_put(entry);

    const char *p = line.string;
    size_t left = line.length;
    off_t at = j->len;
    while (left > 0 && !error) {
        ssize_t n = pwrite(j->fd, p, left, at);
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
    if (!error && fdatasync(j->fd)) {
        error = errno;
    }
    ds_destroy(&line);
    if (error) {
        /* Take the partial entry back, so the next one follows the last
         * good one; if even that fails, the next load sees a torn tail
         * (it is the last line) or the next append overwrites it. */
        if (ftruncate(j->fd, j->len) || fdatasync(j->fd)) {
            /* 'j->len' still marks the good end. */
        }
        return xasprintf("store %s: cannot append to %s: %s", path, j->jpath,
                         ovs_strerror(error));
    }
    j->len = at;
    j->stats.n_appends++;
    if (j->len >= j->compact_at) {
        ctl_journal_compact(j, db);
    }
    return NULL;
}

char *
ctl_journal_take_warning(const char *path)
{
    struct ctl_journal *j = ctl_journal_get(path);
    char *w = j->warning;
    j->warning = NULL;
    return w;
}

void
ctl_journal_forget(const char *path)
{
    struct ctl_journal *j = shash_find_and_delete(&journals, path);
    if (j) {
        if (j->fd >= 0) {
            close(j->fd);
        }
        free(j->path);
        free(j->jpath);
        free(j->warning);
        free(j);
    }
}
