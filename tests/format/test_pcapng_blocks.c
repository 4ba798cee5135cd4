/* test_pcapng_blocks.c - pcapng walked block by block (procmap add-records):
 * both byte orders, a packet's procmap references among other options, a
 * record block written and read back, and every malformed length refused.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "pcapng_blocks.h"

static void
put_u32(GByteArray *out, guint32 value, gboolean big_endian)
{
    guint32 raw = big_endian ? GUINT32_TO_BE(value) : GUINT32_TO_LE(value);

    g_byte_array_append(out, (const guint8 *)&raw, 4);
}

static void
put_u16(GByteArray *out, guint16 value, gboolean big_endian)
{
    guint16 raw = big_endian ? GUINT16_TO_BE(value) : GUINT16_TO_LE(value);

    g_byte_array_append(out, (const guint8 *)&raw, 2);
}

/* A block of @type around @body (a multiple of 4 bytes long). */
static void
put_block(GByteArray *out, guint32 type, const GByteArray *body, gboolean big_endian)
{
    put_u32(out, type, big_endian);
    put_u32(out, 12 + body->len, big_endian);
    g_byte_array_append(out, body->data, body->len);
    put_u32(out, 12 + body->len, big_endian);
}

static void
put_section(GByteArray *out, gboolean big_endian)
{
    GByteArray *body = g_byte_array_new();

    put_u32(body, 0x1A2B3C4D, big_endian);
    put_u16(body, 1, big_endian);
    put_u16(body, 0, big_endian);
    put_u32(body, 0xffffffffu, big_endian);     /* section length: -1 */
    put_u32(body, 0xffffffffu, big_endian);
    put_block(out, PM_PCAPNG_SHB, body, big_endian);
    g_byte_array_unref(body);
}

static void
put_option(GByteArray *body, guint16 code, const guint8 *value, guint16 len,
           gboolean big_endian)
{
    static const guint8 zeros[4] = { 0 };

    put_u16(body, code, big_endian);
    put_u16(body, len, big_endian);
    g_byte_array_append(body, value, len);
    g_byte_array_append(body, zeros, (4 - len % 4) % 4);
}

/* An enhanced packet block of 5 captured bytes with a comment, then
 * procmap's references (@src, @dst), then the end of options. */
static void
put_packet(GByteArray *out, guint8 run, guint32 src, guint32 dst, gboolean big_endian)
{
    static const guint8 data[8] = { 1, 2, 3, 4, 5, 0, 0, 0 };
    GByteArray *body = g_byte_array_new();
    guint8 refs[16], value[20];
    gsize refs_len = pm_record_refs_encode(run, src, dst, refs);
    guint32 pen = big_endian ? GUINT32_TO_BE(PM_PROCMAP_PEN) : GUINT32_TO_LE(PM_PROCMAP_PEN);

    put_u32(body, 0, big_endian);       /* interface */
    put_u32(body, 1, big_endian);
    put_u32(body, 2, big_endian);
    put_u32(body, 5, big_endian);       /* captured */
    put_u32(body, 5, big_endian);
    g_byte_array_append(body, data, sizeof data);
    put_option(body, 1, (const guint8 *)"a note", 6, big_endian);
    memcpy(value, &pen, 4);
    memcpy(value + 4, refs, refs_len);
    put_option(body, PM_PCAPNG_OPT_CUSTOM_BINARY, value, (guint16)(4 + refs_len), big_endian);
    put_u32(body, 0, big_endian);       /* opt_endofopt */
    put_block(out, PM_PCAPNG_EPB, body, big_endian);
    g_byte_array_unref(body);
}

static void
test_packet_refs_both_orders(void)
{
    for (int big_endian = 0; big_endian <= 1; big_endian++) {
        GByteArray *file = g_byte_array_new();
        pm_pcapng_block block;
        guint32 src = 0, dst = 0;
        guint8 run = 1;
        gsize used;
        const char *why;

        put_section(file, big_endian);
        put_packet(file, big_endian ? 9 : 0, 300, 2, big_endian);
        g_assert_cmpint(pm_pcapng_parse_block(file->data, file->len, !big_endian, &block, &used,
                                              &why), ==, PM_PCAPNG_BLOCK);
        g_assert_cmpuint(block.type, ==, PM_PCAPNG_SHB);
        g_assert_cmpint(block.big_endian, ==, big_endian);
        g_assert_cmpint(pm_pcapng_parse_block(file->data + used, file->len - used, big_endian,
                                              &block, &used, &why), ==, PM_PCAPNG_BLOCK);
        g_assert_cmpuint(block.type, ==, PM_PCAPNG_EPB);
        g_assert_true(pm_pcapng_block_refs(&block, &run, &src, &dst));
        g_assert_cmpuint(run, ==, (big_endian ? 9 : 0));
        g_assert_cmpuint(src, ==, 300);
        g_assert_cmpuint(dst, ==, 2);
        g_byte_array_unref(file);
    }
}

