/* test_expiry.c - mapping lifetime (10 s after the last refresh that saw the
 * socket), renewal, history of closed sockets, the process cache (30 s) and
 * pid reuse.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

#define TCP PM_TRANSPORT_TCP

/* A miss on a port nobody holds: refreshes when the rule allows it. */
static void
miss(harness *h, guint16 port, pm_reason expected)
{
    pm_endpoint_answer a;
    char local[32];

    g_snprintf(local, sizeof local, "127.0.0.1:%u", port);
    harness_lookup(h, TCP, local, NULL, &a);
    assert_miss(&a, expected);
    pm_endpoint_answer_clear(&a);
}

static void
test_mapping_expires_after_ttl(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 first, second;
    pm_watcher_stats stats;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 1);
    mock_add_process(h.mock, 11, "sshd", "/usr/sbin/sshd", "sshd", 1);
    first = mock_bind(h.mock, TCP, 10, "127.0.0.1:9000");
    second = mock_bind(h.mock, TCP, 10, "127.0.0.1:9001");
    mock_bind(h.mock, TCP, 11, "0.0.0.0:22");

    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 10);
    g_assert_cmpint(a.socket_seen_us, ==, HARNESS_T0_US);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    g_assert_cmpuint(harness_stats(&h).endpoint_entries[TCP], ==, 3);

    mock_close_socket(h.mock, first);
    mock_close_socket(h.mock, second);

    /* 9.9 s after the refresh: still valid, no refresh. */
    h.now_us = HARNESS_T0_US + MS(9900);
    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 10);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);

    /* 10 s: expired; the refresh no longer sees the socket. */
    h.now_us = HARNESS_T0_US + SEC(10);
    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    stats = harness_stats(&h);
    g_assert_cmpuint(stats.refreshes, ==, 2);
    g_assert_cmpint(stats.table_built_us, ==, h.now_us);
    /* Both expired entries are gone, the renewed one stays. */
    g_assert_cmpuint(stats.endpoint_entries[TCP], ==, 1);

    /* The other expired socket: a miss too, and the table is already newer. */
    harness_lookup(&h, TCP, "127.0.0.1:9001", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    harness_lookup(&h, TCP, "127.0.0.1:22", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 11);
    g_assert_cmpint(a.socket_seen_us, ==, HARNESS_T0_US + SEC(10));
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A socket closed after a refresh resolves until 10 s after that refresh,
 * even when later refreshes no longer see it (late frames). */
static void
test_closed_socket_history(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 server, client;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 1);
    mock_add_process(h.mock, 12, "client", "/usr/bin/client", "client", 2);
    server = mock_bind(h.mock, TCP, 10, "127.0.0.1:9000");
    client = mock_connect(h.mock, TCP, 12, "127.0.0.1:40000", "127.0.0.1:9000");
    miss(&h, 9999, PM_REASON_NO_SOCKET);   /* first refresh, at T0 */

    h.now_us += SEC(1);
    mock_close_socket(h.mock, server);
    mock_close_socket(h.mock, client);
    h.now_us += SEC(1);
    miss(&h, 9998, PM_REASON_NO_SOCKET);   /* a refresh that no longer sees them */
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);

    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 10);
    g_assert_cmpuint(a.inode, ==, server);
    g_assert_cmpint(a.socket_seen_us, ==, HARNESS_T0_US);
    pm_endpoint_answer_clear(&a);
    harness_lookup(&h, TCP, "127.0.0.1:40000", "127.0.0.1:9000", &a);
    assert_found(&a, PM_MATCH_TUPLE, 12);
    pm_endpoint_answer_clear(&a);

    h.now_us = HARNESS_T0_US + SEC(10) - 1;
    harness_lookup(&h, TCP, "127.0.0.1:40000", "127.0.0.1:9000", &a);
    assert_found(&a, PM_MATCH_TUPLE, 12);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);

    h.now_us = HARNESS_T0_US + SEC(10);
    harness_lookup(&h, TCP, "127.0.0.1:40000", "127.0.0.1:9000", &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 3);
    g_assert_cmpuint(harness_stats(&h).tuple_entries[TCP], ==, 0);
    harness_clear(&h);
}

