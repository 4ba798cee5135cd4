/* test_procfs_tree.c - the procfs backend on fake proc trees: the fake host,
 * socket tables, local addresses, a missing root.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "procfs_test_util.h"
#include "procfs_tests.h"

#define assert_endpoint(ep, text)                                              \
    do {                                                                       \
        char ep_buf_[PM_ENDPOINT_STRLEN];                                      \
        g_assert_cmpstr(pm_endpoint_to_string((ep), ep_buf_, sizeof ep_buf_), ==, (text)); \
    } while (0)

#define SOCK(a, i) (&g_array_index((a), pm_socket, (i)))

static const char udp_table[] =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
    "  123: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 15234 2 0000000000000000 0\n"
    "  200: 0100007F:A1B2 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 16001 2 0000000000000000 3\n";
static const char udp6_table[] =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
    "   53: 00000000000000000000000000000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 17001 2 0000000000000000 0\n"
    "   90: 0000000000000000FFFF00000100007F:14E9 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 17002 2 0000000000000000 0\n";

guint64
host_start_ns(guint64 ticks)
{
    long hz = sysconf(_SC_CLK_TCK);

    /* Exact only when a tick is a whole number of ns, as with USER_HZ 100. */
    g_assert_cmpint(1000000000 % hz, ==, 0);
    return (guint64)HOST_BTIME * 1000000000u + ticks * (guint64)(1000000000 / hz);
}

static void
write_fds(const char *root, gint32 pid, const char *const *fd_targets)
{
    for (const char *const *p = fd_targets; *p; p += 2) {
        char *relative = g_strdup_printf("%d/fd/%s", pid, p[0]);
        pt_symlink(root, relative, p[1]);
        g_free(relative);
    }
}

static void
write_cmdline(const char *root, gint32 pid, const char *data, gsize len)
{
    char *relative = g_strdup_printf("%d/cmdline", pid);
    pt_write(root, relative, data, (gssize)len);
    g_free(relative);
}

/* Long cmdlines: @args arguments of @arg_len bytes, each NUL-terminated. */
static char *
make_cmdline(guint args, gsize arg_len, gsize *len)
{
    char *text = g_malloc(args * (arg_len + 1));

    for (guint a = 0; a < args; a++) {
        char *arg = text + a * (arg_len + 1);
        for (gsize i = 0; i < arg_len; i++)
            arg[i] = (char)('a' + (a + i) % 26);
        arg[arg_len] = '\0';
    }
    *len = args * (arg_len + 1);
    return text;
}

