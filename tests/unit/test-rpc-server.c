/* tests/unit/test-rpc-server.c: agent/rpc-server (output cap, connection
 * limit, idle timeout) over real unix sockets, and rpc.h's method
 * allow-list. */
#include <config.h>

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/rpc-server.h"
#include "agent/rpc.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

#define REPLY_SIZE (100 * 1024)

struct handler {
    unsigned int n_calls;
};

/* Answers every line with a REPLY_SIZE-byte result. */
static char *
big_handler(void *aux, const char *line OVS_UNUSED, size_t len OVS_UNUSED)
{
    struct handler *h = aux;
    char *reply = xmalloc(REPLY_SIZE + 1);
    h->n_calls++;
    memset(reply, 'x', REPLY_SIZE - 1);
    reply[REPLY_SIZE - 1] = '\n';
    reply[REPLY_SIZE] = '\0';
    return reply;
}

static int
client_connect(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Runs 'server' 'n' times, 1 ms apart. */
static void
spin(struct xrpcs *server, int n)
{
    for (int i = 0; i < n; i++) {
        xrpcs_run(server);
        usleep(1000);
    }
}

static struct xrpcs *
server_create(const char *dir, const struct xrpcs_settings *s,
              struct handler *h, char **pathp)
{
    struct xrpcs *server;
    *pathp = xasprintf("%s/rpc.sock", dir);
    int error = xrpcs_create(*pathp, s, big_handler, h, &server);
    return error ? NULL : server;
}

static void
test_output_cap(const void *aux OVS_UNUSED)
{
    char *dir = unit_tmpdir(), *path;
    struct handler h = {0};
    struct xrpcs_settings s;
    xrpcs_settings_init(&s, "test");
    struct xrpcs *server = server_create(dir, &s, &h, &path);
    CHECK(server, "cannot create the server in %s", dir);

    enum { N = 100 };
    int fd = client_connect(path);
    CHECK(fd >= 0, "cannot connect");
    for (int i = 0; i < N; i++) {
        const char *req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}\n";
        CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req), "write %d",
              i);
    }
    spin(server, 200);
    /* Replies stop at about max_output plus what the kernel buffers. */
    unsigned int bounded = h.n_calls;

    size_t got = 0, want = (size_t)N * REPLY_SIZE;
    char *buf = xmalloc(1 << 16);
    for (int i = 0; i < 20000 && got < want; i++) {
        xrpcs_run(server);
        ssize_t n;
        while ((n = read(fd, buf, 1 << 16)) > 0) {
            got += n;
        }
    }
    free(buf);
    close(fd);
    xrpcs_destroy(server);
    unit_rmdir(dir);
    free(path);
    CHECK(bounded < 40,
          "%u of %d requests answered for a client that reads nothing "
          "(cap %d KiB, replies %d KiB)",
          bounded, N, XRPCS_MAX_OUTPUT_DEFAULT / 1024, REPLY_SIZE / 1024);
    CHECK(h.n_calls == N && got == want,
          "after reading: %u calls, %zu of %zu bytes", h.n_calls, got, want);
}

static void
test_conn_limit(const void *aux OVS_UNUSED)
{
    char *dir = unit_tmpdir(), *path;
    struct handler h = {0};
    struct xrpcs_settings s;
    xrpcs_settings_init(&s, "test");
    s.max_conns = 2;
    struct xrpcs *server = server_create(dir, &s, &h, &path);
    CHECK(server, "cannot create the server in %s", dir);

    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = client_connect(path);
        spin(server, 2);
    }
    char buf[512] = "";
    ssize_t n = read(fds[2], buf, sizeof buf - 1);
    ssize_t n0 = read(fds[0], buf + 256, 1);
    int err0 = errno;
    size_t n_conns = xrpcs_n_conns(server);
    for (int i = 0; i < 3; i++) {
        close(fds[i]);
    }
    xrpcs_destroy(server);
    unit_rmdir(dir);
    free(path);
    CHECK(n > 0 && strstr(buf, "too many connections (2)")
              && strstr(buf, "\"code\":3"),
          "third client got '%s'", n > 0 ? buf : "nothing");
    CHECK(n0 < 0 && err0 == EAGAIN, "first client got something (%zd)", n0);
    CHECK(n_conns == 2, "%zu connections served, want 2", n_conns);
}

