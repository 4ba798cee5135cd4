/* test_netlink_msg.c - hand-built netlink messages for the netlink tests.
 *
 * Written field by field with the kernel's UAPI structures, independently of
 * the builders and parsers under test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "test_netlink_msg.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

static void
pad_to_4(GByteArray *bytes)
{
    static const guint8 zeros[4] = { 0 };
    g_byte_array_append(bytes, zeros, (4 - bytes->len % 4) % 4);
}

gsize
nt_put_message(GByteArray *datagram, guint16 type, guint32 seq, const guint8 *payload,
               gsize len)
{
    struct nlmsghdr header;
    gsize offset = datagram->len;

    memset(&header, 0, sizeof header);
    header.nlmsg_len = (guint32)(sizeof header + len);
    header.nlmsg_type = type;
    header.nlmsg_flags = NLM_F_MULTI;
    header.nlmsg_seq = seq;
    header.nlmsg_pid = 4242;
    g_byte_array_append(datagram, (const guint8 *)&header, sizeof header);
    if (len > 0)
        g_byte_array_append(datagram, payload, (guint)len);
    pad_to_4(datagram);
    return offset;
}

void
nt_set_len(GByteArray *datagram, gsize offset, guint32 nlmsg_len)
{
    g_assert_cmpuint(offset + 4, <=, datagram->len);
    memcpy(datagram->data + offset, &nlmsg_len, sizeof nlmsg_len);
}

gsize
nt_put_done(GByteArray *datagram, guint32 seq, gint32 code)
{
    return nt_put_message(datagram, NLMSG_DONE, seq, (const guint8 *)&code, sizeof code);
}

void
nt_put_error(GByteArray *datagram, guint32 seq, gint32 code)
{
    struct nlmsgerr err;

    memset(&err, 0, sizeof err);
    err.error = code;
    err.msg.nlmsg_len = NLMSG_LENGTH(sizeof(struct inet_diag_req_v2));
    err.msg.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    err.msg.nlmsg_seq = seq;
    nt_put_message(datagram, NLMSG_ERROR, seq, (const guint8 *)&err, sizeof err);
}

void
nt_put_attr(GByteArray *payload, guint16 type, const void *data, gsize len, gboolean pad)
{
    struct rtattr attr;

    attr.rta_len = (unsigned short)(sizeof attr + len);
    attr.rta_type = type;
    g_byte_array_append(payload, (const guint8 *)&attr, sizeof attr);
    if (len > 0)
        g_byte_array_append(payload, data, (guint)len);
    if (pad)
        pad_to_4(payload);
}

GByteArray *
nt_diag_payload(guint8 family, guint8 state, const char *src, guint16 sport,
                const char *dst, guint16 dport, guint32 uid, guint32 inode)
{
    struct inet_diag_msg msg;
    GByteArray *payload = g_byte_array_new();

    memset(&msg, 0, sizeof msg);
    msg.idiag_family = family;
    msg.idiag_state = state;
    g_assert_cmpint(inet_pton(family, src, msg.id.idiag_src), ==, 1);
    g_assert_cmpint(inet_pton(family, dst, msg.id.idiag_dst), ==, 1);
    msg.id.idiag_sport = htons(sport);
    msg.id.idiag_dport = htons(dport);
    msg.id.idiag_cookie[0] = 0xdeadbeef;
    msg.idiag_uid = uid;
    msg.idiag_inode = inode;
    g_byte_array_append(payload, (const guint8 *)&msg, sizeof msg);
    return payload;
}

void
nt_put_v6only(GByteArray *payload, guint8 v6only)
{
    nt_put_attr(payload, INET_DIAG_SKV6ONLY, &v6only, 1, TRUE);
}

void
nt_put_diag(GByteArray *datagram, guint32 seq, guint8 family, guint8 state,
            const char *src, guint16 sport, const char *dst, guint16 dport,
            guint32 uid, guint32 inode, int v6only)
{
    GByteArray *payload = nt_diag_payload(family, state, src, sport, dst, dport, uid, inode);
    guint8 shutdown = 0;

    /* What the kernel always adds. */
    nt_put_attr(payload, INET_DIAG_SHUTDOWN, &shutdown, 1, TRUE);
    if (v6only >= 0)
        nt_put_v6only(payload, (guint8)v6only);
    nt_put_message(datagram, SOCK_DIAG_BY_FAMILY, seq, payload->data, payload->len);
    g_byte_array_unref(payload);
}

GByteArray *
nt_ifaddr_payload(guint8 family, const char *local, const char *address)
{
    struct ifaddrmsg msg;
    GByteArray *payload = g_byte_array_new();
    guint8 bytes[16];
    gsize len = family == AF_INET ? 4 : 16;

    memset(&msg, 0, sizeof msg);
    msg.ifa_family = family;
    msg.ifa_prefixlen = family == AF_INET ? 24 : 64;
    msg.ifa_index = 2;
    g_byte_array_append(payload, (const guint8 *)&msg, sizeof msg);
    if (address) {
        g_assert_cmpint(inet_pton(family, address, bytes), ==, 1);
        nt_put_attr(payload, IFA_ADDRESS, bytes, len, TRUE);
    }
    if (local) {
        g_assert_cmpint(inet_pton(family, local, bytes), ==, 1);
        nt_put_attr(payload, IFA_LOCAL, bytes, len, TRUE);
    }
    nt_put_attr(payload, IFA_LABEL, "eth0", 5, TRUE);
    return payload;
}
