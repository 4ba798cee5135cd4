/* carried_cache.c - what distinct sets of carried information read as,
 * within a memory budget.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "carried_cache.h"

#include <string.h>

typedef struct {
    pm_carried_entry entry;
    gboolean relevant;       /* the set names a process, or something in it is wrong */
    GBytes  *key;
    guint32  id;
    gsize    bytes;          /* what it costs, roughly */
    GList    link;           /* in the queue, most recently used first */
} cache_node;

struct pm_carried_cache {
    GHashTable *by_key;      /* GBytes* -> cache_node* */
    GHashTable *by_id;       /* id -> cache_node* */
    GQueue      recent;
    guint       max_entries;
    gsize       max_bytes;
    gsize       bytes;
    guint32     next_id;
    guint64     evictions;
};

static void
node_free(cache_node *node)
{
    for (int slot = 0; slot < PM_CARRIED_SLOTS; slot++)
        pm_process_unref(node->entry.process[slot]);
    pm_carried_clear(&node->entry.parsed);
    g_bytes_unref(node->key);
    g_free(node);
}

pm_carried_cache *
pm_carried_cache_new(guint max_entries, gsize max_bytes)
{
    pm_carried_cache *cache = g_new0(pm_carried_cache, 1);

    cache->by_key = g_hash_table_new(g_bytes_hash, g_bytes_equal);
    cache->by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_queue_init(&cache->recent);
    cache->max_entries = MAX(max_entries, 1u);
    cache->max_bytes = max_bytes;
    cache->next_id = 1;
    return cache;
}

void
pm_carried_cache_reset(pm_carried_cache *cache)
{
    GList *link;

    while ((link = g_queue_pop_head_link(&cache->recent)) != NULL)
        node_free(link->data);
    g_hash_table_remove_all(cache->by_key);
    g_hash_table_remove_all(cache->by_id);
    cache->bytes = 0;
}

void
pm_carried_cache_free(pm_carried_cache *cache)
{
    if (cache == NULL)
        return;
    pm_carried_cache_reset(cache);
    g_hash_table_unref(cache->by_key);
    g_hash_table_unref(cache->by_id);
    g_free(cache);
}

/* The bytes that decide what a packet carries: its comments, its Darwin
 * process and its tag.  Two packets with the same key read the same. */
static GBytes *
key_of(const char *const *comments, guint n_comments, const pm_carried_darwin *darwin,
       const pm_carried_tag *tag)
{
    GByteArray *key = g_byte_array_new();
    guint32 n = MIN(comments ? n_comments : 0, PM_CARRIED_COMMENTS_MAX + 1);

    g_byte_array_append(key, (const guint8 *)&n, sizeof n);
    for (guint i = 0; i < n; i++) {
        const char *comment = comments[i] ? comments[i] : "";

        g_byte_array_append(key, (const guint8 *)(comments[i] ? "c" : "n"), 1);
        g_byte_array_append(key, (const guint8 *)comment, (guint)strlen(comment) + 1);
    }
    if (darwin != NULL && (darwin->present || darwin->unresolved)) {
        const char *name = darwin->name ? darwin->name : "";
        const char *ename = darwin->has_effective && darwin->ename ? darwin->ename : "";
        gint32 numbers[4] = { darwin->pid, darwin->has_effective, darwin->epid,
                              darwin->unresolved };

        g_byte_array_append(key, (const guint8 *)numbers, sizeof numbers);
        g_byte_array_append(key, (const guint8 *)name, (guint)strlen(name) + 1);
        g_byte_array_append(key, (const guint8 *)ename, (guint)strlen(ename) + 1);
    }
    if (pm_carried_tag_present(tag)) {
        const char *malformed = tag->malformed ? tag->malformed : "";
        guint32 numbers[6] = { tag->kind, tag->has_id, tag->id,
                               tag->name ? (guint32)tag->name_len + 1 : 0,
                               tag->package ? (guint32)tag->package_len + 1 : 0,
                               tag->args ? (guint32)tag->args_len + 1 : 0 };

        g_byte_array_append(key, (const guint8 *)"t", 1);
        g_byte_array_append(key, (const guint8 *)numbers, sizeof numbers);
        if (tag->name)
            g_byte_array_append(key, (const guint8 *)tag->name, (guint)tag->name_len);
        if (tag->package)
            g_byte_array_append(key, (const guint8 *)tag->package, (guint)tag->package_len);
        if (tag->args)
            g_byte_array_append(key, (const guint8 *)tag->args, (guint)tag->args_len);
        g_byte_array_append(key, (const guint8 *)malformed, (guint)strlen(malformed) + 1);
    }
    return g_byte_array_free_to_bytes(key);
}

