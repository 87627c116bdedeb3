/* vif-backend/hotplug.c: runs the VIF hotplug script (scripts/vif) with
 * Xen's conventions, as udev runs /etc/xen/scripts/vif-* for Linux netback
 * and libxl for xl's script= setting:
 *
 *   argv[1]           online | offline (add | remove are accepted too)
 *   vif, netdev       the port's name, vif<domid>.<devid>
 *   XENBUS_PATH       the backend directory (/local/domain/0/backend/vif/D/N)
 *   XENBUS_TYPE       vif
 *   XENBUS_BASE_PATH  backend
 *   XOVS_RPC          the agent's unix:PATH, when --agent-rpc was given
 *   XENSTORED_PATH    the xenstored socket, when --xenstore was given
 *
 * The script runs in the background; on online it writes
 * hotplug-status=connected, which the xenbus state machine waits for.  A
 * script that fails is logged; the VIF then stays short of Connected.
 *
 * Order and bounds.  Each VIF (by name) has its own queue: at most one of
 * its scripts runs at a time, and they run in the order asked for, so an
 * "offline" never overtakes the "online" before it (which would leave the
 * port plugged after the device went).  The queue holds at most two
 * actions: they alternate (online, offline, ...) and a repeated pair
 * cancels out (online, offline, online queued behind a running offline is
 * the same as one online: the device the last online sees is the one that
 * exists then).  So a guest that makes its VIF go up and down in a loop
 * costs at most one child and two queue entries, whatever the rate.  Over
 * all VIFs at most MAX_CHILDREN scripts run at once; further ones wait in
 * their queues (nothing is dropped).  A script still running after
 * SCRIPT_TIMEOUT_MS is killed, so one that hangs holds up only its own
 * VIF, and only for that long.  The queue of a VIF outlives the VIF
 * itself: the "offline" of a VIF whose directory went still runs. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "process.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_hotplug);

#define MAX_CHILDREN 256        /* scripts running at once, all VIFs */
#define SCRIPT_TIMEOUT_MS 60000 /* then the script is killed */
#define MAX_PENDING 2           /* queued actions per VIF */

/* One VIF's queue (by name: it outlives the struct vif). */
struct hotplug_vif {
    struct hmap_node node;            /* in 'queues', by hash of 'name' */
    char name[16];                    /* "vif3.0" */
    char *be_path;                    /* XENBUS_PATH */
    pid_t pid;                        /* running script, or 0 */
    const char *running;              /* its action */
    long long deadline;               /* time_msec() when it gets killed */
    const char *pending[MAX_PENDING]; /* oldest first */
    size_t n_pending;
};

static char *script, *agent_rpc, *xenstore_path;
static struct hmap queues = HMAP_INITIALIZER(&queues);
static size_t n_running;

void
vif_hotplug_configure(const char *script_, const char *agent_rpc_,
                      const char *xenstore_path_)
{
    free(script);
    free(agent_rpc);
    free(xenstore_path);
    script = script_ && script_[0] ? xstrdup(script_) : NULL;
    agent_rpc = nullable_xstrdup(agent_rpc_);
    xenstore_path = nullable_xstrdup(xenstore_path_);
}

static struct hotplug_vif *
hotplug_find(const char *name)
{
    struct hotplug_vif *h;

    HMAP_FOR_EACH_WITH_HASH (h, node, hash_string(name, 0), &queues) {
        if (!strcmp(h->name, name)) {
            return h;
        }
    }
    return NULL;
}

/* Starts 'h''s first queued action (if fork fails, the action is dropped,
 * logged). */
