/* test_procfs_parse.c - the pure /proc/net parsers, on the Packetbeat
 * fixtures (spec §2.3-§2.5) and on hand-made malformed input.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "procfs_parse.h"
#include "procfs_test_util.h"
#include "procfs_tests.h"

#define assert_endpoint(ep, text)                                              \
    do {                                                                       \
        char ep_buf_[PM_ENDPOINT_STRLEN];                                      \
        g_assert_cmpstr(pm_endpoint_to_string((ep), ep_buf_, sizeof ep_buf_), ==, (text)); \
    } while (0)

#define assert_addr(addr, text)                                                \
    do {                                                                       \
        char addr_buf_[PM_ADDR_STRLEN];                                        \
        g_assert_cmpstr(pm_addr_to_string((addr), addr_buf_, sizeof addr_buf_), ==, (text)); \
    } while (0)

/* ---- hex addresses ------------------------------------------------------ */

static void
assert_hex_ipv4(const char *hex, int order, const char *expected)
{
    guint8 bytes[4];
    pm_addr addr;

    g_assert_true(pm_parse_hex_ipv4(hex, strlen(hex), order, bytes));
    pm_addr_from_ipv4(&addr, bytes);
    assert_addr(&addr, expected);
}

static void
assert_hex_ipv6(const char *hex, int order, guint8 family, const char *expected)
{
    guint8 bytes[16];
    pm_addr addr;

    g_assert_true(pm_parse_hex_ipv6(hex, strlen(hex), order, bytes));
    pm_addr_from_ipv6(&addr, bytes);
    g_assert_cmpuint(addr.family, ==, family);
    assert_addr(&addr, expected);
}

static void
test_hex_ipv4(void)
{
    guint8 bytes[4];

    /* Spec §2.3 decodings, as a little-endian kernel prints them. */
    assert_hex_ipv4("0100007F", G_LITTLE_ENDIAN, "127.0.0.1");
    assert_hex_ipv4("F302A8C0", G_LITTLE_ENDIAN, "192.168.2.243");
    assert_hex_ipv4("CED43AD8", G_LITTLE_ENDIAN, "216.58.212.206");
    assert_hex_ipv4("00000000", G_LITTLE_ENDIAN, "0.0.0.0");
    assert_hex_ipv4("0100007f", G_LITTLE_ENDIAN, "127.0.0.1");
    /* A big-endian kernel prints the network-order word as it is. */
    assert_hex_ipv4("7F000001", G_BIG_ENDIAN, "127.0.0.1");
    assert_hex_ipv4("C0A802F3", G_BIG_ENDIAN, "192.168.2.243");
    assert_hex_ipv4("0100007F", G_BIG_ENDIAN, "1.0.0.127");

    g_assert_false(pm_parse_hex_ipv4("0100007", 7, G_LITTLE_ENDIAN, bytes));
    g_assert_false(pm_parse_hex_ipv4("0100007F0", 9, G_LITTLE_ENDIAN, bytes));
    g_assert_false(pm_parse_hex_ipv4("", 0, G_LITTLE_ENDIAN, bytes));
    g_assert_false(pm_parse_hex_ipv4("0100007G", 8, G_LITTLE_ENDIAN, bytes));
    g_assert_false(pm_parse_hex_ipv4("-100007F", 8, G_LITTLE_ENDIAN, bytes));
    g_assert_false(pm_parse_hex_ipv4("0100007F", 8, 0, bytes));  /* no such byte order */
}

