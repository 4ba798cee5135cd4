/* test_refresh.c - when a miss may rebuild the tables, what a rebuild reads,
 * locality, and backend failures.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

#include <string.h>

#define TCP PM_TRANSPORT_TCP
#define UDP PM_TRANSPORT_UDP

static pm_reason
closed_port_lookup(harness *h, guint port, gint64 packet_time_us)
{
    pm_endpoint_answer a;
    char local[32];

    g_snprintf(local, sizeof local, "127.0.0.1:%u", port);
    harness_lookup_at(h, TCP, local, NULL, packet_time_us, &a);
    g_assert_null(a.process);
    assert_match(&a, PM_MATCH_NONE);
    pm_endpoint_answer_clear(&a);
    return a.reason;
}

/* A host with one server, refreshed once at T0. */
static void
start_host(harness *h, const pm_watcher_config *config)
{
    harness_init(h, config);
    mock_add_process(h->mock, 10, "server", "/usr/bin/server", "server", 1);
    mock_bind(h->mock, TCP, 10, "127.0.0.1:9000");
    g_assert_true(pm_watcher_refresh(h->watcher, NULL));
    g_assert_cmpuint(harness_stats(h).refreshes, ==, 1);
}

/* 1000 misses of one packet time: one refresh, then the table is newer. */
static void
test_storm_same_packet_time(void)
{
    harness h;

    start_host(&h, NULL);
    h.now_us += SEC(1);
    for (guint i = 0; i < 1000; i++)
        g_assert_cmpint(closed_port_lookup(&h, 30000 + i, h.now_us), ==, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    g_assert_cmpuint(harness_stats(&h).refreshes_suppressed, ==, 0);
    g_assert_cmpuint(harness_stats(&h).lookups, ==, 1000);

    /* Frames dissected late: the packets are older than "now". */
    h.now_us += SEC(1);
    for (guint i = 0; i < 1000; i++) {
        g_assert_cmpint(closed_port_lookup(&h, 30000 + i, h.now_us - MS(700)), ==,
                        PM_REASON_NO_SOCKET);
    }
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 3);
    g_assert_cmpuint(mock_refresh_count(h.mock), ==, 3);
    harness_clear(&h);
}

/* Both ends of a tuple unknown: src refreshes, which makes the table newer
 * than the packet, so dst does not refresh again (Packetbeat: two rebuilds). */
static void
test_tuple_both_ends_one_refresh(void)
{
    harness h;
    pm_tuple_answer t;
    pm_endpoint src = parse_endpoint("127.0.0.1:1111"), dst = parse_endpoint("[::1]:2222");

    start_host(&h, NULL);
    h.now_us += SEC(1);
    memset(&t, 0, sizeof t);
    pm_watcher_lookup_tuple(h.watcher, TCP, &src, &dst, h.now_us - MS(300), &t);
    assert_miss(&t.src, PM_REASON_NO_SOCKET);
    assert_miss(&t.dst, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    g_assert_cmpuint(harness_stats(&h).lookups, ==, 2);
    pm_tuple_answer_clear(&t);
    harness_clear(&h);
}

/* Packet time and clock advance 1 ms per miss for 1 s: at most one refresh
 * per 250 ms; the others are told they were suppressed. */
static void
test_storm_advancing_time(void)
{
    harness h;
    guint suppressed = 0, refreshed = 0;
    gint64 start;

    start_host(&h, NULL);
    start = h.now_us + SEC(1);
    for (guint i = 0; i < 1000; i++) {
        pm_reason reason;

        h.now_us = start + MS(i);
        reason = closed_port_lookup(&h, 30000 + i, h.now_us);
        if (reason == PM_REASON_NO_SOCKET) {
            refreshed++;
            g_assert_cmpuint(i % 250, ==, 0);
        } else {
            g_assert_cmpint(reason, ==, PM_REASON_REFRESH_SUPPRESSED);
            suppressed++;
        }
    }
    g_assert_cmpuint(harness_stats(&h).refreshes - 1, <=, 1 + 1000 / 250);
    g_assert_cmpuint(refreshed, ==, 4);
    g_assert_cmpuint(suppressed, ==, 996);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1 + 4);
    g_assert_cmpuint(harness_stats(&h).refreshes_suppressed, ==, 996);
    g_assert_cmpuint(mock_refresh_count(h.mock), ==, 1 + 4);
    harness_clear(&h);
}

