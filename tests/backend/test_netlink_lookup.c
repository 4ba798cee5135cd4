/* test_netlink_lookup.c - exact lookups of the netlink backend (find_socket):
 * the request bytes, the reply handling against a fake kernel, and which
 * interfaces are asked.  The real kernel's answers are checked in
 * test_netlink_lookup_live.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "netlink.h"
#include "netlink_parse.h"
#include "procfs_test_util.h"
#include "test_netlink_fake_kernel.h"
#include "test_netlink_msg.h"

#define TCP PM_TRANSPORT_TCP
#define UDP PM_TRANSPORT_UDP

static pm_endpoint
endpoint(const char *text)
{
    pm_endpoint ep;

    g_assert_true(pm_endpoint_parse(text, &ep));
    return ep;
}

/* ---- the request -------------------------------------------------------- */

typedef struct {
    struct nlmsghdr         header;
    struct inet_diag_req_v2 req;
} lookup_request;

static lookup_request
built(guint8 protocol, const char *local, const char *remote, guint32 ifindex, gsize *len)
{
    pm_endpoint l = endpoint(local), r;
    guint8 buf[128];
    lookup_request out;

    if (remote)
        r = endpoint(remote);
    memset(buf, 0xAA, sizeof buf);
    *len = pm_nl_build_inet_diag_lookup(buf, sizeof buf, protocol, &l, remote ? &r : NULL,
                                        ifindex, 77);
    memcpy(&out, buf, sizeof out);
    return out;
}

static void
assert_addr(const __be32 field[4], int family, const char *text)
{
    guint8 expected[16] = { 0 };

    g_assert_cmpint(inet_pton(family, text, expected), ==, 1);
    g_assert_cmpmem(field, 16, expected, 16);
}

static void
test_build_tcp(void)
{
    gsize len;
    lookup_request r = built(IPPROTO_TCP, "127.0.0.1:9000", "10.0.0.2:40000", 3, &len);

    g_assert_cmpuint(len, ==, sizeof r);
    g_assert_cmpuint(r.header.nlmsg_len, ==, sizeof r);
    g_assert_cmpuint(r.header.nlmsg_type, ==, SOCK_DIAG_BY_FAMILY);
    /* Not a dump: the kernel's own lookup. */
    g_assert_cmpuint(r.header.nlmsg_flags, ==, NLM_F_REQUEST);
    g_assert_cmpuint(r.header.nlmsg_seq, ==, 77);
    g_assert_cmpuint(r.req.sdiag_family, ==, AF_INET);
    g_assert_cmpuint(r.req.sdiag_protocol, ==, IPPROTO_TCP);
    g_assert_cmpuint(r.req.idiag_ext, ==, 0);
    /* TCP: idiag_src is the socket's own end. */
    assert_addr(r.req.id.idiag_src, AF_INET, "127.0.0.1");
    assert_addr(r.req.id.idiag_dst, AF_INET, "10.0.0.2");
    g_assert_cmpuint(g_ntohs(r.req.id.idiag_sport), ==, 9000);
    g_assert_cmpuint(g_ntohs(r.req.id.idiag_dport), ==, 40000);
    g_assert_cmpuint(r.req.id.idiag_if, ==, 3);
    g_assert_cmpuint(r.req.id.idiag_cookie[0], ==, INET_DIAG_NOCOOKIE);
    g_assert_cmpuint(r.req.id.idiag_cookie[1], ==, INET_DIAG_NOCOOKIE);
}

static void
test_build_udp_swapped(void)
{
    gsize len;
    lookup_request r = built(IPPROTO_UDP, "[fd00::5]:53", "[fd00::9]:40000", 0, &len);

    g_assert_cmpuint(len, ==, sizeof r);
    g_assert_cmpuint(r.header.nlmsg_flags, ==, NLM_F_REQUEST);
    g_assert_cmpuint(r.req.sdiag_family, ==, AF_INET6);
    g_assert_cmpuint(r.req.sdiag_protocol, ==, IPPROTO_UDP);
    /* UDP: idiag_src is the packet's source, the remote end. */
    assert_addr(r.req.id.idiag_src, AF_INET6, "fd00::9");
    assert_addr(r.req.id.idiag_dst, AF_INET6, "fd00::5");
    g_assert_cmpuint(g_ntohs(r.req.id.idiag_sport), ==, 40000);
    g_assert_cmpuint(g_ntohs(r.req.id.idiag_dport), ==, 53);
    g_assert_cmpuint(r.req.id.idiag_if, ==, 0);
}

