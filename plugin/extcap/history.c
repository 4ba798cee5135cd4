/* history.c - which process used which socket, and when.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "history.h"

#include <string.h>

typedef struct {
    pm_transport transport;
    pm_endpoint  local;
    pm_endpoint  remote;      /* any-address, port 0: unconnected */
} history_key;

typedef struct {
    pm_process       *process;
    pm_history_origin origin;
    guint32           netns;
    guint32           tid;
    gint64            first_us;
    gint64            last_us;
    gint64            closed_us;  /* 0: open */
} history_entry;

struct pm_history {
    GMutex      lock;
    GHashTable *entries;      /* history_key* -> GArray of history_entry, by first_us */
    guint       size;
};

static guint
key_hash(gconstpointer data)
{
    const history_key *key = data;

    return (pm_endpoint_hash(&key->local) * 31u + pm_endpoint_hash(&key->remote)) * 3u +
           (guint)key->transport;
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
    const history_key *x = a, *y = b;

    return x->transport == y->transport && pm_endpoint_equal(&x->local, &y->local) &&
           pm_endpoint_equal(&x->remote, &y->remote);
}

static void
entry_clear(gpointer data)
{
    history_entry *entry = data;

    g_clear_pointer(&entry->process, pm_process_unref);
}

static void
make_key(history_key *key, pm_transport transport, const pm_endpoint *local,
         const pm_endpoint *remote)
{
    memset(key, 0, sizeof *key);
    key->transport = transport;
    key->local = *local;
    if (remote != NULL && remote->port != 0) {
        key->remote = *remote;
    } else {
        pm_addr_any(&key->remote.addr, local->addr.family);
        key->remote.port = 0;
    }
}

pm_history *
pm_history_new(void)
{
    pm_history *history = g_new0(pm_history, 1);

    g_mutex_init(&history->lock);
    history->entries = g_hash_table_new_full(key_hash, key_equal, g_free,
                                             (GDestroyNotify)g_array_unref);
    return history;
}

void
pm_history_free(pm_history *history)
{
    if (history == NULL)
        return;
    g_hash_table_unref(history->entries);
    g_mutex_clear(&history->lock);
    g_free(history);
}

static gboolean
same_process(const pm_process *a, const pm_process *b)
{
    return a == b || (a->pid == b->pid && a->start_time_ns == b->start_time_ns &&
                      g_strcmp0(a->comm, b->comm) == 0);
}

static gint
entry_compare(gconstpointer a, gconstpointer b)
{
    const history_entry *x = a, *y = b;

    return (x->first_us > y->first_us) - (x->first_us < y->first_us);
}

void
pm_history_put(pm_history *history, pm_transport transport, const pm_endpoint *local,
               const pm_endpoint *remote, guint32 netns, pm_process *process, guint32 tid,
               pm_history_origin origin, gint64 time_us)
{
    history_key key;
    GArray *entries;

    g_return_if_fail(process != NULL);
    make_key(&key, transport, local, remote);
    g_mutex_lock(&history->lock);
    entries = g_hash_table_lookup(history->entries, &key);
    if (entries == NULL) {
        entries = g_array_new(FALSE, FALSE, sizeof(history_entry));
        g_array_set_clear_func(entries, entry_clear);
        g_hash_table_insert(history->entries, g_memdup2(&key, sizeof key), entries);
    }
    for (guint i = entries->len; i-- > 0;) {
        history_entry *entry = &g_array_index(entries, history_entry, i);

        if (entry->closed_us == 0 && same_process(entry->process, process)) {
            entry->last_us = MAX(entry->last_us, time_us);
            entry->first_us = MIN(entry->first_us, time_us);
            if (tid != 0)
                entry->tid = tid;
            /* An event names the process's own use; a poll only saw it. */
            if (origin != PM_ORIGIN_POLL)
                entry->origin = origin;
            g_mutex_unlock(&history->lock);
            return;
        }
    }
    history_entry fresh = {
        .process = pm_process_ref(process), .origin = origin, .netns = netns, .tid = tid,
        .first_us = time_us, .last_us = time_us, .closed_us = 0,
    };
    g_array_append_val(entries, fresh);
    if (entries->len > 1)
        g_array_sort(entries, entry_compare);
    history->size++;
    g_mutex_unlock(&history->lock);
}

