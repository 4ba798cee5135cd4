/* conntrack_parse.c - ctnetlink request building and reply parsing, no I/O.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "conntrack_parse.h"

#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

/* ---- the request -------------------------------------------------------- */

/* Appends attributes to a buffer; any write past @cap sets @overflow. */
typedef struct {
    guint8  *buf;
    gsize    cap;
    gsize    len;
    gboolean overflow;
} attr_writer;

static void
put_bytes(attr_writer *w, const void *data, gsize len)
{
    if (w->overflow || w->cap - w->len < len) {
        w->overflow = TRUE;
        return;
    }
    memcpy(w->buf + w->len, data, len);
    w->len += len;
}

static void
pad(attr_writer *w)
{
    static const guint8 zeros[4];
    put_bytes(w, zeros, NLA_ALIGN(w->len) - w->len);
}

/* Starts a nested attribute; returns where its header is. */
static gsize
open_nested(attr_writer *w, guint16 type)
{
    struct nlattr header = { 0, (guint16)(type | NLA_F_NESTED) };
    gsize start = w->len;

    put_bytes(w, &header, sizeof header);
    return start;
}

static void
close_nested(attr_writer *w, gsize start)
{
    guint16 len = (guint16)(w->len - start);

    if (!w->overflow)
        memcpy(w->buf + start, &len, sizeof len);   /* nla_len comes first */
}

static void
put_attr(attr_writer *w, guint16 type, const void *data, gsize len)
{
    struct nlattr header = { (guint16)(NLA_HDRLEN + len), type };

    put_bytes(w, &header, sizeof header);
    put_bytes(w, data, len);
    pad(w);
}

gsize
pm_ct_build_get(guint8 *buf, gsize cap, guint8 protocol, const pm_endpoint *src,
                const pm_endpoint *dst, guint32 seq)
{
    attr_writer w = { buf, cap, 0, FALSE };
    struct nlmsghdr header;
    struct nfgenmsg nfg;
    gboolean v4 = src->addr.family == PM_AF_INET;
    gsize addr_len = v4 ? 4 : 16;
    guint16 sport = g_htons(src->port), dport = g_htons(dst->port);
    gsize tuple, ip, proto;

    if (buf == NULL || src->addr.family != dst->addr.family
        || (src->addr.family != PM_AF_INET && src->addr.family != PM_AF_INET6))
        return 0;
    memset(&header, 0, sizeof header);
    header.nlmsg_type = PM_CT_MSG_TYPE(IPCTNL_MSG_CT_GET);
    header.nlmsg_flags = NLM_F_REQUEST;   /* no NLM_F_DUMP: this one entry */
    header.nlmsg_seq = seq;
    put_bytes(&w, &header, sizeof header);
    memset(&nfg, 0, sizeof nfg);
    nfg.nfgen_family = v4 ? AF_INET : AF_INET6;
    nfg.version = NFNETLINK_V0;
    nfg.res_id = 0;
    put_bytes(&w, &nfg, sizeof nfg);

    tuple = open_nested(&w, CTA_TUPLE_ORIG);   /* the kernel matches either direction */
    ip = open_nested(&w, CTA_TUPLE_IP);
    put_attr(&w, v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, src->addr.bytes, addr_len);
    put_attr(&w, v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, dst->addr.bytes, addr_len);
    close_nested(&w, ip);
    proto = open_nested(&w, CTA_TUPLE_PROTO);
    put_attr(&w, CTA_PROTO_NUM, &protocol, 1);
    put_attr(&w, CTA_PROTO_SRC_PORT, &sport, sizeof sport);
    put_attr(&w, CTA_PROTO_DST_PORT, &dport, sizeof dport);
    close_nested(&w, proto);
    close_nested(&w, tuple);

    if (w.overflow)
        return 0;
    header.nlmsg_len = (guint32)w.len;
    memcpy(buf, &header.nlmsg_len, sizeof header.nlmsg_len);
    return w.len;
}

/* ---- the reply ---------------------------------------------------------- */

