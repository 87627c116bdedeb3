/* lib/xovs-file.c: see lib/xovs-file.h. */
#include <config.h>
#include "lib/xovs-file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

int
xovs_read_fd(int fd, size_t max, char **bufp, size_t *lenp)
{
    size_t len = 0, cap = MIN(4096, max);
    char *buf = xmalloc(cap + 1);

    *bufp = NULL;
    *lenp = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= max) {
                /* Full: one more byte tells "exactly max" from "more". */
                char c;
                ssize_t n = read(fd, &c, 1);
                if (n < 0 && errno == EINTR) {
                    continue;
                } else if (n) {
                    int error = n < 0 ? errno : EFBIG;
                    free(buf);
                    return error;
                }
                break;
            }
            cap = MIN(cap * 2, max);
            buf = xrealloc(buf, cap + 1);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0) {
            int error = errno;
            free(buf);
            return error;
        } else if (!n) {
            break;
        }
        len += n;
    }
    buf[len] = '\0';
    *bufp = buf;
    *lenp = len;
    return 0;
}

int
xovs_read_file(const char *path, size_t max, char **bufp, size_t *lenp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *bufp = NULL;
        *lenp = 0;
        return errno;
    }
    int error = xovs_read_fd(fd, max, bufp, lenp);
    close(fd);
    return error;
}

int
xovs_fsync_parent_dir(const char *path)
{
    char *copy = xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int error = 0;

    if (fd < 0 || fsync(fd)) {
        error = errno;
    }
    if (fd >= 0) {
        close(fd);
    }
    free(copy);
    return error;
}
