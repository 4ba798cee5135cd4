/* test_netlink_live.c - the netlink backend against the real kernel, checked
 * against the procfs backend: the sockets this test opens must come out of
 * both the same, with exact v6only flags from netlink; the forced fallback
 * must give the procfs table with a single note.
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
#include <linux/netlink.h>

#include "netlink.h"
#include "procfs.h"

/* The host may hold processes we cannot read: told, not fatal (g_test makes
 * g_log warnings fatal). */
static void
quiet_sink(pm_diag_level level, pm_diag_cause cause, const char *message, gpointer data)
{
    g_test_message("diag %s: %s", pm_diag_cause_name(cause), message);
}

/* One socket the test made, and what both backends must say about it. */
typedef struct {
    const char  *label;
    int          fd;
    pm_transport transport;
    guint64      inode;
    guint8       state;
    gboolean     v6;         /* an AF_INET6 socket */
    pm_v6only    v6only;     /* what netlink must report */
} own_socket;

typedef struct {
    own_socket sockets[16];
    guint      count;
    gboolean   have_ipv6;
} fixture;

static guint64
inode_of(int fd)
{
    struct stat st;
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    return st.st_ino;
}

static void
add_own(fixture *f, const char *label, int fd, pm_transport transport, guint8 state,
        gboolean v6, pm_v6only v6only)
{
    own_socket *s = &f->sockets[f->count++];

    g_assert_cmpuint(f->count, <=, G_N_ELEMENTS(f->sockets));
    *s = (own_socket){ label, fd, transport, inode_of(fd), state, v6, v6only };
}

/* A socket bound to @address port 0 (TCP: listening); -1 if the family is
 * unavailable.  @v6only < 0 leaves IPV6_V6ONLY alone. */
static int
bound_socket(int type, const char *address, int v6only, guint16 *port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    gboolean v6 = strchr(address, ':') != NULL;
    int fd = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
    int one = 1;

    if (fd < 0)
        return -1;
    memset(&ss, 0, sizeof ss);
    if (v6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        g_assert_cmpint(inet_pton(AF_INET6, address, &sin6->sin6_addr), ==, 1);
        len = sizeof *sin6;
        if (v6only >= 0)
            g_assert_cmpint(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
                                       sizeof v6only), ==, 0);
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        g_assert_cmpint(inet_pton(AF_INET, address, &sin->sin_addr), ==, 1);
        len = sizeof *sin;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0
        || (type == SOCK_STREAM && listen(fd, 8) != 0)) {
        close(fd);
        return -1;
    }
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&ss, &len), ==, 0);
    *port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                     : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* Connects a new socket to @address:@port (IPv4 text only). */
static int
connected_socket(int type, const char *address, guint16 port)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    g_assert_cmpint(inet_pton(AF_INET, address, &sin.sin_addr), ==, 1);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
    return fd;
}

