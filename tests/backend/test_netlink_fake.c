/* test_netlink_fake.c - the netlink backend's dumps against a fake kernel
 * (test_netlink_fake_kernel.h): what a real kernel will not do on demand -
 * multi-datagram and oversized replies, stale sequence numbers, errors and
 * garbage midway, a peer that hangs up.  Refusals and the fallback to procfs
 * are in test_netlink_fallback.c.
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

#include "netlink.h"
#include "netlink_parse.h"
#include "procfs.h"
#include "procfs_test_util.h"
#include "test_netlink_fake_kernel.h"
#include "test_netlink_msg.h"

/* ---- normal dumps ------------------------------------------------------- */

/* IPv4: two datagrams, the second with a TIME_WAIT row (inode 0) and DONE.
 * IPv6: a listener with v6only and a dual-stack connection, then DONE in a
 * datagram of its own. */
static gboolean
script_normal(fake_kernel *k, int fd, const fake_request *req, guint index)
{
    GByteArray *d = g_byte_array_new();

    if (req->family == AF_INET) {
        nt_put_diag(d, req->seq, AF_INET, 10, "0.0.0.0", 22, "0.0.0.0", 0, 0, 1001, -1);
        nt_put_diag(d, req->seq, AF_INET, 1, "10.0.0.1", 22, "10.0.0.9", 50000, 1000, 1002, -1);
        send_datagram(fd, d);
        d = g_byte_array_new();
        nt_put_diag(d, req->seq, AF_INET, 6, "10.0.0.1", 22, "10.0.0.8", 40000, 0, 0, -1);
        nt_put_done(d, req->seq, 0);
        send_datagram(fd, d);
    } else {
        nt_put_diag(d, req->seq, AF_INET6, 10, "::", 80, "::", 0, 33, 1003, 0);
        nt_put_diag(d, req->seq, AF_INET6, 1, "::ffff:10.0.0.1", 80, "::ffff:10.0.0.7", 41000,
                    33, 1004, -1);
        send_datagram(fd, d);
        send_datagram(fd, done_only(req->seq));
    }
    return TRUE;
}

static void
test_dump_normal(void)
{
    fake_kernel *k = fake_new(script_normal);
    pm_backend *backend = pm_netlink_backend_new_with_opener("/nonexistent", fake_open, k);
    GArray *out = table_with_sentinel();
    GError *error = NULL;
    pt_diag d;

    pt_diag_init(&d);
    g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(k->opens, ==, 1);
    g_assert_cmpint(k->last_protocol, ==, NETLINK_SOCK_DIAG);

    g_assert_cmpuint(out->len, ==, 5);
    g_assert_cmpuint(ROW(out, 0)->inode, ==, 999999);
    assert_endpoint(&ROW(out, 1)->local, "0.0.0.0:22");
    g_assert_cmpuint(ROW(out, 1)->state, ==, PM_TCP_STATE_LISTEN);
    g_assert_cmpuint(ROW(out, 1)->inode, ==, 1001);
    g_assert_false(ROW(out, 1)->from_v6_table);
    assert_endpoint(&ROW(out, 2)->remote, "10.0.0.9:50000");
    g_assert_cmpuint(ROW(out, 2)->uid, ==, 1000);
    g_assert_cmpuint(ROW(out, 2)->inode, ==, 1002);
    assert_endpoint(&ROW(out, 3)->local, "[::]:80");
    g_assert_true(ROW(out, 3)->from_v6_table);
    g_assert_cmpint(ROW(out, 3)->v6only, ==, PM_V6ONLY_NO);
    g_assert_cmpuint(ROW(out, 3)->uid, ==, 33);
    assert_endpoint(&ROW(out, 4)->local, "10.0.0.1:80");
    assert_endpoint(&ROW(out, 4)->remote, "10.0.0.7:41000");
    g_assert_true(ROW(out, 4)->from_v6_table);
    g_assert_cmpint(ROW(out, 4)->v6only, ==, PM_V6ONLY_UNKNOWN);
    for (int c = 0; c < PM_DIAG_CAUSE_COUNT; c++)
        g_assert_cmpuint(d.diag.counts[c], ==, 0);

    /* The requests: one dump per family, TCP, everything but TIME_WAIT. */
    g_assert_cmpuint(k->requests->len, ==, 2);
    for (guint i = 0; i < 2; i++) {
        const fake_request *req = request_at(k, i);
        g_assert_cmpuint(req->type, ==, SOCK_DIAG_BY_FAMILY);
        g_assert_cmpuint(req->flags, ==, NLM_F_REQUEST | NLM_F_DUMP);
        g_assert_cmpuint(req->transport, ==, IPPROTO_TCP);
        g_assert_cmpuint(req->states, ==, PM_NL_TCP_STATES);
    }
    g_assert_cmpuint(request_at(k, 0)->family, ==, AF_INET);
    g_assert_cmpuint(request_at(k, 1)->family, ==, AF_INET6);
    g_assert_cmpuint(request_at(k, 0)->seq, !=, request_at(k, 1)->seq);

    /* UDP asks for UDP with its own states, on a new socket. */
    g_array_set_size(out, 0);
    g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_UDP, out, &d.diag, &error));
    g_assert_cmpuint(out->len, ==, 4);
    g_assert_cmpuint(k->opens, ==, 2);
    g_assert_cmpuint(request_at(k, 2)->transport, ==, IPPROTO_UDP);
    g_assert_cmpuint(request_at(k, 2)->states, ==, PM_NL_UDP_STATES);
    g_assert_cmpuint(request_at(k, 3)->transport, ==, IPPROTO_UDP);

    pm_backend_free(backend);
    fake_free(k);
    g_array_unref(out);
    pt_diag_clear(&d);
}

