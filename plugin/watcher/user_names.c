/* user_names.c - the user name of a uid, read once and kept.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "user_names.h"

#include "process.h"

struct pm_user_names {
    pm_backend *backend;
    GHashTable *names;      /* uid + 1 -> char* (NULL value: the uid has no name) */
};

pm_user_names *
pm_user_names_new(pm_backend *backend)
{
    pm_user_names *names = g_new0(pm_user_names, 1);

    names->backend = backend;
    names->names = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return names;
}

void
pm_user_names_free(pm_user_names *names)
{
    if (names == NULL)
        return;
    g_hash_table_unref(names->names);
    g_free(names);
}

void
pm_user_names_clear(pm_user_names *names)
{
    g_hash_table_remove_all(names->names);
}

const char *
pm_user_names_get(pm_user_names *names, guint32 uid)
{
    gpointer key = GUINT_TO_POINTER(uid + 1);
    gpointer name;

    if (g_hash_table_lookup_extended(names->names, key, NULL, &name))
        return name;
    if (names->backend == NULL || names->backend->ops->user_name == NULL)
        return NULL;
    name = pm_utf8_sanitize(names->backend->ops->user_name(names->backend, uid));
    g_hash_table_insert(names->names, key, name);
    return name;
}

void
pm_user_names_remember(pm_user_names *names, guint32 uid, const char *name)
{
    gpointer key = GUINT_TO_POINTER(uid + 1);

    if (name != NULL && !g_hash_table_contains(names->names, key))
        g_hash_table_insert(names->names, key, pm_utf8_sanitize(g_strdup(name)));
}
