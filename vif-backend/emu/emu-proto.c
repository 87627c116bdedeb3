/* vif-backend/emu/emu-proto.c: what both ends of the emulated platform share:
 * the memory layout and sending/receiving struct vif_emu_msg with fds.
 * Linked into xovs-netback (platform-emu.c) and into the guest side. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "util.h"
#include "vif-backend/emu/emu.h"

bool
vif_emu_layout(uint32_t n_grants, uint32_t n_pages, uint64_t *grant_ofs,
               uint64_t *page_ofs, uint64_t *size)
{
    if (!n_grants || n_grants > VIF_EMU_MAX_GRANTS || !n_pages
        || n_pages > VIF_EMU_MAX_PAGES) {
        return false;
    }
    uint64_t table = (uint64_t)n_grants * sizeof(struct grant_entry_v1);
    table = ROUND_UP(table, VIF_EMU_PAGE_SIZE);

    *grant_ofs = VIF_EMU_PAGE_SIZE;
    *page_ofs = *grant_ofs + table;
    *size = *page_ofs + (uint64_t)n_pages * VIF_EMU_PAGE_SIZE;
    return true;
}

const char *
vif_emu_dir(void)
{
    const char *dir = getenv("XOVS_EMU_DIR");

    return dir && dir[0] ? dir : "/run/xovs-emu";
}

char *
vif_emu_sock_path(uint16_t domid)
{
    return xasprintf("%s/dom%u.sock", vif_emu_dir(), (unsigned)domid);
}

int
vif_emu_send(int sock, struct vif_emu_msg *msg, const int *fds, size_t n_fds)
{
    union {
        char buf[CMSG_SPACE(VIF_EMU_MAX_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = msg, .iov_len = sizeof *msg};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

    if (n_fds > VIF_EMU_MAX_FDS) {
        return EINVAL;
    }
    msg->magic = VIF_EMU_MSG_MAGIC;
    msg->n_fds = n_fds;
    if (n_fds) {
        memset(&control, 0, sizeof control);
        mh.msg_control = control.buf;
        mh.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
        memcpy(CMSG_DATA(cmsg), fds, n_fds * sizeof(int));
    }

    ssize_t n;
    do {
        n = sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno;
    }
    return n == sizeof *msg ? 0 : EPROTO;
}

int
vif_emu_recv(int sock, struct vif_emu_msg *msg, int *fds, size_t max_fds,
             size_t *n_fds)
{
    union {
        char buf[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = msg, .iov_len = sizeof *msg};
    struct msghdr mh = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof control.buf,
    };
    int got[8];
    size_t n_got = 0;

    *n_fds = 0;
    memset(msg, 0, sizeof *msg);

    ssize_t n;
    do {
        n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno;
    } else if (n == 0) {
        return EPIPE;
    }

    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
            && c->cmsg_len >= CMSG_LEN(0)) {
            size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < k && n_got < ARRAY_SIZE(got); i++) {
                memcpy(&got[n_got++], CMSG_DATA(c) + i * sizeof(int),
                       sizeof(int));
            }
        }
    }

    bool ok = (n == sizeof *msg && !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
               && msg->magic == VIF_EMU_MSG_MAGIC && msg->n_fds == n_got
               && n_got <= max_fds);
    if (!ok) {
        for (size_t i = 0; i < n_got; i++) {
            close(got[i]);
        }
        return EPROTO;
    }
    memcpy(fds, got, n_got * sizeof(int));
    *n_fds = n_got;
    return 0;
}
