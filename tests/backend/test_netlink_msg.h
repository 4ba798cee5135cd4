/* test_netlink_msg.h - hand-built netlink messages for the netlink tests:
 * datagrams of nlmsghdr-framed messages, inet_diag and ifaddr payloads,
 * attributes, NLMSG_DONE and NLMSG_ERROR, with the means to make lengths lie.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_TEST_NETLINK_MSG_H
#define PROCMAP_TEST_NETLINK_MSG_H

#include <glib.h>

G_BEGIN_DECLS

/* Appends a message (header + @payload, padded to 4 bytes) to @datagram and
 * returns its offset; nlmsg_len is honest, see nt_set_len(). */
gsize nt_put_message(GByteArray *datagram, guint16 type, guint32 seq,
                     const guint8 *payload, gsize len);
/* Overwrites the nlmsg_len of the message at @offset. */
void nt_set_len(GByteArray *datagram, gsize offset, guint32 nlmsg_len);
gsize nt_put_done(GByteArray *datagram, guint32 seq, gint32 code);
void nt_put_error(GByteArray *datagram, guint32 seq, gint32 code);

/* An attribute (rtattr header + @data, padded unless @pad is FALSE). */
void nt_put_attr(GByteArray *payload, guint16 type, const void *data, gsize len,
                 gboolean pad);

/* struct inet_diag_msg of @family with text addresses (inet_pton),
 * host-order ports. */
GByteArray *nt_diag_payload(guint8 family, guint8 state, const char *src, guint16 sport,
                            const char *dst, guint16 dport, guint32 uid, guint32 inode);
/* Adds INET_DIAG_SKV6ONLY = @v6only. */
void nt_put_v6only(GByteArray *payload, guint8 v6only);
/* A diag message of one socket, v6only attribute added if @v6only >= 0. */
void nt_put_diag(GByteArray *datagram, guint32 seq, guint8 family, guint8 state,
                 const char *src, guint16 sport, const char *dst, guint16 dport,
                 guint32 uid, guint32 inode, int v6only);

/* struct ifaddrmsg of @family, then IFA_LOCAL @local and IFA_ADDRESS
 * @address when not NULL. */
GByteArray *nt_ifaddr_payload(guint8 family, const char *local, const char *address);

/* Registration of the tests of test_netlink_parse_framing.c. */
void add_framing_tests(void);

G_END_DECLS

#endif /* PROCMAP_TEST_NETLINK_MSG_H */
