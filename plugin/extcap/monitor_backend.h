/* monitor_backend.h - a watcher backend for the unprivileged capture process.
 *
 * Sockets, local addresses and exact lookups come from netlink, which needs
 * no capability (sock_diag and RTM_GETADDR dumps, like `ss`); the owners of
 * sockets and the processes come from the monitor (monitor.h), which tells
 * only what the policy lets the caller learn: an identity-only process has
 * no arguments, executable or working directory, and a process the caller
 * may not see is not found at all (read_process fails: not "vanished").
 * The files the monitor hands over (stat, status, cmdline) are parsed here,
 * in the capture process.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_MONITOR_BACKEND_H
#define PROCMAP_EXTCAP_MONITOR_BACKEND_H

#include "backend.h"
#include "monitor.h"
#include "netlink.h"

G_BEGIN_DECLS

/* @open_fn, @open_data: netlink sockets of the namespace to watch (NULL:
 * this process's own); @netns: that namespace's inode (0: ours).
 * @monitor is borrowed.
 *
 * Conntrack (find_connection) is the monitor's to ask (the kernel answers
 * only a process with cap_net_admin).  NAT may have happened in the
 * watched namespace or in the one the packet was captured in (a router, a
 * host in front of its containers): both are asked, and an entry that
 * translates the packet wins. */
pm_backend *pm_monitor_backend_new(pm_monitor *monitor, pm_netlink_open_fn open_fn,
                                   gpointer open_data, guint32 netns);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_MONITOR_BACKEND_H */
