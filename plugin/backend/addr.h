/* addr.h - canonical IP addresses and endpoints.
 *
 * One canonical form for every address the watcher sees, whatever its source
 * (a /proc/net hex field, a netlink message, a Wireshark address):
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) is stored as plain IPv4, so a tcp6 socket
 * holding a mapped address matches an IPv4 packet.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_ADDR_H
#define PROCMAP_ADDR_H

#include <glib.h>

G_BEGIN_DECLS

#define PM_AF_NONE 0
#define PM_AF_INET 4
#define PM_AF_INET6 6

typedef struct {
    guint8 family;      /* PM_AF_INET or PM_AF_INET6 */
    guint8 bytes[16];   /* network order; IPv4 uses the first 4, the rest are 0 */
} pm_addr;

typedef struct {
    pm_addr addr;
    guint16 port;
} pm_endpoint;

/* Longest text form, "[ffff:...:ffff]:65535" plus NUL. */
#define PM_ADDR_STRLEN 48
#define PM_ENDPOINT_STRLEN 56

void pm_addr_from_ipv4(pm_addr *addr, const guint8 bytes[4]);
/* Stores IPv4-mapped addresses as IPv4. */
void pm_addr_from_ipv6(pm_addr *addr, const guint8 bytes[16]);
void pm_addr_any(pm_addr *addr, guint8 family);

gboolean pm_addr_is_any(const pm_addr *addr);
gboolean pm_addr_is_loopback(const pm_addr *addr);
gboolean pm_addr_equal(const pm_addr *a, const pm_addr *b);

/* RFC 5952 text for IPv6, dotted quad for IPv4. Returns @buf. */
char *pm_addr_to_string(const pm_addr *addr, char *buf, gsize len);
/* Accepts dotted quad and any IPv6 text form; canonicalises. */
gboolean pm_addr_parse(const char *text, pm_addr *out);

/* "a.b.c.d:port" or "[v6]:port". Returns @buf. */
char *pm_endpoint_to_string(const pm_endpoint *ep, char *buf, gsize len);
/* Accepts "a.b.c.d:port", "[v6]:port" and, as ss prints it, "v6:port"
 * split at the last colon. */
gboolean pm_endpoint_parse(const char *text, pm_endpoint *out);

gboolean pm_endpoint_equal(const pm_endpoint *a, const pm_endpoint *b);

/* For GHashTables keyed by pm_addr* and pm_endpoint*. */
guint    pm_addr_hash(gconstpointer addr);
gboolean pm_addr_key_equal(gconstpointer a, gconstpointer b);
guint    pm_endpoint_hash(gconstpointer endpoint);
gboolean pm_endpoint_key_equal(gconstpointer a, gconstpointer b);

G_END_DECLS

#endif /* PROCMAP_ADDR_H */
