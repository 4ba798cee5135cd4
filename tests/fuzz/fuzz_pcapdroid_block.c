/* fuzz_pcapdroid_block.c - PCAPdroid's pcapng extensions (carried_trailer.h):
 * the data of a custom block with PEN 62652 (a uid map entry, either byte
 * order) and a packet comment "u-<uid>", and the app carried.c makes of
 * them.
 *
 * Input: a flags byte (bit 0: the comment is looked up in the entry read),
 * the comment up to a NUL byte, then the block's data (an exact-size copy).
 *
 * An entry read lies inside the data; a malformed block is described; the
 * app's texts become NULL or non-empty valid UTF-8 without control
 * characters.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "carried_trailer.h"

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
    fuzz_input in = { data, size };
    guint8 flags = fuzz_byte(&in);
    size_t comment_len;
    const uint8_t *comment_bytes = fuzz_until(&in, '\0', &comment_len);
    char *comment = fuzz_strndup(comment_bytes, comment_len);
    guint8 *block = (guint8 *)fuzz_copy(in.p, in.left);
    size_t block_len = in.left;
    pm_pcapdroid_uid_entry entry;
    const char *malformed = "unset";
    gboolean read = pm_pcapdroid_block_read(block, block_len, &entry, &malformed);
    guint32 uid = 0;
    gboolean has_uid = pm_pcapdroid_comment_uid(comment, &uid);
    pm_carried_tag tag = { 0 };
    pm_carried carried;

    if (read) {
        FUZZ_CHECK(malformed == NULL);
        FUZZ_CHECK((const guint8 *)entry.package >= block + 10);
        FUZZ_CHECK((const guint8 *)entry.app == (const guint8 *)entry.package + entry.package_len);
        FUZZ_CHECK((const guint8 *)entry.app + entry.app_len <= block + block_len);
    } else {
        FUZZ_CHECK(malformed == NULL || *malformed != '\0');
        FUZZ_CHECK(entry.package == NULL && entry.app == NULL);
    }
    if (has_uid) {
        FUZZ_CHECK(comment_len >= 3 && comment[0] == 'u' && comment[1] == '-');
        for (size_t i = 2; i < comment_len; i++)
            FUZZ_CHECK(g_ascii_isdigit(comment[i]));
    }

    tag.kind = PM_CARRIED_PCAPDROID;
    tag.has_id = has_uid;
    tag.id = uid;
    tag.malformed = malformed;
    if (read && (flags & 1)) {
        tag.name = entry.app;
        tag.name_len = entry.app_len;
        tag.package = entry.package;
        tag.package_len = entry.package_len;
    }
    if (pm_carried_parse((const char *const *)&comment, 1, NULL, &tag, &carried) &&
        carried.kind == PM_CARRIED_PCAPDROID) {
        const pm_carried_process *p = &carried.process[PM_CARRIED_EITHER];

        FUZZ_CHECK(has_uid && p->present && p->raw.pid == -1 && p->raw.uid == uid);
        check_text(p->raw.name);
        check_text(p->raw.carried.package);
    }
    FUZZ_CHECK((carried.n_malformed > 0) == (carried.malformed != NULL));
    pm_carried_clear(&carried);
    free(block);
    free(comment);
    return 0;
}
