/* vif-backend/emu/frontend.h: the xenstore side of an emulated netfront.
 *
 * xovs-guest (xovs-guest.c) and xovs-evil-guest (xovs-evil-guest.c) each play
 * one guest with one vif, and its toolstack too.  Both talk to xenstore the
 * same way, and this is that part:
 *
 *   as dom0 (the toolstack)   introduce the domain; in the caller's
 *                             transaction the vif's frontend and backend
 *                             directories and keys, as xl writes them (the
 *                             domain's own nodes are each program's
 *                             business); at the end online=0 and
 *                             everything removed
 *   as the guest (netfront)   the ring keys and feature keys, in the
 *                             caller's transaction; the backend's state,
 *                             watched and read
 *
 * Nothing here keeps state: the callers own the xenstore connections, the
 * paths and the xenbus state machine.  Nothing here exits or logs, except
 * that a failed write is logged as a warning in the caller's own log
 * module when it passes one (xovs-guest does, xovs-evil-guest does not). */
#ifndef VIF_FE_H
#define VIF_FE_H 1

#include <stdbool.h>
#include <stdint.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "openvswitch/compiler.h"

struct vlog_module;

/* One vif, as the toolstack knows it.  The strings are the caller's. */
struct vif_fe_vif {
    uint16_t domid;                /* the guest's domain (not 0) */
    uint16_t devid;                /* the vif's number in the guest */
    uint16_t be_domid;             /* the backend's domain */
    uint8_t mac[6];                /* the guest's MAC */
    const char *bridge;            /* the backend's 'bridge' key, or NULL */
    const char *fe_path;           /* vif_fe_path() */
    const char *be_path;           /* vif_fe_be_path() (or what the
                                    * frontend's 'backend' key says) */
    const struct vlog_module *log; /* failed writes warned here, or NULL */
};

/* ---- Paths (malloc'd) ---------------------------------------------------
 */

/* "/local/domain/<domid>" */
char *vif_fe_dom_path(uint16_t domid);
/* "/local/domain/<domid>/device/vif/<devid>" */
char *vif_fe_path(uint16_t domid, uint16_t devid);
/* "/local/domain/<be_domid>/backend/vif/<domid>/<devid>" */
char *vif_fe_be_path(uint16_t be_domid, uint16_t domid, uint16_t devid);

/* ---- Nodes --------------------------------------------------------------
 */

/* Connects to the xenstored socket at 'path'.  XENSTORED_PATH is set to
 * 'path' (libxenstore reads it), so later xs_open() calls of this process
 * go there too.  Returns NULL with errno set on failure. */
struct xs_handle *vif_fe_xs_open(const char *path);

/* The value of 'dir'/'key' (malloc'd), or NULL with errno set. */
char *vif_fe_read(struct xs_handle *, xs_transaction_t, const char *dir,
                  const char *key);

/* Writes 'format' to 'dir'/'key'.  Returns false with errno set on failure,
 * after a warning "write <path>: <error>" in 'log' (if not NULL). */
bool vif_fe_printf(const struct vlog_module *log, struct xs_handle *,
                   xs_transaction_t, const char *dir, const char *key,
                   const char *format, ...) OVS_PRINTF_FORMAT(6, 7);

/* Creates 'path' owned by domain 'owner' and readable by 'reader' (nobody
 * else may read it).  Returns false with errno set on failure. */
bool vif_fe_mkdir(struct xs_handle *, xs_transaction_t, const char *path,
                  unsigned int owner, unsigned int reader);

/* Reads 'dir'/state: XenbusStateUnknown if it is missing. */
enum xenbus_state vif_fe_read_state(struct xs_handle *, const char *dir);

/* "Initialising", "Connected", ...: "invalid" if out of range. */
const char *vif_fe_state_name(enum xenbus_state);

/* Sets a watch on 'be_path'/state (token "backend-state"), as the guest.
 * Returns 0 or a positive errno. */
int vif_fe_watch_backend(struct xs_handle *, const char *be_path);

/* ---- Transactions -------------------------------------------------------
 */

/* Writes in transaction 't'; returns false with errno set if a step
 * failed. */
typedef bool vif_fe_txn_func(struct xs_handle *, xs_transaction_t, void *aux);

/* Runs 'func' in a new transaction and commits it, from the start again as
 * long as the commit fails with EAGAIN (somebody else wrote meanwhile).  If
 * 'func' fails, the transaction is abandoned.  Returns 0 or a positive
 * errno; '*started' (if not NULL) says whether a transaction could be
 * started at all. */
int vif_fe_transact(struct xs_handle *, vif_fe_txn_func *, void *aux,
                    bool *started);

/* ---- The toolstack's part (as dom0) --------------------------------------
 */

/* Introduces 'domid' to xenstored (which gives it its own socket) unless
 * it already is.  Returns 0 or a positive errno. */
int vif_fe_introduce(struct xs_handle *, uint16_t domid);

/* In 't': the frontend directory (owned by the guest, readable by the
 * backend) and the backend directory (the other way round), as
 * libxl__device_generic_add() makes them.  The domain's own directory and
 * its device/ must exist by the commit.  False with errno set on failure. */
bool vif_fe_skeleton_dirs(const struct vif_fe_vif *, struct xs_handle *,
                          xs_transaction_t);

/* In 't': the frontend's keys (backend, backend-id, state, handle, mac),
 * then the backend's (frontend, frontend-id, online, state, handle, mac,
 * type, bridge), both sides Initialising.  False with errno set. */
bool vif_fe_skeleton_keys(const struct vif_fe_vif *, struct xs_handle *,
                          xs_transaction_t);

/* What xl does when the guest goes away: online=0, the backend and the
 * frontend directory removed, then the domain's, and the domain released.
 * Errors are ignored (a failed online=0 is warned about in 'log'). */
void vif_fe_skeleton_remove(const struct vif_fe_vif *, struct xs_handle *);

/* ---- The netfront's part (as the guest) ----------------------------------
 */

/* In 't': one queue's keys in 'dir' (the frontend directory, or its
 * queue-N): tx-ring-ref, rx-ring-ref, then event-channel if 'tx_evtchn' and
 * 'rx_evtchn' are the same port, else event-channel-tx and -rx.  False
 * with errno set on failure. */
bool vif_fe_ring_keys(const struct vlog_module *log, struct xs_handle *,
                      xs_transaction_t, const char *dir, uint32_t tx_ring_ref,
                      uint32_t rx_ring_ref, uint32_t tx_evtchn,
                      uint32_t rx_evtchn);

/* In 't': request-rx-copy, feature-rx-notify and feature-sg in 'fe_path',
 * all 1, and with 'offloads' feature-gso-tcpv4, feature-gso-tcpv6 and
 * feature-ipv6-csum-offload as well.  False with errno set on failure. */
bool vif_fe_features(const struct vlog_module *log, struct xs_handle *,
                     xs_transaction_t, const char *fe_path, bool offloads);

#endif /* vif-backend/emu/frontend.h */
