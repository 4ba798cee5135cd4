/* test_timing.c - which clock judges a mapping, and when the refresh
 * interval starts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

/* Reading a recent capture file can take longer than mapping_ttl: a socket
 * the refresh saw keeps answering for the file's frames, judged at their
 * capture time, not at the wall clock of the dissection. */
static void
test_mapping_judged_at_packet_time(void)
{
    harness h;
    pm_endpoint_answer a;
    gint64 captured = HARNESS_T0_US;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 700, "nginx", "/usr/sbin/nginx", "nginx", 1000);
    mock_bind(h.mock, PM_TRANSPORT_TCP, 700, "0.0.0.0:80");
    h.now_us += SEC(1);                 /* the file is opened a second later */
    harness_lookup_at(&h, PM_TRANSPORT_TCP, "127.0.0.1:80", NULL, captured, &a);
    assert_found(&a, PM_MATCH_ANY, 700);
    pm_endpoint_answer_clear(&a);

    /* 25 s of dissection later, a frame captured 3 s after the first. */
    h.now_us += SEC(25);
    harness_lookup_at(&h, PM_TRANSPORT_TCP, "127.0.0.1:80", NULL, captured + SEC(3), &a);
    assert_found(&a, PM_MATCH_ANY, 700);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);

    /* A frame captured past the mapping's life is not answered from it. */
    harness_lookup_at(&h, PM_TRANSPORT_TCP, "127.0.0.1:80", NULL, h.now_us, &a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);   /* it had to look again */
    assert_found(&a, PM_MATCH_ANY, 700);                    /* and found it again */
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A refresh slower than min_refresh_interval must not be followed at once
 * by another: the interval runs from the end of the refresh. */
static void
test_interval_runs_from_refresh_end(void)
{
    harness h;
    pm_endpoint_answer a;

    harness_init(&h, NULL);
    h.mock->list_sockets_cost_us = MS(200);     /* two tables: 400 ms a refresh */
    harness_lookup(&h, PM_TRANSPORT_TCP, "127.0.0.1:1001", NULL, &a);    /* first refresh */
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);

    /* 100 ms after it ended (500 ms after it began): still suppressed. */
    h.now_us += MS(100);
    harness_lookup(&h, PM_TRANSPORT_TCP, "127.0.0.1:1002", NULL, &a);
    assert_miss(&a, PM_REASON_REFRESH_SUPPRESSED);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);

    /* 250 ms after its end: allowed again. */
    h.now_us += MS(150);
    harness_lookup(&h, PM_TRANSPORT_TCP, "127.0.0.1:1003", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    harness_clear(&h);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/watcher/timing/mapping-judged-at-packet-time",
                    test_mapping_judged_at_packet_time);
    g_test_add_func("/watcher/timing/interval-runs-from-refresh-end",
                    test_interval_runs_from_refresh_end);
    return g_test_run();
}
