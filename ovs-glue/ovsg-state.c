/* ovs-glue/ovsg-state.c: building and freeing 'struct ovsg_state', the
 * plain-data description of the switch the agent wants (see ovsg.h). */
#include <config.h>
#include "ovs-glue/ovsg.h"
#include "ovs-glue/ovsg-private.h"

#include <string.h>
#include "util.h"

void
ovsg_state_init(struct ovsg_state *s, const char *datapath_type)
{
    memset(s, 0, sizeof *s);
    s->datapath_type = xstrdup(datapath_type);
    svec_init(&s->managers);
    svec_init(&s->manager_records);
    svec_init(&s->ovs_external_ids);
}

void
ovsg_state_add_manager(struct ovsg_state *s, const char *target,
                       const char *record)
{
    svec_add(&s->managers, target);
    svec_add(&s->manager_records, record);
}

static void
ovsg_iface_destroy(struct ovsg_iface *iface)
{
    free(iface->name);
    free(iface->type);
    smap_destroy(&iface->external_ids);
    smap_destroy(&iface->options);
    smap_destroy(&iface->other_config);
    smap_destroy(&iface->bfd);
}

void
ovsg_port_destroy(struct ovsg_port *port)
{
    for (size_t i = 0; i < port->n_ifaces; i++) {
        ovsg_iface_destroy(&port->ifaces[i]);
    }
    free(port->ifaces);
    free(port->name);
    free(port->bond_mode);
    free(port->lacp);
    free(port->vlan_mode);
    free(port->trunks);
    smap_destroy(&port->external_ids);
    smap_destroy(&port->other_config);
    svec_destroy(&port->flows);
    svec_destroy(&port->records);
}

static void
ovsg_bridge_destroy(struct ovsg_bridge *br)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        ovsg_port_destroy(br->ports[i]);
        free(br->ports[i]);
    }
    free(br->ports);
    for (size_t i = 0; i < br->n_mirrors; i++) {
        struct ovsg_mirror *m = br->mirrors[i];
        free(m->name);
        free(m->output_port);
        svec_destroy(&m->src_ports);
        smap_destroy(&m->external_ids);
        svec_destroy(&m->records);
        free(m);
    }
    free(br->mirrors);
    free(br->name);
    smap_destroy(&br->external_ids);
    svec_destroy(&br->flows);
    svec_destroy(&br->cond_flows);
    svec_destroy(&br->cond_needs);
    svec_destroy(&br->records);
    svec_destroy(&br->sflow.targets);
    svec_destroy(&br->ipfix.targets);
    svec_destroy(&br->netflow.targets);
    svec_destroy(&br->controllers);
    free(br->fail_mode);
}

void
ovsg_ssl_destroy(struct ovsg_ssl *ssl)
{
    if (ssl) {
        free(ssl->private_key);
        free(ssl->certificate);
        free(ssl->ca_cert);
        free(ssl->record);
        free(ssl);
    }
}

void
ovsg_state_destroy(struct ovsg_state *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n_bridges; i++) {
        ovsg_bridge_destroy(s->bridges[i]);
        free(s->bridges[i]);
    }
    free(s->bridges);
    free(s->datapath_type);
    svec_destroy(&s->managers);
    svec_destroy(&s->manager_records);
    svec_destroy(&s->ovs_external_ids);
    ovsg_ssl_destroy(s->ssl);
    memset(s, 0, sizeof *s);
}

struct ovsg_bridge *
ovsg_state_find_bridge(const struct ovsg_state *s, const char *name)
{
    for (size_t i = 0; i < s->n_bridges; i++) {
        if (!strcmp(s->bridges[i]->name, name)) {
            return s->bridges[i];
        }
    }
    return NULL;
}

struct ovsg_bridge *
ovsg_state_add_bridge(struct ovsg_state *s, const char *name)
{
    s->bridges = xrealloc(s->bridges, (s->n_bridges + 1) * sizeof *s->bridges);
    struct ovsg_bridge *br = xzalloc(sizeof *br);
    s->bridges[s->n_bridges++] = br;
    br->name = xstrdup(name);
    smap_init(&br->external_ids);
    svec_init(&br->flows);
    svec_init(&br->cond_flows);
    svec_init(&br->cond_needs);
    svec_init(&br->records);
    svec_init(&br->sflow.targets);
    svec_init(&br->ipfix.targets);
    svec_init(&br->netflow.targets);
    svec_init(&br->controllers);
    return br;
}

/* Adds a port 'name' with 'n' interfaces named 'names' of 'type'. */
static struct ovsg_port *
ovsg_bridge_add_port__(struct ovsg_bridge *br, const char *name,
                       const char *const *names, size_t n, const char *type)
{
    br->ports = xrealloc(br->ports, (br->n_ports + 1) * sizeof *br->ports);
    struct ovsg_port *port = xzalloc(sizeof *port);
    br->ports[br->n_ports++] = port;
    port->name = xstrdup(name);
    port->tag = -1;
    smap_init(&port->external_ids);
    smap_init(&port->other_config);
    svec_init(&port->flows);
    svec_init(&port->records);
    port->ifaces = xcalloc(n, sizeof *port->ifaces);
    port->n_ifaces = n;
    for (size_t i = 0; i < n; i++) {
        struct ovsg_iface *iface = &port->ifaces[i];
        iface->name = xstrdup(names[i]);
        iface->type = xstrdup(type);
        smap_init(&iface->external_ids);
        smap_init(&iface->options);
        smap_init(&iface->other_config);
        smap_init(&iface->bfd);
    }
    return port;
}

struct ovsg_port *
ovsg_bridge_add_port(struct ovsg_bridge *br, const char *name,
                     const char *type)
{
    return ovsg_bridge_add_port__(br, name, &name, 1, type);
}

void
ovsg_bridge_add_cond_flow(struct ovsg_bridge *br, const char *flow,
                          const char *needs)
{
    if (!svec_contains_unsorted(&br->cond_flows, flow)) {
        svec_add(&br->cond_flows, flow);
        svec_add(&br->cond_needs, needs);
    }
}

struct ovsg_port *
ovsg_bridge_add_bond(struct ovsg_bridge *br, const char *name,
                     const char *const *members, size_t n_members)
{
    return ovsg_bridge_add_port__(br, name, members, n_members, "");
}

struct ovsg_mirror *
ovsg_bridge_add_mirror(struct ovsg_bridge *br, const char *name)
{
    br->mirrors
        = xrealloc(br->mirrors, (br->n_mirrors + 1) * sizeof *br->mirrors);
    struct ovsg_mirror *m = xzalloc(sizeof *m);
    br->mirrors[br->n_mirrors++] = m;
    m->name = xstrdup(name);
    m->output_vlan = -1;
    svec_init(&m->src_ports);
    smap_init(&m->external_ids);
    svec_init(&m->records);
    return m;
}
