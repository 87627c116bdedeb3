/* vif-backend/backend.c: the backend object of xovs-netback (vif.h): the
 * table of VIFs, the xenstore connection and its watches, the platform's
 * events and dead domains, the per-VIF budget for frontend changes, the
 * start-up cleanup, and vif/show.  The per-VIF state machine it drives is
 * in xenbus.c.
 *
 * Watch events only set flags: a change of a backend directory (the
 * toolstack's or our own) marks its VIF dirty, a change of a frontend
 * directory marks it fe_dirty, which is acted on within the VIF's budget
 * (VIF_FE_UPDATE_BURST, then VIF_FE_UPDATE_RATE a second); a new backend
 * directory adds a VIF.  vif_backend_run() then re-evaluates each VIF that
 * may go (vif_xb_update()) and runs its data path.
 *
 * Lost xenstore connection.  The connection is checked every second and
 * after any failed call; once lost (xenstored died), netback keeps every
 * VIF as it is -- rings, channels, taps, OVS ports carry on -- and
 * reconnects every second.  After reconnecting it sets its watches
 * again (backend/vif, @releaseDomain, each frontend) and re-reads every
 * VIF.  A VIF whose backend directory the new store does not have (an
 * empty xenstored restarted) is kept running as "backend directory lost"
 * until its domain dies (then it is taken down and forgotten) or the
 * directory is back; only a directory seen removed tears a VIF down.
 *
 * Start-up cleanup.  After taking over every existing backend directory,
 * a tap of ours vif<D>.<N> whose backend directory is gone (ENOENT: its
 * domain went while no netback ran) gets the hotplug script's "offline"
 * and is removed. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vif-backend/vif-private.h"

VLOG_DEFINE_THIS_MODULE(vif_backend);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define XS_KEEPALIVE_MS 1000 /* how often the connection is checked */
#define XS_RETRY_MS 1000     /* reconnect attempts while it is lost */

static uint32_t
vif_hash_id(uint16_t domid, uint16_t devid)
{
    return hash_int((uint32_t)domid << 16 | devid, 0);
}

