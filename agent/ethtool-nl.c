/* agent/ethtool-nl.c: the kernel's ethtool netlink interface with libnl-3
 * (ethtool-nl.h).
 *
 * One request per call: resolve the "ethtool" generic netlink family
 * (libnl-genl's genl_ctrl_resolve), send the request with NLM_F_ACK, read
 * replies
 * until the ACK or an error.  Errors carry the kernel's extended ACK
 * message when it sends one.  Feature bitsets are read and written in the
 * named ("verbose") form, so no string set is needed: a GET lists the
 * active and the changeable features by name, a SET lists only the
 * features it changes. */

#include <config.h>
#include "agent/ethtool-nl.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define XETH_TIMEOUT_S 5 /* bound on every wait for the kernel */

/* One request/response exchange. */
struct xeth_xact {
    int (*parse)(struct nlattr **tb, int max, void *aux); /* or NULL */
    int max;    /* highest attribute of the reply */
    void *aux;  /* for 'parse' */
    bool done;  /* ACK or error seen */
    int error;  /* positive errno */
    char *msg;  /* the kernel's extended ACK message, or NULL */
    int parsed; /* 'parse''s first error */
};

static int
xeth_on_valid(struct nl_msg *msg, void *xact_)
{
    struct xeth_xact *x = xact_;
    struct nlattr *tb[64];

    if (!x->parse || x->max >= (int)ARRAY_SIZE(tb)) {
        return NL_OK;
    }
    if (nlmsg_parse(nlmsg_hdr(msg), GENL_HDRLEN, tb, x->max, NULL) < 0) {
        x->parsed = x->parsed ? x->parsed : EPROTO;
        return NL_OK;
    }
    int error = x->parse(tb, x->max, x->aux);
    if (error && !x->parsed) {
        x->parsed = error;
    }
    return NL_OK;
}

static int
xeth_on_ack(struct nl_msg *msg OVS_UNUSED, void *xact_)
{
    struct xeth_xact *x = xact_;
    x->done = true;
    return NL_STOP;
}

static int
xeth_on_error(struct sockaddr_nl *nla OVS_UNUSED, struct nlmsgerr *e,
              void *xact_)
{
    struct xeth_xact *x = xact_;
    const struct nlmsghdr *nlh
        = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

    x->done = true;
    x->error = e->error < 0 ? -e->error : EIO;
    if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
        size_t off = NLMSG_HDRLEN + sizeof *e;
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
            off += NLMSG_ALIGN(e->msg.nlmsg_len - sizeof e->msg);
        }
        if (off < nlh->nlmsg_len) {
            struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
            struct nlattr *head = (struct nlattr *)((char *)nlh + off);
            if (!nla_parse(tb, NLMSGERR_ATTR_MAX, head, nlh->nlmsg_len - off,
                           NULL)
                && tb[NLMSGERR_ATTR_MSG]) {
                free(x->msg);
                x->msg = xstrdup(nla_get_string(tb[NLMSGERR_ATTR_MSG]));
            }
        }
    }
    return NL_STOP;
}

/* Sends 'msg' (consumed) on 'sock' and reads the replies into 'x'.
 * Returns 0 or a positive errno value. */
static int
xeth_transact(struct nl_sock *sock, struct nl_msg *msg, struct xeth_xact *x)
{
    struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
    int error = 0;

    if (!cb) {
        nlmsg_free(msg);
        return ENOMEM;
    }
    nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, xeth_on_valid, x);
    nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, xeth_on_ack, x);
    nl_cb_err(cb, NL_CB_CUSTOM, xeth_on_error, x);
    if (nl_send_auto(sock, msg) < 0) {
        error = EIO;
    }
    nlmsg_free(msg);
    while (!error && !x->done) {
        if (nl_recvmsgs(sock, cb) < 0 && !x->done) {
            error = errno == EAGAIN ? ETIMEDOUT : EIO;
        }
    }
    nl_cb_put(cb);
    return error ? error : x->error ? x->error : x->parsed;
}

/* A generic netlink request of 'family' (command 'cmd', version 'version'),
 * or NULL. */
static struct nl_msg *
xeth_msg(int family, uint8_t cmd, uint8_t version)
{
    struct nl_msg *msg = nlmsg_alloc();

    if (msg
        && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
                        NLM_F_REQUEST, cmd, version)) {
        nlmsg_free(msg);
        msg = NULL;
    }
    return msg;
}

/* Opens '*sockp' and finds the ethtool family's id in '*family'.  Returns
 * 0 or a positive errno value (EOPNOTSUPP: no ethtool netlink). */
static int
xeth_open(struct nl_sock **sockp, int *family)
{
    struct nl_sock *sock = nl_socket_alloc();
    struct timeval tv = {.tv_sec = XETH_TIMEOUT_S};
    int one = 1;

    *sockp = NULL;
    if (!sock) {
        return ENOMEM;
    }
    if (genl_connect(sock) < 0) {
        nl_socket_free(sock);
        return EIO;
    }
    setsockopt(nl_socket_get_fd(sock), SOL_SOCKET, SO_RCVTIMEO, &tv,
               sizeof tv);
    setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK, &one,
               sizeof one);

    *family = genl_ctrl_resolve(sock, ETHTOOL_GENL_NAME);
    if (*family < 0) {
        int error = *family == -NLE_OBJ_NOTFOUND ? EOPNOTSUPP : EIO;
        nl_socket_free(sock);
        return error;
    }
    *sockp = sock;
    return 0;
}

