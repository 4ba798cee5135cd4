/* test_conntrack_fake.c - the conntrack question and its answer
 * (conntrack.c) against a fake kernel: one end of a SOCK_SEQPACKET pair
 * (datagrams, like netlink) whose other end holds the replies before the
 * question is asked; then the client's socket life and the netlink
 * backend's find_connection (a final refusal said once, never asked again).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "conntrack.h"
#include "conntrack_parse.h"
#include "netlink.h"
#include "test_conntrack_msg.h"
#include "test_netlink_msg.h"

#define CLIENT "10.199.1.1:50001"
#define BACKEND "10.199.1.2:8443"
#define SERVICE "10.96.0.10:443"

typedef struct {
    int ours;       /* the side pm_conntrack_find uses */
    int kernel;
} fake;

static void
fake_init(fake *f)
{
    int pair[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), ==, 0);
    f->ours = pair[0];
    f->kernel = pair[1];
}

static void
fake_clear(fake *f)
{
    if (f->ours >= 0)
        close(f->ours);
    close(f->kernel);
}

static void
send_datagram_to(int fd, GByteArray *datagram)
{
    g_assert_cmpint(send(fd, datagram->data, datagram->len, 0), ==, (ssize_t)datagram->len);
    g_byte_array_unref(datagram);
}

/* The kernel's answer: the DNAT'ed client's entry. */
static void
queue_entry(fake *f, guint32 seq)
{
    GByteArray *d = g_byte_array_new();
    GByteArray *p = ct_entry_payload(IPPROTO_TCP, CLIENT, SERVICE, BACKEND, CLIENT);

    ct_put_entry(d, seq, p);
    g_byte_array_unref(p);
    send_datagram_to(f->kernel, d);
}

static void
queue_error(fake *f, guint32 seq, int err)
{
    GByteArray *d = g_byte_array_new();

    nt_put_error(d, seq, -err);
    send_datagram_to(f->kernel, d);
}

/* The @i-th request the fake kernel received: its tuple. */
static void
assert_request(fake *f, guint32 seq, const char *src, const char *dst)
{
    guint8 buf[512];
    ssize_t n = recv(f->kernel, buf, sizeof buf, MSG_DONTWAIT);
    guint8 expected[512];
    pm_endpoint s = ct_endpoint(src), d = ct_endpoint(dst);
    gsize len = pm_ct_build_get(expected, sizeof expected, IPPROTO_TCP, &s, &d, seq);

    g_assert_cmpint(n, >, 0);
    /* The bytes the builder makes (its own test checks them field by field). */
    g_assert_cmpmem(buf, (gsize)n, expected, len);
}

static void
assert_no_more_requests(fake *f)
{
    guint8 buf[64];
    g_assert_cmpint(recv(f->kernel, buf, sizeof buf, MSG_DONTWAIT), <, 0);
    g_assert_cmpint(errno, ==, EAGAIN);
}

static pm_conntrack_result
find(fake *f, guint32 *seq, pm_connection *c, int *err)
{
    pm_endpoint client = ct_endpoint(CLIENT), backend = ct_endpoint(BACKEND);

    memset(c, 0, sizeof *c);
    return pm_conntrack_find(f->ours, seq, PM_TRANSPORT_TCP, &client, &backend, c, err);
}

static void
assert_endpoint(const pm_endpoint *got, const char *expected)
{
    char text[PM_ENDPOINT_STRLEN];
    g_assert_cmpstr(pm_endpoint_to_string(got, text, sizeof text), ==, expected);
}

/* The wire tuple is the entry's original or reply tuple: one question. */
static void
test_found_at_once(void)
{
    fake f;
    guint32 seq = 10;
    pm_connection c;
    int err = -1;

    fake_init(&f);
    queue_entry(&f, 11);
    g_assert_cmpint(find(&f, &seq, &c, &err), ==, PM_CONNTRACK_FOUND);
    g_assert_cmpint(err, ==, 0);
    g_assert_cmpuint(seq, ==, 11);
    assert_endpoint(&c.original_dst, SERVICE);
    assert_endpoint(&c.reply_src, BACKEND);
    assert_request(&f, 11, CLIENT, BACKEND);
    assert_no_more_requests(&f);
    fake_clear(&f);
}

/* Seen after NAT one way, the tuple is the entry's only reversed. */
static void
test_found_reversed(void)
{
    fake f;
    guint32 seq = 0;
    pm_connection c;
    int err;

    fake_init(&f);
    queue_error(&f, 1, ENOENT);
    queue_entry(&f, 2);
    g_assert_cmpint(find(&f, &seq, &c, &err), ==, PM_CONNTRACK_FOUND);
    assert_request(&f, 1, CLIENT, BACKEND);
    assert_request(&f, 2, BACKEND, CLIENT);
    assert_endpoint(&c.original_src, CLIENT);
    fake_clear(&f);
}

