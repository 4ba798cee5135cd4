/* ns_watchers.c - one watcher per network namespace.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ns_watchers.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <unistd.h>

#include "netlink.h"

/* The netlink backend opens a socket per dump and closes it; it gets a
 * duplicate of one made once in the namespace. */
typedef struct {
    pm_netns_registry *registry;
    guint32 netns;
    int     sockets[2];        /* NETLINK_SOCK_DIAG, NETLINK_ROUTE; -1: not yet */
} ns_opener;

typedef struct {
    guint32     netns;
    ns_opener  *opener;
    pm_watcher *watcher;
} ns_entry;

struct pm_ns_watchers {
    pm_netns_registry *registry;
    char   *proc_root;
    guint   generation;
    gboolean synced;
    GArray *entries;           /* of ns_entry, by netns */
};

static int
open_in_namespace(int protocol, gpointer data)
{
    ns_opener *opener = data;
    int slot = protocol == NETLINK_ROUTE ? 1 : 0;
    int fd;

    if (opener->sockets[slot] < 0)
        opener->sockets[slot] = pm_netns_open_netlink(opener->registry, opener->netns, protocol);
    fd = opener->sockets[slot] >= 0 ? fcntl(opener->sockets[slot], F_DUPFD_CLOEXEC, 0) : -1;
    if (fd < 0) {
        /* Transient for the backend: it must not fall back to /proc/net,
         * which shows our namespace, not this one.  A namespace gone is
         * dropped at the next sync. */
        errno = EAGAIN;
    }
    return fd;
}

static void
entry_clear(gpointer data)
{
    ns_entry *entry = data;

    if (entry->opener == NULL)      /* moved to a new array */
        return;
    pm_watcher_free(entry->watcher);
    for (int i = 0; i < 2; i++) {
        if (entry->opener->sockets[i] >= 0)
            close(entry->opener->sockets[i]);
    }
    g_free(entry->opener);
}

pm_ns_watchers *
pm_ns_watchers_new(pm_netns_registry *registry, const char *proc_root)
{
    pm_ns_watchers *set = g_new0(pm_ns_watchers, 1);

    set->registry = registry;
    set->proc_root = g_strdup(proc_root);
    set->entries = g_array_new(FALSE, FALSE, sizeof(ns_entry));
    g_array_set_clear_func(set->entries, entry_clear);
    return set;
}

void
pm_ns_watchers_free(pm_ns_watchers *set)
{
    if (set == NULL)
        return;
    g_array_unref(set->entries);
    g_free(set->proc_root);
    g_free(set);
}

static ns_entry
make_entry(pm_ns_watchers *set, guint32 netns)
{
    ns_entry entry = { .netns = netns };
    pm_watcher_config config;

    entry.opener = g_new0(ns_opener, 1);
    entry.opener->registry = set->registry;
    entry.opener->netns = netns;
    entry.opener->sockets[0] = entry.opener->sockets[1] = -1;
    pm_watcher_config_init(&config);
    entry.watcher = pm_watcher_new(pm_netlink_backend_new_with_opener(set->proc_root,
                                                                      open_in_namespace,
                                                                      entry.opener),
                                   &config, NULL, NULL);
    (void)pm_watcher_refresh(entry.watcher, NULL);   /* learns its local addresses */
    return entry;
}

gboolean
pm_ns_watchers_sync(pm_ns_watchers *set)
{
    guint generation;
    GArray *known, *entries;
    guint old = 0;

    if (set->registry == NULL)
        return FALSE;
    known = pm_netns_list(set->registry, &generation);
    if (set->synced && generation == set->generation) {
        g_array_unref(known);
        return FALSE;
    }
    /* Both lists are sorted by inode: merge. */
    entries = g_array_new(FALSE, FALSE, sizeof(ns_entry));
    g_array_set_clear_func(entries, entry_clear);
    for (guint i = 0; i < known->len; i++) {
        guint32 netns = g_array_index(known, guint32, i);

        while (old < set->entries->len && g_array_index(set->entries, ns_entry, old).netns < netns)
            old++;
        if (old < set->entries->len && g_array_index(set->entries, ns_entry, old).netns == netns) {
            ns_entry moved = g_array_index(set->entries, ns_entry, old);

            /* Taken over: the old array must not clear it. */
            g_array_index(set->entries, ns_entry, old).watcher = NULL;
            g_array_index(set->entries, ns_entry, old).opener = NULL;
            g_array_append_val(entries, moved);
        } else {
            ns_entry fresh = make_entry(set, netns);
            g_array_append_val(entries, fresh);
        }
    }
    g_array_unref(set->entries);
    set->entries = entries;
    set->generation = generation;
    set->synced = TRUE;
    g_array_unref(known);
    return TRUE;
}

guint
pm_ns_watchers_count(pm_ns_watchers *set)
{
    return set ? set->entries->len : 0;
}

pm_watcher *
pm_ns_watchers_get(pm_ns_watchers *set, guint index, guint32 *netns)
{
    ns_entry *entry = &g_array_index(set->entries, ns_entry, index);

    if (netns)
        *netns = entry->netns;
    return entry->watcher;
}

pm_watcher *
pm_ns_watchers_find(pm_ns_watchers *set, guint32 netns)
{
    for (guint i = 0; set != NULL && i < set->entries->len; i++) {
        if (g_array_index(set->entries, ns_entry, i).netns == netns)
            return g_array_index(set->entries, ns_entry, i).watcher;
    }
    return NULL;
}
