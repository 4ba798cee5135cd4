/* test_nat.c - NAT-aware attribution: the lookup order with conntrack
 * (tuple, conntrack, exact/any-address/dual-stack, local-endpoint) for
 * DNAT, SNAT/masquerade and port publishing at the client, the server and
 * a router; the local-endpoint rule only when conntrack cannot be asked,
 * and never where a local endpoint is shared; the cache and budget of
 * conntrack questions; addresses that appear while the watcher runs.
 *
 * The mock's conntrack table holds entries as the kernel shows them:
 * original tuple (the first packet as it arrived, before NAT) and reply
 * tuple (a reply as it will arrive, before NAT).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

#include <string.h>

#define TCP PM_TRANSPORT_TCP
#define UDP PM_TRANSPORT_UDP

/* This host: 10.0.0.1 (its LAN), 10.2.0.1 (its uplink, masqueraded to). */
static void
start(harness *h, const pm_watcher_config *config)
{
    harness_init(h, config);
    mock_add_local_address(h->mock, "10.0.0.1");
    mock_add_local_address(h->mock, "10.2.0.1");
    mock_add_local_address(h->mock, "10.1.0.1");
}

static void
assert_socket_ends(const pm_endpoint_answer *a, const char *local, const char *remote)
{
    pm_endpoint l = parse_endpoint(local), r = parse_endpoint(remote);

    g_assert_cmpint(a->nat, ==, PM_NAT_TRANSLATED);
    g_assert_true(pm_endpoint_equal(&a->socket_local, &l));
    g_assert_true(pm_endpoint_equal(&a->socket_remote, &r));
}

static void
lookup_tuple(harness *h, pm_transport t, const char *src, const char *dst,
             pm_tuple_answer *out)
{
    pm_endpoint s = parse_endpoint(src), d = parse_endpoint(dst);
    pm_watcher_lookup_tuple(h->watcher, t, &s, &d, h->now_us, out);
}

/* ---- DNAT: a client on this host to a service address (kube-proxy) ---- */

static void
add_service_client(harness *h)
{
    mock_add_process(h->mock, 100, "curl", "/usr/bin/curl", "curl https://10.96.0.10/", 1);
    mock_connect(h->mock, TCP, 100, "10.0.0.1:50001", "10.96.0.10:443");
    mock_add_connection(h->mock, TCP, "10.0.0.1:50001", "10.96.0.10:443",
                        "10.244.1.5:8443", "10.0.0.1:50001");
}

static void
test_dnat_client(void)
{
    harness h;
    pm_tuple_answer a;

    start(&h, NULL);
    add_service_client(&h);
    /* The request as captured: after DNAT, to the backend. */
    lookup_tuple(&h, TCP, "10.0.0.1:50001", "10.244.1.5:8443", &a);
    assert_found(&a.src, PM_MATCH_CONNTRACK, 100);
    assert_socket_ends(&a.src, "10.0.0.1:50001", "10.96.0.10:443");
    assert_match((&(pm_endpoint_answer){ .match = a.src.socket_match }), PM_MATCH_TUPLE);
    assert_miss(&a.dst, PM_REASON_NOT_LOCAL);
    pm_tuple_answer_clear(&a);
    /* The reply: the same question, answered from the cache. */
    lookup_tuple(&h, TCP, "10.244.1.5:8443", "10.0.0.1:50001", &a);
    assert_miss(&a.src, PM_REASON_NOT_LOCAL);
    assert_found(&a.dst, PM_MATCH_CONNTRACK, 100);
    pm_tuple_answer_clear(&a);
    g_assert_cmpuint(h.mock->find_connection_calls, ==, 1);
    g_assert_cmpuint(harness_stats(&h).conntrack_lookups, ==, 1);
    g_assert_cmpuint(harness_stats(&h).conntrack_cache_hits, ==, 1);
    g_assert_cmpuint(harness_stats(&h).conntrack_translations, ==, 2);
    g_assert_cmpuint(harness_stats(&h).local_endpoint_answers, ==, 0);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    harness_clear(&h);
}

/* Client and server on this host (DNAT to a local address): the client end
 * through conntrack, the server end by its own tuple without asking. */