static void
fixture_open(fixture *f)
{
    guint16 port, v4_port, dual_port, udp_port;
    guint dual;
    int fd;

    memset(f, 0, sizeof *f);
    fd = bound_socket(SOCK_STREAM, "127.0.0.1", -1, &v4_port);
    g_assert_cmpint(fd, >=, 0);
    add_own(f, "tcp 127.0.0.1 listener", fd, PM_TRANSPORT_TCP, 10, FALSE, PM_V6ONLY_UNKNOWN);
    fd = bound_socket(SOCK_STREAM, "0.0.0.0", -1, &port);
    add_own(f, "tcp 0.0.0.0 listener", fd, PM_TRANSPORT_TCP, 10, FALSE, PM_V6ONLY_UNKNOWN);

    /* A connected pair on IPv4 loopback: both ends established. */
    fd = connected_socket(SOCK_STREAM, "127.0.0.1", v4_port);
    add_own(f, "tcp client", fd, PM_TRANSPORT_TCP, 1, FALSE, PM_V6ONLY_UNKNOWN);
    fd = accept(f->sockets[0].fd, NULL, NULL);
    g_assert_cmpint(fd, >=, 0);
    add_own(f, "tcp accepted", fd, PM_TRANSPORT_TCP, 1, FALSE, PM_V6ONLY_UNKNOWN);

    fd = bound_socket(SOCK_DGRAM, "127.0.0.1", -1, &udp_port);
    add_own(f, "udp 127.0.0.1", fd, PM_TRANSPORT_UDP, 7, FALSE, PM_V6ONLY_UNKNOWN);
    fd = connected_socket(SOCK_DGRAM, "127.0.0.1", udp_port);
    add_own(f, "udp connected", fd, PM_TRANSPORT_UDP, 1, FALSE, PM_V6ONLY_UNKNOWN);

    fd = bound_socket(SOCK_STREAM, "::1", 0, &port);
    f->have_ipv6 = fd >= 0;
    if (!f->have_ipv6)
        return;
    /* Bound to a specific IPv6 address, a socket cannot take IPv4: the
     * kernel sets v6only itself (inet6_bind), whatever IPV6_V6ONLY said. */
    add_own(f, "tcp ::1 listener", fd, PM_TRANSPORT_TCP, 10, TRUE, PM_V6ONLY_YES);
    fd = bound_socket(SOCK_STREAM, "::", 0, &dual_port);
    dual = f->count;
    add_own(f, "tcp :: dual-stack listener", fd, PM_TRANSPORT_TCP, 10, TRUE, PM_V6ONLY_NO);
    fd = bound_socket(SOCK_STREAM, "::", 1, &port);
    g_assert_cmpint(fd, >=, 0);
    add_own(f, "tcp :: v6only listener", fd, PM_TRANSPORT_TCP, 10, TRUE, PM_V6ONLY_YES);
    fd = bound_socket(SOCK_DGRAM, "::", 0, &port);
    g_assert_cmpint(fd, >=, 0);
    add_own(f, "udp :: dual-stack", fd, PM_TRANSPORT_UDP, 7, TRUE, PM_V6ONLY_NO);

    /* IPv4 into the dual-stack listener: the accepted socket is AF_INET6
     * with ::ffff:127.0.0.1 ends, which both backends give as IPv4.  The
     * kernel sends no v6only flag for connected sockets. */
    fd = connected_socket(SOCK_STREAM, "127.0.0.1", dual_port);
    add_own(f, "tcp client to dual-stack", fd, PM_TRANSPORT_TCP, 1, FALSE, PM_V6ONLY_UNKNOWN);
    fd = accept(f->sockets[dual].fd, NULL, NULL);
    g_assert_cmpint(fd, >=, 0);
    add_own(f, "tcp accepted on dual-stack", fd, PM_TRANSPORT_TCP, 1, TRUE, PM_V6ONLY_UNKNOWN);
}

static void
fixture_close(fixture *f)
{
    for (guint i = 0; i < f->count; i++)
        close(f->sockets[i].fd);
}

typedef struct {
    pm_socket    socket;
    pm_transport transport;
} live_row;

/* Both transports' tables, keyed by inode (of live_row).  @from_proc_net:
 * the tables come from /proc/net, which lists TIME_WAIT rows (inode 0);
 * netlink must not. */
static GHashTable *
list_all(pm_backend *backend, pm_diag *diag, gboolean from_proc_net)
{
    GHashTable *rows = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);

    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
        GError *error = NULL;

        g_assert_true(backend->ops->list_sockets(backend, (pm_transport)t, out, diag, &error));
        g_assert_no_error(error);
        for (guint i = 0; i < out->len; i++) {
            const pm_socket *socket = &g_array_index(out, pm_socket, i);
            live_row *row;

            if (socket->inode == 0) {
                g_assert_true(from_proc_net);
                continue;
            }
            row = g_new(live_row, 1);
            row->socket = *socket;
            row->transport = (pm_transport)t;
            /* An inode is one socket: listed once, in one table. */
            g_assert_false(g_hash_table_contains(rows, &row->socket.inode));
            g_hash_table_insert(rows, &row->socket.inode, row);
        }
        g_array_unref(out);
    }
    return rows;
}

/* @row_a and @row_b (live_row, may be NULL) are the same socket, @own. */
static const pm_socket *
assert_same_socket(const own_socket *own, const live_row *row_a, const live_row *row_b)
{
    char ta[PM_ENDPOINT_STRLEN], tb[PM_ENDPOINT_STRLEN];
    const pm_socket *a, *b;

    g_test_message("%s: inode %" G_GUINT64_FORMAT, own->label, own->inode);
    g_assert_nonnull(row_a);
    g_assert_nonnull(row_b);
    g_assert_cmpint(row_a->transport, ==, own->transport);
    g_assert_cmpint(row_b->transport, ==, own->transport);
    a = &row_a->socket;
    b = &row_b->socket;
    g_assert_cmpstr(pm_endpoint_to_string(&a->local, ta, sizeof ta), ==,
                    pm_endpoint_to_string(&b->local, tb, sizeof tb));
    g_assert_cmpstr(pm_endpoint_to_string(&a->remote, ta, sizeof ta), ==,
                    pm_endpoint_to_string(&b->remote, tb, sizeof tb));
    g_assert_true(pm_endpoint_equal(&a->local, &b->local));
    g_assert_true(pm_endpoint_equal(&a->remote, &b->remote));
    g_assert_cmpuint(a->state, ==, b->state);
    g_assert_cmpuint(a->state, ==, own->state);
    g_assert_cmpuint(a->uid, ==, b->uid);
    g_assert_cmpuint(a->uid, ==, geteuid());
    g_assert_cmpuint(a->inode, ==, b->inode);
    g_assert_cmpint(a->from_v6_table, ==, b->from_v6_table);
    g_assert_cmpint(a->from_v6_table, ==, own->v6);
    return a;
}

