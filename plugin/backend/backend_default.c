/* backend_default.c - which backend a proc root calls for.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netlink.h"
#include "procfs.h"

#include <string.h>

/* Netlink answers for the network namespace of this process, which is what
 * the real /proc/net shows; any other root (a host's /proc mounted in a
 * container, a fake tree) is only readable as files. */
pm_backend *
pm_backend_new_default(const char *proc_root)
{
    gsize len = proc_root ? strlen(proc_root) : 0;

    while (len > 1 && proc_root[len - 1] == '/')
        len--;
    if (proc_root == NULL || len == 0
        || (len == strlen(PM_PROCFS_DEFAULT_ROOT)
            && strncmp(proc_root, PM_PROCFS_DEFAULT_ROOT, len) == 0))
        return pm_netlink_backend_new(proc_root);
    return pm_procfs_backend_new(proc_root);
}
