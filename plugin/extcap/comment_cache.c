/* comment_cache.c - each process's comments, formatted once.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "comment_cache.h"

#include <string.h>

typedef enum {
    TEXT_PROCMAP_SRC = 0,
    TEXT_PROCMAP_DST = 1,
    TEXT_PTCPDUMP = 2
} text_kind;

typedef struct {
    const pm_process *process;
    guint32           tid;          /* ptcpdump's thread group */
    guint8            kind;
    guint8            blank_container;
} text_key;

struct pm_comment_cache {
    GHashTable *texts;        /* text_key* -> GPtrArray of char* */
    GPtrArray  *held;         /* the records keyed, referenced */
    guint       count;
};

static guint
key_hash(gconstpointer data)
{
    const text_key *key = data;

    return g_direct_hash(key->process) ^ (key->tid * 31u) ^ ((guint)key->kind << 28) ^
           ((guint)key->blank_container << 30);
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
    const text_key *x = a, *y = b;

    return x->process == y->process && x->tid == y->tid && x->kind == y->kind &&
           x->blank_container == y->blank_container;
}

pm_comment_cache *
pm_comment_cache_new(void)
{
    pm_comment_cache *cache = g_new0(pm_comment_cache, 1);

    cache->texts = g_hash_table_new_full(key_hash, key_equal, g_free,
                                         (GDestroyNotify)g_ptr_array_unref);
    cache->held = g_ptr_array_new_with_free_func((GDestroyNotify)pm_process_unref);
    return cache;
}

void
pm_comment_cache_free(pm_comment_cache *cache)
{
    if (cache == NULL)
        return;
    g_hash_table_unref(cache->texts);
    g_ptr_array_unref(cache->held);
    g_free(cache);
}

static GPtrArray *
texts_of(pm_comment_cache *cache, const pm_comment_subject *subject, text_kind kind,
         const pm_comment_subject *other)
{
    gboolean other_container = other != NULL && other->process != NULL &&
                               other->container_id != NULL;
    text_key key = {
        .process = subject->process,
        .tid = kind == TEXT_PTCPDUMP ? subject->tid : 0,
        .kind = (guint8)kind,
        .blank_container = kind == TEXT_PTCPDUMP && other_container &&
                           subject->container_id == NULL,
    };
    GPtrArray *texts = g_hash_table_lookup(cache->texts, &key);

    if (texts != NULL)
        return texts;
    texts = g_ptr_array_new_with_free_func(g_free);
    if (kind == TEXT_PTCPDUMP) {
        pm_comment_ptcpdump_with_other(subject, key.blank_container ? other : NULL, texts);
    } else {
        char *text = pm_comment_procmap(kind == TEXT_PROCMAP_SRC ? PM_COMMENT_SIDE_SRC
                                                                 : PM_COMMENT_SIDE_DST, subject);
        if (text)
            g_ptr_array_add(texts, text);
    }
    g_hash_table_insert(cache->texts, g_memdup2(&key, sizeof key), texts);
    g_ptr_array_add(cache->held, pm_process_ref((pm_process *)subject->process));
    cache->count += texts->len + 1;
    return texts;
}

static void
append_all(GPtrArray *out, GPtrArray *texts)
{
    for (guint i = 0; i < texts->len; i++)
        g_ptr_array_add(out, texts->pdata[i]);
}

void
pm_comment_cache_append(pm_comment_cache *cache, const pm_comment_subject *src,
                        const pm_comment_subject *dst, const pm_comment_subject *one,
                        GPtrArray *out)
{
    if (src->process)
        append_all(out, texts_of(cache, src, TEXT_PROCMAP_SRC, NULL));
    if (dst->process)
        append_all(out, texts_of(cache, dst, TEXT_PROCMAP_DST, NULL));
    if (one != NULL && one->process != NULL)
        append_all(out, texts_of(cache, one, TEXT_PTCPDUMP, one == src ? dst : src));
}

void
pm_comment_cache_trim(pm_comment_cache *cache, guint max)
{
    if (cache->count <= max)
        return;
    g_hash_table_remove_all(cache->texts);
    g_ptr_array_set_size(cache->held, 0);
    cache->count = 0;
}
