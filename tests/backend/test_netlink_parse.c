/* test_netlink_parse.c - the pure netlink builders and parsers on
 * hand-built messages: requests, inet_diag rows, addresses, multi-part
 * datagrams and control messages.  Lengths that lie are in
 * test_netlink_parse_framing.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "netlink_parse.h"
#include "test_netlink_msg.h"

static void
assert_endpoint(const pm_endpoint *ep, const char *expected)
{
    char text[PM_ENDPOINT_STRLEN];
    g_assert_cmpstr(pm_endpoint_to_string(ep, text, sizeof text), ==, expected);
}

static void
assert_addr(const pm_addr *addr, const char *expected)
{
    char text[PM_ADDR_STRLEN];
    g_assert_cmpstr(pm_addr_to_string(addr, text, sizeof text), ==, expected);
}

/* pm_endpoint_to_string is written by hand (no printf): its extremes, and
 * a buffer too short for the text (cut, still terminated). */
static void
test_endpoint_text(void)
{
    static const guint8 zero[4] = { 0, 0, 0, 0 }, ones[4] = { 255, 255, 255, 255 },
                        mixed[4] = { 10, 0, 100, 9 };
    pm_endpoint ep;
    char small[6];

    memset(&ep, 0, sizeof ep);
    assert_endpoint(&ep, "-:0");
    pm_addr_from_ipv4(&ep.addr, zero);
    assert_endpoint(&ep, "0.0.0.0:0");
    pm_addr_from_ipv4(&ep.addr, ones);
    ep.port = 65535;
    assert_endpoint(&ep, "255.255.255.255:65535");
    pm_addr_from_ipv4(&ep.addr, mixed);
    ep.port = 10;
    assert_endpoint(&ep, "10.0.100.9:10");
    g_assert_cmpstr(pm_endpoint_to_string(&ep, small, sizeof small), ==, "10.0.");
    g_assert_true(pm_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &ep.addr));
    assert_endpoint(&ep, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:10");
}

/* The only message of @datagram, which must be exactly one. */
static pm_nl_message
only_message(const GByteArray *datagram)
{
    pm_nl_message msg;
    gsize offset = 0;

    g_assert_cmpint(pm_nl_next_message(datagram->data, datagram->len, &offset, &msg), ==,
                    PM_NL_NEXT_OK);
    g_assert_cmpint(pm_nl_next_message(datagram->data, datagram->len, &offset, &msg), ==,
                    PM_NL_NEXT_END);
    return msg;
}

/* ---- requests ----------------------------------------------------------- */

static void
test_inet_diag_request(void)
{
    guint8 buf[128];
    struct nlmsghdr header;
    struct inet_diag_req_v2 req;
    gsize len = pm_nl_build_inet_diag_request(buf, sizeof buf, AF_INET6, IPPROTO_UDP,
                                              PM_NL_UDP_STATES, 77);

    g_assert_cmpuint(len, ==, sizeof header + sizeof req);
    memcpy(&header, buf, sizeof header);
    memcpy(&req, buf + sizeof header, sizeof req);
    g_assert_cmpuint(header.nlmsg_len, ==, len);
    g_assert_cmpuint(header.nlmsg_type, ==, SOCK_DIAG_BY_FAMILY);
    g_assert_cmpuint(header.nlmsg_flags, ==, NLM_F_REQUEST | NLM_F_DUMP);
    g_assert_cmpuint(header.nlmsg_seq, ==, 77);
    g_assert_cmpuint(req.sdiag_family, ==, AF_INET6);
    g_assert_cmpuint(req.sdiag_protocol, ==, IPPROTO_UDP);
    g_assert_cmpuint(req.idiag_ext, ==, 0);
    g_assert_cmpuint(req.idiag_states, ==, PM_NL_UDP_STATES);
    g_assert_cmpuint(req.id.idiag_sport, ==, 0);  /* no filter: the whole table */
    g_assert_cmpuint(req.id.idiag_cookie[0], ==, 0);

    g_assert_cmpuint(pm_nl_build_inet_diag_request(buf, len - 1, AF_INET, IPPROTO_TCP, 1, 1),
                     ==, 0);
}

