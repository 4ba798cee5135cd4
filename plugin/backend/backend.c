/* backend.c - helpers shared by every backend.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "backend.h"

#include <string.h>

static const char *const transport_names[PM_TRANSPORT_COUNT] = { "tcp", "udp" };

const char *
pm_transport_name(pm_transport transport)
{
    return (unsigned)transport < PM_TRANSPORT_COUNT ? transport_names[transport] : "?";
}

gboolean
pm_transport_from_name(const char *name, pm_transport *out)
{
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        if (name && g_ascii_strcasecmp(name, transport_names[t]) == 0) {
            *out = (pm_transport)t;
            return TRUE;
        }
    }
    return FALSE;
}

void
pm_process_carried_foreach(pm_process_carried *carried,
                           void (*fn)(char **text, gpointer data), gpointer data)
{
    char **texts[] = {
        &carried->parent_exe, &carried->parent_args, &carried->container_id,
        &carried->container_name, &carried->container_image, &carried->pod_name,
        &carried->pod_namespace, &carried->package,
    };

    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++)
        fn(texts[i], data);
}

static void
free_text(char **text, gpointer data)
{
    (void)data;
    g_clear_pointer(text, g_free);
}

void
pm_process_carried_clear(pm_process_carried *carried)
{
    pm_process_carried_foreach(carried, free_text, NULL);
}

void
pm_process_raw_clear(pm_process_raw *raw)
{
    g_free(raw->comm);
    g_free(raw->exe);
    g_free(raw->cwd);
    g_free(raw->name);
    pm_process_carried_clear(&raw->carried);
    if (raw->argv)
        g_ptr_array_unref(raw->argv);
    memset(raw, 0, sizeof *raw);
    raw->ppid = -1;
}

void
pm_backend_free(pm_backend *backend)
{
    if (backend && backend->ops->destroy)
        backend->ops->destroy(backend);
}
