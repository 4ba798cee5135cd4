/* intern_pool.c - values stored once and named by a small id.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "intern_pool.h"

#include <string.h>

/* Items come in chunks that never move, so the hash table can point at them. */
#define ITEMS_PER_CHUNK 512u

struct pm_intern_pool {
    gsize       item_size;
    GPtrArray  *chunks;
    guint       count;
    GHashTable *ids;        /* item (in a chunk) -> its id */
    /* The two ids added last, the latest first: a run of equal items, or
     * of two alternating ones (a frame's source and destination), skips
     * the hash. */
    guint32     recent[2];
    GEqualFunc  equal;
};

pm_intern_pool *
pm_intern_pool_new(gsize item_size, GHashFunc hash, GEqualFunc equal)
{
    pm_intern_pool *pool = g_new0(pm_intern_pool, 1);

    pool->item_size = item_size;
    pool->chunks = g_ptr_array_new_with_free_func(g_free);
    pool->ids = g_hash_table_new(hash, equal);
    pool->equal = equal;
    return pool;
}

void
pm_intern_pool_free(pm_intern_pool *pool)
{
    if (pool == NULL)
        return;
    g_hash_table_unref(pool->ids);
    g_ptr_array_unref(pool->chunks);
    g_free(pool);
}

void
pm_intern_pool_clear(pm_intern_pool *pool)
{
    g_hash_table_remove_all(pool->ids);
    g_ptr_array_set_size(pool->chunks, 0);
    pool->count = 0;
    pool->recent[0] = pool->recent[1] = 0;
}

static gpointer
item_at(const pm_intern_pool *pool, guint index)
{
    guint8 *chunk = g_ptr_array_index(pool->chunks, index / ITEMS_PER_CHUNK);

    return chunk + (gsize)(index % ITEMS_PER_CHUNK) * pool->item_size;
}

guint32
pm_intern_pool_add(pm_intern_pool *pool, gconstpointer item)
{
    gpointer found, stored;
    guint32 id;

    if (pool->recent[0] != 0 && pool->equal(item_at(pool, pool->recent[0] - 1), item))
        return pool->recent[0];
    if (pool->recent[1] != 0 && pool->equal(item_at(pool, pool->recent[1] - 1), item)) {
        id = pool->recent[1];
    } else if ((found = g_hash_table_lookup(pool->ids, item)) != NULL) {
        id = GPOINTER_TO_UINT(found);
    } else {
        if (pool->count % ITEMS_PER_CHUNK == 0)
            g_ptr_array_add(pool->chunks, g_malloc(ITEMS_PER_CHUNK * pool->item_size));
        stored = item_at(pool, pool->count);
        memcpy(stored, item, pool->item_size);
        id = ++pool->count;
        g_hash_table_insert(pool->ids, stored, GUINT_TO_POINTER(id));
    }
    pool->recent[1] = pool->recent[0];
    pool->recent[0] = id;
    return id;
}

gconstpointer
pm_intern_pool_get(const pm_intern_pool *pool, guint32 id)
{
    g_return_val_if_fail(id >= 1 && id <= pool->count, NULL);
    return item_at(pool, id - 1);
}

guint
pm_intern_pool_size(const pm_intern_pool *pool)
{
    return pool->count;
}
