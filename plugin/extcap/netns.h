/* netns.h - the network namespaces of this host, and sockets inside them.
 *
 * Sockets of processes in other network namespaces (containers, `ip netns`)
 * are not in this namespace's socket table.  The registry finds every
 * namespace through /proc/<pid>/ns/net (distinct inodes; needs
 * CAP_SYS_PTRACE for other users' processes), and the named ones in
 * /run/netns (`ip netns add`, before any process runs there) and
 * /run/docker/netns, and opens netlink sockets
 * inside one on request: a socket stays bound to the namespace it was made
 * in, so only making it needs setns(2) and CAP_SYS_ADMIN.  That is done by
 * one helper thread, the only one that keeps CAP_SYS_ADMIN; it also rescans
 * the namespaces every PM_NETNS_RESCAN_S seconds, and closes its handle of
 * a namespace no process uses any more.
 *
 * Thread-safe.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_NETNS_H
#define PROCMAP_EXTCAP_NETNS_H

#include <glib.h>

G_BEGIN_DECLS

#define PM_NETNS_RESCAN_S 1

typedef struct pm_netns_registry pm_netns_registry;

/* Called on the helper thread when it starts (e.g. to drop capabilities it
 * does not need); may be NULL. */
typedef void (*pm_netns_thread_init_fn)(gpointer user_data);

/* Starts the helper thread and scans once.  Fails when this process cannot
 * enter namespaces (no CAP_SYS_ADMIN) or has no /proc. */
pm_netns_registry *pm_netns_registry_new(const char *proc_root,
                                         pm_netns_thread_init_fn thread_init,
                                         gpointer thread_init_data, GError **error);
void pm_netns_registry_free(pm_netns_registry *registry);

/* This process's own network namespace (its inode). */
guint32 pm_netns_self(pm_netns_registry *registry);

/* The other namespaces known now (guint32 inodes, sorted), and a number
 * that changes whenever that set does. */
GArray *pm_netns_list(pm_netns_registry *registry, guint *generation);

/* A netlink socket of @protocol (NETLINK_SOCK_DIAG, NETLINK_ROUTE) made in
 * namespace @netns, connected to the kernel; -1 with errno set when the
 * namespace is gone or cannot be entered. */
int pm_netns_open_netlink(pm_netns_registry *registry, guint32 netns, int protocol);

/* The inode of the namespace of /proc/<pid>/ns/net, or 0. */
guint32 pm_netns_of_pid(const char *proc_root, gint32 pid);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_NETNS_H */
