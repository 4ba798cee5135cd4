/* refresh.c - rebuild the socket tables from the backend, and settle a
 * miss with an exact lookup when one can spare the rebuild.
 *
 * A refresh reads both transports' socket tables and makes one owner scan,
 * because the owner scan (every fd of every process) is the dominant cost
 * and serves both.  An exact lookup asks the backend for the one socket of
 * a missed tuple (a few us with netlink, against tens of ms for a refresh
 * of 10 k sockets).
 *
 * The owner scan asks only about sockets whose owners are unknown: a socket
 * the previous refresh saw keeps its owners while they live (the backend's
 * process_start, one fstatat each), and one that had none keeps none, until
 * the next whole scan, at least every mapping_ttl.  What this can miss until
 * then, a live owner that handed its socket on and closed it (a forking
 * server's accepted connection), is what a whole scan a moment earlier
 * would have missed too; Packetbeat's own answers live that long.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "watcher_private.h"

#include <string.h>

/* ---- refresh ------------------------------------------------------------ */

static void
process_cache_entry_free(gpointer data)
{
    process_cache_entry *entry = data;
    pm_process_unref(entry->process);
    g_free(entry);
}

GHashTable *
pm_process_cache_new(void)
{
    return pm_process_key_table_new(process_cache_entry_free);
}

GHashTable *
pm_owner_index_new(void)
{
    return g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                 (GDestroyNotify)g_ptr_array_unref);
}

static gboolean
process_cache_entry_expired(gpointer key, gpointer value, gpointer user_data)
{
    const process_cache_entry *entry = value;
    const gint64 *deadline = user_data;
    (void)key;
    return entry->created_us <= *deadline;
}

/* The record of (pid, start), from the cache or read now; NULL if the process
 * is gone.  Returns a borrowed pointer owned by the cache. */
static pm_process *
process_for_owner(pm_watcher *watcher, const pm_owner *owner, gint64 now)
{
    pm_process_key key = { owner->pid, owner->start_time_ns };
    process_cache_entry *cached = g_hash_table_lookup(watcher->process_cache, &key);
    pm_process_raw raw;
    pm_read_status status;

    if (cached != NULL) {
        watcher->stats.process_cache_hits++;
        return cached->process;
    }
    memset(&raw, 0, sizeof raw);
    raw.ppid = -1;
    status = watcher->backend->ops->read_process(watcher->backend, owner->pid, &raw,
                                                 &watcher->diag);
    watcher->stats.process_reads++;
    if (status != PM_READ_OK) {
        pm_process_raw_clear(&raw);
        return NULL;
    }
    raw.pid = owner->pid;
    /* The scan's start time is the identity; a re-read in between that saw a
     * newer process of the same pid would not match the socket. */
    if (owner->start_time_ns != 0 && raw.start_time_ns != owner->start_time_ns) {
        pm_process_raw_clear(&raw);
        return NULL;
    }
    cached = g_new0(process_cache_entry, 1);
    cached->process = pm_process_new(&raw,
                                     raw.has_uid ? pm_watcher_user_name(watcher, raw.uid) : NULL,
                                     watcher->aliases, watcher->n_aliases);
    cached->created_us = now;
    g_hash_table_insert(watcher->process_cache, pm_process_key_new(owner->pid,
                                                                   owner->start_time_ns),
                        cached);
    return cached->process;
}

