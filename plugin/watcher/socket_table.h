/* socket_table.h - one transport's sockets, indexed for packet lookups
 * (internal to the watcher).
 *
 * Two GHashTables: connected sockets by full tuple, unconnected ones
 * (listeners, unconnected UDP) by local endpoint; and an index of the
 * connected ones by their local endpoint alone, for the local-endpoint rule.  Sockets sharing an
 * endpoint in one refresh (SO_REUSEPORT) share one entry and its owners.  An
 * entry stays usable until `ttl` after the last refresh that saw its socket.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_SOCKET_TABLE_H
#define PROCMAP_SOCKET_TABLE_H

#include <glib.h>

#include "backend.h"
#include "process.h"

G_BEGIN_DECLS

typedef struct {
    pm_socket  socket;
    GPtrArray *owners;          /* of pm_process* references, chosen owner first */
    gboolean   no_permission;   /* no owner found, and the uid's fds were not readable */
    gint64     last_seen_us;
    guint64    generation;      /* the refresh that last saw the socket */
} pm_socket_entry;

typedef struct {
    GHashTable *by_tuple;    /* pm_tuple_key* -> pm_socket_entry*, connected sockets */
    GHashTable *by_endpoint; /* pm_endpoint*  -> pm_socket_entry*, unconnected sockets */
    GHashTable *by_local;    /* pm_endpoint*  -> GPtrArray of the by_tuple entries
                              * (borrowed) with that local end */
} pm_socket_table;

typedef enum {
    PM_TABLE_HIT_NONE = 0,
    PM_TABLE_HIT_TUPLE,
    PM_TABLE_HIT_EXACT,
    PM_TABLE_HIT_ANY,
    PM_TABLE_HIT_DUAL_STACK
} pm_table_hit;

void pm_socket_table_init(pm_socket_table *table);
void pm_socket_table_clear(pm_socket_table *table);

/* Records that the refresh @generation at @now saw @socket held by @owners
 * (copied references; may be empty). */
void pm_socket_table_put(pm_socket_table *table, const pm_socket *socket,
                         GPtrArray *owners, gboolean no_permission,
                         gint64 now, guint64 generation);

/* Drops every entry last seen @ttl or more before @now. */
void pm_socket_table_expire(pm_socket_table *table, gint64 now, gint64 ttl);

/* The lookup order of the watcher: tuple (if @remote), exact, any-address,
 * dual-stack (IPv4 only).  Expired entries met on the way are dropped. */
pm_socket_entry *pm_socket_table_find(pm_socket_table *table, const pm_endpoint *local,
                                      const pm_endpoint *remote, gint64 now, gint64 ttl,
                                      pm_table_hit *hit);

/* The first step alone: the connected socket with both ends. */
pm_socket_entry *pm_socket_table_find_tuple(pm_socket_table *table, const pm_endpoint *local,
                                            const pm_endpoint *remote, gint64 now, gint64 ttl);

/* The local-endpoint rule: the connected socket whose local end is @local,
 * if it is the only one there still valid at @now; NULL otherwise.
 * *@count is how many there are. */
pm_socket_entry *pm_socket_table_find_local(pm_socket_table *table, const pm_endpoint *local,
                                            gint64 now, gint64 ttl, guint *count);

G_END_DECLS

#endif /* PROCMAP_SOCKET_TABLE_H */
