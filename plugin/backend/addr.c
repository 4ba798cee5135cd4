/* addr.c - canonical IP addresses and endpoints.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const guint8 v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void
pm_addr_from_ipv4(pm_addr *addr, const guint8 bytes[4])
{
    memset(addr, 0, sizeof *addr);
    addr->family = PM_AF_INET;
    memcpy(addr->bytes, bytes, 4);
}

void
pm_addr_from_ipv6(pm_addr *addr, const guint8 bytes[16])
{
    if (memcmp(bytes, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
        pm_addr_from_ipv4(addr, bytes + 12);
        return;
    }
    memset(addr, 0, sizeof *addr);
    addr->family = PM_AF_INET6;
    memcpy(addr->bytes, bytes, 16);
}

void
pm_addr_any(pm_addr *addr, guint8 family)
{
    memset(addr, 0, sizeof *addr);
    addr->family = family;
}

gboolean
pm_addr_is_any(const pm_addr *addr)
{
    static const guint8 zero[16];
    return memcmp(addr->bytes, zero, addr->family == PM_AF_INET ? 4 : 16) == 0;
}

gboolean
pm_addr_is_loopback(const pm_addr *addr)
{
    static const guint8 v6_loopback[16] = { [15] = 1 };
    if (addr->family == PM_AF_INET)
        return addr->bytes[0] == 127;
    return addr->family == PM_AF_INET6 && memcmp(addr->bytes, v6_loopback, 16) == 0;
}

gboolean
pm_addr_equal(const pm_addr *a, const pm_addr *b)
{
    /* Unused bytes are always zero, so the whole struct compares. */
    return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

gboolean
pm_addr_key_equal(gconstpointer a, gconstpointer b)
{
    return pm_addr_equal(a, b);
}

guint
pm_addr_hash(gconstpointer key)
{
    const pm_addr *addr = key;
    guint32 words[4], h = 0x9e3779b9u ^ addr->family;

    /* Four words, multiplied in: unused bytes are zero, so IPv4 needs no
     * case of its own, and it is a few instructions where a byte-wise
     * hash of an IPv6 address took ~80 (it runs several times a frame). */
    memcpy(words, addr->bytes, sizeof words);
    for (int i = 0; i < 4; i++) {
        h = (h ^ words[i]) * 0x85ebca6bu;
        h ^= h >> 13;
    }
    return h;
}

char *
pm_addr_to_string(const pm_addr *addr, char *buf, gsize len)
{
    if (addr->family == PM_AF_INET) {
        if (!inet_ntop(AF_INET, addr->bytes, buf, (socklen_t)len))
            g_strlcpy(buf, "?", len);
    } else if (addr->family == PM_AF_INET6) {
        if (!inet_ntop(AF_INET6, addr->bytes, buf, (socklen_t)len))
            g_strlcpy(buf, "?", len);
    } else {
        g_strlcpy(buf, "-", len);
    }
    return buf;
}

gboolean
pm_addr_parse(const char *text, pm_addr *out)
{
    guint8 bytes[16];

    if (text == NULL)
        return FALSE;
    if (inet_pton(AF_INET, text, bytes) == 1) {
        pm_addr_from_ipv4(out, bytes);
        return TRUE;
    }
    if (inet_pton(AF_INET6, text, bytes) == 1) {
        pm_addr_from_ipv6(out, bytes);
        return TRUE;
    }
    return FALSE;
}

/* Appends @value in decimal at @p; returns the end. */
static char *
put_decimal(char *p, guint value)
{
    char digits[10];
    int n = 0;

    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

/* Written by hand, not with printf: the plugin writes one per side of every
 * frame whose endpoint field is shown or read. */
char *
pm_endpoint_to_string(const pm_endpoint *ep, char *buf, gsize len)
{
    char text[PM_ENDPOINT_STRLEN], *p = text;

    if (ep->addr.family == PM_AF_INET) {
        for (int i = 0; i < 4; i++) {
            if (i > 0)
                *p++ = '.';
            p = put_decimal(p, ep->addr.bytes[i]);
        }
    } else if (ep->addr.family == PM_AF_INET6) {
        *p++ = '[';
        pm_addr_to_string(&ep->addr, p, PM_ADDR_STRLEN);
        p += strlen(p);
        *p++ = ']';
    } else {
        pm_addr_to_string(&ep->addr, p, PM_ADDR_STRLEN);
        p += strlen(p);
    }
    *p++ = ':';
    p = put_decimal(p, ep->port);
    *p = '\0';
    if (len > 0)
        g_strlcpy(buf, text, len);
    return buf;
}

static gboolean
parse_port(const char *text, guint16 *port)
{
    guint64 v;
    char *end;

    if (*text == '\0' || !g_ascii_isdigit(*text))
        return FALSE;
    v = g_ascii_strtoull(text, &end, 10);
    if (*end != '\0' || v > 65535)
        return FALSE;
    *port = (guint16)v;
    return TRUE;
}

gboolean
pm_endpoint_parse(const char *text, pm_endpoint *out)
{
    char host[PM_ADDR_STRLEN];
    const char *colon;
    gsize host_len;

    if (text == NULL)
        return FALSE;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || close[1] != ':')
            return FALSE;
        host_len = (gsize)(close - text - 1);
        if (host_len >= sizeof host)
            return FALSE;
        memcpy(host, text + 1, host_len);
        host[host_len] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL)
            return FALSE;
        host_len = (gsize)(colon - text);
        if (host_len >= sizeof host)
            return FALSE;
        memcpy(host, text, host_len);
        host[host_len] = '\0';
    }
    if (strcmp(host, "*") == 0)      /* ss prints the any-address as "*" */
        g_strlcpy(host, "0.0.0.0", sizeof host);
    return pm_addr_parse(host, &out->addr) && parse_port(colon + 1, &out->port);
}

gboolean
pm_endpoint_equal(const pm_endpoint *a, const pm_endpoint *b)
{
    return a->port == b->port && pm_addr_equal(&a->addr, &b->addr);
}

gboolean
pm_endpoint_key_equal(gconstpointer a, gconstpointer b)
{
    return pm_endpoint_equal(a, b);
}

guint
pm_endpoint_hash(gconstpointer key)
{
    const pm_endpoint *ep = key;
    return pm_addr_hash(&ep->addr) ^ ((guint)ep->port * 2654435761u);
}
