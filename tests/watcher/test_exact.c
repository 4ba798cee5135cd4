/* test_exact.c - misses settled by an exact lookup (backend find_socket)
 * instead of a refresh: what settles, what still refreshes, the budget.
 *
 * The mock backend has no find_socket; here it is wrapped in one that adds
 * it, answering as the kernel's lookup does (a connected socket with both
 * ends, else one bound to the local address, the any-address, or for IPv4
 * a dual-stack "::" one) from the mock's live socket rows.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

#include <string.h>

#define TCP PM_TRANSPORT_TCP
#define UDP PM_TRANSPORT_UDP

typedef struct {
    pm_backend     base;
    mock_backend  *mock;
    guint          calls;
    gboolean       answer_unknown;   /* the backend cannot tell */
    pm_endpoint    last_local;
    gboolean       last_had_remote;
} exact_backend;

static mock_backend *
inner(pm_backend *backend)
{
    return ((exact_backend *)backend)->mock;
}

static gboolean
ex_list_sockets(pm_backend *b, pm_transport t, GArray *out, pm_diag *d, GError **e)
{
    return inner(b)->base.ops->list_sockets(&inner(b)->base, t, out, d, e);
}

static gboolean
ex_find_owners(pm_backend *b, GHashTable *w, GArray *o, pm_owner_scan *s, pm_diag *d,
               GError **e)
{
    return inner(b)->base.ops->find_owners(&inner(b)->base, w, o, s, d, e);
}

static pm_read_status
ex_read_process(pm_backend *b, gint32 pid, pm_process_raw *out, pm_diag *d)
{
    return inner(b)->base.ops->read_process(&inner(b)->base, pid, out, d);
}

static gboolean
ex_list_local_addresses(pm_backend *b, GArray *out, pm_diag *d, GError **e)
{
    return inner(b)->base.ops->list_local_addresses(&inner(b)->base, out, d, e);
}

static char *
ex_user_name(pm_backend *b, guint32 uid)
{
    return inner(b)->base.ops->user_name(&inner(b)->base, uid);
}

static pm_conntrack_result
ex_find_connection(pm_backend *b, pm_transport t, const pm_endpoint *x, const pm_endpoint *y,
                   pm_connection *out, pm_diag *d)
{
    return inner(b)->base.ops->find_connection(&inner(b)->base, t, x, y, out, d);
}

static void
ex_destroy(pm_backend *b)
{
    pm_backend_free(&inner(b)->base);
    g_free(b);
}

static gboolean
connected(const pm_socket *s)
{
    return s->remote.port != 0 || !pm_addr_is_any(&s->remote.addr);
}

/* The kernel's choice among the rows, or NULL. */
static const pm_socket *
kernel_lookup(GArray *rows, const pm_endpoint *local, const pm_endpoint *remote)
{
    pm_endpoint any;

    for (guint i = 0; remote && i < rows->len; i++) {
        const pm_socket *s = &g_array_index(rows, pm_socket, i);
        if (connected(s) && pm_endpoint_equal(&s->local, local)
            && pm_endpoint_equal(&s->remote, remote))
            return s;
    }
    for (int step = 0; step < 3; step++) {
        any.port = local->port;
        if (step == 1)
            pm_addr_any(&any.addr, local->addr.family);
        if (step == 2) {
            if (local->addr.family != PM_AF_INET)
                break;
            pm_addr_any(&any.addr, PM_AF_INET6);
        }
        for (guint i = 0; i < rows->len; i++) {
            const pm_socket *s = &g_array_index(rows, pm_socket, i);
            if (connected(s) || !pm_endpoint_equal(&s->local, step == 0 ? local : &any))
                continue;
            if (step == 2 && (!s->from_v6_table || s->v6only == PM_V6ONLY_YES))
                continue;
            return s;
        }
    }
    return NULL;
}

static pm_find_result
ex_find_socket(pm_backend *b, pm_transport t, const pm_endpoint *local,
               const pm_endpoint *remote, pm_socket *out, pm_diag *d)
{
    exact_backend *self = (exact_backend *)b;
    const pm_socket *s;

    self->calls++;
    self->last_local = *local;
    self->last_had_remote = remote != NULL;
    if (self->answer_unknown)
        return PM_FIND_UNKNOWN;
    s = kernel_lookup(self->mock->sockets[t], local, remote);
    if (s == NULL)
        return PM_FIND_ABSENT;
    if (s->inode == 0)
        return PM_FIND_UNKNOWN;
    *out = *s;
    return PM_FIND_FOUND;
}

