/* procfs_tests.h - what the procfs test files share: the fake host of the
 * fake-tree tests and the registration of tests kept in other files.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_PROCFS_TESTS_H
#define PROCMAP_PROCFS_TESTS_H

#include <glib.h>

G_BEGIN_DECLS

#define HOST_BTIME 1700000000u

/* A whole fake host: socket tables (spec §2.3/§2.4 and UDP), <root>/stat,
 * fib_trie, if_inet6 and the processes of both test files. */
char *build_host_tree(void);

/* Expected start time of a process started @ticks after HOST_BTIME,
 * computed without the code under test. */
guint64 host_start_ns(guint64 ticks);

/* A set of guint64* inodes as the watcher passes it (g_int64_hash). */
GHashTable *wanted_set(const guint64 *inodes, gsize n);

/* Registration of the tests of test_procfs_tree_process.c,
 * test_procfs_tree_owners.c and test_procfs_parse_proc.c. */
void add_process_tests(void);
void add_owner_tests(void);
void add_proc_parse_tests(void);

G_END_DECLS

#endif /* PROCMAP_PROCFS_TESTS_H */