static void
hotplug_start(struct hotplug_vif *h)
{
    const char *action = h->pending[0];

    h->n_pending--;
    memmove(&h->pending[0], &h->pending[1], h->n_pending * sizeof *h->pending);

    pid_t pid = fork();
    if (pid < 0) {
        VLOG_WARN("%s: fork for hotplug script %s failed: %s", h->name, action,
                  ovs_strerror(errno));
        return;
    }
    if (!pid) {
        /* Child: only async-signal-safe-ish work until exec. */
        for (int fd = 3; fd < 1024; fd++) {
            close(fd);
        }
        signal(SIGPIPE, SIG_DFL);
        setenv("vif", h->name, 1);
        setenv("netdev", h->name, 1);
        setenv("XENBUS_TYPE", "vif", 1);
        setenv("XENBUS_BASE_PATH", "backend", 1);
        if (h->be_path) {
            setenv("XENBUS_PATH", h->be_path, 1);
        }
        if (agent_rpc) {
            setenv("XOVS_RPC", agent_rpc, 1);
        }
        if (xenstore_path) {
            setenv("XENSTORED_PATH", xenstore_path, 1);
        }
        execl(script, script, action, (char *)NULL);
        _exit(127);
    }
    h->pid = pid;
    h->running = action;
    h->deadline = time_msec() + SCRIPT_TIMEOUT_MS;
    n_running++;
    VLOG_INFO("%s: running %s %s (pid %d)", h->name, script, action, (int)pid);
}

void
vif_hotplug_request(const char *action, const char *name, const char *be_path)
{
    if (!script) {
        return;
    }
    struct hotplug_vif *h = hotplug_find(name);
    if (!h) {
        h = xzalloc(sizeof *h);
        ovs_strlcpy(h->name, name, sizeof h->name);
        hmap_insert(&queues, &h->node, hash_string(h->name, 0));
    }
    if (be_path && !nullable_string_is_equal(be_path, h->be_path)) {
        free(h->be_path);
        h->be_path = xstrdup(be_path);
    }

    /* The queue alternates; see the file comment. */
    if (h->n_pending && !strcmp(h->pending[h->n_pending - 1], action)) {
        return; /* the same as the last one queued */
    }
    if (h->n_pending == MAX_PENDING && !strcmp(h->pending[0], action)) {
        h->n_pending = 1; /* A, B, A: A */
        VLOG_DBG("%s: hotplug %s: queued actions coalesced", name, action);
        return;
    }
    ovs_assert(h->n_pending < MAX_PENDING);
    h->pending[h->n_pending++]
        = !strcmp(action, "online") ? "online" : "offline";
    vif_hotplug_run();
}

void
vif_hotplug_run(void)
{
    long long now = time_msec();
    struct hotplug_vif *h;

    /* Reap. */
    HMAP_FOR_EACH (h, node, &queues) {
        if (!h->pid) {
            continue;
        }
        int status;
        pid_t r = waitpid(h->pid, &status, WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR)) {
            if (now >= h->deadline) {
                VLOG_WARN("%s: hotplug script %s still running after %d s: "
                          "killing it (pid %d)",
                          h->name, h->running, SCRIPT_TIMEOUT_MS / 1000,
                          (int)h->pid);
                kill(h->pid, SIGKILL);
                h->deadline = LLONG_MAX; /* reaped next time round */
            }
            continue;
        }
        if (r > 0 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
            char *s = process_status_msg(status);
            VLOG_WARN("%s: hotplug script %s failed: %s", h->name, h->running,
                      s);
            free(s);
        }
        h->pid = 0;
        h->running = NULL;
        n_running--;
    }

    /* Start what waits, within the overall bound; forget idle queues. */
    HMAP_FOR_EACH_SAFE (h, node, &queues) {
        if (!h->pid && h->n_pending && n_running < MAX_CHILDREN) {
            hotplug_start(h);
        }
        if (!h->pid && !h->n_pending) {
            hmap_remove(&queues, &h->node);
            free(h->be_path);
            free(h);
        }
    }
}

void
vif_hotplug_wait(void)
{
    if (!hmap_is_empty(&queues)) {
        poll_timer_wait(100); /* children are reaped by polling */
    }
}

bool
vif_hotplug_busy(const char *name)
{
    return name ? hotplug_find(name) != NULL : !hmap_is_empty(&queues);
}
