/* vif-backend/rate.c: the credit scheduler behind the backend's "rate"
 * xenstore key ("BYTES,USEC": at most BYTES per USEC microseconds), as
 * Linux netback's tx_credit_exceeded()/tx_add_credit().
 *
 * Credit is charged by the first request's size (the whole frame) before
 * the frame is consumed; when it runs out the TX ring is left alone until
 * the next window, whose start vif_credit_take() reports in 'wake_usec'.
 * A window adds BYTES of credit, capped at max(BYTES, 128 KiB) so a single
 * 64 KiB GSO frame always fits and a long idle period does not build up an
 * unbounded burst; the sum is clamped rather than allowed to wrap. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "util.h"
#include "vif-backend/vif-private.h"

#define CREDIT_MIN_BURST (128 * 1024)

bool
vif_parse_uint(const char *text, unsigned long long min,
               unsigned long long max, unsigned long long *value)
{
    unsigned long long v = 0;

    if (!text || !*text || strlen(text) > 20) {
        return false;
    }
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        unsigned int d = *p - '0';
        if (v > (ULLONG_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    if (v < min || v > max) {
        return false;
    }
    *value = v;
    return true;
}

bool
vif_rate_parse(const char *text, uint64_t *bytes, uint64_t *usec)
{
    const char *comma = text ? strchr(text, ',') : NULL;
    unsigned long long b, u;

    if (!comma) {
        return false;
    }
    char *b_text = xmemdup0(text, comma - text);
    bool ok = (vif_parse_uint(b_text, 1, UINT64_MAX / 2, &b)
               && vif_parse_uint(comma + 1, 1, UINT32_MAX, &u));
    free(b_text);
    if (ok) {
        *bytes = b;
        *usec = u;
    }
    return ok;
}

static void
credit_add(struct vif_credit *c)
{
    uint64_t max_burst = MAX(c->bytes, CREDIT_MIN_BURST);
    uint64_t sum = c->remaining + c->bytes;

    if (sum < c->remaining) {
        sum = UINT64_MAX;
    }
    c->remaining = MIN(sum, max_burst);
}

void
vif_credit_set(struct vif_credit *c, uint64_t bytes, uint64_t usec,
               long long now_usec)
{
    bool was_unlimited = !c->bytes;

    c->bytes = bytes;
    c->usec = bytes ? usec : 0;
    c->wake_usec = 0;
    if (bytes && was_unlimited) {
        c->window_start = now_usec;
        c->remaining = bytes;
    }
    c->remaining = MIN(c->remaining, MAX(bytes, CREDIT_MIN_BURST));
}

bool
vif_credit_take(struct vif_credit *c, uint32_t size, long long now_usec)
{
    if (!c->bytes) {
        return true;
    }
    if (size > c->remaining) {
        long long next = c->window_start + (long long)c->usec;
        if (now_usec >= next) {
            c->window_start = now_usec;
            credit_add(c);
        }
        if (size > c->remaining) {
            c->wake_usec = next > now_usec ? next : now_usec + c->usec;
            return false;
        }
    }
    c->wake_usec = 0;
    c->remaining -= size;
    return true;
}
