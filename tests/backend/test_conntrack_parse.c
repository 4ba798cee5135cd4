/* test_conntrack_parse.c - the ctnetlink request builder and entry parser
 * (conntrack_parse.c): the request's bytes as the kernel reads them,
 * entries as kernels send them, every cut of an entry, lying lengths,
 * garbage, and which socket each end of a NAT'ed packet belongs to.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "conntrack_parse.h"
#include "test_conntrack_msg.h"
#include "test_netlink_msg.h"

/* ---- the request -------------------------------------------------------- */

/* The attribute @type directly inside @buf (@len bytes), read with the UAPI
 * structure alone; asserts it is there once. */
static const guint8 *
attr_in(const guint8 *buf, gsize len, guint16 type, gboolean nested, gsize *data_len)
{
    const guint8 *found = NULL;
    gsize offset = 0;

    while (offset + NLA_HDRLEN <= len) {
        struct nlattr attr;
        memcpy(&attr, buf + offset, sizeof attr);
        g_assert_cmpuint(attr.nla_len, >=, NLA_HDRLEN);
        g_assert_cmpuint(offset + attr.nla_len, <=, len);
        if ((attr.nla_type & NLA_TYPE_MASK) == type) {
            g_assert_null(found);
            g_assert_cmpint(!!(attr.nla_type & NLA_F_NESTED), ==, nested);
            found = buf + offset + NLA_HDRLEN;
            *data_len = attr.nla_len - NLA_HDRLEN;
        }
        offset += NLA_ALIGN(attr.nla_len);
    }
    g_assert_cmpuint(offset, ==, len);
    g_assert_nonnull(found);
    return found;
}

static void
check_request(const guint8 *buf, gsize len, guint32 seq, guint8 family, guint8 protocol,
              const char *src, const char *dst)
{
    pm_endpoint s = ct_endpoint(src), d = ct_endpoint(dst);
    gsize addr_len = family == AF_INET ? 4 : 16;
    struct nlmsghdr header;
    struct nfgenmsg nfg;
    const guint8 *tuple, *ip, *proto, *value;
    gsize tuple_len, ip_len, proto_len, value_len;
    guint16 port;

    g_assert_cmpuint(len, >=, NLMSG_HDRLEN + sizeof nfg);
    memcpy(&header, buf, sizeof header);
    g_assert_cmpuint(header.nlmsg_len, ==, len);
    g_assert_cmpuint(header.nlmsg_type, ==, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET);
    /* One entry, never the table. */
    g_assert_cmpuint(header.nlmsg_flags, ==, NLM_F_REQUEST);
    g_assert_cmpuint(header.nlmsg_seq, ==, seq);
    memcpy(&nfg, buf + NLMSG_HDRLEN, sizeof nfg);
    g_assert_cmpuint(nfg.nfgen_family, ==, family);
    g_assert_cmpuint(nfg.version, ==, NFNETLINK_V0);
    g_assert_cmpuint(nfg.res_id, ==, 0);

    buf += NLMSG_HDRLEN + sizeof nfg;
    len -= NLMSG_HDRLEN + sizeof nfg;
    tuple = attr_in(buf, len, CTA_TUPLE_ORIG, TRUE, &tuple_len);
    ip = attr_in(tuple, tuple_len, CTA_TUPLE_IP, TRUE, &ip_len);
    value = attr_in(ip, ip_len, family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, FALSE,
                    &value_len);
    g_assert_cmpmem(value, value_len, s.addr.bytes, addr_len);
    value = attr_in(ip, ip_len, family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST, FALSE,
                    &value_len);
    g_assert_cmpmem(value, value_len, d.addr.bytes, addr_len);
    proto = attr_in(tuple, tuple_len, CTA_TUPLE_PROTO, TRUE, &proto_len);
    value = attr_in(proto, proto_len, CTA_PROTO_NUM, FALSE, &value_len);
    g_assert_cmpuint(value_len, ==, 1);
    g_assert_cmpuint(value[0], ==, protocol);
    value = attr_in(proto, proto_len, CTA_PROTO_SRC_PORT, FALSE, &value_len);
    g_assert_cmpuint(value_len, ==, 2);
    memcpy(&port, value, 2);
    g_assert_cmpuint(g_ntohs(port), ==, s.port);
    value = attr_in(proto, proto_len, CTA_PROTO_DST_PORT, FALSE, &value_len);
    memcpy(&port, value, 2);
    g_assert_cmpuint(g_ntohs(port), ==, d.port);
}