/* inode -> sorted owner records, one per distinct process. */
static GHashTable *
index_owners(pm_watcher *watcher, GArray *owners, gint64 now)
{
    GHashTable *index = pm_owner_index_new();
    /* One record per (pid, start) per refresh, however many fds it holds. */
    GHashTable *resolved = pm_process_key_table_new(NULL);

    for (guint i = 0; i < owners->len; i++) {
        const pm_owner *owner = &g_array_index(owners, pm_owner, i);
        pm_process_key key = { owner->pid, owner->start_time_ns };
        pm_process *process;
        GPtrArray *list;
        gboolean seen = FALSE;

        if (!g_hash_table_lookup_extended(resolved, &key, NULL, (gpointer *)&process)) {
            process = process_for_owner(watcher, owner, now);
            g_hash_table_insert(resolved, pm_process_key_new(owner->pid, owner->start_time_ns),
                                process);
        }

        if (process == NULL)
            continue;
        list = g_hash_table_lookup(index, &owner->inode);
        if (list == NULL) {
            list = g_ptr_array_new_with_free_func((GDestroyNotify)pm_process_unref);
            g_hash_table_insert(index, g_memdup2(&owner->inode, sizeof owner->inode), list);
        }
        for (guint j = 0; j < list->len && !seen; j++)
            seen = g_ptr_array_index(list, j) == process;
        if (!seen)
            g_ptr_array_add(list, pm_process_ref(process));
    }
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, index);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_sort(value, pm_process_compare_age);
    g_hash_table_unref(resolved);
    return index;
}

void
pm_watcher_forget_owners(pm_watcher *watcher)
{
    if (watcher->last_owner_rows)
        g_array_unref(watcher->last_owner_rows);
    if (watcher->last_inodes)
        g_hash_table_unref(watcher->last_inodes);
    if (watcher->unreadable_uids)
        g_hash_table_unref(watcher->unreadable_uids);
    watcher->last_owner_rows = NULL;
    watcher->last_inodes = NULL;
    watcher->unreadable_uids = NULL;
    watcher->owners_scanned_us = 0;
}

/* Whether this refresh must scan every process: nothing kept, the backend
 * cannot check its owners, Packetbeat's rule, or the whole scan is due. */
static gboolean
whole_owner_scan_due(pm_watcher *watcher, gint64 now)
{
    return watcher->backend->ops->process_start == NULL || watcher->config.refresh_on_every_miss
           || watcher->last_owner_rows == NULL || watcher->owners_scanned_us == 0
           || now < watcher->owners_scanned_us
           || now - watcher->owners_scanned_us >= watcher->config.mapping_ttl_us;
}

/* Moves to @owners the previous refresh's rows of the sockets in @wanted
 * whose owner still lives, and takes out of @wanted every socket whose
 * owners are so known: kept, or none found by the last scan that looked. */
static void
keep_known_owners(pm_watcher *watcher, GHashTable *wanted, GArray *owners)
{
    const pm_backend_ops *ops = watcher->backend->ops;
    GArray *rows = watcher->last_owner_rows;
    GHashTable *kept = g_hash_table_new(g_int64_hash, g_int64_equal);
    /* (pid, start) -> alive, one check per process however many fds. */
    GHashTable *alive = pm_process_key_table_new(NULL);
    GHashTableIter iter;
    gpointer key;

    for (guint i = 0; i < rows->len; i++) {
        pm_owner *row = &g_array_index(rows, pm_owner, i);
        pm_process_key process = { row->pid, row->start_time_ns };
        gpointer lives;

        if (!g_hash_table_contains(wanted, &row->inode))
            continue;  /* the socket is gone */
        if (!g_hash_table_lookup_extended(alive, &process, NULL, &lives)) {
            guint64 start_ns = 0;
            pm_read_status status = ops->process_start(watcher->backend, row->pid, &start_ns,
                                                       &watcher->diag);
            lives = GINT_TO_POINTER(status == PM_READ_OK && row->start_time_ns != 0
                                    && start_ns == row->start_time_ns);
            g_hash_table_insert(alive, pm_process_key_new(row->pid, row->start_time_ns), lives);
        }
        if (!lives)
            continue;
        g_array_append_val(owners, *row);
        g_hash_table_add(kept, &row->inode);
        watcher->stats.owners_reused++;
    }
    g_hash_table_iter_init(&iter, wanted);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        gboolean known_unowned = g_hash_table_contains(watcher->last_inodes, key)
                                 && !g_hash_table_contains(watcher->last_owners, key);
        if (known_unowned || g_hash_table_contains(kept, key))
            g_hash_table_iter_remove(&iter);
    }
    g_hash_table_unref(alive);
    g_hash_table_unref(kept);
}

