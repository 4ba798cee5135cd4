/* mock_backend.h - a pm_backend whose state the watcher tests mutate between
 * lookups, a fake clock, and a small harness tying them to a watcher.
 *
 * The mock describes a host: local addresses, socket rows per transport,
 * which (pid, fd) holds which inode, the processes, user names, and the
 * connection tracking table (what NAT made of which connection).  Each
 * backend call answers from the live state, so a test changes the host and
 * then looks at what the watcher sees at its next refresh.  Every call is
 * counted so tests can tell how much work the watcher asked for.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_TESTS_MOCK_BACKEND_H
#define PROCMAP_TESTS_MOCK_BACKEND_H

#include <glib.h>

#include "watcher.h"

G_BEGIN_DECLS

typedef struct {
    gint32   pid;
    gint32   ppid;
    char    *comm;          /* NULL: unreadable */
    char    *exe;           /* NULL: unreadable (EACCES) */
    char    *cwd;           /* NULL: unreadable */
    GStrv    argv;          /* NULL: unreadable; empty: kernel thread */
    gboolean args_truncated;
    guint64  start_time_ns;
    gboolean has_uid;
    guint32  uid;
    gboolean vanished;      /* still found holding its fds, but exits before it is read */
} mock_process;

typedef struct {
    guint64 inode;
    gint32  pid;
    gint32  fd;
} mock_owner;

typedef struct {
    pm_backend  base;                           /* first: the watcher holds a pm_backend* */
    GArray     *local_addresses;                /* of pm_addr */
    GArray     *sockets[PM_TRANSPORT_COUNT];    /* of pm_socket, in "kernel" order */
    GArray     *owners;                         /* of mock_owner, in scan order */
    GHashTable *processes;                      /* pid -> mock_process* */
    GHashTable *users;                          /* uid -> name */
    GHashTable *unreadable_uids;                /* uids whose fd dirs the scan cannot read */
    gboolean    fail_list_sockets;
    gint64     *clock;                          /* the fake clock, advanced by */
    gint64      list_sockets_cost_us;           /* ... each list_sockets call */
    gboolean    fail_local_addresses;
    /* Conntrack: the entries (of pm_connection), or a refusal when
     * conntrack_refusal is not FOUND (NO_PERMISSION, UNAVAILABLE, FAILED). */
    GArray     *connections[PM_TRANSPORT_COUNT];
    pm_conntrack_result conntrack_refusal;
    /* Address notifications: without them (the default) UNKNOWN; with them,
     * SOME once after a change of the addresses, NONE otherwise. */
    gboolean    follows_addresses;
    gboolean    addresses_changed;
    guint64     next_inode;
    gint32      next_fd;

    /* Call counters. */
    guint       list_sockets_calls[PM_TRANSPORT_COUNT];
    guint       find_owners_calls;
    guint       list_local_addresses_calls;
    guint       read_process_calls;
    guint       user_name_calls;
    guint       find_connection_calls;
    guint       addresses_changed_calls;
    GHashTable *reads_per_pid;                  /* pid -> number of read_process calls */
    guint       last_wanted_count;              /* inodes asked for by the last find_owners */
    gboolean    last_scan_partial;              /* ... and whether it was a partial scan */
    guint       process_start_calls;
    gboolean    last_wanted_had_zero;           /* inode 0 was among them (never should be) */
} mock_backend;

mock_backend *mock_backend_new(void);

/* Host addresses. */
void mock_add_local_address(mock_backend *mock, const char *text);
void mock_remove_local_address(mock_backend *mock, const char *text);

/* A process; replaces any process with the same pid (pid reuse).  @cmdline is
 * split on single spaces into argv (NULL: argv unreadable).  cwd is "/",
 * ppid 1, uid 0; change the returned record for anything else.  The record
 * stays owned by the mock. */
mock_process *mock_add_process(mock_backend *mock, gint32 pid, const char *comm,
                               const char *exe, const char *cmdline,
                               guint64 start_time_ns);
mock_process *mock_get_process(mock_backend *mock, gint32 pid);
/* The process exits: it is no longer readable and its fds are gone. */
void mock_remove_process(mock_backend *mock, gint32 pid);

/* A raw socket row (any inode, including 0); no owner. */
void mock_add_socket_row(mock_backend *mock, pm_transport transport, const pm_socket *row);
/* A row with a fresh inode and no owner; @remote NULL for an unconnected
 * socket.  from_v6_table follows the local family, v6only is UNKNOWN. */
guint64 mock_add_socket(mock_backend *mock, pm_transport transport, const char *local,
                        const char *remote, guint32 uid);
