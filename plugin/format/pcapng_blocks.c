/* pcapng_blocks.c - a pcapng file block by block (pcapng_blocks.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pcapng_blocks.h"

#include <errno.h>
#include <string.h>

#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define CUSTOM_BLOCK_NO_COPY 0x40000BADu
#define SHB_MIN_LEN 28u
#define EPB_FIXED_LEN 20u       /* interface, timestamp (2), captured, original */

static guint32
u32_at(const guint8 *p, gboolean big_endian)
{
    guint32 value;

    memcpy(&value, p, sizeof value);
    return big_endian ? GUINT32_FROM_BE(value) : GUINT32_FROM_LE(value);
}

static guint16
u16_at(const guint8 *p, gboolean big_endian)
{
    guint16 value;

    memcpy(&value, p, sizeof value);
    return big_endian ? GUINT16_FROM_BE(value) : GUINT16_FROM_LE(value);
}

static void
append_u32(GByteArray *out, guint32 value, gboolean big_endian)
{
    guint32 raw = big_endian ? GUINT32_TO_BE(value) : GUINT32_TO_LE(value);

    g_byte_array_append(out, (const guint8 *)&raw, sizeof raw);
}

/* The byte order a section header's magic (at @magic) says; FALSE if it is
 * no magic. */
static gboolean
section_order(const guint8 *magic, gboolean *big_endian)
{
    static const guint8 little[4] = { 0x4D, 0x3C, 0x2B, 0x1A };
    static const guint8 big[4] = { 0x1A, 0x2B, 0x3C, 0x4D };

    if (memcmp(magic, little, 4) == 0)
        *big_endian = FALSE;
    else if (memcmp(magic, big, 4) == 0)
        *big_endian = TRUE;
    else
        return FALSE;
    return TRUE;
}

/* The length a block's header (8 bytes, 12 for a section header) gives,
 * checked; 0 and *@why if it cannot be. */
static guint32
checked_length(const guint8 *header, gboolean big_endian, const char **why)
{
    guint32 type = u32_at(header, big_endian);
    guint32 total = u32_at(header + 4, big_endian);

    if (total < 12 || (type == PM_PCAPNG_SHB && total < SHB_MIN_LEN)) {
        *why = "a block shorter than its header";
        return 0;
    }
    if (total % 4 != 0) {
        *why = "a block length that is no multiple of 4";
        return 0;
    }
    if (total > PM_PCAPNG_BLOCK_MAX) {
        *why = "a block longer than 32 MiB";
        return 0;
    }
    return total;
}

pm_pcapng_result
pm_pcapng_parse_block(const guint8 *data, gsize len, gboolean big_endian,
                      pm_pcapng_block *block, gsize *used, const char **why)
{
    guint32 total;

    *why = NULL;
    *used = 0;
    if (len == 0)
        return PM_PCAPNG_END;
    if (len < 12) {
        *why = "the file ends inside a block";
        return PM_PCAPNG_MALFORMED;
    }
    /* A section header's type reads the same either way round. */
    if (u32_at(data, FALSE) == PM_PCAPNG_SHB && !section_order(data + 8, &big_endian)) {
        *why = "a section header with no byte-order magic";
        return PM_PCAPNG_MALFORMED;
    }
    total = checked_length(data, big_endian, why);
    if (total == 0)
        return PM_PCAPNG_MALFORMED;
    if (total > len) {
        *why = "the file ends inside a block";
        return PM_PCAPNG_MALFORMED;
    }
    if (u32_at(data + total - 4, big_endian) != total) {
        *why = "a block whose two lengths differ";
        return PM_PCAPNG_MALFORMED;
    }
    block->type = u32_at(data, big_endian);
    block->bytes = data;
    block->len = total;
    block->big_endian = big_endian;
    *used = total;
    return PM_PCAPNG_BLOCK;
}

void
pm_pcapng_reader_init(pm_pcapng_reader *reader, FILE *stream)
{
    memset(reader, 0, sizeof *reader);
    reader->stream = stream;
    reader->buffer = g_byte_array_new();
}

void
pm_pcapng_reader_clear(pm_pcapng_reader *reader)
{
    if (reader->buffer != NULL)
        g_byte_array_unref(reader->buffer);
    reader->buffer = NULL;
}

/* Reads @len bytes to the buffer's end: the result if not all came. */
static pm_pcapng_result
read_more(pm_pcapng_reader *reader, gsize len, const char **why)
{
    guint offset = reader->buffer->len;
    gsize got;

    g_byte_array_set_size(reader->buffer, offset + (guint)len);
    got = fread(reader->buffer->data + offset, 1, len, reader->stream);
    if (got == len)
        return PM_PCAPNG_BLOCK;
    if (ferror(reader->stream))
        return PM_PCAPNG_READ_ERROR;
    *why = "the file ends inside a block";
    return PM_PCAPNG_MALFORMED;
}

