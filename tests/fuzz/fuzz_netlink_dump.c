/* fuzz_netlink_dump.c - one datagram of a netlink dump reply: message
 * framing, classification (DONE, ERROR, ACK, OVERRUN...) and each data
 * message handed to the row parser, as the netlink backend does.
 *
 * Input: a selector byte (bit 0: an address dump, else a socket dump), then
 * the datagram.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_netlink.h"

#include <linux/netlink.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    gboolean addresses = fuzz_byte(&in) & 1;
    gsize len = in.left, offset = 0;
    guint8 *datagram = (guint8 *)fuzz_copy(in.p, len);
    pm_nl_next_result next;
    pm_nl_message msg;

    for (;;) {
        gsize before = offset;
        int err = -1;
        pm_nl_kind kind;

        next = pm_nl_next_message(datagram, len, &offset, &msg);
        if (next != PM_NL_NEXT_OK)
            break;
        FUZZ_CHECK(offset > before && offset <= len);
        FUZZ_CHECK(msg.payload == datagram + before + NLMSG_HDRLEN);
        FUZZ_CHECK(msg.payload + msg.payload_len <= datagram + len);
        kind = pm_nl_classify(&msg, &err);
        FUZZ_CHECK(err >= 0 && err <= 4095);
        FUZZ_CHECK((kind == PM_NL_KIND_ERROR) == (err != 0));
        if (kind == PM_NL_KIND_DONE || kind == PM_NL_KIND_ERROR || kind == PM_NL_KIND_MALFORMED)
            break;  /* the backend stops reading here */
        if (kind != PM_NL_KIND_DATA)
            continue;
        if (addresses) {
            pm_addr addr;
            if (pm_nl_parse_ifaddr(msg.payload, msg.payload_len, &addr) == PM_NL_ROW_OK)
                FUZZ_CHECK(fuzz_addr_ok(&addr));
        } else {
            pm_socket s;
            if (pm_nl_parse_inet_diag(msg.payload, msg.payload_len, &s) == PM_NL_ROW_OK)
                FUZZ_CHECK(s.inode != 0 && fuzz_addr_ok(&s.local.addr));
        }
    }
    FUZZ_CHECK(next != PM_NL_NEXT_END || offset >= len);
    free(datagram);
    return 0;
}
