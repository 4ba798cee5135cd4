/* test_carried_trailer.c - the trailers of PCAPdroid, tcpshark and eCapture
 * after an Ethernet frame's IP packet, PCAPdroid's "u-<uid>" comments and
 * uid map blocks, and what carried.c makes of them.  Pure GLib.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "carried_trailer.h"

/* An Ethernet frame: zero MACs, IPv4 with @payload bytes after a 20-byte
 * header (content zero), then @trailer. */
static GByteArray *
frame_with(guint payload, const guint8 *trailer, gsize trailer_len)
{
    GByteArray *frame = g_byte_array_new();
    guint8 header[34] = { 0 };
    guint total = 20 + payload;

    header[12] = 0x08;
    header[14] = 0x45;
    header[16] = (guint8)(total >> 8);
    header[17] = (guint8)total;
    g_byte_array_append(frame, header, sizeof header);
    for (guint i = 0; i < payload; i++)
        g_byte_array_append(frame, (const guint8 *)"p", 1);
    if (trailer_len)
        g_byte_array_append(frame, trailer, (guint)trailer_len);
    return frame;
}

static void
put32(guint8 *p, guint32 v)
{
    p[0] = (guint8)(v >> 24);
    p[1] = (guint8)(v >> 16);
    p[2] = (guint8)(v >> 8);
    p[3] = (guint8)v;
}

/* PCAPdroid's 32 bytes, after @pad zero bytes. */
static gsize
pcapdroid_trailer(guint8 *out, guint pad, guint32 magic, guint32 uid, const char *name)
{
    memset(out, 0, pad + 32);
    put32(out + pad, magic);
    put32(out + pad + 4, uid);
    memcpy(out + pad + 8, name, MIN(strlen(name), 20));
    put32(out + pad + 28, 0xDEADBEEF);     /* the CRC: not checked */
    return pad + 32;
}

static void
test_ethernet_ip_end(void)
{
    guint8 fcs[4] = { 1, 2, 3, 4 };
    GByteArray *frame = frame_with(10, fcs, 4);
    gsize end = 0;

    g_assert_true(pm_ethernet_ip_end(frame->data, frame->len, &end));
    g_assert_cmpuint(end, ==, 44);
    /* Nothing after the IP packet; not IPv4/IPv6; cut short. */
    g_assert_false(pm_ethernet_ip_end(frame->data, 44, &end));
    frame->data[12] = 0x08, frame->data[13] = 0x06;
    g_assert_false(pm_ethernet_ip_end(frame->data, frame->len, &end));
    g_assert_false(pm_ethernet_ip_end(frame->data, 20, &end));
    g_assert_false(pm_ethernet_ip_end(NULL, 0, &end));
    g_byte_array_unref(frame);
}

static void
test_pcapdroid_trailer(void)
{
    guint8 trailer[40];
    /* 34 + 10 = 44: a multiple of 4, no padding; 34 + 11: 1 byte. */
    for (guint payload = 10; payload <= 13; payload++) {
        gsize n = pcapdroid_trailer(trailer, (4 - (34 + payload) % 4) % 4, PM_PCAPDROID_MAGIC,
                                    10123, "Chrome");
        GByteArray *frame = frame_with(payload, trailer, n);
        pm_carried_tag tag;

        g_assert_true(pm_trailer_read(frame->data, frame->len, &tag));
        g_assert_cmpint(tag.kind, ==, PM_CARRIED_PCAPDROID);
        g_assert_true(tag.has_id);
        g_assert_cmpuint(tag.id, ==, 10123);
        g_assert_cmpuint(tag.name_len, ==, 6);
        g_assert_cmpmem(tag.name, tag.name_len, "Chrome", 6);
        g_assert_null(tag.malformed);
        g_byte_array_unref(frame);
    }
}

static void
test_pcapdroid_name_fills_its_20_bytes(void)
{
    guint8 trailer[32];
    GByteArray *frame = frame_with(10, trailer, pcapdroid_trailer(trailer, 0, PM_PCAPDROID_MAGIC,
                                                                  1, "abcdefghijklmnopqrstuvwxyz"));
    pm_carried_tag tag;

    g_assert_true(pm_trailer_read(frame->data, frame->len, &tag));
    g_assert_cmpuint(tag.name_len, ==, 20);
    g_assert_cmpmem(tag.name, 20, "abcdefghijklmnopqrst", 20);
    g_byte_array_unref(frame);
}

