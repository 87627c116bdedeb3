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
 * script that fails is logged; the VIF then stays short of Connected. */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"
#include "util.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_hotplug);

#define MAX_CHILDREN 256

struct child {
    pid_t pid;
    char *what; /* "vif3.0 online" */
};

static struct child children[MAX_CHILDREN];
static size_t n_children;

int
vif_hotplug_run(const char *script, const char *action, const struct vif *vif,
                const char *agent_rpc, const char *xenstore_path)
{
    if (!script || !script[0]) {
        return -1;
    }
    if (n_children >= MAX_CHILDREN) {
        vif_hotplug_reap();
        if (n_children >= MAX_CHILDREN) {
            VLOG_WARN("%s: too many hotplug scripts running; %s not run",
                      vif->name, action);
            return -1;
        }
    }

    pid_t pid = fork();
    if (pid < 0) {
        VLOG_WARN("%s: fork for hotplug script failed: %s", vif->name,
                  ovs_strerror(errno));
        return -1;
    }
    if (!pid) {
        /* Child: only async-signal-safe-ish work until exec. */
        for (int fd = 3; fd < 1024; fd++) {
            close(fd);
        }
        signal(SIGPIPE, SIG_DFL);
        setenv("vif", vif->name, 1);
        setenv("netdev", vif->name, 1);
        setenv("XENBUS_TYPE", "vif", 1);
        setenv("XENBUS_BASE_PATH", "backend", 1);
        if (vif->be_path) {
            setenv("XENBUS_PATH", vif->be_path, 1);
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

    children[n_children].pid = pid;
    children[n_children].what = xasprintf("%s %s", vif->name, action);
    n_children++;
    VLOG_INFO("%s: running %s %s (pid %d)", vif->name, script, action,
              (int)pid);
    return pid;
}

void
vif_hotplug_reap(void)
{
    for (size_t i = 0; i < n_children;) {
        int status;
        pid_t r = waitpid(children[i].pid, &status, WNOHANG);

        if (r == 0 || (r < 0 && errno == EINTR)) {
            i++;
            continue;
        }
        if (r > 0 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
            char *s = process_status_msg(status);
            VLOG_WARN("hotplug script for %s failed: %s", children[i].what, s);
            free(s);
        }
        free(children[i].what);
        children[i] = children[--n_children];
    }
}

bool
vif_hotplug_busy(void)
{
    return n_children > 0;
}
