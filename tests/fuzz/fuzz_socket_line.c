/* fuzz_socket_line.c - one line of /proc/net/{tcp,tcp6,udp,udp6}, and the
 * hex address fields alone.
 *
 * Input: a selector byte (bit 0: the line is from a v6 table, bit 1: written
 * by a big-endian host), then the line.  A line that parses is printed back
 * the way the kernel prints it and must parse to the same socket.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "procfs_parse.h"

static const guint8 v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* The kernel's "%08X" of each address word as the writing host loads it. */
static void
append_hex_address(GString *out, const pm_addr *addr, gboolean v6_table, int byte_order)
{
    guint8 bytes[16];
    int words = v6_table ? 4 : 1;

    if (v6_table && addr->family == PM_AF_INET) {
        memcpy(bytes, v4_mapped_prefix, 12);
        memcpy(bytes + 12, addr->bytes, 4);
    } else {
        memcpy(bytes, addr->bytes, 16);
    }
    for (int w = 0; w < words; w++) {
        const guint8 *b = bytes + 4 * w;
        guint32 word = byte_order == G_BIG_ENDIAN
                           ? (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3]
                           : (guint32)b[3] << 24 | (guint32)b[2] << 16 | (guint32)b[1] << 8 | b[0];
        g_string_append_printf(out, "%08X", word);
    }
}

static void
check_round_trip(const pm_socket *s, gboolean v6_table, int byte_order)
{
    GString *line = g_string_new("   0: ");
    pm_socket again;

    append_hex_address(line, &s->local.addr, v6_table, byte_order);
    g_string_append_printf(line, ":%04X ", s->local.port);
    append_hex_address(line, &s->remote.addr, v6_table, byte_order);
    g_string_append_printf(line, ":%04X %02X 00000000:00000000 00:00000000 00000000 %5u "
                           "       0 %" G_GUINT64_FORMAT " 1 0000000000000000 100 0 0 10 0",
                           s->remote.port, s->state, s->uid, s->inode);
    FUZZ_CHECK(pm_parse_socket_line(line->str, line->len, v6_table, byte_order, &again)
               == PM_PARSE_OK);
    FUZZ_CHECK(pm_endpoint_equal(&again.local, &s->local));
    FUZZ_CHECK(pm_endpoint_equal(&again.remote, &s->remote));
    FUZZ_CHECK(again.state == s->state && again.uid == s->uid && again.inode == s->inode);
    g_string_free(line, TRUE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    guint8 selector = fuzz_byte(&in);
    gboolean v6_table = selector & 1;
    int byte_order = selector & 2 ? G_BIG_ENDIAN : G_LITTLE_ENDIAN;
    char *line = fuzz_copy(in.p, in.left);
    pm_socket s;
    guint8 bytes[16];

    memset(&s, 0xa5, sizeof s);
    switch (pm_parse_socket_line(line, in.left, v6_table, byte_order, &s)) {
    case PM_PARSE_OK:
        FUZZ_CHECK(s.from_v6_table == v6_table);
        FUZZ_CHECK(s.v6only == PM_V6ONLY_UNKNOWN);
        FUZZ_CHECK(s.local.addr.family == PM_AF_INET
                   || (v6_table && s.local.addr.family == PM_AF_INET6));
        FUZZ_CHECK(s.remote.addr.family == PM_AF_INET
                   || (v6_table && s.remote.addr.family == PM_AF_INET6));
        check_round_trip(&s, v6_table, byte_order);
        break;
    case PM_PARSE_SKIP:
    case PM_PARSE_MALFORMED:
        break;
    default:
        FUZZ_CHECK(!"unknown parse result");
    }

    /* The address fields alone, at the lengths the parsers accept. */
    if (pm_parse_hex_ipv4(line, in.left, byte_order, bytes))
        FUZZ_CHECK(in.left == 8);
    if (pm_parse_hex_ipv6(line, in.left, byte_order, bytes))
        FUZZ_CHECK(in.left == 32);
    free(line);
    return 0;
}
