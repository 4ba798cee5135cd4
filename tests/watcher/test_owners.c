/* test_owners.c - sockets held by several processes, owners that vanish or
 * cannot be read, partial process records.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

#define TCP PM_TRANSPORT_TCP

static void
assert_valid_utf8(const char *text)
{
    if (text)
        g_assert_true(g_utf8_validate(text, -1, NULL));
}

/* A socket held by three processes, owners listed in the order @order:
 * the chosen owner does not depend on the scan order. */
static void
check_chosen_owner(const gint32 pids[3], const guint64 starts[3], const int order[3],
                   gint32 expected_pid)
{
    harness h;
    pm_endpoint_answer a;
    guint64 inode;
    GPtrArray *rows;

    harness_init(&h, NULL);
    for (int i = 0; i < 3; i++)
        mock_add_process(h.mock, pids[i], "httpd", "/usr/sbin/httpd", "httpd", starts[i]);
    inode = mock_add_socket(h.mock, TCP, "0.0.0.0:80", NULL, 0);
    for (int i = 0; i < 3; i++)
        mock_add_owner(h.mock, inode, pids[order[i]]);

    harness_lookup(&h, TCP, "127.0.0.1:80", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, expected_pid);
    g_assert_cmpuint(a.owner_count, ==, 3);
    g_assert_cmpuint(a.inode, ==, inode);
    pm_endpoint_answer_clear(&a);

    rows = pm_watcher_snapshot(h.watcher);
    g_assert_cmpuint(rows->len, ==, 1);
    {
        const pm_table_row *row = g_ptr_array_index(rows, 0);
        g_assert_cmpuint(row->owners->len, ==, 3);
        g_assert_cmpint(((pm_process *)g_ptr_array_index(row->owners, 0))->pid, ==,
                        expected_pid);
    }
    g_ptr_array_unref(rows);
    harness_clear(&h);
}

static const int permutations[6][3] = {
    { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
};

static void
test_shared_socket_earliest_start(void)
{
    /* The earliest start is not the lowest pid (pids wrap). */
    const gint32 pids[3] = { 300, 200, 100 };
    const guint64 starts[3] = { 1000, 2000, 3000 };

    for (int p = 0; p < 6; p++)
        check_chosen_owner(pids, starts, permutations[p], 300);
}

static void
test_shared_socket_tie_lowest_pid(void)
{
    const gint32 pids[3] = { 500, 400, 450 };
    const guint64 starts[3] = { 5000, 5000, 5000 };

    for (int p = 0; p < 6; p++)
        check_chosen_owner(pids, starts, permutations[p], 400);
}

/* owner_count counts processes, not fds. */
static void
test_owner_count_distinct_processes(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 inode;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 10, "a", "/usr/bin/a", "a", 1);
    mock_add_process(h.mock, 11, "b", "/usr/bin/b", "b", 2);
    inode = mock_bind(h.mock, TCP, 11, "127.0.0.1:80");
    mock_add_owner(h.mock, inode, 11);
    mock_add_owner(h.mock, inode, 10);
    mock_add_owner(h.mock, inode, 11);
    harness_lookup(&h, TCP, "127.0.0.1:80", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 10);
    g_assert_cmpuint(a.owner_count, ==, 2);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* SO_REUSEPORT: sockets sharing an endpoint in one refresh are one entry,
 * owners united, represented by the lowest inode. */
static void
test_reuseport_group(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 first, second, orphan;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 501, "worker", "/usr/sbin/envoy", "envoy", 200);
    mock_add_process(h.mock, 502, "worker", "/usr/sbin/envoy", "envoy", 100);
    first = mock_bind(h.mock, TCP, 501, "0.0.0.0:8080");
    second = mock_bind(h.mock, TCP, 502, "0.0.0.0:8080");
    orphan = mock_add_socket(h.mock, TCP, "0.0.0.0:8080", NULL, 0);
    g_assert_cmpuint(first, <, second);
    g_assert_cmpuint(second, <, orphan);

    harness_lookup(&h, TCP, "127.0.0.1:8080", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 502);
    g_assert_cmpuint(a.owner_count, ==, 2);
    g_assert_cmpuint(a.inode, ==, first);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).endpoint_entries[TCP], ==, 1);

    /* The group shrinks: the next refresh replaces the entry. */
    h.now_us += SEC(1);
    mock_close_socket(h.mock, first);
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    harness_lookup(&h, TCP, "127.0.0.1:8080", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 502);
    g_assert_cmpuint(a.owner_count, ==, 1);
    g_assert_cmpuint(a.inode, ==, second);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A renewed socket carries the owners of the latest refresh: a worker
 * forked later joins it, and when the master exits the worker remains. */