static struct vif *
vif_find(const struct vif_backend *be, uint16_t domid, uint16_t devid)
{
    struct vif *vif;

    HMAP_FOR_EACH_WITH_HASH (vif, node, vif_hash_id(domid, devid), &be->vifs) {
        if (vif->domid == domid && vif->devid == devid) {
            return vif;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* The backend object. */

static struct vif *
xb_add_vif(struct vif_backend *be, uint16_t domid, uint16_t devid)
{
    struct vif *vif = vif_find(be, domid, devid);

    if (!vif) {
        vif = xmalloc(sizeof *vif);
        vif_init(vif, be->platform, be->port_class, domid, devid);
        vif->be = be;
        vif->be_path = xasprintf("%s/%u/%u", be->base, domid, devid);
        hmap_insert(&be->vifs, &vif->node, vif_hash_id(domid, devid));
    }
    vif->dirty = true;
    return vif;
}

/* Forgets 'vif'.  Its port is closed; with 'keep_port' (the backend exits)
 * the device stays for a restarted backend, else it is removed. */
static void
xb_free_vif(struct vif_backend *be, struct vif *vif, bool keep_port)
{
    vif_xb_unwatch_fe(be, vif);
    vif_disconnect(vif);
    if (vif->port && keep_port) {
        vif_port_close(vif->port);
        vif->port = NULL;
        if (vif->dpdk) {
            be->n_dpdk--;
        }
    } else if (vif->port) {
        vif_xb_port_destroy(vif);
    }
    hmap_remove(&be->vifs, &vif->node);
    free(vif->be_path);
    free(vif->fe_path);
    free(vif->rate_text);
    free(vif->disable_reason);
    free(vif->fe_sig);
    free(vif->dpdk_path);
    vif_dp_reset(vif);
    free(vif);
}

static void
xb_rescan(struct vif_backend *be)
{
    unsigned int n_doms = 0;
    char **doms
        = be->xs ? xs_directory(be->xs, XBT_NULL, be->base, &n_doms) : NULL;

    if (!doms && (!be->xs || errno != ENOENT)) {
        if (be->xs) {
            vif_xb_error(be, "directory of", be->base, errno ? errno : EIO);
        }
        be->rescan = true; /* again once xenstore answers */
        return;
    }
    be->rescan = false;
    for (unsigned int i = 0; doms && i < n_doms; i++) {
        unsigned long long domid, devid;
        if (!vif_parse_uint(doms[i], 0, VIF_DOMID_MAX, &domid)) {
            continue;
        }
        char *dir = xasprintf("%s/%s", be->base, doms[i]);
        unsigned int n_devs = 0;
        char **devs = xs_directory(be->xs, XBT_NULL, dir, &n_devs);
        if (!devs && errno != ENOENT) {
            vif_xb_error(be, "directory of", dir, errno ? errno : EIO);
            be->rescan = true;
        }
        for (unsigned int j = 0; devs && j < n_devs; j++) {
            if (vif_parse_uint(devs[j], 0, UINT16_MAX, &devid)) {
                xb_add_vif(be, domid, devid);
            }
        }
        free(devs);
        free(dir);
    }
    free(doms);

    struct vif *vif;
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        vif->dirty = true; /* removed ones find out in vif_xb_update() */
    }
}

/* Whether xenstore answers (a read of our base directory that succeeds or
 * finds it missing). */
static bool
xb_xs_alive(struct vif_backend *be)
{
    if (!be->xs) {
        return false;
    }
    unsigned int len;
    char *v = xs_read(be->xs, XBT_NULL, be->base, &len);
    bool alive = v || errno == ENOENT;
    free(v);
    return alive;
}

/* After @releaseDomain: frontends whose domain is no longer known are gone
 * (Xen's toolstack would also remove the directories).  A "no" from a
 * xenstore that failed is no answer.  The watch does not say which domain,
 * so every introduced VIF's domain is asked (a round trip each): once per
 * burst of releases however many a round drained, not once per release
 * (500 guests leaving at once made about 125000 round trips).  The VIFs to
 * ask are marked ('release_check') when the burst arrives and asked in
 * turn; at most XB_RELEASE_BUDGET of them are taken down in one poll-loop
 * round, the rest in the next rounds, so that a mass departure does not
 * hold up the other VIFs' rings (250 guests leaving at once kept the loop
 * in this function for over a minute: each VIF taken down is a hotplug
 * script to start, a tap to delete and xenstore round trips). */
static void
xb_released_domains(struct vif_backend *be)
{
    struct vif *vif;
    size_t n_down = 0;

    if (be->released) {
        be->released = false;
        HMAP_FOR_EACH (vif, node, &be->vifs) {
            vif->release_check = vif->fe_introduced;
        }
        be->n_release_checks = hmap_count(&be->vifs);
    }
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        if (!be->n_release_checks || n_down >= XB_RELEASE_BUDGET) {
            break;
        }
        if (!vif->release_check) {
            continue;
        }
        vif->release_check = false;
        if (vif->fe_introduced && !xs_is_domain_introduced(be->xs, vif->domid)
            && xb_xs_alive(be)) {
            VLOG_INFO("%s: domain %u released", vif->name, vif->domid);
            vif->fe_introduced = false;
            vif_xb_offline(be, vif);
            vif_platform_release_domain(be->platform, vif->domid);
            if (vif->be_state != XenbusStateClosed) {
                vif_xb_set_state(be, vif, XenbusStateClosed);
            }
            n_down++;
        }
    }
    if (n_down < XB_RELEASE_BUDGET) {
        be->n_release_checks = 0; /* the pass reached the end */
    }
}

static void
xb_watch_event(struct vif_backend *be, const char *path, const char *token)
{
    unsigned int domid, devid;

    if (!strcmp(token, "rel")) {
        be->released = true; /* xb_released_domains() after the drain */
    } else if (sscanf(token, "fe:%u:%u", &domid, &devid) == 2) {
        struct vif *vif = vif_find(be, domid, devid);
        if (vif && vif->fe_watched) {
            vif->fe_dirty = true; /* acted on within its budget */
        }
    } else if (!strcmp(token, "be")) {
        size_t n = strlen(be->base);
        unsigned long long d, v;
        if (strncmp(path, be->base, n) || (path[n] && path[n] != '/')) {
            return;
        }
        const char *rest = path[n] ? path + n + 1 : "";
        char dom[16], dev[16];
        if (sscanf(rest, "%15[0-9]/%15[0-9]", dom, dev) == 2
            && vif_parse_uint(dom, 0, VIF_DOMID_MAX, &d)
            && vif_parse_uint(dev, 0, UINT16_MAX, &v)) {
            struct vif *vif = vif_find(be, d, v);
            if (vif) {
                vif->dirty = true;
            } else {
                xb_add_vif(be, d, v);
            }
        } else {
            be->rescan = true;
        }
    }
}

/* Connects to xenstore and sets the backend's own watches.  Returns 0 or a
 * positive errno (be->xs stays NULL). */
static int
xb_xs_open(struct vif_backend *be)
{
    be->xs = xs_open(0);
    if (!be->xs) {
        return errno ? errno : EIO;
    }
    if (!xs_watch(be->xs, be->base, "be")
        || !xs_watch(be->xs, "@releaseDomain", "rel")) {
        int error = errno ? errno : EIO;
        xs_close(be->xs);
        be->xs = NULL;
        return error;
    }
    be->n_xs_checked = be->n_xs_errors;
    be->xs_check_at = time_msec() + XS_KEEPALIVE_MS;
    return 0;
}

/* "Lost xenstore connection" (see the file comment): checks the connection
 * every XS_KEEPALIVE_MS and after any failed call; once lost, reconnects
 * every XS_RETRY_MS.  The VIFs are left alone throughout: their rings and
 * ports do not depend on xenstore. */
static void
xb_xs_check(struct vif_backend *be)
{
    long long now = time_msec();

    if (be->xs) {
        if (be->n_xs_errors == be->n_xs_checked && now < be->xs_check_at) {
            return;
        }
        be->n_xs_checked = be->n_xs_errors;
        be->xs_check_at = now + XS_KEEPALIVE_MS;
        if (xb_xs_alive(be)) {
            return;
        }
        VLOG_WARN("lost the xenstore connection (%s): the VIFs keep "
                  "running; reconnecting",
                  ovs_strerror(errno ? errno : EIO));
        xs_close(be->xs);
        be->xs = NULL;
        struct vif *vif;
        HMAP_FOR_EACH (vif, node, &be->vifs) {
            vif->fe_watched = false; /* gone with the connection */
        }
        be->xs_retry_at = now;
    }
    if (now < be->xs_retry_at) {
        return;
    }
    int error = xb_xs_open(be);
    if (error) {
        static struct vlog_rate_limit rl_retry = VLOG_RATE_LIMIT_INIT(1, 1);
        VLOG_WARN_RL(&rl_retry,
                     "cannot reconnect to xenstore: %s; trying "
                     "every %d ms",
                     ovs_strerror(error), XS_RETRY_MS);
        be->xs_retry_at = now + XS_RETRY_MS;
        return;
    }

    /* Everything is read again; the watches of the old connection are
     * set again.  A backend directory that is missing now was lost with
     * the store, not removed (xs_recheck, see vif_xb_update()). */
    be->n_reconnects++;
    struct vif *vif;
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        if (vif->probed && vif->fe_path) {
            vif_xb_watch_fe(be, vif);
        }
        vif->fe_introduced = (vif->fe_introduced
                              && xs_is_domain_introduced(be->xs, vif->domid));
        vif->xs_recheck = true;
        vif->dirty = true;
    }
    be->rescan = true;
    VLOG_INFO("reconnected to xenstore (%u time%s): watches set again, "
              "%" PRIuSIZE " VIFs kept running and re-read",
              be->n_reconnects, be->n_reconnects == 1 ? "" : "s",
              hmap_count(&be->vifs));
}

