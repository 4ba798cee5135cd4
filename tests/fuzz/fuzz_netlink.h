/* fuzz_netlink.h - checks the netlink targets share.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_FUZZ_NETLINK_H
#define PROCMAP_FUZZ_NETLINK_H

#include "fuzz_common.h"

#include "netlink_parse.h"

/* Walks the attributes of @payload from @offset: each lies inside the
 * payload and the walk moves forward.  Returns how it ended; *@empty_seen
 * tells whether an attribute of @empty_type came without data. */
static inline pm_nl_attr_result
fuzz_walk_attrs(const guint8 *payload, gsize len, gsize offset, guint16 empty_type,
                gboolean *empty_seen)
{
    pm_nl_attr_result result;
    const guint8 *attr_data;
    gsize attr_len;
    guint16 type;

    *empty_seen = FALSE;
    for (;;) {
        gsize before = offset;
        result = pm_nl_next_attr(payload, len, &offset, &type, &attr_data, &attr_len);
        if (result != PM_NL_ATTR_OK)
            return result;
        FUZZ_CHECK(offset > before && offset <= len);
        FUZZ_CHECK(attr_data >= payload + before + 4 && attr_data + attr_len <= payload + len);
        FUZZ_CHECK((type & 0xc000) == 0);  /* NLA_F_NESTED, NLA_F_NET_BYTEORDER dropped */
        if (type == empty_type && attr_len == 0)
            *empty_seen = TRUE;
    }
}

static inline gboolean
fuzz_addr_ok(const pm_addr *addr)
{
    return addr->family == PM_AF_INET || addr->family == PM_AF_INET6;
}

#endif /* PROCMAP_FUZZ_NETLINK_H */
