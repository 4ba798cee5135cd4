/* netlink_parse.h - pure builders and parsers for the netlink messages of
 * the netlink backend (sock_diag socket dumps, rtnetlink address dumps).
 *
 * No I/O and no global state: every parser takes bytes and a length and
 * checks every length it reads (nlmsghdr, payload, rtattr), so any bytes are
 * safe to hand in - a fuzzer can call these directly.  Nothing here assumes
 * the buffer is aligned: structures are copied out with memcpy.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_NETLINK_PARSE_H
#define PROCMAP_NETLINK_PARSE_H

#include <glib.h>

#include "addr.h"
#include "backend.h"

G_BEGIN_DECLS

/* States asked of a TCP dump, as a bit per kernel state number: all real
 * states (ESTABLISHED=1 .. CLOSING=11) except TIME_WAIT (6), whose rows have
 * inode 0 and can never have an owner.  Left out too: NEW_SYN_RECV (12,
 * request sockets, inode 0) and the pseudo-state BOUND_INACTIVE (13, Linux
 * 6.7+: bound, never listening or connecting), which /proc/net/tcp does not
 * show either. */
#define PM_NL_TCP_STATES (0x0ffeu & ~(1u << 6))
/* UDP sockets are CLOSE (7, unconnected) or ESTABLISHED (1); ask for every
 * real state so nothing the kernel might show is missed. */
#define PM_NL_UDP_STATES 0x1ffeu

/* A request of @family/@protocol states @states, @seq, NLM_F_DUMP.  Returns
 * its length, or 0 if @cap is too small. */
gsize pm_nl_build_inet_diag_request(guint8 *buf, gsize cap, guint8 family, guint8 protocol,
                                    guint32 states, guint32 seq);
/* RTM_GETADDR dump of every family. */
gsize pm_nl_build_getaddr_request(guint8 *buf, gsize cap, guint32 seq);

/* A request for the one socket of @protocol (IPPROTO_TCP or IPPROTO_UDP)
 * that a packet from @remote to @local would reach, on interface @ifindex:
 * SOCK_DIAG_BY_FAMILY without NLM_F_DUMP, so the kernel runs its own lookup
 * (inet_diag_find_one_icsk, udp_dump_one) - a connected socket with both
 * ends, else one bound to @local's address or the any-address on its port,
 * for IPv4 also a dual-stack "::" one - and answers with that socket or
 * ENOENT.  @remote NULL asks for unconnected sockets only (any-address,
 * port 0).  Sockets bound to a device answer only when @ifindex is theirs;
 * unbound ones answer for any @ifindex.  No cookie (INET_DIAG_NOCOOKIE).
 * UDP takes the ends swapped (the packet's source in idiag_src), TCP
 * not.  Returns the length, or 0 if @cap is too small or the ends are of
 * different families. */
gsize pm_nl_build_inet_diag_lookup(guint8 *buf, gsize cap, guint8 protocol,
                                   const pm_endpoint *local, const pm_endpoint *remote,
                                   guint32 ifindex, guint32 seq);

/* ---- messages ----------------------------------------------------------- */

typedef struct {
    guint16       type;
    guint16       flags;
    guint32       seq;
    guint32       pid;
    const guint8 *payload;      /* inside the caller's buffer */
    gsize         payload_len;  /* nlmsg_len minus the header */
} pm_nl_message;

typedef enum {
    PM_NL_NEXT_OK = 0,
    PM_NL_NEXT_END,        /* no bytes left */
    PM_NL_NEXT_MALFORMED   /* a header cut short or an nlmsg_len that lies */
} pm_nl_next_result;

/* The message at *@offset of a datagram of @len bytes.  On OK, *@offset moves
 * to the next (aligned) message.  nlmsg_len below the header size or beyond
 * the datagram is MALFORMED; an unaligned nlmsg_len is taken as the message's
 * length, the next message starting at the aligned offset (the last one may
 * lack its padding). */
pm_nl_next_result pm_nl_next_message(const guint8 *buf, gsize len, gsize *offset,
                                     pm_nl_message *out);

typedef enum {
    PM_NL_KIND_DATA = 0,   /* anything else: the caller checks the type */
    PM_NL_KIND_DONE,       /* end of a dump */
    PM_NL_KIND_ERROR,      /* NLMSG_ERROR with an errno, NLMSG_DONE carrying one,
                            * NLMSG_OVERRUN (EOVERFLOW) */
    PM_NL_KIND_ACK,        /* NLMSG_ERROR with error 0 */
    PM_NL_KIND_NOOP,
    PM_NL_KIND_MALFORMED   /* NLMSG_ERROR too short for its error code */
} pm_nl_kind;

/* What a message means for a dump.  *@err receives a positive errno for
 * ERROR (a kernel error outside 1..4095 becomes EPROTO), else 0. */
pm_nl_kind pm_nl_classify(const pm_nl_message *msg, int *err);

/* ---- attributes --------------------------------------------------------- */

typedef enum {
    PM_NL_ATTR_OK = 0,
    PM_NL_ATTR_END,
    PM_NL_ATTR_MALFORMED   /* rta_len below 4, beyond the bytes left, or 1-3 stray bytes */
} pm_nl_attr_result;

/* The attribute at *@offset of @len bytes; the type loses the NLA_F_NESTED
 * and NLA_F_NET_BYTEORDER flags. */
pm_nl_attr_result pm_nl_next_attr(const guint8 *buf, gsize len, gsize *offset,
                                  guint16 *type, const guint8 **data, gsize *data_len);

/* ---- rows --------------------------------------------------------------- */

typedef enum {
    PM_NL_ROW_OK = 0,
    PM_NL_ROW_SKIP,        /* valid but of no use: inode 0, another family, no address */
    PM_NL_ROW_MALFORMED
} pm_nl_row;

/* The payload of one SOCK_DIAG_BY_FAMILY reply (struct inet_diag_msg and its
 * attributes) as procfs would list the socket: canonical addresses, host
 * order ports, state, uid, inode, from_v6_table = AF_INET6.  v6only comes
 * from INET_DIAG_SKV6ONLY, which the kernel sends for AF_INET6 sockets in
 * LISTEN or CLOSE state (the unconnected ones); UNKNOWN without it.  Inode 0
 * is SKIP (TIME_WAIT, orphans, request sockets). */
pm_nl_row pm_nl_parse_inet_diag(const guint8 *payload, gsize len, pm_socket *out);

/* The payload of one RTM_NEWADDR (struct ifaddrmsg and its attributes): the
 * local address, IFA_LOCAL when present (on point-to-point links IFA_ADDRESS
 * is the peer), else IFA_ADDRESS; canonical form.  Families other than IPv4
 * and IPv6 are SKIP. */
pm_nl_row pm_nl_parse_ifaddr(const guint8 *payload, gsize len, pm_addr *out);
/* The same, and the index of the interface that holds the address. */
pm_nl_row pm_nl_parse_ifaddr_on(const guint8 *payload, gsize len, pm_addr *out,
                                guint32 *ifindex);

G_END_DECLS

#endif /* PROCMAP_NETLINK_PARSE_H */
