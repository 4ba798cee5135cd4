/* fuzz_conntrack.c - one ctnetlink entry (IPCTNL_MSG_CT_NEW payload:
 * struct nfgenmsg, the original and reply tuples, and whatever else the
 * kernel adds) to a connection, and the socket ends of each of its ends.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_netlink.h"

#include "conntrack_parse.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>

static gboolean
same(const pm_endpoint *a, const pm_endpoint *b)
{
    return pm_endpoint_equal(a, b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *payload = (guint8 *)fuzz_copy(data, size);
    struct nfgenmsg nfg;
    pm_connection c, untouched;
    pm_endpoint sl, sr;
    guint8 protocol = 0;
    gboolean unused;
    pm_nl_row row;

    memset(&c, 0xa5, sizeof c);
    untouched = c;
    row = pm_ct_parse_entry(payload, size, &protocol, &c);

    if (size < sizeof nfg) {
        FUZZ_CHECK(row == PM_NL_ROW_MALFORMED);
    } else {
        memcpy(&nfg, payload, sizeof nfg);
        if (nfg.nfgen_family != AF_INET && nfg.nfgen_family != AF_INET6)
            FUZZ_CHECK(row == PM_NL_ROW_MALFORMED);
        else if (fuzz_walk_attrs(payload, size, NLMSG_ALIGN(sizeof nfg), G_MAXUINT16, &unused)
                 == PM_NL_ATTR_MALFORMED)
            FUZZ_CHECK(row == PM_NL_ROW_MALFORMED);   /* a cut top-level attribute */
    }
    if (row != PM_NL_ROW_OK) {
        /* Nothing half-written. */
        FUZZ_CHECK(memcmp(&c, &untouched, sizeof c) == 0);
        if (row == PM_NL_ROW_SKIP)
            FUZZ_CHECK(protocol != IPPROTO_TCP && protocol != IPPROTO_UDP);
        free(payload);
        return 0;
    }
    FUZZ_CHECK(protocol == IPPROTO_TCP || protocol == IPPROTO_UDP);
    FUZZ_CHECK(fuzz_addr_ok(&c.original_src.addr) && fuzz_addr_ok(&c.original_dst.addr));
    FUZZ_CHECK(fuzz_addr_ok(&c.reply_src.addr) && fuzz_addr_ok(&c.reply_dst.addr));
    /* The initiator's ends give its socket, the original tuple ... */
    FUZZ_CHECK(pm_ct_socket_ends(&c, &c.original_src, &c.original_dst, &sl, &sr));
    FUZZ_CHECK(same(&sl, &c.original_src) && same(&sr, &c.original_dst));
    FUZZ_CHECK(pm_ct_socket_ends(&c, &c.reply_dst, &c.reply_src, &sl, &sr));
    /* ... the responder's the reply tuple - unless its pair of ends is
     * also one of the initiator's (checked first): the reply tuple equal to
     * the original one, or a reply tuple from an end to itself. */
    FUZZ_CHECK(pm_ct_socket_ends(&c, &c.reply_src, &c.reply_dst, &sl, &sr));
    if ((same(&c.reply_src, &c.original_src) && same(&c.reply_dst, &c.original_dst))
        || same(&c.reply_src, &c.reply_dst))
        FUZZ_CHECK(same(&sl, &c.original_src) && same(&sr, &c.original_dst));
    else
        FUZZ_CHECK(same(&sl, &c.reply_src) && same(&sr, &c.reply_dst));
    free(payload);
    return 0;
}
