/* vif-backend/vif.h: the netback core as seen by its main program.
 *
 * A 'struct vif_backend' is one user-space Xen netif backend: it watches
 * xenstore's backend/vif/<domid>/<devid> directories of its own domain, runs
 * the xenbus handshake for each VIF (xenbus.c), moves packets between the
 * guest's rings and a port (tx.c, rx.c, port.h), answers the control ring
 * (ctrl.c) and enforces the "rate" limit (rate.c).  Everything runs in the
 * caller's poll loop: call vif_backend_run() and vif_backend_wait() and then
 * poll_block().
 *
 * The frontend is untrusted; see docs/netback.md for the checks made and
 * what happens when one fails (drop and count, or disable that VIF only). */
#ifndef VIF_H
#define VIF_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;
struct vif_backend;
struct vif_platform_class;
struct vif_port_class;

/* Whether frames go to the port with partial checksums and as GSO frames.
 * OVS's kernel datapath takes both; its userspace datapath reads taps
 * through AF_PACKET, which hands it partial checksums unfinished and GSO
 * frames whole, unless userspace-tso-enable=true. */
enum vif_offload {
    VIF_OFFLOAD_AUTO, /* decided when each VIF is probed: see
                       * vif_offload_detect() */
    VIF_OFFLOAD_ON,   /* offer GSO, pass partial checksums on */
    VIF_OFFLOAD_OFF,  /* offer no GSO, complete checksums in software */
};

/* What VIF_OFFLOAD_AUTO means in this network namespace now: ON with OVS's
 * kernel datapath (device ovs-system, or the openvswitch module loaded) or
 * its userspace datapath with userspace-tso-enable=true (its tap ovs-netdev
 * was opened with IFF_VNET_HDR); OFF otherwise.  '*why' (static) says
 * which. */
enum vif_offload vif_offload_detect(const char **why);

/* DPDK's RTE_MAX_ETHPORTS is 32 in Debian's build; keep two for other
 * ports (a physical NIC, a vhost-user port). */
#define VIF_DPDK_MAX 30

struct vif_backend_settings {
    const struct vif_platform_class *platform; /* xen or emu */
    const struct vif_port_class *port;         /* tap */
    uint16_t backend_domid;                    /* our own domain, 0 on dom0 */
    unsigned int max_queues;    /* advertised multi-queue-max-queues */
    const char *hotplug_script; /* run on online/offline; NULL: none */
    const char *agent_rpc;      /* "unix:PATH" of xovs-agent, or NULL */
    const char *xenstore_path;  /* XENSTORED_PATH passed to the script */
    enum vif_offload offload;   /* what the switch can take */
    const char *dpdk_dir;       /* net_xovs sockets (DPDK VIFs); NULL:
                                 * every VIF gets a tap port */
    unsigned int dpdk_max_vifs; /* at most this many DPDK VIFs, then taps
                                 * (capped at VIF_DPDK_MAX) */
    bool dpdk_default;          /* with dpdk_dir: VIFs the agent has no
                                 * record of are DPDK VIFs (the records
                                 * decide for the others, datapath.c) */
};

/* Connects to xenstore (libxenstore; XENSTORED_PATH must already be set in
 * the environment if wanted), opens the platform and starts watching.
 * Returns 0 and '*bep', or a positive errno (logged). */
int vif_backend_create(const struct vif_backend_settings *,
                       struct vif_backend **bep);

/* Tears down every VIF (rings unmapped, ports closed) without touching
 * xenstore, so a restarted backend can take the guests over again.
 * Accepts NULL. */
void vif_backend_destroy(struct vif_backend *);

void vif_backend_run(struct vif_backend *);
void vif_backend_wait(struct vif_backend *);

/* Appends a human-readable description of every VIF (or only the one
 * named 'name', e.g. "vif3.0", if nonnull) with its state and counters to
 * 'out'.  Returns false if 'name' matched nothing. */
bool vif_backend_show(const struct vif_backend *, const char *name,
                      struct ds *out);

/* Calls 'cb' for every VIF that has a port, with its name ("vif3.0") and
 * its counters as "name=value,..." (both valid during the call only). */
typedef void vif_report_func(const char *name, const char *stats, void *aux);
void vif_backend_report(const struct vif_backend *, vif_report_func *cb,
                        void *aux);

/* Number of VIFs the backend currently knows. */
size_t vif_backend_n_vifs(const struct vif_backend *);

#endif /* vif-backend/vif.h */
