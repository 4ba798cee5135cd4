/* procfs_test_util.h - fixtures for the procfs backend tests: fixture files,
 * fake proc trees in a temporary directory, and a diag sink that remembers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_PROCFS_TEST_UTIL_H
#define PROCMAP_PROCFS_TEST_UTIL_H

#include <glib.h>

#include "backend.h"

G_BEGIN_DECLS

/* Contents of tests/data/<name> (PROCMAP_TEST_DATA, else the source tree). */
char *pt_read_data(const char *name, gsize *len);
/* The lines of tests/data/<name>, without '\n'. */
char **pt_data_lines(const char *name);

/* A new empty directory; free with pt_tree_free(). */
char *pt_tree_new(void);
/* Restores permissions, removes the tree, frees @root. */
void pt_tree_free(char *root);
/* Creates <root>/<relative> (and its parents) with @data; @len -1: strlen. */
void pt_write(const char *root, const char *relative, const char *data, gssize len);
void pt_mkdir(const char *root, const char *relative);
void pt_symlink(const char *root, const char *relative, const char *target);
/* Copies tests/data/<name> to <root>/<relative>. */
void pt_copy_data(const char *root, const char *relative, const char *name);
/* <root>/<pid>/stat as the kernel writes it (52 fields). */
void pt_write_stat(const char *root, gint32 pid, const char *comm, gint32 ppid,
                   guint64 start_ticks);

/* A pm_diag whose sink records the level and message of each cause. */
typedef struct {
    pm_diag       diag;
    pm_diag_level level[PM_DIAG_CAUSE_COUNT];
    char         *message[PM_DIAG_CAUSE_COUNT];
} pt_diag;

void pt_diag_init(pt_diag *d);
void pt_diag_clear(pt_diag *d);

G_END_DECLS

#endif /* PROCMAP_PROCFS_TEST_UTIL_H */