/* CTA_TUPLE_IP: both addresses, of the family's size. */
static pm_nl_row
parse_addresses(const guint8 *data, gsize len, guint8 family, pm_endpoint *src,
                pm_endpoint *dst)
{
    guint16 want_src = family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC;
    guint16 want_dst = family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST;
    gsize want_len = family == AF_INET ? 4 : 16;
    gboolean have_src = FALSE, have_dst = FALSE;
    pm_nl_attr_result result;
    const guint8 *value;
    gsize offset = 0, value_len;
    guint16 type;

    while ((result = pm_nl_next_attr(data, len, &offset, &type, &value, &value_len))
           == PM_NL_ATTR_OK) {
        pm_endpoint *end;

        if (type == want_src) {
            end = src;
            have_src = TRUE;
        } else if (type == want_dst) {
            end = dst;
            have_dst = TRUE;
        } else if (type >= CTA_IP_V4_SRC && type <= CTA_IP_V6_DST) {
            return PM_NL_ROW_MALFORMED;     /* an address of the other family */
        } else {
            continue;
        }
        if (value_len != want_len)
            return PM_NL_ROW_MALFORMED;
        if (family == AF_INET)
            pm_addr_from_ipv4(&end->addr, value);
        else
            pm_addr_from_ipv6(&end->addr, value);
    }
    if (result == PM_NL_ATTR_MALFORMED || !have_src || !have_dst)
        return PM_NL_ROW_MALFORMED;
    return PM_NL_ROW_OK;
}

/* CTA_TUPLE_PROTO: the protocol number, and the ports when it has them. */
static pm_nl_row
parse_protocol(const guint8 *data, gsize len, guint8 *protocol, pm_endpoint *src,
               pm_endpoint *dst)
{
    gboolean have_protocol = FALSE, have_sport = FALSE, have_dport = FALSE;
    pm_nl_attr_result result;
    const guint8 *value;
    gsize offset = 0, value_len;
    guint16 type, port;

    while ((result = pm_nl_next_attr(data, len, &offset, &type, &value, &value_len))
           == PM_NL_ATTR_OK) {
        switch (type) {
        case CTA_PROTO_NUM:
            if (value_len < 1)
                return PM_NL_ROW_MALFORMED;
            *protocol = value[0];
            have_protocol = TRUE;
            break;
        case CTA_PROTO_SRC_PORT:
        case CTA_PROTO_DST_PORT:
            if (value_len != sizeof port)
                return PM_NL_ROW_MALFORMED;
            memcpy(&port, value, sizeof port);
            if (type == CTA_PROTO_SRC_PORT) {
                src->port = g_ntohs(port);
                have_sport = TRUE;
            } else {
                dst->port = g_ntohs(port);
                have_dport = TRUE;
            }
            break;
        default:
            break;          /* ICMP ids and types, whatever newer kernels add */
        }
    }
    if (result == PM_NL_ATTR_MALFORMED || !have_protocol)
        return PM_NL_ROW_MALFORMED;
    if (*protocol != IPPROTO_TCP && *protocol != IPPROTO_UDP)
        return PM_NL_ROW_SKIP;
    return have_sport && have_dport ? PM_NL_ROW_OK : PM_NL_ROW_MALFORMED;
}

/* CTA_TUPLE_ORIG or CTA_TUPLE_REPLY. */
static pm_nl_row
parse_tuple(const guint8 *data, gsize len, guint8 family, guint8 *protocol,
            pm_endpoint *src, pm_endpoint *dst)
{
    pm_nl_row addresses = PM_NL_ROW_MALFORMED, ports = PM_NL_ROW_MALFORMED;
    pm_nl_attr_result result;
    const guint8 *value;
    gsize offset = 0, value_len;
    guint16 type;

    while ((result = pm_nl_next_attr(data, len, &offset, &type, &value, &value_len))
           == PM_NL_ATTR_OK) {
        if (type == CTA_TUPLE_IP)
            addresses = parse_addresses(value, value_len, family, src, dst);
        else if (type == CTA_TUPLE_PROTO)
            ports = parse_protocol(value, value_len, protocol, src, dst);
        else
            continue;       /* CTA_TUPLE_ZONE */
        if ((type == CTA_TUPLE_IP ? addresses : ports) == PM_NL_ROW_MALFORMED)
            return PM_NL_ROW_MALFORMED;
    }
    if (result == PM_NL_ATTR_MALFORMED || addresses != PM_NL_ROW_OK
        || ports == PM_NL_ROW_MALFORMED)
        return PM_NL_ROW_MALFORMED;
    return ports;
}

