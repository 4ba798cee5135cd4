/* monitor.h - the privileged half of procmap-capture, and how to ask it.
 *
 * OpenSSH's privilege separation, for a capture: before anything is opened
 * the program forks a small monitor process that keeps, of all its file
 * capabilities, only cap_sys_ptrace, cap_dac_read_search and cap_sys_admin,
 * raised around each call that needs them and never otherwise.  The
 * capture process (the parent, the pid Wireshark started and signals) then
 * opens the capture and the eBPF programs and gives up every capability
 * before it reads the first packet.  The monitor
 *
 *  - parses no packet, event, comment or JSON: it answers the fixed-size
 *    requests of monitor_protocol.h with fixed-size records or descriptors;
 *  - treats the capture process as untrusted and applies the policy of
 *    monitor_policy.h itself (a root caller: everything; others: identity
 *    of other users' processes by default, nothing /proc hides);
 *  - holds no descriptor of the capture process but its end of the
 *    socketpair (every other one is closed), is not dumpable, has
 *    no_new_privs, and dies with the capture process (PR_SET_PDEATHSIG, and
 *    at the end of its socket).
 *
 * The client calls are thread-safe (one request at a time).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_MONITOR_H
#define PROCMAP_EXTCAP_MONITOR_H

#include <sys/types.h>

#include <glib.h>

#include "backend.h"
#include "container.h"
#include "monitor_protocol.h"

G_BEGIN_DECLS

typedef struct {
    const char *config_file;     /* NULL: PM_CAPTURE_CONFIG_FILE */
    const char *docker_root;     /* NULL: /var/lib/docker */
} pm_monitor_options;

typedef struct pm_monitor pm_monitor;

/* Forks the monitor and says hello.  Call it while the process has one
 * thread and before opening anything the monitor must not hold (it closes
 * every descriptor but its socket anyway). */
pm_monitor *pm_monitor_start(const pm_monitor_options *options, GError **error);
/* Closes the socket (the monitor exits) and reaps it. */
void pm_monitor_stop(pm_monitor *monitor);

pid_t pm_monitor_pid(pm_monitor *monitor);
/* What the monitor said at start: the caller, the policy, its abilities. */
const pm_mon_hello *pm_monitor_hello(pm_monitor *monitor);

/* The owners of the socket inodes of @wanted (a set of guint64*, as
 * backend.h's find_owners), appended to @owners (pm_owner) - those the
 * policy lets the caller see.  FALSE and @error when the monitor failed. */
gboolean pm_monitor_owners(pm_monitor *monitor, GHashTable *wanted, GArray *owners,
                           pm_owner_scan *scan, GError **error);

/* Files of one process, as far as the policy grants them. */
typedef struct {
    guint32 granted;             /* PM_MON_WANT_* */
    pm_policy_level level;
    gboolean own;
    int  stat_fd, status_fd, cgroup_fd, cmdline_fd;   /* -1: not granted */
    char *exe, *cwd;             /* NULL: not granted or unreadable */
} pm_monitor_proc;

/* 0 and @out (release it with pm_monitor_proc_clear), or an errno: ESRCH
 * (gone), EACCES (the caller may not see it), ECONNRESET (no monitor). */
int pm_monitor_read_proc(pm_monitor *monitor, gint32 pid, guint want, pm_monitor_proc *out);
void pm_monitor_proc_clear(pm_monitor *monitor, pm_monitor_proc *proc);

/* The conntrack entry of a packet between @a and @b, asked by the monitor
 * in namespace @netns (0: its own, the capture's) as pm_conntrack_find()
 * does; *@err as there.  A namespace the monitor cannot enter or no longer
 * lists is NO_PERMISSION or FAILED. */
pm_conntrack_result pm_monitor_conntrack(pm_monitor *monitor, guint32 netns,
                                         pm_transport transport, const pm_endpoint *a,
                                         const pm_endpoint *b, pm_connection *out, int *err);

/* The network namespaces in use (GArray of pm_mon_netns: those made by an
 * administrator first), or NULL and @error. */
GArray *pm_monitor_netns_list(pm_monitor *monitor, GError **error);
/* A NETLINK_SOCK_DIAG (@fds[0]) and a NETLINK_ROUTE (@fds[1]) socket made
 * inside namespace @netns: 0, or an errno. */
int pm_monitor_netns_sockets(pm_monitor *monitor, guint32 netns, int fds[2]);

/* The container of @pid from its cgroup, with docker's name when the
 * policy gives full details.  FALSE: none, or not known. */
gboolean pm_monitor_container_of_pid(pm_monitor *monitor, gint32 pid, pm_container *out);

/* The monitor's side: serves requests on @sock until it closes, and dies
 * with @parent.  Called in the forked child; exposed for the unit tests. */
G_GNUC_NORETURN void pm_monitor_serve(int sock, pid_t parent, const pm_monitor_options *options);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_MONITOR_H */
