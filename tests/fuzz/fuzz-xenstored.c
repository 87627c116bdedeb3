/* tests/fuzz/fuzz-xenstored.c: libFuzzer target for xovs-xenstored's
 * message parser and dispatcher: the input is the byte stream one client
 * connection sends, against a fresh store with domain 5 introduced and a
 * dom0 observer watching everything (so watch events, permissions checks
 * on events and output limits run too).
 *
 * Byte 0 chooses: bit 0, the client is domain 5 (else dom0); bit 1, the
 * observer never reads (its queue overflows); bits 2-7, how many bytes
 * the client's "socket" delivers at a time (short reads). */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "openvswitch/vlog.h"
#include "util.h"
#include "vif-backend/emu/xenstored/xs-server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
send_msg(struct xs_emu_conn *c, uint32_t type, const char *payload, size_t len)
{
    struct xsd_sockmsg hdr = {.type = type, .len = len};
    size_t space;
    uint8_t *buf = xs_emu_conn_input_buffer(c, &space);
    ovs_assert(space >= sizeof hdr + len);
    memcpy(buf, &hdr, sizeof hdr);
    memcpy(buf + sizeof hdr, payload, len);
    xs_emu_conn_input_added(c, sizeof hdr + len);
    xs_emu_conn_process(c, 1);
}

static void
drain(struct xs_emu_conn *c)
{
    size_t n;
    while (xs_emu_conn_output(c, &n) && n) {
        xs_emu_conn_output_sent(c, n);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialized;
    if (!initialized) {
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
        initialized = true;
    }
    if (!size) {
        return 0;
    }
    uint8_t mode = data[0];
    data++;
    size--;

    struct xs_emu_server_settings st = {
        .quota = XS_EMU_QUOTA_DEFAULT_INIT,
        .output_limit = 64 * 1024,
    };
    st.quota.n_nodes = 64;
    st.quota.n_watches = 8;
    st.quota.n_txns = 4;
    st.quota.n_txn_nodes = 64;
    struct xs_emu_server *srv = xs_emu_server_create(&st, NULL, NULL);
    struct xs_emu_conn *dom0 = xs_emu_conn_create(srv, 0, "dom0");
    send_msg(dom0, XS_INTRODUCE,
             "5\0"
             "0\0"
             "0",
             6);
    send_msg(dom0, XS_MKDIR, "/local/domain/5", 16);
    send_msg(dom0, XS_SET_PERMS, "/local/domain/5\0n5\0r0", 22);
    send_msg(dom0, XS_WATCH, "/\0all", 6);
    send_msg(dom0, XS_WATCH, "@releaseDomain\0rel", 19);
    drain(dom0);

    struct xs_emu_conn *c = (mode & 1 ? xs_emu_conn_create(srv, 5, "dom5")
                                      : xs_emu_conn_create(srv, 0, "client"));
    size_t chunk = (mode >> 2) ? (size_t)(mode >> 2) * 67 : size;
    while (size && !xs_emu_conn_is_closed(c)) {
        size_t space;
        void *buf = xs_emu_conn_input_buffer(c, &space);
        size_t n = MIN(MIN(space, size), chunk);
        if (n) {
            memcpy(buf, data, n);
            xs_emu_conn_input_added(c, n);
            data += n;
            size -= n;
        }
        size_t ran = xs_emu_conn_process(c, 8);
        drain(c);
        if (!(mode & 2)) {
            drain(dom0);
        }
        if (!n && !ran) {
            break;
        }
    }
    xs_emu_conn_process(c, SIZE_MAX);
    xs_emu_conn_destroy(c);
    xs_emu_server_destroy(srv);
    return 0;
}