pm_nl_row
pm_ct_parse_entry(const guint8 *payload, gsize len, guint8 *protocol, pm_connection *out)
{
    struct nfgenmsg nfg;
    pm_nl_row tuples[2] = { PM_NL_ROW_MALFORMED, PM_NL_ROW_MALFORMED };
    guint8 protocols[2] = { 0, 0 };
    pm_connection found;
    pm_nl_attr_result result;
    const guint8 *value;
    gsize offset = NLMSG_ALIGN(sizeof nfg), value_len;
    guint16 type;

    if (len < sizeof nfg)
        return PM_NL_ROW_MALFORMED;
    memcpy(&nfg, payload, sizeof nfg);
    if (nfg.nfgen_family != AF_INET && nfg.nfgen_family != AF_INET6)
        return PM_NL_ROW_MALFORMED;      /* we asked for an IP entry */
    memset(&found, 0, sizeof found);
    while ((result = pm_nl_next_attr(payload, len, &offset, &type, &value, &value_len))
           == PM_NL_ATTR_OK) {
        int i = type == CTA_TUPLE_ORIG ? 0 : type == CTA_TUPLE_REPLY ? 1 : -1;

        if (i < 0)
            continue;       /* status, timeout, mark, counters, ... */
        tuples[i] = parse_tuple(value, value_len, nfg.nfgen_family, &protocols[i],
                                i == 0 ? &found.original_src : &found.reply_src,
                                i == 0 ? &found.original_dst : &found.reply_dst);
        if (tuples[i] == PM_NL_ROW_MALFORMED)
            return PM_NL_ROW_MALFORMED;
    }
    if (result == PM_NL_ATTR_MALFORMED || tuples[0] == PM_NL_ROW_MALFORMED
        || tuples[1] == PM_NL_ROW_MALFORMED || protocols[0] != protocols[1])
        return PM_NL_ROW_MALFORMED;
    *protocol = protocols[0];
    if (tuples[0] == PM_NL_ROW_SKIP)
        return PM_NL_ROW_SKIP;
    *out = found;
    return PM_NL_ROW_OK;
}

/* ---- which socket ------------------------------------------------------- */

static gboolean
ends_are(const pm_endpoint *local, const pm_endpoint *remote, const pm_endpoint *a,
         const pm_endpoint *b)
{
    return pm_endpoint_equal(local, a) && pm_endpoint_equal(remote, b);
}

gboolean
pm_ct_socket_ends(const pm_connection *c, const pm_endpoint *local, const pm_endpoint *remote,
                  pm_endpoint *socket_local, pm_endpoint *socket_remote)
{
    /* The initiator sent the original tuple: its socket is that tuple (the
     * conntrack entry of a local connect() is made at OUTPUT, before NAT). */
    if (ends_are(local, remote, &c->original_src, &c->original_dst)
        || ends_are(local, remote, &c->reply_dst, &c->reply_src)) {
        *socket_local = c->original_src;
        *socket_remote = c->original_dst;
        return TRUE;
    }
    /* The responder receives what NAT made of the original tuple, which is
     * the reply tuple reversed. */
    if (ends_are(local, remote, &c->original_dst, &c->original_src)
        || ends_are(local, remote, &c->reply_src, &c->reply_dst)) {
        *socket_local = c->reply_src;
        *socket_remote = c->reply_dst;
        return TRUE;
    }
    return FALSE;
}
