/* carried_cache.h - what distinct sets of carried information read as,
 * within a memory budget.
 *
 * Every packet of a ptcpdump or procmap-capture file repeats the comments
 * of the few processes that talk, so a set is parsed once (carried.h) and
 * shared by the frames that carry it.  A crafted file can make every set
 * distinct: the cache then keeps the most recently used sets within a
 * budget of entries and bytes, and forgets the others.  A frame whose set
 * was forgotten is asked for its comments again (the glue reads them from
 * the file) and parsed again: the same bytes give the same answer, so
 * nothing is lost but time.  Pure GLib, no epan.
 *
 * Entries are known by id (never 0, never reused within a cache), so a
 * frame can tell that its set is gone.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_CARRIED_CACHE_H
#define PROCMAP_CARRIED_CACHE_H

#include <glib.h>

#include "carried.h"

G_BEGIN_DECLS

#define PM_CARRIED_CACHE_ENTRIES 16384
#define PM_CARRIED_CACHE_BYTES   (32 * 1024 * 1024)

/* One distinct set: its parse and the process records made of it. */
typedef struct {
    pm_carried  parsed;
    pm_process *process[PM_CARRIED_SLOTS];  /* of parsed.process[], or NULL */
} pm_carried_entry;

typedef struct pm_carried_cache pm_carried_cache;

pm_carried_cache *pm_carried_cache_new(guint max_entries, gsize max_bytes);
void pm_carried_cache_free(pm_carried_cache *cache);
/* Forgets everything (a new file); ids go on from where they were. */
void pm_carried_cache_reset(pm_carried_cache *cache);

/* What @comments, @darwin and @tag read as: parsed now unless cached.  Returns
 * NULL (and @id 0) when they name no process and nothing in them is wrong
 * (malformed values, a Darwin reference without its record).  The entry stays valid until
 * the next lookup: a lookup may forget others to stay within the budget,
 * never the one it returns. */
const pm_carried_entry *pm_carried_cache_lookup(pm_carried_cache *cache,
                                                const char *const *comments, guint n_comments,
                                                const pm_carried_darwin *darwin,
                                                const pm_carried_tag *tag, guint32 *id);

/* The entry of @id if it is still cached (now the most recently used), or
 * NULL. */
const pm_carried_entry *pm_carried_cache_get(pm_carried_cache *cache, guint32 id);
gboolean pm_carried_cache_contains(pm_carried_cache *cache, guint32 id);

guint pm_carried_cache_size(pm_carried_cache *cache);
gsize pm_carried_cache_bytes(pm_carried_cache *cache);
/* Sets forgotten to stay within the budget, since the cache was made. */
guint64 pm_carried_cache_evictions(pm_carried_cache *cache);

G_END_DECLS

#endif /* PROCMAP_CARRIED_CACHE_H */