/* An expired exact entry is dropped and the search goes on to the
 * any-address (Packetbeat stops there and rebuilds). */
static void
test_expired_entry_search_continues(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 specific;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 10, "old", "/usr/bin/old", "old", 1);
    mock_add_process(h.mock, 11, "new", "/usr/bin/new", "new", 2);
    specific = mock_bind(h.mock, TCP, 10, "127.0.0.1:9000");
    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 10);
    pm_endpoint_answer_clear(&a);

    h.now_us += SEC(1);
    mock_close_socket(h.mock, specific);
    h.now_us += SEC(4);
    mock_bind(h.mock, TCP, 11, "0.0.0.0:9000");
    miss(&h, 9999, PM_REASON_NO_SOCKET);   /* refresh at T0 + 5 s */
    g_assert_cmpuint(harness_stats(&h).endpoint_entries[TCP], ==, 2);

    h.now_us = HARNESS_T0_US + SEC(11);
    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 11);
    g_assert_cmpint(a.socket_seen_us, ==, HARNESS_T0_US + SEC(5));
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    g_assert_cmpuint(harness_stats(&h).endpoint_entries[TCP], ==, 1);
    harness_clear(&h);
}

/* Every refresh renews what it sees: a live socket never expires, and no
 * lookup of it ever causes a refresh (Packetbeat rebuilds per endpoint every
 * 10 s). */
static void
test_renewal(void)
{
    harness h;
    pm_endpoint_answer a;
    guint misses = 0;
    gint64 last_refresh = HARNESS_T0_US;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 1);
    mock_bind(h.mock, TCP, 10, "127.0.0.1:9000");
    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 10);
    pm_endpoint_answer_clear(&a);

    for (int second = 1; second <= 60; second++) {
        guint64 before;

        h.now_us = HARNESS_T0_US + SEC(second);
        if (second % 7 == 0) {
            miss(&h, (guint16)(20000 + second), PM_REASON_NO_SOCKET);
            misses++;
            last_refresh = h.now_us;
        }
        h.now_us += MS(500);
        before = harness_stats(&h).refreshes;
        harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
        assert_found(&a, PM_MATCH_EXACT, 10);
        g_assert_cmpint(a.socket_seen_us, ==, last_refresh);
        pm_endpoint_answer_clear(&a);
        g_assert_cmpuint(harness_stats(&h).refreshes, ==, before);
    }
    g_assert_cmpuint(misses, ==, 8);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1 + misses);
    g_assert_cmpuint(mock_refresh_count(h.mock), ==, 1 + misses);
    g_assert_cmpuint(harness_stats(&h).endpoint_entries[TCP], ==, 1);
    harness_clear(&h);
}

/* A record is reused for 30 s from its creation, then read again. */
static void
test_process_cache_ttl(void)
{
    harness h;
    pm_endpoint_answer a;
    pm_process *first;
    pm_watcher_stats stats;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 1);
    mock_bind(h.mock, TCP, 10, "127.0.0.1:9000");
    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 10);
    first = pm_process_ref(a.process);
    pm_endpoint_answer_clear(&a);
    stats = harness_stats(&h);
    g_assert_cmpuint(stats.process_reads, ==, 1);
    g_assert_cmpuint(stats.process_records, ==, 1);
    g_assert_cmpuint(mock_reads_of(h.mock, 10), ==, 1);

    h.now_us = HARNESS_T0_US + SEC(5);
    miss(&h, 9999, PM_REASON_NO_SOCKET);
    h.now_us = HARNESS_T0_US + MS(29700);
    miss(&h, 9998, PM_REASON_NO_SOCKET);
    stats = harness_stats(&h);
    g_assert_cmpuint(stats.refreshes, ==, 3);
    g_assert_cmpuint(stats.process_reads, ==, 1);
    g_assert_cmpuint(stats.process_cache_hits, ==, 2);
    g_assert_cmpuint(mock_reads_of(h.mock, 10), ==, 1);
    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    g_assert_true(a.process == first);
    pm_endpoint_answer_clear(&a);

    h.now_us = HARNESS_T0_US + SEC(30);
    miss(&h, 9997, PM_REASON_NO_SOCKET);
    stats = harness_stats(&h);
    g_assert_cmpuint(stats.process_reads, ==, 2);
    g_assert_cmpuint(stats.process_cache_hits, ==, 2);
    g_assert_cmpuint(stats.process_records, ==, 1);
    g_assert_cmpuint(mock_reads_of(h.mock, 10), ==, 2);
    /* The record handed out earlier is still intact. */
    g_assert_cmpstr(first->name, ==, "server");
    pm_process_unref(first);
    harness_clear(&h);
}

