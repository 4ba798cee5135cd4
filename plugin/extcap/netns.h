/* netns.h - the network namespaces of this host, and sockets inside them.
 *
 * Sockets of processes in other network namespaces (containers, `ip netns`)
 * are not in this namespace's socket table.  The monitor (monitor.h) finds
 * the namespaces in use and makes netlink sockets inside one on request (a
 * socket stays bound to the namespace it was made in); this registry keeps
 * what it said, without a thread and without a descriptor per namespace:
 *
 *  - at most pm_netns_watch_limit() namespaces are watched (those an
 *    administrator made first: any user can make thousands with
 *    `unshare -rn`); one message says when the limit is reached;
 *  - sockets are asked for when a dump needs them and kept in a small pool
 *    (PM_NETNS_POOL namespaces), so descriptors stay bounded however many
 *    namespaces there are.
 *
 * Thread-safe (the fallback poller's thread reads namespaces too).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_NETNS_H
#define PROCMAP_EXTCAP_NETNS_H

#include <glib.h>

#include "monitor.h"

G_BEGIN_DECLS

#define PM_NETNS_RESCAN_S 1
#define PM_NETNS_WATCH_MAX 256
#define PM_NETNS_POOL 32

typedef struct pm_netns_registry pm_netns_registry;

/* Fails when the monitor cannot enter namespaces (no cap_sys_admin).  No
 * scan yet: pm_netns_registry_rescan() does it, once the capture runs. */
pm_netns_registry *pm_netns_registry_new(pm_monitor *monitor, GError **error);
void pm_netns_registry_free(pm_netns_registry *registry);

/* This process's own network namespace (its inode). */
guint32 pm_netns_self(pm_netns_registry *registry);

/* Asks the monitor which namespaces are in use now.  TRUE when the set of
 * watched ones changed. */
gboolean pm_netns_registry_rescan(pm_netns_registry *registry);

/* The namespaces watched now (guint32 inodes, those made by an
 * administrator first), and a number that changes whenever that set does. */
GArray *pm_netns_list(pm_netns_registry *registry, guint *generation);
/* The generation pm_netns_list() would give, without copying the list. */
guint pm_netns_generation(pm_netns_registry *registry);

/* Namespaces in use but not watched (past the limit). */
guint pm_netns_skipped(pm_netns_registry *registry);

/* A netlink socket of @protocol (NETLINK_SOCK_DIAG, NETLINK_ROUTE) made in
 * namespace @netns, connected to the kernel (the caller closes it); -1 with
 * errno set when the namespace is gone or cannot be entered.  What is given
 * is a duplicate of a pooled socket: two @user (one per thread) never get
 * the same socket, whose replies would interleave. */
int pm_netns_open_netlink(pm_netns_registry *registry, guint32 netns, int protocol,
                          gconstpointer user);

/* How many namespaces may be watched with this process's descriptor limit
 * (RLIMIT_NOFILE): each watched one may hold a lookup socket. */
guint pm_netns_watch_limit(void);

/* Raises the soft RLIMIT_NOFILE to the hard one. */
void pm_netns_raise_fd_limit(void);

/* The inode of the namespace of /proc/<pid>/ns/net, or 0. */
guint32 pm_netns_of_pid(const char *proc_root, gint32 pid);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_NETNS_H */
