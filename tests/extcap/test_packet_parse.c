/* test_packet_parse.c - tuples and directions of captured frames.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "packet_parse.h"

#include <string.h>

static const guint8 own_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const guint8 peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* IPv4 + TCP 10.0.0.1:40000 -> 10.0.0.2:80 (no checksums needed). */
static gsize
ipv4_tcp(guint8 *out, guint16 fragment)
{
    static const guint8 header[20] = {
        0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    };
    memcpy(out, header, 20);
    out[6] = (guint8)(fragment >> 8);
    out[7] = (guint8)fragment;
    memset(out + 20, 0, 20);
    out[20] = 40000 >> 8; out[21] = 40000 & 0xff;
    out[22] = 0; out[23] = 80;
    out[32] = 0x50;
    return 40;
}

/* IPv6 with a hop-by-hop header + UDP [2001:db8::1]:5353 -> [2001:db8::2]:53. */
static gsize
ipv6_udp(guint8 *out)
{
    memset(out, 0, 40 + 8 + 8);
    out[0] = 0x60;
    out[5] = 16;
    out[6] = 0;           /* hop-by-hop */
    out[7] = 64;
    out[8] = 0x20; out[9] = 0x01; out[10] = 0x0d; out[11] = 0xb8; out[23] = 1;
    out[24] = 0x20; out[25] = 0x01; out[26] = 0x0d; out[27] = 0xb8; out[39] = 2;
    out[40] = 17;         /* next: UDP; length 0 = 8 bytes */
    out[48] = 5353 >> 8; out[49] = 5353 & 0xff; out[50] = 0; out[51] = 53;
    return 56;
}

static void
check_v4(const pm_packet_tuple *tuple)
{
    char src[PM_ENDPOINT_STRLEN], dst[PM_ENDPOINT_STRLEN];

    g_assert_cmpint(tuple->transport, ==, PM_TRANSPORT_TCP);
    g_assert_cmpstr(pm_endpoint_to_string(&tuple->src, src, sizeof src), ==, "10.0.0.1:40000");
    g_assert_cmpstr(pm_endpoint_to_string(&tuple->dst, dst, sizeof dst), ==, "10.0.0.2:80");
}

static void
test_ethernet(void)
{
    guint8 frame[128];
    pm_packet_tuple tuple;
    gsize len;

    memcpy(frame, peer_mac, 6);
    memcpy(frame + 6, own_mac, 6);
    frame[12] = 0x08; frame[13] = 0x00;
    len = 14 + ipv4_tcp(frame + 14, 0);
    g_assert_true(pm_packet_parse(DLT_EN10MB, frame, len, own_mac, &tuple));
    check_v4(&tuple);
    g_assert_cmpint(tuple.direction, ==, PM_DIRECTION_OUTBOUND);
    /* From the peer: inbound; no MAC known (loopback): unknown. */
    memcpy(frame, own_mac, 6);
    memcpy(frame + 6, peer_mac, 6);
    g_assert_true(pm_packet_parse(DLT_EN10MB, frame, len, own_mac, &tuple));
    g_assert_cmpint(tuple.direction, ==, PM_DIRECTION_INBOUND);
    g_assert_true(pm_packet_parse(DLT_EN10MB, frame, len, NULL, &tuple));
    g_assert_cmpint(tuple.direction, ==, PM_DIRECTION_UNKNOWN);
    /* Between two other stations (through a bridge port): unknown; to a
     * multicast group: inbound. */
    memcpy(frame, peer_mac, 6);
    memcpy(frame + 6, peer_mac, 6);
    frame[5] = 3;
    g_assert_true(pm_packet_parse(DLT_EN10MB, frame, len, own_mac, &tuple));
    g_assert_cmpint(tuple.direction, ==, PM_DIRECTION_UNKNOWN);
    frame[0] = 0x01;
    g_assert_true(pm_packet_parse(DLT_EN10MB, frame, len, own_mac, &tuple));
    g_assert_cmpint(tuple.direction, ==, PM_DIRECTION_INBOUND);
    /* Cut short anywhere: not a tuple, and no crash. */
    for (gsize cut = 0; cut < 14 + 20 + 20; cut++)
        g_assert_false(pm_packet_parse(DLT_EN10MB, frame, cut, own_mac, &tuple));
}

