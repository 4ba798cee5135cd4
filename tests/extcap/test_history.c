/* test_history.c - the socket history: which process used a socket when.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "history.h"

#include <string.h>

#define SEC G_USEC_PER_SEC
#define T0 ((gint64)1700000000 * SEC)
#define HOST_NS 1000u
#define OTHER_NS 2000u

static pm_process *
make_process(gint32 pid, const char *comm)
{
    pm_process_raw raw;

    memset(&raw, 0, sizeof raw);
    raw.pid = pid;
    raw.ppid = 1;
    raw.comm = g_strdup(comm);
    raw.start_time_ns = (guint64)pid * 1000;
    return pm_process_new(&raw, NULL, NULL, 0);
}

static pm_endpoint
ep(const char *text)
{
    pm_endpoint out;

    g_assert_true(pm_endpoint_parse(text, &out));
    return out;
}

/* Local: 127.0.0.0/8 and 10.0.0.1 in the host namespace, 10.0.0.2 in the
 * other one. */
static gboolean
is_local(guint32 netns, const pm_addr *addr, gpointer data)
{
    char text[PM_ADDR_STRLEN];

    pm_addr_to_string(addr, text, sizeof text);
    if (netns == HOST_NS)
        return pm_addr_is_loopback(addr) || strcmp(text, "10.0.0.1") == 0;
    return strcmp(text, "10.0.0.2") == 0;
}

static gint32
lookup_pid(pm_history *history, pm_transport transport, const char *local, const char *remote,
           gint64 time, pm_match *match)
{
    pm_endpoint l = ep(local), r;
    pm_history_hit hit;
    gint32 pid = 0;

    if (remote)
        r = ep(remote);
    if (pm_history_lookup(history, transport, &l, remote ? &r : NULL, time, is_local, NULL,
                          &hit)) {
        pid = hit.process->pid;
        if (match)
            *match = hit.match;
    }
    pm_history_hit_clear(&hit);
    return pid;
}

static void
put(pm_history *history, pm_transport transport, const char *local, const char *remote,
    guint32 netns, pm_process *process, gint64 time)
{
    pm_endpoint l = ep(local), r;

    if (remote)
        r = ep(remote);
    pm_history_put(history, transport, &l, remote ? &r : NULL, netns, process, 0,
                   PM_ORIGIN_EBPF_SEND, time);
}

static void
test_tuple_after_close(void)
{
    pm_history *history = pm_history_new();
    pm_process *curl = make_process(4242, "curl");
    pm_endpoint l = ep("127.0.0.1:40000"), r = ep("127.0.0.1:80");
    pm_match match = PM_MATCH_NONE;

    put(history, PM_TRANSPORT_TCP, "127.0.0.1:40000", "127.0.0.1:80", HOST_NS, curl, T0);
    pm_history_close(history, &l, &r, T0 + 1000);
    /* The socket is gone, its packets still resolve: a little before the
     * event (events trail packets), and after the close within the grace. */
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_TCP, "127.0.0.1:40000", "127.0.0.1:80",
                               T0 - 500, &match), ==, 4242);
    g_assert_cmpint(match, ==, PM_MATCH_TUPLE);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_TCP, "127.0.0.1:40000", "127.0.0.1:80",
                               T0 + 30 * SEC, NULL), ==, 4242);
    /* Not long after the grace, not long before it existed, not for UDP,
     * not for the other end. */
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_TCP, "127.0.0.1:40000", "127.0.0.1:80",
                               T0 + 1000 + PM_HISTORY_CLOSED_GRACE_US + SEC, NULL), ==, 0);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_TCP, "127.0.0.1:40000", "127.0.0.1:80",
                               T0 - PM_HISTORY_EARLY_US - SEC, NULL), ==, 0);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_UDP, "127.0.0.1:40000", "127.0.0.1:80",
                               T0, NULL), ==, 0);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_TCP, "127.0.0.1:80", "127.0.0.1:40000",
                               T0, NULL), ==, 0);
    pm_process_unref(curl);
    pm_history_free(history);
}

