/* test_lookup.c - lookup order: Packetbeat's TestFindProcessTuple cases
 * (spec §2.1), a prefork server, v4-mapped and dual-stack sockets, TIME_WAIT.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

#include <string.h>

#define TCP PM_TRANSPORT_TCP
#define UDP PM_TRANSPORT_UDP

/* ---- §2.1: the 11 cases of TestFindProcessTuple ---- */

static const pm_alias_rule packetbeat_aliases[] = {
    { "nc ", "NetCat" },   /* trailing space, as upstream */
    { "curl", "Curl" },
    { "nmap", "NMap" },
};

/* The upstream mock host.  comm is what the kernel would show (15 bytes at
 * most: "myexternal_service" is truncated, its exe gives the full name). */
static void
setup_packetbeat_host(mock_backend *m)
{
    guint64 ipv6_only;

    mock_add_local_address(m, "127.0.0.1");
    mock_add_local_address(m, "192.168.1.1");
    mock_add_local_address(m, "7777::33");

    mock_add_process(m, 9997, "mylocal_service", "/usr/bin/mylocal_service",
                     "/usr/bin/mylocal_service", 1000);
    mock_bind(m, TCP, 9997, "127.0.0.1:38842");
    mock_add_process(m, 9998, "myexternal_serv", "/usr/local/bin/myexternal_service",
                     "/usr/local/bin/myexternal_service", 1000);
    mock_bind(m, TCP, 9998, "192.168.1.1:38842");
    mock_add_process(m, 9999, "ipv6_only_app", "/opt/someapp/ipv6_only_app",
                     "/opt/someapp/ipv6_only_app", 1000);
    ipv6_only = mock_bind(m, TCP, 9999, "[::]:38842");
    mock_socket(m, ipv6_only)->v6only = PM_V6ONLY_YES;
    mock_add_process(m, 101, "curl", "/usr/bin/curl",
                     "curl -o /dev/null http://example.net/", 1000);
    mock_bind(m, TCP, 101, "0.0.0.0:65535");
    mock_add_process(m, 102, "webbrowser", "/usr/X11/bin/webbrowser",
                     "/usr/X11/bin/webbrowser", 1000);
    mock_bind(m, TCP, 102, "0.0.0.0:3201");
    mock_bind(m, TCP, 102, "[::]:3201");
    mock_bind(m, TCP, 102, "0.0.0.0:3202");
    mock_bind(m, TCP, 102, "0.0.0.0:3203");
    mock_add_process(m, 105, "nc", "/usr/bin/nc", "nc -v -l -p 80", 1000);
    mock_bind(m, TCP, 105, "0.0.0.0:80");
    mock_add_process(m, 333, "bind", "/usr/sbin/bind", "bind", 1000);
    mock_bind(m, UDP, 333, "[::]:53");
}

/* Case 7's preAction: a process that appears after startup. */
static void
add_nmap(mock_backend *m)
{
    mock_add_process(m, 555, "nmap", "/usr/bin/nmap", "/usr/bin/nmap -sT -P443 10.0.0.0/8",
                     5000);
    mock_bind(m, TCP, 555, "[::]:55555");
}

typedef struct {
    pm_reason   reason;
    pm_match    match;
    gint32      pid;       /* 0: no process */
    const char *name;
    const char *args;
    gboolean    aliased;
} end_expect;

typedef struct {
    const char  *title;
    pm_transport transport;
    const char  *src_addr;   /* as text, possibly non-canonical */
    guint16      src_port;
    const char  *dst_addr;
    guint16      dst_port;
    gboolean     add_nmap;
    guint        refreshes;  /* caused by this packet after the startup refresh */
    end_expect   src;
    end_expect   dst;
} tuple_case;

#define NOT_LOCAL { PM_REASON_NOT_LOCAL, PM_MATCH_NONE, 0, NULL, NULL, FALSE }
#define NO_SOCKET { PM_REASON_NO_SOCKET, PM_MATCH_NONE, 0, NULL, NULL, FALSE }
#define WEBBROWSER { PM_REASON_FOUND, PM_MATCH_ANY, 102, "webbrowser", \
                     "/usr/X11/bin/webbrowser", FALSE }
