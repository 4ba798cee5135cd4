/* test_netlink_fallback.c - the netlink backend when netlink is refused or
 * fails: the procfs tables and addresses of a fake host take over, for good
 * after a refusal, for one call after a passing failure.
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

/* ---- refusals and the fallback ------------------------------------------ */

/* The first request of each connection is refused with k->data's errno
 * (TCP), or only the IPv6 one (UDP: the IPv4 one is answered). */
static gboolean
script_refuse(fake_kernel *k, int fd, const fake_request *req, guint index)
{
    GByteArray *d = g_byte_array_new();

    if (req->transport == IPPROTO_TCP || req->family == AF_INET6) {
        nt_put_error(d, req->seq, -GPOINTER_TO_INT(k->data));
    } else {
        nt_put_diag(d, req->seq, AF_INET, 7, "0.0.0.0", 68, "0.0.0.0", 0, 0, 9001, -1);
        nt_put_done(d, req->seq, 0);
    }
    send_datagram(fd, d);
    return TRUE;
}

static void
test_refusal_falls_back(void)
{
    static const int refusals[] = { ENOENT, EPERM, EACCES, EINVAL, EOPNOTSUPP };
    char *root = fake_host();
    GArray *expected_tcp = procfs_table(root, PM_TRANSPORT_TCP);

    for (gsize i = 0; i < G_N_ELEMENTS(refusals); i++) {
        fake_kernel *k = fake_new(script_refuse);
        pm_backend *backend = pm_netlink_backend_new_with_opener(root, fake_open, k);
        GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
        GError *error = NULL;
        pt_diag d;

        k->data = GINT_TO_POINTER(refusals[i]);
        pt_diag_init(&d);
        g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag,
                                                 &error));
        g_assert_no_error(error);
        assert_same_rows(out, expected_tcp);
        g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);
        g_assert_cmpint(d.level[PM_DIAG_NETLINK_ERROR], ==, PM_DIAG_LEVEL_INFO);
        g_assert_nonnull(strstr(d.message[PM_DIAG_NETLINK_ERROR], g_strerror(refusals[i])));

        /* TCP stays on procfs without asking again or telling again. */
        g_array_set_size(out, 0);
        g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag,
                                                 NULL));
        assert_same_rows(out, expected_tcp);
        g_assert_cmpuint(k->opens, ==, 1);
        g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);

        /* UDP was not refused: still netlink, IPv4 only when IPv6 is refused
         * with ENOENT (no IPv6 here); any other refusal sends UDP to procfs. */
        g_array_set_size(out, 0);
        g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_UDP, out, &d.diag,
                                                 NULL));
        g_assert_cmpuint(k->opens, ==, 2);
        if (refusals[i] == ENOENT) {
            g_assert_cmpuint(out->len, ==, 1);
            g_assert_cmpuint(ROW(out, 0)->inode, ==, 9001);
            g_assert_cmpuint(d.diag.counts[PM_DIAG_IPV6_TABLE_MISSING], ==, 1);
            g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);
        } else {
            GArray *expected_udp = procfs_table(root, PM_TRANSPORT_UDP);
            assert_same_rows(out, expected_udp);
            g_array_unref(expected_udp);
            g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 2);
        }
        pm_backend_free(backend);
        fake_free(k);
        g_array_unref(out);
        pt_diag_clear(&d);
    }
    g_array_unref(expected_tcp);
    pt_tree_free(root);
}

/* A refusal that may pass (no memory, busy) fails the call but keeps netlink. */
static void
test_transient_refusal_keeps_netlink(void)
{
    static const int transient[] = { ENOBUFS, ENOMEM, EBUSY };

    for (gsize i = 0; i < G_N_ELEMENTS(transient); i++) {
        fake_kernel *k = fake_new(script_refuse);
        pm_backend *backend = pm_netlink_backend_new_with_opener(NULL, fake_open, k);
        GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
        GError *error = NULL;
        pt_diag d;

        k->data = GINT_TO_POINTER(transient[i]);
        pt_diag_init(&d);
        for (guint call = 1; call <= 2; call++) {
            g_assert_false(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag,
                                                      &error));
            g_assert_nonnull(error);
            g_clear_error(&error);
            g_assert_cmpuint(k->opens, ==, call);
            g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, call);
        }
        pm_backend_free(backend);
        fake_free(k);
        g_array_unref(out);
        pt_diag_clear(&d);
    }
}

static void
test_open_failures(void)
{
    char *root = fake_host();
    fake_kernel *k = fake_new(script_refuse);  /* opening fails: never asked */
    pm_backend *backend = pm_netlink_backend_new_with_opener(root, fake_open, k);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    GArray *expected;
    GError *error = NULL;
    pt_diag d;

    /* Out of descriptors: this call fails, netlink stays. */
    pt_diag_init(&d);
    k->open_errno = EMFILE;
    g_assert_false(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag, &error));
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_MFILE);
    g_clear_error(&error);
    g_assert_cmpuint(out->len, ==, 0);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);

    /* No netlink here at all: both transports go to procfs, told once. */
    k->open_errno = EPROTONOSUPPORT;
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        g_array_set_size(out, 0);
        expected = procfs_table(root, (pm_transport)t);
        g_assert_true(backend->ops->list_sockets(backend, (pm_transport)t, out, &d.diag,
                                                 &error));
        g_assert_no_error(error);
        assert_same_rows(out, expected);
        g_array_unref(expected);
    }
    g_assert_cmpuint(k->opens, ==, 2);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 2);
    g_assert_cmpuint(k->requests->len, ==, 0);

    pm_backend_free(backend);
    fake_free(k);
    g_array_unref(out);
    pt_diag_clear(&d);
    pt_tree_free(root);
}

