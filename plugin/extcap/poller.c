/* poller.c - the fallback event source: polling the socket tables.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "poller.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "monitor_backend.h"
#include "ns_watchers.h"
#include "watcher.h"

typedef struct {
    pm_transport transport;
    guint64      inode;
    gint32       pid;
} reported_key;

struct pm_poller {
    pm_monitor        *monitor;
    pm_netns_registry *registry;
    guint              interval_ms;
    GAsyncQueue       *batches;
    int                wake_fd;
    GThread           *thread;
    GMutex             lock;
    GCond              stop_cond;
    gboolean           stopping;
    guint64            polls;       /* under lock */
    guint64            busy_us;
};

void
pm_poll_sighting_free(pm_poll_sighting *sighting)
{
    if (sighting == NULL)
        return;
    pm_process_raw_clear(&sighting->process);
    g_free(sighting->user);
    g_free(sighting);
}

static guint
reported_hash(gconstpointer data)
{
    const reported_key *key = data;

    return (guint)(key->inode * 2654435761u) ^ (guint)key->pid ^ (guint)key->transport;
}

static gboolean
reported_equal(gconstpointer a, gconstpointer b)
{
    const reported_key *x = a, *y = b;

    return x->transport == y->transport && x->inode == y->inode && x->pid == y->pid;
}

static void
raw_of(const pm_process *process, pm_process_raw *raw)
{
    memset(raw, 0, sizeof *raw);
    raw->pid = process->pid;
    raw->ppid = process->ppid;
    raw->comm = g_strdup(process->comm);
    raw->exe = g_strdup(process->exe);
    raw->cwd = g_strdup(process->cwd);
    if (process->args != NULL) {
        raw->argv = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(raw->argv, g_strdup(process->args));
    }
    raw->args_truncated = process->args_truncated;
    raw->start_time_ns = process->start_time_ns;
    raw->has_uid = process->has_uid;
    raw->uid = process->uid;
}

/* One namespace's table: the sightings not reported lately. */
static void
poll_one(pm_watcher *watcher, guint32 netns, GHashTable *reported, gint64 now,
         GPtrArray *batch)
{
    GPtrArray *rows;

    if (!pm_watcher_refresh(watcher, NULL))
        return;
    rows = pm_watcher_snapshot(watcher);
    for (guint i = 0; i < rows->len; i++) {
        const pm_table_row *row = g_ptr_array_index(rows, i);
        const pm_process *owner;
        reported_key key;
        gint64 *last;
        pm_poll_sighting *sighting;

        if (row->owners == NULL || row->owners->len == 0)
            continue;
        owner = g_ptr_array_index(row->owners, 0);
        key.transport = row->transport;
        key.inode = row->socket.inode;
        key.pid = owner->pid;
        /* last[0]: when reported, last[1]: when seen */
        last = g_hash_table_lookup(reported, &key);
        if (last != NULL && now - last[0] < PM_POLLER_RENEW_S * G_USEC_PER_SEC) {
            last[1] = now;
            continue;
        }
        if (last == NULL) {
            last = g_new(gint64, 2);
            g_hash_table_insert(reported, g_memdup2(&key, sizeof key), last);
        }
        last[0] = last[1] = now;
        sighting = g_new0(pm_poll_sighting, 1);
        sighting->transport = row->transport;
        sighting->local = row->socket.local;
        sighting->remote = row->socket.remote;
        if (row->socket.remote.port == 0)
            pm_addr_any(&sighting->remote.addr, row->socket.local.addr.family);
        sighting->netns = netns;
        sighting->time_us = now;
        raw_of(owner, &sighting->process);
        sighting->user = g_strdup(owner->user);
        g_ptr_array_add(batch, sighting);
    }
    g_ptr_array_unref(rows);
}

static gboolean
not_seen_lately(gpointer key, gpointer value, gpointer data)
{
    return *(gint64 *)data - ((gint64 *)value)[1] > 2 * PM_POLLER_RENEW_S * G_USEC_PER_SEC;
}