static void
test_request_ipv4(void)
{
    guint8 buf[256];
    pm_endpoint src = ct_endpoint("10.199.1.1:50001"), dst = ct_endpoint("10.199.1.2:8443");
    gsize len = pm_ct_build_get(buf, sizeof buf, IPPROTO_TCP, &src, &dst, 77);

    g_assert_cmpuint(len, >, 0);
    g_assert_cmpuint(len % 4, ==, 0);
    check_request(buf, len, 77, AF_INET, IPPROTO_TCP, "10.199.1.1:50001", "10.199.1.2:8443");
    /* Exactly the buffer it needs; one byte less is refused. */
    g_assert_cmpuint(pm_ct_build_get(buf, len, IPPROTO_TCP, &src, &dst, 77), ==, len);
    for (gsize cap = 0; cap < len; cap++)
        g_assert_cmpuint(pm_ct_build_get(buf, cap, IPPROTO_TCP, &src, &dst, 77), ==, 0);
}

static void
test_request_ipv6(void)
{
    guint8 buf[256];
    pm_endpoint src = ct_endpoint("[fd00::1]:53"), dst = ct_endpoint("[2001:db8::5]:5353");
    gsize len = pm_ct_build_get(buf, sizeof buf, IPPROTO_UDP, &src, &dst, 1);

    g_assert_cmpuint(len, >, 0);
    check_request(buf, len, 1, AF_INET6, IPPROTO_UDP, "[fd00::1]:53", "[2001:db8::5]:5353");
}

static void
test_request_refused(void)
{
    guint8 buf[256];
    pm_endpoint v4 = ct_endpoint("10.0.0.1:1"), v6 = ct_endpoint("[::1]:1"), none;

    memset(&none, 0, sizeof none);
    g_assert_cmpuint(pm_ct_build_get(buf, sizeof buf, IPPROTO_TCP, &v4, &v6, 1), ==, 0);
    g_assert_cmpuint(pm_ct_build_get(buf, sizeof buf, IPPROTO_TCP, &none, &none, 1), ==, 0);
    g_assert_cmpuint(pm_ct_build_get(NULL, 0, IPPROTO_TCP, &v4, &v4, 1), ==, 0);
}

/* ---- entries ------------------------------------------------------------ */

static void
assert_endpoint(const pm_endpoint *got, const char *expected)
{
    char text[PM_ENDPOINT_STRLEN];
    g_assert_cmpstr(pm_endpoint_to_string(got, text, sizeof text), ==, expected);
}

static pm_nl_row
parse(GByteArray *payload, pm_connection *c, guint8 *protocol)
{
    /* An exact-size copy: a read past the end shows under valgrind/ASan. */
    guint8 *copy = g_memdup2(payload->data, payload->len);
    pm_nl_row row = pm_ct_parse_entry(copy, payload->len, protocol, c);
    g_free(copy);
    return row;
}

static void
test_entry_dnat(void)
{
    /* A client's DNAT'ed connection, as /proc/net/nf_conntrack shows it:
     * src=10.199.1.1 dst=10.96.0.10 sport=50001 dport=443
     * src=10.199.1.2 dst=10.199.1.1 sport=8443 dport=50001 */
    GByteArray *p = ct_entry_payload(IPPROTO_TCP, "10.199.1.1:50001", "10.96.0.10:443",
                                     "10.199.1.2:8443", "10.199.1.1:50001");
    pm_connection c;
    guint8 protocol = 0;

    g_assert_cmpint(parse(p, &c, &protocol), ==, PM_NL_ROW_OK);
    g_assert_cmpuint(protocol, ==, IPPROTO_TCP);
    assert_endpoint(&c.original_src, "10.199.1.1:50001");
    assert_endpoint(&c.original_dst, "10.96.0.10:443");
    assert_endpoint(&c.reply_src, "10.199.1.2:8443");
    assert_endpoint(&c.reply_dst, "10.199.1.1:50001");
    g_byte_array_unref(p);
}

