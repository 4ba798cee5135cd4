/* test_netlink_fake_kernel.h - a fake netlink kernel for the netlink
 * backend tests: pm_netlink_backend_new_with_opener(root, fake_open, k) gets
 * one end of a SOCK_SEQPACKET pair (datagrams, like netlink) per socket it
 * opens; a thread on the other end records each request and answers it with
 * the datagrams a script sends.  Plus a fake proc tree for the fallback.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_TEST_NETLINK_FAKE_KERNEL_H
#define PROCMAP_TEST_NETLINK_FAKE_KERNEL_H

#include <glib.h>

#include "backend.h"

G_BEGIN_DECLS

/* One request as the fake kernel received it. */
typedef struct {
    int     protocol;       /* of the socket it came on */
    guint16 type;
    guint16 flags;
    guint32 seq;
    guint8  family;         /* sdiag_family or ifa_family */
    guint8  transport;      /* sdiag_protocol */
    guint32 states;
    /* SOCK_DIAG_BY_FAMILY: the socket id asked for; ports in host order. */
    guint8  src[16];
    guint8  dst[16];
    guint16 sport;
    guint16 dport;
    guint32 ifindex;
    guint32 cookie[2];
} fake_request;

typedef struct fake_kernel fake_kernel;

/* Answers request number @index (counted over the fake's life) by sending
 * datagrams on @fd; FALSE hangs up. */
typedef gboolean (*fake_script)(fake_kernel *k, int fd, const fake_request *req, guint index);

struct fake_kernel {
    fake_script script;
    int         open_errno;  /* opening fails with this when non-zero */
    guint       opens;
    int         last_protocol;
    GMutex      lock;
    GArray     *requests;    /* of fake_request */
    GPtrArray  *threads;
    gpointer    data;        /* for the script */
};

fake_kernel *fake_new(fake_script script);
/* A pm_netlink_open_fn; @data is the fake_kernel. */
int fake_open(int protocol, gpointer data);
/* Waits for every connection to end (the backend closes its end), frees. */
void fake_free(fake_kernel *k);
const fake_request *request_at(fake_kernel *k, guint i);
/* Sends @datagram (consumed) to the backend. */
void send_datagram(int fd, GByteArray *datagram);
/* A datagram holding only NLMSG_DONE. */
GByteArray *done_only(guint32 seq);

/* A fake host: socket tables, fib_trie, if_inet6; free with pt_tree_free(). */
char *fake_host(void);
/* The procfs backend's table of @transport on @root. */
GArray *procfs_table(const char *root, pm_transport transport);
void assert_same_rows(GArray *a, GArray *b);
void assert_endpoint(const pm_endpoint *ep, const char *expected);
/* A table (of pm_socket) holding one sentinel row of inode 999999, to see
 * that rows are appended and that a failed call leaves it as it was. */
GArray *table_with_sentinel(void);

#define ROW(a, i) (&g_array_index((a), pm_socket, (i)))

/* Registration of the tests of test_netlink_fallback.c. */
void add_fallback_tests(void);

G_END_DECLS

#endif /* PROCMAP_TEST_NETLINK_FAKE_KERNEL_H */
