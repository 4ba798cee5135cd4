/* fuzz_cmdline.c - /proc/<pid>/cmdline, NUL-separated argv.
 *
 * The arguments joined with NULs give back the input (one trailing NUL
 * dropped): nothing is lost, nothing is read past the end.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "procfs_parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    GPtrArray *argv = pm_parse_cmdline(text, size);
    size_t expected = size && text[size - 1] == '\0' ? size - 1 : size;
    GByteArray *joined = g_byte_array_new();

    FUZZ_CHECK(argv != NULL);
    FUZZ_CHECK(size == 0 ? argv->len == 0 : argv->len >= 1);
    for (guint i = 0; i < argv->len; i++) {
        const char *arg = g_ptr_array_index(argv, i);
        if (i > 0)
            g_byte_array_append(joined, (const guint8 *)"", 1);
        g_byte_array_append(joined, (const guint8 *)arg, (guint)strlen(arg));
    }
    FUZZ_CHECK(joined->len == expected);
    FUZZ_CHECK(expected == 0 || memcmp(joined->data, text, expected) == 0);
    g_byte_array_unref(joined);
    g_ptr_array_unref(argv);
    free(text);
    return 0;
}
