/* carried_trailer.c - process information capture tools put after a frame's
 * IP packet, and PCAPdroid's pcapng uid map (layouts: docs/capture-comments.md).
 *
 *   PCAPdroid  [Ethernet (MACs 0) | IP | 0-3 zero bytes | magic | uid |
 *              app name, 20 bytes NUL-padded | CRC-32]: 32 bytes, magic and
 *              uid big-endian (the 16-byte name of 0a935be6 was replaced
 *              a day later, before any release: not read).
 *   tcpshark   [Ethernet | IP | zeros up to 60 bytes | magic | pid |
 *              cmd length (1 byte) | cmd | args length (2 bytes) | args |
 *              4 zero bytes], big-endian.
 *   eCapture   the same without the args (its cmd is the task's comm).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "carried_trailer.h"

#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_VLAN 0x8100
#define ETHER_HEADER   14
#define ETHER_MIN      60      /* a frame shorter than this is padded with zeros */

#define PCAPDROID_TRAILER 32

static guint16
be16(const guint8 *p)
{
    return (guint16)(p[0] << 8 | p[1]);
}

static guint32
be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

gboolean
pm_ethernet_ip_end(const guint8 *frame, gsize len, gsize *ip_end)
{
    gsize offset = ETHER_HEADER;
    guint16 ethertype;
    gsize ip_len;

    if (frame == NULL || len < ETHER_HEADER)
        return FALSE;
    ethertype = be16(frame + 12);
    if (ethertype == ETHERTYPE_VLAN) {
        if (len < ETHER_HEADER + 4)
            return FALSE;
        ethertype = be16(frame + 16);
        offset += 4;
    }
    if (ethertype == ETHERTYPE_IPV4) {
        if (len < offset + 20 || frame[offset] >> 4 != 4)
            return FALSE;
        ip_len = be16(frame + offset + 2);
        if (ip_len < (gsize)(frame[offset] & 0x0F) * 4 || ip_len < 20)
            return FALSE;
    } else if (ethertype == ETHERTYPE_IPV6) {
        if (len < offset + 40 || frame[offset] >> 4 != 6)
            return FALSE;
        ip_len = 40 + (gsize)be16(frame + offset + 4);
        if (ip_len == 40)       /* a jumbogram, or nothing: no length to trust */
            return FALSE;
    } else {
        return FALSE;
    }
    if (offset + ip_len >= len)
        return FALSE;
    *ip_end = offset + ip_len;
    return TRUE;
}

/* The text of a NUL-padded field: up to its first NUL. */
static void
padded_text(const guint8 *field, gsize size, const char **text, gsize *len)
{
    const guint8 *nul = memchr(field, '\0', size);

    *text = (const char *)field;
    *len = nul ? (gsize)(nul - field) : size;
}

/* PCAPdroid's trailer ends the frame; FALSE if it is not there. */
static gboolean
read_pcapdroid(const guint8 *frame, gsize len, gsize ip_end, pm_carried_tag *out)
{
    const guint8 *trailer = len >= ip_end + PCAPDROID_TRAILER
                            ? frame + len - PCAPDROID_TRAILER : NULL;

    if (trailer != NULL && be32(trailer) == PM_PCAPDROID_MAGIC) {
        out->kind = PM_CARRIED_PCAPDROID;
        out->has_id = TRUE;
        out->id = be32(trailer + 4);
        padded_text(trailer + 8, PCAPDROID_TRAILER - 12, &out->name, &out->name_len);
        return TRUE;
    }
    /* The magic right after the IP packet (and its padding), but too few
     * bytes after it: cut short. */
    for (gsize at = ip_end; at < ip_end + 4 && at + 4 <= len; at++) {
        if (be32(frame + at) == PM_PCAPDROID_MAGIC) {
            out->kind = PM_CARRIED_PCAPDROID;
            out->malformed = "a truncated PCAPdroid trailer";
            return TRUE;
        }
        if (frame[at] != 0)
            break;
    }
    return FALSE;
}

/* tcpshark's and eCapture's trailer, after the IP packet or after the
 * zeros that pad a short frame to 60 bytes. */
