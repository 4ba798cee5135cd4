/* conntrack_parse.h - pure builder and parser of the ctnetlink messages
 * that ask the kernel's connection tracking about one packet.
 *
 * A request is IPCTNL_MSG_CT_GET without NLM_F_DUMP: the kernel looks the
 * given tuple up in its hash, which holds every entry under both its
 * original and its reply tuple, and answers with that one entry
 * (IPCTNL_MSG_CT_NEW) or ENOENT - never a dump of the table.
 *
 * No I/O and no global state; every length is checked before it is read
 * and structures are memcpy'd out, so any bytes are safe to hand in (a
 * fuzzer calls pm_ct_parse_entry directly).  The attribute walk is
 * netlink_parse.h's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_CONNTRACK_PARSE_H
#define PROCMAP_CONNTRACK_PARSE_H

#include <glib.h>

#include "backend.h"
#include "netlink_parse.h"

G_BEGIN_DECLS

/* nlmsg_type of a ctnetlink message: subsystem in the high byte. */
#define PM_CT_MSG_TYPE(msg) ((guint16)((1u /* NFNL_SUBSYS_CTNETLINK */ << 8) | (msg)))

/* The request for the entry whose original or reply tuple is @src -> @dst
 * of @protocol (IPPROTO_TCP or IPPROTO_UDP), in conntrack zone 0, with
 * sequence @seq.  Returns its length, or 0 if @cap is too small or the
 * ends are not of one IP family. */
gsize pm_ct_build_get(guint8 *buf, gsize cap, guint8 protocol, const pm_endpoint *src,
                      const pm_endpoint *dst, guint32 seq);

/* The payload of one IPCTNL_MSG_CT_NEW message (struct nfgenmsg and its
 * attributes): the original and reply tuples, canonical addresses, host
 * order ports, and the protocol number in *@protocol.  MALFORMED: a header
 * or attribute cut short, a tuple without its addresses, protocol or
 * ports, addresses of another size than the family's, tuples of two
 * protocols; SKIP: an entry of a protocol without ports (neither TCP nor
 * UDP), which a lookup of ours never asks for. */
pm_nl_row pm_ct_parse_entry(const guint8 *payload, gsize len, guint8 *protocol,
                            pm_connection *out);

/* Which ends a socket on this host would have for one end of a packet of
 * @connection: @local and @remote are that end and the other, as the
 * packet carries them (before or after NAT, whichever the capture saw).
 * The end is the connection's initiator when (@local, @remote) is its
 * original (source, destination) or its reply (destination, source): its
 * socket is the original tuple's source and destination.  It is the
 * responder when (@local, @remote) is the original (destination, source)
 * or the reply (source, destination): its socket has the reply tuple's
 * source and destination.  FALSE if @connection has no such end pair. */
gboolean pm_ct_socket_ends(const pm_connection *connection, const pm_endpoint *local,
                           const pm_endpoint *remote, pm_endpoint *socket_local,
                           pm_endpoint *socket_remote);

G_END_DECLS

#endif /* PROCMAP_CONNTRACK_PARSE_H */