#define NETCAT { PM_REASON_FOUND, PM_MATCH_ANY, 105, "NetCat", "nc -v -l -p 80", TRUE }

static const tuple_case packetbeat_cases[] = {
    { "1 unrelated local HTTP client", TCP, "127.0.0.1", 12345, "1.2.3.4", 80, FALSE, 1,
      NO_SOCKET, NOT_LOCAL },
    { "2 web browser (IPv6, non-canonical text)", TCP, "7777::0:33", 3201,
      "1234:1234::AAAA", 443, FALSE, 0, WEBBROWSER, NOT_LOCAL },
    { "3 curl request", TCP, "192.168.1.1", 65535, "1.1.1.1", 80, FALSE, 0,
      { PM_REASON_FOUND, PM_MATCH_ANY, 101, "Curl", "curl -o /dev/null http://example.net/",
        TRUE },
      NOT_LOCAL },
    { "4 unrelated UDP using the same port as TCP", UDP, "192.168.1.1", 65535, "1.1.1.1", 80,
      FALSE, 1, NO_SOCKET, NOT_LOCAL },
    { "5 local web browser to netcat server", TCP, "127.0.0.1", 3202, "127.0.0.1", 80, FALSE,
      0, WEBBROWSER, NETCAT },
    { "6 external to netcat server", TCP, "192.168.1.2", 3203, "192.168.1.1", 80, FALSE, 0,
      NOT_LOCAL, NETCAT },
    { "7 new client", TCP, "7777::33", 55555, "10.1.2.3", 443, TRUE, 1,
      { PM_REASON_FOUND, PM_MATCH_ANY, 555, "NMap", "/usr/bin/nmap -sT -P443 10.0.0.0/8",
        TRUE },
      NOT_LOCAL },
    { "8 DNS request (UDP)", UDP, "1234:5678::55", 533, "7777::33", 53, FALSE, 0, NOT_LOCAL,
      { PM_REASON_FOUND, PM_MATCH_ANY, 333, "bind", "bind", FALSE } },
    { "9 local bound port", TCP, "127.0.0.1", 38841, "127.0.0.1", 38842, FALSE, 1, NO_SOCKET,
      { PM_REASON_FOUND, PM_MATCH_EXACT, 9997, "mylocal_service", "/usr/bin/mylocal_service",
        FALSE } },
    { "10 network bound port", TCP, "192.168.255.37", 65535, "192.168.1.1", 38842, FALSE, 0,
      NOT_LOCAL,
      { PM_REASON_FOUND, PM_MATCH_EXACT, 9998, "myexternal_service",
        "/usr/local/bin/myexternal_service", FALSE } },
    { "11 IPv6 bound port", TCP, "7fff::11", 38842, "7777::33", 38842, FALSE, 0, NOT_LOCAL,
      { PM_REASON_FOUND, PM_MATCH_ANY, 9999, "ipv6_only_app", "/opt/someapp/ipv6_only_app",
        FALSE } },
};

static pm_endpoint
endpoint_of(const char *addr_text, guint16 port)
{
    pm_endpoint ep;

    memset(&ep, 0, sizeof ep);
    g_assert_true(pm_addr_parse(addr_text, &ep.addr));
    ep.port = port;
    return ep;
}

static void
check_end(const char *title, const char *side, const pm_endpoint_answer *got,
          const end_expect *want)
{
    g_test_message("case %s, %s: %s/%s", title, side, pm_reason_name(got->reason),
                   pm_match_name(got->match));
    assert_reason(got, want->reason);
    assert_match(got, want->match);
    if (want->pid == 0) {
        g_assert_null(got->process);
        g_assert_cmpuint(got->owner_count, ==, 0);
        return;
    }
    g_assert_nonnull(got->process);
    g_assert_cmpint(got->process->pid, ==, want->pid);
    g_assert_cmpstr(got->process->name, ==, want->name);
    g_assert_cmpstr(got->process->args, ==, want->args);
    g_assert_cmpint(got->process->aliased, ==, want->aliased);
    g_assert_cmpuint(got->owner_count, ==, 1);
}

