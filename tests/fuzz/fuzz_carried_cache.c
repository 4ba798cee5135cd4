/* fuzz_carried_cache.c - the plugin glue that keys carried comments
 * (plugin/epan/carried_cache.c): sets of comments looked up one after the
 * other in a cache with a tiny budget, so that sets are forgotten and
 * parsed again all the time.
 *
 * Input: a byte for the budget, then lookups, each a byte (how many
 * comments, whether to look the previous id up again, whether a tag
 * follows) followed by NUL-separated comments, then if so the tag up to a
 * NUL: its kind (a byte), its id (4 bytes), its name.
 *
 * A set found in the cache reads exactly as a fresh parse of the same
 * comments; a set that names no process and holds nothing wrong has no id; the cache stays within
 * its entries; a kept id finds the same entry, a forgotten one none.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "carried_cache.h"

#define LOOKUPS_MAX 32
#define COMMENTS_MAX 6

static void
same_parse(const pm_carried_entry *entry, char **comments, guint n, const pm_carried_tag *tag)
{
    pm_carried fresh;
    gboolean names;

    names = pm_carried_parse((const char *const *)comments, n, NULL, tag, &fresh);
    FUZZ_CHECK((names || fresh.n_malformed > 0 || fresh.unresolved) == (entry != NULL));
    if (entry != NULL) {
        FUZZ_CHECK(fresh.kind == entry->parsed.kind);
        for (int slot = 0; slot < PM_CARRIED_SLOTS; slot++) {
            FUZZ_CHECK(fresh.process[slot].present == entry->parsed.process[slot].present);
            FUZZ_CHECK(fresh.process[slot].raw.pid == entry->parsed.process[slot].raw.pid);
            FUZZ_CHECK(g_strcmp0(fresh.process[slot].raw.exe,
                                 entry->parsed.process[slot].raw.exe) == 0);
            FUZZ_CHECK(g_strcmp0(fresh.process[slot].raw.name,
                                 entry->parsed.process[slot].raw.name) == 0);
            FUZZ_CHECK(fresh.process[slot].raw.uid == entry->parsed.process[slot].raw.uid);
            FUZZ_CHECK((entry->process[slot] != NULL) == entry->parsed.process[slot].present);
        }
    }
    pm_carried_clear(&fresh);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    guint8 budget = fuzz_byte(&in);
    guint max_entries = 1 + budget % 4;
    pm_carried_cache *cache = pm_carried_cache_new(max_entries, 64 + (budget >> 2) * 64u);
    guint32 previous = 0;
    const pm_carried_entry *previous_entry = NULL;

    for (int l = 0; l < LOOKUPS_MAX && in.left > 0; l++) {
        guint8 choice = fuzz_byte(&in);
        guint n = choice % (COMMENTS_MAX + 1);
        char *comments[COMMENTS_MAX];
        const pm_carried_entry *entry;
        guint32 id;
        pm_carried_tag tag = { 0 };
        char *tag_bytes = NULL;

        if ((choice & 0x80) && previous != 0) {
            /* The previous set, by id: the same entry while it is kept. */
            const pm_carried_entry *again = pm_carried_cache_get(cache, previous);

            FUZZ_CHECK(again == NULL || again == previous_entry);
            FUZZ_CHECK((again != NULL) == pm_carried_cache_contains(cache, previous));
        }
        for (guint i = 0; i < n; i++) {
            size_t len;
            const uint8_t *text = fuzz_until(&in, '\0', &len);

            comments[i] = fuzz_strndup(text, len);
        }
        if (choice & 0x40) {
            /* A trailer's or PCAPdroid's tag (carried_trailer.h). */
            static const pm_carried_kind kinds[] = { PM_CARRIED_PCAPDROID, PM_CARRIED_TCPSHARK,
                                                     PM_CARRIED_ECAPTURE };
            size_t len;
            const uint8_t *text = fuzz_until(&in, '\0', &len);

            tag_bytes = fuzz_copy(text, len);
            tag.kind = len > 0 ? kinds[(guint8)tag_bytes[0] % 3] : PM_CARRIED_PCAPDROID;
            tag.has_id = len >= 5;
            if (tag.has_id)
                memcpy(&tag.id, tag_bytes + 1, 4);
            else
                tag.malformed = "a truncated trailer";
            tag.name = len > 5 ? tag_bytes + 5 : NULL;
            tag.name_len = len > 5 ? len - 5 : 0;
        }
        entry = pm_carried_cache_lookup(cache, (const char *const *)comments, n, NULL,
                                        (choice & 0x40) ? &tag : NULL, &id);
        FUZZ_CHECK((entry != NULL) == (id != 0));
        FUZZ_CHECK(pm_carried_cache_size(cache) <= max_entries);
        if (n > 0 || (choice & 0x40))
            same_parse(entry, comments, n, (choice & 0x40) ? &tag : NULL);
        if (entry != NULL) {
            FUZZ_CHECK(pm_carried_cache_contains(cache, id));
            FUZZ_CHECK(pm_carried_cache_get(cache, id) == entry);
        }
        previous = id;
        previous_entry = entry;
        for (guint i = 0; i < n; i++)
            free(comments[i]);
        free(tag_bytes);
    }
    pm_carried_cache_free(cache);
    return 0;
}
