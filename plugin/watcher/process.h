/* process.h - immutable, reference-counted process records.
 *
 * A record is made once from what the backend read (pm_process_raw), names
 * the process, applies the alias rules, and then never changes: holders keep
 * seeing the identity it had when it was read, even after the pid is reused.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_PROCESS_H
#define PROCMAP_PROCESS_H

#include <glib.h>

#include "backend.h"

G_BEGIN_DECLS

/* The Linux task name limit: 15 visible bytes (TASK_COMM_LEN - 1). */
#define PM_COMM_MAX 15

/* First rule whose substring occurs in the arguments joined by single spaces
 * renames the process.  An empty substring matches every process. */
typedef struct {
    const char *cmdline_substring;
    const char *name;
} pm_alias_rule;

typedef struct {
    gint32   pid;
    gint32   ppid;          /* -1 if unknown */
    char    *name;          /* what to show: alias, else comm, else exe basename */
    char    *comm;          /* empty strings are NULL; every string is valid UTF-8 */
    char    *exe;
    char    *args;          /* argv joined by single spaces; NULL if unreadable */
    char    *argv;          /* the same arguments, each ending in a NUL (as
                             * /proc/PID/cmdline has them); NULL if unreadable */
    gsize    argv_len;      /* bytes of argv, its last NUL included */
    char    *cwd;
    gboolean args_truncated;
    gboolean aliased;       /* name came from an alias rule */
    guint64  start_time_ns; /* since the epoch; 0 if unknown */
    gboolean has_uid;
    guint32  uid;
    char    *user;
    /* Known only when a capture file carried it (ptcpdump, procmap's
     * capture comments); empty for live lookups. */
    pm_process_carried carried;
} pm_process;

/* A process's identity: its pid and start time (0 if unknown), so that a
 * recycled pid is another process.  A GHashTable key: pm_process_key_hash
 * and _equal; keys made by pm_process_key_new() are freed with g_free. */
typedef struct {
    gint32  pid;
    guint64 start_time_ns;
} pm_process_key;

pm_process_key *pm_process_key_new(gint32 pid, guint64 start_time_ns);
guint pm_process_key_hash(gconstpointer key);
gboolean pm_process_key_equal(gconstpointer a, gconstpointer b);
/* A table keyed by new pm_process_keys (freed with it); @value_free may be
 * NULL. */
GHashTable *pm_process_key_table_new(GDestroyNotify value_free);

/* Builds a record from @raw (consumed: its strings move into the record).
 * The name is an alias, else raw->name when set, else pm_process_pick_name(). */
pm_process *pm_process_new(pm_process_raw *raw, const char *user,
                           const pm_alias_rule *rules, guint n_rules);
pm_process *pm_process_ref(pm_process *process);
void pm_process_unref(pm_process *process);

/* The rule of the name: comm, unless it is PM_COMM_MAX bytes long and may
 * have been truncated, then the basename of the executable (never argv[0],
 * which the process controls).  Newly allocated, or NULL. */
char *pm_process_pick_name(const char *comm, const char *exe);

/* Orders a GPtrArray of pm_process*: the oldest process first (unknown start
 * times last), then the lowest pid.  The first is the owner shown for a
 * socket several processes share: the creator, for a socket inherited across
 * fork. */
gint pm_process_compare_age(gconstpointer a, gconstpointer b);

/* Index of the first matching rule, or -1. */
int pm_alias_match(const pm_alias_rule *rules, guint n_rules, const char *args);

/* Makes @text valid UTF-8 (invalid bytes become U+FFFD) and turns control
 * characters into spaces (a tab between arguments stays a word break);
 * consumes @text. */
char *pm_utf8_sanitize(char *text);

G_END_DECLS

#endif /* PROCMAP_PROCESS_H */