static void
touch(pm_carried_cache *cache, cache_node *node)
{
    g_queue_unlink(&cache->recent, &node->link);
    g_queue_push_head_link(&cache->recent, &node->link);
}

/* Forgets the least recently used sets until the budget holds (never
 * @keep, the one being returned). */
static void
trim(pm_carried_cache *cache, cache_node *keep)
{
    while (cache->recent.length > cache->max_entries || cache->bytes > cache->max_bytes) {
        cache_node *oldest = cache->recent.tail->data;

        if (oldest == keep)
            break;
        g_queue_unlink(&cache->recent, &oldest->link);
        g_hash_table_remove(cache->by_key, oldest->key);
        g_hash_table_remove(cache->by_id, GUINT_TO_POINTER(oldest->id));
        cache->bytes -= oldest->bytes;
        cache->evictions++;
        node_free(oldest);
    }
}

const pm_carried_entry *
pm_carried_cache_lookup(pm_carried_cache *cache, const char *const *comments, guint n_comments,
                        const pm_carried_darwin *darwin, const pm_carried_tag *tag,
                        guint32 *id)
{
    GBytes *key;
    cache_node *node;

    *id = 0;
    if ((comments == NULL || n_comments == 0) &&
        (darwin == NULL || (!darwin->present && !darwin->unresolved)) &&
        !pm_carried_tag_present(tag))
        return NULL;
    key = key_of(comments, n_comments, darwin, tag);
    node = g_hash_table_lookup(cache->by_key, key);
    if (node != NULL) {
        g_bytes_unref(key);
        touch(cache, node);
    } else {
        node = g_new0(cache_node, 1);
        node->key = key;
        node->id = cache->next_id++;
        if (cache->next_id == 0)        /* 4 G distinct sets: 0 means none */
            cache->next_id = 1;
        node->link.data = node;
        node->relevant = pm_carried_parse(comments, n_comments, darwin, tag,
                                          &node->entry.parsed) ||
                         node->entry.parsed.n_malformed > 0 || node->entry.parsed.unresolved;
        for (int slot = 0; slot < PM_CARRIED_SLOTS; slot++) {
            if (node->entry.parsed.process[slot].present)
                node->entry.process[slot] =
                    pm_carried_process_to_process(&node->entry.parsed.process[slot]);
        }
        /* The key, the parse (about as big) and the records. */
        node->bytes = sizeof *node + 2 * g_bytes_get_size(key);
        cache->bytes += node->bytes;
        g_hash_table_insert(cache->by_key, node->key, node);
        g_hash_table_insert(cache->by_id, GUINT_TO_POINTER(node->id), node);
        g_queue_push_head_link(&cache->recent, &node->link);
        trim(cache, node);
    }
    if (!node->relevant)
        return NULL;
    *id = node->id;
    return &node->entry;
}

const pm_carried_entry *
pm_carried_cache_get(pm_carried_cache *cache, guint32 id)
{
    cache_node *node = id ? g_hash_table_lookup(cache->by_id, GUINT_TO_POINTER(id)) : NULL;

    if (node == NULL || !node->relevant)
        return NULL;
    touch(cache, node);
    return &node->entry;
}

gboolean
pm_carried_cache_contains(pm_carried_cache *cache, guint32 id)
{
    return id != 0 && g_hash_table_contains(cache->by_id, GUINT_TO_POINTER(id));
}

guint
pm_carried_cache_size(pm_carried_cache *cache)
{
    return cache->recent.length;
}

gsize
pm_carried_cache_bytes(pm_carried_cache *cache)
{
    return cache->bytes;
}

guint64
pm_carried_cache_evictions(pm_carried_cache *cache)
{
    return cache->evictions;
}
