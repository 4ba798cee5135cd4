/* monitor_protocol.h - what the capture process may ask the monitor.
 *
 * The monitor (monitor.h) is the only privileged process of a capture; the
 * capture process, which parses packets, events and comments, holds no
 * capability.  They talk over a socketpair(AF_UNIX, SOCK_SEQPACKET): every
 * request is one message of exactly sizeof(pm_mon_request), every answer
 * one or more messages of exactly sizeof(pm_mon_reply), some carrying file
 * descriptors (SCM_RIGHTS).  Nothing in either is text to parse: fixed
 * fields, counts checked against fixed bounds.
 *
 *   HELLO            the caller, the policy that applies to it, what the
 *                    monitor can do                      -> one reply
 *   OWNERS_ADD       up to PM_MON_INODES_MAX socket inodes wanted (no reply)
 *   OWNERS_RUN       one pass over /proc/<pid>/fd for the inodes added
 *                    since the last run: (inode, pid, fd, start) records of
 *                    the processes the policy lets the caller see
 *                                                        -> parts, `more`
 *   PROC             files of one process: stat, status, cgroup, cmdline
 *                    as descriptors, exe and cwd as text - as far as the
 *                    policy allows (`granted`)           -> one reply + fds
 *   NETNS_LIST       the network namespaces in use       -> parts, `more`
 *   NETNS_SOCKETS    a NETLINK_SOCK_DIAG and a NETLINK_ROUTE socket made
 *                    inside one of them                  -> one reply + 2 fds
 *   DOCKER_CONFIG    docker's config.v2.json of a container id (full
 *                    details only)                       -> one reply + 1 fd
 *   CONNTRACK        the conntrack entry of one packet tuple in the
 *                    monitor's namespace or one of the list (ctnetlink
 *                    GET, never a dump): NAT undone      -> one reply
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_MONITOR_PROTOCOL_H
#define PROCMAP_EXTCAP_MONITOR_PROTOCOL_H

#include <glib.h>

#include "backend.h"

G_BEGIN_DECLS

#define PM_MON_INODES_MAX    512        /* inodes per OWNERS_ADD */
#define PM_MON_WANTED_MAX    (1u << 20) /* inodes one OWNERS_RUN looks for */
#define PM_MON_RECORDS_MAX   256        /* records per reply part */
#define PM_MON_NETNS_MAX     4096       /* namespaces one NETNS_LIST tells */
#define PM_MON_PATH_MAX      4096
#define PM_MON_CONTAINER_ID_LEN 64
#define PM_MON_FDS_MAX       4

typedef enum {
    PM_MON_HELLO = 1,
    PM_MON_OWNERS_ADD,
    PM_MON_OWNERS_RUN,
    PM_MON_PROC,
    PM_MON_NETNS_LIST,
    PM_MON_NETNS_SOCKETS,
    PM_MON_DOCKER_CONFIG,
    PM_MON_CONNTRACK,
    PM_MON_TYPE_END
} pm_mon_type;

/* What a PROC request wants, and what its reply grants.  Descriptors come
 * in this order: stat, status, cgroup, cmdline. */
#define PM_MON_WANT_STAT    (1u << 0)
#define PM_MON_WANT_STATUS  (1u << 1)
#define PM_MON_WANT_CGROUP  (1u << 2)
#define PM_MON_WANT_CMDLINE (1u << 3)
#define PM_MON_WANT_EXE     (1u << 4)
#define PM_MON_WANT_CWD     (1u << 5)
#define PM_MON_WANT_ALL     0x3fu
#define PM_MON_WANT_FDS     0x0fu
/* What the identity level gives: what `ps` shows, without the arguments. */
#define PM_MON_WANT_IDENTITY (PM_MON_WANT_STAT | PM_MON_WANT_STATUS | PM_MON_WANT_CGROUP)

/* How much the caller learns of other users' processes. */
typedef enum {
    PM_POLICY_NONE = 0,      /* nothing: their sockets stay unattributed */
    PM_POLICY_IDENTITY = 1,  /* pid, parent, name, user, start time, container id */
    PM_POLICY_FULL = 2       /* also arguments, executable, working directory,
                              * thread names, docker's container name */
} pm_policy_level;

/* What became of the administrator's configuration file. */
typedef enum {
    PM_CONFIG_ABSENT = 0,
    PM_CONFIG_USED,
    PM_CONFIG_NOT_ROOT_OWNED,   /* ignored: the file or its directory is not root's */
    PM_CONFIG_WRITABLE,         /* ignored: writable by its group or others */
    PM_CONFIG_INVALID,          /* ignored: does not parse, or an unknown level */
    PM_CONFIG_UNREADABLE,       /* ignored: cannot be opened or read */
    PM_CONFIG_STATUS_END
} pm_config_status;

/* hidepid= of the /proc mount (proc(5)). */
typedef enum {
    PM_HIDEPID_OFF = 0,
    PM_HIDEPID_NOACCESS = 1,
    PM_HIDEPID_INVISIBLE = 2,
    PM_HIDEPID_PTRACEABLE = 4
} pm_hidepid;