/* Whether 'name' is a tap this backend made (port-tap.c): a tap with a
 * virtio-net header and the MAC address of Xen's backend devices,
 * fe:ff:ff:ff:ff:ff.  Anything else by that name is someone else's. */
static bool
xb_is_our_tap(const char *name)
{
    char *path = xasprintf("/sys/class/net/%s/tun_flags", name);
    FILE *f = fopen(path, "r");
    unsigned int flags = 0;
    bool ours = false;

    free(path);
    if (f) {
        ours = (fscanf(f, "%x", &flags) == 1 && flags & IFF_TAP
                && flags & IFF_VNET_HDR);
        fclose(f);
    }
    if (ours) {
        char mac[32] = "";
        path = xasprintf("/sys/class/net/%s/address", name);
        f = fopen(path, "r");
        free(path);
        ours = f && fgets(mac, sizeof mac, f)
               && !strncmp(mac, "fe:ff:ff:ff:ff:ff", 17);
        if (f) {
            fclose(f);
        }
    }
    return ours;
}

/* At start-up: a tap vif<D>.<N> of ours whose backend directory is gone
 * (ENOENT, not a failed read) belonged to a domain that died while no
 * netback ran, so nobody took it offline.  Do it now: the hotplug script's
 * offline (the agent's record is unplugged, or the OVS port removed) and
 * the tap removed. */
