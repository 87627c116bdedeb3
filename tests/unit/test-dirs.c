/* tests/unit/test-dirs.c: lib/xovs-dirs (run directory, default sockets,
 * creating missing directories). */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/xovs-dirs.h"
#include "tests/unit/unit-tests.h"
#include "util.h"

static bool
is_dir(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void
test_rundir_env(const void *aux OVS_UNUSED)
{
    char *saved
        = getenv("XOVS_RUNDIR") ? xstrdup(getenv("XOVS_RUNDIR")) : NULL;
    unsetenv("XOVS_RUNDIR");
    bool default_ok = !strcmp(xovs_rundir(), "/run/xovs");
    char *rpc = xovs_default_agent_rpc();
    bool rpc_ok = !strcmp(rpc, "unix:/run/xovs/agent.sock");
    free(rpc);

    setenv("XOVS_RUNDIR", "/tmp/elsewhere", 1);
    bool env_ok = !strcmp(xovs_rundir(), "/tmp/elsewhere");
    char *ctl = xovs_default_unixctl();
    char *want = xasprintf("/tmp/elsewhere/%s.ctl", program_name);
    bool ctl_ok = !strcmp(ctl, want);
    free(want);
    free(ctl);
    setenv("XOVS_RUNDIR", "", 1);
    bool empty_ok = !strcmp(xovs_rundir(), "/run/xovs");

    if (saved) {
        setenv("XOVS_RUNDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("XOVS_RUNDIR");
    }
    CHECK(default_ok, "rundir without XOVS_RUNDIR is not /run/xovs");
    CHECK(rpc_ok, "default agent socket is not unix:/run/xovs/agent.sock");
    CHECK(env_ok, "XOVS_RUNDIR is not honoured");
    CHECK(ctl_ok, "default control socket is not RUNDIR/PROGRAM.ctl");
    CHECK(empty_ok, "an empty XOVS_RUNDIR is not the default");
}

static void
test_mkdirs(const void *aux OVS_UNUSED)
{
    char *top = unit_tmpdir();
    char *deep = xasprintf("%s/a/b/c", top);
    char *file = xasprintf("%s/x/y/sock", top);
    char *file_dir = xasprintf("%s/x/y", top);
    char *plain = xasprintf("%s/plain", top);

    int e1 = xovs_mkdirs(deep);
    int e2 = xovs_mkdirs(deep); /* exists: fine */
    int e3 = xovs_mkdirs_for(file);
    bool file_absent = access(file, F_OK) && errno == ENOENT;
    FILE *f = fopen(plain, "w");
    if (f) {
        fclose(f);
    }
    int e4 = xovs_mkdirs(plain);
    bool made = is_dir(deep) && is_dir(file_dir);

    const char *made_dirs[] = {"a/b/c", "a/b", "a", "x/y", "x"};
    for (size_t i = 0; i < ARRAY_SIZE(made_dirs); i++) {
        char *d = xasprintf("%s/%s", top, made_dirs[i]);
        rmdir(d);
        free(d);
    }
    unit_rmdir(top);
    free(deep);
    free(file);
    free(file_dir);
    free(plain);

    CHECK(!e1 && !e2 && !e3, "mkdirs failed: %d %d %d", e1, e2, e3);
    CHECK(made, "directories not created");
    CHECK(file_absent, "mkdirs_for created the file itself");
    CHECK(e4 == ENOTDIR || e4 == EEXIST, "a file in the way gave %d", e4);
    CHECK(xovs_mkdirs("") == EINVAL, "empty path accepted");
    CHECK(!xovs_mkdirs_for("relative-name"), "no-directory path failed");
}

void
test_dirs_register(void)
{
    unit_add("dirs-rundir-env", test_rundir_env, NULL);
    unit_add("dirs-mkdirs", test_mkdirs, NULL);
}