static const pm_backend_ops exact_ops = {
    .name = "mock+exact",
    .list_sockets = ex_list_sockets,
    .find_owners = ex_find_owners,
    .read_process = ex_read_process,
    .list_local_addresses = ex_list_local_addresses,
    .user_name = ex_user_name,
    .destroy = ex_destroy,
    .find_socket = ex_find_socket,
    .find_connection = ex_find_connection,
};

static void
quiet_sink(pm_diag_level level, pm_diag_cause cause, const char *message, gpointer data)
{
    g_test_message("diag %s: %s", pm_diag_cause_name(cause), message);
}

/* A harness whose backend can look up one socket; @config NULL: defaults. */
static exact_backend *
exact_harness_init(harness *h, const pm_watcher_config *config)
{
    exact_backend *ex = g_new0(exact_backend, 1);
    pm_watcher_config defaults;

    memset(h, 0, sizeof *h);
    if (config == NULL) {
        pm_watcher_config_init(&defaults);
        config = &defaults;
    }
    h->now_us = HARNESS_T0_US;
    h->mock = mock_backend_new();
    ex->base.ops = &exact_ops;
    ex->mock = h->mock;
    h->watcher = pm_watcher_new(&ex->base, config, fake_clock, &h->now_us);
    pm_watcher_set_diag_sink(h->watcher, quiet_sink, h);
    return ex;
}

/* A host with a server (pid 10, listening on 9000, one accepted connection
 * from a client, pid 20), refreshed once at T0. */
static exact_backend *
start_host(harness *h, const pm_watcher_config *config)
{
    exact_backend *ex = exact_harness_init(h, config);

    mock_add_process(h->mock, 10, "server", "/usr/bin/server", "server", 1);
    mock_add_process(h->mock, 20, "client", "/usr/bin/client", "client", 2);
    mock_bind(h->mock, TCP, 10, "127.0.0.1:9000");
    mock_connect(h->mock, TCP, 10, "127.0.0.1:9000", "127.0.0.1:40000");
    mock_connect(h->mock, TCP, 20, "127.0.0.1:40000", "127.0.0.1:9000");
    g_assert_true(pm_watcher_refresh(h->watcher, NULL));
    g_assert_cmpuint(harness_stats(h).refreshes, ==, 1);
    return ex;
}

static pm_reason
lookup_reason(harness *h, pm_transport t, const char *local, const char *remote)
{
    pm_endpoint_answer a;
    pm_reason reason;

    harness_lookup(h, t, local, remote, &a);
    reason = a.reason;
    pm_endpoint_answer_clear(&a);
    return reason;
}

