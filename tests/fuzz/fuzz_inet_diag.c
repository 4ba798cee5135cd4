/* fuzz_inet_diag.c - one SOCK_DIAG_BY_FAMILY reply payload (struct
 * inet_diag_msg and its attributes) to a pm_socket.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_netlink.h"

#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *payload = (guint8 *)fuzz_copy(data, size);
    struct inet_diag_msg msg;
    pm_socket s;
    pm_nl_row row;
    gboolean empty_v6only = FALSE;

    memset(&msg, 0, sizeof msg);
    row = pm_nl_parse_inet_diag(payload, size, &s);

    if (size < sizeof msg) {
        FUZZ_CHECK(row == PM_NL_ROW_MALFORMED);
    } else {
        memcpy(&msg, payload, sizeof msg);
        if (msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6)
            FUZZ_CHECK(row == PM_NL_ROW_MALFORMED);
        else if (fuzz_walk_attrs(payload, size, NLMSG_ALIGN(sizeof msg), INET_DIAG_SKV6ONLY,
                                 &empty_v6only) == PM_NL_ATTR_MALFORMED || empty_v6only)
            FUZZ_CHECK(row == PM_NL_ROW_MALFORMED);  /* cut, or a v6only flag without its byte */
        else if (msg.idiag_inode == 0)
            FUZZ_CHECK(row == PM_NL_ROW_SKIP);
    }
    if (row == PM_NL_ROW_OK) {
        FUZZ_CHECK(s.inode == msg.idiag_inode && s.uid == msg.idiag_uid);
        FUZZ_CHECK(s.state == msg.idiag_state);
        FUZZ_CHECK(s.local.port == g_ntohs(msg.id.idiag_sport));
        FUZZ_CHECK(s.remote.port == g_ntohs(msg.id.idiag_dport));
        FUZZ_CHECK(fuzz_addr_ok(&s.local.addr) && fuzz_addr_ok(&s.remote.addr));
        FUZZ_CHECK(s.from_v6_table == (msg.idiag_family == AF_INET6));
        if (msg.idiag_family == AF_INET)
            FUZZ_CHECK(s.v6only == PM_V6ONLY_UNKNOWN && s.local.addr.family == PM_AF_INET);
    }
    free(payload);
    return 0;
}