static void
test_pcapdroid_odd_trailers(void)
{
    guint8 trailer[40];
    GByteArray *frame;
    pm_carried_tag tag;

    /* Wrong magic: not PCAPdroid's, nothing said. */
    frame = frame_with(10, trailer, pcapdroid_trailer(trailer, 0, 0x01072022, 1, "x"));
    g_assert_false(pm_trailer_read(frame->data, frame->len, &tag));
    g_assert_cmpint(tag.kind, ==, PM_CARRIED_NONE);
    g_assert_null(tag.malformed);
    g_byte_array_unref(frame);
    /* Truncated: the magic, then too few bytes. */
    frame = frame_with(10, trailer, pcapdroid_trailer(trailer, 0, PM_PCAPDROID_MAGIC, 1, "x") - 10);
    g_assert_true(pm_trailer_read(frame->data, frame->len, &tag));
    g_assert_cmpint(tag.kind, ==, PM_CARRIED_PCAPDROID);
    g_assert_false(tag.has_id);
    g_assert_cmpstr(tag.malformed, ==, "a truncated PCAPdroid trailer");
    g_byte_array_unref(frame);
    /* The magic inside the IP packet does not count. */
    frame = frame_with(0, NULL, 0);
    pcapdroid_trailer(trailer, 0, PM_PCAPDROID_MAGIC, 1, "x");
    g_byte_array_append(frame, trailer, 32);
    frame->data[17] = 52;     /* the IP packet includes it */
    g_assert_false(pm_trailer_read(frame->data, frame->len, &tag));
    g_byte_array_unref(frame);
}

/* tcpshark's or eCapture's trailer (args < 0: none) and 4 zero bytes. */
static gsize
gopacket_trailer(guint8 *out, guint32 magic, guint32 pid, const char *cmd, const char *args)
{
    gsize n = 0, cmd_len = strlen(cmd);

    put32(out, magic);
    put32(out + 4, pid);
    out[8] = (guint8)cmd_len;
    memcpy(out + 9, cmd, cmd_len);
    n = 9 + cmd_len;
    if (args != NULL) {
        gsize args_len = strlen(args);
        out[n] = (guint8)(args_len >> 8);
        out[n + 1] = (guint8)args_len;
        memcpy(out + n + 2, args, args_len);
        n += 2 + args_len;
    }
    memset(out + n, 0, 4);
    return n + 4;
}

static void
test_tcpshark_and_ecapture(void)
{
    guint8 trailer[128];
    GByteArray *frame;
    pm_carried_tag tag;

    frame = frame_with(40, trailer, gopacket_trailer(trailer, PM_TCPSHARK_MAGIC, 4242, "curl",
                                                     "curl -s http://x/"));
    g_assert_true(pm_trailer_read(frame->data, frame->len, &tag));
    g_assert_cmpint(tag.kind, ==, PM_CARRIED_TCPSHARK);
    g_assert_cmpuint(tag.id, ==, 4242);
    g_assert_cmpmem(tag.name, tag.name_len, "curl", 4);
    g_assert_cmpmem(tag.args, tag.args_len, "curl -s http://x/", 17);
    g_byte_array_unref(frame);

    /* A short frame: zeros up to 60 bytes, then the trailer. */
    frame = frame_with(2, NULL, 0);
    memset(trailer, 0, 60 - frame->len);
    g_byte_array_append(frame, trailer, 60 - frame->len);
    g_byte_array_append(frame, trailer,
                        (guint)gopacket_trailer(trailer, PM_ECAPTURE_MAGIC, 777,
                                                "openssl\0\0", NULL));
    g_assert_true(pm_trailer_read(frame->data, frame->len, &tag));
    g_assert_cmpint(tag.kind, ==, PM_CARRIED_ECAPTURE);
    g_assert_cmpuint(tag.id, ==, 777);
    g_assert_cmpmem(tag.name, tag.name_len, "openssl", 7);
    g_assert_null(tag.args);
    g_byte_array_unref(frame);

    /* Truncated: the command line is longer than what is left. */
    frame = frame_with(40, trailer, gopacket_trailer(trailer, PM_TCPSHARK_MAGIC, 1, "curl",
                                                     "curl x") - 8);
    g_assert_true(pm_trailer_read(frame->data, frame->len, &tag));
    g_assert_false(tag.has_id);
    g_assert_cmpstr(tag.malformed, ==, "a truncated tcpshark trailer");
    g_byte_array_unref(frame);
    frame = frame_with(40, trailer, 6);
    put32(trailer, PM_ECAPTURE_MAGIC);
    memcpy(frame->data + frame->len - 6, trailer, 4);
    g_assert_true(pm_trailer_read(frame->data, frame->len, &tag));
    g_assert_cmpstr(tag.malformed, ==, "a truncated eCapture trailer");
    g_byte_array_unref(frame);
}

