/* fuzz_packet_parse.c - the TCP/UDP tuple of a captured frame
 * (plugin/extcap/packet_parse.c): bytes off the wire.
 *
 * Input: a byte choosing the link type (among those handled and a few
 * others), a byte whose low bit says whether the interface has a MAC (the
 * next six bytes), then the frame.
 *
 * A tuple has a transport, two endpoints of one family with its address
 * length, and a direction only where the link layer can tell one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "packet_parse.h"

static const int linktypes[] = {
    DLT_NULL, DLT_EN10MB, DLT_RAW, PM_DLT_RAW_OPENBSD, DLT_LOOP, DLT_LINUX_SLL,
    DLT_IPV4, DLT_IPV6, DLT_LINUX_SLL2, 105 /* 802.11 */, 127, -1,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    int linktype = linktypes[fuzz_byte(&in) % G_N_ELEMENTS(linktypes)];
    gboolean has_mac = fuzz_byte(&in) & 1;
    guint8 mac[6] = { 0 };
    char *frame;
    pm_packet_tuple tuple;

    for (int i = 0; has_mac && i < 6; i++)
        mac[i] = fuzz_byte(&in);
    frame = fuzz_copy(in.p, in.left);
    if (pm_packet_parse(linktype, (const guint8 *)frame, in.left, has_mac ? mac : NULL, &tuple)) {
        FUZZ_CHECK(tuple.transport == PM_TRANSPORT_TCP || tuple.transport == PM_TRANSPORT_UDP);
        FUZZ_CHECK(tuple.src.addr.family == tuple.dst.addr.family);
        FUZZ_CHECK(tuple.src.addr.family == PM_AF_INET || tuple.src.addr.family == PM_AF_INET6);
        FUZZ_CHECK(tuple.direction == PM_DIRECTION_UNKNOWN ||
                   tuple.direction == PM_DIRECTION_INBOUND ||
                   tuple.direction == PM_DIRECTION_OUTBOUND);
        /* Ethernet tells a direction only by the interface's own MAC. */
        if (linktype == DLT_EN10MB && !has_mac)
            FUZZ_CHECK(tuple.direction == PM_DIRECTION_UNKNOWN);
    }
    free(frame);
    return 0;
}
