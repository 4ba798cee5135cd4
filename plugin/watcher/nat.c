/* nat.c - step (2) of the lookup order: which socket a packet reaches once
 * NAT is undone, from the kernel's connection tracking (backend
 * find_connection), its answers cached by packet tuple.
 *
 * Both ends of a packet share one question (the tuple is keyed without its
 * direction), and so do all the packets of a connection while the answer
 * lasts: mapping_ttl from when it was asked, judged at the packet's time.
 * An answer that says nothing (no permission, no conntrack, a failure) is
 * not cached: the backend remembers a final refusal itself.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "watcher_private.h"
#include "conntrack_parse.h"

#include <string.h>

typedef struct {
    pm_endpoint a;          /* the lesser end first: no direction */
    pm_endpoint b;
    guint8      transport;
} conntrack_key;

typedef struct {
    pm_conntrack_result result;   /* FOUND or ABSENT */
    pm_connection       connection;
    gint64              asked_us;
} conntrack_answer;

static int
compare_endpoints(const pm_endpoint *x, const pm_endpoint *y)
{
    int c;

    if (x->addr.family != y->addr.family)
        return x->addr.family < y->addr.family ? -1 : 1;
    c = memcmp(x->addr.bytes, y->addr.bytes, sizeof x->addr.bytes);
    return c != 0 ? c : (x->port > y->port) - (x->port < y->port);
}

static guint
key_hash(gconstpointer data)
{
    const conntrack_key *key = data;
    return (pm_endpoint_hash(&key->a) * 31u + pm_endpoint_hash(&key->b)) ^ key->transport;
}

static gboolean
key_equal(gconstpointer x, gconstpointer y)
{
    const conntrack_key *p = x, *q = y;
    return p->transport == q->transport && pm_endpoint_equal(&p->a, &q->a)
           && pm_endpoint_equal(&p->b, &q->b);
}

GHashTable *
pm_conntrack_cache_new(void)
{
    return g_hash_table_new_full(key_hash, key_equal, g_free, g_free);
}

static gboolean
answer_expired(gpointer key, gpointer value, gpointer user_data)
{
    const conntrack_answer *answer = value;
    const gint64 *deadline = user_data;
    (void)key;
    return answer->asked_us <= *deadline;
}

/* Expired answers leave at most once per mapping_ttl: a storm of distinct
 * tuples cannot grow the cache past what the budget lets in meanwhile. */
static void
sweep(pm_watcher *watcher, gint64 now)
{
    gint64 ttl = watcher->config.mapping_ttl_us;
    gint64 deadline = now - ttl;

    if (now >= watcher->conntrack_swept_us && now - watcher->conntrack_swept_us < ttl)
        return;
    watcher->conntrack_swept_us = now;
    g_hash_table_foreach_remove(watcher->conntrack_cache, answer_expired, &deadline);
}

/* The conntrack answer for the packet tuple, from the cache or the backend. */
static pm_conntrack_result
connection_of(pm_watcher *watcher, pm_transport transport, const pm_endpoint *local,
              const pm_endpoint *remote, gint64 packet_time_us, gint64 now,
              pm_connection *out, gboolean *busy, gint64 *stable_until_us)
{
    const pm_backend_ops *ops = watcher->backend->ops;
    gboolean swap = compare_endpoints(local, remote) > 0;
    conntrack_key key;
    conntrack_answer *answer;
    pm_conntrack_result result;

    memset(&key, 0, sizeof key);
    key.a = swap ? *remote : *local;
    key.b = swap ? *local : *remote;
    key.transport = (guint8)transport;
    answer = g_hash_table_lookup(watcher->conntrack_cache, &key);
    if (answer != NULL && MIN(now, packet_time_us) - answer->asked_us
                          < watcher->config.mapping_ttl_us) {
        watcher->stats.conntrack_cache_hits++;
        *out = answer->connection;
        *stable_until_us = answer->asked_us + watcher->config.mapping_ttl_us;
        return answer->result;
    }
    if (!pm_watcher_budget_take(watcher, &watcher->conntrack_budget, now)) {
        *busy = TRUE;
        return PM_CONNTRACK_FAILED;
    }
    watcher->stats.conntrack_lookups++;
    result = ops->find_connection(watcher->backend, transport, local, remote, out,
                                  &watcher->diag);
    if (result == PM_CONNTRACK_FOUND || result == PM_CONNTRACK_ABSENT) {
        sweep(watcher, now);
        answer = g_new0(conntrack_answer, 1);
        answer->result = result;
        if (result == PM_CONNTRACK_FOUND)
            answer->connection = *out;
        answer->asked_us = now;
        g_hash_table_replace(watcher->conntrack_cache, g_memdup2(&key, sizeof key), answer);
        pm_watcher_changed(watcher);
        *stable_until_us = now + watcher->config.mapping_ttl_us;
    }
    return result;
}

pm_nat_state
pm_watcher_translate(pm_watcher *watcher, pm_transport transport, const pm_endpoint *local,
                     const pm_endpoint *remote, gint64 packet_time_us, gint64 now,
                     pm_endpoint *socket_local, pm_endpoint *socket_remote,
                     gint64 *stable_until_us)
{
    pm_connection connection;
    gboolean busy = FALSE;

    *stable_until_us = 0;
    if (watcher->backend->ops->find_connection == NULL) {
        *stable_until_us = G_MAXINT64;
        return PM_NAT_UNAVAILABLE;
    }
    switch (connection_of(watcher, transport, local, remote, packet_time_us, now,
                          &connection, &busy, stable_until_us)) {
    case PM_CONNTRACK_ABSENT:
        /* Not tracked: NAT needs an entry, so nothing translated it. */
        return PM_NAT_NONE;
    case PM_CONNTRACK_NO_PERMISSION:
        return PM_NAT_NO_PERMISSION;
    case PM_CONNTRACK_UNAVAILABLE:
        return PM_NAT_UNAVAILABLE;
    case PM_CONNTRACK_FAILED:
        return busy ? PM_NAT_BUSY : PM_NAT_FAILED;
    case PM_CONNTRACK_FOUND:
        break;
    }
    /* The kernel found the entry by this pair of ends: one of its views. */
    if (!pm_ct_socket_ends(&connection, local, remote, socket_local, socket_remote))
        return PM_NAT_FAILED;
    if (pm_endpoint_equal(socket_local, local) && pm_endpoint_equal(socket_remote, remote))
        return PM_NAT_NONE;
    return PM_NAT_TRANSLATED;
}