static void
test_hex_ipv6(void)
{
    guint8 bytes[16];
    const char *le_doc = "B80D012000000000FFFF2301EFCDAB89";

    /* Spec §2.4 [reconstructed] vectors and the ::1 rows. */
    assert_hex_ipv6(le_doc, G_LITTLE_ENDIAN, PM_AF_INET6, "2001:db8::123:ffff:89ab:cdef");
    assert_hex_ipv6("0000000000000000FFFF00000101A8C0", G_LITTLE_ENDIAN, PM_AF_INET,
                    "192.168.1.1");
    assert_hex_ipv6("0000000000000000FFFF00000100007F", G_LITTLE_ENDIAN, PM_AF_INET,
                    "127.0.0.1");
    assert_hex_ipv6("00000000000000000000000001000000", G_LITTLE_ENDIAN, PM_AF_INET6, "::1");
    assert_hex_ipv6("00000000000000000000000000000000", G_LITTLE_ENDIAN, PM_AF_INET6, "::");
    /* The same addresses from a big-endian kernel. */
    assert_hex_ipv6("20010DB8000000000123FFFF89ABCDEF", G_BIG_ENDIAN, PM_AF_INET6,
                    "2001:db8::123:ffff:89ab:cdef");
    assert_hex_ipv6("00000000000000000000FFFFC0A80101", G_BIG_ENDIAN, PM_AF_INET, "192.168.1.1");
    assert_hex_ipv6("00000000000000000000000000000001", G_BIG_ENDIAN, PM_AF_INET6, "::1");
    /* Read with the wrong order, the words come out reversed. */
    assert_hex_ipv6(le_doc, G_BIG_ENDIAN, PM_AF_INET6, "b80d:120::ffff:2301:efcd:ab89");

    g_assert_false(pm_parse_hex_ipv6(le_doc, 31, G_LITTLE_ENDIAN, bytes));
    g_assert_false(pm_parse_hex_ipv6("B80D012000000000FFFF2301EFCDAB890", 33, G_LITTLE_ENDIAN,
                                     bytes));
    g_assert_false(pm_parse_hex_ipv6("0100007F", 8, G_LITTLE_ENDIAN, bytes));
    g_assert_false(pm_parse_hex_ipv6("B80D012000000000FFFF2301EFCDAB8X", 32, G_LITTLE_ENDIAN,
                                     bytes));
}

/* Prints bytes as a kernel of @order would: each network-order word loaded
 * natively, then "%08X".  Written independently of the decoder. */
static void
kernel_hex(const guint8 *bytes, int words, int order, char *out)
{
    for (int w = 0; w < words; w++) {
        const guint8 *b = bytes + 4 * w;
        guint32 native = order == G_BIG_ENDIAN
            ? (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3]
            : (guint32)b[3] << 24 | (guint32)b[2] << 16 | (guint32)b[1] << 8 | b[0];
        sprintf(out + 8 * w, "%08X", native);
    }
}

static void
test_hex_round_trip(void)
{
    static const int orders[] = { G_LITTLE_ENDIAN, G_BIG_ENDIAN };

    for (int i = 0; i < 200; i++) {
        for (gsize o = 0; o < G_N_ELEMENTS(orders); o++) {
            guint8 in[16], out[16];
            char hex[33];

            for (int b = 0; b < 16; b++)
                in[b] = (guint8)g_test_rand_int_range(0, 256);
            kernel_hex(in, 1, orders[o], hex);
            g_assert_true(pm_parse_hex_ipv4(hex, 8, orders[o], out));
            g_assert_cmpmem(in, 4, out, 4);
            kernel_hex(in, 4, orders[o], hex);
            g_assert_true(pm_parse_hex_ipv6(hex, 32, orders[o], out));
            g_assert_cmpmem(in, 16, out, 16);
        }
    }
}
/* ---- socket lines: the fixtures ----------------------------------------- */

typedef struct {
    GArray *sockets;
    guint   skipped;
    guint   malformed;
} parsed_table;

static void
parse_fixture(const char *name, gboolean v6, parsed_table *t)
{
    char **lines = pt_data_lines(name);

    t->sockets = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    t->skipped = t->malformed = 0;
    for (char **line = lines; *line; line++) {
        pm_socket s;
        /* The fixtures come from little-endian hosts, whatever runs the test. */
        switch (pm_parse_socket_line(*line, strlen(*line), v6, G_LITTLE_ENDIAN, &s)) {
        case PM_PARSE_OK:
            g_assert_cmpint(s.from_v6_table, ==, v6);
            g_assert_cmpint(s.v6only, ==, PM_V6ONLY_UNKNOWN);
            g_array_append_val(t->sockets, s);
            break;
        case PM_PARSE_SKIP:
            t->skipped++;
            break;
        case PM_PARSE_MALFORMED:
            t->malformed++;
            break;
        }
    }
    g_strfreev(lines);
}

#define SOCK(t, i) (&g_array_index((t)->sockets, pm_socket, (i)))

