/* vlan/vlan.c: VLAN placement and VLAN syntax (see vlan.h). */
#define _GNU_SOURCE 1
#include "vlan/vlan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vlan_placement
vlan_place(const char *bridge, const char *parent_bridge, int tag)
{
    struct vlan_placement p = {bridge, VLAN_NONE};
    if (parent_bridge) {
        p.bridge = parent_bridge;
        p.tag = tag;
    }
    return p;
}

bool
vlan_tag_is_valid(long long int tag)
{
    return tag >= VLAN_TAG_MIN && tag <= VLAN_TAG_MAX;
}

/* Parses a decimal tag from 's' up to 'end'; false if not all digits or
 * out of range. */
static bool
vlan_parse_tag(const char *s, const char *end, int *tag)
{
    if (s == end || end - s > 4) {
        return false;
    }
    int v = 0;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        v = v * 10 + (*p - '0');
    }
    *tag = v;
    return vlan_tag_is_valid(v);
}

static char *
vlan_error(const char *elem, size_t len)
{
    char *msg = NULL;
    if (asprintf(&msg,
                 "trunks: \"%.*s\" is not a VLAN tag or range "
                 "within %d..%d",
                 (int)len, elem, VLAN_TAG_MIN, VLAN_TAG_MAX)
        < 0) {
        abort();
    }
    return msg;
}

char *
vlan_parse_trunks(const char *s, int **tagsp, size_t *n_tagsp)
{
    bool seen[VLAN_TAG_MAX + 1] = {false};
    *tagsp = NULL;
    *n_tagsp = 0;

    while (*s) {
        size_t len = strcspn(s, ",");
        const char *end = s + len;
        const char *dash = memchr(s, '-', len);
        int lo, hi;
        if (dash ? !vlan_parse_tag(s, dash, &lo)
                       || !vlan_parse_tag(dash + 1, end, &hi) || lo > hi
                 : !vlan_parse_tag(s, end, &lo)) {
            return vlan_error(s, len);
        }
        if (!dash) {
            hi = lo;
        }
        for (int t = lo; t <= hi; t++) {
            seen[t] = true;
        }
        s = *end ? end + 1 : end;
    }

    size_t n = 0;
    for (int t = 0; t <= VLAN_TAG_MAX; t++) {
        n += seen[t];
    }
    int *tags = calloc(n ? n : 1, sizeof *tags);
    if (!tags) {
        abort();
    }
    n = 0;
    for (int t = 0; t <= VLAN_TAG_MAX; t++) {
        if (seen[t]) {
            tags[n++] = t;
        }
    }
    *tagsp = tags;
    *n_tagsp = n;
    return NULL;
}

bool
vlan_split_bridge(const char *s, char **bridge, int *tag)
{
    const char *dot = strrchr(s, '.');
    *tag = VLAN_NONE;
    if (dot && !vlan_parse_tag(dot + 1, dot + strlen(dot), tag)) {
        *bridge = NULL;
        return false;
    }
    *bridge = dot ? strndup(s, dot - s) : strdup(s);
    if (!*bridge) {
        abort();
    }
    return true;
}
