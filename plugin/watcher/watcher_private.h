/* watcher_private.h - the watcher's state, shared by its source files only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_WATCHER_PRIVATE_H
#define PROCMAP_WATCHER_PRIVATE_H

#include "watcher.h"
#include "socket_table.h"
#include "user_names.h"

G_BEGIN_DECLS

typedef struct {
    pm_process *process;
    gint64      created_us;
} process_cache_entry;

/* Backend lookups allowed in a window of min_refresh_interval (refresh.c). */
typedef struct {
    gint64 start_us;
    guint  used;
} pm_lookup_budget;

struct pm_watcher {
    pm_backend       *backend;
    pm_watcher_config config;
    pm_clock_fn       clock;
    gpointer          clock_data;
    pm_diag           diag;

    pm_alias_rule    *aliases;       /* strings owned */
    guint             n_aliases;

    pm_socket_table   tables[PM_TRANSPORT_COUNT];
    GHashTable       *local_addresses;   /* pm_addr* set */
    GHashTable       *process_cache;     /* pm_process_key* -> process_cache_entry* */
    pm_user_names    *user_names;

    /* The latest refresh, kept whole for snapshots. */
    GArray           *last_sockets[PM_TRANSPORT_COUNT];  /* of pm_socket */
    GHashTable       *last_owners;       /* guint64* inode -> GPtrArray of pm_process* */
    /* What the owner scans learned, kept for the next refresh (refresh.c). */
    GArray           *last_owner_rows;   /* of pm_owner, NULL: none kept */
    GHashTable       *last_inodes;       /* guint64* set, keys into last_sockets */
    GHashTable       *unreadable_uids;   /* of the latest scan of every process */
    gint64            owners_scanned_us; /* the latest whole scan; 0: none */

    guint64           generation;        /* of refreshes: the table's entries carry it */
    guint64           epoch;             /* pm_watcher_epoch() */
    gint64            table_built_us;    /* 0: never built */
    gint64            last_refresh_us;
    gboolean          refresh_attempted;
    gboolean          last_refresh_failed;
    gboolean          local_addresses_known; /* read successfully at least once */
    gint64            addresses_read_us;     /* the latest successful read */
    gint64            addresses_checked_us;  /* ... or question whether they changed */
    /* Exact lookups and conntrack lookups, each with a budget per window. */
    pm_lookup_budget  exact_budget;
    pm_lookup_budget  conntrack_budget;
    /* Conntrack answers by packet tuple (nat.c). */
    GHashTable       *conntrack_cache;
    gint64            conntrack_swept_us;
    pm_watcher_stats  stats;
};

/* What an exact lookup (the backend's find_socket) settled for a miss. */
typedef enum {
    PM_EXACT_NOT_SETTLED = 0, /* none made, UNKNOWN, or a socket of unknown owner:
                               * the refresh rule decides */
    PM_EXACT_ABSENT,          /* no socket: NO_SOCKET without a refresh (the caller
                               * counts it in exact_lookup_answers if it settles) */
    PM_EXACT_FOUND,           /* a connected socket whose owners the latest refresh
                               * knows: now in the table */
    PM_EXACT_BUSY             /* the budget of the window is spent: suppressed */
} pm_exact_outcome;

static inline gint64
pm_watcher_now(pm_watcher *watcher)
{
    return watcher->clock(watcher->clock_data);
}

/* What a lookup reads may have changed: a new epoch. */
void pm_watcher_changed(pm_watcher *watcher);

/* refresh.c */
/* One more backend lookup in @budget's window, or FALSE: the window lasts
 * min_refresh_interval from its first lookup and allows
 * exact_lookups_per_interval of them. */
gboolean pm_watcher_budget_take(pm_watcher *watcher, pm_lookup_budget *budget, gint64 now);
/* For an address not known as local in a packet of @packet_time_us: reads
 * the addresses again if they may have changed since what the watcher
 * knows (older than the packet); whether @addr is local now. */
gboolean pm_watcher_address_became_local(pm_watcher *watcher, const pm_addr *addr,
                                         gint64 packet_time_us);
/* For a miss of a table older than the packet: on FOUND, *@entry and *@hit
 * are the table's answer. */
pm_exact_outcome pm_watcher_exact_lookup(pm_watcher *watcher, pm_transport transport,
                                         const pm_endpoint *local, const pm_endpoint *remote,
                                         gint64 now, pm_socket_entry **entry,
                                         pm_table_hit *hit);
GHashTable *pm_owner_index_new(void);
/* Forgets what the owner scans learned: the next refresh scans everything. */
void pm_watcher_forget_owners(pm_watcher *watcher);
GHashTable *pm_process_cache_new(void);

/* nat.c: step (2) of the lookup order for (@local, @remote) of a packet of
 * @packet_time_us: NAT_TRANSLATED fills the socket's own ends.
 * *@stable_until_us: the same question gives the same state for packets
 * before it, in this epoch (a cached answer's expiry); 0: asked anew. */
pm_nat_state pm_watcher_translate(pm_watcher *watcher, pm_transport transport,
                                  const pm_endpoint *local, const pm_endpoint *remote,
                                  gint64 packet_time_us, gint64 now,
                                  pm_endpoint *socket_local, pm_endpoint *socket_remote,
                                  gint64 *stable_until_us);
GHashTable *pm_conntrack_cache_new(void);

G_END_DECLS

#endif /* PROCMAP_WATCHER_PRIVATE_H */