/* Adds @more's uids to *@into. */
static void
add_unreadable_uids(GHashTable **into, GHashTable *more)
{
    GHashTableIter iter;
    gpointer uid;

    if (more == NULL)
        return;
    if (*into == NULL)
        *into = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_iter_init(&iter, more);
    while (g_hash_table_iter_next(&iter, &uid, NULL))
        g_hash_table_add(*into, uid);
}

static gboolean
read_local_addresses(pm_watcher *watcher)
{
    GArray *addresses = g_array_new(FALSE, FALSE, sizeof(pm_addr));
    GError *error = NULL;

    if (!watcher->backend->ops->list_local_addresses(watcher->backend, addresses,
                                                     &watcher->diag, &error)) {
        /* Keep the previous set; loopback is local regardless.  The backend
         * has told the cause. */
        g_clear_error(&error);
        g_array_unref(addresses);
        return FALSE;
    }
    watcher->local_addresses_known = TRUE;
    watcher->addresses_read_us = watcher->addresses_checked_us = pm_watcher_now(watcher);
    g_hash_table_remove_all(watcher->local_addresses);
    for (guint i = 0; i < addresses->len; i++) {
        pm_addr *addr = g_memdup2(&g_array_index(addresses, pm_addr, i), sizeof(pm_addr));
        g_hash_table_add(watcher->local_addresses, addr);
    }
    g_array_unref(addresses);
    pm_watcher_changed(watcher);
    return TRUE;
}

gboolean
pm_watcher_address_became_local(pm_watcher *watcher, const pm_addr *addr,
                                gint64 packet_time_us)
{
    const pm_backend_ops *ops = watcher->backend->ops;
    gint64 now = pm_watcher_now(watcher);
    pm_changes changes;

    /* What the watcher knows is newer than the packet: the address was not
     * local when it was sent or received. */
    if (packet_time_us < watcher->addresses_checked_us && now >= watcher->addresses_checked_us)
        return FALSE;
    watcher->addresses_checked_us = now;
    watcher->stats.address_checks++;
    changes = ops->local_addresses_changed
                  ? ops->local_addresses_changed(watcher->backend, &watcher->diag)
                  : PM_CHANGES_UNKNOWN;
    if (changes == PM_CHANGES_NONE)
        return FALSE;
    /* Without notifications, a list read is a table read: rate-limited. */
    if (changes == PM_CHANGES_UNKNOWN && watcher->addresses_read_us != 0
        && now >= watcher->addresses_read_us
        && now - watcher->addresses_read_us < watcher->config.min_refresh_interval_us)
        return FALSE;
    watcher->stats.address_reads++;
    read_local_addresses(watcher);
    return pm_watcher_is_local(watcher, addr);
}

