/* packet_parse.c - the TCP/UDP tuple of a captured frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "packet_parse.h"

#include <string.h>

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86dd
#define ETHERTYPE_VLAN  0x8100
#define ETHERTYPE_QINQ  0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define PROTO_TCP 6
#define PROTO_UDP 17
/* Linux cooked header packet types (sll_pkttype). */
#define SLL_OUTGOING 4
#define SLL_HOST 0
#define SLL_BROADCAST 1
#define SLL_MULTICAST 2
#define SLL_OTHERHOST 3

static guint16
be16(const guint8 *p)
{
    return (guint16)((p[0] << 8) | p[1]);
}

static guint32
le32(const guint8 *p)
{
    return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static gboolean
ports(guint8 protocol, const guint8 *l4, gsize len, pm_packet_tuple *out)
{
    if (protocol == PROTO_TCP) {
        if (len < 20)
            return FALSE;
        out->transport = PM_TRANSPORT_TCP;
    } else if (protocol == PROTO_UDP) {
        if (len < 8)
            return FALSE;
        out->transport = PM_TRANSPORT_UDP;
    } else {
        return FALSE;
    }
    out->src.port = be16(l4);
    out->dst.port = be16(l4 + 2);
    return TRUE;
}

static gboolean
parse_ipv4(const guint8 *p, gsize len, pm_packet_tuple *out)
{
    gsize header_len, total_len;

    if (len < 20 || (p[0] >> 4) != 4)
        return FALSE;
    header_len = (gsize)(p[0] & 0x0f) * 4;
    total_len = be16(p + 2);
    if (header_len < 20 || header_len > len)
        return FALSE;
    if ((be16(p + 6) & 0x1fff) != 0)     /* a later fragment: no ports */
        return FALSE;
    if (total_len >= header_len && total_len < len)
        len = total_len;                 /* Ethernet padding */
    pm_addr_from_ipv4(&out->src.addr, p + 12);
    pm_addr_from_ipv4(&out->dst.addr, p + 16);
    return ports(p[9], p + header_len, len - header_len, out);
}

static gboolean
is_v4_mapped(const guint8 *addr)
{
    static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

    return memcmp(addr, prefix, sizeof prefix) == 0;
}

static gboolean
parse_ipv6(const guint8 *p, gsize len, pm_packet_tuple *out)
{
    guint8 next;
    gsize offset = 40;

    if (len < 40 || (p[0] >> 4) != 6)
        return FALSE;
    next = p[6];
    /* Extension headers: hop-by-hop, routing, fragment, destination options. */
    for (int hops = 0; hops < 8; hops++) {
        if (next == 0 || next == 43 || next == 60) {
            if (offset + 8 > len)
                return FALSE;
            next = p[offset];
            offset += ((gsize)p[offset + 1] + 1) * 8;
        } else if (next == 44) {
            if (offset + 8 > len || (be16(p + offset + 2) & 0xfff8) != 0)
                return FALSE;            /* truncated, or not the first fragment */
            next = p[offset];
            offset += 8;
        } else {
            break;
        }
    }
    if (offset > len)
        return FALSE;
    /* A v4-mapped address (::ffff:a.b.c.d) never travels in an IPv6 header
     * (RFC 4291): the kernel sends such a socket's traffic as IPv4.  One
     * that does is forged, and would read as IPv4 (pm_addr canonicalises
     * it), a local IPv4 socket's: not a tuple. */
    if (is_v4_mapped(p + 8) || is_v4_mapped(p + 24))
        return FALSE;
    pm_addr_from_ipv6(&out->src.addr, p + 8);
    pm_addr_from_ipv6(&out->dst.addr, p + 24);
    return ports(next, p + offset, len - offset, out);
}

static gboolean
parse_ethertype(guint16 type, const guint8 *p, gsize len, pm_packet_tuple *out)
{
    if (type == ETHERTYPE_IPV4)
        return parse_ipv4(p, len, out);
    if (type == ETHERTYPE_IPV6)
        return parse_ipv6(p, len, out);
    return FALSE;
}

static gboolean
parse_raw(const guint8 *p, gsize len, pm_packet_tuple *out)
{
    if (len < 1)
        return FALSE;
    if ((p[0] >> 4) == 4)
        return parse_ipv4(p, len, out);
    if ((p[0] >> 4) == 6)
        return parse_ipv6(p, len, out);
    return FALSE;
}

static gboolean
parse_ethernet(const guint8 *p, gsize len, const guint8 *own_mac, pm_packet_tuple *out)
{
    static const guint8 zero_mac[6];
    gsize offset = 12;
    guint16 type;

    if (len < 14)
        return FALSE;
    type = be16(p + offset);
    for (int tags = 0; tags < 2 && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
                                     type == ETHERTYPE_QINQ_OLD); tags++) {
        offset += 4;
        if (offset + 2 > len)
            return FALSE;
        type = be16(p + offset);
    }
    /* Sent by the interface, or sent to it (or to a group it is in); a
     * frame between two other stations (a bridge port, promiscuous mode)
     * has no direction of its own. */
    if (own_mac != NULL && memcmp(own_mac, zero_mac, 6) != 0) {
        if (memcmp(p + 6, own_mac, 6) == 0)
            out->direction = PM_DIRECTION_OUTBOUND;
        else if (memcmp(p, own_mac, 6) == 0 || (p[0] & 1))
            out->direction = PM_DIRECTION_INBOUND;
    }
    return parse_ethertype(type, p + offset + 2, len - offset - 2, out);
}

static void
direction_of_pkttype(guint16 pkttype, pm_packet_tuple *out)
{
    if (pkttype == SLL_OUTGOING)
        out->direction = PM_DIRECTION_OUTBOUND;
    else if (pkttype <= SLL_OTHERHOST)
        out->direction = PM_DIRECTION_INBOUND;
}

gboolean
pm_packet_parse(int linktype, const guint8 *data, gsize len, const guint8 *own_mac,
                pm_packet_tuple *out)
{
    memset(out, 0, sizeof *out);
    switch (linktype) {
    case DLT_EN10MB:
        return parse_ethernet(data, len, own_mac, out);
    case DLT_RAW: case PM_DLT_RAW_OPENBSD:
        return parse_raw(data, len, out);
    case DLT_IPV4:
        return parse_ipv4(data, len, out);
    case DLT_IPV6:
        return parse_ipv6(data, len, out);
    case DLT_NULL: case DLT_LOOP: {
        guint32 family;

        if (len < 4)
            return FALSE;
        /* Host order for DLT_NULL, network order for DLT_LOOP; either way
         * 2 is IPv4 and the IPv6 numbers differ per BSD: trust the header. */
        family = linktype == DLT_LOOP ? ((guint32)be16(data) << 16 | be16(data + 2))
                                         : le32(data);
        if (family != 2 && family != 0x02000000)
            return parse_raw(data + 4, len - 4, out);
        return parse_ipv4(data + 4, len - 4, out);
    }
    case DLT_LINUX_SLL:
        if (len < 16)
            return FALSE;
        direction_of_pkttype(be16(data), out);
        return parse_ethertype(be16(data + 14), data + 16, len - 16, out);
    case DLT_LINUX_SLL2:
        if (len < 20)
            return FALSE;
        direction_of_pkttype(data[10], out);
        return parse_ethertype(be16(data), data + 20, len - 20, out);
    default:
        return FALSE;
    }
}
