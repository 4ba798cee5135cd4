/* test_procfs_partial_scan.c - the owner scan asked only about sockets of
 * unknown owners (pm_owner_scan.partial) stops once each has an owner, and
 * process_start tells cheaply whether a kept owner still lives - on fake
 * trees and on the real /proc (refresh.c keeps owners between scans).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "owner_cache_util.h"
#include "procfs_test_util.h"

/* A partial scan stops once each wanted inode has an owner, and keeps the
 * start times of owners it did not visit; one that cannot find them all
 * goes through every process. */
static void
test_partial_scan(void)
{
    static const guint64 both[] = { 1001, 1002 }, one[] = { 1002 }, lost[] = { 1002, 4444 };
    char *root = small_host();
    pm_backend *backend = pm_procfs_backend_new(root);
    GHashTable *wanted = wanted_set(both, G_N_ELEMENTS(both));
    GArray *owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    pm_owner_scan scan = { 0 };
    GError *error = NULL;
    guint64 start = 0;
    pm_diag diag;

    pm_diag_init(&diag, quiet_sink, NULL);
    g_array_unref(scan_with(backend, wanted, &scan));   /* whole: 100 and 200 */
    g_assert_false(scan.stopped_early);
    g_assert_cmpuint(scan.processes_scanned, ==, 3);

    g_hash_table_unref(wanted);
    wanted = wanted_set(one, G_N_ELEMENTS(one));
    memset(&scan, 0, sizeof scan);
    scan.partial = TRUE;
    g_assert_true(backend->ops->find_owners(backend, wanted, owners, &scan, &diag, &error));
    g_assert_true(scan.stopped_early);
    /* How many before 100 depends on the fake tree's directory order; the
     * real /proc's ascending order is test_live_partial_scan's. */
    g_assert_cmpuint(scan.processes_scanned, <=, 3);
    g_assert_cmpuint(owners->len, ==, 1);
    assert_owner(owners, 0, 100, 4, 1002, start_ns(500));
    /* 200 was not visited; its start time is still known, by one fstatat. */
    g_assert_cmpint(backend->ops->process_start(backend, 200, &start, &diag), ==, PM_READ_OK);
    g_assert_cmpuint(start, ==, start_ns(600));

    g_hash_table_unref(wanted);
    wanted = wanted_set(lost, G_N_ELEMENTS(lost));
    g_array_set_size(owners, 0);
    memset(&scan, 0, sizeof scan);
    scan.partial = TRUE;
    g_assert_true(backend->ops->find_owners(backend, wanted, owners, &scan, &diag, &error));
    g_assert_false(scan.stopped_early);
    g_assert_cmpuint(scan.processes_scanned, ==, 3);
    g_assert_cmpuint(owners->len, ==, 1);

    g_array_unref(owners);
    g_hash_table_unref(wanted);
    pm_backend_free(backend);
    pt_tree_free(root);
}

/* process_start: the start time while the process lives, a new one when
 * its pid is reused, VANISHED when it is gone or never was. */
static void
test_process_start(void)
{
    char *root = small_host();
    char *dir = g_build_filename(root, "100", NULL);
    pm_backend *backend = pm_procfs_backend_new(root);
    guint64 start = 0;
    pm_diag diag;

    pm_diag_init(&diag, quiet_sink, NULL);
    g_assert_cmpint(backend->ops->process_start(backend, 100, &start, &diag), ==, PM_READ_OK);
    g_assert_cmpuint(start, ==, start_ns(500));
    g_assert_cmpint(backend->ops->process_start(backend, 100, &start, &diag), ==, PM_READ_OK);
    g_assert_cmpuint(start, ==, start_ns(500));
    pt_write_stat(root, 100, "server", 1, 900);
    g_assert_cmpint(backend->ops->process_start(backend, 100, &start, &diag), ==, PM_READ_OK);
    g_assert_cmpuint(start, ==, start_ns(900));
    pt_tree_free(g_strdup(dir));
    g_assert_cmpint(backend->ops->process_start(backend, 100, &start, &diag), ==,
                    PM_READ_VANISHED);
    g_assert_cmpint(backend->ops->process_start(backend, 4242, &start, &diag), ==,
                    PM_READ_VANISHED);
    pm_backend_free(backend);
    g_free(dir);
    pt_tree_free(root);
}

/* On the real /proc a partial scan for a socket of this process stops
 * before the newer processes (a child started after it, at least). */
static void
test_live_partial_scan(void)
{
    pm_backend *backend = pm_procfs_backend_new(NULL);
    int pair[2], spare[2];
    GHashTable *wanted;
    GArray *owners;
    pm_owner_scan whole, partial = { .partial = TRUE };
    GError *error = NULL;
    guint64 inode;
    pm_diag diag;
    child c;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, spare), ==, 0);
    g_assert_true(child_start(&c, spare[0], 0));
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
    inode = inode_at(getpid(), pair[0]);   /* made after the fork: ours alone */
    wanted = wanted_set(&inode, 1);

    g_array_unref(scan_with(backend, wanted, &whole));
    g_assert_false(whole.stopped_early);
    owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    pm_diag_init(&diag, quiet_sink, NULL);
    g_assert_true(backend->ops->find_owners(backend, wanted, owners, &partial, &diag, &error));
    g_assert_no_error(error);
    if (partial.unreadable_uids)
        g_hash_table_unref(partial.unreadable_uids);
    g_assert_true(partial.stopped_early);
    g_assert_cmpuint(partial.processes_scanned, <, whole.processes_scanned);
    g_assert_cmpuint(owners->len, ==, 1);
    g_assert_cmpint(g_array_index(owners, pm_owner, 0).pid, ==, getpid());

    g_array_unref(owners);
    child_stop(&c);
    g_hash_table_unref(wanted);
    pm_backend_free(backend);
    close(pair[0]);
    close(pair[1]);
    close(spare[0]);
    close(spare[1]);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/procfs/partial-scan/fake", test_partial_scan);
    g_test_add_func("/procfs/partial-scan/process-start", test_process_start);
    g_test_add_func("/procfs/partial-scan/live", test_live_partial_scan);
    return g_test_run();
}