static void
xb_reap_stale_taps(struct vif_backend *be)
{
    DIR *dir = opendir("/sys/class/net");
    struct dirent *de;

    if (!dir) {
        VLOG_WARN("cannot list /sys/class/net: %s; taps of domains that died "
                  "while netback was down are not cleaned up",
                  ovs_strerror(errno));
        return;
    }
    while ((de = readdir(dir))) {
        unsigned int domid, devid;
        char canon[IFNAMSIZ];
        if (sscanf(de->d_name, "vif%u.%u", &domid, &devid) != 2
            || domid > VIF_DOMID_MAX || devid > UINT16_MAX
            || snprintf(canon, sizeof canon, "vif%u.%u", domid, devid)
                   >= (int)sizeof canon
            || strcmp(canon, de->d_name) || vif_find(be, domid, devid)
            || !xb_is_our_tap(canon)) {
            continue;
        }
        char *be_path = xasprintf("%s/%u/%u", be->base, domid, devid);
        char *v = vif_xb_read(be, be_path, NULL);
        if (!v && errno == ENOENT) {
            VLOG_INFO("%s: tap left by an earlier netback, and %s is gone "
                      "(its domain went while no netback ran): hotplug "
                      "offline, tap removed",
                      canon, be_path);
            vif_hotplug_request("offline", canon, be_path);
            struct vif_port *port;
            if (!vif_port_open(be->port_class, canon, be->max_queues > 1,
                               &port)) {
                vif_port_destroy(port);
            }
        } else if (v) {
            xb_add_vif(be, domid, devid); /* appeared meanwhile */
        }
        free(v);
        free(be_path);
    }
    closedir(dir);
}

int
vif_backend_create(const struct vif_backend_settings *s,
                   struct vif_backend **bep)
{
    struct vif_backend *be = xzalloc(sizeof *be);
    int error;

    *bep = NULL;
    be->port_class = s->port;
    be->domid = s->backend_domid;
    be->max_queues = MIN(MAX(s->max_queues, 1), VIF_MAX_QUEUES);
    be->offload = s->offload;
    be->hotplug_script = nullable_xstrdup(s->hotplug_script);
    be->agent_rpc = nullable_xstrdup(s->agent_rpc);
    be->xenstore_path = nullable_xstrdup(s->xenstore_path);
    be->dpdk_dir = nullable_xstrdup(s->dpdk_dir);
    be->max_dpdk = MIN(s->dpdk_max_vifs, VIF_DPDK_MAX);
    be->dpdk_default = s->dpdk_default;
    be->base = xasprintf("/local/domain/%u/backend/vif", be->domid);
    hmap_init(&be->vifs);
    vif_hotplug_configure(s->hotplug_script, s->agent_rpc, s->xenstore_path);

