/* lib/xovs-dirs.c: the xovs run directory and default socket paths (see
 * xovs-dirs.h). */
#include <config.h>

#include "lib/xovs-dirs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

const char *
xovs_rundir(void)
{
    const char *dir = getenv("XOVS_RUNDIR");
    return dir && *dir ? dir : XOVS_RUNDIR_DEFAULT;
}

char *
xovs_default_agent_rpc(void)
{
    return xasprintf("unix:%s/agent.sock", xovs_rundir());
}

char *
xovs_default_unixctl(void)
{
    return xasprintf("%s/%s.ctl", xovs_rundir(), program_name);
}

int
xovs_mkdirs(const char *dir)
{
    if (!*dir) {
        return EINVAL;
    }
    char *copy = xstrdup(dir);
    int error = 0;

    /* Each prefix that ends before a '/', then the whole path. */
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0') {
            continue;
        }
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, 0755) && errno != EEXIST) {
            error = errno;
            break;
        }
        *p = saved;
        if (!saved) {
            break;
        }
    }
    if (!error) {
        struct stat st;
        if (stat(dir, &st)) {
            error = errno;
        } else if (!S_ISDIR(st.st_mode)) {
            error = ENOTDIR;
        }
    }
    free(copy);
    return error;
}

int
xovs_mkdirs_for(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) {
        return 0;
    }
    char *dir = xmemdup0(path, slash - path);
    int error = xovs_mkdirs(dir);
    free(dir);
    return error;
}
