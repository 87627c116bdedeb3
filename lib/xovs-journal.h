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

#include <stddef.h>

struct ds;
struct json_object;

/* Appends the journal line of the 'len' bytes of JSON text 'json' (one
 * JSON value, no newline in it), '\n' included, to 'line'. */
void xjournal_format(struct ds *line, const char *json, size_t len);

/* Parses and checks the journal line 'line' of 'len' bytes (without its
 * '\n').  Returns its JSON value, or NULL with '*reason' set to a malloc'd
 * description ("not a journal entry", "checksum mismatch", "not one JSON
 * value"). */
struct json_object *xjournal_parse(const char *line, size_t len,
                                   char **reason);

#endif /* lib/xovs-journal.h */