/* ---- local addresses ---------------------------------------------------- */

typedef enum { ADDR_GOOD, ADDR_GARBAGE_ONCE, ADDR_REFUSE } addr_mode;

static gboolean
script_addresses(fake_kernel *k, int fd, const fake_request *req, guint index)
{
    addr_mode mode = GPOINTER_TO_INT(k->data);
    GByteArray *d = g_byte_array_new();
    GByteArray *p;
    static const char *const v4[][2] = {
        { "192.168.1.10", "192.168.1.10" }, { "10.8.0.1", "10.8.0.2" },
        { "192.168.1.10", "192.168.1.10" },  /* the same on another interface */
    };

    if (mode == ADDR_REFUSE || (mode == ADDR_GARBAGE_ONCE && index == 0)) {
        if (mode == ADDR_REFUSE)
            nt_put_error(d, req->seq, -EPERM);
        else
            nt_put_message(d, RTM_NEWADDR, req->seq, (const guint8 *)"\2", 1);
        send_datagram(fd, d);
        return TRUE;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(v4); i++) {
        p = nt_ifaddr_payload(AF_INET, v4[i][0], v4[i][1]);
        nt_put_message(d, RTM_NEWADDR, req->seq, p->data, p->len);
        g_byte_array_unref(p);
    }
    send_datagram(fd, d);
    d = g_byte_array_new();
    p = nt_ifaddr_payload(AF_INET6, NULL, "fe80::1");
    nt_put_message(d, RTM_NEWADDR, req->seq, p->data, p->len);
    g_byte_array_unref(p);
    p = nt_ifaddr_payload(AF_INET6, NULL, "::ffff:192.168.1.10");  /* canonical: a dup */
    nt_put_message(d, RTM_NEWADDR, req->seq, p->data, p->len);
    g_byte_array_unref(p);
    nt_put_done(d, req->seq, 0);
    send_datagram(fd, d);
    return TRUE;
}

static char *
addresses_text(GArray *addrs, guint from)
{
    GString *text = g_string_new(NULL);

    for (guint i = from; i < addrs->len; i++) {
        char buf[PM_ADDR_STRLEN];
        g_string_append_printf(text, "%s%s", i > from ? " " : "",
                               pm_addr_to_string(&g_array_index(addrs, pm_addr, i), buf,
                                                 sizeof buf));
    }
    return g_string_free(text, FALSE);
}

static char *
procfs_addresses(const char *root)
{
    pm_backend *procfs = pm_procfs_backend_new(root);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_addr));
    char *text;
    pt_diag d;

    pt_diag_init(&d);
    g_assert_true(procfs->ops->list_local_addresses(procfs, out, &d.diag, NULL));
    text = addresses_text(out, 0);
    g_assert_cmpstr(text, !=, "");
    pt_diag_clear(&d);
    g_array_unref(out);
    pm_backend_free(procfs);
    return text;
}

static void
test_addresses(void)
{
    char *root = fake_host();
    char *from_procfs = procfs_addresses(root);

    for (int mode = ADDR_GOOD; mode <= ADDR_REFUSE; mode++) {
        fake_kernel *k = fake_new(script_addresses);
        pm_backend *backend = pm_netlink_backend_new_with_opener(root, fake_open, k);
        GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_addr));
        pm_addr first;
        char *text;
        pt_diag d;

        g_test_message("address mode %d", mode);
        k->data = GINT_TO_POINTER(mode);
        pt_diag_init(&d);
        pm_addr_parse("203.0.113.1", &first);
        g_array_append_val(out, first);
        for (guint call = 1; call <= 2; call++) {
            g_array_set_size(out, 1);
            g_assert_true(backend->ops->list_local_addresses(backend, out, &d.diag, NULL));
            text = addresses_text(out, 1);
            if (mode == ADDR_GOOD || (mode == ADDR_GARBAGE_ONCE && call == 2))
                g_assert_cmpstr(text, ==, "192.168.1.10 10.8.0.1 fe80::1");
            else
                g_assert_cmpstr(text, ==, from_procfs);
            g_free(text);
        }
        g_assert_cmpint(k->last_protocol, ==, NETLINK_ROUTE);
        g_assert_cmpuint(request_at(k, 0)->type, ==, RTM_GETADDR);
        g_assert_cmpuint(request_at(k, 0)->flags, ==, NLM_F_REQUEST | NLM_F_DUMP);
        g_assert_cmpuint(request_at(k, 0)->family, ==, AF_UNSPEC);
        /* Garbage costs one call; a refusal is for good. */
        g_assert_cmpuint(k->opens, ==, mode == ADDR_REFUSE ? 1 : 2);
        g_assert_cmpuint(d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, mode == ADDR_GOOD ? 0 : 1);
        pm_backend_free(backend);
        fake_free(k);
        g_array_unref(out);
        pt_diag_clear(&d);
    }
    g_free(from_procfs);
    pt_tree_free(root);
}

void
add_fallback_tests(void)
{
    g_test_add_func("/netlink/fake/fallback/refusal", test_refusal_falls_back);
    g_test_add_func("/netlink/fake/fallback/transient", test_transient_refusal_keeps_netlink);
    g_test_add_func("/netlink/fake/fallback/open-failures", test_open_failures);
    g_test_add_func("/netlink/fake/addresses", test_addresses);
}