#define BIG_ROWS 700

/* One IPv4 datagram of ~67 KB: more than the 32 KiB first offered. */
static gboolean
script_big(fake_kernel *k, int fd, const fake_request *req, guint index)
{
    GByteArray *d = g_byte_array_new();

    if (req->family == AF_INET) {
        for (guint i = 0; i < BIG_ROWS; i++)
            nt_put_diag(d, req->seq, AF_INET, 10, "127.0.0.1", (guint16)(1000 + i), "0.0.0.0",
                        0, 0, 5000 + i, -1);
        g_assert_cmpuint(d->len, >, 64 * 1024);
    }
    nt_put_done(d, req->seq, 0);
    send_datagram(fd, d);
    return TRUE;
}

static void
test_dump_big_datagram(void)
{
    fake_kernel *k = fake_new(script_big);
    pm_backend *backend = pm_netlink_backend_new_with_opener(NULL, fake_open, k);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    pt_diag d;

    pt_diag_init(&d);
    for (int round = 0; round < 2; round++) {  /* the grown buffer is reused */
        g_array_set_size(out, 0);
        g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag, NULL));
        g_assert_cmpuint(out->len, ==, BIG_ROWS);
        for (guint i = 0; i < BIG_ROWS; i++) {
            g_assert_cmpuint(ROW(out, i)->inode, ==, 5000 + i);
            g_assert_cmpuint(ROW(out, i)->local.port, ==, 1000 + i);
        }
    }
    g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 0);
    pm_backend_free(backend);
    fake_free(k);
    g_array_unref(out);
    pt_diag_clear(&d);
}

/* Messages of other sequence numbers - one that would not even parse -
 * before and among the answer. */
static gboolean
script_stale(fake_kernel *k, int fd, const fake_request *req, guint index)
{
    GByteArray *d = g_byte_array_new();

    nt_put_message(d, 0x7777, req->seq + 100, (const guint8 *)"junk", 4);
    nt_put_done(d, req->seq - 1, 0);
    nt_put_diag(d, req->seq, req->family, 10, req->family == AF_INET ? "0.0.0.0" : "::", 53,
                req->family == AF_INET ? "0.0.0.0" : "::", 0, 0, 7000 + req->family, -1);
    nt_put_error(d, req->seq + 1, -EPERM);
    nt_put_done(d, req->seq, 0);
    send_datagram(fd, d);
    return TRUE;
}

static void
test_dump_stale_sequence(void)
{
    fake_kernel *k = fake_new(script_stale);
    pm_backend *backend = pm_netlink_backend_new_with_opener(NULL, fake_open, k);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    pt_diag d;

    pt_diag_init(&d);
    g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_UDP, out, &d.diag, NULL));
    g_assert_cmpuint(out->len, ==, 2);
    g_assert_cmpuint(ROW(out, 0)->inode, ==, 7000 + AF_INET);
    g_assert_cmpuint(ROW(out, 1)->inode, ==, 7000 + AF_INET6);
    /* Counted (3 per dump), never told: they are harmless. */
    g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 6);
    g_assert_null(d.message[PM_DIAG_NETLINK_ERROR]);
    pm_backend_free(backend);
    fake_free(k);
    g_array_unref(out);
    pt_diag_clear(&d);
}

/* ---- failures midway ---------------------------------------------------- */

typedef enum {
    BAD_ERROR_AFTER_DATA,
    BAD_DONE_WITH_ERRNO,
    BAD_LENGTH_BEYOND_DATAGRAM,
    BAD_LENGTH_BELOW_HEADER,
    BAD_SHORT_DIAG_PAYLOAD,
    BAD_CUT_ATTRIBUTE,
    BAD_UNEXPECTED_TYPE,
    BAD_SHORT_ERROR,
    BAD_OVERRUN,
    BAD_HANG_UP,
    BAD_HALF_HEADER,
    BAD_COUNT
} bad_reply;

/* The first IPv4 request gets a good socket then the fault; every later
 * request is answered well. */
