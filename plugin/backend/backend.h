/* backend.h - the one small interface between the process watcher and the OS.
 *
 * A backend answers four questions, nothing more: which sockets exist for a
 * transport, which processes hold some given socket inodes, what one process
 * looks like, and which addresses are local - and, optionally: which one
 * socket a given packet would reach (an exact lookup, much cheaper than a
 * table), which connection a packet belongs to before and after NAT
 * (conntrack), and whether the local addresses changed.  The watcher core
 * owns all policy (caching, expiry, lookup order); a backend owns all I/O.
 *
 * Implementations: netlink (Linux sock_diag, the default; exact lookups,
 * conntrack, address notifications),
 * procfs (Linux /proc), and a mock in the unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_BACKEND_H
#define PROCMAP_BACKEND_H

#include <glib.h>

#include "addr.h"
#include "diag.h"

G_BEGIN_DECLS

typedef enum {
    PM_TRANSPORT_TCP = 0,
    PM_TRANSPORT_UDP = 1,
    PM_TRANSPORT_COUNT
} pm_transport;

const char *pm_transport_name(pm_transport transport);
gboolean pm_transport_from_name(const char *name, pm_transport *out);

/* Whether an AF_INET6 socket also accepts IPv4 (IPV6_V6ONLY). */
typedef enum {
    PM_V6ONLY_UNKNOWN = 0, /* the backend cannot tell (procfs) */
    PM_V6ONLY_NO,          /* dual-stack: IPv4 traffic reaches it as ::ffff:a.b.c.d */
    PM_V6ONLY_YES
} pm_v6only;

/* One row of the kernel's socket table. */
typedef struct {
    pm_endpoint local;     /* canonical: v4-mapped addresses are plain IPv4 */
    pm_endpoint remote;    /* any-address and port 0 when unconnected */
    guint8      state;     /* kernel TCP state number (TCP_LISTEN = 10); UDP: 7 or 1 */
    gboolean    from_v6_table; /* read from tcp6/udp6 (matters for dual-stack) */
    pm_v6only   v6only;
    guint32     uid;
    guint64     inode;     /* 0: TIME_WAIT or orphan, can never have an owner */
} pm_socket;

#define PM_TCP_STATE_ESTABLISHED 1
#define PM_TCP_STATE_LISTEN      10
#define PM_UDP_STATE_UNCONNECTED 7   /* TCP_CLOSE, how the kernel shows an unconnected UDP socket */

/* A process holding a socket inode, as found by the owner scan. */
typedef struct {
    guint64 inode;
    gint32  pid;
    gint32  fd;
    guint64 start_time_ns; /* process start, ns since the epoch; 0 if unknown */
} pm_owner;

/* What the owner scan could not see: sockets of these uids may have owners
 * the scan did not find. */
typedef struct {
    /* In: @wanted is only the inodes whose owners the caller does not know
     * (a partial scan): stop after the process that gives the last of them
     * its first owner, and keep what is cached of other owners.  A backend
     * that ignores it scans everything, which is never wrong. */
    gboolean partial;
    gboolean stopped_early;       /* out: a partial scan found every wanted inode (maybe
                                   * in the last process); FALSE: it saw every process */
    guint  processes_scanned;
    guint  fds_scanned;
    guint  fd_dirs_unreadable;    /* EACCES/EPERM: not ours to read */
    GHashTable *unreadable_uids;  /* set of uid (GUINT_TO_POINTER(uid + 1)); may be NULL */
    guint  start_times_reused;    /* owners' start times kept from the previous scan of
                                   * the same backend (the same process, checked) */
} pm_owner_scan;

/* What only a capture file carries of a process (ptcpdump's and procmap's
 * comments, PCAPdroid's uid map, plugin/epan/carried.h): a backend leaves it empty, and a process
 * record keeps what was read.  Every member is a string or NULL. */
typedef struct {
    char *parent_exe;
    char *parent_args;
    char *container_id;
    char *container_name;
    char *container_image;
    char *pod_name;
    char *pod_namespace;
    char *package;        /* an Android app's package name (PCAPdroid) */
} pm_process_carried;

/* Calls @fn on the address of each string of @carried, in order. */
void pm_process_carried_foreach(pm_process_carried *carried,
                                void (*fn)(char **text, gpointer data), gpointer data);
void pm_process_carried_clear(pm_process_carried *carried);

/* A process as read from the OS.  Every string may be NULL when it could not
 * be read (EACCES on exe/cwd, process exited mid-read); the rest stays. */
typedef struct {
    gint32   pid;
    gint32   ppid;        /* -1 if unknown */
    char    *comm;        /* kernel task name, at most 15 bytes */
    char    *exe;         /* /proc/<pid>/exe target, " (deleted)" stripped */
    char    *cwd;
    GPtrArray *argv;      /* of char*, free func g_free; NULL when unreadable;
                           * empty for kernel threads */
    gboolean args_truncated;
    guint64  start_time_ns;
    gboolean has_uid;
    guint32  uid;
    /* Only what a capture file carried (plugin/epan/carried.h) fills these;
     * a backend leaves them NULL. */
    char    *name;        /* the capture tool's name for it; NULL: comm/exe decide */
    pm_process_carried carried;
} pm_process_raw;

void pm_process_raw_clear(pm_process_raw *raw);

typedef enum {
    PM_READ_OK = 0,
    PM_READ_VANISHED,     /* the process exited: normal, not an error */
    PM_READ_FAILED
} pm_read_status;