/* (pid, fresh fd) holds @inode. */
void mock_add_owner(mock_backend *mock, guint64 inode, gint32 pid);
/* A listening (TCP) or unconnected (UDP) socket held by @pid. */
guint64 mock_bind(mock_backend *mock, pm_transport transport, gint32 pid, const char *local);
/* A connected socket held by @pid. */
guint64 mock_connect(mock_backend *mock, pm_transport transport, gint32 pid,
                     const char *local, const char *remote);
/* The row of @inode, to adjust v6only, from_v6_table, uid...  Valid until the
 * next row is added or removed. */
pm_socket *mock_socket(mock_backend *mock, guint64 inode);
/* The socket is closed: its row and every owner fd disappear. */
void mock_close_socket(mock_backend *mock, guint64 inode);

/* A conntrack entry: the original tuple (as the first packet arrived, before
 * NAT) and the reply tuple (as a reply will arrive, before NAT). */
void mock_add_connection(mock_backend *mock, pm_transport transport, const char *original_src,
                         const char *original_dst, const char *reply_src,
                         const char *reply_dst);

void mock_set_user(mock_backend *mock, guint32 uid, const char *name);
/* The owner scan cannot read the fd dirs of @uid's processes. */
void mock_set_fd_dirs_unreadable(mock_backend *mock, guint32 uid);

/* The backend can tell whether a process still lives (process_start, as
 * procfs and netlink can): the watcher may then keep owners between scans.
 * A partial scan goes through the processes by ascending pid and stops
 * after the one that gives the last wanted inode its first owner. */
void mock_follow_processes(mock_backend *mock);

guint mock_reads_of(mock_backend *mock, gint32 pid);
guint mock_refresh_count(mock_backend *mock);   /* list_sockets calls for TCP */

/* ---- harness: a watcher on a mock backend and a fake clock ---- */

#define HARNESS_T0_US G_GINT64_CONSTANT(1700000000000000)   /* Nov 2023, wall-clock */
#define MS(n) ((gint64)(n) * G_GINT64_CONSTANT(1000))
#define SEC(n) ((gint64)(n) * G_GINT64_CONSTANT(1000000))

typedef struct {
    mock_backend *mock;      /* owned by the watcher */
    pm_watcher   *watcher;
    gint64        now_us;    /* the fake clock; tests advance it */
    guint         diag_messages;
} harness;

gint64 fake_clock(gpointer clock_data);

/* Clock at HARNESS_T0_US; @config NULL means defaults.  Diagnostics go to a
 * counting sink (the default one would log, and a warning aborts g_test). */
void harness_init(harness *h, const pm_watcher_config *config);
void harness_clear(harness *h);

pm_watcher_stats harness_stats(harness *h);
pm_endpoint parse_endpoint(const char *text);

/* Look up one end with packet time = now; @remote may be NULL. */
void harness_lookup(harness *h, pm_transport transport, const char *local,
                    const char *remote, pm_endpoint_answer *out);
void harness_lookup_at(harness *h, pm_transport transport, const char *local,
                       const char *remote, gint64 packet_time_us,
                       pm_endpoint_answer *out);

/* Asserts that compare by name first, for readable failures. */
#define assert_reason(answer, expected) do {                                       \
        g_assert_cmpstr(pm_reason_name((answer)->reason), ==, pm_reason_name(expected)); \
        g_assert_cmpint((answer)->reason, ==, (expected));                         \
    } while (0)
#define assert_match(answer, expected) do {                                        \
        g_assert_cmpstr(pm_match_name((answer)->match), ==, pm_match_name(expected)); \
        g_assert_cmpint((answer)->match, ==, (expected));                          \
    } while (0)
/* FOUND with the given match and chosen pid. */
#define assert_found(answer, expected_match, expected_pid) do {                    \
        assert_reason((answer), PM_REASON_FOUND);                                  \
        assert_match((answer), (expected_match));                                  \
        g_assert_nonnull((answer)->process);                                       \
        g_assert_cmpint((answer)->process->pid, ==, (expected_pid));               \
    } while (0)
/* No process, with the given reason (the socket may exist: OWNER_*). */
#define assert_unknown(answer, expected_reason) do {                               \
        assert_reason((answer), (expected_reason));                                \
        g_assert_null((answer)->process);                                          \
        g_assert_cmpuint((answer)->owner_count, ==, 0);                            \
    } while (0)
/* No socket matched at all. */
#define assert_miss(answer, expected_reason) do {                                  \
        assert_unknown((answer), (expected_reason));                               \
        assert_match((answer), PM_MATCH_NONE);                                     \
    } while (0)

G_END_DECLS

#endif /* PROCMAP_TESTS_MOCK_BACKEND_H */