static void
run_case(harness *h, const tuple_case *c)
{
    pm_endpoint src = endpoint_of(c->src_addr, c->src_port);
    pm_endpoint dst = endpoint_of(c->dst_addr, c->dst_port);
    pm_tuple_answer answer;

    memset(&answer, 0, sizeof answer);
    pm_watcher_lookup_tuple(h->watcher, c->transport, &src, &dst, h->now_us, &answer);
    check_end(c->title, "src", &answer.src, &c->src);
    check_end(c->title, "dst", &answer.dst, &c->dst);
    pm_tuple_answer_clear(&answer);
    g_assert_null(answer.src.process);
    g_assert_null(answer.dst.process);
}

/* Each case on a fresh watcher: startup refresh at T0, packet at T0 + 1 s. */
static void
test_packetbeat_cases_isolated(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(packetbeat_cases); i++) {
        const tuple_case *c = &packetbeat_cases[i];
        harness h;
        guint64 before;

        harness_init(&h, NULL);
        setup_packetbeat_host(h.mock);
        pm_watcher_set_aliases(h.watcher, packetbeat_aliases, G_N_ELEMENTS(packetbeat_aliases));
        g_assert_true(pm_watcher_refresh(h.watcher, NULL));
        h.now_us += SEC(1);
        if (c->add_nmap)
            add_nmap(h.mock);
        before = harness_stats(&h).refreshes;
        run_case(&h, c);
        g_assert_cmpuint(harness_stats(&h).refreshes - before, ==, c->refreshes);
        g_assert_cmpuint(mock_refresh_count(h.mock), ==, 1 + c->refreshes);
        harness_clear(&h);
    }
}

/* All cases in order on one watcher, one second apart, no startup refresh:
 * the answers must not depend on what earlier cases left in the tables. */
static void
test_packetbeat_cases_sequential(void)
{
    harness h;

    harness_init(&h, NULL);
    setup_packetbeat_host(h.mock);
    pm_watcher_set_aliases(h.watcher, packetbeat_aliases, G_N_ELEMENTS(packetbeat_aliases));
    for (guint i = 0; i < G_N_ELEMENTS(packetbeat_cases); i++) {
        h.now_us += SEC(1);
        if (packetbeat_cases[i].add_nmap)
            add_nmap(h.mock);
        run_case(&h, &packetbeat_cases[i]);
    }
    harness_clear(&h);
}

/* ---- a prefork server ---- */

enum { MASTER = 1000, WORKER1 = 1001, WORKER2 = 1002, CLIENT1 = 2001, CLIENT2 = 2002 };

static guint64
setup_prefork(mock_backend *m)
{
    guint64 listener;

    mock_add_local_address(m, "192.168.1.1");
    mock_add_process(m, MASTER, "httpd", "/usr/sbin/httpd", "/usr/sbin/httpd -k start", 100);
    mock_add_process(m, WORKER1, "httpd", "/usr/sbin/httpd", "/usr/sbin/httpd -k start", 200);
    mock_add_process(m, WORKER2, "httpd", "/usr/sbin/httpd", "/usr/sbin/httpd -k start", 300);
    mock_add_process(m, CLIENT1, "curl", "/usr/bin/curl", "curl http://127.0.0.1:8080/", 400);
    mock_add_process(m, CLIENT2, "wget", "/usr/bin/wget", "wget http://127.0.0.1:8080/", 500);
    /* The workers are listed first, as a scan in another order would. */
    listener = mock_bind(m, TCP, WORKER2, "0.0.0.0:8080");
    mock_add_owner(m, listener, WORKER1);
    mock_add_owner(m, listener, MASTER);
    mock_connect(m, TCP, WORKER1, "127.0.0.1:8080", "127.0.0.1:50001");
    mock_connect(m, TCP, CLIENT1, "127.0.0.1:50001", "127.0.0.1:8080");
    mock_connect(m, TCP, WORKER2, "127.0.0.1:8080", "127.0.0.1:50002");
    mock_connect(m, TCP, CLIENT2, "127.0.0.1:50002", "127.0.0.1:8080");
    return listener;
}