/* pid 4242 exits and comes back as another program within the cache
 * lifetime: the new socket gets the new identity, old references keep the
 * old one. */
static void
check_pid_reuse(gboolean refresh_by_expiry)
{
    const guint64 start_a = G_GUINT64_CONSTANT(1699999000000000000);
    const guint64 start_b = G_GUINT64_CONSTANT(1700000000500000000);
    harness h;
    pm_endpoint_answer a;
    pm_process *old;
    guint64 old_socket, new_socket;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 4242, "oldproc", "/usr/bin/oldproc", "oldproc --serve", start_a);
    old_socket = mock_bind(h.mock, TCP, 4242, "127.0.0.1:7000");
    harness_lookup(&h, TCP, "127.0.0.1:7000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 4242);
    old = pm_process_ref(a.process);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpstr(old->name, ==, "oldproc");

    h.now_us += SEC(1);
    mock_remove_process(h.mock, 4242);
    mock_close_socket(h.mock, old_socket);
    mock_add_process(h.mock, 4242, "newproc", "/usr/bin/newproc", "newproc", start_b);
    new_socket = mock_bind(h.mock, TCP, 4242, "127.0.0.1:7000");

    /* Until a refresh sees the new socket, the mapping is history. */
    harness_lookup(&h, TCP, "127.0.0.1:7000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 4242);
    g_assert_cmpuint(a.inode, ==, old_socket);
    pm_endpoint_answer_clear(&a);

    if (refresh_by_expiry)
        h.now_us = HARNESS_T0_US + SEC(10);
    else
        miss(&h, 7999, PM_REASON_NO_SOCKET);
    harness_lookup(&h, TCP, "127.0.0.1:7000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 4242);
    g_assert_cmpuint(a.inode, ==, new_socket);
    g_assert_cmpstr(a.process->comm, ==, "newproc");
    g_assert_cmpstr(a.process->name, ==, "newproc");
    g_assert_cmpstr(a.process->args, ==, "newproc");
    g_assert_cmpuint(a.process->start_time_ns, ==, start_b);
    g_assert_true(a.process != old);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    g_assert_cmpuint(harness_stats(&h).process_reads, ==, 2);
    g_assert_cmpuint(mock_reads_of(h.mock, 4242), ==, 2);

    g_assert_cmpstr(old->comm, ==, "oldproc");
    g_assert_cmpstr(old->args, ==, "oldproc --serve");
    g_assert_cmpuint(old->start_time_ns, ==, start_a);
    pm_process_unref(old);
    harness_clear(&h);
}

static void
test_pid_reuse_after_refresh(void)
{
    check_pid_reuse(FALSE);
}

static void
test_pid_reuse_after_expiry(void)
{
    check_pid_reuse(TRUE);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/watcher/expiry/mapping-expires-after-ttl", test_mapping_expires_after_ttl);
    g_test_add_func("/watcher/expiry/closed-socket-history", test_closed_socket_history);
    g_test_add_func("/watcher/expiry/expired-entry-search-continues",
                    test_expired_entry_search_continues);
    g_test_add_func("/watcher/expiry/renewal", test_renewal);
    g_test_add_func("/watcher/expiry/process-cache-ttl", test_process_cache_ttl);
    g_test_add_func("/watcher/expiry/pid-reuse-after-refresh", test_pid_reuse_after_refresh);
    g_test_add_func("/watcher/expiry/pid-reuse-after-expiry", test_pid_reuse_after_expiry);
    return g_test_run();
}
