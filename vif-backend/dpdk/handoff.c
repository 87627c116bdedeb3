/* vif-backend/dpdk/handoff.c: sending and receiving the hand-off messages
 * (handoff.h) with their fds; used by both xovs-netback and net_xovs.  No
 * logging: callers report. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vif-backend/dpdk/handoff.h"
#include "vif-backend/dpdk/handoff-io.h"

int
vif_handoff_send(int sock, struct vif_handoff_msg *msg, const int *fds,
                 size_t n_fds)
{
    union {
        char buf[CMSG_SPACE(VIF_HANDOFF_MAX_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = msg, .iov_len = sizeof *msg};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

    if (n_fds > VIF_HANDOFF_MAX_FDS) {
        return EINVAL;
    }
    msg->magic = VIF_HANDOFF_MAGIC;
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
vif_handoff_recv(int sock, struct vif_handoff_msg *msg, int *fds,
                 size_t max_fds, size_t *n_fds)
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
            for (size_t i = 0; i < k && n_got < 8; i++) {
                memcpy(&got[n_got++], CMSG_DATA(c) + i * sizeof(int),
                       sizeof(int));
            }
        }
    }

    bool ok = (n == sizeof *msg && !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
               && msg->magic == VIF_HANDOFF_MAGIC && n_got <= max_fds);
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

static long long
handoff_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int
vif_handoff_request(int sock, struct vif_handoff_msg *req, const int *fds,
                    size_t n_fds, struct vif_handoff_msg *reply)
{
    uint32_t type = req->type;
    int error = vif_handoff_send(sock, req, fds, n_fds);
    if (error) {
        return error;
    }

    long long deadline = handoff_now_ms() + VIF_HANDOFF_TIMEOUT_MS;
    for (;;) {
        int none[8];
        size_t n_none;
        error = vif_handoff_recv(sock, reply, none, 0, &n_none);
        if (!error && reply->type == VIF_HANDOFF_DISABLED) {
            continue; /* the netback learns it from vif_fatal() anyway */
        }
        if (error != EAGAIN) {
            break;
        }
        long long left = deadline - handoff_now_ms();
        if (left <= 0) {
            return ETIMEDOUT;
        }
        struct pollfd pfd = {.fd = sock, .events = POLLIN};
        if (poll(&pfd, 1, left) < 0 && errno != EINTR) {
            return errno;
        }
    }
    if (!error && reply->type != (type | VIF_HANDOFF_REPLY)) {
        error = EPROTO;
    }
    return error;
}

int
vif_handoff_check(const struct vif_handoff_msg *m, size_t n_fds,
                  unsigned int next_qid, unsigned int n_queues, char *reason,
                  size_t size)
{
    bool xen = m->platform == VIF_HANDOFF_PLATFORM_XEN;

    if (m->version != VIF_HANDOFF_VERSION) {
        snprintf(reason, size, "hand-off protocol version %u, want %u",
                 m->version, VIF_HANDOFF_VERSION);
        return EPROTONOSUPPORT;
    }
    if (!xen && m->platform != VIF_HANDOFF_PLATFORM_EMU) {
        snprintf(reason, size, "unknown platform %u", m->platform);
        return EINVAL;
    }
    if (m->type == VIF_HANDOFF_ATTACH) {
        if (!m->n_queues || m->n_queues > VIF_HANDOFF_MAX_QUEUES) {
            snprintf(reason, size, "%u queues, want 1 to %u", m->n_queues,
                     VIF_HANDOFF_MAX_QUEUES);
            return EINVAL;
        }
        if (n_fds != (xen ? 0u : 1u)) {
            snprintf(reason, size, "attach with %zu fds, want %u", n_fds,
                     xen ? 0 : 1);
            return EINVAL;
        }
        return 0;
    } else if (m->type == VIF_HANDOFF_QUEUE) {
        size_t want = xen ? 0 : m->tx_evtchn != m->rx_evtchn ? 4 : 2;
        if (!n_queues) {
            snprintf(reason, size, "queue %u without an attach", m->qid);
            return EPROTO;
        }
        if (m->qid != next_qid) {
            snprintf(reason, size, "queue %u of %u where queue %u was due",
                     m->qid, n_queues, next_qid);
            return EINVAL;
        }
        if (n_fds != want) {
            snprintf(reason, size, "queue %u with %zu fds, want %zu", m->qid,
                     n_fds, want);
            return EINVAL;
        }
        return 0;
    }
    snprintf(reason, size, "unexpected message type %u", m->type);
    return EPROTO;
}
