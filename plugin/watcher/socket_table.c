/* socket_table.c - one transport's sockets, indexed for packet lookups.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "socket_table.h"

#include <string.h>

typedef struct {
    pm_endpoint local;
    pm_endpoint remote;
} pm_tuple_key;

static guint
tuple_key_hash(gconstpointer key)
{
    const pm_tuple_key *k = key;
    return pm_endpoint_hash(&k->local) * 31u + pm_endpoint_hash(&k->remote);
}

static gboolean
tuple_key_equal(gconstpointer a, gconstpointer b)
{
    const pm_tuple_key *x = a, *y = b;
    return pm_endpoint_equal(&x->local, &y->local) && pm_endpoint_equal(&x->remote, &y->remote);
}

static void
entry_clear(gpointer data)
{
    pm_socket_entry *entry = data;
    g_ptr_array_unref(entry->owners);
}

static void
entry_release(gpointer data)
{
    g_rc_box_release_full(data, entry_clear);
}

void
pm_socket_table_init(pm_socket_table *table)
{
    table->by_tuple = g_hash_table_new_full(tuple_key_hash, tuple_key_equal,
                                            g_free, entry_release);
    table->by_endpoint = g_hash_table_new_full(pm_endpoint_hash, pm_endpoint_key_equal,
                                               g_free, entry_release);
    table->by_local = g_hash_table_new_full(pm_endpoint_hash, pm_endpoint_key_equal,
                                            g_free, (GDestroyNotify)g_ptr_array_unref);
}

void
pm_socket_table_clear(pm_socket_table *table)
{
    g_clear_pointer(&table->by_local, g_hash_table_unref);
    g_clear_pointer(&table->by_tuple, g_hash_table_unref);
    g_clear_pointer(&table->by_endpoint, g_hash_table_unref);
}

/* by_local follows every entry that enters or leaves by_tuple. */
static void
local_link(pm_socket_table *table, const pm_endpoint *local, pm_socket_entry *entry)
{
    GPtrArray *entries = g_hash_table_lookup(table->by_local, local);

    if (entries == NULL) {
        entries = g_ptr_array_new();
        g_hash_table_insert(table->by_local, g_memdup2(local, sizeof *local), entries);
    }
    g_ptr_array_add(entries, entry);
}

static void
local_unlink(pm_socket_table *table, const pm_endpoint *local, pm_socket_entry *entry)
{
    GPtrArray *entries = g_hash_table_lookup(table->by_local, local);

    if (entries != NULL && g_ptr_array_remove_fast(entries, entry) && entries->len == 0)
        g_hash_table_remove(table->by_local, local);
}

static gboolean
socket_is_connected(const pm_socket *socket)
{
    return socket->remote.port != 0 || !pm_addr_is_any(&socket->remote.addr);
}

static pm_socket_entry *
entry_new(const pm_socket *socket)
{
    pm_socket_entry *entry = g_rc_box_new0(pm_socket_entry);

    entry->socket = *socket;
    entry->owners = g_ptr_array_new_with_free_func((GDestroyNotify)pm_process_unref);
    return entry;
}

static void
entry_add_owners(pm_socket_entry *entry, GPtrArray *owners)
{
    for (guint i = 0; owners && i < owners->len; i++) {
        pm_process *owner = g_ptr_array_index(owners, i);
        gboolean known = FALSE;
        for (guint j = 0; j < entry->owners->len && !known; j++)
            known = g_ptr_array_index(entry->owners, j) == owner;
        if (!known)
            g_ptr_array_add(entry->owners, pm_process_ref(owner));
    }
}

void
pm_socket_table_put(pm_socket_table *table, const pm_socket *socket,
                    GPtrArray *owners, gboolean no_permission,
                    gint64 now, guint64 generation)
{
    GHashTable *index;
    gconstpointer key;
    gsize key_size;
    pm_tuple_key tuple = { socket->local, socket->remote };
    pm_socket_entry *entry;

    /* A connected socket answers only for its own tuple: the accepted
     * connections of a listener share its local endpoint, and must not
     * hide the listener from packets of a connection not seen yet. */
    if (socket_is_connected(socket)) {
        index = table->by_tuple;
        key = &tuple;
        key_size = sizeof tuple;
    } else {
        index = table->by_endpoint;
        key = &socket->local;
        key_size = sizeof socket->local;
    }

    entry = g_hash_table_lookup(index, key);
    if (entry != NULL && entry->generation == generation && entry->socket.inode != socket->inode) {
        /* Several sockets on one endpoint in one refresh (SO_REUSEPORT):
         * the endpoint is theirs together; the oldest socket represents it. */
        if (socket->inode < entry->socket.inode)
            entry->socket = *socket;
        entry_add_owners(entry, owners);
        g_ptr_array_sort(entry->owners, pm_process_compare_age);
        entry->no_permission = entry->owners->len == 0 &&
                               (entry->no_permission || no_permission);
        return;
    }
    if (entry == NULL || entry->socket.inode != socket->inode) {
        /* A new socket, or another one now holds the endpoint. */
        if (index == table->by_tuple && entry != NULL)
            local_unlink(table, &tuple.local, entry);
        entry = entry_new(socket);
        if (index == table->by_tuple)
            local_link(table, &tuple.local, entry);
        g_hash_table_replace(index, g_memdup2(key, key_size), entry);
    }
    /* Seen again: renewed in place. */
    entry->socket = *socket;
    g_ptr_array_set_size(entry->owners, 0);
    entry_add_owners(entry, owners);
    entry->no_permission = no_permission;
    entry->last_seen_us = now;
    entry->generation = generation;
}

