/* netlink.h - the Linux netlink backend, the default on Linux.
 *
 * Sockets come from NETLINK_SOCK_DIAG dumps (SOCK_DIAG_BY_FAMILY, the way
 * `ss` lists them) and local addresses from an rtnetlink RTM_GETADDR dump:
 * both read the network namespace of the calling process, which is what
 * /proc/net shows.  The owner scan, process reads and user names are the
 * procfs backend's, on the given proc root.
 *
 * Conntrack (netlink_conntrack.c): the backend answers find_connection by
 * asking the kernel's connection tracking (conntrack.h), from this process
 * for a backend of pm_netlink_backend_new(), through whatever function
 * pm_netlink_backend_set_conntrack() gives otherwise (none: UNAVAILABLE).
 * Address changes (netlink_notify.c): a backend of this process's network
 * namespace (the kernel opener) follows RTM_NEWADDR/RTM_DELADDR
 * notifications to answer local_addresses_changed without a dump.
 *
 * Fallback: when netlink cannot be used - the socket cannot be opened, or
 * the kernel refuses the dump (EPERM, ENOENT: no diag module, ...) - the
 * backend notes PM_DIAG_NETLINK_ERROR once and uses the procfs tables from
 * then on.  A dump that fails midway (short, cut or error reply) fails that
 * call only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_NETLINK_H
#define PROCMAP_NETLINK_H

#include "backend.h"

G_BEGIN_DECLS

/* Opens a datagram socket for netlink @protocol (NETLINK_SOCK_DIAG or
 * NETLINK_ROUTE) whose send() reaches the kernel and whose recv() returns
 * the kernel's replies; -1 with errno set on failure.  Tests pass their own
 * to fake a kernel or a refusal. */
typedef int (*pm_netlink_open_fn)(int protocol, gpointer user_data);

/* The real one: socket(AF_NETLINK), connected to the kernel (port 0), so
 * nothing but the kernel's replies can arrive. */
int pm_netlink_open_kernel(int protocol, gpointer user_data);

/* @proc_root: as for pm_procfs_backend_new() (NULL: /proc); used for owners,
 * processes and the fallback tables.  Never fails. */
pm_backend *pm_netlink_backend_new(const char *proc_root);
pm_backend *pm_netlink_backend_new_with_opener(const char *proc_root,
                                               pm_netlink_open_fn open_fn,
                                               gpointer user_data);

/* How the backend asks conntrack about a packet (conntrack.h): in-process
 * (pm_conntrack_client_find), or by asking a privileged helper.  The
 * arguments and results are pm_conntrack_find()'s. */
typedef pm_conntrack_result (*pm_conntrack_fn)(pm_transport transport, const pm_endpoint *a,
                                               const pm_endpoint *b, pm_connection *out,
                                               int *err, gpointer user_data);

/* Replaces how @backend (a netlink backend) asks conntrack; @fn NULL: it
 * cannot.  @destroy frees @user_data with the backend or the next call.
 * A final refusal (no permission, no conntrack) is forgotten. */
void pm_netlink_backend_set_conntrack(pm_backend *backend, pm_conntrack_fn fn,
                                      gpointer user_data, GDestroyNotify destroy);

G_END_DECLS

#endif /* PROCMAP_NETLINK_H */
