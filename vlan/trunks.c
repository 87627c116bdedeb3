/* vlan/trunks.c: trunk lists and trunk port plans (see trunks.h). */
#define _GNU_SOURCE 1
#include "vlan/trunks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vlan_msg(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

static char *
vlan_msg(const char *format, ...)
{
    va_list args;
    char *msg;

    va_start(args, format);
    if (vasprintf(&msg, format, args) < 0) {
        abort();
    }
    va_end(args);
    return msg;
}

/* Parses a decimal tag from 's' up to 'end'; false if not 1..4 digits or
 * out of range. */
static bool
vlan_parse_tag(const char *s, const char *end, int *tag)
{
    int v = 0;

    if (s == end || end - s > 4) {
        return false;
    }
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        v = v * 10 + (*p - '0');
    }
    *tag = v;
    return v >= VLAN_TAG_MIN && v <= VLAN_TAG_MAX;
}

char *
vlan_parse_trunks(const char *s, int **tagsp, size_t *n_tags, bool *all)
{
    bool seen[VLAN_TAG_MAX + 1] = {false};
    size_t n = 0;

    *tagsp = NULL;
    *n_tags = 0;
    *all = !strcmp(s, "all");
    if (!*all) {
        if (!*s) {
            return vlan_msg("is empty; give \"all\" or tags and ranges "
                            "such as 10,20-25");
        }
        for (;;) {
            size_t len = strcspn(s, ",");
            const char *end = s + len;
            const char *dash = memchr(s, '-', len);
            int lo, hi;

            if (dash ? (!vlan_parse_tag(s, dash, &lo)
                        || !vlan_parse_tag(dash + 1, end, &hi) || lo > hi)
                     : !vlan_parse_tag(s, end, &lo)) {
                return vlan_msg("\"%.*s\" is not a VLAN tag or range "
                                "(low-high) within %d..%d",
                                (int)(len > 32 ? 32 : len), s, VLAN_TAG_MIN,
                                VLAN_TAG_MAX);
            }
            hi = dash ? hi : lo;
            for (int t = lo; t <= hi; t++) {
                seen[t] = true;
            }
            if (!*end) {
                break;
            }
            s = end + 1;
        }
    }
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
    *n_tags = n;
    return NULL;
}

char *
vlan_format_trunks(const int *tags, size_t n_tags, bool all)
{
    /* At most 10 bytes per tag ("4094-4094," is never longer). */
    char *buf, *p;

    buf = calloc(1, all ? 4 : n_tags * 10 + 1);
    if (!buf) {
        abort();
    }
    if (all) {
        return strcpy(buf, "all");
    }
    p = buf;
    for (size_t i = 0; i < n_tags;) {
        size_t j = i;
        while (j + 1 < n_tags && tags[j + 1] == tags[j] + 1) {
            j++;
        }
        p += sprintf(p, "%s%d", i ? "," : "", tags[i]);
        if (j > i) {
            p += sprintf(p, "-%d", tags[j]);
        }
        i = j + 1;
    }
    return buf;
}

static const char *const mode_names[] = {
    [VLAN_MODE_TRUNK] = "trunk",
    [VLAN_MODE_NATIVE_UNTAGGED] = "native-untagged",
    [VLAN_MODE_NATIVE_TAGGED] = "native-tagged",
};

const char *
vlan_mode_to_string(enum vlan_mode mode)
{
    return ((unsigned)mode < sizeof mode_names / sizeof *mode_names
                ? mode_names[mode]
                : "<invalid>");
}

bool
vlan_mode_from_string(const char *s, enum vlan_mode *mode)
{
    for (size_t i = 0; i < sizeof mode_names / sizeof *mode_names; i++) {
        if (!strcmp(s, mode_names[i])) {
            *mode = i;
            return true;
        }
    }
    return false;
}

char *
vlan_check_trunk(const struct vlan_trunk_settings *ts, const char **field)
{
    bool native = ts->mode != VLAN_MODE_TRUNK;

    if (!ts->trunks || !*ts->trunks) {
        if (native || ts->native_vlan != VLAN_NONE) {
            *field = native ? "vlan-mode" : "native-vlan";
            return vlan_msg("the VIF is not a trunk (trunks is empty); set "
                            "trunks= too");
        }
        return NULL;
    }

    int *tags;
    size_t n;
    bool all;
    char *error = vlan_parse_trunks(ts->trunks, &tags, &n, &all);
    if (error) {
        *field = "trunks";
        return error;
    }
    free(tags);
    *field = "native-vlan";
    if (native && ts->native_vlan == VLAN_NONE) {
        return vlan_msg("vlan-mode %s needs the native VLAN "
                        "(native-vlan=%d..%d)",
                        vlan_mode_to_string(ts->mode), VLAN_TAG_MIN,
                        VLAN_TAG_MAX);
    }
    if (!native && ts->native_vlan != VLAN_NONE) {
        return vlan_msg("only for vlan-mode native-untagged or "
                        "native-tagged (vlan-mode is trunk)");
    }
    if (ts->native_vlan != VLAN_NONE
        && (ts->native_vlan < VLAN_TAG_MIN
            || ts->native_vlan > VLAN_TAG_MAX)) {
        return vlan_msg("%d is outside %d..%d", ts->native_vlan, VLAN_TAG_MIN,
                        VLAN_TAG_MAX);
    }
    return NULL;
}

bool
vlan_plan_port(const struct vlan_placement *place,
               const struct vlan_trunk_settings *ts,
               struct vlan_port_plan *plan)
{
    bool all;

    /* A VIF that is not a trunk is an access port, of its VLAN network's
     * tag or, on a plain network, of VLAN 0: OVS drops the 802.1Q frames
     * such a guest sends instead of taking it as a trunk of every VLAN on
     * the bridge (VLAN hopping into the VLAN networks). */
    memset(plan, 0, sizeof *plan);
    plan->tag = place->tag;
    plan->mode = "access";
    if (!ts->trunks || !*ts->trunks) {
        return true;
    }
    if (place->tag != VLAN_NONE) {
        return false;
    }
    char *error
        = vlan_parse_trunks(ts->trunks, &plan->trunks, &plan->n_trunks, &all);
    if (error) {
        abort(); /* vlan_check_trunk() accepted it */
    }
    plan->mode = vlan_mode_to_string(ts->mode);
    plan->tag = ts->mode == VLAN_MODE_TRUNK ? VLAN_NONE : ts->native_vlan;
    return true;
}
