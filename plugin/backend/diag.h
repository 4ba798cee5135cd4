/* diag.h - bad input is counted, and told at most once per cause.
 *
 * A dissector must not flood the log of the program that loads it.  Every
 * problem a backend or the watcher meets is reported here under a cause; each
 * cause is counted every time and passed to the log sink only the first time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_DIAG_H
#define PROCMAP_DIAG_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    PM_DIAG_PROC_ROOT_MISSING = 0,  /* the proc root cannot be opened */
    PM_DIAG_SOCKET_TABLE_UNREADABLE,/* /proc/net/tcp or udp cannot be read */
    PM_DIAG_IPV6_TABLE_MISSING,     /* tcp6/udp6 absent: IPv6 disabled */
    PM_DIAG_MALFORMED_SOCKET_LINE,  /* a /proc/net line that does not parse */
    PM_DIAG_FD_DIR_UNREADABLE,      /* EACCES on /proc/<pid>/fd: not ours */
    PM_DIAG_PROCESS_UNREADABLE,     /* /proc/<pid>/stat unreadable other than by exit */
    PM_DIAG_MALFORMED_PROCESS_FILE, /* /proc/<pid>/stat or status does not parse */
    PM_DIAG_PROCESS_VANISHED,       /* a pid exited between listing and reading: normal */
    PM_DIAG_LOCAL_ADDRESSES_UNREADABLE,
    PM_DIAG_MALFORMED_FD_LINK,      /* "socket:[" target with garbage */
    PM_DIAG_NETLINK_ERROR,          /* netlink refused, short or failed reply */
    PM_DIAG_CONNTRACK,              /* conntrack refused (no permission), absent, or failed */
    PM_DIAG_CAUSE_COUNT
} pm_diag_cause;

typedef enum {
    PM_DIAG_LEVEL_DEBUG,   /* expected events: counted, never logged */
    PM_DIAG_LEVEL_INFO,
    PM_DIAG_LEVEL_WARNING
} pm_diag_level;

/* Receives the first message of each cause. */
typedef void (*pm_diag_sink)(pm_diag_level level, pm_diag_cause cause,
                             const char *message, gpointer user_data);

typedef struct {
    guint64      counts[PM_DIAG_CAUSE_COUNT];
    gboolean     told[PM_DIAG_CAUSE_COUNT];
    pm_diag_sink sink;
    gpointer     sink_data;
} pm_diag;

/* A sink of NULL logs with g_log() in the "procmap" domain. */
void pm_diag_init(pm_diag *diag, pm_diag_sink sink, gpointer sink_data);
void pm_diag_note(pm_diag *diag, pm_diag_cause cause, pm_diag_level level,
                  const char *format, ...) G_GNUC_PRINTF(4, 5);
const char *pm_diag_cause_name(pm_diag_cause cause);

G_END_DECLS

#endif /* PROCMAP_DIAG_H */