static void
test_fixture_tcp(void)
{
    parsed_table t;

    parse_fixture("proc_net_tcp.txt", FALSE, &t);
    g_assert_cmpuint(t.sockets->len, ==, 32);
    g_assert_cmpuint(t.skipped, ==, 1);  /* the header */
    g_assert_cmpuint(t.malformed, ==, 0);

    assert_endpoint(&SOCK(&t, 0)->local, "0.0.0.0:111");
    assert_endpoint(&SOCK(&t, 0)->remote, "0.0.0.0:0");
    g_assert_cmpuint(SOCK(&t, 0)->state, ==, PM_TCP_STATE_LISTEN);
    g_assert_cmpuint(SOCK(&t, 0)->inode, ==, 10676);
    assert_endpoint(&SOCK(&t, 1)->local, "127.0.0.1:631");
    g_assert_cmpuint(SOCK(&t, 1)->inode, ==, 3465487);
    g_assert_cmpuint(SOCK(&t, 2)->uid, ==, 131);
    assert_endpoint(&SOCK(&t, 4)->local, "0.0.0.0:17500");
    g_assert_cmpuint(SOCK(&t, 4)->uid, ==, 1000);
    g_assert_cmpuint(SOCK(&t, 4)->inode, ==, 33808);
    /* Row 10: CLOSE_WAIT, kept. */
    assert_endpoint(&SOCK(&t, 10)->local, "192.168.2.243:48100");
    assert_endpoint(&SOCK(&t, 10)->remote, "184.50.171.120:443");
    g_assert_cmpuint(SOCK(&t, 10)->state, ==, 8);
    g_assert_cmpuint(SOCK(&t, 10)->inode, ==, 3778421);
    assert_endpoint(&SOCK(&t, 22)->remote, "216.58.212.206:443");
    g_assert_cmpuint(SOCK(&t, 22)->state, ==, PM_TCP_STATE_ESTABLISHED);
    /* Row 31: TIME_WAIT, 12 fields, inode 0: kept. */
    assert_endpoint(&SOCK(&t, 31)->local, "192.168.2.243:41622");
    assert_endpoint(&SOCK(&t, 31)->remote, "216.58.212.206:443");
    g_assert_cmpuint(SOCK(&t, 31)->state, ==, 6);
    g_assert_cmpuint(SOCK(&t, 31)->inode, ==, 0);
    g_assert_cmpuint(SOCK(&t, 31)->uid, ==, 0);
    for (guint i = 0; i < t.sockets->len; i++)
        g_assert_cmpuint(SOCK(&t, i)->local.addr.family, ==, PM_AF_INET);
    g_array_unref(t.sockets);
}

static void
test_fixture_tcp6(void)
{
    parsed_table t;
    pm_socket s;
    const char *newer_row4 =
        "   4: B80D012000000000FFFF2301EFCDAB89:445C 00000000000000000000000000000000:0000 0A "
        "00000000:00000000 00:00000000 00000000  1000        0 33807 1 ffff88041a77a1c0 100 0 0 10 0";
    const char *mapped_row =
        "   6: 0000000000000000FFFF00000101A8C0:0050 0000000000000000FFFF00000201A8C0:D431 01 "
        "00000000:00000000 00:00000000 00000000    33        0 4242 1 ffff88041a77a1c0 20 4 30 10 -1";

    parse_fixture("proc_net_tcp6.txt", TRUE, &t);
    g_assert_cmpuint(t.sockets->len, ==, 6);
    g_assert_cmpuint(t.skipped, ==, 1);
    g_assert_cmpuint(t.malformed, ==, 0);
    assert_endpoint(&SOCK(&t, 0)->local, "[::]:111");
    assert_endpoint(&SOCK(&t, 1)->local, "[::1]:631");
    assert_endpoint(&SOCK(&t, 2)->local, "[::1]:5432");
    g_assert_cmpuint(SOCK(&t, 2)->uid, ==, 131);
    assert_endpoint(&SOCK(&t, 3)->local, "[::1]:25");
    assert_endpoint(&SOCK(&t, 4)->local, "[::]:17500");
    g_assert_cmpuint(SOCK(&t, 4)->inode, ==, 33807);
    assert_endpoint(&SOCK(&t, 5)->local, "[::]:59497");
    assert_endpoint(&SOCK(&t, 5)->remote, "[::]:0");
    g_assert_cmpuint(SOCK(&t, 5)->uid, ==, 104);
    g_assert_cmpuint(SOCK(&t, 5)->inode, ==, 15881);
    g_array_unref(t.sockets);

    g_assert_cmpint(pm_parse_socket_line(newer_row4, strlen(newer_row4), TRUE, G_LITTLE_ENDIAN,
                                         &s), ==, PM_PARSE_OK);
    assert_endpoint(&s.local, "[2001:db8::123:ffff:89ab:cdef]:17500");
    g_assert_cmpint(pm_parse_socket_line(mapped_row, strlen(mapped_row), TRUE, G_LITTLE_ENDIAN,
                                         &s), ==, PM_PARSE_OK);
    /* v4-mapped comes out as plain IPv4, still marked as a tcp6 row. */
    g_assert_cmpuint(s.local.addr.family, ==, PM_AF_INET);
    assert_endpoint(&s.local, "192.168.1.1:80");
    assert_endpoint(&s.remote, "192.168.1.2:54321");
    g_assert_true(s.from_v6_table);
    g_assert_cmpuint(s.uid, ==, 33);
}