static void
test_dnat_hairpin(void)
{
    harness h;
    pm_tuple_answer a;

    start(&h, NULL);
    mock_add_process(h.mock, 500, "client", "/usr/bin/client", "client", 1);
    mock_add_process(h.mock, 501, "server", "/usr/bin/server", "server", 1);
    mock_connect(h.mock, TCP, 500, "10.0.0.1:50002", "10.96.0.11:80");
    mock_bind(h.mock, TCP, 501, "10.0.0.1:8081");
    mock_connect(h.mock, TCP, 501, "10.0.0.1:8081", "10.0.0.1:50002");
    mock_add_connection(h.mock, TCP, "10.0.0.1:50002", "10.96.0.11:80", "10.0.0.1:8081",
                        "10.0.0.1:50002");
    lookup_tuple(&h, TCP, "10.0.0.1:50002", "10.0.0.1:8081", &a);
    assert_found(&a.src, PM_MATCH_CONNTRACK, 500);
    assert_found(&a.dst, PM_MATCH_TUPLE, 501);
    g_assert_cmpint(a.dst.nat, ==, PM_NAT_NOT_ASKED);
    pm_tuple_answer_clear(&a);
    g_assert_cmpuint(h.mock->find_connection_calls, ==, 1);
    harness_clear(&h);
}

/* ---- port publishing, DNAT at the server's host ---- */

/* Published to a container: a listener of the host's port here (like
 * docker-proxy) never receives what the rule sends to the container. */
