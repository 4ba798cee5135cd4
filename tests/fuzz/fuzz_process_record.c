/* fuzz_process_record.c - a Process Information Block's data (what follows
 * the PEN of Wireshark's custom block) and procmap's packet reference
 * option (process_record.h), and the comment the plugin's reader is given.
 *
 * Input: a flags byte (bit 0: read the rest as a reference option, else as
 * a block; bit 1: the comment is for the destination), then the data (an
 * exact-size copy).
 *
 * A record read has texts without NUL inside; its comment has one line per
 * key: the side's marker, then "Key: value" lines whose values hold no
 * control character; a reference is read only from a valid option.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include <string.h>

#include "process_record.h"

static void
check_comment(const char *text, gboolean destination)
{
    char **lines = g_strsplit(text, "\n", -1);

    FUZZ_CHECK(strcmp(lines[0], destination ? "procmap-dst" : "procmap-src") == 0);
    FUZZ_CHECK(lines[1] != NULL && strcmp(lines[1], "Version: 1") == 0);
    FUZZ_CHECK(lines[2] != NULL && g_str_has_prefix(lines[2], "PID: "));
    for (guint i = 1; lines[i] != NULL; i++) {
        FUZZ_CHECK(strstr(lines[i], ": ") != NULL);
        for (const char *p = lines[i]; *p; p++)
            FUZZ_CHECK((guchar)*p >= 0x20 && *p != 0x7f);
    }
    g_strfreev(lines);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    guint8 flags = fuzz_byte(&in);
    guint8 *copy = (guint8 *)fuzz_copy(in.p, in.left);
    size_t len = in.left;

    if (flags & 1) {
        guint32 src = 1, dst = 1;
        guint8 run = 1;

        if (pm_record_refs_parse(copy, len, &run, &src, &dst)) {
            guint8 again[16];
            gsize again_len = pm_record_refs_encode(run, src, dst, again);

            /* The same numbers, written the one way the writer does. */
            FUZZ_CHECK(again_len <= len && memcmp(again, copy, again_len) == 0);
        } else {
            guint32 pid, tid;

            FUZZ_CHECK(src == 0 && dst == 0 && run == 0);
            if (pm_record_process_thread_unpack(copy, len, &pid, &tid)) {
                guint8 again[PM_PROCMAP_PROCESS_THREAD_LEN];

                pm_record_process_thread_pack(again, pid, tid);
                FUZZ_CHECK(len == sizeof again && memcmp(again, copy, len) == 0);
            }
        }
    } else {
        pm_process_record record;
        const char *malformed = "unset";

        switch (pm_process_record_parse(copy, len, &record, &malformed)) {
        case PM_RECORD_PROCESS: {
            char *text = pm_process_record_to_comment(&record, (flags & 2) ? "procmap-dst"
                                                                           : "procmap-src");

            FUZZ_CHECK(malformed == NULL || *malformed != '\0');
            check_comment(text, (flags & 2) != 0);
            g_free(text);
            break;
        }
        case PM_RECORD_OTHER_ENTRY:
            FUZZ_CHECK(malformed == NULL);
            break;
        case PM_RECORD_MALFORMED:
            FUZZ_CHECK(malformed != NULL && *malformed != '\0');
            break;
        }
        pm_process_record_clear(&record);
    }
    free(copy);
    return 0;
}