static void
test_state_masks(void)
{
    /* Everything with a possible inode, nothing that never has one. */
    static const int tcp_wanted[] = { 1, 2, 3, 4, 5, 7, 8, 9, 10, 11 };

    for (gsize i = 0; i < G_N_ELEMENTS(tcp_wanted); i++)
        g_assert_true(PM_NL_TCP_STATES & (1u << tcp_wanted[i]));
    g_assert_false(PM_NL_TCP_STATES & (1u << 0));
    g_assert_false(PM_NL_TCP_STATES & (1u << 6));   /* TIME_WAIT */
    g_assert_false(PM_NL_TCP_STATES & (1u << 12));  /* NEW_SYN_RECV */
    g_assert_false(PM_NL_TCP_STATES >> 13);         /* BOUND_INACTIVE and beyond */
    g_assert_true(PM_NL_UDP_STATES & (1u << 1));    /* connected */
    g_assert_true(PM_NL_UDP_STATES & (1u << 7));    /* unconnected */
    g_assert_false(PM_NL_UDP_STATES >> 13);
}

static void
test_getaddr_request(void)
{
    guint8 buf[64];
    struct nlmsghdr header;
    struct ifaddrmsg req;
    gsize len = pm_nl_build_getaddr_request(buf, sizeof buf, 5);

    g_assert_cmpuint(len, ==, sizeof header + sizeof req);
    memcpy(&header, buf, sizeof header);
    memcpy(&req, buf + sizeof header, sizeof req);
    g_assert_cmpuint(header.nlmsg_type, ==, RTM_GETADDR);
    g_assert_cmpuint(header.nlmsg_flags, ==, NLM_F_REQUEST | NLM_F_DUMP);
    g_assert_cmpuint(header.nlmsg_seq, ==, 5);
    g_assert_cmpuint(req.ifa_family, ==, AF_UNSPEC);
}

/* ---- inet_diag rows ----------------------------------------------------- */

static pm_nl_row
parse_diag(GByteArray *payload, pm_socket *out)
{
    pm_nl_row row = pm_nl_parse_inet_diag(payload->data, payload->len, out);
    g_byte_array_unref(payload);
    return row;
}

static void
test_diag_v6_listener(void)
{
    GByteArray *datagram = g_byte_array_new();
    pm_nl_message msg;
    pm_socket s;

    nt_put_diag(datagram, 9, AF_INET6, 10, "2001:db8::1", 8080, "::", 0, 1000, 123456, 1);
    msg = only_message(datagram);
    g_assert_cmpuint(msg.type, ==, SOCK_DIAG_BY_FAMILY);
    g_assert_cmpuint(msg.seq, ==, 9);
    g_assert_cmpint(pm_nl_parse_inet_diag(msg.payload, msg.payload_len, &s), ==, PM_NL_ROW_OK);
    assert_endpoint(&s.local, "[2001:db8::1]:8080");
    assert_endpoint(&s.remote, "[::]:0");
    g_assert_true(pm_addr_is_any(&s.remote.addr));
    g_assert_cmpuint(s.state, ==, PM_TCP_STATE_LISTEN);
    g_assert_true(s.from_v6_table);
    g_assert_cmpint(s.v6only, ==, PM_V6ONLY_YES);
    g_assert_cmpuint(s.uid, ==, 1000);
    g_assert_cmpuint(s.inode, ==, 123456);
    g_byte_array_unref(datagram);
}

static void
test_diag_v6only_values(void)
{
    GByteArray *p;
    pm_socket s;

    p = nt_diag_payload(AF_INET6, 7, "::", 53, "::", 0, 0, 10);
    nt_put_v6only(p, 0);
    g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_OK);
    g_assert_cmpint(s.v6only, ==, PM_V6ONLY_NO);

    /* Any non-zero byte is true, like the kernel's ipv6_only_sock(). */
    p = nt_diag_payload(AF_INET6, 7, "::", 53, "::", 0, 0, 10);
    nt_put_v6only(p, 2);
    g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_OK);
    g_assert_cmpint(s.v6only, ==, PM_V6ONLY_YES);

    /* Connected sockets carry no SKV6ONLY: unknown. */
    p = nt_diag_payload(AF_INET6, 1, "::1", 40000, "::1", 22, 0, 11);
    g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_OK);
    g_assert_cmpint(s.v6only, ==, PM_V6ONLY_UNKNOWN);

    /* An IPv4 socket never has a v6only flag, whatever the bytes say. */
    p = nt_diag_payload(AF_INET, 10, "0.0.0.0", 22, "0.0.0.0", 0, 0, 12);
    nt_put_v6only(p, 1);
    g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_OK);
    g_assert_cmpint(s.v6only, ==, PM_V6ONLY_UNKNOWN);
    g_assert_false(s.from_v6_table);
}