/* A miss older than the table is final: the socket was not there then. */
static void
test_old_packet_no_refresh(void)
{
    harness h;

    start_host(&h, NULL);
    h.now_us += SEC(5);
    g_assert_cmpint(closed_port_lookup(&h, 9999, HARNESS_T0_US - MS(1)), ==,
                    PM_REASON_NO_SOCKET);
    g_assert_cmpint(closed_port_lookup(&h, 9999, HARNESS_T0_US), ==, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    g_assert_cmpuint(harness_stats(&h).refreshes_suppressed, ==, 0);
    g_assert_cmpint(closed_port_lookup(&h, 9999, HARNESS_T0_US + 1), ==, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    g_assert_cmpint(harness_stats(&h).table_built_us, ==, h.now_us);
    harness_clear(&h);
}

static void
test_min_interval_zero(void)
{
    harness h;
    pm_watcher_config config;

    pm_watcher_config_init(&config);
    g_assert_cmpint(config.min_refresh_interval_us, ==, MS(250));
    g_assert_cmpint(config.mapping_ttl_us, ==, SEC(10));
    g_assert_cmpint(config.process_ttl_us, ==, SEC(30));
    g_assert_false(config.refresh_on_every_miss);
    config.min_refresh_interval_us = 0;
    start_host(&h, &config);
    for (guint i = 1; i <= 100; i++) {
        h.now_us += MS(1);
        g_assert_cmpint(closed_port_lookup(&h, 30000 + i, h.now_us), ==, PM_REASON_NO_SOCKET);
    }
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1 + 100);
    /* Not newer than the table: still no refresh. */
    g_assert_cmpint(closed_port_lookup(&h, 29999, h.now_us), ==, PM_REASON_NO_SOCKET);
    g_assert_cmpint(closed_port_lookup(&h, 29999, h.now_us - SEC(1)), ==, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1 + 100);
    harness_clear(&h);
}

/* Packetbeat's behaviour, for benchmarks: old packets refresh too, still
 * within the minimum interval. */
static void
test_refresh_on_every_miss(void)
{
    harness h;
    pm_watcher_config config;
    gint64 old_packet = HARNESS_T0_US - SEC(10);
    gint64 start;

    pm_watcher_config_init(&config);
    config.refresh_on_every_miss = TRUE;
    start_host(&h, &config);
    start = h.now_us + SEC(1);
    for (guint i = 0; i < 1000; i++) {
        pm_reason reason;

        h.now_us = start + MS(i);
        reason = closed_port_lookup(&h, 30000 + i, old_packet);
        g_assert_cmpint(reason, ==, i % 250 == 0 ? PM_REASON_NO_SOCKET
                                                 : PM_REASON_REFRESH_SUPPRESSED);
    }
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1 + 4);
    g_assert_cmpuint(harness_stats(&h).refreshes_suppressed, ==, 996);

    config.min_refresh_interval_us = 0;
    pm_watcher_set_config(h.watcher, &config);
    for (guint i = 0; i < 10; i++)
        g_assert_cmpint(closed_port_lookup(&h, 40000 + i, old_packet), ==, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1 + 4 + 10);
    harness_clear(&h);
}

/* The very first lookup refreshes whatever the packet time, and that is how
 * the watcher learns which addresses are local. */
static void
test_first_lookup_refreshes(void)
{
    harness h;
    pm_endpoint_answer a;

    harness_init(&h, NULL);
    mock_add_local_address(h.mock, "192.168.1.1");
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 1);
    mock_bind(h.mock, TCP, 10, "192.168.1.1:80");
    harness_lookup_at(&h, TCP, "192.168.1.1:80", "8.8.8.8:4000", 0, &a);
    assert_found(&a, PM_MATCH_EXACT, 10);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    g_assert_cmpint(harness_stats(&h).table_built_us, ==, HARNESS_T0_US);

    /* A non-local end never refreshes, however often it is asked. */
    for (guint i = 0; i < 100; i++) {
        h.now_us += SEC(1);
        harness_lookup(&h, TCP, "8.8.8.8:4000", "192.168.1.1:80", &a);
        assert_miss(&a, PM_REASON_NOT_LOCAL);
    }
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    harness_clear(&h);
}

/* One refresh reads both transports, one owner scan over every inode != 0,
 * each process once, and reuses records the next time. */
