/* conntrack.h - asking the kernel's connection tracking which connection a
 * packet belongs to, before and after NAT: ctnetlink (NETLINK_NETFILTER),
 * one IPCTNL_MSG_CT_GET per question, never a dump of the table.
 *
 * Permission (checked on Linux 6.18; nfnetlink_rcv_msg has done it since
 * Linux 3.x): anyone may open the socket, but the kernel answers every
 * ctnetlink request - the GET of one entry as well as a dump - with EPERM
 * unless both the process that opened the socket and the process sending
 * the request have CAP_NET_ADMIN over the socket's network namespace
 * (netlink_net_capable()).  Root without the capability is refused too.  A
 * socket opened by a privileged process and handed to an unprivileged one
 * is refused, and so is the reverse: a process without the capability
 * cannot be given conntrack, it has to ask one that has it.  So
 * pm_conntrack_find() takes any open socket (a privileged helper keeps one
 * per network namespace and answers with it), and the netlink backend takes
 * a function (pm_netlink_backend_set_conntrack) that may ask such a helper
 * instead of the kernel.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_CONNTRACK_H
#define PROCMAP_CONNTRACK_H

#include "backend.h"
#include "netlink.h"

G_BEGIN_DECLS

/* A kernel answers at once; a silent peer must not hang the dissector. */
#define PM_CONNTRACK_TIMEOUT_MS 2000

/* The conntrack entry of a packet between @a and @b (of one IP family),
 * asked on @fd, an open NETLINK_NETFILTER socket connected to the kernel:
 * the entry whose original or reply tuple is a->b, else the one whose
 * tuple is b->a (at most two requests; sequence numbers from *@seq).
 * *@err is the errno behind anything but FOUND and ABSENT (0 for a reply
 * that does not parse).  After FAILED the socket may hold a late reply:
 * the next call skips it by its sequence number. */
pm_conntrack_result pm_conntrack_find(int fd, guint32 *seq, pm_transport transport,
                                      const pm_endpoint *a, const pm_endpoint *b,
                                      pm_connection *out, int *err);

/* The question from this process, in its network namespace: one socket,
 * opened at the first question with @open_fn (NULL: the kernel's) and kept;
 * closed after a failure, opened again at the next question. */
typedef struct pm_conntrack_client pm_conntrack_client;

pm_conntrack_client *pm_conntrack_client_new(pm_netlink_open_fn open_fn, gpointer open_data);
void pm_conntrack_client_free(pm_conntrack_client *client);
/* A pm_conntrack_fn whose @user_data is a pm_conntrack_client. */
pm_conntrack_result pm_conntrack_client_find(pm_transport transport, const pm_endpoint *a,
                                             const pm_endpoint *b, pm_connection *out,
                                             int *err, gpointer user_data);

const char *pm_conntrack_result_name(pm_conntrack_result result);

G_END_DECLS

#endif /* PROCMAP_CONNTRACK_H */