static gboolean
script_bad(fake_kernel *k, int fd, const fake_request *req, guint index)
{
    bad_reply bad = GPOINTER_TO_INT(k->data);
    GByteArray *d = g_byte_array_new();
    GByteArray *p;
    gsize at;

    nt_put_diag(d, req->seq, req->family, 10, req->family == AF_INET ? "0.0.0.0" : "::", 22,
                req->family == AF_INET ? "0.0.0.0" : "::", 0, 0, 8000 + index, -1);
    if (index > 0) {
        nt_put_done(d, req->seq, 0);
        send_datagram(fd, d);
        return TRUE;
    }
    switch (bad) {
    case BAD_ERROR_AFTER_DATA:
        nt_put_error(d, req->seq, -EIO);
        break;
    case BAD_DONE_WITH_ERRNO:
        nt_put_done(d, req->seq, -EINTR);
        break;
    case BAD_LENGTH_BEYOND_DATAGRAM:
        at = nt_put_done(d, req->seq, 0);
        nt_set_len(d, at, 200);
        break;
    case BAD_LENGTH_BELOW_HEADER:
        at = nt_put_done(d, req->seq, 0);
        nt_set_len(d, at, 8);
        break;
    case BAD_SHORT_DIAG_PAYLOAD:
        nt_put_message(d, SOCK_DIAG_BY_FAMILY, req->seq, (const guint8 *)"\2\12", 2);
        nt_put_done(d, req->seq, 0);
        break;
    case BAD_CUT_ATTRIBUTE:
        p = nt_diag_payload(AF_INET, 10, "0.0.0.0", 23, "0.0.0.0", 0, 0, 8100);
        nt_put_attr(p, INET_DIAG_SHUTDOWN, "\0", 1, TRUE);
        g_byte_array_set_size(p, p->len - 5);  /* half the attribute */
        nt_put_message(d, SOCK_DIAG_BY_FAMILY, req->seq, p->data, p->len);
        g_byte_array_unref(p);
        nt_put_done(d, req->seq, 0);
        break;
    case BAD_UNEXPECTED_TYPE:
        nt_put_message(d, RTM_NEWADDR, req->seq, (const guint8 *)"12345678", 8);
        nt_put_done(d, req->seq, 0);
        break;
    case BAD_SHORT_ERROR:
        nt_put_message(d, NLMSG_ERROR, req->seq, (const guint8 *)"\xfb", 1);
        break;
    case BAD_OVERRUN:
        nt_put_message(d, NLMSG_OVERRUN, req->seq, NULL, 0);
        break;
    case BAD_HANG_UP:
        send_datagram(fd, d);
        return FALSE;  /* no DONE: the backend reads end of file */
    case BAD_HALF_HEADER:
        g_byte_array_append(d, (const guint8 *)"\x30\0\0\0\x14\0", 6);
        break;
    case BAD_COUNT:
        g_assert_not_reached();
    }
    send_datagram(fd, d);
    return TRUE;
}

static void
test_dump_fails_midway(void)
{
    for (int bad = 0; bad < BAD_COUNT; bad++) {
        fake_kernel *k = fake_new(script_bad);
        pm_backend *backend = pm_netlink_backend_new_with_opener(NULL, fake_open, k);
        GArray *out = table_with_sentinel();
        GError *error = NULL;
        pt_diag d;

        g_test_message("bad reply %d", bad);
        k->data = GINT_TO_POINTER(bad);
        pt_diag_init(&d);
        g_assert_false(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag,
                                                  &error));
        g_assert_nonnull(error);
        g_assert_nonnull(strstr(error->message, "netlink dump of tcp sockets failed"));
        g_clear_error(&error);
        /* All or nothing: the good socket before the fault is not kept. */
        g_assert_cmpuint(out->len, ==, 1);
        g_assert_cmpuint(ROW(out, 0)->inode, ==, 999999);
        g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);
        g_assert_cmpint(d.level[PM_DIAG_NETLINK_ERROR], ==, PM_DIAG_LEVEL_WARNING);
        g_assert_cmpuint(k->requests->len, ==, 1);  /* IPv6 not asked after the failure */

        /* Only that call failed: the next one asks netlink again. */
        g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag,
                                                 &error));
        g_assert_no_error(error);
        g_assert_cmpuint(k->opens, ==, 2);
        g_assert_cmpuint(out->len, ==, 3);
        g_assert_cmpuint(ROW(out, 1)->inode, ==, 8001);
        g_assert_cmpuint(ROW(out, 2)->inode, ==, 8002);
        g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);

        pm_backend_free(backend);
        fake_free(k);
        g_array_unref(out);
        pt_diag_clear(&d);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netlink/fake/dump/normal", test_dump_normal);
    g_test_add_func("/netlink/fake/dump/big-datagram", test_dump_big_datagram);
    g_test_add_func("/netlink/fake/dump/stale-sequence", test_dump_stale_sequence);
    g_test_add_func("/netlink/fake/dump/fails-midway", test_dump_fails_midway);
    add_fallback_tests();
    return g_test_run();
}