static void
test_build_edges(void)
{
    pm_endpoint v4 = endpoint("127.0.0.1:1"), v6 = endpoint("[::1]:2"), none;
    guint8 big[128], small[40];
    gsize len;
    lookup_request r = built(IPPROTO_TCP, "192.0.2.1:22", NULL, 0, &len);

    /* No remote end: the any-address, port 0 (listeners only). */
    g_assert_cmpuint(len, ==, sizeof r);
    assert_addr(r.req.id.idiag_src, AF_INET, "192.0.2.1");
    assert_addr(r.req.id.idiag_dst, AF_INET, "0.0.0.0");
    g_assert_cmpuint(r.req.id.idiag_dport, ==, 0);
    r = built(IPPROTO_UDP, "[::1]:53", NULL, 0, &len);
    assert_addr(r.req.id.idiag_src, AF_INET6, "::");
    assert_addr(r.req.id.idiag_dst, AF_INET6, "::1");

    /* Ends of two families, no family, no room. */
    g_assert_cmpuint(pm_nl_build_inet_diag_lookup(big, sizeof big, IPPROTO_TCP, &v4, &v6, 0, 1),
                     ==, 0);
    memset(&none, 0, sizeof none);
    g_assert_cmpuint(pm_nl_build_inet_diag_lookup(big, sizeof big, IPPROTO_TCP, &none, NULL,
                                                  0, 1),
                     ==, 0);
    g_assert_cmpuint(pm_nl_build_inet_diag_lookup(small, sizeof small, IPPROTO_TCP, &v4, NULL,
                                                  0, 1), ==, 0);
}

static void
test_ifaddr_interface(void)
{
    GByteArray *p = nt_ifaddr_payload(AF_INET, "10.8.0.1", "10.8.0.2");
    guint32 ifindex = 0, nine = 9;
    pm_addr addr;
    char text[PM_ADDR_STRLEN];

    memcpy(p->data + offsetof(struct ifaddrmsg, ifa_index), &nine, sizeof nine);
    g_assert_cmpint(pm_nl_parse_ifaddr_on(p->data, p->len, &addr, &ifindex), ==, PM_NL_ROW_OK);
    g_assert_cmpstr(pm_addr_to_string(&addr, text, sizeof text), ==, "10.8.0.1");
    g_assert_cmpuint(ifindex, ==, 9);
    g_assert_cmpint(pm_nl_parse_ifaddr(p->data, p->len, &addr), ==, PM_NL_ROW_OK);
    g_assert_cmpint(pm_nl_parse_ifaddr_on(p->data, 4, &addr, &ifindex), ==,
                    PM_NL_ROW_MALFORMED);
    g_byte_array_unref(p);
}

/* ---- against a fake kernel ---------------------------------------------- */

typedef enum {
    ANSWER_FOUND,          /* the socket asked for, inode 4242 */
    ANSWER_ABSENT,         /* ENOENT */
    ANSWER_TIME_WAIT,      /* a row of inode 0 */
    ANSWER_EPERM,
    ANSWER_EAGAIN,
    ANSWER_STALE_FIRST,    /* a message of an older sequence, then the socket */
    ANSWER_FOUND_ON_7      /* ENOENT unless asked on interface 7 */
} answer_mode;

typedef struct {
    answer_mode mode;
} script_state;

static void
put_ifaddr(GByteArray *d, guint32 seq, guint8 family, const char *address, guint32 ifindex)
{
    GByteArray *p = nt_ifaddr_payload(family, address, address);

    memcpy(p->data + offsetof(struct ifaddrmsg, ifa_index), &ifindex, sizeof ifindex);
    nt_put_message(d, RTM_NEWADDR, seq, p->data, p->len);
    g_byte_array_unref(p);
}