/* A connection as the kernel's connection tracking (conntrack) knows it:
 * the original tuple (the first packet as it arrived, before NAT) and the
 * reply tuple (a reply as it will arrive, before NAT).  Without NAT the
 * reply tuple is the original one reversed. */
typedef struct {
    pm_endpoint original_src;
    pm_endpoint original_dst;
    pm_endpoint reply_src;
    pm_endpoint reply_dst;
} pm_connection;

/* The answer of a conntrack lookup (find_connection). */
typedef enum {
    PM_CONNTRACK_FOUND = 0,
    PM_CONNTRACK_ABSENT,         /* no entry: the packet is not tracked, so not translated */
    PM_CONNTRACK_NO_PERMISSION,  /* the kernel refuses (EPERM): CAP_NET_ADMIN is needed */
    PM_CONNTRACK_UNAVAILABLE,    /* no conntrack to ask (none in the kernel, or this
                                  * backend cannot ask) */
    PM_CONNTRACK_FAILED          /* this time only: a timeout, a short or odd reply */
} pm_conntrack_result;

/* What a change notification said (local_addresses_changed). */
typedef enum {
    PM_CHANGES_UNKNOWN = 0,      /* the backend cannot tell: read again to know */
    PM_CHANGES_NONE,
    PM_CHANGES_SOME
} pm_changes;

/* The answer of an exact lookup (find_socket). */
typedef enum {
    PM_FIND_UNKNOWN = 0,  /* the backend cannot tell: read the whole table */
    PM_FIND_ABSENT,       /* no socket would receive such a packet now */
    PM_FIND_FOUND         /* the socket that would receive it, inode != 0 */
} pm_find_result;

typedef struct pm_backend pm_backend;

typedef struct {
    const char *name;

    /* Append every socket of @transport (IPv4 and IPv6) to @out (of pm_socket).
     * A missing IPv6 table is not an error (IPv6 disabled). */
    gboolean (*list_sockets)(pm_backend *backend, pm_transport transport,
                             GArray *out, pm_diag *diag, GError **error);

    /* Append one pm_owner per (process, fd) holding one of @wanted (a set of
     * guint64* inodes, hashed with g_int64_hash) to @owners, in one pass. */
    gboolean (*find_owners)(pm_backend *backend, GHashTable *wanted,
                            GArray *owners, pm_owner_scan *scan,
                            pm_diag *diag, GError **error);

    /* Read one process. */
    pm_read_status (*read_process)(pm_backend *backend, gint32 pid,
                                   pm_process_raw *out, pm_diag *diag);

    /* Append the addresses of this host (pm_addr) to @out. */
    gboolean (*list_local_addresses)(pm_backend *backend, GArray *out,
                                     pm_diag *diag, GError **error);

    /* The user name of @uid, newly allocated, or NULL. */
    char *(*user_name)(pm_backend *backend, guint32 uid);

    void (*destroy)(pm_backend *backend);

    /* Optional (NULL: the backend cannot): the one socket of @transport
     * that a packet from @remote to @local would reach now, found the way
     * the kernel delivers - a connected socket with both ends, else one
     * bound to @local's address, to the any-address on its port, or (IPv4)
     * a dual-stack "::" one - without listing the table.  @remote NULL:
     * unconnected sockets only.  FOUND fills @out as list_sockets would;
     * a TIME_WAIT socket (inode 0) in the way is UNKNOWN.  Failures are
     * UNKNOWN (noted in @diag): the caller then reads the whole table. */
    pm_find_result (*find_socket)(pm_backend *backend, pm_transport transport,
                                  const pm_endpoint *local, const pm_endpoint *remote,
                                  pm_socket *out, pm_diag *diag);

    /* Optional (NULL: UNAVAILABLE): the conntrack entry of a packet between
     * @a and @b of @transport, whichever way it goes and whether it was seen
     * before or after NAT - the entry whose original or reply tuple is
     * a->b or b->a.  NO_PERMISSION and UNAVAILABLE are final: the backend
     * says so once (in @diag) and never asks again. */
    pm_conntrack_result (*find_connection)(pm_backend *backend, pm_transport transport,
                                           const pm_endpoint *a, const pm_endpoint *b,
                                           pm_connection *out, pm_diag *diag);

    /* Optional (NULL: every refresh scans every process): the start time
     * of @pid now, in ns since the epoch, cheaply (no fd is read): OK, or
     * VANISHED when no such process exists, or FAILED when it cannot tell.
     * The watcher keeps an owner from an earlier scan only while this still
     * gives the owner's start time. */
    pm_read_status (*process_start)(pm_backend *backend, gint32 pid,
                                    guint64 *start_time_ns, pm_diag *diag);

    /* Optional (NULL: UNKNOWN): whether this host's addresses may have
     * changed since list_local_addresses last ran, from notifications (no
     * table read): NONE is a promise, SOME and UNKNOWN ask for a new list. */
    pm_changes (*local_addresses_changed)(pm_backend *backend, pm_diag *diag);
} pm_backend_ops;

struct pm_backend {
    const pm_backend_ops *ops;
};

void pm_backend_free(pm_backend *backend);

/* The backend to use for @proc_root (backend_default.c): on Linux netlink
 * when @proc_root is NULL or the real /proc (the same network namespace),
 * else procfs (a host's /proc seen from a container, a fake tree). */
pm_backend *pm_backend_new_default(const char *proc_root);

G_END_DECLS

#endif /* PROCMAP_BACKEND_H */
