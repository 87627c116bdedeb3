/* lib/xovs-file.h: reading and durably naming files, as xovs's stores
 * (agent/store.c, agent/store-journal.c, controller/ctl-db.c,
 * controller/ctl-journal.c) do it. */
#ifndef XOVS_FILE_H
#define XOVS_FILE_H 1

#include <stddef.h>

/* Reads all of 'fd' into a malloc'd, NUL-terminated '*bufp' of '*lenp'
 * bytes.  Returns 0, EFBIG if it holds more than 'max' bytes, or another
 * errno value ('*bufp' NULL then). */
int xovs_read_fd(int fd, size_t max, char **bufp, size_t *lenp);

/* The same for the file 'path'; ENOENT when it does not exist. */
int xovs_read_file(const char *path, size_t max, char **bufp, size_t *lenp);

/* fsync()s the directory that holds 'path', so that a file just created or
 * renamed there keeps its name across a crash.  Returns 0 or an errno
 * value. */
int xovs_fsync_parent_dir(const char *path);

#endif /* lib/xovs-file.h */
