/* ns_watchers.c - one watcher per watched network namespace.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ns_watchers.h"

#include <errno.h>

#include "monitor_backend.h"

/* What the netlink backend of one namespace's watcher opens its sockets
 * with. */
typedef struct {
    pm_netns_registry *registry;
    guint32 netns;
    gconstpointer set;      /* the pm_ns_watchers: one per thread */
} ns_opener;

typedef struct {
    guint32     netns;
    ns_opener  *opener;
    pm_watcher *watcher;
    gint64      refreshed_us;  /* monotonic */
} ns_entry;

struct pm_ns_watchers {
    pm_netns_registry *registry;
    pm_monitor *monitor;
    guint       generation;
    gboolean    synced;        /* every namespace of `generation` has its watcher */
    GPtrArray  *entries;       /* of ns_entry* */
    GHashTable *by_netns;      /* inode -> ns_entry* */
    guint       cursor;        /* the next entry pm_ns_watchers_refresh_due() looks at */
};

static int
open_in_namespace(int protocol, gpointer data)
{
    ns_opener *opener = data;
    int fd = pm_netns_open_netlink(opener->registry, opener->netns, protocol, opener->set);

    if (fd < 0) {
        /* Transient for the backend: it must not fall back to /proc/net,
         * which shows our namespace, not this one.  A namespace gone is
         * dropped at the next sync. */
        errno = EAGAIN;
    }
    return fd;
}

static void
entry_free(gpointer data)
{
    ns_entry *entry = data;

    pm_watcher_free(entry->watcher);
    g_free(entry->opener);
    g_free(entry);
}

pm_ns_watchers *
pm_ns_watchers_new(pm_netns_registry *registry, pm_monitor *monitor)
{
    pm_ns_watchers *set = g_new0(pm_ns_watchers, 1);

    set->registry = registry;
    set->monitor = monitor;
    set->entries = g_ptr_array_new_with_free_func(entry_free);
    set->by_netns = g_hash_table_new(g_direct_hash, g_direct_equal);
    return set;
}

void
pm_ns_watchers_free(pm_ns_watchers *set)
{
    if (set == NULL)
        return;
    g_hash_table_unref(set->by_netns);
    g_ptr_array_unref(set->entries);
    g_free(set);
}

static ns_entry *
make_entry(pm_ns_watchers *set, guint32 netns)
{
    ns_entry *entry = g_new0(ns_entry, 1);
    pm_watcher_config config;

    entry->netns = netns;
    entry->opener = g_new0(ns_opener, 1);
    entry->opener->registry = set->registry;
    entry->opener->netns = netns;
    entry->opener->set = set;
    pm_watcher_config_init(&config);
    entry->watcher = pm_watcher_new(pm_monitor_backend_new(set->monitor, open_in_namespace,
                                                           entry->opener, netns),
                                    &config, NULL, NULL);
    (void)pm_watcher_refresh(entry->watcher, NULL);   /* learns its local addresses */
    entry->refreshed_us = g_get_monotonic_time();
    return entry;
}

static gint
by_inode(gconstpointer a, gconstpointer b)
{
    const ns_entry *x = *(ns_entry *const *)a, *y = *(ns_entry *const *)b;

    return (x->netns > y->netns) - (x->netns < y->netns);
}

gboolean
pm_ns_watchers_sync(pm_ns_watchers *set)
{
    guint generation, made = 0;
    gint64 deadline = g_get_monotonic_time() + PM_NS_WATCHERS_BUDGET_US;
    GArray *known;
    GHashTable *wanted;
    gboolean changed = FALSE, complete = TRUE;

    if (set->registry == NULL)
        return FALSE;
    known = pm_netns_list(set->registry, &generation);
    if (set->synced && generation == set->generation) {
        g_array_unref(known);
        return FALSE;
    }
    wanted = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < known->len; i++)
        g_hash_table_add(wanted, GUINT_TO_POINTER(g_array_index(known, guint32, i)));
    /* Gone or no longer watched. */
    for (guint i = set->entries->len; i-- > 0;) {
        ns_entry *entry = g_ptr_array_index(set->entries, i);

        if (!g_hash_table_contains(wanted, GUINT_TO_POINTER(entry->netns))) {
            g_hash_table_remove(set->by_netns, GUINT_TO_POINTER(entry->netns));
            g_ptr_array_remove_index_fast(set->entries, i);
            changed = TRUE;
        }
    }
    /* New ones, in the registry's order, a few per sync. */
    for (guint i = 0; i < known->len; i++) {
        guint32 netns = g_array_index(known, guint32, i);
        ns_entry *entry;

        if (g_hash_table_contains(set->by_netns, GUINT_TO_POINTER(netns)))
            continue;
        if (made == PM_NS_WATCHERS_NEW_PER_SYNC ||
            (made > 0 && g_get_monotonic_time() > deadline)) {
            complete = FALSE;
            break;
        }
        entry = make_entry(set, netns);
        g_ptr_array_add(set->entries, entry);
        g_hash_table_insert(set->by_netns, GUINT_TO_POINTER(netns), entry);
        made++;
        changed = TRUE;
    }
    if (changed)
        g_ptr_array_sort(set->entries, by_inode);
    set->generation = generation;
    set->synced = complete;
    g_hash_table_unref(wanted);
    g_array_unref(known);
    return changed;
}

gboolean
pm_ns_watchers_pending(pm_ns_watchers *set)
{
    if (set == NULL || set->registry == NULL)
        return FALSE;
    return !set->synced || pm_netns_generation(set->registry) != set->generation;
}

void
pm_ns_watchers_refresh_due(pm_ns_watchers *set, gint64 max_age_us)
{
    gint64 start = g_get_monotonic_time();
    guint n = set ? set->entries->len : 0;

    for (guint k = 0; k < n; k++) {
        ns_entry *entry = g_ptr_array_index(set->entries, set->cursor++ % n);
        gint64 now = g_get_monotonic_time();

        if (now - start > PM_NS_WATCHERS_BUDGET_US)
            break;
        if (now - entry->refreshed_us < max_age_us)
            continue;
        (void)pm_watcher_refresh(entry->watcher, NULL);
        entry->refreshed_us = g_get_monotonic_time();
    }
}

guint
pm_ns_watchers_count(pm_ns_watchers *set)
{
    return set ? set->entries->len : 0;
}

pm_watcher *
pm_ns_watchers_get(pm_ns_watchers *set, guint index, guint32 *netns)
{
    ns_entry *entry = g_ptr_array_index(set->entries, index);

    if (netns)
        *netns = entry->netns;
    return entry->watcher;
}

pm_watcher *
pm_ns_watchers_find(pm_ns_watchers *set, guint32 netns)
{
    ns_entry *entry = set ? g_hash_table_lookup(set->by_netns, GUINT_TO_POINTER(netns)) : NULL;

    return entry ? entry->watcher : NULL;
}