static void
test_reused_tuple_answers_by_time(void)
{
    pm_history *history = pm_history_new();
    pm_process *first = make_process(100, "first"), *second = make_process(200, "second");
    pm_endpoint l = ep("10.0.0.1:5000"), r = ep("10.9.9.9:53");

    put(history, PM_TRANSPORT_UDP, "10.0.0.1:5000", "10.9.9.9:53", HOST_NS, first, T0);
    pm_history_close(history, &l, &r, T0 + SEC);    /* (only TCP closes; harmless) */
    put(history, PM_TRANSPORT_UDP, "10.0.0.1:5000", "10.9.9.9:53", HOST_NS, second,
        T0 + 10 * SEC);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_UDP, "10.0.0.1:5000", "10.9.9.9:53",
                               T0 + 5 * SEC, NULL), ==, 100);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_UDP, "10.0.0.1:5000", "10.9.9.9:53",
                               T0 + 11 * SEC, NULL), ==, 200);
    /* The same process again on an open entry: one entry, not two. */
    put(history, PM_TRANSPORT_UDP, "10.0.0.1:5000", "10.9.9.9:53", HOST_NS, second,
        T0 + 12 * SEC);
    g_assert_cmpuint(pm_history_size(history), ==, 2);
    pm_process_unref(first);
    pm_process_unref(second);
    pm_history_free(history);
}

static void
test_unconnected_needs_local_address(void)
{
    pm_history *history = pm_history_new();
    pm_process *dns = make_process(53, "resolver"), *inside = make_process(77, "inside");
    pm_match match = PM_MATCH_NONE;

    /* Bound to 0.0.0.0:53 in the host namespace, 0.0.0.0:8080 in another. */
    put(history, PM_TRANSPORT_UDP, "0.0.0.0:53", NULL, HOST_NS, dns, T0);
    put(history, PM_TRANSPORT_TCP, "0.0.0.0:8080", NULL, OTHER_NS, inside, T0);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_UDP, "10.0.0.1:53", "10.5.5.5:999",
                               T0 + SEC, &match), ==, 53);
    g_assert_cmpint(match, ==, PM_MATCH_ANY);
    /* 10.0.0.2 is the other namespace's address, not the host's. */
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_UDP, "10.0.0.2:53", "10.5.5.5:999",
                               T0 + SEC, NULL), ==, 0);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_TCP, "10.0.0.2:8080", "10.0.0.1:3333",
                               T0 + SEC, NULL), ==, 77);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_TCP, "127.0.0.1:8080", "127.0.0.1:3333",
                               T0 + SEC, NULL), ==, 0);
    pm_process_unref(dns);
    pm_process_unref(inside);
    pm_history_free(history);
}

static void
test_exact_and_dual_stack(void)
{
    pm_history *history = pm_history_new();
    pm_process *exact = make_process(10, "exact"), *v6 = make_process(20, "v6");
    pm_match match = PM_MATCH_NONE;

    put(history, PM_TRANSPORT_UDP, "127.0.0.1:9000", NULL, HOST_NS, exact, T0);
    put(history, PM_TRANSPORT_TCP, "[::]:7000", NULL, HOST_NS, v6, T0);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_UDP, "127.0.0.1:9000", "127.0.0.1:1",
                               T0, &match), ==, 10);
    g_assert_cmpint(match, ==, PM_MATCH_EXACT);
    g_assert_cmpint(lookup_pid(history, PM_TRANSPORT_TCP, "10.0.0.1:7000", "10.7.7.7:1",
                               T0, &match), ==, 20);
    g_assert_cmpint(match, ==, PM_MATCH_DUAL_STACK);
    pm_process_unref(exact);
    pm_process_unref(v6);
    pm_history_free(history);
}

static void
test_expire(void)
{
    pm_history *history = pm_history_new();
    pm_process *old = make_process(1, "old"), *fresh = make_process(2, "fresh");
    pm_endpoint l = ep("127.0.0.1:1"), r = ep("127.0.0.1:2");

    put(history, PM_TRANSPORT_TCP, "127.0.0.1:1", "127.0.0.1:2", HOST_NS, old, T0);
    pm_history_close(history, &l, &r, T0);
    put(history, PM_TRANSPORT_UDP, "127.0.0.1:3", NULL, HOST_NS, fresh, T0 + 100 * SEC);
    pm_history_expire(history, T0 + 100 * SEC);
    g_assert_cmpuint(pm_history_size(history), ==, 1);
    pm_history_expire(history, T0 + 100 * SEC + PM_HISTORY_IDLE_US + SEC);
    g_assert_cmpuint(pm_history_size(history), ==, 0);
    pm_process_unref(old);
    pm_process_unref(fresh);
    pm_history_free(history);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/extcap/history/tuple-after-close", test_tuple_after_close);
    g_test_add_func("/extcap/history/reused-tuple", test_reused_tuple_answers_by_time);
    g_test_add_func("/extcap/history/unconnected-local", test_unconnected_needs_local_address);
    g_test_add_func("/extcap/history/exact-dual-stack", test_exact_and_dual_stack);
    g_test_add_func("/extcap/history/expire", test_expire);
    return g_test_run();
}
