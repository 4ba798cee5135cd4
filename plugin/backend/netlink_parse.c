/* netlink_parse.c - netlink request building and reply parsing, no I/O.
 *
 * Every read of the input goes through a length check first, and structures
 * are memcpy'd out, so arbitrary (even unaligned) bytes are safe.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netlink_parse.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

/* Largest errno the kernel returns (MAX_ERRNO). */
#define KERNEL_MAX_ERRNO 4095

/* ---- requests ----------------------------------------------------------- */

static gsize
build_request(guint8 *buf, gsize cap, guint16 type, guint16 flags, guint32 seq,
              const void *body, gsize body_len)
{
    struct nlmsghdr header;
    gsize len = NLMSG_LENGTH(body_len);

    if (buf == NULL || cap < NLMSG_ALIGN(len))
        return 0;
    memset(buf, 0, NLMSG_ALIGN(len));
    memset(&header, 0, sizeof header);
    header.nlmsg_len = (guint32)len;
    header.nlmsg_type = type;
    header.nlmsg_flags = flags;
    header.nlmsg_seq = seq;
    header.nlmsg_pid = 0;  /* the kernel fills in our port id */
    memcpy(buf, &header, sizeof header);
    memcpy(buf + NLMSG_HDRLEN, body, body_len);
    return NLMSG_ALIGN(len);
}

gsize
pm_nl_build_inet_diag_request(guint8 *buf, gsize cap, guint8 family, guint8 protocol,
                              guint32 states, guint32 seq)
{
    struct inet_diag_req_v2 req;

    memset(&req, 0, sizeof req);
    req.sdiag_family = family;
    req.sdiag_protocol = protocol;
    /* No extensions: INET_DIAG_SKV6ONLY cannot be asked for (idiag_ext has 8
     * bits, it is number 11); the kernel adds it by itself where it matters. */
    req.idiag_ext = 0;
    req.idiag_states = states;
    return build_request(buf, cap, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, &req,
                         sizeof req);
}

gsize
pm_nl_build_getaddr_request(guint8 *buf, gsize cap, guint32 seq)
{
    struct ifaddrmsg req;

    memset(&req, 0, sizeof req);
    req.ifa_family = AF_UNSPEC;
    return build_request(buf, cap, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq, &req,
                         sizeof req);
}

/* Network-order address bytes into an idiag_src/idiag_dst field. */
static void
put_sockid_addr(__be32 field[4], const pm_addr *addr)
{
    memcpy(field, addr->bytes, addr->family == PM_AF_INET ? 4 : 16);
}

gsize
pm_nl_build_inet_diag_lookup(guint8 *buf, gsize cap, guint8 protocol,
                             const pm_endpoint *local, const pm_endpoint *remote,
                             guint32 ifindex, guint32 seq)
{
    struct inet_diag_req_v2 req;
    pm_endpoint any;
    const pm_endpoint *src = local, *dst;

    if (local->addr.family != PM_AF_INET && local->addr.family != PM_AF_INET6)
        return 0;
    if (remote == NULL) {
        memset(&any, 0, sizeof any);
        pm_addr_any(&any.addr, local->addr.family);
        remote = &any;
    }
    if (remote->addr.family != local->addr.family)
        return 0;
    dst = remote;
    if (protocol == IPPROTO_UDP) {
        /* udp_dump_one looks up (idiag_src -> idiag_dst) as a packet. */
        src = remote;
        dst = local;
    }
    memset(&req, 0, sizeof req);
    req.sdiag_family = local->addr.family == PM_AF_INET ? AF_INET : AF_INET6;
    req.sdiag_protocol = protocol;
    req.idiag_states = ~0u;  /* a lookup does not filter by state */
    put_sockid_addr(req.id.idiag_src, &src->addr);
    put_sockid_addr(req.id.idiag_dst, &dst->addr);
    req.id.idiag_sport = g_htons(src->port);
    req.id.idiag_dport = g_htons(dst->port);
    req.id.idiag_if = ifindex;
    req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    return build_request(buf, cap, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, seq, &req, sizeof req);
}

/* ---- the walker ----------------------------------------------------------- */

/* Netlink has two length-prefixed records - messages (struct nlmsghdr, a
 * 32-bit length) and attributes (struct rtattr, a 16-bit length) - both
 * starting with their length and 4-aligned, and one walker serves both (as
 * iproute2's NLMSG_OK/RTA_OK checks are one rule).  The record at *@offset
 * of @len bytes, whose first @length_size bytes (4 or 2) are its length,
 * must hold its @header_size bytes and fit in the bytes left; *@offset then
 * moves past its aligned length (the last record may lack its padding). */
typedef enum {
    RECORD_OK = 0,
    RECORD_END,
    RECORD_MALFORMED
} record_result;

