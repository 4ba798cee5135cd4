/* monitor_policy.h - what a caller may learn of other users' processes.
 *
 * A root caller learns everything.  Any other caller (a member of the group
 * wireshark) learns of a process that is not its own - own: /proc/<pid>
 * belongs to the caller's uid, which leaves out processes that changed
 * their uid or hold capabilities, as ptrace does - at most what the level
 * the administrator chose in the configuration file allows:
 *
 *   none       nothing: the sockets of other users' processes stay
 *              unattributed;
 *   identity   (the default) pid, parent pid, name, user, start time and
 *              container id - what `ps` shows, without the arguments;
 *   full       also the arguments, executable, working directory, thread
 *              names and docker's container name.
 *
 * and never a process that /proc hides from the caller (hidepid=): a
 * process counts as visible when the caller's own credentials can open its
 * /proc/<pid>/stat.  The configuration file (PM_CAPTURE_CONFIG_FILE,
 * GKeyFile: [capture] other-users=none|identity|full) counts only when it
 * and its directory belong to root and are not writable by group or
 * others; otherwise it is ignored and the default applies.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_MONITOR_POLICY_H
#define PROCMAP_EXTCAP_MONITOR_POLICY_H

#include <glib.h>

#include "monitor_protocol.h"

G_BEGIN_DECLS

#ifndef PROCMAP_CAPTURE_CONFIG
#define PROCMAP_CAPTURE_CONFIG "/etc/procmap/capture.conf"
#endif
#define PM_CAPTURE_CONFIG_FILE PROCMAP_CAPTURE_CONFIG
#define PM_POLICY_DEFAULT PM_POLICY_IDENTITY
/* A configuration file is small; more is not one. */
#define PM_CAPTURE_CONFIG_MAX (64 * 1024)

/* The level in a configuration text; FALSE when it does not parse or names
 * an unknown level.  No other-users key: the default. */
gboolean pm_policy_parse_config(const char *text, gsize len, pm_policy_level *out);

/* Reads the configuration file at @path: the file (opened without
 * following a symbolic link, checked on the open file) and its directory
 * must be root's and not writable by group or others.  @level is set only
 * for PM_CONFIG_USED. */
pm_config_status pm_policy_load_config(const char *path, pm_policy_level *level);

/* hidepid= and gid= (-1: none) of the proc mount on @mount_point, from the
 * text of /proc/self/mountinfo (the topmost mount there wins).  FALSE when
 * no proc file system is mounted there. */
gboolean pm_policy_parse_mountinfo(const char *text, const char *mount_point,
                                   pm_hidepid *hidepid, gint64 *gid);

/* One sentence for the capture file's comment and the log: which policy
 * applied to other users' processes (e.g. "other users' processes: identity
 * only (pid, name, user); arguments hidden"). */
char *pm_policy_describe(const pm_mon_hello *hello);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_MONITOR_POLICY_H */
