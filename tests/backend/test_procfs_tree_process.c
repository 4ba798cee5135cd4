/* test_procfs_tree_process.c - read_process and user_name on the fake host
 * of test_procfs_tree.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "procfs_test_util.h"
#include "procfs_tests.h"

typedef struct {
    char       *root;
    pm_backend *backend;
    pt_diag     d;
} host;

static void
host_setup(host *h, gconstpointer data)
{
    h->root = build_host_tree();
    h->backend = pm_procfs_backend_new(h->root);
    pt_diag_init(&h->d);
}

static void
host_teardown(host *h, gconstpointer data)
{
    pm_backend_free(h->backend);
    pt_diag_clear(&h->d);
    pt_tree_free(h->root);
}

static pm_read_status
read_process(host *h, gint32 pid, pm_process_raw *raw)
{
    return h->backend->ops->read_process(h->backend, pid, raw, &h->d.diag);
}

/* The argv joined with NULs, as it was in the cmdline file. */
static GByteArray *
join_argv(GPtrArray *argv)
{
    GByteArray *joined = g_byte_array_new();

    for (guint i = 0; i < argv->len; i++) {
        const char *arg = g_ptr_array_index(argv, i);
        if (i > 0)
            g_byte_array_append(joined, (const guint8 *)"", 1);
        g_byte_array_append(joined, (const guint8 *)arg, (guint)strlen(arg));
    }
    return joined;
}

static void
assert_cmdline_prefix(const char *root, gint32 pid, GPtrArray *argv, gsize expected_len)
{
    char *path = g_strdup_printf("%s/%d/cmdline", root, pid);
    char *contents;
    gsize len;
    GByteArray *joined = join_argv(argv);

    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpuint(len, >=, expected_len);
    g_assert_cmpmem(joined->data, joined->len, contents, expected_len);
    g_byte_array_unref(joined);
    g_free(contents);
    g_free(path);
}

static void
test_full_process(host *h, gconstpointer data)
{
    static const char *const argv[] = {
        "nginx: master process", "/usr/sbin/nginx", "-g", "daemon off;\xff\xfe"
    };
    pm_process_raw raw;

    g_assert_cmpint(read_process(h, 766, &raw), ==, PM_READ_OK);
    g_assert_cmpint(raw.pid, ==, 766);
    g_assert_cmpint(raw.ppid, ==, 1);
    g_assert_cmpstr(raw.comm, ==, "(my (weird) name)");
    g_assert_cmpstr(raw.exe, ==, "/usr/sbin/nginx");     /* " (deleted)" stripped */
    g_assert_cmpstr(raw.cwd, ==, "/srv/www");
    g_assert_true(raw.has_uid);
    g_assert_cmpuint(raw.uid, ==, 1000);
    g_assert_cmpuint(raw.start_time_ns, ==, host_start_ns(12345));
    g_assert_nonnull(raw.argv);
    g_assert_cmpuint(raw.argv->len, ==, G_N_ELEMENTS(argv));
    for (guint i = 0; i < raw.argv->len; i++)  /* bytes as read, not sanitised */
        g_assert_cmpstr(g_ptr_array_index(raw.argv, i), ==, argv[i]);
    g_assert_false(raw.args_truncated);
    pm_process_raw_clear(&raw);
    for (int c = 0; c < PM_DIAG_CAUSE_COUNT; c++)
        g_assert_cmpuint(h->d.diag.counts[c], ==, 0);
}

static void
test_partial_process(host *h, gconstpointer data)
{
    pm_process_raw raw;

    /* No exe, cwd or status: those fields stay unset, the rest is read. */
    g_assert_cmpint(read_process(h, 767, &raw), ==, PM_READ_OK);
    g_assert_cmpstr(raw.comm, ==, "x) R 99 (");
    g_assert_cmpint(raw.ppid, ==, 766);
    g_assert_null(raw.exe);
    g_assert_null(raw.cwd);
    g_assert_false(raw.has_uid);
    g_assert_cmpuint(raw.start_time_ns, ==, host_start_ns(23456));
    g_assert_cmpuint(raw.argv->len, ==, 50);
    g_assert_false(raw.args_truncated);
    assert_cmdline_prefix(h->root, 767, raw.argv, 50 * 100 - 1);
    pm_process_raw_clear(&raw);

    /* A stat that does not parse: no comm, ppid or start, but argv. */
    g_assert_cmpint(read_process(h, 771, &raw), ==, PM_READ_OK);
    g_assert_null(raw.comm);
    g_assert_cmpint(raw.ppid, ==, -1);
    g_assert_cmpuint(raw.start_time_ns, ==, 0);
    g_assert_false(raw.has_uid);
    g_assert_cmpuint(raw.argv->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(raw.argv, 0), ==, "x");
    g_assert_cmpuint(h->d.diag.counts[PM_DIAG_MALFORMED_PROCESS_FILE], ==, 2);  /* stat, status */
    g_assert_cmpint(h->d.level[PM_DIAG_MALFORMED_PROCESS_FILE], ==, PM_DIAG_LEVEL_INFO);
    pm_process_raw_clear(&raw);

    /* A kernel thread: empty cmdline is an empty argv, not an unreadable one. */
    g_assert_cmpint(read_process(h, 770, &raw), ==, PM_READ_OK);
    g_assert_cmpstr(raw.comm, ==, "kthreadd");
    g_assert_cmpint(raw.ppid, ==, 0);
    g_assert_cmpuint(raw.start_time_ns, ==, host_start_ns(0));
    g_assert_nonnull(raw.argv);
    g_assert_cmpuint(raw.argv->len, ==, 0);
    pm_process_raw_clear(&raw);
}

