/* test_netlink_parse_framing.c - message framing under attack: cut
 * headers, nlmsg_len that lies (too small, too big, unaligned), every cut of
 * a valid datagram, random bytes.  Run under valgrind, any read past the end
 * shows.
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
test_truncated_header(void)
{
    GByteArray *d = g_byte_array_new();
    pm_nl_message msg;
    gsize offset = 0;

    nt_put_done(d, 1, 0);
    /* Every cut inside the header or the payload is caught. */
    for (gsize cut = 1; cut < d->len; cut++) {
        offset = 0;
        g_assert_cmpint(pm_nl_next_message(d->data, cut, &offset, &msg), ==,
                        PM_NL_NEXT_MALFORMED);
    }
    offset = 0;
    g_assert_cmpint(pm_nl_next_message(d->data, 0, &offset, &msg), ==, PM_NL_NEXT_END);

    /* A whole message, then half a header. */
    nt_put_done(d, 1, 0);
    g_byte_array_set_size(d, d->len - 10);
    offset = 0;
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_OK);
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==,
                    PM_NL_NEXT_MALFORMED);
    g_byte_array_unref(d);
}

static void
test_length_lies(void)
{
    GByteArray *d = g_byte_array_new();
    pm_nl_message msg;
    gsize offset, first;
    static const guint32 lies[] = { 0, 1, 15, 20 + 4, 0xffffffffu };

    first = nt_put_done(d, 1, 0);  /* 20 bytes */
    nt_put_done(d, 2, 0);
    for (gsize i = 0; i < G_N_ELEMENTS(lies); i++) {
        /* Too small (below the header: would loop forever) or beyond the
         * datagram: 24 bytes is beyond a datagram cut after the first. */
        nt_set_len(d, first, lies[i]);
        offset = 0;
        g_assert_cmpint(pm_nl_next_message(d->data, 20, &offset, &msg), ==,
                        PM_NL_NEXT_MALFORMED);
        g_assert_cmpuint(offset, ==, 0);
    }
    /* Too big for the datagram as a whole. */
    nt_set_len(d, first, d->len + 4);
    offset = 0;
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==,
                    PM_NL_NEXT_MALFORMED);

    /* Too big by a little: swallows the next message, which is then not seen. */
    nt_set_len(d, first, 40);
    offset = 0;
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_OK);
    g_assert_cmpuint(msg.payload_len, ==, 24);
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_END);
    g_byte_array_unref(d);
}

static void
test_unaligned_length(void)
{
    GByteArray *d = g_byte_array_new();
    GByteArray *p = nt_diag_payload(AF_INET6, 10, "::", 80, "::", 0, 0, 42);
    pm_nl_message msg;
    gsize offset = 0, first;
    pm_socket s;
    int err;

    /* A message whose last attribute is 5 bytes, its nlmsg_len not rounded
     * up: 16 + 72 + 5 = 93, the next message at 96. */
    nt_put_attr(p, INET_DIAG_SKV6ONLY, "\1", 1, FALSE);
    first = nt_put_message(d, SOCK_DIAG_BY_FAMILY, 1, p->data, p->len);
    g_assert_cmpuint(d->len, ==, 96);
    nt_set_len(d, first, 93);
    nt_put_done(d, 1, 0);

    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_OK);
    g_assert_cmpuint(msg.payload_len, ==, 77);
    g_assert_cmpuint(offset, ==, 96);
    g_assert_cmpint(pm_nl_parse_inet_diag(msg.payload, msg.payload_len, &s), ==, PM_NL_ROW_OK);
    g_assert_cmpint(s.v6only, ==, PM_V6ONLY_YES);
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_OK);
    g_assert_cmpint(pm_nl_classify(&msg, &err), ==, PM_NL_KIND_DONE);

    /* The same message last in a datagram without its padding. */
    offset = 0;
    g_assert_cmpint(pm_nl_next_message(d->data, 93, &offset, &msg), ==, PM_NL_NEXT_OK);
    g_assert_cmpuint(offset, ==, 93);
    g_assert_cmpint(pm_nl_next_message(d->data, 93, &offset, &msg), ==, PM_NL_NEXT_END);

    /* 94 ends inside the attribute's padding: fine.  97 leaves a stray
     * byte after the padding, too short for an attribute. */
    nt_set_len(d, first, 94);
    offset = 0;
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_OK);
    g_assert_cmpint(pm_nl_parse_inet_diag(msg.payload, msg.payload_len, &s), ==, PM_NL_ROW_OK);
    nt_set_len(d, first, 97);
    offset = 0;
    g_assert_cmpint(pm_nl_next_message(d->data, d->len, &offset, &msg), ==, PM_NL_NEXT_OK);
    g_assert_cmpint(pm_nl_parse_inet_diag(msg.payload, msg.payload_len, &s), ==,
                    PM_NL_ROW_MALFORMED);
    g_byte_array_unref(p);
    g_byte_array_unref(d);
}

