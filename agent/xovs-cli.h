/* agent/xovs-cli.h: what the files of the xovs command line share.
 *
 * xovs.c is the xe-style front end (one verb, one request); xovs-top.c
 * adds the live views `xovs top` and `xovs graph`, which call the agent
 * repeatedly; xovs-pki.c `xovs ssl-create-host-cert`, which runs ovs-pki
 * and then one request. */
#ifndef XOVS_CLI_H
#define XOVS_CLI_H 1

#include <stdbool.h>

struct json_object;

/* Sends one request 'method' with 'params' (an object of strings; not
 * consumed) to the agent at 'target' ("unix:PATH").  Returns the result
 * (the caller puts it; json null comes back as an empty object), or NULL
 * with the agent's message in '*error' (malloc'd).  Exits with a message
 * (status 1) when the agent cannot be reached or does not answer. */
struct json_object *xovs_cli_call(const char *target, const char *method,
                                  struct json_object *params, char **error);

/* If 'argv' names the verb top or graph (also as "help top"), runs it and
 * returns true with its exit status in '*rc'; else returns false. */
bool xovs_live_main(int argc, char *argv[], int *rc);

/* The same for ssl-create-host-cert (agent/xovs-pki.c). */
bool xovs_pki_main(int argc, char *argv[], int *rc);
/* `xovs batch` without calls= (xovs-batch.c): reads calls from 'f', one per
 * line ("VERB key=value ..." or a JSON call object), into '*calls' (the
 * JSON array text, malloc'd).  Returns NULL, or a malloc'd message naming
 * the line. */
#include <stdio.h>
char *xovs_batch_read(FILE *f, char **calls);

#endif /* agent/xovs-cli.h */
