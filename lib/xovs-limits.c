/* lib/xovs-limits.c: see xovs-limits.h. */
#include <config.h>

#include "lib/xovs-limits.h"

#include <errno.h>
#include <sys/resource.h>

#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(xovs_limits);

unsigned long
xovs_raise_fd_limit(unsigned long max)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl)) {
        VLOG_WARN("cannot read the fd limit: %s", ovs_strerror(errno));
        return 0;
    }
    rlim_t want = rl.rlim_max;
    if (max && (want == RLIM_INFINITY || want > max)) {
        want = max;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl)) {
            VLOG_WARN("cannot raise the fd limit from %llu to %llu: %s",
                      (unsigned long long)old, (unsigned long long)want,
                      ovs_strerror(errno));
            rl.rlim_cur = old;
        } else {
            VLOG_INFO("fd limit raised from %llu to %llu",
                      (unsigned long long)old, (unsigned long long)want);
        }
    }
    return rl.rlim_cur == RLIM_INFINITY ? (unsigned long)-1
                                        : (unsigned long)rl.rlim_cur;
}
