/* agent/store.h: the agent's durable copy of its records.
 *
 * One JSON file (records.h gives the format).  Saving writes PATH.tmp,
 * fsyncs it, makes the current PATH also PATH.bak (a hard link: the last good
 * records, for recovery), renames PATH.tmp over PATH and fsyncs the
 * directory, so after a crash the file holds either the old or the new
 * records, never a mix, and PATH never goes missing.  Loading
 * refuses a torn, corrupt or invalid file with a message telling the
 * administrator what to do; nothing in this module ever replaces a file it
 * could not read. */
#ifndef XSTORE_H
#define XSTORE_H 1

struct xrec_db;

/* Largest store file accepted (bytes): far above 1000 VMs x 7 VIFs. */
#define XSTORE_MAX_SIZE (64 * 1024 * 1024)

/* Loads 'path' into 'db' (initialized and empty).  A missing file is an
 * empty database (xrc_startup_check() then makes sure that is safe).
 * Returns NULL on success, else a malloc'd one-line message ("store PATH is
 * corrupt (...); refusing to start: fix or move it away (the last good
 * records are in PATH.bak: cp PATH.bak PATH)") and leaves 'db' empty.  Does
 * not log. */
char *xstore_load(const char *path, struct xrec_db *db);

/* Writes 'db' to 'path' durably (see above).  Returns NULL on success, else
 * a malloc'd message naming the file and the system error; the previous
 * file is then intact and PATH.tmp removed.  Does not log. */
char *xstore_save(const char *path, const struct xrec_db *db);

#endif /* agent/store.h */