char *
build_host_tree(void)
{
    static const char *const fds_766[] = {  /* spec §2.2 */
        "0", "/dev/null", "1", "/dev/null", "5", "/var/log/nginx/access.log",
        "10", "/var/log/nginx/packetbeat.error.log", "11", "/var/log/nginx/sipscan.access.log",
        "12", "/var/log/nginx/sipscan.error.log", "13", "/var/log/nginx/localhost.access.log",
        "14", "socket:[7619]", "15", "socket:[7620]", NULL
    };
    static const char *const fds_767[] = {
        "0", "/dev/null", "1", "pipe:[1234]", "3", "socket:[7619]", NULL
    };
    static const char *const fds_900[] = {
        "3", "socket:[abc]", "4", "socket:[123", "5", "socket:[]",
        "6", "socket:[99999999999999999999999]", "7", "socket:[555]", "8", "socket:[999]", NULL
    };
    static const char *const one_null_fd[] = { "0", "/dev/null", NULL };
    static const char cmdline_766[] = "nginx: master process\0/usr/sbin/nginx\0-g\0daemon off;\xff\xfe";
    char *root = pt_tree_new();
    GString *stat = g_string_new("cpu  10 0 20 3000 0 0 0 0 0 0\ncpu0 10 0 20 3000 0 0 0 0 0 0\nintr 12345");
    char *text;
    gsize len;

    pt_copy_data(root, "net/tcp", "proc_net_tcp.txt");
    pt_copy_data(root, "net/tcp6", "proc_net_tcp6.txt");
    pt_write(root, "net/udp", udp_table, -1);
    pt_write(root, "net/udp6", udp6_table, -1);
    pt_copy_data(root, "net/fib_trie", "fib_trie.txt");
    pt_copy_data(root, "net/if_inet6", "if_inet6.txt");
    /* An "intr" line longer than any line buffer comes before btime. */
    for (int i = 0; i < 5000; i++)
        g_string_append(stat, " 0");
    g_string_append_printf(stat, "\nctxt 99\nbtime %u\nprocesses 1234\n", HOST_BTIME);
    pt_write(root, "stat", stat->str, (gssize)stat->len);
    g_string_free(stat, TRUE);

    pt_write_stat(root, 766, "(my (weird) name)", 1, 12345);
    pt_write(root, "766/status", "Name:\tnginx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t766\n"
             "Pid:\t766\nPPid:\t1\nTracerPid:\t0\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\t0\t0\t0\n", -1);
    write_cmdline(root, 766, cmdline_766, sizeof cmdline_766);  /* with the final NUL */
    pt_symlink(root, "766/exe", "/usr/sbin/nginx (deleted)");
    pt_symlink(root, "766/cwd", "/srv/www");
    write_fds(root, 766, fds_766);

    pt_write_stat(root, 767, "x) R 99 (", 766, 23456);
    text = make_cmdline(50, 99, &len);  /* 5000 bytes */
    write_cmdline(root, 767, text, len);
    g_free(text);
    write_fds(root, 767, fds_767);

    pt_write_stat(root, 768, "worker", 766, 30000);
    text = make_cmdline(70, 999, &len);  /* 70000 bytes: over the cap */
    write_cmdline(root, 768, text, len);
    g_free(text);
    write_fds(root, 768, one_null_fd);

    pt_write_stat(root, 769, "exact", 766, 40000);
    text = make_cmdline(64, 1023, &len);  /* exactly 64 KiB */
    write_cmdline(root, 769, text, len);
    g_free(text);
    write_fds(root, 769, one_null_fd);

    pt_write_stat(root, 770, "kthreadd", 0, 0);
    write_cmdline(root, 770, "", 0);
    pt_mkdir(root, "770/fd");

    pt_write(root, "771/stat", "771 broken stat\n", -1);
    pt_write(root, "771/status", "Name:\tbroken\nPid:\t771\n", -1);
    write_cmdline(root, 771, "x", 2);
    write_fds(root, 771, one_null_fd);

    pt_write_stat(root, 900, "garbage", 1, 34567);
    write_fds(root, 900, fds_900);
    pt_write(root, "900/fd/9", "a regular file, not a link", -1);

    pt_symlink(root, "4000", "gone-4000");   /* listed, then vanished */
    pt_mkdir(root, "4001");                  /* exited: fd and stat gone */
    pt_symlink(root, "4002/fd/3", "socket:[42]");  /* holds a socket, stat gone */
    pt_symlink(root, "self", "766");
    pt_symlink(root, "12abc/fd/1", "socket:[7619]");
    return root;
}

GHashTable *
wanted_set(const guint64 *inodes, gsize n)
{
    GHashTable *set = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    for (gsize i = 0; i < n; i++) {
        guint64 *key = g_new(guint64, 1);
        *key = inodes[i];
        g_hash_table_add(set, key);
    }
    return set;
}

/* ---- socket tables ------------------------------------------------------ */

static void
assert_no_diag(const pt_diag *d)
{
    for (int c = 0; c < PM_DIAG_CAUSE_COUNT; c++)
        g_assert_cmpuint(d->diag.counts[c], ==, 0);
}