    error = s->platform->open(be->domid, &be->platform);
    if (error) {
        VLOG_ERR("cannot open the %s platform: %s", s->platform->name,
                 ovs_strerror(error));
        goto fail;
    }
    error = xb_xs_open(be);
    if (error) {
        VLOG_ERR("cannot connect to xenstore%s%s and watch %s: %s",
                 s->xenstore_path ? " at " : "",
                 s->xenstore_path ? s->xenstore_path : "", be->base,
                 ovs_strerror(error));
        goto fail;
    }
    xb_rescan(be);
    if (!be->rescan) {
        xb_reap_stale_taps(be);
    }
    VLOG_INFO("watching %s (platform %s, port %s, up to %u queues)", be->base,
              s->platform->name, s->port->name, be->max_queues);
    *bep = be;
    return 0;

fail:
    vif_backend_destroy(be);
    return error;
}

void
vif_backend_destroy(struct vif_backend *be)
{
    if (!be) {
        return;
    }
    struct vif *vif;
    HMAP_FOR_EACH_SAFE (vif, node, &be->vifs) {
        xb_free_vif(be, vif, true);
    }
    hmap_destroy(&be->vifs);
    if (be->xs) {
        xs_close(be->xs);
    }
    vif_platform_close(be->platform);
    free(be->hotplug_script);
    free(be->agent_rpc);
    free(be->xenstore_path);
    free(be->dpdk_dir);
    free(be->base);
    free(be);
}

/* Whether a frontend's change may be acted on now (its VIF's budget,
 * VIF_FE_UPDATE_RATE a second); if not, logs (once per wait) and counts. */
static bool
xb_fe_budget(struct vif *vif)
{
    if (token_bucket_withdraw(&vif->fe_budget, 1000)) {
        vif->fe_throttled = false;
        vif->n_fe_updates++;
        return true;
    }
    if (!vif->fe_throttled) {
        vif->fe_throttled = true;
        vif->n_fe_throttled++;
        VIF_GLOG(VLL_WARN, vif,
                 "frontend changes its xenstore nodes more than %d times a "
                 "second: acting on them at that rate",
                 VIF_FE_UPDATE_RATE);
    }
    return false;
}

/* A bound event-channel port and its VIF (xb_events()). */
struct xb_port {
    struct hmap_node node; /* in a round's map, by 'port' */
    uint32_t port;
    struct vif *vif;
};

static void
xb_port_add(struct hmap *map, struct xb_port *slot, uint32_t port,
            struct vif *vif)
{
    slot->port = port;
    slot->vif = vif;
    hmap_insert(map, &slot->node, hash_int(port, 0));
}

/* Events: each fired port is masked until its VIF has run.  The ports are
 * matched to their VIFs through a map built once per round that has events
 * (a walk over every VIF per event made k events cost k times the VIFs);
 * a round without events costs nothing here. */
static void
xb_events(struct vif_backend *be)
{
    int64_t port = vif_platform_pending(be->platform);
    if (port < 0) {
        return;
    }

    struct vif *vif;
    size_t n = 0;
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        n += 2 * vif->n_queues + 1;
    }
    struct xb_port *slots = xmalloc((n + 1) * sizeof *slots);
    struct hmap map = HMAP_INITIALIZER(&map);
    n = 0;
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        for (size_t i = 0; i < vif->n_queues; i++) {
            const struct vif_queue *q = &vif->queues[i];
            if (q->tx_evtchn_bound) {
                xb_port_add(&map, &slots[n++], q->tx_evtchn, vif);
            }
            if (q->rx_evtchn_bound) {
                xb_port_add(&map, &slots[n++], q->rx_evtchn, vif);
            }
        }
        if (vif->ctrl_connected) {
            xb_port_add(&map, &slots[n++], vif->ctrl_evtchn, vif);
        }
    }

    for (int i = 0; port >= 0;) {
        const struct xb_port *p;
        bool mine = false;
        HMAP_FOR_EACH_WITH_HASH (p, node, hash_int(port, 0), &map) {
            if (p->port == port && vif_handle_event(p->vif, port)) {
                mine = true;
                break;
            }
        }
        if (!mine) {
            VLOG_DBG_RL(&rl, "event on unknown port %" PRId64, port);
        }
        if (++i >= 4096) {
            break;
        }
        port = vif_platform_pending(be->platform);
    }
    hmap_destroy(&map);
    free(slots);
}

