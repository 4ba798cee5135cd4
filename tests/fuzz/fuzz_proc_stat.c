/* fuzz_proc_stat.c - /proc/<pid>/stat (comm, ppid, start time).
 *
 * comm may hold spaces and parentheses: it must be exactly the bytes
 * between the first '(' and the last ')'.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "procfs_parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    const char *open = size ? memchr(text, '(', size) : NULL;
    const char *close = NULL;
    pm_proc_stat st;

    for (size_t i = size; open && i > (size_t)(open - text) + 1; i--) {
        if (text[i - 1] == ')') {
            close = text + i - 1;
            break;
        }
    }
    if (pm_parse_proc_stat(text, size, &st)) {
        FUZZ_CHECK(open != NULL && close != NULL);
        FUZZ_CHECK(st.comm == open + 1);
        FUZZ_CHECK(st.comm + st.comm_len == close);
        FUZZ_CHECK(st.ppid >= 0);
    }
    free(text);
    return 0;
}
