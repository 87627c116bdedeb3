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

#endif /* lib/xovs-journal.h */