static void
test_entry_ipv6_udp(void)
{
    GByteArray *p = ct_entry_payload(IPPROTO_UDP, "[fd00::1]:40000", "[fd00:96::a]:53",
                                     "[fd00:244::5]:5353", "[fd00::1]:40000");
    pm_connection c;
    guint8 protocol = 0;

    g_assert_cmpint(parse(p, &c, &protocol), ==, PM_NL_ROW_OK);
    g_assert_cmpuint(protocol, ==, IPPROTO_UDP);
    assert_endpoint(&c.original_dst, "[fd00:96::a]:53");
    assert_endpoint(&c.reply_src, "[fd00:244::5]:5353");
    g_byte_array_unref(p);
}

/* An entry without ports (ICMP) is of no use, not an error. */
static void
test_entry_without_ports(void)
{
    GByteArray *p = ct_payload_start(AF_INET);
    pm_connection c;
    guint8 protocol = 0;

    ct_put_tuple(p, CTA_TUPLE_ORIG, IPPROTO_ICMP, "10.0.0.1:0", "10.0.0.2:0");
    ct_put_tuple(p, CTA_TUPLE_REPLY, IPPROTO_ICMP, "10.0.0.2:0", "10.0.0.1:0");
    g_assert_cmpint(parse(p, &c, &protocol), ==, PM_NL_ROW_SKIP);
    g_assert_cmpuint(protocol, ==, IPPROTO_ICMP);
    g_byte_array_unref(p);
}

/* Every cut of an entry: OK only where both tuples are whole and the cut
 * falls between attributes; MALFORMED everywhere else; never a crash. */
static void
test_entry_every_cut(void)
{
    GByteArray *p = ct_entry_payload(IPPROTO_TCP, "10.0.0.1:1000", "10.96.0.1:80",
                                     "10.244.0.5:8080", "10.0.0.1:1000");
    GByteArray *just_tuples = ct_payload_start(AF_INET);
    gsize tuples_end, ok = 0;
    pm_connection c;
    guint8 protocol;

    ct_put_tuple(just_tuples, CTA_TUPLE_ORIG, IPPROTO_TCP, "10.0.0.1:1000", "10.96.0.1:80");
    ct_put_tuple(just_tuples, CTA_TUPLE_REPLY, IPPROTO_TCP, "10.244.0.5:8080",
                 "10.0.0.1:1000");
    tuples_end = just_tuples->len;
    g_assert_cmpmem(p->data, tuples_end, just_tuples->data, tuples_end);
    for (gsize cut = 0; cut <= p->len; cut++) {
        guint8 *copy = g_memdup2(p->data, cut);
        pm_nl_row row = pm_ct_parse_entry(copy, cut, &protocol, &c);

        if (cut < tuples_end)
            g_assert_cmpint(row, ==, PM_NL_ROW_MALFORMED);
        else
            g_assert_cmpint(row, !=, PM_NL_ROW_SKIP);
        if (row == PM_NL_ROW_OK) {
            ok++;
            assert_endpoint(&c.reply_src, "10.244.0.5:8080");
        }
        g_free(copy);
    }
    /* After the tuples: status, timeout, mark, protoinfo, use, id. */
    g_assert_cmpuint(ok, ==, 7);
    g_byte_array_unref(p);
    g_byte_array_unref(just_tuples);
}

typedef enum { DROP_REPLY, DROP_PORT, WRONG_SIZE, OTHER_FAMILY, TWO_PROTOCOLS, BAD_FAMILY,
               NESTED_LIES, SHORT_NUM } damage;