static void
test_published_to_container_is_not_stolen(void)
{
    harness h;
    pm_endpoint_answer a;

    start(&h, NULL);
    mock_add_process(h.mock, 200, "docker-proxy", "/usr/bin/docker-proxy",
                     "docker-proxy -host-port 8080", 1);
    mock_bind(h.mock, TCP, 200, "0.0.0.0:8080");
    mock_add_connection(h.mock, TCP, "198.51.100.7:33000", "10.0.0.1:8080", "172.17.0.2:80",
                        "198.51.100.7:33000");
    harness_lookup(&h, TCP, "10.0.0.1:8080", "198.51.100.7:33000", &a);
    assert_miss(&a, PM_REASON_FORWARDED);
    assert_socket_ends(&a, "172.17.0.2:80", "198.51.100.7:33000");
    /* Without a NAT rule for it, the listener answers as ever. */
    pm_endpoint_answer_clear(&a);
    harness_lookup(&h, TCP, "10.0.0.1:8080", "198.51.100.8:33000", &a);
    assert_found(&a, PM_MATCH_ANY, 200);
    g_assert_cmpint(a.nat, ==, PM_NAT_NONE);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* Published to a process of this host on another port (a REDIRECT): its
 * socket answers, not the listener of the published port. */
static void
test_published_to_local_port(void)
{
    harness h;
    pm_endpoint_answer a;

    start(&h, NULL);
    mock_add_process(h.mock, 300, "nginx", "/usr/sbin/nginx", "nginx", 1);
    mock_add_process(h.mock, 301, "other", "/usr/bin/other", "other", 1);
    mock_bind(h.mock, TCP, 300, "0.0.0.0:80");
    mock_bind(h.mock, TCP, 301, "0.0.0.0:8080");
    mock_add_connection(h.mock, TCP, "198.51.100.7:40000", "10.0.0.1:8080", "10.0.0.1:80",
                        "198.51.100.7:40000");
    /* Before the accepted socket is known: the listener it went to. */
    harness_lookup(&h, TCP, "10.0.0.1:8080", "198.51.100.7:40000", &a);
    assert_found(&a, PM_MATCH_CONNTRACK, 300);
    g_assert_cmpint(a.socket_match, ==, PM_MATCH_ANY);
    pm_endpoint_answer_clear(&a);
    /* Accepted, then seen by a refresh: its own socket. */
    mock_connect(h.mock, TCP, 300, "10.0.0.1:80", "198.51.100.7:40000");
    h.now_us += SEC(1);
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    harness_lookup(&h, TCP, "10.0.0.1:8080", "198.51.100.7:40000", &a);
    assert_found(&a, PM_MATCH_CONNTRACK, 300);
    g_assert_cmpint(a.socket_match, ==, PM_MATCH_TUPLE);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* ---- SNAT / masquerade ---- */

static void
test_snat_client(void)
{
    harness h;
    pm_tuple_answer a;

    start(&h, NULL);
    mock_add_process(h.mock, 400, "wget", "/usr/bin/wget", "wget", 1);
    mock_connect(h.mock, TCP, 400, "10.1.0.1:40000", "192.0.2.9:80");
    /* Masqueraded to the uplink's address, the port changed too. */
    mock_add_connection(h.mock, TCP, "10.1.0.1:40000", "192.0.2.9:80", "192.0.2.9:80",
                        "10.2.0.1:61000");
    lookup_tuple(&h, TCP, "10.2.0.1:61000", "192.0.2.9:80", &a);
    assert_found(&a.src, PM_MATCH_CONNTRACK, 400);
    assert_socket_ends(&a.src, "10.1.0.1:40000", "192.0.2.9:80");
    assert_miss(&a.dst, PM_REASON_NOT_LOCAL);
    pm_tuple_answer_clear(&a);
    harness_clear(&h);
}

/* A router masquerading for a container or VM: the translated source is
 * this host's, the client is not - whatever listens on that port here. */
static void
test_masquerade_for_others(void)
{
    harness h;
    pm_endpoint_answer a;

    start(&h, NULL);
    mock_add_process(h.mock, 401, "listener", "/usr/bin/listener", "listener", 1);
    mock_bind(h.mock, TCP, 401, "0.0.0.0:61001");
    mock_add_connection(h.mock, TCP, "10.3.0.2:40000", "192.0.2.9:80", "192.0.2.9:80",
                        "10.2.0.1:61001");
    harness_lookup(&h, TCP, "10.2.0.1:61001", "192.0.2.9:80", &a);
    assert_miss(&a, PM_REASON_FORWARDED);
    assert_socket_ends(&a, "10.3.0.2:40000", "192.0.2.9:80");
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* A translated socket that is gone: no socket - not a listener of the
 * wire's port, not the local-endpoint rule. */
static void
test_translated_socket_missing(void)
{
    harness h;
    pm_endpoint_answer a;

    start(&h, NULL);
    mock_add_process(h.mock, 301, "other", "/usr/bin/other", "other", 1);
    mock_bind(h.mock, TCP, 301, "0.0.0.0:8080");
    mock_add_connection(h.mock, TCP, "198.51.100.7:40000", "10.0.0.1:8080", "10.0.0.1:80",
                        "198.51.100.7:40000");
    harness_lookup(&h, TCP, "10.0.0.1:8080", "198.51.100.7:40000", &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpint(a.nat, ==, PM_NAT_TRANSLATED);
    harness_clear(&h);
}

/* IPv6 and UDP: a DNS client to a service address. */
static void
test_dnat_ipv6_udp(void)
{
    harness h;
    pm_endpoint_answer a;

    start(&h, NULL);
    mock_add_local_address(h.mock, "fd00::1");
    mock_add_process(h.mock, 700, "dig", "/usr/bin/dig", "dig", 1);
    mock_connect(h.mock, UDP, 700, "[fd00::1]:40000", "[fd00:96::a]:53");
    mock_add_connection(h.mock, UDP, "[fd00::1]:40000", "[fd00:96::a]:53",
                        "[fd00:244::5]:5353", "[fd00::1]:40000");
    harness_lookup(&h, UDP, "[fd00::1]:40000", "[fd00:244::5]:5353", &a);
    assert_found(&a, PM_MATCH_CONNTRACK, 700);
    pm_endpoint_answer_clear(&a);
    /* TCP of the same ends is another connection. */
    harness_lookup(&h, TCP, "[fd00::1]:40000", "[fd00:244::5]:5353", &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    harness_clear(&h);
}

/* ---- what conntrack says is final ---- */

/* Not translated (or not tracked): a connected socket answers only for its
 * own tuple, whatever the local endpoint says. */
static void
test_untranslated_is_final(void)
{
    harness h;
    pm_endpoint_answer a;

    start(&h, NULL);
    mock_add_process(h.mock, 600, "client", "/usr/bin/client", "client", 1);
    mock_connect(h.mock, TCP, 600, "10.0.0.1:50003", "10.0.0.9:80");
    harness_lookup(&h, TCP, "10.0.0.1:50003", "10.0.0.8:80", &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpint(a.nat, ==, PM_NAT_NONE);
    mock_add_connection(h.mock, TCP, "10.0.0.1:50003", "10.0.0.7:80", "10.0.0.7:80",
                        "10.0.0.1:50003");
    harness_lookup(&h, TCP, "10.0.0.1:50003", "10.0.0.7:80", &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpint(a.nat, ==, PM_NAT_NONE);
    g_assert_cmpuint(harness_stats(&h).local_endpoint_answers, ==, 0);
    harness_clear(&h);
}

/* ---- the local-endpoint rule, when conntrack cannot be asked ---- */

static void
test_local_endpoint_without_conntrack(void)
{
    static const pm_conntrack_result refusals[] = {
        PM_CONNTRACK_NO_PERMISSION, PM_CONNTRACK_UNAVAILABLE, PM_CONNTRACK_FAILED };
    static const pm_nat_state states[] = {
        PM_NAT_NO_PERMISSION, PM_NAT_UNAVAILABLE, PM_NAT_FAILED };

    for (gsize i = 0; i < G_N_ELEMENTS(refusals); i++) {
        harness h;
        pm_tuple_answer a;

        start(&h, NULL);
        add_service_client(&h);
        h.mock->conntrack_refusal = refusals[i];
        lookup_tuple(&h, TCP, "10.0.0.1:50001", "10.244.1.5:8443", &a);
        assert_found(&a.src, PM_MATCH_LOCAL_ENDPOINT, 100);
        g_assert_cmpint(a.src.nat, ==, states[i]);
        assert_miss(&a.dst, PM_REASON_NOT_LOCAL);
        pm_tuple_answer_clear(&a);
        g_assert_cmpuint(harness_stats(&h).local_endpoint_answers, ==, 1);
        /* Nothing cached: a refusal is the backend's to remember. */
        lookup_tuple(&h, TCP, "10.244.1.5:8443", "10.0.0.1:50001", &a);
        assert_found(&a.dst, PM_MATCH_LOCAL_ENDPOINT, 100);
        pm_tuple_answer_clear(&a);
        g_assert_cmpuint(h.mock->find_connection_calls, ==, 2);
        harness_clear(&h);
    }
}

/* A backend that cannot ask conntrack at all (procfs): the same. */
static void
test_local_endpoint_without_find_connection(void)
{
    static pm_backend_ops ops;
    harness h;
    pm_endpoint_answer a;

    start(&h, NULL);
    add_service_client(&h);
    ops = *h.mock->base.ops;
    ops.find_connection = NULL;
    h.mock->base.ops = &ops;
    harness_lookup(&h, TCP, "10.0.0.1:50001", "10.244.1.5:8443", &a);
    assert_found(&a, PM_MATCH_LOCAL_ENDPOINT, 100);
    g_assert_cmpint(a.nat, ==, PM_NAT_UNAVAILABLE);
    pm_endpoint_answer_clear(&a);
    /* Without a remote end there is nothing to translate or compare. */
    harness_lookup(&h, TCP, "10.0.0.1:50001", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpint(a.nat, ==, PM_NAT_NOT_ASKED);
    harness_clear(&h);
}

/* A listener's accepted sockets share its local endpoint: the rule never
 * picks one of them; the listener answers while it lives (the prefork
 * rule), nobody after. */
static void
test_local_endpoint_refused_when_shared(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 listener, first;

    start(&h, NULL);
    h.mock->conntrack_refusal = PM_CONNTRACK_NO_PERMISSION;
    mock_add_process(h.mock, 800, "master", "/usr/sbin/httpd", "httpd", 1);
    mock_add_process(h.mock, 801, "worker", "/usr/sbin/httpd", "httpd", 2);
    mock_add_process(h.mock, 802, "worker", "/usr/sbin/httpd", "httpd", 3);
    listener = mock_bind(h.mock, TCP, 800, "10.0.0.1:9000");
    first = mock_connect(h.mock, TCP, 801, "10.0.0.1:9000", "10.0.0.21:40000");
    mock_connect(h.mock, TCP, 802, "10.0.0.1:9000", "10.0.0.22:40000");
    harness_lookup(&h, TCP, "10.0.0.1:9000", "10.0.0.23:40000", &a);
    assert_found(&a, PM_MATCH_EXACT, 800);
    pm_endpoint_answer_clear(&a);
    /* The listener closed, and gone from the table after mapping_ttl. */
    mock_close_socket(h.mock, listener);
    h.now_us += SEC(11);
    harness_lookup(&h, TCP, "10.0.0.1:9000", "10.0.0.23:40000", &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    /* Each connection still answers for itself. */
    harness_lookup(&h, TCP, "10.0.0.1:9000", "10.0.0.22:40000", &a);
    assert_found(&a, PM_MATCH_TUPLE, 802);
    pm_endpoint_answer_clear(&a);
    /* Down to one connection (the other gone past mapping_ttl): it is the
     * only connected socket there, and the rule names it. */
    mock_close_socket(h.mock, first);
    h.now_us += SEC(11);
    harness_lookup(&h, TCP, "10.0.0.1:9000", "10.0.0.23:40000", &a);
    assert_found(&a, PM_MATCH_LOCAL_ENDPOINT, 802);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* Without exact lookups (procfs), a packet newer than the table refreshes
 * it (rate-limited), which finds the only socket; a packet the table is
 * newer than is answered from it. */
static void
test_local_endpoint_refresh_rule(void)
{
    harness h;
    pm_endpoint_answer a;
    gint64 refreshed;

    start(&h, NULL);
    h.mock->conntrack_refusal = PM_CONNTRACK_NO_PERMISSION;
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    h.now_us += SEC(1);
    add_service_client(&h);
    harness_lookup(&h, TCP, "10.0.0.1:50001", "10.244.1.5:8443", &a);
    assert_found(&a, PM_MATCH_LOCAL_ENDPOINT, 100);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    /* Dissected later, captured before that refresh: no refresh. */
    refreshed = h.now_us;
    h.now_us += SEC(1);
    harness_lookup_at(&h, TCP, "10.0.0.1:50001", "10.244.1.5:8443", refreshed - MS(500), &a);
    assert_found(&a, PM_MATCH_LOCAL_ENDPOINT, 100);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 2);
    /* A new connection 100 ms after a refresh: suppressed, then found. */
    mock_add_process(h.mock, 101, "curl", "/usr/bin/curl", "curl", 2);
    mock_connect(h.mock, TCP, 101, "10.0.0.1:50009", "10.96.0.10:443");
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    mock_add_process(h.mock, 102, "curl", "/usr/bin/curl", "curl", 3);
    mock_connect(h.mock, TCP, 102, "10.0.0.1:50010", "10.96.0.10:443");
    h.now_us += MS(100);
    harness_lookup(&h, TCP, "10.0.0.1:50010", "10.244.1.5:8443", &a);
    assert_miss(&a, PM_REASON_REFRESH_SUPPRESSED);
    /* ... while one the table knows answers even then. */
    harness_lookup(&h, TCP, "10.0.0.1:50009", "10.244.1.5:8443", &a);
    assert_found(&a, PM_MATCH_LOCAL_ENDPOINT, 101);
    pm_endpoint_answer_clear(&a);
    h.now_us += MS(200);
    harness_lookup(&h, TCP, "10.0.0.1:50010", "10.244.1.5:8443", &a);
    assert_found(&a, PM_MATCH_LOCAL_ENDPOINT, 102);
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* ---- cache and budget ---- */

static void
test_cache_judged_at_packet_time(void)
{
    harness h;
    pm_endpoint_answer a;
    gint64 asked;

    start(&h, NULL);
    add_service_client(&h);
    harness_lookup(&h, TCP, "10.0.0.1:50001", "10.244.1.5:8443", &a);
    assert_found(&a, PM_MATCH_CONNTRACK, 100);
    pm_endpoint_answer_clear(&a);
    asked = h.now_us;
    /* Dissected 20 s later, a packet of 5 s after the question: cached. */
    h.now_us += SEC(20);
    harness_lookup_at(&h, TCP, "10.0.0.1:50001", "10.244.1.5:8443", asked + SEC(5), &a);
    assert_found(&a, PM_MATCH_CONNTRACK, 100);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(h.mock->find_connection_calls, ==, 1);
    /* A packet past mapping_ttl: asked again. */
    harness_lookup(&h, TCP, "10.0.0.1:50001", "10.244.1.5:8443", &a);
    assert_found(&a, PM_MATCH_CONNTRACK, 100);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(h.mock->find_connection_calls, ==, 2);
    /* Absent answers are cached too. */
    harness_lookup(&h, TCP, "10.0.0.1:50001", "10.244.1.6:8443", &a);
    harness_lookup(&h, TCP, "10.0.0.1:50001", "10.244.1.6:8443", &a);
    g_assert_cmpuint(h.mock->find_connection_calls, ==, 3);
    /* A flush forgets them. */
    pm_watcher_flush(h.watcher);
    harness_lookup(&h, TCP, "10.0.0.1:50001", "10.244.1.6:8443", &a);
    g_assert_cmpuint(h.mock->find_connection_calls, ==, 4);
    harness_clear(&h);
}

static void
test_budget(void)
{
    pm_watcher_config config;
    harness h;
    pm_endpoint_answer a;
    char remote[32];

    pm_watcher_config_init(&config);
    config.exact_lookups_per_interval = 3;
    start(&h, &config);
    add_service_client(&h);
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    /* Three questions in a window; the fourth is not asked: the lookup
     * falls back as without conntrack. */
    for (int i = 0; i < 3; i++) {
        g_snprintf(remote, sizeof remote, "10.244.9.%d:8443", i + 1);
        harness_lookup(&h, TCP, "10.0.0.1:50001", remote, &a);
        g_assert_cmpint(a.nat, ==, PM_NAT_NONE);
        pm_endpoint_answer_clear(&a);
    }
    harness_lookup(&h, TCP, "10.0.0.1:50001", "10.244.1.5:8443", &a);
    g_assert_cmpint(a.nat, ==, PM_NAT_BUSY);
    assert_found(&a, PM_MATCH_LOCAL_ENDPOINT, 100);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(h.mock->find_connection_calls, ==, 3);
    /* The next window asks again. */
    h.now_us += MS(250);
    harness_lookup(&h, TCP, "10.0.0.1:50001", "10.244.1.5:8443", &a);
    assert_found(&a, PM_MATCH_CONNTRACK, 100);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(h.mock->find_connection_calls, ==, 4);
    harness_clear(&h);
}

/* ---- new addresses ---- */

static void
test_new_address_with_notifications(void)
{
    harness h;
    pm_endpoint_answer a;

    start(&h, NULL);
    h.mock->follows_addresses = TRUE;
    mock_add_process(h.mock, 900, "server", "/usr/bin/server", "server", 1);
    mock_bind(h.mock, TCP, 900, "0.0.0.0:80");
    harness_lookup(&h, TCP, "10.5.5.5:80", "10.0.0.9:4000", &a);
    assert_miss(&a, PM_REASON_NOT_LOCAL);
    /* Nothing changed: asked, not read. */
    h.now_us += MS(10);
    harness_lookup(&h, TCP, "10.5.5.5:80", "10.0.0.9:4000", &a);
    assert_miss(&a, PM_REASON_NOT_LOCAL);
    g_assert_cmpuint(harness_stats(&h).address_reads, ==, 0);
    g_assert_cmpuint(h.mock->list_local_addresses_calls, ==, 1);
    /* Added: the next packet of it, 10 ms later, is looked up. */
    mock_add_local_address(h.mock, "10.5.5.5");
    h.now_us += MS(10);
    harness_lookup(&h, TCP, "10.5.5.5:80", "10.0.0.9:4000", &a);
    assert_found(&a, PM_MATCH_ANY, 900);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).address_reads, ==, 1);
    g_assert_cmpuint(harness_stats(&h).refreshes, ==, 1);
    /* And one more, 10 ms later still: notifications are not rate-limited. */
    mock_add_local_address(h.mock, "10.5.5.6");
    h.now_us += MS(10);
    harness_lookup(&h, TCP, "10.5.5.6:80", "10.0.0.9:4000", &a);
    assert_found(&a, PM_MATCH_ANY, 900);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(harness_stats(&h).address_checks, ==, 4);
    harness_clear(&h);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nat/dnat/client", test_dnat_client);
    g_test_add_func("/nat/dnat/hairpin", test_dnat_hairpin);
    g_test_add_func("/nat/dnat/ipv6-udp", test_dnat_ipv6_udp);
    g_test_add_func("/nat/published/to-container", test_published_to_container_is_not_stolen);
    g_test_add_func("/nat/published/to-local-port", test_published_to_local_port);
    g_test_add_func("/nat/snat/client", test_snat_client);
    g_test_add_func("/nat/snat/for-others", test_masquerade_for_others);
    g_test_add_func("/nat/translated-socket-missing", test_translated_socket_missing);
    g_test_add_func("/nat/untranslated-is-final", test_untranslated_is_final);
    g_test_add_func("/nat/local-endpoint/without-conntrack", test_local_endpoint_without_conntrack);
    g_test_add_func("/nat/local-endpoint/without-find-connection",
                    test_local_endpoint_without_find_connection);
    g_test_add_func("/nat/local-endpoint/refused-when-shared",
                    test_local_endpoint_refused_when_shared);
    g_test_add_func("/nat/local-endpoint/refresh-rule", test_local_endpoint_refresh_rule);
    g_test_add_func("/nat/cache", test_cache_judged_at_packet_time);
    g_test_add_func("/nat/budget", test_budget);
    g_test_add_func("/nat/new-address", test_new_address_with_notifications);
    return g_test_run();
}
