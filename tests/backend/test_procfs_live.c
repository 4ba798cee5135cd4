/* test_procfs_live.c - the procfs backend against the real /proc: sockets
 * this test opens must be listed and traced back to this very process.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"

/* The real host may hold processes we cannot read (more capabilities than
 * ours): told, not fatal.  g_test makes g_log warnings fatal. */
static void
quiet_sink(pm_diag_level level, pm_diag_cause cause, const char *message, gpointer data)
{
    g_test_message("diag %s: %s", pm_diag_cause_name(cause), message);
}

typedef struct {
    int         fd;
    guint64     inode;
    pm_endpoint local;
} live_socket;

/* Binds (and for TCP listens) on @loopback port 0; FALSE if the family is
 * unavailable. */
static gboolean
open_socket(int family, int type, live_socket *out)
{
    struct sockaddr_storage ss = { 0 };
    socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    struct stat st;

    out->fd = socket(family, type, 0);
    if (out->fd < 0)
        return FALSE;
    ss.ss_family = (sa_family_t)family;
    if (family == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else
        ((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
    if (bind(out->fd, (struct sockaddr *)&ss, len) != 0
        || (type == SOCK_STREAM && listen(out->fd, 1) != 0)) {
        close(out->fd);
        return FALSE;
    }
    g_assert_cmpint(getsockname(out->fd, (struct sockaddr *)&ss, &len), ==, 0);
    if (family == AF_INET) {
        pm_addr_from_ipv4(&out->local.addr, (const guint8 *)&((struct sockaddr_in *)&ss)->sin_addr);
        out->local.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    } else {
        pm_addr_from_ipv6(&out->local.addr,
                          (const guint8 *)&((struct sockaddr_in6 *)&ss)->sin6_addr);
        out->local.port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    /* A socket's inode number is what /proc/net and fd links show. */
    g_assert_cmpint(fstat(out->fd, &st), ==, 0);
    out->inode = st.st_ino;
    return TRUE;
}

static char *
read_self_comm(void)
{
    char *comm = NULL;
    g_assert_true(g_file_get_contents("/proc/self/comm", &comm, NULL, NULL));
    g_strchomp(comm);
    return comm;
}

/* Lists the sockets of @transport, finds @s among them and its owner. */
static void
check_live(pm_transport transport, const live_socket *s, guint8 state, gboolean v6_table)
{
    pm_backend *backend = pm_procfs_backend_new(NULL);
    GArray *sockets = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    GArray *owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    GHashTable *wanted = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    guint64 *key = g_new(guint64, 1);
    const pm_socket *found = NULL;
    const pm_owner *mine = NULL;
    pm_owner_scan scan = { 0 };
    pm_process_raw raw;
    GError *error = NULL;
    pm_diag diag;
    char *comm;

    pm_diag_init(&diag, quiet_sink, NULL);
    g_assert_true(backend->ops->list_sockets(backend, transport, sockets, &diag, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(diag.counts[PM_DIAG_MALFORMED_SOCKET_LINE], ==, 0);
    for (guint i = 0; i < sockets->len; i++) {
        const pm_socket *row = &g_array_index(sockets, pm_socket, i);
        if (row->inode == s->inode)
            found = row;
    }
    g_assert_nonnull(found);
    g_assert_true(pm_endpoint_equal(&found->local, &s->local));
    g_assert_cmpuint(found->state, ==, state);
    g_assert_cmpuint(found->uid, ==, geteuid());
    g_assert_cmpint(found->from_v6_table, ==, v6_table);

    *key = s->inode;
    g_hash_table_add(wanted, key);
    g_assert_true(backend->ops->find_owners(backend, wanted, owners, &scan, &diag, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(scan.processes_scanned, >, 0);
    for (guint i = 0; i < owners->len; i++) {
        const pm_owner *o = &g_array_index(owners, pm_owner, i);
        g_assert_cmpuint(o->inode, ==, s->inode);
        if (o->pid == getpid() && o->fd == s->fd)
            mine = o;
    }
    g_assert_nonnull(mine);

    /* The same process, read in full; both start times agree. */
    g_assert_cmpint(backend->ops->read_process(backend, getpid(), &raw, &diag), ==, PM_READ_OK);
    comm = read_self_comm();
    g_assert_cmpstr(raw.comm, ==, comm);
    g_free(comm);
    g_assert_cmpint(raw.ppid, ==, getppid());
    g_assert_true(raw.has_uid);
    g_assert_cmpuint(raw.uid, ==, getuid());
    g_assert_nonnull(raw.exe);  /* not compared: valgrind runs us from its own binary */
    g_assert_true(raw.exe[0] == '/');
    g_assert_nonnull(raw.cwd);
    g_assert_nonnull(raw.argv);
    g_assert_cmpuint(raw.argv->len, >=, 1);
    g_assert_cmpuint(raw.start_time_ns, ==, mine->start_time_ns);
    /* Started within the last hour, not in the future. */
    g_assert_cmpuint(raw.start_time_ns / 1000, <=, (guint64)g_get_real_time() + 1000000);
    g_assert_cmpuint(raw.start_time_ns / 1000, >, (guint64)(g_get_real_time() - G_GINT64_CONSTANT(3600) * G_USEC_PER_SEC));
    pm_process_raw_clear(&raw);

    if (scan.unreadable_uids)  /* processes with more capabilities than ours */
        g_hash_table_unref(scan.unreadable_uids);
    g_hash_table_unref(wanted);
    g_array_unref(owners);
    g_array_unref(sockets);
    pm_backend_free(backend);
}

static void
test_live_tcp4(void)
{
    live_socket s;

    g_assert_true(open_socket(AF_INET, SOCK_STREAM, &s));
    check_live(PM_TRANSPORT_TCP, &s, PM_TCP_STATE_LISTEN, FALSE);
    close(s.fd);
}

static void
test_live_tcp6(void)
{
    live_socket s;

    if (!open_socket(AF_INET6, SOCK_STREAM, &s)) {
        g_test_skip("no IPv6 loopback");
        return;
    }
    check_live(PM_TRANSPORT_TCP, &s, PM_TCP_STATE_LISTEN, TRUE);
    close(s.fd);
}

static void
test_live_udp4(void)
{
    live_socket s;

    g_assert_true(open_socket(AF_INET, SOCK_DGRAM, &s));
    check_live(PM_TRANSPORT_UDP, &s, PM_UDP_STATE_UNCONNECTED, FALSE);
    close(s.fd);
}

static void
test_live_local_addresses(void)
{
    pm_backend *backend = pm_procfs_backend_new("/proc");
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_addr));
    gboolean has_loopback = FALSE;
    GError *error = NULL;
    pm_diag diag;

    if (!g_file_test("/proc/net/fib_trie", G_FILE_TEST_EXISTS)) {
        g_test_skip("no /proc/net/fib_trie");
        g_array_unref(out);
        pm_backend_free(backend);
        return;
    }
    pm_diag_init(&diag, quiet_sink, NULL);
    g_assert_true(backend->ops->list_local_addresses(backend, out, &diag, &error));
    g_assert_no_error(error);
    for (guint i = 0; i < out->len; i++) {
        const pm_addr *a = &g_array_index(out, pm_addr, i);
        if (a->family == PM_AF_INET && a->bytes[0] == 127 && a->bytes[3] == 1)
            has_loopback = TRUE;
    }
    g_assert_true(has_loopback);  /* fib_trie lists 127.0.0.1 as /32 host LOCAL */
    g_array_unref(out);
    pm_backend_free(backend);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/procfs/live/tcp4-listener", test_live_tcp4);
    g_test_add_func("/procfs/live/tcp6-listener", test_live_tcp6);
    g_test_add_func("/procfs/live/udp4", test_live_udp4);
    g_test_add_func("/procfs/live/local-addresses", test_live_local_addresses);
    return g_test_run();
}
