/* test_conntrack_live.c - the real kernel: conntrack of a connection that a
 * real nftables DNAT rule translates, the permission it needs, and address
 * notifications, in a network namespace of the test's own (unshare), so the
 * host's rules and addresses are never touched.
 *
 * Needs root, ip(8) and nft(8); without them every test is skipped, saying
 * why.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/netlink.h>

#include "conntrack.h"
#include "netlink.h"
#include "watcher.h"

#define CLIENT_ADDR "10.199.1.1"
#define SERVER_ADDR "10.199.1.2"
#define SERVICE "10.96.0.10:443"
#define SERVER_PORT 8443

static const char *skip_reason;

static gboolean
run(const char *command)
{
    char *out = NULL, *err = NULL;
    int status = -1;
    gboolean ok = g_spawn_command_line_sync(command, &out, &err, &status, NULL)
                  && WIFEXITED(status) && WEXITSTATUS(status) == 0;

    if (!ok)
        g_test_message("%s failed: %s", command, err ? err : "");
    g_free(out);
    g_free(err);
    return ok;
}

/* A namespace of our own: two addresses on a veth pair, a route for the
 * service range, and a DNAT rule like kube-proxy's for a ClusterIP. */
static void
make_namespace(void)
{
    char *nft;

    if (geteuid() != 0) {
        skip_reason = "needs root (a network namespace, nftables rules)";
        return;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        skip_reason = "cannot make a network namespace (unshare)";
        return;
    }
    nft = g_find_program_in_path("nft");
    if (nft == NULL) {
        skip_reason = "nft is not installed (./run deps)";
        return;
    }
    g_free(nft);
    if (!run("ip link set lo up") || !run("ip link add ct0 type veth peer name ct1")
        || !run("ip addr add " CLIENT_ADDR "/24 dev ct0")
        || !run("ip addr add " SERVER_ADDR "/24 dev ct1") || !run("ip link set ct0 up")
        || !run("ip link set ct1 up") || !run("ip route add 10.96.0.0/16 dev ct0")
        || !run("nft 'add table ip t; add chain ip t out { type nat hook output priority -100; }; "
                "add rule ip t out ip daddr 10.96.0.10 tcp dport 443 dnat to "
                SERVER_ADDR ":8443'"))
        skip_reason = "cannot set the namespace up (ip, nft: see the messages)";
}

static gboolean
skipped(void)
{
    if (skip_reason)
        g_test_skip(skip_reason);
    return skip_reason != NULL;
}

static pm_endpoint
endpoint_of(const struct sockaddr_in *sin)
{
    pm_endpoint ep;

    pm_addr_from_ipv4(&ep.addr, (const guint8 *)&sin->sin_addr);
    ep.port = ntohs(sin->sin_port);
    return ep;
}

static pm_endpoint
parse(const char *text)
{
    pm_endpoint ep;
    g_assert_true(pm_endpoint_parse(text, &ep));
    return ep;
}

/* A connection to the service: the client's end and the server's. */
typedef struct {
    int listener, client, accepted;
    pm_endpoint client_end, server_end;
} connection;

static void
connect_to_service(connection *c)
{
    struct sockaddr_in addr = { .sin_family = AF_INET };
    socklen_t len = sizeof addr;
    int one = 1;

    c->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(setsockopt(c->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), ==, 0);
    addr.sin_port = htons(SERVER_PORT);
    inet_pton(AF_INET, SERVER_ADDR, &addr.sin_addr);
    g_assert_cmpint(bind(c->listener, (struct sockaddr *)&addr, sizeof addr), ==, 0);
    g_assert_cmpint(listen(c->listener, 4), ==, 0);
    c->server_end = endpoint_of(&addr);

    c->client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    addr.sin_port = htons(443);
    inet_pton(AF_INET, "10.96.0.10", &addr.sin_addr);
    g_assert_cmpint(connect(c->client, (struct sockaddr *)&addr, sizeof addr), ==, 0);
    g_assert_cmpint(getsockname(c->client, (struct sockaddr *)&addr, &len), ==, 0);
    c->client_end = endpoint_of(&addr);
    c->accepted = accept(c->listener, NULL, NULL);
    g_assert_cmpint(c->accepted, >=, 0);
}

static void
connection_close(connection *c)
{
    close(c->accepted);
    close(c->client);
    close(c->listener);
}

static void
assert_endpoint(const pm_endpoint *got, const pm_endpoint *expected)
{
    char a[PM_ENDPOINT_STRLEN], b[PM_ENDPOINT_STRLEN];
    g_assert_cmpstr(pm_endpoint_to_string(got, a, sizeof a), ==,
                    pm_endpoint_to_string(expected, b, sizeof b));
}