static void
test_sockets_fixtures(void)
{
    char *root = build_host_tree();
    pm_backend *backend = pm_procfs_backend_new(root);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    GError *error = NULL;
    pt_diag d;

    pt_diag_init(&d);
    g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag, &error));
    g_assert_no_error(error);
    assert_no_diag(&d);
    g_assert_cmpuint(out->len, ==, 32 + 6);
    for (guint i = 0; i < out->len; i++) {
        g_assert_cmpint(SOCK(out, i)->from_v6_table, ==, i >= 32);
        g_assert_cmpint(SOCK(out, i)->v6only, ==, PM_V6ONLY_UNKNOWN);
    }
    assert_endpoint(&SOCK(out, 1)->local, "127.0.0.1:631");
    assert_endpoint(&SOCK(out, 31)->local, "192.168.2.243:41622");
    g_assert_cmpuint(SOCK(out, 31)->inode, ==, 0);          /* TIME_WAIT kept */
    assert_endpoint(&SOCK(out, 33)->local, "[::1]:631");
    assert_endpoint(&SOCK(out, 37)->local, "[::]:59497");

    g_array_set_size(out, 0);
    g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_UDP, out, &d.diag, &error));
    g_assert_cmpuint(out->len, ==, 4);
    assert_endpoint(&SOCK(out, 0)->local, "0.0.0.0:68");
    g_assert_cmpuint(SOCK(out, 0)->state, ==, PM_UDP_STATE_UNCONNECTED);
    assert_endpoint(&SOCK(out, 1)->remote, "127.0.0.1:53");
    g_assert_cmpuint(SOCK(out, 1)->state, ==, PM_TCP_STATE_ESTABLISHED);
    assert_endpoint(&SOCK(out, 2)->local, "[::]:53");
    g_assert_cmpuint(SOCK(out, 2)->uid, ==, 101);
    /* A v4-mapped udp6 socket is canonical IPv4, still from the v6 table. */
    assert_endpoint(&SOCK(out, 3)->local, "127.0.0.1:5353");
    g_assert_true(SOCK(out, 3)->from_v6_table);
    g_assert_cmpuint(SOCK(out, 3)->inode, ==, 17002);
    assert_no_diag(&d);

    g_assert_false(backend->ops->list_sockets(backend, PM_TRANSPORT_COUNT, out, &d.diag, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);

    g_array_unref(out);
    pm_backend_free(backend);
    pt_diag_clear(&d);
    pt_tree_free(root);
}

#define GOOD_ROW(slot, port_hex, inode)                                        \
    "  " slot ": 0100007F:" port_hex " 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 " inode " 1 ffff880417a2f800 100 0 0 10 0"

/* A good row padded with blanks to exactly @len bytes, then '\n'. */
static void
append_padded_row(GString *s, const char *row, gsize len)
{
    gsize start = s->len;
    g_string_append(s, row);
    while (s->len - start < len)
        g_string_append_c(s, ' ');
    g_string_append_c(s, '\n');
}