static gboolean
netlink_available(void)
{
    int fd = pm_netlink_open_kernel(NETLINK_SOCK_DIAG, NULL);

    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

static void
test_same_as_procfs(void)
{
    pm_backend *netlink = pm_netlink_backend_new(NULL);
    pm_backend *procfs = pm_procfs_backend_new(NULL);
    GHashTable *from_netlink, *from_procfs;
    pm_diag diag;
    fixture f;

    if (!netlink_available()) {
        g_test_skip("netlink sock_diag unavailable here");
        pm_backend_free(netlink);
        pm_backend_free(procfs);
        return;
    }
    fixture_open(&f);
    pm_diag_init(&diag, quiet_sink, NULL);
    from_netlink = list_all(netlink, &diag, FALSE);
    g_assert_cmpuint(diag.counts[PM_DIAG_NETLINK_ERROR], ==, 0);  /* really netlink */
    from_procfs = list_all(procfs, &diag, TRUE);

    for (guint i = 0; i < f.count; i++) {
        const own_socket *own = &f.sockets[i];
        const live_row *b = g_hash_table_lookup(from_procfs, &own->inode);
        const pm_socket *a = assert_same_socket(
            own, g_hash_table_lookup(from_netlink, &own->inode), b);

        g_assert_cmpint(a->v6only, ==, own->v6only);
        g_assert_cmpint(b->socket.v6only, ==, PM_V6ONLY_UNKNOWN);
    }
    if (!f.have_ipv6)
        g_test_message("no IPv6: the v6 sockets were not checked");
    g_hash_table_unref(from_netlink);
    g_hash_table_unref(from_procfs);
    fixture_close(&f);
    pm_backend_free(netlink);
    pm_backend_free(procfs);
}

static int
refusing_open(int protocol, gpointer data)
{
    guint *calls = data;

    (*calls)++;
    errno = EPROTONOSUPPORT;
    return -1;
}

static void
test_fallback_same_table(void)
{
    guint calls = 0;
    pm_backend *netlink = pm_netlink_backend_new_with_opener(NULL, refusing_open, &calls);
    pm_backend *procfs = pm_procfs_backend_new(NULL);
    GHashTable *from_fallback, *from_procfs;
    pm_diag diag, procfs_diag;
    fixture f;

    fixture_open(&f);
    pm_diag_init(&diag, quiet_sink, NULL);
    pm_diag_init(&procfs_diag, quiet_sink, NULL);
    from_fallback = list_all(netlink, &diag, TRUE);
    /* Refused once, told once, never asked again. */
    g_assert_cmpuint(diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);
    g_assert_true(diag.told[PM_DIAG_NETLINK_ERROR]);
    g_assert_cmpuint(calls, ==, 1);
    from_procfs = list_all(procfs, &procfs_diag, TRUE);

    for (guint i = 0; i < f.count; i++) {
        const own_socket *own = &f.sockets[i];
        const pm_socket *a = assert_same_socket(own,
                                                g_hash_table_lookup(from_fallback, &own->inode),
                                                g_hash_table_lookup(from_procfs, &own->inode));

        g_assert_cmpint(a->v6only, ==, PM_V6ONLY_UNKNOWN);  /* procfs cannot tell */
    }
    g_hash_table_unref(from_fallback);
    g_hash_table_unref(from_procfs);

    /* Still procfs, without a new note. */
    from_fallback = list_all(netlink, &diag, TRUE);
    g_assert_cmpuint(diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);
    g_assert_cmpuint(calls, ==, 1);
    g_assert_nonnull(g_hash_table_lookup(from_fallback, &f.sockets[0].inode));
    g_hash_table_unref(from_fallback);
    fixture_close(&f);
    pm_backend_free(netlink);
    pm_backend_free(procfs);
}

static int
compare_lines(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The addresses of @backend as sorted text, one per line. */
static char *
address_text(pm_backend *backend, pm_diag *diag)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_addr));
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    GError *error = NULL;
    char *text;

    g_assert_true(backend->ops->list_local_addresses(backend, out, diag, &error));
    g_assert_no_error(error);
    for (guint i = 0; i < out->len; i++) {
        char buf[PM_ADDR_STRLEN];
        g_ptr_array_add(lines, g_strdup(pm_addr_to_string(&g_array_index(out, pm_addr, i),
                                                          buf, sizeof buf)));
    }
    g_ptr_array_sort(lines, compare_lines);
    g_ptr_array_add(lines, NULL);
    text = g_strjoinv("\n", (char **)lines->pdata);
    g_ptr_array_unref(lines);
    g_array_unref(out);
    return text;
}