gboolean
pm_watcher_refresh(pm_watcher *watcher, GError **error)
{
    const pm_backend_ops *ops = watcher->backend->ops;
    gint64 now = pm_watcher_now(watcher);
    GArray *sockets[PM_TRANSPORT_COUNT] = { NULL };
    GHashTable *wanted = NULL;
    GArray *owners = NULL;
    GHashTable *owner_index;
    GHashTable *all_inodes = NULL;
    GHashTableIter iter;
    gpointer key;
    pm_owner_scan scan = { 0 };
    gboolean whole_scan;
    gboolean ok = FALSE;

    watcher->last_refresh_us = now;
    watcher->refresh_attempted = TRUE;
    watcher->stats.refreshes++;
    pm_watcher_changed(watcher);

    read_local_addresses(watcher);

    wanted = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        sockets[t] = g_array_new(FALSE, FALSE, sizeof(pm_socket));
        if (!ops->list_sockets(watcher->backend, (pm_transport)t, sockets[t],
                               &watcher->diag, error))
            goto out;
        for (guint i = 0; i < sockets[t]->len; i++) {
            pm_socket *socket = &g_array_index(sockets[t], pm_socket, i);
            if (socket->inode != 0)
                g_hash_table_add(wanted, &socket->inode);
        }
    }
    owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    whole_scan = whole_owner_scan_due(watcher, now);
    if (!whole_scan) {
        /* The socket set, whole, for the next refresh; wanted shrinks. */
        all_inodes = g_hash_table_new(g_int64_hash, g_int64_equal);
        g_hash_table_iter_init(&iter, wanted);
        while (g_hash_table_iter_next(&iter, &key, NULL))
            g_hash_table_add(all_inodes, key);
        keep_known_owners(watcher, wanted, owners);
        scan.partial = TRUE;
    }
    if (whole_scan || g_hash_table_size(wanted) > 0) {
        if (!ops->find_owners(watcher->backend, wanted, owners, &scan, &watcher->diag, error))
            goto out;
        if (!whole_scan)
            watcher->stats.owner_scans_partial++;
    } else {
        watcher->stats.owner_scans_skipped++;
    }
    /* A scan that went through every process saw every unreadable one. */
    if (whole_scan || (g_hash_table_size(wanted) > 0 && !scan.stopped_early)) {
        if (watcher->unreadable_uids)
            g_hash_table_unref(watcher->unreadable_uids);
        watcher->unreadable_uids = g_steal_pointer(&scan.unreadable_uids);
    } else {
        add_unreadable_uids(&watcher->unreadable_uids, scan.unreadable_uids);
    }

    /* Process records older than their lifetime are read again. */
    gint64 process_deadline = now - watcher->config.process_ttl_us;
    g_hash_table_foreach_remove(watcher->process_cache, process_cache_entry_expired,
                                &process_deadline);
    owner_index = index_owners(watcher, owners, now);

    watcher->generation++;
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        for (guint i = 0; i < sockets[t]->len; i++) {
            const pm_socket *socket = &g_array_index(sockets[t], pm_socket, i);
            GPtrArray *socket_owners;
            gboolean unreadable;

            if (socket->inode == 0)     /* TIME_WAIT, orphans: never owned */
                continue;
            socket_owners = g_hash_table_lookup(owner_index, &socket->inode);
            unreadable = (socket_owners == NULL || socket_owners->len == 0) &&
                         watcher->unreadable_uids != NULL &&
                         g_hash_table_contains(watcher->unreadable_uids,
                                               GUINT_TO_POINTER(socket->uid + 1));
            pm_socket_table_put(&watcher->tables[t], socket, socket_owners, unreadable,
                                now, watcher->generation);
        }
        pm_socket_table_expire(&watcher->tables[t], now, watcher->config.mapping_ttl_us);
    }
    /* last_inodes points into last_sockets: replaced together. */
    if (watcher->last_inodes)
        g_hash_table_unref(watcher->last_inodes);
    watcher->last_inodes = whole_scan ? g_steal_pointer(&wanted) : g_steal_pointer(&all_inodes);
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        g_array_unref(watcher->last_sockets[t]);
        watcher->last_sockets[t] = g_steal_pointer(&sockets[t]);
    }
    g_hash_table_unref(watcher->last_owners);
    watcher->last_owners = owner_index;
    if (watcher->last_owner_rows)
        g_array_unref(watcher->last_owner_rows);
    watcher->last_owner_rows = g_steal_pointer(&owners);
    if (whole_scan)
        watcher->owners_scanned_us = now;
    watcher->table_built_us = now;
    ok = TRUE;