static void
test_sockets_bad_lines(void)
{
    char *root = pt_tree_new();
    GString *tcp = g_string_new("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
    pm_backend *backend;
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    GError *error = NULL;
    pt_diag d;

    g_string_append(tcp, GOOD_ROW("0", "0001", "1001") "\n");
    g_string_append(tcp, "   1: this is not a socket line at all but has many fields 1 2 3 4\n");
    g_string_append(tcp, GOOD_ROW("2", "0002", "1002") "\n");
    g_string_append(tcp, "   3: 0100007F:0003 00000000:0000 0A 00000000:000\n");  /* truncated */
    /* The longest line that fits the 64 KiB buffer, and one byte more. */
    append_padded_row(tcp, GOOD_ROW("4", "0004", "1004"), 64 * 1024 - 1);
    append_padded_row(tcp, GOOD_ROW("5", "0005", "1005"), 64 * 1024);
    for (int i = 0; i < 200 * 1024; i++)
        g_string_append_c(tcp, (char)('A' + i % 26));
    g_string_append_c(tcp, '\n');
    g_string_append(tcp, GOOD_ROW("6", "0006", "1006") "\n");
    g_string_append(tcp, GOOD_ROW("7", "0007", "1007"));  /* no final '\n' */
    pt_write(root, "net/tcp", tcp->str, (gssize)tcp->len);
    g_string_free(tcp, TRUE);
    backend = pm_procfs_backend_new(root);

    pt_diag_init(&d);
    g_assert_true(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(out->len, ==, 5);
    assert_endpoint(&SOCK(out, 0)->local, "127.0.0.1:1");
    assert_endpoint(&SOCK(out, 1)->local, "127.0.0.1:2");
    assert_endpoint(&SOCK(out, 2)->local, "127.0.0.1:4");
    g_assert_cmpuint(SOCK(out, 2)->inode, ==, 1004);
    assert_endpoint(&SOCK(out, 3)->local, "127.0.0.1:6");
    assert_endpoint(&SOCK(out, 4)->local, "127.0.0.1:7");
    g_assert_cmpuint(SOCK(out, 4)->inode, ==, 1007);
    /* Malformed, truncated, 64 KiB + 1 and 200 KiB lines; each counted, told once. */
    g_assert_cmpuint(d.diag.counts[PM_DIAG_MALFORMED_SOCKET_LINE], ==, 4);
    g_assert_cmpint(d.level[PM_DIAG_MALFORMED_SOCKET_LINE], ==, PM_DIAG_LEVEL_WARNING);
    g_assert_nonnull(strstr(d.message[PM_DIAG_MALFORMED_SOCKET_LINE], "/net/tcp line 3 "));
    /* No tcp6: IPv6 disabled is not an error, noted once at info level. */
    g_assert_cmpuint(d.diag.counts[PM_DIAG_IPV6_TABLE_MISSING], ==, 1);
    g_assert_cmpint(d.level[PM_DIAG_IPV6_TABLE_MISSING], ==, PM_DIAG_LEVEL_INFO);
    g_assert_nonnull(strstr(d.message[PM_DIAG_IPV6_TABLE_MISSING], "tcp6"));
    g_assert_cmpuint(d.diag.counts[PM_DIAG_SOCKET_TABLE_UNREADABLE], ==, 0);

    g_array_unref(out);
    pm_backend_free(backend);
    pt_diag_clear(&d);
    pt_tree_free(root);
}

static void
test_sockets_table_unreadable(void)
{
    char *root = pt_tree_new();
    pm_backend *backend = pm_procfs_backend_new(root);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    pm_socket sentinel = { .inode = 777 };
    GError *error = NULL;
    pt_diag d;

    pt_diag_init(&d);
    g_array_append_val(out, sentinel);
    /* No v4 table. */
    g_assert_false(backend->ops->list_sockets(backend, PM_TRANSPORT_UDP, out, &d.diag, &error));
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_clear_error(&error);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_SOCKET_TABLE_UNREADABLE], ==, 1);
    g_assert_cmpint(d.level[PM_DIAG_SOCKET_TABLE_UNREADABLE], ==, PM_DIAG_LEVEL_WARNING);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_PROC_ROOT_MISSING], ==, 0);

    /* A v4 table that opens but cannot be read. */
    pt_mkdir(root, "net/udp");
    g_assert_false(backend->ops->list_sockets(backend, PM_TRANSPORT_UDP, out, &d.diag, &error));
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
    g_clear_error(&error);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_SOCKET_TABLE_UNREADABLE], ==, 2);

    /* A good v4 table and a broken (not missing) v6 one: all or nothing. */
    pt_write(root, "net/tcp", GOOD_ROW("0", "0001", "1001") "\n", -1);
    pt_mkdir(root, "net/tcp6");
    g_assert_false(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, out, &d.diag, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_SOCKET_TABLE_UNREADABLE], ==, 3);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_IPV6_TABLE_MISSING], ==, 0);

    g_assert_cmpuint(out->len, ==, 1);
    g_assert_cmpuint(SOCK(out, 0)->inode, ==, 777);
    g_array_unref(out);
    pm_backend_free(backend);
    pt_diag_clear(&d);
    pt_tree_free(root);
}

/* ---- local addresses ---------------------------------------------------- */

static void
assert_addresses(GArray *out, const char *const *expected, guint n)
{
    g_assert_cmpuint(out->len, ==, n);
    for (guint i = 0; i < n; i++) {
        char buf[PM_ADDR_STRLEN];
        g_assert_cmpstr(pm_addr_to_string(&g_array_index(out, pm_addr, i), buf, sizeof buf), ==,
                        expected[i]);
    }
}