static void
test_idle_timeout(const void *aux OVS_UNUSED)
{
    char *dir = unit_tmpdir(), *path;
    struct handler h = {0};
    struct xrpcs_settings s;
    xrpcs_settings_init(&s, "test");
    s.idle_timeout_ms = 100;
    struct xrpcs *server = server_create(dir, &s, &h, &path);
    CHECK(server, "cannot create the server in %s", dir);

    int fd = client_connect(path);
    spin(server, 5);
    size_t before = xrpcs_n_conns(server);
    usleep(150 * 1000);
    spin(server, 2);
    size_t after = xrpcs_n_conns(server);
    char c;
    ssize_t n = read(fd, &c, 1);
    close(fd);
    xrpcs_destroy(server);
    unit_rmdir(dir);
    free(path);
    CHECK(before == 1 && after == 0, "connections: %zu, then %zu", before,
          after);
    CHECK(n == 0, "client did not see EOF (read %zd)", n);
}

static void
test_allow_list(const void *aux OVS_UNUSED)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "uuid", json_object_new_string("u"));
    json_object_object_add(p, "domid", json_object_new_string("3"));
    char *ok1 = xrpc_check_allowed(xrpc_internal_allow, "vif-param-set", p);
    char *ok2
        = xrpc_check_allowed(xrpc_internal_allow, "vif-stats-report", NULL);
    char *bad1 = xrpc_check_allowed(xrpc_internal_allow, "network-destroy", p);
    json_object_object_add(p, "MTU", json_object_new_string("1400"));
    char *bad2 = xrpc_check_allowed(xrpc_internal_allow, "vif-param-set", p);
    json_object_put(p);

    bool ok = !ok1 && !ok2 && bad1 && bad2;
    bool msg1 = bad1 && strstr(bad1, "network-destroy: not allowed");
    bool msg2 = bad2 && strstr(bad2, "MTU: vif-param-set may not set it");
    free(ok1);
    free(ok2);
    free(bad1);
    free(bad2);
    CHECK(ok, "allow-list verdicts wrong");
    CHECK(msg1 && msg2, "allow-list messages wrong");
}

/* pssl: names as --rpc takes them (each daemon checks them at start). */
static void
test_ssl_names(const void *aux OVS_UNUSED)
{
    static const char *const good[] = {
        "pssl:6643",
        "pssl:1",
        "pssl:65535",
        "pssl:6643:198.18.0.1",
        "pssl:6643:[2001:db8::1]",
        "pssl:6643:0.0.0.0",
    };
    static const char *const bad[] = {
        "pssl:",          "pssl:0",
        "pssl:65536",     "pssl:123456",
        "pssl:-1",        "pssl:x",
        "pssl:6643:",     "pssl:6643:host",
        "pssl:6643:[::1", "pssl:6643:2001:db8::1",
        "ssl:6643",       "punix:/x",
    };
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        char *msg = xrpcs_check_ssl_name(good[i]);
        if (msg) {
            unit_fail(__FILE__, __LINE__, "%s: %s", good[i], msg);
            free(msg);
            return;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *msg = xrpcs_check_ssl_name(bad[i]);
        bool named = msg && strstr(msg, bad[i]);
        free(msg);
        CHECK(named, "%s accepted or not named", bad[i]);
    }
}

void
test_rpc_server_register(void)
{
    unit_add("rpc-server/output-cap", test_output_cap, NULL);
    unit_add("rpc-server/conn-limit", test_conn_limit, NULL);
    unit_add("rpc-server/idle-timeout", test_idle_timeout, NULL);
    unit_add("rpc-server/allow-list", test_allow_list, NULL);
    unit_add("rpc-server/ssl-names", test_ssl_names, NULL);
}
