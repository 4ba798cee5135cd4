/* fuzz_pcapng_blocks.c - a pcapng file walked block by block as
 * `procmap add-records` reads its two inputs (pcapng_blocks.h): from
 * memory and through the FILE reader, each block's record and packet
 * references.
 *
 * Input: a flags byte (bit 0: the byte order before any section header is
 * big-endian), then the file.
 *
 * Every block read lies inside the input, is a multiple of 4 and at least
 * 12 bytes long; the FILE reader reads the same blocks as the memory walk
 * while the file starts with a section header; a record read has a number
 * or none, and a block holds a record or references, never both.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include <stdio.h>
#include <string.h>

#include "pcapng_blocks.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    gboolean big_endian = (fuzz_byte(&in) & 1) != 0;
    guint8 *copy = (guint8 *)fuzz_copy(in.p, in.left);
    size_t len = in.left, offset = 0;
    GArray *lengths = g_array_new(FALSE, FALSE, sizeof(gsize));
    pm_pcapng_block block;
    const char *why;
    gsize used;

    while (offset < len) {
        pm_process_record record;
        const guint8 *record_data;
        gsize record_len;
        guint32 src, dst;
        guint8 run;
        gboolean is_record, has_refs;

        if (pm_pcapng_parse_block(copy + offset, len - offset, big_endian, &block, &used,
                                  &why) != PM_PCAPNG_BLOCK) {
            FUZZ_CHECK(why != NULL && used == 0);
            break;
        }
        FUZZ_CHECK(used >= 12 && used % 4 == 0 && used <= len - offset);
        FUZZ_CHECK(block.bytes == copy + offset && block.len == used);
        if (block.type == PM_PCAPNG_SHB)
            big_endian = block.big_endian;
        is_record = pm_pcapng_block_record(&block, &record, &record_data, &record_len);
        if (is_record) {
            FUZZ_CHECK(record_data >= block.bytes &&
                       record_data + record_len <= block.bytes + block.len);
            pm_process_record_clear(&record);
        }
        has_refs = pm_pcapng_block_refs(&block, &run, &src, &dst);
        FUZZ_CHECK(!(is_record && has_refs));
        g_array_append_val(lengths, used);
        offset += used;
    }

    /* The FILE reader: the same blocks, from a file that starts with a
     * section header. */
    if (len >= 4 && memcmp(copy, "\x0a\x0d\x0d\x0a", 4) == 0) {
        FILE *stream = fmemopen(copy, len, "rb");
        pm_pcapng_reader reader;
        guint read = 0;
        pm_pcapng_result result;

        pm_pcapng_reader_init(&reader, stream);
        while ((result = pm_pcapng_read_block(&reader, &block, &why)) == PM_PCAPNG_BLOCK) {
            FUZZ_CHECK(read < lengths->len && block.len == g_array_index(lengths, gsize, read));
            read++;
        }
        FUZZ_CHECK(result != PM_PCAPNG_READ_ERROR);
        FUZZ_CHECK(read == lengths->len);
        pm_pcapng_reader_clear(&reader);
        fclose(stream);
    }
    g_array_unref(lengths);
    free(copy);
    return 0;
}
