/* test_conntrack_msg.c - hand-built ctnetlink messages for the conntrack tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "test_conntrack_msg.h"
#include "test_netlink_msg.h"

#include <arpa/inet.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>

pm_endpoint
ct_endpoint(const char *text)
{
    pm_endpoint ep;

    if (!pm_endpoint_parse(text, &ep))
        g_error("bad endpoint %s", text);
    return ep;
}

static void
put_nested(GByteArray *parent, guint16 type, GByteArray *child)
{
    nt_put_attr(parent, (guint16)(type | NLA_F_NESTED), child->data, child->len, TRUE);
    g_byte_array_unref(child);
}

void
ct_put_tuple(GByteArray *payload, guint16 type, guint8 protocol, const char *src,
             const char *dst)
{
    pm_endpoint s = ct_endpoint(src), d = ct_endpoint(dst);
    gboolean v4 = s.addr.family == PM_AF_INET;
    GByteArray *tuple = g_byte_array_new(), *ip = g_byte_array_new(),
               *proto = g_byte_array_new();
    guint16 sport = htons(s.port), dport = htons(d.port);

    nt_put_attr(ip, v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, s.addr.bytes, v4 ? 4 : 16, TRUE);
    nt_put_attr(ip, v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, d.addr.bytes, v4 ? 4 : 16, TRUE);
    put_nested(tuple, CTA_TUPLE_IP, ip);
    nt_put_attr(proto, CTA_PROTO_NUM, &protocol, 1, TRUE);
    if (protocol == IPPROTO_TCP || protocol == IPPROTO_UDP) {
        nt_put_attr(proto, CTA_PROTO_SRC_PORT, &sport, 2, TRUE);
        nt_put_attr(proto, CTA_PROTO_DST_PORT, &dport, 2, TRUE);
    }
    put_nested(tuple, CTA_TUPLE_PROTO, proto);
    put_nested(payload, type, tuple);
}

GByteArray *
ct_payload_start(guint8 family)
{
    GByteArray *payload = g_byte_array_new();
    struct nfgenmsg nfg = { family, NFNETLINK_V0, 0 };

    g_byte_array_append(payload, (const guint8 *)&nfg, sizeof nfg);
    return payload;
}

GByteArray *
ct_entry_payload(guint8 protocol, const char *original_src, const char *original_dst,
                 const char *reply_src, const char *reply_dst)
{
    pm_endpoint first = ct_endpoint(original_src);
    GByteArray *payload = ct_payload_start(first.addr.family == PM_AF_INET ? AF_INET
                                                                          : AF_INET6);
    GByteArray *protoinfo = g_byte_array_new(), *tcp = g_byte_array_new();
    guint32 status = htonl(IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED | IPS_DST_NAT);
    guint32 timeout = htonl(431999), mark = 0, use = htonl(2), id = htonl(0x12345678);
    guint8 state = 3;   /* TCP_CONNTRACK_ESTABLISHED */

    ct_put_tuple(payload, CTA_TUPLE_ORIG, protocol, original_src, original_dst);
    ct_put_tuple(payload, CTA_TUPLE_REPLY, protocol, reply_src, reply_dst);
    nt_put_attr(payload, CTA_STATUS, &status, 4, TRUE);
    nt_put_attr(payload, CTA_TIMEOUT, &timeout, 4, TRUE);
    nt_put_attr(payload, CTA_MARK, &mark, 4, TRUE);
    nt_put_attr(tcp, CTA_PROTOINFO_TCP_STATE, &state, 1, TRUE);
    put_nested(protoinfo, CTA_PROTOINFO_TCP, tcp);
    put_nested(payload, CTA_PROTOINFO, protoinfo);
    nt_put_attr(payload, CTA_USE, &use, 4, TRUE);
    nt_put_attr(payload, CTA_ID, &id, 4, TRUE);
    return payload;
}

void
ct_put_entry(GByteArray *datagram, guint32 seq, GByteArray *payload)
{
    nt_put_message(datagram, (guint16)((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW), seq,
                   payload->data, payload->len);
}