void
vif_backend_run(struct vif_backend *be)
{
    char **w;

    xb_xs_check(be);

    /* Drain watch events; they only set flags (bounded work). */
    for (int i = 0; be->xs && i < 4096 && (w = xs_check_watch(be->xs)); i++) {
        xb_watch_event(be, w[XS_WATCH_PATH], w[XS_WATCH_TOKEN]);
        free(w);
    }
    if ((be->released || be->n_release_checks) && be->xs) {
        xb_released_domains(be);
    }
    if (be->rescan && be->xs) {
        xb_rescan(be);
    }

    xb_events(be);

    /* Guests the platform saw die (emu: the guest process is gone): their
     * VIFs go down now, as after @releaseDomain; the directories stay until
     * the toolstack removes them or a new frontend appears.  A VIF whose
     * directory was lost with the store (orphan) is forgotten at once. */
    int32_t dead;
    while ((dead = vif_platform_dead_domain(be->platform)) >= 0) {
        struct vif *vif;
        HMAP_FOR_EACH_SAFE (vif, node, &be->vifs) {
            if (vif->domid == dead && (vif->probed || vif->port)) {
                VLOG_INFO("%s: domain %d died", vif->name, (int)dead);
                vif_xb_offline(be, vif);
                if (vif->orphan) {
                    xb_free_vif(be, vif, false);
                } else if (vif->be_state != XenbusStateClosed) {
                    vif_xb_set_state(be, vif, XenbusStateClosed);
                }
            }
        }
    }

    /* Which taps have frames (port.h: before any recv() of the round). */
    vif_port_class_run(be->port_class);

    long long now = time_msec();
    struct vif *vif;
    HMAP_FOR_EACH_SAFE (vif, node, &be->vifs) {
        if (be->xs) {
            vif_dp_run(be, vif);
            if (vif->retry_at && now >= vif->retry_at) {
                vif->retry_at = 0;
                vif->dirty = true;
            }
            bool go = vif->dirty && !vif->retry_at;
            if (!go && vif->fe_dirty && !vif->retry_at) {
                go = xb_fe_budget(vif);
            }
            if (go && !vif_xb_update(be, vif)) {
                xb_free_vif(be, vif, false);
                continue;
            }
        }
        vif_run(vif);
    }
    vif_hotplug_run();
}

void
vif_backend_wait(struct vif_backend *be)
{
    if (be->xs) {
        poll_fd_wait(xs_fileno(be->xs), POLLIN);
        poll_timer_wait_until(be->xs_check_at);
        if (be->n_xs_errors != be->n_xs_checked || be->rescan || be->released
            || be->n_release_checks) {
            poll_immediate_wake();
        }
    } else {
        poll_timer_wait_until(be->xs_retry_at);
    }
    poll_fd_wait(be->platform->class->fd(be->platform), POLLIN);
    struct vif *vif;
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        if (be->xs && vif->retry_at) {
            poll_timer_wait_until(vif->retry_at);
        } else if (be->xs && vif->dirty) {
            poll_immediate_wake();
        } else if (be->xs && vif->fe_dirty) {
            token_bucket_wait(&vif->fe_budget, 1000);
        }
        vif_dp_wait(vif);
        vif_wait(vif);
    }
    vif_hotplug_wait();
}