static void
test_absent(void)
{
    fake f;
    guint32 seq = 0;
    pm_connection c;
    int err;

    fake_init(&f);
    queue_error(&f, 1, ENOENT);
    queue_error(&f, 2, ENOENT);
    g_assert_cmpint(find(&f, &seq, &c, &err), ==, PM_CONNTRACK_ABSENT);
    g_assert_cmpint(err, ==, 0);
    assert_request(&f, 1, CLIENT, BACKEND);
    assert_request(&f, 2, BACKEND, CLIENT);
    fake_clear(&f);
}

/* A refusal ends the question at once; what it means. */
static void
test_refusals(void)
{
    static const struct { int err; pm_conntrack_result result; } cases[] = {
        { EPERM, PM_CONNTRACK_NO_PERMISSION },      /* no CAP_NET_ADMIN */
        { EINVAL, PM_CONNTRACK_UNAVAILABLE },       /* no ctnetlink subsystem */
        { EOPNOTSUPP, PM_CONNTRACK_UNAVAILABLE },
        { EBUSY, PM_CONNTRACK_FAILED },
        { ENOMEM, PM_CONNTRACK_FAILED },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        fake f;
        guint32 seq = 0;
        pm_connection c;
        int err;

        fake_init(&f);
        queue_error(&f, 1, cases[i].err);
        g_assert_cmpint(find(&f, &seq, &c, &err), ==, cases[i].result);
        g_assert_cmpint(err, ==, cases[i].err);
        assert_request(&f, 1, CLIENT, BACKEND);
        assert_no_more_requests(&f);
        fake_clear(&f);
    }
}

/* The late answers of an abandoned question and an ACK are skipped. */
static void
test_skips_what_is_not_the_answer(void)
{
    fake f;
    guint32 seq = 40;
    pm_connection c;
    GByteArray *d = g_byte_array_new();
    GByteArray *p = ct_entry_payload(IPPROTO_TCP, "10.0.0.9:1", "10.0.0.8:2", "10.0.0.8:2",
                                     "10.0.0.9:1");
    int err;

    fake_init(&f);
    ct_put_entry(d, 39, p);         /* an old question's entry */
    nt_put_error(d, 41, 0);         /* an ACK of ours */
    send_datagram_to(f.kernel, d);
    queue_error(&f, 40, ENOENT);    /* an old question's error */
    queue_entry(&f, 41);
    g_assert_cmpint(find(&f, &seq, &c, &err), ==, PM_CONNTRACK_FOUND);
    assert_endpoint(&c.original_dst, SERVICE);
    g_byte_array_unref(p);
    fake_clear(&f);
}

/* Replies that do not parse, are cut, or never come: FAILED, no crash. */
static void
test_bad_replies(void)
{
    fake f;
    guint32 seq = 0;
    pm_connection c;
    GByteArray *d, *p;
    int err;

    /* An entry without its reply tuple. */
    fake_init(&f);
    d = g_byte_array_new();
    p = ct_payload_start(AF_INET);
    ct_put_tuple(p, CTA_TUPLE_ORIG, IPPROTO_TCP, CLIENT, SERVICE);
    ct_put_entry(d, 1, p);
    g_byte_array_unref(p);
    send_datagram_to(f.kernel, d);
    g_assert_cmpint(find(&f, &seq, &c, &err), ==, PM_CONNTRACK_FAILED);
    g_assert_cmpint(err, ==, 0);
    fake_clear(&f);

    /* A message of another type; an nlmsg_len that lies; a short error. */
    for (int kind = 0; kind < 3; kind++) {
        guint8 junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
        gsize at;

        fake_init(&f);
        seq = 0;
        d = g_byte_array_new();
        at = nt_put_message(d, kind == 2 ? NLMSG_ERROR : 0x0107, 1, junk, kind == 2 ? 2 : 8);
        if (kind == 1)
            nt_set_len(d, at, 200);
        send_datagram_to(f.kernel, d);
        g_assert_cmpint(find(&f, &seq, &c, &err), ==, PM_CONNTRACK_FAILED);
        fake_clear(&f);
    }

    /* A datagram past what a reply can be: not read as one. */
    fake_init(&f);
    seq = 0;
    d = g_byte_array_new();
    g_byte_array_set_size(d, 9000);
    memset(d->data, 0, d->len);
    send_datagram_to(f.kernel, d);
    g_assert_cmpint(find(&f, &seq, &c, &err), ==, PM_CONNTRACK_FAILED);
    g_assert_cmpint(err, ==, EMSGSIZE);
    fake_clear(&f);

    /* The peer hangs up. */
    fake_init(&f);
    seq = 0;
    g_assert_cmpint(shutdown(f.kernel, SHUT_WR), ==, 0);
    g_assert_cmpint(find(&f, &seq, &c, &err), ==, PM_CONNTRACK_FAILED);
    g_assert_cmpint(err, ==, ECONNRESET);
    fake_clear(&f);

    /* Ends of two families, another transport: not asked at all. */
    {
        pm_endpoint v4 = ct_endpoint(CLIENT), v6 = ct_endpoint("[::1]:1");
        fake_init(&f);
        g_assert_cmpint(pm_conntrack_find(f.ours, &seq, PM_TRANSPORT_TCP, &v4, &v6, &c, &err),
                        ==, PM_CONNTRACK_FAILED);
        g_assert_cmpint(err, ==, EINVAL);
        g_assert_cmpint(pm_conntrack_find(f.ours, &seq, PM_TRANSPORT_COUNT, &v4, &v4, &c, &err),
                        ==, PM_CONNTRACK_FAILED);
        assert_no_more_requests(&f);
        fake_clear(&f);
    }
}