static gboolean
read_gopacket_trailer(const guint8 *frame, gsize len, gsize ip_end, pm_carried_tag *out)
{
    gsize at = ip_end;
    const guint8 *p, *end = frame + len;
    guint32 magic;
    gsize cmd_len, args_len;

    if (ip_end < ETHER_MIN && len >= ETHER_MIN + 4 && be32(frame + ip_end) != PM_TCPSHARK_MAGIC &&
        be32(frame + ip_end) != PM_ECAPTURE_MAGIC) {
        for (gsize i = ip_end; i < ETHER_MIN; i++) {
            if (frame[i] != 0)
                return FALSE;
        }
        at = ETHER_MIN;
    }
    if (at + 4 > len)
        return FALSE;
    p = frame + at;
    magic = be32(p);
    if (magic == PM_TCPSHARK_MAGIC)
        out->kind = PM_CARRIED_TCPSHARK;
    else if (magic == PM_ECAPTURE_MAGIC)
        out->kind = PM_CARRIED_ECAPTURE;
    else
        return FALSE;
    p += 4;
    if ((gsize)(end - p) < 5)
        goto truncated;
    out->id = be32(p);
    cmd_len = p[4];
    p += 5;
    if ((gsize)(end - p) < cmd_len)
        goto truncated;
    padded_text(p, cmd_len, &out->name, &out->name_len);
    p += cmd_len;
    if (out->kind == PM_CARRIED_TCPSHARK) {
        if ((gsize)(end - p) < 2)
            goto truncated;
        args_len = be16(p);
        p += 2;
        if ((gsize)(end - p) < args_len)
            goto truncated;
        padded_text(p, args_len, &out->args, &out->args_len);
    }
    out->has_id = TRUE;
    return TRUE;

truncated:
    out->id = 0;
    out->name = out->args = NULL;
    out->name_len = out->args_len = 0;
    out->malformed = out->kind == PM_CARRIED_TCPSHARK ? "a truncated tcpshark trailer"
                                                      : "a truncated eCapture trailer";
    return TRUE;
}

gboolean
pm_trailer_read(const guint8 *frame, gsize len, pm_carried_tag *out)
{
    gsize ip_end;

    memset(out, 0, sizeof *out);
    if (!pm_ethernet_ip_end(frame, len, &ip_end))
        return FALSE;
    if (read_gopacket_trailer(frame, len, ip_end, out))
        return TRUE;
    memset(out, 0, sizeof *out);
    if (read_pcapdroid(frame, len, ip_end, out))
        return TRUE;
    memset(out, 0, sizeof *out);
    return FALSE;
}

gboolean
pm_pcapdroid_comment_uid(const char *comment, guint32 *uid)
{
    guint64 number;
    gsize len;

    if (comment == NULL || strncmp(comment, "u-", 2) != 0)
        return FALSE;
    comment += 2;
    len = strlen(comment);
    if (len == 0 || len > 10)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isdigit(comment[i]))
            return FALSE;
    }
    if (!g_ascii_string_to_unsigned(comment, 10, 0, G_MAXUINT32, &number, NULL))
        return FALSE;
    *uid = (guint32)number;
    return TRUE;
}

gboolean
pm_pcapdroid_block_read(const guint8 *data, gsize len, pm_pcapdroid_uid_entry *out,
                        const char **malformed)
{
    gboolean big_endian;
    gsize package_len, app_len;

    memset(out, 0, sizeof *out);
    *malformed = NULL;
    if (data == NULL || len < 4)
        goto truncated;
    /* version (2 bytes), type (1), padding (1), then the uid map entry:
     * uid (4), package length (1), app name length (1), the two names. */
    if (data[0] == 1 && data[1] == 0)
        big_endian = FALSE;
    else if (data[0] == 0 && data[1] == 1)
        big_endian = TRUE;
    else
        return FALSE;       /* another version */
    if (data[2] != 1)
        return FALSE;       /* not a uid map */
    if (len < 10)
        goto truncated;
    out->uid = big_endian ? be32(data + 4)
                          : (guint32)data[4] | (guint32)data[5] << 8 |
                            (guint32)data[6] << 16 | (guint32)data[7] << 24;
    package_len = data[8];
    app_len = data[9];
    if (len - 10 < package_len + app_len)
        goto truncated;
    out->package = (const char *)data + 10;
    out->package_len = package_len;
    out->app = out->package + package_len;
    out->app_len = app_len;
    return TRUE;

truncated:
    memset(out, 0, sizeof *out);
    *malformed = "a truncated PCAPdroid uid map block";
    return FALSE;
}
