/* vif-backend/port.h: how a VIF's packets reach the switch, as a table of
 * function pointers (netdev_class style).
 *
 *   tap   port-tap.c  a tap device vif<domid>.<devid> with IFF_VNET_HDR
 *                     (IFF_MULTI_QUEUE when multi-queue is offered); OVS
 *                     adds it as an ordinary system port.
 *   dpdk  port-dpdk.c  no device: the net_xovs driver in ovs-vswitchd runs
 *                     the rings (handoff.c); this class only stands in.
 *
 * Packets cross the port with a virtio_net_hdr (checksum and GSO metadata),
 * exactly the IFF_VNET_HDR layout, so a GSO frame from the guest stays one
 * frame until something downstream needs it segmented.
 *
 * A port is opened when the VIF comes online, before the frontend connects,
 * so the hotplug script can attach it to a bridge; it is destroyed when the
 * VIF goes offline, and only closed when the backend exits (a restarted
 * backend takes the same device over); queues are added and
 * removed as frontends connect with more or fewer queues.  Queue numbers are
 * 0 .. n_queues-1.  No function logs except open (on failure). */
#ifndef VIF_PORT_H
#define VIF_PORT_H 1

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Offloads the guest accepts on its receive side (what the port may hand us
 * without the metadata being resolved first). */
#define VIF_PORT_OFF_CSUM (1u << 0) /* partial checksums */
#define VIF_PORT_OFF_TSO4 (1u << 1) /* TCPv4 GSO frames */
#define VIF_PORT_OFF_TSO6 (1u << 2) /* TCPv6 GSO frames */

/* Largest frame a port hands over or accepts, without the vnet header. */
#define VIF_PORT_MAX_FRAME 65550

struct vif_port;

struct vif_port_class {
    const char *name;

    /* Creates port 'name' (at most 15 bytes).  'multi_queue': the port must
     * be able to grow past one queue later.  It starts with one queue, no
     * offloads, carrier up.  Returns 0 or a positive errno (logged). */
    int (*open)(const char *name, bool multi_queue, struct vif_port **);

    /* Lets go of the port but leaves the device in place (a tap stays,
     * persistent), so that a restarted backend opens the same device again
     * and the switch never sees it go.  Accepts NULL. */
    void (*close)(struct vif_port *);

    /* Closes the port and removes the device (the VIF went offline).  May
     * be NULL: then close() is used.  Accepts NULL. */
    void (*destroy)(struct vif_port *);

    /* Sets the number of queues to 'n' (>= 1).  Returns 0 or an errno. */
    int (*set_n_queues)(struct vif_port *, size_t n);

    /* Sets the offloads (VIF_PORT_OFF_*) the port may use for frames it
     * gives us.  Returns 0 or a positive errno. */
    int (*set_offloads)(struct vif_port *, unsigned int offloads);

    /* Link carrier as seen by the switch (may be NULL). */
    int (*set_carrier)(struct vif_port *, bool up);

    /* Hands one frame to the switch on 'queue'.  Returns 0, EAGAIN if the
     * port cannot take it now (the caller drops it), or another errno. */
    int (*send)(struct vif_port *, size_t queue, const struct virtio_net_hdr *,
                const void *frame, size_t size);

    /* Receives one frame from 'queue' into 'buf' (at least
     * VIF_PORT_MAX_FRAME bytes); '*size' is its length.  Returns 0, EAGAIN
     * if none is waiting, or another errno. */
    int (*recv)(struct vif_port *, size_t queue, struct virtio_net_hdr *,
                void *buf, size_t *size);

    /* Makes poll_block() wake when 'queue' has a frame for recv(). */
    void (*recv_wait)(struct vif_port *, size_t queue);

    /* Optional (may be NULL), for the class, not a port: called once per
     * poll-loop round before any recv() of that round, so that a class
     * that learns which queues have frames from one fd for all its ports
     * (port-tap.c: an epoll set) can do so.  recv() of a queue that has
     * not been found readable since it was read empty may return EAGAIN
     * without looking. */
    void (*run)(const struct vif_port_class *);
};

/* Every port starts with its class pointer. */
struct vif_port {
    const struct vif_port_class *class;
};

extern const struct vif_port_class vif_port_tap;
extern const struct vif_port_class vif_port_dpdk;

/* How the rest of xovs-netback calls a port (port.c), as OVS's netdev.c
 * wraps netdev_class: one function per member, with the member's contract
 * above.  The wrappers own the checks for optional members, so callers
 * never look at the class themselves. */
int vif_port_open(const struct vif_port_class *, const char *name,
                  bool multi_queue, struct vif_port **);
void vif_port_close(struct vif_port *); /* accepts NULL */
/* Falls back to close() on a class without destroy.  Accepts NULL. */
void vif_port_destroy(struct vif_port *);
int vif_port_set_n_queues(struct vif_port *, size_t n);
int vif_port_set_offloads(struct vif_port *, unsigned int offloads);
/* Returns 0 (and does nothing) on a class without set_carrier. */
int vif_port_set_carrier(struct vif_port *, bool up);
int vif_port_send(struct vif_port *, size_t queue,
                  const struct virtio_net_hdr *, const void *frame,
                  size_t size);
int vif_port_recv(struct vif_port *, size_t queue, struct virtio_net_hdr *,
                  void *buf, size_t *size);
void vif_port_recv_wait(struct vif_port *, size_t queue);
/* Does nothing for a class without run. */
void vif_port_class_run(const struct vif_port_class *);

#endif /* vif-backend/port.h */