static void
test_diag_ipv4_and_mapped(void)
{
    pm_socket s;

    g_assert_cmpint(parse_diag(nt_diag_payload(AF_INET, 1, "192.168.1.10", 51234,
                                               "93.184.216.34", 443, 1000, 77), &s),
                    ==, PM_NL_ROW_OK);
    assert_endpoint(&s.local, "192.168.1.10:51234");
    assert_endpoint(&s.remote, "93.184.216.34:443");
    g_assert_cmpuint(s.state, ==, PM_TCP_STATE_ESTABLISHED);
    g_assert_cmpuint(s.local.addr.family, ==, PM_AF_INET);

    /* A dual-stack socket talking IPv4: canonical IPv4, still a v6 socket. */
    g_assert_cmpint(parse_diag(nt_diag_payload(AF_INET6, 1, "::ffff:127.0.0.1", 8080,
                                               "::ffff:127.0.0.1", 40000, 0, 78), &s),
                    ==, PM_NL_ROW_OK);
    assert_endpoint(&s.local, "127.0.0.1:8080");
    assert_endpoint(&s.remote, "127.0.0.1:40000");
    g_assert_cmpuint(s.local.addr.family, ==, PM_AF_INET);
    g_assert_true(s.from_v6_table);

    /* Ports are big-endian on the wire: 0x1234 must not come out as 0x3412. */
    g_assert_cmpint(parse_diag(nt_diag_payload(AF_INET, 7, "10.0.0.1", 0x1234, "0.0.0.0", 0,
                                               0, 79), &s), ==, PM_NL_ROW_OK);
    g_assert_cmpuint(s.local.port, ==, 0x1234);
}

static void
test_diag_inode_zero_skipped(void)
{
    pm_socket s;

    g_assert_cmpint(parse_diag(nt_diag_payload(AF_INET, 3, "10.0.0.1", 80, "10.0.0.2", 5000,
                                               0, 0), &s), ==, PM_NL_ROW_SKIP);
}

static void
test_diag_malformed(void)
{
    GByteArray *p;
    pm_socket s;
    guint8 word[4] = { 0 };

    /* Shorter than struct inet_diag_msg, by one byte or all of it. */
    p = nt_diag_payload(AF_INET, 10, "0.0.0.0", 22, "0.0.0.0", 0, 0, 5);
    g_assert_cmpint(pm_nl_parse_inet_diag(p->data, p->len - 1, &s), ==, PM_NL_ROW_MALFORMED);
    g_assert_cmpint(pm_nl_parse_inet_diag(p->data, 0, &s), ==, PM_NL_ROW_MALFORMED);
    /* Not an inet family. */
    p->data[0] = AF_UNIX;
    g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_MALFORMED);

    /* An attribute longer than what is left (its 3 padding bytes may go,
     * its value byte may not). */
    p = nt_diag_payload(AF_INET6, 10, "::", 22, "::", 0, 0, 5);
    nt_put_v6only(p, 1);
    g_assert_cmpint(pm_nl_parse_inet_diag(p->data, p->len - 3, &s), ==, PM_NL_ROW_OK);
    g_assert_cmpint(s.v6only, ==, PM_V6ONLY_YES);
    g_byte_array_set_size(p, p->len - 4);
    g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_MALFORMED);

    /* rta_len below the attribute header (0 would loop forever if trusted). */
    for (guint16 bad = 0; bad < 4; bad++) {
        struct rtattr attr = { bad, INET_DIAG_SHUTDOWN };
        p = nt_diag_payload(AF_INET6, 10, "::", 22, "::", 0, 0, 5);
        g_byte_array_append(p, (const guint8 *)&attr, sizeof attr);
        g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_MALFORMED);
    }

    /* Stray bytes after the last attribute, too few for a header. */
    p = nt_diag_payload(AF_INET6, 10, "::", 22, "::", 0, 0, 5);
    g_byte_array_append(p, word, 2);
    g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_MALFORMED);

    /* SKV6ONLY without its byte. */
    p = nt_diag_payload(AF_INET6, 10, "::", 22, "::", 0, 0, 5);
    nt_put_attr(p, INET_DIAG_SKV6ONLY, NULL, 0, TRUE);
    g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_MALFORMED);
}