static void
test_cmdline_cap(host *h, gconstpointer data)
{
    pm_process_raw raw;

    /* 70000 bytes: cut at 64 KiB, and said so. */
    g_assert_cmpint(read_process(h, 768, &raw), ==, PM_READ_OK);
    g_assert_true(raw.args_truncated);
    g_assert_cmpuint(raw.argv->len, ==, 65 + 1);
    g_assert_cmpuint(strlen(g_ptr_array_index(raw.argv, 65)), ==, 64 * 1024 - 65 * 1000);
    assert_cmdline_prefix(h->root, 768, raw.argv, 64 * 1024);
    pm_process_raw_clear(&raw);

    /* Exactly 64 KiB: complete. */
    g_assert_cmpint(read_process(h, 769, &raw), ==, PM_READ_OK);
    g_assert_false(raw.args_truncated);
    g_assert_cmpuint(raw.argv->len, ==, 64);
    assert_cmdline_prefix(h->root, 769, raw.argv, 64 * 1024 - 1);
    pm_process_raw_clear(&raw);
}

static void
test_vanished(host *h, gconstpointer data)
{
    pm_process_raw raw;

    g_assert_cmpint(read_process(h, 9999, &raw), ==, PM_READ_VANISHED);  /* no dir */
    g_assert_null(raw.comm);
    g_assert_null(raw.argv);
    pm_process_raw_clear(&raw);
    g_assert_cmpint(read_process(h, 4001, &raw), ==, PM_READ_VANISHED);  /* dir, no stat */
    pm_process_raw_clear(&raw);
    g_assert_cmpint(read_process(h, 4000, &raw), ==, PM_READ_VANISHED);  /* dangling */
    pm_process_raw_clear(&raw);
    g_assert_cmpuint(h->d.diag.counts[PM_DIAG_PROCESS_VANISHED], ==, 3);
    g_assert_null(h->d.message[PM_DIAG_PROCESS_VANISHED]);  /* normal: never logged */

    g_assert_cmpint(read_process(h, 0, &raw), ==, PM_READ_FAILED);
    pm_process_raw_clear(&raw);
    g_assert_cmpint(read_process(h, -5, &raw), ==, PM_READ_FAILED);
    pm_process_raw_clear(&raw);
}

static void
test_btime(host *h, gconstpointer data)
{
    pm_process_raw raw;
    pm_backend *fresh;
    const guint64 shift = G_GUINT64_CONSTANT(1000) * 1000000000u;

    g_assert_cmpint(read_process(h, 766, &raw), ==, PM_READ_OK);
    g_assert_cmpuint(raw.start_time_ns, ==, host_start_ns(12345));
    pm_process_raw_clear(&raw);

    /* The boot time is read once per backend. */
    pt_write(h->root, "stat", "cpu  1 2 3\nbtime 1700001000\n", -1);
    g_assert_cmpint(read_process(h, 766, &raw), ==, PM_READ_OK);
    g_assert_cmpuint(raw.start_time_ns, ==, host_start_ns(12345));
    pm_process_raw_clear(&raw);
    fresh = pm_procfs_backend_new(h->root);
    g_assert_cmpint(fresh->ops->read_process(fresh, 766, &raw, &h->d.diag), ==, PM_READ_OK);
    g_assert_cmpuint(raw.start_time_ns, ==, host_start_ns(12345) + shift);
    pm_process_raw_clear(&raw);
    pm_backend_free(fresh);

    /* No boot time: start unknown (0), the rest still read, told once. */
    pt_write(h->root, "stat", "cpu  1 2 3\nctxt 5\n", -1);
    fresh = pm_procfs_backend_new(h->root);
    g_assert_cmpint(fresh->ops->read_process(fresh, 766, &raw, &h->d.diag), ==, PM_READ_OK);
    g_assert_cmpuint(raw.start_time_ns, ==, 0);
    g_assert_cmpstr(raw.comm, ==, "(my (weird) name)");
    g_assert_cmpuint(h->d.diag.counts[PM_DIAG_PROCESS_UNREADABLE], ==, 1);
    g_assert_nonnull(strstr(h->d.message[PM_DIAG_PROCESS_UNREADABLE], "boot time"));
    pm_process_raw_clear(&raw);
    pm_backend_free(fresh);
}

static void
test_user_name(host *h, gconstpointer data)
{
    struct passwd *pw = getpwuid(0);
    char *name = h->backend->ops->user_name(h->backend, 0);

    g_assert_nonnull(pw);
    g_assert_cmpstr(name, ==, pw->pw_name);
    g_free(name);
    if (getpwuid(3999999999u) == NULL)
        g_assert_null(h->backend->ops->user_name(h->backend, 3999999999u));
}

void
add_process_tests(void)
{
    g_test_add("/procfs/tree/process-full", host, NULL, host_setup, test_full_process,
               host_teardown);
    g_test_add("/procfs/tree/process-partial", host, NULL, host_setup, test_partial_process,
               host_teardown);
    g_test_add("/procfs/tree/process-cmdline-cap", host, NULL, host_setup, test_cmdline_cap,
               host_teardown);
    g_test_add("/procfs/tree/process-vanished", host, NULL, host_setup, test_vanished,
               host_teardown);
    g_test_add("/procfs/tree/process-btime", host, NULL, host_setup, test_btime, host_teardown);
    g_test_add("/procfs/tree/user-name", host, NULL, host_setup, test_user_name, host_teardown);
}
