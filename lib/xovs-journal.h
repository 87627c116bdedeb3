/* lib/xovs-journal.h: the line format of xovs's append-only journals
 * (xovs-agent's store, agent/store-journal.c, and xovs-controller's,
 * controller/ctl-journal.c):
 *
 *   XJ1 <crc32c of JSON, 8 hex digits> <JSON>\n
 *
 * one line per change, written with one write() and fsync()ed before the
 * change is answered; a torn or corrupt line fails its checksum. */
#ifndef XOVS_JOURNAL_H
#define XOVS_JOURNAL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ds;
struct json_object;

/* Appends the journal line of the 'len' bytes of JSON text 'json' (one
 * JSON value, no newline in it), '\n' included, to 'line'. */
void xjournal_format(struct ds *line, const char *json, size_t len);

/* Replays the 'len' bytes of journal text 'text' (read from 'name', for
 * messages): calls 'apply' with each entry's JSON in order; 'apply'
 * returns NULL or a malloc'd reason the entry cannot be applied.  A last
 * line that is torn or fails its check is an append that was never
 * answered: it is dropped and '*torn' set.  Returns NULL, or a malloc'd
 * message naming 'name' and the byte of the first bad entry (a bad line
 * with entries after it, or one 'apply' refused).  '*n_entries' counts the
 * entries applied, '*good_len' is the length of the text they make up. */
char *xjournal_replay(const char *name, const char *text, size_t len,
                      char *(*apply)(struct json_object *entry, void *aux),
                      void *aux, size_t *n_entries, bool *torn,
                      size_t *good_len);

/* Reads the journal file 'path' (at most 'max' bytes) and replays it as
 * xjournal_replay() does.  A missing file is an empty journal.  Returns
 * NULL or a malloc'd message naming 'path'. */
char *xjournal_load(const char *path, size_t max,
                    char *(*apply)(struct json_object *entry, void *aux),
                    void *aux, size_t *n_entries, bool *torn,
                    size_t *good_len);

/* A journal file open for appending. */
struct xjournal_file {
    char *path; /* PATH.journal */
    int fd;     /* open for writing; -1 before the first write */
    off_t len;  /* its good bytes: the next entry goes there */
    unsigned long long n_appends;
};

/* Starts 'jf' for the journal file 'path' whose first 'len' bytes are good
 * entries (what xjournal_load() said); opening waits for the first write,
 * which cuts off anything after them (a torn append). */
void xjournal_file_init(struct xjournal_file *jf, const char *path, off_t len);
void xjournal_file_destroy(struct xjournal_file *jf);

/* Appends the entry of JSON text 'json' (one value, no newline) and
 * fdatasync()s it.  On failure the partial line is taken back, so the
 * next entry follows the last good one.  Returns 0 or an errno value. */
int xjournal_append(struct xjournal_file *jf, const char *json);

/* Empties the journal (after its entries went into a new snapshot).
 * Returns 0 or an errno value. */
int xjournal_empty(struct xjournal_file *jf);

#endif /* lib/xovs-journal.h */
