/* test_procfs_owner_cache.c - what the owner scan keeps between scans (the
 * start times of owning processes) never changes its answer: every scan of
 * one backend equals a scan by a new backend, after an fd is closed and
 * reused for another socket, a process gains a socket, a process exits and
 * its pid is reused - on fake trees and on the real /proc.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "owner_cache_util.h"
#include "procfs_test_util.h"

/* Scans with @backend (which remembers) and with a new backend (which does
 * not): the same owners.  Returns the former; *@reused: start times kept. */
static GArray *
scan_checked(pm_backend *backend, const char *root, GHashTable *wanted, guint *reused)
{
    pm_backend *fresh = pm_procfs_backend_new(root);
    pm_owner_scan scan, fresh_scan;
    GArray *owners = scan_with(backend, wanted, &scan);
    GArray *expected = scan_with(fresh, wanted, &fresh_scan);

    g_assert_cmpuint(fresh_scan.start_times_reused, ==, 0);
    g_assert_cmpuint(owners->len, ==, expected->len);
    for (guint i = 0; i < owners->len; i++) {
        const pm_owner *o = &g_array_index(owners, pm_owner, i);
        const pm_owner *e = &g_array_index(expected, pm_owner, i);
        g_assert_cmpint(o->pid, ==, e->pid);
        g_assert_cmpint(o->fd, ==, e->fd);
        g_assert_cmpuint(o->inode, ==, e->inode);
        g_assert_cmpuint(o->start_time_ns, ==, e->start_time_ns);
    }
    g_array_unref(expected);
    pm_backend_free(fresh);
    *reused = scan.start_times_reused;
    return owners;
}

static void
test_start_times_kept(void)
{
    static const guint64 inodes[] = { 1001, 1002, 1003 };
    char *root = small_host();
    pm_backend *backend = pm_procfs_backend_new(root);
    GHashTable *wanted = wanted_set(inodes, G_N_ELEMENTS(inodes));
    GArray *owners;
    guint reused;

    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 0);
    g_assert_cmpuint(owners->len, ==, 3);
    assert_owner(owners, 0, 100, 3, 1001, start_ns(500));
    assert_owner(owners, 1, 100, 4, 1002, start_ns(500));
    assert_owner(owners, 2, 200, 7, 1001, start_ns(600));
    g_array_unref(owners);

    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 2);
    g_assert_cmpuint(owners->len, ==, 3);
    g_array_unref(owners);

    /* An fd closed and reused for another socket: the new one is found, the
     * old one no longer held there; same processes, start times kept. */
    set_fd(root, 100, 3, "socket:[1003]");
    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 2);
    g_assert_cmpuint(owners->len, ==, 3);
    assert_owner(owners, 0, 100, 3, 1003, start_ns(500));
    assert_owner(owners, 1, 100, 4, 1002, start_ns(500));
    assert_owner(owners, 2, 200, 7, 1001, start_ns(600));
    g_array_unref(owners);

    /* A new socket in an old process: found, its start time read. */
    set_fd(root, 300, 9, "socket:[1002]");
    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 2);
    g_assert_cmpuint(owners->len, ==, 4);
    assert_owner(owners, 3, 300, 9, 1002, start_ns(700));
    g_array_unref(owners);

    g_hash_table_unref(wanted);
    pm_backend_free(backend);
    pt_tree_free(root);
}

/* A process exits and its pid comes back as another process: the start
 * time is the new one's, whether an exit was seen in between or not. */
static void
test_pid_reuse(void)
{
    static const guint64 inodes[] = { 1001, 1002 };
    char *root = small_host();
    char *dir = g_build_filename(root, "100", NULL);
    pm_backend *backend = pm_procfs_backend_new(root);
    GHashTable *wanted = wanted_set(inodes, G_N_ELEMENTS(inodes));
    GArray *owners;
    guint reused;

    g_array_unref(scan_checked(backend, root, wanted, &reused));

    /* Replaced between two scans: same pid, same fds, a new stat file. */
    pt_write_stat(root, 100, "server", 1, 900);
    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 1);  /* 200 only */
    assert_owner(owners, 0, 100, 3, 1001, start_ns(900));
    g_array_unref(owners);

    /* Exits (its sockets go with it), then the pid is used again. */
    pt_tree_free(g_strdup(dir));
    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(owners->len, ==, 1);
    assert_owner(owners, 0, 200, 7, 1001, start_ns(600));
    g_array_unref(owners);
    pt_write_stat(root, 100, "newcomer", 1, 950);
    set_fd(root, 100, 3, "socket:[1002]");
    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 1);
    assert_owner(owners, 0, 100, 3, 1002, start_ns(950));
    assert_owner(owners, 1, 200, 7, 1001, start_ns(600));
    g_array_unref(owners);

    g_hash_table_unref(wanted);
    pm_backend_free(backend);
    g_free(dir);
    pt_tree_free(root);
}

/* ---- the real /proc ----------------------------------------------------- */