/* Adds the request header for link 'device' as attribute 'type'. */
static int
xeth_put_header(struct nl_msg *msg, int type, const char *device,
                uint32_t flags)
{
    struct nlattr *nest = nla_nest_start(msg, type | NLA_F_NESTED);
    if (!nest || nla_put_string(msg, ETHTOOL_A_HEADER_DEV_NAME, device)
        || (flags && nla_put_u32(msg, ETHTOOL_A_HEADER_FLAGS, flags))) {
        return -1;
    }
    nla_nest_end(msg, nest);
    return 0;
}

/* Runs ethtool command 'cmd' on 'device': 'build' adds the attributes
 * after the header (attribute 'header'), 'parse' reads the reply. */
static int
xeth_request(const char *device, uint8_t cmd, int header, uint32_t flags,
             int (*build)(struct nl_msg *, const void *), const void *baux,
             struct xeth_xact *x, char **msgp)
{
    struct nl_sock *sock;
    int family;
    int error = xeth_open(&sock, &family);

    *msgp = NULL;
    if (error) {
        return error;
    }
    struct nl_msg *msg = xeth_msg(family, cmd, ETHTOOL_GENL_VERSION);
    if (!msg || xeth_put_header(msg, header, device, flags)
        || (build && build(msg, baux))) {
        nlmsg_free(msg);
        nl_socket_free(sock);
        return ENOMEM;
    }
    error = xeth_transact(sock, msg, x);
    nl_socket_free(sock);
    *msgp = x->msg;
    return error;
}

/* ---------------------------------------------------------------------- */
/* Features. */

void
xeth_features_init(struct xeth_features *f)
{
    sset_init(&f->active);
    sset_init(&f->changeable);
}

void
xeth_features_destroy(struct xeth_features *f)
{
    if (f) {
        sset_destroy(&f->active);
        sset_destroy(&f->changeable);
    }
}

/* Adds to 'out' the names of the bits of (verbose) bitset 'attr' that are
 * set: all listed ones with NOMASK, else those with a VALUE flag. */
static int
xeth_bitset_names(const struct nlattr *attr, struct sset *out)
{
    struct nlattr *tb[ETHTOOL_A_BITSET_MAX + 1];
    struct nlattr *bit;
    int rem;

    if (nla_parse_nested(tb, ETHTOOL_A_BITSET_MAX, (struct nlattr *)attr, NULL)
        < 0) {
        return EPROTO;
    }
    if (!tb[ETHTOOL_A_BITSET_BITS]) {
        return 0; /* empty, or compact (not asked for) */
    }
    bool nomask = tb[ETHTOOL_A_BITSET_NOMASK] != NULL;
    nla_for_each_nested(bit, tb[ETHTOOL_A_BITSET_BITS], rem)
    {
        struct nlattr *b[ETHTOOL_A_BITSET_BIT_MAX + 1];
        if (nla_type(bit) != ETHTOOL_A_BITSET_BITS_BIT
            || nla_parse_nested(b, ETHTOOL_A_BITSET_BIT_MAX, bit, NULL) < 0
            || !b[ETHTOOL_A_BITSET_BIT_NAME]) {
            continue;
        }
        if (nomask || b[ETHTOOL_A_BITSET_BIT_VALUE]) {
            sset_add(out, nla_get_string(b[ETHTOOL_A_BITSET_BIT_NAME]));
        }
    }
    return 0;
}

static int
xeth_parse_features(struct nlattr **tb, int max OVS_UNUSED, void *f_)
{
    struct xeth_features *f = f_;
    struct sset hw = SSET_INITIALIZER(&hw);
    struct sset nochange = SSET_INITIALIZER(&nochange);
    int error = 0;

    if (!tb[ETHTOOL_A_FEATURES_ACTIVE] || !tb[ETHTOOL_A_FEATURES_HW]) {
        return EPROTO;
    }
    error = xeth_bitset_names(tb[ETHTOOL_A_FEATURES_ACTIVE], &f->active);
    if (!error) {
        error = xeth_bitset_names(tb[ETHTOOL_A_FEATURES_HW], &hw);
    }
    if (!error && tb[ETHTOOL_A_FEATURES_NOCHANGE]) {
        error = xeth_bitset_names(tb[ETHTOOL_A_FEATURES_NOCHANGE], &nochange);
    }
    const char *name;
    SSET_FOR_EACH (name, &hw) {
        if (!sset_contains(&nochange, name)) {
            sset_add(&f->changeable, name);
        }
    }
    sset_destroy(&hw);
    sset_destroy(&nochange);
    return error;
}

