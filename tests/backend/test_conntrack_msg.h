/* test_conntrack_msg.h - hand-built ctnetlink messages for the conntrack
 * tests: entries (IPCTNL_MSG_CT_NEW payloads) with their tuples and the
 * attributes a kernel adds, written with the UAPI constants, independently
 * of the builder and parser under test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_TEST_CONNTRACK_MSG_H
#define PROCMAP_TEST_CONNTRACK_MSG_H

#include <glib.h>

#include "backend.h"

G_BEGIN_DECLS

/* "a.b.c.d:port" or "[v6]:port". */
pm_endpoint ct_endpoint(const char *text);

/* A CTA_TUPLE_ORIG or CTA_TUPLE_REPLY attribute of @protocol from @src to
 * @dst (endpoints as text; ports left out for a protocol without them). */
void ct_put_tuple(GByteArray *payload, guint16 type, guint8 protocol, const char *src,
                  const char *dst);

/* struct nfgenmsg of @family. */
GByteArray *ct_payload_start(guint8 family);

/* A whole entry as a kernel sends it: nfgenmsg, the two tuples, then
 * status, timeout, mark, protocol info, use count, id. */
GByteArray *ct_entry_payload(guint8 protocol, const char *original_src,
                             const char *original_dst, const char *reply_src,
                             const char *reply_dst);

/* The entry as an IPCTNL_MSG_CT_NEW message of sequence @seq. */
void ct_put_entry(GByteArray *datagram, guint32 seq, GByteArray *payload);

G_END_DECLS

#endif /* PROCMAP_TEST_CONNTRACK_MSG_H */