/* The wire has the client and the server; conntrack has the service. */
static void
test_dnat_entry(void)
{
    pm_conntrack_client *ct;
    pm_endpoint service = parse(SERVICE), nowhere = parse("10.199.1.1:9");
    pm_connection entry;
    connection c;
    int err;

    if (skipped())
        return;
    connect_to_service(&c);
    ct = pm_conntrack_client_new(NULL, NULL);
    /* The packet as captured, from either end. */
    g_assert_cmpint(pm_conntrack_client_find(PM_TRANSPORT_TCP, &c.client_end, &c.server_end,
                                             &entry, &err, ct), ==, PM_CONNTRACK_FOUND);
    assert_endpoint(&entry.original_src, &c.client_end);
    assert_endpoint(&entry.original_dst, &service);
    assert_endpoint(&entry.reply_src, &c.server_end);
    assert_endpoint(&entry.reply_dst, &c.client_end);
    g_assert_cmpint(pm_conntrack_client_find(PM_TRANSPORT_TCP, &c.server_end, &c.client_end,
                                             &entry, &err, ct), ==, PM_CONNTRACK_FOUND);
    assert_endpoint(&entry.original_dst, &service);
    /* The socket's own view finds it too. */
    g_assert_cmpint(pm_conntrack_client_find(PM_TRANSPORT_TCP, &c.client_end, &service,
                                             &entry, &err, ct), ==, PM_CONNTRACK_FOUND);
    /* Nothing tracked: absent, not an error. */
    g_assert_cmpint(pm_conntrack_client_find(PM_TRANSPORT_TCP, &c.client_end, &nowhere,
                                             &entry, &err, ct), ==, PM_CONNTRACK_ABSENT);
    g_assert_cmpint(pm_conntrack_client_find(PM_TRANSPORT_UDP, &c.client_end, &c.server_end,
                                             &entry, &err, ct), ==, PM_CONNTRACK_ABSENT);
    pm_conntrack_client_free(ct);
    connection_close(&c);
}

/* In a child: drop what @how says, ask, exit with the result. */
enum { AS_NOBODY, OPENED_THEN_NOBODY, ROOT_WITHOUT_NET_ADMIN };

static int
ask_without_privilege(int how, const pm_endpoint *a, const pm_endpoint *b)
{
    pid_t pid = fork();
    int status = 0;

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        pm_connection entry;
        guint32 seq = 0;
        int err, fd = -1;

        if (how == OPENED_THEN_NOBODY)
            fd = pm_netlink_open_kernel(NETLINK_NETFILTER, NULL);
        if (how == ROOT_WITHOUT_NET_ADMIN) {
            struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
            struct __user_cap_data_struct data[2];
            if (syscall(SYS_capget, &header, data) != 0)
                _exit(100);
            data[0].effective &= ~(1u << CAP_NET_ADMIN);
            data[0].permitted &= ~(1u << CAP_NET_ADMIN);
            if (syscall(SYS_capset, &header, data) != 0)
                _exit(101);
        } else if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0
                   || setresuid(65534, 65534, 65534) != 0) {
            _exit(102);
        }
        if (fd < 0)
            fd = pm_netlink_open_kernel(NETLINK_NETFILTER, NULL);
        if (fd < 0)
            _exit(103);     /* anyone may open it */
        _exit(pm_conntrack_find(fd, &seq, PM_TRANSPORT_TCP, a, b, &entry, &err));
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* EPERM for anyone without CAP_NET_ADMIN, even with a socket a privileged
 * process opened. */
static void
test_permission(void)
{
    connection c;

    if (skipped())
        return;
    connect_to_service(&c);
    g_assert_cmpint(ask_without_privilege(AS_NOBODY, &c.client_end, &c.server_end), ==,
                    PM_CONNTRACK_NO_PERMISSION);
    g_assert_cmpint(ask_without_privilege(OPENED_THEN_NOBODY, &c.client_end, &c.server_end),
                    ==, PM_CONNTRACK_NO_PERMISSION);
    g_assert_cmpint(ask_without_privilege(ROOT_WITHOUT_NET_ADMIN, &c.client_end,
                                          &c.server_end), ==, PM_CONNTRACK_NO_PERMISSION);
    connection_close(&c);
}

/* This host may hide some processes' fds even from root: said, not fatal. */
static void
quiet_sink(pm_diag_level level, pm_diag_cause cause, const char *message, gpointer data)
{
    (void)level;
    (void)data;
    g_test_message("%s: %s", pm_diag_cause_name(cause), message);
}

static pm_watcher *
new_watcher(const pm_watcher_config *config)
{
    pm_watcher *watcher = pm_watcher_new(pm_netlink_backend_new(NULL), config, NULL, NULL);

    pm_watcher_set_diag_sink(watcher, quiet_sink, NULL);
    return watcher;
}

/* The watcher on the default backend: the client end of the DNAT'ed packet
 * is this process, found through conntrack; the server end by its tuple. */