static void
test_local_addresses(void)
{
    static const char *const all[] = {
        "10.0.2.15", "10.8.0.6", "127.0.0.1", "172.17.0.1",
        "fe80::fc:ff:fe00:1", "::1", "2001:db8::42", "fd00::2",
    };
    char *root = build_host_tree();
    char *fib = g_build_filename(root, "net", "fib_trie", NULL);
    char *inet6 = g_build_filename(root, "net", "if_inet6", NULL);
    pm_backend *backend = pm_procfs_backend_new(root);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(pm_addr));
    GError *error = NULL;
    pt_diag d;

    pt_diag_init(&d);
    g_assert_true(backend->ops->list_local_addresses(backend, out, &d.diag, &error));
    g_assert_no_error(error);
    assert_addresses(out, all, G_N_ELEMENTS(all));  /* deduplicated, in file order */
    assert_no_diag(&d);

    g_array_set_size(out, 0);
    g_assert_cmpint(unlink(fib), ==, 0);
    g_assert_true(backend->ops->list_local_addresses(backend, out, &d.diag, &error));
    assert_addresses(out, all + 4, 4);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_LOCAL_ADDRESSES_UNREADABLE], ==, 1);
    g_assert_cmpint(d.level[PM_DIAG_LOCAL_ADDRESSES_UNREADABLE], ==, PM_DIAG_LEVEL_INFO);
    g_assert_nonnull(strstr(d.message[PM_DIAG_LOCAL_ADDRESSES_UNREADABLE], "fib_trie"));

    g_array_set_size(out, 0);
    g_assert_cmpint(unlink(inet6), ==, 0);
    g_assert_true(backend->ops->list_local_addresses(backend, out, &d.diag, &error));
    g_assert_cmpuint(out->len, ==, 0);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_LOCAL_ADDRESSES_UNREADABLE], ==, 2);  /* once per call */

    g_array_unref(out);
    pm_backend_free(backend);
    pt_diag_clear(&d);
    g_free(fib);
    g_free(inet6);
    pt_tree_free(root);
}

/* ---- a root that does not exist ---------------------------------------- */

static void
test_missing_root(void)
{
    char *parent = pt_tree_new();
    char *root = g_build_filename(parent, "no", "such", "proc", NULL);
    pm_backend *backend = pm_procfs_backend_new(root);
    GArray *sockets = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    GArray *owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    GArray *addresses = g_array_new(FALSE, FALSE, sizeof(pm_addr));
    static const guint64 inode = 1;
    GHashTable *wanted = wanted_set(&inode, 1);
    pm_process_raw raw;
    pm_owner_scan scan = { 0 };
    GError *error = NULL;
    pt_diag d;

    pt_diag_init(&d);
    g_assert_false(backend->ops->list_sockets(backend, PM_TRANSPORT_TCP, sockets, &d.diag, &error));
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_clear_error(&error);
    g_assert_false(backend->ops->find_owners(backend, wanted, owners, &scan, &d.diag, &error));
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_clear_error(&error);
    g_assert_cmpint(backend->ops->read_process(backend, 1, &raw, &d.diag), ==, PM_READ_FAILED);
    g_assert_null(raw.comm);
    pm_process_raw_clear(&raw);
    g_assert_false(backend->ops->list_local_addresses(backend, addresses, &d.diag, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);

    g_assert_cmpuint(sockets->len + owners->len + addresses->len, ==, 0);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_PROC_ROOT_MISSING], ==, 4);  /* one per call */
    g_assert_cmpint(d.level[PM_DIAG_PROC_ROOT_MISSING], ==, PM_DIAG_LEVEL_WARNING);
    g_assert_nonnull(strstr(d.message[PM_DIAG_PROC_ROOT_MISSING], root));
    for (int c = 0; c < PM_DIAG_CAUSE_COUNT; c++) {
        if (c != PM_DIAG_PROC_ROOT_MISSING)
            g_assert_cmpuint(d.diag.counts[c], ==, 0);
    }

    g_hash_table_unref(wanted);
    g_array_unref(sockets);
    g_array_unref(owners);
    g_array_unref(addresses);
    pm_backend_free(backend);
    pt_diag_clear(&d);
    g_free(root);
    pt_tree_free(parent);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/procfs/tree/sockets-fixtures", test_sockets_fixtures);
    g_test_add_func("/procfs/tree/sockets-bad-lines", test_sockets_bad_lines);
    g_test_add_func("/procfs/tree/sockets-table-unreadable", test_sockets_table_unreadable);
    g_test_add_func("/procfs/tree/local-addresses", test_local_addresses);
    g_test_add_func("/procfs/tree/missing-root", test_missing_root);
    add_owner_tests();
    add_process_tests();
    return g_test_run();
}