static void
lookup_tuple(harness *h, const char *src, const char *dst, pm_tuple_answer *out)
{
    pm_endpoint s = parse_endpoint(src), d = parse_endpoint(dst);

    memset(out, 0, sizeof *out);
    pm_watcher_lookup_tuple(h->watcher, TCP, &s, &d, h->now_us, out);
}

static void
test_prefork_connections(void)
{
    harness h;
    pm_tuple_answer a;
    guint64 listener;

    harness_init(&h, NULL);
    listener = setup_prefork(h.mock);

    lookup_tuple(&h, "127.0.0.1:50001", "127.0.0.1:8080", &a);
    assert_found(&a.src, PM_MATCH_TUPLE, CLIENT1);
    assert_found(&a.dst, PM_MATCH_TUPLE, WORKER1);
    g_assert_cmpuint(a.dst.owner_count, ==, 1);
    pm_tuple_answer_clear(&a);

    lookup_tuple(&h, "127.0.0.1:8080", "127.0.0.1:50002", &a);
    assert_found(&a.src, PM_MATCH_TUPLE, WORKER2);
    assert_found(&a.dst, PM_MATCH_TUPLE, CLIENT2);
    pm_tuple_answer_clear(&a);

    /* A new connection to another local address: only the listener has it. */
    h.now_us += SEC(1);
    lookup_tuple(&h, "192.168.1.1:50003", "192.168.1.1:8080", &a);
    assert_miss(&a.src, PM_REASON_NO_SOCKET);
    assert_found(&a.dst, PM_MATCH_ANY, MASTER);
    g_assert_cmpuint(a.dst.owner_count, ==, 3);
    g_assert_cmpuint(a.dst.inode, ==, listener);
    pm_tuple_answer_clear(&a);
    harness_clear(&h);
}

/* The brief's case: a new connection to the same address as the accepted
 * ones.  The connection is not in the table, so it belongs to the listener
 * (whoever accepts it); an accepted socket of another connection that shares
 * the local endpoint is not its socket. */
static void
test_prefork_new_connection_same_address(void)
{
    harness h;
    pm_tuple_answer a;
    guint64 listener;

    harness_init(&h, NULL);
    listener = setup_prefork(h.mock);
    g_assert_true(pm_watcher_refresh(h.watcher, NULL));
    h.now_us += SEC(1);
    lookup_tuple(&h, "127.0.0.1:50003", "127.0.0.1:8080", &a);
    assert_miss(&a.src, PM_REASON_NO_SOCKET);
    assert_found(&a.dst, PM_MATCH_ANY, MASTER);
    g_assert_cmpuint(a.dst.owner_count, ==, 3);
    g_assert_cmpuint(a.dst.inode, ==, listener);
    pm_tuple_answer_clear(&a);
    harness_clear(&h);
}

