/* test_procfs_tree_owners.c - the owner scan on the fake host (spec §2.2)
 * and on fd directories that are not ours to read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE  /* setresuid, setresgid */
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs.h"
#include "procfs_test_util.h"
#include "procfs_tests.h"

static gint
owner_order(gconstpointer a, gconstpointer b)
{
    const pm_owner *x = a, *y = b;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return x->fd < y->fd ? -1 : x->fd > y->fd;
}

static void
test_owners(void)
{
    static const guint64 inodes[] = { 7619, 7620, 555, 42, 33808 };
    const struct {
        gint32 pid, fd;
        guint64 inode, start;
    } expect[] = {
        { 766, 14, 7619, host_start_ns(12345) },
        { 766, 15, 7620, host_start_ns(12345) },
        { 767, 3, 7619, host_start_ns(23456) },   /* shared across fork */
        { 900, 7, 555, host_start_ns(34567) },
        { 4002, 3, 42, 0 },                       /* stat gone: start unknown */
    };
    char *root = build_host_tree();
    pm_backend *backend = pm_procfs_backend_new(root);
    GHashTable *wanted = wanted_set(inodes, G_N_ELEMENTS(inodes));
    GArray *owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    pm_owner_scan scan = { 0 };
    GError *error = NULL;
    pt_diag d;

    pt_diag_init(&d);
    g_assert_true(backend->ops->find_owners(backend, wanted, owners, &scan, &d.diag, &error));
    g_assert_no_error(error);
    g_array_sort(owners, owner_order);
    g_assert_cmpuint(owners->len, ==, G_N_ELEMENTS(expect));
    for (gsize i = 0; i < G_N_ELEMENTS(expect); i++) {
        const pm_owner *o = &g_array_index(owners, pm_owner, i);
        g_assert_cmpint(o->pid, ==, expect[i].pid);
        g_assert_cmpint(o->fd, ==, expect[i].fd);
        g_assert_cmpuint(o->inode, ==, expect[i].inode);
        g_assert_cmpuint(o->start_time_ns, ==, expect[i].start);
    }
    /* 766 767 768 769 770 771 900 4002; not 4000/4001 (gone), self, 12abc, net. */
    g_assert_cmpuint(scan.processes_scanned, ==, 8);
    g_assert_cmpuint(scan.fds_scanned, ==, 9 + 3 + 1 + 1 + 0 + 1 + 7 + 1);
    g_assert_cmpuint(scan.fd_dirs_unreadable, ==, 0);
    g_assert_null(scan.unreadable_uids);
    g_assert_cmpuint(d.diag.counts[PM_DIAG_PROCESS_VANISHED], ==, 2);
    g_assert_null(d.message[PM_DIAG_PROCESS_VANISHED]);           /* debug: not logged */
    g_assert_cmpuint(d.diag.counts[PM_DIAG_MALFORMED_FD_LINK], ==, 4);
    g_assert_nonnull(strstr(d.message[PM_DIAG_MALFORMED_FD_LINK], "/900/fd/3: malformed socket link"));
    g_assert_cmpuint(d.diag.counts[PM_DIAG_FD_DIR_UNREADABLE], ==, 0);

    /* Nothing wanted: nothing to scan. */
    g_array_set_size(owners, 0);
    g_hash_table_remove_all(wanted);
    memset(&scan, 0, sizeof scan);
    g_assert_true(backend->ops->find_owners(backend, wanted, owners, &scan, &d.diag, &error));
    g_assert_cmpuint(owners->len, ==, 0);
    g_assert_cmpuint(scan.processes_scanned, ==, 0);

    g_hash_table_unref(wanted);
    g_array_unref(owners);
    pm_backend_free(backend);
    pt_diag_clear(&d);
    pt_tree_free(root);
}

/* The scan as nobody: the fd dir of 5000 cannot be opened, the links in
 * that of 5002 cannot be read (as /proc does without CAP_SYS_PTRACE). */
