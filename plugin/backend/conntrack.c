/* conntrack.c - one ctnetlink question and its answer, on a socket given or
 * kept by a client.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "conntrack.h"
#include "conntrack_parse.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

/* One entry is a few hundred bytes (tuples, status, timeout, counters,
 * labels); a datagram past this is not a reply we understand. */
#define REPLY_MAX 8192
#define REQUEST_MAX 160

const char *
pm_conntrack_result_name(pm_conntrack_result result)
{
    switch (result) {
    case PM_CONNTRACK_FOUND:         return "found";
    case PM_CONNTRACK_ABSENT:        return "absent";
    case PM_CONNTRACK_NO_PERMISSION: return "no-permission";
    case PM_CONNTRACK_UNAVAILABLE:   return "unavailable";
    case PM_CONNTRACK_FAILED:        break;
    }
    return "failed";
}

/* What a kernel error means for the question. */
static pm_conntrack_result
result_of_errno(int err)
{
    switch (err) {
    case ENOENT:
        return PM_CONNTRACK_ABSENT;
    case EPERM:
    case EACCES:
        return PM_CONNTRACK_NO_PERMISSION;
    case EINVAL:            /* nfnetlink without the ctnetlink subsystem */
    case EOPNOTSUPP:
    case EPROTONOSUPPORT:   /* a kernel without nfnetlink: the socket */
    case EAFNOSUPPORT:
        return PM_CONNTRACK_UNAVAILABLE;
    default:
        return PM_CONNTRACK_FAILED;
    }
}

/* Waits for and reads one whole datagram into @buf. */
static gboolean
receive(int fd, guint8 *buf, gsize cap, gsize *len, int *err)
{
    struct pollfd waiting = { .fd = fd, .events = POLLIN };
    ssize_t n;
    int ready;

    do
        ready = poll(&waiting, 1, PM_CONNTRACK_TIMEOUT_MS);
    while (ready < 0 && errno == EINTR);
    if (ready <= 0) {
        *err = ready == 0 ? ETIMEDOUT : errno;
        return FALSE;
    }
    do
        n = recv(fd, buf, cap, MSG_TRUNC | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n > 0 && (gsize)n <= cap) {
        *len = (gsize)n;
        return TRUE;
    }
    /* 0: the peer closed (never a kernel); past @cap: cut, not trusted. */
    *err = n < 0 ? errno : n == 0 ? ECONNRESET : EMSGSIZE;
    return FALSE;
}

/* One request and its answer: the entry, ABSENT (ENOENT) or why not. */
static pm_conntrack_result
ask(int fd, guint32 seq, const guint8 *request, gsize request_len, pm_connection *out,
    int *err)
{
    guint8 reply[REPLY_MAX];
    ssize_t sent;

    do
        sent = send(fd, request, request_len, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    if (sent != (ssize_t)request_len) {
        *err = sent < 0 ? errno : EMSGSIZE;
        return PM_CONNTRACK_FAILED;
    }
    for (;;) {
        gsize len, offset = 0;
        pm_nl_message msg;
        pm_nl_next_result next;
        guint8 protocol;

        if (!receive(fd, reply, sizeof reply, &len, err))
            return PM_CONNTRACK_FAILED;
        while ((next = pm_nl_next_message(reply, len, &offset, &msg)) == PM_NL_NEXT_OK) {
            if (msg.seq != seq)
                continue;   /* the late answer of an abandoned question */
            switch (pm_nl_classify(&msg, err)) {
            case PM_NL_KIND_ACK:
            case PM_NL_KIND_NOOP:
                continue;
            case PM_NL_KIND_ERROR:
                return result_of_errno(*err);
            case PM_NL_KIND_DATA:
                if (msg.type == PM_CT_MSG_TYPE(IPCTNL_MSG_CT_NEW)
                    && pm_ct_parse_entry(msg.payload, msg.payload_len, &protocol, out)
                       == PM_NL_ROW_OK)
                    return PM_CONNTRACK_FOUND;
                break;
            case PM_NL_KIND_DONE:
            case PM_NL_KIND_MALFORMED:
                break;
            }
            *err = 0;       /* a reply we do not understand */
            return PM_CONNTRACK_FAILED;
        }
        if (next == PM_NL_NEXT_MALFORMED) {
            *err = 0;
            return PM_CONNTRACK_FAILED;
        }
    }
}

pm_conntrack_result
pm_conntrack_find(int fd, guint32 *seq, pm_transport transport, const pm_endpoint *a,
                  const pm_endpoint *b, pm_connection *out, int *err)
{
    guint8 protocol = transport == PM_TRANSPORT_TCP ? IPPROTO_TCP : IPPROTO_UDP;

    *err = 0;
    if ((unsigned)transport >= PM_TRANSPORT_COUNT) {
        *err = EINVAL;
        return PM_CONNTRACK_FAILED;
    }
    /* The kernel finds an entry by either of its tuples; a packet seen
     * after NAT in one direction is a tuple of its entry only reversed. */
    for (int pass = 0; pass < 2; pass++) {
        guint8 request[REQUEST_MAX];
        guint32 this_seq = ++*seq;
        gsize len = pm_ct_build_get(request, sizeof request, protocol, pass ? b : a,
                                    pass ? a : b, this_seq);
        pm_conntrack_result result;

        if (len == 0) {
            *err = EINVAL;      /* not one IP family */
            return PM_CONNTRACK_FAILED;
        }
        result = ask(fd, this_seq, request, len, out, err);
        if (result != PM_CONNTRACK_ABSENT)
            return result;
    }
    *err = 0;
    return PM_CONNTRACK_ABSENT;
}

/* ---- the client --------------------------------------------------------- */

struct pm_conntrack_client {
    pm_netlink_open_fn open_fn;
    gpointer           open_data;
    int                fd;
    guint32            seq;
};

pm_conntrack_client *
pm_conntrack_client_new(pm_netlink_open_fn open_fn, gpointer open_data)
{
    pm_conntrack_client *client = g_new0(pm_conntrack_client, 1);

    client->open_fn = open_fn ? open_fn : pm_netlink_open_kernel;
    client->open_data = open_data;
    client->fd = -1;
    return client;
}

void
pm_conntrack_client_free(pm_conntrack_client *client)
{
    if (client == NULL)
        return;
    if (client->fd >= 0)
        close(client->fd);
    g_free(client);
}

pm_conntrack_result
pm_conntrack_client_find(pm_transport transport, const pm_endpoint *a, const pm_endpoint *b,
                         pm_connection *out, int *err, gpointer user_data)
{
    pm_conntrack_client *client = user_data;
    pm_conntrack_result result;

    if (client->fd < 0) {
        errno = 0;
        client->fd = client->open_fn(NETLINK_NETFILTER, client->open_data);
        if (client->fd < 0) {
            *err = errno ? errno : EIO;
            result = result_of_errno(*err);
            return result == PM_CONNTRACK_ABSENT ? PM_CONNTRACK_FAILED : result;
        }
    }
    result = pm_conntrack_find(client->fd, &client->seq, transport, a, b, out, err);
    if (result == PM_CONNTRACK_FAILED) {
        /* A socket in an unknown state is not reused. */
        close(client->fd);
        client->fd = -1;
    }
    return result;
}