static void
test_pcapdroid_comment(void)
{
    guint32 uid = 0;

    g_assert_true(pm_pcapdroid_comment_uid("u-10123", &uid));
    g_assert_cmpuint(uid, ==, 10123);
    g_assert_true(pm_pcapdroid_comment_uid("u-0", &uid));
    g_assert_cmpuint(uid, ==, 0);
    g_assert_false(pm_pcapdroid_comment_uid("u-", &uid));
    g_assert_false(pm_pcapdroid_comment_uid("u-12x", &uid));
    g_assert_false(pm_pcapdroid_comment_uid("u--1", &uid));
    g_assert_false(pm_pcapdroid_comment_uid("u-4294967296", &uid));
    g_assert_false(pm_pcapdroid_comment_uid("U-1", &uid));
    g_assert_false(pm_pcapdroid_comment_uid(" u-1", &uid));
    g_assert_false(pm_pcapdroid_comment_uid(NULL, &uid));
}

static void
test_pcapdroid_uid_map_block(void)
{
    /* version 1, type 1 (uid map), uid 10123, "com.a" (5), "A" (1). */
    const guint8 le[] = { 1, 0, 1, 0, 0x8B, 0x27, 0, 0, 5, 1, 'c', 'o', 'm', '.', 'a', 'A', 0, 0 };
    const guint8 be[] = { 0, 1, 1, 0, 0, 0, 0x27, 0x8B, 5, 1, 'c', 'o', 'm', '.', 'a', 'A' };
    const guint8 later[] = { 2, 0, 1, 0, 0x8B, 0x27, 0, 0, 0, 0 };
    const guint8 other_type[] = { 1, 0, 2, 0, 0x8B, 0x27, 0, 0, 0, 0 };
    pm_pcapdroid_uid_entry entry;
    const char *malformed;

    g_assert_true(pm_pcapdroid_block_read(le, sizeof le, &entry, &malformed));
    g_assert_null(malformed);
    g_assert_cmpuint(entry.uid, ==, 10123);
    g_assert_cmpmem(entry.package, entry.package_len, "com.a", 5);
    g_assert_cmpmem(entry.app, entry.app_len, "A", 1);
    g_assert_true(pm_pcapdroid_block_read(be, sizeof be, &entry, &malformed));
    g_assert_cmpuint(entry.uid, ==, 10123);
    g_assert_cmpmem(entry.app, entry.app_len, "A", 1);
    /* Not for this reader: nothing wrong. */
    g_assert_false(pm_pcapdroid_block_read(later, sizeof later, &entry, &malformed));
    g_assert_null(malformed);
    g_assert_false(pm_pcapdroid_block_read(other_type, sizeof other_type, &entry, &malformed));
    g_assert_null(malformed);
    /* Truncated: the header, the names. */
    g_assert_false(pm_pcapdroid_block_read(le, 8, &entry, &malformed));
    g_assert_cmpstr(malformed, ==, "a truncated PCAPdroid uid map block");
    g_assert_false(pm_pcapdroid_block_read(be, 15, &entry, &malformed));
    g_assert_cmpstr(malformed, ==, "a truncated PCAPdroid uid map block");
    g_assert_false(pm_pcapdroid_block_read(le, 2, &entry, &malformed));
    g_assert_nonnull(malformed);
}