static void
test_refresh_reads_everything_once(void)
{
    harness h;
    pm_watcher_stats stats;
    guint64 shared;
    pm_socket time_wait = { 0 };

    harness_init(&h, NULL);
    mock_add_local_address(h.mock, "192.168.1.1");
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 1);
    mock_add_process(h.mock, 11, "server", "/usr/bin/server", "server", 2);
    shared = mock_bind(h.mock, TCP, 10, "0.0.0.0:80");
    mock_add_owner(h.mock, shared, 11);
    mock_add_owner(h.mock, shared, 11);   /* a dup()ed fd */
    mock_connect(h.mock, TCP, 11, "192.168.1.1:80", "10.0.0.1:5000");
    mock_bind(h.mock, UDP, 10, "0.0.0.0:53");
    time_wait.local = parse_endpoint("192.168.1.1:80");
    time_wait.remote = parse_endpoint("10.0.0.2:5000");
    time_wait.state = 6;
    mock_add_socket_row(h.mock, TCP, &time_wait);

    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    stats = harness_stats(&h);
    g_assert_cmpuint(stats.refreshes, ==, 1);
    g_assert_cmpint(stats.table_built_us, ==, HARNESS_T0_US);
    g_assert_cmpuint(h.mock->list_local_addresses_calls, ==, 1);
    g_assert_cmpuint(h.mock->list_sockets_calls[TCP], ==, 1);
    g_assert_cmpuint(h.mock->list_sockets_calls[UDP], ==, 1);
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 1);
    g_assert_cmpuint(h.mock->last_wanted_count, ==, 3);
    g_assert_false(h.mock->last_wanted_had_zero);
    g_assert_cmpuint(h.mock->read_process_calls, ==, 2);
    g_assert_cmpuint(stats.process_reads, ==, 2);
    g_assert_cmpuint(stats.process_records, ==, 2);
    /* Connected sockets are indexed by tuple only. */
    g_assert_cmpuint(stats.endpoint_entries[TCP], ==, 1);
    g_assert_cmpuint(stats.tuple_entries[TCP], ==, 1);
    g_assert_cmpuint(stats.endpoint_entries[UDP], ==, 1);
    g_assert_cmpuint(stats.tuple_entries[UDP], ==, 0);

    h.now_us += SEC(1);
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    stats = harness_stats(&h);
    g_assert_cmpuint(stats.refreshes, ==, 2);
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 2);
    g_assert_cmpuint(h.mock->read_process_calls, ==, 2);
    g_assert_cmpuint(stats.process_cache_hits, ==, 2);
    g_assert_cmpint(stats.table_built_us, ==, h.now_us);

    /* An explicit refresh ignores the minimum interval. */
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 3);
    harness_clear(&h);
}

/* Local addresses are re-read by every refresh, and for a packet of an
 * address not known as local (rate-limited without notifications). */
static void
test_locality_follows_refresh(void)
{
    harness h;
    pm_endpoint_answer a;
    pm_addr addr;

    harness_init(&h, NULL);
    mock_add_local_address(h.mock, "192.168.1.1");
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 1);
    mock_bind(h.mock, TCP, 10, "0.0.0.0:80");
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));

    g_assert_true(pm_addr_parse("10.9.9.9", &addr));
    g_assert_false(pm_watcher_is_local(h.watcher, &addr));
    g_assert_true(pm_addr_parse("192.168.1.1", &addr));
    g_assert_true(pm_watcher_is_local(h.watcher, &addr));
    g_assert_true(pm_addr_parse("127.5.5.5", &addr));
    g_assert_true(pm_watcher_is_local(h.watcher, &addr));
    g_assert_true(pm_addr_parse("::1", &addr));
    g_assert_true(pm_watcher_is_local(h.watcher, &addr));
    g_assert_true(pm_addr_parse("::2", &addr));
    g_assert_false(pm_watcher_is_local(h.watcher, &addr));

    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "10.9.9.9:80", "10.9.9.1:4000", &a);
    assert_miss(&a, PM_REASON_NOT_LOCAL);

    /* A VPN comes up: its first packet finds it.  The mock sends no
     * notifications, so the miss of an address not known as local reads
     * the list again - without a table refresh, and not twice within
     * min_refresh_interval. */
    g_assert_cmpuint(harness_stats(&h).address_reads, ==, 1);   /* the miss above */
    mock_add_local_address(h.mock, "10.9.9.9");
    h.now_us += MS(100);
    harness_lookup(&h, TCP, "10.9.9.9:80", "10.9.9.1:4000", &a);
    assert_miss(&a, PM_REASON_NOT_LOCAL);                        /* read 100 ms ago */
    g_assert_cmpuint(harness_stats(&h).address_reads, ==, 1);
    h.now_us += MS(200);
    harness_lookup(&h, TCP, "10.9.9.9:80", "10.9.9.1:4000", &a);
    assert_found(&a, PM_MATCH_ANY, 10);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).address_reads, ==, 2);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    g_assert_true(pm_addr_parse("10.9.9.9", &addr));
    g_assert_true(pm_watcher_is_local(h.watcher, &addr));
    /* A packet older than what the watcher knows: its address was not
     * local then, and the list is not read for it. */
    harness_lookup_at(&h, TCP, "10.7.7.7:80", "10.9.9.1:4000", h.now_us - SEC(2), &a);
    assert_miss(&a, PM_REASON_NOT_LOCAL);
    g_assert_cmpuint(harness_stats(&h).address_checks, ==, 3);
    /* Every refresh reads them too. */
    h.now_us += SEC(1);
    g_assert_cmpint(closed_port_lookup(&h, 9999, h.now_us), ==, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);

    /* An address that goes away stops being local. */
    mock_remove_local_address(h.mock, "192.168.1.1");
    h.now_us += SEC(1);
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    g_assert_true(pm_addr_parse("192.168.1.1", &addr));
    g_assert_false(pm_watcher_is_local(h.watcher, &addr));
    harness_lookup(&h, TCP, "192.168.1.1:80", NULL, &a);
    assert_miss(&a, PM_REASON_NOT_LOCAL);
    harness_clear(&h);
}