/* Dumps: an empty table, and addresses 10.1.2.3 on 5, 127.0.0.1 and ::1 on
 * 1, 192.168.7.7 on 6 and 7.  Lookups: by k->data's mode. */
static gboolean
script_lookups(fake_kernel *k, int fd, const fake_request *req, guint index)
{
    const script_state *state = k->data;
    GByteArray *d = g_byte_array_new();
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    int family = req->family;

    if (req->type == RTM_GETADDR) {
        put_ifaddr(d, req->seq, AF_INET, "10.1.2.3", 5);
        put_ifaddr(d, req->seq, AF_INET, "127.0.0.1", 1);
        put_ifaddr(d, req->seq, AF_INET6, "::1", 1);
        put_ifaddr(d, req->seq, AF_INET, "192.168.7.7", 6);
        put_ifaddr(d, req->seq, AF_INET, "192.168.7.7", 7);
        nt_put_done(d, req->seq, 0);
    } else if (req->flags & NLM_F_DUMP) {
        nt_put_done(d, req->seq, 0);
    } else {
        answer_mode mode = state->mode;
        /* The socket as the kernel shows it: its own end first. */
        gboolean udp = req->transport == IPPROTO_UDP;
        const guint8 *own = udp ? req->dst : req->src, *peer = udp ? req->src : req->dst;
        guint16 own_port = udp ? req->dport : req->sport, peer_port = udp ? req->sport
                                                                          : req->dport;

        g_assert_nonnull(inet_ntop(family, own, src, sizeof src));
        g_assert_nonnull(inet_ntop(family, peer, dst, sizeof dst));
        if (mode == ANSWER_FOUND_ON_7)
            mode = req->ifindex == 7 ? ANSWER_FOUND : ANSWER_ABSENT;
        switch (mode) {
        case ANSWER_STALE_FIRST:
            nt_put_diag(d, req->seq - 1, family, 1, src, own_port, dst, peer_port, 0, 1111, -1);
            send_datagram(fd, d);
            d = g_byte_array_new();
            /* fall through */
        case ANSWER_FOUND:
        case ANSWER_FOUND_ON_7:
            nt_put_diag(d, req->seq, family, 1, src, own_port, dst, peer_port, 1000, 4242, -1);
            break;
        case ANSWER_ABSENT:
            nt_put_error(d, req->seq, -ENOENT);
            break;
        case ANSWER_TIME_WAIT:
            nt_put_diag(d, req->seq, family, 6, src, own_port, dst, peer_port, 0, 0, -1);
            break;
        case ANSWER_EPERM:
            nt_put_error(d, req->seq, -EPERM);
            break;
        case ANSWER_EAGAIN:
            nt_put_error(d, req->seq, -EAGAIN);
            break;
        }
    }
    send_datagram(fd, d);
    return TRUE;
}

typedef struct {
    fake_kernel  *k;
    script_state  state;
    pm_backend   *backend;
    pt_diag       d;
} lookup_fixture;

static void
fixture_init(lookup_fixture *f, gboolean with_dumps)
{
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    GArray *addrs = g_array_new(FALSE, FALSE, sizeof(pm_addr));

    memset(f, 0, sizeof *f);
    f->k = fake_new(script_lookups);
    f->k->data = &f->state;
    f->backend = pm_netlink_backend_new_with_opener(NULL, fake_open, f->k);
    pt_diag_init(&f->d);
    if (with_dumps) {
        for (int t = 0; t < PM_TRANSPORT_COUNT; t++)
            g_assert_true(f->backend->ops->list_sockets(f->backend, (pm_transport)t, rows,
                                                        &f->d.diag, NULL));
        g_assert_true(f->backend->ops->list_local_addresses(f->backend, addrs, &f->d.diag,
                                                            NULL));
    }
    g_array_unref(rows);
    g_array_unref(addrs);
}

static void
fixture_clear(lookup_fixture *f)
{
    pm_backend_free(f->backend);
    fake_free(f->k);
    pt_diag_clear(&f->d);
}