static void
test_fixture_tcp_2_5(void)
{
    static const struct {
        guint row;
        const char *local, *remote;
        guint state, uid;
        guint64 inode;
    } expect[] = {
        { 0, "192.168.122.1:53", "0.0.0.0:0", 0x0A, 0, 34889 },
        { 1, "127.0.0.54:53", "0.0.0.0:0", 0x0A, 193, 1899 },
        { 2, "0.0.0.0:5355", "0.0.0.0:0", 0x0A, 193, 1890 },
        { 3, "127.0.0.53:53", "0.0.0.0:0", 0x0A, 193, 1897 },
        { 4, "0.0.0.0:22", "0.0.0.0:0", 0x0A, 0, 29766 },
        { 5, "127.0.0.1:39419", "0.0.0.0:0", 0x0A, 1000, 10142197 },
        { 6, "127.0.0.1:55250", "127.0.0.1:39419", 1, 1000, 10141103 },
        { 7, "127.0.0.1:49986", "127.0.0.1:39419", 1, 1000, 10148843 },
        { 8, "127.0.0.1:39419", "127.0.0.1:55294", 1, 1000, 10140214 },
        { 11, "192.168.1.37:22", "192.168.1.28:51658", 1, 0, 10143776 },
        { 15, "127.0.0.1:55218", "127.0.0.1:39419", 1, 1000, 10143026 },
        { 16, "127.0.0.1:55294", "127.0.0.1:39419", 1, 1000, 10145069 },
        { 17, "127.0.0.1:55210", "127.0.0.1:39419", 1, 1000, 10143025 },
        { 18, "127.0.0.1:55242", "127.0.0.1:39419", 1, 1000, 10141101 },
        { 19, "192.168.1.37:22", "192.168.1.28:52244", 1, 0, 10468519 },
        { 20, "192.168.1.37:22", "192.168.1.28:51741", 1, 0, 10150504 },
    };
    parsed_table t;
    guint on_39419 = 0;

    parse_fixture("proc_net_tcp_2_5.txt", FALSE, &t);
    g_assert_cmpuint(t.sockets->len, ==, 21);
    g_assert_cmpuint(t.malformed, ==, 0);
    for (gsize i = 0; i < G_N_ELEMENTS(expect); i++) {
        pm_socket *s = SOCK(&t, expect[i].row);
        assert_endpoint(&s->local, expect[i].local);
        assert_endpoint(&s->remote, expect[i].remote);
        g_assert_cmpuint(s->state, ==, expect[i].state);
        g_assert_cmpuint(s->uid, ==, expect[i].uid);
        g_assert_cmpuint(s->inode, ==, expect[i].inode);
    }
    /* One listener and six accepted sockets share 127.0.0.1:39419. */
    for (guint i = 0; i < t.sockets->len; i++) {
        char buf[PM_ENDPOINT_STRLEN];
        if (strcmp(pm_endpoint_to_string(&SOCK(&t, i)->local, buf, sizeof buf),
                   "127.0.0.1:39419") == 0)
            on_39419++;
    }
    g_assert_cmpuint(on_39419, ==, 7);
    g_array_unref(t.sockets);
}

/* ---- socket lines: edge cases ------------------------------------------- */

#define V4_TAIL " 00000000:00000000 00:00000000 00000000  1000        0 4711 1 ffff8800369d7040 100 0 0 10 0"

