/* replay_main.c - runs a fuzz target over files, without libFuzzer.
 *
 *   fuzz_replay_<target> FILE_OR_DIR...
 *
 * Each regular file (directories: each file inside) is one input.  A failed
 * check aborts; a clean run prints how many inputs passed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

static guint
run_file(const char *path)
{
    gchar *contents;
    gsize len;
    GError *error = NULL;
    uint8_t *exact;

    if (!g_file_get_contents(path, &contents, &len, &error)) {
        fprintf(stderr, "%s\n", error->message);
        exit(2);
    }
    /* A buffer of exactly the input's size, like libFuzzer's. */
    exact = (uint8_t *)fuzz_copy((const uint8_t *)contents, len);
    g_free(contents);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 1;
}

static guint
run_path(const char *path)
{
    GDir *dir;
    const char *name;
    guint count = 0;

    if (!g_file_test(path, G_FILE_TEST_IS_DIR))
        return run_file(path);
    dir = g_dir_open(path, 0, NULL);
    if (dir == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    while ((name = g_dir_read_name(dir)) != NULL) {
        char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_REGULAR))
            count += run_file(child);
        g_free(child);
    }
    g_dir_close(dir);
    return count;
}

int
main(int argc, char **argv)
{
    guint count = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        count += run_path(argv[i]);
    if (count == 0) {
        fprintf(stderr, "no inputs in the given paths\n");
        return 1;
    }
    printf("%u inputs replayed, no failed check\n", count);
    return 0;
}