/* A miss of a socket that does not exist: NO_SOCKET, no refresh. */
static void
test_absent_answers_without_refresh(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    pm_endpoint asked = parse_endpoint("127.0.0.1:7777");
    pm_endpoint_answer a;

    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "127.0.0.1:7777", "127.0.0.1:50000", &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(ex->calls, ==, 1);
    g_assert_true(pm_endpoint_equal(&ex->last_local, &asked));
    g_assert_true(ex->last_had_remote);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    g_assert_cmpuint(mock_refresh_count(h.mock), ==, 1);
    g_assert_cmpuint(harness_stats(&h).exact_lookups, ==, 1);
    g_assert_cmpuint(harness_stats(&h).exact_lookup_answers, ==, 1);
    pm_endpoint_answer_clear(&a);

    /* Without a remote end: asked as such. */
    harness_lookup(&h, UDP, "127.0.0.1:53", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_false(ex->last_had_remote);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A table newer than the packet answers NO_SOCKET by itself: no lookup. */
static void
test_table_newer_than_packet_asks_nothing(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    pm_endpoint_answer a;

    h.now_us += SEC(1);
    harness_lookup_at(&h, TCP, "127.0.0.1:7777", NULL, HARNESS_T0_US - MS(5), &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(ex->calls, ==, 0);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A new socket: the lookup finds it, nobody knows its owner: refresh. */
static void
test_new_socket_refreshes(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    pm_endpoint_answer a;

    mock_add_process(h.mock, 30, "curl", "/usr/bin/curl", "curl x", 3);
    mock_connect(h.mock, TCP, 30, "127.0.0.1:41000", "127.0.0.1:9000");
    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "127.0.0.1:41000", "127.0.0.1:9000", &a);
    assert_found(&a, PM_MATCH_TUPLE, 30);
    g_assert_cmpuint(ex->calls, ==, 1);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    g_assert_cmpuint(harness_stats(&h).exact_lookup_answers, ==, 0);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A connection whose mapping expired (no refresh for longer than
 * mapping_ttl) but whose socket the latest refresh saw held: answered from
 * those owners, put back in the table, no refresh. */
static void
test_known_owner_answers_without_refresh(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    pm_endpoint_answer a;
    guint reads;

    h.now_us += SEC(12);   /* past mapping_ttl (10 s), within process_ttl (30 s) */
    reads = h.mock->read_process_calls;
    harness_lookup(&h, TCP, "127.0.0.1:40000", "127.0.0.1:9000", &a);
    assert_found(&a, PM_MATCH_TUPLE, 20);
    g_assert_cmpuint(a.owner_count, ==, 1);
    g_assert_cmpint(a.socket_seen_us, ==, h.now_us);
    g_assert_cmpuint(ex->calls, ==, 1);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    g_assert_cmpuint(harness_stats(&h).exact_lookup_answers, ==, 1);
    g_assert_cmpuint(h.mock->read_process_calls, ==, reads);
    pm_endpoint_answer_clear(&a);

    /* Back in the table: the next packet of the flow is a plain hit. */
    harness_lookup(&h, TCP, "127.0.0.1:40000", "127.0.0.1:9000", &a);
    assert_found(&a, PM_MATCH_TUPLE, 20);
    g_assert_cmpuint(ex->calls, ==, 1);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* Owners learned longer than process_ttl ago are not trusted: refresh. */
static void
test_stale_owner_refreshes(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    pm_endpoint_answer a;

    h.now_us += SEC(31);
    harness_lookup(&h, TCP, "127.0.0.1:40000", "127.0.0.1:9000", &a);
    assert_found(&a, PM_MATCH_TUPLE, 20);
    g_assert_cmpuint(ex->calls, ==, 1);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A listener found by the lookup is not answered from known owners (an
 * endpoint may be shared, SO_REUSEPORT; a refresh unites its sockets). */
static void
test_listener_refreshes(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    pm_endpoint_answer a;

    h.now_us += SEC(12);
    harness_lookup(&h, TCP, "127.0.0.1:9000", "127.0.0.1:45000", &a);
    assert_found(&a, PM_MATCH_EXACT, 10);
    g_assert_cmpuint(ex->calls, ==, 1);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A connected socket the latest refresh saw with no owner (gone or
 * unreadable) is not "known": refresh. */
static void
test_ownerless_socket_refreshes(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    guint64 inode = mock_add_socket(h.mock, TCP, "127.0.0.1:42000", "127.0.0.1:9000", 0);
    pm_endpoint_answer a;

    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    h.now_us += SEC(12);
    mock_add_owner(h.mock, inode, 20);
    harness_lookup(&h, TCP, "127.0.0.1:42000", "127.0.0.1:9000", &a);
    assert_found(&a, PM_MATCH_TUPLE, 20);
    g_assert_cmpuint(ex->calls, ==, 1);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 3);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A TIME_WAIT socket (inode 0) in the way, or a backend that cannot tell:
 * the refresh rule decides, as without exact lookups. */
static void
test_unknown_goes_to_refresh_rule(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    pm_socket tw = { 0 };

    tw.local = parse_endpoint("127.0.0.1:43000");
    tw.remote = parse_endpoint("127.0.0.1:9000");
    tw.state = 6;
    mock_add_socket_row(h.mock, TCP, &tw);
    h.now_us += SEC(1);
    g_assert_cmpint(lookup_reason(&h, TCP, "127.0.0.1:43000", "127.0.0.1:9000"), ==,
                    PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    g_assert_cmpuint(ex->calls, ==, 1);

    ex->answer_unknown = TRUE;
    h.now_us += MS(100);
    g_assert_cmpint(lookup_reason(&h, TCP, "127.0.0.1:7777", NULL), ==,
                    PM_REASON_REFRESH_SUPPRESSED);
    h.now_us += MS(200);
    g_assert_cmpint(lookup_reason(&h, TCP, "127.0.0.1:7777", NULL), ==, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 3);
    g_assert_cmpuint(ex->calls, ==, 3);
    harness_clear(&h);
}

/* A storm of misses to closed ports: exact_lookups_per_interval of them per
 * min_refresh_interval are answered NO_SOCKET, the rest suppressed; never a
 * refresh. */
static void
test_budget_per_interval(void)
{
    pm_watcher_config config;
    harness h;
    exact_backend *ex;
    guint no_socket = 0, suppressed = 0;

    pm_watcher_config_init(&config);
    g_assert_cmpuint(config.exact_lookups_per_interval, ==, 250);
    config.exact_lookups_per_interval = 10;
    ex = start_host(&h, &config);
    for (guint i = 0; i < 100; i++) {
        h.now_us += MS(10);   /* 1 s in all: 4 windows of 250 ms */
        switch (lookup_reason(&h, TCP, "127.0.0.1:7777", "127.0.0.1:50000")) {
        case PM_REASON_NO_SOCKET:
            no_socket++;
            break;
        case PM_REASON_REFRESH_SUPPRESSED:
            suppressed++;
            break;
        default:
            g_assert_not_reached();
        }
    }
    g_assert_cmpuint(no_socket, ==, 40);
    g_assert_cmpuint(suppressed, ==, 60);
    g_assert_cmpuint(ex->calls, ==, 40);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    g_assert_cmpuint(harness_stats(&h).refreshes_suppressed, ==, 60);
    harness_clear(&h);
}

/* min_refresh_interval 0 looks on every miss: no budget either. */
static void
test_interval_zero_has_no_budget(void)
{
    pm_watcher_config config;
    harness h;
    exact_backend *ex;

    pm_watcher_config_init(&config);
    config.min_refresh_interval_us = 0;
    config.exact_lookups_per_interval = 3;
    ex = start_host(&h, &config);
    h.now_us += SEC(1);
    for (guint i = 0; i < 20; i++)
        g_assert_cmpint(lookup_reason(&h, TCP, "127.0.0.1:7777", NULL), ==,
                        PM_REASON_NO_SOCKET);
    g_assert_cmpuint(ex->calls, ==, 20);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    harness_clear(&h);
}

/* exact_lookups_per_interval 0, or refresh_on_every_miss (Packetbeat's
 * rule): no lookups, misses refresh as before. */
static void
test_switched_off(void)
{
    for (int variant = 0; variant < 2; variant++) {
        pm_watcher_config config;
        harness h;
        exact_backend *ex;

        pm_watcher_config_init(&config);
        if (variant == 0)
            config.exact_lookups_per_interval = 0;
        else
            config.refresh_on_every_miss = TRUE;
        ex = start_host(&h, &config);
        h.now_us += SEC(1);
        g_assert_cmpint(lookup_reason(&h, TCP, "127.0.0.1:7777", NULL), ==,
                        PM_REASON_NO_SOCKET);
        g_assert_cmpuint(ex->calls, ==, 0);
        g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
        g_assert_cmpuint(harness_stats(&h).exact_lookups, ==, 0);
        harness_clear(&h);
    }
}

/* Not local: no lookup.  The first lookup ever refreshes (as always) and
 * asks nothing. */
static void
test_first_lookup_and_not_local(void)
{
    harness h;
    exact_backend *ex = exact_harness_init(&h, NULL);
    pm_endpoint_answer a;

    mock_add_local_address(h.mock, "10.0.0.5");
    harness_lookup(&h, TCP, "127.0.0.1:7777", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    pm_endpoint_answer_clear(&a);
    harness_lookup(&h, TCP, "192.0.2.1:7777", NULL, &a);
    assert_miss(&a, PM_REASON_NOT_LOCAL);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(ex->calls, ==, 0);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    harness_clear(&h);
}

/* IPv4 packet to a dual-stack "::" listener that appeared after the
 * refresh: found by the lookup, unknown owner, refreshed: DUAL_STACK. */
static void
test_dual_stack_new_listener(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    pm_endpoint_answer a;

    mock_add_process(h.mock, 40, "dual", "/usr/bin/dual", "dual", 4);
    mock_bind(h.mock, TCP, 40, "[::]:8443");
    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "127.0.0.1:8443", "127.0.0.1:50000", &a);
    assert_found(&a, PM_MATCH_DUAL_STACK, 40);
    g_assert_cmpuint(ex->calls, ==, 1);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* Without conntrack, an exact lookup's "no socket" does not settle a miss
 * the local-endpoint rule may answer: the table first, a refresh if it
 * knows nothing there.  With conntrack, it settles as ever. */
static void
test_absent_without_conntrack(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    pm_endpoint_answer a;

    /* A client to a DNAT'ed service, the table knows it. */
    mock_add_process(h.mock, 30, "curl", "/usr/bin/curl", "curl", 3);
    mock_connect(h.mock, TCP, 30, "127.0.0.1:41000", "10.96.0.10:443");
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    h.mock->conntrack_refusal = PM_CONNTRACK_NO_PERMISSION;
    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "127.0.0.1:41000", "127.0.0.5:8443", &a);
    assert_found(&a, PM_MATCH_LOCAL_ENDPOINT, 30);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(ex->calls, ==, 1);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);

    g_assert_cmpuint(harness_stats(&h).exact_lookup_answers, ==, 1);

    /* A new one the table does not know: the refresh finds it (the exact
     * lookup settled nothing). */
    mock_add_process(h.mock, 31, "curl", "/usr/bin/curl", "curl", 4);
    mock_connect(h.mock, TCP, 31, "127.0.0.1:41001", "10.96.0.10:443");
    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "127.0.0.1:41001", "127.0.0.5:8443", &a);
    assert_found(&a, PM_MATCH_LOCAL_ENDPOINT, 31);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 3);
    g_assert_cmpuint(harness_stats(&h).exact_lookup_answers, ==, 1);

    /* A closed port: the refresh rule, nothing found. */
    h.now_us += SEC(1);
    g_assert_cmpint(lookup_reason(&h, TCP, "127.0.0.1:7777", "127.0.0.1:50000"), ==,
                    PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 4);

    /* With conntrack: "no socket" settles, no refresh. */
    h.mock->conntrack_refusal = PM_CONNTRACK_FOUND;
    h.now_us += SEC(1);
    g_assert_cmpint(lookup_reason(&h, TCP, "127.0.0.1:7778", "127.0.0.1:50000"), ==,
                    PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 4);
    harness_clear(&h);
}

/* Without conntrack, a new connection on a local port the table knows for
 * another remote end is the kernel's socket, not the known one. */
static void
test_kernel_before_local_endpoint(void)
{
    harness h;
    exact_backend *ex = start_host(&h, NULL);
    pm_endpoint_answer a;

    h.mock->conntrack_refusal = PM_CONNTRACK_UNAVAILABLE;
    mock_add_process(h.mock, 30, "old", "/usr/bin/old", "old", 3);
    mock_connect(h.mock, TCP, 30, "127.0.0.1:41000", "127.0.0.7:80");
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    h.now_us += SEC(1);
    mock_add_process(h.mock, 31, "new", "/usr/bin/new", "new", 4);
    mock_connect(h.mock, TCP, 31, "127.0.0.1:41000", "127.0.0.8:80");
    harness_lookup(&h, TCP, "127.0.0.1:41000", "127.0.0.8:80", &a);
    assert_found(&a, PM_MATCH_TUPLE, 31);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(ex->calls, ==, 1);
    harness_clear(&h);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/watcher/exact/absent-answers-without-refresh",
                    test_absent_answers_without_refresh);
    g_test_add_func("/watcher/exact/table-newer-than-packet-asks-nothing",
                    test_table_newer_than_packet_asks_nothing);
    g_test_add_func("/watcher/exact/new-socket-refreshes", test_new_socket_refreshes);
    g_test_add_func("/watcher/exact/known-owner-answers-without-refresh",
                    test_known_owner_answers_without_refresh);
    g_test_add_func("/watcher/exact/stale-owner-refreshes", test_stale_owner_refreshes);
    g_test_add_func("/watcher/exact/listener-refreshes", test_listener_refreshes);
    g_test_add_func("/watcher/exact/ownerless-socket-refreshes", test_ownerless_socket_refreshes);
    g_test_add_func("/watcher/exact/unknown-goes-to-refresh-rule",
                    test_unknown_goes_to_refresh_rule);
    g_test_add_func("/watcher/exact/budget-per-interval", test_budget_per_interval);
    g_test_add_func("/watcher/exact/interval-zero-has-no-budget",
                    test_interval_zero_has_no_budget);
    g_test_add_func("/watcher/exact/switched-off", test_switched_off);
    g_test_add_func("/watcher/exact/first-lookup-and-not-local",
                    test_first_lookup_and_not_local);
    g_test_add_func("/watcher/exact/dual-stack-new-listener", test_dual_stack_new_listener);
    g_test_add_func("/watcher/exact/absent-without-conntrack", test_absent_without_conntrack);
    g_test_add_func("/watcher/exact/kernel-before-local-endpoint",
                    test_kernel_before_local_endpoint);
    return g_test_run();
}
