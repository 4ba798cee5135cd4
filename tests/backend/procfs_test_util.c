/* procfs_test_util.c - fixtures for the procfs backend tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE  /* nftw */
#include "procfs_test_util.h"

#include <errno.h>
#include <ftw.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *
data_path(const char *name)
{
    const char *dir = g_getenv("PROCMAP_TEST_DATA");
    return g_build_filename(dir && *dir ? dir : PROCMAP_TEST_DATA_DIR, name, NULL);
}

char *
pt_read_data(const char *name, gsize *len)
{
    char *path = data_path(name);
    char *contents = NULL;
    GError *error = NULL;

    if (!g_file_get_contents(path, &contents, len, &error))
        g_error("fixture %s: %s", path, error->message);
    g_free(path);
    return contents;
}

char **
pt_data_lines(const char *name)
{
    char *text = pt_read_data(name, NULL);
    gsize n = strlen(text);
    char **lines;

    if (n > 0 && text[n - 1] == '\n')
        text[n - 1] = '\0';
    lines = g_strsplit(text, "\n", -1);
    g_free(text);
    return lines;
}

char *
pt_tree_new(void)
{
    GError *error = NULL;
    char *root = g_dir_make_tmp("procmap-procfs-XXXXXX", &error);

    g_assert_no_error(error);
    /* Other users (the setresuid child of the EACCES test) must reach it. */
    g_assert_cmpint(g_chmod(root, 0755), ==, 0);
    return root;
}

static int
make_writable(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    if (type == FTW_D || type == FTW_DNR)
        chmod(path, 0700);
    return 0;
}

static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path) == 0 ? 0 : -1;
}

void
pt_tree_free(char *root)
{
    if (root == NULL)
        return;
    /* Pre-order pass first, so directories made mode 000 can be entered. */
    nftw(root, make_writable, 16, FTW_PHYS);
    g_assert_cmpint(nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS), ==, 0);
    g_free(root);
}

static char *
tree_path(const char *root, const char *relative)
{
    char *path = g_build_filename(root, relative, NULL);
    char *parent = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_free(parent);
    return path;
}

void
pt_write(const char *root, const char *relative, const char *data, gssize len)
{
    char *path = tree_path(root, relative);
    GError *error = NULL;

    g_file_set_contents(path, data, len, &error);
    g_assert_no_error(error);
    g_assert_cmpint(g_chmod(path, 0644), ==, 0);
    g_free(path);
}

void
pt_mkdir(const char *root, const char *relative)
{
    char *path = g_build_filename(root, relative, NULL);
    g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==, 0);
    g_free(path);
}

void
pt_symlink(const char *root, const char *relative, const char *target)
{
    char *path = tree_path(root, relative);
    if (symlink(target, path) != 0)
        g_error("symlink %s: %s", path, g_strerror(errno));
    g_free(path);
}

void
pt_copy_data(const char *root, const char *relative, const char *name)
{
    gsize len;
    char *contents = pt_read_data(name, &len);
    pt_write(root, relative, contents, (gssize)len);
    g_free(contents);
}

void
pt_write_stat(const char *root, gint32 pid, const char *comm, gint32 ppid,
              guint64 start_ticks)
{
    char *relative = g_strdup_printf("%d/stat", pid);
    char *text = g_strdup_printf(
        "%d (%s) S %d %d %d 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 %" G_GUINT64_FORMAT
        " 12345678 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0"
        " 0 0\n",
        pid, comm, ppid, pid, pid, start_ticks);

    pt_write(root, relative, text, -1);
    g_free(text);
    g_free(relative);
}

static void
record_sink(pm_diag_level level, pm_diag_cause cause, const char *message, gpointer data)
{
    pt_diag *d = data;

    g_assert_null(d->message[cause]);  /* told once per cause */
    d->level[cause] = level;
    d->message[cause] = g_strdup(message);
}

void
pt_diag_init(pt_diag *d)
{
    memset(d, 0, sizeof *d);
    pm_diag_init(&d->diag, record_sink, d);
}

void
pt_diag_clear(pt_diag *d)
{
    for (int i = 0; i < PM_DIAG_CAUSE_COUNT; i++)
        g_free(d->message[i]);
    pt_diag_init(d);
}