static gpointer
poller_main(gpointer data)
{
    pm_poller *poller = data;
    pm_watcher_config config;
    pm_watcher *host;
    pm_ns_watchers *others;
    GHashTable *reported = g_hash_table_new_full(reported_hash, reported_equal, g_free, g_free);
    guint32 self = pm_monitor_hello(poller->monitor)->own_netns;
    gint64 deadline;

    pm_watcher_config_init(&config);
    host = pm_watcher_new(pm_monitor_backend_new(poller->monitor, NULL, NULL, 0), &config, NULL,
                          NULL);
    others = pm_ns_watchers_new(poller->registry, poller->monitor);

    g_mutex_lock(&poller->lock);
    while (!poller->stopping) {
        GPtrArray *batch = g_ptr_array_new_with_free_func((GDestroyNotify)pm_poll_sighting_free);
        gint64 now = g_get_real_time();
        guint64 one = 1;

        gint64 started = g_get_monotonic_time();

        g_mutex_unlock(&poller->lock);
        pm_ns_watchers_sync(others);
        poll_one(host, self, reported, now, batch);
        for (guint i = 0; i < pm_ns_watchers_count(others); i++) {
            guint32 netns;
            pm_watcher *watcher = pm_ns_watchers_get(others, i, &netns);

            poll_one(watcher, netns, reported, now, batch);
        }
        g_hash_table_foreach_remove(reported, not_seen_lately, &now);
        if (batch->len > 0) {
            g_async_queue_push(poller->batches, batch);
            if (write(poller->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
                g_warning("procmap-capture: cannot wake the capture thread: %s",
                          g_strerror(errno));
        } else {
            g_ptr_array_unref(batch);
        }
        g_mutex_lock(&poller->lock);
        poller->polls++;
        poller->busy_us += (guint64)(g_get_monotonic_time() - started);
        deadline = g_get_monotonic_time() + (gint64)poller->interval_ms * 1000;
        while (!poller->stopping && g_cond_wait_until(&poller->stop_cond, &poller->lock, deadline))
            ;
    }
    g_mutex_unlock(&poller->lock);
    pm_ns_watchers_free(others);
    pm_watcher_free(host);
    g_hash_table_unref(reported);
    return NULL;
}

pm_poller *
pm_poller_new(pm_monitor *monitor, pm_netns_registry *registry, guint interval_ms)
{
    pm_poller *poller = g_new0(pm_poller, 1);

    poller->monitor = monitor;
    poller->registry = registry;
    poller->interval_ms = MAX(interval_ms, 1u);
    poller->batches = g_async_queue_new_full((GDestroyNotify)g_ptr_array_unref);
    poller->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    g_mutex_init(&poller->lock);
    g_cond_init(&poller->stop_cond);
    poller->thread = g_thread_new("procmap-poller", poller_main, poller);
    return poller;
}

void
pm_poller_free(pm_poller *poller)
{
    if (poller == NULL)
        return;
    g_mutex_lock(&poller->lock);
    poller->stopping = TRUE;
    g_cond_broadcast(&poller->stop_cond);
    g_mutex_unlock(&poller->lock);
    g_thread_join(poller->thread);
    g_async_queue_unref(poller->batches);
    if (poller->wake_fd >= 0)
        close(poller->wake_fd);
    g_cond_clear(&poller->stop_cond);
    g_mutex_clear(&poller->lock);
    g_free(poller);
}

void
pm_poller_get_stats(pm_poller *poller, guint64 *polls, guint64 *busy_us)
{
    g_mutex_lock(&poller->lock);
    *polls = poller->polls;
    *busy_us = poller->busy_us;
    g_mutex_unlock(&poller->lock);
}

int
pm_poller_fd(pm_poller *poller)
{
    return poller->wake_fd;
}

GPtrArray *
pm_poller_take(pm_poller *poller)
{
    guint64 count;

    /* Reset the wake-up first: a batch pushed after this wakes again. */
    if (read(poller->wake_fd, &count, sizeof count) < 0 && errno != EAGAIN)
        return NULL;
    return g_async_queue_try_pop(poller->batches);
}