/* ---- the client ---------------------------------------------------------- */

typedef struct {
    guint opens;
    int   open_errno;
    int   last_protocol;
    int   kernel;            /* the fake kernel's end of the latest socket */
    void (*prepare)(int kernel, guint open);
} opener;

static int
fake_open(int protocol, gpointer data)
{
    opener *o = data;
    int pair[2];

    o->opens++;
    o->last_protocol = protocol;
    if (o->open_errno) {
        errno = o->open_errno;
        return -1;
    }
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), ==, 0);
    if (o->kernel >= 0)
        close(o->kernel);
    o->kernel = pair[1];
    if (o->prepare)
        o->prepare(o->kernel, o->opens);
    return pair[0];
}

/* First socket: the peer hangs up (question 1).  The next one: ENOENT for
 * questions 1 (a stale answer, skipped) to 5. */
static void
hang_up_first(int kernel, guint open)
{
    if (open == 1) {
        g_assert_cmpint(shutdown(kernel, SHUT_WR), ==, 0);
        return;
    }
    for (guint32 seq = 1; seq <= 5; seq++) {
        GByteArray *d = g_byte_array_new();
        nt_put_error(d, seq, -ENOENT);
        send_datagram_to(kernel, d);
    }
}

static void
test_client(void)
{
    opener o = { 0, 0, 0, -1, hang_up_first };
    pm_conntrack_client *client = pm_conntrack_client_new(fake_open, &o);
    pm_endpoint a = ct_endpoint(CLIENT), b = ct_endpoint(BACKEND);
    pm_connection c;
    int err;

    /* Opened at the first question, for NETLINK_NETFILTER. */
    g_assert_cmpuint(o.opens, ==, 0);
    g_assert_cmpint(pm_conntrack_client_find(PM_TRANSPORT_TCP, &a, &b, &c, &err, client), ==,
                    PM_CONNTRACK_FAILED);
    g_assert_cmpuint(o.opens, ==, 1);
    g_assert_cmpint(o.last_protocol, ==, NETLINK_NETFILTER);
    /* A failure closes it: the next question opens another, and keeps it. */
    g_assert_cmpint(pm_conntrack_client_find(PM_TRANSPORT_TCP, &a, &b, &c, &err, client), ==,
                    PM_CONNTRACK_ABSENT);
    g_assert_cmpint(pm_conntrack_client_find(PM_TRANSPORT_TCP, &a, &b, &c, &err, client), ==,
                    PM_CONNTRACK_ABSENT);
    g_assert_cmpuint(o.opens, ==, 2);
    pm_conntrack_client_free(client);
    close(o.kernel);

    /* The socket cannot be opened: what that means. */
    {
        static const struct { int err; pm_conntrack_result result; } cases[] = {
            { EPROTONOSUPPORT, PM_CONNTRACK_UNAVAILABLE },   /* no nfnetlink */
            { EPERM, PM_CONNTRACK_NO_PERMISSION },           /* a seccomp filter */
            { EMFILE, PM_CONNTRACK_FAILED },
            { ENOENT, PM_CONNTRACK_FAILED },                 /* not "no entry" */
        };
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
            opener refusing = { 0, cases[i].err, 0, -1, NULL };
            client = pm_conntrack_client_new(fake_open, &refusing);
            g_assert_cmpint(pm_conntrack_client_find(PM_TRANSPORT_TCP, &a, &b, &c, &err,
                                                     client), ==, cases[i].result);
            g_assert_cmpint(err, ==, cases[i].err);
            pm_conntrack_client_free(client);
        }
    }
}

