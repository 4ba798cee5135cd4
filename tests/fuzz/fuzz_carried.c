/* fuzz_carried.c - process information carried in a capture file: packet
 * comments in the procmap, ptcpdump and etl2pcapng formats and a Darwin
 * process (docs/capture-comments.md), to processes placed at an end.
 *
 * Input: a flags byte (bit 0: a Darwin process, bit 1: with an effective
 * one, bits 2-3: the direction, bit 4: both ends loopback, bit 5: a Darwin
 * reference without its block), then the comments separated by NUL bytes
 * (a Darwin process takes the first two as its names, and four bytes of pid
 * from the flags).
 *
 * Every string of a carried process must be NULL or non-empty valid UTF-8
 * without control characters and at most 64 KiB plus "...".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "carried.h"

#define MAX_COMMENTS (PM_CARRIED_COMMENTS_MAX + 6)

static void
check_text(const char *text)
{
    if (text == NULL)
        return;
    FUZZ_CHECK(*text != '\0');
    FUZZ_CHECK(strlen(text) <= PM_CARRIED_VALUE_MAX + 3);
    FUZZ_CHECK(g_utf8_validate(text, -1, NULL));
    for (const char *p = text; *p; p++)
        FUZZ_CHECK((guchar)*p >= 0x20 && *p != 0x7f);
}

static void
check_process(const pm_carried_process *p)
{
    pm_process *record;

    if (!p->present)
        return;
    FUZZ_CHECK(p->raw.pid >= 0 && p->raw.ppid >= -1);
    check_text(p->raw.name);
    check_text(p->raw.comm);
    check_text(p->raw.exe);
    check_text(p->args);
    check_text(p->raw.cwd);
    check_text(p->user);
    check_text(p->raw.carried.parent_exe);
    check_text(p->raw.carried.parent_args);
    check_text(p->raw.carried.container_id);
    check_text(p->raw.carried.container_name);
    check_text(p->raw.carried.container_image);
    check_text(p->raw.carried.pod_name);
    check_text(p->raw.carried.pod_namespace);
    check_text(p->context.thread_name);
    check_text(p->context.ename);

    record = pm_carried_process_to_process(p);
    FUZZ_CHECK(record != NULL && record->pid == p->raw.pid);
    pm_process_unref(record);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    guint8 flags = fuzz_byte(&in);
    gint32 darwin_pid = (gint32)(fuzz_byte(&in) | fuzz_byte(&in) << 8) - 1;
    char *comments[MAX_COMMENTS];
    guint n = 0;
    pm_carried_darwin darwin = { 0 };
    const pm_carried_process *placed[PM_CARRIED_SLOTS];
    pm_carried carried;
    gboolean found, any = FALSE;

    while (in.left > 0 && n < MAX_COMMENTS) {
        size_t len;
        const uint8_t *text = fuzz_until(&in, '\0', &len);
        comments[n++] = fuzz_strndup(text, len);
    }
    if (flags & 1) {
        darwin.present = TRUE;
        darwin.pid = darwin_pid;
        darwin.name = n > 0 ? comments[0] : NULL;
        darwin.has_effective = (flags & 2) != 0;
        darwin.epid = darwin_pid + 1;
        darwin.ename = n > 1 ? comments[1] : NULL;
    }

    darwin.unresolved = (flags & 32) != 0;
    found = pm_carried_parse((const char *const *)comments, n, (flags & 1) ? &darwin : NULL,
                             NULL, &carried);
    FUZZ_CHECK((carried.n_malformed > 0) == (carried.malformed != NULL));
    check_text(carried.malformed);
    for (int slot = 0; slot < PM_CARRIED_SLOTS; slot++) {
        check_process(&carried.process[slot]);
        any = any || carried.process[slot].present;
    }
    FUZZ_CHECK(found == any);
    FUZZ_CHECK(!found || (carried.kind > PM_CARRIED_NONE && carried.kind < PM_CARRIED_KIND_COUNT));

    pm_carried_place(&carried, (pm_direction)((flags >> 2) % 3), (flags & 16) != 0, placed);
    for (int slot = 0; slot < PM_CARRIED_SLOTS; slot++) {
        if (placed[slot] != NULL) {
            FUZZ_CHECK(placed[slot]->present);
            FUZZ_CHECK(placed[slot] >= carried.process
                       && placed[slot] < carried.process + PM_CARRIED_SLOTS);
        }
    }
    FUZZ_CHECK(!(placed[PM_CARRIED_EITHER] && (placed[PM_CARRIED_SRC] || placed[PM_CARRIED_DST])));

    pm_carried_clear(&carried);
    for (guint i = 0; i < n; i++)
        free(comments[i]);
    return 0;
}