/* What the first bytes of a file that is no pcapng are, for the message. */
static const char *
not_pcapng(const guint8 *head)
{
    static const guint8 gzip[2] = { 0x1f, 0x8b };
    guint32 magic = u32_at(head, FALSE);

    if (memcmp(head, gzip, 2) == 0)
        return "a compressed file (not read here: decompress it first)";
    if (magic == 0xa1b2c3d4u || magic == 0xd4c3b2a1u || magic == 0xa1b23c4du ||
        magic == 0x4d3cb2a1u)
        return "a pcap file, not pcapng (pcap holds no process records)";
    return "not a pcapng file (it does not start with a section header)";
}

pm_pcapng_result
pm_pcapng_read_block(pm_pcapng_reader *reader, pm_pcapng_block *block, const char **why)
{
    pm_pcapng_result result;
    gboolean big_endian = reader->big_endian;
    guint32 total;
    gsize used;

    *why = NULL;
    g_byte_array_set_size(reader->buffer, 0);
    g_byte_array_set_size(reader->buffer, 8);
    used = fread(reader->buffer->data, 1, 8, reader->stream);
    if (used < 8) {
        if (ferror(reader->stream))
            return PM_PCAPNG_READ_ERROR;
        if (used == 0 && reader->in_section)
            return PM_PCAPNG_END;
        *why = used == 0 ? "an empty file"
               : reader->in_section ? "the file ends inside a block" : "not a pcapng file";
        return PM_PCAPNG_MALFORMED;
    }
    if (u32_at(reader->buffer->data, FALSE) == PM_PCAPNG_SHB) {
        result = read_more(reader, 4, why);
        if (result != PM_PCAPNG_BLOCK)
            return result;
        if (!section_order(reader->buffer->data + 8, &big_endian)) {
            *why = "a section header with no byte-order magic";
            return PM_PCAPNG_MALFORMED;
        }
    } else if (!reader->in_section) {
        *why = not_pcapng(reader->buffer->data);
        return PM_PCAPNG_MALFORMED;
    }
    total = checked_length(reader->buffer->data, big_endian, why);
    if (total == 0)
        return PM_PCAPNG_MALFORMED;
    result = read_more(reader, total - reader->buffer->len, why);
    if (result != PM_PCAPNG_BLOCK)
        return result;
    result = pm_pcapng_parse_block(reader->buffer->data, reader->buffer->len, big_endian,
                                   block, &used, why);
    if (result == PM_PCAPNG_BLOCK && block->type == PM_PCAPNG_SHB) {
        reader->big_endian = big_endian;
        reader->in_section = TRUE;
    }
    return result;
}

gboolean
pm_pcapng_block_record(const pm_pcapng_block *block, pm_process_record *out,
                       const guint8 **data, gsize *data_len)
{
    const char *malformed;

    memset(out, 0, sizeof *out);
    if ((block->type != PM_PIB_BLOCK_TYPE && block->type != CUSTOM_BLOCK_NO_COPY) ||
        block->len < 16 || u32_at(block->bytes + 8, block->big_endian) != PM_PIB_PEN)
        return FALSE;
    *data = block->bytes + 12;
    *data_len = block->len - 16;
    if (pm_process_record_parse(*data, *data_len, out, &malformed) == PM_RECORD_PROCESS)
        return TRUE;
    pm_process_record_clear(out);
    return FALSE;
}

gboolean
pm_pcapng_block_refs(const pm_pcapng_block *block, guint8 *run, guint32 *src_ref,
                     guint32 *dst_ref)
{
    const guint8 *end, *option;
    guint64 options_at;

    if (block->type != PM_PCAPNG_EPB || block->len < 8 + EPB_FIXED_LEN + 4)
        return FALSE;
    /* The options follow the captured bytes, padded to 4. */
    options_at = 8 + EPB_FIXED_LEN +
                 (((guint64)u32_at(block->bytes + 8 + 12, block->big_endian) + 3u) & ~3ull);
    if (options_at > block->len - 4)
        return FALSE;
    end = block->bytes + block->len - 4;
    option = block->bytes + options_at;
    while (option + 4 <= end) {
        guint16 code = u16_at(option, block->big_endian);
        guint16 len = u16_at(option + 2, block->big_endian);
        const guint8 *value = option + 4;

        if (code == 0 || (gsize)(end - value) < len)
            break;
        if (code == PM_PCAPNG_OPT_CUSTOM_BINARY && len >= 4 &&
            u32_at(value, block->big_endian) == PM_PROCMAP_PEN)
            return pm_record_refs_parse(value + 4, len - 4u, run, src_ref, dst_ref);
        option = value + ((len + 3u) & ~3u);
    }
    return FALSE;
}

void
pm_pcapng_append_record_block(GByteArray *out, gboolean big_endian, const guint8 *data,
                              gsize data_len)
{
    static const guint8 zeros[4] = { 0 };
    gsize padding = (4 - data_len % 4) % 4;
    guint32 total = (guint32)(16 + data_len + padding);

    append_u32(out, PM_PIB_BLOCK_TYPE, big_endian);
    append_u32(out, total, big_endian);
    append_u32(out, PM_PIB_PEN, big_endian);
    g_byte_array_append(out, data, (guint)data_len);
    g_byte_array_append(out, zeros, (guint)padding);
    append_u32(out, total, big_endian);
}
