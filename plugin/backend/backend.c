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
pm_process_raw_clear(pm_process_raw *raw)
{
    g_free(raw->comm);
    g_free(raw->exe);
    g_free(raw->cwd);
    g_free(raw->name);
    g_free(raw->parent_exe);
    g_free(raw->parent_args);
    g_free(raw->container_id);
    g_free(raw->container_name);
    g_free(raw->container_image);
    g_free(raw->pod_name);
    g_free(raw->pod_namespace);
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
