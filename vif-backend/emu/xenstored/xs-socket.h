/* vif-backend/emu/xenstored/xs-socket.h: xovs-xenstored's unix sockets.
 *
 * The daemon listens on PATH for dom0 (privileged) clients.  When dom0
 * introduces domain N it also listens on "PATH-domN"; whoever connects
 * there speaks as domain N.  Releasing N closes that socket and N's
 * connections.  Each poll-loop round reads (where epoll says bytes wait),
 * runs at most a few requests and writes for every connection in turn, so
 * one busy client cannot starve the others; its system calls grow with the
 * sockets that are ready, not with all of them. */
#ifndef XS_EMU_SOCKET_H
#define XS_EMU_SOCKET_H 1

#include "vif-backend/emu/xenstored/xs-server.h"

/* At most this many connections per unprivileged domain. */
#define XS_EMU_MAX_DOMAIN_CONNS 64

struct xs_emu_daemon;

/* Listens on 'path' (replacing a stale socket there) with a fresh store.
 * Returns 0 and the daemon in '*daemonp', or a positive errno (logged). */
int xs_emu_daemon_create(const char *path,
                         const struct xs_emu_server_settings *,
                         struct xs_emu_daemon **daemonp);
/* Closes every socket and removes the socket files.  Accepts NULL. */
void xs_emu_daemon_destroy(struct xs_emu_daemon *);
void xs_emu_daemon_run(struct xs_emu_daemon *);
void xs_emu_daemon_wait(struct xs_emu_daemon *);
struct xs_emu_server *xs_emu_daemon_server(struct xs_emu_daemon *);

#endif /* vif-backend/emu/xenstored/xs-socket.h */
