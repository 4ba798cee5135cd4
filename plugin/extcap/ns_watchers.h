/* ns_watchers.h - one watcher per network namespace.
 *
 * A watcher over the netlink backend whose sockets are made inside its
 * namespace (netns.h), so its socket table and local addresses are that
 * namespace's; owners come from the host's /proc, which sees every process.
 * Kept in step with the registry: a watcher per namespace it knows.
 *
 * Not thread-safe: each thread that looks up keeps its own set.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_NS_WATCHERS_H
#define PROCMAP_EXTCAP_NS_WATCHERS_H

#include <glib.h>

#include "netns.h"
#include "watcher.h"

G_BEGIN_DECLS

typedef struct pm_ns_watchers pm_ns_watchers;

pm_ns_watchers *pm_ns_watchers_new(pm_netns_registry *registry, const char *proc_root);
void pm_ns_watchers_free(pm_ns_watchers *set);

/* Adds watchers for new namespaces (refreshed once at once) and drops
 * those of namespaces gone.  TRUE when the set changed. */
gboolean pm_ns_watchers_sync(pm_ns_watchers *set);

guint pm_ns_watchers_count(pm_ns_watchers *set);
/* The @index-th watcher and its namespace inode. */
pm_watcher *pm_ns_watchers_get(pm_ns_watchers *set, guint index, guint32 *netns);
/* The watcher of @netns, or NULL. */
pm_watcher *pm_ns_watchers_find(pm_ns_watchers *set, guint32 netns);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_NS_WATCHERS_H */
