/* vif-backend/dpdk/handoff-io.h: send and receive a hand-off message
 * (handoff.h) on a SOCK_SEQPACKET socket, both sides. */
#ifndef VIF_HANDOFF_IO_H
#define VIF_HANDOFF_IO_H 1

#include <stddef.h>

#include "vif-backend/dpdk/handoff.h"

/* Sends 'msg' (its magic set here) with 'n_fds' fds (not closed).  Returns
 * 0 or a positive errno; never blocks. */
int vif_handoff_send(int sock, struct vif_handoff_msg *msg, const int *fds,
                     size_t n_fds);
/* Receives one message and up to 'max_fds' fds (more: all closed, EPROTO).
 * Returns 0, EAGAIN if none waits, EPIPE if the peer closed, or another
 * positive errno; never blocks. */
int vif_handoff_recv(int sock, struct vif_handoff_msg *msg, int *fds,
                     size_t max_fds, size_t *n_fds);
/* Sends 'req' with 'fds' and waits at most VIF_HANDOFF_TIMEOUT_MS for its
 * reply in 'reply' (which must carry no fds).  Returns 0 (then
 * 'reply->error' is the peer's answer) or a positive errno. */
int vif_handoff_request(int sock, struct vif_handoff_msg *req, const int *fds,
                        size_t n_fds, struct vif_handoff_msg *reply);

#endif /* vif-backend/dpdk/handoff-io.h */