static void
test_socket_line_malformed(void)
{
    static const char *const v4_bad[] = {
        "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0",
        "   0: 0100007F:0277 00000000:0000 0A 00000000:00",            /* truncated */
        "   0: 0100007F:0277",
        "   0: 100007F:0277 00000000:0000 0A" V4_TAIL,                 /* 7 digits */
        "   0: 0100007F0:0277 00000000:0000 0A" V4_TAIL,               /* 9 digits */
        "   0: 00000000000000000000000001000000:0277 00000000:0000 0A" V4_TAIL, /* v6 in v4 */
        "   0: 0100007F0277 00000000:0000 0A" V4_TAIL,                 /* no ':' */
        "   0: 0100007F:00277 00000000:0000 0A" V4_TAIL,               /* 5-digit port */
        "   0: 0100007F: 00000000:0000 0A" V4_TAIL,                    /* empty port */
        "   0: 0100007F:02X7 00000000:0000 0A" V4_TAIL,
        "   0: 0100007F:0277 00000000:0000 0AB" V4_TAIL,               /* state */
        "   0: 0100007F:0277 00000000:0000 ZZ" V4_TAIL,
        "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 -1 0 4711 1",
        "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 4294967296 0 4711 1",
        "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 18446744073709551616 1",
        "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 12a 1",
        "   0  0100007F:0277 00000000:0000 0A" V4_TAIL,                /* slot without ':' */
        "   x: 0100007F:0277 00000000:0000 0A" V4_TAIL,
        "   : 0100007F:0277 00000000:0000 0A" V4_TAIL,
        "\xff\xfe\x01 garbage \x80",
    };
    static const char *const v6_bad[] = {
        "   0: 0100007F:0277 00000000:0000 0A" V4_TAIL,                /* v4 in v6 table */
        "   0: 0000000000000000000000000100000:0277 00000000000000000000000000000000:0000 0A" V4_TAIL,
    };
    pm_socket s;

    for (gsize i = 0; i < G_N_ELEMENTS(v4_bad); i++) {
        g_test_message("v4 line %" G_GSIZE_FORMAT ": %s", i, v4_bad[i]);
        g_assert_cmpint(pm_parse_socket_line(v4_bad[i], strlen(v4_bad[i]), FALSE,
                                             G_LITTLE_ENDIAN, &s), ==, PM_PARSE_MALFORMED);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(v6_bad); i++)
        g_assert_cmpint(pm_parse_socket_line(v6_bad[i], strlen(v6_bad[i]), TRUE,
                                             G_LITTLE_ENDIAN, &s), ==, PM_PARSE_MALFORMED);
    /* The length bounds the line: a NUL-free prefix of a good line is short. */
    {
        const char *good = "   0: 0100007F:0277 00000000:0000 0A" V4_TAIL;
        g_assert_cmpint(pm_parse_socket_line(good, 40, FALSE, G_LITTLE_ENDIAN, &s), ==,
                        PM_PARSE_MALFORMED);
    }
}

static void
test_socket_line_accepted(void)
{
    const char *udp =
        "  123: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0"
        "        0 15234 2 0000000000000000 0";
    const char *extremes =
        "   0: 0100007F:FFFF 00000000:0000 0A 00000000:00000000 00:00000000 00000000 4294967295 0"
        " 18446744073709551615 1";
    const char *tabs = "\t0:\t0100007F:1\t00000000:0\t1\tx\tx\tx\t7\tx\t99";
    pm_socket s;

    g_assert_cmpint(pm_parse_socket_line(udp, strlen(udp), FALSE, G_LITTLE_ENDIAN, &s), ==,
                    PM_PARSE_OK);
    assert_endpoint(&s.local, "0.0.0.0:68");
    g_assert_cmpuint(s.state, ==, PM_UDP_STATE_UNCONNECTED);
    g_assert_cmpuint(s.inode, ==, 15234);

    g_assert_cmpint(pm_parse_socket_line(extremes, strlen(extremes), FALSE, G_LITTLE_ENDIAN,
                                         &s), ==, PM_PARSE_OK);
    g_assert_cmpuint(s.local.port, ==, 65535);
    g_assert_cmpuint(s.uid, ==, G_MAXUINT32);
    g_assert_cmpuint(s.inode, ==, G_MAXUINT64);

    g_assert_cmpint(pm_parse_socket_line(tabs, strlen(tabs), FALSE, G_LITTLE_ENDIAN, &s), ==,
                    PM_PARSE_OK);
    assert_endpoint(&s.local, "127.0.0.1:1");
    g_assert_cmpuint(s.uid, ==, 7);
    g_assert_cmpuint(s.inode, ==, 99);

    g_assert_cmpint(pm_parse_socket_line("", 0, FALSE, G_LITTLE_ENDIAN, &s), ==, PM_PARSE_SKIP);
    g_assert_cmpint(pm_parse_socket_line("   \t ", 5, FALSE, G_LITTLE_ENDIAN, &s), ==,
                    PM_PARSE_SKIP);
    g_assert_cmpint(pm_parse_socket_line("  sl  local_address", 19, TRUE, G_LITTLE_ENDIAN, &s),
                    ==, PM_PARSE_SKIP);
}
/* ---- local addresses ---------------------------------------------------- */

