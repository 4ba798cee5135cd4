/* test_netlink_lookup_live.c - exact lookups (find_socket) against the real
 * kernel: the socket a packet would reach, for sockets this test opens, is
 * the row the dump lists; a closed port is ABSENT; TIME_WAIT is UNKNOWN.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netlink.h"

#define TCP PM_TRANSPORT_TCP
#define UDP PM_TRANSPORT_UDP

static void
quiet_sink(pm_diag_level level, pm_diag_cause cause, const char *message, gpointer data)
{
    g_test_message("diag %s: %s", pm_diag_cause_name(cause), message);
}

static guint64
inode_of(int fd)
{
    struct stat st;

    g_assert_cmpint(fstat(fd, &st), ==, 0);
    return st.st_ino;
}

/* A socket bound to @address port 0; -1 if the family is unavailable.
 * @v6only < 0 leaves IPV6_V6ONLY alone; @device binds it to a device. */
static int
bound_socket(int type, const char *address, int v6only, const char *device, guint16 *port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    gboolean v6 = strchr(address, ':') != NULL;
    int fd = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if (v6only >= 0)
        g_assert_cmpint(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only),
                        ==, 0);
    if (device && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, strlen(device) + 1) != 0) {
        close(fd);
        return -1;
    }
    memset(&ss, 0, sizeof ss);
    if (v6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        g_assert_cmpint(inet_pton(AF_INET6, address, &sin6->sin6_addr), ==, 1);
        len = sizeof *sin6;
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        g_assert_cmpint(inet_pton(AF_INET, address, &sin->sin_addr), ==, 1);
        len = sizeof *sin;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
        close(fd);
        return -1;
    }
    if (type == SOCK_STREAM)
        g_assert_cmpint(listen(fd, 8), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&ss, &len), ==, 0);
    *port = g_ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                       : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static int
connect_to(int type, guint16 port, guint16 *local_port)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = g_htons(port) };
    socklen_t len = sizeof sin;
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

    sin.sin_addr.s_addr = g_htonl(INADDR_LOOPBACK);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
    *local_port = g_ntohs(sin.sin_port);
    return fd;
}

typedef struct {
    pm_backend *backend;
    pm_diag     diag;
    GArray     *rows[PM_TRANSPORT_COUNT];
} live;

/* A backend that has dumped both tables and the addresses, as the watcher's
 * first refresh does. */
static void
live_init(live *l)
{
    GArray *addrs = g_array_new(FALSE, FALSE, sizeof(pm_addr));

    l->backend = pm_netlink_backend_new(NULL);
    pm_diag_init(&l->diag, quiet_sink, NULL);
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        l->rows[t] = g_array_new(FALSE, FALSE, sizeof(pm_socket));
        g_assert_true(l->backend->ops->list_sockets(l->backend, (pm_transport)t, l->rows[t],
                                                    &l->diag, NULL));
    }
    g_assert_true(l->backend->ops->list_local_addresses(l->backend, addrs, &l->diag, NULL));
    g_array_unref(addrs);
}

static void
live_clear(live *l)
{
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++)
        g_array_unref(l->rows[t]);
    pm_backend_free(l->backend);
}

static pm_find_result
find(live *l, pm_transport t, const char *local, guint16 local_port, const char *remote,
     guint16 remote_port, pm_socket *out)
{
    pm_endpoint lep, rep;

    g_assert_true(pm_addr_parse(local, &lep.addr));
    lep.port = local_port;
    if (remote) {
        g_assert_true(pm_addr_parse(remote, &rep.addr));
        rep.port = remote_port;
    }
    memset(out, 0, sizeof *out);
    return l->backend->ops->find_socket(l->backend, t, &lep, remote ? &rep : NULL, out,
                                        &l->diag);
}

/* The lookup found @inode, and says of it what the dump says. */
static void
assert_found(live *l, pm_transport t, pm_find_result result, const pm_socket *found,
             guint64 inode)
{
    g_assert_cmpint(result, ==, PM_FIND_FOUND);
    g_assert_cmpuint(found->inode, ==, inode);
    for (guint i = 0; i < l->rows[t]->len; i++) {
        const pm_socket *row = &g_array_index(l->rows[t], pm_socket, i);
        if (row->inode == inode) {
            g_assert_cmpmem(row, sizeof *row, found, sizeof *found);
            return;
        }
    }
    g_assert_not_reached();  /* made before the dump: listed */
}