static pm_find_result
find(lookup_fixture *f, pm_transport t, const char *local, const char *remote, pm_socket *out)
{
    pm_endpoint l = endpoint(local), r;

    if (remote)
        r = endpoint(remote);
    memset(out, 0, sizeof *out);
    return f->backend->ops->find_socket(f->backend, t, &l, remote ? &r : NULL, out,
                                        &f->d.diag);
}

static const fake_request *
last_request(lookup_fixture *f)
{
    return request_at(f->k, f->k->requests->len - 1);
}

/* Before a netlink dump of the transport worked, nothing is asked. */
static void
test_not_before_a_dump(void)
{
    lookup_fixture f;
    pm_socket s;

    fixture_init(&f, FALSE);
    g_assert_nonnull(f.backend->ops->find_socket);
    g_assert_cmpint(find(&f, TCP, "127.0.0.1:9000", NULL, &s), ==, PM_FIND_UNKNOWN);
    g_assert_cmpuint(f.k->opens, ==, 0);
    fixture_clear(&f);
}

static void
test_answers(void)
{
    lookup_fixture f;
    guint opens;
    pm_socket s;

    fixture_init(&f, TRUE);
    opens = f.k->opens;

    f.state.mode = ANSWER_FOUND;
    g_assert_cmpint(find(&f, TCP, "10.1.2.3:40000", "198.51.100.7:443", &s), ==,
                    PM_FIND_FOUND);
    assert_endpoint(&s.local, "10.1.2.3:40000");
    assert_endpoint(&s.remote, "198.51.100.7:443");
    g_assert_cmpuint(s.inode, ==, 4242);
    g_assert_cmpuint(s.uid, ==, 1000);
    g_assert_cmpuint(s.state, ==, 1);
    g_assert_cmpuint(last_request(&f)->flags & NLM_F_DUMP, ==, 0);
    g_assert_cmpuint(last_request(&f)->transport, ==, IPPROTO_TCP);
    g_assert_cmpuint(last_request(&f)->ifindex, ==, 5);  /* 10.1.2.3's interface */
    g_assert_cmpuint(last_request(&f)->cookie[0], ==, INET_DIAG_NOCOOKIE);

    /* UDP, and its swapped ends, come back as the socket's own. */
    g_assert_cmpint(find(&f, UDP, "[::1]:53", "[::1]:40000", &s), ==, PM_FIND_FOUND);
    assert_endpoint(&s.local, "[::1]:53");
    assert_endpoint(&s.remote, "[::1]:40000");
    g_assert_true(s.from_v6_table);
    g_assert_cmpuint(last_request(&f)->sport, ==, 40000);
    g_assert_cmpuint(last_request(&f)->dport, ==, 53);
    g_assert_cmpuint(last_request(&f)->ifindex, ==, 1);

    f.state.mode = ANSWER_ABSENT;
    g_assert_cmpint(find(&f, TCP, "127.0.0.1:1", NULL, &s), ==, PM_FIND_ABSENT);
    f.state.mode = ANSWER_TIME_WAIT;
    g_assert_cmpint(find(&f, TCP, "127.0.0.1:2", "127.0.0.1:3", &s), ==, PM_FIND_UNKNOWN);
    f.state.mode = ANSWER_STALE_FIRST;
    g_assert_cmpint(find(&f, TCP, "127.0.0.1:4", "127.0.0.1:5", &s), ==, PM_FIND_FOUND);
    g_assert_cmpuint(s.inode, ==, 4242);

    /* One socket for all of them; nothing noted. */
    g_assert_cmpuint(f.k->opens, ==, opens + 1);
    g_assert_cmpuint(f.d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 0);
    fixture_clear(&f);
}

/* A passing error costs that lookup (and the socket); a refusal stops
 * lookups of that transport for good. */
