/* test_owner_reuse.c - a refresh keeps the owners of sockets it saw before
 * while they live, and scans only for sockets whose owners it does not know
 * (refresh.c): never an answer a whole scan would not give, except a live
 * owner that handed its socket on, until the next whole scan (mapping_ttl).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

#define TCP PM_TRANSPORT_TCP
#define UDP PM_TRANSPORT_UDP

/* 10 listens on :80 and serves a connection, 20 has a UDP socket. */
static void
server_host(harness *h)
{
    harness_init(h, NULL);
    mock_follow_processes(h->mock);
    mock_add_local_address(h->mock, "192.168.1.1");
    mock_add_process(h->mock, 10, "server", "/usr/bin/server", "server", 100);
    mock_add_process(h->mock, 20, "resolver", "/usr/bin/resolver", "resolver", 200);
    mock_bind(h->mock, TCP, 10, "0.0.0.0:80");
    mock_connect(h->mock, TCP, 10, "192.168.1.1:80", "10.0.0.1:5000");
    mock_bind(h->mock, UDP, 20, "0.0.0.0:53");
}

/* Looks one end up at the current time: the chosen owner's pid (0: none);
 * *@reason and *@inode when not NULL. */
static gint32
owner_of(harness *h, pm_transport transport, const char *local, const char *remote,
         pm_reason *reason, guint64 *inode)
{
    pm_endpoint_answer a;
    gint32 pid;

    harness_lookup(h, transport, local, remote, &a);
    pid = a.process ? a.process->pid : 0;
    if (reason)
        *reason = a.reason;
    if (inode)
        *inode = a.inode;
    pm_endpoint_answer_clear(&a);
    return pid;
}

static void
refresh_at(harness *h, gint64 offset_us)
{
    h->now_us = HARNESS_T0_US + offset_us;
    g_assert_true(pm_watcher_refresh(h->watcher, NULL));
}

/* Nothing new: no fd is read, the answers stay, process records follow
 * their own cache rule. */
static void
test_nothing_new_scans_nothing(void)
{
    harness h;
    pm_watcher_stats stats;

    server_host(&h);
    refresh_at(&h, 0);
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 1);
    g_assert_false(h.mock->last_scan_partial);
    g_assert_cmpuint(h.mock->last_wanted_count, ==, 3);

    refresh_at(&h, SEC(1));
    stats = harness_stats(&h);
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 1);
    g_assert_cmpuint(stats.owner_scans_skipped, ==, 1);
    g_assert_cmpuint(stats.owners_reused, ==, 3);
    g_assert_cmpuint(h.mock->process_start_calls, ==, 2);   /* once per process */
    g_assert_cmpint(owner_of(&h, TCP, "192.168.1.1:80", "10.0.0.1:5000", NULL, NULL), ==, 10);
    g_assert_cmpint(owner_of(&h, UDP, "192.168.1.1:53", "10.0.0.9:4000", NULL, NULL), ==, 20);
    g_assert_cmpint(harness_stats(&h).table_built_us, ==, h.now_us);
    g_assert_cmpuint(mock_reads_of(h.mock, 10), ==, 1);
    harness_clear(&h);
}

/* A kept owner's process record is still read again after process_ttl. */
static void
test_kept_owner_record_expires(void)
{
    harness h;
    pm_watcher_config config;

    pm_watcher_config_init(&config);
    config.mapping_ttl_us = SEC(60);
    config.process_ttl_us = SEC(30);
    harness_init(&h, &config);
    mock_follow_processes(h.mock);
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 100);
    mock_bind(h.mock, TCP, 10, "0.0.0.0:80");
    refresh_at(&h, 0);
    refresh_at(&h, SEC(29));
    g_assert_cmpuint(mock_reads_of(h.mock, 10), ==, 1);
    g_free(mock_get_process(h.mock, 10)->exe);
    mock_get_process(h.mock, 10)->exe = g_strdup("/usr/bin/server2");   /* an exec */
    refresh_at(&h, SEC(31));
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 1);
    g_assert_cmpuint(mock_reads_of(h.mock, 10), ==, 2);
    g_assert_cmpint(owner_of(&h, TCP, "127.0.0.1:80", NULL, NULL, NULL), ==, 10);
    harness_clear(&h);
}

