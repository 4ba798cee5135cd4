/* privileges.h - least privilege: keep only the capabilities still needed.
 *
 * The extcap runs with file capabilities (README: the setcap line), never
 * as a setuid root program, so Wireshark itself stays unprivileged.  What
 * each capability is for:
 *
 *   cap_net_raw, cap_net_admin   opening the capture (libpcap)
 *   cap_bpf, cap_perfmon         loading and attaching the eBPF programs
 *   cap_sys_admin                entering other network namespaces (setns)
 *   cap_sys_ptrace,              reading other users' /proc/<pid>/fd, exe,
 *   cap_dac_read_search          cwd and ns/net, all capture long
 *
 * Linux capabilities belong to threads: each thread keeps the sets it needs
 * (the capture thread: reading processes; the namespace helper: that and
 * cap_sys_admin) and drops the rest from its permitted set for good, once
 * start-up is done.
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
    PM_PRIV_ALL        = 0xf
} pm_privilege;

/* Makes every permitted capability the program uses effective (a file
 * capability set without +e).  FALSE if capabilities cannot be read. */
gboolean pm_privileges_raise(void);

/* This thread keeps @sets (those it has) and loses every other capability,
 * from its permitted set too.  FALSE (and a message) on failure. */
gboolean pm_privileges_keep(guint sets, GError **error);

/* This thread's capabilities in cap_to_text() form ("=" when none), newly
 * allocated. */
char *pm_privileges_describe(void);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_PRIVILEGES_H */