static void
test_vlan_and_fragments(void)
{
    guint8 frame[128];
    pm_packet_tuple tuple;
    gsize len;

    memcpy(frame, own_mac, 6);
    memcpy(frame + 6, peer_mac, 6);
    frame[12] = 0x81; frame[13] = 0x00; frame[14] = 0; frame[15] = 7;
    frame[16] = 0x08; frame[17] = 0x00;
    len = 18 + ipv4_tcp(frame + 18, 0);
    g_assert_true(pm_packet_parse(DLT_EN10MB, frame, len, NULL, &tuple));
    check_v4(&tuple);
    /* A later fragment has no ports; the first one (more-fragments) does. */
    ipv4_tcp(frame + 18, 0x0010);
    g_assert_false(pm_packet_parse(DLT_EN10MB, frame, len, NULL, &tuple));
    ipv4_tcp(frame + 18, 0x2000);
    g_assert_true(pm_packet_parse(DLT_EN10MB, frame, len, NULL, &tuple));
}

static void
test_ipv6_and_raw(void)
{
    guint8 packet[128];
    pm_packet_tuple tuple;
    char text[PM_ENDPOINT_STRLEN];
    gsize len = ipv6_udp(packet);

    g_assert_true(pm_packet_parse(DLT_RAW, packet, len, NULL, &tuple));
    g_assert_cmpint(tuple.transport, ==, PM_TRANSPORT_UDP);
    g_assert_cmpstr(pm_endpoint_to_string(&tuple.src, text, sizeof text), ==,
                    "[2001:db8::1]:5353");
    g_assert_cmpstr(pm_endpoint_to_string(&tuple.dst, text, sizeof text), ==,
                    "[2001:db8::2]:53");
    g_assert_true(pm_packet_parse(DLT_IPV6, packet, len, NULL, &tuple));
    g_assert_false(pm_packet_parse(DLT_IPV4, packet, len, NULL, &tuple));
    packet[40] = 1;      /* ICMP: not a tuple */
    g_assert_false(pm_packet_parse(DLT_RAW, packet, len, NULL, &tuple));
    /* A v4-mapped address in an IPv6 header is forged: it would read as a
     * local IPv4 socket's end (::ffff:127.0.0.1). */
    len = ipv6_udp(packet);
    memset(packet + 24, 0, 16);
    packet[34] = packet[35] = 0xff;
    packet[36] = 127;
    packet[39] = 1;
    g_assert_false(pm_packet_parse(DLT_RAW, packet, len, NULL, &tuple));
}

static void
test_cooked(void)
{
    guint8 frame[128];
    pm_packet_tuple tuple;
    gsize len;

    /* SLL2: protocol, reserved, ifindex, ARPHRD, packet type, addr len, addr */
    memset(frame, 0, 20);
    frame[0] = 0x08; frame[1] = 0x00;
    frame[10] = 4;       /* PACKET_OUTGOING */
    len = 20 + ipv4_tcp(frame + 20, 0);
    g_assert_true(pm_packet_parse(DLT_LINUX_SLL2, frame, len, NULL, &tuple));
    check_v4(&tuple);
    g_assert_cmpint(tuple.direction, ==, PM_DIRECTION_OUTBOUND);
    /* SLL v1: packet type, ARPHRD, addr len, addr, protocol */
    memset(frame, 0, 16);
    frame[1] = 0;        /* PACKET_HOST */
    frame[14] = 0x08; frame[15] = 0x00;
    len = 16 + ipv4_tcp(frame + 16, 0);
    g_assert_true(pm_packet_parse(DLT_LINUX_SLL, frame, len, NULL, &tuple));
    g_assert_cmpint(tuple.direction, ==, PM_DIRECTION_INBOUND);
    g_assert_false(pm_packet_parse(147, frame, len, NULL, &tuple));   /* DLT_USER0 */
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/extcap/packet/ethernet", test_ethernet);
    g_test_add_func("/extcap/packet/vlan-fragments", test_vlan_and_fragments);
    g_test_add_func("/extcap/packet/ipv6-raw", test_ipv6_and_raw);
    g_test_add_func("/extcap/packet/cooked", test_cooked);
    return g_test_run();
}