/* A new socket: only it is asked for, and the scan stops once it is found. */
static void
test_new_socket_only_is_scanned(void)
{
    harness h;
    guint64 inode;

    server_host(&h);
    refresh_at(&h, 0);
    inode = mock_connect(h.mock, TCP, 20, "192.168.1.1:40000", "10.0.0.2:443");
    refresh_at(&h, SEC(1));
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 2);
    g_assert_true(h.mock->last_scan_partial);
    g_assert_cmpuint(h.mock->last_wanted_count, ==, 1);
    g_assert_cmpuint(harness_stats(&h).owner_scans_partial, ==, 1);
    g_assert_cmpint(owner_of(&h, TCP, "192.168.1.1:40000", "10.0.0.2:443", NULL, NULL), ==, 20);
    g_assert_cmpint(owner_of(&h, TCP, "192.168.1.1:80", "10.0.0.1:5000", NULL, NULL), ==, 10);

    /* Closed: nothing to scan for (its mapping lives out its mapping_ttl). */
    mock_close_socket(h.mock, inode);
    refresh_at(&h, SEC(2));
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 2);
    harness_clear(&h);
}

/* The owner exits, a child it forked keeps the socket: asked for again,
 * and the child named. */
static void
test_exited_owner_is_scanned_again(void)
{
    harness h;
    guint64 inode;

    server_host(&h);
    mock_add_process(h.mock, 11, "server", "/usr/bin/server", "server worker", 110);
    refresh_at(&h, 0);
    g_assert_cmpint(owner_of(&h, TCP, "192.168.1.1:80", "10.0.0.1:5000", NULL, &inode), ==, 10);

    mock_add_owner(h.mock, inode, 11);
    mock_remove_process(h.mock, 10);
    refresh_at(&h, SEC(1));
    g_assert_true(h.mock->last_scan_partial);
    g_assert_cmpuint(h.mock->last_wanted_count, ==, 2);  /* :80 and the connection */
    g_assert_cmpint(owner_of(&h, TCP, "192.168.1.1:80", "10.0.0.1:5000", NULL, NULL), ==, 11);
    harness_clear(&h);
}

/* The owner's pid now belongs to another process (a new start time): its
 * sockets are asked for again, and the newcomer gets a record of its own. */
static void
test_reused_pid_is_scanned_again(void)
{
    harness h;
    pm_endpoint_answer a;

    server_host(&h);
    refresh_at(&h, 0);
    mock_add_process(h.mock, 20, "intruder", "/usr/bin/intruder", "intruder", 999);
    refresh_at(&h, SEC(1));
    g_assert_true(h.mock->last_scan_partial);
    g_assert_cmpuint(h.mock->last_wanted_count, ==, 1);
    harness_lookup(&h, UDP, "192.168.1.1:53", "10.0.0.9:4000", &a);
    assert_found(&a, PM_MATCH_ANY, 20);
    g_assert_cmpstr(a.process->name, ==, "intruder");
    g_assert_cmpuint(a.process->start_time_ns, ==, 999);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A socket a scan found no owner for keeps none until the next whole
 * scan, and keeps its reason (no permission). */
static void
test_unowned_waits_for_whole_scan(void)
{
    harness h;
    pm_reason reason;
    mock_process *hidden;
    guint64 inode;

    server_host(&h);
    hidden = mock_add_process(h.mock, 40, "daemon", "/usr/sbin/daemon", "daemon", 400);
    hidden->uid = 7;
    mock_set_fd_dirs_unreadable(h.mock, 7);
    inode = mock_bind(h.mock, UDP, 40, "0.0.0.0:123");
    mock_socket(h.mock, inode)->uid = 7;
    refresh_at(&h, 0);
    g_assert_cmpint(owner_of(&h, UDP, "192.168.1.1:123", "10.0.0.3:123", &reason, NULL), ==, 0);
    g_assert_cmpint(reason, ==, PM_REASON_NO_PERMISSION);

    refresh_at(&h, SEC(1));
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 1);
    g_assert_cmpint(owner_of(&h, UDP, "192.168.1.1:123", "10.0.0.3:123", &reason, NULL), ==, 0);
    g_assert_cmpint(reason, ==, PM_REASON_NO_PERMISSION);

    /* Readable now (say, the capabilities were granted): the next whole
     * scan, a mapping_ttl after the last, finds it. */
    g_hash_table_remove_all(h.mock->unreadable_uids);
    refresh_at(&h, SEC(5));
    g_assert_cmpint(owner_of(&h, UDP, "192.168.1.1:123", "10.0.0.3:123", &reason, NULL), ==, 0);
    g_assert_cmpint(reason, ==, PM_REASON_NO_PERMISSION);
    refresh_at(&h, SEC(10));
    g_assert_false(h.mock->last_scan_partial);
    g_assert_cmpuint(h.mock->last_wanted_count, ==, 4);
    g_assert_cmpint(owner_of(&h, UDP, "192.168.1.1:123", "10.0.0.3:123", NULL, NULL), ==, 40);
    harness_clear(&h);
}