static void
test_diag_unknown_attributes(void)
{
    GByteArray *p = nt_diag_payload(AF_INET6, 10, "::", 443, "::", 0, 0, 5);
    guint8 blob[13] = { 1, 2, 3 };
    pm_socket s;

    nt_put_attr(p, 200, blob, sizeof blob, TRUE);
    nt_put_attr(p, NLA_F_NESTED | 201, blob, 8, TRUE);
    nt_put_attr(p, INET_DIAG_INFO, NULL, 0, TRUE);
    nt_put_v6only(p, 0);
    nt_put_attr(p, 0xffff & ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER), blob, 1, TRUE);
    g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_OK);
    g_assert_cmpint(s.v6only, ==, PM_V6ONLY_NO);
    g_assert_cmpuint(s.local.port, ==, 443);

    /* The flag bits are not part of the type: a flagged SKV6ONLY is one. */
    p = nt_diag_payload(AF_INET6, 10, "::", 443, "::", 0, 0, 5);
    nt_put_attr(p, NLA_F_NET_BYTEORDER | INET_DIAG_SKV6ONLY, "\1", 1, TRUE);
    g_assert_cmpint(parse_diag(p, &s), ==, PM_NL_ROW_OK);
    g_assert_cmpint(s.v6only, ==, PM_V6ONLY_YES);
}

/* ---- message framing ---------------------------------------------------- */

static void
test_multipart_datagram(void)
{
    GByteArray *d = g_byte_array_new();
    pm_nl_message msg;
    gsize offset = 0;
    pm_socket s;
    int err;

    nt_put_diag(d, 3, AF_INET, 10, "127.0.0.1", 631, "0.0.0.0", 0, 0, 100, -1);
    nt_put_diag(d, 3, AF_INET6, 10, "::1", 631, "::", 0, 0, 101, 1);
    nt_put_done(d, 3, 0);

    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_OK);
    g_assert_cmpint(pm_nl_classify(&msg, &err), ==, PM_NL_KIND_DATA);
    g_assert_cmpint(pm_nl_parse_inet_diag(msg.payload, msg.payload_len, &s), ==,
                    PM_NL_ROW_OK);
    g_assert_cmpuint(s.inode, ==, 100);
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_OK);
    g_assert_cmpint(pm_nl_parse_inet_diag(msg.payload, msg.payload_len, &s), ==,
                    PM_NL_ROW_OK);
    g_assert_cmpuint(s.inode, ==, 101);
    g_assert_cmpint(s.v6only, ==, PM_V6ONLY_YES);
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_OK);
    g_assert_cmpint(pm_nl_classify(&msg, &err), ==, PM_NL_KIND_DONE);
    g_assert_cmpint(err, ==, 0);
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_END);
    g_assert_cmpuint(offset, ==, d->len);
    g_byte_array_unref(d);
}

static pm_nl_kind
classify_only(GByteArray *d, int *err)
{
    pm_nl_message msg = only_message(d);
    pm_nl_kind kind = pm_nl_classify(&msg, err);
    g_byte_array_unref(d);
    return kind;
}

static void
test_control_messages(void)
{
    GByteArray *d;
    int err;

    d = g_byte_array_new();
    nt_put_error(d, 1, -EPERM);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_ERROR);
    g_assert_cmpint(err, ==, EPERM);

    d = g_byte_array_new();
    nt_put_error(d, 1, -ENOENT);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_ERROR);
    g_assert_cmpint(err, ==, ENOENT);

    d = g_byte_array_new();
    nt_put_error(d, 1, 0);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_ACK);
    g_assert_cmpint(err, ==, 0);

    /* Codes that are no errno. */
    d = g_byte_array_new();
    nt_put_error(d, 1, 5);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_ERROR);
    g_assert_cmpint(err, ==, EPROTO);
    d = g_byte_array_new();
    nt_put_error(d, 1, G_MININT32);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_ERROR);
    g_assert_cmpint(err, ==, EPROTO);

    /* An error message too short for its code. */
    d = g_byte_array_new();
    nt_put_message(d, NLMSG_ERROR, 1, (const guint8 *)"\xff\xff", 2);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_MALFORMED);

    /* DONE: with a result, with a failed dump's errno, without payload. */
    d = g_byte_array_new();
    nt_put_done(d, 1, 0);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_DONE);
    d = g_byte_array_new();
    nt_put_done(d, 1, -EINTR);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_ERROR);
    g_assert_cmpint(err, ==, EINTR);
    d = g_byte_array_new();
    nt_put_message(d, NLMSG_DONE, 1, NULL, 0);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_DONE);

    d = g_byte_array_new();
    nt_put_message(d, NLMSG_OVERRUN, 1, NULL, 0);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_ERROR);
    g_assert_cmpint(err, ==, EOVERFLOW);

    d = g_byte_array_new();
    nt_put_message(d, NLMSG_NOOP, 1, NULL, 0);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_NOOP);

    d = g_byte_array_new();
    nt_put_message(d, RTM_NEWADDR, 1, NULL, 0);
    g_assert_cmpint(classify_only(d, &err), ==, PM_NL_KIND_DATA);
}