static void
test_backend_failure(void)
{
    harness h;
    pm_endpoint_answer a;
    pm_tuple_answer t;
    pm_endpoint src, dst;
    GError *error = NULL;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 10, "server", "/usr/bin/server", "server", 1);
    mock_bind(h.mock, TCP, 10, "127.0.0.1:9000");
    h.mock->fail_list_sockets = TRUE;

    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    assert_miss(&a, PM_REASON_BACKEND_FAILED);
    g_assert_false(pm_watcher_refresh(h.watcher, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);

    /* Recovery. */
    h.mock->fail_list_sockets = FALSE;
    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "127.0.0.1:9000", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 10);
    pm_endpoint_answer_clear(&a);

    /* Failing again: what is known still answers, a needed refresh fails. */
    h.mock->fail_list_sockets = TRUE;
    h.now_us += SEC(1);
    src = parse_endpoint("127.0.0.1:40000");
    dst = parse_endpoint("127.0.0.1:9000");
    memset(&t, 0, sizeof t);
    pm_watcher_lookup_tuple(h.watcher, TCP, &src, &dst, h.now_us, &t);
    assert_miss(&t.src, PM_REASON_BACKEND_FAILED);
    assert_found(&t.dst, PM_MATCH_EXACT, 10);
    pm_tuple_answer_clear(&t);

    h.mock->fail_list_sockets = FALSE;
    mock_connect(h.mock, TCP, 10, "127.0.0.1:9000", "127.0.0.1:40000");
    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "127.0.0.1:40000", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    harness_lookup(&h, TCP, "127.0.0.1:9000", "127.0.0.1:40000", &a);
    assert_found(&a, PM_MATCH_TUPLE, 10);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/watcher/refresh/storm-same-packet-time", test_storm_same_packet_time);
    g_test_add_func("/watcher/refresh/tuple-both-ends-one-refresh",
                    test_tuple_both_ends_one_refresh);
    g_test_add_func("/watcher/refresh/storm-advancing-time", test_storm_advancing_time);
    g_test_add_func("/watcher/refresh/old-packet-no-refresh", test_old_packet_no_refresh);
    g_test_add_func("/watcher/refresh/min-interval-zero", test_min_interval_zero);
    g_test_add_func("/watcher/refresh/refresh-on-every-miss", test_refresh_on_every_miss);
    g_test_add_func("/watcher/refresh/first-lookup-refreshes", test_first_lookup_refreshes);
    g_test_add_func("/watcher/refresh/reads-everything-once", test_refresh_reads_everything_once);
    g_test_add_func("/watcher/refresh/locality-follows-refresh", test_locality_follows_refresh);
    g_test_add_func("/watcher/refresh/backend-failure", test_backend_failure);
    return g_test_run();
}