G_STATIC_ASSERT(NLMSG_ALIGNTO == RTA_ALIGNTO);

static record_result
next_record(const guint8 *buf, gsize len, gsize *offset, gsize header_size, gsize length_size,
            const guint8 **record, gsize *record_len)
{
    gsize left, length;

    if (*offset >= len)
        return RECORD_END;
    left = len - *offset;
    if (left < header_size)
        return RECORD_MALFORMED;
    if (length_size == sizeof(guint16)) {
        guint16 value;
        memcpy(&value, buf + *offset, sizeof value);
        length = value;
    } else {
        guint32 value;
        memcpy(&value, buf + *offset, sizeof value);
        length = value;
    }
    if (length < header_size || length > left)
        return RECORD_MALFORMED;
    *record = buf + *offset;
    *record_len = length;
    *offset += MIN((gsize)NLMSG_ALIGN(length), left);
    return RECORD_OK;
}

/* ---- messages ----------------------------------------------------------- */

pm_nl_next_result
pm_nl_next_message(const guint8 *buf, gsize len, gsize *offset, pm_nl_message *out)
{
    struct nlmsghdr header;
    const guint8 *record;
    gsize record_len;

    switch (next_record(buf, len, offset, NLMSG_HDRLEN, sizeof header.nlmsg_len, &record,
                        &record_len)) {
    case RECORD_END:
        return PM_NL_NEXT_END;
    case RECORD_MALFORMED:
        return PM_NL_NEXT_MALFORMED;
    case RECORD_OK:
        break;
    }
    memcpy(&header, record, sizeof header);
    out->type = header.nlmsg_type;
    out->flags = header.nlmsg_flags;
    out->seq = header.nlmsg_seq;
    out->pid = header.nlmsg_pid;
    out->payload = record + NLMSG_HDRLEN;
    out->payload_len = record_len - NLMSG_HDRLEN;
    return PM_NL_NEXT_OK;
}

static int
kernel_errno(gint32 code)
{
    return code < 0 && code >= -KERNEL_MAX_ERRNO ? -code : EPROTO;
}

pm_nl_kind
pm_nl_classify(const pm_nl_message *msg, int *err)
{
    gint32 code;

    *err = 0;
    switch (msg->type) {
    case NLMSG_NOOP:
        return PM_NL_KIND_NOOP;
    case NLMSG_DONE:
        /* Since Linux 4.x the payload is the dump's result; older kernels
         * may send less. */
        if (msg->payload_len < sizeof code)
            return PM_NL_KIND_DONE;
        memcpy(&code, msg->payload, sizeof code);
        if (code >= 0)
            return PM_NL_KIND_DONE;
        *err = kernel_errno(code);
        return PM_NL_KIND_ERROR;
    case NLMSG_ERROR:
        /* struct nlmsgerr: the error code, then (maybe cut) our request. */
        if (msg->payload_len < sizeof code)
            return PM_NL_KIND_MALFORMED;
        memcpy(&code, msg->payload, sizeof code);
        if (code == 0)
            return PM_NL_KIND_ACK;
        *err = kernel_errno(code);
        return PM_NL_KIND_ERROR;
    case NLMSG_OVERRUN:
        *err = EOVERFLOW;
        return PM_NL_KIND_ERROR;
    default:
        return PM_NL_KIND_DATA;
    }
}

/* ---- attributes --------------------------------------------------------- */

pm_nl_attr_result
pm_nl_next_attr(const guint8 *buf, gsize len, gsize *offset, guint16 *type,
                const guint8 **data, gsize *data_len)
{
    struct rtattr attr;
    const guint8 *record;
    gsize record_len;

    switch (next_record(buf, len, offset, sizeof attr, sizeof attr.rta_len, &record,
                        &record_len)) {
    case RECORD_END:
        return PM_NL_ATTR_END;
    case RECORD_MALFORMED:
        return PM_NL_ATTR_MALFORMED;
    case RECORD_OK:
        break;
    }
    memcpy(&attr, record, sizeof attr);
    *type = attr.rta_type & NLA_TYPE_MASK;
    *data = record + RTA_LENGTH(0);
    *data_len = record_len - RTA_LENGTH(0);
    return PM_NL_ATTR_OK;
}

/* An attribute's value; data is NULL when the message has none. */
typedef struct {
    const guint8 *data;
    gsize         len;
} nl_attr;

/* The attributes after a message's fixed part (at @offset), by type up to
 * @max (others are skipped; of a type given twice the last wins), as
 * iproute2's parse_rtattr() does.  FALSE if their framing is malformed. */