typedef struct {
    guint32 type;                 /* pm_mon_type */
    guint32 count;                /* OWNERS_ADD: inodes used, 1..PM_MON_INODES_MAX */
    gint32  pid;                  /* PROC: > 0 */
    guint32 want;                 /* PROC: PM_MON_WANT_* */
    guint64 netns;                /* NETNS_SOCKETS: a namespace inode; CONNTRACK:
                                   * one, or 0 for the monitor's own */
    char    container_id[PM_MON_CONTAINER_ID_LEN + 8]; /* DOCKER_CONFIG: 64 hex, NUL */
    guint32 transport;            /* CONNTRACK: pm_transport */
    pm_endpoint ends[2];          /* CONNTRACK: the packet's ends, one IP family */
    guint64 inodes[PM_MON_INODES_MAX];
} pm_mon_request;

typedef struct {
    guint32 caller_uid;           /* the real uid the monitor runs as */
    guint32 level;                /* pm_policy_level for other users' processes */
    guint32 config_status;        /* pm_config_status */
    guint32 hidepid;              /* pm_hidepid of /proc */
    guint32 hidepid_exempt;       /* the caller is in the mount's gid= group */
    guint32 can_read_procs;       /* cap_sys_ptrace and cap_dac_read_search permitted */
    guint32 can_enter_netns;      /* setns() works */
    gint32  netns_errno;          /* why not */
    guint32 proc_pidns;           /* the pid namespace /proc shows; 0: unknown */
    guint32 own_netns;            /* the monitor's (and the capture's) network namespace */
} pm_mon_hello;

typedef struct {
    guint64 inode;
    gint32  pid;
    gint32  fd;
    guint64 start_time_ns;
} pm_mon_owner;

/* The last OWNERS_RUN part: what the pass met. */
typedef struct {
    guint32 processes_scanned;
    guint32 fds_scanned;
    guint32 unreadable;           /* fd directories the monitor could not read */
    guint32 withheld;             /* owners the policy did not tell */
    guint32 wanted_dropped;       /* inodes past PM_MON_WANTED_MAX, not looked for */
} pm_mon_scan;

#define PM_MON_NETNS_OWNED_HERE (1u << 0)  /* made in the monitor's user namespace
                                            * (by an administrator, not a user) */
#define PM_MON_NETNS_NAMED      (1u << 1)  /* /run/netns, /run/docker/netns */

typedef struct {
    guint64 inode;
    guint32 flags;
    guint32 pad;
} pm_mon_netns;

typedef struct {
    guint32 granted;              /* PM_MON_WANT_* given */
    guint32 level;                /* the pm_policy_level applied to this process */
    guint32 own;                  /* the process is the caller's */
    gint32  exe_len;              /* -1: not granted or unreadable */
    gint32  cwd_len;
    char    exe[PM_MON_PATH_MAX];
    char    cwd[PM_MON_PATH_MAX];
} pm_mon_proc;

/* CONNTRACK's answer: a pm_conntrack_result; the entry when FOUND, the
 * errno behind FAILED (0: a reply that did not parse). */
typedef struct {
    guint32       result;
    gint32        err;
    pm_connection connection;
} pm_mon_conntrack;

typedef struct {
    guint32 type;                 /* the request's */
    gint32  err;                  /* 0, or an errno: nothing else is valid */
    guint32 count;                /* records in this part; descriptors attached */
    guint32 more;                 /* 1: another part follows */
    union {
        pm_mon_hello hello;
        pm_mon_owner owners[PM_MON_RECORDS_MAX];
        pm_mon_netns netns[PM_MON_RECORDS_MAX];
        pm_mon_proc  proc;
        pm_mon_conntrack conntrack;
    } u;
    pm_mon_scan scan;             /* OWNERS_RUN's last part */
} pm_mon_reply;

/* Checks one request message of @len bytes: exactly one request, a known
 * type, its fields in bounds.  0 and @out filled, or EPROTO (wrong size)
 * or EINVAL. */
int pm_mon_request_decode(const void *message, gsize len, pm_mon_request *out);

/* Checks one reply message to a request of @type that came with @n_fds
 * descriptors: the size, the type, counts in bounds, the descriptors the
 * reply announces, NUL-terminated strings.  0 and @out filled, or EPROTO. */
int pm_mon_reply_decode(guint32 type, const void *message, gsize len, guint n_fds,
                        pm_mon_reply *out);

/* The descriptors a reply of @type carries. */
guint pm_mon_reply_fds(guint32 type, const pm_mon_reply *reply);

/* A container id as docker writes it: 64 lowercase hex digits. */
gboolean pm_mon_container_id_valid(const char *id, gsize len);

const char *pm_policy_level_name(pm_policy_level level);
gboolean pm_policy_level_parse(const char *text, pm_policy_level *out);
const char *pm_config_status_text(pm_config_status status);
const char *pm_hidepid_name(pm_hidepid hidepid);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_MONITOR_PROTOCOL_H */
