/* tests/fuzz/fuzz-metrics-http.c: libFuzzer target for the metrics
 * endpoint's request head parser (agent/metrics.c): any bytes a scraper --
 * anyone who can reach the port -- sends, up to XMET_MAX_REQUEST. */
#include <config.h>

#include <stdint.h>
#include <string.h>
#include "agent/metrics.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The server holds at most XMET_MAX_REQUEST bytes, NUL-terminated. */
    size = MIN(size, XMET_MAX_REQUEST);
    char *head = xmemdup0((const char *)data, size);
    bool head_only;
    enum xmet_request r = xmet_classify_request(head, &head_only);
    if (r == XMET_REQ_METRICS && !strstr(head, "/metrics")) {
        abort(); /* only /metrics is ever served */
    }
    free(head);
    return 0;
}
