/* process_info.h - process records for socket events, and what surrounds
 * a process in a comment (its parent, its container).
 *
 * An eBPF event names a process by pid, start time, thread and comm, taken
 * in its own context.  The record is read from /proc the first time (and
 * again after an exec); when the process is already gone, it is built from
 * the event and the exec event that started its program, so a one-shot
 * program still gets its pid, path and arguments.  One that has exited but
 * is not reaped yet still has a /proc entry without exe or cmdline: those
 * come from its exec event too.
 *
 * Not thread-safe: the capture thread's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_PROCESS_INFO_H
#define PROCMAP_EXTCAP_PROCESS_INFO_H

#include <glib.h>

#include "backend.h"
#include "capture_comments.h"
#include "container.h"
#include "process.h"

G_BEGIN_DECLS

typedef struct pm_process_info pm_process_info;

/* A process as an event saw it. */
typedef struct {
    gint32      pid;
    gint32      tid;
    gint32      ppid;
    guint32     uid;
    guint64     start_time_ns;   /* since the epoch */
    const char *comm;            /* the thread's name */
} pm_event_process;

/* The container of a process; FALSE: none or unknown. */
typedef gboolean (*pm_container_fn)(gpointer data, gint32 pid, pm_container *out);

/* Processes read from @proc_root (NULL: /proc) with the procfs backend.
 * @read_containers: look up containers (a cgroup read per process). */
pm_process_info *pm_process_info_new(const char *proc_root, gboolean read_containers);
/* Processes read through @backend (taken over): the capture's reads go
 * through the monitor.  @containers NULL: no containers. */
pm_process_info *pm_process_info_new_with_backend(pm_backend *backend, pm_container_fn containers,
                                                  gpointer containers_data);
void pm_process_info_free(pm_process_info *info);

/* The record of @event's process (a new reference).  NULL when the backend
 * refuses to read it (PM_READ_FAILED: the policy hides it from the caller):
 * such a process is not built from the event either. */
pm_process *pm_process_info_from_event(pm_process_info *info, const pm_event_process *event,
                                       gint64 now_us);

/* A program started (an exec event): @argv is NUL-separated (@argv_len
 * bytes).  Forgets the pid's record, which named the old program. */
void pm_process_info_exec(pm_process_info *info, const pm_event_process *event,
                          const char *filename, const char *argv, gsize argv_len,
                          gint64 now_us);

/* Fills @out for @process (NULL: an empty subject): the parent and the
 * container, read once per process.  The pointers stay valid until the
 * next pm_process_info_expire(). */
void pm_process_info_subject(pm_process_info *info, const pm_process *process, guint32 tid,
                             const char *thread_name, gint64 now_us, pm_comment_subject *out);

/* Forgets what was not used for a minute. */
void pm_process_info_expire(pm_process_info *info, gint64 now_us);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_PROCESS_INFO_H */
