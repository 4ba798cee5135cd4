/* pcapng_writer.c - a small pcapng writer: one section, one interface.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pcapng_writer.h"

#include <errno.h>
#include <string.h>

#define BLOCK_SHB 0x0A0D0D0Au
#define BLOCK_IDB 0x00000001u
#define BLOCK_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define EPB_FLAGS 2
#define EPB_PROCESS_THREAD 8
#define OPT_CUSTOM_BINARY_COPY 2989
#define BLOCK_CUSTOM_COPY 0x00000BADu
/* An option's value is at most 65535 bytes; a longer comment is cut. */
#define OPTION_MAX 65532

struct pm_pcapng_writer {
    FILE      *stream;
    GByteArray *block;    /* the block being built, reused */
    gboolean   batching;
    guint64    written;   /* bytes of the blocks written */
};

static gboolean
write_failed(GError **error)
{
    int err = errno;

    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                "writing the capture failed: %s", g_strerror(err));
    return FALSE;
}

void
pm_pcapng_writer_set_batching(pm_pcapng_writer *writer, gboolean batching)
{
    writer->batching = batching;
}

gboolean
pm_pcapng_flush(pm_pcapng_writer *writer, GError **error)
{
    return fflush(writer->stream) == 0 || write_failed(error);
}

guint64
pm_pcapng_written(const pm_pcapng_writer *writer)
{
    return writer->written;
}

pm_pcapng_writer *
pm_pcapng_writer_new(FILE *stream)
{
    pm_pcapng_writer *writer = g_new0(pm_pcapng_writer, 1);

    writer->stream = stream;
    writer->block = g_byte_array_sized_new(4096);
    return writer;
}

void
pm_pcapng_writer_free(pm_pcapng_writer *writer)
{
    if (writer == NULL)
        return;
    g_byte_array_unref(writer->block);
    g_free(writer);
}

static void
put32(GByteArray *block, guint32 value)
{
    g_byte_array_append(block, (const guint8 *)&value, 4);
}

static void
put16(GByteArray *block, guint16 value)
{
    g_byte_array_append(block, (const guint8 *)&value, 2);
}

static void
pad4(GByteArray *block)
{
    static const guint8 zeros[4];

    if (block->len % 4)
        g_byte_array_append(block, zeros, 4 - block->len % 4);
}

static void
put_option(GByteArray *block, guint16 code, const void *value, gsize len)
{
    if (len > OPTION_MAX)
        len = OPTION_MAX;
    put16(block, code);
    put16(block, (guint16)len);
    g_byte_array_append(block, value, (guint)len);
    pad4(block);
}

static void
put_string_option(GByteArray *block, guint16 code, const char *text)
{
    if (text != NULL && *text)
        put_option(block, code, text, strlen(text));
}

static void
begin_block(pm_pcapng_writer *writer, guint32 type)
{
    g_byte_array_set_size(writer->block, 0);
    put32(writer->block, type);
    put32(writer->block, 0);     /* the length, known at the end */
}

/* Ends the options (if any were written: @options_start < len), patches the
 * lengths, writes and flushes. */
static gboolean
finish_block(pm_pcapng_writer *writer, guint options_start, GError **error)
{
    GByteArray *block = writer->block;
    guint32 total;

    if (block->len > options_start)
        put_option(block, OPT_ENDOFOPT, NULL, 0);
    total = block->len + 4;
    memcpy(block->data + 4, &total, 4);
    put32(block, total);
    if (fwrite(block->data, 1, block->len, writer->stream) != block->len ||
        (!writer->batching && fflush(writer->stream) != 0))
        return write_failed(error);
    writer->written += block->len;
    return TRUE;
}

gboolean
pm_pcapng_write_section(pm_pcapng_writer *writer, const char *application,
                        const char *comment, GError **error)
{
    guint options;

    begin_block(writer, BLOCK_SHB);
    put32(writer->block, BYTE_ORDER_MAGIC);
    put16(writer->block, 1);     /* version 1.0 */
    put16(writer->block, 0);
    put32(writer->block, 0xffffffffu);    /* section length: not given */
    put32(writer->block, 0xffffffffu);
    options = writer->block->len;
    put_string_option(writer->block, OPT_COMMENT, comment);
    put_string_option(writer->block, SHB_USERAPPL, application);
    return finish_block(writer, options, error);
}

gboolean
pm_pcapng_write_interface(pm_pcapng_writer *writer, int linktype, guint32 snaplen,
                          const char *name, const char *description, int tsresol_exponent,
                          GError **error)
{
    guint options;
    guint8 tsresol = (guint8)tsresol_exponent;

    begin_block(writer, BLOCK_IDB);
    put16(writer->block, (guint16)linktype);
    put16(writer->block, 0);
    put32(writer->block, snaplen);
    options = writer->block->len;
    put_string_option(writer->block, IF_NAME, name);
    put_string_option(writer->block, IF_DESCRIPTION, description);
    if (tsresol_exponent != 6)
        put_option(writer->block, IF_TSRESOL, &tsresol, 1);
    return finish_block(writer, options, error);
}

gboolean
pm_pcapng_write_packet(pm_pcapng_writer *writer, const pm_pcapng_packet *packet,
                       GError **error)
{
    static const guint8 zeros[4];
    guint options;

    begin_block(writer, BLOCK_EPB);
    put32(writer->block, 0);     /* interface 0 */
    put32(writer->block, (guint32)(packet->timestamp >> 32));
    put32(writer->block, (guint32)packet->timestamp);
    put32(writer->block, packet->captured_len);
    put32(writer->block, packet->original_len);
    g_byte_array_append(writer->block, packet->data, packet->captured_len);
    if (packet->captured_len % 4)
        g_byte_array_append(writer->block, zeros, 4 - packet->captured_len % 4);
    options = writer->block->len;
    for (guint i = 0; packet->comments != NULL && packet->comments[i] != NULL; i++)
        put_string_option(writer->block, OPT_COMMENT, packet->comments[i]);
    if (packet->flags != 0)
        put_option(writer->block, EPB_FLAGS, &packet->flags, 4);
    if (packet->has_process) {
        /* pid then tid: a u64 in the section's byte order whose pid is the
         * low half on a little-endian host, the high half on a big one. */
        guint32 ids[2] = { packet->process_id, packet->thread_id };
        put_option(writer->block, EPB_PROCESS_THREAD, ids, sizeof ids);
    }
    if (packet->custom_data != NULL && packet->custom_len <= OPTION_MAX - 4) {
        put16(writer->block, OPT_CUSTOM_BINARY_COPY);
        put16(writer->block, (guint16)(4 + packet->custom_len));
        put32(writer->block, packet->custom_pen);
        g_byte_array_append(writer->block, packet->custom_data, (guint)packet->custom_len);
        pad4(writer->block);
    }
    return finish_block(writer, options, error);
}

gboolean
pm_pcapng_write_custom_block(pm_pcapng_writer *writer, guint32 pen, const guint8 *data,
                             gsize len, GError **error)
{
    begin_block(writer, BLOCK_CUSTOM_COPY);
    put32(writer->block, pen);
    g_byte_array_append(writer->block, data, (guint)len);
    pad4(writer->block);
    /* No options: finish_block writes no end-of-options then. */
    return finish_block(writer, writer->block->len, error);
}