static void
test_owners_follow_refresh(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 listener;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 100, "master", "/usr/sbin/master", "master", 1);
    listener = mock_bind(h.mock, TCP, 100, "0.0.0.0:80");
    harness_lookup(&h, TCP, "127.0.0.1:80", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 100);
    g_assert_cmpuint(a.owner_count, ==, 1);
    pm_endpoint_answer_clear(&a);

    h.now_us += SEC(1);
    mock_add_process(h.mock, 101, "worker", "/usr/sbin/master", "master", 2);
    mock_add_owner(h.mock, listener, 101);
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    harness_lookup(&h, TCP, "127.0.0.1:80", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 100);
    g_assert_cmpuint(a.owner_count, ==, 2);
    pm_endpoint_answer_clear(&a);

    h.now_us += SEC(1);
    mock_remove_process(h.mock, 100);
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    harness_lookup(&h, TCP, "127.0.0.1:80", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 101);
    g_assert_cmpuint(a.owner_count, ==, 1);
    g_assert_cmpuint(a.inode, ==, listener);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* exe and cwd unreadable (EACCES): the record is kept with what was read. */
static void
test_partial_record(void)
{
    harness h;
    pm_endpoint_answer a;
    mock_process *p;

    harness_init(&h, NULL);
    mock_set_user(h.mock, 999, "postgres");
    p = mock_add_process(h.mock, 20, "postgres", NULL, "postgres -D /var/lib/postgresql",
                         G_GUINT64_CONSTANT(1699990000000000000));
    g_clear_pointer(&p->cwd, g_free);
    p->uid = 999;
    p->ppid = 7;
    mock_bind(h.mock, TCP, 20, "127.0.0.1:5432");

    harness_lookup(&h, TCP, "127.0.0.1:5432", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 20);
    g_assert_cmpstr(a.process->name, ==, "postgres");
    g_assert_cmpstr(a.process->comm, ==, "postgres");
    g_assert_null(a.process->exe);
    g_assert_null(a.process->cwd);
    g_assert_cmpstr(a.process->args, ==, "postgres -D /var/lib/postgresql");
    g_assert_cmpint(a.process->ppid, ==, 7);
    g_assert_cmpuint(a.process->start_time_ns, ==, G_GUINT64_CONSTANT(1699990000000000000));
    g_assert_true(a.process->has_uid);
    g_assert_cmpuint(a.process->uid, ==, 999);
    g_assert_cmpstr(a.process->user, ==, "postgres");
    g_assert_true(a.has_uid);
    g_assert_cmpuint(a.uid, ==, 999);
    g_assert_cmpstr(a.user, ==, "postgres");
    pm_endpoint_answer_clear(&a);
    g_assert_null(a.user);
    harness_clear(&h);
}

