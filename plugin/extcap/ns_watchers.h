/* ns_watchers.h - one watcher per watched network namespace.
 *
 * A watcher over the monitor backend (monitor_backend.h) whose netlink
 * sockets are made inside its namespace (netns.h), so its socket table and
 * local addresses are that namespace's; owners and processes come from the
 * monitor, under its policy.  Kept in step with the registry: a watcher per
 * namespace it watches.  A new watcher costs a refresh (three netlink
 * dumps), so a sync makes at most PM_NS_WATCHERS_NEW_PER_SYNC of them, the
 * registry's first (those an administrator made) first; the rest follow at
 * the next syncs.
 *
 * Not thread-safe: each thread that looks up keeps its own set.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_NS_WATCHERS_H
#define PROCMAP_EXTCAP_NS_WATCHERS_H

#include <glib.h>

#include "monitor.h"
#include "netns.h"
#include "watcher.h"

G_BEGIN_DECLS

#define PM_NS_WATCHERS_NEW_PER_SYNC 16
/* What a sync or a round of refreshes may spend of the capture thread's
 * time (it reads no packet meanwhile); at least one watcher is served. */
#define PM_NS_WATCHERS_BUDGET_US (50 * 1000)

typedef struct pm_ns_watchers pm_ns_watchers;

/* @registry may be NULL (no other namespace). */
pm_ns_watchers *pm_ns_watchers_new(pm_netns_registry *registry, pm_monitor *monitor);
void pm_ns_watchers_free(pm_ns_watchers *set);

/* Adds watchers for new namespaces (refreshed once at once; at most
 * PM_NS_WATCHERS_NEW_PER_SYNC, within PM_NS_WATCHERS_BUDGET_US) and drops
 * those of namespaces no longer watched.  TRUE when the set changed. */
gboolean pm_ns_watchers_sync(pm_ns_watchers *set);
/* Whether a namespace of the registry has no watcher yet (a sync ran out
 * of budget, or the registry changed since): sync again soon. */
gboolean pm_ns_watchers_pending(pm_ns_watchers *set);

/* Refreshes the watchers last refreshed more than @max_age_us ago, in turn,
 * within PM_NS_WATCHERS_BUDGET_US (addresses change: a container restarts). */
void pm_ns_watchers_refresh_due(pm_ns_watchers *set, gint64 max_age_us);

guint pm_ns_watchers_count(pm_ns_watchers *set);
/* The @index-th watcher and its namespace inode. */
pm_watcher *pm_ns_watchers_get(pm_ns_watchers *set, guint index, guint32 *netns);
/* The watcher of @netns, or NULL. */
pm_watcher *pm_ns_watchers_find(pm_ns_watchers *set, guint32 netns);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_NS_WATCHERS_H */
