/* test_pcapng_writer.c - the blocks the writer produces, byte for byte.
 * (That Wireshark reads them is the protocol test's part.)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pcapng_writer.h"

#include <string.h>

static guint32
u32_at(const guint8 *p)
{
    guint32 v;

    memcpy(&v, p, 4);
    return v;
}

static guint16
u16_at(const guint8 *p)
{
    guint16 v;

    memcpy(&v, p, 2);
    return v;
}

/* Walks the options from @p to the block's trailing length; counts each
 * code and returns the value of the last of @code. */
static const guint8 *
find_option(const guint8 *p, const guint8 *end, guint16 code, guint *count, guint16 *len)
{
    const guint8 *found = NULL;

    *count = 0;
    while (p + 4 <= end) {
        guint16 c = u16_at(p), l = u16_at(p + 2);

        if (c == 0)
            break;
        if (c == code) {
            (*count)++;
            found = p + 4;
            *len = l;
        }
        p += 4 + ((l + 3u) & ~3u);
    }
    return found;
}

static void
test_blocks(void)
{
    char *buffer = NULL;
    gsize size = 0;
    FILE *stream = open_memstream(&buffer, &size);
    pm_pcapng_writer *writer = pm_pcapng_writer_new(stream);
    const char *comments[] = { "procmap-src\nPID: 1", "PID: 1\nCmd: \nArgs: ", NULL };
    const guint8 data[5] = { 1, 2, 3, 4, 5 };
    pm_pcapng_packet packet = {
        .timestamp = G_GUINT64_CONSTANT(1700000000123456789), .data = data,
        .captured_len = 5, .original_len = 60, .comments = comments, .flags = 2,
    };
    const guint8 *p, *block, *value;
    guint count;
    guint16 len = 0;

    g_assert_true(pm_pcapng_write_section(writer, "procmap-capture 0.1", "note", NULL));
    g_assert_true(pm_pcapng_write_interface(writer, 1, 262144, "lo", "procmap: lo", 9, NULL));
    g_assert_true(pm_pcapng_write_packet(writer, &packet, NULL));
    packet.comments = NULL;
    packet.flags = 0;
    g_assert_true(pm_pcapng_write_packet(writer, &packet, NULL));
    g_assert_cmpint(fflush(stream), ==, 0);

    p = (const guint8 *)buffer;
    /* SHB: type, length at both ends, byte-order magic, version 1.0. */
    g_assert_cmphex(u32_at(p), ==, 0x0A0D0D0A);
    g_assert_cmphex(u32_at(p + 8), ==, 0x1A2B3C4D);
    g_assert_cmpuint(u16_at(p + 12), ==, 1);
    g_assert_cmpuint(u32_at(p + 4), ==, u32_at(p + u32_at(p + 4) - 4));
    value = find_option(p + 24, p + u32_at(p + 4) - 4, 1, &count, &len);
    g_assert_cmpuint(count, ==, 1);
    g_assert_cmpmem(value, len, "note", 4);
    p += u32_at(p + 4);
    /* IDB: link type 1, snaplen, if_tsresol 9. */
    g_assert_cmphex(u32_at(p), ==, 1);
    g_assert_cmpuint(u16_at(p + 8), ==, 1);
    g_assert_cmpuint(u32_at(p + 12), ==, 262144);
    value = find_option(p + 16, p + u32_at(p + 4) - 4, 9, &count, &len);
    g_assert_cmpuint(count, ==, 1);
    g_assert_cmpuint(len, ==, 1);
    g_assert_cmpuint(value[0], ==, 9);
    p += u32_at(p + 4);
    /* EPB: timestamp halves, lengths, padded data, two comments, flags. */
    block = p;
    g_assert_cmphex(u32_at(p), ==, 6);
    g_assert_cmpuint(((guint64)u32_at(p + 12) << 32) | u32_at(p + 16), ==,
                     G_GUINT64_CONSTANT(1700000000123456789));
    g_assert_cmpuint(u32_at(p + 20), ==, 5);
    g_assert_cmpuint(u32_at(p + 24), ==, 60);
    g_assert_cmpmem(p + 28, 5, data, 5);
    g_assert_cmpuint(u32_at(p + 4) % 4, ==, 0);
    (void)find_option(p + 28 + 8, p + u32_at(p + 4) - 4, 1, &count, &len);
    g_assert_cmpuint(count, ==, 2);
    value = find_option(p + 28 + 8, p + u32_at(p + 4) - 4, 2, &count, &len);
    g_assert_cmpuint(count, ==, 1);
    g_assert_cmpuint(u32_at(value), ==, 2);
    p += u32_at(p + 4);
    /* Without options: no end-of-options either, 28 + 8 + 4 bytes. */
    g_assert_cmpuint(u32_at(p + 4), ==, 40);
    g_assert_true(p + 40 == (const guint8 *)buffer + size);
    (void)block;

    pm_pcapng_writer_free(writer);
    fclose(stream);
    free(buffer);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/extcap/pcapng/blocks", test_blocks);
    return g_test_run();
}
