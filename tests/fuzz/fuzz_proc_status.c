/* fuzz_proc_status.c - the "Uid:" line of /proc/<pid>/status.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE  /* memmem */
#include "fuzz_common.h"

#include "procfs_parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    guint32 uid = 0;

    if (pm_parse_status_uid(text, size, &uid)) {
        /* Only from a line that starts with "Uid:". */
        FUZZ_CHECK(size > 4);
        FUZZ_CHECK(memcmp(text, "Uid:", 4) == 0 || memmem(text, size, "\nUid:", 5) != NULL);
    }
    free(text);
    return 0;
}
