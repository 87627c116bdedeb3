/* bonding/bond.c: bond modes, properties, plan and status (see bond.h). */
#define _GNU_SOURCE 1
#include "bonding/bond.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[] = {
    [BOND_MODE_BALANCE_SLB] = "balance-slb",
    [BOND_MODE_ACTIVE_BACKUP] = "active-backup",
    [BOND_MODE_LACP] = "lacp",
};

#define BOND_N_MODES (sizeof mode_names / sizeof mode_names[0])

const char *
bond_mode_to_string(enum bond_mode mode)
{
    return (unsigned)mode < BOND_N_MODES ? mode_names[mode] : "<invalid>";
}

bool
bond_mode_from_string(const char *s, enum bond_mode *mode)
{
    for (size_t i = 0; i < BOND_N_MODES; i++) {
        if (!strcmp(s, mode_names[i])) {
            *mode = i;
            return true;
        }
    }
    return false;
}

static char *bond_reason(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* A malloc'd message; running out of memory is fatal, as in xmalloc(). */
static char *
bond_reason(const char *format, ...)
{
    va_list args;
    char *s;

    va_start(args, format);
    if (vasprintf(&s, format, args) < 0) {
        abort();
    }
    va_end(args);
    return s;
}

/* Parses all of 's' as a decimal in min..max. */
static bool
bond_parse_ms(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    if (!isdigit((unsigned char)*s) || strlen(s) > 10) {
        return false;
    }
    v = strtol(s, &end, 10);
    if (*end || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* The properties a Bond may carry; see bond.h. */
enum bond_prop_kind {
    PROP_CHOICE, /* one of 'choices' */
    PROP_RANGE,  /* decimal in min..max */
};

struct bond_prop_def {
    const char *key;
    enum bond_prop_kind kind;
    const char *choices[3]; /* PROP_CHOICE */
    long min, max;          /* PROP_RANGE */
    bool lacp_only;
};

static const struct bond_prop_def prop_defs[] = {
    {"hashing_algorithm",
     PROP_CHOICE,
     {"src_mac", "tcpudp_ports"},
     0,
     0,
     true},
    {"lacp-time", PROP_CHOICE, {"fast", "slow"}, 0, 0, false},
    {"lacp-fallback-ab", PROP_CHOICE, {"true", "false"}, 0, 0, false},
    {"lacp-aggregation-key", PROP_RANGE, {NULL}, 1, 65535, false},
    {"updelay", PROP_RANGE, {NULL}, 0, BOND_DELAY_MAX, false},
    {"downdelay", PROP_RANGE, {NULL}, 0, BOND_DELAY_MAX, false},
    {"miimon", PROP_RANGE, {NULL}, 1, BOND_DELAY_MAX, false},
    {"use_carrier", PROP_CHOICE, {"1", "0"}, 0, 0, false},
    {"rebalance-interval", PROP_RANGE, {NULL}, 0, BOND_DELAY_MAX, false},
};

#define BOND_N_PROPS (sizeof prop_defs / sizeof prop_defs[0])

static const struct bond_prop_def *
bond_find_prop(const char *key)
{
    for (size_t i = 0; i < BOND_N_PROPS; i++) {
        if (!strcmp(prop_defs[i].key, key)) {
            return &prop_defs[i];
        }
    }
    return NULL;
}

char *
bond_check_property(enum bond_mode mode, const char *key, const char *value)
{
    const struct bond_prop_def *def = bond_find_prop(key);

    if (!def) {
        return bond_reason("unknown property (known: hashing_algorithm, "
                           "lacp-time, lacp-fallback-ab, "
                           "lacp-aggregation-key, updelay, downdelay, "
                           "miimon, use_carrier, rebalance-interval)");
    }
    if (def->lacp_only && mode != BOND_MODE_LACP) {
        return bond_reason("only applies to mode lacp, and this bond's "
                           "mode is %s",
                           bond_mode_to_string(mode));
    }
    if (def->kind == PROP_CHOICE) {
        for (size_t i = 0; i < 3 && def->choices[i]; i++) {
            if (!strcmp(value, def->choices[i])) {
                return NULL;
            }
        }
        return bond_reason("\"%.64s\" is not %s or %s", value, def->choices[0],
                           def->choices[1]);
    }
    long v;
    if (!bond_parse_ms(value, def->min, def->max, &v)) {
        return bond_reason("\"%.64s\" is not a number in %ld..%ld%s", value,
                           def->min, def->max,
                           strcmp(key, "lacp-aggregation-key") ? " (ms)" : "");
    }
    return NULL;
}

/* The valid value of property 'key' in 's', or NULL. */
static const char *
bond_prop(const struct bond_settings *s, const char *key)
{
    for (size_t i = 0; i < s->n_properties; i++) {
        const struct bond_property *p = &s->properties[i];
        if (!strcmp(p->key, key)) {
            char *bad = bond_check_property(s->mode, key, p->value);
            free(bad);
            return bad ? NULL : p->value;
        }
    }
    return NULL;
}

static long
bond_prop_ms(const struct bond_settings *s, const char *key, long def)
{
    const char *v = bond_prop(s, key);
    return v ? strtol(v, NULL, 10) : def;
}

static void bond_plan_add(struct bond_plan *plan, const char *key,
                          const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void
bond_plan_add(struct bond_plan *plan, const char *key, const char *format, ...)
{
    if (plan->n_other_config >= BOND_PLAN_MAX_OPTIONS) {
        abort(); /* BOND_PLAN_MAX_OPTIONS is too small: a bug here. */
    }
    struct bond_option *o = &plan->other_config[plan->n_other_config++];
    va_list args;

    o->key = key;
    va_start(args, format);
    vsnprintf(o->value, sizeof o->value, format, args);
    va_end(args);
}

void
bond_plan_build(const struct bond_settings *s, struct bond_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    bool lacp = s->mode == BOND_MODE_LACP;
    const char *hash = bond_prop(s, "hashing_algorithm");

    switch (s->mode) {
    case BOND_MODE_ACTIVE_BACKUP:
        plan->bond_mode = "active-backup";
        break;
    case BOND_MODE_LACP:
        plan->bond_mode = (hash && !strcmp(hash, "src_mac") ? "balance-slb"
                                                            : "balance-tcp");
        break;
    case BOND_MODE_BALANCE_SLB:
    default:
        plan->bond_mode = "balance-slb";
        break;
    }
    plan->lacp = lacp ? "active" : "off";
    plan->updelay = bond_prop_ms(s, "updelay", BOND_DEFAULT_UPDELAY);
    plan->downdelay = bond_prop_ms(s, "downdelay", BOND_DEFAULT_DOWNDELAY);

    const char *carrier = bond_prop(s, "use_carrier");
    if (carrier && !strcmp(carrier, "0")) {
        bond_plan_add(plan, "bond-detect-mode", "miimon");
        bond_plan_add(plan, "bond-miimon-interval", "%ld",
                      bond_prop_ms(s, "miimon", BOND_DEFAULT_MIIMON));
    } else {
        bond_plan_add(plan, "bond-detect-mode", "carrier");
    }
    if (strcmp(plan->bond_mode, "active-backup")) {
        bond_plan_add(
            plan, "bond-rebalance-interval", "%ld",
            bond_prop_ms(s, "rebalance-interval", BOND_DEFAULT_REBALANCE));
    }
    if (lacp) {
        const char *t = bond_prop(s, "lacp-time");
        const char *fb = bond_prop(s, "lacp-fallback-ab");
        bond_plan_add(plan, "lacp-time", "%s", t ? t : "slow");
        bond_plan_add(plan, "lacp-fallback-ab", "%s", fb ? fb : "true");
        const char *key = bond_prop(s, "lacp-aggregation-key");
        if (key) {
            snprintf(plan->member_aggregation_key,
                     sizeof plan->member_aggregation_key, "%s", key);
        }
    }
    if (s->primary && *s->primary) {
        bond_plan_add(plan, "bond-primary", "%.15s", s->primary);
    }
}

const char *
bond_plan_get(const struct bond_plan *plan, const char *key)
{
    for (size_t i = 0; i < plan->n_other_config; i++) {
        if (!strcmp(plan->other_config[i].key, key)) {
            return plan->other_config[i].value;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Status.
 *
 * The text comes from ovs-vswitchd's unixctl commands (ofproto/bond.c
 * bond_print_details(), ofproto/lacp.c lacp_print_details()), e.g.
 *
 *   ---- bond0 ----                 ---- bond0 ----
 *   bond_mode: balance-tcp            status: active negotiated
 *   lacp_status: negotiated           sys_id: 72:8b:28:2d:d2:4c
 *   lacp_fallback_ab: false           ...
 *   active member mac: MAC(eth2)    member: eth1: current attached
 *                                     ...
 *   member eth1: enabled              partner sys_id: ca:2c:4a:f3:1e:49
 *     may_enable: true
 *   member eth2: enabled
 *     active member
 *
 * Parsing is line by line and tolerant: OVS versions differ in details
 * ("slave" before 2.14), and nothing here may crash on any input. */

void
bond_status_init(struct bond_status *st)
{
    memset(st, 0, sizeof *st);
}

/* Copies at most 'size' - 1 bytes of 's' up to 'end' into 'dst'. */
static void
bond_copy(char *dst, size_t size, const char *s, const char *end)
{
    size_t len = end - s;
    if (len >= size) {
        len = size - 1;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* Copies the value of "KEY: VALUE" line 'line' (of 'len' bytes) into 'dst'
 * if the line (after leading blanks) starts with 'key'; returns whether it
 * did. */
static bool
bond_line_value(const char *line, size_t len, const char *key, char *dst,
                size_t size)
{
    const char *end = line + len;
    size_t klen = strlen(key);

    while (line < end && (*line == ' ' || *line == '\t')) {
        line++;
    }
    if ((size_t)(end - line) < klen || memcmp(line, key, klen)) {
        return false;
    }
    line += klen;
    while (line < end && *line == ' ') {
        line++;
    }
    while (end > line && (end[-1] == ' ' || end[-1] == '\r')) {
        end--;
    }
    bond_copy(dst, size, line, end);
    return true;
}

struct bond_member_status *
bond_status_find_member(struct bond_status *st, const char *name)
{
    for (size_t i = 0; i < st->n_members; i++) {
        if (!strcmp(st->members[i].name, name)) {
            return &st->members[i];
        }
    }
    return NULL;
}

/* The member called 'name', added if new; NULL if there is no room. */
static struct bond_member_status *
bond_status_member(struct bond_status *st, const char *name)
{
    struct bond_member_status *m = bond_status_find_member(st, name);
    if (!m && st->n_members < BOND_STATUS_MAX_MEMBERS && *name) {
        m = &st->members[st->n_members++];
        memset(m, 0, sizeof *m);
        snprintf(m->name, sizeof m->name, "%s", name);
    }
    return m;
}

/* The length of the line at 'line', without its newline. */
static size_t
bond_line_len(const char *line)
{
    const char *nl = strchr(line, '\n');
    return nl ? (size_t)(nl - line) : strlen(line);
}

/* The line after the one at 'line', or NULL at the end of the text. */
static const char *
bond_next_line(const char *line)
{
    const char *nl = strchr(line, '\n');
    return nl && nl[1] ? nl + 1 : NULL;
}

/* If 'line' is "PREFIX NAME: REST", copies NAME into 'name' and returns a
 * pointer to REST (within 'line'); else NULL. */
static const char *
bond_member_line(const char *line, size_t len, const char *prefix, char *name,
                 size_t size)
{
    size_t plen = strlen(prefix);
    const char *end = line + len;

    if (len <= plen || memcmp(line, prefix, plen)) {
        return NULL;
    }
    const char *p = line + plen;
    const char *colon = memchr(p, ':', end - p);
    if (!colon || colon == p) {
        return NULL;
    }
    bond_copy(name, size, p, colon);
    return colon + 1;
}

/* True if the 'len' bytes at 's' contain the word 'word'. */
static bool
bond_has_word(const char *s, size_t len, const char *word)
{
    size_t wlen = strlen(word);
    for (size_t i = 0; i + wlen <= len; i++) {
        if (!memcmp(s + i, word, wlen) && (i == 0 || s[i - 1] == ' ')
            && (i + wlen == len || s[i + wlen] == ' '
                || s[i + wlen] == '\r')) {
            return true;
        }
    }
    return false;
}

bool
bond_status_parse_bond_show(const char *text, struct bond_status *st)
{
    struct bond_member_status *cur = NULL;
    bool seen = false;
    char buf[64];

    for (const char *line = text; line && *line; line = bond_next_line(line)) {
        size_t len = bond_line_len(line);
        char name[BOND_NAME_MAX + 1];
        const char *rest;

        if (bond_line_value(line, len, "bond_mode:", st->bond_mode,
                            sizeof st->bond_mode)) {
            seen = true;
        } else if (bond_line_value(line, len, "lacp_status:", st->lacp_status,
                                   sizeof st->lacp_status)) {
        } else if (bond_line_value(line, len, "lacp_fallback_ab:", buf,
                                   sizeof buf)) {
            st->fallback_ab = !strcmp(buf, "true");
        } else if (bond_line_value(line, len, "active member mac:", buf,
                                   sizeof buf)
                   || bond_line_value(line, len, "active slave mac:", buf,
                                      sizeof buf)) {
            /* "MAC(NAME)", or "00:00:00:00:00:00(none)" */
            char *paren = strchr(buf, '(');
            char *close = paren ? strchr(paren, ')') : NULL;
            if (paren && close) {
                bond_copy(st->active_mac, sizeof st->active_mac, buf, paren);
                bond_copy(st->active_member, sizeof st->active_member,
                          paren + 1, close);
                if (!strcmp(st->active_member, "none")) {
                    st->active_member[0] = '\0';
                    st->active_mac[0] = '\0';
                }
            }
        } else if ((rest = bond_member_line(line, len, "member ", name,
                                            sizeof name))
                   || (rest = bond_member_line(line, len, "slave ", name,
                                               sizeof name))) {
            cur = bond_status_member(st, name);
            if (cur) {
                size_t rlen = len - (rest - line);
                cur->enabled = bond_has_word(rest, rlen, "enabled");
            }
        } else if (cur
                   && bond_line_value(line, len, "may_enable:", buf,
                                      sizeof buf)) {
            cur->may_enable = !strcmp(buf, "true");
        } else if (cur
                   && (bond_line_value(line, len, "active member", buf,
                                       sizeof buf)
                       || bond_line_value(line, len, "active slave", buf,
                                          sizeof buf))
                   && !*buf) {
            cur->active = true;
        }
    }
    for (size_t i = 0; i < st->n_members && !st->active_member[0]; i++) {
        if (st->members[i].active) {
            snprintf(st->active_member, sizeof st->active_member, "%s",
                     st->members[i].name);
        }
    }
    return seen;
}

bool
bond_status_parse_lacp_show(const char *text, struct bond_status *st)
{
    struct bond_member_status *cur = NULL;
    bool seen = false, negotiated = false;
    char buf[64];

    for (const char *line = text; line && *line; line = bond_next_line(line)) {
        size_t len = bond_line_len(line);
        char name[BOND_NAME_MAX + 1];
        const char *rest;

        if (!cur && bond_line_value(line, len, "status:", buf, sizeof buf)) {
            /* "active negotiated", "passive", "active" ... */
            seen = true;
            negotiated = bond_has_word(buf, strlen(buf), "negotiated");
        } else if (!cur
                   && bond_line_value(line, len, "sys_id:", buf, sizeof buf)) {
            snprintf(st->sys_id, sizeof st->sys_id, "%.17s", buf);
        } else if ((rest = bond_member_line(line, len, "member: ", name,
                                            sizeof name))
                   || (rest = bond_member_line(line, len, "slave: ", name,
                                               sizeof name))) {
            cur = bond_status_member(st, name);
            if (cur) {
                size_t rlen = len - (rest - line);
                cur->lacp_current = bond_has_word(rest, rlen, "current");
                cur->lacp_attached = bond_has_word(rest, rlen, "attached");
                cur->lacp_defaulted = bond_has_word(rest, rlen, "defaulted");
                cur->lacp_expired = bond_has_word(rest, rlen, "expired");
            }
        } else if (cur
                   && bond_line_value(line, len, "partner sys_id:", buf,
                                      sizeof buf)) {
            snprintf(cur->partner_sys_id, sizeof cur->partner_sys_id, "%.17s",
                     buf);
            if (!strcmp(cur->partner_sys_id, "00:00:00:00:00:00")) {
                cur->partner_sys_id[0] = '\0';
            }
        }
    }
    /* The partner: the one every current member agrees on (the first
     * current member's), so a defaulted member does not hide it. */
    bool any_current = false;
    for (size_t i = 0; i < st->n_members; i++) {
        const struct bond_member_status *m = &st->members[i];
        any_current |= m->lacp_current;
        if (m->lacp_current && m->partner_sys_id[0]
            && !st->partner_sys_id[0]) {
            snprintf(st->partner_sys_id, sizeof st->partner_sys_id, "%s",
                     m->partner_sys_id);
        }
    }
    /* OVS's "negotiated" is only a partner's agreement if some member heard
     * that partner: a member that is registered, or whose carrier changed,
     * is "expired" for 3 s (OVS's rx timer), and OVS counts expired members
     * as aggregatable, so a bond that has never heard an LACPDU reads
     * "negotiated" until that timer runs out.  That window is
     * "negotiating"; this text and its members are one snapshot, so it
     * overrides bond/show's copy of the same flag. */
    if (seen) {
        snprintf(st->lacp_status, sizeof st->lacp_status, "%s",
                 !negotiated   ? "configured"
                 : any_current ? "negotiated"
                               : "negotiating");
    }
    return seen;
}

char *
bond_member_summary(const struct bond_member_status *m, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s%s%s%s%s", m->enabled ? "enabled" : "disabled",
             m->active ? ", active" : "",
             m->lacp_current || m->lacp_attached || m->lacp_defaulted
                     || m->lacp_expired
                 ? ", lacp"
                 : "",
             m->lacp_current ? " current" : "",
             m->lacp_expired ? " expired" : "",
             m->lacp_defaulted ? " defaulted" : "",
             m->lacp_attached ? " attached" : "");
    return buf;
}