static void
test_watcher(void)
{
    pm_watcher *watcher;
    pm_endpoint_answer answer;
    pm_endpoint service = parse(SERVICE);
    connection c;

    if (skipped())
        return;
    connect_to_service(&c);
    watcher = new_watcher(NULL);
    pm_watcher_lookup_endpoint(watcher, PM_TRANSPORT_TCP, &c.client_end, &c.server_end,
                               g_get_real_time(), &answer);
    g_assert_cmpstr(pm_reason_name(answer.reason), ==, "found");
    g_assert_cmpstr(pm_match_name(answer.match), ==, "conntrack");
    g_assert_cmpint(answer.process->pid, ==, getpid());
    g_assert_cmpint(answer.nat, ==, PM_NAT_TRANSLATED);
    assert_endpoint(&answer.socket_remote, &service);
    g_assert_cmpstr(pm_match_name(answer.socket_match), ==, "tuple");
    pm_endpoint_answer_clear(&answer);
    pm_watcher_lookup_endpoint(watcher, PM_TRANSPORT_TCP, &c.server_end, &c.client_end,
                               g_get_real_time(), &answer);
    g_assert_cmpstr(pm_match_name(answer.match), ==, "tuple");
    g_assert_cmpint(answer.process->pid, ==, getpid());
    g_assert_cmpint(answer.nat, ==, PM_NAT_NOT_ASKED);
    pm_endpoint_answer_clear(&answer);
    pm_watcher_free(watcher);
    connection_close(&c);
}

/* RTM_NEWADDR/RTM_DELADDR reach the backend without a dump, and a new
 * address's first packet is looked up. */
static void
test_address_notifications(void)
{
    pm_backend *backend;
    pm_watcher *watcher;
    pm_endpoint_answer answer;
    GArray *addresses = g_array_new(FALSE, FALSE, sizeof(pm_addr));
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(7070) };
    pm_endpoint bound = parse("10.199.7.7:7070"), peer = parse("10.199.1.2:5555");
    pm_watcher_config config;
    int listener;

    if (skipped())
        return;
    backend = pm_netlink_backend_new(NULL);
    g_assert_cmpint(backend->ops->local_addresses_changed(backend, NULL), ==,
                    PM_CHANGES_UNKNOWN);         /* not subscribed before the first list */
    g_assert_true(backend->ops->list_local_addresses(backend, addresses, NULL, NULL));
    g_assert_cmpint(backend->ops->local_addresses_changed(backend, NULL), ==, PM_CHANGES_NONE);
    g_assert_true(run("ip addr add 10.199.5.5/32 dev ct0"));
    g_assert_cmpint(backend->ops->local_addresses_changed(backend, NULL), ==, PM_CHANGES_SOME);
    g_assert_cmpint(backend->ops->local_addresses_changed(backend, NULL), ==, PM_CHANGES_NONE);
    g_assert_true(run("ip addr del 10.199.5.5/32 dev ct0"));
    g_assert_cmpint(backend->ops->local_addresses_changed(backend, NULL), ==, PM_CHANGES_SOME);
    pm_backend_free(backend);
    g_array_unref(addresses);

    /* The watcher knows the addresses (its first lookup); one is added, a
     * socket bound to it, and its first packet is attributed. */
    pm_watcher_config_init(&config);
    config.min_refresh_interval_us = 0;     /* the table may be read for each packet */
    watcher = new_watcher(&config);
    pm_watcher_lookup_endpoint(watcher, PM_TRANSPORT_TCP, &bound, &peer, g_get_real_time(),
                               &answer);
    g_assert_cmpstr(pm_reason_name(answer.reason), ==, "not-local");
    g_assert_true(run("ip addr add 10.199.7.7/32 dev ct0"));
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    inet_pton(AF_INET, "10.199.7.7", &addr.sin_addr);
    g_assert_cmpint(bind(listener, (struct sockaddr *)&addr, sizeof addr), ==, 0);
    g_assert_cmpint(listen(listener, 1), ==, 0);
    pm_watcher_lookup_endpoint(watcher, PM_TRANSPORT_TCP, &bound, &peer, g_get_real_time(),
                               &answer);
    g_assert_cmpstr(pm_reason_name(answer.reason), ==, "found");
    g_assert_cmpint(answer.process->pid, ==, getpid());
    pm_endpoint_answer_clear(&answer);
    close(listener);
    pm_watcher_free(watcher);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    make_namespace();
    g_test_add_func("/conntrack-live/dnat-entry", test_dnat_entry);
    g_test_add_func("/conntrack-live/permission", test_permission);
    g_test_add_func("/conntrack-live/watcher", test_watcher);
    g_test_add_func("/conntrack-live/address-notifications", test_address_notifications);
    return g_test_run();
}