/* Any cut of a valid multi-message datagram either ends on a message
 * boundary or is reported, never read past. */
static void
test_every_cut(void)
{
    GByteArray *d = g_byte_array_new();
    GArray *boundaries = g_array_new(FALSE, FALSE, sizeof(gsize));
    gsize end;

    nt_put_diag(d, 1, AF_INET, 10, "0.0.0.0", 22, "0.0.0.0", 0, 0, 1, -1);
    end = d->len;
    g_array_append_val(boundaries, end);
    nt_put_diag(d, 1, AF_INET6, 7, "::", 53, "::", 0, 0, 2, 0);
    end = d->len;
    g_array_append_val(boundaries, end);
    nt_put_done(d, 1, 0);

    for (gsize cut = 0; cut <= d->len; cut++) {
        gboolean on_boundary = cut == 0 || cut == d->len;
        pm_nl_next_result next;
        pm_nl_message msg;
        gsize offset = 0;
        guint messages = 0;

        guint whole = cut == d->len ? 1 : 0;  /* messages entirely inside the cut */
        guint8 *copy = g_malloc(cut);  /* NULL for 0: must not be touched */

        for (guint i = 0; i < boundaries->len; i++) {
            on_boundary |= cut == g_array_index(boundaries, gsize, i);
            whole += cut >= g_array_index(boundaries, gsize, i);
        }
        /* A buffer of exactly @cut bytes, so valgrind sees any overread. */
        if (cut > 0)
            memcpy(copy, d->data, cut);
        while ((next = pm_nl_next_message(copy, cut, &offset, &msg)) == PM_NL_NEXT_OK) {
            pm_socket s;
            int err;
            g_assert_cmpuint(offset, <=, cut);
            if (pm_nl_classify(&msg, &err) == PM_NL_KIND_DATA)
                g_assert_cmpint(pm_nl_parse_inet_diag(msg.payload, msg.payload_len, &s), ==,
                                PM_NL_ROW_OK);
            messages++;
        }
        g_assert_cmpint(next, ==, on_boundary ? PM_NL_NEXT_END : PM_NL_NEXT_MALFORMED);
        g_assert_cmpuint(messages, ==, whole);
        g_free(copy);
    }
    g_array_unref(boundaries);
    g_byte_array_unref(d);
}

/* Random bytes through every parser: no crash, no read past the end (run
 * under valgrind), results in range. */
static void
test_random_bytes(void)
{
    for (int round = 0; round < 20000; round++) {
        gsize len = (gsize)g_test_rand_int_range(0, 200);
        guint8 *buf = g_malloc(len);  /* exact, for valgrind; NULL for 0 */
        gsize offset = 0;
        pm_nl_message msg;

        for (gsize i = 0; i < len; i++)
            buf[i] = (guint8)g_test_rand_int_range(0, 256);
        /* Make plausible headers likely: a small length, a known type. */
        if (len >= 16 && round % 2 == 0) {
            guint32 nlmsg_len = (guint32)g_test_rand_int_range(0, (int)len + 8);
            guint16 type = round % 4 == 0 ? SOCK_DIAG_BY_FAMILY : RTM_NEWADDR;
            memcpy(buf, &nlmsg_len, 4);
            memcpy(buf + 4, &type, 2);
        }
        while (pm_nl_next_message(buf, len, &offset, &msg) == PM_NL_NEXT_OK) {
            pm_socket s;
            pm_addr a;
            int err;
            pm_nl_kind kind = pm_nl_classify(&msg, &err);
            g_assert_cmpint(kind, <=, PM_NL_KIND_MALFORMED);
            g_assert_true(msg.payload + msg.payload_len <= buf + len);
            g_assert_cmpint(pm_nl_parse_inet_diag(msg.payload, msg.payload_len, &s), <=,
                            PM_NL_ROW_MALFORMED);
            g_assert_cmpint(pm_nl_parse_ifaddr(msg.payload, msg.payload_len, &a), <=,
                            PM_NL_ROW_MALFORMED);
        }
        g_assert_cmpuint(offset, <=, len);
        g_free(buf);
    }
}

void
add_framing_tests(void)
{
    g_test_add_func("/netlink/parse/message/truncated-header", test_truncated_header);
    g_test_add_func("/netlink/parse/message/length-lies", test_length_lies);
    g_test_add_func("/netlink/parse/message/unaligned-length", test_unaligned_length);
    g_test_add_func("/netlink/parse/message/every-cut", test_every_cut);
    g_test_add_func("/netlink/parse/random-bytes", test_random_bytes);
}