static void
test_if_inet6(void)
{
    static const struct {
        const char *line;
        const char *addr;   /* NULL: rejected */
    } cases[] = {
        { "00000000000000000000000000000001 01 80 10 80       lo", "::1" },
        { "fe8000000000000000fc00fffe000001 04 40 20 80     eth0", "fe80::fc:ff:fe00:1" },
        { "20010DB8000000000000000000000042 02 40 00 00     eth1", "2001:db8::42" },
        { "00000000000000000000ffffc0a80101 02 40 00 00     eth1", "192.168.1.1" },
        { "fe80000000000000 06 40 20 80     bad0", NULL },
        { "fe8000000000000000fc00fffe00000g 04 40 20 80     eth0", NULL },
        { "fe8000000000000000fc00fffe0000011 04 40 20 80     eth0", NULL },
        { "", NULL },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        pm_addr addr;
        gboolean ok = pm_parse_if_inet6_line(cases[i].line, strlen(cases[i].line), &addr);
        g_assert_cmpint(ok, ==, cases[i].addr != NULL);
        if (ok)
            assert_addr(&addr, cases[i].addr);
    }
}

static void
test_fib_trie(void)
{
    static const char *const expected[] = {
        "10.0.2.15", "10.8.0.6", "127.0.0.1", "172.17.0.1",   /* Main */
        "10.0.2.15", "10.8.0.6", "127.0.0.1", "172.17.0.1",   /* Local */
    };
    char **lines = pt_data_lines("fib_trie.txt");
    pm_fib_trie_state state;
    guint found = 0;

    pm_fib_trie_init(&state);
    for (char **line = lines; *line; line++) {
        pm_addr addr;
        if (!pm_fib_trie_feed(&state, *line, strlen(*line), &addr))
            continue;
        g_assert_cmpuint(found, <, G_N_ELEMENTS(expected));
        assert_addr(&addr, expected[found]);
        found++;
    }
    g_assert_cmpuint(found, ==, G_N_ELEMENTS(expected));
    g_strfreev(lines);

    /* A prefix line with no leaf before it proves nothing. */
    pm_fib_trie_init(&state);
    {
        pm_addr addr;
        g_assert_false(pm_fib_trie_feed(&state, "  /32 host LOCAL", 16, &addr));
        g_assert_false(pm_fib_trie_feed(&state, "  |-- 300.1.2.3", 15, &addr));
        g_assert_false(pm_fib_trie_feed(&state, "  /32 host LOCAL", 16, &addr));
        g_assert_false(pm_fib_trie_feed(&state, "  |-- 10.1.2.3", 14, &addr));
        g_assert_false(pm_fib_trie_feed(&state, "  /32 host LOCALX", 17, &addr));
        g_assert_true(pm_fib_trie_feed(&state, "  /32 host LOCAL", 16, &addr));
        assert_addr(&addr, "10.1.2.3");
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/procfs/parse/hex-ipv4", test_hex_ipv4);
    g_test_add_func("/procfs/parse/hex-ipv6", test_hex_ipv6);
    g_test_add_func("/procfs/parse/hex-round-trip-both-byte-orders", test_hex_round_trip);
    g_test_add_func("/procfs/parse/fixture-tcp-2.3", test_fixture_tcp);
    g_test_add_func("/procfs/parse/fixture-tcp6-2.4", test_fixture_tcp6);
    g_test_add_func("/procfs/parse/fixture-tcp-2.5", test_fixture_tcp_2_5);
    g_test_add_func("/procfs/parse/socket-line-malformed", test_socket_line_malformed);
    g_test_add_func("/procfs/parse/socket-line-accepted", test_socket_line_accepted);
    g_test_add_func("/procfs/parse/if-inet6", test_if_inet6);
    g_test_add_func("/procfs/parse/fib-trie", test_fib_trie);
    add_proc_parse_tests();
    return g_test_run();
}