/* A 15-byte comm whose exe cannot be read stays the comm, never argv[0]. */
static void
test_truncated_comm_unreadable_exe(void)
{
    harness h;
    pm_endpoint_answer a;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 21, "elastic-endpoin", NULL,
                     "/opt/Elastic/Endpoint/elastic-endpoint run", 1);
    mock_add_process(h.mock, 22, "elastic-endpoin", "/opt/Elastic/Endpoint/elastic-endpoint",
                     "/tmp/fake-name run", 1);
    mock_bind(h.mock, TCP, 21, "127.0.0.1:6000");
    mock_bind(h.mock, TCP, 22, "127.0.0.1:6001");
    harness_lookup(&h, TCP, "127.0.0.1:6000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 21);
    g_assert_cmpstr(a.process->name, ==, "elastic-endpoin");
    pm_endpoint_answer_clear(&a);
    harness_lookup(&h, TCP, "127.0.0.1:6001", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 22);
    g_assert_cmpstr(a.process->name, ==, "elastic-endpoint");
    g_assert_cmpstr(a.process->comm, ==, "elastic-endpoin");
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* An owner that exits before it is read is dropped; if it was the only
 * one, the socket has no owner any more. */
static void
test_vanished_owner(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 shared, lonely;

    harness_init(&h, NULL);
    mock_set_user(h.mock, 33, "www-data");
    mock_add_process(h.mock, 30, "gone", "/usr/bin/gone", "gone", 1)->vanished = TRUE;
    mock_add_process(h.mock, 31, "stays", "/usr/bin/stays", "stays", 2);
    mock_add_process(h.mock, 32, "gone2", "/usr/bin/gone2", "gone2", 3)->uid = 33;
    mock_get_process(h.mock, 32)->vanished = TRUE;
    shared = mock_bind(h.mock, TCP, 30, "127.0.0.1:81");
    mock_add_owner(h.mock, shared, 31);
    lonely = mock_bind(h.mock, TCP, 32, "127.0.0.1:82");

    harness_lookup(&h, TCP, "127.0.0.1:81", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 31);
    g_assert_cmpuint(a.owner_count, ==, 1);
    pm_endpoint_answer_clear(&a);

    harness_lookup(&h, TCP, "127.0.0.1:82", NULL, &a);
    assert_unknown(&a, PM_REASON_OWNER_GONE);
    assert_match(&a, PM_MATCH_EXACT);
    g_assert_cmpuint(a.inode, ==, lonely);
    g_assert_true(a.has_uid);
    g_assert_cmpuint(a.uid, ==, 33);
    g_assert_cmpstr(a.user, ==, "www-data");
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* No owner found: NO_PERMISSION when the socket's uid had fd dirs we
 * could not read, OWNER_GONE otherwise. */
static void
test_no_permission_or_gone(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 alice_socket, bob_socket, root_socket;
    pm_watcher_stats stats;

    harness_init(&h, NULL);
    mock_set_user(h.mock, 1001, "alice");
    mock_set_user(h.mock, 1002, "bob");
    mock_add_process(h.mock, 40, "python3", "/usr/bin/python3", "python3 -m http.server", 1)
        ->uid = 1001;
    alice_socket = mock_bind(h.mock, TCP, 40, "0.0.0.0:8000");
    mock_set_fd_dirs_unreadable(h.mock, 1001);
    bob_socket = mock_add_socket(h.mock, TCP, "0.0.0.0:8001", NULL, 1002);
    root_socket = mock_add_socket(h.mock, TCP, "127.0.0.1:8002", NULL, 0);

    harness_lookup(&h, TCP, "127.0.0.1:8000", NULL, &a);
    assert_unknown(&a, PM_REASON_NO_PERMISSION);
    assert_match(&a, PM_MATCH_ANY);
    g_assert_cmpuint(a.inode, ==, alice_socket);
    g_assert_true(a.has_uid);
    g_assert_cmpuint(a.uid, ==, 1001);
    g_assert_cmpstr(a.user, ==, "alice");
    pm_endpoint_answer_clear(&a);

    harness_lookup(&h, TCP, "127.0.0.1:8001", NULL, &a);
    assert_unknown(&a, PM_REASON_OWNER_GONE);
    g_assert_cmpuint(a.inode, ==, bob_socket);
    g_assert_cmpuint(a.uid, ==, 1002);
    g_assert_cmpstr(a.user, ==, "bob");
    pm_endpoint_answer_clear(&a);

    harness_lookup(&h, TCP, "127.0.0.1:8002", NULL, &a);
    assert_unknown(&a, PM_REASON_OWNER_GONE);
    assert_match(&a, PM_MATCH_EXACT);
    g_assert_cmpuint(a.inode, ==, root_socket);
    g_assert_true(a.has_uid);
    g_assert_cmpuint(a.uid, ==, 0);
    g_assert_cmpstr(a.user, ==, "root");
    pm_endpoint_answer_clear(&a);

    /* A hit without owner is still a hit: no refresh. */
    stats = harness_stats(&h);
    g_assert_cmpuint(stats.refreshes, ==, 1);
    harness_clear(&h);
}

/* Whatever bytes the process put in its argv or comm, the record is UTF-8. */
static void
test_invalid_utf8_fields(void)
{
    harness h;
    pm_endpoint_answer a;
    mock_process *p;

    harness_init(&h, NULL);
    mock_set_user(h.mock, 1234, "j\xf6rg");
    p = mock_add_process(h.mock, 50, "bad\xffname", "/usr/bin/\xfe\xfe", "x\xc3( \x80y", 1);
    p->uid = 1234;
    g_free(p->cwd);
    p->cwd = g_strdup("/home/\xe9t\xe9");
    mock_bind(h.mock, TCP, 50, "127.0.0.1:7000");
    harness_lookup(&h, TCP, "127.0.0.1:7000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 50);
    g_assert_nonnull(a.process->name);
    g_assert_nonnull(a.process->comm);
    g_assert_nonnull(a.process->args);
    assert_valid_utf8(a.process->name);
    assert_valid_utf8(a.process->comm);
    assert_valid_utf8(a.process->exe);
    assert_valid_utf8(a.process->args);
    assert_valid_utf8(a.process->cwd);
    g_assert_nonnull(a.process->user);
    assert_valid_utf8(a.process->user);
    g_assert_nonnull(a.user);
    assert_valid_utf8(a.user);
    g_assert_cmpstr(a.process->comm, ==, "bad\xef\xbf\xbdname");
    g_assert_cmpstr(a.process->name, ==, "bad\xef\xbf\xbdname");
    g_assert_true(g_str_has_prefix(a.process->args, "x"));
    g_assert_true(g_str_has_suffix(a.process->args, "y"));
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/watcher/owners/shared-socket-earliest-start",
                    test_shared_socket_earliest_start);
    g_test_add_func("/watcher/owners/shared-socket-tie-lowest-pid",
                    test_shared_socket_tie_lowest_pid);
    g_test_add_func("/watcher/owners/owner-count-distinct-processes",
                    test_owner_count_distinct_processes);
    g_test_add_func("/watcher/owners/reuseport-group", test_reuseport_group);
    g_test_add_func("/watcher/owners/owners-follow-refresh", test_owners_follow_refresh);
    g_test_add_func("/watcher/owners/partial-record", test_partial_record);
    g_test_add_func("/watcher/owners/truncated-comm-unreadable-exe",
                    test_truncated_comm_unreadable_exe);
    g_test_add_func("/watcher/owners/vanished-owner", test_vanished_owner);
    g_test_add_func("/watcher/owners/no-permission-or-gone", test_no_permission_or_gone);
    g_test_add_func("/watcher/owners/invalid-utf8-fields", test_invalid_utf8_fields);
    return g_test_run();
}