static void
run_unreadable_scan(const char *root, guint expected_uid, guint other_uid)
{
    static const guint64 inodes[] = { 7619, 7620 };
    pm_backend *backend = pm_procfs_backend_new(root);
    GHashTable *wanted = wanted_set(inodes, G_N_ELEMENTS(inodes));
    GArray *owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    pm_owner_scan scan = { 0 };
    GError *error = NULL;
    pt_diag d;

    pt_diag_init(&d);
    g_assert_true(backend->ops->find_owners(backend, wanted, owners, &scan, &d.diag, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(owners->len, ==, 1);
    g_assert_cmpint(g_array_index(owners, pm_owner, 0).pid, ==, 5001);
    g_assert_cmpuint(scan.processes_scanned, ==, 1);
    g_assert_cmpuint(scan.fd_dirs_unreadable, ==, 2);
    g_assert_nonnull(scan.unreadable_uids);
    g_assert_cmpuint(g_hash_table_size(scan.unreadable_uids), ==, expected_uid == other_uid ? 1 : 2);
    g_assert_true(g_hash_table_contains(scan.unreadable_uids, GUINT_TO_POINTER(expected_uid + 1)));
    g_assert_true(g_hash_table_contains(scan.unreadable_uids, GUINT_TO_POINTER(other_uid + 1)));
    g_assert_cmpuint(d.diag.counts[PM_DIAG_FD_DIR_UNREADABLE], ==, 1);  /* once per scan */
    g_assert_cmpint(d.level[PM_DIAG_FD_DIR_UNREADABLE], ==, PM_DIAG_LEVEL_WARNING);
    g_assert_nonnull(strstr(d.message[PM_DIAG_FD_DIR_UNREADABLE], "procmap-capture"));
    g_assert_nonnull(strstr(d.message[PM_DIAG_FD_DIR_UNREADABLE],
                            "cap_sys_ptrace,cap_dac_read_search"));
    /* Not mistaken for an exit. */
    g_assert_cmpuint(d.diag.counts[PM_DIAG_PROCESS_VANISHED], ==, 0);

    g_hash_table_unref(scan.unreadable_uids);
    g_hash_table_unref(wanted);
    g_array_unref(owners);
    pm_backend_free(backend);
    pt_diag_clear(&d);
}

/* EACCES on another user's fd directory.  Root reads through mode 000, so
 * the scan runs in a forked child that drops to nobody (65534) first; the
 * child exits non-zero (or aborts) on any failed check, or valgrind error. */
static void
test_owners_fd_dir_unreadable(void)
{
    char *root = pt_tree_new();
    char *pid_dir = g_build_filename(root, "5000", NULL);
    char *fd_dir = g_build_filename(root, "5000", "fd", NULL);
    char *pid_dir2 = g_build_filename(root, "5002", NULL);
    char *fd_dir2 = g_build_filename(root, "5002", "fd", NULL);
    struct stat st, st2;
    int status;
    pid_t child;

    pt_write_stat(root, 5000, "secret", 1, 100);
    pt_symlink(root, "5000/fd/3", "socket:[7620]");
    pt_write_stat(root, 5001, "mine", 1, 200);
    pt_symlink(root, "5001/fd/4", "socket:[7619]");
    pt_write_stat(root, 5002, "ptraceless", 1, 300);
    pt_symlink(root, "5002/fd/5", "socket:[7619]");
    if (geteuid() == 0) {
        g_assert_cmpint(chown(pid_dir, 4242, 4242), ==, 0);
        g_assert_cmpint(chown(pid_dir2, 4343, 4343), ==, 0);
    }
    g_assert_cmpint(chmod(fd_dir, 0), ==, 0);
    g_assert_cmpint(chmod(fd_dir2, 0444), ==, 0);  /* listable, links unreadable */
    g_assert_cmpint(stat(pid_dir, &st), ==, 0);
    g_assert_cmpint(stat(pid_dir2, &st2), ==, 0);

    child = fork();
    g_assert_cmpint(child, >=, 0);
    if (child == 0) {
        if (geteuid() == 0
            && (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0
                || setresuid(65534, 65534, 65534) != 0))
            _exit(3);
        g_free(fd_dir);  /* the child owns copies of the parent's heap */
        g_free(pid_dir);
        g_free(fd_dir2);
        g_free(pid_dir2);
        run_unreadable_scan(root, st.st_uid, st2.st_uid);
        g_free(root);
        _exit(0);
    }
    g_assert_cmpint(waitpid(child, &status, 0), ==, child);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);

    g_free(fd_dir);
    g_free(pid_dir);
    g_free(fd_dir2);
    g_free(pid_dir2);
    pt_tree_free(root);
}

void
add_owner_tests(void)
{
    g_test_add_func("/procfs/tree/owners", test_owners);
    g_test_add_func("/procfs/tree/owners-fd-dir-unreadable", test_owners_fd_dir_unreadable);
}
