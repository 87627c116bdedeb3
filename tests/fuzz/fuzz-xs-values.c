/* tests/fuzz/fuzz-xs-values.c: libFuzzer target for how xovs-netback parses
 * the values a frontend writes to xenstore (ring refs, event channels,
 * queue counts, feature flags: vif_parse_uint(); the "rate" key:
 * vif_rate_parse()).  Whatever is accepted must be in range and must be
 * exactly what the text says; nothing else may be accepted. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "vif-backend/vif-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The ranges xenbus.c asks for: flags, queue counts, ring refs/ports. */
static const unsigned long long ranges[][2] = {
    {0, 1},
    {1, 8},
    {0, UINT32_MAX},
    {0, ULLONG_MAX},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64) {
        return 0; /* xenstore values of interest are short */
    }
    /* netback reads values as C strings: they end at a NUL. */
    char *text = xmemdup0((const char *)data, size);
    size_t len = strlen(text);

    for (size_t i = 0; i < ARRAY_SIZE(ranges); i++) {
        unsigned long long v;
        if (vif_parse_uint(text, ranges[i][0], ranges[i][1], &v)) {
            char again[32];
            snprintf(again, sizeof again, "%llu", v);
            /* Accepted: in range and plain decimal digits that mean v
             * (leading zeros aside). */
            const char *digits = text + strspn(text, "0");
            if (v < ranges[i][0] || v > ranges[i][1]
                || strspn(text, "0123456789") != len || !len
                || strcmp(*digits ? digits : "0", again)) {
                abort();
            }
        }
    }

    uint64_t bytes, usec;
    if (vif_rate_parse(text, &bytes, &usec)) {
        char again[64];
        snprintf(again, sizeof again, "%" PRIu64 ",%" PRIu64, bytes, usec);
        if (!bytes || !usec || strspn(text, "0123456789,") != len
            || !strchr(text, ',')) {
            abort();
        }
    }
    free(text);
    return 0;
}
