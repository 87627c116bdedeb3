/* vif-backend/port.c: the one way into a port class (port.h), as OVS's
 * netdev.c is into netdev_class.  Each wrapper calls its member; the ones
 * for optional members (destroy, set_carrier, run) stand in for a class
 * without them.  Callers (interface.c, tx.c, rx.c, xenbus.c) never look at the
 * class.  Depends on nothing but port.h. */
#include <config.h>

#include "vif-backend/port.h"

int
vif_port_open(const struct vif_port_class *class, const char *name,
              bool multi_queue, struct vif_port **portp)
{
    return class->open(name, multi_queue, portp);
}

void
vif_port_close(struct vif_port *port)
{
    if (port) {
        port->class->close(port);
    }
}

void
vif_port_destroy(struct vif_port *port)
{
    if (!port) {
        return;
    }
    if (port->class->destroy) {
        port->class->destroy(port);
    } else {
        port->class->close(port);
    }
}

int
vif_port_set_n_queues(struct vif_port *port, size_t n)
{
    return port->class->set_n_queues(port, n);
}

int
vif_port_set_offloads(struct vif_port *port, unsigned int offloads)
{
    return port->class->set_offloads(port, offloads);
}

int
vif_port_set_carrier(struct vif_port *port, bool up)
{
    return port->class->set_carrier ? port->class->set_carrier(port, up) : 0;
}

int
vif_port_send(struct vif_port *port, size_t queue,
              const struct virtio_net_hdr *vnet, const void *frame,
              size_t size)
{
    return port->class->send(port, queue, vnet, frame, size);
}

int
vif_port_recv(struct vif_port *port, size_t queue, struct virtio_net_hdr *vnet,
              void *buf, size_t *size)
{
    return port->class->recv(port, queue, vnet, buf, size);
}

void
vif_port_recv_wait(struct vif_port *port, size_t queue)
{
    port->class->recv_wait(port, queue);
}

void
vif_port_class_run(const struct vif_port_class *class)
{
    if (class->run) {
        class->run(class);
    }
}