/* A connected socket answers only for its own tuple. */
static void
test_connected_socket_only_by_tuple(void)
{
    harness h;
    pm_endpoint_answer a;

    harness_init(&h, NULL);
    mock_add_process(h.mock, CLIENT1, "curl", "/usr/bin/curl", "curl", 1);
    mock_connect(h.mock, TCP, CLIENT1, "127.0.0.1:40000", "127.0.0.1:9000");
    harness_lookup(&h, TCP, "127.0.0.1:40000", "127.0.0.1:9000", &a);
    assert_found(&a, PM_MATCH_TUPLE, CLIENT1);
    pm_endpoint_answer_clear(&a);
    harness_lookup(&h, TCP, "127.0.0.1:40000", "127.0.0.1:9001", &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    harness_lookup(&h, TCP, "127.0.0.1:40000", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(harness_stats(&h).endpoint_entries[TCP], ==, 0);
    g_assert_cmpuint(harness_stats(&h).tuple_entries[TCP], ==, 1);
    harness_clear(&h);
}

/* ---- v4-mapped and dual-stack ---- */

static guint64
bind_v6(mock_backend *m, pm_transport transport, gint32 pid, const char *local,
        pm_v6only v6only)
{
    guint64 inode = mock_bind(m, transport, pid, local);
    pm_socket *row = mock_socket(m, inode);

    row->from_v6_table = TRUE;
    row->v6only = v6only;
    /* An unconnected tcp6/udp6 row shows the remote as "::", port 0. */
    pm_addr_any(&row->remote.addr, PM_AF_INET6);
    return inode;
}

static void
test_v4_mapped_and_dual_stack(void)
{
    harness h;
    pm_endpoint_answer a;
    guint64 accepted;
    pm_socket *row;

    harness_init(&h, NULL);
    mock_add_local_address(h.mock, "192.168.1.1");
    mock_add_local_address(h.mock, "7777::33");
    for (gint32 pid = 700; pid <= 707; pid++)
        mock_add_process(h.mock, pid, "server", "/usr/sbin/server", "server", 1000 + pid);

    /* tcp6 rows holding ::ffff:192.168.1.1, canonicalised by the backend. */
    bind_v6(h.mock, TCP, 700, "[::ffff:192.168.1.1]:80", PM_V6ONLY_NO);
    accepted = mock_connect(h.mock, TCP, 707, "[::ffff:192.168.1.1]:80",
                            "[::ffff:10.0.0.9]:5000");
    row = mock_socket(h.mock, accepted);
    row->from_v6_table = TRUE;
    g_assert_cmpint(row->local.addr.family, ==, PM_AF_INET);
    g_assert_cmpint(row->remote.addr.family, ==, PM_AF_INET);

    bind_v6(h.mock, TCP, 701, "[::]:8443", PM_V6ONLY_UNKNOWN);
    bind_v6(h.mock, TCP, 702, "[::]:8444", PM_V6ONLY_NO);
    bind_v6(h.mock, TCP, 703, "[::]:8445", PM_V6ONLY_YES);
    mock_bind(h.mock, TCP, 704, "0.0.0.0:8446");
    mock_bind(h.mock, TCP, 705, "0.0.0.0:8447");
    bind_v6(h.mock, TCP, 706, "[::]:8447", PM_V6ONLY_NO);
    bind_v6(h.mock, UDP, 700, "[::]:53", PM_V6ONLY_UNKNOWN);

    harness_lookup(&h, TCP, "192.168.1.1:80", NULL, &a);
    assert_found(&a, PM_MATCH_EXACT, 700);
    g_assert_false(a.v6only_assumed);
    pm_endpoint_answer_clear(&a);
    harness_lookup(&h, TCP, "192.168.1.1:80", "10.0.0.9:5000", &a);
    assert_found(&a, PM_MATCH_TUPLE, 707);
    pm_endpoint_answer_clear(&a);

    harness_lookup(&h, TCP, "192.168.1.1:8443", "10.0.0.9:5000", &a);
    assert_found(&a, PM_MATCH_DUAL_STACK, 701);
    g_assert_true(a.v6only_assumed);
    pm_endpoint_answer_clear(&a);
    harness_lookup(&h, TCP, "127.0.0.1:8443", NULL, &a);
    assert_found(&a, PM_MATCH_DUAL_STACK, 701);
    pm_endpoint_answer_clear(&a);
    /* An IPv6 packet reaches the same socket as a plain any-address match. */
    harness_lookup(&h, TCP, "[7777::33]:8443", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 701);
    g_assert_false(a.v6only_assumed);
    pm_endpoint_answer_clear(&a);

    harness_lookup(&h, TCP, "192.168.1.1:8444", NULL, &a);
    assert_found(&a, PM_MATCH_DUAL_STACK, 702);
    g_assert_false(a.v6only_assumed);
    pm_endpoint_answer_clear(&a);

    /* The IPv4 any-address comes before the dual-stack "::". */
    harness_lookup(&h, TCP, "192.168.1.1:8447", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 705);
    pm_endpoint_answer_clear(&a);

    /* Spec §2.8 vector 1: Packetbeat rebuilds on every such lookup; we find it. */
    h.now_us += SEC(1);
    for (int i = 0; i < 3; i++) {
        guint64 before = harness_stats(&h).refreshes;
        harness_lookup(&h, UDP, "192.168.1.1:53", "10.0.0.9:5000", &a);
        assert_found(&a, PM_MATCH_DUAL_STACK, 700);
        g_assert_true(a.v6only_assumed);
        g_assert_cmpuint(harness_stats(&h).refreshes, ==, before);
        pm_endpoint_answer_clear(&a);
        h.now_us += SEC(1);
    }

    harness_lookup(&h, TCP, "192.168.1.1:8445", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "[7777::33]:8446", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "[::1]:8446", NULL, &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    harness_clear(&h);
}

/* ---- TIME_WAIT rows and the snapshot ---- */

static void
test_time_wait_not_indexed(void)
{
    harness h;
    pm_endpoint_answer a;
    pm_socket time_wait = { 0 };
    pm_watcher_stats stats;
    GPtrArray *rows;
    guint64 listener;
    gboolean seen_time_wait = FALSE, seen_udp = FALSE;

    harness_init(&h, NULL);
    mock_add_process(h.mock, 80, "nginx", "/usr/sbin/nginx", "nginx: master process", 10);
    mock_add_process(h.mock, 81, "nginx", "/usr/sbin/nginx", "nginx: worker process", 20);
    mock_add_process(h.mock, 53, "dnsmasq", "/usr/sbin/dnsmasq", "dnsmasq", 30);
    mock_bind(h.mock, UDP, 53, "0.0.0.0:53");
    listener = mock_bind(h.mock, TCP, 81, "0.0.0.0:80");
    mock_add_owner(h.mock, listener, 80);
    time_wait.local = parse_endpoint("127.0.0.1:6000");
    time_wait.remote = parse_endpoint("127.0.0.1:7000");
    time_wait.state = 6;
    time_wait.inode = 0;
    mock_add_socket_row(h.mock, TCP, &time_wait);

    harness_lookup(&h, TCP, "127.0.0.1:6000", "127.0.0.1:7000", &a);
    assert_miss(&a, PM_REASON_NO_SOCKET);
    g_assert_cmpuint(h.mock->find_owners_calls, ==, 1);
    g_assert_cmpuint(h.mock->last_wanted_count, ==, 2);
    g_assert_false(h.mock->last_wanted_had_zero);
    stats = harness_stats(&h);
    g_assert_cmpuint(stats.endpoint_entries[TCP], ==, 1);
    g_assert_cmpuint(stats.tuple_entries[TCP], ==, 0);
    g_assert_cmpuint(stats.endpoint_entries[UDP], ==, 1);

    rows = pm_watcher_snapshot(h.watcher);
    g_assert_cmpuint(rows->len, ==, 3);
    for (guint i = 0; i < rows->len; i++) {
        const pm_table_row *row = g_ptr_array_index(rows, i);
        if (row->transport == UDP)
            seen_udp = TRUE;
        else
            g_assert_false(seen_udp);   /* TCP rows come first */
        if (row->socket.inode == 0) {
            seen_time_wait = TRUE;
            g_assert_cmpuint(row->owners ? row->owners->len : 0, ==, 0);
        } else if (row->socket.inode == listener) {
            g_assert_cmpuint(row->owners->len, ==, 2);
            g_assert_cmpint(((pm_process *)g_ptr_array_index(row->owners, 0))->pid, ==, 80);
        }
    }
    g_assert_true(seen_time_wait);
    g_assert_true(seen_udp);
    g_ptr_array_unref(rows);
    harness_clear(&h);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/watcher/lookup/packetbeat-cases-isolated", test_packetbeat_cases_isolated);
    g_test_add_func("/watcher/lookup/packetbeat-cases-sequential",
                    test_packetbeat_cases_sequential);
    g_test_add_func("/watcher/lookup/prefork-connections", test_prefork_connections);
    g_test_add_func("/watcher/lookup/prefork-new-connection-same-address",
                    test_prefork_new_connection_same_address);
    g_test_add_func("/watcher/lookup/connected-socket-only-by-tuple",
                    test_connected_socket_only_by_tuple);
    g_test_add_func("/watcher/lookup/v4-mapped-and-dual-stack", test_v4_mapped_and_dual_stack);
    g_test_add_func("/watcher/lookup/time-wait-not-indexed", test_time_wait_not_indexed);
    return g_test_run();
}
