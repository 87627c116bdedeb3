/* vif-backend/rate.c: the credit scheduler behind the backend's "rate"
 * xenstore key ("BYTES,USEC": at most BYTES per USEC microseconds), after
 * Linux netback's tx_credit_exceeded()/tx_add_credit().
 *
 * One bucket per VIF (struct vif's 'credit'), shared by all its queues:
 * the key limits what the guest sends, however many queues it spreads that
 * over.  (Linux netback gives every queue the whole rate, so a 4-queue
 * guest may send 4 times the limit.)  xenbus.c stores the parsed key in
 * the VIF (rate_bytes, rate_usec) whenever it changes; vif_rate_take()
 * applies it to the bucket on the next frame, so a new rate takes effect
 * on the running rings, without a reconnect.
 *
 * Credit is charged by the first request's size (the whole frame) before
 * the frame is consumed; when it runs out the TX rings are left alone until
 * the next window, whose start vif_credit_take() reports in 'wake_usec'.
 * Windows follow a fixed grid (window_start advances by whole USECs), so a
 * late wake-up does not stretch a window and the long-run rate is exactly
 * BYTES per USEC.  Each window adds BYTES, capped at max(BYTES, 128 KiB) so
 * a single 64 KiB GSO frame always fits and a long idle period does not
 * build up an unbounded burst; the sum is clamped rather than allowed to
 * wrap. */
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

/* Adds the credit of 'n' windows. */
static void
rate_credit_add(struct vif_credit *c, uint64_t n)
{
    uint64_t max_burst = MAX(c->bytes, CREDIT_MIN_BURST);
    uint64_t add = n > max_burst / c->bytes ? max_burst : n * c->bytes;
    uint64_t sum = c->remaining + add;

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
            uint64_t n = (now_usec - c->window_start) / c->usec;
            c->window_start += n * c->usec;
            rate_credit_add(c, n);
            next = c->window_start + (long long)c->usec;
        }
        if (size > c->remaining) {
            c->wake_usec = next;
            return false;
        }
    }
    c->wake_usec = 0;
    c->remaining -= size;
    return true;
}

void
vif_rate_sync(struct vif *vif, long long now_usec)
{
    struct vif_credit *c = &vif->credit;
    uint64_t usec = vif->rate_bytes ? vif->rate_usec : 0;

    if (c->bytes != vif->rate_bytes || c->usec != usec) {
        vif_credit_set(c, vif->rate_bytes, vif->rate_usec, now_usec);
    }
}

bool
vif_rate_take(struct vif *vif, uint32_t size, long long now_usec)
{
    vif_rate_sync(vif, now_usec);
    return vif_credit_take(&vif->credit, size, now_usec);
}
