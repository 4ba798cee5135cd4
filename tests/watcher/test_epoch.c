/* test_epoch.c - the watcher's epoch changes with everything a lookup
 * reads, never with a lookup that only reads; and an answer's
 * stable_until_us is the table's expiry rule.  Callers reuse answers on
 * this promise (the frame engine's stream memo).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

#define TCP PM_TRANSPORT_TCP

static void
setup_host(harness *h)
{
    mock_add_local_address(h->mock, "10.0.0.1");
    mock_add_process(h->mock, 100, "curl", "/usr/bin/curl", "curl", 1000);
    mock_add_process(h->mock, 200, "nginx", "/usr/sbin/nginx", "nginx", 0);
    mock_connect(h->mock, TCP, 100, "10.0.0.1:40000", "10.0.0.1:443");
    mock_bind(h->mock, TCP, 200, "0.0.0.0:443");
    g_assert_true(pm_watcher_refresh(h->watcher, NULL));
}

static guint64
lookup_epoch_change(harness *h, const char *local, const char *remote,
                    pm_endpoint_answer *out)
{
    guint64 before = pm_watcher_epoch(h->watcher);

    harness_lookup(h, TCP, local, remote, out);
    return pm_watcher_epoch(h->watcher) != before;
}

static void
test_reads_keep_the_epoch(void)
{
    harness h;
    pm_endpoint_answer a;
    gint64 refreshed;

    harness_init(&h, NULL);
    setup_host(&h);
    refreshed = h.now_us;
    h.now_us += SEC(2);
    /* A tuple hit: true until the mapping expires, 10 s after the refresh. */
    g_assert_false(lookup_epoch_change(&h, "10.0.0.1:40000", "10.0.0.1:443", &a));
    g_assert_cmpint(a.match, ==, PM_MATCH_TUPLE);
    g_assert_cmpint(a.stable_until_us, ==, refreshed + SEC(10));
    pm_endpoint_answer_clear(&a);
    /* A remote address in a frame older than what the watcher knows of the
     * addresses: not local, and nothing read; true for frames up to then. */
    {
        guint64 before = pm_watcher_epoch(h.watcher);

        harness_lookup_at(&h, TCP, "198.51.100.7:1", "10.0.0.1:443", refreshed - SEC(60), &a);
        g_assert_cmpuint(pm_watcher_epoch(h.watcher), ==, before);
        g_assert_cmpint(a.reason, ==, PM_REASON_NOT_LOCAL);
        g_assert_cmpint(a.stable_until_us, ==, refreshed);
        pm_endpoint_answer_clear(&a);
    }
    harness_clear(&h);
}

static void
test_changes_make_a_new_epoch(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 epoch;
    pm_watcher_config config;
    pm_alias_rule alias = { "nginx", "web" };

    harness_init(&h, NULL);
    setup_host(&h);
    epoch = pm_watcher_epoch(h.watcher);
    g_assert_cmpuint(epoch, !=, 0);

    h.now_us += SEC(1);
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    g_assert_cmpuint(pm_watcher_epoch(h.watcher), !=, epoch);

    /* A conntrack answer kept for a listener's lookup. */
    g_assert_true(lookup_epoch_change(&h, "10.0.0.1:443", "198.51.100.7:33000", &a));
    g_assert_cmpint(a.match, ==, PM_MATCH_ANY);
    g_assert_cmpint(a.stable_until_us, !=, 0);
    pm_endpoint_answer_clear(&a);
    /* ... and not again while it holds. */
    g_assert_false(lookup_epoch_change(&h, "10.0.0.1:443", "198.51.100.7:33000", &a));
    pm_endpoint_answer_clear(&a);

    /* A socket an exact lookup put in the table. */
    mock_connect(h.mock, TCP, 100, "10.0.0.1:40001", "10.0.0.1:443");
    h.now_us += SEC(1);
    g_assert_true(lookup_epoch_change(&h, "10.0.0.1:40001", "10.0.0.1:443", &a));
    g_assert_cmpint(a.match, ==, PM_MATCH_TUPLE);
    pm_endpoint_answer_clear(&a);

    /* The addresses read again for an address not known as local. */
    mock_add_local_address(h.mock, "10.2.0.1");
    h.now_us += SEC(1);
    g_assert_true(lookup_epoch_change(&h, "10.2.0.1:5", "198.51.100.7:1", &a));
    pm_endpoint_answer_clear(&a);

    epoch = pm_watcher_epoch(h.watcher);
    pm_watcher_config_init(&config);
    pm_watcher_set_config(h.watcher, &config);
    g_assert_cmpuint(pm_watcher_epoch(h.watcher), !=, epoch);
    epoch = pm_watcher_epoch(h.watcher);
    pm_watcher_set_aliases(h.watcher, &alias, 1);
    g_assert_cmpuint(pm_watcher_epoch(h.watcher), !=, epoch);
    epoch = pm_watcher_epoch(h.watcher);
    pm_watcher_flush(h.watcher);
    g_assert_cmpuint(pm_watcher_epoch(h.watcher), !=, epoch);
    harness_clear(&h);
}

/* Two watchers never share an epoch: a caller's memo of one never answers
 * for the other. */
static void
test_watchers_never_share_an_epoch(void)
{
    harness one, two;

    harness_init(&one, NULL);
    harness_init(&two, NULL);
    g_assert_cmpuint(pm_watcher_epoch(one.watcher), !=, pm_watcher_epoch(two.watcher));
    harness_clear(&one);
    harness_clear(&two);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/epoch/reads-keep-the-epoch", test_reads_keep_the_epoch);
    g_test_add_func("/epoch/changes-make-a-new-epoch", test_changes_make_a_new_epoch);
    g_test_add_func("/epoch/watchers-never-share-an-epoch", test_watchers_never_share_an_epoch);
    return g_test_run();
}
