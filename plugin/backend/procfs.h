/* procfs.h - the Linux /proc backend.
 *
 * Reads <root>/net/{tcp,tcp6,udp,udp6}, walks <root>/<pid>/fd once per owner
 * scan, and reads <root>/<pid>/{stat,status,cmdline,exe,cwd}.  Local
 * addresses come from <root>/net/fib_trie (IPv4 "/32 host LOCAL" entries) and
 * <root>/net/if_inet6, so a fake tree describes a whole host.  The root is
 * configurable: "/proc" normally, "/host/proc" in a container, a fake tree in
 * tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_PROCFS_H
#define PROCMAP_PROCFS_H

#include "backend.h"

G_BEGIN_DECLS

#define PM_PROCFS_DEFAULT_ROOT "/proc"

/* @proc_root NULL means PM_PROCFS_DEFAULT_ROOT.  Never fails: a missing root
 * is reported by the calls that need it. */
pm_backend *pm_procfs_backend_new(const char *proc_root);

G_END_DECLS

#endif /* PROCMAP_PROCFS_H */