int
xeth_features_get(const char *device, struct xeth_features *f, char **msg)
{
    struct xeth_xact x = {
        .parse = xeth_parse_features, .max = ETHTOOL_A_FEATURES_MAX, .aux = f};
    return xeth_request(device, ETHTOOL_MSG_FEATURES_GET,
                        ETHTOOL_A_FEATURES_HEADER, 0, NULL, NULL, &x, msg);
}

struct xeth_wanted {
    const struct sset *on;
    const struct sset *off;
};

static int
xeth_put_bits(struct nl_msg *msg, const struct sset *names, bool value)
{
    const char *name;
    SSET_FOR_EACH (name, names) {
        struct nlattr *bit
            = nla_nest_start(msg, ETHTOOL_A_BITSET_BITS_BIT | NLA_F_NESTED);
        if (!bit || nla_put_string(msg, ETHTOOL_A_BITSET_BIT_NAME, name)
            || (value && nla_put_flag(msg, ETHTOOL_A_BITSET_BIT_VALUE))) {
            return -1;
        }
        nla_nest_end(msg, bit);
    }
    return 0;
}

static int
xeth_build_wanted(struct nl_msg *msg, const void *w_)
{
    const struct xeth_wanted *w = w_;
    struct nlattr *set
        = nla_nest_start(msg, ETHTOOL_A_FEATURES_WANTED | NLA_F_NESTED);
    if (!set) {
        return -1;
    }
    struct nlattr *bits
        = nla_nest_start(msg, ETHTOOL_A_BITSET_BITS | NLA_F_NESTED);
    if (!bits || xeth_put_bits(msg, w->on, true)
        || xeth_put_bits(msg, w->off, false)) {
        return -1;
    }
    nla_nest_end(msg, bits);
    nla_nest_end(msg, set);
    return 0;
}

int
xeth_features_set(const char *device, const struct sset *on,
                  const struct sset *off, char **msg)
{
    struct xeth_wanted w = {on, off};
    struct xeth_xact x = {.parse = NULL};
    return xeth_request(device, ETHTOOL_MSG_FEATURES_SET,
                        ETHTOOL_A_FEATURES_HEADER, ETHTOOL_FLAG_OMIT_REPLY,
                        xeth_build_wanted, &w, &x, msg);
}

/* ---------------------------------------------------------------------- */
/* Link modes. */

static int
xeth_parse_link_modes(struct nlattr **tb, int max OVS_UNUSED, void *lm_)
{
    struct xeth_link_modes *lm = lm_;

    if (tb[ETHTOOL_A_LINKMODES_AUTONEG]) {
        uint8_t a = nla_get_u8(tb[ETHTOOL_A_LINKMODES_AUTONEG]);
        lm->autoneg = a == AUTONEG_ENABLE ? 1 : a == AUTONEG_DISABLE ? 0 : -1;
    }
    if (tb[ETHTOOL_A_LINKMODES_SPEED]) {
        uint32_t s = nla_get_u32(tb[ETHTOOL_A_LINKMODES_SPEED]);
        lm->speed = s == (uint32_t)SPEED_UNKNOWN ? 0 : s;
    }
    if (tb[ETHTOOL_A_LINKMODES_DUPLEX]) {
        uint8_t d = nla_get_u8(tb[ETHTOOL_A_LINKMODES_DUPLEX]);
        lm->duplex = d == DUPLEX_FULL ? 1 : d == DUPLEX_HALF ? 0 : -1;
    }
    return 0;
}

int
xeth_link_modes_get(const char *device, struct xeth_link_modes *lm, char **msg)
{
    struct xeth_xact x = {.parse = xeth_parse_link_modes,
                          .max = ETHTOOL_A_LINKMODES_MAX,
                          .aux = lm};
    lm->autoneg = -1;
    lm->speed = 0;
    lm->duplex = -1;
    return xeth_request(device, ETHTOOL_MSG_LINKMODES_GET,
                        ETHTOOL_A_LINKMODES_HEADER, 0, NULL, NULL, &x, msg);
}

static int
xeth_build_link_modes(struct nl_msg *msg, const void *lm_)
{
    const struct xeth_link_modes *lm = lm_;

    if (lm->autoneg >= 0
        && nla_put_u8(msg, ETHTOOL_A_LINKMODES_AUTONEG,
                      lm->autoneg ? AUTONEG_ENABLE : AUTONEG_DISABLE)) {
        return -1;
    }
    if (lm->speed && nla_put_u32(msg, ETHTOOL_A_LINKMODES_SPEED, lm->speed)) {
        return -1;
    }
    if (lm->duplex >= 0
        && nla_put_u8(msg, ETHTOOL_A_LINKMODES_DUPLEX,
                      lm->duplex ? DUPLEX_FULL : DUPLEX_HALF)) {
        return -1;
    }
    return 0;
}

int
xeth_link_modes_set(const char *device, const struct xeth_link_modes *lm,
                    char **msg)
{
    struct xeth_xact x = {.parse = NULL};
    return xeth_request(device, ETHTOOL_MSG_LINKMODES_SET,
                        ETHTOOL_A_LINKMODES_HEADER, 0, xeth_build_link_modes,
                        lm, &x, msg);
}