static void
test_record_block_round_trip(void)
{
    pm_process_record in = { .pid = 4242, .name = (char *)"curl", .ref = 7 }, out;
    GByteArray *data = g_byte_array_new();

    pm_process_record_encode(&in, data);
    for (int big_endian = 0; big_endian <= 1; big_endian++) {
        GByteArray *file = g_byte_array_new();
        pm_pcapng_block block;
        const guint8 *copied;
        gsize copied_len, used;
        const char *why;

        pm_pcapng_append_record_block(file, big_endian, data->data, data->len);
        g_assert_cmpint(pm_pcapng_parse_block(file->data, file->len, big_endian, &block, &used,
                                              &why), ==, PM_PCAPNG_BLOCK);
        g_assert_cmpuint(used, ==, file->len);
        g_assert_true(pm_pcapng_block_record(&block, &out, &copied, &copied_len));
        g_assert_cmpuint(out.pid, ==, 4242);
        g_assert_cmpuint(out.ref, ==, 7);
        g_assert_cmpstr(out.name, ==, "curl");
        g_assert_cmpmem(copied, copied_len, data->data, data->len);
        pm_process_record_clear(&out);
        /* Not a packet: no references. */
        g_assert_false(pm_pcapng_block_refs(&block, (guint8[1]){ 0 }, &in.pid, &in.pid));
        g_byte_array_unref(file);
    }
    g_byte_array_unref(data);
}

/* @bytes must be refused with a reason containing @reason. */
static void
assert_refused(const GByteArray *bytes, const char *reason)
{
    pm_pcapng_block block;
    gsize used = 99;
    const char *why = NULL;

    g_assert_cmpint(pm_pcapng_parse_block(bytes->data, bytes->len, FALSE, &block, &used, &why),
                    ==, PM_PCAPNG_MALFORMED);
    g_assert_nonnull(why);
    g_assert_nonnull(strstr(why, reason));
    g_assert_cmpuint(used, ==, 0);
}

static void
test_malformed_lengths(void)
{
    GByteArray *bytes = g_byte_array_new();
    guint8 *shb_magic;

    put_u32(bytes, PM_PCAPNG_EPB, FALSE);
    assert_refused(bytes, "ends inside");               /* 4 bytes */
    put_u32(bytes, 8, FALSE);
    put_u32(bytes, 8, FALSE);
    assert_refused(bytes, "shorter than its header");   /* length 8 */
    g_byte_array_set_size(bytes, 0);
    put_u32(bytes, PM_PCAPNG_EPB, FALSE);
    put_u32(bytes, 14, FALSE);
    put_u32(bytes, 14, FALSE);
    put_u32(bytes, 14, FALSE);
    assert_refused(bytes, "no multiple of 4");
    g_byte_array_set_size(bytes, 0);
    put_u32(bytes, PM_PCAPNG_EPB, FALSE);
    put_u32(bytes, 0xfffffff0u, FALSE);
    put_u32(bytes, 0, FALSE);
    assert_refused(bytes, "longer than 32 MiB");
    g_byte_array_set_size(bytes, 0);
    put_u32(bytes, PM_PCAPNG_EPB, FALSE);
    put_u32(bytes, 16, FALSE);
    put_u32(bytes, 0, FALSE);
    put_u32(bytes, 20, FALSE);
    assert_refused(bytes, "two lengths differ");
    g_byte_array_set_size(bytes, 0);
    put_u32(bytes, PM_PCAPNG_EPB, FALSE);
    put_u32(bytes, 64, FALSE);
    put_u32(bytes, 64, FALSE);
    assert_refused(bytes, "ends inside");               /* 12 of 64 bytes */
    g_byte_array_set_size(bytes, 0);
    put_section(bytes, FALSE);
    shb_magic = bytes->data + 8;
    shb_magic[0] = 0x00;
    assert_refused(bytes, "byte-order magic");
    g_byte_array_unref(bytes);
}