static void
test_tcp(void)
{
    guint16 port, dual_port = 0, v6only_port = 0, client_port, closed_port;
    int listener = bound_socket(SOCK_STREAM, "127.0.0.1", -1, NULL, &port);
    int dual = bound_socket(SOCK_STREAM, "::", 0, NULL, &dual_port);
    int only6 = bound_socket(SOCK_STREAM, "::", 1, NULL, &v6only_port);
    int closed = bound_socket(SOCK_STREAM, "127.0.0.1", -1, NULL, &closed_port);
    int client = connect_to(SOCK_STREAM, port, &client_port);
    int server = accept(listener, NULL, NULL);
    pm_socket s;
    live l;

    g_assert_cmpint(listener, >=, 0);
    g_assert_cmpint(server, >=, 0);
    close(closed);
    live_init(&l);

    /* Before anything was dumped, nothing is asked: see the fake tests. */
    assert_found(&l, TCP, find(&l, TCP, "127.0.0.1", client_port, "127.0.0.1", port, &s), &s,
                 inode_of(client));
    assert_found(&l, TCP, find(&l, TCP, "127.0.0.1", port, "127.0.0.1", client_port, &s), &s,
                 inode_of(server));
    /* A new tuple to the listener: the listener. */
    assert_found(&l, TCP, find(&l, TCP, "127.0.0.1", port, "127.0.0.1", 1, &s), &s,
                 inode_of(listener));
    assert_found(&l, TCP, find(&l, TCP, "127.0.0.1", port, NULL, 0, &s), &s, inode_of(listener));
    g_assert_cmpint(find(&l, TCP, "127.0.0.1", closed_port, "127.0.0.1", 1, &s), ==,
                    PM_FIND_ABSENT);
    g_assert_cmpint(find(&l, TCP, "127.0.0.1", closed_port, NULL, 0, &s), ==, PM_FIND_ABSENT);

    if (dual >= 0) {
        /* IPv4 reaches a dual-stack "::" listener, not a v6only one. */
        assert_found(&l, TCP, find(&l, TCP, "127.0.0.1", dual_port, "127.0.0.1", 1, &s), &s,
                     inode_of(dual));
        g_assert_true(s.from_v6_table);
        g_assert_cmpint(s.v6only, ==, PM_V6ONLY_NO);
        g_assert_cmpint(find(&l, TCP, "127.0.0.1", v6only_port, "127.0.0.1", 1, &s), ==,
                        PM_FIND_ABSENT);
        assert_found(&l, TCP, find(&l, TCP, "::1", v6only_port, "::1", 1, &s), &s,
                     inode_of(only6));
        close(dual);
        close(only6);
    } else {
        g_test_message("no IPv6: dual-stack checks skipped");
    }
    g_assert_cmpuint(l.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 0);

    /* The client closes first and is left in TIME_WAIT (inode 0): the
     * kernel names it, the tables never index it: UNKNOWN. */
    close(client);
    close(server);
    for (int tries = 0; tries < 100; tries++) {
        if (find(&l, TCP, "127.0.0.1", client_port, "127.0.0.1", port, &s) == PM_FIND_UNKNOWN)
            break;
        g_usleep(10 * 1000);
    }
    g_assert_cmpint(find(&l, TCP, "127.0.0.1", client_port, "127.0.0.1", port, &s), ==,
                    PM_FIND_UNKNOWN);
    close(listener);
    live_clear(&l);
}

static void
test_udp(void)
{
    guint16 port, peer_port, bound_port = 0, free_port;
    int unconnected = bound_socket(SOCK_DGRAM, "127.0.0.1", -1, NULL, &port);
    int peer = connect_to(SOCK_DGRAM, port, &peer_port);
    int on_lo = bound_socket(SOCK_DGRAM, "127.0.0.1", -1, "lo", &bound_port);
    int closed = bound_socket(SOCK_DGRAM, "127.0.0.1", -1, NULL, &free_port);
    pm_socket s;
    live l;

    close(closed);
    live_init(&l);
    assert_found(&l, UDP, find(&l, UDP, "127.0.0.1", port, "127.0.0.1", peer_port, &s), &s,
                 inode_of(unconnected));
    assert_found(&l, UDP, find(&l, UDP, "127.0.0.1", port, NULL, 0, &s), &s,
                 inode_of(unconnected));
    /* The connected socket, for its peer only. */
    assert_found(&l, UDP, find(&l, UDP, "127.0.0.1", peer_port, "127.0.0.1", port, &s), &s,
                 inode_of(peer));
    assert_found(&l, UDP, find(&l, UDP, "127.0.0.1", peer_port, "127.0.0.1", port, &s), &s,
                 inode_of(peer));
    g_assert_cmpint(find(&l, UDP, "127.0.0.1", peer_port, "127.0.0.1", 9, &s), ==,
                    PM_FIND_ABSENT);
    g_assert_cmpint(find(&l, UDP, "127.0.0.1", free_port, NULL, 0, &s), ==, PM_FIND_ABSENT);
    /* Bound to "lo" (SO_BINDTODEVICE: needs CAP_NET_RAW): found on the
     * interface of 127.0.0.1. */
    if (on_lo >= 0) {
        assert_found(&l, UDP, find(&l, UDP, "127.0.0.1", bound_port, "127.0.0.1", 9, &s), &s,
                     inode_of(on_lo));
        close(on_lo);
    } else {
        g_test_message("SO_BINDTODEVICE refused: the bound-socket check is skipped");
    }
    g_assert_cmpuint(l.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 0);
    close(unconnected);
    close(peer);
    live_clear(&l);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netlink/lookup-live/tcp", test_tcp);
    g_test_add_func("/netlink/lookup-live/udp", test_udp);
    return g_test_run();
}
