/* agent/xovs-batch.c: `xovs batch` without calls=: the calls read from
 * standard input, one per line, as the CLI would take them one by one
 * ("VERB key=value ..."; a value cannot hold a space there: use the
 * calls= JSON form for that) or as a JSON object {"method": VERB,
 * "params": {...}}.  Blank lines and lines starting with '#' are skipped.
 * Names are checked against the verb table here, as for a single verb;
 * the agent checks everything again (api-batch.c). */

#include <config.h>
#include "agent/xovs-cli.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/rpc.h"
#include "util.h"

/* One "VERB key=value ..." line as a call object, or NULL with '*error'. */
static struct json_object *
parse_words(char *line, char **error)
{
    char *save = NULL;
    char *verb_name = strtok_r(line, " \t", &save);
    const struct xrpc_verb *verb = xrpc_verb_find(verb_name);
    if (!verb) {
        *error = xasprintf("unknown verb %.64s", verb_name);
        return NULL;
    }
    struct json_object *params = json_object_new_object();
    for (char *w = strtok_r(NULL, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(w, '=');
        if (!eq || eq == w) {
            *error = xasprintf("%.64s: expected key=value", w);
            json_object_put(params);
            return NULL;
        }
        *eq = '\0';
        char *bad = xrpc_check_param_name(verb, w);
        if (bad || json_object_object_get_ex(params, w, NULL)) {
            *error = bad ? bad : xasprintf("%.64s: given twice", w);
            json_object_put(params);
            return NULL;
        }
        json_object_object_add(params, w, json_object_new_string(eq + 1));
    }
    struct json_object *call = json_object_new_object();
    json_object_object_add(call, "method", json_object_new_string(verb_name));
    json_object_object_add(call, "params", params);
    return call;
}

char *
xovs_batch_read(FILE *f, char **calls)
{
    struct json_object *a = json_object_new_array();
    char *line = NULL, *error = NULL;
    size_t cap = 0;
    ssize_t n;

    for (int lineno = 1; !error && (n = getline(&line, &cap, f)) >= 0;
         lineno++) {
        while (n > 0 && strchr("\r\n \t", line[n - 1])) {
            line[--n] = '\0';
        }
        char *p = line + strspn(line, " \t");
        struct json_object *call = NULL;
        char *why = NULL;
        if (!*p || *p == '#') {
            continue;
        } else if (*p == '{') {
            call = json_tokener_parse(p);
            if (!call || !json_object_is_type(call, json_type_object)) {
                why = xstrdup("not a JSON object");
                json_object_put(call);
                call = NULL;
            }
        } else {
            call = parse_words(p, &why);
        }
        if (call) {
            json_object_array_add(a, call);
        } else {
            error = xasprintf("standard input, line %d: %s", lineno, why);
            free(why);
        }
    }
    free(line);
    if (!error && !json_object_array_length(a)) {
        error = xstrdup("no calls (give calls=JSON, or one call per line on "
                        "standard input)");
    }
    if (!error) {
        *calls = xstrdup(json_object_to_json_string_ext(
            a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    json_object_put(a);
    return error;
}