static GByteArray *
damaged_entry(damage how)
{
    GByteArray *p = ct_payload_start(how == BAD_FAMILY ? AF_UNSPEC : AF_INET);
    GByteArray *tuple = g_byte_array_new(), *ip = g_byte_array_new(),
               *proto = g_byte_array_new();
    guint8 a4[4] = { 10, 0, 0, 1 }, a6[16] = { 0xfd, [15] = 1 }, tcp = IPPROTO_TCP;
    guint16 port = htons(80);

    ct_put_tuple(p, CTA_TUPLE_ORIG, IPPROTO_TCP, "10.0.0.1:1000", "10.0.0.2:80");
    if (how == DROP_REPLY)
        return p;
    if (how == TWO_PROTOCOLS) {
        ct_put_tuple(p, CTA_TUPLE_REPLY, IPPROTO_UDP, "10.0.0.2:80", "10.0.0.1:1000");
        return p;
    }
    nt_put_attr(ip, CTA_IP_V4_SRC, a4, how == WRONG_SIZE ? 3 : 4, TRUE);
    if (how == OTHER_FAMILY)
        nt_put_attr(ip, CTA_IP_V6_DST, a6, 16, TRUE);
    else
        nt_put_attr(ip, CTA_IP_V4_DST, a4, 4, TRUE);
    nt_put_attr(proto, CTA_PROTO_NUM, &tcp, how == SHORT_NUM ? 0 : 1, TRUE);
    nt_put_attr(proto, CTA_PROTO_SRC_PORT, &port, 2, TRUE);
    if (how != DROP_PORT)
        nt_put_attr(proto, CTA_PROTO_DST_PORT, &port, 2, TRUE);
    nt_put_attr(tuple, CTA_TUPLE_IP | NLA_F_NESTED, ip->data, ip->len, TRUE);
    nt_put_attr(tuple, CTA_TUPLE_PROTO | NLA_F_NESTED, proto->data, proto->len, TRUE);
    if (how == NESTED_LIES) {
        /* The inner CTA_TUPLE_IP claims more than its tuple holds. */
        guint16 lie = (guint16)(ip->len + 64);
        memcpy(tuple->data, &lie, 2);
    }
    nt_put_attr(p, CTA_TUPLE_REPLY | NLA_F_NESTED, tuple->data, tuple->len, TRUE);
    g_byte_array_unref(tuple);
    g_byte_array_unref(ip);
    g_byte_array_unref(proto);
    return p;
}

static void
test_entry_damaged(void)
{
    static const damage all[] = { DROP_REPLY, DROP_PORT, WRONG_SIZE, OTHER_FAMILY,
                                  TWO_PROTOCOLS, BAD_FAMILY, NESTED_LIES, SHORT_NUM };

    for (gsize i = 0; i < G_N_ELEMENTS(all); i++) {
        GByteArray *p = damaged_entry(all[i]);
        pm_connection c;
        guint8 protocol;

        g_test_message("damage %d", all[i]);
        g_assert_cmpint(parse(p, &c, &protocol), ==, PM_NL_ROW_MALFORMED);
        g_byte_array_unref(p);
    }
}

/* Random bytes, and random bytes after a valid start: whatever the answer,
 * nothing is read outside the buffer and an OK entry is of one family. */
static void
test_entry_garbage(void)
{
    GRand *rand = g_rand_new_with_seed(15);
    GByteArray *valid = ct_entry_payload(IPPROTO_TCP, "10.0.0.1:1000", "10.96.0.1:80",
                                         "10.244.0.5:8080", "10.0.0.1:1000");

    for (int round = 0; round < 20000; round++) {
        gsize len = (gsize)g_rand_int_range(rand, 0, 200);
        guint8 *bytes = g_malloc(len ? len : 1);
        gsize keep = round % 2 ? (gsize)g_rand_int_range(rand, 0, (gint32)valid->len) : 0;
        pm_connection c;
        guint8 protocol;

        keep = MIN(keep, len);
        memcpy(bytes, valid->data, keep);
        for (gsize i = keep; i < len; i++)
            bytes[i] = (guint8)g_rand_int(rand);
        if (pm_ct_parse_entry(bytes, len, &protocol, &c) == PM_NL_ROW_OK) {
            g_assert_true(protocol == IPPROTO_TCP || protocol == IPPROTO_UDP);
            g_assert_cmpuint(c.original_src.addr.family, ==, c.reply_dst.addr.family);
        }
        g_free(bytes);
    }
    g_byte_array_unref(valid);
    g_rand_free(rand);
}

/* ---- which socket an end belongs to -------------------------------------- */

static pm_connection
connection(const char *osrc, const char *odst, const char *rsrc, const char *rdst)
{
    pm_connection c = { ct_endpoint(osrc), ct_endpoint(odst), ct_endpoint(rsrc),
                        ct_endpoint(rdst) };
    return c;
}

