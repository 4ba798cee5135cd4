/* fuzz_ifaddr.c - one RTM_NEWADDR payload (struct ifaddrmsg and its
 * attributes) to a local address.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_netlink.h"

#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *payload = (guint8 *)fuzz_copy(data, size);
    struct ifaddrmsg msg;
    pm_addr addr;
    pm_nl_row row;
    gboolean unused;

    memset(&msg, 0, sizeof msg);
    row = pm_nl_parse_ifaddr(payload, size, &addr);

    if (size < sizeof msg) {
        FUZZ_CHECK(row == PM_NL_ROW_MALFORMED);
    } else {
        memcpy(&msg, payload, sizeof msg);
        if (fuzz_walk_attrs(payload, size, NLMSG_ALIGN(sizeof msg), G_MAXUINT16, &unused)
            == PM_NL_ATTR_MALFORMED)
            FUZZ_CHECK(row == PM_NL_ROW_MALFORMED);
        else if (msg.ifa_family != AF_INET && msg.ifa_family != AF_INET6)
            FUZZ_CHECK(row == PM_NL_ROW_SKIP);
    }
    if (row == PM_NL_ROW_OK) {
        FUZZ_CHECK(fuzz_addr_ok(&addr));
        /* An IPv4 message never yields IPv6 (a v4-mapped IPv6 may yield IPv4). */
        if (msg.ifa_family == AF_INET)
            FUZZ_CHECK(addr.family == PM_AF_INET);
    }
    free(payload);
    return 0;
}