/* The owners of @owners that are @pid. */
static GArray *
of_pid(GArray *owners, pid_t pid)
{
    GArray *mine = g_array_new(FALSE, FALSE, sizeof(pm_owner));

    for (guint i = 0; i < owners->len; i++) {
        if (g_array_index(owners, pm_owner, i).pid == pid)
            g_array_append_val(mine, g_array_index(owners, pm_owner, i));
    }
    return mine;
}

static void
test_live(void)
{
    int pair[2], spare[2];
    pm_backend *backend = pm_procfs_backend_new(NULL);
    guint64 inodes[3];
    GHashTable *wanted;
    GArray *owners, *mine;
    guint reused;
    child c;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, spare), ==, 0);
    g_assert_cmpint(dup2(pair[0], HELD_FD), ==, HELD_FD);
    close(pair[0]);  /* held at HELD_FD only */
    g_assert_true(child_start(&c, spare[0], 0));
    inodes[0] = inode_at(getpid(), HELD_FD);
    inodes[1] = inode_at(getpid(), spare[0]);

    wanted = wanted_set(inodes, 2);
    owners = scan_checked(backend, "/proc", wanted, &reused);
    mine = of_pid(owners, c.pid);
    g_assert_cmpuint(mine->len, ==, 2);  /* inherited: HELD_FD and spare[0] */
    g_array_unref(mine);
    g_array_unref(owners);
    owners = scan_checked(backend, "/proc", wanted, &reused);
    g_assert_cmpuint(reused, >=, 2);     /* this process and the child */
    g_array_unref(owners);

    /* The child's HELD_FD now holds the other socket. */
    child_command(&c, 'd');
    owners = scan_checked(backend, "/proc", wanted, &reused);
    mine = of_pid(owners, c.pid);
    g_assert_cmpuint(mine->len, ==, 2);
    for (guint i = 0; i < mine->len; i++)
        g_assert_cmpuint(g_array_index(mine, pm_owner, i).inode, ==, inodes[1]);
    g_array_unref(mine);
    g_array_unref(owners);

    /* A socket the child makes now. */
    child_command(&c, 'n');
    inodes[2] = inode_at(c.pid, HELD_FD + 1);
    g_hash_table_unref(wanted);
    wanted = wanted_set(inodes, 3);
    owners = scan_checked(backend, "/proc", wanted, &reused);
    mine = of_pid(owners, c.pid);
    g_assert_cmpuint(mine->len, ==, 3);
    g_assert_cmpint(g_array_index(mine, pm_owner, 2).fd, ==, HELD_FD + 1);
    g_assert_cmpuint(g_array_index(mine, pm_owner, 2).inode, ==, inodes[2]);
    g_array_unref(mine);
    g_array_unref(owners);
    child_stop(&c);

    g_hash_table_unref(wanted);
    pm_backend_free(backend);
    close(HELD_FD);
    close(pair[1]);
    close(spare[0]);
    close(spare[1]);
}

/* A real pid reuse: the child exits, a new child gets its pid (clone3
 * set_tid: root only, not under valgrind) and holds the same socket at the
 * same fd; its start time must be its own. */
static void
test_live_pid_reuse(void)
{
    int pair[2];
    pm_backend *backend = pm_procfs_backend_new(NULL);
    guint64 inode;
    GHashTable *wanted;
    GArray *owners, *mine;
    guint64 first_start;
    guint reused;
    pid_t pid;
    child c;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
    g_assert_cmpint(dup2(pair[0], HELD_FD), ==, HELD_FD);
    close(pair[0]);
    inode = inode_at(getpid(), HELD_FD);
    wanted = wanted_set(&inode, 1);

    g_assert_true(child_start(&c, pair[1], 0));
    pid = c.pid;
    owners = scan_checked(backend, "/proc", wanted, &reused);
    mine = of_pid(owners, pid);
    g_assert_cmpuint(mine->len, ==, 1);
    first_start = g_array_index(mine, pm_owner, 0).start_time_ns;
    g_assert_cmpuint(first_start, !=, 0);
    g_array_unref(mine);
    g_array_unref(owners);
    child_stop(&c);

    g_usleep(30 * 1000);  /* a start time of its own: more than a clock tick later */
    if (!child_start(&c, pair[1], pid)) {
        g_test_skip("clone3 with set_tid refused (needs root, not under valgrind)");
    } else {
        g_assert_cmpint(c.pid, ==, pid);
        owners = scan_checked(backend, "/proc", wanted, &reused);
        mine = of_pid(owners, pid);
        g_assert_cmpuint(mine->len, ==, 1);
        g_assert_cmpint(g_array_index(mine, pm_owner, 0).fd, ==, HELD_FD);
        g_assert_cmpuint(g_array_index(mine, pm_owner, 0).start_time_ns, >, first_start);
        g_array_unref(mine);
        g_array_unref(owners);
        child_stop(&c);
    }
    g_hash_table_unref(wanted);
    pm_backend_free(backend);
    close(HELD_FD);
    close(pair[1]);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/procfs/owner-cache/start-times-kept", test_start_times_kept);
    g_test_add_func("/procfs/owner-cache/pid-reuse", test_pid_reuse);
    g_test_add_func("/procfs/owner-cache/live", test_live);
    g_test_add_func("/procfs/owner-cache/live-pid-reuse", test_live_pid_reuse);
    return g_test_run();
}
