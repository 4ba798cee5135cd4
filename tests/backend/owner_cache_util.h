/* owner_cache_util.h - what the owner-scan tests share: small fake hosts,
 * scans, and children that hold sockets on the real /proc.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_TESTS_OWNER_CACHE_UTIL_H
#define PROCMAP_TESTS_OWNER_CACHE_UTIL_H

#include <sys/types.h>

#include "procfs.h"

G_BEGIN_DECLS

#define BTIME 1700000000u

/* The start time of a fake tree's process started @ticks after BTIME. */
guint64 start_ns(guint64 ticks);
GHashTable *wanted_set(const guint64 *inodes, gsize n);
/* The host may hold processes we cannot read: told, not fatal. */
void quiet_sink(pm_diag_level level, pm_diag_cause cause, const char *message,
                gpointer data);
/* The owners of @wanted found by @backend (a whole scan), sorted. */
GArray *scan_with(pm_backend *backend, GHashTable *wanted, pm_owner_scan *scan);
void assert_owner(GArray *owners, guint i, gint32 pid, gint32 fd, guint64 inode,
                  guint64 start);
/* Replaces (or makes) <root>/<pid>/fd/<fd> -> @target. */
void set_fd(const char *root, gint32 pid, gint32 fd, const char *target);
/* 100 holds 1001 and 1002, 200 shares 1001, 300 holds an unwanted socket. */
char *small_host(void);

typedef struct {
    pid_t pid;
    int   commands;   /* write end: a byte per command, EOF to exit */
    int   replies;    /* read end: a byte per command done */
} child;

enum { HELD_FD = 100 };

/* A child holding, at HELD_FD, what the parent holds there; @set_tid > 0
 * asks clone3 for that pid (FALSE when refused).  Commands: 'd':
 * dup2(@spare, HELD_FD); 'n': a new socket at HELD_FD + 1. */
gboolean child_start(child *c, int spare, pid_t set_tid);
void child_command(child *c, char command);
void child_stop(child *c);
guint64 inode_at(pid_t pid, int fd);

G_END_DECLS

#endif /* PROCMAP_TESTS_OWNER_CACHE_UTIL_H */