static void
test_local_addresses(void)
{
    guint calls = 0;
    pm_backend *netlink = pm_netlink_backend_new(NULL);
    pm_backend *refused = pm_netlink_backend_new_with_opener(NULL, refusing_open, &calls);
    pm_backend *procfs = pm_procfs_backend_new(NULL);
    char *a, *b, *c;
    pm_diag diag, fallback_diag;

    if (!g_file_test("/proc/net/fib_trie", G_FILE_TEST_EXISTS)) {
        g_test_skip("no /proc/net/fib_trie to compare with");
        goto out;
    }
    pm_diag_init(&diag, quiet_sink, NULL);
    pm_diag_init(&fallback_diag, quiet_sink, NULL);
    a = address_text(netlink, &diag);
    g_assert_cmpuint(diag.counts[PM_DIAG_NETLINK_ERROR], ==, 0);
    b = address_text(procfs, &diag);
    c = address_text(refused, &fallback_diag);
    g_test_message("netlink:\n%s\nprocfs:\n%s", a, b);
    g_assert_nonnull(strstr(a, "127.0.0.1"));
    g_assert_cmpstr(a, ==, b);
    g_assert_cmpstr(c, ==, b);
    g_assert_cmpuint(fallback_diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);
    g_free(c);
    c = address_text(refused, &fallback_diag);  /* for good: not asked again */
    g_assert_cmpstr(c, ==, b);
    g_assert_cmpuint(calls, ==, 1);
    g_assert_cmpuint(fallback_diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);
    g_free(a);
    g_free(b);
    g_free(c);
out:
    pm_backend_free(netlink);
    pm_backend_free(refused);
    pm_backend_free(procfs);
}

/* Owners, processes and users are procfs's, on the same root. */
static void
test_delegation(void)
{
    pm_backend *netlink = pm_netlink_backend_new("/proc");
    GHashTable *wanted = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    GArray *owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    guint16 port;
    int fd = bound_socket(SOCK_STREAM, "127.0.0.1", -1, &port);
    guint64 *inode = g_new(guint64, 1);
    pm_owner_scan scan = { 0 };
    gboolean mine = FALSE;
    pm_process_raw raw;
    GError *error = NULL;
    char *user;
    pm_diag diag;

    pm_diag_init(&diag, quiet_sink, NULL);
    *inode = inode_of(fd);
    g_hash_table_add(wanted, inode);
    g_assert_true(netlink->ops->find_owners(netlink, wanted, owners, &scan, &diag, &error));
    g_assert_no_error(error);
    for (guint i = 0; i < owners->len; i++) {
        const pm_owner *o = &g_array_index(owners, pm_owner, i);
        mine |= o->pid == getpid() && o->fd == fd && o->inode == *inode;
    }
    g_assert_true(mine);
    g_assert_cmpint(netlink->ops->read_process(netlink, getpid(), &raw, &diag), ==,
                    PM_READ_OK);
    g_assert_cmpint(raw.ppid, ==, getppid());
    g_assert_cmpuint(raw.start_time_ns, >, 0);
    pm_process_raw_clear(&raw);
    user = netlink->ops->user_name(netlink, 0);
    g_assert_cmpstr(user, ==, "root");
    g_free(user);

    if (scan.unreadable_uids)
        g_hash_table_unref(scan.unreadable_uids);
    close(fd);
    g_array_unref(owners);
    g_hash_table_unref(wanted);
    pm_backend_free(netlink);
}

static void
test_default_factory(void)
{
    static const struct {
        const char *root;
        const char *backend;
    } cases[] = {
        { NULL, "netlink" }, { "", "netlink" }, { "/proc", "netlink" }, { "/proc/", "netlink" },
        { "/proc//", "netlink" }, { "/host/proc", "procfs" }, { "/pro", "procfs" },
        { "/proc2", "procfs" }, { "/", "procfs" }, { "proc", "procfs" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        pm_backend *backend = pm_backend_new_default(cases[i].root);
        g_assert_cmpstr(backend->ops->name, ==, cases[i].backend);
        pm_backend_free(backend);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netlink/live/same-as-procfs", test_same_as_procfs);
    g_test_add_func("/netlink/live/fallback-same-table", test_fallback_same_table);
    g_test_add_func("/netlink/live/local-addresses", test_local_addresses);
    g_test_add_func("/netlink/live/delegation", test_delegation);
    g_test_add_func("/netlink/live/default-factory", test_default_factory);
    return g_test_run();
}