/* ---- addresses ---------------------------------------------------------- */

static pm_nl_row
parse_ifaddr(GByteArray *payload, pm_addr *out)
{
    pm_nl_row row = pm_nl_parse_ifaddr(payload->data, payload->len, out);
    g_byte_array_unref(payload);
    return row;
}

static void
test_ifaddr(void)
{
    GByteArray *p;
    pm_addr a;

    /* Broadcast link: both attributes hold the local address. */
    g_assert_cmpint(parse_ifaddr(nt_ifaddr_payload(AF_INET, "192.168.1.10", "192.168.1.10"), &a),
                    ==, PM_NL_ROW_OK);
    assert_addr(&a, "192.168.1.10");
    /* Point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL ours. */
    g_assert_cmpint(parse_ifaddr(nt_ifaddr_payload(AF_INET, "10.8.0.1", "10.8.0.2"), &a),
                    ==, PM_NL_ROW_OK);
    assert_addr(&a, "10.8.0.1");
    /* Only IFA_ADDRESS (IPv6 normally). */
    g_assert_cmpint(parse_ifaddr(nt_ifaddr_payload(AF_INET6, NULL, "fe80::1"), &a),
                    ==, PM_NL_ROW_OK);
    assert_addr(&a, "fe80::1");
    g_assert_cmpuint(a.family, ==, PM_AF_INET6);
    g_assert_cmpint(parse_ifaddr(nt_ifaddr_payload(AF_INET6, "2001:db8::5", "2001:db8::6"), &a),
                    ==, PM_NL_ROW_OK);
    assert_addr(&a, "2001:db8::5");
    /* No address at all. */
    g_assert_cmpint(parse_ifaddr(nt_ifaddr_payload(AF_INET, NULL, NULL), &a),
                    ==, PM_NL_ROW_SKIP);

    /* Another family: skipped without looking at its attributes. */
    p = nt_ifaddr_payload(AF_INET, NULL, "10.0.0.1");
    p->data[0] = AF_PACKET;
    g_assert_cmpint(parse_ifaddr(p, &a), ==, PM_NL_ROW_SKIP);

    /* An IPv6-sized address in an IPv4 message. */
    p = nt_ifaddr_payload(AF_INET, NULL, NULL);
    nt_put_attr(p, IFA_LOCAL, "0123456789abcdef", 16, TRUE);
    g_assert_cmpint(parse_ifaddr(p, &a), ==, PM_NL_ROW_MALFORMED);

    /* Short header, cut attribute. */
    p = nt_ifaddr_payload(AF_INET6, NULL, "::1");
    g_assert_cmpint(pm_nl_parse_ifaddr(p->data, 7, &a), ==, PM_NL_ROW_MALFORMED);
    g_assert_cmpint(pm_nl_parse_ifaddr(p->data, 8 + 4 + 15, &a), ==, PM_NL_ROW_MALFORMED);
    g_byte_array_unref(p);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netlink/parse/request/inet-diag", test_inet_diag_request);
    g_test_add_func("/netlink/parse/request/state-masks", test_state_masks);
    g_test_add_func("/netlink/parse/request/getaddr", test_getaddr_request);
    g_test_add_func("/netlink/parse/diag/v6-listener", test_diag_v6_listener);
    g_test_add_func("/netlink/parse/diag/v6only-values", test_diag_v6only_values);
    g_test_add_func("/netlink/parse/diag/ipv4-and-mapped", test_diag_ipv4_and_mapped);
    g_test_add_func("/netlink/parse/diag/inode-zero", test_diag_inode_zero_skipped);
    g_test_add_func("/netlink/parse/diag/malformed", test_diag_malformed);
    g_test_add_func("/netlink/parse/diag/unknown-attributes", test_diag_unknown_attributes);
    g_test_add_func("/netlink/parse/message/multipart", test_multipart_datagram);
    g_test_add_func("/netlink/parse/message/control", test_control_messages);
    g_test_add_func("/netlink/parse/ifaddr", test_ifaddr);
    g_test_add_func("/netlink/parse/endpoint-text", test_endpoint_text);
    add_framing_tests();
    return g_test_run();
}
