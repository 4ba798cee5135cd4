/* procfs_owners.h - the owner scan of the procfs backend: which processes
 * hold some socket inodes, from one pass over <root>/<pid>/fd, and what it
 * keeps between passes (see procfs_owners.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_PROCFS_OWNERS_H
#define PROCMAP_PROCFS_OWNERS_H

#include "procfs_root.h"

G_BEGIN_DECLS

typedef struct pm_procfs_owners pm_procfs_owners;

pm_procfs_owners *pm_procfs_owners_new(void);
void pm_procfs_owners_free(pm_procfs_owners *owners);

/* The find_owners operation (backend.h) over @root. */
gboolean pm_procfs_owners_find(pm_procfs_owners *owners, pm_procfs_root *root,
                               GHashTable *wanted, GArray *out, pm_owner_scan *scan,
                               pm_diag *diag, GError **error);

/* The process_start operation (backend.h) over @root, through the same
 * cache of start times: one fstatat when the stat file is the one read
 * before. */
pm_read_status pm_procfs_owners_start_time(pm_procfs_owners *owners, pm_procfs_root *root,
                                           gint32 pid, guint64 *start_time_ns,
                                           pm_diag *diag);

G_END_DECLS

#endif /* PROCMAP_PROCFS_OWNERS_H */