static void
test_packet_options_out_of_bounds(void)
{
    GByteArray *file = g_byte_array_new();
    pm_pcapng_block block;
    guint32 src, dst;
    guint8 run;
    gsize used;
    const char *why;

    put_packet(file, 0, 1, 2, FALSE);
    /* A captured length past the block: no options are read. */
    file->data[8 + 12] = 0xff;
    file->data[8 + 13] = 0xff;
    g_assert_cmpint(pm_pcapng_parse_block(file->data, file->len, FALSE, &block, &used, &why),
                    ==, PM_PCAPNG_BLOCK);
    g_assert_false(pm_pcapng_block_refs(&block, &run, &src, &dst));
    /* The comment option's length running past the block: nothing read. */
    file->data[8 + 12] = 5;
    file->data[8 + 13] = 0;
    file->data[8 + 20 + 8 + 2] = 0xf0;
    g_assert_false(pm_pcapng_block_refs(&block, &run, &src, &dst));
    file->data[8 + 20 + 8 + 2] = 6;
    g_assert_true(pm_pcapng_block_refs(&block, &run, &src, &dst));
    g_byte_array_unref(file);
}

/* The FILE reader: two sections of different byte orders, then a file cut
 * inside a block, and files that are no pcapng. */
static void
test_reader(void)
{
    GByteArray *file = g_byte_array_new();
    pm_pcapng_reader reader;
    pm_pcapng_block block;
    const char *why;
    guint32 src, dst;
    guint8 run;
    FILE *stream;
    static const struct {
        const char *head;
        gsize len;
        const char *why;
    } not_pcapng[] = {
        { "\x1f\x8b\x08\x00\x00\x00\x00\x00", 8, "compressed" },
        { "\xd4\xc3\xb2\xa1\x02\x00\x04\x00", 8, "a pcap file" },
        { "hello, world", 12, "not a pcapng file" },
        { "", 0, "an empty file" },
    };

    put_section(file, FALSE);
    put_packet(file, 0, 1, 0, FALSE);
    put_section(file, TRUE);
    put_packet(file, 0, 0, 9, TRUE);
    g_byte_array_set_size(file, file->len + 4);  /* then 4 bytes of a block */
    stream = fmemopen(file->data, file->len, "rb");
    pm_pcapng_reader_init(&reader, stream);
    for (int big_endian = 0; big_endian <= 1; big_endian++) {
        g_assert_cmpint(pm_pcapng_read_block(&reader, &block, &why), ==, PM_PCAPNG_BLOCK);
        g_assert_cmpuint(block.type, ==, PM_PCAPNG_SHB);
        g_assert_cmpint(pm_pcapng_read_block(&reader, &block, &why), ==, PM_PCAPNG_BLOCK);
        g_assert_cmpint(block.big_endian, ==, big_endian);
        g_assert_true(pm_pcapng_block_refs(&block, &run, &src, &dst));
        g_assert_cmpuint(big_endian ? dst : src, ==, big_endian ? 9 : 1);
    }
    g_assert_cmpint(pm_pcapng_read_block(&reader, &block, &why), ==, PM_PCAPNG_MALFORMED);
    g_assert_cmpstr(why, ==, "the file ends inside a block");
    pm_pcapng_reader_clear(&reader);
    fclose(stream);

    for (gsize i = 0; i < G_N_ELEMENTS(not_pcapng); i++) {
        char empty[1];

        stream = not_pcapng[i].len ? fmemopen((void *)not_pcapng[i].head, not_pcapng[i].len,
                                              "rb")
                                   : fmemopen(empty, sizeof empty, "r");
        if (not_pcapng[i].len == 0)
            (void)fgetc(stream);                /* at the end */
        pm_pcapng_reader_init(&reader, stream);
        g_assert_cmpint(pm_pcapng_read_block(&reader, &block, &why), ==, PM_PCAPNG_MALFORMED);
        g_assert_nonnull(strstr(why, not_pcapng[i].why));
        pm_pcapng_reader_clear(&reader);
        fclose(stream);
    }
    g_byte_array_unref(file);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pcapng_blocks/packet_refs_both_orders", test_packet_refs_both_orders);
    g_test_add_func("/pcapng_blocks/record_block_round_trip", test_record_block_round_trip);
    g_test_add_func("/pcapng_blocks/malformed_lengths", test_malformed_lengths);
    g_test_add_func("/pcapng_blocks/packet_options_out_of_bounds",
                    test_packet_options_out_of_bounds);
    g_test_add_func("/pcapng_blocks/reader", test_reader);
    return g_test_run();
}
