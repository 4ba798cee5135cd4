/* privileges.h - capabilities raised only around the calls that need them.
 *
 * The extcap runs with file capabilities (README: the setcap line), never
 * as a setuid root program: its uids stay the caller's, so with an empty
 * effective set every open(2) and every /proc access is judged as the
 * caller's own.  What each capability is for, and which process keeps it:
 *
 *   cap_net_raw, cap_net_admin   opening the capture (libpcap)    capture process,
 *   cap_bpf, cap_perfmon         loading the eBPF programs        until the first
 *   (cap_sys_resource)           (old kernels' memlock)           packet, then none
 *   cap_sys_ptrace,              other users' /proc/<pid>/fd,     the monitor
 *   cap_dac_read_search          exe, cwd, ns/net                 (monitor.h) only
 *   cap_sys_admin                entering network namespaces
 *   cap_net_admin                asking conntrack (ctnetlink GET)  the monitor too
 *
 * main() empties the effective set first of all (pm_privileges_init), so
 * nothing runs with a capability by accident; each privileged call is
 * wrapped in pm_privileges_raise() / pm_privileges_lower().  Capabilities
 * belong to threads: the capture process drops everything
 * (pm_privileges_drop_all) while it has one thread, so every thread it
 * starts later has none.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_PRIVILEGES_H
#define PROCMAP_EXTCAP_PRIVILEGES_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    PM_PRIV_CAPTURE    = 1 << 0,   /* cap_net_raw, cap_net_admin */
    PM_PRIV_EBPF       = 1 << 1,   /* cap_bpf, cap_perfmon (and cap_sys_resource) */
    PM_PRIV_NETNS      = 1 << 2,   /* cap_sys_admin */
    PM_PRIV_READ_PROCS = 1 << 3,   /* cap_sys_ptrace, cap_dac_read_search */
    PM_PRIV_CONNTRACK  = 1 << 4,   /* cap_net_admin alone (the monitor's) */
    PM_PRIV_ALL        = 0x1f
} pm_privilege;

/* The first thing main() does: an empty effective set (the permitted set is
 * kept), no inheritable or ambient capabilities.  FALSE if the sets cannot
 * be changed (then nothing was effective in the first place). */
gboolean pm_privileges_init(void);

/* Makes effective the capabilities of @sets that are permitted (the others
 * stay as they are); FALSE when none of them is permitted or on failure. */
gboolean pm_privileges_raise(guint sets);
/* Empties the effective set again. */
void pm_privileges_lower(void);

/* The sets of which at least one capability is permitted. */
guint pm_privileges_permitted(void);

/* Keeps only the capabilities of @sets in the permitted set, for good; the
 * effective set is left empty. */
gboolean pm_privileges_limit(guint sets, GError **error);

/* Gives up every capability for good (permitted, effective, inheritable,
 * ambient), sets no_new_privs and keeps the process non-dumpable.  Fails
 * when the process has more than one thread: the others would keep theirs. */
gboolean pm_privileges_drop_all(GError **error);

/* The calling thread's capabilities in cap_to_text() form ("=" when none),
 * newly allocated. */
char *pm_privileges_describe(void);

/* The number of threads of this process (/proc/self/status), 0 if unknown. */
guint pm_privileges_thread_count(void);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_PRIVILEGES_H */
