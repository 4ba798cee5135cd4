/* test_netlink_fake_kernel.c - the fake netlink kernel and fake host of
 * the netlink backend tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "test_netlink_fake_kernel.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "procfs.h"
#include "procfs_test_util.h"
#include "test_netlink_msg.h"

typedef struct {
    fake_kernel *kernel;
    int          fd;
    int          protocol;
} fake_connection;


void
send_datagram(int fd, GByteArray *datagram)
{
    g_assert_cmpint(send(fd, datagram->data, datagram->len, 0), ==, (gssize)datagram->len);
    g_byte_array_unref(datagram);
}

static gpointer
serve(gpointer data)
{
    fake_connection *conn = data;
    guint8 buf[512];
    ssize_t n;

    while ((n = recv(conn->fd, buf, sizeof buf, 0)) > 0) {
        fake_request req = { .protocol = conn->protocol };
        struct nlmsghdr header;
        guint index;

        g_assert_cmpint(n, >=, (gssize)sizeof header);
        memcpy(&header, buf, sizeof header);
        g_assert_cmpuint(header.nlmsg_len, ==, n);
        req.type = header.nlmsg_type;
        req.flags = header.nlmsg_flags;
        req.seq = header.nlmsg_seq;
        if (req.type == SOCK_DIAG_BY_FAMILY) {
            struct inet_diag_req_v2 diag;
            g_assert_cmpint(n, ==, (gssize)(sizeof header + sizeof diag));
            memcpy(&diag, buf + sizeof header, sizeof diag);
            req.family = diag.sdiag_family;
            req.transport = diag.sdiag_protocol;
            req.states = diag.idiag_states;
            memcpy(req.src, diag.id.idiag_src, sizeof req.src);
            memcpy(req.dst, diag.id.idiag_dst, sizeof req.dst);
            req.sport = g_ntohs(diag.id.idiag_sport);
            req.dport = g_ntohs(diag.id.idiag_dport);
            req.ifindex = diag.id.idiag_if;
            req.cookie[0] = diag.id.idiag_cookie[0];
            req.cookie[1] = diag.id.idiag_cookie[1];
        } else {
            struct ifaddrmsg ifa;
            g_assert_cmpint(n, >=, (gssize)(sizeof header + sizeof ifa));
            memcpy(&ifa, buf + sizeof header, sizeof ifa);
            req.family = ifa.ifa_family;
        }
        g_mutex_lock(&conn->kernel->lock);
        g_array_append_val(conn->kernel->requests, req);
        index = conn->kernel->requests->len - 1;
        g_mutex_unlock(&conn->kernel->lock);
        if (!conn->kernel->script(conn->kernel, conn->fd, &req, index))
            break;
    }
    close(conn->fd);
    g_free(conn);
    return NULL;
}

int
fake_open(int protocol, gpointer data)
{
    fake_kernel *k = data;
    fake_connection *conn;
    int pair[2];

    k->opens++;
    k->last_protocol = protocol;
    if (k->open_errno) {
        errno = k->open_errno;
        return -1;
    }
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), ==, 0);
    conn = g_new0(fake_connection, 1);
    conn->kernel = k;
    conn->fd = pair[1];
    conn->protocol = protocol;
    g_ptr_array_add(k->threads, g_thread_new("fake-kernel", serve, conn));
    return pair[0];
}

fake_kernel *
fake_new(fake_script script)
{
    fake_kernel *k = g_new0(fake_kernel, 1);

    k->script = script;
    g_mutex_init(&k->lock);
    k->requests = g_array_new(FALSE, FALSE, sizeof(fake_request));
    k->threads = g_ptr_array_new();
    return k;
}

/* Waits for every connection to end (the backend closes its end). */
static void
fake_join(fake_kernel *k)
{
    for (guint i = 0; i < k->threads->len; i++)
        g_thread_join(g_ptr_array_index(k->threads, i));
    g_ptr_array_set_size(k->threads, 0);
}

void
fake_free(fake_kernel *k)
{
    fake_join(k);
    g_ptr_array_unref(k->threads);
    g_array_unref(k->requests);
    g_mutex_clear(&k->lock);
    g_free(k);
}

const fake_request *
request_at(fake_kernel *k, guint i)
{
    g_assert_cmpuint(i, <, k->requests->len);
    return &g_array_index(k->requests, fake_request, i);
}

/* ---- a fake host for the fallback --------------------------------------- */

static const char udp_table[] =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
    "  123: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 15234 2 0000000000000000 0\n";
static const char udp6_table[] =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
    "   53: 00000000000000000000000000000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 17001 2 0000000000000000 0\n";

char *
fake_host(void)
{
    char *root = pt_tree_new();

    pt_copy_data(root, "net/tcp", "proc_net_tcp.txt");
    pt_copy_data(root, "net/tcp6", "proc_net_tcp6.txt");
    pt_write(root, "net/udp", udp_table, -1);
    pt_write(root, "net/udp6", udp6_table, -1);
    pt_copy_data(root, "net/fib_trie", "fib_trie.txt");
    pt_copy_data(root, "net/if_inet6", "if_inet6.txt");
    return root;
}

/* The procfs backend's table of @transport on @root. */
GArray *
procfs_table(const char *root, pm_transport transport)
{
    pm_backend *procfs = pm_procfs_backend_new(root);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    pt_diag d;

    pt_diag_init(&d);
    g_assert_true(procfs->ops->list_sockets(procfs, transport, out, &d.diag, NULL));
    g_assert_cmpuint(out->len, >, 0);
    pt_diag_clear(&d);
    pm_backend_free(procfs);
    return out;
}

void
assert_same_rows(GArray *a, GArray *b)
{
    g_assert_cmpuint(a->len, ==, b->len);
    g_assert_cmpmem(a->data, a->len * sizeof(pm_socket), b->data, b->len * sizeof(pm_socket));
}

/* ---- helpers ------------------------------------------------------------ */

void
assert_endpoint(const pm_endpoint *ep, const char *expected)
{
    char text[PM_ENDPOINT_STRLEN];
    g_assert_cmpstr(pm_endpoint_to_string(ep, text, sizeof text), ==, expected);
}

/* A table array holding one sentinel row, to check rows are appended and a
 * failed call leaves it as it was. */
GArray *
table_with_sentinel(void)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    pm_socket sentinel = { 0 };

    sentinel.inode = 999999;
    g_array_append_val(out, sentinel);
    return out;
}

GByteArray *
done_only(guint32 seq)
{
    GByteArray *d = g_byte_array_new();
    nt_put_done(d, seq, 0);
    return d;
}
