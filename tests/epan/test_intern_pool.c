/* test_intern_pool.c - values stored once: equal values share an id, ids
 * and items stay put as the pool grows, a clear forgets everything.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "intern_pool.h"

typedef struct {
    guint32 a;
    guint8  b;      /* followed by padding the pool must not compare */
} item;

static guint
item_hash(gconstpointer data)
{
    const item *x = data;
    return x->a * 2654435761u ^ x->b;
}

static gboolean
item_equal(gconstpointer p, gconstpointer q)
{
    const item *x = p, *y = q;
    return x->a == y->a && x->b == y->b;
}

static void
test_equal_items_share_an_id(void)
{
    pm_intern_pool *pool = pm_intern_pool_new(sizeof(item), item_hash, item_equal);
    item one = { 1, 1 }, two = { 2, 1 }, padded;
    guint32 id_one, id_two;

    id_one = pm_intern_pool_add(pool, &one);
    id_two = pm_intern_pool_add(pool, &two);
    g_assert_cmpuint(id_one, >=, 1);
    g_assert_cmpuint(id_one, !=, id_two);
    g_assert_cmpuint(pm_intern_pool_add(pool, &one), ==, id_one);      /* not the last one */
    g_assert_cmpuint(pm_intern_pool_add(pool, &one), ==, id_one);      /* the last one */
    memset(&padded, 0xA5, sizeof padded);                               /* other padding */
    padded.a = 2;
    padded.b = 1;
    g_assert_cmpuint(pm_intern_pool_add(pool, &padded), ==, id_two);
    g_assert_cmpuint(pm_intern_pool_size(pool), ==, 2);
    g_assert_true(item_equal(pm_intern_pool_get(pool, id_two), &two));
    pm_intern_pool_free(pool);
}

static void
test_items_stay_put_as_the_pool_grows(void)
{
    pm_intern_pool *pool = pm_intern_pool_new(sizeof(item), item_hash, item_equal);
    gconstpointer first;
    item x = { 0, 7 };

    first = pm_intern_pool_get(pool, pm_intern_pool_add(pool, &x));
    for (guint32 i = 1; i < 5000; i++) {
        x.a = i;
        g_assert_cmpuint(pm_intern_pool_add(pool, &x), ==, i + 1);
    }
    x.a = 0;
    g_assert_true(pm_intern_pool_get(pool, 1) == first);
    g_assert_true(item_equal(first, &x));
    for (guint32 i = 0; i < 5000; i += 499) {
        x.a = i;
        g_assert_cmpuint(pm_intern_pool_add(pool, &x), ==, i + 1);
        g_assert_true(item_equal(pm_intern_pool_get(pool, i + 1), &x));
    }
    g_assert_cmpuint(pm_intern_pool_size(pool), ==, 5000);

    pm_intern_pool_clear(pool);
    g_assert_cmpuint(pm_intern_pool_size(pool), ==, 0);
    x.a = 4999;
    g_assert_cmpuint(pm_intern_pool_add(pool, &x), ==, 1);
    pm_intern_pool_free(pool);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/intern-pool/equal-items-share-an-id", test_equal_items_share_an_id);
    g_test_add_func("/intern-pool/items-stay-put", test_items_stay_put_as_the_pool_grows);
    return g_test_run();
}