static void
test_tags_become_processes(void)
{
    pm_carried_tag tag = { 0 };
    pm_carried carried;
    const pm_carried_process *p;

    /* PCAPdroid: an app, by uid; a name that is not UTF-8 is made so. */
    tag.kind = PM_CARRIED_PCAPDROID;
    tag.has_id = TRUE;
    tag.id = 10300;
    tag.name = "Caf\xe9";
    tag.name_len = 4;
    tag.package = "com.caf";
    tag.package_len = 7;
    g_assert_true(pm_carried_parse(NULL, 0, NULL, &tag, &carried));
    g_assert_cmpint(carried.kind, ==, PM_CARRIED_PCAPDROID);
    p = &carried.process[PM_CARRIED_EITHER];
    g_assert_cmpint(p->raw.pid, ==, -1);
    g_assert_true(p->raw.has_uid);
    g_assert_cmpuint(p->raw.uid, ==, 10300);
    g_assert_cmpstr(p->raw.name, ==, "Caf\xef\xbf\xbd");
    g_assert_cmpstr(p->raw.carried.package, ==, "com.caf");
    pm_carried_clear(&carried);
    /* uid -1: PCAPdroid did not know the app. */
    tag.id = G_MAXUINT32;
    g_assert_false(pm_carried_parse(NULL, 0, NULL, &tag, &carried));
    g_assert_cmpuint(carried.n_malformed, ==, 0);
    pm_carried_clear(&carried);

    /* tcpshark: pid 0 is none; an out-of-range pid is malformed. */
    memset(&tag, 0, sizeof tag);
    tag.kind = PM_CARRIED_TCPSHARK;
    tag.has_id = TRUE;
    tag.id = 0;
    g_assert_false(pm_carried_parse(NULL, 0, NULL, &tag, &carried));
    g_assert_cmpuint(carried.n_malformed, ==, 0);
    pm_carried_clear(&carried);
    tag.id = 0x80000000u;
    g_assert_false(pm_carried_parse(NULL, 0, NULL, &tag, &carried));
    g_assert_cmpstr(carried.malformed, ==, "an out-of-range tcpshark PID");
    pm_carried_clear(&carried);
    tag.id = 4242;
    tag.name = "curl";
    tag.name_len = 4;
    tag.args = "curl -s x";
    tag.args_len = 9;
    g_assert_true(pm_carried_parse(NULL, 0, NULL, &tag, &carried));
    p = &carried.process[PM_CARRIED_EITHER];
    g_assert_cmpint(p->raw.pid, ==, 4242);
    g_assert_cmpstr(p->raw.name, ==, "curl");
    g_assert_cmpstr(p->args, ==, "curl -s x");
    g_assert_null(p->raw.comm);
    pm_carried_clear(&carried);

    /* A truncated trailer: malformed, no process. */
    memset(&tag, 0, sizeof tag);
    tag.kind = PM_CARRIED_ECAPTURE;
    tag.malformed = "a truncated eCapture trailer";
    g_assert_false(pm_carried_parse(NULL, 0, NULL, &tag, &carried));
    g_assert_cmpstr(carried.malformed, ==, "a truncated eCapture trailer");
    pm_carried_clear(&carried);

    /* A comment's process wins over a trailer's. */
    {
        const char *comment = "PID: 5\nCmd: /bin/x";
        memset(&tag, 0, sizeof tag);
        tag.kind = PM_CARRIED_TCPSHARK;
        tag.has_id = TRUE;
        tag.id = 6;
        g_assert_true(pm_carried_parse(&comment, 1, NULL, &tag, &carried));
        g_assert_cmpint(carried.kind, ==, PM_CARRIED_PTCPDUMP);
        g_assert_cmpint(carried.process[PM_CARRIED_EITHER].raw.pid, ==, 5);
        pm_carried_clear(&carried);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/carried_trailer/ethernet_ip_end", test_ethernet_ip_end);
    g_test_add_func("/carried_trailer/pcapdroid", test_pcapdroid_trailer);
    g_test_add_func("/carried_trailer/pcapdroid_name_20_bytes",
                    test_pcapdroid_name_fills_its_20_bytes);
    g_test_add_func("/carried_trailer/pcapdroid_odd", test_pcapdroid_odd_trailers);
    g_test_add_func("/carried_trailer/tcpshark_ecapture", test_tcpshark_and_ecapture);
    g_test_add_func("/carried_trailer/pcapdroid_comment", test_pcapdroid_comment);
    g_test_add_func("/carried_trailer/pcapdroid_uid_map", test_pcapdroid_uid_map_block);
    g_test_add_func("/carried_trailer/tags_become_processes", test_tags_become_processes);
    return g_test_run();
}