static gboolean
index_attributes(const guint8 *payload, gsize len, gsize offset, nl_attr *by_type, guint16 max)
{
    pm_nl_attr_result result;
    const guint8 *data;
    gsize data_len;
    guint16 type;

    memset(by_type, 0, (max + 1u) * sizeof *by_type);
    while ((result = pm_nl_next_attr(payload, len, &offset, &type, &data, &data_len))
           == PM_NL_ATTR_OK) {
        if (type <= max) {
            by_type[type].data = data;
            by_type[type].len = data_len;
        }
    }
    return result != PM_NL_ATTR_MALFORMED;
}

/* ---- rows --------------------------------------------------------------- */

/* Sets @addr from @family and network-order @bytes (4 or 16 used). */
static gboolean
addr_from_family(pm_addr *addr, guint8 family, const guint8 *bytes)
{
    if (family == AF_INET)
        pm_addr_from_ipv4(addr, bytes);
    else if (family == AF_INET6)
        pm_addr_from_ipv6(addr, bytes);
    else
        return FALSE;
    return TRUE;
}

pm_nl_row
pm_nl_parse_inet_diag(const guint8 *payload, gsize len, pm_socket *out)
{
    struct inet_diag_msg msg;
    /* INET_DIAG_SHUTDOWN and whatever newer kernels add are skipped. */
    nl_attr attrs[INET_DIAG_SKV6ONLY + 1];
    const nl_attr *v6only_attr = &attrs[INET_DIAG_SKV6ONLY];
    pm_v6only v6only = PM_V6ONLY_UNKNOWN;

    if (len < sizeof msg)
        return PM_NL_ROW_MALFORMED;
    memcpy(&msg, payload, sizeof msg);
    if (msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6)
        return PM_NL_ROW_MALFORMED;  /* we asked for inet sockets only */
    if (!index_attributes(payload, len, NLMSG_ALIGN(sizeof msg), attrs, INET_DIAG_SKV6ONLY))
        return PM_NL_ROW_MALFORMED;
    if (v6only_attr->data != NULL) {
        if (v6only_attr->len < 1)
            return PM_NL_ROW_MALFORMED;
        v6only = v6only_attr->data[0] ? PM_V6ONLY_YES : PM_V6ONLY_NO;
    }
    if (msg.idiag_inode == 0)
        return PM_NL_ROW_SKIP;

    memset(out, 0, sizeof *out);
    /* idiag_src/idiag_dst hold network-order bytes: IPv4 in the first word. */
    addr_from_family(&out->local.addr, msg.idiag_family, (const guint8 *)msg.id.idiag_src);
    addr_from_family(&out->remote.addr, msg.idiag_family, (const guint8 *)msg.id.idiag_dst);
    out->local.port = g_ntohs(msg.id.idiag_sport);
    out->remote.port = g_ntohs(msg.id.idiag_dport);
    out->state = msg.idiag_state;
    out->from_v6_table = msg.idiag_family == AF_INET6;
    out->v6only = msg.idiag_family == AF_INET6 ? v6only : PM_V6ONLY_UNKNOWN;
    out->uid = msg.idiag_uid;
    out->inode = msg.idiag_inode;
    return PM_NL_ROW_OK;
}

pm_nl_row
pm_nl_parse_ifaddr(const guint8 *payload, gsize len, pm_addr *out)
{
    guint32 ifindex;

    return pm_nl_parse_ifaddr_on(payload, len, out, &ifindex);
}

pm_nl_row
pm_nl_parse_ifaddr_on(const guint8 *payload, gsize len, pm_addr *out, guint32 *ifindex)
{
    struct ifaddrmsg msg;
    nl_attr attrs[MAX(IFA_LOCAL, IFA_ADDRESS) + 1];
    const nl_attr *local = &attrs[IFA_LOCAL], *address = &attrs[IFA_ADDRESS];
    gsize want;

    if (len < sizeof msg)
        return PM_NL_ROW_MALFORMED;
    memcpy(&msg, payload, sizeof msg);
    if (!index_attributes(payload, len, NLMSG_ALIGN(sizeof msg), attrs,
                          MAX(IFA_LOCAL, IFA_ADDRESS)))
        return PM_NL_ROW_MALFORMED;
    want = msg.ifa_family == AF_INET ? 4 : msg.ifa_family == AF_INET6 ? 16 : 0;
    if (want == 0)
        return PM_NL_ROW_SKIP;
    if ((local->data != NULL && local->len != want) ||
        (address->data != NULL && address->len != want))
        return PM_NL_ROW_MALFORMED;
    if (local->data == NULL && address->data == NULL)
        return PM_NL_ROW_SKIP;
    addr_from_family(out, msg.ifa_family, local->data ? local->data : address->data);
    *ifindex = msg.ifa_index;
    return PM_NL_ROW_OK;
}