size_t
vif_backend_n_vifs(const struct vif_backend *be)
{
    return hmap_count(&be->vifs);
}

static int
vif_cmp(const void *a_, const void *b_)
{
    const struct vif *const *a = a_, *const *b = b_;
    uint32_t ka = (uint32_t)(*a)->domid << 16 | (*a)->devid;
    uint32_t kb = (uint32_t)(*b)->domid << 16 | (*b)->devid;
    return ka < kb ? -1 : ka > kb;
}

/* The VIFs sorted by domid, devid (malloc'd array). */
static const struct vif **
sorted_vifs(const struct vif_backend *be, size_t *n)
{
    const struct vif **vifs
        = xmalloc((hmap_count(&be->vifs) + 1) * sizeof *vifs);
    const struct vif *vif;
    *n = 0;
    HMAP_FOR_EACH (vif, node, &be->vifs) {
        vifs[(*n)++] = vif;
    }
    qsort(vifs, *n, sizeof *vifs, vif_cmp);
    return vifs;
}

bool
vif_backend_show(const struct vif_backend *be, const char *name,
                 struct ds *out)
{
    size_t n;
    const struct vif **vifs = sorted_vifs(be, &n);
    bool found = false;

    for (size_t i = 0; i < n; i++) {
        const struct vif *vif = vifs[i];
        if (name && strcmp(name, vif->name)) {
            continue;
        }
        found = true;
        ds_put_format(
            out, "%s: backend %s, frontend %s%s%s%s%s\n", vif->name,
            vif_xb_state_name(vif->be_state), vif_xb_state_name(vif->fe_state),
            vif->failed ? ", failed" : "", vif->port ? "" : ", no port",
            vif->gone ? ", unplugged" : "",
            vif->orphan ? ", backend directory lost" : "");
        if (vif->disabled) {
            ds_put_format(out, "  disabled: %s\n", vif->disable_reason);
        }
        ds_put_format(out,
                      "  xenbus: fe_updates=%" PRIu64 " fe_throttled=%" PRIu64
                      "%s\n",
                      vif->n_fe_updates, vif->n_fe_throttled,
                      vif->fe_throttled ? " (waiting)" : "");
        const struct vif_features *f = &vif->features;
        ds_put_format(out,
                      "  queues: %" PRIuSIZE ", hotplug: %s, carrier: "
                      "%s, rate: %s, offload: %s\n",
                      vif->n_queues,
                      vif->hotplug_connected ? "connected" : "waiting",
                      vif->carrier ? "up" : "down",
                      vif->rate_bytes ? vif->rate_text : "unlimited",
                      vif->tx_sw_csum ? "off" : "on");
        ds_put_format(out,
                      "  features: sg=%d gso4=%d gso6=%d csum=%d "
                      "ipv6-csum=%d rx-notify=%d mcast-control=%d (%" PRIuSIZE
                      " groups) ctrl=%d hash=%s\n",
                      f->sg, f->gso4, f->gso6, f->ip_csum, f->ipv6_csum,
                      f->rx_notify, f->mcast_control, vif->n_mcast,
                      vif->ctrl_connected,
                      vif->hash.alg ? "toeplitz" : "none");
        struct vif_stats s;
        vif_get_stats(vif, &s);
#define VIF_STAT(NAME, DESC)                                                  \
    ds_put_format(out, "  %-20s %" PRIu64 "\n", #NAME, s.NAME);
        VIF_STATS
#undef VIF_STAT
        vif_format_queues(vif, out);
    }
    free(vifs);
    return found || !name;
}

void
vif_backend_report(const struct vif_backend *be, vif_report_func *cb,
                   void *aux)
{
    size_t n;
    const struct vif **vifs = sorted_vifs(be, &n);

    for (size_t i = 0; i < n; i++) {
        if (vifs[i]->port) {
            struct vif_stats s;
            vif_get_stats(vifs[i], &s);
            char *text = vif_stats_format(&s);
            cb(vifs[i]->name, text, aux);
            free(text);
        }
    }
    free(vifs);
}