static void
test_errors(void)
{
    lookup_fixture f;
    guint requests, opens;
    pm_socket s;

    fixture_init(&f, TRUE);
    opens = f.k->opens;
    f.state.mode = ANSWER_EAGAIN;
    g_assert_cmpint(find(&f, TCP, "127.0.0.1:1", NULL, &s), ==, PM_FIND_UNKNOWN);
    g_assert_cmpuint(f.d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 1);
    g_assert_nonnull(strstr(f.d.message[PM_DIAG_NETLINK_ERROR], "lookup of one tcp socket"));
    f.state.mode = ANSWER_FOUND;
    g_assert_cmpint(find(&f, TCP, "127.0.0.1:1", NULL, &s), ==, PM_FIND_FOUND);
    g_assert_cmpuint(f.k->opens, ==, opens + 2);  /* a new socket after the failure */

    f.state.mode = ANSWER_EPERM;
    g_assert_cmpint(find(&f, TCP, "127.0.0.1:1", NULL, &s), ==, PM_FIND_UNKNOWN);
    requests = f.k->requests->len;
    f.state.mode = ANSWER_FOUND;
    g_assert_cmpint(find(&f, TCP, "127.0.0.1:1", NULL, &s), ==, PM_FIND_UNKNOWN);
    g_assert_cmpuint(f.k->requests->len, ==, requests);
    /* UDP still asks. */
    g_assert_cmpint(find(&f, UDP, "127.0.0.1:1", NULL, &s), ==, PM_FIND_FOUND);
    g_assert_cmpuint(f.d.diag.counts[PM_DIAG_NETLINK_ERROR], ==, 2);
    fixture_clear(&f);
}

/* Asked on each interface holding the local address, until one answers;
 * a loopback address outside the dump goes to the loopback interface; an
 * unknown address to 0 (unbound sockets only). */
static void
test_interfaces(void)
{
    lookup_fixture f;
    guint before;
    pm_socket s;

    fixture_init(&f, TRUE);
    f.state.mode = ANSWER_FOUND_ON_7;
    before = f.k->requests->len;
    g_assert_cmpint(find(&f, UDP, "192.168.7.7:67", NULL, &s), ==, PM_FIND_FOUND);
    g_assert_cmpuint(f.k->requests->len, ==, before + 2);
    g_assert_cmpuint(request_at(f.k, before)->ifindex, ==, 6);
    g_assert_cmpuint(request_at(f.k, before + 1)->ifindex, ==, 7);

    f.state.mode = ANSWER_ABSENT;
    before = f.k->requests->len;
    g_assert_cmpint(find(&f, UDP, "192.168.7.7:68", NULL, &s), ==, PM_FIND_ABSENT);
    g_assert_cmpuint(f.k->requests->len, ==, before + 2);

    g_assert_cmpint(find(&f, TCP, "127.0.0.9:80", NULL, &s), ==, PM_FIND_ABSENT);
    g_assert_cmpuint(last_request(&f)->ifindex, ==, 1);
    g_assert_cmpint(find(&f, TCP, "[::1]:80", NULL, &s), ==, PM_FIND_ABSENT);
    g_assert_cmpuint(last_request(&f)->ifindex, ==, 1);
    before = f.k->requests->len;
    g_assert_cmpint(find(&f, TCP, "203.0.113.9:80", NULL, &s), ==, PM_FIND_ABSENT);
    g_assert_cmpuint(f.k->requests->len, ==, before + 1);
    g_assert_cmpuint(last_request(&f)->ifindex, ==, 0);
    fixture_clear(&f);
}

/* The procfs backend has no exact lookups. */
static void
test_procfs_has_none(void)
{
    char *root = pt_tree_new();
    pm_backend *procfs = pm_backend_new_default(root);

    g_assert_cmpstr(procfs->ops->name, ==, "procfs");
    g_assert_null(procfs->ops->find_socket);
    pm_backend_free(procfs);
    pt_tree_free(root);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netlink/lookup/build-tcp", test_build_tcp);
    g_test_add_func("/netlink/lookup/build-udp-swapped", test_build_udp_swapped);
    g_test_add_func("/netlink/lookup/build-edges", test_build_edges);
    g_test_add_func("/netlink/lookup/ifaddr-interface", test_ifaddr_interface);
    g_test_add_func("/netlink/lookup/not-before-a-dump", test_not_before_a_dump);
    g_test_add_func("/netlink/lookup/answers", test_answers);
    g_test_add_func("/netlink/lookup/errors", test_errors);
    g_test_add_func("/netlink/lookup/interfaces", test_interfaces);
    g_test_add_func("/netlink/lookup/procfs-has-none", test_procfs_has_none);
    return g_test_run();
}