static void
assert_socket(const pm_connection *c, const char *local, const char *remote,
              const char *socket_local, const char *socket_remote)
{
    pm_endpoint l = ct_endpoint(local), r = ct_endpoint(remote), sl, sr;

    g_assert_true(pm_ct_socket_ends(c, &l, &r, &sl, &sr));
    assert_endpoint(&sl, socket_local);
    assert_endpoint(&sr, socket_remote);
}

static void
test_socket_ends(void)
{
    /* DNAT on the client's host (kube-proxy, a ClusterIP): the wire has the
     * backend; the client's socket the service address. */
    pm_connection dnat = connection("10.0.0.1:50001", "10.96.0.10:443",
                                    "10.244.1.5:8443", "10.0.0.1:50001");
    /* SNAT (masquerade) on the client's host, port changed too. */
    pm_connection snat = connection("10.1.0.1:40000", "192.0.2.9:80",
                                    "192.0.2.9:80", "10.2.0.1:61000");
    /* Port publishing: host:8080 to a container's :80; the server host. */
    pm_connection published = connection("198.51.100.7:33000", "10.0.0.1:8080",
                                         "172.17.0.2:80", "198.51.100.7:33000");
    pm_connection plain = connection("10.0.0.1:1000", "10.0.0.2:80",
                                     "10.0.0.2:80", "10.0.0.1:1000");
    pm_endpoint l = ct_endpoint("10.9.9.9:1"), r = ct_endpoint("10.9.9.8:2"), sl, sr;

    /* The client end of the DNAT'ed packet, either direction: its socket. */
    assert_socket(&dnat, "10.0.0.1:50001", "10.244.1.5:8443", "10.0.0.1:50001",
                  "10.96.0.10:443");
    /* Seen before NAT (captured on the way out of a netns): the same. */
    assert_socket(&dnat, "10.0.0.1:50001", "10.96.0.10:443", "10.0.0.1:50001",
                  "10.96.0.10:443");
    /* The server end: its socket has the wire's ends. */
    assert_socket(&dnat, "10.244.1.5:8443", "10.0.0.1:50001", "10.244.1.5:8443",
                  "10.0.0.1:50001");

    /* SNAT: the translated source is the socket's own address. */
    assert_socket(&snat, "10.2.0.1:61000", "192.0.2.9:80", "10.1.0.1:40000",
                  "192.0.2.9:80");
    assert_socket(&snat, "192.0.2.9:80", "10.2.0.1:61000", "192.0.2.9:80", "10.2.0.1:61000");

    /* The published port's end belongs to the container's socket. */
    assert_socket(&published, "10.0.0.1:8080", "198.51.100.7:33000", "172.17.0.2:80",
                  "198.51.100.7:33000");
    assert_socket(&published, "198.51.100.7:33000", "10.0.0.1:8080", "198.51.100.7:33000",
                  "10.0.0.1:8080");

    /* No NAT: every end is its own socket. */
    assert_socket(&plain, "10.0.0.1:1000", "10.0.0.2:80", "10.0.0.1:1000", "10.0.0.2:80");
    assert_socket(&plain, "10.0.0.2:80", "10.0.0.1:1000", "10.0.0.2:80", "10.0.0.1:1000");

    /* Not an end pair of the entry. */
    g_assert_false(pm_ct_socket_ends(&dnat, &l, &r, &sl, &sr));
    l = ct_endpoint("10.0.0.1:50001");
    r = ct_endpoint("10.96.0.10:444");
    g_assert_false(pm_ct_socket_ends(&dnat, &l, &r, &sl, &sr));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/conntrack/request/ipv4", test_request_ipv4);
    g_test_add_func("/conntrack/request/ipv6", test_request_ipv6);
    g_test_add_func("/conntrack/request/refused", test_request_refused);
    g_test_add_func("/conntrack/entry/dnat", test_entry_dnat);
    g_test_add_func("/conntrack/entry/ipv6-udp", test_entry_ipv6_udp);
    g_test_add_func("/conntrack/entry/without-ports", test_entry_without_ports);
    g_test_add_func("/conntrack/entry/every-cut", test_entry_every_cut);
    g_test_add_func("/conntrack/entry/damaged", test_entry_damaged);
    g_test_add_func("/conntrack/entry/garbage", test_entry_garbage);
    g_test_add_func("/conntrack/socket-ends", test_socket_ends);
    return g_test_run();
}
