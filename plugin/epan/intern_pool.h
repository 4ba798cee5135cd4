/* intern_pool.h - values stored once and named by a small id: the frame
 * engine keeps a 4-byte id per frame, and the frames of a stream, which
 * mostly have the same answer, share one copy of it.
 *
 * Items are copied in, compared by the pool's hash and equal functions, and
 * never move or change: an id stays valid until the pool is cleared.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_INTERN_POOL_H
#define PROCMAP_INTERN_POOL_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct pm_intern_pool pm_intern_pool;

pm_intern_pool *pm_intern_pool_new(gsize item_size, GHashFunc hash, GEqualFunc equal);
void pm_intern_pool_free(pm_intern_pool *pool);
/* Forgets every item: earlier ids are invalid. */
void pm_intern_pool_clear(pm_intern_pool *pool);

/* The id (>= 1) of an item equal to @item, stored now if there was none. */
guint32 pm_intern_pool_add(pm_intern_pool *pool, gconstpointer item);
/* The item of @id (from pm_intern_pool_add since the last clear). */
gconstpointer pm_intern_pool_get(const pm_intern_pool *pool, guint32 id);
guint pm_intern_pool_size(const pm_intern_pool *pool);

G_END_DECLS

#endif
