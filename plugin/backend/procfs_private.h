/* procfs_private.h - what the files of the procfs backend share (internal:
 * procfs.c reads tables and processes, procfs_owners.c does the owner scan).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_PROCFS_PRIVATE_H
#define PROCMAP_PROCFS_PRIVATE_H

#include "procfs.h"

G_BEGIN_DECLS

/* Largest /proc/<pid>/stat read; kernel lines are under 1 KiB. */
#define PM_PROCFS_STAT_MAX 2048

typedef struct pm_owner_cache pm_owner_cache;

typedef struct {
    pm_backend      base;
    char           *root;
    char           *buffer;     /* READ_BUFFER_SIZE + 1 bytes */
    long            clk_tck;
    gboolean        has_btime;
    guint64         btime;      /* boot time, seconds since the epoch */
    pm_owner_cache *owner_cache; /* what the owner scan keeps between calls */
} procfs_backend;

/* ENOENT/ESRCH: the process exited. */
gboolean pm_procfs_gone_errno(int err);
/* EACCES/EPERM: not ours to read. */
gboolean pm_procfs_denied_errno(int err);
/* A pid that exited between listing and reading: normal, never logged. */
pm_read_status pm_procfs_note_vanished(pm_diag *diag, gint32 pid);
void pm_procfs_report_root_missing(const procfs_backend *self, int err, pm_diag *diag,
                                   GError **error);
/* Reads up to @cap bytes of <dirfd>/<relative>; 0 or an errno. */
int pm_procfs_read_at(int dirfd, const char *relative, char *buf, gsize cap, gsize *len);
/* Start of a process in ns since the epoch, or 0 when the boot time is
 * unknown. */
guint64 pm_procfs_start_time_ns(procfs_backend *self, guint64 start_ticks, pm_diag *diag);

/* procfs_owners.c: the find_owners operation, and its cache's end. */
gboolean pm_procfs_find_owners(pm_backend *backend, GHashTable *wanted, GArray *owners,
                               pm_owner_scan *scan, pm_diag *diag, GError **error);
void pm_procfs_owner_cache_free(pm_owner_cache *cache);

G_END_DECLS

#endif /* PROCMAP_PROCFS_PRIVATE_H */
