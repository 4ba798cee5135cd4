/* monitor_conntrack.c - the monitor asks the kernel's connection tracking
 * about one packet tuple for the capture process.
 *
 * The kernel answers ctnetlink only when both the process that opened the
 * socket and the one sending the request hold CAP_NET_ADMIN over the
 * socket's namespace (conntrack.h), so the capture process, which holds
 * nothing, cannot be given a socket: the monitor asks itself, with
 * cap_net_admin effective only around the socket's creation and the
 * request.  What it sends is built here (one IPCTNL_MSG_CT_GET of the
 * tuple, conntrack.c), never taken from the caller, so nothing in the
 * tables can be changed or dumped through it; the answer is the entry of
 * that tuple, which a member of the capture group could learn by capturing
 * on both sides of the NAT.  Another namespace is asked only if it is in
 * the latest list (monitor_netns.c), as for its socket tables.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor_private.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "conntrack.h"
#include "netlink.h"
#include "privileges.h"

/* A ctnetlink socket of the current namespace, made with cap_net_admin
 * (the kernel remembers the opener's credentials): -1 and errno if not. */
static int
open_conntrack(void)
{
    int fd, err;

    if (!pm_privileges_raise(PM_PRIV_CONNTRACK)) {
        errno = EPERM;
        return -1;
    }
    fd = pm_netlink_open_kernel(NETLINK_NETFILTER, NULL);
    err = errno;
    pm_privileges_lower();
    errno = err;
    return fd;
}

typedef struct {
    int fd;
    int err;
} opened;

static void
open_conntrack_here(gpointer data)
{
    opened *socket = data;

    socket->fd = open_conntrack();
    socket->err = socket->fd < 0 ? errno : 0;
}

/* The answer to @request on @fd, sent with cap_net_admin effective. */
static pm_conntrack_result
ask(int fd, guint32 *seq, const pm_mon_request *request, pm_connection *out, int *err)
{
    pm_conntrack_result result;

    (void)pm_privileges_raise(PM_PRIV_CONNTRACK);
    result = pm_conntrack_find(fd, seq, (pm_transport)request->transport, &request->ends[0],
                               &request->ends[1], out, err);
    pm_privileges_lower();
    return result;
}

/* The result for a socket that could not be made. */
static pm_conntrack_result
unopened(int err)
{
    switch (err) {
    case EPERM:
    case EACCES:
        return PM_CONNTRACK_NO_PERMISSION;
    case EPROTONOSUPPORT:
    case EAFNOSUPPORT:
        return PM_CONNTRACK_UNAVAILABLE;
    default:
        return PM_CONNTRACK_FAILED;
    }
}

void
pm_monitor_serve_conntrack(monitor_state *m, const pm_mon_request *request)
{
    pm_mon_reply *reply = g_new0(pm_mon_reply, 1);
    pm_mon_conntrack *answer = &reply->u.conntrack;
    int err = 0;

    reply->type = PM_MON_CONNTRACK;
    if (request->netns == 0 || request->netns == m->hello.own_netns) {
        /* Ours: one socket, kept; made again after a failure. */
        if (m->conntrack_fd < 0)
            m->conntrack_fd = open_conntrack();
        if (m->conntrack_fd < 0) {
            err = errno;
            answer->result = unopened(err);
        } else {
            answer->result = ask(m->conntrack_fd, &m->conntrack_seq, request,
                                 &answer->connection, &err);
            if (answer->result == PM_CONNTRACK_FAILED) {
                close(m->conntrack_fd);
                m->conntrack_fd = -1;
            }
        }
    } else {
        /* Another: a socket for this question only, no descriptor kept
         * per namespace (a user can make thousands). */
        opened made = { -1, 0 };
        int entered = pm_monitor_in_namespace(m, request->netns, open_conntrack_here, &made);

        if (entered != 0) {
            g_free(reply);
            pm_monitor_send_error(m, PM_MON_CONNTRACK, entered);
            return;
        }
        if (made.fd < 0) {
            err = made.err;
            answer->result = unopened(err);
        } else {
            answer->result = ask(made.fd, &m->conntrack_seq, request, &answer->connection, &err);
            close(made.fd);
        }
    }
    answer->err = err > 0 ? err : 0;
    if (answer->result != PM_CONNTRACK_FOUND)
        memset(&answer->connection, 0, sizeof answer->connection);
    pm_monitor_send(m, reply, NULL, 0);
    g_free(reply);
}
