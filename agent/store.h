/* agent/store.h: the agent's durable copy of its records.
 *
 * A snapshot PATH and a journal PATH.journal (store-journal.c).  Each
 * committed change appends the records it changed to the journal and
 * fsyncs it (xstore_commit(): work and disk writes in proportion to the
 * change, not to the store); loading replays the journal over the snapshot,
 * dropping a torn last entry and refusing corruption anywhere else with the
 * file and byte offset.  When the journal has grown as large as the
 * snapshot (at least 1 MiB), it is folded into a new snapshot (compaction).
 *
 * The snapshot is one JSON file (records.h gives the format).  Saving writes
 * PATH.tmp, fsyncs it, makes the current PATH also PATH.bak (a hard link: the
 * last good records, for recovery), renames PATH.tmp over PATH and fsyncs the
 * directory, so after a crash the file holds either the old or the new
 * records, never a mix, and PATH never goes missing.  Loading
 * refuses a torn, corrupt or invalid file with a message telling the
 * administrator what to do; nothing in this module ever replaces a file it
 * could not read. */
#ifndef XSTORE_H
#define XSTORE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct xrec_db;
struct xstore;

/* Largest store file accepted (bytes): far above 1000 VMs x 7 VIFs. */
#define XSTORE_MAX_SIZE (64 * 1024 * 1024)

/* Loads 'path' into 'db' (initialized and empty).  A missing file is an
 * empty database (xrc_startup_check() then makes sure that is safe).
 * Returns NULL on success, else a malloc'd one-line message ("store PATH is
 * corrupt (...); refusing to start: fix or move it away (the last good
 * records are in PATH.bak: cp PATH.bak PATH)") and leaves 'db' empty.  Does
 * not log. */
char *xstore_load(const char *path, struct xrec_db *db);

/* What xstore_load_ex() found, for xstore_open(). */
struct xstore_load_info {
    long long snapshot_size; /* bytes of PATH (0: none) */
    off_t journal_len;       /* good bytes of PATH.journal */
    size_t n_entries;        /* journal entries replayed */
    bool torn;               /* a torn last entry was dropped */
};
/* xstore_load(), also telling what it found in '*info' (may be NULL). */
char *xstore_load_ex(const char *path, struct xrec_db *db,
                     struct xstore_load_info *info);

/* The open store: where the next change goes.  'journal_len' and
 * 'snapshot_size' from xstore_load_ex(). */
struct xstore *xstore_open(const char *path, off_t journal_len,
                           off_t snapshot_size);
void xstore_close(struct xstore *); /* NULL is fine */

/* Durably records the change from 'before' to 'after' (the whole records
 * before and after one call): appends the records that differ to the
 * journal and fsyncs it; compacts when the journal is large (a failed
 * compaction is not an error: the change is in the journal; see
 * xstore_take_warning()).  Returns NULL on success (also when nothing
 * differs), else a malloc'd message naming the store, the journal and the
 * system error; the journal then holds exactly what it held before.  Does
 * not log. */
char *xstore_commit(struct xstore *, const struct xrec_db *before,
                    const struct xrec_db *after);
/* xstore_commit() of 'change' (records.h), which made the records 'after':
 * the work is in proportion to what the change touched (and the tables
 * other than the VIFs), not to the store. */
struct xrec_change;
char *xstore_commit_change(struct xstore *, const struct xrec_change *change,
                           const struct xrec_db *after);
/* Folds a non-empty journal into a new snapshot of 'db' (the records as
 * loaded plus every committed change), as xovs-agent does when it exits,
 * so that PATH alone holds the store.  Returns NULL, or a malloc'd message
 * (the changes are still safe in the journal). */
char *xstore_checkpoint(struct xstore *, const struct xrec_db *db);
/* The last failed compaction's message (caller frees), or NULL. */
char *xstore_take_warning(struct xstore *);

struct xstore_stats {
    long long journal_bytes;
    unsigned long long n_appends;
    unsigned long long n_compactions;
};
void xstore_get_stats(const struct xstore *, struct xstore_stats *);

/* Internals shared by store.c and store-journal.c. */
struct json_object;
int xstore_read_all(int fd, char **bufp, size_t *lenp);
int xstore_fsync_parent_dir(const char *path);
struct json_object *xstore_diff(const struct xrec_db *before,
                                const struct xrec_db *after);
struct json_object *xstore_change_ops(const struct xrec_change *,
                                      const struct xrec_db *after);
char *xstore_journal_replay(const char *jpath, struct json_object *snapshot,
                            off_t *good_len, size_t *n_entries, bool *torn);

/* Writes 'db' to 'path' durably (see above).  Returns NULL on success, else
 * a malloc'd message naming the file and the system error; the previous
 * file is then intact and PATH.tmp removed.  Does not log. */
char *xstore_save(const char *path, const struct xrec_db *db);

#endif /* agent/store.h */
