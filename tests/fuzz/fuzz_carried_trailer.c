/* fuzz_carried_trailer.c - the trailers capture tools put after an Ethernet
 * frame's IP packet (PCAPdroid, tcpshark, eCapture: carried_trailer.h), and
 * what carried.c makes of them.
 *
 * Input: the frame, as it is (an exact-size copy).
 *
 * A trailer found lies inside the frame, after its IP packet; its texts
 * become NULL or non-empty valid UTF-8 without control characters; a
 * PCAPdroid app has no pid and a uid, a tcpshark or eCapture process a pid
 * in 1..2^31-1.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "carried_trailer.h"

static void
check_inside(const char *text, gsize len, const guint8 *frame, gsize size, gsize ip_end)
{
    if (text == NULL)
        return;
    FUZZ_CHECK((const guint8 *)text >= frame + ip_end);
    FUZZ_CHECK((const guint8 *)text + len <= frame + size);
}

static void
check_text(const char *text)
{
    if (text == NULL)
        return;
    FUZZ_CHECK(*text != '\0');
    FUZZ_CHECK(g_utf8_validate(text, -1, NULL));
    for (const char *p = text; *p; p++)
        FUZZ_CHECK((guchar)*p >= 0x20 && *p != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *frame = (guint8 *)fuzz_copy(data, size);
    pm_carried_tag tag;
    pm_carried carried;
    gsize ip_end = 0;
    gboolean has_ip_end = pm_ethernet_ip_end(frame, size, &ip_end);
    gboolean found = pm_trailer_read(frame, size, &tag);

    FUZZ_CHECK(!has_ip_end || (ip_end > 14 && ip_end < size));
    FUZZ_CHECK(!found || has_ip_end);
    if (!found) {
        FUZZ_CHECK(tag.kind == PM_CARRIED_NONE && !tag.has_id && tag.malformed == NULL);
    } else {
        FUZZ_CHECK(tag.kind == PM_CARRIED_PCAPDROID || tag.kind == PM_CARRIED_TCPSHARK ||
                   tag.kind == PM_CARRIED_ECAPTURE);
        FUZZ_CHECK(tag.has_id != (tag.malformed != NULL));
        check_inside(tag.name, tag.name_len, frame, size, ip_end);
        check_inside(tag.args, tag.args_len, frame, size, ip_end);
        FUZZ_CHECK(tag.package == NULL);
    }

    if (pm_carried_parse(NULL, 0, NULL, found ? &tag : NULL, &carried)) {
        const pm_carried_process *p = &carried.process[PM_CARRIED_EITHER];
        pm_process *record;

        FUZZ_CHECK(found && tag.has_id && carried.kind == tag.kind && p->present);
        if (tag.kind == PM_CARRIED_PCAPDROID)
            FUZZ_CHECK(p->raw.pid == -1 && p->raw.has_uid && p->raw.uid == tag.id);
        else
            FUZZ_CHECK(p->raw.pid > 0 && (guint32)p->raw.pid == tag.id);
        check_text(p->raw.name);
        check_text(p->raw.comm);
        check_text(p->args);
        check_text(p->raw.carried.package);
        record = pm_carried_process_to_process(p);
        FUZZ_CHECK(record != NULL && record->pid == p->raw.pid);
        pm_process_unref(record);
    }
    FUZZ_CHECK((carried.n_malformed > 0) == (carried.malformed != NULL));
    FUZZ_CHECK(!found || tag.malformed == NULL || carried.n_malformed > 0);
    pm_carried_clear(&carried);
    free(frame);
    return 0;
}