/* ---- the backend ---------------------------------------------------------- */

typedef struct {
    guint               calls;
    pm_conntrack_result answers[4];
} script;

static pm_conntrack_result
scripted(pm_transport transport, const pm_endpoint *a, const pm_endpoint *b,
         pm_connection *out, int *err, gpointer user_data)
{
    script *s = user_data;
    pm_conntrack_result result = s->answers[MIN(s->calls, G_N_ELEMENTS(s->answers) - 1)];

    (void)transport;
    s->calls++;
    *err = result == PM_CONNTRACK_NO_PERMISSION ? EPERM : result == PM_CONNTRACK_FAILED ? EBUSY : 0;
    if (result == PM_CONNTRACK_FOUND) {
        out->original_src = out->reply_dst = *a;
        out->original_dst = out->reply_src = *b;
    }
    return result;
}

static guint told;

static void
count_sink(pm_diag_level level, pm_diag_cause cause, const char *message, gpointer data)
{
    (void)level;
    (void)data;
    g_assert_cmpint(cause, ==, PM_DIAG_CONNTRACK);
    g_test_message("told: %s", message);
    told++;
}

static void
test_backend(void)
{
    pm_backend *backend = pm_netlink_backend_new_with_opener(NULL, NULL, NULL);
    script s = { 0, { PM_CONNTRACK_FOUND, PM_CONNTRACK_FAILED, PM_CONNTRACK_NO_PERMISSION,
                      PM_CONNTRACK_FOUND } };
    pm_endpoint a = ct_endpoint(CLIENT), b = ct_endpoint(BACKEND);
    pm_connection c;
    pm_diag diag;

    pm_diag_init(&diag, count_sink, NULL);
    told = 0;
    /* Another opener (another namespace): no conntrack until given one. */
    g_assert_nonnull(backend->ops->find_connection);
    g_assert_cmpint(backend->ops->find_connection(backend, PM_TRANSPORT_TCP, &a, &b, &c, &diag),
                    ==, PM_CONNTRACK_UNAVAILABLE);
    pm_netlink_backend_set_conntrack(backend, scripted, &s, NULL);
    g_assert_cmpint(backend->ops->find_connection(backend, PM_TRANSPORT_TCP, &a, &b, &c, &diag),
                    ==, PM_CONNTRACK_FOUND);
    assert_endpoint(&c.original_dst, BACKEND);
    /* A failure is for this time only. */
    g_assert_cmpint(backend->ops->find_connection(backend, PM_TRANSPORT_TCP, &a, &b, &c, &diag),
                    ==, PM_CONNTRACK_FAILED);
    /* A refusal is final: said once, never asked again. */
    for (int i = 0; i < 5; i++)
        g_assert_cmpint(backend->ops->find_connection(backend, PM_TRANSPORT_UDP, &a, &b, &c,
                                                      &diag), ==, PM_CONNTRACK_NO_PERMISSION);
    g_assert_cmpuint(s.calls, ==, 3);
    g_assert_cmpuint(told, ==, 1);                    /* one message for the cause */
    g_assert_cmpuint(diag.counts[PM_DIAG_CONNTRACK], ==, 2);
    /* A new way to ask forgets the refusal. */
    s.calls = 3;
    pm_netlink_backend_set_conntrack(backend, scripted, &s, NULL);
    g_assert_cmpint(backend->ops->find_connection(backend, PM_TRANSPORT_TCP, &a, &b, &c, &diag),
                    ==, PM_CONNTRACK_FOUND);
    pm_backend_free(backend);

    /* The default backend asks from this process. */
    backend = pm_netlink_backend_new(NULL);
    g_assert_nonnull(backend->ops->find_connection);
    pm_backend_free(backend);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/conntrack/find/at-once", test_found_at_once);
    g_test_add_func("/conntrack/find/reversed", test_found_reversed);
    g_test_add_func("/conntrack/find/absent", test_absent);
    g_test_add_func("/conntrack/find/refusals", test_refusals);
    g_test_add_func("/conntrack/find/skips", test_skips_what_is_not_the_answer);
    g_test_add_func("/conntrack/find/bad-replies", test_bad_replies);
    g_test_add_func("/conntrack/client", test_client);
    g_test_add_func("/conntrack/backend", test_backend);
    return g_test_run();
}