/* The one thing a kept owner can get wrong: it lives, but handed the
 * socket on and closed it (a forking server's accepted connection caught
 * between accept and fork).  Wrong for at most a mapping_ttl: the next
 * whole scan names the holder. */
static void
test_handed_on_socket_fixed_by_whole_scan(void)
{
    harness h;
    guint64 inode;

    server_host(&h);
    mock_add_process(h.mock, 12, "server", "/usr/bin/server", "server child", 120);
    refresh_at(&h, 0);
    g_assert_cmpint(owner_of(&h, TCP, "192.168.1.1:80", "10.0.0.1:5000", NULL, &inode), ==, 10);
    mock_close_socket(h.mock, inode);
    inode = mock_connect(h.mock, TCP, 12, "192.168.1.1:80", "10.0.0.1:5000");
    refresh_at(&h, SEC(1));   /* a new inode: scanned, the child found */
    g_assert_cmpint(owner_of(&h, TCP, "192.168.1.1:80", "10.0.0.1:5000", NULL, NULL), ==, 12);

    /* The same socket moves to 10 while 12 lives: kept until a whole scan. */
    mock_close_socket(h.mock, inode);
    mock_add_socket_row(h.mock, TCP, &(pm_socket){
        .local = parse_endpoint("192.168.1.1:80"), .remote = parse_endpoint("10.0.0.1:5000"),
        .state = PM_TCP_STATE_ESTABLISHED, .inode = inode });
    mock_add_owner(h.mock, inode, 10);
    refresh_at(&h, SEC(9));
    g_assert_cmpint(owner_of(&h, TCP, "192.168.1.1:80", "10.0.0.1:5000", NULL, NULL), ==, 12);
    refresh_at(&h, SEC(10));
    g_assert_false(h.mock->last_scan_partial);
    g_assert_cmpint(owner_of(&h, TCP, "192.168.1.1:80", "10.0.0.1:5000", NULL, NULL), ==, 10);
    harness_clear(&h);
}

/* Whole scans: a backend that cannot tell whether a process lives,
 * Packetbeat's rule, a clock that went back, and after a flush. */
static void
test_whole_scans(void)
{
    harness h;
    pm_watcher_config config;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 100);
    mock_bind(h.mock, TCP, 10, "0.0.0.0:80");
    refresh_at(&h, 0);
    refresh_at(&h, SEC(1));
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 2);
    g_assert_false(h.mock->last_scan_partial);
    harness_clear(&h);

    pm_watcher_config_init(&config);
    config.refresh_on_every_miss = TRUE;
    harness_init(&h, &config);
    mock_follow_processes(h.mock);
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 100);
    mock_bind(h.mock, TCP, 10, "0.0.0.0:80");
    refresh_at(&h, 0);
    refresh_at(&h, SEC(1));
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 2);
    g_assert_false(h.mock->last_scan_partial);
    harness_clear(&h);

    server_host(&h);
    refresh_at(&h, SEC(5));
    refresh_at(&h, SEC(1));    /* the clock went back */
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 2);
    g_assert_false(h.mock->last_scan_partial);
    pm_watcher_flush(h.watcher);
    refresh_at(&h, SEC(2));
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 3);
    g_assert_false(h.mock->last_scan_partial);
    harness_clear(&h);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/watcher/owner-reuse/nothing-new", test_nothing_new_scans_nothing);
    g_test_add_func("/watcher/owner-reuse/record-expires", test_kept_owner_record_expires);
    g_test_add_func("/watcher/owner-reuse/new-socket", test_new_socket_only_is_scanned);
    g_test_add_func("/watcher/owner-reuse/owner-exited", test_exited_owner_is_scanned_again);
    g_test_add_func("/watcher/owner-reuse/pid-reused", test_reused_pid_is_scanned_again);
    g_test_add_func("/watcher/owner-reuse/unowned", test_unowned_waits_for_whole_scan);
    g_test_add_func("/watcher/owner-reuse/handed-on", test_handed_on_socket_fixed_by_whole_scan);
    g_test_add_func("/watcher/owner-reuse/whole-scans", test_whole_scans);
    return g_test_run();
}