typedef struct {
    pm_socket_table *table;
    gint64           deadline;   /* entries last seen at or before it go */
    gboolean         tuples;     /* walking by_tuple */
} expiry;

static gboolean
entry_expired(gpointer key, gpointer value, gpointer user_data)
{
    const expiry *e = user_data;
    pm_socket_entry *entry = value;

    if (entry->last_seen_us > e->deadline)
        return FALSE;
    if (e->tuples)
        local_unlink(e->table, &((const pm_tuple_key *)key)->local, entry);
    return TRUE;
}

void
pm_socket_table_expire(pm_socket_table *table, gint64 now, gint64 ttl)
{
    expiry e = { table, now - ttl, TRUE };

    g_hash_table_foreach_remove(table->by_tuple, entry_expired, &e);
    e.tuples = FALSE;
    g_hash_table_foreach_remove(table->by_endpoint, entry_expired, &e);
}

static gboolean
still_valid(const pm_socket_entry *entry, gint64 now, gint64 ttl)
{
    return now - entry->last_seen_us < ttl;
}

static pm_socket_entry *
find_valid(pm_socket_table *table, GHashTable *index, gconstpointer key, gint64 now,
           gint64 ttl)
{
    pm_socket_entry *entry = g_hash_table_lookup(index, key);

    if (entry != NULL && !still_valid(entry, now, ttl)) {
        if (index == table->by_tuple)
            local_unlink(table, &((const pm_tuple_key *)key)->local, entry);
        g_hash_table_remove(index, key);
        return NULL;
    }
    return entry;
}

pm_socket_entry *
pm_socket_table_find(pm_socket_table *table, const pm_endpoint *local,
                     const pm_endpoint *remote, gint64 now, gint64 ttl,
                     pm_table_hit *hit)
{
    pm_socket_entry *entry;
    pm_endpoint wildcard;

    if (remote != NULL) {
        pm_tuple_key tuple = { *local, *remote };
        if ((entry = find_valid(table, table->by_tuple, &tuple, now, ttl)) != NULL) {
            *hit = PM_TABLE_HIT_TUPLE;
            return entry;
        }
    }
    if ((entry = find_valid(table, table->by_endpoint, local, now, ttl)) != NULL) {
        *hit = PM_TABLE_HIT_EXACT;
        return entry;
    }

    wildcard.port = local->port;
    if (!pm_addr_is_any(&local->addr)) {
        pm_addr_any(&wildcard.addr, local->addr.family);
        if ((entry = find_valid(table, table->by_endpoint, &wildcard, now, ttl)) != NULL) {
            *hit = PM_TABLE_HIT_ANY;
            return entry;
        }
    }

    /* Linux defaults to bindv6only=0: a socket on "::" also receives IPv4,
     * which it sees as ::ffff:a.b.c.d. */
    if (local->addr.family == PM_AF_INET) {
        pm_addr_any(&wildcard.addr, PM_AF_INET6);
        entry = find_valid(table, table->by_endpoint, &wildcard, now, ttl);
        if (entry != NULL && entry->socket.from_v6_table &&
            entry->socket.v6only != PM_V6ONLY_YES) {
            *hit = PM_TABLE_HIT_DUAL_STACK;
            return entry;
        }
    }
    *hit = PM_TABLE_HIT_NONE;
    return NULL;
}

pm_socket_entry *
pm_socket_table_find_tuple(pm_socket_table *table, const pm_endpoint *local,
                           const pm_endpoint *remote, gint64 now, gint64 ttl)
{
    pm_tuple_key tuple = { *local, *remote };

    return find_valid(table, table->by_tuple, &tuple, now, ttl);
}

pm_socket_entry *
pm_socket_table_find_local(pm_socket_table *table, const pm_endpoint *local, gint64 now,
                           gint64 ttl, guint *count)
{
    GPtrArray *entries = g_hash_table_lookup(table->by_local, local);
    pm_socket_entry *only = NULL;

    *count = 0;
    for (guint i = 0; entries && i < entries->len; i++) {
        pm_socket_entry *entry = g_ptr_array_index(entries, i);
        if (still_valid(entry, now, ttl)) {
            only = entry;
            (*count)++;
        }
    }
    return *count == 1 ? only : NULL;
}
