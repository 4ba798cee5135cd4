/* procfs_root.h - reading files under a proc root: what both halves of the
 * procfs backend need, the table and process reader (procfs.c) and the
 * owner scan (procfs_owners.c), so that neither calls the other.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_PROCFS_ROOT_H
#define PROCMAP_PROCFS_ROOT_H

#include "backend.h"
#include "procfs_parse.h"

G_BEGIN_DECLS

/* Largest /proc/<pid>/stat read; kernel lines are under 1 KiB. */
#define PM_PROCFS_STAT_MAX 2048

typedef struct {
    char    *path;        /* "/proc", "/host/proc", a fake tree; no trailing '/' */
    long     clk_tck;
    gboolean has_btime;
    guint64  btime;       /* boot time, seconds since the epoch (read once) */
} pm_procfs_root;

/* @path NULL or empty means PM_PROCFS_DEFAULT_ROOT. */
void pm_procfs_root_init(pm_procfs_root *root, const char *path);
void pm_procfs_root_clear(pm_procfs_root *root);

/* ENOENT/ESRCH: the process exited. */
gboolean pm_procfs_gone_errno(int err);
/* EACCES/EPERM: not ours to read. */
gboolean pm_procfs_denied_errno(int err);
/* A pid that exited between listing and reading: normal, never logged. */
pm_read_status pm_procfs_note_vanished(pm_diag *diag, gint32 pid);
gboolean pm_procfs_root_exists(const pm_procfs_root *root);
void pm_procfs_report_root_missing(const pm_procfs_root *root, int err, pm_diag *diag,
                                   GError **error);

/* open() of <root>/<relative>, -1 with errno set on failure. */
int pm_procfs_open(const pm_procfs_root *root, const char *relative, int flags);
/* Reads up to @cap bytes of <dirfd>/<relative>; 0 or an errno. */
int pm_procfs_read_at(int dirfd, const char *relative, char *buf, gsize cap, gsize *len);
/* Feeds <root>/<relative> to @fn line by line through @buf (see
 * pm_line_splitter).  Returns 0 or the errno of opening or reading. */
int pm_procfs_read_lines(const pm_procfs_root *root, const char *relative, char *buf,
                         gsize cap, pm_line_fn fn, gpointer data);

/* Start of a process in ns since the epoch, or 0 when the boot time is
 * unknown (told in @diag). */
guint64 pm_procfs_start_time_ns(pm_procfs_root *root, guint64 start_ticks, pm_diag *diag);

G_END_DECLS

#endif /* PROCMAP_PROCFS_ROOT_H */