void
pm_history_close(pm_history *history, const pm_endpoint *local, const pm_endpoint *remote,
                 gint64 time_us)
{
    history_key key;
    GArray *entries;

    make_key(&key, PM_TRANSPORT_TCP, local, remote);
    g_mutex_lock(&history->lock);
    entries = g_hash_table_lookup(history->entries, &key);
    for (guint i = 0; entries != NULL && i < entries->len; i++) {
        history_entry *entry = &g_array_index(entries, history_entry, i);

        if (entry->closed_us == 0 && entry->first_us <= time_us)
            entry->closed_us = time_us;
    }
    g_mutex_unlock(&history->lock);
}

/* The entry of @entries in use at @time_us: the latest one first seen no
 * later than PM_HISTORY_EARLY_US after it and not closed long before it. */
static const history_entry *
entry_at(GArray *entries, gint64 time_us)
{
    for (guint i = entries->len; i-- > 0;) {
        const history_entry *entry = &g_array_index(entries, history_entry, i);

        if (entry->first_us - PM_HISTORY_EARLY_US > time_us)
            continue;
        if (entry->closed_us != 0 && time_us > entry->closed_us + PM_HISTORY_CLOSED_GRACE_US)
            return NULL;    /* older entries closed even earlier */
        return entry;
    }
    return NULL;
}

static const history_entry *
find_locked(pm_history *history, pm_transport transport, const pm_endpoint *local,
            const pm_endpoint *remote, gint64 time_us)
{
    history_key key;
    GArray *entries;

    make_key(&key, transport, local, remote);
    entries = g_hash_table_lookup(history->entries, &key);
    return entries ? entry_at(entries, time_us) : NULL;
}

gboolean
pm_history_lookup(pm_history *history, pm_transport transport, const pm_endpoint *local,
                  const pm_endpoint *remote, gint64 time_us, pm_history_is_local_fn is_local,
                  gpointer is_local_data, pm_history_hit *out)
{
    const history_entry *entry;
    pm_endpoint any;
    pm_match match = PM_MATCH_TUPLE;

    memset(out, 0, sizeof *out);
    g_mutex_lock(&history->lock);
    entry = remote != NULL && remote->port != 0
            ? find_locked(history, transport, local, remote, time_us) : NULL;
    if (entry == NULL) {
        /* Without the remote end the local address must really be the
         * socket's: local to its namespace. */
        match = PM_MATCH_EXACT;
        entry = find_locked(history, transport, local, NULL, time_us);
        if (entry == NULL) {
            match = PM_MATCH_ANY;
            any.port = local->port;
            pm_addr_any(&any.addr, local->addr.family);
            entry = find_locked(history, transport, &any, NULL, time_us);
        }
        if (entry == NULL && local->addr.family == PM_AF_INET) {
            match = PM_MATCH_DUAL_STACK;
            pm_addr_any(&any.addr, PM_AF_INET6);
            entry = find_locked(history, transport, &any, NULL, time_us);
        }
        if (entry != NULL && is_local != NULL &&
            !is_local(entry->netns, &local->addr, is_local_data))
            entry = NULL;
    }
    if (entry != NULL) {
        out->process = pm_process_ref(entry->process);
        out->match = match;
        out->origin = entry->origin;
        out->netns = entry->netns;
        out->tid = entry->tid;
        out->first_us = entry->first_us;
    }
    g_mutex_unlock(&history->lock);
    return entry != NULL;
}

void
pm_history_hit_clear(pm_history_hit *hit)
{
    g_clear_pointer(&hit->process, pm_process_unref);
}

void
pm_history_expire(pm_history *history, gint64 now_us)
{
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&history->lock);
    g_hash_table_iter_init(&iter, history->entries);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        GArray *entries = value;

        for (guint i = entries->len; i-- > 0;) {
            const history_entry *entry = &g_array_index(entries, history_entry, i);
            gboolean closed_long_ago = entry->closed_us != 0 &&
                now_us - entry->closed_us > PM_HISTORY_CLOSED_GRACE_US + PM_HISTORY_EARLY_US;

            if (closed_long_ago || now_us - entry->last_us > PM_HISTORY_IDLE_US) {
                g_array_remove_index(entries, i);
                history->size--;
            }
        }
        if (entries->len == 0)
            g_hash_table_iter_remove(&iter);
    }
    g_mutex_unlock(&history->lock);
}

guint
pm_history_size(pm_history *history)
{
    guint size;

    g_mutex_lock(&history->lock);
    size = history->size;
    g_mutex_unlock(&history->lock);
    return size;
}