out:
    watcher->last_refresh_failed = !ok;
    /* The interval runs from the end: a refresh slower than the interval
     * must not be followed at once by the next. */
    watcher->last_refresh_us = pm_watcher_now(watcher);
    watcher->stats.refresh_time_total_us += watcher->last_refresh_us - now;
    watcher->stats.refresh_time_max_us = MAX(watcher->stats.refresh_time_max_us,
                                             watcher->last_refresh_us - now);
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        if (sockets[t])
            g_array_unref(sockets[t]);
    }
    if (owners)
        g_array_unref(owners);
    if (wanted)
        g_hash_table_unref(wanted);
    if (all_inodes)
        g_hash_table_unref(all_inodes);
    if (scan.unreadable_uids)
        g_hash_table_unref(scan.unreadable_uids);
    return ok;
}

/* ---- exact lookups ------------------------------------------------------ */

static gboolean
is_connected(const pm_socket *socket)
{
    return socket->remote.port != 0 || !pm_addr_is_any(&socket->remote.addr);
}

/* A window of min_refresh_interval 0 makes every lookup its own window (no
 * limit, as refreshes have none then). */
gboolean
pm_watcher_budget_take(pm_watcher *watcher, pm_lookup_budget *budget, gint64 now)
{
    const pm_watcher_config *config = &watcher->config;

    if (budget->used == 0 || now < budget->start_us
        || now - budget->start_us >= config->min_refresh_interval_us) {
        budget->start_us = now;
        budget->used = 0;
    }
    if (budget->used >= config->exact_lookups_per_interval)
        return FALSE;
    budget->used++;
    return TRUE;
}

pm_exact_outcome
pm_watcher_exact_lookup(pm_watcher *watcher, pm_transport transport, const pm_endpoint *local,
                        const pm_endpoint *remote, gint64 now, pm_socket_entry **entry,
                        pm_table_hit *hit)
{
    const pm_backend_ops *ops = watcher->backend->ops;
    const pm_watcher_config *config = &watcher->config;
    GPtrArray *owners;
    pm_socket socket;

    /* refresh_on_every_miss is Packetbeat's rule: rebuild, never ask. */
    if (ops->find_socket == NULL || config->exact_lookups_per_interval == 0
        || config->refresh_on_every_miss)
        return PM_EXACT_NOT_SETTLED;
    if (!pm_watcher_budget_take(watcher, &watcher->exact_budget, now))
        return PM_EXACT_BUSY;
    watcher->stats.exact_lookups++;
    switch (ops->find_socket(watcher->backend, transport, local, remote, &socket,
                             &watcher->diag)) {
    case PM_FIND_ABSENT:
        /* Counted as settled by the caller, which may not take it so. */
        return PM_EXACT_ABSENT;
    case PM_FIND_UNKNOWN:
        return PM_EXACT_NOT_SETTLED;
    case PM_FIND_FOUND:
        break;
    }
    /* The socket exists.  Its owners are known when the latest refresh saw
     * its inode held, recently enough for its process records to be fresh.
     * Only a connected socket answers so: the sockets sharing an endpoint
     * (SO_REUSEPORT) are united by a refresh, and the kernel names one. */
    if (socket.inode == 0 || !is_connected(&socket) || watcher->table_built_us == 0
        || now < watcher->table_built_us
        || now - watcher->table_built_us >= config->process_ttl_us)
        return PM_EXACT_NOT_SETTLED;
    owners = g_hash_table_lookup(watcher->last_owners, &socket.inode);
    if (owners == NULL || owners->len == 0)
        return PM_EXACT_NOT_SETTLED;
    /* Seen now: in the table as a refresh would put it, owners and all. */
    pm_socket_table_put(&watcher->tables[transport], &socket, owners, FALSE, now,
                        watcher->generation);
    pm_watcher_changed(watcher);
    *entry = pm_socket_table_find(&watcher->tables[transport], local, remote, now,
                                  config->mapping_ttl_us, hit);
    if (*entry == NULL)
        return PM_EXACT_NOT_SETTLED;
    watcher->stats.exact_lookup_answers++;
    return PM_EXACT_FOUND;
}
